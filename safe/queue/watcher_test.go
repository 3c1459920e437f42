package queue_test

import (
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"math/big"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/safe"
	"github.com/bulwark-sec/bulwark/safe/cosign"
	"github.com/bulwark-sec/bulwark/safe/onchain"
	"github.com/bulwark-sec/bulwark/safe/policy"
	"github.com/bulwark-sec/bulwark/safe/queue"
	"github.com/bulwark-sec/bulwark/safe/watch"
	"github.com/bulwark-sec/bulwark/sqlite"
	"github.com/bulwark-sec/bulwark/sqlite/sqlitetest"
)

var (
	safeA = common.HexToAddress("0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4")
	safeB = common.HexToAddress("0x96221423681A6d52E184D440a8eFCEbB105C7242")
)

// ownerKey is an owner of the fake co-signer's Safes; strangerKey is not.
var (
	ownerKey, _    = crypto.HexToECDSA("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")
	strangerKey, _ = crypto.HexToECDSA("8da4ef21b864d2cc526dbdb2a120bd2874c36c9d0a1fb7f8c63d7f7a8b41de8f")
	owner          = crypto.PubkeyToAddress(ownerKey.PublicKey)
	cosignerAddr   = common.HexToAddress("0x00000000000000000000000000000000000C0516")
)

// sign signs h as an owner's confirmation: v 27/28, or eth_sign's 31/32.
func sign(t testing.TB, h common.Hash, key *ecdsa.PrivateKey, ethSign bool) []byte {
	digest := h.Bytes()
	if ethSign {
		digest = crypto.Keccak256([]byte("\x19Ethereum Signed Message:\n32"), h.Bytes())
	}
	sig, err := crypto.Sign(digest, key)
	if err != nil {
		t.Fatal(err)
	}
	sig[64] += 27
	if ethSign {
		sig[64] += 4
	}
	return sig
}

// tx returns an entry of safe with the given nonce, confirmed by owner;
// its "to" tells the fake co-signer what to decide.
func tx(s common.Address, nonce int64, to string) queue.Entry {
	e := unconfirmed(s, nonce, to)
	e.Confirmations, e.Signatures = []common.Address{owner}, [][]byte{sign(nil, e.SafeTxHash, ownerKey, false)}
	return e
}

// unconfirmed is tx without a confirmation.
func unconfirmed(s common.Address, nonce int64, to string) queue.Entry {
	h := common.BigToHash(big.NewInt(nonce*1000 + int64(len(to))))
	return queue.Entry{Tx: &policy.ServiceTx{Safe: s, SafeTxHash: &h, Tx: safe.Tx{To: common.HexToAddress(to), Value: big.NewInt(1), Nonce: big.NewInt(nonce),
		SafeTxGas: new(big.Int), BaseGas: new(big.Int), GasPrice: new(big.Int)}}, SafeTxHash: h, Nonce: big.NewInt(nonce), ConfirmationsRequired: 3}
}

// Targets the fake co-signer decides on.
const (
	toOK      = "0x00000000000000000000000000000000000000a1"
	toReview  = "0x00000000000000000000000000000000000000a2"
	toReject  = "0x00000000000000000000000000000000000000a3"
	toStale   = "0x00000000000000000000000000000000000000a4" // refused with verdict ok: a pre-signing check failed
	toInvalid = "0x00000000000000000000000000000000000000a5" // EINVALID: cannot be verified
	toDown    = "0x00000000000000000000000000000000000000a6" // the node is down
	toNoDec   = "0x00000000000000000000000000000000000000a7" // a decision the watcher does not know
)

// fakeSource lists the queues it holds; fail, per Safe, fails the listing.
type fakeSource struct {
	mu       sync.Mutex
	queues   map[common.Address][]queue.Entry
	truncate map[common.Address]bool
	fail     map[common.Address]error
	// hang, per Safe, keeps the listing going until its context ends, as
	// a service linking page after page does; without a deadline it
	// returns nothing at once instead of hanging the test.
	hang     map[common.Address]bool
	inflight int
	maxIn    int
	calls    int
}

