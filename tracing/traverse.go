package tracing

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"slices"
	"strconv"
	"strings"
	"unsafe"

	"github.com/bulwark-sec/bulwark"
	"github.com/ethereum/go-ethereum/common"
	"github.com/holiman/uint256"
)

// Hop bounds of a trace.
const (
	// DefaultMaxHops is the hop bound of a request that gives none.
	DefaultMaxHops = 5
	// MaxMaxHops is the largest hop bound a request may give: a peel chain
	// longer than that is followed in pieces, from a later seed.
	MaxMaxHops = 1000
)

// Stop reasons (Node.Stop): why a trace did not go on from an address.
const (
	StopHub     = "hub"      // labelled as a hub (exchange, router, bridge, mixer)
	StopMaxHops = "max-hops" // reached at the hop bound
	StopExit    = "exit"     // a bridge or cross-chain swap took the value off the chain
	StopSwap    = "swap"     // the counterparty of a swap: the taint went on in the asset swapped to
)

// stopRank orders stop reasons: a node keeps the highest it was given.
func stopRank(s string) int {
	switch s {
	case StopExit:
		return 4
	case StopHub:
		return 3
	case StopMaxHops:
		return 2
	case StopSwap:
		return 1
	}
	return 0
}

// Validate reports a request Trace cannot run, naming the field and the
// fix: no seed, a zero seed, an unknown policy or direction, a hop bound
// below 0 or above MaxMaxHops, a minimum value that is not a whole number
// (or disagrees with MinValue), a window whose end comes before its start,
// a deposit address given twice or zero, or a threshold under a key that
// is not an asset key.
func (r *Request) Validate() error {
	_, err := r.normalize()
	return err
}

// normalize validates r and returns it with its defaults filled in:
// Direction forward, MaxHops DefaultMaxHops, MinValue parsed from
// Bounds.MinValue (and Bounds.MinValue written from MinValue).
func (r *Request) normalize() (Request, error) {
	n := *r
	if n.Chain == 0 {
		return n, bulwark.Invalid("chain", "chain id 0 is not a chain: give the chain's EIP-155 id (1 for Ethereum mainnet)")
	}
	if len(n.SeedAddresses) == 0 && len(n.SeedTxs) == 0 {
		return n, bulwark.Invalid("seeds", "a trace needs at least one seed: give the thief's addresses or the theft's transaction hashes")
	}
	for i, a := range n.SeedAddresses {
		if a == (common.Address{}) {
			return n, bulwark.Invalid("seeds", "seed address %d is the zero address: give the address the stolen value left from or arrived at", i+1)
		}
	}
	for i, h := range n.SeedTxs {
		if h == (common.Hash{}) {
			return n, bulwark.Invalid("seeds", "seed transaction %d is the zero hash: give the 32-byte hash of the theft's transaction", i+1)
		}
	}
	if n.Policy < Poison || n.Policy > CleanFirst {
		return n, bulwark.Invalid("policy", "unknown taint policy %d: use poison, haircut, fifo, lifo, dirty-first or clean-first", int(n.Policy))
	}
	switch n.Direction {
	case "":
		n.Direction = Forward
	case Forward, Backward:
	default:
		return n, bulwark.Invalid("direction", "unknown direction %q: use forward (where did it go) or backward (where did it come from)", string(n.Direction))
	}
	b := &n.Bounds
	switch {
	case b.MaxHops == 0:
		b.MaxHops = DefaultMaxHops
	case b.MaxHops < 0 || b.MaxHops > MaxMaxHops:
		return n, bulwark.Invalid("maxHops", "a hop bound of %d is out of range: give 1 to %d (0 for the default, %d)", b.MaxHops, MaxMaxHops, DefaultMaxHops)
	}
	if b.MinValue != "" {
		var v uint256.Int
		if err := v.SetFromDecimal(b.MinValue); err != nil || strings.HasPrefix(b.MinValue, "+") {
			return n, bulwark.Invalid("minValue", "minimum value %q is not a whole number of base units (wei, token units) from 0 to 2^256-1: write it in decimal, e.g. 1000000000000000000 for 1 ETH", bulwark.Echo(b.MinValue))
		}
		if n.MinValue != nil && !n.MinValue.Eq(&v) {
			return n, bulwark.Invalid("minValue", "the minimum value is given twice, %s and %s: give it once", b.MinValue, n.MinValue.Dec())
		}
		n.MinValue = &v
	}
	if n.MinValue != nil {
		if n.MinValue.IsZero() {
			n.MinValue = nil
			b.MinValue = ""
		} else {
			b.MinValue = n.MinValue.Dec()
		}
	}
	if b.HubDegree < 0 {
		return n, bulwark.Invalid("hubDegree", "a hub degree of %d is negative: give the number of distinct counterparties that makes an address a hub (e.g. 1000), or 0 for none", b.HubDegree)
	}
	if b.ToBlock != 0 && b.FromBlock > b.ToBlock {
		return n, bulwark.Invalid("toBlock", "the block window ends (block %d) before it starts (block %d): give toBlock ≥ fromBlock, or 0 for the last block", b.ToBlock, b.FromBlock)
	}
	if b.FromTime < 0 || b.ToTime < 0 {
		return n, bulwark.Invalid("fromTime", "a time bound is negative: give Unix seconds, or 0 for no bound")
	}
	if b.ToTime != 0 && b.FromTime > b.ToTime {
		return n, bulwark.Invalid("toTime", "the time window ends (%d) before it starts (%d): give toTime ≥ fromTime, or 0 for no bound", b.ToTime, b.FromTime)
	}
	seen := map[common.Address]bool{}
	for i, d := range n.Deposits {
		if d.Address == (common.Address{}) {
			return n, bulwark.Invalid("deposits", "deposit address %d is the zero address: give the exchange's deposit address", i+1)
		}
		if seen[d.Address] {
			return n, bulwark.Invalid("deposits", "deposit address %s is registered twice: give each once", strings.ToLower(d.Address.Hex()))
		}
		seen[d.Address] = true
	}
	for k, v := range n.Thresholds {
		if v == nil {
			return n, bulwark.Invalid("thresholds", "the threshold for %q has no value: give an amount in base units", k)
		}
		if k == "" {
			continue
		}
		if _, err := ParseAsset(k); err != nil {
			return n, bulwark.Invalid("thresholds", "threshold key %q is not an asset key: write native:CHAIN, erc20:CHAIN:CONTRACT, … or \"\" for the default", bulwark.Echo(k))
		}
	}
	return n, nil
}

