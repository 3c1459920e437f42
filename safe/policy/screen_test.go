package policy

import (
	"bytes"
	"encoding/json"
	"math/big"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/safe"
	"github.com/bulwark-sec/bulwark/safe/decode"
	"github.com/bulwark-sec/bulwark/screening"
	"github.com/bulwark-sec/bulwark/screening/sources"
)

// Listed addresses of the list files in testdata/screening.
var (
	// lazarusOFAC is LAZARUS GROUP's first ETH address in OFAC's SDN list
	// (ent_num 27307, DPRK3).
	lazarusOFAC = common.HexToAddress("0x098B716B8Aaf21512996dC57EB0615e2383E2f96")
	// bybitLaundering is the first address of the FBI's Bybit PSA
	// (I-022625-PSA), high confidence.
	bybitLaundering  = common.HexToAddress("0x51E9d833Ecae4E8D9D8Be17300AEE6D3398C135D")
	bybitLaundering2 = common.HexToAddress("0x96244D83DC15d36847C35209bBDc5bdDE9bEc3D8")
	// bybitImplementation is the malicious Safe implementation of the
	// Bybit theft, attributed at medium confidence.
	bybitImplementation = common.HexToAddress("0xbDd077f651EBe7f7b3cE16fe5F2b025BE2969516")
	// wazirx is the WazirX exploiter, attributed at low confidence.
	wazirx = common.HexToAddress("0x27fd43babfbe83a81d14665b1a6fb8030a60c9b4")
	// watched is on the organisation's own (internal) list.
	watched = common.HexToAddress("0x1111111111111111111111111111111111111111")
)

// testIndex is the screening index of the list files in
// testdata/screening, parsed by the importer 'bulwark lists update' uses.
var testIndex = sync.OnceValues(func() (*screening.Index, error) {
	files, err := sources.ReadDir(filepath.Join("testdata", "screening"))
	if err != nil {
		return nil, err
	}
	var keep []sources.File
	for _, f := range files {
		if strings.HasSuffix(f.Name, ".csv") {
			keep = append(keep, f)
		}
	}
	lists, err := sources.Parse(keep, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		return nil, err
	}
	return screening.BuildIndex(lists, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)), nil
})

func mustTestIndex(t testing.TB) *screening.Index {
	t.Helper()
	ix, err := testIndex()
	if err != nil {
		t.Fatal(err)
	}
	if len(ix.Lists()) != 3 {
		t.Fatalf("testdata/screening gives lists %v, want the OFAC, DPRK attribution and own lists", ix.Lists())
	}
	return ix
}

func testScreener(t testing.TB) AddressScreener {
	ix := mustTestIndex(t)
	return IndexScreener(func() *screening.Index { return ix })
}

// screeningFindings returns the screening findings of v.
func screeningFindings(v *Verification) []Finding {
	var out []Finding
	for _, f := range v.Findings {
		switch f.Code {
		case CodeSanctionedAddress, CodeAttributedAddress, CodeListedAddress, CodeScreeningUnchecked:
			out = append(out, f)
		}
	}
	return out
}

