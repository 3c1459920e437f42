package tracing

import (
	"fmt"
	"math/big"
	"testing"

	"github.com/bulwark-sec/bulwark"
	"github.com/ethereum/go-ethereum/common"
	"github.com/holiman/uint256"
)

var (
	thief = common.HexToAddress("0x47666fab8bd0ac7003bce3f5c3585383f09486e2")
	alice = common.HexToAddress("0x00000000000000000000000000000000000a11ce")
	bob   = common.HexToAddress("0x0000000000000000000000000000000000000b0b")
	carol = common.HexToAddress("0x00000000000000000000000000000000000ca201")
	dave  = common.HexToAddress("0x0000000000000000000000000000000000000da3")
	eth   = NativeAsset(1)
)

// send is a top-level ETH transfer of amount wei in block n.
func send(n int, from, to common.Address, amount uint64) Transfer {
	return Transfer{Chain: 1, Block: uint64(n), TxHash: common.BigToHash(big.NewInt(int64(n))), Kind: TopLevelCall,
		From: from, To: to, Asset: eth, Amount: *uint256.NewInt(amount)}
}

func newEngine(t *testing.T, p Policy) *Engine {
	t.Helper()
	e, err := NewEngine(p)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// run applies the stream and returns the taint of each transfer.
func run(t *testing.T, e *Engine, stream ...Transfer) []uint64 {
	t.Helper()
	var got []uint64
	for i := range stream {
		moved, err := e.Apply(&stream[i])
		if err != nil {
			t.Fatalf("transfer %d: %v", i, err)
		}
		got = append(got, moved.Uint64())
	}
	if err := e.Check(); err != nil {
		t.Fatal(err)
	}
	return got
}

func tainted(e *Engine, a common.Address) uint64 {
	_, x := e.Holding(a, eth)
	return x.Uint64()
}

// TestHaircutRounding holds the rounding rule: each transfer out carries
// floor(amount × tainted ÷ balance); the remainder stays tainted at the
// sender, and the transfer that empties it carries the rest.
func TestHaircutRounding(t *testing.T) {
	t.Parallel()
	e := newEngine(t, Haircut)
	e.SeedAddress(thief)
	got := run(t, e,
		send(1, thief, alice, 1), // alice: 1 tainted
		send(2, bob, alice, 2),   // of 3
		send(3, alice, carol, 1), // floor(1×1/3) = 0; 1 of 2 left tainted
		send(4, alice, carol, 1), // floor(1×1/2) = 0; 1 of 1 left
		send(5, alice, carol, 1), // empties alice: 1
	)
	if want := []uint64{1, 0, 0, 0, 1}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("taint per transfer %v, want %v", got, want)
	}
	if tainted(e, alice) != 0 || tainted(e, carol) != 1 {
		t.Errorf("alice holds %d tainted, carol %d; want 0 and 1", tainted(e, alice), tainted(e, carol))
	}

	// A remainder: 7 tainted of 10, 3 out: floor(2.1) = 2, 5 of 7 left.
	e = newEngine(t, Haircut)
	e.SeedAddress(thief)
	got = run(t, e, send(1, thief, alice, 7), send(2, bob, alice, 3), send(3, alice, carol, 3), send(4, alice, bob, 4))
	// 4 of 7 with 5 tainted: floor(20/7) = 2; alice keeps 3 of 3 tainted.
	if want := []uint64{7, 0, 2, 2}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("taint per transfer %v, want %v", got, want)
	}
	if b, x := e.Holding(alice, eth); b.Uint64() != 3 || x.Uint64() != 3 {
		t.Errorf("alice holds %d tainted of %d, want 3 of 3", x.Uint64(), b.Uint64())
	}
}

