package ethrpc_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/ethrpc"
	"github.com/bulwark-sec/bulwark/internal/anviltest"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"
)

// The test contract, assembled by hand so that the tests need no compiler.
// Its constructor stores 0x2a in slot 0 and 0xbeef in slot 1. Its runtime
// code returns the storage slot named by the first 32 bytes of call data,
// and reverts with Error("boom") when called without data:
//
//	00 CALLDATASIZE; PUSH1 0x10; JUMPI          ; data? go to 0x10
//	04 PUSH1 100; PUSH1 0x1d; PUSH1 0; CODECOPY ; copy Error("boom") to memory
//	0b PUSH1 100; PUSH1 0; REVERT
//	10 JUMPDEST; PUSH1 0; CALLDATALOAD; SLOAD   ; sload(calldata[0:32])
//	15 PUSH1 0; MSTORE; PUSH1 32; PUSH1 0; RETURN
//	1d Error("boom") ABI-encoded, 100 bytes
//
// The constructor is sstore(0, 0x2a); sstore(1, 0xbeef); codecopy(0, 0x17,
// 129); return(0, 129).
const initCode = "602a600055" + "61beef600155" + "6081601760003960816000f3"

func revertBoom() []byte {
	// Error(string) selector, offset 32, length 4, "boom" padded to 32.
	out := common.FromHex("0x08c379a0")
	out = append(out, common.LeftPadBytes([]byte{0x20}, 32)...)
	out = append(out, common.LeftPadBytes([]byte{4}, 32)...)
	return append(out, common.RightPadBytes([]byte("boom"), 32)...)
}

func runtimeCode(t testing.TB) []byte {
	t.Helper()
	head := common.FromHex(runtimeHead())
	if len(head) != 0x1d {
		t.Fatalf("runtime head is %d bytes, want 0x1d", len(head))
	}
	code := append(head, revertBoom()...)
	if len(code) != 0x81 {
		t.Fatalf("runtime code is %d bytes, want 0x81", len(code))
	}
	return code
}

// runtimeHead spells the runtime code before the revert payload.
func runtimeHead() string {
	return strings.Join([]string{
		"36", "6010", "57", // CALLDATASIZE PUSH1 0x10 JUMPI
		"6064", "601d", "6000", "39", // PUSH1 100 PUSH1 0x1d PUSH1 0 CODECOPY
		"6064", "6000", "fd", // PUSH1 100 PUSH1 0 REVERT
		"5b", "6000", "35", "54", // JUMPDEST PUSH1 0 CALLDATALOAD SLOAD
		"6000", "52", "6020", "6000", "f3", // PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN
	}, "")
}

func deployCode(t testing.TB) []byte {
	t.Helper()
	init := common.FromHex(initCode)
	if len(init) != 0x17 {
		t.Fatalf("init code is %d bytes, want 0x17", len(init))
	}
	return append(init, runtimeCode(t)...)
}

// chain is an Anvil node with the test contract deployed.
type chain struct {
	node     *anviltest.Node
	client   *ethrpc.Client
	contract common.Address
	deployTx common.Hash
}

func ether(n int64) *big.Int { return new(big.Int).Mul(big.NewInt(n), big.NewInt(1e18)) }

func newChain(t testing.TB, opt ethrpc.Options, opts ...anviltest.Option) *chain {
	t.Helper()
	node := anviltest.Start(t, opts...)
	c, err := ethrpc.Dial(node.URL, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	from := anviltest.DefaultAccounts()[0]
	tx := node.SendTransaction(t, map[string]any{
		"from": from, "data": hexutil.Bytes(deployCode(t)), "gas": hexutil.Uint64(300000),
	})
	return &chain{node: node, client: c, contract: crypto.CreateAddress(from, 0), deployTx: tx}
}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return c
}

func slot(n uint64) common.Hash { return common.BigToHash(new(big.Int).SetUint64(n)) }

