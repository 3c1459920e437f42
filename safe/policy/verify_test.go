package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/safe"
	"github.com/bulwark-sec/bulwark/safe/decode"
)

const bybitData = "0xa9059cbb000000000000000000000000bdd077f651ebe7f7b3ce16fe5f2b025be29695160000000000000000000000000000000000000000000000000000000000000000"

var bybitSafeTxHash = common.HexToHash("0xb3476d061aeb8fc1d605a873c483a2402d88a68a9cdd1a8b47655dd55ba004f8")

// bybitServiceTx is Bybit's nonce 71 as the Safe Transaction Service
// returned it.
func bybitServiceTx() ServiceTx {
	h := bybitSafeTxHash
	return ServiceTx{Safe: testSafe, SafeTxHash: &h, Tx: safe.Tx{
		To: trojan, Data: common.FromHex(bybitData), Operation: safe.DelegateCall,
		SafeTxGas: big.NewInt(45746), Nonce: big.NewInt(71),
	}}
}

func verify(t testing.TB, st ServiceTx, version string, p Policy) *Verification {
	t.Helper()
	v, err := Verify(VerifyRequest{Tx: st, ChainID: big.NewInt(1), Version: mustVersion(t, version), Policy: p})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// has reports whether v has a finding with code (and severity, if given) at
// path (if given).
func has(v *Verification, code string, sev Severity, path string) bool {
	for _, f := range v.Findings {
		if f.Code == code && (sev == "" || f.Severity == sev) && (path == "" || f.Path == path) {
			return true
		}
	}
	return false
}

// TestReadServiceTxBybitFixture reads the clearsign Safe Transaction
// Service fixture of Bybit's nonce 71 from ../shared and verifies it.
func TestReadServiceTxBybitFixture(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(sharedSafeData, "bybit", "bybit-safe-tx.clearsign-fixture.json"))
	if os.IsNotExist(err) {
		t.Skip("bybit-safe-tx.clearsign-fixture.json is absent")
	}
	if err != nil {
		t.Fatal(err)
	}
	st, err := ReadServiceTx(raw)
	if err != nil {
		t.Fatal(err)
	}
	want := bybitServiceTx()
	if st.Safe != want.Safe || st.Tx.To != want.Tx.To || st.Tx.Operation != safe.DelegateCall || !bytes.Equal(st.Tx.Data, want.Tx.Data) ||
		st.Tx.SafeTxGas.Int64() != 45746 || st.Tx.Nonce.Int64() != 71 || st.SafeTxHash == nil || *st.SafeTxHash != bybitSafeTxHash {
		t.Fatalf("fixture read as %+v", st)
	}
	v := verify(t, *st, "1.1.1", Policy{})
	if v.Hashes.SafeTxHash != bybitSafeTxHash || !v.HashMatches() {
		t.Fatalf("safeTxHash %s", v.Hashes.SafeTxHash.Hex())
	}
	if v.Verdict != bulwark.VerdictReject || v.Verdict.ExitCode() != 3 {
		t.Fatalf("verdict %s", v.Verdict)
	}
	for _, code := range []string{CodeUntrustedDelegateCall, CodeDelegateCallSelector} {
		if !has(v, code, SeverityCritical, "0") {
			t.Errorf("no critical %s at 0: %v", code, v.Codes())
		}
	}
	if has(v, CodeHashMismatch, "", "") {
		t.Error("HASH_MISMATCH on the published hash")
	}
}

// TestReadServiceTxSize: a file up to MaxServiceTxSize is read (padding
// in an ignored key), one byte more is refused as too large.
func TestReadServiceTxSize(t *testing.T) {
	t.Parallel()
	head := `{"safe":"0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4","to":"0x3Cc3A225769900e003E264dd4CB43E90896BC21A","value":"0","operation":0,"nonce":5,"dataDecoded":"`
	fill := func(n int) []byte {
		b := append([]byte(head), bytes.Repeat([]byte("x"), n-len(head)-2)...)
		return append(b, `"}`...)
	}
	if _, err := ReadServiceTx(fill(MaxServiceTxSize)); err != nil {
		t.Fatalf("a file of MaxServiceTxSize: %v", err)
	}
	_, err := ReadServiceTx(fill(MaxServiceTxSize + 1))
	if bulwark.ErrorCode(err) != bulwark.ETOOLARGE || !strings.Contains(bulwark.ErrorMessage(err), "8 MiB") {
		t.Fatalf("one byte more: %v, want too_large naming 8 MiB", err)
	}
}

