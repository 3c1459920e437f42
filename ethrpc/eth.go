package ethrpc

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
)

// BlockRef names the block a state query reads: a tag (Latest, Pending,
// Safe, Finalized, Earliest), a number (AtBlock) or a hash (AtHash). The
// zero value means Latest.
type BlockRef string

// Block tags.
const (
	Latest    BlockRef = "latest"
	Pending   BlockRef = "pending"
	Safe      BlockRef = "safe"
	Finalized BlockRef = "finalized"
	Earliest  BlockRef = "earliest"
)

// AtBlock returns a BlockRef for block number n.
func AtBlock(n uint64) BlockRef { return BlockRef(hexutil.EncodeUint64(n)) }

// AtHash returns a BlockRef for the block with hash h (EIP-1898).
func AtHash(h common.Hash) BlockRef { return BlockRef(h.Hex()) }

// ParseBlockRef reads a block as a user writes it: a tag, a decimal or
// 0x-hex number, or a 0x-prefixed 32-byte hash. Errors are EINVALID for
// the "block" field.
func ParseBlockRef(s string) (BlockRef, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	switch BlockRef(s) {
	case "", Latest:
		return Latest, nil
	case Pending, Safe, Finalized, Earliest:
		return BlockRef(s), nil
	}
	if strings.HasPrefix(s, "0x") {
		if len(s) == 66 {
			if _, err := hexutil.Decode(s); err == nil {
				return BlockRef(s), nil
			}
		} else if n, err := hexutil.DecodeUint64(s); err == nil {
			return AtBlock(n), nil
		}
	} else if n, err := strconv.ParseUint(s, 10, 64); err == nil {
		return AtBlock(n), nil
	}
	return "", bulwark.Invalid("block", "%q is not a block; give a number, a 0x block hash, or latest, pending, safe, finalized or earliest", clean(s, 80))
}

// isHash reports whether b names a block by hash.
func (b BlockRef) isHash() bool { return len(b) == 66 }

// String returns the tag, the 0x number or the hash.
func (b BlockRef) String() string {
	if b == "" {
		return string(Latest)
	}
	return string(b)
}

// describe names b for a message: a number in decimal (as users write
// block numbers), a tag or a hash as it is.
func (b BlockRef) describe() string {
	if !b.isHash() && strings.HasPrefix(string(b), "0x") {
		if n, err := hexutil.DecodeUint64(string(b)); err == nil {
			return strconv.FormatUint(n, 10)
		}
	}
	return b.String()
}

// MarshalJSON encodes b as a block parameter: a tag or number as a string,
// a hash as an EIP-1898 object.
func (b BlockRef) MarshalJSON() ([]byte, error) {
	if b.isHash() {
		return json.Marshal(map[string]string{"blockHash": string(b)})
	}
	return json.Marshal(b.String())
}

// CallMsg is a message for eth_call, eth_estimateGas-style calls and
// debug_traceCall. Nil and zero fields are left out.
type CallMsg struct {
	From     common.Address  // zero: left out
	To       *common.Address // nil: contract creation
	Gas      uint64          // 0: node's default
	GasPrice *big.Int
	Value    *big.Int
	Data     []byte
}

// MarshalJSON encodes the message as a transaction call object. The call
// data is sent as both "input" and "data", which new and old nodes read.
func (m CallMsg) MarshalJSON() ([]byte, error) {
	arg := map[string]any{}
	if m.From != (common.Address{}) {
		arg["from"] = m.From
	}
	if m.To != nil {
		arg["to"] = m.To
	}
	if m.Gas != 0 {
		arg["gas"] = hexutil.Uint64(m.Gas)
	}
	if m.GasPrice != nil {
		arg["gasPrice"] = (*hexutil.Big)(m.GasPrice)
	}
	if m.Value != nil {
		arg["value"] = (*hexutil.Big)(m.Value)
	}
	if len(m.Data) > 0 {
		arg["input"] = hexutil.Bytes(m.Data)
		arg["data"] = hexutil.Bytes(m.Data)
	}
	return json.Marshal(arg)
}

// OverrideAccount replaces parts of one account's state for a single
// eth_call or debug_traceCall. Nil fields are left as they are. State
// replaces the whole storage; StateDiff changes only the slots given.
type OverrideAccount struct {
	Nonce     *uint64
	Code      []byte // nil: unchanged; empty non-nil: no code
	Balance   *big.Int
	State     map[common.Hash]common.Hash
	StateDiff map[common.Hash]common.Hash
}