func TestAnvilChainAndBlocks(t *testing.T) {
	ch := newChain(t, ethrpc.Options{}, anviltest.WithChainID(1337))
	c := ch.client
	id, err := c.ChainID(ctx(t))
	if err != nil || id != 1337 {
		t.Fatalf("ChainID = %d, %v; want 1337", id, err)
	}
	n, err := c.BlockNumber(ctx(t))
	if err != nil || n != 1 {
		t.Fatalf("BlockNumber = %d, %v; want 1 (genesis + deployment)", n, err)
	}
	h, err := c.HeaderByNumber(ctx(t), ethrpc.Latest)
	if err != nil {
		t.Fatal(err)
	}
	if h.Number != 1 || h.Hash == (common.Hash{}) || h.GasUsed == 0 || h.Time.IsZero() || h.Time.Location() != time.UTC {
		t.Fatalf("latest header = %+v", h)
	}
	b, err := c.BlockByNumber(ctx(t), ethrpc.AtBlock(1))
	if err != nil {
		t.Fatal(err)
	}
	if b.Hash != h.Hash || len(b.Transactions) != 1 || b.Transactions[0] != ch.deployTx {
		t.Fatalf("block 1 = %+v, want hash %s with tx %s", b, h.Hash, ch.deployTx)
	}
	byHash, err := c.HeaderByNumber(ctx(t), ethrpc.AtHash(h.Hash))
	if err != nil || byHash.Number != 1 {
		t.Fatalf("HeaderByNumber(AtHash) = %+v, %v", byHash, err)
	}
	genesis, err := c.HeaderByNumber(ctx(t), ethrpc.Earliest)
	if err != nil || genesis.Number != 0 || h.ParentHash != genesis.Hash {
		t.Fatalf("genesis = %+v, %v; block 1's parent is %s", genesis, err, h.ParentHash)
	}
	_, err = c.BlockByNumber(ctx(t), ethrpc.AtBlock(99))
	if !bulwark.IsCode(err, bulwark.ENOTFOUND) {
		t.Fatalf("block 99: err = %v, want not_found", err)
	}

	r, err := c.TransactionReceipt(ctx(t), ch.deployTx)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != 1 || r.ContractAddress == nil || *r.ContractAddress != ch.contract || r.To != nil || r.BlockNumber != 1 || r.From != anviltest.DefaultAccounts()[0] {
		t.Fatalf("receipt = %+v", r)
	}
	_, err = c.TransactionReceipt(ctx(t), common.HexToHash("0x01"))
	if !bulwark.IsCode(err, bulwark.ENOTFOUND) {
		t.Fatalf("unknown receipt: err = %v, want not_found", err)
	}
}

func TestAnvilBalances(t *testing.T) {
	node := anviltest.Start(t)
	c, err := ethrpc.Dial(node.URL, ethrpc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := ether(anviltest.DefaultBalanceEther)
	for i, a := range anviltest.DefaultAccounts() {
		t.Run(a.Hex(), func(t *testing.T) {
			got, err := c.BalanceAt(ctx(t), a, ethrpc.Latest)
			if err != nil {
				t.Fatal(err)
			}
			if got.Cmp(want) != 0 {
				t.Fatalf("account %d balance = %s, want %s", i, got, want)
			}
		})
	}
	empty, err := c.BalanceAt(ctx(t), common.HexToAddress("0x1234"), ethrpc.AtBlock(0))
	if err != nil || empty.Sign() != 0 {
		t.Fatalf("unfunded account balance = %v, %v", empty, err)
	}
}

func TestAnvilCodeStorageCall(t *testing.T) {
	ch := newChain(t, ethrpc.Options{})
	c := ch.client

	code, err := c.CodeAt(ctx(t), ch.contract, ethrpc.Latest)
	if err != nil || !bytes.Equal(code, runtimeCode(t)) {
		t.Fatalf("CodeAt = %x, %v; want %x", code, err, runtimeCode(t))
	}
	code, err = c.CodeAt(ctx(t), ch.contract, ethrpc.AtBlock(0))
	if err != nil || len(code) != 0 {
		t.Fatalf("CodeAt(block 0) = %x, %v; want empty", code, err)
	}

	for _, tc := range []struct {
		slot uint64
		want common.Hash
	}{
		{0, slot(0x2a)},
		{1, slot(0xbeef)},
		{2, common.Hash{}},
	} {
		got, err := c.StorageAt(ctx(t), ch.contract, slot(tc.slot), ethrpc.Latest)
		if err != nil || got != tc.want {
			t.Errorf("StorageAt(slot %d) = %s, %v; want %s", tc.slot, got, err, tc.want)
		}
	}

	to := ch.contract
	tests := []struct {
		name      string
		data      []byte
		overrides ethrpc.StateOverride
		want      common.Hash
	}{
		{"slot 0", slot(0).Bytes(), nil, slot(0x2a)},
		{"slot 1", slot(1).Bytes(), nil, slot(0xbeef)},
		{"slot 1 overridden", slot(1).Bytes(), ethrpc.StateOverride{to: {StateDiff: map[common.Hash]common.Hash{slot(1): slot(0x77)}}}, slot(0x77)},
		{"slot 0 with whole state replaced", slot(0).Bytes(), ethrpc.StateOverride{to: {State: map[common.Hash]common.Hash{slot(5): slot(5)}}}, common.Hash{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := c.CallContract(ctx(t), ethrpc.CallMsg{To: &to, Data: tc.data}, ethrpc.Latest, tc.overrides)
			if err != nil {
				t.Fatal(err)
			}
			if common.BytesToHash(out) != tc.want || len(out) != 32 {
				t.Fatalf("eth_call = %x, want %s", out, tc.want)
			}
		})
	}
}

func TestAnvilRevertIsTypedExecutionError(t *testing.T) {
	ch := newChain(t, ethrpc.Options{})
	to := ch.contract
	_, err := ch.client.CallContract(ctx(t), ethrpc.CallMsg{To: &to}, ethrpc.Latest, nil)
	if err == nil {
		t.Fatal("eth_call without data did not revert")
	}
	if got := bulwark.ErrorCode(err); got != bulwark.EINVALID {
		t.Fatalf("code = %s, want invalid (%v)", got, err)
	}
	var rerr *ethrpc.RPCError
	if !errors.As(err, &rerr) {
		t.Fatalf("error %T does not wrap *ethrpc.RPCError", err)
	}
	if !rerr.Reverted() || rerr.RateLimited() {
		t.Fatalf("Reverted() = %v, RateLimited() = %v for %+v", rerr.Reverted(), rerr.RateLimited(), rerr)
	}
	if !bytes.Equal(rerr.RevertData(), revertBoom()) {
		t.Fatalf("revert data = %x, want %x", rerr.RevertData(), revertBoom())
	}
	if rerr.RevertReason() != "boom" || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("reason = %q, message = %q; want boom in both", rerr.RevertReason(), err)
	}
	if st := ch.client.Stats(); st.Retries != 0 {
		t.Fatalf("a revert was retried %d times", st.Retries)
	}
}