// Trace follows value from the request's seeds through transfers, which
// must be ordered by Compare and on the request's chain, and returns the
// graph of what it reached. See the package documentation (Traversal) for
// the rules. Bad input (an invalid request, transfers out of order, on
// another chain or invalid) is an EINVALID error naming it; a cancelled
// ctx stops the trace with ctx's error.
func Trace(ctx context.Context, transfers []Transfer, req Request) (*Graph, error) {
	g, _, err := trace(ctx, transfers, req)
	return g, err
}

// trace is Trace, also returning the engine (tests check its invariants).
func trace(ctx context.Context, transfers []Transfer, req Request) (*Graph, *Engine, error) {
	r, err := req.normalize()
	if err != nil {
		return nil, nil, err
	}
	e, err := NewEngine(r.Policy)
	if err != nil {
		return nil, nil, err
	}
	// A transfer brings at most two holdings, most streams far fewer (the
	// same addresses again): room for one per two transfers, bounded.
	e.reserve(min(len(transfers)/2, 1<<20))
	tr := newTracer(&r, e, transfers)
	if err := tr.run(ctx); err != nil {
		return nil, nil, err
	}
	return tr.graph(), e, nil
}

// node is the traversal's state of one address reached. It holds no
// pointer (the collector does not scan the nodes): what few nodes have,
// labels and taint received in a second asset, is in tracer.extras.
type node struct {
	addr common.Address
	stop uint8 // the rank (stopRank) of the stop reason, 0 for none
	seed bool
	hub  bool
	recv bool   // received0 holds the taint that arrived in its first asset
	idx  uint32 // its index in tracer.nodes
	hop  int
	// received0 is the taint that arrived in the first asset the node
	// received, in place (most nodes see one asset).
	received0 amount
	extra     uint32 // the index + 1 of its nodeExtra in tracer.extras (0: none)
}

// nodeExtra is what a node has beyond its own fields.
type nodeExtra struct {
	labels   []Label
	received []amount // per asset but the first, the taint that arrived
}

// stopNames are the stop reasons by rank (stopRank).
var stopNames = [...]string{"", StopSwap, StopMaxHops, StopHub, StopExit}

// setStop gives n the stop reason s unless it has a higher one.
func (n *node) setStop(s string) {
	if r := uint8(stopRank(s)); r > n.stop {
		n.stop = r
	}
}

// amount is an amount of one asset, by its engine id.
type amount struct {
	asset uint32
	v     uint256.Int
}

// edgeRec is an edge as the traversal keeps it: the transfer (its index in
// the stream as given) and the taint it carried.
type edgeRec struct {
	idx   int
	taint uint256.Int
	hop   int32
	asset uint32 // the engine's id of the transfer's asset
}

// swapIn is a tainted input of a possible swap: taint of asset that addr
// sent into a transaction's counterparties.
type swapIn struct {
	addr  common.Address
	asset Asset
	taint uint256.Int
}

// decision is what the stop callback decided about the transfer being
// applied.
type decision struct {
	follow bool   // the edge is recorded and its receiver reached
	stop   string // the stop reason at the receiver, if any
	hop    int    // the receiver's hop
	exit   *Exit
	node   *node // the receiver's node, when followed
}

type tracer struct {
	req      *Request
	e        *Engine
	stream   []Transfer
	backward bool
	minValue *uint256.Int
	// nodes are the nodes by idx, in blocks of 1 << nodeBits (a node
	// never moves); an address's node is found through its entry in the
	// engine (holding.node), not a map of its own.
	nodes     [][]node
	nnodes    int
	extras    []nodeExtra // node.extra
	edges     []edgeRec
	exits     []Exit
	alerts    []Alert
	alertIdx  []int // per alert, its transfer's index in stream
	deposits  map[common.Address]*Deposit
	known     map[common.Address]bool
	assetKeys map[Asset]string

	// The transaction being applied: its transfers (mirrored when
	// backward, noise left out) and their indices in stream.
	txbuf  []Transfer
	txidx  []int // unless direct
	txbase int   // direct: txbuf is stream[txbase:]
	direct bool
	own    []Transfer // the buffer txbuf uses when not direct

	// Bounds.HubDegree: the distinct counterparties of each address, and
	// the pairs seen.
	degree map[common.Address]int
	pairs  map[[2]common.Address]struct{}

	// A Tracer's: the transfers of the edges (edges index kept), and the
	// last transfer fed.
	incremental bool
	kept        []Transfer
	last        *Transfer
	txMoved     []uint256.Int // per txbuf entry, the taint the engine moved
	swapIns     []swapIn
	segment     int // len(edges) when the transaction began
	// txSender is the transaction's sender, when a transfer shows it (its
	// value, its fee).
	txSender   common.Address
	haveSender bool
	resort     bool // edges were added to the transaction's segment out of order
	applied    int  // the transfers of the stream run through so far
	dec        decision
	stopFn     stopFunc
}

func newTracer(r *Request, e *Engine, stream []Transfer) *tracer {
	tr := &tracer{req: r, e: e, stream: stream, backward: r.Direction == Backward, minValue: r.MinValue,
		deposits: map[common.Address]*Deposit{}, assetKeys: map[Asset]string{}}
	tr.stopFn = tr.decide
	for _, a := range r.SeedAddresses {
		e.SeedAddress(a)
		n := tr.nodeOf(a, 0)
		n.seed, n.hop = true, 0
	}
	for _, h := range r.SeedTxs {
		e.SeedTransaction(h)
	}
	for i := range r.Deposits {
		tr.deposits[r.Deposits[i].Address] = &r.Deposits[i]
	}
	if len(r.KnownTokens) != 0 {
		tr.known = map[common.Address]bool{}
		for _, c := range r.KnownTokens {
			tr.known[c] = true
		}
		if w, ok := DefaultWrappedNatives()[r.Chain]; ok {
			tr.known[w] = true
		}
	}
	return tr
}

