package tracing

import (
	"encoding/binary"
	"iter"
	"math/big"
	"math/bits"
	"math/rand/v2"
	"slices"
	"unsafe"

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
	// Addresses are interned to dense ids: addrIDs gives an address's id,
	// holdings[id] its first holding, which also holds the address (one
	// lookup and one holding read for an address of one asset, the usual
	// case), extra its holdings of other assets, found through more.
	// order lists them all (holdingRef) in the order first touched.
	addrIDs  addrTable
	holdings chunks[holding]
	extra    chunks[holding]
	more     map[holdingKey]uint32
	order    chunks[holdingRef]
	queues   []lotQueue // holding.lots
	seedAddr map[common.Address]struct{}
	seedTx   map[common.Hash]struct{}
	scratch  []lot // the lots one transfer carries, FIFO and LIFO

	lastAsset Asset
	lastID    uint32
	haveLast  bool

	// fa and ta are the address ids of the holdings the transfer being
	// applied debits and credits (-1 for none), for a stop callback to
	// read.
	fa, ta int32
}

// holdingKey names a holding: its address's id and its asset's.
type holdingKey struct {
	addr, asset uint32
}

// holdingRef names a holding: an address id (its first holding), or
// extraRef and an index in Engine.extra.
type holdingRef = uint32

const extraRef holdingRef = 1 << 31

// noAsset is the asset of an address's first holding before it has one
// (an address a trace reached before the engine moved anything of it).
const noAsset = ^uint32(0)

// holding is the state of one (address, asset). What a transfer reads
// (the address, the balance, the taint) comes first, within 96 bytes. It
// holds no pointer: the collector does not scan the holdings.
type holding struct {
	addr  common.Address
	asset uint32 // its asset's id
	id    uint32 // its address's id
	// node is a tracer's, in an address's first holding: the index + 1 of
	// the address's node among its nodes (0: none).
	node     uint32
	balance  uint256.Int
	tainted  uint256.Int
	lots     uint32 // FIFO and LIFO: the index + 1 of its lots in Engine.queues (0: none yet)
	poisoned bool
	// stopped is taint that arrived at a stop point of a trace (a hub, the
	// hop bound, an exit, a swap's input): it stays with the holding and
	// never leaves, outside balance and lots, which count its value as
	// clean.
	stopped uint256.Int
}

// lotQueue is the lots of a holding, FIFO and LIFO: the live lots are
// lots[head:], oldest first.
type lotQueue struct {
	lots []lot
	head int
}

// lotsOf returns h's lots, giving it an empty queue (reusing the memory of
// one dropped by Reset) when it has none; valid until the next is given.
func (e *Engine) lotsOf(h *holding) *lotQueue {
	if h.lots == 0 {
		if n := len(e.queues); n < cap(e.queues) {
			e.queues = e.queues[:n+1]
			q := &e.queues[n]
			q.lots, q.head = q.lots[:0], 0
		} else {
			e.queues = append(e.queues, lotQueue{})
		}
		h.lots = uint32(len(e.queues))
	}
	return &e.queues[h.lots-1]
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
		addrIDs:  addrTable{seed: [4]uint64{rand.Uint64(), rand.Uint64(), rand.Uint64(), rand.Uint64()}},
		more:     map[holdingKey]uint32{},
		seedAddr: map[common.Address]struct{}{},
		seedTx:   map[common.Hash]struct{}{},
	}, nil
}

// Policy returns the engine's policy.
func (e *Engine) Policy() Policy { return e.policy }

