package ethrpc_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/holiman/uint256"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/ethrpc"
	"github.com/bulwark-sec/bulwark/internal/anviltest"
	"github.com/bulwark-sec/bulwark/sqlite"
	"github.com/bulwark-sec/bulwark/sqlite/sqlitetest"
	"github.com/bulwark-sec/bulwark/tracing"
)

// hookSource wraps a block source: before answering block n it calls
// before(n), which may change nothing, return an error, or cancel the run.
type hookSource struct {
	tracing.BlockSource
	before func(n uint64) error
	after  func(b *tracing.NodeBlock)
}

func (h *hookSource) Block(ctx context.Context, n uint64) (tracing.NodeBlock, error) {
	if h.before != nil {
		if err := h.before(n); err != nil {
			return tracing.NodeBlock{}, err
		}
	}
	b, err := h.BlockSource.Block(ctx, n)
	if err == nil && h.after != nil {
		h.after(&b)
	}
	return b, err
}

// ingestChainActivity sends transactions that move value in every way the
// node's traces and receipts show (plain payments, a forwarder paying on
// part of what it gets and failing to pay a reverting contract, a
// selfdestruct, a creation with value, a reverted transaction), one block
// each, and returns the blocks before and after them and the accounts
// touched.
func ingestChainActivity(t *testing.T, ch *chain, rounds int) (start, end uint64, touched []common.Address) {
	t.Helper()
	accts := anviltest.DefaultAccounts()
	dep := accts[0]
	x := common.HexToAddress("0x000000000000000000000000000000000000ab01")
	y := common.HexToAddress("0x000000000000000000000000000000000000ab02")
	nonce := uint64(1) // newChain deployed the reverting contract
	fwd := crypto.CreateAddress(dep, nonce)
	ch.node.SendTransaction(t, map[string]any{"from": dep, "data": hexutil.Bytes(deployer(forwarderCode(x, ch.contract))), "gas": hexutil.Uint64(300000)})
	nonce++
	start, err := ch.client.BlockNumber(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	touched = []common.Address{dep, accts[1], accts[2], accts[3], x, y, fwd, ch.contract}
	for r := 0; r < rounds; r++ {
		destructor := crypto.CreateAddress(dep, nonce)
		ch.node.SendTransaction(t, map[string]any{"from": dep, "data": hexutil.Bytes(deployer(destructorCode(y))), "gas": hexutil.Uint64(300000)})
		nonce++
		touched = append(touched, destructor)
		txs := []map[string]any{
			{"from": accts[1], "to": accts[2], "value": (*hexutil.Big)(ether(int64(r + 1)))},
			{"from": accts[2], "to": fwd, "value": (*hexutil.Big)(ether(8)), "gas": hexutil.Uint64(200000)},
			{"from": accts[3], "to": destructor, "value": (*hexutil.Big)(ether(1)), "gas": hexutil.Uint64(200000)},
			{"from": dep, "data": hexutil.Bytes{0x60, 0x00, 0x60, 0x00, 0xf3}, "value": (*hexutil.Big)(ether(3)), "gas": hexutil.Uint64(200000)},
			{"from": accts[1], "to": ch.contract, "value": (*hexutil.Big)(ether(1)), "gas": hexutil.Uint64(200000)},
		}
		for _, tx := range txs {
			ch.node.SendTransaction(t, tx)
		}
		touched = append(touched, crypto.CreateAddress(dep, nonce))
		nonce++
	}
	if end, err = ch.client.BlockNumber(ctx(t)); err != nil {
		t.Fatal(err)
	}
	return start, end, touched
}

func transferKey(t *tracing.Transfer) string {
	return fmt.Sprintf("%d/%s/%d/%s/%d/%v/%s/%s/%s/%s", t.Block, t.TxHash.Hex(), t.TxIndex, t.Kind, t.LogIndex, t.TraceAddress, t.From.Hex(), t.To.Hex(), t.Asset, t.Amount.Dec())
}

func storedKeys(t *testing.T, s tracing.IngestStore, chain uint64) []string {
	t.Helper()
	ts, err := s.Transfers(ctx(t), tracing.TransferQuery{Chain: chain, Source: "node"})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(ts))
	for i := range ts {
		out[i] = transferKey(&ts[i])
	}
	return out
}

