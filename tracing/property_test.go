package tracing

import (
	"fmt"
	"math/big"
	"testing"

	"github.com/holiman/uint256"

	"github.com/bulwark-sec/bulwark/internal/race"
)

// propertySeeds is how many random streams each policy runs: fixed seeds,
// so a failure names its seed and reproduces.
const propertySeeds = 60

// TestCorpusEngineMatchesReference runs random streams (every kind and
// standard, mints, burns, self-transfers, zero amounts, seed addresses
// and seed transactions, with and without debits past the seen balance)
// through each policy and holds the engine, after every transfer, to:
//
//   - the plain reference model: the same taint per transfer, exactly for
//     every policy but haircut; for haircut within the rounding bound (the
//     engine's holdings differ from the exact fractions by less than 2 base
//     units per transfer out so far, summed over holdings);
//   - conservation: taint sourced + created = held + burned per asset
//     (created only under poison), and the engine's other invariants
//     (Engine.Check);
//   - per address (outside seed addresses and seed transactions, every
//     policy but poison): tainted in = tainted out (burned included) +
//     tainted left;
//   - balances: the reference model's, and without overdrawing the
//     Ledger's, with nothing assumed unseen.
//
// It is a corpus run (race.Corpus): one goroutine per policy through
// thousands of generated transfers (the engine has no concurrency), which
// the race detector makes about ten times slower (4 CPU seconds).
func TestCorpusEngineMatchesReference(t *testing.T) {
	race.Corpus(t)
	t.Parallel()
	for _, p := range Policies() {
		t.Run(p.String(), func(t *testing.T) {
			t.Parallel()
			tainted := 0
			for seed := uint64(1); seed <= propertySeeds; seed++ {
				tainted += checkRandomStream(t, p, seed, 40+int(seed%7)*40)
				if t.Failed() {
					t.Fatalf("seed %d failed", seed)
				}
			}
			// The streams must have moved taint for the checks to mean
			// anything.
			if tainted < propertySeeds {
				t.Fatalf("only %d transfers carried taint over %d streams", tainted, propertySeeds)
			}
		})
	}
}

