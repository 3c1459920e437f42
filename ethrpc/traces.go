package ethrpc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/tracing"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/holiman/uint256"
)

// The two wire formats of a block's internal transfers, normalised into
// tracing.Frame rows:
//
//   - trace_block (Parity style: Erigon, Reth, Nethermind, Besu, Anvil): a
//     flat array of frames, each with its trace address;
//   - debug_traceBlockByNumber with {"tracer":"callTracer"} (geth): one
//     call tree per transaction, whose trace addresses are the child
//     positions on the path from the root, numbered as trace_block numbers
//     them.
//
// Both give the frames in execution order (a frame before its subframes).
// The rows say the same thing whatever the format: a CALLCODE's To is the
// caller (trace_block's convention; geth names the code's address, but
// the value never leaves the caller), a SELFDESTRUCT's From the contract
// destroyed. Calls without value to precompiled contracts below the
// transaction's frame are left out and the frames after them renumbered
// (tracing.PrunePrecompileCalls), as Erigon and Reth leave them out of
// trace_block while geth and Anvil show them. Failed frames keep their
// error and everything under them is marked reverted
// (tracing.MarkReverted), so tracing.Frame.Transfer drops them.

// parityAction is the union of the action objects of trace_block frames.
type parityAction struct {
	CallType string `json:"callType"`
	From     string `json:"from"`
	To       string `json:"to"`
	Value    string `json:"value"`
	// suicide
	Address       string `json:"address"`
	Balance       string `json:"balance"`
	RefundAddress string `json:"refundAddress"`
	// reward
	Author string `json:"author"`
}

type parityResult struct {
	Address string `json:"address"` // create: the contract created
}

type parityTrace struct {
	Action              parityAction  `json:"action"`
	BlockNumber         *uint64       `json:"blockNumber"`
	Result              *parityResult `json:"result"`
	Error               string        `json:"error"`
	TraceAddress        []uint32      `json:"traceAddress"`
	TransactionHash     *string       `json:"transactionHash"`
	TransactionPosition *uint32       `json:"transactionPosition"`
	Type                string        `json:"type"`
}

// ParseTraceBlock normalises the result of trace_block (a JSON array of
// Parity-style frames, as Erigon, Reth, Nethermind, Besu and Anvil answer)
// into rows, failed and reverted frames marked. Block rewards come out as
// tracing.TraceReward rows. A frame that lacks what its type needs, or
// has an address or amount that is not hex, is an EINVALID error naming
// the block, transaction and trace address.
func ParseTraceBlock(result []byte) ([]tracing.Frame, error) {
	return parseTraceBlock(result, scanner{})
}

// parseTraceBlock is ParseTraceBlock reading with sc (a result the client
// already checked is read without checking it again).
func parseTraceBlock(result []byte, sc scanner) ([]tracing.Frame, error) {
	wire, ok := sc.parityTraces(result)
	if !ok {
		wire = nil
		if err := json.Unmarshal(result, &wire); err != nil {
			return nil, bulwark.Invalid("trace_block", "the result is not an array of trace_block frames: %v", jsonReason(err))
		}
	}
	return parityRows(wire)
}

