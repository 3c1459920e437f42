package tracing

import (
	"math/big"
	"testing"

	"github.com/bulwark-sec/bulwark"
	"github.com/ethereum/go-ethereum/common"
	"github.com/holiman/uint256"
)

// fuzzStream decodes a fuzz input into a policy, seeds and transfers:
// byte 0 picks the policy, byte 1's low bit makes transaction 0 a seed
// transaction; then records of [kind, from, to, asset, n, n amount bytes
// (big-endian, n ≤ 32)] over five addresses (the fourth the zero address,
// the first a seed address) and four assets (ETH, an ERC-20, WETH, an
// ERC-1155 id). Kinds and assets that do not fit are made to fit. At most
// maxFuzzTransfers are read: the reference model's exact fractions grow
// with every haircut transfer.
func fuzzStream(data []byte) (Policy, bool, []Transfer) {
	if len(data) < 2 {
		return Poison, false, nil
	}
	p := Policies()[int(data[0])%len(Policies())]
	seedTx := data[1]&1 == 1
	w := DefaultWrappedNatives()
	weth, _ := w.Asset(1)
	assets := []Asset{NativeAsset(1), TokenAsset(1, usdt), weth, MultiTokenAsset(1, usdt, uint256.NewInt(5))}
	addrs := []common.Address{thief, alice, bob, {}, carol}
	var out []Transfer
	for i := 2; i+5 <= len(data) && len(out) < maxFuzzTransfers; {
		rec := data[i : i+5]
		n := int(rec[4]) % 33
		i += 5
		if i+n > len(data) {
			n = len(data) - i
		}
		t := Transfer{Chain: 1, Block: uint64(len(out)), TxHash: common.BigToHash(big.NewInt(int64(rec[0] >> 5))),
			Kind: Kind(1 + int(rec[0])%int(BaseFeeBurn)), From: addrs[int(rec[1])%len(addrs)], To: addrs[int(rec[2])%len(addrs)]}
		t.Amount.SetBytes(data[i : i+n])
		i += n
		switch {
		case t.Kind.native():
			t.Asset = assets[0]
		case t.Kind == Wrap || t.Kind == Unwrap:
			t.Asset = weth
		default:
			t.Asset = assets[1+int(rec[3])%3]
		}
		out = append(out, t)
	}
	return p, seedTx, out
}

const maxFuzzTransfers = 64

// FuzzConservation holds the engine, on any stream, to conservation and
// its invariants after every transfer (Engine.Check), to taint never above
// the amount, and to the reference model (exactly, haircut within its
// rounding bound). A transfer that would take a balance past 2^256 is
// refused with an invalid error and changes nothing.
func FuzzConservation(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 1, 0, 1, 3, 1, 1, 2, 0, 1, 2})
	f.Fuzz(func(t *testing.T, data []byte) {
		p, seedTx, stream := fuzzStream(data)
		e, err := NewEngine(p)
		if err != nil {
			t.Fatal(err)
		}
		ref := newRef(p)
		e.SeedAddress(thief)
		ref.seedAddr[thief] = true
		if seedTx {
			h := common.BigToHash(big.NewInt(0))
			e.SeedTransaction(h)
			ref.seedTx[h] = true
		}
		outs := 0
		for i := range stream {
			tr := &stream[i]
			moved, err := e.Apply(tr)
			if err != nil {
				if !bulwark.IsCode(err, bulwark.EINVALID) {
					t.Fatalf("transfer %d: %v", i, err)
				}
				if cerr := e.Check(); cerr != nil {
					t.Fatalf("transfer %d refused (%v), then: %v", i, err, cerr)
				}
				continue
			}
			want := ref.apply(tr)
			if d, _ := tr.Effects(); d && !tr.Amount.IsZero() {
				outs++
			}
			if moved.Gt(&tr.Amount) {
				t.Fatalf("transfer %d: %s tainted of %s", i, moved.Dec(), tr.Amount.Dec())
			}
			diff := new(big.Rat).Sub(new(big.Rat).SetInt(moved.ToBig()), want)
			if p == Haircut && diff.Abs(diff).Cmp(big.NewRat(int64(2*outs), 1)) > 0 || p != Haircut && diff.Sign() != 0 {
				t.Fatalf("%s, transfer %d (%s of %s): %s tainted, reference %s", p, i, tr.Kind, tr.Amount.Dec(), moved.Dec(), want.FloatString(3))
			}
			if err := e.Check(); err != nil {
				t.Fatalf("%s, transfer %d: %v", p, i, err)
			}
		}
	})
}

// FuzzParseAsset: any string either fails with an invalid error or is a
// valid asset whose key reads back to itself.
func FuzzParseAsset(f *testing.F) {
	for _, s := range []string{"native:1", "erc20:1:0xdac17f958d2ee523a2206206994597c13d831ec7", "erc721:10:0xdac17f958d2ee523a2206206994597c13d831ec7:42", "erc1155:1:0x0:1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAsset(s)
		if err != nil {
			if !bulwark.IsCode(err, bulwark.EINVALID) {
				t.Fatalf("%q: %v", s, err)
			}
			return
		}
		if err := a.Validate(); err != nil {
			t.Fatalf("%q parsed to an invalid asset: %v", s, err)
		}
		b, err := ParseAsset(a.String())
		if err != nil || b != a {
			t.Fatalf("%q → %q → %+v, %v", s, a.String(), b, err)
		}
	})
}
