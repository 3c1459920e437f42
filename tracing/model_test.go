package tracing

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
	"github.com/ethereum/go-ethereum/common"
	"github.com/holiman/uint256"
)

var usdt = common.HexToAddress("0xdAC17F958D2ee523a2206206994597C13D831ec7")

func TestAssetKeys(t *testing.T) {
	t.Parallel()
	big := new(uint256.Int).SetAllOne()
	for _, c := range []struct {
		asset Asset
		key   string
	}{
		{NativeAsset(1), "native:1"},
		{TokenAsset(1, usdt), "erc20:1:0xdac17f958d2ee523a2206206994597c13d831ec7"},
		{NFTAsset(10, usdt, uint256.NewInt(42)), "erc721:10:0xdac17f958d2ee523a2206206994597c13d831ec7:42"},
		{MultiTokenAsset(8453, usdt, big), "erc1155:8453:0xdac17f958d2ee523a2206206994597c13d831ec7:" + big.Dec()},
	} {
		if got := c.asset.String(); got != c.key {
			t.Errorf("%+v: key %q, want %q", c.asset, got, c.key)
		}
		back, err := ParseAsset(c.key)
		if err != nil || back != c.asset {
			t.Errorf("ParseAsset(%q) = %+v, %v", c.key, back, err)
		}
	}
}

func TestParseAssetErrors(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, says string }{
		{"", "unknown standard"},
		{"btc:1", "unknown standard"},
		{"native", "2 colon-separated parts"},
		{"native:1:0xdac17f958d2ee523a2206206994597c13d831ec7", "2 colon-separated parts"},
		{"native:x", "not a decimal"},
		{"native:0", "chain id 0"},
		{"erc20:1:dac17f958d2ee523a2206206994597c13d831ec7", "0x-prefixed"},
		{"erc20:1:0x0000000000000000000000000000000000000000", "needs its token contract"},
		{"erc721:1:0xdac17f958d2ee523a2206206994597c13d831ec7", "4 colon-separated parts"},
		{"erc721:1:0xdac17f958d2ee523a2206206994597c13d831ec7:-1", "token id"},
	} {
		_, err := ParseAsset(c.in)
		if !bulwark.IsCode(err, bulwark.EINVALID) || !strings.Contains(err.Error(), c.says) || !strings.HasPrefix(err.Error(), "asset") {
			t.Errorf("ParseAsset(%q): %v, want an invalid error naming the asset and saying %q", c.in, err, c.says)
		}
	}
}

func TestWrappedNatives(t *testing.T) {
	t.Parallel()
	w := DefaultWrappedNatives()
	weth, ok := w.Asset(1)
	if !ok || weth.String() != "erc20:1:0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2" || !w.Is(weth) {
		t.Fatalf("mainnet WETH: %v %v", weth, ok)
	}
	if w.Is(TokenAsset(1, usdt)) || w.Is(TokenAsset(10, weth.Contract)) || w.Is(NativeAsset(1)) {
		t.Error("a token other than the chain's WETH is recognised as WETH")
	}
	anvil := common.HexToAddress("0x5FbDB2315678afecb367f032d93F642f64180aa3")
	w[31337] = anvil
	if !w.Is(TokenAsset(31337, anvil)) {
		t.Error("a wrapped native added for a chain is not recognised")
	}
}

func TestNames(t *testing.T) {
	t.Parallel()
	for _, p := range Policies() {
		if q, err := ParsePolicy(p.String()); err != nil || q != p {
			t.Errorf("ParsePolicy(%q) = %v, %v", p, q, err)
		}
		// Users write names as the docs capitalise them.
		if q, err := ParsePolicy(" " + strings.ToUpper(p.String()) + " "); err != nil || q != p {
			t.Errorf("ParsePolicy(upper %q) = %v, %v", p, q, err)
		}
	}
	if got := strings.Join(func() (s []string) {
		for _, p := range Policies() {
			s = append(s, p.String())
		}
		return
	}(), "|"); got != "poison|haircut|fifo|lifo|dirty-first|clean-first" {
		t.Errorf("policy names %s differ from the command line's", got)
	}
	if _, err := ParsePolicy("seniority"); !bulwark.IsCode(err, bulwark.EINVALID) || !strings.Contains(err.Error(), "dirty-first, clean-first") {
		t.Errorf("ParsePolicy(seniority): %v", err)
	}
	for k := TopLevelCall; k <= BaseFeeBurn; k++ {
		if q, err := ParseKind(k.String()); err != nil || q != k {
			t.Errorf("ParseKind(%q) = %v, %v", k, q, err)
		}
	}
	if _, err := ParseKind("transfer"); !bulwark.IsCode(err, bulwark.EINVALID) {
		t.Errorf("ParseKind(transfer): %v", err)
	}
}

