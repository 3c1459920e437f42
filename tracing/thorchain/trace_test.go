package thorchain

import (
	"context"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/screening"
	"github.com/bulwark-sec/bulwark/tracing"
	"github.com/bulwark-sec/bulwark/tracing/labels"
	"github.com/ethereum/go-ethereum/common"
)

// TestTraceExitToWatchList runs the whole path: a trace with labels and
// this detector stops at an exchange (a hub) and at the THORChain router
// (an exit with its memo's destination), and the exit's destination goes
// on a screening list that then flags it.
func TestTraceExitToWatchList(t *testing.T) {
	t.Parallel()
	const dest = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
	seed := common.HexToAddress("0x00000000000000000000000000000000000000a0")
	mule := common.HexToAddress("0x00000000000000000000000000000000000000a2")
	hub := common.HexToAddress("0x00000000000000000000000000000000000000e1")
	beyond := common.HexToAddress("0x00000000000000000000000000000000000000e2")
	eth := tracing.NativeAsset(1)
	at := func(tr tracing.Transfer, block uint64, trace ...uint32) tracing.Transfer {
		tr.Block, tr.TraceAddress = block, trace
		return tr
	}
	transfers := []tracing.Transfer{
		at(transfer(tracing.TopLevelCall, 1, seed, mule, eth, 10), 1, []uint32{}...),
		at(transfer(tracing.TopLevelCall, 2, mule, router, eth, 4), 2, []uint32{}...),
		at(transfer(tracing.InternalCall, 2, router, vault, eth, 4), 2, 0),
		at(transfer(tracing.TopLevelCall, 3, mule, hub, eth, 6), 3, []uint32{}...),
		at(transfer(tracing.TopLevelCall, 4, hub, beyond, eth, 6), 4, []uint32{}...),
	}
	users := labels.NewSet()
	users.Add(hub, tracing.Label{Source: labels.UserSource, Name: "Example Exchange", Category: "exchange", Hub: true})
	d := New(DefaultConstants(), Inputs{{2}: pack(t, "depositWithExpiry", "=:b:"+dest+":0/1/0:t:10")})
	g, err := tracing.Trace(context.Background(), transfers, tracing.Request{Chain: 1, SeedAddresses: []common.Address{seed},
		Policy: tracing.Poison, Labeler: labels.Combine(users), Exits: d})
	if err != nil {
		t.Fatal(err)
	}
	stop := map[common.Address]string{}
	for _, n := range g.Nodes {
		stop[n.Address] = n.Stop
	}
	if stop[router] != tracing.StopExit || stop[hub] != tracing.StopHub {
		t.Errorf("stops %v: want the router an exit and the exchange a hub", stop)
	}
	if _, ok := stop[beyond]; ok {
		t.Error("the trace went through the exchange")
	}
	if _, ok := stop[vault]; ok {
		t.Error("the trace went past the router")
	}
	if len(g.Exits) != 1 {
		t.Fatalf("exits %+v", g.Exits)
	}
	x := g.Exits[0]
	if x.Via != router || x.Service != Service || x.DestChain != "BTC" || x.DestAddress != dest || x.Taint != "4" || x.From != mule {
		t.Errorf("exit %+v", x)
	}
	l, err := labels.ExitList("case-7-exits", g.Exits)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := screening.NewScreener(screening.BuildIndex([]*screening.List{l}, time.Unix(0, 0)), screening.Config{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := sc.ScreenAddresses(screening.UseDeposit, "", []screening.AddressQuery{{Address: dest, Chain: "BTC"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Verdict != bulwark.VerdictBlock {
		t.Errorf("a deposit from the exit's destination: verdict %s, want block", res.Verdict)
	}
}