// nodeBits sets the size of a block of nodes: 1,024.
const nodeBits = 10

// nodeAtIdx returns the node of index i.
func (tr *tracer) nodeAtIdx(i uint32) *node {
	return &tr.nodes[i>>nodeBits][i&(1<<nodeBits-1)]
}

// nodeOf returns the node of addr, creating it at hop when new.
func (tr *tracer) nodeOf(addr common.Address, hop int) *node {
	return tr.nodeOfID(tr.e.addrID(addr), addr, hop)
}

// nodeOfID is nodeOf for the address of id id in the engine.
func (tr *tracer) nodeOfID(id uint32, addr common.Address, hop int) *node {
	if i := tr.e.holdings.at(id).node; i != 0 {
		return tr.nodeAtIdx(i - 1)
	}
	i := uint32(tr.nnodes)
	if tr.nnodes&(1<<nodeBits-1) == 0 {
		tr.nodes = append(tr.nodes, make([]node, 1<<nodeBits))
	}
	tr.nnodes++
	n := tr.nodeAtIdx(i)
	*n = node{addr: addr, hop: hop, idx: i}
	if tr.req.Labeler != nil {
		// The labeler's order is the order the labels show in
		// (labels.Combine: screening lists, the user's, TagPacks).
		if ls := tr.req.Labeler.Labels(addr); len(ls) != 0 {
			tr.extraOf(n).labels = slices.Clone(ls)
			for _, l := range ls {
				n.hub = n.hub || l.Hub
			}
		}
	}
	if d := tr.req.Bounds.HubDegree; d > 0 && tr.degree[addr] >= d {
		tr.degreeHub(n)
	}
	tr.e.holdings.at(id).node = i + 1
	return n
}

// extraOf returns n's nodeExtra, adding it when n has none (valid until
// the next is added).
func (tr *tracer) extraOf(n *node) *nodeExtra {
	if n.extra == 0 {
		tr.extras = append(tr.extras, nodeExtra{})
		n.extra = uint32(len(tr.extras))
	}
	return &tr.extras[n.extra-1]
}

// labels returns n's labels.
func (tr *tracer) labels(n *node) []Label {
	if n.extra == 0 {
		return nil
	}
	return tr.extras[n.extra-1].labels
}

// degreeHub makes n a hub for its degree.
func (tr *tracer) degreeHub(n *node) {
	n.hub = true
	x := tr.extraOf(n)
	x.labels = append(x.labels, Label{Source: "degree", Name: strconv.Itoa(tr.degree[n.addr]) + " counterparties", Hub: true})
}

// countDegrees counts the distinct counterparties of every address in
// s[i:j] within the window (fees, zero amounts and self-transfers left
// out) and returns the addresses that reached Bounds.HubDegree.
func (tr *tracer) countDegrees(s []Transfer, inWindow func(*Transfer) bool) []common.Address {
	if tr.degree == nil {
		tr.degree, tr.pairs = map[common.Address]int{}, map[[2]common.Address]struct{}{}
	}
	var reached []common.Address
	d := tr.req.Bounds.HubDegree
	for k := range s {
		t := &s[k]
		if t.Amount.IsZero() || t.From == t.To || t.Kind == GasTip || t.Kind == BaseFeeBurn || !inWindow(t) {
			continue
		}
		p := [2]common.Address{t.From, t.To}
		if bytes.Compare(p[0][:], p[1][:]) > 0 {
			p[0], p[1] = p[1], p[0]
		}
		if _, ok := tr.pairs[p]; ok {
			continue
		}
		tr.pairs[p] = struct{}{}
		for _, a := range p {
			tr.degree[a]++
			if tr.degree[a] == d {
				reached = append(reached, a)
			}
		}
	}
	return reached
}

// node returns the node of addr, if it has one.
func (tr *tracer) node(addr common.Address) (*node, bool) {
	id, ok := tr.e.findAddr(addr)
	if !ok {
		return nil, false
	}
	i := tr.e.holdings.at(id).node
	if i == 0 {
		return nil, false
	}
	return tr.nodeAtIdx(i - 1), true
}

// nodeAt is nodeOf for addr, whose id in the engine is id (-1: not known):
// the engine has just looked the address up for the transfer it applies
// (Engine.fa, Engine.ta), so no map lookup is needed.
func (tr *tracer) nodeAt(id int32, addr common.Address, hop int) *node {
	if id < 0 {
		return tr.nodeOf(addr, hop)
	}
	return tr.nodeOfID(uint32(id), addr, hop)
}

// txKey reports whether a and b belong to the same transaction.
func sameTx(a, b *Transfer) bool {
	return a.Block == b.Block && a.TxIndex == b.TxIndex && a.TxHash == b.TxHash && a.Chain == b.Chain
}

