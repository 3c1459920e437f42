package tracing

import (
	"math/big"
	"slices"

	"github.com/bulwark-sec/bulwark"
	"github.com/ethereum/go-ethereum/common"
	"github.com/holiman/uint256"
)

// Engine applies one taint policy to an ordered stream of transfers (see
// Compare for the order). Per (address, asset) it holds the balance it has
// seen and the tainted part of it; under FIFO and LIFO also the ordered
// lots, adjacent lots of the same kind merged.
//
// Taint enters at seeds: every transfer out of a seed address, and every
// transfer of a seed transaction, is wholly tainted. It leaves only when
// burned: a transfer that debits without crediting (the base fee, a token
// burn, an unwrap).
//
// Arithmetic is exact on 256-bit integers. Haircut rounds each transfer's
// taint down to the base unit, floor(amount × tainted ÷ balance), and the
// remainder stays tainted in the sending holding, so nothing is created or
// lost: the holding is at most one base unit per transfer out "more
// tainted" than the exact fraction, and a transfer that empties a holding
// takes all its taint.
//
// A debit larger than the balance the engine has seen (the stream started
// after the address was funded) is met from an assumed clean opening
// balance, older than everything seen, counted in Totals.Unseen. Under
// poison, an assumed opening balance of a poisoned holding is tainted like
// the rest of it.
//
// An Engine is not safe for concurrent use. Reset empties it for reuse
// without giving back its memory.
type Engine struct {
	policy   Policy
	assetIDs map[Asset]uint32
	assets   []Asset
	totals   []totals
	index    map[holdingKey]uint32
	holdings []holding
	seedAddr map[common.Address]struct{}
	seedTx   map[common.Hash]struct{}
	scratch  []lot // the lots one transfer carries, FIFO and LIFO

	lastAsset Asset
	lastID    uint32
	haveLast  bool

	// fi and ti are the holdings the transfer being applied debits and
	// credits (-1 for none), for a stop callback to read.
	fi, ti int32
}

type holdingKey struct {
	addr  common.Address
	asset uint32
}

type holding struct {
	balance  uint256.Int
	tainted  uint256.Int
	lots     []lot // FIFO and LIFO: the live lots are lots[head:], oldest first
	head     int
	poisoned bool
	// node is a tracer's cache: the index + 1 of the holder's node among
	// its nodes (0: not looked up yet).
	node uint32
	key  holdingKey
	// stopped is taint that arrived at a stop point of a trace (a hub, the
	// hop bound, an exit, a swap's input): it stays with the holding and
	// never leaves, outside balance and lots, which count its value as
	// clean.
	stopped uint256.Int
}

type lot struct {
	amount  uint256.Int
	tainted bool
}

// wide is an exact non-negative accumulator past 2^256 (sums over many
// holdings).
type wide struct {
	lo uint256.Int
	hi uint64
}

func (w *wide) add(x *uint256.Int) {
	if _, carry := w.lo.AddOverflow(&w.lo, x); carry {
		w.hi++
	}
}

func (w *wide) big() *big.Int {
	b := w.lo.ToBig()
	if w.hi != 0 {
		h := new(big.Int).SetUint64(w.hi)
		b.Add(b, h.Lsh(h, 256))
	}
	return b
}

type totals struct {
	sourced, created, burned, unseen, continued, stopped wide
}

// Totals is the taint ledger of one asset, in its base unit. For every
// policy Sourced + Created + Continued = Held + Burned; Created is zero
// for all policies but poison, Continued zero outside a trace's swap and
// wrap continuation.
type Totals struct {
	Sourced   *big.Int // taint emitted at seeds beyond the taint the seeds' holdings held
	Created   *big.Int // clean value poison turned tainted
	Continued *big.Int // taint carried over from another asset by a swap, wrap or unwrap (Trace)
	Burned    *big.Int // taint destroyed by transfers that debit without crediting
	Held      *big.Int // taint held, summed over all holdings, stopped taint included
	Stopped   *big.Int // the part of Held that arrived at a trace's stop points and stays there
	Unseen    *big.Int // clean opening balances assumed for debits larger than the seen balance
}

