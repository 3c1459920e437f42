package tracing

import (
	"math/big"
	"math/rand/v2"

	"github.com/ethereum/go-ethereum/common"
	"github.com/holiman/uint256"
)

// refEngine is a deliberately plain model of the policies, on big.Int and
// (for haircut) exact fractions, with unmerged lots: the engine is checked
// against it transfer by transfer.
type refEngine struct {
	policy   Policy
	holdings map[Holding]*refHolding
	seedAddr map[common.Address]bool
	seedTx   map[common.Hash]bool
}

type refHolding struct {
	balance  *big.Int
	tainted  *big.Rat
	lots     []refLot // oldest first
	poisoned bool
}

type refLot struct {
	amount  *big.Int
	tainted bool
}

func newRef(p Policy) *refEngine {
	return &refEngine{policy: p, holdings: map[Holding]*refHolding{}, seedAddr: map[common.Address]bool{}, seedTx: map[common.Hash]bool{}}
}

func (r *refEngine) get(h Holding) *refHolding {
	x, ok := r.holdings[h]
	if !ok {
		x = &refHolding{balance: new(big.Int), tainted: new(big.Rat)}
		r.holdings[h] = x
	}
	return x
}

// open mirrors Engine.Open.
func (r *refEngine) open(hk Holding, a *big.Int, tainted bool) {
	if a.Sign() == 0 {
		return
	}
	h := r.get(hk)
	h.balance.Add(h.balance, a)
	h.lots = append([]refLot{{amount: new(big.Int).Set(a), tainted: tainted}}, h.lots...)
	switch {
	case r.policy == Poison:
		if tainted || h.poisoned {
			h.poisoned = true
			h.tainted.SetInt(h.balance)
		}
	case tainted:
		h.tainted.Add(h.tainted, new(big.Rat).SetInt(a))
	}
}

func lotsTaint(lots []refLot) *big.Rat {
	s := new(big.Int)
	for _, l := range lots {
		if l.tainted {
			s.Add(s, l.amount)
		}
	}
	return new(big.Rat).SetInt(s)
}

func (r *refEngine) apply(t *Transfer) *big.Rat {
	a := t.Amount.ToBig()
	moved := new(big.Rat)
	if a.Sign() == 0 {
		return moved
	}
	debit, credit := t.Effects()
	carried := []refLot{{amount: a}}
	if debit {
		h := r.get(Holding{t.From, t.Asset})
		if h.balance.Cmp(a) < 0 {
			short := new(big.Int).Sub(a, h.balance)
			h.balance.Set(a)
			h.lots = append([]refLot{{amount: short}}, h.lots...)
			if r.policy == Poison && h.poisoned {
				h.tainted.Add(h.tainted, new(big.Rat).SetInt(short))
			}
		}
		ar := new(big.Rat).SetInt(a)
		switch r.policy {
		case Poison:
			if h.poisoned {
				moved.Set(ar)
			}
		case Haircut:
			moved.Mul(ar, h.tainted)
			moved.Quo(moved, new(big.Rat).SetInt(h.balance))
		case DirtyFirst:
			moved.Set(h.tainted)
			if ar.Cmp(moved) < 0 {
				moved.Set(ar)
			}
		case CleanFirst:
			clean := new(big.Rat).Sub(new(big.Rat).SetInt(h.balance), h.tainted)
			if ar.Cmp(clean) > 0 {
				moved.Sub(ar, clean)
			}
		case FIFO, LIFO:
			carried = nil
			need := new(big.Int).Set(a)
			for need.Sign() > 0 {
				i := 0
				if r.policy == LIFO {
					i = len(h.lots) - 1
				}
				l := h.lots[i]
				take := new(big.Int).Set(l.amount)
				if take.Cmp(need) > 0 {
					take.Set(need)
				}
				carried = append(carried, refLot{amount: take, tainted: l.tainted})
				need.Sub(need, take)
				rest := new(big.Int).Sub(l.amount, take)
				switch {
				case rest.Sign() > 0:
					h.lots[i] = refLot{amount: rest, tainted: l.tainted}
				case r.policy == LIFO:
					h.lots = h.lots[:i]
				default:
					h.lots = h.lots[1:]
				}
			}
			moved = lotsTaint(carried)
		}
		h.balance.Sub(h.balance, a)
		h.tainted.Sub(h.tainted, moved)
	}
	if r.seedAddr[t.From] || r.seedTx[t.TxHash] {
		moved.SetInt(a)
		carried = []refLot{{amount: a, tainted: true}}
	}
	if credit {
		h := r.get(Holding{t.To, t.Asset})
		h.balance.Add(h.balance, a)
		switch {
		case r.policy == Poison:
			if h.poisoned || moved.Sign() > 0 {
				h.poisoned = true
				h.tainted.SetInt(h.balance)
			}
		case r.policy == FIFO || r.policy == LIFO:
			h.lots = append(h.lots, carried...)
			h.tainted.Add(h.tainted, moved)
		default:
			h.tainted.Add(h.tainted, moved)
		}
	}
	return moved
}

