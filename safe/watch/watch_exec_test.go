package watch

import (
	"context"
	"errors"
	"math/big"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/safe/internal/fakechain"
	"github.com/bulwark-sec/bulwark/safe/onchain"
	"github.com/bulwark-sec/bulwark/safe/policy"
)

// fakeExecLogs serves ExecutionSuccess logs by block hash, and the
// verdicts on record.
type fakeExecLogs struct {
	mu      sync.Mutex
	byHash  map[common.Hash][]onchain.EventLog
	recs    map[common.Hash][]policy.VerificationRecord
	logErr  error
	recErr  error
	queries []onchain.LogFilter
}

func (f *fakeExecLogs) ReadLogs(_ context.Context, q onchain.LogFilter) ([]onchain.EventLog, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queries = append(f.queries, q)
	if f.logErr != nil {
		return nil, f.logErr
	}
	if q.BlockHash == nil {
		return nil, bulwark.Errorf(bulwark.EINTERNAL, "fake: logs by range, want by block hash")
	}
	var out []onchain.EventLog
	for _, l := range f.byHash[*q.BlockHash] {
		if slices.Contains(q.Addresses, l.Address) && slices.Contains(q.Topics0, l.Topics[0]) {
			out = append(out, l)
		}
	}
	return out, nil
}

func (f *fakeExecLogs) Verifications(_ context.Context, h common.Hash) ([]policy.VerificationRecord, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.recErr != nil {
		return nil, f.recErr
	}
	return append([]policy.VerificationRecord{}, f.recs[h]...), nil
}

// execLog is an ExecutionSuccess of safeTxHash by addr: txHash in the data
// (up to 1.3.0) or indexed (1.4.0+).
func execLog(addr common.Address, safeTxHash common.Hash, indexed bool) onchain.EventLog {
	l := onchain.EventLog{Address: addr, TxHash: common.HexToHash("0xe7ec"), Topics: []common.Hash{onchain.TopicExecutionSuccess}}
	if indexed {
		l.Topics = append(l.Topics, safeTxHash)
		l.Data = make([]byte, 32)
	} else {
		l.Data = append(safeTxHash.Bytes(), make([]byte, 32)...)
	}
	return l
}