// parityRows normalises trace_block's frames as read.
func parityRows(wire []parityTrace) ([]tracing.Frame, error) {
	out := make([]tracing.Frame, 0, len(wire))
	for i := range wire {
		w := &wire[i]
		t, err := parityRow(w, i)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	out = tracing.PrunePrecompileCalls(out)
	tracing.MarkReverted(out)
	return out, nil
}

func parityRow(w *parityTrace, i int) (tracing.Frame, error) {
	var t tracing.Frame
	if w.BlockNumber == nil {
		return t, bulwark.Invalid("trace_block", "frame %d has no blockNumber: the node's answer is not a trace_block result", i)
	}
	t.Block = *w.BlockNumber
	t.TraceAddress = w.TraceAddress
	if t.TraceAddress == nil {
		t.TraceAddress = []uint32{}
	}
	t.Error = w.Error
	where := func() string {
		return "block " + u64(t.Block) + " transaction " + u64(uint64(t.TxIndex)) + " trace " + traceAddr(t.TraceAddress)
	}
	switch w.Type {
	case "reward":
		t.Type = tracing.TraceReward
		var err error
		if t.To, err = address(w.Action.Author, "author", where); err != nil {
			return t, err
		}
		return t, amount(&t.Value, w.Action.Value, "value", where)
	case "call":
		t.Type = tracing.TraceCall
	case "create":
		t.Type = tracing.TraceCreate
	case "suicide", "selfdestruct":
		t.Type = tracing.TraceSuicide
	default:
		return t, bulwark.Invalid("trace_block", "frame %d (block %d) has type %q: expected call, create, suicide or reward", i, t.Block, bulwark.Echo(w.Type))
	}
	if w.TransactionPosition == nil || w.TransactionHash == nil {
		return t, bulwark.Invalid("trace_block", "frame %d (block %d, a %s) has no transactionPosition or transactionHash", i, t.Block, t.Type)
	}
	t.TxIndex = *w.TransactionPosition
	h, err := hash(*w.TransactionHash, where)
	if err != nil {
		return t, err
	}
	t.TxHash = h
	a := &w.Action
	switch t.Type {
	case tracing.TraceCall:
		if t.CallType, err = tracing.ParseCallType(a.CallType); err != nil || t.CallType == tracing.CallNone {
			return t, bulwark.Invalid("trace_block", "%s: call type %q: expected call, callcode, delegatecall or staticcall", where(), bulwark.Echo(a.CallType))
		}
		if t.From, err = address(a.From, "from", where); err != nil {
			return t, err
		}
		if t.To, err = address(a.To, "to", where); err != nil {
			return t, err
		}
		err = amount(&t.Value, a.Value, "value", where)
	case tracing.TraceCreate:
		if t.From, err = address(a.From, "from", where); err != nil {
			return t, err
		}
		if w.Result != nil && w.Result.Address != "" {
			if t.To, err = address(w.Result.Address, "result.address", where); err != nil {
				return t, err
			}
		} else if t.Error == "" {
			return t, bulwark.Invalid("trace_block", "%s: a create that did not fail names no contract (result.address)", where())
		}
		err = amount(&t.Value, a.Value, "value", where)
	case tracing.TraceSuicide:
		if t.From, err = address(a.Address, "address", where); err != nil {
			return t, err
		}
		if t.To, err = address(a.RefundAddress, "refundAddress", where); err != nil {
			return t, err
		}
		err = amount(&t.Value, a.Balance, "balance", where)
	}
	return t, err
}

// gethFrame is one frame of geth's callTracer output.
type gethFrame struct {
	Type  string      `json:"type"`
	From  *string     `json:"from"`
	To    *string     `json:"to"`
	Value *string     `json:"value"`
	Error string      `json:"error"`
	Calls []gethFrame `json:"calls"`
}

type gethTxTrace struct {
	TxHash *string    `json:"txHash"`
	Result *gethFrame `json:"result"`
	Error  string     `json:"error"`
}

// ParseGethCallTraces normalises the result of debug_traceBlockByNumber
// (or ByHash) with {"tracer":"callTracer"} for block into rows numbered
// as trace_block numbers them, failed and reverted frames marked. geth
// gives each transaction's hash from 1.13 on; for older nodes pass the
// block's transaction hashes in order (as eth_getBlockByNumber lists
// them). When both are there they must agree.
func ParseGethCallTraces(result []byte, block uint64, txHashes []common.Hash) ([]tracing.Frame, error) {
	return parseGethCallTraces(result, block, txHashes, scanner{})
}

// parseGethCallTraces is ParseGethCallTraces reading with sc (a result
// the client already checked is read without checking it again).
func parseGethCallTraces(result []byte, block uint64, txHashes []common.Hash, sc scanner) ([]tracing.Frame, error) {
	wire, ok := sc.gethTraces(result)
	if !ok {
		wire = nil
		if err := json.Unmarshal(result, &wire); err != nil {
			return nil, bulwark.Invalid("debug_traceBlockByNumber", "the result for block %d is not an array of callTracer results: %v", block, jsonReason(err))
		}
	}
	if txHashes != nil && len(txHashes) != len(wire) {
		return nil, bulwark.Invalid("debug_traceBlockByNumber", "block %d has %d transactions but the node traced %d: the node is out of step (retry the block)", block, len(txHashes), len(wire))
	}
	var out []tracing.Frame
	for i := range wire {
		w := &wire[i]
		tx := uint32(i)
		if w.Error != "" {
			return nil, bulwark.Invalid("debug_traceBlockByNumber", "block %d transaction %d: the node could not trace it: %s", block, i, bulwark.Echo(w.Error))
		}
		if w.Result == nil {
			return nil, bulwark.Invalid("debug_traceBlockByNumber", "block %d transaction %d has no result: was the tracer callTracer?", block, i)
		}
		var h common.Hash
		switch {
		case w.TxHash != nil:
			var err error
			if h, err = hash(*w.TxHash, func() string { return "block " + u64(block) + " transaction " + u64(uint64(i)) }); err != nil {
				return nil, err
			}
			if txHashes != nil && txHashes[i] != h {
				return nil, bulwark.Invalid("debug_traceBlockByNumber", "block %d transaction %d: the node traced %s where the block has %s: the node is out of step (a reorg?); retry the block", block, i, h.Hex(), txHashes[i].Hex())
			}
		case txHashes != nil:
			h = txHashes[i]
		default:
			return nil, bulwark.Invalid("debug_traceBlockByNumber", "block %d: the node's traces give no transaction hashes (geth before 1.13): pass the block's transaction hashes", block)
		}
		var err error
		out, err = gethWalk(out, w.Result, block, tx, h, nil, common.Address{}, 0)
		if err != nil {
			return nil, err
		}
	}
	if out == nil {
		out = []tracing.Frame{}
	}
	out = tracing.PrunePrecompileCalls(out)
	tracing.MarkReverted(out)
	return out, nil
}

// maxCallDepth bounds the call tree: the EVM stops at 1024 nested calls.
const maxCallDepth = 1025

// gethWalk appends f and its subframes in pre-order. path is f's trace
// address; context is the account the parent frame runs in (whose balance
// a SELFDESTRUCT in it sends).
func gethWalk(out []tracing.Frame, f *gethFrame, block uint64, tx uint32, h common.Hash, path []uint32, context common.Address, depth int) ([]tracing.Frame, error) {
	if depth >= maxCallDepth {
		return out, bulwark.Invalid("debug_traceBlockByNumber", "block %d transaction %d: the call tree is deeper than the EVM allows (%d)", block, tx, maxCallDepth)
	}
	t := tracing.Frame{Block: block, TxIndex: tx, TxHash: h, TraceAddress: path, Error: f.Error}
	if t.TraceAddress == nil {
		t.TraceAddress = []uint32{}
	}
	where := func() string {
		return "block " + u64(block) + " transaction " + u64(uint64(tx)) + " trace " + traceAddr(t.TraceAddress)
	}
	opt := func(dst *common.Address, s *string, field string) error {
		if s == nil {
			return bulwark.Invalid("debug_traceBlockByNumber", "%s: the %s frame has no %s", where(), bulwark.Echo(f.Type), field)
		}
		a, err := address(*s, field, where)
		*dst = a
		return err
	}
	var err error
	switch strings.ToUpper(f.Type) {
	case "CALL", "CALLCODE", "DELEGATECALL", "STATICCALL":
		t.Type = tracing.TraceCall
		t.CallType, _ = tracing.ParseCallType(strings.ToLower(f.Type))
		if err = opt(&t.From, f.From, "from"); err != nil {
			return out, err
		}
		if err = opt(&t.To, f.To, "to"); err != nil {
			return out, err
		}
		context = t.To
		switch t.CallType {
		case tracing.CallCode:
			// The code at To runs in the caller's account, which keeps
			// the value; trace_block names the caller as To.
			context, t.To = t.From, t.From
		case tracing.CallDelegate:
			context = t.From
		}
	case "CREATE", "CREATE2":
		t.Type = tracing.TraceCreate
		if err = opt(&t.From, f.From, "from"); err != nil {
			return out, err
		}
		if f.To != nil && *f.To != "" {
			if t.To, err = address(*f.To, "to", where); err != nil {
				return out, err
			}
		} else if f.Error == "" {
			return out, bulwark.Invalid("debug_traceBlockByNumber", "%s: a create that did not fail names no contract (to)", where())
		}
		if f.Error != "" {
			t.To = common.Address{} // as trace_block: no contract was made
		}
		context = t.To
	case "SELFDESTRUCT", "SUICIDE":
		t.Type = tracing.TraceSuicide
		t.From = context
		if f.From != nil {
			if err = opt(&t.From, f.From, "from"); err != nil {
				return out, err
			}
		}
		if f.To == nil || f.Value == nil {
			t.Incomplete = true
		} else if err = opt(&t.To, f.To, "to"); err != nil {
			return out, err
		}
	default:
		return out, bulwark.Invalid("debug_traceBlockByNumber", "%s: frame type %q: expected CALL, CALLCODE, DELEGATECALL, STATICCALL, CREATE, CREATE2 or SELFDESTRUCT (was the tracer callTracer?)", where(), bulwark.Echo(f.Type))
	}
	if f.Value != nil {
		if err = amount(&t.Value, *f.Value, "value", where); err != nil {
			return out, err
		}
	}
	out = append(out, t)
	for i := range f.Calls {
		sub := make([]uint32, len(path)+1)
		copy(sub, path)
		sub[len(path)] = uint32(i)
		if out, err = gethWalk(out, &f.Calls[i], block, tx, h, sub, context, depth+1); err != nil {
			return out, err
		}
	}
	return out, nil
}

func address(s, field string, where func() string) (common.Address, error) {
	var a common.Address
	if len(s) != 42 || !strings.HasPrefix(s, "0x") || !unhexTo(a[:], s[2:]) {
		return common.Address{}, bulwark.Invalid("trace", "%s: %s %q is not a 0x-prefixed 20-byte hex address", where(), field, bulwark.Echo(s))
	}
	return a, nil
}

func hash(s string, where func() string) (common.Hash, error) {
	var h common.Hash
	if len(s) != 66 || !strings.HasPrefix(s, "0x") || !unhexTo(h[:], s[2:]) {
		return common.Hash{}, bulwark.Invalid("trace", "%s: transaction hash %q is not a 0x-prefixed 32-byte hex string", where(), bulwark.Echo(s))
	}
	return h, nil
}

// unhexTo decodes the hex digits s, two for each byte of dst, into dst
// (without the copies common.HexToAddress makes); false when s has
// another length or a byte that is not a hex digit.
func unhexTo[S ~string | ~[]byte](dst []byte, s S) bool {
	if len(s) != 2*len(dst) {
		return false
	}
	for i := range dst {
		hi, ok1 := unhex(s[2*i])
		lo, ok2 := unhex(s[2*i+1])
		if !ok1 || !ok2 {
			return false
		}
		dst[i] = hi<<4 | lo
	}
	return true
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// amount reads a hex quantity ("0x0", "0x56bc75e2d63100000"); an empty
// string is zero (frames without value).
func amount(dst *uint256.Int, s, field string, where func() string) error {
	if s == "" {
		dst.Clear()
		return nil
	}
	if err := dst.SetFromHex(s); err != nil {
		// SetFromHex refuses leading zeros, which some nodes send.
		t := strings.TrimLeft(strings.TrimPrefix(s, "0x"), "0")
		if strings.HasPrefix(s, "0x") && len(s) > 2 && t != s[2:] {
			if t == "" {
				dst.Clear()
				return nil
			}
			if dst.SetFromHex("0x"+t) == nil {
				return nil
			}
		}
		return bulwark.Invalid("trace", "%s: %s %q is not a hex quantity below 2^256", where(), field, bulwark.Echo(s))
	}
	return nil
}

func u64(n uint64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}

func traceAddr(p []uint32) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, n := range p {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(u64(uint64(n)))
	}
	b.WriteByte(']')
	return b.String()
}

// jsonReason says what was wrong with a JSON document without encoding/json's Go type names.
func jsonReason(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return "not valid JSON at byte " + u64(uint64(se.Offset))
	case errors.As(err, &te):
		return "a " + te.Value + " where " + fieldOr(te.Field) + " expects something else"
	default:
		return "not the expected JSON"
	}
}