func TestScreeningFindings(t *testing.T) {
	t.Parallel()
	ix := mustTestIndex(t)
	versions := ix.Versions()
	oneETH := new(big.Int).Set(weiPerETH)
	nested := decode.MultiSendCalldata([]decode.MultiSendTx{
		{To: bob, Value: big.NewInt(1)},
		{To: usdt, Data: calldata(t, "transfer(address to,uint256 amount)", lazarusOFAC, big.NewInt(1_000_000_000))},
	})
	batch := decode.MultiSendCalldata([]decode.MultiSendTx{
		{To: alice, Value: big.NewInt(1)},
		{Operation: safe.DelegateCall, To: multiSend130, Data: nested},
	})
	type want struct {
		code, sev, path, list, entityIn string
		addr                            common.Address
		roleIn                          string
	}
	tests := []struct {
		name    string
		tx      safe.Tx
		allowMS bool
		want    []want
		verdict bulwark.Verdict
	}{
		{name: "ETH to an FBI Bybit laundering address", tx: safe.Tx{To: bybitLaundering, Value: oneETH},
			want:    []want{{CodeAttributedAddress, "critical", "0", "fbi-dprk", "TraderTraitor", bybitLaundering, "recipient of 1 ETH (1000000000000000000 wei)"}},
			verdict: bulwark.VerdictReject},
		{name: "USDT to OFAC's Lazarus Group", tx: safe.Tx{To: usdt, Data: calldata(t, "transfer(address to,uint256 amount)", lazarusOFAC, big.NewInt(1_000_000_000))},
			want:    []want{{CodeSanctionedAddress, "critical", "0", "ofac-sdn", "LAZARUS GROUP", lazarusOFAC, "recipient of 1000000000 base units of token " + usdt.Hex()}},
			verdict: bulwark.VerdictReject},
		{name: "transferFrom to a laundering address", tx: safe.Tx{To: usdt, Data: calldata(t, "transferFrom(address from,address to,uint256 amount)", testSafe, bybitLaundering2, big.NewInt(5))},
			want:    []want{{CodeAttributedAddress, "critical", "0", "fbi-dprk", "Bybit", bybitLaundering2, "recipient of 5"}},
			verdict: bulwark.VerdictReject},
		{name: "approval to a laundering address", tx: safe.Tx{To: usdt, Data: calldata(t, "approve(address spender,uint256 amount)", bybitLaundering, safe.MaxUint256)},
			want:    []want{{CodeAttributedAddress, "critical", "0", "fbi-dprk", "Bybit", bybitLaundering, "spender allowed to spend an unlimited amount"}},
			verdict: bulwark.VerdictReject},
		{name: "setApprovalForAll to Lazarus", tx: safe.Tx{To: usdc, Data: calldata(t, "setApprovalForAll(address operator,bool approved)", lazarusOFAC, true)},
			want:    []want{{CodeSanctionedAddress, "critical", "0", "ofac-sdn", "LAZARUS", lazarusOFAC, "operator allowed to move every token"}},
			verdict: bulwark.VerdictReject},
		{name: "ownership to Lazarus", tx: safe.Tx{To: lendingPool, Data: calldata(t, "transferOwnership(address newOwner)", lazarusOFAC)},
			want:    []want{{CodeSanctionedAddress, "critical", "0", "ofac-sdn", "LAZARUS", lazarusOFAC, "new owner of " + lendingPool.Hex()}},
			verdict: bulwark.VerdictReject},
		{name: "role granted to a low-confidence attribution", tx: safe.Tx{To: lendingPool, Data: calldata(t, "grantRole(bytes32 role,address account)", [32]byte{}, wazirx)},
			want:    []want{{CodeAttributedAddress, "high", "0", "fbi-dprk", "WazirX", wazirx, "DEFAULT_ADMIN_ROLE"}},
			verdict: bulwark.VerdictReview},
		{name: "Safe owner swapped for a laundering address", tx: safe.Tx{To: testSafe, Data: calldata(t, "swapOwner(address prevOwner,address oldOwner,address newOwner)", common.HexToAddress("0x1"), alice, bybitLaundering)},
			want:    []want{{CodeAttributedAddress, "critical", "0", "fbi-dprk", "Bybit", bybitLaundering, "new owner of the Safe"}},
			verdict: bulwark.VerdictReject},
		{name: "DELEGATECALL to the Bybit implementation", tx: safe.Tx{To: bybitImplementation, Operation: safe.DelegateCall, Data: common.FromHex("0xa9059cbb")},
			want:    []want{{CodeAttributedAddress, "high", "0", "fbi-dprk", "Bybit", bybitImplementation, "DELEGATECALL target"}},
			verdict: bulwark.VerdictReject},
		{name: "nested MultiSend reaches Lazarus", tx: safe.Tx{To: multiSend130, Operation: safe.DelegateCall, Data: batch}, allowMS: true,
			want:    []want{{CodeSanctionedAddress, "critical", "0.1.1", "ofac-sdn", "LAZARUS", lazarusOFAC, "recipient of 1000000000 base units"}},
			verdict: bulwark.VerdictReject},
		{name: "unknown function naming a laundering address", tx: safe.Tx{To: lendingPool, Data: calldata(t, "sweep(address dst,uint256 amount)", bybitLaundering, big.NewInt(7))},
			want:    []want{{CodeAttributedAddress, "critical", "0", "fbi-dprk", "Bybit", bybitLaundering, "32-byte word of the data"}},
			verdict: bulwark.VerdictReject},
		{name: "gas refund to a laundering address", tx: safe.Tx{To: bob, Value: big.NewInt(1), GasPrice: big.NewInt(1), RefundReceiver: bybitLaundering},
			want:    []want{{CodeAttributedAddress, "critical", "", "fbi-dprk", "Bybit", bybitLaundering, "receiver of the gas refund"}},
			verdict: bulwark.VerdictReject},
		{name: "refund receiver without a refund is not a recipient", tx: safe.Tx{To: bob, Value: big.NewInt(1), RefundReceiver: bybitLaundering},
			verdict: bulwark.VerdictOK},
		{name: "own internal list", tx: safe.Tx{To: watched, Value: big.NewInt(1)},
			want:    []want{{CodeListedAddress, "high", "0", "custom:treasury-watch", "OTC desk", watched, "recipient of 0.000000000000000001 ETH"}},
			verdict: bulwark.VerdictReview},
		{name: "clean transfer", tx: safe.Tx{To: bob, Value: oneETH}, verdict: bulwark.VerdictOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v, err := Verify(VerifyRequest{Tx: ServiceTx{Safe: testSafe, Tx: tc.tx}, ChainID: big.NewInt(1), Version: mustVersion(t, "1.3.0"),
				Policy: Policy{Screener: testScreener(t), AllowMultiSend: tc.allowMS, TrustAddressOnly: true}})
			if err != nil {
				t.Fatal(err)
			}
			got := screeningFindings(v)
			if len(got) != len(tc.want) {
				t.Fatalf("screening findings %v, want %d: all %v", codes(got), len(tc.want), codes(v.Findings))
			}
			for i, w := range tc.want {
				f := got[i]
				if f.Code != w.code || string(f.Severity) != w.sev || f.Path != w.path {
					t.Errorf("finding %d is %s:%s:%s, want %s:%s:%s", i, f.Path, f.Code, f.Severity, w.path, w.code, w.sev)
				}
				if f.Fields["address"] != w.addr.Hex() || f.Fields["list"] != w.list || f.Fields["listVersion"] != versions[w.list] ||
					!strings.Contains(f.Fields["entity"], w.entityIn) || !strings.Contains(f.Fields["role"], w.roleIn) {
					t.Errorf("finding %d fields %v, want address %s, list %s version %s, entity ~%q, role ~%q", i, f.Fields, w.addr.Hex(), w.list, versions[w.list], w.entityIn, w.roleIn)
				}
				for _, part := range []string{w.addr.Hex(), w.list, f.Fields["entity"], f.Fields["programme"], versions[w.list][:12], f.Fields["role"]} {
					if !strings.Contains(f.Message, part) {
						t.Errorf("message %q does not name %q", f.Message, part)
					}
				}
			}
			if v.Verdict != tc.verdict {
				t.Errorf("verdict %s, want %s: %v", v.Verdict, tc.verdict, codes(v.Findings))
			}
			if !v.Screening.Checked || len(v.Screening.Lists) != 3 {
				t.Errorf("screening record %+v, want the 3 lists", v.Screening)
			}
		})
	}
}