// NewEngine returns an empty engine applying policy p.
func NewEngine(p Policy) (*Engine, error) {
	if p < Poison || p > CleanFirst {
		return nil, bulwark.Invalid("policy", "unknown taint policy %d: use poison, haircut, fifo, lifo, dirty-first or clean-first", int(p))
	}
	return &Engine{
		policy:   p,
		assetIDs: map[Asset]uint32{},
		index:    map[holdingKey]uint32{},
		seedAddr: map[common.Address]struct{}{},
		seedTx:   map[common.Hash]struct{}{},
	}, nil
}

// Policy returns the engine's policy.
func (e *Engine) Policy() Policy { return e.policy }

// reserve makes room for n holdings in an engine that holds none yet, so
// that a stream of known length does not regrow the index and the
// holdings as it goes.
func (e *Engine) reserve(n int) {
	if len(e.holdings) != 0 || n <= cap(e.holdings) {
		return
	}
	e.index = make(map[holdingKey]uint32, n)
	e.holdings = make([]holding, 0, n)
}

// SeedAddress makes every later transfer out of addr wholly tainted (a
// thief's or exploiter's address).
func (e *Engine) SeedAddress(addr common.Address) { e.seedAddr[addr] = struct{}{} }

// SeedTransaction makes every transfer of the transaction wholly tainted
// (the theft itself).
func (e *Engine) SeedTransaction(hash common.Hash) { e.seedTx[hash] = struct{}{} }

// Open gives holding h an opening balance outside any transfer: amount,
// clean or wholly tainted, older than everything the holding has seen (a
// balance read from the node at the start of the stream, or stolen funds
// already at an address). Tainted opening balances count as sourced;
// under poison, a tainted opening balance poisons the holding and a clean
// one added to a poisoned holding is created taint. An opening balance
// that would take the holding past 2^256 is refused and changes nothing.
func (e *Engine) Open(h Holding, amount *uint256.Int, tainted bool) error {
	if err := h.Asset.Validate(); err != nil {
		return err
	}
	if amount.IsZero() {
		return nil
	}
	aid := e.assetID(&h.Asset)
	x := &e.holdings[e.holdingIndex(holdingKey{h.Address, aid})]
	var sum uint256.Int
	if _, over := sum.AddOverflow(&x.balance, amount); over {
		return bulwark.Invalid("amount", "an opening balance of %s for %s in %s takes it past 2^256", amount.Dec(), h.Address.Hex(), h.Asset)
	}
	tot := &e.totals[aid]
	x.balance = sum
	if tainted {
		tot.sourced.add(amount)
	}
	switch {
	case e.policy == Poison:
		if tainted || x.poisoned {
			var turned uint256.Int
			turned.Sub(&x.balance, &x.tainted)
			if tainted {
				turned.Sub(&turned, amount)
			}
			tot.created.add(&turned)
			x.tainted = x.balance
			x.poisoned = true
		}
	case e.policy.lots():
		if tainted {
			x.tainted.Add(&x.tainted, amount)
		}
		x.prepend(amount, tainted)
	default:
		if tainted {
			x.tainted.Add(&x.tainted, amount)
		}
	}
	return nil
}

// Reset empties the engine (holdings, totals and seeds) and keeps its
// memory for the next stream.
func (e *Engine) Reset() {
	clear(e.assetIDs)
	clear(e.index)
	clear(e.seedAddr)
	clear(e.seedTx)
	e.assets = e.assets[:0]
	e.totals = e.totals[:0]
	e.holdings = e.holdings[:0]
	e.haveLast = false
}

func (e *Engine) assetID(a *Asset) uint32 {
	if e.haveLast && e.lastAsset == *a {
		return e.lastID
	}
	id, ok := e.assetIDs[*a]
	if !ok {
		id = uint32(len(e.assets))
		e.assetIDs[*a] = id
		e.assets = append(e.assets, *a)
		e.totals = append(e.totals, totals{})
	}
	e.lastAsset, e.lastID, e.haveLast = *a, id, true
	return id
}

// holdingIndex returns the index of the holding, creating it (reusing the
// lot memory of a holding dropped by Reset) when new.
func (e *Engine) holdingIndex(k holdingKey) uint32 {
	if i, ok := e.index[k]; ok {
		return i
	}
	i := uint32(len(e.holdings))
	e.index[k] = i
	if len(e.holdings) < cap(e.holdings) {
		e.holdings = e.holdings[:i+1]
		lots := e.holdings[i].lots[:0]
		e.holdings[i] = holding{lots: lots, key: k}
	} else {
		e.holdings = append(e.holdings, holding{key: k})
	}
	return i
}

