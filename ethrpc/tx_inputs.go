package ethrpc

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/tracing/thorchain"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
)

// TransactionInputs returns the input (calldata) of each transaction of
// hashes, fetched with eth_getTransactionByHash in batches (the client's
// batch size and concurrency limit). It is how a trace read from a node
// gets the memos of bridge and THORChain deposits: pass the hashes
// thorchain.Detector.Wanted lists and give the result to thorchain.New.
// A transaction the node does not know is an ENOTFOUND error naming it;
// the first failed call's error is returned.
func (c *Client) TransactionInputs(ctx context.Context, hashes []common.Hash) (map[common.Hash][]byte, error) {
	out := make(map[common.Hash][]byte, len(hashes))
	if len(hashes) == 0 {
		return out, nil
	}
	raws := make([]json.RawMessage, len(hashes))
	batch := make([]BatchElem, len(hashes))
	for i, h := range hashes {
		batch[i] = BatchElem{Method: "eth_getTransactionByHash", Args: []any{h}, Result: &raws[i]}
	}
	if err := c.BatchCall(ctx, batch); err != nil {
		return nil, err
	}
	for i, h := range hashes {
		if batch[i].Error != nil {
			return nil, batch[i].Error
		}
		in, err := c.txInput(raws[i], h)
		if err != nil {
			return nil, err
		}
		out[h] = in
	}
	return out, nil
}

// txInput decodes the eth_getTransactionByHash answer raw for the
// transaction h and returns its input.
func (c *Client) txInput(raw json.RawMessage, h common.Hash) ([]byte, error) {
	if isNull(raw) {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "transaction %s is unknown to the node at %s: is it on this chain?", h.Hex(), c.safeURL)
	}
	var tx struct {
		Hash  common.Hash    `json:"hash"`
		Input *hexutil.Bytes `json:"input"`
		Data  *hexutil.Bytes `json:"data"`
	}
	if err := json.Unmarshal(raw, &tx); err != nil {
		return nil, c.malformed("eth_getTransactionByHash", err)
	}
	in := tx.Input
	if in == nil {
		in = tx.Data
	}
	if in == nil {
		return nil, c.malformed("eth_getTransactionByHash", errNoInput)
	}
	if tx.Hash != h {
		return nil, c.malformed("eth_getTransactionByHash", errWrongTx)
	}
	return []byte(*in), nil
}

var (
	errNoInput = errors.New("the transaction has no input field")
	errWrongTx = errors.New("the node answered with another transaction than asked")
)

// ExitInputs returns the inputs the exit detector d needs for the
// transactions of hashes (thorchain.InputReader): each transaction's own
// input (eth_getTransactionByHash) and, from its receipt
// (eth_getTransactionReceipt, asked in the same batches as the
// transactions), the input a known router's Deposit event records
// (thorchain.Detector.AddEvent), so that a deposit made through an
// aggregator contract has its memo too, as an ethereum-etl export's
// logs.csv gives it. A transaction the node does not know is an ENOTFOUND
// error naming it; the first failed call's error is returned.
func (c *Client) ExitInputs(ctx context.Context, d *thorchain.Detector, hashes []common.Hash) (thorchain.Inputs, error) {
	in := make(thorchain.Inputs, len(hashes))
	if len(hashes) == 0 {
		return in, nil
	}
	// The transactions first, then their receipts, in one list of
	// calls: batched together.
	n := len(hashes)
	raws := make([]json.RawMessage, 2*n)
	batch := make([]BatchElem, 2*n)
	for i, h := range hashes {
		batch[i] = BatchElem{Method: "eth_getTransactionByHash", Args: []any{h}, Result: &raws[i]}
		batch[n+i] = BatchElem{Method: "eth_getTransactionReceipt", Args: []any{h}, Result: &raws[n+i]}
	}
	if err := c.BatchCall(ctx, batch); err != nil {
		return nil, err
	}
	for i, h := range hashes {
		if batch[i].Error != nil {
			return nil, batch[i].Error
		}
		input, err := c.txInput(raws[i], h)
		if err != nil {
			return nil, err
		}
		in[h] = input
	}
	for i, h := range hashes {
		if batch[n+i].Error != nil {
			return nil, batch[n+i].Error
		}
		r, err := c.parseReceipt(raws[n+i], h)
		if err != nil {
			return nil, err
		}
		if r.Status != 1 {
			continue
		}
		for _, l := range r.Logs {
			if !l.Removed && d.AddEvent(in, h, l.Address, l.Topics, l.Data) {
				break
			}
		}
	}
	return in, nil
}
