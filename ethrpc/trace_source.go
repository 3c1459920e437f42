package ethrpc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync/atomic"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/holiman/uint256"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/tracing"
)

// Event topics: Transfer(address,address,uint256) of ERC-20 (three
// topics) and ERC-721 (four topics), and WETH9's Deposit(address,uint256)
// and Withdrawal(address,uint256).
var (
	transferTopic   = common.HexToHash("0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef")
	depositTopic    = common.HexToHash("0xe1fffcc4923d04b559f4d29a8bfc6cda04eb5b0d3c460751c2402c5c5cc9109c")
	withdrawalTopic = common.HexToHash("0x7fcf532c15f0a6db0bd6d0e038bea71d30d808c7d98cb3bf7268a95bf5081b65")
)

// TraceSource reads a chain's blocks for tracing.Ingester: each block's
// header and transactions, its receipts (eth_getBlockReceipts, or one
// eth_getTransactionReceipt per transaction on nodes without it) and its
// traces (trace_block, or debug_traceBlockByNumber with callTracer on
// nodes without it), turned into transfers: native transfers from the
// traces, the gas fee of every transaction (the base fee burned, the rest
// to the block's fee recipient), ERC-20 and ERC-721 Transfer events,
// ERC-1155 TransferSingle and TransferBatch events (one transfer per
// item), and the wrapped native token's Deposit and Withdrawal events as
// wraps and unwraps. A malformed ERC-1155 event (any contract can emit
// one) is skipped, with a warning on the client's Logger saying why, and
// counted in Skipped.
type TraceSource struct {
	Client *Client
	Chain  uint64
	// Wrapped gives the chain's wrapped native token; nil means
	// tracing.DefaultWrappedNatives().
	Wrapped tracing.WrappedNatives

	// Skipped counts the malformed ERC-1155 events skipped.
	Skipped atomic.Int64

	noBlockReceipts atomic.Bool // the node lacks eth_getBlockReceipts
	noTraceBlock    atomic.Bool // the node lacks trace_block
	noBatch         atomic.Bool // the node refuses JSON-RPC batches
}

var _ tracing.BlockSource = (*TraceSource)(nil)

// Head returns the node's latest block number.
func (s *TraceSource) Head(ctx context.Context) (uint64, error) { return s.Client.BlockNumber(ctx) }

// Header returns block n's header.
func (s *TraceSource) Header(ctx context.Context, n uint64) (tracing.BlockHeader, error) {
	h, err := s.Client.HeaderByNumber(ctx, AtBlock(n))
	if err != nil {
		return tracing.BlockHeader{}, err
	}
	return tracing.BlockHeader{Number: h.Number, Hash: h.Hash, Parent: h.ParentHash, Time: h.Time.Unix()}, nil
}

// batchRefused reports whether re, the one answer to a whole batch, says
// the node does not take batches: an invalid request (-32600), or a
// message about batches (e.g. "batch requests are disabled").
func batchRefused(re *RPCError) bool {
	return re.Code == -32600 || re.Code == -32601 || strings.Contains(strings.ToLower(re.Message), "batch")
}

func methodMissing(err error) bool {
	var re *RPCError
	return errors.As(err, &re) && re.Code == -32601
}

// Block returns block n's header and transfers.
func (s *TraceSource) Block(ctx context.Context, n uint64) (tracing.NodeBlock, error) {
	b, rcpts, trs, err := s.fetch(ctx, n)
	if err != nil {
		return tracing.NodeBlock{}, err
	}
	out := tracing.NodeBlock{Header: tracing.BlockHeader{Number: b.Number, Hash: b.Hash, Parent: b.ParentHash, Time: b.Time.Unix()}}
	if b.Number != n {
		return out, nil // the ingester refuses it, naming both
	}
	t := out.Header.Time
	// Room for every frame, two fees per transaction and every log, so
	// that the slice is not regrown.
	room := len(trs) + 2*len(rcpts)
	for _, r := range rcpts {
		room += len(r.Logs)
	}
	out.Transfers = make([]tracing.Transfer, 0, room)
	for i := range trs {
		tf, ok, err := trs[i].Transfer(s.Chain, t)
		if err != nil {
			return out, err
		}
		if ok {
			out.Transfers = append(out.Transfers, tf)
		}
	}
	weth, hasWeth := s.wrapped()
	for _, r := range rcpts {
		if r.BlockHash != b.Hash || r.BlockNumber != n {
			return out, bulwark.Errorf(bulwark.EINVALID, "node at %s gave block %d (%s) a receipt of block %d (%s), transaction %s: the node is out of step; retry the block", s.Client.safeURL, n, b.Hash.Hex(), r.BlockNumber, r.BlockHash.Hex(), r.TxHash.Hex())
		}
		if out.Transfers, err = s.fees(out.Transfers, b, r); err != nil {
			return out, err
		}
		if out.Transfers, err = s.events(out.Transfers, b, r, weth, hasWeth); err != nil {
			return out, err
		}
	}
	return out, nil
}