// Apply moves one transfer's value and taint and returns the tainted part
// of its amount. Transfers must come in the order of Compare. A zero
// amount changes nothing (zero-value transfers are noise, never taint). A
// failed Apply moves nothing (it may leave the holdings it looked up
// registered, empty).
func (e *Engine) Apply(t *Transfer) (uint256.Int, error) {
	moved, _, err := e.apply(t, nil)
	return moved, err
}

// stopFunc decides, for a transfer carrying taint moved (not zero) to a
// credited address, whether the taint stops at the receiver.
type stopFunc func(t *Transfer, moved uint256.Int) bool

// apply is Apply with stop points: when stop is not nil and says so, the
// taint the transfer carries is credited to the receiver as stopped taint
// (it never leaves) and the value as clean. It reports whether it did.
func (e *Engine) apply(t *Transfer, stop stopFunc) (uint256.Int, bool, error) {
	var moved uint256.Int
	if err := t.Validate(); err != nil {
		return moved, false, err
	}
	if t.Amount.IsZero() {
		return moved, false, nil
	}
	debit, credit := t.Effects()
	aid := e.assetID(&t.Asset)
	var fi, ti uint32
	e.fi, e.ti = -1, -1
	if debit {
		fi = e.holdingIndex(holdingKey{t.From, aid})
		e.fi = int32(fi)
	}
	if credit {
		ti = e.holdingIndex(holdingKey{t.To, aid})
		e.ti = int32(ti)
		if !debit || ti != fi {
			var sum uint256.Int
			if _, over := sum.AddOverflow(&e.holdings[ti].balance, &t.Amount); over {
				return moved, false, bulwark.Invalid("amount", "transaction %s (block %d) credits %s with %s of %s, past 2^256: no asset has that supply",
					t.TxHash.Hex(), t.Block, t.To.Hex(), t.Amount.Dec(), t.Asset)
			}
		}
	}
	tot := &e.totals[aid]
	lots := e.policy.lots()
	e.scratch = e.scratch[:0]
	if debit {
		e.draw(&e.holdings[fi], &t.Amount, tot, &moved)
	} else if lots {
		e.scratch = append(e.scratch, lot{amount: t.Amount})
	}
	if e.isSeed(t) && !moved.Eq(&t.Amount) {
		var extra uint256.Int
		extra.Sub(&t.Amount, &moved)
		tot.sourced.add(&extra)
		moved = t.Amount
		if lots {
			e.scratch = append(e.scratch[:0], lot{amount: t.Amount, tainted: true})
		}
	}
	stopped := false
	if credit {
		if stop != nil && !moved.IsZero() && stop(t, moved) {
			stopped = true
			e.depositStopped(&e.holdings[ti], &t.Amount, &moved, tot)
		} else {
			e.deposit(&e.holdings[ti], &t.Amount, &moved, tot)
		}
	} else {
		tot.burned.add(&moved)
	}
	return moved, stopped, nil
}

// depositStopped credits amount a to h as clean value and its taint to
// h's stopped taint. A poisoned holding stays wholly tainted: the value
// arriving is clean turned tainted.
func (e *Engine) depositStopped(h *holding, a, taint *uint256.Int, tot *totals) {
	h.balance.Add(&h.balance, a)
	h.stopped.Add(&h.stopped, taint)
	tot.stopped.add(taint)
	switch {
	case e.policy == Poison:
		if h.poisoned {
			tot.created.add(a)
			h.tainted.Set(&h.balance)
		}
	case e.policy.lots():
		h.pushLot(a, false)
	}
}

// pushLot adds a lot newer than every other, merged with the newest when
// of the same kind.
func (h *holding) pushLot(a *uint256.Int, tainted bool) {
	if n := len(h.lots); n > h.head && h.lots[n-1].tainted == tainted {
		h.lots[n-1].amount.Add(&h.lots[n-1].amount, a)
		return
	}
	h.lots = append(h.lots, lot{amount: *a, tainted: tainted})
}