// streamGen makes random transfer streams over a few addresses and every
// kind and standard, for the property tests.
type streamGen struct {
	r        *rand.Rand
	addrs    []common.Address
	weth     common.Address
	coinbase common.Address
	assets   []Asset // native, erc20, erc721, erc1155
	wrapped  Asset
	overdraw bool // allow debits larger than the balance
	maxBits  int  // amounts below 2^maxBits
	hashes   []common.Hash
	bal      map[Holding]*big.Int
	n        int
}

func newStreamGen(seed uint64, overdraw bool) *streamGen {
	r := rand.New(rand.NewPCG(seed, 0x7a1e7))
	g := &streamGen{r: r, overdraw: overdraw, maxBits: 80 + r.IntN(120), bal: map[Holding]*big.Int{}}
	for i := range 2 + r.IntN(6) {
		g.addrs = append(g.addrs, common.BytesToAddress([]byte{0xaa, byte(i + 1)}))
	}
	w := DefaultWrappedNatives()
	g.weth = w[1]
	g.wrapped, _ = w.Asset(1)
	g.coinbase = common.BytesToAddress([]byte{0xcb})
	g.assets = []Asset{NativeAsset(1), TokenAsset(1, common.BytesToAddress([]byte{0x20})),
		NFTAsset(1, common.BytesToAddress([]byte{0x72}), uint256.NewInt(7)), MultiTokenAsset(1, common.BytesToAddress([]byte{0x11}), uint256.NewInt(3))}
	for i := range 4 {
		g.hashes = append(g.hashes, common.BytesToHash([]byte{0x7f, byte(i)}))
	}
	return g
}

func (g *streamGen) addr() common.Address { return g.addrs[g.r.IntN(len(g.addrs))] }

func (g *streamGen) balance(h Holding) *big.Int {
	b, ok := g.bal[h]
	if !ok {
		b = new(big.Int)
		g.bal[h] = b
	}
	return b
}

// amount picks an amount for a transfer out of h (any amount when it
// does not debit): sometimes zero, sometimes the whole balance, mostly
// part of it, and, when overdrawing is allowed, sometimes more.
func (g *streamGen) amount(h Holding, debit bool) *big.Int {
	bal := g.balance(h)
	if h.Asset.Standard == ERC721 {
		if debit && bal.Sign() == 0 && !g.overdraw {
			return new(big.Int)
		}
		return big.NewInt(1)
	}
	limit := new(big.Int).Lsh(big.NewInt(1), uint(1+g.r.IntN(g.maxBits)))
	switch k := g.r.IntN(20); {
	case k == 0:
		return new(big.Int)
	case k < 3 && debit:
		return new(big.Int).Set(bal)
	case !debit || (g.overdraw && k < 8):
		return randBig(g.r, limit)
	case bal.Sign() == 0:
		return new(big.Int)
	default:
		return randBig(g.r, new(big.Int).Add(bal, big.NewInt(1)))
	}
}

// randBig returns a random integer in [0, limit).
func randBig(r *rand.Rand, limit *big.Int) *big.Int {
	x := new(big.Int)
	for range limit.BitLen()/64 + 2 {
		x.Lsh(x, 64)
		x.Or(x, new(big.Int).SetUint64(r.Uint64()))
	}
	return x.Mod(x, limit)
}

// next returns the next transfer and updates the generator's balances.
func (g *streamGen) next() Transfer {
	g.n++
	t := Transfer{Chain: 1, Block: uint64(g.n), TxHash: g.hashes[g.r.IntN(len(g.hashes))], From: g.addr(), To: g.addr()}
	switch k := g.r.IntN(16); {
	case k < 6:
		t.Kind = []Kind{TopLevelCall, InternalCall, Create, SelfDestruct, GasTip, BaseFeeBurn}[k]
		t.Asset = g.assets[0]
		if t.Kind == GasTip {
			t.To = g.coinbase
		}
	case k < 13:
		t.Kind = TokenTransfer
		t.Asset = g.assets[1+g.r.IntN(3)]
		switch g.r.IntN(8) {
		case 0:
			t.From = common.Address{}
		case 1:
			t.To = common.Address{}
		}
	case k < 15:
		t.Kind, t.Asset, t.From = Wrap, g.wrapped, g.weth
	default:
		t.Kind, t.Asset, t.To = Unwrap, g.wrapped, g.weth
	}
	debit, credit := t.Effects()
	from := Holding{t.From, t.Asset}
	a := g.amount(from, debit)
	if debit && !g.overdraw && a.Cmp(g.balance(from)) > 0 {
		a.Set(g.balance(from))
	}
	t.Amount.SetFromBig(a)
	if debit {
		b := g.balance(from)
		b.Sub(b, a)
		if b.Sign() < 0 {
			b.SetInt64(0)
		}
	}
	if credit {
		b := g.balance(Holding{t.To, t.Asset})
		b.Add(b, a)
	}
	return t
}