// TestHaircutLargeAmounts multiplies past 256 bits: amount × tainted is
// computed on 512 bits.
func TestHaircutLargeAmounts(t *testing.T) {
	t.Parallel()
	e := newEngine(t, Haircut)
	e.SeedAddress(thief)
	max := new(uint256.Int).SetAllOne()
	half := new(uint256.Int).Rsh(max, 1) // 2^255 − 1
	in1 := Transfer{Chain: 1, Kind: TopLevelCall, From: thief, To: alice, Asset: eth, Amount: *half}
	in2 := Transfer{Chain: 1, Kind: TopLevelCall, From: bob, To: alice, Asset: eth, Amount: *half}
	out := Transfer{Chain: 1, Kind: TopLevelCall, From: alice, To: carol, Asset: eth, Amount: *half}
	for _, tr := range []*Transfer{&in1, &in2} {
		if _, err := e.Apply(tr); err != nil {
			t.Fatal(err)
		}
	}
	moved, err := e.Apply(&out)
	if err != nil {
		t.Fatal(err)
	}
	// half × half ÷ (2 × half) = half ÷ 2, rounded down.
	if want := new(uint256.Int).Rsh(half, 1); !moved.Eq(want) {
		t.Errorf("moved %s, want %s", moved.Dec(), want.Dec())
	}
	if err := e.Check(); err != nil {
		t.Fatal(err)
	}
	// 2^256 − 1 more does not fit alice's balance.
	over := in2
	over.Amount = *max
	_, err = e.Apply(&over)
	if !bulwark.IsCode(err, bulwark.EINVALID) {
		t.Fatalf("crediting past 2^256: %v, want an invalid error", err)
	}
	if err := e.Check(); err != nil {
		t.Fatalf("after a refused transfer: %v", err)
	}
}

// TestUnseenBalance: a debit larger than the balance seen is met from a
// clean opening balance older than everything seen (poison: tainted like
// the rest of a poisoned holding).
func TestUnseenBalance(t *testing.T) {
	t.Parallel()
	for _, p := range Policies() {
		t.Run(p.String(), func(t *testing.T) {
			t.Parallel()
			e := newEngine(t, p)
			e.SeedAddress(thief)
			// alice gets 3 tainted and sends 4: 1 is from before the stream.
			// bob then sends 1: under FIFO and LIFO the unseen clean 1 was
			// the oldest at alice, so it reaches bob first in his queue
			// (FIFO) and last on his stack (LIFO): bob's 1 is clean.
			got := run(t, e, send(1, thief, alice, 3), send(2, alice, bob, 4), send(3, bob, carol, 1))
			// Dirty-first ignores the order: bob's 1 is of his 3 tainted.
			want := []uint64{3, 3, 0}
			switch p {
			case Poison:
				want = []uint64{3, 4, 1}
			case DirtyFirst:
				want = []uint64{3, 3, 1}
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("taint per transfer %v, want %v", got, want)
			}
			tot := e.Totals(eth)
			// The thief's 3 were unseen too.
			if tot.Unseen.Int64() != 4 {
				t.Errorf("unseen %s, want 4", tot.Unseen)
			}
			if wantCreated := map[bool]int64{true: 1, false: 0}[p == Poison]; tot.Created.Int64() != wantCreated {
				t.Errorf("created %s, want %d", tot.Created, wantCreated)
			}
		})
	}
}

// TestPoison: a holding that receives taint is wholly tainted from then
// on, clean value arriving later included, and the clean value it turns is
// counted as created.
func TestPoison(t *testing.T) {
	t.Parallel()
	e := newEngine(t, Poison)
	e.SeedAddress(thief)
	got := run(t, e,
		send(1, carol, alice, 10), // clean
		send(2, alice, bob, 2),    // clean: 0
		send(3, thief, alice, 1),  // alice poisoned: 9 tainted, 8 created
		send(4, carol, alice, 5),  // 5 more created
		send(5, alice, bob, 3),    // 3 tainted; bob poisoned: his 2 turn
		send(6, alice, carol, 11), // empties alice; carol (0 left) poisoned
		send(7, dave, alice, 4),   // alice stays poisoned: 4 created
	)
	if want := []uint64{0, 0, 1, 0, 3, 11, 0}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("taint per transfer %v, want %v", got, want)
	}
	tot := e.Totals(eth)
	// created: 8 + 5 at alice, bob's 2, then 4 at alice.
	if tot.Sourced.Int64() != 1 || tot.Created.Int64() != 8+5+2+4 || tot.Burned.Sign() != 0 || tot.Held.Int64() != 20 {
		t.Errorf("totals %+v, want sourced 1, created 19, held 20, burned 0", tot)
	}
	if tainted(e, alice) != 4 || tainted(e, bob) != 5 || tainted(e, carol) != 11 {
		t.Errorf("alice %d, bob %d, carol %d tainted; want 4, 5 and 11", tainted(e, alice), tainted(e, bob), tainted(e, carol))
	}
}