// run applies the stream transaction by transaction, forward from the
// first or, backward, mirrored from the last.
func (tr *tracer) run(ctx context.Context) error {
	s := tr.stream
	for i := range s {
		if s[i].Chain != tr.req.Chain {
			return bulwark.Invalid("transfers", "transfer %d (transaction %s) is on chain %d, the trace on chain %d: give the transfers of one chain", i, s[i].TxHash.Hex(), s[i].Chain, tr.req.Chain)
		}
		if i > 0 && Compare(&s[i-1], &s[i]) > 0 {
			return bulwark.Invalid("transfers", "transfer %d (block %d, transaction %s) comes before transfer %d (block %d): order the transfers by tracing.Compare", i, s[i].Block, s[i].TxHash.Hex(), i-1, s[i-1].Block)
		}
	}
	b := &tr.req.Bounds
	inWindow := func(t *Transfer) bool {
		return t.Block >= b.FromBlock && (b.ToBlock == 0 || t.Block <= b.ToBlock) &&
			(b.FromTime == 0 || t.Time >= b.FromTime) && (b.ToTime == 0 || t.Time <= b.ToTime)
	}
	if b.HubDegree > 0 {
		for _, a := range tr.countDegrees(s, inWindow) {
			if n, ok := tr.node(a); ok && !n.hub {
				tr.degreeHub(n) // known from this piece on (a Tracer's)
			}
		}
	}
	// step runs the transaction s[i:j] if it is in the window, and looks
	// at ctx every 65,536 transfers.
	done := 0
	step := func(i, j int) error {
		if inWindow(&s[i]) {
			if err := tr.runTx(i, j); err != nil {
				return err
			}
		}
		tr.applied += j - i
		if done += j - i; done >= 1<<16 {
			done = 0
			return ctx.Err()
		}
		return nil
	}
	if !tr.backward {
		for i := 0; i < len(s); {
			j := i + 1
			for j < len(s) && sameTx(&s[i], &s[j]) {
				j++
			}
			if b.ToBlock != 0 && s[i].Block > b.ToBlock {
				break
			}
			// The engine's lookups are cache misses for addresses not
			// seen lately: ask for the holdings of this transaction's
			// first transfer and the index slots of the next one's ahead.
			tr.e.prefetchHoldings(&s[i])
			if j < len(s) {
				tr.e.prefetchSlots(&s[j])
			}
			if err := step(i, j); err != nil {
				return err
			}
			i = j
		}
	} else {
		for j := len(s); j > 0; {
			i := j - 1
			for i > 0 && sameTx(&s[i-1], &s[j-1]) {
				i--
			}
			tr.e.prefetchHoldings(&s[j-1]) // applied first, mirrored
			if i > 0 {
				tr.e.prefetchSlots(&s[i-1])
			}
			if err := step(i, j); err != nil {
				return err
			}
			j = i
		}
		// Edges were recorded latest transaction first.
		slices.SortFunc(tr.edges, func(a, b edgeRec) int { return a.idx - b.idx })
		slices.Reverse(tr.exits)
	}
	return nil
}

// index returns the index in the stream of the transaction's transfer k.
func (tr *tracer) index(k int) int {
	if tr.direct {
		return tr.txbase + k
	}
	return tr.txidx[k]
}

// mirror returns t reversed in time: from and to swapped, a wrap (a mint)
// an unwrap (a burn) and back.
func mirror(t *Transfer) Transfer {
	m := *t
	m.From, m.To = t.To, t.From
	switch t.Kind {
	case Wrap:
		m.Kind = Unwrap
	case Unwrap:
		m.Kind = Wrap
	}
	return m
}

// runTx applies the transfers stream[i:j] of one transaction.
func (tr *tracer) runTx(i, j int) error {
	tr.txbase, tr.direct = i, !tr.backward && tr.known == nil
	if tr.direct {
		// Forward with nothing to leave out: the stream itself (zero
		// amounts move nothing and are no swap's leg).
		tr.txbuf = tr.stream[i:j:j]
	} else {
		tr.txbuf, tr.txidx = tr.own[:0], tr.txidx[:0]
		for k := i; k < j; k++ {
			kk := k
			if tr.backward {
				kk = i + j - 1 - k
			}
			t := &tr.stream[kk]
			// Zero-value transfers move nothing (address-poisoning noise);
			// fees are not where value came from.
			if t.Amount.IsZero() || tr.backward && (t.Kind == GasTip || t.Kind == BaseFeeBurn) {
				continue
			}
			if tr.backward {
				tr.txbuf = append(tr.txbuf, mirror(t))
			} else {
				tr.txbuf = append(tr.txbuf, *t)
			}
			tr.txidx = append(tr.txidx, kk)
		}
		tr.own = tr.txbuf
	}
	tr.txSender, tr.haveSender = common.Address{}, false
	for k := i; k < j; k++ {
		if u := &tr.stream[k]; u.Kind == TopLevelCall || u.Kind == GasTip || u.Kind == BaseFeeBurn {
			tr.txSender, tr.haveSender = u.From, true
			break
		}
	}
	if tr.known != nil && tr.haveSender {
		tr.dropSpoofed()
	}
	tr.swapIns = tr.swapIns[:0]
	tr.segment = len(tr.edges)
	tr.txMoved = slices.Grow(tr.txMoved[:0], len(tr.txbuf))[:len(tr.txbuf)]
	for k := range tr.txbuf {
		t := &tr.txbuf[k]
		tr.dec = decision{}
		moved, _, err := tr.e.apply(t, tr.stopFn)
		if err != nil {
			return wrapTransferErr(err, tr.index(k), &tr.stream[tr.index(k)])
		}
		tr.txMoved[k] = moved
		if moved.IsZero() {
			continue
		}
		_, credit := t.Effects()
		if !credit {
			// A burn: the base fee, a token burned, an unwrap. The taint
			// is destroyed; a burn is an edge (to the zero address or the
			// wrapped token's contract), and when the burner gets another
			// asset back in the transaction (an unwrap, a redemption) a
			// swap's input.
			if t.Kind == BaseFeeBurn || (tr.minValue != nil && moved.Lt(tr.minValue)) {
				continue
			}
			hop := tr.nodeAt(tr.e.fa, t.From, 0).hop + 1
			n := tr.nodeOf(t.To, hop)
			n.hop = min(n.hop, hop)
			tr.dec = decision{follow: true, hop: n.hop, node: n}
			if tr.swapInput(t) {
				tr.swapIns = append(tr.swapIns, swapIn{addr: t.From, asset: t.Asset, taint: moved})
				tr.dec.stop = StopSwap
			}
		}
		if !tr.dec.follow {
			continue
		}
		n := tr.dec.node
		n.setStop(tr.dec.stop)
		tr.addReceived(n, &t.Asset, &moved)
		tr.addEdge(edgeRec{idx: tr.index(k), taint: moved, hop: int32(tr.dec.hop), asset: tr.e.assetID(&t.Asset)})
		if tr.dec.exit != nil {
			x := tr.dec.exit
			x.TxHash, x.Block, x.Time, x.From = t.TxHash, t.Block, t.Time, t.From
			if x.Via == (common.Address{}) {
				x.Via = t.To
			}
			if ls := tr.labels(n); x.Service == "" && len(ls) > 0 {
				x.Service = ls[0].Name
			}
			x.Asset, x.Amount, x.Taint = tr.assetKey(&t.Asset), t.Amount.Dec(), moved.Dec()
			tr.exits = append(tr.exits, *x)
		}
		if tr.dec.stop == StopSwap && credit {
			tr.swapIns = append(tr.swapIns, swapIn{addr: t.From, asset: t.Asset, taint: moved})
		}
	}
	if len(tr.swapIns) != 0 {
		tr.continueSwaps()
	}
	if !tr.backward && len(tr.deposits) != 0 {
		tr.alert()
	}
	return nil
}