func TestReadServiceTx(t *testing.T) {
	base := map[string]any{
		"safe": "0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4", "to": "0x3Cc3A225769900e003E264dd4CB43E90896BC21A",
		"value": "1000000000000000000", "data": nil, "operation": 0, "safeTxGas": 0, "baseGas": "0", "gasPrice": "0",
		"gasToken": "0x0000000000000000000000000000000000000000", "refundReceiver": nil, "nonce": 5,
		"confirmations": []any{map[string]any{"owner": "0x1"}}, "dataDecoded": nil, "isExecuted": false,
	}
	with := func(kv ...any) []byte {
		m := map[string]any{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == "<absent>" {
				delete(m, kv[i].(string))
			} else {
				m[kv[i].(string)] = kv[i+1]
			}
		}
		b, _ := json.Marshal(m)
		return b
	}
	ok, err := ReadServiceTx(with())
	if err != nil {
		t.Fatal(err)
	}
	if ok.Tx.Value.String() != "1000000000000000000" || ok.Tx.Data != nil || ok.Tx.Nonce.Int64() != 5 || ok.SafeTxHash != nil {
		t.Fatalf("read %+v", ok)
	}
	for _, tc := range []struct {
		name string
		in   []byte
		want func(*ServiceTx) bool
	}{
		{"data empty string", with("data", ""), func(s *ServiceTx) bool { return s.Tx.Data == nil }},
		{"data 0x", with("data", "0x"), func(s *ServiceTx) bool { return s.Tx.Data == nil }},
		{"data 0x00", with("data", "0x00"), func(s *ServiceTx) bool { return len(s.Tx.Data) == 1 }},
		{"hex nonce", with("nonce", "0x47"), func(s *ServiceTx) bool { return s.Tx.Nonce.Int64() == 71 }},
		{"huge JSON number read exactly", []byte(strings.Replace(string(with()), `"value":"1000000000000000000"`, `"value":123456789012345678901234567890`, 1)),
			func(s *ServiceTx) bool { return s.Tx.Value.String() == "123456789012345678901234567890" }},
		{"operation as string", with("operation", "1"), func(s *ServiceTx) bool { return s.Tx.Operation == safe.DelegateCall }},
		{"optional gas fields absent", with("safeTxGas", "<absent>", "baseGas", "<absent>", "gasPrice", "<absent>", "gasToken", "<absent>"),
			func(s *ServiceTx) bool { return s.Tx.SafeTxGas.Sign() == 0 && s.Tx.GasToken == (common.Address{}) }},
		{"dataGas for 0.1.0", with("baseGas", "<absent>", "dataGas", 7), func(s *ServiceTx) bool { return s.Tx.BaseGas.Int64() == 7 }},
		{"safeTxHash", with("safeTxHash", bybitSafeTxHash.Hex()), func(s *ServiceTx) bool { return s.SafeTxHash != nil && *s.SafeTxHash == bybitSafeTxHash }},
		{"no chainId or safeVersion, as the service writes it", with(), func(s *ServiceTx) bool { return s.ChainID == nil && s.Version == nil }},
		{"chainId and safeVersion", with("chainId", 137, "safeVersion", "1.3.0+L2"), func(s *ServiceTx) bool {
			return s.ChainID.Int64() == 137 && s.Version != nil && s.Version.String() == "1.3.0+L2"
		}},
		{"chainId in hex, null safeVersion", with("chainId", "0x89", "safeVersion", nil), func(s *ServiceTx) bool { return s.ChainID.Int64() == 137 && s.Version == nil }},
		{"a confirmation without a signature counts as none", with(), func(s *ServiceTx) bool { return len(s.Confirmations) == 0 }},
		{"the service's confirmations", with("confirmations", []any{
			map[string]any{"owner": "0x3Cc3A225769900e003E264dd4CB43E90896BC21A", "signature": sig65(0xaa, 27), "signatureType": "EOA"},
			map[string]any{"owner": "0x3Cc3A225769900e003E264dd4CB43E90896BC21A", "signature": nil, "signatureType": "APPROVED_HASH"},
			map[string]any{"owner": "nobody", "signature": sig65(0xbb, 28)},
			map[string]any{"owner": "0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4", "signature": "0x" + strings.Repeat("cc", 130), "signatureType": "CONTRACT_SIGNATURE"},
		}), func(s *ServiceTx) bool {
			return len(s.Confirmations) == 1 && s.Confirmations[0].Owner == common.HexToAddress("0x3Cc3A225769900e003E264dd4CB43E90896BC21A") &&
				len(s.Confirmations[0].Signature) == 65 && s.Confirmations[0].Signature[0] == 0xaa
		}},
		{"confirmations not an array are ignored", with("confirmations", "0x12"), func(s *ServiceTx) bool { return len(s.Confirmations) == 0 }},
		{"packed signatures", with("confirmations", nil, "signatures", sig65(0x11, 27)+sig65(0x22, 32)[2:]), func(s *ServiceTx) bool {
			return len(s.Confirmations) == 2 && s.Confirmations[0].Owner == (common.Address{}) && s.Confirmations[1].Signature[64] == 32
		}},
	} {
		s, err := ReadServiceTx(tc.in)
		if err != nil || !tc.want(s) {
			t.Errorf("%s: %+v, %v", tc.name, s, err)
		}
	}
	for _, tc := range []struct {
		name, field string
		in          []byte
	}{
		{"missing to", "to", with("to", "<absent>")},
		{"null nonce", "nonce", with("nonce", nil)},
		{"missing value", "value", with("value", "<absent>")},
		{"missing safe", "safe", with("safe", "<absent>")},
		{"bad checksum", "to", with("to", "0x3cC3A225769900e003E264dd4CB43E90896BC21A")},
		{"fraction", "value", with("value", 1.5)},
		{"negative", "nonce", with("nonce", -1)},
		{"too large", "value", with("value", "0x1"+strings.Repeat("0", 64))},
		{"odd hex", "data", with("data", "0xabc")},
		{"number data", "data", with("data", 12)},
		{"bool address", "gasToken", with("gasToken", true)},
		{"operation 3", "operation", with("operation", 3)},
		{"short hash", "safeTxHash", with("safeTxHash", "0x1234")},
		{"chainId 0", "chainId", with("chainId", 0)},
		{"chainId fraction", "chainId", with("chainId", 1.5)},
		{"chainId word", "chainId", with("chainId", "mainnet")},
		{"signatures not hex", "signatures", with("signatures", "0xzz")},
		{"signatures not whole", "signatures", with("signatures", sig65(1, 27)+"00")},
		{"signatures number", "signatures", with("signatures", 12)},
		{"safeVersion number", "safeVersion", with("safeVersion", 1.3)},
		{"safeVersion unknown", "safeVersion", with("safeVersion", "1.6.0")},
		{"duplicate key", "to", []byte(`{"to":"0x3Cc3A225769900e003E264dd4CB43E90896BC21A","to":"0x0000000000000000000000000000000000000001"}`)},
		{"list", "results", []byte(`{"count":1,"results":[]}`)},
		{"array", "body", []byte(`[]`)},
		{"empty", "body", []byte(` `)},
		{"syntax", "body", []byte(`{"to":`)},
		{"trailing", "body", []byte(`{} {}`)},
	} {
		_, err := ReadServiceTx(tc.in)
		var e *bulwark.Error
		if !errors.As(err, &e) || e.Code != bulwark.EINVALID || e.Field != tc.field {
			t.Errorf("%s: error %v, want invalid %s", tc.name, err, tc.field)
		}
	}
}

