package policy

import (
	"math/big"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/safe"
	"github.com/bulwark-sec/bulwark/safe/decode"
)

func eth(n int64) *big.Int { return new(big.Int).Mul(big.NewInt(n), big.NewInt(1e18)) }

// permit2Batch is Permit2's transferFrom(AllowanceTransferDetails[]).
func permit2Batch(t testing.TB, details ...[4]any) []byte {
	t.Helper()
	typ, err := abi.NewType("tuple[]", "", []abi.ArgumentMarshaling{
		{Name: "from", Type: "address"}, {Name: "to", Type: "address"}, {Name: "amount", Type: "uint160"}, {Name: "token", Type: "address"}})
	if err != nil {
		t.Fatal(err)
	}
	type detail struct {
		From, To common.Address
		Amount   *big.Int
		Token    common.Address
	}
	var ds []detail
	for _, d := range details {
		ds = append(ds, detail{d[0].(common.Address), d[1].(common.Address), d[2].(*big.Int), d[3].(common.Address)})
	}
	args := abi.Arguments{{Type: typ}}
	packed, err := args.Pack(ds)
	if err != nil {
		t.Fatal(err)
	}
	m := abi.NewMethod("transferFrom", "transferFrom", abi.Function, "nonpayable", false, false, args, nil)
	return append(slices.Clone(m.ID), packed...)
}

// TestOutflows: what leaves the Safe is counted by asset, in batches
// too; what moves another account's tokens or stays in the Safe is not.
func TestOutflows(t *testing.T) {
	t.Parallel()
	batch := decode.MultiSendCalldata([]decode.MultiSendTx{
		{To: bob, Value: eth(40)},
		{To: alice, Value: eth(2)},
		{To: usdc, Data: calldata(t, "transfer(address to,uint256 amount)", bob, big.NewInt(700))},
		{To: usdc, Data: calldata(t, "transferFrom(address from,address to,uint256 amount)", testSafe, bob, big.NewInt(5))},
		{To: usdc, Data: calldata(t, "transferFrom(address from,address to,uint256 amount)", alice, bob, big.NewInt(1000))},
		{To: permit2, Data: calldata(t, "transferFrom(address from,address to,uint160 amount,address token)", testSafe, bob, big.NewInt(30), usdt)},
		{To: permit2, Data: calldata(t, "transferFrom(address from,address to,uint160 amount,address token)", alice, bob, big.NewInt(1000), usdt)},
		{To: permit2, Data: permit2Batch(t, [4]any{testSafe, bob, big.NewInt(12), usdt}, [4]any{alice, bob, big.NewInt(1000), usdt}, [4]any{testSafe, alice, big.NewInt(3), usdc})},
		{To: usdc, Data: calldata(t, "approve(address spender,uint256 amount)", bob, big.NewInt(1000))},
	})
	for _, tc := range []struct {
		name string
		tx   safe.Tx
		want map[common.Address]*big.Int
	}{
		{"ETH transfer", safe.Tx{To: bob, Value: eth(3)}, map[common.Address]*big.Int{ETH: eth(3)}},
		{"token transfer", safe.Tx{To: usdc, Data: calldata(t, "transfer(address to,uint256 amount)", bob, big.NewInt(9))}, map[common.Address]*big.Int{usdc: big.NewInt(9)}},
		{"batch", safe.Tx{To: callOnly130, Operation: safe.DelegateCall, Data: batch},
			map[common.Address]*big.Int{ETH: eth(42), usdc: big.NewInt(708), usdt: big.NewInt(42)}},
		{"value to itself", safe.Tx{To: testSafe, Value: eth(1)}, map[common.Address]*big.Int{}},
		{"ERC-721 safeTransferFrom counts one token whatever the id", safe.Tx{To: usdt, Data: calldata(t, "safeTransferFrom(address from,address to,uint256 tokenId)", testSafe, bob, big.NewInt(999))},
			map[common.Address]*big.Int{usdt: big.NewInt(1)}},
		{"NFTs in a batch", safe.Tx{To: callOnly130, Operation: safe.DelegateCall, Data: decode.MultiSendCalldata([]decode.MultiSendTx{
			{To: usdt, Data: calldata(t, "safeTransferFrom(address from,address to,uint256 tokenId,bytes data)", testSafe, bob, big.NewInt(0), []byte{})},
			{To: usdt, Data: calldata(t, "transferFrom(address from,address to,uint256 amount)", testSafe, bob, big.NewInt(0))},
			{To: usdc, Data: calldata(t, "safeTransferFrom(address from,address to,uint256 id,uint256 amount,bytes data)", testSafe, bob, big.NewInt(3), big.NewInt(6), []byte{})},
			{To: usdc, Data: calldata(t, "safeBatchTransferFrom(address from,address to,uint256[] ids,uint256[] amounts,bytes data)", testSafe, bob,
				[]*big.Int{big.NewInt(1), big.NewInt(2)}, []*big.Int{big.NewInt(4), big.NewInt(5)}, []byte{})},
			{To: usdc, Data: calldata(t, "safeTransferFrom(address from,address to,uint256 id,uint256 amount,bytes data)", alice, bob, big.NewInt(3), big.NewInt(100), []byte{})},
			{To: usdc, Data: calldata(t, "safeTransferFrom(address from,address to,uint256 id,uint256 amount,bytes data)", testSafe, testSafe, big.NewInt(3), big.NewInt(100), []byte{})},
		})}, map[common.Address]*big.Int{usdt: big.NewInt(2), usdc: big.NewInt(15)}},
		{"approval only", safe.Tx{To: usdc, Data: calldata(t, "approve(address spender,uint256 amount)", bob, big.NewInt(1000))}, map[common.Address]*big.Int{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			root, _ := safe130().DecodeTx(tc.tx)
			if got := Outflows(testSafe, root); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("outflows %v, want %v", got, tc.want)
			}
		})
	}
}