func TestTransferValidate(t *testing.T) {
	t.Parallel()
	weth, _ := DefaultWrappedNatives().Asset(1)
	ok := []Transfer{
		{Chain: 1, Kind: TopLevelCall, Asset: eth, TraceAddress: nil},
		{Chain: 1, Kind: InternalCall, Asset: eth, TraceAddress: []uint32{0, 2}},
		{Chain: 1, Kind: TokenTransfer, Asset: NFTAsset(1, usdt, uint256.NewInt(1)), Amount: *uint256.NewInt(1)},
		{Chain: 1, Kind: Wrap, Asset: weth, LogIndex: 7},
		{Chain: 1, Kind: BaseFeeBurn, Asset: eth},
		{Chain: 1, Kind: TokenTransfer, Asset: MultiTokenAsset(1, usdt, uint256.NewInt(7)), LogIndex: 3, ItemIndex: 2, Amount: *uint256.NewInt(500)},
	}
	for i := range ok {
		if err := ok[i].Validate(); err != nil {
			t.Errorf("%d: %v", i, err)
		}
	}
	for _, c := range []struct {
		tr    Transfer
		field string
	}{
		{Transfer{Chain: 1, Kind: 0, Asset: eth}, "kind"},
		{Transfer{Chain: 1, Kind: TopLevelCall, Asset: Asset{Chain: 1}}, "asset.standard"},
		{Transfer{Chain: 5, Kind: TopLevelCall, Asset: eth}, "asset.chain"},
		{Transfer{Chain: 1, Kind: GasTip, Asset: weth}, "asset"},
		{Transfer{Chain: 1, Kind: TokenTransfer, Asset: eth}, "asset"},
		{Transfer{Chain: 1, Kind: Unwrap, Asset: NFTAsset(1, usdt, uint256.NewInt(1))}, "asset"},
		{Transfer{Chain: 1, Kind: TokenTransfer, Asset: NFTAsset(1, usdt, uint256.NewInt(1)), Amount: *uint256.NewInt(2)}, "amount"},
		{Transfer{Chain: 1, Kind: TokenTransfer, Asset: weth, TraceAddress: []uint32{1}}, "trace_address"},
		{Transfer{Chain: 1, Kind: TokenTransfer, Asset: MultiTokenAsset(1, usdt, uint256.NewInt(7)), TraceAddress: []uint32{1}}, "trace_address"},
		{Transfer{Chain: 1, Kind: TokenTransfer, Asset: weth, ItemIndex: 1}, "item_index"},
		{Transfer{Chain: 1, Kind: TokenTransfer, Asset: NFTAsset(1, usdt, uint256.NewInt(1)), Amount: *uint256.NewInt(1), ItemIndex: 1}, "item_index"},
		{Transfer{Chain: 1, Kind: InternalCall, Asset: eth, ItemIndex: 1}, "item_index"},
		{Transfer{Chain: 1, Kind: Wrap, Asset: MultiTokenAsset(1, usdt, uint256.NewInt(7))}, "asset"},
	} {
		err := c.tr.Validate()
		var be *bulwark.Error
		if !bulwark.IsCode(err, bulwark.EINVALID) || !asError(err, &be) || be.Field != c.field {
			t.Errorf("%+v: %v, want an invalid error on %s", c.tr, err, c.field)
		}
	}
}

func asError(err error, be **bulwark.Error) bool { return errors.As(err, be) }

func TestEffects(t *testing.T) {
	t.Parallel()
	zero := common.Address{}
	for _, c := range []struct {
		kind          Kind
		from, to      common.Address
		debit, credit bool
	}{
		{TopLevelCall, alice, bob, true, true},
		{InternalCall, alice, bob, true, true},
		{Create, alice, bob, true, true},
		{SelfDestruct, alice, bob, true, true},
		{GasTip, alice, bob, true, true},
		{BaseFeeBurn, alice, zero, true, false},
		{TokenTransfer, alice, bob, true, true},
		{TokenTransfer, zero, bob, false, true},
		{TokenTransfer, alice, zero, true, false},
		{Wrap, bob, alice, false, true},
		{Unwrap, alice, bob, true, false},
	} {
		tr := Transfer{Kind: c.kind, From: c.from, To: c.to}
		if d, cr := tr.Effects(); d != c.debit || cr != c.credit {
			t.Errorf("%s %s→%s: debit %v credit %v, want %v %v", c.kind, c.from.Hex()[38:], c.to.Hex()[38:], d, cr, c.debit, c.credit)
		}
	}
}

