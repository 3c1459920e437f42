package tracing

import (
	"bytes"
	"context"
	"encoding/json"
	"math/big"
	"slices"
	"testing"

	"github.com/bulwark-sec/bulwark"
	"github.com/ethereum/go-ethereum/common"
	"github.com/holiman/uint256"
)

var (
	pool   = common.HexToAddress("0x00000000000000000000000000000000000900c1")
	router = common.HexToAddress("0x0000000000000000000000000000000000007007")
	thor   = common.HexToAddress("0xD37BbE5744D730a1d98d8DC97c42F0Ca46aD7146")
	weth9  = DefaultWrappedNatives()[1]
	wethA  = TokenAsset(1, weth9)
	usdtA  = TokenAsset(1, usdt)
)

// txb builds the transfers of one transaction: calls get trace addresses
// in the order made ([] for the first, then [0], [1], …), events log
// indices.
type txb struct {
	block uint64
	idx   uint32
	hash  common.Hash
	calls int
	logs  uint32
	out   *[]Transfer
}

func newTx(out *[]Transfer, block uint64, idx uint32) *txb {
	return &txb{block: block, idx: idx, hash: common.BigToHash(new(big.Int).SetUint64(block<<16 | uint64(idx) + 1)), out: out}
}

func (b *txb) add(t Transfer) *txb {
	t.Chain, t.Block, t.TxIndex, t.TxHash, t.Time = 1, b.block, b.idx, b.hash, int64(1_700_000_000+b.block*12)
	*b.out = append(*b.out, t)
	return b
}

// call is a call with value: the transaction's own first, internal ones
// after.
func (b *txb) call(from, to common.Address, amount uint64) *txb {
	t := Transfer{Kind: TopLevelCall, From: from, To: to, Asset: eth, Amount: *uint256.NewInt(amount)}
	if b.calls > 0 {
		t.Kind, t.TraceAddress = InternalCall, []uint32{uint32(b.calls - 1)}
	}
	b.calls++
	return b.add(t)
}

func (b *txb) event(k Kind, a Asset, from, to common.Address, amount uint64) *txb {
	b.logs++
	return b.add(Transfer{Kind: k, LogIndex: b.logs, From: from, To: to, Asset: a, Amount: *uint256.NewInt(amount)})
}

func (b *txb) token(c common.Address, from, to common.Address, amount uint64) *txb {
	return b.event(TokenTransfer, TokenAsset(1, c), from, to, amount)
}

func (b *txb) tip(from common.Address, amount uint64) *txb {
	return b.add(Transfer{Kind: GasTip, From: from, To: common.HexToAddress("0x95222290dd7278aa3ddd389cc1e1d165cc4bafe5"), Asset: eth, Amount: *uint256.NewInt(amount)})
}

func sorted(ts []Transfer) []Transfer {
	slices.SortStableFunc(ts, func(a, b Transfer) int { return Compare(&a, &b) })
	return ts
}

// traceOK runs the trace, checks the engine's invariants after it and
// that a second run writes the same JSON.
func traceOK(t *testing.T, ts []Transfer, req Request) *Graph {
	t.Helper()
	g, e, err := trace(context.Background(), ts, req)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Check(); err != nil {
		t.Fatalf("after the trace: %v", err)
	}
	g2, err := Trace(context.Background(), ts, req)
	if err != nil {
		t.Fatal(err)
	}
	j1, _ := json.Marshal(g)
	j2, _ := json.Marshal(g2)
	if !bytes.Equal(j1, j2) {
		t.Fatalf("two runs differ:\n%s\n%s", j1, j2)
	}
	return g
}

func nodeOf(g *Graph, a common.Address) *Node {
	for i := range g.Nodes {
		if g.Nodes[i].Address == a {
			return &g.Nodes[i]
		}
	}
	return nil
}

// reach renders the nodes as "address-name:hop[:stop]" for comparison.
func reach(g *Graph) []string {
	var out []string
	for _, n := range g.Nodes {
		s := name(n.Address) + ":" + big.NewInt(int64(n.Hop)).String()
		if n.Stop != "" {
			s += ":" + n.Stop
		}
		out = append(out, s)
	}
	return out
}