func (f *fakeSource) Pending(ctx context.Context, s common.Address) (queue.Listing, error) {
	f.mu.Lock()
	f.calls++
	f.inflight++
	f.maxIn = max(f.maxIn, f.inflight)
	l, err := queue.Listing{Entries: f.queues[s], Truncated: f.truncate[s]}, f.fail[s]
	hang := f.hang[s]
	f.mu.Unlock()
	if _, bounded := ctx.Deadline(); hang && bounded {
		<-ctx.Done()
		return queue.Listing{}, ctx.Err()
	}
	defer func() {
		f.mu.Lock()
		f.inflight--
		f.mu.Unlock()
	}()
	return l, err
}

// fakeCosigner decides by the transaction's target; down makes toDown
// fail until cleared.
type fakeCosigner struct {
	mu    sync.Mutex
	down  bool
	calls int
	// nonces are the nonces asked, in order (dry runs not counted in
	// calls nor nonces: dry counts them).
	nonces []int64
	dry    int
	// safeNonce, when set, is the Safe's nonce the verification reads:
	// a transaction ahead of it is not simulated (NOT_SIMULATED).
	safeNonce *big.Int
	// refusing, when set, refuses every transaction with this co-signer
	// finding (LISTS_STALE, …).
	refusing string
	// approved are the safeTxHashes two people approved: a review verdict
	// is signed.
	approved map[common.Hash]bool
}

func (f *fakeCosigner) Cosign(ctx context.Context, req cosign.Request) (*cosign.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if req.DryRun {
		f.dry++
	} else {
		f.calls++
		f.nonces = append(f.nonces, req.Tx.Tx.Nonce.Int64())
	}
	if req.Requester != queue.Requester {
		return nil, bulwark.Errorf(bulwark.EINTERNAL, "requester %q", req.Requester)
	}
	// The watch's look-ahead at every poll is not audited; its decisions are.
	if req.DryRun != req.Unaudited {
		return nil, bulwark.Errorf(bulwark.EINTERNAL, "a request with dry run %v and unaudited %v", req.DryRun, req.Unaudited)
	}
	res := &cosign.Result{SafeTxHash: *req.Tx.SafeTxHash, AuditSeq: 0}
	finding := policy.Finding{Code: policy.CodeUnknownTarget, Severity: policy.SeverityMedium, Message: "the target is not known"}
	switch req.Tx.Tx.To.Hex() {
	case common.HexToAddress(toOK).Hex():
		res.Decision, res.Verdict, res.Signature = cosign.DecisionSigned, bulwark.VerdictOK, make([]byte, 65)
	case common.HexToAddress(toReview).Hex():
		res.Decision, res.Verdict, res.Findings = cosign.DecisionHeld, bulwark.VerdictReview, []policy.Finding{finding}
	case common.HexToAddress(toReject).Hex():
		res.Decision, res.Verdict = cosign.DecisionRefused, bulwark.VerdictReject
		res.Findings = []policy.Finding{{Code: policy.CodeUntrustedDelegateCall, Severity: policy.SeverityCritical, Message: "DELEGATECALL to an unknown contract"}, finding}
	case common.HexToAddress(toStale).Hex():
		res.Decision, res.Verdict = cosign.DecisionRefused, bulwark.VerdictOK
	case common.HexToAddress(toInvalid).Hex():
		return nil, bulwark.Invalid("safe", "not a Safe")
	case common.HexToAddress(toDown).Hex():
		if f.down {
			return nil, bulwark.Errorf(bulwark.EUNAVAILABLE, "the node is unreachable")
		}
		res.Decision, res.Verdict = queue.DecisionVerified, bulwark.VerdictOK
	case common.HexToAddress(toNoDec).Hex():
		res.Decision, res.Verdict = "pondering", bulwark.VerdictOK
	}
	res.PolicyVerdict = res.Verdict
	if res.Decision == cosign.DecisionHeld && f.approved[res.SafeTxHash] {
		res.Decision, res.Signature = cosign.DecisionSigned, make([]byte, 65)
	}
	refuse := func(code string) {
		res.Findings = append(res.Findings, policy.Finding{Code: code, Severity: policy.SeverityCritical, Message: code + " as told"})
		res.Decision, res.Verdict, res.Signature = cosign.DecisionRefused, bulwark.VerdictReject, nil
	}
	res.Cosigner = cosignerAddr
	res.Verification = &policy.Verification{Chain: &policy.ChainCheck{State: &onchain.State{Nonce: f.safeNonce, Owners: []common.Address{owner, cosignerAddr, safeB}}}}
	if f.safeNonce != nil {
		if req.Tx.Tx.Nonce.Cmp(f.safeNonce) > 0 {
			refuse(cosign.CodeNotSimulated)
		}
	}
	if f.refusing != "" {
		refuse(f.refusing)
	}
	return res, nil
}

