package policy

import (
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/safe"
	"github.com/bulwark-sec/bulwark/safe/decode"
)

// execTxData is execTransaction(to, value, data, op, 0, 0, 0, 0x0, 0x0,
// sigs) packed by go-ethereum's ABI encoder.
func execTxData(t testing.TB, to common.Address, value *big.Int, data []byte, op uint8) []byte {
	t.Helper()
	zero := big.NewInt(0)
	return calldata(t, "execTransaction(address to,uint256 value,bytes data,uint8 operation,uint256 safeTxGas,uint256 baseGas,uint256 gasPrice,address gasToken,address refundReceiver,bytes signatures)",
		to, value, data, op, zero, zero, zero, common.Address{}, common.Address{}, make([]byte, 65))
}

func moduleExecData(t testing.TB, fn string, to common.Address, value *big.Int, data []byte, op uint8) []byte {
	t.Helper()
	return calldata(t, fn+"(address to,uint256 value,bytes data,uint8 operation)", to, value, data, op)
}

// TestOtherSafe: approveHash on another Safe is that Safe's owner
// signing an unseen transaction (OTHER_SAFE_APPROVE_HASH, high, naming the
// hash); executing another Safe's transaction is OTHER_SAFE_EXEC (medium),
// its call decoded and checked as a call from that Safe, and what leaves
// that Safe is checked against that Safe's value limits (not this one's).
func TestOtherSafe(t *testing.T) {
	t.Parallel()
	h := common.HexToHash("0xb3476d061aeb8fc1d605a873c483a2402d88a68a9cdd1a8b47655dd55ba004f8")
	tx := func(to common.Address, op safe.Operation, data []byte) ServiceTx {
		return ServiceTx{Safe: testSafe, Tx: safe.Tx{To: to, Operation: op, Data: data, Nonce: big.NewInt(8)}}
	}
	usdtTransfer := calldata(t, "transfer(address to,uint256 amount)", trojan, big.NewInt(10))
	limits := []Limit{
		{Name: "other usdt", Safe: otherSafe, Asset: usdt, Amount: big.NewInt(5), Period: 24 * time.Hour},
		{Name: "other eth", Safe: otherSafe, Asset: ETH, Amount: big.NewInt(100), Period: 24 * time.Hour},
		{Name: "this usdt", Safe: testSafe, Asset: usdt, Amount: big.NewInt(5), Period: 24 * time.Hour},
	}
	type want struct {
		code string
		sev  Severity
		path string
		says []string
	}
	for _, tc := range []struct {
		name    string
		st      ServiceTx
		verdict bulwark.Verdict
		want    []want
		not     []string
	}{
		{"approveHash on another Safe", tx(otherSafe, safe.Call, safe.ApproveHashData(h)), bulwark.VerdictReview,
			[]want{{CodeOtherSafeApproveHash, SeverityHigh, "0", []string{"this Safe " + testSafe.Hex() + " approves Safe transaction hash " + h.Hex() + " on " + otherSafe.Hex(), "has not seen"}}}, nil},
		{"approveHash in a batch", tx(callOnly130, safe.DelegateCall, decode.MultiSendCalldata([]decode.MultiSendTx{
			{To: usdc, Data: calldata(t, "transfer(address to,uint256 amount)", bob, big.NewInt(1))}, {To: otherSafe, Data: safe.ApproveHashData(h)}})), bulwark.VerdictReview,
			[]want{{CodeOtherSafeApproveHash, SeverityHigh, "0.1", []string{h.Hex()}}}, nil},
		{"approveHash on the Safe itself stays a self-call", tx(testSafe, safe.Call, safe.ApproveHashData(h)), bulwark.VerdictReview,
			[]want{{CodeSelfCall, SeverityMedium, "0", nil}}, []string{CodeOtherSafeApproveHash}},
		{"execTransaction on another Safe moves its USDT over its limit", tx(otherSafe, safe.Call, execTxData(t, usdt, big.NewInt(0), usdtTransfer, 0)), bulwark.VerdictReview,
			[]want{
				{CodeOtherSafeExec, SeverityMedium, "0", []string{"makes Safe " + otherSafe.Hex(), "owners' signatures", "call 0.0: transfer", "10 base units of " + usdt.Hex() + " from that Safe", "NOT this Safe's"}},
				{CodeValueLimit, SeverityHigh, "", []string{"other usdt"}},
			}, nil},
		{"module exec on another Safe: the inner call is checked from that Safe", tx(otherSafe, safe.Call,
			moduleExecData(t, "execTransactionFromModule", lendingPool, big.NewInt(0), calldata(t, "transferOwnership(address newOwner)", trojan), 0)), bulwark.VerdictReview,
			[]want{{CodeOtherSafeExec, SeverityMedium, "0", []string{"as one of its modules (execTransactionFromModule)", "sends no ETH"}}, {CodeOwnershipTransfer, SeverityHigh, "0.0", nil}}, nil},
		{"module exec with return data sends ETH within the other Safe's limit", tx(otherSafe, safe.Call,
			moduleExecData(t, "execTransactionFromModuleReturnData", bob, big.NewInt(7), nil, 0)), bulwark.VerdictReview,
			[]want{{CodeOtherSafeExec, SeverityMedium, "0", []string{"7 base units of ETH"}}, {CodeValueLimitUnchecked, SeverityMedium, "", []string{"other eth"}}}, nil},
		{"a DELEGATECALL executed by another Safe", tx(otherSafe, safe.Call, execTxData(t, trojan, big.NewInt(0), usdtTransfer, 1)), bulwark.VerdictReview,
			[]want{{CodeOtherSafeExec, SeverityMedium, "0", nil}, {CodeUntrustedDelegateCall, SeverityHigh, "0.0", nil}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v := verify(t, tc.st, "1.3.0", Policy{TrustAddressOnly: true, Limits: limits})
			if v.Verdict != tc.verdict {
				t.Errorf("verdict %s, want %s; findings %v", v.Verdict, tc.verdict, codes(v.Findings))
			}
			for _, w := range tc.want {
				f, ok := findingAt(v, w.code, w.path)
				if !ok {
					t.Fatalf("no %s at %q: %v", w.code, w.path, codes(v.Findings))
				}
				if f.Severity != w.sev {
					t.Errorf("%s is %s, want %s: %s", w.code, f.Severity, w.sev, f.Message)
				}
				for _, s := range w.says {
					if !strings.Contains(f.Message, s) {
						t.Errorf("%s: message %q lacks %q", w.code, f.Message, s)
					}
				}
			}
			for _, code := range tc.not {
				if has(v, code, "", "") {
					t.Errorf("unexpected %s: %v", code, codes(v.Findings))
				}
			}
			for _, f := range v.Findings {
				if f.Code == CodeValueLimit && strings.Contains(f.Message, "this usdt") {
					t.Errorf("another Safe's outflow counted against this Safe's limit: %s", f.Message)
				}
			}
		})
	}
}