// reserve makes room for n addresses in an engine that holds none yet,
// so that a stream of known length does not regrow the address index as
// it goes (the holdings grow in chunks, never copied).
func (e *Engine) reserve(n int) {
	if e.holdings.n != 0 || 2*n <= len(e.addrIDs.slots) {
		return
	}
	e.addrIDs.slots = make([]uint64, tableSize(n))
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
	x := e.at(e.holdingIndex(h.Address, aid))
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
		e.lotsOf(x).prepend(amount, tainted)
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
	clear(e.addrIDs.slots)
	clear(e.more)
	clear(e.seedAddr)
	clear(e.seedTx)
	e.assets = e.assets[:0]
	e.totals = e.totals[:0]
	e.holdings.n = 0
	e.extra.n = 0
	e.order.n = 0
	e.queues = e.queues[:0]
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

// addrTable is the engine's index of addresses: an open-addressing hash
// table (linear probing, at most half full) whose slots hold an address's
// id + 1 (0: empty) under the top 32 bits of its hash, so that a probe
// reads the address itself only when they match. At 8 bytes a slot it is
// 16 to 32 bytes an address, and a lookup reads one cache line of it.
type addrTable struct {
	seed  [4]uint64 // random, so that no one can choose addresses that collide
	slots []uint64  // len a power of two
}

// hash hashes an address as wyhash does (the hash of Go's maps where the
// processor has no AES instructions), keyed with the table's seed.
func (t *addrTable) hash(a *common.Address) uint64 {
	mix := func(x, y uint64) uint64 {
		hi, lo := bits.Mul64(x, y)
		return hi ^ lo
	}
	a0, a1 := binary.LittleEndian.Uint64(a[0:8]), binary.LittleEndian.Uint64(a[8:16])
	a2 := uint64(binary.LittleEndian.Uint32(a[16:20]))
	return mix(mix(a0^t.seed[0], a1^t.seed[1])^t.seed[2], a2^t.seed[3])
}

// tableSize is the number of slots for n addresses.
func tableSize(n int) int {
	size := 64
	for size < 2*n {
		size *= 2
	}
	return size
}

// lookupAddr returns the id of addr, if interned, and else the slot to
// intern it in (-1 when the table is full) and the top bits of its hash.
func (e *Engine) lookupAddr(addr *common.Address) (id uint32, ok bool, slot int, tag uint64) {
	t := &e.addrIDs
	if len(t.slots) == 0 {
		return 0, false, -1, 0
	}
	h := t.hash(addr)
	tag, mask := h>>32<<32, uint64(len(t.slots)-1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := t.slots[i]
		if s == 0 {
			if 2*(e.holdings.n+1) > len(t.slots) {
				return 0, false, -1, tag
			}
			return 0, false, int(i), tag
		}
		if s&^(1<<32-1) == tag && e.holdings.at(uint32(s)-1).addr == *addr {
			return uint32(s) - 1, true, 0, tag
		}
	}
}

// findAddr returns the id of addr, if interned.
func (e *Engine) findAddr(addr common.Address) (uint32, bool) {
	id, ok, _, _ := e.lookupAddr(&addr)
	return id, ok
}

// addrID returns the id of addr, interning it when new.
func (e *Engine) addrID(addr common.Address) uint32 {
	id, ok, slot, tag := e.lookupAddr(&addr)
	if ok {
		return id
	}
	if slot < 0 {
		e.growAddrs()
		_, _, slot, tag = e.lookupAddr(&addr)
	}
	id, h := e.holdings.next()
	*h = holding{addr: addr, asset: noAsset, id: id}
	e.addrIDs.slots[slot] = tag | uint64(id+1)
	return id
}

// addrID2 is addrID for a then b, with the cache misses of the two
// lookups overlapping: the first slots of both are read before either is
// looked at, then the holdings they name.
func (e *Engine) addrID2(a, b *common.Address) (uint32, uint32) {
	t := &e.addrIDs
	if len(t.slots) != 0 {
		ha, hb := t.hash(a), t.hash(b)
		mask := uint64(len(t.slots) - 1)
		sa, sb := t.slots[ha&mask], t.slots[hb&mask]
		const tags = ^uint64(1<<32 - 1)
		if sa != 0 && sb != 0 && sa&tags == ha&tags && sb&tags == hb&tags {
			pa, pb := e.holdings.at(uint32(sa)-1), e.holdings.at(uint32(sb)-1)
			if pa.addr == *a && pb.addr == *b {
				return uint32(sa) - 1, uint32(sb) - 1
			}
		}
	}
	return e.addrID(*a), e.addrID(*b)
}

// prefetchSlots asks for the index slots of t's addresses ahead of the
// transfer's lookups (a trace calls it a transaction ahead).
func (e *Engine) prefetchSlots(t *Transfer) {
	if n := uint64(len(e.addrIDs.slots)); n != 0 {
		prefetch(unsafe.Pointer(&e.addrIDs.slots[e.addrIDs.hash(&t.From)&(n-1)]))
		prefetch(unsafe.Pointer(&e.addrIDs.slots[e.addrIDs.hash(&t.To)&(n-1)]))
	}
}

// prefetchHoldings asks for the first holdings of t's addresses that the
// index slots read name (prefetchSlots having brought the slots in).
func (e *Engine) prefetchHoldings(t *Transfer) {
	t0 := &e.addrIDs
	n := uint64(len(t0.slots))
	if n == 0 {
		return
	}
	for _, a := range [2]*common.Address{&t.From, &t.To} {
		if s := t0.slots[t0.hash(a)&(n-1)]; s != 0 && int(uint32(s)-1) < e.holdings.n {
			prefetch(unsafe.Pointer(e.holdings.at(uint32(s) - 1)))
		}
	}
}

// growAddrs doubles the address index and puts every address back in.
func (e *Engine) growAddrs() {
	t := &e.addrIDs
	t.slots = make([]uint64, tableSize(e.holdings.n+1))
	mask := uint64(len(t.slots) - 1)
	for id := range uint32(e.holdings.n) {
		h := t.hash(&e.holdings.at(id).addr)
		i := h & mask
		for t.slots[i] != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = h>>32<<32 | uint64(id+1)
	}
}

// at returns the holding r names.
func (e *Engine) at(r holdingRef) *holding {
	if r&extraRef != 0 {
		return e.extra.at(r &^ extraRef)
	}
	return e.holdings.at(r)
}

// holdingIndex returns the holding of (addr, asset), creating it when
// new.
func (e *Engine) holdingIndex(addr common.Address, asset uint32) holdingRef {
	return e.holdingOf(e.addrID(addr), asset)
}

// holdingOf returns the holding of (address id, asset), creating it when
// new.
func (e *Engine) holdingOf(id, asset uint32) holdingRef {
	first := e.holdings.at(id)
	switch first.asset {
	case asset:
		return id
	case noAsset:
		first.asset = asset
		_, o := e.order.next()
		*o = id
		return id
	}
	if i, ok := e.more[holdingKey{id, asset}]; ok {
		return extraRef | i
	}
	i, h := e.extra.next()
	*h = holding{addr: first.addr, asset: asset, id: id}
	e.more[holdingKey{id, asset}] = i
	_, o := e.order.next()
	*o = extraRef | i
	return extraRef | i
}

// findHolding returns the holding of (addr, asset), if the engine has it.
func (e *Engine) findHolding(addr common.Address, asset uint32) (*holding, bool) {
	id, ok := e.findAddr(addr)
	if !ok {
		return nil, false
	}
	if first := e.holdings.at(id); first.asset == asset {
		return first, true
	}
	i, ok := e.more[holdingKey{id, asset}]
	if !ok {
		return nil, false
	}
	return e.extra.at(i), true
}

// touched yields every holding, in the order first touched.
func (e *Engine) touched() iter.Seq[*holding] {
	return func(yield func(*holding) bool) {
		for i := range uint32(e.order.n) {
			if !yield(e.at(*e.order.at(i))) {
				return
			}
		}
	}
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
	var fi, ti holdingRef
	var fa, ta uint32
	switch {
	case debit && credit:
		fa, ta = e.addrID2(&t.From, &t.To)
	case debit:
		fa = e.addrID(t.From)
	case credit:
		ta = e.addrID(t.To)
	}
	e.fa, e.ta = -1, -1
	if debit {
		fi, e.fa = e.holdingOf(fa, aid), int32(fa)
	}
	if credit {
		ti, e.ta = e.holdingOf(ta, aid), int32(ta)
		if !debit || ti != fi {
			var sum uint256.Int
			if _, over := sum.AddOverflow(&e.at(ti).balance, &t.Amount); over {
				return moved, false, bulwark.Invalid("amount", "transaction %s (block %d) credits %s with %s of %s, past 2^256: no asset has that supply",
					t.TxHash.Hex(), t.Block, t.To.Hex(), t.Amount.Dec(), t.Asset)
			}
		}
	}
	tot := &e.totals[aid]
	lots := e.policy.lots()
	e.scratch = e.scratch[:0]
	if debit {
		e.draw(e.at(fi), &t.Amount, tot, &moved)
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
			// Read again: the callback may have interned addresses.
			e.depositStopped(e.at(ti), &t.Amount, &moved, tot)
		} else {
			e.deposit(e.at(ti), &t.Amount, &moved, tot)
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
		e.lotsOf(h).pushLot(a, false)
	}
}

// pushLot adds a lot newer than every other, merged with the newest when
// of the same kind.
func (q *lotQueue) pushLot(a *uint256.Int, tainted bool) {
	if n := len(q.lots); n > q.head && q.lots[n-1].tainted == tainted {
		q.lots[n-1].amount.Add(&q.lots[n-1].amount, a)
		return
	}
	q.lots = append(q.lots, lot{amount: *a, tainted: tainted})
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
	h := e.at(e.holdingIndex(addr, aid))
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
		e.lotsOf(h).taintNewest(&added)
	default:
		h.tainted.Add(&h.tainted, &added)
	}
	return added
}