// TestCompare: shuffled transfers sort into execution order.
func TestCompare(t *testing.T) {
	t.Parallel()
	want := []Transfer{
		{Chain: 1, Block: 9, TxIndex: 5, Kind: TokenTransfer, LogIndex: 99},
		{Chain: 1, Block: 10, TxIndex: 0, Kind: BaseFeeBurn},
		{Chain: 1, Block: 10, TxIndex: 0, Kind: GasTip},
		{Chain: 1, Block: 10, TxIndex: 0, Kind: TopLevelCall, TraceAddress: nil},
		{Chain: 1, Block: 10, TxIndex: 0, Kind: InternalCall, TraceAddress: []uint32{0}},
		{Chain: 1, Block: 10, TxIndex: 0, Kind: InternalCall, TraceAddress: []uint32{0, 0}},
		{Chain: 1, Block: 10, TxIndex: 0, Kind: SelfDestruct, TraceAddress: []uint32{0, 1}},
		{Chain: 1, Block: 10, TxIndex: 0, Kind: Create, TraceAddress: []uint32{1}},
		{Chain: 1, Block: 10, TxIndex: 0, Kind: Wrap, LogIndex: 3},
		{Chain: 1, Block: 10, TxIndex: 0, Kind: TokenTransfer, LogIndex: 4},
		{Chain: 1, Block: 10, TxIndex: 0, Kind: TokenTransfer, LogIndex: 5},
		{Chain: 1, Block: 10, TxIndex: 0, Kind: TokenTransfer, LogIndex: 5, ItemIndex: 1},
		{Chain: 1, Block: 10, TxIndex: 0, Kind: TokenTransfer, LogIndex: 5, ItemIndex: 2},
		{Chain: 1, Block: 10, TxIndex: 0, Kind: TokenTransfer, LogIndex: 6},
		{Chain: 1, Block: 10, TxIndex: 1, Kind: GasTip},
		{Chain: 10, Block: 1},
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		got := slices.Clone(want)
		r.Shuffle(len(got), func(i, j int) { got[i], got[j] = got[j], got[i] })
		slices.SortStableFunc(got, func(a, b Transfer) int { return Compare(&a, &b) })
		for i := range got {
			if Compare(&got[i], &want[i]) != 0 {
				t.Fatalf("position %d: %+v, want %+v", i, got[i], want[i])
			}
		}
	}
}

func multi(id uint64) Asset { return MultiTokenAsset(1, usdt, uint256.NewInt(id)) }

func batchItem(t Transfer, item uint32) Transfer {
	t.LogIndex, t.ItemIndex = 9, item
	return t
}