// TestAnvilIngestResumes ingests a range of a real node's blocks without a
// break, and again into another store with the run cancelled in the middle
// of several batches and resumed each time from the cursor: both stores
// hold the same transfers, none twice, and the balances they imply for
// every account touched equal eth_getBalance.
func TestAnvilIngestResumes(t *testing.T) {
	t.Parallel()
	ch := newChain(t, ethrpc.Options{})
	chainID, err := ch.client.ChainID(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	start, end, touched := ingestChainActivity(t, ch, 4)
	src := &ethrpc.TraceSource{Client: ch.client, Chain: chainID}

	whole := sqlitetest.Open(t, sqlite.Options{})
	in := &tracing.Ingester{Store: whole, Source: src, Chain: chainID, Start: start + 1, Batch: 4, Concurrency: 3}
	res, err := in.Run(ctx(t), end)
	if err != nil {
		t.Fatal(err)
	}
	if res.Cursor != end || res.Blocks != int(end-start) {
		t.Fatalf("uninterrupted run: %+v, want cursor %d after %d blocks", res, end, end-start)
	}
	want := storedKeys(t, whole, chainID)

	broken := sqlitetest.Open(t, sqlite.Options{})
	stops := []uint64{start + 3, start + 6, start + 7, start + 15} // mid-batch, a batch's first block, …
	for _, stop := range append(stops, 0) {
		rctx, cancel := context.WithCancel(ctx(t))
		var stopped atomic.Bool
		hs := &hookSource{BlockSource: src, before: func(n uint64) error {
			if n == stop {
				stopped.Store(true)
				cancel()
			}
			return nil
		}}
		in := &tracing.Ingester{Store: broken, Source: hs, Chain: chainID, Start: start + 1, Batch: 4, Concurrency: 3}
		res, err := in.Run(rctx, end)
		cancel()
		if stop == 0 {
			if err != nil || res.Cursor != end {
				t.Fatalf("last run: %+v, %v", res, err)
			}
			break
		}
		if err == nil || !stopped.Load() {
			t.Fatalf("run stopped at %d: %+v, %v; want it cancelled", stop, res, err)
		}
		c, ok, cerr := broken.IngestCursor(ctx(t), chainID, "node")
		if cerr != nil || ok && c.Block >= stop {
			t.Fatalf("after the stop at %d: cursor %+v, %v, %v", stop, c, ok, cerr)
		}
	}
	got := storedKeys(t, broken, chainID)
	seen := map[string]bool{}
	for _, k := range got {
		if seen[k] {
			t.Errorf("stored twice: %s", k)
		}
		seen[k] = true
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("interrupted run: %d transfers, uninterrupted %d\n%s\n---\n%s", len(got), len(want), strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// The balances the transfers imply equal the node's.
	ts, err := broken.Transfers(ctx(t), tracing.TransferQuery{Chain: chainID, Source: "node"})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[tracing.Kind]int{}
	for _, tf := range ts {
		kinds[tf.Kind]++
	}
	for _, k := range []tracing.Kind{tracing.TopLevelCall, tracing.InternalCall, tracing.Create, tracing.SelfDestruct, tracing.BaseFeeBurn, tracing.GasTip} {
		if kinds[k] == 0 {
			t.Errorf("no %s transfer ingested (%v)", k, kinds)
		}
	}
	checkBalances(t, ch.client, ts, touched, start, end)
}

func checkBalances(t *testing.T, c *ethrpc.Client, ts []tracing.Transfer, touched []common.Address, start, end uint64) {
	t.Helper()
	for _, a := range touched {
		before, err := c.BalanceAt(ctx(t), a, ethrpc.AtBlock(start))
		if err != nil {
			t.Fatal(err)
		}
		implied := new(big.Int).Set(before)
		for i := range ts {
			tf := &ts[i]
			debit, credit := tf.Effects()
			if credit && tf.To == a {
				implied.Add(implied, tf.Amount.ToBig())
			}
			if debit && tf.From == a {
				implied.Sub(implied, tf.Amount.ToBig())
			}
		}
		node, err := c.BalanceAt(ctx(t), a, ethrpc.AtBlock(end))
		if err != nil {
			t.Fatal(err)
		}
		if node.Cmp(implied) != 0 {
			t.Errorf("%s: the ingested transfers imply %s wei, the node says %s", a.Hex(), implied, node)
		}
	}
}

// TestAnvilIngestReorg ingests blocks, reverts the node to a snapshot and
// mines other blocks at the same heights: the next run finds the stored
// blocks' hashes gone, rolls them back and ingests the new branch, which
// then equals a fresh store's ingestion of it.
func TestAnvilIngestReorg(t *testing.T) {
	t.Parallel()
	ch := newChain(t, ethrpc.Options{})
	chainID, err := ch.client.ChainID(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	accts := anviltest.DefaultAccounts()
	base, err := ch.client.BlockNumber(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	var snap hexutil.Uint64
	ch.node.Call(t, &snap, "evm_snapshot")
	for i := 0; i < 4; i++ {
		ch.node.SendTransaction(t, map[string]any{"from": accts[1], "to": accts[2], "value": (*hexutil.Big)(ether(1))})
	}
	src := &ethrpc.TraceSource{Client: ch.client, Chain: chainID}
	store := sqlitetest.Open(t, sqlite.Options{})
	in := &tracing.Ingester{Store: store, Source: src, Chain: chainID, Start: 1, Batch: 2}
	if _, err := in.Run(ctx(t), 0); err != nil {
		t.Fatal(err)
	}
	var ok bool
	ch.node.Call(t, &ok, "evm_revert", snap)
	if !ok {
		t.Fatal("evm_revert refused")
	}
	for i := 0; i < 6; i++ { // a longer branch from base, other payments
		ch.node.SendTransaction(t, map[string]any{"from": accts[3], "to": accts[4], "value": (*hexutil.Big)(ether(int64(i + 2)))})
	}
	res, err := in.Run(ctx(t), 0)
	if err != nil {
		t.Fatal(err)
	}
	if res.RolledBack != 4 || res.Cursor != base+6 {
		t.Fatalf("after the reorg: %+v, want 4 blocks rolled back and the cursor at %d", res, base+6)
	}
	fresh := sqlitetest.Open(t, sqlite.Options{})
	if _, err := (&tracing.Ingester{Store: fresh, Source: src, Chain: chainID, Start: 1}).Run(ctx(t), 0); err != nil {
		t.Fatal(err)
	}
	got, want := storedKeys(t, store, chainID), storedKeys(t, fresh, chainID)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("after the reorg:\n%s\nfresh:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, k := range got {
		if strings.Contains(k, accts[2].Hex()) {
			t.Errorf("a transfer of the abandoned branch kept: %s", k)
		}
	}
}

// TestAnvilIngestLyingNode holds the ingester to a clear error naming the
// block when the node answers with another block or has no block below its
// head, after retrying; a node that fails transiently and then answers is
// retried through; nothing of a failed batch is stored.
func TestAnvilIngestLyingNode(t *testing.T) {
	t.Parallel()
	ch := newChain(t, ethrpc.Options{})
	chainID, err := ch.client.ChainID(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	accts := anviltest.DefaultAccounts()
	for i := 0; i < 5; i++ {
		ch.node.SendTransaction(t, map[string]any{"from": accts[1], "to": accts[2], "value": (*hexutil.Big)(ether(1))})
	}
	src := &ethrpc.TraceSource{Client: ch.client, Chain: chainID}
	for _, tc := range []struct {
		name   string
		hook   *hookSource
		want   string // in the error; "" for success
		cursor uint64 // the cursor after the run
	}{
		{"another block", &hookSource{BlockSource: src, after: func(b *tracing.NodeBlock) {
			if b.Header.Number == 4 {
				b.Header.Number = 5
			}
		}}, "the node answered a request for block 4 with block 5", 2},
		{"missing block", &hookSource{BlockSource: src, before: func(n uint64) error {
			if n == 3 {
				return bulwark.Errorf(bulwark.ENOTFOUND, "block 3 not found")
			}
			return nil
		}}, "the node has no block 3 though its head was 6", 2},
		{"transient then fine", func() *hookSource {
			var fails atomic.Int32
			return &hookSource{BlockSource: src, before: func(n uint64) error {
				if n == 5 && fails.Add(1) <= 2 {
					return bulwark.Errorf(bulwark.EUNAVAILABLE, "node unreachable")
				}
				return nil
			}}
		}(), "", 6},
		{"unavailable for good", &hookSource{BlockSource: src, before: func(n uint64) error {
			if n == 6 {
				return bulwark.Errorf(bulwark.EUNAVAILABLE, "node unreachable")
			}
			return nil
		}}, "could not read block 6 after 3 attempts", 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			store := sqlitetest.Open(t, sqlite.Options{})
			in := &tracing.Ingester{Store: store, Source: tc.hook, Chain: chainID, Start: 1, Batch: 2, Attempts: 3, Backoff: time.Millisecond}
			_, err := in.Run(ctx(t), 6)
			switch {
			case tc.want == "" && err != nil:
				t.Fatal(err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("Run = %v, want an error saying %q", err, tc.want)
			}
			c, ok, err := store.IngestCursor(ctx(t), chainID, "node")
			if err != nil || !ok || c.Block != tc.cursor {
				t.Errorf("cursor = %+v, %v, %v; want block %d", c, ok, err, tc.cursor)
			}
			ts, err := store.Transfers(ctx(t), tracing.TransferQuery{Chain: chainID, Source: "node"})
			if err != nil {
				t.Fatal(err)
			}
			for _, tf := range ts {
				if tf.Block > tc.cursor {
					t.Errorf("a transfer of block %d stored above the cursor", tf.Block)
				}
			}
		})
	}
}

// proxyRules say how proxyNode departs from the node it forwards to.
type proxyRules struct {
	// noBatch refuses every batch (-32600, as a node without batches).
	noBatch bool
	// missing methods answer -32601 (method not found).
	missing []string
	// tooLarge methods answer -32003 (response too large) inside a
	// batch, as geth past --rpc.batch-response-max-size; alone they work.
	tooLarge []string
	// limited batches (the first ones) are answered with one -32005 rate
	// limit error for the whole batch.
	limited *atomic.Int64
	// served counts the batches answered element by element.
	served *atomic.Int64
}

// proxyNode forwards JSON-RPC to url under rules.
func proxyNode(t *testing.T, url string, rules proxyRules) string {
	t.Helper()
	methods := rules.missing
	// one answers one request.
	one := func(body []byte) ([]byte, int, error) {
		var req struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
		}
		if json.Unmarshal(body, &req) == nil && slices.Contains(methods, req.Method) {
			return fmt.Appendf(nil, `{"jsonrpc":"2.0","id":%s,"error":{"code":-32601,"message":"the method %s does not exist/is not available"}}`, req.ID, req.Method), http.StatusOK, nil
		}
		resp, err := http.Post(url, "application/json", bytes.NewReader(body))
		if err != nil {
			return nil, 0, err
		}
		defer resp.Body.Close()
		out, err := io.ReadAll(resp.Body)
		return out, resp.StatusCode, err
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		var batch []json.RawMessage
		if json.Unmarshal(body, &batch) != nil {
			out, status, err := one(body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			w.WriteHeader(status)
			_, _ = w.Write(out)
			return
		}
		if rules.noBatch {
			_, _ = io.WriteString(w, `{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"batch requests are not supported"}}`)
			return
		}
		if rules.limited != nil && rules.limited.Add(-1) >= 0 {
			_, _ = io.WriteString(w, `{"jsonrpc":"2.0","id":null,"error":{"code":-32005,"message":"limit exceeded"}}`)
			return
		}
		if rules.served != nil {
			rules.served.Add(1)
		}
		answers := make([]json.RawMessage, len(batch))
		for i, req := range batch {
			var head struct {
				ID     json.RawMessage `json:"id"`
				Method string          `json:"method"`
			}
			if json.Unmarshal(req, &head) == nil && slices.Contains(rules.tooLarge, head.Method) {
				answers[i] = fmt.Appendf(nil, `{"jsonrpc":"2.0","id":%s,"error":{"code":-32003,"message":"response too large"}}`, head.ID)
				continue
			}
			out, _, err := one(req)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			answers[i] = out
		}
		_ = json.NewEncoder(w).Encode(answers)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestAnvilIngestFallbacks ingests through a node without trace_block and
// eth_getBlockReceipts (as geth without the trace API), and through one
// that takes no batches: the callTracer, per-transaction receipts and
// calls one at a time give the same transfers.
func TestAnvilIngestFallbacks(t *testing.T) {
	t.Parallel()
	ch := newChain(t, ethrpc.Options{})
	chainID, err := ch.client.ChainID(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	start, end, _ := ingestChainActivity(t, ch, 1)
	direct := sqlitetest.Open(t, sqlite.Options{})
	if _, err := (&tracing.Ingester{Store: direct, Source: &ethrpc.TraceSource{Client: ch.client, Chain: chainID}, Chain: chainID, Start: start + 1}).Run(ctx(t), end); err != nil {
		t.Fatal(err)
	}
	want := storedKeys(t, direct, chainID)
	for _, c := range []struct {
		name  string
		rules proxyRules
	}{
		{"no trace_block or eth_getBlockReceipts", proxyRules{missing: []string{"trace_block", "eth_getBlockReceipts"}}},
		{"no batches", proxyRules{noBatch: true}},
		{"neither", proxyRules{noBatch: true, missing: []string{"trace_block", "eth_getBlockReceipts"}}},
		{"batch answers too large", proxyRules{tooLarge: []string{"trace_block", "eth_getBlockReceipts"}}},
		{"block too large in a batch", proxyRules{tooLarge: []string{"eth_getBlockByNumber"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var calls atomic.Int64
			proxied, err := ethrpc.Dial(proxyNode(t, ch.node.URL, c.rules), ethrpc.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(proxied.Close)
			fallback := sqlitetest.Open(t, sqlite.Options{})
			src := &hookSource{BlockSource: &ethrpc.TraceSource{Client: proxied, Chain: chainID}, before: func(uint64) error { calls.Add(1); return nil }}
			if _, err := (&tracing.Ingester{Store: fallback, Source: src, Chain: chainID, Start: start + 1}).Run(ctx(t), end); err != nil {
				t.Fatal(err)
			}
			got := storedKeys(t, fallback, chainID)
			if calls.Load() == 0 || len(want) == 0 || strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Fatalf("through the fallbacks (%d blocks read):\n%s\ndirect:\n%s", calls.Load(), strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

// TestTraceSourceBatchRateLimit reads blocks one after the other through
// a node whose first batch answer is a rate limit: that block is read one
// call at a time, and the next ones in batches again (a limit is not a
// refusal of batches).
func TestTraceSourceBatchRateLimit(t *testing.T) {
	t.Parallel()
	ch := newChain(t, ethrpc.Options{})
	chainID, err := ch.client.ChainID(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	start, end, _ := ingestChainActivity(t, ch, 1)
	limited, served := new(atomic.Int64), new(atomic.Int64)
	limited.Store(1)
	proxied, err := ethrpc.Dial(proxyNode(t, ch.node.URL, proxyRules{limited: limited, served: served}), ethrpc.Options{MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(proxied.Close)
	src := &ethrpc.TraceSource{Client: proxied, Chain: chainID}
	direct := &ethrpc.TraceSource{Client: ch.client, Chain: chainID}
	for n := start + 1; n <= end; n++ {
		got, err := src.Block(ctx(t), n)
		if err != nil {
			t.Fatalf("block %d: %v", n, err)
		}
		want, err := direct.Block(ctx(t), n)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("block %d through the limited node:\n%v\ndirect:\n%v", n, got, want)
		}
	}
	if blocks := int64(end - start); blocks < 2 || served.Load() != blocks-1 {
		t.Fatalf("%d blocks read, %d in batches after the first batch was rate-limited: want all but the first", end-start, served.Load())
	}
}

// emitterCode emits, with the value it receives as amount, an ERC-20
// Transfer from the caller to x, an ERC-721 Transfer of token 7 from the
// caller to x, and a WETH9 Deposit and Withdrawal of the caller:
//
//	CALLVALUE PUSH1 0 MSTORE
//	PUSH20 x CALLER PUSH32 Transfer PUSH1 32 PUSH1 0 LOG3
//	PUSH1 7 PUSH20 x CALLER PUSH32 Transfer PUSH1 0 PUSH1 0 LOG4
//	CALLER PUSH32 Deposit PUSH1 32 PUSH1 0 LOG2
//	CALLER PUSH32 Withdrawal PUSH1 32 PUSH1 0 LOG2 STOP
func emitterCode(x common.Address) []byte {
	push32 := func(code []byte, h common.Hash) []byte { return append(append(code, 0x7f), h.Bytes()...) }
	push20 := func(code []byte, a common.Address) []byte { return append(append(code, 0x73), a.Bytes()...) }
	transfer := common.HexToHash("0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef")
	deposit := common.HexToHash("0xe1fffcc4923d04b559f4d29a8bfc6cda04eb5b0d3c460751c2402c5c5cc9109c")
	withdrawal := common.HexToHash("0x7fcf532c15f0a6db0bd6d0e038bea71d30d808c7d98cb3bf7268a95bf5081b65")
	code := []byte{0x34, 0x60, 0x00, 0x52}
	code = append(push32(append(push20(code, x), 0x33), transfer), 0x60, 32, 0x60, 0, 0xa3)
	code = append(push32(append(push20(append(code, 0x60, 7), x), 0x33), transfer), 0x60, 0, 0x60, 0, 0xa4)
	code = append(push32(append(code, 0x33), deposit), 0x60, 32, 0x60, 0, 0xa2)
	code = append(push32(append(code, 0x33), withdrawal), 0x60, 32, 0x60, 0, 0xa2)
	return append(code, 0x00)
}

// TestAnvilIngestEvents ingests a transaction whose contract emits an
// ERC-20 and an ERC-721 Transfer and, registered as the chain's wrapped
// native token, a Deposit and a Withdrawal: exactly those transfers, by
// log index, beside the payment and the fee.
func TestAnvilIngestEvents(t *testing.T) {
	t.Parallel()
	ch := newChain(t, ethrpc.Options{})
	chainID, err := ch.client.ChainID(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	accts := anviltest.DefaultAccounts()
	x := common.HexToAddress("0x000000000000000000000000000000000000ab07")
	emitter := crypto.CreateAddress(accts[0], 1)
	ch.node.SendTransaction(t, map[string]any{"from": accts[0], "data": hexutil.Bytes(deployer(emitterCode(x))), "gas": hexutil.Uint64(300000)})
	payer := accts[5]
	h := ch.node.SendTransaction(t, map[string]any{"from": payer, "to": emitter, "value": (*hexutil.Big)(ether(5)), "gas": hexutil.Uint64(200000)})
	n, err := ch.client.BlockNumber(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	store := sqlitetest.Open(t, sqlite.Options{})
	src := &ethrpc.TraceSource{Client: ch.client, Chain: chainID, Wrapped: tracing.WrappedNatives{chainID: emitter}}
	if _, err := (&tracing.Ingester{Store: store, Source: src, Chain: chainID, Start: n}).Run(ctx(t), n); err != nil {
		t.Fatal(err)
	}
	ts, err := store.Transfers(ctx(t), tracing.TransferQuery{Chain: chainID, Source: "node"})
	if err != nil {
		t.Fatal(err)
	}
	five := ether(5)
	token := tracing.TokenAsset(chainID, emitter)
	want := []struct {
		kind     tracing.Kind
		log      uint32
		from, to common.Address
		asset    tracing.Asset
		amount   *big.Int
	}{
		{tracing.TopLevelCall, 0, payer, emitter, tracing.NativeAsset(chainID), five},
		{tracing.TokenTransfer, 0, payer, x, token, five},
		{tracing.TokenTransfer, 1, payer, x, tracing.NFTAsset(chainID, emitter, uint256.NewInt(7)), big.NewInt(1)},
		{tracing.Wrap, 2, emitter, payer, token, five},
		{tracing.Unwrap, 3, payer, emitter, token, five},
	}
	var got []tracing.Transfer
	for _, tf := range ts {
		if tf.TxHash != h {
			t.Errorf("a transfer of another transaction: %+v", tf)
		}
		if tf.Kind != tracing.GasTip && tf.Kind != tracing.BaseFeeBurn {
			got = append(got, tf)
		}
	}
	if len(got) != len(want) || len(ts) == len(got) {
		t.Fatalf("got %d transfers (%d with the fee) %+v, want %d and the fee", len(got), len(ts), got, len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Kind != w.kind || g.LogIndex != w.log || g.From != w.from || g.To != w.to || g.Asset != w.asset || g.Amount.ToBig().Cmp(w.amount) != 0 {
			t.Errorf("transfer %d = %s log %d %s→%s %s %s, want %s log %d %s→%s %s %s", i, g.Kind, g.LogIndex, g.From.Hex(), g.To.Hex(), g.Asset, g.Amount.Dec(),
				w.kind, w.log, w.from.Hex(), w.to.Hex(), w.asset, w.amount)
		}
	}
}

// multiTokenEmitterCode emits, called by S with x given: a TransferSingle
// (operator S, from S, to x, id 7, value 30), a TransferBatch of ids 1
// and 2 (values 5 and 6), a TransferBatch with one id and two values and a
// TransferSingle with three topics (both malformed); then STOPs. Words are
// stored with PUSH1 v; PUSH1 offset; MSTORE.
func multiTokenEmitterCode(x common.Address) []byte {
	push32 := func(code []byte, h common.Hash) []byte { return append(append(code, 0x7f), h.Bytes()...) }
	push20 := func(code []byte, a common.Address) []byte { return append(append(code, 0x73), a.Bytes()...) }
	store := func(code []byte, words ...byte) []byte {
		for i, w := range words {
			code = append(code, 0x60, w, 0x60, byte(32*i), 0x52)
		}
		return code
	}
	// LOG4(0, size, sig, operator S, from S, to x).
	log4 := func(code []byte, sig common.Hash, size uint16) []byte {
		return append(push32(append(push20(code, x), 0x33, 0x33), sig), 0x61, byte(size>>8), byte(size), 0x60, 0, 0xa4)
	}
	code := store(nil, 7, 30)
	code = log4(code, tracing.TransferSingleTopic, 64)
	code = store(code, 64, 160, 2, 1, 2, 2, 5, 6)
	code = log4(code, tracing.TransferBatchTopic, 256)
	code = store(code, 64, 128, 1, 9, 2, 5, 6)
	code = log4(code, tracing.TransferBatchTopic, 224)
	code = store(code, 7, 30)
	code = append(push32(append(push20(code, x), 0x33), tracing.TransferSingleTopic), 0x60, 64, 0x60, 0, 0xa3)
	return append(code, 0x00)
}

// TestAnvilIngestMultiToken ingests a transaction whose contract emits
// ERC-1155 events: the TransferSingle is one transfer, the TransferBatch
// one per item at its log index, stored and read back with their item
// indices; the two malformed events are skipped, counted and logged with
// the reason, not fatal.
func TestAnvilIngestMultiToken(t *testing.T) {
	t.Parallel()
	var logged syncBuffer
	ch := newChain(t, ethrpc.Options{Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	chainID, err := ch.client.ChainID(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	accts := anviltest.DefaultAccounts()
	x := common.HexToAddress("0x000000000000000000000000000000000000ab08")
	code := multiTokenEmitterCode(x)
	// The init code of deployer with PUSH2 for the length: the emitter is
	// over 255 bytes.
	init := append([]byte{0x61, byte(len(code) >> 8), byte(len(code)), 0x80, 0x60, 0x0c, 0x60, 0x00, 0x39, 0x60, 0x00, 0xf3}, code...)
	emitter := crypto.CreateAddress(accts[0], 1)
	ch.node.SendTransaction(t, map[string]any{"from": accts[0], "data": hexutil.Bytes(init), "gas": hexutil.Uint64(500000)})
	sender := accts[6]
	h := ch.node.SendTransaction(t, map[string]any{"from": sender, "to": emitter, "gas": hexutil.Uint64(200000)})
	n, err := ch.client.BlockNumber(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	store := sqlitetest.Open(t, sqlite.Options{})
	src := &ethrpc.TraceSource{Client: ch.client, Chain: chainID}
	if _, err := (&tracing.Ingester{Store: store, Source: src, Chain: chainID, Start: n}).Run(ctx(t), n); err != nil {
		t.Fatal(err)
	}
	if k := src.Skipped.Load(); k != 2 {
		t.Errorf("%d malformed events skipped, want 2", k)
	}
	if l := logged.String(); strings.Count(l, "skipped a malformed ERC-1155 event") != 2 || !strings.Contains(l, "1 ids but 2 values") ||
		!strings.Contains(l, "4 topics (signature, operator, from, to), not 3") || !strings.Contains(l, "log=2") {
		t.Errorf("the log does not say which events were skipped and why:\n%s", l)
	}
	ts, err := store.Transfers(ctx(t), tracing.TransferQuery{Chain: chainID, Source: "node", Address: &x})
	if err != nil {
		t.Fatal(err)
	}
	multi := func(id uint64) tracing.Asset { return tracing.MultiTokenAsset(chainID, emitter, uint256.NewInt(id)) }
	want := []struct {
		log, item uint32
		asset     tracing.Asset
		amount    uint64
	}{{0, 0, multi(7), 30}, {1, 0, multi(1), 5}, {1, 1, multi(2), 6}}
	if len(ts) != len(want) {
		t.Fatalf("%d transfers to x %+v, want %d", len(ts), ts, len(want))
	}
	for i, w := range want {
		g := ts[i]
		if g.TxHash != h || g.Kind != tracing.TokenTransfer || g.LogIndex != w.log || g.ItemIndex != w.item || g.From != sender || g.To != x ||
			g.Asset != w.asset || g.Amount.Uint64() != w.amount {
			t.Errorf("transfer %d = %s log %d item %d %s→%s %s %s, want log %d item %d %s %d", i, g.Kind, g.LogIndex, g.ItemIndex, g.From.Hex(), g.To.Hex(), g.Asset, g.Amount.Dec(),
				w.log, w.item, w.asset, w.amount)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for a logger's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
