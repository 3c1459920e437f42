package tracee2e

import (
	"context"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/holiman/uint256"

	"github.com/bulwark-sec/bulwark/ethrpc"
	"github.com/bulwark-sec/bulwark/internal/anviltest"
	"github.com/bulwark-sec/bulwark/internal/safetest"
	"github.com/bulwark-sec/bulwark/sqlite"
	"github.com/bulwark-sec/bulwark/sqlite/sqlitetest"
	"github.com/bulwark-sec/bulwark/tracing"
)

// multiHeist is a theft of ERC-1155 tokens on Anvil: the victim holds
// ids 1, 2 and 3 (minted in one batch) and the exploiter a few clean id
// 3 of its own; the exploiter takes the victim's ids 1 and 2 in one
// safeBatchTransferFrom (the seed), splits them between two tranches
// (a safeTransferFrom, and a batch that also passes on its clean id 3),
// and the tranches deposit at two exchange deposit addresses (a single,
// and a batch); someone else sends a zero-value "transfer" from a tranche
// to a look-alike.
type multiHeist struct {
	chain              *safetest.Chain
	chainID            uint64
	start, end         uint64
	token              common.Address
	victim, exploit    common.Address
	trancheA, trancheB common.Address
	alice, bob         common.Address // deposit addresses
	spoofTo            common.Address
	theft              common.Hash
	aliceTx, bobTx     *ethrpc.Receipt
	touched            []common.Address
}

var ids = []*big.Int{big.NewInt(1), big.NewInt(2), big.NewInt(3)}

func multiScript(t *testing.T) *multiHeist {
	t.Helper()
	c := safetest.StartChain(t, anviltest.Silent())
	accts := anviltest.DefaultAccounts()
	art := safetest.TestContract(safetest.ERC1155Name)
	h := &multiHeist{chain: c, chainID: c.ChainID.Uint64(), victim: accts[1], exploit: addr("1155 exploiter"),
		trancheA: addr("1155 tranche A"), trancheB: addr("1155 tranche B"), alice: addr("1155 deposit alice"), bob: addr("1155 deposit bob")}
	h.token = c.DeployArtifact(t, art)
	for _, a := range []common.Address{h.victim, h.exploit, h.trancheA, h.trancheB} {
		c.Impersonate(t, a)
	}
	c.FundETH(t, h.exploit, eth(1))
	c.FundETH(t, h.trancheA, eth(1))
	c.FundETH(t, h.trancheB, eth(1))
	send := func(from common.Address, method string, args ...any) *ethrpc.Receipt {
		t.Helper()
		data, err := art.Pack(method, args...)
		if err != nil {
			t.Fatal(err)
		}
		return c.MustSend(t, ethrpc.CallMsg{From: from, To: &h.token, Data: data, Gas: 300_000})
	}
	// Before the range traced: the victim's holding exists already.
	send(accts[0], "mintBatch", h.victim, ids, []*big.Int{big.NewInt(100), big.NewInt(50), big.NewInt(7)})
	h.start = c.BlockNumber(t)
	// In range: the exploiter's own clean id 3 (a mint), the theft, the
	// split, the deposits, the noise.
	send(accts[0], "mint", h.exploit, ids[2], big.NewInt(5))
	h.theft = send(h.victim, "safeBatchTransferFrom", h.victim, h.exploit, ids[:2], []*big.Int{big.NewInt(100), big.NewInt(50)}, []byte{}).TxHash
	send(h.exploit, "safeTransferFrom", h.exploit, h.trancheA, ids[0], big.NewInt(60), []byte{})
	send(h.exploit, "safeBatchTransferFrom", h.exploit, h.trancheB, ids, []*big.Int{big.NewInt(40), big.NewInt(50), big.NewInt(5)}, []byte{})
	h.aliceTx = send(h.trancheA, "safeTransferFrom", h.trancheA, h.alice, ids[0], big.NewInt(60), []byte{})
	h.bobTx = send(h.trancheB, "safeBatchTransferFrom", h.trancheB, h.bob, ids[1:], []*big.Int{big.NewInt(50), big.NewInt(5)}, []byte{})
	h.spoofTo = common.BytesToAddress(append(append([]byte{}, h.trancheA[:4]...), make([]byte, 16)...))
	copy(h.spoofTo[16:], h.trancheA[16:])
	send(accts[5], "safeTransferFrom", h.trancheA, h.spoofTo, ids[0], big.NewInt(0), []byte{})
	h.end = c.BlockNumber(t)
	h.touched = []common.Address{accts[0], accts[5], h.victim, h.exploit, h.trancheA, h.trancheB, h.alice, h.bob, h.spoofTo, {}}
	return h
}