// TestLedger applies the balance rules of every kind.
func TestLedger(t *testing.T) {
	t.Parallel()
	w := DefaultWrappedNatives()
	weth, _ := w.Asset(1)
	token := TokenAsset(1, usdt)
	l := NewLedger()
	if err := l.Credit(Holding{alice, eth}, uint256.NewInt(100)); err != nil {
		t.Fatal(err)
	}
	tr := func(kind Kind, from, to common.Address, a Asset, amount uint64) Transfer {
		return Transfer{Chain: 1, Kind: kind, From: from, To: to, Asset: a, Amount: *uint256.NewInt(amount)}
	}
	stream := []Transfer{
		tr(BaseFeeBurn, alice, common.Address{}, eth, 3), // alice 97
		tr(GasTip, alice, carol, eth, 1),                 // alice 96, carol 1
		tr(TopLevelCall, alice, w[1], eth, 40),           // alice 56, WETH contract 40
		tr(Wrap, w[1], alice, weth, 40),                  // alice 40 WETH
		tr(Unwrap, alice, w[1], weth, 15),                // alice 25 WETH
		tr(InternalCall, w[1], alice, eth, 15),           // alice 71, contract 25
		tr(Create, alice, bob, eth, 20),                  // alice 51, bob 20
		tr(SelfDestruct, bob, carol, eth, 20),            // bob 0, carol 21
		tr(TokenTransfer, common.Address{}, bob, token, 500),
		tr(TokenTransfer, bob, alice, token, 200),
		tr(TokenTransfer, alice, common.Address{}, token, 50),
		tr(TopLevelCall, alice, alice, eth, 51), // to oneself: unchanged
		// ERC-1155: each (contract, id) is an asset of its own; a batch's
		// items are transfers at one log index.
		tr(TokenTransfer, common.Address{}, bob, multi(7), 30),
		tr(TokenTransfer, common.Address{}, bob, multi(8), 5),
		batchItem(tr(TokenTransfer, bob, carol, multi(7), 10), 0),
		batchItem(tr(TokenTransfer, bob, carol, multi(8), 5), 1),
		tr(TokenTransfer, carol, common.Address{}, multi(7), 4),
	}
	for i := range stream {
		if err := l.Apply(&stream[i]); err != nil {
			t.Fatalf("%d: %v", i, err)
		}
	}
	for _, c := range []struct {
		h    Holding
		want uint64
	}{
		{Holding{alice, eth}, 51}, {Holding{bob, eth}, 0}, {Holding{carol, eth}, 21}, {Holding{w[1], eth}, 25},
		{Holding{alice, weth}, 25}, {Holding{w[1], weth}, 0},
		{Holding{alice, token}, 150}, {Holding{bob, token}, 300}, {Holding{common.Address{}, token}, 0},
		{Holding{bob, multi(7)}, 20}, {Holding{carol, multi(7)}, 6}, {Holding{bob, multi(8)}, 0}, {Holding{carol, multi(8)}, 5},
	} {
		if b := l.Balance(c.h); b.Uint64() != c.want {
			t.Errorf("%s in %s: %s, want %d", c.h.Address.Hex(), c.h.Asset, b.Dec(), c.want)
		}
	}
	n := 0
	l.Holdings(func(Holding, *uint256.Int) { n++ })
	if n != 9 {
		t.Errorf("%d holdings with a balance, want 9", n)
	}

	// A debit past the balance names the transaction, the address and the
	// shortfall, and changes nothing.
	over := tr(TopLevelCall, bob, alice, eth, 5)
	over.TxHash = common.HexToHash("0xabc")
	over.Block = 77
	err := l.Apply(&over)
	if !bulwark.IsCode(err, bulwark.EINVALID) || !strings.Contains(err.Error(), over.TxHash.Hex()) || !strings.Contains(err.Error(), "block 77") ||
		!strings.Contains(err.Error(), bob.Hex()) || !strings.Contains(err.Error(), "5 short") {
		t.Fatalf("overdraft: %v", err)
	}
	if b := l.Balance(Holding{alice, eth}); b.Uint64() != 51 {
		t.Errorf("a refused transfer changed alice's balance to %s", b.Dec())
	}
	huge := new(uint256.Int).SetAllOne()
	if err := l.Credit(Holding{alice, eth}, huge); !bulwark.IsCode(err, bulwark.EINVALID) {
		t.Errorf("crediting past 2^256: %v", err)
	}
	bad := tr(TopLevelCall, alice, bob, token, 1)
	if err := l.Apply(&bad); !bulwark.IsCode(err, bulwark.EINVALID) {
		t.Errorf("an invalid transfer: %v", err)
	}
}

// A call transfer's JSON always carries its call path: the transaction's
// own call as [], an internal call as its path; a fee carries none.
func TestEdgeTraceAddressJSON(t *testing.T) {
	t.Parallel()
	fee := uint256.NewInt(1)
	stream := []Transfer{
		{Chain: 1, Block: 1, TxHash: common.HexToHash("0x01"), Kind: TopLevelCall, From: thief, To: alice, Asset: eth, Amount: *uint256.NewInt(10)},
		{Chain: 1, Block: 2, TxHash: common.HexToHash("0x02"), Kind: InternalCall, TraceAddress: []uint32{0, 1}, From: alice, To: bob, Asset: eth, Amount: *uint256.NewInt(5)},
		{Chain: 1, Block: 2, TxHash: common.HexToHash("0x02"), Kind: GasTip, From: alice, To: carol, Asset: eth, Amount: *fee},
	}
	slices.SortFunc(stream, func(a, b Transfer) int { return Compare(&a, &b) })
	g, err := Trace(context.Background(), stream, Request{Chain: 1, Policy: Poison, SeedAddresses: []common.Address{thief}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[Kind]string{TopLevelCall: `"traceAddress":[]`, InternalCall: `"traceAddress":[0,1]`, GasTip: ""}
	seen := 0
	for _, e := range g.Edges {
		w, ok := want[e.Kind]
		if !ok {
			continue
		}
		seen++
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		if w == "" && strings.Contains(string(b), "traceAddress") || w != "" && !strings.Contains(string(b), w) {
			t.Errorf("%v edge JSON %s: want %q", e.Kind, b, w)
		}
	}
	if seen < 2 { // the fee to the block's proposer need not be followed
		t.Fatalf("%d of the calls traced: %+v", seen, g.Edges)
	}
}