type fakePusher struct {
	mu     sync.Mutex
	pushed []common.Hash
	fail   error
}

func (f *fakePusher) Confirm(ctx context.Context, h common.Hash, sig []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return f.fail
	}
	f.pushed = append(f.pushed, h)
	return nil
}

type watchlist []common.Address

func (w watchlist) Watches(context.Context) ([]watch.WatchedSafe, error) {
	out := make([]watch.WatchedSafe, len(w))
	for i, a := range w {
		out[i] = watch.WatchedSafe{Safe: a}
	}
	return out, nil
}

type rig struct {
	db   *sqlite.DB
	src  *fakeSource
	cos  *fakeCosigner
	push *fakePusher
	wake int
	mu   sync.Mutex
}

func newRig(t *testing.T) *rig {
	return &rig{db: sqlitetest.Open(t, sqlite.Options{}), src: &fakeSource{queues: map[common.Address][]queue.Entry{}, fail: map[common.Address]error{}, truncate: map[common.Address]bool{}, hang: map[common.Address]bool{}},
		cos: &fakeCosigner{approved: map[common.Hash]bool{}}, push: &fakePusher{}}
}

func (r *rig) config(safes ...common.Address) queue.Config {
	return queue.Config{Source: r.src, Cosigner: r.cos, Push: r.push, Watches: watchlist(safes), Store: r.db, Alerts: r.db,
		Log: &audit.Log{Store: r.db}, Stored: func() { r.mu.Lock(); r.wake++; r.mu.Unlock() }, Concurrency: 3}
}

func (r *rig) watcher(safes ...common.Address) *queue.Watcher {
	return queue.NewWatcher(r.config(safes...))
}