func wrapTransferErr(err error, i int, t *Transfer) error {
	if be, ok := err.(*bulwark.Error); ok && be.Code == bulwark.EINVALID {
		return bulwark.Invalid("transfers", "transfer %d (block %d, transaction %s): %s", i, t.Block, t.TxHash.Hex(), bulwark.ErrorMessage(err))
	}
	return err
}

func (tr *tracer) addReceived(n *node, a *Asset, x *uint256.Int) {
	id := tr.e.assetID(a)
	switch {
	case !n.recv:
		n.received0, n.recv = amount{asset: id, v: *x}, true
	case n.received0.asset == id:
		n.received0.v.Add(&n.received0.v, x)
	default:
		e := tr.extraOf(n)
		e.received = addAmount(e.received, id, x)
	}
}

func addAmount(as []amount, id uint32, x *uint256.Int) []amount {
	for i := range as {
		if as[i].asset == id {
			as[i].v.Add(&as[i].v, x)
			return as
		}
	}
	return append(as, amount{asset: id, v: *x})
}

// decide is the engine's stop callback: whether the taint t carries is
// followed to t.To, and whether it stops there.
func (tr *tracer) decide(t *Transfer, moved uint256.Int) bool {
	d := &tr.dec
	if t.From == t.To {
		return false // a self-transfer changes nothing
	}
	if t.Kind == GasTip {
		return true // taint spent on gas stops at the fee recipient, unfollowed
	}
	if tr.minValue != nil && moved.Lt(tr.minValue) {
		return true // below the minimum: not followed
	}
	d.follow = true
	hop := tr.nodeAt(tr.e.fa, t.From, 0).hop + 1
	n := tr.nodeAt(tr.e.ta, t.To, hop)
	d.node = n
	if n.seed {
		d.hop = 0
		return false
	}
	n.hop = min(n.hop, hop)
	d.hop = n.hop
	if !tr.backward && tr.req.Exits != nil {
		if x, ok := tr.req.Exits.Exit(t); ok {
			d.exit, d.stop = &x, StopExit
			return true
		}
	}
	if tr.swapInput(t) {
		d.stop = StopSwap
		return true
	}
	if n.hub && !tr.req.Bounds.ThroughHubs {
		d.stop = StopHub
		return true
	}
	if n.hop >= tr.req.Bounds.MaxHops {
		d.stop = StopMaxHops
		return true
	}
	return false
}

// swapLeg reports whether transfer u can be a leg of a swap by x (an
// input x sends or an output x receives): not a fee nor a self-transfer,
// and not between x and the transaction's sender unless x is the sender
// (what the sender pays a contract is funding, what the contract pays
// the sender a payout, neither a swap of the contract's).
func (tr *tracer) swapLeg(x common.Address, u *Transfer) bool {
	if u.Kind == GasTip || u.Kind == BaseFeeBurn || u.From == u.To || u.Amount.IsZero() {
		return false
	}
	return !tr.haveSender || x == tr.txSender || (u.From != tr.txSender && u.To != tr.txSender)
}

// swapInput reports whether t, sending taint, is the input of a swap by
// its sender: in the transaction being applied, the sender also receives
// from another address an asset other than t's (both legs of a swap,
// swapLeg).
func (tr *tracer) swapInput(t *Transfer) bool {
	x := t.From
	if !tr.swapLeg(x, t) {
		return false
	}
	for k := range tr.txbuf {
		if u := &tr.txbuf[k]; u.Asset != t.Asset && tr.swapOutput(x, u) {
			return true
		}
	}
	return false
}

// swapOutput reports whether u can be the output of a swap by x: a credit
// to x from another address (a swap leg), or, when x is not the
// transaction's sender, to the sender (the swap's beneficiary) from an
// address other than x.
func (tr *tracer) swapOutput(x common.Address, u *Transfer) bool {
	if _, credit := u.Effects(); !credit {
		return false
	}
	if u.To == x {
		return tr.swapLeg(x, u)
	}
	return tr.haveSender && x != tr.txSender && u.To == tr.txSender && u.From != x && tr.swapLeg(u.To, u)
}

// continueSwaps carries the taint of the transaction's swap inputs onto
// what their senders received in other assets: each such transfer of
// amount b to a sender that sent assets A with taint tA of amount aA gets
// max over A of floor(b × tA ÷ aA) more taint (at most its clean part),
// turned tainted in the receiver's holding (continued taint).
func (tr *tracer) continueSwaps() {
	type in struct {
		addr          common.Address
		asset         Asset
		amount, taint uint256.Int
	}
	var ins []in
	for _, s := range tr.swapIns {
		found := false
		for k := range ins {
			if ins[k].addr == s.addr && ins[k].asset == s.asset {
				ins[k].taint.Add(&ins[k].taint, &s.taint)
				found = true
			}
		}
		if !found {
			ins = append(ins, in{addr: s.addr, asset: s.asset, taint: s.taint})
		}
	}
	for k := range ins {
		for j := range tr.txbuf {
			u := &tr.txbuf[j]
			if u.From == ins[k].addr && u.Asset == ins[k].asset && tr.swapLeg(u.From, u) {
				ins[k].amount.Add(&ins[k].amount, &u.Amount)
			}
		}
	}
	tr.resort = false
	for j := range tr.txbuf {
		u := &tr.txbuf[j]
		var c uint256.Int
		hop := -1 // the swapper's
		for k := range ins {
			if ins[k].asset == u.Asset || ins[k].amount.IsZero() || !tr.swapOutput(ins[k].addr, u) {
				continue
			}
			var x uint256.Int
			x.MulDivOverflow(&u.Amount, &ins[k].taint, &ins[k].amount)
			if x.Gt(&c) {
				c = x
			}
			if h := tr.nodeOf(ins[k].addr, 0).hop; hop < 0 || h < hop { // reached: it sent taint
				hop = h
			}
		}
		if c.IsZero() {
			continue
		}
		moved := &tr.txMoved[j]
		var room uint256.Int
		room.Sub(&u.Amount, moved)
		if room.Lt(&c) {
			c = room
		}
		var total uint256.Int
		total.Add(moved, &c)
		if c.IsZero() || (tr.minValue != nil && total.Lt(tr.minValue)) {
			continue
		}
		x := tr.nodeOf(u.To, hop+1) // the swapper itself, or the beneficiary
		if !x.seed && !slices.ContainsFunc(ins, func(in in) bool { return in.addr == u.To }) {
			x.hop = min(x.hop, hop+1)
		}
		added := tr.place(u.To, &u.Asset, c, j, 0)
		if added.IsZero() {
			continue
		}
		tr.addReceived(x, &u.Asset, &added)
		moved.Add(moved, &added)
		from := tr.nodeOf(u.From, hop+1) // a counterparty of the swapper
		if from.stop == 0 && !from.seed {
			from.setStop(StopSwap)
		}
		tr.recordEdge(j, moved, x.hop)
	}
	if tr.resort {
		seg := tr.edges[tr.segment:]
		if tr.backward {
			slices.SortFunc(seg, func(a, b edgeRec) int { return b.idx - a.idx })
		} else {
			slices.SortFunc(seg, func(a, b edgeRec) int { return a.idx - b.idx })
		}
	}
}