// TestValueLimits: a limit is passed, exceeded, or not checked, according
// to what this transaction sends and what was already sent in its period.
func TestValueLimits(t *testing.T) {
	t.Parallel()
	day := 24 * time.Hour
	limits := []Limit{
		{Name: "limit 1 of book.toml", Safe: testSafe, Asset: ETH, Amount: eth(100), Period: day},
		{Name: "limit 2 of book.toml", Safe: testSafe, ChainID: big.NewInt(1), Asset: usdc, Amount: big.NewInt(1000), Period: 7 * day},
		{Name: "limit 3 of book.toml", Safe: testSafe, ChainID: big.NewInt(10), Asset: ETH, Amount: eth(1), Period: day},
		{Name: "limit 4 of book.toml", Safe: otherSafe, Asset: ETH, Amount: eth(1), Period: day},
	}
	ethKey, usdcKey := SentKey{Asset: ETH, Period: day}, SentKey{Asset: usdc, Period: 7 * day}
	send := func(n *big.Int) ServiceTx { return ServiceTx{Safe: testSafe, Tx: safe.Tx{To: bob, Value: n}} }
	usdcTx := ServiceTx{Safe: testSafe, Tx: safe.Tx{To: usdc, Data: calldata(t, "transfer(address to,uint256 amount)", bob, big.NewInt(600))}}
	for _, tc := range []struct {
		name    string
		tx      ServiceTx
		sent    map[SentKey]*big.Int
		want    []string // code:severity of the limit findings
		verdict bulwark.Verdict
		fields  map[string]string
	}{
		{"within", send(eth(60)), map[SentKey]*big.Int{ethKey: eth(30)}, []string{"VALUE_LIMIT:info"}, bulwark.VerdictOK,
			map[string]string{"alreadySent": eth(30).String(), "thisTransaction": eth(60).String(), "total": eth(90).String(), "period": "1d", "asset": "ETH"}},
		{"exactly at the limit", send(eth(60)), map[SentKey]*big.Int{ethKey: eth(40)}, []string{"VALUE_LIMIT:info"}, bulwark.VerdictOK, nil},
		{"over with what was sent", send(eth(60)), map[SentKey]*big.Int{ethKey: eth(50)}, []string{"VALUE_LIMIT:high"}, bulwark.VerdictReview,
			map[string]string{"limit": "limit 1 of book.toml", "amount": eth(100).String(), "total": eth(110).String()}},
		{"not known", send(eth(60)), nil, []string{"VALUE_LIMIT_NOT_CHECKED:medium"}, bulwark.VerdictReview,
			map[string]string{"alreadySent": "not known"}},
		{"other asset known only", send(eth(60)), map[SentKey]*big.Int{usdcKey: big.NewInt(0)}, []string{"VALUE_LIMIT_NOT_CHECKED:medium"}, bulwark.VerdictReview, nil},
		{"over alone, not known", send(eth(101)), nil, []string{"VALUE_LIMIT:high"}, bulwark.VerdictReview,
			map[string]string{"alreadySent": "not known", "thisTransaction": eth(101).String()}},
		{"nothing sent of the asset", ServiceTx{Safe: testSafe, Tx: safe.Tx{To: usdc, Data: calldata(t, "approve(address spender,uint256 amount)", router, big.NewInt(5))}}, nil, nil, bulwark.VerdictReview, nil}, // review for the approval alone
		{"token over the weekly limit", usdcTx, map[SentKey]*big.Int{usdcKey: big.NewInt(401)}, []string{"VALUE_LIMIT:high"}, bulwark.VerdictReview,
			map[string]string{"asset": usdc.Hex(), "period": "7d"}},
		{"token within", usdcTx, map[SentKey]*big.Int{usdcKey: big.NewInt(400)}, []string{"VALUE_LIMIT:info"}, bulwark.VerdictOK, nil},
		{"another Safe's limit", ServiceTx{Safe: otherSafe, Tx: safe.Tx{To: bob, Value: eth(2)}}, map[SentKey]*big.Int{ethKey: eth(0)}, []string{"VALUE_LIMIT:high"}, bulwark.VerdictReview,
			map[string]string{"limit": "limit 4 of book.toml"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v, err := Verify(VerifyRequest{Tx: tc.tx, ChainID: big.NewInt(1), Version: mustVersion(t, "1.3.0"),
				Policy: Policy{Limits: limits}, SentInPeriod: tc.sent})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			var lf *Finding
			for i, f := range v.Findings {
				if f.Code == CodeValueLimit || f.Code == CodeValueLimitUnchecked {
					got = append(got, f.Code+":"+string(f.Severity))
					lf = &v.Findings[i]
				}
			}
			if !slices.Equal(got, tc.want) || v.Verdict != tc.verdict {
				t.Fatalf("limit findings %v, verdict %s; want %v, %s (all: %v)", got, v.Verdict, tc.want, tc.verdict, codes(v.Findings))
			}
			for k, want := range tc.fields {
				if lf.Fields[k] != want {
					t.Errorf("field %s = %q, want %q (%s)", k, lf.Fields[k], want, lf.Message)
				}
			}
			if lf != nil && !strings.Contains(lf.Message, lf.Fields["limit"]) {
				t.Errorf("message does not name the limit: %s", lf.Message)
			}
		})
	}
}

