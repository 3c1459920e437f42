package posture

import (
	"context"
	"encoding/json"
	"errors"
	"math/big"
	"slices"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/safe"
	"github.com/bulwark-sec/bulwark/safe/decode"
	"github.com/bulwark-sec/bulwark/safe/internal/fakechain"
	"github.com/bulwark-sec/bulwark/safe/onchain"
	"github.com/bulwark-sec/bulwark/safe/policy"
)

var (
	fakeHandlerCode   = []byte("fake CompatibilityFallbackHandler 1.4.1")
	fakeHandler       = common.HexToAddress("0x00000000000000000000000000000000000000fb")
	fakeLegacyCode    = []byte("fake GnosisSafe 1.1.1 singleton")
	fakeLegacy        = common.HexToAddress("0x0000000000000000000000000000000000011100")
	fakeMultiSendCode = []byte("fake MultiSend 1.4.1")
)

// postureRegistry knows the fake 1.4.1 and 1.1.1 singletons, a fallback
// handler and a MultiSend, all at other addresses than the fakes'.
func postureRegistry(t testing.TB) *decode.Registry {
	t.Helper()
	v141, v111 := safe.Version{Major: 1, Minor: 4, Patch: 1}, safe.Version{Major: 1, Minor: 1, Patch: 1}
	r, err := decode.NewRegistry([]decode.Deployment{
		{Name: "Safe", Version: v141, Type: decode.DeploymentCanonical, Address: common.HexToAddress("0x41675C099F32341bf84BFc5382aF534df5C7461a"), CodeHash: crypto.Keccak256Hash(fakechain.SingletonCode)},
		{Name: "GnosisSafe", Version: v111, Type: decode.DeploymentCanonical, Address: common.HexToAddress("0x34CfAC646f301356fAa8B21e94227e3583Fe3F5F"), CodeHash: crypto.Keccak256Hash(fakeLegacyCode)},
		{Name: "CompatibilityFallbackHandler", Version: v141, Type: decode.DeploymentCanonical, Address: common.HexToAddress("0xfd0732Dc9E303f09fCEf3a7388Ad10A83459Ec99"), CodeHash: crypto.Keccak256Hash(fakeHandlerCode)},
		{Name: "MultiSend", Version: v141, Type: decode.DeploymentCanonical, Address: common.HexToAddress("0x38869bf66a61cF6bDB996A6aE40D5853Fd43B526"), CodeHash: crypto.Keccak256Hash(fakeMultiSendCode)},
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// fakeLogChain adds eth_getLogs to fakeStateChain.
type fakeLogChain struct {
	*fakechain.Chain
	logs    []onchain.EventLog
	logErr  error
	queries []onchain.LogFilter
}

func (f *fakeLogChain) ReadLogs(_ context.Context, q onchain.LogFilter) ([]onchain.EventLog, error) {
	f.queries = append(f.queries, q)
	if f.logErr != nil {
		return nil, f.logErr
	}
	var out []onchain.EventLog
	for _, l := range f.logs {
		if l.Address == q.Address && l.BlockNumber >= q.FromBlock && l.BlockNumber <= q.ToBlock && slices.Contains(q.Topics0, l.Topics[0]) {
			out = append(out, l)
		}
	}
	return out, nil
}

// healthySafe is a 3-of-5 Safe 1.4.1 with a known handler and no modules.
func healthySafe() *fakeLogChain {
	f := fakechain.New()
	f.AddSafe(fakechain.Safe, fakechain.Owners(5), 3, nil)
	f.Accounts[fakeHandler] = &fakechain.Account{Code: fakeHandlerCode}
	return &fakeLogChain{Chain: f}
}

func auditFake(t *testing.T, r onchain.ChainReader, opt AuditOptions) *Report {
	t.Helper()
	if opt.Registry == nil {
		opt.Registry = postureRegistry(t)
	}
	reps, err := AuditMany(context.Background(), r, []common.Address{fakechain.Safe}, onchain.LatestBlock, opt)
	if err != nil {
		t.Fatalf("AuditMany: %v", err)
	}
	return reps[0]
}

func findingsByCode(r *Report) map[string][]policy.Finding {
	out := map[string][]policy.Finding{}
	for _, f := range r.Findings {
		out[f.Code] = append(out[f.Code], f)
	}
	return out
}

func wantFinding(t *testing.T, r *Report, code string, sev policy.Severity, contains ...string) policy.Finding {
	t.Helper()
	for _, f := range r.Findings {
		if f.Code != code || f.Severity != sev {
			continue
		}
		ok := true
		for _, s := range contains {
			ok = ok && strings.Contains(f.Message, s)
		}
		if ok {
			return f
		}
	}
	t.Errorf("no %s %s finding containing %q in %+v", sev, code, contains, r.Findings)
	return policy.Finding{}
}

func TestAuditHealthy(t *testing.T) {
	f := healthySafe()
	r := auditFake(t, f, AuditOptions{})
	if r.Version != "1.4.1" || r.Verdict != bulwark.VerdictOK || r.Block != 77 {
		t.Errorf("version %q verdict %s block %d", r.Version, r.Verdict, r.Block)
	}
	if got := r.Codes(); !slices.Equal(got, []string{CodeNoGuard}) {
		t.Errorf("codes %v, want just NO_GUARD: %+v", got, r.Findings)
	}
	if !r.Approvals.Checked || r.Approvals.FromBlock != 0 || r.Approvals.ToBlock != 77 || len(f.queries) != 1 {
		t.Errorf("approvals %+v, queries %v", r.Approvals, f.queries)
	}
	if r.Handler == nil || r.Handler.Role != decode.RoleFallbackHandler || !strings.Contains(r.Handler.Known, "same code at another address") {
		t.Errorf("handler %+v", r.Handler)
	}
	for _, o := range r.Owners {
		if o.Kind != AccountEOA {
			t.Errorf("owner %+v", o)
		}
	}
	// The JSON form carries CLI.md's keys.
	b, err := json.Marshal(r.JSON())
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	for _, k := range []string{"safe", "version", "singleton", "verdict", "findings", "owners", "modules", "approvals", "policyVersion"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON lacks %q: %s", k, b)
		}
	}
	d := r.AuditDetails()
	if d["verdict"] != bulwark.VerdictOK || d["policyVersion"] != PolicyVersion || d["block"] != "77" || d["version"] != "1.4.1" {
		t.Errorf("audit details %v", d)
	}
}

func TestAuditThreshold(t *testing.T) {
	for _, tc := range []struct {
		owners, threshold int
		sev               policy.Severity // "" for no finding
		contains          string
	}{
		{3, 2, "", ""},
		{5, 3, "", ""},
		{1, 1, policy.SeverityHigh, "One owner"},
		{3, 1, policy.SeverityHigh, "Threshold 1 of 3"},
		{3, 3, policy.SeverityMedium, "lockout"},
		{6, 2, policy.SeverityMedium, "less than half"},
		{5, 2, policy.SeverityMedium, "less than half"},
		{4, 2, "", ""},
		{3, 0, policy.SeverityCritical, "not set up"},
		{3, 4, policy.SeverityCritical, "more than the number of owners"},
	} {
		f := healthySafe()
		f.AddSafe(fakechain.Safe, fakechain.Owners(tc.owners), tc.threshold, nil)
		r := auditFake(t, f, AuditOptions{})
		got := findingsByCode(r)[CodeThresholdRisk]
		switch {
		case tc.sev == "" && len(got) != 0:
			t.Errorf("%d of %d: %+v", tc.threshold, tc.owners, got)
		case tc.sev != "" && (len(got) != 1 || got[0].Severity != tc.sev || !strings.Contains(got[0].Message, tc.contains)):
			t.Errorf("%d of %d: %+v, want %s %q", tc.threshold, tc.owners, got, tc.sev, tc.contains)
		}
	}
}

func TestAuditListCorrupt(t *testing.T) {
	owners := fakechain.Owners(3)
	t.Run("owner loop", func(t *testing.T) {
		f := healthySafe()
		f.Set(fakechain.Safe, onchain.MappingSlot(owners[2], onchain.SlotOwners), fakechain.SlotWord(owners[0]))
		r := auditFake(t, f, AuditOptions{})
		wantFinding(t, r, policy.CodeListCorrupt, policy.SeverityCritical, "owner list", "loop")
		if r.Verdict != bulwark.VerdictReject {
			t.Errorf("verdict %s", r.Verdict)
		}
	})
	t.Run("module list broken", func(t *testing.T) {
		f := healthySafe()
		m := common.HexToAddress("0xd0d0")
		f.Set(fakechain.Safe, onchain.MappingSlot(onchain.SentinelAddress, onchain.SlotModules), fakechain.SlotWord(m)) // m → nothing
		r := auditFake(t, f, AuditOptions{})
		wantFinding(t, r, policy.CodeListCorrupt, policy.SeverityCritical, "module list", "broken")
		wantFinding(t, r, CodeModulesEnabled, policy.SeverityHigh, m.Hex())
	})
	t.Run("owner count", func(t *testing.T) {
		f := healthySafe()
		f.Set(fakechain.Safe, onchain.SlotOwnerCount, common.BigToHash(big.NewInt(9)))
		r := auditFake(t, f, AuditOptions{})
		wantFinding(t, r, policy.CodeListCorrupt, policy.SeverityCritical, "owner count in storage (9)")
	})
}

func TestAuditSingletonAndVersion(t *testing.T) {
	t.Run("unknown singleton", func(t *testing.T) {
		f := healthySafe()
		f.Accounts[fakechain.Singleton] = &fakechain.Account{Code: []byte("attacker"), Ret: fakechain.VersionReturn("1.4.1")}
		r := auditFake(t, f, AuditOptions{})
		wantFinding(t, r, policy.CodeUnknownSingleton, policy.SeverityCritical, fakechain.Singleton.Hex(), `VERSION() answers "1.4.1"`)
		if r.Verdict != bulwark.VerdictReject || r.Findings[0].Code != policy.CodeUnknownSingleton {
			t.Errorf("verdict %s, first %s", r.Verdict, r.Findings[0].Code)
		}
	})
	t.Run("hijacked, VERSION reverts", func(t *testing.T) {
		f := healthySafe()
		f.Accounts[fakechain.Singleton] = &fakechain.Account{Code: []byte("trojan"), Revert: true}
		r := auditFake(t, f, AuditOptions{})
		wantFinding(t, r, policy.CodeUnknownSingleton, policy.SeverityCritical, "VERSION() reverted")
		if r.Version != "" || r.VersionError == "" || findingsByCode(r)[CodeNoGuard] != nil {
			t.Errorf("version %q (%s), findings %v", r.Version, r.VersionError, r.Codes())
		}
	})
	t.Run("singleton without code", func(t *testing.T) {
		f := healthySafe()
		f.Set(fakechain.Safe, onchain.SlotSingleton, fakechain.SlotWord(common.HexToAddress("0xdead")))
		f.Accounts[fakechain.Safe].Code = append([]byte(nil), fakechain.ProxyCode...)
		// Not a known proxy and no known singleton: but an owner list, so
		// still read as a Safe.
		r := auditFake(t, f, AuditOptions{})
		wantFinding(t, r, policy.CodeUnknownSingleton, policy.SeverityCritical, "it has no code")
	})
	t.Run("legacy", func(t *testing.T) {
		f := healthySafe()
		f.Set(fakechain.Safe, onchain.SlotSingleton, fakechain.SlotWord(fakeLegacy))
		f.Accounts[fakeLegacy] = &fakechain.Account{Code: fakeLegacyCode, Ret: fakechain.VersionReturn("1.1.1")}
		r := auditFake(t, f, AuditOptions{})
		wantFinding(t, r, CodeLegacyVersion, policy.SeverityHigh, "1.1.1", "chain id", "guard")
		if r.Verdict != bulwark.VerdictReview || findingsByCode(r)[CodeNoGuard] != nil {
			t.Errorf("verdict %s codes %v", r.Verdict, r.Codes())
		}
	})
}

func TestAuditAccounts(t *testing.T) {
	t.Run("modules", func(t *testing.T) {
		eoa, unknown, ms := common.HexToAddress("0xe0a"), common.HexToAddress("0xc0de"), common.HexToAddress("0x3500")
		f := healthySafe()
		f.SetList(fakechain.Safe, onchain.SlotModules, []common.Address{eoa, unknown, ms})
		f.Accounts[unknown] = &fakechain.Account{Code: []byte("some module")}
		f.Accounts[ms] = &fakechain.Account{Code: fakeMultiSendCode}
		r := auditFake(t, f, AuditOptions{})
		wantFinding(t, r, CodeModulesEnabled, policy.SeverityHigh, eoa.Hex(), "without code")
		wantFinding(t, r, CodeModulesEnabled, policy.SeverityHigh, unknown.Hex(), "does not know")
		m := wantFinding(t, r, CodeModulesEnabled, policy.SeverityMedium, ms.Hex(), "MultiSend 1.4.1")
		if m.Fields["role"] != string(decode.RoleMultiSend) {
			t.Errorf("fields %v", m.Fields)
		}
		if len(r.Modules) != 3 || r.Verdict != bulwark.VerdictReview {
			t.Errorf("modules %+v verdict %s", r.Modules, r.Verdict)
		}
	})
	t.Run("owners", func(t *testing.T) {
		owners := fakechain.Owners(4)
		f := healthySafe()
		f.AddSafe(fakechain.Safe, owners, 3, nil)
		f.Accounts[owners[0]] = &fakechain.Account{Code: fakechain.ProxyCode} // not a pinned proxy: a contract
		f.Accounts[owners[2]] = &fakechain.Account{Code: append([]byte{0xef, 0x01, 0x00}, common.HexToAddress("0x7702").Bytes()...)}
		r := auditFake(t, f, AuditOptions{})
		wantFinding(t, r, CodeOwnerIsContract, policy.SeverityMedium, owners[0].Hex(), "not a known Safe")
		wantFinding(t, r, CodeOwnerIsContract, policy.SeverityMedium, owners[2].Hex(), "EIP-7702")
		if n := len(findingsByCode(r)[CodeOwnerIsContract]); n != 2 {
			t.Errorf("%d OWNER_IS_CONTRACT findings", n)
		}
	})
	t.Run("guards", func(t *testing.T) {
		g, mg := common.HexToAddress("0x6a4d"), common.HexToAddress("0x6a4e")
		f := healthySafe()
		f.Set(fakechain.Safe, onchain.SlotGuard, fakechain.SlotWord(g))
		f.Set(fakechain.Safe, onchain.SlotModuleGuard, fakechain.SlotWord(mg))
		f.Accounts[g] = &fakechain.Account{Code: []byte("a guard")}
		r := auditFake(t, f, AuditOptions{})
		wantFinding(t, r, CodeGuardSet, policy.SeverityMedium, g.Hex(), "Confirm")
		// 1.4.1 does not read the module guard slot.
		wantFinding(t, r, CodeModuleGuardSet, policy.SeverityInfo, mg.Hex(), "does not read it")
		if findingsByCode(r)[CodeNoGuard] != nil {
			t.Errorf("NO_GUARD with a guard: %v", r.Codes())
		}
		delete(f.Accounts, g)
		r = auditFake(t, f, AuditOptions{})
		wantFinding(t, r, CodeGuardSet, policy.SeverityHigh, "has no code", "locked")
	})
	t.Run("fallback handler", func(t *testing.T) {
		f := healthySafe()
		f.Accounts[fakeHandler] = &fakechain.Account{Code: []byte("who knows")}
		r := auditFake(t, f, AuditOptions{})
		wantFinding(t, r, CodeUnknownFallbackHandler, policy.SeverityHigh, fakeHandler.Hex(), "EIP-1271")
		f.Accounts[fakeHandler] = &fakechain.Account{Code: fakeMultiSendCode}
		r = auditFake(t, f, AuditOptions{})
		wantFinding(t, r, CodeUnknownFallbackHandler, policy.SeverityHigh, "MultiSend 1.4.1", "not a fallback handler")
		f.Set(fakechain.Safe, onchain.SlotFallbackHandler, common.Hash{})
		r = auditFake(t, f, AuditOptions{})
		if r.Handler != nil || findingsByCode(r)[CodeUnknownFallbackHandler] != nil {
			t.Errorf("no handler: %+v %v", r.Handler, r.Codes())
		}
	})
}

func approveLog(owner common.Address, h common.Hash, block uint64) onchain.EventLog {
	return onchain.EventLog{Address: fakechain.Safe, BlockNumber: block, Topics: []common.Hash{onchain.TopicApproveHash, h, common.BytesToHash(owner[:])}}
}

func TestAuditApprovals(t *testing.T) {
	owners := fakechain.Owners(5)
	pending, executed, cleared, former := common.HexToHash("0x01"), common.HexToHash("0x02"), common.HexToHash("0x03"), common.HexToHash("0x04")
	outsider := common.HexToAddress("0x0ff")
	f := healthySafe()
	f.Head = 25_000
	one := common.BigToHash(big.NewInt(1))
	f.Set(fakechain.Safe, ApprovedHashSlot(owners[0], pending), one)
	f.Set(fakechain.Safe, ApprovedHashSlot(owners[1], executed), one)
	f.Set(fakechain.Safe, ApprovedHashSlot(outsider, former), one)
	f.logs = []onchain.EventLog{
		approveLog(owners[0], pending, 20_000),
		approveLog(owners[1], executed, 20_001),
		{Address: fakechain.Safe, BlockNumber: 20_002, Topics: []common.Hash{onchain.TopicExecutionSuccess}, Data: append(executed.Bytes(), make([]byte, 32)...)},
		approveLog(owners[2], cleared, 20_003),
		approveLog(outsider, former, 24_000),
		approveLog(owners[0], pending, 1_000), // outside the default range
	}
	r := auditFake(t, f, AuditOptions{})
	sc := r.Approvals
	if !sc.Checked || sc.FromBlock != 15_001 || sc.ToBlock != 25_000 || sc.Events != 4 || len(sc.Pending) != 2 {
		t.Fatalf("scan %+v", sc)
	}
	wantFinding(t, r, CodeApprovedHashesPending, policy.SeverityMedium, owners[0].Hex(), pending.Hex())
	wantFinding(t, r, CodeApprovedHashesPending, policy.SeverityLow, "former owner", outsider.Hex())
	if r.Verdict != bulwark.VerdictReview {
		t.Errorf("verdict %s", r.Verdict)
	}

	// An explicit range is split into chunks.
	f.queries = nil
	from := uint64(0)
	r = auditFake(t, f, AuditOptions{ApprovalsFrom: &from})
	if len(f.queries) != 3 || f.queries[2].FromBlock != 20_000 || f.queries[2].ToBlock != 25_000 || r.Approvals.Events != 5 {
		t.Errorf("queries %+v, scan %+v", f.queries, r.Approvals)
	}

	later := uint64(30_000)
	wide := healthySafe()
	wide.Head = MaxApprovalScanBlocks + 5
	// A refusal, a reader without logs, a skip and a bad range leave the
	// approvals unchecked, with an info finding; the audit stands.
	for name, tc := range map[string]struct {
		r    onchain.ChainReader
		opt  AuditOptions
		want string
	}{
		"refused":  {&fakeLogChain{Chain: f.Chain, logErr: bulwark.Errorf(bulwark.EINVALID, "query returned more than 10000 results")}, AuditOptions{}, "refused eth_getLogs"},
		"no logs":  {f.Chain, AuditOptions{}, "cannot query logs"},
		"skipped":  {f, AuditOptions{SkipApprovals: true}, "skipped"},
		"after":    {f, AuditOptions{ApprovalsFrom: &later}, "after the audited block"},
		"too wide": {wide, AuditOptions{ApprovalsFrom: &from}, "more than"},
	} {
		r := auditFake(t, tc.r, tc.opt)
		fd := wantFinding(t, r, CodeApprovedHashesUnchecked, policy.SeverityInfo, tc.want)
		if r.Approvals.Checked || fd.Fields["reason"] == "" {
			t.Errorf("%s: %+v", name, r.Approvals)
		}
	}
}

func TestAuditMany(t *testing.T) {
	f := healthySafe()
	other := common.HexToAddress("0x5afe2")
	f.AddSafe(other, fakechain.Owners(2), 1, nil)
	eoa := common.HexToAddress("0xe0a")
	reps, err := AuditMany(context.Background(), f, []common.Address{fakechain.Safe, eoa, other}, onchain.LatestBlock, AuditOptions{Registry: postureRegistry(t)})
	var rerr *onchain.ReadStatesError
	if !errors.As(err, &rerr) || len(rerr.Addrs) != 1 || rerr.Addrs[0] != eoa || !errors.Is(err, onchain.ErrNotSafe) {
		t.Fatalf("err %v", err)
	}
	if reps[0] == nil || reps[1] != nil || reps[2] == nil || reps[2].Safe != other {
		t.Fatalf("reports %v", reps)
	}
	wantFinding(t, reps[2], CodeThresholdRisk, policy.SeverityHigh, "Threshold 1 of 2")
	// One Safe: the error is the Safe's own.
	_, err = Audit(context.Background(), f, eoa, onchain.LatestBlock)
	if !errors.Is(err, onchain.ErrNotSafe) {
		t.Errorf("Audit(EOA) = %v", err)
	}
	// A node that fails outright fails the audit.
	f.BatchErr = bulwark.Errorf(bulwark.EUNAVAILABLE, "node down")
	if _, err := Audit(context.Background(), f, fakechain.Safe, onchain.LatestBlock); !bulwark.IsCode(err, bulwark.EUNAVAILABLE) {
		t.Errorf("node down: %v", err)
	}
}

func TestApprovedHashSlot(t *testing.T) {
	owner, h := common.HexToAddress("0xabc"), common.HexToHash("0x1234")
	// keccak256(hash ‖ keccak256(pad(owner) ‖ pad(8))), as solc lays out
	// mapping(address => mapping(bytes32 => uint256)) at slot 8.
	inner := crypto.Keccak256(common.LeftPadBytes(owner[:], 32), common.LeftPadBytes([]byte{8}, 32))
	want := crypto.Keccak256Hash(h[:], inner)
	if got := ApprovedHashSlot(owner, h); got != want {
		t.Errorf("slot %s, want %s", got, want)
	}
}