func TestWatcherExecutions(t *testing.T) {
	ctx := context.Background()
	g := fakechain.New()
	g.AddSafe(watchSafeA, fakechain.Owners(3), 2, nil)
	g.AddSafe(watchSafeB, fakechain.Owners(2), 1, nil)
	chain := newFakeWatchChain(g)
	fx := &fakeExecLogs{byHash: map[common.Hash][]onchain.EventLog{}, recs: map[common.Hash][]policy.VerificationRecord{}}
	w, err := New(chain, []common.Address{watchSafeA, watchSafeB}, Options{Read: onchain.ReadOptions{Registry: fakechain.Registry(t)},
		Executions: &ExecutionCheck{Logs: fx, Verified: fx}})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Start(ctx, 0); err != nil {
		t.Fatal(err)
	}
	hash := func(s string) common.Hash { return common.HexToHash("0x5afe" + s) }
	rec := func(addr common.Address, chainID int64, v bulwark.Verdict) policy.VerificationRecord {
		return policy.VerificationRecord{Safe: addr, ChainID: big.NewInt(chainID), Verdict: v, AuditSeq: 7}
	}
	fx.recs[hash("02")] = []policy.VerificationRecord{rec(watchSafeA, 10, bulwark.VerdictOK)}
	fx.recs[hash("03")] = []policy.VerificationRecord{rec(watchSafeB, 10, bulwark.VerdictOK), rec(watchSafeB, 10, bulwark.VerdictReject)}
	fx.recs[hash("04")] = []policy.VerificationRecord{rec(watchSafeA, 1, bulwark.VerdictOK), rec(watchSafeB, 10, bulwark.VerdictOK)}
	fx.recs[hash("05")] = []policy.VerificationRecord{rec(watchSafeB, 10, bulwark.VerdictReview)}
	other := common.HexToAddress("0x00000000000000000000000000000000000bad00")
	failure := execLog(watchSafeA, hash("06"), false)
	failure.Topics[0] = onchain.TopicExecutionFailure

	for _, tc := range []struct {
		name string
		logs []onchain.EventLog
		want []string
		sev  []policy.Severity
		msg  string
	}{
		{"no execution", nil, nil, nil, ""},
		{"unverified (1.3.0 data)", []onchain.EventLog{execLog(watchSafeA, hash("01"), false)}, []string{CodeUnverifiedExecution}, []policy.Severity{policy.SeverityHigh}, "without a Bulwark verification"},
		{"verified ok", []onchain.EventLog{execLog(watchSafeA, hash("02"), false)}, nil, nil, ""},
		{"verified review", []onchain.EventLog{execLog(watchSafeB, hash("05"), true)}, nil, nil, ""},
		{"rejected (1.4.0 topic)", []onchain.EventLog{execLog(watchSafeB, hash("03"), true)}, []string{CodeExecutedRejected}, []policy.Severity{policy.SeverityCritical}, "although Bulwark rejected it"},
		{"verified for another chain and Safe only", []onchain.EventLog{execLog(watchSafeA, hash("04"), true)}, []string{CodeUnverifiedExecution}, []policy.Severity{policy.SeverityHigh}, "another Safe or chain"},
		{"not watched, a failure, removed", []onchain.EventLog{execLog(other, hash("01"), true), failure,
			func() onchain.EventLog { l := execLog(watchSafeA, hash("01"), true); l.Removed = true; return l }()}, nil, nil, ""},
		{"two in one block, after a state change", []onchain.EventLog{execLog(watchSafeA, hash("01"), true), execLog(watchSafeB, hash("03"), false)},
			[]string{policy.CodeGuardChange, CodeUnverifiedExecution, CodeExecutedRejected}, []policy.Severity{policy.SeverityHigh, policy.SeverityHigh, policy.SeverityCritical}, ""},
	} {
		h := chain.mine(func(s *fakechain.Chain) {
			if strings.HasPrefix(tc.name, "two") {
				s.Set(watchSafeA, onchain.SlotGuard, fakechain.SlotWord(other))
			}
		})
		fx.byHash[h.Hash] = tc.logs
		alerts := step(t, w)
		if !slices.Equal(codesOf(alerts), tc.want) {
			t.Errorf("%s: codes %v, want %v (%v)", tc.name, codesOf(alerts), tc.want, alerts)
			continue
		}
		for i, a := range alerts {
			if a.Severity != tc.sev[i] || a.Block != h.Number || a.BlockHash != h.Hash.Hex() {
				t.Errorf("%s: alert %+v", tc.name, a)
			}
			if a.Code == policy.CodeGuardChange {
				continue
			}
			if a.SafeTxHash == "" || a.TxHash != common.HexToHash("0xe7ec").Hex() || !strings.Contains(a.Message, a.SafeTxHash) || !strings.Contains(a.Message, tc.msg) {
				t.Errorf("%s: alert %+v", tc.name, a)
			}
		}
	}
	if last := fx.queries[len(fx.queries)-1]; len(last.Addresses) != 2 || len(last.Topics0) != 1 || last.Topics0[0] != onchain.TopicExecutionSuccess {
		t.Errorf("query %+v", last)
	}

	// A failed log read or lookup leaves the block to be retried.
	for name, set := range map[string]func(error){
		"logs":   func(e error) { fx.mu.Lock(); fx.logErr = e; fx.mu.Unlock() },
		"lookup": func(e error) { fx.mu.Lock(); fx.recErr = e; fx.mu.Unlock() },
	} {
		before := w.Last()
		h := chain.mine(nil)
		fx.byHash[h.Hash] = []onchain.EventLog{execLog(watchSafeA, hash("01"), false)}
		boom := bulwark.Errorf(bulwark.EUNAVAILABLE, "boom")
		set(boom)
		if _, err := w.Step(ctx); !errors.Is(err, boom) && !strings.Contains(bulwark.ErrorMessage(err), "boom") {
			t.Errorf("%s: Step = %v, want the failure", name, err)
		}
		if w.Last() != before {
			t.Errorf("%s: the watcher moved on to %+v", name, w.Last())
		}
		set(nil)
		if alerts := step(t, w); !slices.Equal(codesOf(alerts), []string{CodeUnverifiedExecution}) || w.Last() != h {
			t.Errorf("%s: retry: %v, last %+v", name, alerts, w.Last())
		}
	}
}

func TestExecutionLogChunks(t *testing.T) {
	g := fakechain.New()
	var safes []common.Address
	for i := range ExecutionLogChunk + 3 {
		a := common.BigToAddress(big.NewInt(int64(0x5afe0000 + i)))
		g.AddSafe(a, fakechain.Owners(1), 1, nil)
		safes = append(safes, a)
	}
	chain := newFakeWatchChain(g)
	fx := &fakeExecLogs{byHash: map[common.Hash][]onchain.EventLog{}}
	w, err := New(chain, safes, Options{Read: onchain.ReadOptions{Registry: fakechain.Registry(t)}, Executions: &ExecutionCheck{Logs: fx, Verified: fx}})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Start(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	h := chain.mine(nil)
	last := safes[len(safes)-1]
	fx.byHash[h.Hash] = []onchain.EventLog{execLog(last, common.HexToHash("0x01"), true)}
	alerts := step(t, w)
	if len(fx.queries) != 2 || len(fx.queries[0].Addresses) != ExecutionLogChunk || len(fx.queries[1].Addresses) != 3 {
		t.Errorf("%d queries", len(fx.queries))
	}
	if len(alerts) != 1 || alerts[0].Safe != last.Hex() {
		t.Errorf("alerts %v", alerts)
	}
}