// MarshalJSON encodes the override in the nodes' common format.
func (o OverrideAccount) MarshalJSON() ([]byte, error) {
	arg := map[string]any{}
	if o.Nonce != nil {
		arg["nonce"] = hexutil.Uint64(*o.Nonce)
	}
	if o.Code != nil {
		arg["code"] = hexutil.Bytes(o.Code)
	}
	if o.Balance != nil {
		arg["balance"] = (*hexutil.Big)(o.Balance)
	}
	if o.State != nil {
		arg["state"] = o.State
	}
	if o.StateDiff != nil {
		arg["stateDiff"] = o.StateDiff
	}
	return json.Marshal(arg)
}

// StateOverride maps accounts to their overrides.
type StateOverride map[common.Address]OverrideAccount

// ChainID returns the node's chain id (eth_chainId).
func (c *Client) ChainID(ctx context.Context) (uint64, error) {
	var id hexutil.Uint64
	if err := c.Call(ctx, &id, "eth_chainId"); err != nil {
		return 0, err
	}
	return uint64(id), nil
}

// BlockNumber returns the number of the node's latest block.
func (c *Client) BlockNumber(ctx context.Context) (uint64, error) {
	var n hexutil.Uint64
	if err := c.Call(ctx, &n, "eth_blockNumber"); err != nil {
		return 0, err
	}
	return uint64(n), nil
}

// BalanceAt returns the balance of addr in wei at block.
func (c *Client) BalanceAt(ctx context.Context, addr common.Address, block BlockRef) (*big.Int, error) {
	var v hexutil.Big
	if err := c.Call(ctx, &v, "eth_getBalance", addr, block); err != nil {
		return nil, err
	}
	return (*big.Int)(&v), nil
}

// CodeAt returns the code of addr at block; empty for an account without
// code.
func (c *Client) CodeAt(ctx context.Context, addr common.Address, block BlockRef) ([]byte, error) {
	var code hexutil.Bytes
	if err := c.Call(ctx, &code, "eth_getCode", addr, block); err != nil {
		return nil, err
	}
	return code, nil
}

// StorageAt returns the storage slot of addr at block.
func (c *Client) StorageAt(ctx context.Context, addr common.Address, slot common.Hash, block BlockRef) (common.Hash, error) {
	var v hexutil.Bytes
	if err := c.Call(ctx, &v, "eth_getStorageAt", addr, slot, block); err != nil {
		return common.Hash{}, err
	}
	if len(v) > common.HashLength {
		return common.Hash{}, bulwark.Errorf(bulwark.EINVALID,
			"node at %s sent a malformed result for eth_getStorageAt: %d bytes, want at most 32", c.safeURL, len(v))
	}
	return common.BytesToHash(v), nil
}

// CallContract executes msg with eth_call at block without making a
// transaction, with optional state overrides (nil for none), and returns
// the return data. A revert comes back as an EINVALID error wrapping an
// *RPCError whose Reverted() is true and whose RevertData() holds the
// revert data.
func (c *Client) CallContract(ctx context.Context, msg CallMsg, block BlockRef, overrides StateOverride) ([]byte, error) {
	args := []any{msg, block}
	if len(overrides) > 0 {
		args = append(args, overrides)
	}
	var out hexutil.Bytes
	if err := c.Call(ctx, &out, "eth_call", args...); err != nil {
		return nil, err
	}
	return out, nil
}

// Header is the part of a block header Bulwark uses.
type Header struct {
	Number     uint64
	Hash       common.Hash
	ParentHash common.Hash
	Time       time.Time // block timestamp, UTC
	Miner      common.Address
	StateRoot  common.Hash
	GasLimit   uint64
	GasUsed    uint64
	BaseFee    *big.Int // nil before London
}

// Block is a header and the hashes of the block's transactions.
type Block struct {
	Header
	Transactions []common.Hash
}