func name(a common.Address) string {
	for n, x := range map[string]common.Address{"thief": thief, "alice": alice, "bob": bob, "carol": carol, "dave": dave,
		"pool": pool, "router": router, "thor": thor, "weth": weth9} {
		if x == a {
			return n
		}
	}
	return a.Hex()[:10]
}

// edgesOf renders the edges as "from>to:taint".
func edgesOf(g *Graph) []string {
	var out []string
	for _, e := range g.Edges {
		out = append(out, name(e.From)+">"+name(e.To)+":"+e.Taint)
	}
	return out
}

type labels map[common.Address][]Label

func (l labels) Labels(a common.Address) []Label { return l[a] }

func TestTraceForward(t *testing.T) {
	t.Parallel()
	var chain []Transfer
	newTx(&chain, 1, 0).call(thief, alice, 10)
	newTx(&chain, 2, 0).call(alice, bob, 10)
	newTx(&chain, 3, 0).call(bob, carol, 10)
	newTx(&chain, 4, 0).call(carol, dave, 10)
	var split []Transfer
	newTx(&split, 1, 0).call(thief, alice, 10)
	newTx(&split, 1, 1).call(thief, bob, 1)
	newTx(&split, 2, 0).call(alice, carol, 10)
	newTx(&split, 3, 0).call(bob, dave, 1)
	hub := labels{bob: {{Source: "tagpack:exchanges.yaml", Name: "Binance", Category: "exchange", Hub: true}}}
	cases := []struct {
		name   string
		stream []Transfer
		req    Request
		nodes  []string
		edges  []string
	}{
		{"hops default", chain, Request{}, []string{"thief:0", "alice:1", "bob:2", "carol:3", "dave:4"},
			[]string{"thief>alice:10", "alice>bob:10", "bob>carol:10", "carol>dave:10"}},
		{"max hops stop", chain, Request{Bounds: Bounds{MaxHops: 2}}, []string{"thief:0", "alice:1", "bob:2:max-hops"},
			[]string{"thief>alice:10", "alice>bob:10"}},
		{"min value", split, Request{MinValue: uint256.NewInt(5)}, []string{"thief:0", "alice:1", "carol:2"},
			[]string{"thief>alice:10", "alice>carol:10"}},
		{"min value as text", split, Request{Bounds: Bounds{MinValue: "2"}}, []string{"thief:0", "alice:1", "carol:2"},
			[]string{"thief>alice:10", "alice>carol:10"}},
		{"block window", chain, Request{Bounds: Bounds{FromBlock: 2, ToBlock: 3}}, []string{"thief:0"}, nil},
		{"block window seed alice", chain, Request{SeedAddresses: []common.Address{alice}, Bounds: Bounds{FromBlock: 2, ToBlock: 3}},
			[]string{"alice:0", "bob:1", "carol:2"}, []string{"alice>bob:10", "bob>carol:10"}},
		{"time window", chain, Request{SeedAddresses: []common.Address{alice}, Bounds: Bounds{ToTime: 1_700_000_000 + 3*12}},
			[]string{"alice:0", "bob:1", "carol:2"}, []string{"alice>bob:10", "bob>carol:10"}},
		{"hub stop", split, Request{Labeler: hub}, []string{"thief:0", "bob:1:hub", "alice:1", "carol:2"},
			[]string{"thief>alice:10", "thief>bob:1", "alice>carol:10"}},
		{"through hubs", split, Request{Labeler: hub, Bounds: Bounds{ThroughHubs: true}}, []string{"thief:0", "bob:1", "alice:1", "dave:2", "carol:2"},
			[]string{"thief>alice:10", "thief>bob:1", "alice>carol:10", "bob>dave:1"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			for _, p := range Policies() {
				req := c.req
				req.Chain, req.Policy = 1, p
				if req.SeedAddresses == nil {
					req.SeedAddresses = []common.Address{thief}
				}
				g := traceOK(t, c.stream, req)
				if got := reach(g); !slices.Equal(got, c.nodes) {
					t.Errorf("%s: nodes %v, want %v", p, got, c.nodes)
				}
				if got := edgesOf(g); !slices.Equal(got, c.edges) {
					t.Errorf("%s: edges %v, want %v", p, got, c.edges)
				}
			}
		})
	}
}