func TestScreeningProgramme(t *testing.T) {
	t.Parallel()
	v, err := Verify(VerifyRequest{Tx: ServiceTx{Safe: testSafe, Tx: safe.Tx{To: lazarusOFAC, Value: big.NewInt(1)}}, ChainID: big.NewInt(1),
		Version: mustVersion(t, "1.3.0"), Policy: Policy{Screener: testScreener(t)}})
	if err != nil {
		t.Fatal(err)
	}
	fs := screeningFindings(v)
	if len(fs) != 1 || fs[0].Fields["programme"] != "DPRK3" || fs[0].Fields["category"] != "sanctions" || fs[0].Fields["entityId"] != "ofac-sdn:27307" {
		t.Fatalf("findings %+v: want OFAC's LAZARUS GROUP (27307), programme DPRK3", fs)
	}
}

// TestScreeningNotChecked: without lists the verification says that the
// addresses were not screened, and its JSON and record say so; it is an
// info finding that never clears anything.
func TestScreeningNotChecked(t *testing.T) {
	t.Parallel()
	empty := screening.BuildIndex(nil, time.Now())
	for name, scr := range map[string]AddressScreener{
		"no screener":          nil,
		"no index":             IndexScreener(func() *screening.Index { return nil }),
		"an index of no lists": IndexScreener(func() *screening.Index { return empty }),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			v, err := Verify(VerifyRequest{Tx: ServiceTx{Safe: testSafe, Tx: safe.Tx{To: bybitLaundering, Value: big.NewInt(1)}},
				ChainID: big.NewInt(1), Version: mustVersion(t, "1.3.0"), Policy: Policy{Screener: scr}})
			if err != nil {
				t.Fatal(err)
			}
			fs := screeningFindings(v)
			if len(fs) != 1 || fs[0].Code != CodeScreeningUnchecked || fs[0].Severity != SeverityInfo || !strings.Contains(fs[0].Message, "NOT screened") {
				t.Fatalf("findings %v, want SCREENING_NOT_CHECKED (info)", codes(v.Findings))
			}
			j := v.JSON()
			if j.Screened || j.Options.Screening.Checked || len(j.Options.Screening.Lists) != 0 {
				t.Errorf("JSON says screened %v, options %+v", j.Screened, j.Options.Screening)
			}
			if r := v.AuditDetails()["screening"].(ScreeningRecord); r.Checked {
				t.Errorf("audit details say screened: %+v", r)
			}
		})
	}
}