func (h *multiHeist) ingest(t *testing.T) []tracing.Transfer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	st := sqlitetest.Open(t, sqlite.Options{})
	src := &ethrpc.TraceSource{Client: h.chain.RPC, Chain: h.chainID}
	if _, err := (&tracing.Ingester{Store: st, Source: src, Chain: h.chainID, Start: h.start + 1}).Run(ctx, h.end); err != nil {
		t.Fatal(err)
	}
	if n := src.Skipped.Load(); n != 0 {
		t.Errorf("%d ERC-1155 events skipped as malformed", n)
	}
	ts, err := st.Transfers(ctx, tracing.TransferQuery{Chain: h.chainID, Source: "node"})
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// TestMultiTokenHeist: the ERC-1155 transfers ingested from the node
// (one per TransferSingle, one per TransferBatch item) imply, from the
// node's balances before the range, the node's balanceOf(address, id)
// after it, for every address and id; the taint of the theft follows the
// single and batch legs to both deposits, with the edges of one batch
// told apart by item index, while the exploiter's own clean id 3 raises
// no alert and the zero-value spoof is not followed.
func TestMultiTokenHeist(t *testing.T) {
	t.Parallel()
	h := multiScript(t)
	ts := h.ingest(t)
	art := safetest.TestContract(safetest.ERC1155Name)
	if art.ABI.Events["TransferSingle"].ID != tracing.TransferSingleTopic || art.ABI.Events["TransferBatch"].ID != tracing.TransferBatchTopic {
		t.Fatal("the contract's event topics are not tracing's")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	balanceAt := func(a common.Address, id *big.Int, block uint64) *uint256.Int {
		t.Helper()
		data, err := art.Pack("balanceOf", a, id)
		if err != nil {
			t.Fatal(err)
		}
		out, err := h.chain.RPC.CallContract(ctx, ethrpc.CallMsg{To: &h.token, Data: data}, ethrpc.AtBlock(block), nil)
		if err != nil {
			t.Fatal(err)
		}
		return uint256.MustFromBig(new(big.Int).SetBytes(out))
	}
	asset := func(id *big.Int) tracing.Asset {
		return tracing.MultiTokenAsset(h.chainID, h.token, uint256.MustFromBig(id))
	}

	// Balances.
	multi, batchItems := 0, 0
	l := tracing.NewLedger()
	for _, a := range h.touched {
		for _, id := range ids {
			if err := l.Credit(tracing.Holding{Address: a, Asset: asset(id)}, balanceAt(a, id, h.start)); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i := range ts {
		if ts[i].Asset.Standard != tracing.ERC1155 {
			continue // ether (gas) is TestHeistBalances's
		}
		multi++
		if ts[i].ItemIndex > 0 {
			batchItems++
		}
		if err := l.Apply(&ts[i]); err != nil {
			t.Fatal(err)
		}
	}
	// 1 mint + 2 theft items + 1 + 3 split + 1 + 2 deposits + 1 spoof.
	if multi != 11 || batchItems != 4 {
		t.Errorf("%d ERC-1155 transfers (%d batch items past the first), want 11 (4)", multi, batchItems)
	}
	for _, a := range h.touched {
		if a == (common.Address{}) {
			continue // mints debit no one: the zero address's balance is not the chain's
		}
		for _, id := range ids {
			got := l.Balance(tracing.Holding{Address: a, Asset: asset(id)})
			if want := balanceAt(a, id, h.end); !got.Eq(want) {
				t.Errorf("%s id %s: transfers imply %s, balanceOf says %s", a.Hex(), id, got.Dec(), want.Dec())
			}
		}
	}

	// Taint.
	deposits := []tracing.Deposit{{Address: h.alice, Label: "alice"}, {Address: h.bob, Label: "bob"}}
	for _, p := range []tracing.Policy{tracing.Poison, tracing.Haircut, tracing.FIFO} {
		g, err := tracing.Trace(context.Background(), ts, tracing.Request{Chain: h.chainID, SeedTxs: []common.Hash{h.theft}, Policy: p,
			Direction: tracing.Forward, Bounds: tracing.Bounds{MaxHops: 5}, Deposits: deposits, KnownTokens: []common.Address{h.token}})
		if err != nil {
			t.Fatal(err)
		}
		type arrival struct {
			tx    common.Hash
			asset string
		}
		alerts := map[arrival]tracing.Alert{}
		for _, a := range g.Alerts {
			alerts[arrival{a.TxHash, a.Asset}] = a
		}
		for _, w := range []struct {
			tx     *ethrpc.Receipt
			id     *big.Int
			amount string
		}{{h.aliceTx, ids[0], "60"}, {h.bobTx, ids[1], "50"}} {
			a, ok := alerts[arrival{w.tx.TxHash, asset(w.id).String()}]
			if !ok || a.Taint != w.amount || a.Amount != w.amount || a.Block != w.tx.BlockNumber {
				t.Errorf("%s: alert for id %s in %s: %+v (found %v), want %s of %s tainted in block %d", p, w.id, w.tx.TxHash.Hex(), a, ok, w.amount, w.amount, w.tx.BlockNumber)
			}
		}
		if a, ok := alerts[arrival{h.bobTx.TxHash, asset(ids[2]).String()}]; ok {
			t.Errorf("%s: the exploiter's clean id 3 raised an alert: %+v", p, a)
		}
		for _, n := range g.Nodes {
			if n.Address == h.spoofTo {
				t.Errorf("%s: the zero-value spoof's recipient is in the graph", p)
			}
		}
		// The theft's two items are two edges of one log, told apart.
		var theft []tracing.Edge
		for _, e := range g.Edges {
			if e.Asset != asset(ids[0]).String() && e.Asset != asset(ids[1]).String() && e.Asset != asset(ids[2]).String() {
				t.Errorf("%s: an edge of another asset: %+v", p, e)
			}
			if e.LogIndex == nil || e.ItemIndex == nil {
				t.Errorf("%s: an ERC-1155 edge without log and item index: %+v", p, e)
				continue
			}
			if e.TxHash == h.theft {
				theft = append(theft, e)
			}
		}
		if len(theft) != 2 || *theft[0].LogIndex != *theft[1].LogIndex || *theft[0].ItemIndex != 0 || *theft[1].ItemIndex != 1 ||
			theft[0].To != h.exploit || theft[0].Taint != "100" || theft[1].Taint != "50" {
			t.Errorf("%s: the theft's edges %+v, want items 0 and 1 of one log, 100 and 50 tainted", p, theft)
		}
	}
}