// place puts continued taint c of asset a at addr, which received it in
// the transaction's transfer at: first in what addr still holds of a at
// the end of the transaction, the rest onward along addr's later
// transfers of a in the transaction, in order, each up to its clean part
// (and so on from their receivers). At a stop point (a hub, the hop
// bound) all of it stays. It returns the taint placed.
func (tr *tracer) place(addr common.Address, a *Asset, c uint256.Int, at, depth int) uint256.Int {
	n := tr.nodeOf(addr, 0) // reached: taint was continued to it
	stop := ""
	if !n.seed {
		switch {
		case n.hub && !tr.req.Bounds.ThroughHubs:
			stop = StopHub
		case n.hop >= tr.req.Bounds.MaxHops:
			stop = StopMaxHops
		}
	}
	placed := tr.e.inject(addr, a, &c, stop != "")
	if stop != "" {
		n.setStop(stop)
		return placed
	}
	var rem uint256.Int
	rem.Sub(&c, &placed)
	for k := at + 1; k < len(tr.txbuf) && !rem.IsZero() && depth < len(tr.txbuf); k++ {
		v := &tr.txbuf[k]
		if v.From != addr || v.To == addr || v.Asset != *a {
			continue
		}
		if _, credit := v.Effects(); !credit {
			continue
		}
		var give uint256.Int
		give.Sub(&v.Amount, &tr.txMoved[k])
		if rem.Lt(&give) {
			give = rem
		}
		var total uint256.Int
		total.Add(&tr.txMoved[k], &give)
		if give.IsZero() || (tr.minValue != nil && total.Lt(tr.minValue)) {
			continue
		}
		y := tr.nodeOf(v.To, n.hop+1)
		if !y.seed {
			y.hop = min(y.hop, n.hop+1)
		}
		got := tr.place(v.To, a, give, k, depth+1)
		if got.IsZero() {
			continue
		}
		tr.addReceived(y, a, &got)
		tr.txMoved[k].Add(&tr.txMoved[k], &got)
		tr.recordEdge(k, &tr.txMoved[k], y.hop)
		rem.Sub(&rem, &got)
		placed.Add(&placed, &got)
	}
	return placed
}

// recordEdge sets the taint of the edge of the transaction's transfer k,
// adding the edge if it is not recorded yet.
func (tr *tracer) recordEdge(k int, taint *uint256.Int, hop int) {
	idx := tr.index(k)
	for e := tr.segment; e < len(tr.edges); e++ {
		if tr.edges[e].idx == idx {
			tr.edges[e].taint = *taint
			return
		}
	}
	tr.addEdge(edgeRec{idx: idx, taint: *taint, hop: int32(hop), asset: tr.e.assetID(&tr.txbuf[k].Asset)})
	tr.resort = true
}

// addEdge appends er to the edges. When they are full it doubles their
// room (append grows a large slice by a quarter at a time: four copies of
// it instead of one) or, once a sixteenth of a trace's stream is applied,
// makes room for the edges at the rate so far and an eighth more (a
// stream has at most one edge a transfer): a long trace regrows them once
// or twice.
func (tr *tracer) addEdge(er edgeRec) {
	if n := len(tr.edges); n == cap(tr.edges) {
		grow := max(n, 256)
		if m := len(tr.stream); !tr.incremental && tr.applied >= m/16 && tr.applied > 0 {
			est := int(float64(n) * float64(m) / float64(tr.applied) * 1.125)
			grow = max(min(est, m)-n, n/4, 256)
		}
		tr.edges = slices.Grow(tr.edges, grow)
	}
	tr.edges = append(tr.edges, er)
}

// alert raises an alert for every edge of the transaction that arrived at
// a deposit address with taint at or above its threshold.
func (tr *tracer) alert() {
	for _, er := range tr.edges[tr.segment:] {
		t := &tr.stream[er.idx]
		d, ok := tr.deposits[t.To]
		if !ok {
			continue
		}
		key := tr.assetKey(&t.Asset)
		// The deposit's own threshold, else the request's: as the live
		// follower applies them.
		th := d.threshold(key, tr.req.Thresholds)
		threshold := "0"
		if th != nil {
			if er.taint.Lt(th) {
				continue
			}
			threshold = th.Dec()
		}
		tr.alerts = append(tr.alerts, Alert{Deposit: t.To, Label: d.Label, TxHash: t.TxHash, Block: t.Block, Time: t.Time,
			Asset: key, Amount: t.Amount.Dec(), Taint: er.taint.Dec(), Threshold: threshold, Policy: tr.req.Policy})
		tr.alertIdx = append(tr.alertIdx, er.idx)
	}
}