// rpcBlock is the JSON form of a block with transaction hashes only.
type rpcBlock struct {
	Number       *hexutil.Uint64 `json:"number"`
	Hash         *common.Hash    `json:"hash"`
	ParentHash   common.Hash     `json:"parentHash"`
	Timestamp    hexutil.Uint64  `json:"timestamp"`
	Miner        common.Address  `json:"miner"`
	StateRoot    common.Hash     `json:"stateRoot"`
	GasLimit     hexutil.Uint64  `json:"gasLimit"`
	GasUsed      hexutil.Uint64  `json:"gasUsed"`
	BaseFee      *hexutil.Big    `json:"baseFeePerGas"`
	Transactions []common.Hash   `json:"transactions"`
}

// HeaderByNumber returns the header of block; ENOTFOUND when the node has
// no such block.
func (c *Client) HeaderByNumber(ctx context.Context, block BlockRef) (*Header, error) {
	b, err := c.getBlock(ctx, block)
	if err != nil {
		return nil, err
	}
	return &b.Header, nil
}

// BlockByNumber returns block with its transaction hashes; ENOTFOUND when
// the node has no such block.
func (c *Client) BlockByNumber(ctx context.Context, block BlockRef) (*Block, error) {
	return c.getBlock(ctx, block)
}

func (c *Client) getBlock(ctx context.Context, block BlockRef) (*Block, error) {
	var raw json.RawMessage
	var err error
	method := "eth_getBlockByNumber"
	if block.isHash() {
		method = "eth_getBlockByHash"
		err = c.Call(ctx, &raw, method, common.HexToHash(string(block)), false)
	} else {
		err = c.Call(ctx, &raw, method, block, false)
	}
	if err != nil {
		return nil, err
	}
	return c.parseBlock(raw, block, method)
}

// parseBlock decodes the answer to method (eth_getBlockByNumber or
// ByHash, transaction hashes only) for block, as Call read it.
func (c *Client) parseBlock(raw json.RawMessage, block BlockRef, method string) (*Block, error) {
	return c.parseBlockRead(raw, nil, block, method)
}

// parseBlockRead is parseBlock given the block already read from raw
// (scanner.block), when rb is not nil.
func (c *Client) parseBlockRead(raw json.RawMessage, rb *rpcBlock, block BlockRef, method string) (*Block, error) {
	if rb == nil {
		if isNull(raw) {
			return nil, bulwark.Errorf(bulwark.ENOTFOUND, "block %s not found on node at %s", block.describe(), c.safeURL)
		}
		rb = new(rpcBlock)
		// Call checked that the result is valid JSON as it read it.
		if !(scanner{valid: true}).block(raw, rb) {
			*rb = rpcBlock{}
			if err := json.Unmarshal(raw, rb); err != nil {
				return nil, bulwark.Wrap(err, bulwark.EINVALID, fmt.Sprintf("node at %s sent a malformed block for %s", c.safeURL, method))
			}
		}
	}
	b := &Block{
		Header: Header{
			ParentHash: rb.ParentHash,
			Time:       time.Unix(int64(rb.Timestamp), 0).UTC(),
			Miner:      rb.Miner,
			StateRoot:  rb.StateRoot,
			GasLimit:   uint64(rb.GasLimit),
			GasUsed:    uint64(rb.GasUsed),
		},
		Transactions: rb.Transactions,
	}
	if rb.Number != nil {
		b.Number = uint64(*rb.Number)
	}
	if rb.Hash != nil {
		b.Hash = *rb.Hash
	}
	if rb.BaseFee != nil {
		b.BaseFee = rb.BaseFee.ToInt()
	}
	return b, nil
}

// Receipt is the part of a transaction receipt Bulwark uses.
type Receipt struct {
	TxHash            common.Hash
	BlockHash         common.Hash
	BlockNumber       uint64
	TransactionIndex  uint64
	From              common.Address
	To                *common.Address // nil for a contract creation
	ContractAddress   *common.Address // the created contract, if any
	Status            uint64          // 1 success, 0 failure
	GasUsed           uint64
	EffectiveGasPrice *big.Int
	Logs              []Log
}

// Log is an event a transaction emitted.
type Log struct {
	Address  common.Address
	Topics   []common.Hash
	Data     []byte
	LogIndex uint64
	Removed  bool
}

