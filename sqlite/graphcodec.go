package sqlite

import (
	"encoding/binary"
	"errors"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark/tracing"
)

// A case's graph is stored packed (trace_case_results.packed): a compact
// binary form that decodes in a fraction of the time JSON takes, so that
// the first view of a 10,000-address case after a run stays within the
// console's budget. Rows written before it keep their JSON (graph) and are
// read as before.
//
// Format: the magic "BWG" and a version byte, then the graph's fields in
// declaration order. Integers are varints (signed ones zig-zag), strings
// and lists a length then their items, with length+1 written for a list,
// map or pointer whose nil is distinct from empty (0 = nil), so that a
// graph decodes exactly as it was encoded. Map keys are written sorted:
// the same graph always packs to the same bytes.
const graphMagic = "BWG\x01"

// errPacked is returned for bytes that are not a packed graph.
var errPacked = errors.New("malformed packed graph")

type packer struct{ b []byte }

func (p *packer) u(v uint64)            { p.b = binary.AppendUvarint(p.b, v) }
func (p *packer) i(v int64)             { p.b = binary.AppendVarint(p.b, v) }
func (p *packer) s(v string)            { p.u(uint64(len(v))); p.b = append(p.b, v...) }
func (p *packer) addr(a common.Address) { p.b = append(p.b, a[:]...) }
func (p *packer) hash(h common.Hash)    { p.b = append(p.b, h[:]...) }
func (p *packer) bool(v bool) {
	if v {
		p.b = append(p.b, 1)
	} else {
		p.b = append(p.b, 0)
	}
}

// n writes the length of a list or map whose nil is kept apart from empty.
func (p *packer) n(length int, isNil bool) {
	if isNil {
		p.u(0)
		return
	}
	p.u(uint64(length) + 1)
}

func (p *packer) strMap(m map[string]string) {
	p.n(len(m), m == nil)
	for _, k := range slices.Sorted(maps.Keys(m)) {
		p.s(k)
		p.s(m[k])
	}
}

func (p *packer) u32p(v *uint32) {
	if v == nil {
		p.u(0)
		return
	}
	p.u(uint64(*v) + 1)
}

func (p *packer) u32s(v []uint32) {
	p.n(len(v), v == nil)
	for _, x := range v {
		p.u(uint64(x))
	}
}

// packGraph encodes g in the packed form.
func packGraph(g *tracing.Graph) []byte {
	p := &packer{b: make([]byte, 0, 64+len(g.Nodes)*64+len(g.Edges)*160)}
	p.b = append(p.b, graphMagic...)
	p.u(g.Chain)
	p.n(len(g.Seeds), g.Seeds == nil)
	for _, s := range g.Seeds {
		p.s(s)
	}
	p.u(uint64(g.Policy))
	p.s(string(g.Direction))
	b := g.Bounds
	p.i(int64(b.MaxHops))
	p.s(b.MinValue)
	p.u(b.FromBlock)
	p.u(b.ToBlock)
	p.i(b.FromTime)
	p.i(b.ToTime)
	p.bool(b.ThroughHubs)
	p.i(int64(b.HubDegree))
	p.n(len(g.Nodes), g.Nodes == nil)
	for i := range g.Nodes {
		n := &g.Nodes[i]
		p.addr(n.Address)
		p.i(int64(n.Hop))
		p.strMap(n.Taint)
		p.strMap(n.Received)
		p.n(len(n.Labels), n.Labels == nil)
		for _, l := range n.Labels {
			p.s(l.Source)
			p.s(l.Name)
			p.s(l.Category)
			p.s(l.Abuse)
			p.bool(l.Hub)
		}
		p.s(n.Stop)
	}
	p.n(len(g.Edges), g.Edges == nil)
	for i := range g.Edges {
		e := &g.Edges[i]
		p.u(e.Chain)
		p.hash(e.TxHash)
		p.u(e.Block)
		p.i(e.Time)
		p.u(uint64(e.Kind))
		p.u32p(e.LogIndex)
		p.u32p(e.ItemIndex)
		p.u32s(e.TraceAddress)
		p.addr(e.From)
		p.addr(e.To)
		p.s(e.Asset)
		p.s(e.Amount)
		p.s(e.Taint)
		p.u(uint64(e.Policy))
		p.i(int64(e.Hop))
	}
	p.n(len(g.Exits), g.Exits == nil)
	for i := range g.Exits {
		x := &g.Exits[i]
		p.hash(x.TxHash)
		p.u(x.Block)
		p.i(x.Time)
		p.addr(x.From)
		p.addr(x.Via)
		p.s(x.Service)
		p.s(x.Asset)
		p.s(x.Amount)
		p.s(x.Taint)
		p.s(x.Memo)
		p.s(x.DestChain)
		p.s(x.DestAddress)
	}
	p.n(len(g.Alerts), g.Alerts == nil)
	for i := range g.Alerts {
		a := &g.Alerts[i]
		p.addr(a.Deposit)
		p.s(a.Label)
		p.hash(a.TxHash)
		p.u(a.Block)
		p.i(a.Time)
		p.s(a.Asset)
		p.s(a.Amount)
		p.s(a.Taint)
		p.s(a.Threshold)
		p.u(uint64(a.Policy))
		p.u(a.Chain)
		p.hash(a.BlockHash)
		p.addr(a.From)
		p.u(uint64(a.Kind))
		p.u32p(a.LogIndex)
		p.u32p(a.ItemIndex)
		p.u32s(a.TraceAddress)
	}
	return p.b
}