func (r *rig) alerts(t *testing.T) []watch.StoredAlert {
	t.Helper()
	as, err := r.db.Alerts(context.Background(), watch.AlertFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return as
}

// TestPollDecidesEachEntryOnce: every new entry goes to the co-signer
// once; signed ones are pushed, held and refused ones alerted with the
// rule and the evidence, a malformed one alerted without stopping the
// others; a second poll, and a restarted watcher, decide nothing again.
func TestPollDecidesEachEntryOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newRig(t)
	malformed := queue.Entry{Err: bulwark.Invalid("results[1].value", "1.5e18 is not a whole number"), Nonce: big.NewInt(2), SafeTxHash: common.HexToHash("0x22")}
	r.src.queues[safeA] = []queue.Entry{tx(safeA, 1, toOK), malformed, tx(safeA, 3, toReview), tx(safeA, 4, toReject), tx(safeA, 4, toStale)}
	r.src.queues[safeB] = []queue.Entry{tx(safeB, 9, toInvalid), tx(safeB, 10, toNoDec), tx(safeB, 10, toNoDec)}
	w := r.watcher(safeA, safeB)
	st, err := w.Poll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := queue.PollStats{Safes: 2, Entries: 8, New: 7, Signed: 1, Held: 1, Refused: 4, Malformed: 1, Pushed: 1}
	if st != want {
		t.Fatalf("first poll %+v, want %+v", st, want)
	}
	if len(r.push.pushed) != 1 || r.push.pushed[0] != *tx(safeA, 1, toOK).Tx.SafeTxHash {
		t.Errorf("pushed %v", r.push.pushed)
	}
	type alertWant struct {
		safe     common.Address
		code     string
		severity policy.Severity
		says     []string
	}
	wantAlerts := map[string]alertWant{
		"2":  {safeA, queue.CodeTxMalformed, policy.SeverityHigh, []string{"nonce 2", "results[1].value", "1.5e18"}},
		"3":  {safeA, queue.CodeTxHeld, policy.SeverityHigh, []string{"nonce 3", "1 of 3 confirmations", "verdict review", "UNKNOWN_TARGET (medium) the target is not known"}},
		"4r": {safeA, queue.CodeTxRefused, policy.SeverityCritical, []string{"nonce 4", "verdict reject", "UNTRUSTED_DELEGATECALL (critical) DELEGATECALL to an unknown contract; UNKNOWN_TARGET"}},
		"4s": {safeA, queue.CodeTxRefused, policy.SeverityHigh, []string{"nonce 4", "verdict ok", "no finding"}},
		"9":  {safeB, queue.CodeTxRefused, policy.SeverityHigh, []string{"nonce 9", "cannot be verified", "not a Safe"}},
		"10": {safeB, queue.CodeTxRefused, policy.SeverityHigh, []string{"nonce 10"}},
	}
	as := r.alerts(t)
	if len(as) != len(wantAlerts) {
		t.Fatalf("%d alerts, want %d: %+v", len(as), len(wantAlerts), as)
	}
	matched := 0
	for _, a := range as {
		for k, w := range wantAlerts {
			ok := a.Safe == w.safe.Hex() && a.Code == w.code && a.Severity == w.severity && a.SafeTxHash != ""
			for _, s := range w.says {
				ok = ok && strings.Contains(a.Message, s)
			}
			if ok {
				delete(wantAlerts, k)
				matched++
				break
			}
		}
	}
	if len(wantAlerts) != 0 {
		t.Errorf("alerts missing: %+v\namong %+v", wantAlerts, as)
	}
	if r.wake != len(as) {
		t.Errorf("delivery woken %d times for %d alerts", r.wake, len(as))
	}
	entries, err := r.db.AuditEntries(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	decisions := 0
	for _, e := range entries {
		if e.Action == queue.AuditAction {
			decisions++
		}
	}
	if decisions != 7 {
		t.Errorf("%d decisions audited, want 7", decisions)
	}

	calls := r.cos.calls
	for name, w := range map[string]*queue.Watcher{"the same watcher": w, "a restarted watcher": r.watcher(safeA, safeB)} {
		st, err := w.Poll(ctx)
		if err != nil || st.New != 0 || st.Entries != 8 {
			t.Errorf("%s: poll %+v, %v; want nothing new", name, st, err)
		}
	}
	if r.cos.calls != calls || len(r.alerts(t)) != len(as) || len(r.push.pushed) != 1 {
		t.Errorf("decided again: %d co-signer calls (was %d), %d alerts (was %d), %d pushes", r.cos.calls, calls, len(r.alerts(t)), len(as), len(r.push.pushed))
	}

	// The same claimed hash with other content is a new entry.
	changed := tx(safeA, 3, toReview)
	changed.Tx.Tx.Value = big.NewInt(2)
	r.src.queues[safeA] = append(r.src.queues[safeA], changed)
	if st, _ := w.Poll(ctx); st.New != 1 || st.Held != 1 {
		t.Errorf("changed content under the same hash: %+v", st)
	}
}

// TestPollUncheckedRetried: an entry the co-signer cannot check is alerted
// once, not recorded, and decided at the first poll that can check it.
func TestPollUncheckedRetried(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newRig(t)
	r.cos.down = true
	r.src.queues[safeA] = []queue.Entry{tx(safeA, 1, toDown), tx(safeA, 2, toOK)}
	w := r.watcher(safeA)
	for i, want := range []queue.PollStats{
		{Safes: 1, Entries: 2, New: 2, Unchecked: 1, Signed: 1, Pushed: 1},
		{Safes: 1, Entries: 2, New: 1, Unchecked: 1},
	} {
		if st, _ := w.Poll(ctx); st != want {
			t.Fatalf("poll %d: %+v, want %+v", i, st, want)
		}
	}
	// The failing entry was only asked as a dry run, which the co-signer
	// does not audit: no audit entry per failed poll.
	if r.cos.calls != 1 {
		t.Errorf("%d recorded co-signer requests, want 1 (nonce 2's)", r.cos.calls)
	}
	as := r.alerts(t)
	if len(as) != 1 || as[0].Code != queue.CodeTxUnchecked || as[0].Severity != policy.SeverityHigh || !strings.Contains(as[0].Message, "the node is unreachable") {
		t.Fatalf("alerts %+v, want one QUEUE_TX_UNCHECKED", as)
	}
	r.cos.mu.Lock()
	r.cos.down = false
	r.cos.mu.Unlock()
	if st, _ := w.Poll(ctx); st.New != 1 || st.Verified != 1 {
		t.Fatalf("poll after the node came back: %+v", st)
	}
	if st, _ := w.Poll(ctx); st.New != 0 {
		t.Fatalf("decided twice: %+v", st)
	}
}

// TestPollUnreadable: queues that cannot be read raise one
// QUEUE_UNREADABLE per outage, and never stop the other Safes' queues
// from being read.
func TestPollUnreadable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newRig(t)
	safeC := common.HexToAddress("0x34CfAC646f301356fAa8B21e94227e3583Fe3F5F")
	r.src.queues[safeC] = []queue.Entry{tx(safeC, 1, toReview)}
	down := bulwark.Errorf(bulwark.EUNAVAILABLE, "the service answered 502 Bad Gateway")
	w := r.watcher(safeA, safeB, safeC)
	for i, tt := range []struct {
		fail   []common.Address
		alerts int
		safe   string
	}{
		{[]common.Address{safeA, safeB}, 2, ""}, // the held entry of C, and the outage
		{[]common.Address{safeA, safeB}, 2, ""},
		{nil, 2, ""},
		{[]common.Address{safeB}, 3, safeB.Hex()},
	} {
		r.src.mu.Lock()
		r.src.fail = map[common.Address]error{}
		for _, a := range tt.fail {
			r.src.fail[a] = down
		}
		r.src.mu.Unlock()
		st, err := w.Poll(ctx)
		if err != nil || st.Unreadable != len(tt.fail) || st.Safes != 3 {
			t.Fatalf("poll %d: %+v, %v", i, st, err)
		}
		as := r.alerts(t)
		if len(as) != tt.alerts {
			t.Fatalf("poll %d: %d alerts, want %d: %+v", i, len(as), tt.alerts, as)
		}
		last := as[len(as)-1]
		if len(tt.fail) > 0 && i != 1 && i != 2 && (last.Code != queue.CodeUnreadable || last.Safe != tt.safe || !strings.Contains(last.Message, "502 Bad Gateway")) {
			t.Errorf("poll %d: last alert %+v", i, last)
		}
	}
}