// TestScreeningRecorded: the list versions screened against are in the
// JSON and the audit details, as the address book's digest is.
func TestScreeningRecorded(t *testing.T) {
	t.Parallel()
	ix := mustTestIndex(t)
	v, err := Verify(VerifyRequest{Tx: ServiceTx{Safe: testSafe, Tx: safe.Tx{To: bob, Value: big.NewInt(1)}}, ChainID: big.NewInt(1),
		Version: mustVersion(t, "1.3.0"), Policy: Policy{Screener: testScreener(t)}})
	if err != nil {
		t.Fatal(err)
	}
	var want []ScreeningList
	for _, l := range ix.Lists() {
		want = append(want, ScreeningList{ID: l.ID, Version: l.SHA256})
	}
	if got := v.AuditDetails()["screening"].(ScreeningRecord); !got.Checked || !reflect.DeepEqual(got.Lists, want) {
		t.Fatalf("audit details screening %+v, want %+v", got, want)
	}
	b, err := json.Marshal(v.JSON())
	if err != nil {
		t.Fatal(err)
	}
	var j struct {
		Screened bool `json:"screened"`
		Options  struct {
			Screening struct {
				Lists []struct{ ID, SHA256 string } `json:"lists"`
			} `json:"screening"`
		} `json:"options"`
	}
	if err := json.Unmarshal(b, &j); err != nil {
		t.Fatal(err)
	}
	if !j.Screened || len(j.Options.Screening.Lists) != 3 || j.Options.Screening.Lists[0].SHA256 != want[0].Version {
		t.Fatalf("JSON %s: want screened and the 3 list versions", b)
	}
	if slices.Contains(v.Codes(), CodeScreeningUnchecked) {
		t.Fatalf("findings %v: the lists were there", v.Codes())
	}
}

// TestScreenerPinned: one verification asks for the index once, and
// records and screens against that one even if a newer one is swapped in
// meanwhile.
func TestScreenerPinned(t *testing.T) {
	t.Parallel()
	ix := mustTestIndex(t)
	empty := screening.BuildIndex(nil, time.Now())
	var calls atomic.Int32
	scr := IndexScreener(func() *screening.Index {
		if calls.Add(1) == 1 {
			return ix
		}
		return empty
	})
	v, err := Verify(VerifyRequest{Tx: ServiceTx{Safe: testSafe, Tx: safe.Tx{To: bybitLaundering, Value: big.NewInt(1)}}, ChainID: big.NewInt(1),
		Version: mustVersion(t, "1.3.0"), Policy: Policy{Screener: scr}})
	if err != nil {
		t.Fatal(err)
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("the index was asked for %d times in one verification, want once", n)
	}
	if !slices.Contains(v.Codes(), CodeAttributedAddress) || len(v.Screening.Lists) != 3 {
		t.Fatalf("findings %v, record %+v: want the first index's", v.Codes(), v.Screening)
	}
}