// sig65 is 65 bytes of hex, each b but the last, v.
func sig65(b, v byte) string {
	return "0x" + strings.Repeat(fmt.Sprintf("%02x", b), 64) + fmt.Sprintf("%02x", v)
}

// FuzzReadServiceTx: the reader never panics, every error is invalid and
// names a field, and what it reads writes back to the same transaction.
func FuzzReadServiceTx(f *testing.F) {
	st := bybitServiceTx()
	seed, _ := st.MarshalJSON()
	f.Add(seed)
	f.Add([]byte(`{"safe":"0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4","to":"0x3Cc3A225769900e003E264dd4CB43E90896BC21A","value":1,"operation":0,"nonce":"0x1","data":null}`))
	f.Add([]byte(`{"count":1,"results":[{}]}`))
	f.Add([]byte(`{"safe":"0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4","to":"0x3Cc3A225769900e003E264dd4CB43E90896BC21A","value":1,"operation":0,"nonce":1,"confirmations":[{"owner":"0x3Cc3A225769900e003E264dd4CB43E90896BC21A","signature":"` + sig65(0xaa, 27) + `"}],"signatures":"` + sig65(0xbb, 31) + `"}`))
	f.Add([]byte(`{"safe":"0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4","to":"0x3Cc3A225769900e003E264dd4CB43E90896BC21A","value":1,"operation":0,"nonce":1,"chainId":"0x89","safeVersion":"1.3.0+L2"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ReadServiceTx(data)
		if err != nil {
			var e *bulwark.Error
			if !errors.As(err, &e) || e.Code != bulwark.EINVALID || e.Field == "" {
				t.Fatalf("error %v is not invalid with a field", err)
			}
			return
		}
		out, err := s.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		back, err := ReadServiceTx(out)
		if err != nil {
			t.Fatalf("re-read %s: %v", out, err)
		}
		again, _ := back.MarshalJSON()
		if !bytes.Equal(out, again) {
			t.Fatalf("round trip differs:\n%s\n%s", out, again)
		}
	})
}

func TestPolicy(t *testing.T) {
	addOwner := calldata(t, "addOwnerWithThreshold(address owner,uint256 _threshold)", bob, big.NewInt(2))
	transfer := calldata(t, "transfer(address to,uint256 amount)", bob, big.NewInt(250_000_000))
	guardBatch := decode.MultiSendCalldata([]decode.MultiSendTx{
		{To: usdc, Data: transfer},
		{To: testSafe, Data: calldata(t, "setGuard(address guard)", trojan)},
	})
	tx := func(to common.Address, op safe.Operation, data []byte) ServiceTx {
		return ServiceTx{Safe: testSafe, Tx: safe.Tx{To: to, Operation: op, Data: data, Nonce: big.NewInt(3)}}
	}
	type want struct {
		code string
		sev  Severity
		path string
	}
	wrongHash := common.HexToHash("0x01")
	for _, tc := range []struct {
		name    string
		st      ServiceTx
		version string
		policy  Policy
		verdict bulwark.Verdict
		want    []want
		not     []string
	}{
		{"bybit", bybitServiceTx(), "1.1.1", Policy{}, bulwark.VerdictReject,
			[]want{{CodeUntrustedDelegateCall, SeverityCritical, "0"}, {CodeDelegateCallSelector, SeverityCritical, "0"}}, []string{CodeHashMismatch}},
		{"eth transfer", ServiceTx{Safe: testSafe, Tx: safe.Tx{To: bob, Value: big.NewInt(1e18), Nonce: big.NewInt(1)}}, "1.3.0", Policy{}, bulwark.VerdictOK,
			nil, []string{CodeUnknownTarget}},
		{"token transfer", tx(usdc, safe.Call, transfer), "1.3.0", Policy{}, bulwark.VerdictOK, []want{{CodeUnknownTarget, SeverityLow, "0"}}, nil},
		{"unknown function", tx(usdc, safe.Call, common.FromHex("0xdeadbeef")), "1.3.0", Policy{}, bulwark.VerdictReview, []want{{CodeUnknownTarget, SeverityMedium, "0"}}, nil},
		{"add owner", tx(testSafe, safe.Call, addOwner), "1.3.0", Policy{}, bulwark.VerdictReview, []want{{CodeOwnerChange, SeverityHigh, "0"}}, []string{CodeSelfCall}},
		{"threshold 1", tx(testSafe, safe.Call, calldata(t, "changeThreshold(uint256 _threshold)", big.NewInt(1))), "1.3.0", Policy{}, bulwark.VerdictReview,
			[]want{{CodeThresholdChange, SeverityHigh, "0"}}, nil},
		{"enable module", tx(testSafe, safe.Call, calldata(t, "enableModule(address module)", trojan)), "1.4.1", Policy{}, bulwark.VerdictReview,
			[]want{{CodeModuleChange, SeverityHigh, "0"}}, nil},
		{"fallback handler", tx(testSafe, safe.Call, calldata(t, "setFallbackHandler(address handler)", trojan)), "1.3.0", Policy{}, bulwark.VerdictReview,
			[]want{{CodeFallbackHandlerChange, SeverityHigh, "0"}}, nil},
		{"master copy to unknown", tx(testSafe, safe.Call, calldata(t, "changeMasterCopy(address _masterCopy)", trojan)), "1.1.1", Policy{}, bulwark.VerdictReject,
			[]want{{CodeMasterCopyChange, SeverityCritical, "0"}}, nil},
		{"approveHash self-call", tx(testSafe, safe.Call, safe.ApproveHashData(bybitSafeTxHash)), "1.3.0", Policy{}, bulwark.VerdictReview,
			[]want{{CodeSelfCall, SeverityMedium, "0"}}, nil},
		{"call-only batch with setGuard", tx(callOnly130, safe.DelegateCall, guardBatch), "1.3.0", Policy{}, bulwark.VerdictReview,
			[]want{{CodeGuardChange, SeverityHigh, "0.1"}, {CodeDelegateCallUnchecked, SeverityMedium, "0"}, {CodeUnknownTarget, SeverityLow, "0.0"}},
			[]string{CodeUntrustedDelegateCall, CodeDelegateCallSelector}},
		{"call-only batch, address trusted", tx(callOnly130, safe.DelegateCall, decode.MultiSendCalldata([]decode.MultiSendTx{{To: usdc, Data: transfer}})), "1.3.0",
			Policy{TrustAddressOnly: true}, bulwark.VerdictOK, []want{{CodeDelegateCallUnchecked, SeverityInfo, "0"}}, nil},
		{"multisend without opt-in", tx(multiSend130, safe.DelegateCall, guardBatch), "1.3.0", Policy{}, bulwark.VerdictReject,
			[]want{{CodeUntrustedDelegateCall, SeverityCritical, "0"}, {CodeGuardChange, SeverityHigh, "0.1"}}, nil},
		{"multisend with opt-in", tx(multiSend130, safe.DelegateCall, guardBatch), "1.3.0", Policy{AllowMultiSend: true}, bulwark.VerdictReview,
			[]want{{CodeDelegateCallUnchecked, SeverityMedium, "0"}}, []string{CodeUntrustedDelegateCall}},
		{"delegatecall inside an allowed multisend", tx(multiSend130, safe.DelegateCall, decode.MultiSendCalldata([]decode.MultiSendTx{
			{Operation: safe.DelegateCall, To: trojan, Data: transfer}})), "1.3.0", Policy{AllowMultiSend: true, TrustAddressOnly: true}, bulwark.VerdictReject,
			[]want{{CodeUntrustedDelegateCall, SeverityCritical, "0.0"}, {CodeDelegateCallSelector, SeverityCritical, "0.0"}}, nil},
		{"sign message lib", tx(signLib130, safe.DelegateCall, calldata(t, "signMessage(bytes _data)", []byte("hi"))), "1.3.0", Policy{TrustAddressOnly: true}, bulwark.VerdictReview,
			[]want{{CodeSignMessage, SeverityMedium, "0"}}, []string{CodeUntrustedDelegateCall, CodeDelegateCallSelector, CodeSelfCall}},
		{"create call is not on the allowlist", tx(createCall130, safe.DelegateCall, calldata(t, "performCreate(uint256 value,bytes deploymentData)", big.NewInt(0), []byte{0})), "1.3.0",
			Policy{}, bulwark.VerdictReject, []want{{CodeUntrustedDelegateCall, SeverityCritical, "0"}}, []string{CodeDelegateCallSelector}},
		{"truncated batch", tx(callOnly130, safe.DelegateCall, common.CopyBytes(guardBatch[:len(guardBatch)-40])), "1.3.0", Policy{}, bulwark.VerdictReject,
			[]want{{CodeMalformedCalldata, SeverityCritical, "0"}}, nil},
		{"hash mismatch", func() ServiceTx { s := tx(bob, safe.Call, nil); s.SafeTxHash = &wrongHash; return s }(), "1.3.0", Policy{}, bulwark.VerdictReject,
			[]want{{CodeHashMismatch, SeverityCritical, ""}}, nil},
		{"gas refund", func() ServiceTx {
			s := tx(bob, safe.Call, nil)
			s.Tx.GasPrice = big.NewInt(1e12)
			s.Tx.RefundReceiver = trojan
			return s
		}(), "1.3.0", Policy{},
			bulwark.VerdictReview, []want{{CodeGasRefundRisk, SeverityHigh, ""}}, nil},
		{"refund receiver without gas price", func() ServiceTx { s := tx(bob, safe.Call, nil); s.Tx.RefundReceiver = trojan; return s }(), "1.3.0", Policy{},
			bulwark.VerdictOK, []want{{CodeGasRefundRisk, SeverityLow, ""}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := verify(t, tc.st, tc.version, tc.policy)
			if v.Verdict != tc.verdict {
				t.Errorf("verdict %s, want %s; findings %+v", v.Verdict, tc.verdict, v.Findings)
			}
			for _, w := range tc.want {
				if !has(v, w.code, w.sev, w.path) {
					t.Errorf("no %s %s at %q; findings %+v", w.sev, w.code, w.path, v.Findings)
				}
			}
			for _, code := range tc.not {
				if has(v, code, "", "") {
					t.Errorf("unexpected %s", code)
				}
			}
			for i := 1; i < len(v.Findings); i++ {
				if v.Findings[i].Severity.Rank() > v.Findings[i-1].Severity.Rank() {
					t.Errorf("findings not ordered by severity: %v", v.Codes())
				}
			}
			for _, f := range v.Findings {
				if f.Message == "" || f.Severity.Rank() < 0 {
					t.Errorf("finding %+v", f)
				}
			}
		})
	}
}

// TestPolicySignMessage: signMessage through the pinned SignMessageLib (by
// DELEGATECALL, alone or inside a batch) and a legacy Safe's own
// signMessage are SIGN_MESSAGE (medium, review) naming the SafeMessage hash
// the Safe marks as signed and what the message looks like; the same
// selector anywhere else is not.
func TestPolicySignMessage(t *testing.T) {
	digest := common.FromHex("0xcb8bbe7bf8f8a1f3f57658e450d07d4422356ac042d96a87ba425b19e67a78a1")
	domSep, structHash := common.HexToHash("0xd0d0"), common.HexToHash("0x5757")
	encoded := append(append([]byte{0x19, 0x01}, domSep[:]...), structHash[:]...)
	long := strings.Repeat("I approve ", 20)
	sign := func(msg []byte) []byte { return calldata(t, "signMessage(bytes _data)", msg) }
	safeMsgHash := func(version string, msg []byte) string {
		h, err := safe.Domain{ChainID: big.NewInt(1), Safe: testSafe, Version: mustVersion(t, version)}.HashSafeMessage(msg)
		if err != nil {
			t.Fatal(err)
		}
		return h.SafeMessageHash.Hex()
	}
	tx := func(to common.Address, op safe.Operation, data []byte) ServiceTx {
		return ServiceTx{Safe: testSafe, Tx: safe.Tx{To: to, Operation: op, Data: data, Nonce: big.NewInt(3)}}
	}
	for _, tc := range []struct {
		name     string
		st       ServiceTx
		version  string
		policy   Policy
		path     string // "" for no SIGN_MESSAGE
		msg      []byte
		kind     string
		contains []string
	}{
		{"32-byte hash", tx(signLib130, safe.DelegateCall, sign(digest)), "1.3.0", Policy{TrustAddressOnly: true}, "0", digest, "hash",
			[]string{"DELEGATECALL of SignMessageLib 1.3.0's signMessage: the Safe " + testSafe.Hex() + " marks SafeMessage hash ",
				"a 32-byte hash, 0xcb8bbe7bf8f8a1f3f57658e450d07d4422356ac042d96a87ba425b19e67a78a1", "EIP-712 hash", "Permit2", "bulwark safe message-hash"}},
		{"text", tx(signLib130, safe.DelegateCall, sign([]byte("Sign in to example.org\nNonce: 7"))), "1.4.1", Policy{TrustAddressOnly: true}, "0",
			[]byte("Sign in to example.org\nNonce: 7"), "text", []string{`31 bytes of text: "Sign in to example.org\nNonce: 7"`}},
		{"long text", tx(signLib130, safe.DelegateCall, sign([]byte(long))), "1.3.0", Policy{TrustAddressOnly: true}, "0", []byte(long), "text",
			[]string{`200 bytes of text: "` + long[:80] + `…"`}},
		{"eip-712 encoding", tx(signLib130, safe.DelegateCall, sign(encoded)), "1.3.0", Policy{TrustAddressOnly: true}, "0", encoded, "eip712-encoding",
			[]string{"EIP-712 encoded typed data", "domain separator " + domSep.Hex(), "struct hash " + structHash.Hex(), crypto.Keccak256Hash(encoded).Hex()}},
		{"binary", tx(signLib130, safe.DelegateCall, sign([]byte{0, 1, 2})), "1.3.0", Policy{TrustAddressOnly: true}, "0", []byte{0, 1, 2}, "bytes",
			[]string{"3 bytes of binary data"}},
		{"inside a MultiSend batch", tx(multiSend130, safe.DelegateCall, decode.MultiSendCalldata([]decode.MultiSendTx{
			{To: bob, Value: big.NewInt(1)}, {Operation: safe.DelegateCall, To: signLib130, Data: sign(digest)}})), "1.3.0",
			Policy{AllowMultiSend: true, TrustAddressOnly: true}, "0.1", digest, "hash", []string{"the Safe " + testSafe.Hex()}},
		{"legacy Safe's own signMessage", tx(testSafe, safe.Call, sign(digest)), "1.1.1", Policy{}, "0", digest, "hash",
			[]string{"the Safe's own signMessage: the Safe " + testSafe.Hex() + " marks SafeMessage hash "}},
		{"1.3.0 has no signMessage of its own", tx(testSafe, safe.Call, sign(digest)), "1.3.0", Policy{}, "", nil, "", nil},
		{"SignMessageLib called, not delegatecalled", tx(signLib130, safe.Call, sign(digest)), "1.3.0", Policy{}, "", nil, "", nil},
		{"delegatecall to an unknown contract", tx(trojan, safe.DelegateCall, sign(digest)), "1.3.0", Policy{}, "", nil, "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := verify(t, tc.st, tc.version, tc.policy)
			var got []Finding
			for _, f := range v.Findings {
				if f.Code == CodeSignMessage {
					got = append(got, f)
				}
			}
			if tc.path == "" {
				if len(got) != 0 {
					t.Fatalf("unexpected SIGN_MESSAGE %+v", got)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("SIGN_MESSAGE findings %+v; all %v", got, v.Codes())
			}
			f := got[0]
			want := safeMsgHash(tc.version, tc.msg)
			if f.Severity != SeverityMedium || f.Path != tc.path || v.Verdict != bulwark.VerdictReview && v.Verdict != bulwark.VerdictReject {
				t.Errorf("finding %+v, verdict %s", f, v.Verdict)
			}
			if f.Fields["safeMessageHash"] != want || f.Fields["signer"] != testSafe.Hex() || f.Fields["messageKind"] != tc.kind ||
				!strings.Contains(f.Message, "SafeMessage hash "+want) {
				t.Errorf("finding %+v, want safeMessageHash %s, kind %s", f, want, tc.kind)
			}
			for _, c := range tc.contains {
				if !strings.Contains(f.Message, c) {
					t.Errorf("message lacks %q:\n%s", c, f.Message)
				}
			}
		})
	}

	// The hash is the one the decoder's summary gives for the same call.
	v := verify(t, tx(signLib130, safe.DelegateCall, sign(digest)), "1.3.0", Policy{TrustAddressOnly: true})
	if h := safeMsgHash("1.3.0", digest); !strings.Contains(v.Decoded.Summary, h) || v.Verdict != bulwark.VerdictReview {
		t.Errorf("summary %q, verdict %s, want hash %s", v.Decoded.Summary, v.Verdict, h)
	}

	// Without the domain (Check) or for another account, no hash is made
	// up; the finding stays.
	root, _ := safe130().Decode(signLib130, nil, sign(digest), safe.DelegateCall)
	for _, fs := range [][]Finding{
		Policy{}.Check(testSafe, safe.Tx{}, root),
		Policy{}.CheckIn(safe.Domain{Safe: testSafe, Version: mustVersion(t, "1.3.0")}, safe.Tx{}, root),
	} {
		var f *Finding
		for i := range fs {
			if fs[i].Code == CodeSignMessage {
				f = &fs[i]
			}
		}
		if f == nil || f.Fields["safeMessageHash"] != "" || !strings.Contains(f.Message, "not computed") {
			t.Errorf("without the domain: %+v", fs)
		}
	}
	nested, _ := (&decode.Decoder{Safe: otherSafe, Version: mustVersion(t, "1.3.0"), ChainID: big.NewInt(1)}).Decode(signLib130, nil, sign(digest), safe.DelegateCall)
	fs := Policy{}.CheckIn(safe.Domain{ChainID: big.NewInt(1), Safe: testSafe, Version: mustVersion(t, "1.3.0")}, safe.Tx{}, nested)
	if i := slicesIndexCode(fs, CodeSignMessage); i < 0 || fs[i].Fields["safeMessageHash"] != "" || !strings.Contains(fs[i].Message, "(not this Safe)") {
		t.Errorf("another account's signMessage: %+v", fs)
	}
}

func slicesIndexCode(fs []Finding, code string) int {
	for i, f := range fs {
		if f.Code == code {
			return i
		}
	}
	return -1
}

// TestPolicyCodeHashes: with code hashes (as --rpc will read them), a
// pinned library is trusted outright and other code at its address is not.
func TestPolicyCodeHashes(t *testing.T) {
	batch := decode.MultiSendCalldata([]decode.MultiSendTx{{To: bob, Value: big.NewInt(1)}})
	dep := decode.KnownDeployments().ByAddress(callOnly130)[0]
	for _, tc := range []struct {
		name    string
		hash    common.Hash
		verdict bulwark.Verdict
	}{{"pinned code", dep.CodeHash, bulwark.VerdictOK}, {"other code", common.HexToHash("0xbad"), bulwark.VerdictReject}} {
		v, err := Verify(VerifyRequest{
			Tx:      ServiceTx{Safe: testSafe, Tx: safe.Tx{To: callOnly130, Operation: safe.DelegateCall, Data: batch, Nonce: big.NewInt(1)}},
			ChainID: big.NewInt(1), Version: mustVersion(t, "1.3.0"),
			CodeHashes: map[common.Address]common.Hash{callOnly130: tc.hash},
		})
		if err != nil {
			t.Fatal(err)
		}
		if v.Verdict != tc.verdict {
			t.Errorf("%s: verdict %s, findings %v", tc.name, v.Verdict, v.Codes())
		}
	}
}

func TestVerifyRefusesToGuess(t *testing.T) {
	st := bybitServiceTx()
	for _, tc := range []struct {
		field string
		req   VerifyRequest
	}{
		{"chainId", VerifyRequest{Tx: st, Version: mustVersion(t, "1.1.1")}},
		{"safeVersion", VerifyRequest{Tx: st, ChainID: big.NewInt(1)}},
		{"safe", VerifyRequest{Tx: ServiceTx{Tx: st.Tx}, ChainID: big.NewInt(1), Version: mustVersion(t, "1.1.1")}},
		{"operation", VerifyRequest{Tx: ServiceTx{Safe: testSafe, Tx: safe.Tx{To: bob, Operation: safe.Create}}, ChainID: big.NewInt(1), Version: mustVersion(t, "1.3.0")}},
	} {
		_, err := Verify(tc.req)
		var e *bulwark.Error
		if !errors.As(err, &e) || e.Field != tc.field {
			t.Errorf("%s: %v", tc.field, err)
		}
	}
}

func TestVerificationJSONAndAudit(t *testing.T) {
	v := verify(t, bybitServiceTx(), "1.1.1", Policy{})
	b, err := json.Marshal(v.JSON())
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"safeTxHash", "domainHash", "messageHash", "verdict", "findings", "decoded", "policyVersion"} {
		if _, ok := out[k]; !ok {
			t.Errorf("JSON lacks %s", k)
		}
	}
	if out["verdict"] != "reject" || out["safeTxHash"] != bybitSafeTxHash.Hex() {
		t.Errorf("JSON %s", b)
	}
	d := v.AuditDetails()
	if d["safeTxHash"] != bybitSafeTxHash.Hex() || d["policyVersion"] != PolicyVersion || d["chainId"] != "1" || d["verdict"] != bulwark.VerdictReject {
		t.Errorf("audit details %v", d)
	}
	if v.AuditTarget() != "safe:0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4#71" {
		t.Errorf("target %s", v.AuditTarget())
	}
}

// batchTx is a MultiSendCallOnly batch of n ERC-20 transfers and self-calls.
func batchTx(t testing.TB, n int) ServiceTx {
	transfer := calldata(t, "transfer(address to,uint256 amount)", bob, big.NewInt(250_000_000))
	owner := calldata(t, "addOwnerWithThreshold(address owner,uint256 _threshold)", alice, big.NewInt(2))
	txs := make([]decode.MultiSendTx, n)
	for i := range txs {
		txs[i] = decode.MultiSendTx{To: usdc, Data: transfer}
		if i%5 == 4 {
			txs[i] = decode.MultiSendTx{To: testSafe, Data: owner}
		}
	}
	return ServiceTx{Safe: testSafe, Tx: safe.Tx{To: callOnly141, Operation: safe.DelegateCall, Data: decode.MultiSendCalldata(txs), Nonce: big.NewInt(9)}}
}

// BenchmarkVerify: hash + decode + policy of one transaction (issue #3's
// target: < 1 ms in-process).
func BenchmarkVerify(b *testing.B) {
	for _, bc := range []struct {
		name string
		st   ServiceTx
		ver  string
	}{{"bybit", bybitServiceTx(), "1.1.1"}, {"batch20", batchTx(b, 20), "1.4.1"}} {
		b.Run(bc.name, func(b *testing.B) {
			req := VerifyRequest{Tx: bc.st, ChainID: big.NewInt(1), Version: mustVersion(b, bc.ver)}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Verify(req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestSettleDomain: the chain id and version come from the caller or the
// JSON's own keys; both must agree; nobody's value is ever made up.
func TestSettleDomain(t *testing.T) {
	t.Parallel()
	v130, v141 := mustVersion(t, "1.3.0"), mustVersion(t, "1.4.1")
	st := func(chainID int64, version string) *ServiceTx {
		s := &ServiceTx{}
		if chainID != 0 {
			s.ChainID = big.NewInt(chainID)
		}
		if version != "" {
			v := mustVersion(t, version)
			s.Version = &v
		}
		return s
	}
	given := func(field, text string) Given { return Given{Field: field, As: "?" + field + "=", Text: text} }
	for _, tc := range []struct {
		name                   string
		tx                     *ServiceTx
		chainID, version       string
		wantChainID            int64 // 0: nil
		wantVersion            safe.Version
		wantChainF, wantVerF   string
		errField, errSubstring string
	}{
		{name: "nobody gives them", tx: st(0, ""), wantChainF: "chainId", wantVerF: "safeVersion"},
		{name: "caller gives them", tx: st(0, ""), chainID: "1", version: "1.3.0", wantChainID: 1, wantVersion: v130, wantChainF: "chainId", wantVerF: "safeVersion"},
		{name: "JSON gives them", tx: st(137, "1.4.1"), wantChainID: 137, wantVersion: v141, wantChainF: "chainId", wantVerF: "safeVersion"},
		{name: "both agree", tx: st(1, "1.4.1"), chainID: "0x1", version: "1.4.1", wantChainID: 1, wantVersion: v141, wantChainF: "chainId", wantVerF: "safeVersion"},
		{name: "one each", tx: st(0, "1.4.1"), chainID: "10", wantChainID: 10, wantVersion: v141, wantChainF: "chainId", wantVerF: "safeVersion"},
		{name: "chain ids disagree", tx: st(5, ""), chainID: "1", errField: "chainId", errSubstring: "?chainId=1 disagrees with the body's chainId 5"},
		{name: "versions disagree", tx: st(0, "1.3.0"), version: "1.3.0+L2", errField: "safeVersion", errSubstring: "?safeVersion=1.3.0+L2 disagrees with the body's safeVersion 1.3.0"},
		{name: "bad chain id", tx: st(0, ""), chainID: "0", errField: "chainId", errSubstring: "not a chain"},
		{name: "bad version", tx: st(0, ""), version: "2.0.0", errField: "safeVersion"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := SettleDomain(tc.tx, "the body", given("chainId", tc.chainID), given("safeVersion", tc.version))
			if tc.errField != "" {
				var e *bulwark.Error
				if !errors.As(err, &e) || e.Code != bulwark.EINVALID || e.Field != tc.errField || !strings.Contains(e.Message, tc.errSubstring) {
					t.Fatalf("error %v, want invalid %s with %q", err, tc.errField, tc.errSubstring)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (d.ChainID == nil) != (tc.wantChainID == 0) || d.ChainID != nil && d.ChainID.Int64() != tc.wantChainID ||
				d.Version != tc.wantVersion || d.ChainIDField != tc.wantChainF || d.VersionField != tc.wantVerF {
				t.Errorf("settled %+v", d)
			}
		})
	}
	// The settled chain id is a copy: changing it leaves the JSON's alone.
	tx := st(1, "")
	d, _ := SettleDomain(tx, "the body", Given{}, Given{})
	d.ChainID.SetInt64(99)
	if tx.ChainID.Int64() != 1 {
		t.Error("SettleDomain returned the JSON's own chain id")
	}
}

// TestOfflineSaysNotSimulated: an offline verdict says what it did not
// check (VERIFIED_OFFLINE, info) rather than show a plain transfer as clean.
func TestOfflineSaysNotSimulated(t *testing.T) {
	t.Parallel()
	v := verify(t, ServiceTx{Safe: testSafe, Tx: safe.Tx{To: bob, Value: big.NewInt(1), Nonce: big.NewInt(1)}}, "1.3.0", Policy{Screener: testScreener(t)})
	if v.Verdict != bulwark.VerdictOK || len(v.Findings) != 1 || v.Findings[0].Code != CodeVerifiedOffline || v.Findings[0].Severity != SeverityInfo ||
		!strings.Contains(v.Findings[0].Message, "verified offline") {
		t.Fatalf("verdict %s, findings %+v", v.Verdict, v.Findings)
	}
	if !has(verify(t, bybitServiceTx(), "1.1.1", Policy{}), CodeVerifiedOffline, SeverityInfo, "") {
		t.Error("a rejected offline verdict does not say it was not simulated")
	}
	if v.Simulated() {
		t.Error("an offline verification reads as simulated")
	}
	b, err := json.Marshal(v.JSON())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"simulated":false`) {
		t.Errorf("the JSON of an offline verification lacks \"simulated\":false: %s", b)
	}
}