// inject turns up to c of the clean value of (addr, asset) tainted (the
// newest value, under FIFO and LIFO), counted as continued taint, or, when
// stopped, adds c to the holding's stopped taint. It returns the taint
// added: at most the holding's clean balance unless stopped.
func (e *Engine) inject(addr common.Address, a *Asset, c *uint256.Int, stopped bool) uint256.Int {
	var added uint256.Int
	if c.IsZero() {
		return added
	}
	aid := e.assetID(a)
	tot := &e.totals[aid]
	h := &e.holdings[e.holdingIndex(holdingKey{addr, aid})]
	if stopped {
		h.stopped.Add(&h.stopped, c)
		tot.stopped.add(c)
		tot.continued.add(c)
		return *c
	}
	var clean uint256.Int
	clean.Sub(&h.balance, &h.tainted)
	added.Set(c)
	if clean.Lt(&added) {
		added.Set(&clean)
	}
	if added.IsZero() {
		return added
	}
	tot.continued.add(&added)
	switch {
	case e.policy == Poison:
		var turned uint256.Int
		turned.Sub(&clean, &added)
		tot.created.add(&turned)
		h.tainted.Set(&h.balance)
		h.poisoned = true
	case e.policy.lots():
		h.tainted.Add(&h.tainted, &added)
		h.taintNewest(&added)
	default:
		h.tainted.Add(&h.tainted, &added)
	}
	return added
}

// taintNewest turns the newest c of clean value in h's lots tainted (c ≤
// the clean lots' sum).
func (h *holding) taintNewest(c *uint256.Int) {
	var need uint256.Int
	need.Set(c)
	var tail uint256.Int // the value from lot i on that ends up tainted
	i := len(h.lots)
	var keepClean uint256.Int
	for i > h.head && !need.IsZero() {
		i--
		l := &h.lots[i]
		if !l.tainted && l.amount.Gt(&need) {
			keepClean.Sub(&l.amount, &need)
			tail.Add(&tail, &need)
			need.Clear()
			break
		}
		tail.Add(&tail, &l.amount)
		if !l.tainted {
			need.Sub(&need, &l.amount)
		}
	}
	h.lots = h.lots[:i]
	if !keepClean.IsZero() {
		h.pushLot(&keepClean, false)
	}
	h.pushLot(&tail, true)
}

func (e *Engine) isSeed(t *Transfer) bool {
	if len(e.seedAddr) != 0 {
		if _, ok := e.seedAddr[t.From]; ok {
			return true
		}
	}
	if len(e.seedTx) != 0 {
		if _, ok := e.seedTx[t.TxHash]; ok {
			return true
		}
	}
	return false
}

// draw takes amount a out of h by the policy and sets taint to its tainted
// part; under FIFO and LIFO the lots taken go to e.scratch in the order
// taken.
func (e *Engine) draw(h *holding, a *uint256.Int, tot *totals, taint *uint256.Int) {
	if h.balance.Lt(a) {
		var short uint256.Int
		short.Sub(a, &h.balance)
		tot.unseen.add(&short)
		h.balance.Set(a)
		switch {
		case e.policy.lots():
			h.prepend(&short, false)
		case e.policy == Poison && h.poisoned:
			h.tainted.Add(&h.tainted, &short)
			tot.created.add(&short)
		}
	}
	switch e.policy {
	case Poison:
		if h.poisoned {
			taint.Set(a)
		}
	case Haircut:
		if a.Eq(&h.balance) {
			taint.Set(&h.tainted)
		} else {
			taint.MulDivOverflow(a, &h.tainted, &h.balance) // ≤ tainted: a < balance
		}
	case DirtyFirst:
		if a.Lt(&h.tainted) {
			taint.Set(a)
		} else {
			taint.Set(&h.tainted)
		}
	case CleanFirst:
		var clean uint256.Int
		clean.Sub(&h.balance, &h.tainted)
		if clean.Lt(a) {
			taint.Sub(a, &clean)
		}
	case FIFO, LIFO:
		e.takeLots(h, a, taint)
	}
	h.balance.Sub(&h.balance, a)
	h.tainted.Sub(&h.tainted, taint)
}