func fieldOr(f string) string {
	if f == "" {
		return "the document"
	}
	return "field " + f
}

// TraceBlock fetches block n's internal transfers with trace_block (Erigon,
// Reth, Nethermind, Besu, Anvil) and normalises them (ParseTraceBlock).
// ENOTFOUND when the node has no such block; EINVALID when the answer is
// malformed or speaks of another block.
func (c *Client) TraceBlock(ctx context.Context, n uint64) ([]tracing.Frame, error) {
	var raw json.RawMessage
	if err := c.Call(ctx, &raw, "trace_block", hexutil.Uint64(n)); err != nil {
		return nil, err
	}
	return c.decodeTraceBlock(raw, n)
}

// decodeTraceBlock decodes block n's trace_block answer, as Call read it.
func (c *Client) decodeTraceBlock(raw json.RawMessage, n uint64) ([]tracing.Frame, error) {
	return c.decodeTraceBlockRead(raw, nil, false, n)
}

// decodeTraceBlockRead is decodeTraceBlock given the frames already read
// from raw (scanner.parityTraces), when read.
func (c *Client) decodeTraceBlockRead(raw json.RawMessage, wire []parityTrace, read bool, n uint64) ([]tracing.Frame, error) {
	var trs []tracing.Frame
	var err error
	switch {
	case read:
		trs, err = parityRows(wire)
	case isNull(raw):
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "block %d not found on node at %s", n, c.safeURL)
	default:
		// Call checked that the result is valid JSON as it read it.
		trs, err = parseTraceBlock(raw, scanner{valid: true})
	}
	if err != nil {
		return nil, c.malformedTraces("trace_block", n, err)
	}
	for i := range trs {
		if trs[i].Block != n {
			return nil, bulwark.Errorf(bulwark.EINVALID, "node at %s answered trace_block for block %d with a trace of block %d: the node is out of step; retry the block", c.safeURL, n, trs[i].Block)
		}
	}
	return trs, nil
}

