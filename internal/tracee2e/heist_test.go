package tracee2e

import (
	"context"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/holiman/uint256"

	"github.com/bulwark-sec/bulwark/ethrpc"
	"github.com/bulwark-sec/bulwark/internal/anviltest"
	"github.com/bulwark-sec/bulwark/internal/safetest"
	"github.com/bulwark-sec/bulwark/sqlite"
	"github.com/bulwark-sec/bulwark/sqlite/sqlitetest"
	"github.com/bulwark-sec/bulwark/tracing"
	"github.com/bulwark-sec/bulwark/tracing/labels"
)

// Tranches is how many equal parts the exploiter splits the loot into, as
// the Bybit exploiter split 400,000 ETH into 40 tranches of 10,000.
const tranches = 40

// heist is the scripted chain: who is who, and the transactions that
// matter, each with the block it was mined in.
type heist struct {
	chain    *safetest.Chain
	chainID  uint64
	start    uint64 // the last block before the heist
	end      uint64 // the last block of it
	touched  []common.Address
	token    common.Address // the ERC-20 the swap leg ends in
	weth     common.Address
	dex      common.Address
	victim   common.Address
	exploit  common.Address
	theft    common.Hash // the seed transaction
	tranche  []common.Address
	hot      common.Address // the exchange's hot wallet (a hub)
	deposits map[string]common.Address
	// arrivals are the deposit transactions: deposit name → receipt.
	arrivals map[string]*ethrpc.Receipt
	spoofTo  common.Address // the recipient of a zero-value spoofed transfer
}

// addr derives a fresh address from a label.
func addr(label string) common.Address {
	return common.BytesToAddress(crypto.Keccak256([]byte("bulwark heist " + label))[12:])
}

func eth(n int64) *big.Int { return safetest.Ether(n) }

// pay sends value from `from` (impersonated) to `to`.
func (h *heist) pay(t *testing.T, from, to common.Address, value *big.Int) *ethrpc.Receipt {
	t.Helper()
	return h.chain.MustSend(t, ethrpc.CallMsg{From: from, To: &to, Value: value, Gas: 200_000})
}

// call sends a contract call from `from` (impersonated).
func (h *heist) call(t *testing.T, from, to common.Address, value *big.Int, a *safetest.Artifact, method string, args ...any) *ethrpc.Receipt {
	t.Helper()
	data, err := a.Pack(method, args...)
	if err != nil {
		t.Fatal(err)
	}
	return h.chain.MustSend(t, ethrpc.CallMsg{From: from, To: &to, Value: value, Data: data, Gas: 300_000})
}

