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
		"pool": pool, "router": router, "thor": thor, "weth": weth9, "payee": payee, "spoof": spoof, "wallet": wallet, "settlement": settlement} {
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
		{"hubDegree", func(r *Request) { r.Bounds.HubDegree = -1 }},
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

var (
	payee = common.HexToAddress("0xA1b2C3d4E5f60718293a4B5c6D7e8F9012d4e5F6")
	// spoof looks like payee: the same first and last four bytes.
	spoof      = common.HexToAddress("0xA1b2C3d40000000000000000000000000000e5F6")
	fake       = common.HexToAddress("0xdAC17F958D2ee523a2206206994597C13D831ec8") // one bit off USDT
	wallet     = common.HexToAddress("0x0000000000000000000000000000000000000a11")
	attacker   = common.HexToAddress("0x00000000000000000000000000000000000bad00")
	solver     = common.HexToAddress("0x0000000000000000000000000000000000050100")
	settlement = common.HexToAddress("0x9008D19f58AAbD9eD0D60971565AA8510560ab41")
)

// TestTracePoisoning: zero-value transfers are never edges; with known
// tokens given, a transfer of an unknown token out of an address that did
// not send its transaction nor call in it is spoofed; tokens moved by an
// approved spender in the holder's own transaction, known tokens moved in
// someone else's (an intent settlement), and tokens of a contract that
// makes a call in the transaction are kept.
func TestTracePoisoning(t *testing.T) {
	t.Parallel()
	var s []Transfer
	newTx(&s, 1, 0).call(thief, payee, 10)
	// The attacker's transaction: a zero-value USDT transferFrom and a
	// fake token's event, both "from" the thief to a look-alike.
	newTx(&s, 2, 0).tip(attacker, 1).token(usdt, thief, spoof, 0).token(fake, thief, spoof, 10)
	// The thief's own transaction through a router: transferFrom by an
	// approved spender, of a token not on the list.
	newTx(&s, 3, 0).tip(thief, 1).token(fake, thief, pool, 7)
	// A solver's settlement moves the thief's USDT (known) and an unknown
	// token: the first is kept, the second taken as spoofed.
	newTx(&s, 4, 0).tip(solver, 1).token(usdt, thief, settlement, 5).token(router, thief, settlement, 9)
	// A contract wallet that calls in the transaction moves its tokens.
	newTx(&s, 5, 0).tip(alice, 1).call(alice, wallet, 1).call(wallet, bob, 1).token(router, wallet, carol, 3)
	s = sorted(s)
	req := Request{Chain: 1, Policy: Haircut, SeedAddresses: []common.Address{thief, wallet}}
	withList := req
	withList.KnownTokens = []common.Address{usdt}
	g := traceOK(t, s, withList)
	if nodeOf(g, spoof) != nil {
		t.Errorf("the look-alike was reached: %v", edgesOf(g))
	}
	if n := nodeOf(g, payee); n == nil || n.Hop != 1 {
		t.Errorf("payee %+v", n)
	}
	want := []string{"thief>payee:10", "thief>pool:7", "thief>settlement:5", "wallet>bob:1", "wallet>carol:3"}
	got := edgesOf(g)
	if !slices.Equal(got, want) {
		t.Errorf("edges %v, want %v", got, want)
	}
	// Without the list, only the zero-value transfer is noise.
	g = traceOK(t, s, req)
	if n := nodeOf(g, spoof); n == nil || n.Taint[TokenAsset(1, fake).String()] != "10" {
		t.Errorf("without known tokens, the look-alike should get the fake token's event: %+v", n)
	}
	for _, e := range g.Edges {
		if e.Amount == "0" {
			t.Errorf("a zero-value edge: %+v", e)
		}
	}
}

type thorExits struct{}

func (thorExits) Exit(t *Transfer) (Exit, bool) {
	if t.To != thor {
		return Exit{}, false
	}
	return Exit{Service: "THORChain", Memo: "SWAP:BTC.BTC:bc1qxyz", DestChain: "BTC", DestAddress: "bc1qxyz"}, true
}

func TestTraceExit(t *testing.T) {
	t.Parallel()
	var s []Transfer
	newTx(&s, 1, 0).call(thief, alice, 10)
	newTx(&s, 2, 0).call(alice, thor, 6)
	newTx(&s, 3, 0).call(thor, dave, 6)
	for _, p := range Policies() {
		g := traceOK(t, s, Request{Chain: 1, Policy: p, SeedAddresses: []common.Address{thief}, Exits: thorExits{}})
		if len(g.Exits) != 1 {
			t.Fatalf("%s: exits %+v", p, g.Exits)
		}
		x := g.Exits[0]
		if x.From != alice || x.Via != thor || x.Service != "THORChain" || x.Taint != "6" || x.Amount != "6" || x.Block != 2 || x.DestAddress != "bc1qxyz" || x.Asset != "native:1" {
			t.Errorf("%s: exit %+v", p, x)
		}
		if got, want := reach(g), []string{"thief:0", "alice:1", "thor:2:exit"}; !slices.Equal(got, want) {
			t.Errorf("%s: nodes %v, want %v", p, got, want)
		}
	}
}

func TestTraceAlerts(t *testing.T) {
	t.Parallel()
	var s []Transfer
	newTx(&s, 1, 0).call(thief, bob, 4)
	newTx(&s, 2, 0).call(thief, bob, 6)
	newTx(&s, 3, 0).token(usdt, thief, carol, 50)
	newTx(&s, 4, 0).token(usdt, thief, carol, 150)
	newTx(&s, 5, 0).call(thief, dave, 1)
	deposits := []Deposit{{Address: bob, Label: "Binance deposit"}, {Address: carol}}
	alertsOf := func(g *Graph) []string {
		var out []string
		for _, a := range g.Alerts {
			out = append(out, name(a.Deposit)+"@"+big.NewInt(int64(a.Block)).String()+":"+a.Taint+"≥"+a.Threshold)
		}
		return out
	}
	cases := []struct {
		name       string
		thresholds map[string]*uint256.Int
		want       []string
	}{
		{"per asset and default", map[string]*uint256.Int{"native:1": uint256.NewInt(5), "": uint256.NewInt(100)}, []string{"bob@2:6≥5", "carol@4:150≥100"}},
		{"default only", map[string]*uint256.Int{"": uint256.NewInt(50)}, []string{"carol@3:50≥50", "carol@4:150≥50"}},
		{"none: any taint", nil, []string{"bob@1:4≥0", "bob@2:6≥0", "carol@3:50≥0", "carol@4:150≥0"}},
	}
	for _, c := range cases {
		g := traceOK(t, s, Request{Chain: 1, Policy: FIFO, SeedAddresses: []common.Address{thief}, Deposits: deposits, Thresholds: c.thresholds})
		if got := alertsOf(g); !slices.Equal(got, c.want) {
			t.Errorf("%s: alerts %v, want %v", c.name, got, c.want)
		}
		if len(g.Alerts) > 0 && g.Alerts[0].Policy != FIFO {
			t.Errorf("%s: %+v", c.name, g.Alerts[0])
		}
	}
	// A deposit's own threshold wins over the request's.
	own := []Deposit{{Address: bob, Label: "Binance deposit", Thresholds: map[string]*uint256.Int{AnyAsset: uint256.NewInt(5)}}, {Address: carol}}
	g := traceOK(t, s, Request{Chain: 1, Policy: FIFO, SeedAddresses: []common.Address{thief}, Deposits: own, Thresholds: map[string]*uint256.Int{"": uint256.NewInt(100)}})
	if got, want := alertsOf(g), []string{"bob@2:6≥5", "carol@4:150≥100"}; !slices.Equal(got, want) {
		t.Errorf("deposit's own threshold: alerts %v, want %v", got, want)
	}
	g = traceOK(t, s, Request{Chain: 1, Policy: FIFO, SeedAddresses: []common.Address{thief}, Deposits: deposits})
	if a := g.Alerts[0]; a.Label != "Binance deposit" || a.Asset != "native:1" || a.Amount != "4" || a.TxHash != s[0].TxHash {
		t.Errorf("alert %+v", a)
	}
}

// TestTraceBackward: where did the value that reached the thief come
// from. Haircut attributes alice's 5 to the thief to her earlier inflows
// in proportion, read latest first; dirty-first to the most recent.
func TestTraceBackward(t *testing.T) {
	t.Parallel()
	var s []Transfer
	newTx(&s, 1, 0).call(carol, alice, 7)
	newTx(&s, 2, 0).call(bob, alice, 3)
	newTx(&s, 3, 0).tip(alice, 1).call(alice, thief, 5)
	newTx(&s, 4, 0).call(alice, dave, 5)
	newTx(&s, 5, 0).call(thief, dave, 5)
	s = sorted(s)
	cases := []struct {
		p     Policy
		edges []string
	}{
		// Mirrored, alice holds the 5 from the thief (tainted) and the 5
		// to dave, latest first: bob's 3 takes floor(3×5/10) = 1, carol's
		// 7 the remaining 4.
		{Haircut, []string{"carol>alice:4", "bob>alice:1", "alice>thief:5"}},
		{DirtyFirst, []string{"carol>alice:2", "bob>alice:3", "alice>thief:5"}},
		{Poison, []string{"carol>alice:7", "bob>alice:3", "alice>thief:5"}},
	}
	for _, c := range cases {
		g := traceOK(t, s, Request{Chain: 1, Policy: c.p, SeedAddresses: []common.Address{thief}, Direction: Backward})
		if got := edgesOf(g); !slices.Equal(got, c.edges) {
			t.Errorf("%s: edges %v, want %v", c.p, got, c.edges)
		}
		if got, want := reach(g), []string{"thief:0", "alice:1", "bob:2", "carol:2"}; !slices.Equal(got, want) {
			t.Errorf("%s: nodes %v, want %v", c.p, got, want)
		}
		if g.Direction != Backward || g.Edges[0].Hop != 2 || g.Edges[2].Hop != 1 {
			t.Errorf("%s: %+v", c.p, g.Edges)
		}
	}
	for _, p := range Policies() {
		traceOK(t, s, Request{Chain: 1, Policy: p, SeedAddresses: []common.Address{thief}, Direction: Backward, Bounds: Bounds{MaxHops: 1}})
	}
}

// TestTraceBackwardSwap: backward through a swap: the USDT that reached
// the thief came from ETH alice swapped.
func TestTraceBackwardSwap(t *testing.T) {
	t.Parallel()
	var s []Transfer
	newTx(&s, 1, 0).call(bob, alice, 10)
	newTx(&s, 2, 0).call(alice, pool, 10).token(usdt, pool, alice, 30)
	newTx(&s, 3, 0).token(usdt, alice, thief, 30)
	s = sorted(s)
	g := traceOK(t, s, Request{Chain: 1, Policy: Haircut, SeedAddresses: []common.Address{thief}, Direction: Backward})
	if got, want := edgesOf(g), []string{"bob>alice:10", "alice>pool:10", "pool>alice:30", "alice>thief:30"}; !slices.Equal(got, want) {
		t.Errorf("edges %v, want %v", got, want)
	}
}

// TestTraceSwapFunding: what the transaction's sender pays a contract is
// not a swap's output, what the contract pays the sender not its input:
// a searcher funding its bot in the bot's swap is not reached, and the
// bot's payout to it carries taint as any transfer does.
func TestTraceSwapFunding(t *testing.T) {
	t.Parallel()
	bot := alice
	var s []Transfer
	newTx(&s, 1, 0).token(weth9, thief, bot, 10)
	newTx(&s, 2, 0).tip(carol, 1).call(carol, bot, 3).token(weth9, bot, pool, 10).token(usdt, pool, bot, 40)
	newTx(&s, 3, 0).tip(carol, 1).call(carol, bot, 0).token(usdt, bot, pool, 40).token(weth9, pool, bot, 12).token(weth9, bot, carol, 2)
	s = sorted(s)
	g := traceOK(t, s, Request{Chain: 1, Policy: Haircut, SeedAddresses: []common.Address{thief}})
	want := []string{"thief>alice:10", "alice>pool:10", "pool>alice:40", "alice>pool:40", "pool>alice:12", "alice>carol:2"}
	if got := edgesOf(g); !slices.Equal(got, want) {
		t.Errorf("edges %v, want %v", got, want)
	}
	if n := nodeOf(g, carol); n == nil || n.Hop != 2 || n.Stop != "" {
		t.Errorf("carol %+v", n)
	}
}

// TestTraceSwapBeneficiary: a contract wallet swaps tainted ETH and the
// USDT goes to the transaction's sender, the swap's beneficiary.
func TestTraceSwapBeneficiary(t *testing.T) {
	t.Parallel()
	var s []Transfer
	newTx(&s, 1, 0).call(thief, wallet, 10)
	newTx(&s, 2, 0).tip(carol, 1).call(wallet, pool, 10).token(usdt, pool, carol, 30)
	s = sorted(s)
	for _, p := range Policies() {
		g := traceOK(t, s, Request{Chain: 1, Policy: p, SeedAddresses: []common.Address{thief}})
		if got, want := edgesOf(g), []string{"thief>wallet:10", "wallet>pool:10", "pool>carol:30"}; !slices.Equal(got, want) {
			t.Errorf("%s: edges %v, want %v", p, got, want)
		}
		if n := nodeOf(g, carol); n == nil || n.Hop != 2 || n.Taint[usdtA.String()] != "30" {
			t.Errorf("%s: carol %+v", p, n)
		}
	}
}

// TestTraceHubDegree: an address with at least Bounds.HubDegree distinct
// counterparties is a hub.
func TestTraceHubDegree(t *testing.T) {
	t.Parallel()
	var s []Transfer
	newTx(&s, 1, 0).call(thief, alice, 10)
	newTx(&s, 2, 0).call(alice, bob, 4)
	newTx(&s, 3, 0).call(carol, alice, 4)
	newTx(&s, 4, 0).call(alice, carol, 1)
	newTx(&s, 5, 0).call(alice, dave, 4)
	for _, c := range []struct {
		degree int
		nodes  []string
	}{
		{4, []string{"thief:0", "alice:1:hub"}},
		{5, []string{"thief:0", "alice:1", "bob:2", "dave:2", "carol:2"}},
	} {
		g := traceOK(t, s, Request{Chain: 1, Policy: DirtyFirst, SeedAddresses: []common.Address{thief}, Bounds: Bounds{HubDegree: c.degree}})
		if got := reach(g); !slices.Equal(got, c.nodes) {
			t.Errorf("degree %d: nodes %v, want %v", c.degree, got, c.nodes)
		}
		if n := nodeOf(g, alice); c.degree == 4 && (len(n.Labels) != 1 || n.Labels[0] != (Label{Source: "degree", Name: "4 counterparties", Hub: true})) {
			t.Errorf("alice's labels %+v", n.Labels)
		}
	}
}

// TestTraceERC1155: the items of an ERC-1155 batch event are transfers of
// their own (one asset per contract and id) at one log index, each edge
// placed by its item index; a zero-value item is noise and a spoofed
// batch of a token not known is left out, as for ERC-20.
func TestTraceERC1155(t *testing.T) {
	t.Parallel()
	multi := func(id uint64) Asset { return MultiTokenAsset(1, fake, uint256.NewInt(id)) }
	var s []Transfer
	batch := func(b *txb, from, to common.Address, items ...[2]uint64) *txb {
		b.logs++
		for i, it := range items {
			b.add(Transfer{Kind: TokenTransfer, LogIndex: b.logs, ItemIndex: uint32(i), From: from, To: to, Asset: multi(it[0]), Amount: *uint256.NewInt(it[1])})
		}
		return b
	}
	batch(newTx(&s, 1, 0).tip(thief, 1), thief, bob, [2]uint64{7, 30}, [2]uint64{8, 0}, [2]uint64{8, 5})
	newTx(&s, 2, 0).tip(bob, 1).event(TokenTransfer, multi(7), bob, carol, 10)
	// An attacker's batch "from" the thief to a look-alike.
	batch(newTx(&s, 3, 0).tip(attacker, 1), thief, spoof, [2]uint64{7, 1})
	s = sorted(s)
	req := Request{Chain: 1, Policy: Haircut, SeedAddresses: []common.Address{thief}}
	g := traceOK(t, s, req)
	if n := nodeOf(g, spoof); n == nil {
		t.Errorf("without known tokens, the look-alike should be reached: %v", edgesOf(g))
	}
	req.KnownTokens = []common.Address{usdt}
	g = traceOK(t, s, req)
	want := []string{"thief>bob:30", "thief>bob:5", "bob>carol:10"}
	if got := edgesOf(g); !slices.Equal(got, want) {
		t.Fatalf("edges %v, want %v", got, want)
	}
	type pos struct{ log, item uint32 }
	wantPos := []pos{{1, 0}, {1, 2}, {1, 0}}
	for i, e := range g.Edges {
		if e.LogIndex == nil || e.ItemIndex == nil || (pos{*e.LogIndex, *e.ItemIndex}) != wantPos[i] {
			t.Errorf("edge %d: log %v item %v, want %+v", i, e.LogIndex, e.ItemIndex, wantPos[i])
		}
	}
	if n := nodeOf(g, bob); n == nil || n.Taint[multi(7).String()] != "20" || n.Taint[multi(8).String()] != "5" {
		t.Errorf("bob %+v", n)
	}
	j, _ := json.Marshal(g.Edges[1])
	if !bytes.Contains(j, []byte(`"logIndex":1,"itemIndex":2`)) {
		t.Errorf("edge JSON %s lacks its log and item index", j)
	}
	// An ERC-20 edge has no item index.
	var s2 []Transfer
	newTx(&s2, 1, 0).tip(thief, 1).token(usdt, thief, bob, 3)
	if g := traceOK(t, s2, Request{Chain: 1, Policy: Haircut, SeedAddresses: []common.Address{thief}}); len(g.Edges) != 1 || g.Edges[0].ItemIndex != nil {
		t.Errorf("erc20 edges %+v", g.Edges)
	}
	li, item := uint32(4), uint32(2)
	if p := (&Alert{LogIndex: &li, ItemIndex: &item}).Position(); p != "log:4.2" {
		t.Errorf("position %q, want log:4.2", p)
	}
	if p := (&Alert{LogIndex: &li}).Position(); p != "log:4" {
		t.Errorf("position %q, want log:4", p)
	}
}