// dropSpoofed removes from the transaction the token transfers that look
// spoofed (see the package documentation): a token not in
// Request.KnownTokens moved out of an address that neither sent the
// transaction nor made a call with value in it. Only called when the
// transaction's sender is known.
func (tr *tracer) dropSpoofed() {
	sender := tr.txSender
	w := 0
	for k := range tr.txbuf {
		u := &tr.txbuf[k]
		holder := u.From
		if tr.backward {
			holder = u.To
		}
		if u.Kind == TokenTransfer && holder != (common.Address{}) && holder != sender && !tr.known[u.Asset.Contract] && !tr.calls(holder) {
			continue
		}
		tr.txbuf[w], tr.txidx[w] = tr.txbuf[k], tr.txidx[k]
		w++
	}
	tr.txbuf, tr.txidx = tr.txbuf[:w], tr.txidx[:w]
}

// calls reports whether addr makes a call with value in the transaction
// being applied.
func (tr *tracer) calls(addr common.Address) bool {
	for k := range tr.txbuf {
		u := &tr.txbuf[k]
		if !u.Kind.native() || u.Kind == GasTip || u.Kind == BaseFeeBurn {
			continue
		}
		caller := u.From
		if tr.backward {
			caller = u.To
		}
		if caller == addr {
			return true
		}
	}
	return false
}

func (tr *tracer) assetKey(a *Asset) string {
	if s, ok := tr.assetKeys[*a]; ok {
		return s
	}
	s := a.String()
	tr.assetKeys[*a] = s
	return s
}

// graph writes the traversal's result.
func (tr *tracer) graph() *Graph {
	r := tr.req
	g := &Graph{Chain: r.Chain, Policy: r.Policy, Direction: r.Direction, Bounds: r.Bounds,
		Seeds: make([]string, 0, len(r.SeedAddresses)+len(r.SeedTxs)), Exits: slices.Clone(tr.exits), Alerts: slices.Clone(tr.alerts)}
	src := tr.stream
	if tr.incremental {
		src = tr.kept
	}
	for _, a := range r.SeedAddresses {
		g.Seeds = append(g.Seeds, strings.ToLower(a.Hex()))
	}
	for _, h := range r.SeedTxs {
		g.Seeds = append(g.Seeds, h.Hex())
	}
	// The taint each node holds at the end, per asset: node i's is
	// held[heldAt[i]:heldAt[i+1]], in the order the holdings were first
	// touched.
	type nodeAmount struct {
		node uint32
		amount
	}
	var hs []nodeAmount
	heldAt := make([]int32, tr.nnodes+1)
	for h := range tr.e.touched() {
		if h.tainted.IsZero() && h.stopped.IsZero() {
			continue
		}
		ni := tr.e.holdings.at(h.id).node
		if ni == 0 {
			continue
		}
		var sum uint256.Int
		sum.Add(&h.tainted, &h.stopped)
		hs = append(hs, nodeAmount{ni - 1, amount{asset: h.asset, v: sum}})
		heldAt[ni]++
	}
	for i := 1; i < len(heldAt); i++ {
		heldAt[i] += heldAt[i-1]
	}
	held := make([]amount, len(hs))
	fill := slices.Clone(heldAt)
	for _, x := range hs {
		held[fill[x.node]] = x.amount
		fill[x.node]++
	}
	nodes := tr.sortedNodes()
	keys := make([]string, len(tr.e.assets))
	for i := range keys {
		keys[i] = tr.assetKey(&tr.e.assets[i])
	}
	var w decWriter
	amounts := func(as []amount) map[string]string {
		m := make(map[string]string, len(as))
		for i := range as {
			m[keys[as[i].asset]] = w.dec(&as[i].v)
		}
		return m
	}
	g.Nodes = make([]Node, len(nodes))
	var recv []amount
	for i, n := range nodes {
		out := &g.Nodes[i]
		out.Address, out.Hop, out.Stop = n.addr, n.hop, stopNames[n.stop]
		out.Taint, out.Labels = amounts(held[heldAt[n.idx]:heldAt[n.idx+1]]), tr.labels(n)
		if out.Labels == nil {
			out.Labels = []Label{}
		}
		if n.recv {
			recv = append(recv[:0], n.received0)
			if n.extra != 0 {
				recv = append(recv, tr.extras[n.extra-1].received...)
			}
			out.Received = amounts(recv)
		}
	}
	g.Edges = make([]Edge, len(tr.edges))
	var logs, items []uint32 // log and ERC-1155 item indices, allocated at the first
	for i := range tr.edges {
		er := &tr.edges[i]
		t := &src[er.idx]
		e := &g.Edges[i]
		e.Chain, e.TxHash, e.Block, e.Time, e.Kind, e.From, e.To = t.Chain, t.TxHash, t.Block, t.Time, t.Kind, t.From, t.To
		e.Asset, e.Amount, e.Taint, e.Policy, e.Hop = keys[er.asset], w.dec(&t.Amount), w.dec(&er.taint), r.Policy, int(er.hop)
		if t.Kind.fromLog() {
			if logs == nil {
				logs = make([]uint32, len(tr.edges))
			}
			logs[i] = t.LogIndex
			e.LogIndex = &logs[i]
			if t.Asset.Standard == ERC1155 {
				if items == nil {
					items = make([]uint32, len(tr.edges))
				}
				items[i] = t.ItemIndex
				e.ItemIndex = &items[i]
			}
		} else if t.Kind != GasTip && t.Kind != BaseFeeBurn {
			// A call's path; the transaction's own call has the empty
			// path, written as [] (never omitted) in JSON.
			e.TraceAddress = t.TraceAddress
			if e.TraceAddress == nil {
				e.TraceAddress = []uint32{}
			}
		}
	}
	if g.Edges == nil {
		g.Edges = []Edge{}
	}
	return g
}