// TestTraceStopHoldsTaint: taint arriving at a stop point stays there,
// whatever the address sends on, under every policy.
func TestTraceStopHoldsTaint(t *testing.T) {
	t.Parallel()
	var s []Transfer
	newTx(&s, 1, 0).call(thief, bob, 10)
	newTx(&s, 2, 0).call(carol, bob, 90)
	newTx(&s, 3, 0).call(bob, dave, 100)
	hub := labels{bob: {{Source: "user", Name: "exchange", Hub: true}}}
	for _, p := range Policies() {
		g := traceOK(t, s, Request{Chain: 1, Policy: p, SeedAddresses: []common.Address{thief}, Labeler: hub})
		n := nodeOf(g, bob)
		if n == nil || n.Stop != StopHub || n.Taint["native:1"] != "10" || n.Received["native:1"] != "10" {
			t.Errorf("%s: bob %+v, want a hub stop holding 10 tainted", p, n)
		}
		if nodeOf(g, dave) != nil {
			t.Errorf("%s: dave reached through a hub", p)
		}
	}
}

func TestTraceSeedTransaction(t *testing.T) {
	t.Parallel()
	var s []Transfer
	theft := newTx(&s, 1, 0).tip(carol, 1).call(carol, alice, 10)
	newTx(&s, 2, 0).call(alice, bob, 4)
	newTx(&s, 3, 0).call(carol, dave, 4)
	g := traceOK(t, s, Request{Chain: 1, Policy: Haircut, SeedTxs: []common.Hash{theft.hash}})
	if got, want := reach(g), []string{"carol:0", "alice:1", "bob:2"}; !slices.Equal(got, want) {
		t.Errorf("nodes %v, want %v", got, want)
	}
	if got, want := edgesOf(g), []string{"carol>alice:10", "alice>bob:4"}; !slices.Equal(got, want) {
		t.Errorf("edges %v, want %v", got, want)
	}
	if g.Seeds[0] != theft.hash.Hex() {
		t.Errorf("seeds %v", g.Seeds)
	}
}