// TestSeedTransaction: every transfer of a seed transaction is tainted in
// full; the victim's holding loses only what it held tainted.
func TestSeedTransaction(t *testing.T) {
	t.Parallel()
	for _, p := range Policies() {
		t.Run(p.String(), func(t *testing.T) {
			t.Parallel()
			e := newEngine(t, p)
			theft := send(2, alice, thief, 6)
			e.SeedTransaction(theft.TxHash)
			got := run(t, e, send(1, carol, alice, 10), theft, send(3, thief, bob, 6), send(4, alice, bob, 4))
			if want := []uint64{0, 6, 6, 0}; fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("taint per transfer %v, want %v", got, want)
			}
			if tot := e.Totals(eth); tot.Sourced.Int64() != 6 || tot.Held.Int64() != 6+tot.Created.Int64() {
				t.Errorf("totals %+v: want 6 sourced, held 6 (+created)", tot)
			}
		})
	}
}

// TestBurnLeavesTheSystem: taint paid as base fee, burned as tokens or
// unwrapped is burned; a mint is clean.
func TestBurnLeavesTheSystem(t *testing.T) {
	t.Parallel()
	weth, _ := DefaultWrappedNatives().Asset(1)
	token := TokenAsset(1, common.HexToAddress("0xdac17f958d2ee523a2206206994597c13d831ec7"))
	e := newEngine(t, DirtyFirst)
	e.SeedAddress(thief)
	fee := send(2, alice, common.Address{}, 2)
	fee.Kind = BaseFeeBurn
	tip := send(2, alice, carol, 1)
	tip.Kind = GasTip
	mint := Transfer{Chain: 1, Block: 3, Kind: TokenTransfer, To: thief, Asset: token, Amount: *uint256.NewInt(50)}
	move := Transfer{Chain: 1, Block: 4, Kind: TokenTransfer, From: thief, To: alice, Asset: token, Amount: *uint256.NewInt(20)}
	burn := Transfer{Chain: 1, Block: 5, Kind: TokenTransfer, From: alice, Asset: token, Amount: *uint256.NewInt(15)}
	wrap := Transfer{Chain: 1, Block: 6, Kind: Wrap, From: weth.Contract, To: alice, Asset: weth, Amount: *uint256.NewInt(9)}
	unwrap := Transfer{Chain: 1, Block: 7, Kind: Unwrap, From: alice, To: weth.Contract, Asset: weth, Amount: *uint256.NewInt(9)}
	got := run(t, e, send(1, thief, alice, 5), fee, tip, mint, move, burn, wrap, unwrap)
	if want := []uint64{5, 2, 1, 0, 20, 15, 0, 0}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("taint per transfer %v, want %v", got, want)
	}
	if tot := e.Totals(eth); tot.Burned.Int64() != 2 || tot.Held.Int64() != 3 {
		t.Errorf("ETH totals %+v, want 2 burned, 3 held", tot)
	}
	if tot := e.Totals(token); tot.Burned.Int64() != 15 || tot.Held.Int64() != 5 || tot.Sourced.Int64() != 20 {
		t.Errorf("token totals %+v, want 20 sourced, 15 burned, 5 held", tot)
	}
	if b, _ := e.Holding(alice, weth); !b.IsZero() {
		t.Errorf("alice holds %s WETH after wrapping and unwrapping 9", b.Dec())
	}
}

// TestZeroAndSelf: a zero-value transfer changes nothing, even from a seed;
// a transfer to oneself keeps the balance and the taint.
func TestZeroAndSelf(t *testing.T) {
	t.Parallel()
	for _, p := range Policies() {
		t.Run(p.String(), func(t *testing.T) {
			t.Parallel()
			e := newEngine(t, p)
			e.SeedAddress(thief)
			got := run(t, e, send(1, thief, alice, 0), send(2, carol, alice, 4), send(3, thief, alice, 2), send(4, alice, alice, 6))
			if got[0] != 0 || len(e.Assets()) != 1 {
				t.Errorf("a zero transfer from the thief carried %d", got[0])
			}
			if b, x := e.Holding(alice, eth); b.Uint64() != 6 || x.Uint64() != map[bool]uint64{true: 6, false: 2}[p == Poison] {
				t.Errorf("alice holds %d tainted of %d after paying herself", x.Uint64(), b.Uint64())
			}
		})
	}
}