// TraceBlockCallTracer fetches block n's internal transfers with
// debug_traceBlockByNumber and geth's callTracer and normalises them
// (ParseGethCallTraces); txHashes are the block's transaction hashes, in
// order, for nodes whose answer does not carry them (nil otherwise).
func (c *Client) TraceBlockCallTracer(ctx context.Context, n uint64, txHashes []common.Hash) ([]tracing.Frame, error) {
	var raw json.RawMessage
	if err := c.Call(ctx, &raw, "debug_traceBlockByNumber", hexutil.Uint64(n), map[string]any{"tracer": "callTracer"}); err != nil {
		return nil, err
	}
	if isNull(raw) {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "block %d not found on node at %s", n, c.safeURL)
	}
	// Call checked that the result is valid JSON as it read it.
	trs, err := parseGethCallTraces(raw, n, txHashes, scanner{valid: true})
	if err != nil {
		return nil, c.malformedTraces("debug_traceBlockByNumber", n, err)
	}
	return trs, nil
}

func (c *Client) malformedTraces(method string, n uint64, err error) error {
	return bulwark.Wrap(err, bulwark.EINVALID, fmt.Sprintf("node at %s sent a malformed %s result for block %d: %s", c.safeURL, method, n, bulwark.ErrorMessage(err)))
}