// prepend adds a lot older than every other.
func (h *holding) prepend(a *uint256.Int, tainted bool) {
	if h.head < len(h.lots) && h.lots[h.head].tainted == tainted {
		h.lots[h.head].amount.Add(&h.lots[h.head].amount, a)
		return
	}
	if h.head > 0 {
		h.head--
		h.lots[h.head] = lot{amount: *a, tainted: tainted}
		return
	}
	h.lots = slices.Insert(h.lots, 0, lot{amount: *a, tainted: tainted})
}

// takeLots removes a (≤ balance) from the front (FIFO) or back (LIFO) of
// h's lots into e.scratch and sums the tainted part into taint.
func (e *Engine) takeLots(h *holding, a *uint256.Int, taint *uint256.Int) {
	var need uint256.Int
	need.Set(a)
	fifo := e.policy == FIFO
	for !need.IsZero() {
		i := len(h.lots) - 1
		if fifo {
			i = h.head
		}
		l := &h.lots[i]
		var took lot
		took.tainted = l.tainted
		if l.amount.Gt(&need) {
			took.amount = need
			l.amount.Sub(&l.amount, &need)
			need.Clear()
		} else {
			took.amount = l.amount
			need.Sub(&need, &l.amount)
			if fifo {
				h.head++
			} else {
				h.lots = h.lots[:i]
			}
		}
		if took.tainted {
			taint.Add(taint, &took.amount)
		}
		e.scratch = append(e.scratch, took)
	}
	if fifo {
		switch {
		case h.head == len(h.lots):
			h.lots, h.head = h.lots[:0], 0
		case h.head >= 16 && h.head*2 >= len(h.lots):
			n := copy(h.lots, h.lots[h.head:])
			h.lots, h.head = h.lots[:n], 0
		}
	}
}

// deposit credits amount a with tainted part taint to h; under FIFO and
// LIFO the lots in e.scratch are queued in the order they were taken.
func (e *Engine) deposit(h *holding, a, taint *uint256.Int, tot *totals) {
	h.balance.Add(&h.balance, a)
	switch {
	case e.policy == Poison:
		if h.poisoned || !taint.IsZero() {
			// Everything the holding now has is tainted: count the clean
			// value that turned.
			var turned uint256.Int
			turned.Sub(&h.balance, &h.tainted)
			turned.Sub(&turned, taint)
			tot.created.add(&turned)
			h.tainted.Set(&h.balance)
			h.poisoned = true
		}
	case e.policy.lots():
		h.tainted.Add(&h.tainted, taint)
		for _, l := range e.scratch {
			if n := len(h.lots); n > h.head && h.lots[n-1].tainted == l.tainted {
				h.lots[n-1].amount.Add(&h.lots[n-1].amount, &l.amount)
			} else {
				h.lots = append(h.lots, l)
			}
		}
	default:
		h.tainted.Add(&h.tainted, taint)
	}
}

// Holding returns the balance the engine holds for (addr, asset) and its
// tainted part.
func (e *Engine) Holding(addr common.Address, a Asset) (balance, tainted uint256.Int) {
	id, ok := e.assetIDs[a]
	if !ok {
		return
	}
	i, ok := e.index[holdingKey{addr, id}]
	if !ok {
		return
	}
	h := &e.holdings[i]
	return h.balance, h.tainted
}

// Holdings calls fn for every holding the engine has touched, in the order
// first touched.
func (e *Engine) Holdings(fn func(h Holding, balance, tainted *uint256.Int)) {
	for i := range e.holdings {
		h := &e.holdings[i]
		fn(Holding{h.key.addr, e.assets[h.key.asset]}, &h.balance, &h.tainted)
	}
}

// Stopped returns the taint that arrived at (addr, asset) at a trace's
// stop point and stays there.
func (e *Engine) Stopped(addr common.Address, a Asset) uint256.Int {
	id, ok := e.assetIDs[a]
	if !ok {
		return uint256.Int{}
	}
	i, ok := e.index[holdingKey{addr, id}]
	if !ok {
		return uint256.Int{}
	}
	return e.holdings[i].stopped
}

// Assets returns the assets the engine has seen, in the order first seen.
func (e *Engine) Assets() []Asset { return slices.Clone(e.assets) }