// script plays the heist on a new Anvil chain.
func script(t *testing.T) *heist {
	t.Helper()
	c := safetest.StartChain(t, anviltest.Silent())
	h := &heist{chain: c, chainID: c.ChainID.Uint64(), deposits: map[string]common.Address{}, arrivals: map[string]*ethrpc.Receipt{}}
	accts := anviltest.DefaultAccounts()
	erc20, weth, dex, fwd := safetest.TestContract(safetest.ERC20Name), safetest.TestContract(safetest.WETHName),
		safetest.TestContract(safetest.DEXName), safetest.TestContract(safetest.ForwarderName)

	// The world before: a token, WETH, a pool with liquidity, an exchange
	// with a hot wallet and three deposit addresses (two plain, one a
	// forwarding contract, as exchanges sweep deposits to their hot wallet).
	h.token = c.DeployERC20(t)
	h.weth = c.DeployArtifact(t, weth)
	h.dex = c.DeployArtifact(t, dex, h.token)
	c.FundETH(t, h.dex, eth(100))
	c.MintERC20(t, h.token, h.dex, eth(1_000_000))
	h.hot = addr("exchange hot wallet")
	h.deposits["alice"] = addr("exchange deposit alice")
	h.deposits["bob"] = addr("exchange deposit bob")
	h.deposits["carol"] = c.DeployArtifact(t, fwd, h.hot)
	relay := c.DeployArtifact(t, fwd, h.deposits["carol"])

	h.victim = accts[1]
	h.exploit = addr("exploiter")
	h.tranche = make([]common.Address, tranches)
	for i := range h.tranche {
		h.tranche[i] = addr("tranche " + string(rune('A'+i)))
	}
	peel1, peel2, unwrapper := addr("peel 1"), addr("peel 2"), addr("unwrapper")
	for _, a := range append([]common.Address{h.victim, h.exploit, peel1, peel2, unwrapper}, h.tranche...) {
		c.Impersonate(t, a)
	}
	// Clean money, before the theft: the exploiter's own 5 ETH for gas,
	// the unwrapper's 1 ETH, an honest customer's deposit at alice.
	h.start = c.BlockNumber(t)
	c.FundETH(t, h.exploit, eth(5))
	c.FundETH(t, unwrapper, eth(1))
	h.pay(t, accts[4], h.deposits["alice"], eth(50))

	// The theft: 400 ETH from the victim's wallet to the exploiter.
	h.theft = h.pay(t, h.victim, h.exploit, eth(400)).TxHash

	// Fan-out: 40 tranches of exactly 10 ETH.
	for _, tr := range h.tranche {
		h.pay(t, h.exploit, tr, eth(10))
	}
	// A peel chain from tranche A: 1 ETH peeled off to a deposit at each
	// step, the rest moved on.
	h.arrivals["alice/peel"] = h.pay(t, h.tranche[0], h.deposits["alice"], eth(1))
	h.pay(t, h.tranche[0], peel1, eth(8))
	h.pay(t, peel1, h.deposits["alice"], eth(1))
	h.pay(t, peel1, peel2, eth(6))
	h.arrivals["bob/peel"] = h.pay(t, peel2, h.deposits["bob"], eth(5))
	// WETH: tranche B wraps 9 ETH, hands the WETH on; the unwrapper
	// unwraps it (the ether comes back in an internal call) and deposits.
	h.call(t, h.tranche[1], h.weth, eth(9), weth, "deposit")
	h.call(t, h.tranche[1], h.weth, nil, weth, "transfer", unwrapper, eth(9))
	h.call(t, unwrapper, h.weth, nil, weth, "withdraw", eth(9))
	h.arrivals["bob/unwrap"] = h.pay(t, unwrapper, h.deposits["bob"], eth(9))
	// The ERC-20 leg: tranche C swaps 9 ETH for tokens on the pool and
	// deposits the tokens.
	h.call(t, h.tranche[2], h.dex, eth(9), dex, "swapETHForTokens", big.NewInt(1), h.tranche[2])
	bal := c.ERC20Balance(t, h.token, h.tranche[2])
	h.arrivals["alice/token"] = h.call(t, h.tranche[2], h.token, nil, erc20, "transfer", h.deposits["alice"], bal)
	// Internal transfers: tranche D pays a relay contract, which pays the
	// forwarding deposit contract, which pays the hot wallet.
	h.arrivals["carol/relay"] = h.pay(t, h.tranche[3], relay, eth(9))
	// Address-poisoning noise: a zero-value transferFrom "from" tranche E
	// to a look-alike address, sent by someone else.
	h.spoofTo = common.BytesToAddress(append(append([]byte{}, h.tranche[4][:4]...), make([]byte, 12)...))
	copy(h.spoofTo[16:], h.tranche[4][16:])
	h.call(t, accts[5], h.token, nil, erc20, "transferFrom", h.tranche[4], h.spoofTo, big.NewInt(0))
	h.end = c.BlockNumber(t)

	h.touched = append([]common.Address{accts[0], accts[4], accts[5], h.victim, h.exploit, peel1, peel2, unwrapper,
		h.weth, h.dex, h.token, h.hot, relay, h.spoofTo}, h.tranche...)
	for _, d := range h.deposits {
		h.touched = append(h.touched, d)
	}
	return h
}

