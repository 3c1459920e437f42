package tracing

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/bulwark-sec/bulwark"
	"github.com/ethereum/go-ethereum/common"
	"github.com/holiman/uint256"
)

// fuzzTrace decodes a fuzz input into a request and a stream ordered by
// Compare: byte 0 picks the policy; byte 1's bits: backward, through
// hubs, known tokens, deposits, a minimum value of 3, exits, a hub
// degree of 3; byte 2 the
// hop bound (1 to 4). Then records of [flags, kind, from, to, asset, n,
// n amount bytes (big-endian, n ≤ 32)]: flags bit 0 starts a new
// transaction, bit 1 a new block. Addresses: the thief (a seed), alice,
// bob, carol, the zero address, a pool labelled as a hub, WETH and the
// THORChain router; assets ETH, USDT, WETH, a token not known and an
// ERC-1155 id. Kinds and assets that do not fit are made to fit.
func fuzzTrace(data []byte) (Request, []Transfer) {
	req := Request{Chain: 1, Policy: Haircut, SeedAddresses: []common.Address{thief},
		Labeler: labels{pool: {{Source: "user", Name: "pool", Hub: true}}}}
	if len(data) < 3 {
		return req, nil
	}
	req.Policy = Policies()[int(data[0])%len(Policies())]
	opt := data[1]
	if opt&1 != 0 {
		req.Direction = Backward
	}
	req.Bounds.ThroughHubs = opt&2 != 0
	if opt&4 != 0 {
		req.KnownTokens = []common.Address{usdt}
	}
	if opt&8 != 0 {
		req.Deposits = []Deposit{{Address: bob}, {Address: carol, Label: "exchange"}}
		req.Thresholds = map[string]*uint256.Int{"native:1": uint256.NewInt(2)}
	}
	if opt&16 != 0 {
		req.MinValue = uint256.NewInt(3)
	}
	if opt&32 != 0 {
		req.Exits = thorExits{}
	}
	if opt&64 != 0 {
		req.Bounds.HubDegree = 3
	}
	req.Bounds.MaxHops = 1 + int(data[2])%4
	addrs := []common.Address{thief, alice, bob, carol, {}, pool, weth9, thor}
	assets := []Asset{eth, usdtA, wethA, TokenAsset(1, fake), MultiTokenAsset(1, usdt, uint256.NewInt(5))}
	var out []Transfer
	var block uint64
	var txi uint32
	var calls int
	var logs uint32
	for i := 3; i+6 <= len(data) && len(out) < 256; {
		rec := data[i : i+6]
		n := int(rec[5]) % 33
		i += 6
		if i+n > len(data) {
			n = len(data) - i
		}
		if rec[0]&2 != 0 {
			block, txi, calls = block+1, 0, 0
		} else if rec[0]&1 != 0 {
			txi, calls = txi+1, 0
		}
		t := Transfer{Chain: 1, Block: block, TxIndex: txi, Time: int64(block * 12), TxHash: common.BigToHash(uint256.NewInt(block<<16 | uint64(txi)).ToBig()),
			Kind: Kind(1 + int(rec[1])%int(BaseFeeBurn)), From: addrs[int(rec[2])%len(addrs)], To: addrs[int(rec[3])%len(addrs)]}
		t.Amount.SetBytes(data[i : i+n])
		i += n
		switch {
		case t.Kind.native():
			t.Asset = eth
			if t.Kind == TopLevelCall && calls > 0 {
				t.Kind = InternalCall
			}
			if t.Kind == InternalCall || t.Kind == Create || t.Kind == SelfDestruct {
				t.TraceAddress = []uint32{uint32(calls)}
			}
			calls++
		case t.Kind == Wrap || t.Kind == Unwrap:
			t.Asset = wethA
		default:
			t.Asset = assets[1+int(rec[4])%4]
		}
		if t.Kind.fromLog() {
			logs++
			t.LogIndex = logs
		}
		out = append(out, t)
	}
	return req, sorted(out)
}

// checkTrace runs a trace and holds it to its invariants: no error but an
// invalid one (an amount past 2^256), conservation after the traversal
// (Engine.Check), edges in chain order with taint at most their amount,
// every edge's reached address a node within the hop bound, and the same
// JSON twice.
func checkTrace(t *testing.T, req Request, stream []Transfer) {
	t.Helper()
	g, e, err := trace(context.Background(), stream, req)
	if err != nil {
		if !bulwark.IsCode(err, bulwark.EINVALID) {
			t.Fatal(err)
		}
		return
	}
	if err := e.Check(); err != nil {
		t.Fatalf("%s %s: %v", req.Policy, req.Direction, err)
	}
	nodes := map[common.Address]*Node{}
	for i := range g.Nodes {
		n := &g.Nodes[i]
		if n.Hop < 0 || n.Hop > req.Bounds.MaxHops && req.Bounds.MaxHops != 0 {
			t.Fatalf("node %s at hop %d", n.Address.Hex(), n.Hop)
		}
		nodes[n.Address] = n
	}
	for i, ed := range g.Edges {
		var amount, taint uint256.Int
		if amount.SetFromDecimal(ed.Amount) != nil || taint.SetFromDecimal(ed.Taint) != nil || taint.Gt(&amount) || taint.IsZero() {
			t.Fatalf("edge %d: taint %s of %s", i, ed.Taint, ed.Amount)
		}
		reached := ed.To
		if req.Direction == Backward {
			reached = ed.From
		}
		if nodes[reached] == nil {
			t.Fatalf("edge %d reaches %s, not a node", i, reached.Hex())
		}
		if i > 0 && (ed.Block < g.Edges[i-1].Block) {
			t.Fatalf("edge %d out of order", i)
		}
	}
}

