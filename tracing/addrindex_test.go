package tracing

import (
	"encoding/binary"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/holiman/uint256"
)

// addrN is a distinct address per n.
func addrN(n int) common.Address {
	var a common.Address
	binary.BigEndian.PutUint64(a[12:], uint64(n)+1)
	a[0] = 0xa5
	return a
}

// TestAddressIndex checks the engine's address index and holdings across
// growth and Reset: every (address, asset) opened is found again with its
// balance, Holdings lists them in the order first touched, and nothing is
// left after a Reset.
func TestAddressIndex(t *testing.T) {
	tok := TokenAsset(1, common.HexToAddress("0x00000000000000000000000000000000000070c1"))
	tok2 := TokenAsset(1, common.HexToAddress("0x00000000000000000000000000000000000070c2"))
	e := newEngine(t, FIFO)
	const n = 20_000 // past several growths of the index and many chunks
	for round := range 2 {
		type opened struct {
			h Holding
			v uint64
		}
		var want []opened
		open := func(h Holding, v uint64) {
			t.Helper()
			if err := e.Open(h, uint256.NewInt(v), v%2 == 0); err != nil {
				t.Fatal(err)
			}
			want = append(want, opened{h, v})
		}
		for i := range n {
			a := addrN(i + round*n/2) // the second round reuses half the addresses
			switch i % 5 {
			case 0: // a token first, then the native asset
				open(Holding{a, tok}, uint64(3*i+1))
				open(Holding{a, eth}, uint64(3*i+2))
			case 1: // three assets
				open(Holding{a, eth}, uint64(3*i+1))
				open(Holding{a, tok}, uint64(3*i+2))
				open(Holding{a, tok2}, uint64(3*i+3))
			default:
				open(Holding{a, eth}, uint64(3*i+1))
			}
		}
		for _, o := range want {
			if b, x := e.Holding(o.h.Address, o.h.Asset); b.Uint64() != o.v || (o.v%2 == 0) != (x.Uint64() == o.v) {
				t.Fatalf("round %d: %s in %s holds %d (%d tainted), want %d", round, o.h.Address.Hex(), o.h.Asset, b.Uint64(), x.Uint64(), o.v)
			}
		}
		if b, _ := e.Holding(addrN(10*n), eth); !b.IsZero() {
			t.Fatalf("round %d: an address never seen holds %d", round, b.Uint64())
		}
		k := 0
		e.Holdings(func(h Holding, balance, _ *uint256.Int) {
			if k < len(want) && (h != want[k].h || balance.Uint64() != want[k].v) {
				t.Fatalf("round %d: holding %d is %s in %s (%d), want %s in %s (%d)", round, k, h.Address.Hex(), h.Asset, balance.Uint64(),
					want[k].h.Address.Hex(), want[k].h.Asset, want[k].v)
			}
			k++
		})
		if k != len(want) {
			t.Fatalf("round %d: %d holdings, want %d", round, k, len(want))
		}
		if err := e.Check(); err != nil {
			t.Fatal(err)
		}
		e.Reset()
		if b, _ := e.Holding(addrN(0), eth); !b.IsZero() {
			t.Fatalf("round %d: a Reset engine holds %d", round, b.Uint64())
		}
	}
}

// TestStopCallbackInterns checks that a stop callback that makes the
// engine intern addresses (a trace reaching the sender of a mint) while a
// transfer is applied does not lose the credit: the engine ends as one
// applying the same stream without a callback.
func TestStopCallbackInterns(t *testing.T) {
	tok := TokenAsset(1, common.HexToAddress("0x00000000000000000000000000000000000070c1"))
	var stream []Transfer
	for i := range 3000 {
		from, to := addrN(i%97), addrN(i+1000)
		if i%3 == 0 {
			from = common.Address{} // a mint: no debit
		}
		tr := Transfer{Chain: 1, Block: uint64(i), Kind: TokenTransfer, LogIndex: 1, From: from, To: to, Asset: tok, Amount: *uint256.NewInt(uint64(i + 1))}
		stream = append(stream, tr)
	}
	for _, p := range []Policy{Haircut, FIFO, Poison} {
		plain, with := newEngine(t, p), newEngine(t, p)
		for _, e := range []*Engine{plain, with} {
			e.SeedAddress(common.Address{})
			e.SeedAddress(addrN(0))
		}
		fresh := 1 << 20
		stop := func(t *Transfer, _ uint256.Int) bool {
			for range 3 {
				with.addrID(addrN(fresh))
				fresh++
			}
			return false
		}
		for i := range stream {
			want, err := plain.Apply(&stream[i])
			if err != nil {
				t.Fatal(err)
			}
			got, _, err := with.apply(&stream[i], stop)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Eq(&want) {
				t.Fatalf("%s: transfer %d moved %s with the callback, %s without", p, i, got.Dec(), want.Dec())
			}
		}
		for i := range stream {
			a := stream[i].To
			b1, x1 := plain.Holding(a, tok)
			b2, x2 := with.Holding(a, tok)
			if !b1.Eq(&b2) || !x1.Eq(&x2) {
				t.Fatalf("%s: %s holds %s (%s tainted) with the callback, %s (%s) without", p, a.Hex(), b2.Dec(), x2.Dec(), b1.Dec(), x1.Dec())
			}
		}
		if err := with.Check(); err != nil {
			t.Fatal(err)
		}
	}
}