// TestParseLimits reads [[limit]] tables beside the entries.
func TestParseLimits(t *testing.T) {
	t.Parallel()
	b, err := ParseAddressBook("book.toml", []byte(`
[[entry]]
address = "0x3Cc3A225769900e003E264dd4CB43E90896BC21A"
label = "Bob"
kinds = ["recipient"]

[[limit]]
safe = "0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4"
asset = "ETH"
amount = "100000000000000000000"
period = "24h"

[[limit]]
safe = "0x1db92e2eebc8e0c075a02bea49a2935bcd2dfcf4"
chain_id = 1
asset = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
amount = "1000000000000"
period = "7d"
`))
	if err != nil {
		t.Fatal(err)
	}
	ls := b.Limits()
	if len(ls) != 2 || b.Len() != 1 {
		t.Fatalf("%d limits, %d entries", len(ls), b.Len())
	}
	want := Limit{Name: "limit 1 of book.toml", Safe: testSafe, Asset: ETH, Amount: eth(100), Period: 24 * time.Hour}
	if !reflect.DeepEqual(ls[0], want) {
		t.Errorf("limit 1: %+v", ls[0])
	}
	if l := ls[1]; l.Asset != usdc || l.ChainID.Int64() != 1 || l.Period != 7*24*time.Hour || l.Amount.String() != "1000000000000" {
		t.Errorf("limit 2: %+v", l)
	}
	if got := (Policy{AddressBook: b}).LimitsFor(big.NewInt(10), testSafe); len(got) != 1 || got[0].Name != "limit 1 of book.toml" {
		t.Errorf("limits on chain 10: %+v", got)
	}
}