// checkRandomStream runs one stream and returns how many of its transfers
// carried taint.
func checkRandomStream(t *testing.T, p Policy, seed uint64, n int) int {
	t.Helper()
	overdraw := seed%2 == 0
	seedTx := seed%3 == 0
	g := newStreamGen(seed, overdraw)
	e, err := NewEngine(p)
	if err != nil {
		t.Fatal(err)
	}
	ref := newRef(p)
	seedAddr := g.addrs[0]
	e.SeedAddress(seedAddr)
	ref.seedAddr[seedAddr] = true
	if seedTx {
		e.SeedTransaction(g.hashes[0])
		ref.seedTx[g.hashes[0]] = true
	}
	ledger := NewLedger()
	in, out := map[Holding]*big.Int{}, map[Holding]*big.Int{}
	add := func(m map[Holding]*big.Int, h Holding, x *uint256.Int) {
		if m[h] == nil {
			m[h] = new(big.Int)
		}
		m[h].Add(m[h], x.ToBig())
	}
	// Opening balances for some holdings, some of them tainted.
	for _, a := range g.addrs[1:] {
		if g.r.IntN(2) == 0 {
			continue
		}
		h := Holding{a, g.assets[g.r.IntN(2)]}
		amount := randBig(g.r, new(big.Int).Lsh(big.NewInt(1), uint(g.maxBits)))
		var x uint256.Int
		x.SetFromBig(amount)
		taint := g.r.IntN(3) == 0
		if err := e.Open(h, &x, taint); err != nil {
			t.Fatalf("seed %d: opening %s: %v", seed, h.Address.Hex(), err)
		}
		ref.open(h, amount, taint)
		if err := ledger.Credit(h, &x); err != nil {
			t.Fatal(err)
		}
		g.balance(h).Add(g.balance(h), amount)
		if taint {
			add(in, h, &x)
		}
	}
	burned := map[Asset]*big.Int{}
	outs, carried := 0, 0
	for i := range n {
		tr := g.next()
		where := fmt.Sprintf("seed %d, transfer %d (%s %s of %s, %s→%s)", seed, i, tr.Kind, tr.Amount.Dec(), tr.Asset, tr.From.Hex()[36:], tr.To.Hex()[36:])
		moved, err := e.Apply(&tr)
		if err != nil {
			t.Fatalf("%s: %v", where, err)
		}
		want := ref.apply(&tr)
		debit, credit := tr.Effects()
		if debit && !tr.Amount.IsZero() {
			outs++
		}
		if !moved.IsZero() {
			carried++
		}
		if moved.Gt(&tr.Amount) {
			t.Fatalf("%s: %s tainted of an amount of %s", where, moved.Dec(), tr.Amount.Dec())
		}
		diff := new(big.Rat).Sub(new(big.Rat).SetInt(moved.ToBig()), want)
		if p == Haircut {
			if diff.Abs(diff).Cmp(big.NewRat(int64(2*outs), 1)) > 0 {
				t.Fatalf("%s: %s tainted, exact %s: more than %d apart", where, moved.Dec(), want.FloatString(2), 2*outs)
			}
		} else if diff.Sign() != 0 {
			t.Fatalf("%s: %s tainted, reference %s", where, moved.Dec(), want.RatString())
		}
		if p == Poison && !moved.IsZero() && !moved.Eq(&tr.Amount) {
			t.Fatalf("%s: poison moved %s tainted of %s", where, moved.Dec(), tr.Amount.Dec())
		}
		if err := e.Check(); err != nil {
			t.Fatalf("%s: %v", where, err)
		}
		if !overdraw {
			if err := ledger.Apply(&tr); err != nil {
				t.Fatalf("%s: the ledger refuses a stream without overdrafts: %v", where, err)
			}
		}
		if tr.Amount.IsZero() || seedTx && tr.TxHash == g.hashes[0] {
			continue
		}
		if debit && tr.From != seedAddr {
			add(out, Holding{tr.From, tr.Asset}, &moved)
		}
		if credit {
			add(in, Holding{tr.To, tr.Asset}, &moved)
		} else {
			if burned[tr.Asset] == nil {
				burned[tr.Asset] = new(big.Int)
			}
			burned[tr.Asset].Add(burned[tr.Asset], moved.ToBig())
		}
	}

	// The engine against the reference, holding by holding.
	var drift big.Rat
	e.Holdings(func(h Holding, balance, tainted *uint256.Int) {
		r := ref.get(h)
		if balance.ToBig().Cmp(r.balance) != 0 {
			t.Errorf("seed %d: %s in %s: balance %s, reference %s", seed, h.Address.Hex(), h.Asset, balance.Dec(), r.balance)
		}
		d := new(big.Rat).Sub(new(big.Rat).SetInt(tainted.ToBig()), r.tainted)
		drift.Add(&drift, d.Abs(d))
		if !overdraw {
			if b := ledger.Balance(h); !b.Eq(balance) {
				t.Errorf("seed %d: %s in %s: balance %s, ledger %s", seed, h.Address.Hex(), h.Asset, balance.Dec(), b.Dec())
			}
		}
	})
	if limit := big.NewRat(int64(2*outs), 1); drift.Cmp(limit) >= 0 && drift.Sign() != 0 || p != Haircut && drift.Sign() != 0 {
		t.Errorf("seed %d: the holdings' taint is %s from the reference's in all (allowed: %s for haircut, 0 otherwise)", seed, drift.FloatString(2), limit.FloatString(0))
	}
	for _, a := range e.Assets() {
		tot := e.Totals(a)
		if !overdraw && tot.Unseen.Sign() != 0 {
			t.Errorf("seed %d: %s unseen in %s without overdrafts", seed, tot.Unseen, a)
		}
		if !seedTx {
			want := burned[a]
			if want == nil {
				want = new(big.Int)
			}
			if tot.Burned.Cmp(want) != 0 {
				t.Errorf("seed %d: %s burned in %s, the transfers that burn carried %s", seed, tot.Burned, a, want)
			}
		}
	}
	// Per address: tainted in = tainted out + tainted left.
	if p == Poison || seedTx {
		return carried
	}
	e.Holdings(func(h Holding, _, tainted *uint256.Int) {
		if h.Address == seedAddr {
			return
		}
		i, o := in[h], out[h]
		if i == nil {
			i = new(big.Int)
		}
		if o == nil {
			o = new(big.Int)
		}
		if left := new(big.Int).Sub(i, o); left.Cmp(tainted.ToBig()) != 0 {
			t.Errorf("seed %d: %s in %s: tainted in %s − out %s = %s, but it holds %s tainted", seed, h.Address.Hex(), h.Asset, i, o, left, tainted.Dec())
		}
	})
	return carried
}