// taintNewest turns the newest c of clean value in h's lots tainted (c ≤
// the clean lots' sum).
func (q *lotQueue) taintNewest(c *uint256.Int) {
	var need uint256.Int
	need.Set(c)
	var tail uint256.Int // the value from lot i on that ends up tainted
	i := len(q.lots)
	var keepClean uint256.Int
	for i > q.head && !need.IsZero() {
		i--
		l := &q.lots[i]
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
	q.lots = q.lots[:i]
	if !keepClean.IsZero() {
		q.pushLot(&keepClean, false)
	}
	q.pushLot(&tail, true)
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
			e.lotsOf(h).prepend(&short, false)
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
func (q *lotQueue) prepend(a *uint256.Int, tainted bool) {
	if q.head < len(q.lots) && q.lots[q.head].tainted == tainted {
		q.lots[q.head].amount.Add(&q.lots[q.head].amount, a)
		return
	}
	if q.head > 0 {
		q.head--
		q.lots[q.head] = lot{amount: *a, tainted: tainted}
		return
	}
	q.lots = slices.Insert(q.lots, 0, lot{amount: *a, tainted: tainted})
}

// takeLots removes a (≤ balance) from the front (FIFO) or back (LIFO) of
// h's lots into e.scratch and sums the tainted part into taint.
func (e *Engine) takeLots(h *holding, a *uint256.Int, taint *uint256.Int) {
	q := e.lotsOf(h)
	var need uint256.Int
	need.Set(a)
	fifo := e.policy == FIFO
	for !need.IsZero() {
		i := len(q.lots) - 1
		if fifo {
			i = q.head
		}
		l := &q.lots[i]
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
				q.head++
			} else {
				q.lots = q.lots[:i]
			}
		}
		if took.tainted {
			taint.Add(taint, &took.amount)
		}
		e.scratch = append(e.scratch, took)
	}
	if fifo {
		switch {
		case q.head == len(q.lots):
			q.lots, q.head = q.lots[:0], 0
		case q.head >= 16 && q.head*2 >= len(q.lots):
			n := copy(q.lots, q.lots[q.head:])
			q.lots, q.head = q.lots[:n], 0
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
		q := e.lotsOf(h)
		for _, l := range e.scratch {
			if n := len(q.lots); n > q.head && q.lots[n-1].tainted == l.tainted {
				q.lots[n-1].amount.Add(&q.lots[n-1].amount, &l.amount)
			} else {
				q.lots = append(q.lots, l)
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
	h, ok := e.findHolding(addr, id)
	if !ok {
		return
	}
	return h.balance, h.tainted
}

// Holdings calls fn for every holding the engine has touched, in the order
// first touched.
func (e *Engine) Holdings(fn func(h Holding, balance, tainted *uint256.Int)) {
	for h := range e.touched() {
		fn(Holding{h.addr, e.assets[h.asset]}, &h.balance, &h.tainted)
	}
}

// Stopped returns the taint that arrived at (addr, asset) at a trace's
// stop point and stays there.
func (e *Engine) Stopped(addr common.Address, a Asset) uint256.Int {
	id, ok := e.assetIDs[a]
	if !ok {
		return uint256.Int{}
	}
	h, ok := e.findHolding(addr, id)
	if !ok {
		return uint256.Int{}
	}
	return h.stopped
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
	for h := range e.touched() {
		if h.asset == id {
			held.add(&h.tainted)
			held.add(&h.stopped)
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
	held := make([]wide, len(e.assets))
	stopped := make([]wide, len(e.assets))
	for h := range e.touched() {
		held[h.asset].add(&h.tainted)
		held[h.asset].add(&h.stopped)
		stopped[h.asset].add(&h.stopped)
		where := func() string { return h.addr.Hex() + " in " + e.assets[h.asset].String() }
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
		var q lotQueue
		if h.lots != 0 {
			q = e.queues[h.lots-1]
		}
		for j := q.head; j < len(q.lots); j++ {
			l := &q.lots[j]
			if l.amount.IsZero() {
				return bulwark.Errorf(bulwark.EINTERNAL, "%s has an empty lot at %d", where(), j-q.head)
			}
			if j > q.head && q.lots[j-1].tainted == l.tainted {
				return bulwark.Errorf(bulwark.EINTERNAL, "%s has unmerged lots at %d", where(), j-q.head)
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

// chunkBits sets the size of a chunk of chunks: 4,096 elements.
const chunkBits = 12

// chunks is a list of T that grows a chunk at a time: past the first
// chunk nothing is copied when it grows. The first chunk grows as a slice
// does (a small engine stays small), so a pointer to an element is only
// valid until the next call of next. Elements past n keep what they held
// until added again (a Reset engine reuses the chunks).
type chunks[T any] struct {
	c [][]T
	n int
}

// at returns element i (< n).
func (c *chunks[T]) at(i uint32) *T {
	return &c.c[i>>chunkBits][i&(1<<chunkBits-1)]
}

// next adds an element, as it was left (zero when new), and returns its
// index and itself.
func (c *chunks[T]) next() (uint32, *T) {
	i := c.n
	k, j := i>>chunkBits, i&(1<<chunkBits-1)
	if k == len(c.c) {
		n := 1 << chunkBits
		if k == 0 {
			n = 16
		}
		c.c = append(c.c, make([]T, 0, n))
	}
	ch := &c.c[k]
	if j == len(*ch) {
		var zero T
		*ch = append(*ch, zero)
	}
	c.n++
	return uint32(i), &(*ch)[j]
}