// unpacker reads a packed graph; the first error sticks and every read
// after it returns zero values.
type unpacker struct {
	b   []byte
	err error
	// names interns the short strings that repeat across a graph (asset
	// keys, label names and categories, stop reasons).
	names map[string]string
}

func (u *unpacker) fail() {
	if u.err == nil {
		u.err = errPacked
	}
	u.b = nil
}

func (u *unpacker) u() uint64 {
	v, n := binary.Uvarint(u.b)
	if n <= 0 {
		u.fail()
		return 0
	}
	u.b = u.b[n:]
	return v
}

func (u *unpacker) i() int64 {
	v, n := binary.Varint(u.b)
	if n <= 0 {
		u.fail()
		return 0
	}
	u.b = u.b[n:]
	return v
}

// int reads a signed varint that must fit an int.
func (u *unpacker) int() int {
	v := u.i()
	if v < math.MinInt32 || v > math.MaxInt32 {
		u.fail()
		return 0
	}
	return int(v)
}

func (u *unpacker) raw(n uint64) []byte {
	if n > uint64(len(u.b)) {
		u.fail()
		return nil
	}
	v := u.b[:n]
	u.b = u.b[n:]
	return v
}

func (u *unpacker) s() string { return string(u.raw(u.u())) }

// name reads a string, interned when short.
func (u *unpacker) name() string {
	b := u.raw(u.u())
	if len(b) == 0 || len(b) > 64 {
		return string(b)
	}
	if s, ok := u.names[string(b)]; ok {
		return s
	}
	s := string(b)
	u.names[s] = s
	return s
}

func (u *unpacker) addr() (a common.Address) { copy(a[:], u.raw(common.AddressLength)); return a }
func (u *unpacker) hash() (h common.Hash)    { copy(h[:], u.raw(common.HashLength)); return h }

func (u *unpacker) bool() bool {
	b := u.raw(1)
	if len(b) == 1 && b[0] > 1 {
		u.fail()
	}
	return len(b) == 1 && b[0] == 1
}

// n reads a length written by packer.n; nil reports a nil list or map.
// Each item takes at least min bytes, which bounds the length by what is
// left (a corrupt length cannot make the reader allocate much).
func (u *unpacker) n(min int) (length int, isNil bool) {
	v := u.u()
	if v == 0 || u.err != nil {
		return 0, true
	}
	if v-1 > uint64(len(u.b)/min) {
		u.fail()
		return 0, true
	}
	return int(v - 1), false
}

func (u *unpacker) strMap() map[string]string {
	n, isNil := u.n(2)
	if isNil {
		return nil
	}
	m := make(map[string]string, n)
	for range n {
		k := u.name()
		m[k] = u.s()
	}
	if len(m) != n {
		u.fail() // a key given twice: not what packGraph writes
	}
	return m
}

func (u *unpacker) u32() uint32 {
	v := u.u()
	if v > math.MaxUint32 {
		u.fail()
	}
	return uint32(v)
}

func (u *unpacker) u32p() *uint32 {
	v := u.u()
	if v == 0 {
		return nil
	}
	if v-1 > math.MaxUint32 {
		u.fail()
		return nil
	}
	x := uint32(v - 1)
	return &x
}

func (u *unpacker) u32s() []uint32 {
	n, isNil := u.n(1)
	if isNil {
		return nil
	}
	v := make([]uint32, n)
	for i := range v {
		v[i] = u.u32()
	}
	return v
}