// TestParseLimitsRejects: every mistake in a [[limit]] is an invalid
// error naming the file, the limit and the field.
func TestParseLimitsRejects(t *testing.T) {
	t.Parallel()
	const ok = "safe = \"0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4\"\nasset = \"ETH\"\namount = \"100\"\nperiod = \"24h\"\n"
	limit := func(body string) string { return "[[limit]]\n" + body }
	for _, tc := range []struct{ name, in, want string }{
		{"not a table list", "limit = 3", "book.toml: limit: want a list of [[limit]] tables"},
		{"unknown field", limit(ok + "label = \"x\"\n"), `book.toml: limit 1: unknown field "label" (fields: amount, asset, chain_id, period, safe)`},
		{"missing safe", limit(strings.Replace(ok, "safe = \"0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4\"\n", "", 1)), "book.toml: limit 1: safe: required"},
		{"bad safe", limit(strings.Replace(ok, "0x1Db92e2E", "0x1DB92e2E", 1)), "limit 1: safe: 0x1DB92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4 has a bad EIP-55 checksum"},
		{"missing asset", limit(strings.Replace(ok, "asset = \"ETH\"\n", "", 1)), `limit 1: asset: required: "ETH" or a token's address`},
		{"bad asset", limit(strings.Replace(ok, `"ETH"`, `"eth"`, 1)), `limit 1: asset: want "ETH" or a token's address: "eth" is not 0x and 40 hex digits`},
		{"amount a number", limit(strings.Replace(ok, `"100"`, `100`, 1)), "limit 1: amount: 100 is not a string: want a decimal string"},
		{"amount a decimal fraction", limit(strings.Replace(ok, `"100"`, `"1.5"`, 1)), `limit 1: amount: "1.5" is not a whole number of base units`},
		{"amount zero", limit(strings.Replace(ok, `"100"`, `"0"`, 1)), `limit 1: amount: "0" is not a whole number`},
		{"amount signed", limit(strings.Replace(ok, `"100"`, `"+100"`, 1)), `limit 1: amount: "+100" is not a whole number`},
		{"amount too large", limit(strings.Replace(ok, `"100"`, `"`+new(big.Int).Lsh(big.NewInt(1), 256).String()+`"`, 1)), "limit 1: amount: "},
		{"missing period", limit(strings.Replace(ok, "period = \"24h\"\n", "", 1)), "limit 1: period: required"},
		{"bad period", limit(strings.Replace(ok, `"24h"`, `"a day"`, 1)), `limit 1: period: "a day" is not a duration such as "24h"`},
		{"period too short", limit(strings.Replace(ok, `"24h"`, `"30s"`, 1)), `limit 1: period: "30s" is not from 1m to 366d`},
		{"period a fraction of a minute", limit(strings.Replace(ok, `"24h"`, `"1.01m"`, 1)), `limit 1: period: "1.01m" is not a whole number of minutes: write it in whole minutes, hours or days, such as "1m"`},
		{"period in milliseconds", limit(strings.Replace(ok, `"24h"`, `"61500ms"`, 1)), `limit 1: period: "61500ms" is not a whole number of minutes`},
		{"period in seconds", limit(strings.Replace(ok, `"24h"`, `"90s"`, 1)), `limit 1: period: "90s" is not a whole number of minutes`},
		{"period too long", limit(strings.Replace(ok, `"24h"`, `"400d"`, 1)), `limit 1: period: "400d" is not a duration`},
		{"chain id zero", limit(ok + "chain_id = 0\n"), "limit 1: chain_id: 0 is not a chain id"},
		{"duplicate", limit(ok) + limit(strings.Replace(ok, `"100"`, `"200"`, 1)), "book.toml: limit 2: the same Safe, asset, period and chain as limit 1: keep one"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseAddressBook("book.toml", []byte(tc.in))
			if bulwark.ErrorCode(err) != bulwark.EINVALID || !strings.Contains(bulwark.ErrorMessage(err), tc.want) {
				t.Fatalf("error %v, want invalid containing %q", err, tc.want)
			}
		})
	}
}