type rpcReceipt struct {
	TxHash            common.Hash     `json:"transactionHash"`
	BlockHash         common.Hash     `json:"blockHash"`
	BlockNumber       hexutil.Uint64  `json:"blockNumber"`
	TransactionIndex  hexutil.Uint64  `json:"transactionIndex"`
	From              common.Address  `json:"from"`
	To                *common.Address `json:"to"`
	ContractAddress   *common.Address `json:"contractAddress"`
	Status            hexutil.Uint64  `json:"status"`
	GasUsed           hexutil.Uint64  `json:"gasUsed"`
	EffectiveGasPrice *hexutil.Big    `json:"effectiveGasPrice"`
	Logs              []rpcReceiptLog `json:"logs"`
}

type rpcReceiptLog struct {
	Address  common.Address `json:"address"`
	Topics   []common.Hash  `json:"topics"`
	Data     hexutil.Bytes  `json:"data"`
	LogIndex hexutil.Uint64 `json:"logIndex"`
	Removed  bool           `json:"removed"`
}

// TransactionReceipt returns the receipt of the transaction with hash h;
// ENOTFOUND when the node knows no mined transaction with that hash.
func (c *Client) TransactionReceipt(ctx context.Context, h common.Hash) (*Receipt, error) {
	var raw json.RawMessage
	if err := c.Call(ctx, &raw, "eth_getTransactionReceipt", h); err != nil {
		return nil, err
	}
	if isNull(raw) {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "no receipt for transaction %s on node at %s (unknown or not mined yet)", h.Hex(), c.safeURL)
	}
	return c.parseReceipt(raw, h)
}

// receipt converts the JSON form.
func (rr *rpcReceipt) receipt() *Receipt {
	r := new(Receipt)
	rr.fill(r)
	return r
}

// fill sets *r to the receipt rr is the JSON form of.
func (rr *rpcReceipt) fill(r *Receipt) {
	*r = Receipt{
		TxHash:           rr.TxHash,
		BlockHash:        rr.BlockHash,
		BlockNumber:      uint64(rr.BlockNumber),
		TransactionIndex: uint64(rr.TransactionIndex),
		From:             rr.From,
		To:               rr.To,
		ContractAddress:  rr.ContractAddress,
		Status:           uint64(rr.Status),
		GasUsed:          uint64(rr.GasUsed),
		Logs:             make([]Log, len(rr.Logs)),
	}
	if rr.EffectiveGasPrice != nil {
		r.EffectiveGasPrice = rr.EffectiveGasPrice.ToInt()
	}
	for i, l := range rr.Logs {
		r.Logs[i] = Log{Address: l.Address, Topics: l.Topics, Data: l.Data, LogIndex: uint64(l.LogIndex), Removed: l.Removed}
	}
}

// Tracer names for TraceConfig.Tracer.
const (
	CallTracer     = "callTracer"
	PrestateTracer = "prestateTracer"
)

// TraceConfig configures debug_traceCall.
type TraceConfig struct {
	// Tracer is the tracer name, e.g. CallTracer or PrestateTracer; empty
	// for the node's default struct logger.
	Tracer string
	// TracerConfig is the tracer's own configuration, marshalled as JSON,
	// e.g. map[string]any{"diffMode": true} or {"onlyTopCall": true}.
	TracerConfig any
	// Timeout is the node-side tracing timeout; 0 for the node's default.
	Timeout time.Duration
	// StateOverrides apply to the traced call.
	StateOverrides StateOverride
}

// MarshalJSON encodes the config as debug_traceCall's third parameter.
func (tc TraceConfig) MarshalJSON() ([]byte, error) {
	arg := map[string]any{}
	if tc.Tracer != "" {
		arg["tracer"] = tc.Tracer
	}
	if tc.TracerConfig != nil {
		arg["tracerConfig"] = tc.TracerConfig
	}
	if tc.Timeout > 0 {
		arg["timeout"] = tc.Timeout.String()
	}
	if len(tc.StateOverrides) > 0 {
		arg["stateOverrides"] = tc.StateOverrides
	}
	return json.Marshal(arg)
}

// TraceCall runs msg at block under a tracer (debug_traceCall) and returns
// the tracer's output as the node sent it. A node without the debug API
// gives EUNAVAILABLE ("does not support debug_traceCall").
func (c *Client) TraceCall(ctx context.Context, msg CallMsg, block BlockRef, cfg TraceConfig) (json.RawMessage, error) {
	var out json.RawMessage
	if err := c.Call(ctx, &out, "debug_traceCall", msg, block, cfg); err != nil {
		return nil, err
	}
	return out, nil
}

func isNull(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || bytes.Equal(raw, []byte("null"))
}