func (u *unpacker) policy(zero bool) tracing.Policy {
	v := u.u()
	p := tracing.Policy(v)
	if v > math.MaxUint8 || (v != 0 || !zero) && strings.HasPrefix(p.String(), "policy(") {
		u.fail()
	}
	return p
}

func (u *unpacker) kind(zero bool) tracing.Kind {
	v := u.u()
	k := tracing.Kind(v)
	if v > math.MaxUint8 || (v != 0 || !zero) && strings.HasPrefix(k.String(), "kind(") {
		u.fail()
	}
	return k
}

// unpackGraph decodes a packed graph; errPacked for anything packGraph
// does not write.
func unpackGraph(b []byte) (*tracing.Graph, error) {
	rest, ok := strings.CutPrefix(string(b[:min(len(b), len(graphMagic))]), graphMagic)
	if !ok || rest != "" {
		return nil, errPacked
	}
	u := &unpacker{b: b[len(graphMagic):], names: map[string]string{}}
	g := &tracing.Graph{Chain: u.u()}
	if n, isNil := u.n(1); !isNil {
		g.Seeds = make([]string, n)
		for i := range g.Seeds {
			g.Seeds[i] = u.s()
		}
	}
	g.Policy = u.policy(true)
	g.Direction = tracing.Direction(u.name())
	g.Bounds = tracing.Bounds{MaxHops: u.int(), MinValue: u.s(), FromBlock: u.u(), ToBlock: u.u(), FromTime: u.i(), ToTime: u.i(),
		ThroughHubs: u.bool(), HubDegree: u.int()}
	if n, isNil := u.n(common.AddressLength + 5); !isNil {
		g.Nodes = make([]tracing.Node, n)
		for i := range g.Nodes {
			nd := &g.Nodes[i]
			nd.Address, nd.Hop, nd.Taint, nd.Received = u.addr(), u.int(), u.strMap(), u.strMap()
			if m, isNil := u.n(5); !isNil {
				nd.Labels = make([]tracing.Label, m)
				for j := range nd.Labels {
					nd.Labels[j] = tracing.Label{Source: u.name(), Name: u.name(), Category: u.name(), Abuse: u.name(), Hub: u.bool()}
				}
			}
			nd.Stop = u.name()
		}
	}
	if n, isNil := u.n(common.HashLength + 2*common.AddressLength + 12); !isNil {
		g.Edges = make([]tracing.Edge, n)
		for i := range g.Edges {
			e := &g.Edges[i]
			e.Chain, e.TxHash, e.Block, e.Time, e.Kind = u.u(), u.hash(), u.u(), u.i(), u.kind(false)
			e.LogIndex, e.ItemIndex, e.TraceAddress = u.u32p(), u.u32p(), u.u32s()
			e.From, e.To, e.Asset, e.Amount, e.Taint, e.Policy, e.Hop = u.addr(), u.addr(), u.name(), u.s(), u.s(), u.policy(false), u.int()
		}
	}
	if n, isNil := u.n(common.HashLength + 2*common.AddressLength + 10); !isNil {
		g.Exits = make([]tracing.Exit, n)
		for i := range g.Exits {
			g.Exits[i] = tracing.Exit{TxHash: u.hash(), Block: u.u(), Time: u.i(), From: u.addr(), Via: u.addr(), Service: u.name(), Asset: u.name(),
				Amount: u.s(), Taint: u.s(), Memo: u.s(), DestChain: u.name(), DestAddress: u.s()}
		}
	}
	if n, isNil := u.n(2*common.HashLength + 2*common.AddressLength + 15); !isNil {
		g.Alerts = make([]tracing.Alert, n)
		for i := range g.Alerts {
			a := &g.Alerts[i]
			a.Deposit, a.Label, a.TxHash, a.Block, a.Time = u.addr(), u.name(), u.hash(), u.u(), u.i()
			a.Asset, a.Amount, a.Taint, a.Threshold, a.Policy = u.name(), u.s(), u.s(), u.s(), u.policy(true)
			a.Chain, a.BlockHash, a.From, a.Kind = u.u(), u.hash(), u.addr(), u.kind(true)
			a.LogIndex, a.ItemIndex, a.TraceAddress = u.u32p(), u.u32p(), u.u32s()
		}
	}
	if u.err != nil || len(u.b) != 0 {
		return nil, errPacked
	}
	return g, nil
}