// TestReset: an engine reused after Reset gives the same results as a new
// one.
func TestReset(t *testing.T) {
	t.Parallel()
	for _, p := range Policies() {
		e := newEngine(t, p)
		var first []string
		for round := range 3 {
			g := newStreamGen(42, true)
			e.SeedAddress(g.addrs[0])
			var got []string
			for range 300 {
				tr := g.next()
				moved, err := e.Apply(&tr)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, moved.Dec())
			}
			if err := e.Check(); err != nil {
				t.Fatal(err)
			}
			if round == 0 {
				first = got
			} else if fmt.Sprint(got) != fmt.Sprint(first) {
				t.Fatalf("%s: round %d after Reset differs from the first", p, round)
			}
			e.Reset()
			if len(e.Assets()) != 0 {
				t.Fatalf("%s: Reset left %d assets", p, len(e.Assets()))
			}
		}
	}
}

func TestNewEngineRejectsUnknownPolicy(t *testing.T) {
	t.Parallel()
	if _, err := NewEngine(0); !bulwark.IsCode(err, bulwark.EINVALID) {
		t.Fatalf("NewEngine(0): %v, want an invalid error", err)
	}
}

// TestOpen: opening balances are older than everything seen; tainted ones
// are sourced.
func TestOpen(t *testing.T) {
	t.Parallel()
	open := func(t *testing.T, e *Engine, a common.Address, amount uint64, taint bool) {
		t.Helper()
		if err := e.Open(Holding{a, eth}, uint256.NewInt(amount), taint); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		p    Policy
		want []uint64
	}{
		// bob: 4 clean received, then an opening 2 tainted (older); he
		// sends 2, then 4.
		{FIFO, []uint64{0, 2, 0}},
		{LIFO, []uint64{0, 0, 2}},
		{DirtyFirst, []uint64{0, 2, 0}},
		{CleanFirst, []uint64{0, 0, 2}},
		{Haircut, []uint64{0, 0, 2}}, // floor(2×2/6) = 0, then all 2 of 4
		{Poison, []uint64{0, 2, 4}},
	} {
		t.Run(c.p.String(), func(t *testing.T) {
			t.Parallel()
			e := newEngine(t, c.p)
			open(t, e, carol, 10, false)
			got := run(t, e, send(1, carol, bob, 4))
			open(t, e, bob, 2, true)
			got = append(got, run(t, e, send(2, bob, alice, 2), send(3, bob, alice, 4))...)
			if fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("taint per transfer %v, want %v", got, c.want)
			}
			tot := e.Totals(eth)
			created := int64(0)
			if c.p == Poison {
				created = 4 // bob's 4 clean turned
			}
			if tot.Sourced.Int64() != 2 || tot.Unseen.Sign() != 0 || tot.Created.Int64() != created {
				t.Errorf("totals %+v: want 2 sourced, nothing unseen, %d created", tot, created)
			}
		})
	}
	e := newEngine(t, FIFO)
	if err := e.Open(Holding{alice, Asset{Chain: 1}}, uint256.NewInt(1), false); !bulwark.IsCode(err, bulwark.EINVALID) {
		t.Errorf("an invalid asset: %v", err)
	}
	open(t, e, alice, 1, false)
	if err := e.Open(Holding{alice, eth}, new(uint256.Int).SetAllOne(), true); !bulwark.IsCode(err, bulwark.EINVALID) {
		t.Errorf("past 2^256: %v", err)
	}
	if b, x := e.Holding(alice, eth); b.Uint64() != 1 || !x.IsZero() {
		t.Errorf("a refused opening balance left %d (%d tainted)", b.Uint64(), x.Uint64())
	}
	if err := e.Check(); err != nil {
		t.Fatal(err)
	}
}