func TestTraceRequestInvalid(t *testing.T) {
	t.Parallel()
	ok := Request{Chain: 1, Policy: Haircut, SeedAddresses: []common.Address{thief}}
	cases := []struct {
		field string
		edit  func(r *Request)
	}{
		{"chain", func(r *Request) { r.Chain = 0 }},
		{"seeds", func(r *Request) { r.SeedAddresses = nil }},
		{"seeds", func(r *Request) { r.SeedAddresses = []common.Address{{}} }},
		{"seeds", func(r *Request) { r.SeedTxs = []common.Hash{{}} }},
		{"policy", func(r *Request) { r.Policy = 0 }},
		{"direction", func(r *Request) { r.Direction = "sideways" }},
		{"maxHops", func(r *Request) { r.Bounds.MaxHops = -1 }},
		{"maxHops", func(r *Request) { r.Bounds.MaxHops = MaxMaxHops + 1 }},
		{"minValue", func(r *Request) { r.Bounds.MinValue = "-1" }},
		{"minValue", func(r *Request) { r.Bounds.MinValue = "1.5" }},
		{"minValue", func(r *Request) { r.Bounds.MinValue = "1"; r.MinValue = uint256.NewInt(2) }},
		{"toBlock", func(r *Request) { r.Bounds.FromBlock, r.Bounds.ToBlock = 5, 4 }},
		{"toTime", func(r *Request) { r.Bounds.FromTime, r.Bounds.ToTime = 5, 4 }},
		{"fromTime", func(r *Request) { r.Bounds.FromTime = -4 }},
		{"deposits", func(r *Request) { r.Deposits = []Deposit{{Address: bob}, {Address: bob}} }},
		{"deposits", func(r *Request) { r.Deposits = []Deposit{{}} }},
		{"thresholds", func(r *Request) { r.Thresholds = map[string]*uint256.Int{"eth": uint256.NewInt(1)} }},
		{"thresholds", func(r *Request) { r.Thresholds = map[string]*uint256.Int{"": nil} }},
	}
	for _, c := range cases {
		r := ok
		c.edit(&r)
		_, err := Trace(context.Background(), nil, r)
		var be *bulwark.Error
		if !bulwark.IsCode(err, bulwark.EINVALID) || !asErr(err, &be) || be.Field != c.field {
			t.Errorf("%s: %v, want an invalid error naming %s", c.field, err, c.field)
		}
	}
	if _, err := Trace(context.Background(), nil, ok); err != nil {
		t.Errorf("a valid request: %v", err)
	}
	// Out of order, another chain.
	var s []Transfer
	newTx(&s, 2, 0).call(thief, alice, 1)
	newTx(&s, 1, 0).call(thief, alice, 1)
	if _, err := Trace(context.Background(), s, ok); !bulwark.IsCode(err, bulwark.EINVALID) {
		t.Errorf("out of order: %v", err)
	}
	s = s[:1]
	s[0].Chain, s[0].Asset.Chain = 10, 10
	if _, err := Trace(context.Background(), s, ok); !bulwark.IsCode(err, bulwark.EINVALID) {
		t.Errorf("another chain: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	big := make([]Transfer, 0, 1<<17)
	for i := range 1 << 17 {
		newTx(&big, uint64(i), 0).call(thief, alice, 1)
	}
	if _, err := Trace(ctx, big, ok); err != context.Canceled {
		t.Errorf("cancelled: %v", err)
	}
}

func asErr(err error, be **bulwark.Error) bool {
	e, ok := err.(*bulwark.Error)
	*be = e
	return ok
}

// TestTraceSwap: tainted ETH into a pool, USDT back in the same
// transaction: the taint goes on in USDT in proportion, and stops at the
// pool.
func TestTraceSwap(t *testing.T) {
	t.Parallel()
	var s []Transfer
	newTx(&s, 1, 0).call(thief, alice, 10)
	newTx(&s, 2, 0).call(bob, alice, 10)
	// alice swaps 20 ETH (10 tainted under haircut) for 30 USDT.
	newTx(&s, 3, 0).call(alice, router, 20).call(router, pool, 20).token(usdt, pool, alice, 30)
	newTx(&s, 4, 0).token(usdt, alice, carol, 30)
	newTx(&s, 5, 0).call(pool, dave, 20)
	s = sorted(s)
	g := traceOK(t, s, Request{Chain: 1, Policy: Haircut, SeedAddresses: []common.Address{thief}})
	if got, want := edgesOf(g), []string{"thief>alice:10", "alice>router:10", "pool>alice:15", "alice>carol:15"}; !slices.Equal(got, want) {
		t.Errorf("edges %v, want %v", got, want)
	}
	if got, want := reach(g), []string{"thief:0", "alice:1", "router:2:swap", "pool:2:swap", "carol:2"}; !slices.Equal(got, want) {
		t.Errorf("nodes %v, want %v", got, want)
	}
	if n := nodeOf(g, carol); n.Taint[usdtA.String()] != "15" {
		t.Errorf("carol %+v", n)
	}
	for _, p := range Policies() {
		traceOK(t, s, Request{Chain: 1, Policy: p, SeedAddresses: []common.Address{thief}})
	}
}

// TestTraceWrap: taint on ETH wrapped goes on to the WETH minted, and on
// WETH unwrapped to the ETH paid out.
func TestTraceWrap(t *testing.T) {
	t.Parallel()
	var s []Transfer
	newTx(&s, 1, 0).call(thief, alice, 10)
	newTx(&s, 2, 0).call(alice, weth9, 10).event(Wrap, wethA, weth9, alice, 10)
	newTx(&s, 3, 0).token(weth9, alice, bob, 10)
	newTx(&s, 4, 0).call(bob, weth9, 0).call(weth9, bob, 10).event(Unwrap, wethA, bob, weth9, 10)
	newTx(&s, 5, 0).call(bob, carol, 10)
	s = sorted(s)
	for _, p := range Policies() {
		g := traceOK(t, s, Request{Chain: 1, Policy: p, SeedAddresses: []common.Address{thief}})
		if got, want := edgesOf(g), []string{"thief>alice:10", "alice>weth:10", "weth>alice:10", "alice>bob:10", "weth>bob:10", "bob>weth:10", "bob>carol:10"}; !slices.Equal(got, want) {
			t.Errorf("%s: edges %v, want %v", p, got, want)
		}
		if n := nodeOf(g, carol); n == nil || n.Taint["native:1"] != "10" {
			t.Errorf("%s: carol %+v", p, n)
		}
	}
}