// fetch reads block n, its receipts and its traces. The three calls go
// in one request (a JSON-RPC batch: one exchange with the node instead of
// three) while the node answers them all; a method the node lacks is
// replaced by the next best (eth_getTransactionReceipt per transaction,
// debug_traceBlockByNumber with callTracer), and a node that refuses
// batches is asked one call at a time. The answer is read into a buffer
// of the client's pool, given back once decoded: nothing decoded from it
// points into it (TestTraceSourceReusesBuffers).
func (s *TraceSource) fetch(ctx context.Context, n uint64) (*Block, []*Receipt, []tracing.Frame, error) {
	if s.noBatch.Load() {
		return s.fetchEach(ctx, n)
	}
	bufs := bodies{c: s.Client}
	defer bufs.release()
	var blk, rcpts, trs json.RawMessage
	// Each result read as the answer is checked, in one pass (left to
	// the usual decoding when the reader does not take it).
	var (
		rb                  rpcBlock
		rrs                 []*rpcReceipt
		wire                []parityTrace
		rbOK, rrsOK, wireOK bool
	)
	batch := make([]BatchElem, 1, 3)
	batch[0] = BatchElem{Method: "eth_getBlockByNumber", Args: []any{AtBlock(n), false}, Result: &blk,
		decode: func(raw []byte) bool {
			rb = rpcBlock{}
			rbOK = scanner{}.block(raw, &rb)
			return rbOK
		}}
	ri, ti := -1, -1
	if !s.noBlockReceipts.Load() {
		ri = len(batch)
		batch = append(batch, BatchElem{Method: "eth_getBlockReceipts", Args: []any{AtBlock(n)}, Result: &rcpts,
			decode: func(raw []byte) bool {
				rrs, rrsOK = scanner{}.receipts(raw)
				return rrsOK
			}})
	}
	if !s.noTraceBlock.Load() {
		ti = len(batch)
		batch = append(batch, BatchElem{Method: "trace_block", Args: []any{hexutil.Uint64(n)}, Result: &trs,
			decode: func(raw []byte) bool {
				wire, wireOK = scanner{}.parityTraces(raw)
				return wireOK
			}})
	}
	if err := s.Client.batchCall(ctx, batch, &bufs); err != nil {
		var re *RPCError
		if errors.As(err, &re) {
			// The node answered the batch with one error. Only a
			// refusal of batches turns them off for good; any other
			// (a rate limit, say) is this block's, asked one call at a
			// time.
			if batchRefused(re) {
				s.noBatch.Store(true)
			}
			return s.fetchEach(ctx, n)
		}
		return nil, nil, nil, err
	}
	if err := batch[0].Error; err != nil {
		if errors.As(err, new(*RPCError)) {
			// A batch shares limits a single call does not (one
			// deadline, one response size): ask again on its own.
			return s.fetchEach(ctx, n)
		}
		return nil, nil, nil, err
	}
	var read *rpcBlock
	if rbOK {
		read = &rb
	}
	b, err := s.Client.parseBlockRead(blk, read, AtBlock(n), "eth_getBlockByNumber")
	if err != nil || b.Number != n {
		return b, nil, nil, err
	}
	var rs []*Receipt
	if ri >= 0 {
		if err := batch[ri].Error; err == nil {
			if rrsOK {
				rs, err = s.blockReceiptsRead(b, rrs)
			} else {
				rs, err = s.blockReceipts(b, rcpts)
			}
			if err != nil {
				return nil, nil, nil, err
			}
		} else {
			// Without the method, never ask for it again; any other
			// error in the batch (a response too large, the batch's
			// deadline) is asked again as a call of its own.
			if methodMissing(err) {
				s.noBlockReceipts.Store(true)
			}
			ri = -1
		}
	}
	if ri < 0 {
		if rs, err = s.receipts(ctx, b); err != nil {
			return nil, nil, nil, err
		}
	}
	var frames []tracing.Frame
	if ti >= 0 {
		if err := batch[ti].Error; err == nil {
			if frames, err = s.Client.decodeTraceBlockRead(trs, wire, wireOK, n); err != nil {
				return nil, nil, nil, err
			}
			return b, rs, frames, nil
		} else if methodMissing(err) {
			s.noTraceBlock.Store(true)
		}
	}
	frames, err = s.traces(ctx, b)
	return b, rs, frames, err
}