func TestAddressWords(t *testing.T) {
	t.Parallel()
	data := calldata(t, "f(address a,uint256 n,address b,address c)", bybitLaundering, big.NewInt(300), alice, bybitLaundering)
	got := addressWords(data)
	if want := []common.Address{bybitLaundering, alice}; !reflect.DeepEqual(got, want) {
		t.Fatalf("addressWords = %v, want %v (small integers left out, each address once)", got, want)
	}
	if addressWords(data[:3]) != nil {
		t.Fatal("words read from data shorter than a selector")
	}
}

func TestEthText(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"1000000000000000000": "1 ETH (1000000000000000000 wei)",
		"1500000000000000000": "1.5 ETH (1500000000000000000 wei)",
		"1":                   "0.000000000000000001 ETH (1 wei)",
		"0":                   "0 ETH (0 wei)",
	} {
		n, _ := new(big.Int).SetString(in, 10)
		if got := ethText(n); got != want {
			t.Errorf("ethText(%s) = %q, want %q", in, got, want)
		}
	}
}

// FuzzScreenCalldata: screening any call the Safe makes never panics and
// never names an address the transaction does not carry: every screening
// finding's address is the target or 20 bytes of the data, never the Safe.
func FuzzScreenCalldata(f *testing.F) {
	f.Add(usdt.Bytes(), calldata(f, "transfer(address to,uint256 amount)", lazarusOFAC, big.NewInt(1)), uint8(0))
	f.Add(multiSend130.Bytes(), decode.MultiSendCalldata([]decode.MultiSendTx{
		{To: bybitLaundering, Value: big.NewInt(1)},
		{To: usdt, Data: calldata(f, "approve(address spender,uint256 amount)", watched, safe.MaxUint256)},
	}), uint8(1))
	f.Add(lendingPool.Bytes(), calldata(f, "grantRole(bytes32 role,address account)", [32]byte{}, wazirx), uint8(0))
	f.Add(testSafe.Bytes(), calldata(f, "swapOwner(address prevOwner,address oldOwner,address newOwner)", common.HexToAddress("0x1"), alice, bybitLaundering), uint8(0))
	f.Add(bybitImplementation.Bytes(), []byte{0xde, 0xad}, uint8(1))
	scr := testScreener(f)
	f.Fuzz(func(t *testing.T, to, data []byte, op uint8) {
		tx := safe.Tx{To: common.BytesToAddress(to), Data: data, Operation: safe.Operation(op % 2), Value: big.NewInt(1)}
		v, err := Verify(VerifyRequest{Tx: ServiceTx{Safe: testSafe, Tx: tx}, ChainID: big.NewInt(1), Version: mustVersion(t, "1.3.0"),
			Policy: Policy{Screener: scr, AllowMultiSend: true}})
		if err != nil {
			return
		}
		for _, fd := range screeningFindings(v) {
			a := common.HexToAddress(fd.Fields["address"])
			if a == testSafe || (a != tx.To && !bytes.Contains(data, a.Bytes())) {
				t.Fatalf("finding %s names %s, which the transaction does not carry (or is the Safe)", fd.Code, a.Hex())
			}
		}
	})
}

// BenchmarkVerifyScreening: an offline verification of a MultiSend batch
// of 50 ERC-20 transfers, without lists and with the lists of
// testdata/screening (each address is one map lookup, whatever the lists'
// size).
func BenchmarkVerifyScreening(b *testing.B) {
	var txs []decode.MultiSendTx
	for i := range 50 {
		txs = append(txs, decode.MultiSendTx{To: usdt, Data: calldata(b, "transfer(address to,uint256 amount)", common.BigToAddress(big.NewInt(int64(0x10000+i))), big.NewInt(1))})
	}
	tx := safe.Tx{To: callOnly130, Operation: safe.DelegateCall, Data: decode.MultiSendCalldata(txs)}
	for name, scr := range map[string]AddressScreener{"unscreened": nil, "screened": testScreener(b)} {
		b.Run(name, func(b *testing.B) {
			req := VerifyRequest{Tx: ServiceTx{Safe: testSafe, Tx: tx}, ChainID: big.NewInt(1), Version: mustVersion(b, "1.3.0"), Policy: Policy{Screener: scr}}
			for b.Loop() {
				if _, err := Verify(req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