// Totals returns the taint ledger of asset a (all zero when unseen).
func (e *Engine) Totals(a Asset) Totals {
	t := Totals{Sourced: new(big.Int), Created: new(big.Int), Continued: new(big.Int), Burned: new(big.Int), Held: new(big.Int), Stopped: new(big.Int), Unseen: new(big.Int)}
	id, ok := e.assetIDs[a]
	if !ok {
		return t
	}
	tot := &e.totals[id]
	t.Sourced, t.Created, t.Burned, t.Unseen = tot.sourced.big(), tot.created.big(), tot.burned.big(), tot.unseen.big()
	t.Continued, t.Stopped = tot.continued.big(), tot.stopped.big()
	var held wide
	for i := range e.holdings {
		if e.holdings[i].key.asset == id {
			held.add(&e.holdings[i].tainted)
			held.add(&e.holdings[i].stopped)
		}
	}
	t.Held = held.big()
	return t
}

// Check verifies the engine's invariants and returns an EINTERNAL error
// naming the first one broken: per asset Sourced + Created + Continued =
// Held + Burned (stopped taint held), the stopped taint summing to its
// ledger, and Created = 0 unless the policy is poison; per holding tainted
// ≤ balance, a poisoned holding wholly tainted, and the lots summing to
// the balance and the taint, non-empty and merged.
func (e *Engine) Check() error {
	for i := range e.holdings {
		h := &e.holdings[i]
		where := func() string { return h.key.addr.Hex() + " in " + e.assets[h.key.asset].String() }
		if h.balance.Lt(&h.tainted) {
			return bulwark.Errorf(bulwark.EINTERNAL, "%s holds %s tainted of a balance of %s", where(), h.tainted.Dec(), h.balance.Dec())
		}
		if e.policy == Poison && h.poisoned && !h.tainted.Eq(&h.balance) {
			return bulwark.Errorf(bulwark.EINTERNAL, "%s is poisoned but only %s of %s is tainted", where(), h.tainted.Dec(), h.balance.Dec())
		}
		if !e.policy.lots() {
			continue
		}
		var sum, taint wide
		for j := h.head; j < len(h.lots); j++ {
			l := &h.lots[j]
			if l.amount.IsZero() {
				return bulwark.Errorf(bulwark.EINTERNAL, "%s has an empty lot at %d", where(), j-h.head)
			}
			if j > h.head && h.lots[j-1].tainted == l.tainted {
				return bulwark.Errorf(bulwark.EINTERNAL, "%s has unmerged lots at %d", where(), j-h.head)
			}
			sum.add(&l.amount)
			if l.tainted {
				taint.add(&l.amount)
			}
		}
		if sum.hi != 0 || !sum.lo.Eq(&h.balance) || taint.hi != 0 || !taint.lo.Eq(&h.tainted) {
			return bulwark.Errorf(bulwark.EINTERNAL, "%s: lots sum to %s (%s tainted), the holding says %s (%s tainted)",
				where(), sum.big(), taint.big(), h.balance.Dec(), h.tainted.Dec())
		}
	}
	held := make([]wide, len(e.assets))
	stopped := make([]wide, len(e.assets))
	for i := range e.holdings {
		held[e.holdings[i].key.asset].add(&e.holdings[i].tainted)
		held[e.holdings[i].key.asset].add(&e.holdings[i].stopped)
		stopped[e.holdings[i].key.asset].add(&e.holdings[i].stopped)
	}
	for id, a := range e.assets {
		tot := &e.totals[id]
		in := new(big.Int).Add(tot.sourced.big(), tot.created.big())
		in.Add(in, tot.continued.big())
		out := new(big.Int).Add(held[id].big(), tot.burned.big())
		if in.Cmp(out) != 0 {
			return bulwark.Errorf(bulwark.EINTERNAL, "taint of %s is not conserved: sourced %s + created %s + continued %s ≠ held %s + burned %s",
				a, tot.sourced.big(), tot.created.big(), tot.continued.big(), held[id].big(), tot.burned.big())
		}
		if stopped[id].big().Cmp(tot.stopped.big()) != 0 {
			return bulwark.Errorf(bulwark.EINTERNAL, "stopped taint of %s: holdings hold %s, the ledger says %s", a, stopped[id].big(), tot.stopped.big())
		}
		if e.policy != Poison && (tot.created.hi != 0 || !tot.created.lo.IsZero()) {
			return bulwark.Errorf(bulwark.EINTERNAL, "%s created %s taint of %s", e.policy, tot.created.big(), a)
		}
	}
	return nil
}