// sortedNodes returns the nodes in order of hop, then address: counted
// into their hops, then each hop's sorted by address as keys held by
// value (no pointer to follow per comparison).
func (tr *tracer) sortedNodes() []*node {
	type nodeKey struct {
		a0, a1 uint64
		a2     uint32
		idx    uint32
	}
	lo, hi := 0, 0
	for i := range uint32(tr.nnodes) {
		h := tr.nodeAtIdx(i).hop
		if i == 0 || h < lo {
			lo = h
		}
		hi = max(hi, h)
	}
	// start[h-lo] is where hop h begins among the keys, start[h-lo+1]
	// where it ends.
	start := make([]int, hi-lo+2)
	for i := range uint32(tr.nnodes) {
		start[tr.nodeAtIdx(i).hop-lo+1]++
	}
	for h := 1; h < len(start); h++ {
		start[h] += start[h-1]
	}
	keys := make([]nodeKey, tr.nnodes)
	at := slices.Clone(start)
	for i := range uint32(tr.nnodes) {
		n := tr.nodeAtIdx(i)
		keys[at[n.hop-lo]] = nodeKey{a0: binary.BigEndian.Uint64(n.addr[0:8]), a1: binary.BigEndian.Uint64(n.addr[8:16]),
			a2: binary.BigEndian.Uint32(n.addr[16:20]), idx: i}
		at[n.hop-lo]++
	}
	for h := range len(start) - 1 {
		if seg := keys[start[h]:start[h+1]]; len(seg) > 1 {
			slices.SortFunc(seg, func(a, b nodeKey) int {
				switch {
				case a.a0 != b.a0:
					return cmp.Compare(a.a0, b.a0)
				case a.a1 != b.a1:
					return cmp.Compare(a.a1, b.a1)
				}
				return cmp.Compare(a.a2, b.a2)
			})
		}
	}
	nodes := make([]*node, len(keys))
	for i := range keys {
		nodes[i] = tr.nodeAtIdx(keys[i].idx)
	}
	return nodes
}

// decWriter writes the decimal strings of a graph into blocks of bytes
// that its strings point into (no allocation per string, no copy): a byte
// once written is never written again, and a full block is left to its
// strings, which keep it alive. A value equal to the one before (an edge
// wholly tainted: its taint is its amount) gets the same string.
type decWriter struct {
	buf  []byte
	last uint256.Int
	str  string
	have bool
}

// dec returns x in decimal.
func (w *decWriter) dec(x *uint256.Int) string {
	if w.have && w.last.Eq(x) {
		return w.str
	}
	digits := 78 // 2^256-1
	if x.IsUint64() {
		digits = 20
	}
	if cap(w.buf)-len(w.buf) < digits {
		// Blocks of 1 KiB, doubling up to 64 KiB: a small graph holds
		// little, a large one few blocks.
		w.buf = make([]byte, 0, min(max(2*cap(w.buf), 1<<10), 1<<16))
	}
	start := len(w.buf)
	w.buf = appendDec(w.buf, x)
	b := w.buf[start:]
	w.last, w.str, w.have = *x, unsafe.String(unsafe.SliceData(b), len(b)), true
	return w.str
}

// appendDec appends x in decimal.
func appendDec(b []byte, x *uint256.Int) []byte {
	if x.IsUint64() {
		return strconv.AppendUint(b, x.Uint64(), 10)
	}
	return append(b, x.Dec()...)
}

// Tracer is a forward trace fed in pieces, as a follower at the chain head
// sees them: each Feed applies the next transactions and returns the
// alerts they raised, and Graph writes the graph so far. Fed the pieces
// of a stream, it reaches exactly the graph Trace gives for the whole
// stream, but for Bounds.HubDegree: a Tracer counts the counterparties
// fed so far, so an address becomes a hub by degree from the piece where
// it reaches it (Trace counts the whole stream first). A Tracer keeps the transfers of its edges (copied), not the
// transfers fed. It is not safe for concurrent use.
type Tracer struct {
	tr *tracer
}

// NewTracer validates req (Request.Validate) and returns a Tracer for it.
// A backward trace cannot be fed in pieces (it reads the stream newest
// first): run Trace for it.
func NewTracer(req Request) (*Tracer, error) {
	r, err := req.normalize()
	if err != nil {
		return nil, err
	}
	if r.Direction == Backward {
		return nil, bulwark.Invalid("direction", "a trace fed block by block follows value forward: run a backward trace over the whole range instead")
	}
	e, err := NewEngine(r.Policy)
	if err != nil {
		return nil, err
	}
	tr := newTracer(&r, e, nil)
	tr.incremental = true
	return &Tracer{tr: tr}, nil
}

// Feed applies transfers, ordered by Compare, which must come after
// everything fed before and hold whole transactions (whole blocks do: a
// swap is recognised within its transaction). It returns the alerts the
// transfers raised. A failed Feed (bad input, ctx cancelled) may have
// applied part of the transfers: the Tracer is then to be discarded.
func (t *Tracer) Feed(ctx context.Context, transfers []Transfer) ([]Alert, error) {
	alerts, _, err := t.feed(ctx, transfers)
	return alerts, err
}

// feed is Feed, also returning the index in transfers of each alert's
// transfer.
func (t *Tracer) feed(ctx context.Context, transfers []Transfer) ([]Alert, []int, error) {
	tr := t.tr
	if len(transfers) == 0 {
		return nil, nil, nil
	}
	if tr.last != nil {
		f := &transfers[0]
		if Compare(tr.last, f) > 0 {
			return nil, nil, bulwark.Invalid("transfers", "the transfers fed (from block %d, transaction %s) come before those fed earlier (block %d): feed them in chain order", f.Block, f.TxHash.Hex(), tr.last.Block)
		}
		if sameTx(tr.last, f) {
			return nil, nil, bulwark.Invalid("transfers", "transaction %s (block %d) is split between two feeds: feed whole transactions (whole blocks)", f.TxHash.Hex(), f.Block)
		}
	}
	alerts, edges := len(tr.alerts), len(tr.edges)
	tr.stream = transfers
	err := tr.run(ctx)
	for i := edges; i < len(tr.edges); i++ {
		k := transfers[tr.edges[i].idx]
		k.TraceAddress = slices.Clone(k.TraceAddress)
		tr.kept = append(tr.kept, k)
		tr.edges[i].idx = len(tr.kept) - 1
	}
	last := transfers[len(transfers)-1]
	last.TraceAddress = slices.Clone(last.TraceAddress)
	tr.last, tr.stream = &last, nil
	if err != nil {
		return nil, nil, err
	}
	return slices.Clone(tr.alerts[alerts:]), slices.Clone(tr.alertIdx[alerts:]), nil
}

// Graph writes the graph of everything fed so far.
func (t *Tracer) Graph() *Graph { return t.tr.graph() }