func TestAnvilBatchSplits(t *testing.T) {
	ch := newChain(t, ethrpc.Options{MaxBatchSize: 100, MaxInFlight: 3})
	c := ch.client
	before := c.Stats().Requests

	const n = 500
	results := make([]common.Hash, n)
	batch := make([]ethrpc.BatchElem, n)
	for i := range batch {
		batch[i] = ethrpc.BatchElem{Method: "eth_getStorageAt", Args: []any{ch.contract, slot(uint64(i)), ethrpc.Latest}, Result: &results[i]}
	}
	to := ch.contract
	// One element that reverts, one unknown method: per-element errors.
	batch[250] = ethrpc.BatchElem{Method: "eth_call", Args: []any{ethrpc.CallMsg{To: &to}, ethrpc.Latest}, Result: new(hexutil.Bytes)}
	batch[499] = ethrpc.BatchElem{Method: "bulwark_noSuchMethod", Result: new(json.RawMessage)}
	if err := c.BatchCall(ctx(t), batch); err != nil {
		t.Fatal(err)
	}
	if got := c.Stats().Requests - before; got != 5 {
		t.Fatalf("500 calls took %d HTTP requests, want 5 chunks of 100", got)
	}
	for i, e := range batch {
		switch i {
		case 250:
			var rerr *ethrpc.RPCError
			if !errors.As(e.Error, &rerr) || !rerr.Reverted() {
				t.Errorf("element 250: err = %v, want a revert", e.Error)
			}
		case 499:
			if !bulwark.IsCode(e.Error, bulwark.EUNAVAILABLE) || !strings.Contains(e.Error.Error(), "does not support bulwark_noSuchMethod") {
				t.Errorf("element 499: err = %v", e.Error)
			}
		default:
			want := common.Hash{}
			switch i {
			case 0:
				want = slot(0x2a)
			case 1:
				want = slot(0xbeef)
			}
			if e.Error != nil || results[i] != want {
				t.Errorf("element %d = %s, %v; want %s", i, results[i], e.Error, want)
			}
		}
	}
}