// fetchEach is fetch one call at a time.
func (s *TraceSource) fetchEach(ctx context.Context, n uint64) (*Block, []*Receipt, []tracing.Frame, error) {
	b, err := s.Client.BlockByNumber(ctx, AtBlock(n))
	if err != nil || b.Number != n {
		return b, nil, nil, err
	}
	rcpts, err := s.receipts(ctx, b)
	if err != nil {
		return nil, nil, nil, err
	}
	trs, err := s.traces(ctx, b)
	if err != nil {
		return nil, nil, nil, err
	}
	return b, rcpts, trs, nil
}

// receipts returns the receipts of b's transactions, in order.
func (s *TraceSource) receipts(ctx context.Context, b *Block) ([]*Receipt, error) {
	if !s.noBlockReceipts.Load() {
		var raw json.RawMessage
		err := s.Client.Call(ctx, &raw, "eth_getBlockReceipts", AtBlock(b.Number))
		switch {
		case err == nil:
			return s.blockReceipts(b, raw)
		case methodMissing(err):
			s.noBlockReceipts.Store(true)
		default:
			return nil, err
		}
	}
	out := make([]*Receipt, len(b.Transactions))
	for i, h := range b.Transactions {
		r, err := s.Client.TransactionReceipt(ctx, h)
		if err != nil {
			return nil, err
		}
		out[i] = r
	}
	return out, nil
}

// blockReceipts decodes the eth_getBlockReceipts answer for b, as Call
// read it, and checks it against b's transactions. It is decoded in one
// go, not element by element (each a pass of its own over the answer), in
// one pass without reflection when the answer has the usual shape.
func (s *TraceSource) blockReceipts(b *Block, raw json.RawMessage) ([]*Receipt, error) {
	rrs, err := s.Client.decodeReceipts(raw)
	if err != nil {
		return nil, err
	}
	return s.blockReceiptsRead(b, rrs)
}

// blockReceiptsRead is blockReceipts given the receipts as read.
func (s *TraceSource) blockReceiptsRead(b *Block, rrs []*rpcReceipt) ([]*Receipt, error) {
	if len(rrs) != len(b.Transactions) {
		return nil, bulwark.Errorf(bulwark.EINVALID, "node at %s gave %d receipts for block %d's %d transactions: the node is out of step; retry the block", s.Client.safeURL, len(rrs), b.Number, len(b.Transactions))
	}
	out := make([]*Receipt, len(rrs))
	room := make([]Receipt, len(rrs))
	for i, rr := range rrs {
		if rr == nil {
			return nil, bulwark.Errorf(bulwark.ENOTFOUND, "no receipt for transaction %s on node at %s (unknown or not mined yet)", b.Transactions[i].Hex(), s.Client.safeURL)
		}
		rr.fill(&room[i])
		out[i] = &room[i]
		if out[i].TxHash != b.Transactions[i] {
			return nil, bulwark.Errorf(bulwark.EINVALID, "node at %s gave block %d's receipt %d for transaction %s, not %s", s.Client.safeURL, b.Number, i, out[i].TxHash.Hex(), b.Transactions[i].Hex())
		}
	}
	return out, nil
}

// traces returns b's traces, from trace_block or else callTracer.
func (s *TraceSource) traces(ctx context.Context, b *Block) ([]tracing.Frame, error) {
	if !s.noTraceBlock.Load() {
		trs, err := s.Client.TraceBlock(ctx, b.Number)
		if !methodMissing(err) {
			return trs, err
		}
		s.noTraceBlock.Store(true)
	}
	return s.Client.TraceBlockCallTracer(ctx, b.Number, b.Transactions)
}