// FuzzTrace: any stream and request options, no panic, and the trace's
// invariants (checkTrace).
func FuzzTrace(f *testing.F) {
	f.Add([]byte{1, 0, 3, 0, 1, 0, 1, 0, 1, 5})
	f.Add([]byte{2, 1, 2, 2, 0, 0, 1, 0, 1, 10, 0, 0, 1, 5, 0, 1, 7})
	f.Add([]byte{0, 8, 1, 2, 0, 0, 2, 0, 1, 9, 0, 0, 2, 3, 1, 1, 9})
	f.Fuzz(func(t *testing.T, data []byte) {
		req, stream := fuzzTrace(data)
		checkTrace(t, req, stream)
	})
}

// TestTraceConservation: random streams under every policy, direction and
// option hold the trace's invariants, conservation among them.
func TestTraceConservation(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 300 {
		data := make([]byte, 3+r.IntN(600))
		for i := range data {
			data[i] = byte(r.Uint32())
		}
		// Small amounts, so that holdings mix.
		for i := 3; i+6 <= len(data); i += 6 + int(data[i+5])%33 {
			data[i+5] = byte(r.IntN(3))
		}
		data[0], data[1] = byte(round%6), byte(round/6)
		req, stream := fuzzTrace(data)
		checkTrace(t, req, stream)
	}
}

// TestTracerFeedEqualsTrace: a stream fed to a Tracer block by block (and
// in larger pieces) gives byte for byte the graph Trace gives for the
// whole stream, and the alerts of each feed are the graph's, in order.
func TestTracerFeedEqualsTrace(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(9, 9))
	for round := range 200 {
		data := make([]byte, 3+r.IntN(600))
		for i := range data {
			data[i] = byte(r.Uint32())
		}
		for i := 3; i+6 <= len(data); i += 6 + int(data[i+5])%33 {
			data[i+5] = byte(r.IntN(3))
		}
		data[0], data[1] = byte(round%6), byte(round/6)&^1 // forward
		req, stream := fuzzTrace(data)
		want, err := Trace(context.Background(), stream, req)
		if err != nil {
			continue
		}
		tracer, err := NewTracer(req)
		if err != nil {
			t.Fatal(err)
		}
		var alerts []Alert
		for i := 0; i < len(stream); {
			// A block, or with odds of 1 in 3 each, more whole blocks.
			j := i + 1
			for j < len(stream) && (stream[j].Block == stream[j-1].Block || r.IntN(3) == 0) {
				j++
			}
			got, err := tracer.Feed(context.Background(), stream[i:j])
			if err != nil {
				t.Fatal(err)
			}
			alerts = append(alerts, got...)
			i = j
		}
		g := tracer.Graph()
		j1, _ := json.Marshal(want)
		j2, _ := json.Marshal(g)
		if !bytes.Equal(j1, j2) {
			t.Fatalf("round %d: fed in pieces\n%s\nwhole\n%s", round, j2, j1)
		}
		a1, _ := json.Marshal(want.Alerts)
		a2, _ := json.Marshal(alerts)
		if !bytes.Equal(a1, a2) {
			t.Fatalf("round %d: alerts %s, want %s", round, a2, a1)
		}
		j3, _ := json.Marshal(tracer.Graph())
		if !bytes.Equal(j2, j3) {
			t.Fatalf("round %d: a second Graph differs", round)
		}
	}
	if _, err := NewTracer(Request{Chain: 1, Policy: Haircut, SeedAddresses: []common.Address{thief}, Direction: Backward}); !bulwark.IsCode(err, bulwark.EINVALID) {
		t.Errorf("backward: %v", err)
	}
	var s []Transfer
	newTx(&s, 1, 0).call(thief, alice, 1).call(alice, bob, 1)
	tracer, _ := NewTracer(Request{Chain: 1, Policy: Haircut, SeedAddresses: []common.Address{thief}})
	if _, err := tracer.Feed(context.Background(), s[:1]); err != nil {
		t.Fatal(err)
	}
	if _, err := tracer.Feed(context.Background(), s[1:]); !bulwark.IsCode(err, bulwark.EINVALID) {
		t.Errorf("a transaction split between feeds: %v", err)
	}
}