// ingest copies the heist's blocks into a new SQLite store through the
// JSON-RPC adapter and returns the transfers in chain order.
func (h *heist) ingest(t *testing.T) []tracing.Transfer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	st := sqlitetest.Open(t, sqlite.Options{})
	src := &ethrpc.TraceSource{Client: h.chain.RPC, Chain: h.chainID, Wrapped: tracing.WrappedNatives{h.chainID: h.weth}}
	in := &tracing.Ingester{Store: st, Source: src, Chain: h.chainID, Start: h.start + 1}
	res, err := in.Run(ctx, h.end)
	if err != nil {
		t.Fatal(err)
	}
	if res.Cursor != h.end {
		t.Fatalf("ingested up to block %d, want %d", res.Cursor, h.end)
	}
	ts, err := st.Transfers(ctx, tracing.TransferQuery{Chain: h.chainID, Source: "node"})
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// TestHeistBalances: the balances the ingested transfers imply, from the
// node's balances before the heist, are the node's balances after it, for
// ether, WETH and the token, for every account the heist touched.
func TestHeistBalances(t *testing.T) {
	t.Parallel()
	h := script(t)
	ts := h.ingest(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	native := tracing.NativeAsset(h.chainID)
	assets := []tracing.Asset{native, tracing.TokenAsset(h.chainID, h.weth), tracing.TokenAsset(h.chainID, h.token)}
	balanceAt := func(a common.Address, asset tracing.Asset, block uint64) *uint256.Int {
		t.Helper()
		var v *big.Int
		var err error
		if asset.Standard == tracing.Native {
			v, err = h.chain.RPC.BalanceAt(ctx, a, ethrpc.AtBlock(block))
		} else {
			erc20 := safetest.TestContract(safetest.ERC20Name)
			data, _ := erc20.Pack("balanceOf", a)
			var out []byte
			contract := asset.Contract
			if out, err = h.chain.RPC.CallContract(ctx, ethrpc.CallMsg{To: &contract, Data: data}, ethrpc.AtBlock(block), nil); err == nil {
				v = new(big.Int).SetBytes(out)
			}
		}
		if err != nil {
			t.Fatal(err)
		}
		return uint256.MustFromBig(v)
	}
	l := tracing.NewLedger()
	for _, a := range h.touched {
		for _, asset := range assets {
			if err := l.Credit(tracing.Holding{Address: a, Asset: asset}, balanceAt(a, asset, h.start)); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i := range ts {
		if err := l.Apply(&ts[i]); err != nil {
			t.Fatal(err)
		}
	}
	for _, a := range h.touched {
		for _, asset := range assets {
			got := l.Balance(tracing.Holding{Address: a, Asset: asset})
			if want := balanceAt(a, asset, h.end); got.Cmp(want) != 0 {
				t.Errorf("%s %s: transfers imply %s, the node says %s", a, asset, got.Dec(), want.Dec())
			}
		}
	}
}

// TestHeistPolicies traces the heist forward from the theft under every
// taint policy and checks what an investigator relies on: each policy
// finds the deposits its rule says it must, each alert names the block and
// transaction where the deposit landed, the money is followed through the
// wrap and unwrap, the swap into the token and the relay contracts, the
// exchange's hot wallet (a hub) ends the trace, and the spoofed transfer
// is not followed.
func TestHeistPolicies(t *testing.T) {
	t.Parallel()
	h := script(t)
	ts := h.ingest(t)
	hub := labels.NewSet()
	hub.Add(h.hot, tracing.Label{Source: "user", Name: "Exchange hot wallet", Category: "exchange", Hub: true})
	var deposits []tracing.Deposit
	for name, a := range h.deposits {
		deposits = append(deposits, tracing.Deposit{Address: a, Label: name})
	}
	tokenKey := tracing.TokenAsset(h.chainID, h.token).String()
	nativeKey := tracing.NativeAsset(h.chainID).String()

	// Under these policies the exploiter's tranches, and so every deposit
	// made from them, carry taint; under FIFO and clean-first the
	// exploiter's own clean 5 ETH leave first, in tranche A, whose first
	// peel (1 ETH) is then clean.
	allDeposits := map[tracing.Policy]bool{tracing.Poison: true, tracing.Haircut: true, tracing.LIFO: true, tracing.DirtyFirst: true}
	graphs := map[tracing.Policy]*tracing.Graph{}
	for _, p := range tracing.Policies() {
		t.Run(p.String(), func(t *testing.T) {
			g, err := tracing.Trace(context.Background(), ts, tracing.Request{
				Chain: h.chainID, SeedTxs: []common.Hash{h.theft}, Policy: p, Direction: tracing.Forward,
				Bounds: tracing.Bounds{MaxHops: 8}, Labeler: hub, Deposits: deposits, KnownTokens: []common.Address{h.token},
			})
			if err != nil {
				t.Fatal(err)
			}
			graphs[p] = g
			alerts := map[common.Hash]tracing.Alert{}
			for _, a := range g.Alerts {
				alerts[a.TxHash] = a
				if a.Policy != p {
					t.Errorf("alert %s says policy %s", a.TxHash, a.Policy)
				}
			}
			for name, r := range h.arrivals {
				a, ok := alerts[r.TxHash]
				want := allDeposits[p] || name != "alice/peel"
				if !ok {
					if want {
						t.Errorf("%s: no alert for the deposit in transaction %s (block %d)", name, r.TxHash, r.BlockNumber)
					}
					continue
				}
				if !want {
					t.Errorf("%s: alert for a deposit the policy says is clean: %+v", name, a)
				}
				if a.Block != r.BlockNumber {
					t.Errorf("%s: alert in block %d, the deposit landed in block %d", name, a.Block, r.BlockNumber)
				}
				asset := nativeKey
				if name == "alice/token" {
					asset = tokenKey
				}
				if a.Asset != asset {
					t.Errorf("%s: alert asset %s, want %s", name, a.Asset, asset)
				}
				taint, amount := uint256.MustFromDecimal(a.Taint), uint256.MustFromDecimal(a.Amount)
				if taint.IsZero() || taint.Gt(amount) {
					t.Errorf("%s: alert taint %s of amount %s", name, a.Taint, a.Amount)
				}
				if p == tracing.Poison && !taint.Eq(amount) {
					t.Errorf("%s: poison taints all of a tainted transfer: %s of %s", name, a.Taint, a.Amount)
				}
				// Tranche D held only stolen ether (the exploiter's clean
				// ether left in tranche A under the policies that spend it
				// first), so its relayed 9 ETH are wholly tainted, but for
				// haircut, which spreads the exploiter's 5 clean ETH over
				// every tranche.
				if name == "carol/relay" && (p == tracing.Haircut) == taint.Eq(amount) {
					t.Errorf("%s: taint %s of %s under %s", name, a.Taint, a.Amount, p)
				}
			}
			nodes := map[common.Address]tracing.Node{}
			for _, n := range g.Nodes {
				nodes[n.Address] = n
			}
			if n, ok := nodes[h.hot]; !ok || n.Stop != "hub" {
				t.Errorf("hot wallet: node %+v (reached %v), want a hub stop", n, ok)
			}
			if n, ok := nodes[h.spoofTo]; ok {
				t.Errorf("the spoofed zero-value transfer's recipient is in the graph: %+v", n)
			}
			if n := nodes[h.exploit]; n.Hop != 1 {
				t.Errorf("exploiter at hop %d, want 1 (the victim, sender of the seed transaction, at 0)", n.Hop)
			}
			for _, tr := range h.tranche {
				if n, ok := nodes[tr]; !ok || n.Hop != 2 {
					t.Errorf("tranche %s: node %+v (reached %v), want hop 2", tr, n, ok)
				}
			}
		})
	}
	// The policies differ where they should: FIFO raises fewer alerts
	// than poison, and poison's alerts carry at least the taint of every
	// other policy's for the same transfer.
	if len(graphs) == len(tracing.Policies()) {
		if f, p := len(graphs[tracing.FIFO].Alerts), len(graphs[tracing.Poison].Alerts); f >= p {
			t.Errorf("FIFO raised %d alerts, poison %d: want fewer", f, p)
		}
		max := map[common.Hash]*uint256.Int{}
		for _, a := range graphs[tracing.Poison].Alerts {
			max[a.TxHash] = uint256.MustFromDecimal(a.Taint)
		}
		for p, g := range graphs {
			for _, a := range g.Alerts {
				if m, ok := max[a.TxHash]; !ok || uint256.MustFromDecimal(a.Taint).Gt(m) {
					t.Errorf("%s: alert %s taint %s above poison's", p, a.TxHash, a.Taint)
				}
			}
		}
	}
}