// TestPushFailed: a co-signature the service does not take is alerted
// (medium), and the decision is still recorded.
func TestPushFailed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newRig(t)
	r.push.fail = bulwark.Errorf(bulwark.EINVALID, "the service answered 400 Bad Request: Signature is not valid")
	r.src.queues[safeA] = []queue.Entry{tx(safeA, 1, toOK)}
	w := r.watcher(safeA)
	if st, _ := w.Poll(ctx); st.Signed != 1 || st.Pushed != 0 {
		t.Fatalf("poll %+v", st)
	}
	as := r.alerts(t)
	if len(as) != 1 || as[0].Code != queue.CodePushFailed || as[0].Severity != policy.SeverityMedium || !strings.Contains(as[0].Message, "Signature is not valid") {
		t.Fatalf("alerts %+v", as)
	}
	if st, _ := w.Poll(ctx); st.New != 0 {
		t.Fatalf("decided again: %+v", st)
	}
}

// TestPollBoundsConcurrency: never more Safes are read at once than the
// configured concurrency.
func TestPollBoundsConcurrency(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	var safes []common.Address
	for i := range 40 {
		safes = append(safes, common.BigToAddress(big.NewInt(int64(i+1))))
	}
	st, err := r.watcher(safes...).Poll(context.Background())
	if err != nil || st.Safes != 40 || r.src.calls != 40 {
		t.Fatalf("poll %+v, %v; %d listings read", st, err, r.src.calls)
	}
	if r.src.maxIn > 3 {
		t.Fatalf("%d queues read at once, bound 3", r.src.maxIn)
	}
}