// fees appends to out the gas fee r's sender paid: the base fee burned
// and the rest (the whole fee before London) to the block's fee recipient.
func (s *TraceSource) fees(out []tracing.Transfer, b *Block, r *Receipt) ([]tracing.Transfer, error) {
	if r.EffectiveGasPrice == nil {
		return out, bulwark.Errorf(bulwark.EINVALID, "node at %s gave no effective gas price for transaction %s in block %d: the fee is unknown; use a node that gives it", s.Client.safeURL, r.TxHash.Hex(), b.Number)
	}
	mk := func(k tracing.Kind, to common.Address, v *uint256.Int) {
		if v.IsZero() {
			return
		}
		out = append(out, tracing.Transfer{Chain: s.Chain, Block: b.Number, TxIndex: uint32(r.TransactionIndex), TxHash: r.TxHash, Time: b.Time.Unix(),
			Kind: k, From: r.From, To: to, Asset: tracing.NativeAsset(s.Chain), Amount: *v})
	}
	// In 256 bits when the price and base fee fit and nothing overflows
	// (always, on a real chain); else in big integers, for the errors.
	var gas, price, baseFee, fee, burn uint256.Int
	gas.SetUint64(r.GasUsed)
	over := price.SetFromBig(r.EffectiveGasPrice) || r.EffectiveGasPrice.Sign() < 0
	if b.BaseFee != nil {
		over = over || baseFee.SetFromBig(b.BaseFee) || b.BaseFee.Sign() < 0
	}
	if !over {
		_, o1 := fee.MulOverflow(&gas, &price)
		_, o2 := burn.MulOverflow(&gas, &baseFee)
		if !o1 && !o2 && !fee.Lt(&burn) {
			var tip uint256.Int
			tip.Sub(&fee, &burn)
			mk(tracing.BaseFeeBurn, common.Address{}, &burn)
			mk(tracing.GasTip, b.Miner, &tip)
			return out, nil
		}
	}
	return s.bigFees(out, b, r)
}

// bigFees is fees in big integers, for the amounts fees refuses.
func (s *TraceSource) bigFees(out []tracing.Transfer, b *Block, r *Receipt) ([]tracing.Transfer, error) {
	gas := new(big.Int).SetUint64(r.GasUsed)
	fee := new(big.Int).Mul(gas, r.EffectiveGasPrice)
	burn := new(big.Int)
	if b.BaseFee != nil {
		burn.Mul(gas, b.BaseFee)
	}
	tip := new(big.Int).Sub(fee, burn)
	if tip.Sign() < 0 {
		return out, bulwark.Errorf(bulwark.EINVALID, "transaction %s in block %d paid %s wei per gas, below the base fee %s", r.TxHash.Hex(), b.Number, r.EffectiveGasPrice, b.BaseFee)
	}
	mk := func(k tracing.Kind, to common.Address, v *big.Int) (tracing.Transfer, bool, error) {
		t := tracing.Transfer{Chain: s.Chain, Block: b.Number, TxIndex: uint32(r.TransactionIndex), TxHash: r.TxHash, Time: b.Time.Unix(),
			Kind: k, From: r.From, To: to, Asset: tracing.NativeAsset(s.Chain)}
		if t.Amount.SetFromBig(v) {
			return t, false, bulwark.Errorf(bulwark.EINVALID, "transaction %s in block %d: a fee of %s wei overflows 256 bits", r.TxHash.Hex(), b.Number, v)
		}
		return t, v.Sign() > 0, nil
	}
	for _, f := range []struct {
		k  tracing.Kind
		to common.Address
		v  *big.Int
	}{{tracing.BaseFeeBurn, common.Address{}, burn}, {tracing.GasTip, b.Miner, tip}} {
		t, ok, err := mk(f.k, f.to, f.v)
		if err != nil {
			return out, err
		}
		if ok {
			out = append(out, t)
		}
	}
	return out, nil
}

// wrapped returns the chain's wrapped native token, if it has one.
func (s *TraceSource) wrapped() (tracing.Asset, bool) {
	wrapped := s.Wrapped
	if wrapped == nil {
		wrapped = tracing.DefaultWrappedNatives()
	}
	return wrapped.Asset(s.Chain)
}