func TestAnvilTraceCall(t *testing.T) {
	ch := newChain(t, ethrpc.Options{})
	c := ch.client
	to := ch.contract
	accts := anviltest.DefaultAccounts()

	t.Run("callTracer", func(t *testing.T) {
		raw, err := c.TraceCall(ctx(t), ethrpc.CallMsg{From: accts[0], To: &to, Data: slot(1).Bytes()}, ethrpc.Latest,
			ethrpc.TraceConfig{Tracer: ethrpc.CallTracer, Timeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		var frame struct {
			Type   string         `json:"type"`
			From   common.Address `json:"from"`
			To     common.Address `json:"to"`
			Output hexutil.Bytes  `json:"output"`
			Error  string         `json:"error"`
		}
		if err := json.Unmarshal(raw, &frame); err != nil {
			t.Fatalf("%v in %s", err, raw)
		}
		if frame.Type != "CALL" || frame.From != accts[0] || frame.To != to || common.BytesToHash(frame.Output) != slot(0xbeef) || frame.Error != "" {
			t.Fatalf("call frame = %+v", frame)
		}
	})

	t.Run("callTracer revert", func(t *testing.T) {
		raw, err := c.TraceCall(ctx(t), ethrpc.CallMsg{To: &to}, ethrpc.Latest, ethrpc.TraceConfig{Tracer: ethrpc.CallTracer})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(raw), "execution reverted") {
			t.Fatalf("trace of a reverting call has no error: %s", raw)
		}
	})

	t.Run("prestateTracer diffMode", func(t *testing.T) {
		value := ether(1)
		raw, err := c.TraceCall(ctx(t), ethrpc.CallMsg{From: accts[0], To: &accts[1], Value: value}, ethrpc.Latest,
			ethrpc.TraceConfig{Tracer: ethrpc.PrestateTracer, TracerConfig: map[string]any{"diffMode": true}})
		if err != nil {
			t.Fatal(err)
		}
		type account struct {
			Balance *hexutil.Big `json:"balance"`
		}
		var diff struct {
			Pre  map[common.Address]account `json:"pre"`
			Post map[common.Address]account `json:"post"`
		}
		if err := json.Unmarshal(raw, &diff); err != nil {
			t.Fatalf("%v in %s", err, raw)
		}
		pre, post := diff.Pre[accts[1]], diff.Post[accts[1]]
		if pre.Balance == nil || post.Balance == nil {
			t.Fatalf("receiver missing from the diff: %s", raw)
		}
		gain := new(big.Int).Sub(post.Balance.ToInt(), pre.Balance.ToInt())
		if gain.Cmp(value) != 0 {
			t.Fatalf("receiver gained %s, want %s: %s", gain, value, raw)
		}
	})

	t.Run("state overrides", func(t *testing.T) {
		raw, err := c.TraceCall(ctx(t), ethrpc.CallMsg{To: &to, Data: slot(1).Bytes()}, ethrpc.Latest, ethrpc.TraceConfig{
			Tracer:         ethrpc.CallTracer,
			StateOverrides: ethrpc.StateOverride{to: {StateDiff: map[common.Hash]common.Hash{slot(1): slot(0x99)}}},
		})
		if err != nil {
			t.Fatal(err)
		}
		var frame struct {
			Output hexutil.Bytes `json:"output"`
		}
		if err := json.Unmarshal(raw, &frame); err != nil || common.BytesToHash(frame.Output) != slot(0x99) {
			t.Fatalf("override not applied: %s (%v)", raw, err)
		}
	})
}

func TestAnvilNodeDownAndBack(t *testing.T) {
	node := anviltest.Start(t)
	c, err := ethrpc.Dial(node.URL, ethrpc.Options{MaxRetries: 2, RetryBaseDelay: time.Millisecond, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.BlockNumber(ctx(t)); err != nil {
		t.Fatal(err)
	}

	node.Stop()
	_, err = c.BlockNumber(ctx(t))
	if got := bulwark.ErrorCode(err); got != bulwark.EUNAVAILABLE {
		t.Fatalf("code = %q (%v), want unavailable", got, err)
	}
	want := "node at " + node.URL + " is unreachable: connection refused (is it running? check --rpc)"
	if msg := bulwark.ErrorMessage(err); !strings.HasPrefix(msg, want) || !strings.HasSuffix(msg, "(gave up after 3 attempts)") {
		t.Fatalf("message = %q\nwant     %q (gave up after 3 attempts)", msg, want)
	}
	for _, leak := range []string{"dial tcp", "*net.OpError", "syscall", "goroutine"} {
		if strings.Contains(bulwark.ErrorMessage(err), leak) {
			t.Fatalf("message leaks internals (%q): %s", leak, err)
		}
	}
	batch := []ethrpc.BatchElem{{Method: "eth_chainId", Result: new(hexutil.Uint64)}}
	if err := c.BatchCall(ctx(t), batch); !bulwark.IsCode(err, bulwark.EUNAVAILABLE) || batch[0].Error == nil {
		t.Fatalf("batch to a stopped node: err = %v, element err = %v", err, batch[0].Error)
	}

	node.Restart()
	n, err := c.BlockNumber(ctx(t))
	if err != nil || n != 0 {
		t.Fatalf("after restart BlockNumber = %d, %v", n, err)
	}
}