// TestEntryKey: the key follows the content and the Safe, and a malformed
// entry's key follows what is known of it.
func TestEntryKey(t *testing.T) {
	t.Parallel()
	a := tx(safeA, 1, toOK)
	b := tx(safeA, 1, toOK)
	if a.Key(safeA) != b.Key(safeA) || a.Key(safeA) == a.Key(safeB) {
		t.Fatal("the key of one content differs, or two Safes share it")
	}
	b.Tx.Tx.Data = []byte{1}
	if a.Key(safeA) == b.Key(safeA) {
		t.Fatal("other calldata under the same claimed hash has the same key")
	}
	m1 := queue.Entry{Err: bulwark.Invalid("results[0].value", "bad"), Nonce: big.NewInt(1)}
	m2 := queue.Entry{Err: bulwark.Invalid("results[0].to", "bad"), Nonce: big.NewInt(1)}
	if m1.Key(safeA) == m2.Key(safeA) || m1.Key(safeA) == a.Key(safeA) {
		t.Fatal("malformed entries with other faults share a key")
	}
	raw, _ := json.Marshal(a.Tx)
	if len(raw) == 0 {
		t.Fatal("no JSON")
	}
}

// TestPollListDeadline: a queue whose reading never ends (a service that
// links page after page) is cut at the list deadline and alerted
// QUEUE_UNREADABLE; the other Safes' queues are still decided.
func TestPollListDeadline(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newRig(t)
	r.src.hang[safeA] = true
	r.src.queues[safeB] = []queue.Entry{tx(safeB, 1, toReview)}
	cfg := r.config(safeA, safeB)
	cfg.ListTimeout = time.Millisecond
	st, err := queue.NewWatcher(cfg).Poll(ctx)
	if err != nil || st.Unreadable != 1 || st.Held != 1 {
		t.Fatalf("poll %+v, %v; want safe A unreadable and B's entry held", st, err)
	}
	var unreadable []watch.StoredAlert
	for _, a := range r.alerts(t) {
		if a.Code == queue.CodeUnreadable {
			unreadable = append(unreadable, a)
		}
	}
	if len(unreadable) != 1 || unreadable[0].Safe != safeA.Hex() || !strings.Contains(unreadable[0].Message, "not read within 1ms") {
		t.Fatalf("QUEUE_UNREADABLE alerts %+v, want one naming safe A and the deadline", unreadable)
	}
}

// TestPollTruncatedAndOrdered: a queue longer than is read raises one
// high QUEUE_TRUNCATED per outage; its entries are decided lowest nonce
// first whatever order the service lists them in.
func TestPollTruncatedAndOrdered(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newRig(t)
	r.src.queues[safeA] = []queue.Entry{tx(safeA, 7, toReview), tx(safeA, 5, toReview), tx(safeA, 6, toReview)}
	w := r.watcher(safeA)
	truncatedAlerts := func() []watch.StoredAlert {
		var out []watch.StoredAlert
		for _, a := range r.alerts(t) {
			if a.Code == queue.CodeTruncated {
				out = append(out, a)
			}
		}
		return out
	}
	for i, tt := range []struct {
		truncated bool
		alerts    int
	}{
		{true, 1},
		{true, 1}, // the same outage
		{false, 1},
		{true, 2}, // a new one
	} {
		r.src.mu.Lock()
		r.src.truncate[safeA] = tt.truncated
		r.src.mu.Unlock()
		if _, err := w.Poll(ctx); err != nil {
			t.Fatal(err)
		}
		as := truncatedAlerts()
		if len(as) != tt.alerts {
			t.Fatalf("poll %d: %d QUEUE_TRUNCATED alerts, want %d", i, len(as), tt.alerts)
		}
		if a := as[0]; a.Severity != policy.SeverityHigh || a.Safe != safeA.Hex() || !strings.Contains(a.Message, "3 read, nonces 5 to 7") {
			t.Fatalf("poll %d: alert %+v", i, a)
		}
	}
	if got := r.cos.nonces; !slices.Equal(got, []int64{5, 6, 7}) {
		t.Errorf("decided nonces %v, want 5, 6, 7", got)
	}
	if r.src.queues[safeA][0].Nonce.Int64() != 7 {
		t.Error("the source's listing was reordered in place")
	}
}

