package policy

import (
	"math/big"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark/safe"
	"github.com/bulwark-sec/bulwark/safe/decode"
)

// TestVerdictIndependentOfOrder: shuffling the order the rules run in,
// the order the address book's entries are written in and the order of
// the value limits changes neither the findings (nor their order) nor the
// verdict.
func TestVerdictIndependentOfOrder(t *testing.T) {
	t.Parallel()
	book := testBook(t)
	entries := book.Entries()
	transfer := calldata(t, "transfer(address to,uint256 amount)", bob, big.NewInt(1))
	batch := decode.MultiSendCalldata([]decode.MultiSendTx{
		{To: lendingPool, Data: calldata(t, "transferOwnership(address newOwner)", trojan)},
		{To: usdt, Data: calldata(t, "approve(address spender,uint256 amount)", trojan, safe.MaxUint256)},
		{To: usdt, Data: calldata(t, "approve(address spender,uint256 amount)", router, safe.MaxUint256)},
		{To: testSafe, Data: calldata(t, "setGuard(address guard)", trojan)},
		{To: lendingPool, Data: common.FromHex("0xdeadbeef")},
		{To: bob, Value: big.NewInt(5)},
		{To: usdt, Data: calldata(t, "transfer(address to,uint256 amount)", bob, big.NewInt(5))},
		{To: usdt, Data: calldata(t, "transfer(address to,uint256 amount)", alice, big.NewInt(6))},
		{Operation: safe.DelegateCall, To: trojan, Data: transfer},
		{Operation: safe.DelegateCall, To: signLib130, Data: calldata(t, "signMessage(bytes _data)", []byte("hello"))},
		{To: bybitLaundering, Value: big.NewInt(3)},
		{To: usdt, Data: calldata(t, "transfer(address to,uint256 amount)", lazarusOFAC, big.NewInt(5))},
		{To: usdt, Data: calldata(t, "approve(address spender,uint256 amount)", watched, big.NewInt(5))},
		{To: lendingPool, Data: calldata(t, "grantRole(bytes32 role,address account)", [32]byte{}, wazirx)},
		{To: otherSafe, Data: safe.ApproveHashData(common.HexToHash("0x01"))},
		{To: otherSafe, Data: calldata(t, "execTransactionFromModule(address to,uint256 value,bytes data,uint8 operation)", bob, big.NewInt(2), []byte{}, uint8(0))},
		{To: extensibleHandler150, Data: append(calldata(t, "setDomainVerifier(bytes32 domainSeparator,address newVerifier)", [32]byte{1}, trojan), testSafe.Bytes()...)},
	})
	txs := map[string]safe.Tx{
		"kitchen-sink batch": {To: multiSend130, Operation: safe.DelegateCall, Data: batch, GasPrice: big.NewInt(1), RefundReceiver: trojan},
		"bybit":              bybitServiceTx().Tx,
		"truncated batch":    {To: callOnly130, Operation: safe.DelegateCall, Data: batch[:len(batch)-7]},
		"self-call":          {To: testSafe, Data: calldata(t, "changeMasterCopy(address _masterCopy)", trojan)},
		"timelock batch": {To: lendingPool, Data: calldata(t, "scheduleBatch(address[] targets,uint256[] values,bytes[] payloads,bytes32 predecessor,bytes32 salt,uint256 delay)",
			[]common.Address{lendingPool, usdt, lendingPool}, []*big.Int{big.NewInt(0), big.NewInt(0), big.NewInt(0)},
			[][]byte{calldata(t, "upgradeTo(address newImplementation)", trojan), calldata(t, "approve(address spender,uint256 amount)", trojan, safe.MaxUint256),
				calldata(t, "updateDelay(uint256 newDelay)", big.NewInt(0))}, [32]byte{}, [32]byte{}, big.NewInt(60))},
	}
	d := safe.Domain{Safe: testSafe, ChainID: big.NewInt(1), Version: mustVersion(t, "1.3.0")}
	day := 24 * time.Hour
	limits := []Limit{
		{Name: "limit 1", Safe: testSafe, Asset: ETH, Amount: big.NewInt(1), Period: day},
		{Name: "limit 2", Safe: testSafe, Asset: ETH, Amount: big.NewInt(100), Period: 7 * day},
		{Name: "limit 3", Safe: testSafe, ChainID: big.NewInt(1), Asset: ETH, Amount: big.NewInt(10), Period: 30 * day},
		{Name: "limit 4", Safe: testSafe, Asset: usdt, Amount: big.NewInt(1), Period: day},
		{Name: "limit 5", Safe: otherSafe, Asset: ETH, Amount: big.NewInt(1), Period: day},
	}
	sent := map[SentKey]*big.Int{{Asset: ETH, Period: 7 * day}: big.NewInt(50)}
	r := rand.New(rand.NewPCG(11, 12))
	for name, tx := range txs {
		root, _ := (&decode.Decoder{Safe: testSafe, Version: d.Version, ChainID: d.ChainID}).DecodeTx(tx)
		base := Policy{AllowMultiSend: true, AddressBook: book, Limits: limits, Screener: testScreener(t)}
		want := base.check(callRules, decode.KnownDeployments(), d, tx, root, sent, nil)
		if name == "kitchen-sink batch" && !slices.ContainsFunc(want, func(f Finding) bool { return f.Code == CodeValueLimitUnchecked }) {
			t.Fatalf("%s: no limit findings to shuffle: %v", name, codes(want))
		}
		if name == "kitchen-sink batch" && !slices.ContainsFunc(want, func(f Finding) bool { return f.Code == CodeRecipientNotListed }) {
			t.Fatalf("%s: no recipient finding: %v", name, codes(want))
		}
		if name == "kitchen-sink batch" && !slices.ContainsFunc(want, func(f Finding) bool { return f.Code == CodeSanctionedAddress }) {
			t.Fatalf("%s: no screening findings to shuffle: %v", name, codes(want))
		}
		if name == "kitchen-sink batch" && !slices.ContainsFunc(want, func(f Finding) bool { return f.Code == CodeValueLimit && f.Fields["safe"] == otherSafe.Hex() }) {
			t.Fatalf("%s: no limit finding for the other Safe: %v", name, codes(want))
		}
		if len(want) == 0 {
			t.Fatalf("%s: %d findings: nothing to compare", name, len(want))
		}
		for round := range 30 {
			rules := slices.Clone(callRules)
			r.Shuffle(len(rules), func(i, j int) { rules[i], rules[j] = rules[j], rules[i] })
			es := slices.Clone(entries)
			r.Shuffle(len(es), func(i, j int) { es[i], es[j] = es[j], es[i] })
			b, err := NewAddressBook(es)
			if err != nil {
				t.Fatal(err)
			}
			b.Source, b.Digest = book.Source, book.Digest // the same book, written in another order
			p := base
			p.AddressBook = b
			p.Limits = slices.Clone(limits)
			r.Shuffle(len(p.Limits), func(i, j int) { p.Limits[i], p.Limits[j] = p.Limits[j], p.Limits[i] })
			got := p.check(rules, decode.KnownDeployments(), d, tx, root, sent, nil)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%s, round %d: findings differ with shuffled rules and entries:\n%v\nwant\n%v", name, round, codes(got), codes(want))
			}
			if VerdictOf(got) != VerdictOf(want) {
				t.Fatalf("%s: verdict differs", name)
			}
		}
	}
}

func codes(fs []Finding) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Path + ":" + f.Code + ":" + string(f.Severity)
	}
	return out
}