// events appends to out r's ERC-20 (three topics, the amount in the data) and
// ERC-721 (four topics, the token id the last) Transfer events, its
// ERC-1155 TransferSingle and TransferBatch events (one transfer per item)
// and the wrapped native token's Deposit (a wrap: minted by the contract
// to the payer) and Withdrawal (an unwrap: burned from the holder) events.
func (s *TraceSource) events(out []tracing.Transfer, b *Block, r *Receipt, weth tracing.Asset, hasWeth bool) ([]tracing.Transfer, error) {
	for _, l := range r.Logs {
		if l.Removed || len(l.Topics) == 0 {
			continue
		}
		t := tracing.Transfer{Chain: s.Chain, Block: b.Number, TxIndex: uint32(r.TransactionIndex), TxHash: r.TxHash, Time: b.Time.Unix(),
			Kind: tracing.TokenTransfer, LogIndex: uint32(l.LogIndex)}
		switch {
		case tracing.IsMultiTokenEvent(l.Topics[0]):
			var err error
			if out, err = tracing.MultiTokenTransfers(out, t, l.Address, l.Topics, l.Data); err != nil {
				s.Skipped.Add(1)
				s.Client.log.Warn("skipped a malformed ERC-1155 event", "node", s.Client.safeURL, "block", b.Number, "tx", r.TxHash.Hex(),
					"log", l.LogIndex, "contract", l.Address.Hex(), "reason", bulwark.ErrorMessage(err))
			}
			continue
		case l.Topics[0] == transferTopic && len(l.Topics) == 3 && len(l.Data) == 32:
			t.Asset = tracing.TokenAsset(s.Chain, l.Address)
			t.Amount.SetBytes32(l.Data)
			t.From, t.To = common.BytesToAddress(l.Topics[1][12:]), common.BytesToAddress(l.Topics[2][12:])
		case l.Topics[0] == transferTopic && len(l.Topics) == 4 && len(l.Data) == 0:
			id := new(uint256.Int).SetBytes32(l.Topics[3][:])
			t.Asset = tracing.NFTAsset(s.Chain, l.Address, id)
			t.Amount.SetOne()
			t.From, t.To = common.BytesToAddress(l.Topics[1][12:]), common.BytesToAddress(l.Topics[2][12:])
		case hasWeth && l.Address == weth.Contract && (l.Topics[0] == depositTopic || l.Topics[0] == withdrawalTopic):
			if len(l.Topics) != 2 || len(l.Data) != 32 {
				return out, bulwark.Errorf(bulwark.EINVALID, "block %d transaction %s log %d: a wrapped native token event with %d topics and %d data bytes, not 2 and 32", b.Number, r.TxHash.Hex(), l.LogIndex, len(l.Topics), len(l.Data))
			}
			t.Asset = weth
			t.Amount.SetBytes32(l.Data)
			who := common.BytesToAddress(l.Topics[1][12:])
			if l.Topics[0] == depositTopic {
				t.Kind, t.From, t.To = tracing.Wrap, weth.Contract, who
			} else {
				t.Kind, t.From, t.To = tracing.Unwrap, who, weth.Contract
			}
			if t.Amount.IsZero() {
				continue
			}
		default:
			continue // another event, or one sharing Transfer's topic with another layout
		}
		out = append(out, t)
	}
	return out, nil
}

// decodeReceipts decodes an eth_getBlockReceipts result, as Call read it,
// as Call would decode it into []*rpcReceipt (a null result leaves none).
func (c *Client) decodeReceipts(raw json.RawMessage) ([]*rpcReceipt, error) {
	// Call checked that the result is valid JSON as it read it.
	if rrs, ok := (scanner{valid: true}).receipts(raw); ok {
		return rrs, nil
	}
	var rrs []*rpcReceipt
	return rrs, c.decodeResult("eth_getBlockReceipts", raw, &rrs)
}

// parseReceipt decodes one receipt of the transaction h.
func (c *Client) parseReceipt(raw json.RawMessage, h common.Hash) (*Receipt, error) {
	if isNull(raw) {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "no receipt for transaction %s on node at %s (unknown or not mined yet)", h.Hex(), c.safeURL)
	}
	var rr rpcReceipt
	if err := json.Unmarshal(raw, &rr); err != nil {
		return nil, bulwark.Wrap(err, bulwark.EINVALID, fmt.Sprintf("node at %s sent a malformed receipt for %s", c.safeURL, h.Hex()))
	}
	return rr.receipt(), nil
}