// queueAlerts returns the alerts of code.
func (r *rig) queueAlerts(t *testing.T, code string) []watch.StoredAlert {
	t.Helper()
	var out []watch.StoredAlert
	for _, a := range r.alerts(t) {
		if a.Code == code {
			out = append(out, a)
		}
	}
	return out
}

// TestPollAheadWaits: an entry whose nonce is ahead of the Safe's cannot
// be simulated; it is not refused (no critical alert, nothing recorded)
// but waits, and is decided once it is the next one. One the policy
// rejects whatever the nonce is still refused at once.
func TestPollAheadWaits(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newRig(t)
	r.cos.safeNonce = big.NewInt(4)
	r.src.queues[safeA] = []queue.Entry{tx(safeA, 4, toReview), tx(safeA, 5, toOK), tx(safeA, 6, toReject)}
	w := r.watcher(safeA)
	for i := range 2 {
		st, _ := w.Poll(ctx)
		if want := (queue.PollStats{Safes: 1, Entries: 3, New: 3 - 2*i, Waiting: 1, Held: 1 - i, Refused: 1 - i}); st != want {
			t.Fatalf("poll %d: %+v, want %+v", i, st, want)
		}
	}
	if as := r.queueAlerts(t, queue.CodeTxRefused); len(as) != 1 || as[0].Severity != policy.SeverityCritical || !strings.Contains(as[0].Message, "nonce 6") {
		t.Fatalf("refusals %+v, want only nonce 6's, critical", as)
	}
	r.cos.mu.Lock()
	r.cos.safeNonce = big.NewInt(5) // nonce 4 executed
	r.cos.mu.Unlock()
	if st, _ := w.Poll(ctx); st.New != 1 || st.Signed != 1 || st.Pushed != 1 || st.Waiting != 0 {
		t.Fatalf("poll once nonce 5 is next: %+v", st)
	}
	if n := len(r.queueAlerts(t, queue.CodeTxRefused)) + len(r.queueAlerts(t, queue.CodeTxUnchecked)); n != 1 {
		t.Errorf("%d refused or unchecked alerts, want nonce 6's only", n)
	}
}

// TestPollTemporaryRefusal: a refusal for a reason a later poll can lift
// (stale lists or none, the Safe changed, the co-signer not an owner, not
// simulated) is not recorded: alerted QUEUE_TX_UNCHECKED once, decided
// when the reason is gone.
func TestPollTemporaryRefusal(t *testing.T) {
	t.Parallel()
	for _, code := range []string{cosign.CodeListsStale, cosign.CodeStateChanged, cosign.CodeCosignerNotOwner, cosign.CodeNotSimulated, cosign.CodeNotScreened} {
		t.Run(code, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			r := newRig(t)
			r.cos.refusing = code
			r.src.queues[safeA] = []queue.Entry{tx(safeA, 1, toOK)}
			w := r.watcher(safeA)
			for i := range 2 {
				if st, _ := w.Poll(ctx); st.New != 1 || st.Unchecked != 1 || st.Refused != 0 {
					t.Fatalf("poll %d: %+v", i, st)
				}
			}
			as := r.alerts(t)
			if len(as) != 1 || as[0].Code != queue.CodeTxUnchecked || as[0].Severity != policy.SeverityHigh || !strings.Contains(as[0].Message, code) {
				t.Fatalf("alerts %+v, want one QUEUE_TX_UNCHECKED naming %s", as, code)
			}
			r.cos.mu.Lock()
			r.cos.refusing = ""
			r.cos.mu.Unlock()
			if st, _ := w.Poll(ctx); st.New != 1 || st.Signed != 1 {
				t.Fatalf("poll once the reason is gone: %+v", st)
			}
		})
	}
}

// TestPollHeldReleased: a held entry is alerted once, checked again (as a
// dry run) at every poll, and co-signed and pushed once two people
// approved it; never again after.
func TestPollHeldReleased(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newRig(t)
	e := tx(safeA, 1, toReview)
	r.src.queues[safeA] = []queue.Entry{e}
	w := r.watcher(safeA)
	for i := range 2 {
		if st, _ := w.Poll(ctx); st.Held != 1-i || st.Released != 0 {
			t.Fatalf("poll %d: %+v", i, st)
		}
	}
	if as := r.alerts(t); len(as) != 1 || as[0].Code != queue.CodeTxHeld {
		t.Fatalf("alerts %+v, want one QUEUE_TX_HELD", as)
	}
	r.cos.mu.Lock()
	r.cos.approved[e.SafeTxHash] = true
	r.cos.mu.Unlock()
	// A restarted watcher releases it too: what is held is in the store.
	w = r.watcher(safeA)
	if st, _ := w.Poll(ctx); st.Released != 1 || st.Signed != 1 || st.Pushed != 1 {
		t.Fatalf("poll after two approvals: %+v", st)
	}
	if len(r.push.pushed) != 1 || r.push.pushed[0] != e.SafeTxHash {
		t.Fatalf("pushed %v", r.push.pushed)
	}
	calls := r.cos.calls
	if st, _ := w.Poll(ctx); st.Released != 0 || r.cos.calls != calls || len(r.alerts(t)) != 1 {
		t.Fatalf("released again: %+v, %d co-signer calls (was %d)", st, r.cos.calls, calls)
	}
}

// TestPollCosignsOnlyOwnerConfirmed: the co-signer signs an ok entry only
// once one of the Safe's owners (not the co-signer) has confirmed it with
// a signature that recovers to that owner over the recomputed hash;
// until then the entry is not decided and nothing is signed.
func TestPollCosignsOnlyOwnerConfirmed(t *testing.T) {
	t.Parallel()
	e := unconfirmed(safeA, 1, toOK)
	stranger := crypto.PubkeyToAddress(strangerKey.PublicKey)
	other := common.HexToHash("0x1234")
	for _, tt := range []struct {
		name   string
		owners []common.Address
		sigs   [][]byte
		signed bool
	}{
		{"no confirmation", nil, nil, false},
		{"no signature listed", []common.Address{owner}, [][]byte{nil}, false},
		{"a stranger's confirmation", []common.Address{stranger}, [][]byte{sign(t, e.SafeTxHash, strangerKey, false)}, false},
		{"a stranger's signature claimed as an owner's", []common.Address{owner}, [][]byte{sign(t, e.SafeTxHash, strangerKey, false)}, false},
		{"an owner's signature of another hash", []common.Address{owner}, [][]byte{sign(t, other, ownerKey, false)}, false},
		{"the co-signer's own confirmation", []common.Address{cosignerAddr}, [][]byte{sign(t, e.SafeTxHash, ownerKey, false)}, false},
		{"an approved hash (v 1)", []common.Address{owner}, [][]byte{append(make([]byte, 64), 1)}, false},
		{"an owner's EOA signature", []common.Address{owner}, [][]byte{sign(t, e.SafeTxHash, ownerKey, false)}, true},
		{"an owner's eth_sign signature", []common.Address{owner}, [][]byte{sign(t, e.SafeTxHash, ownerKey, true)}, true},
		{"an owner after a stranger", []common.Address{stranger, owner}, [][]byte{sign(t, e.SafeTxHash, strangerKey, false), sign(t, e.SafeTxHash, ownerKey, true)}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			r := newRig(t)
			entry := e
			entry.Confirmations, entry.Signatures = tt.owners, tt.sigs
			r.src.queues[safeA] = []queue.Entry{entry}
			w := r.watcher(safeA)
			st, _ := w.Poll(ctx)
			if tt.signed {
				if st.Signed != 1 || st.Pushed != 1 || st.Unconfirmed != 0 {
					t.Fatalf("poll %+v, want signed", st)
				}
				return
			}
			if st.Signed != 0 || st.Unconfirmed != 1 || len(r.push.pushed) != 0 || r.cos.calls != 0 || len(r.alerts(t)) != 0 {
				t.Fatalf("poll %+v, %d co-signatures asked, %d alerts; want nothing signed", st, r.cos.calls, len(r.alerts(t)))
			}
			// Confirmed by an owner later: signed at the next poll.
			r.src.mu.Lock()
			r.src.queues[safeA] = []queue.Entry{tx(safeA, 1, toOK)}
			r.src.mu.Unlock()
			if st, _ := w.Poll(ctx); st.Signed != 1 || st.Pushed != 1 {
				t.Fatalf("poll once an owner confirmed: %+v", st)
			}
		})
	}
}
