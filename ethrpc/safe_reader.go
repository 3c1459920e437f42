package ethrpc

import (
	"context"
	"errors"
	"math/big"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/safe/onchain"
)

// The Client is the safe package's ChainReader: the adapter imports the
// domain package for its types, never the other way round.
var _ onchain.ChainReader = (*Client)(nil)

// BlockRefOf returns the BlockRef of a onchain.BlockID: Latest, a block
// number, or a block hash (EIP-1898).
func BlockRefOf(b onchain.BlockID) BlockRef {
	if n, ok := b.Number(); ok {
		return AtBlock(n)
	}
	if h, ok := b.Hash(); ok {
		return AtHash(h)
	}
	return Latest
}

// BatchRead implements onchain.ChainReader: it sends every read as one
// element of a JSON-RPC batch (eth_getCode, eth_getStorageAt,
// eth_getBalance, eth_getTransactionCount, eth_call), split into HTTP requests of at most
// Options.MaxBatchSize calls as BatchCall does. A reverted eth_call comes
// back with Reverted set and the revert data in Out, not as an error. It
// returns an error only when a whole chunk could not be exchanged with the
// node; the reads of that chunk carry the same error.
func (c *Client) BatchRead(ctx context.Context, block onchain.BlockID, reads []onchain.Read) error {
	ref := BlockRefOf(block)
	elems := make([]BatchElem, 0, len(reads))
	index := make([]int, 0, len(reads)) // elems[k] answers reads[index[k]]
	out := make([]hexutil.Bytes, len(reads))
	bal := make([]hexutil.Big, len(reads)) // balances and nonces
	for i := range reads {
		r := &reads[i]
		r.Out, r.Reverted, r.Err = nil, false, nil
		var e BatchElem
		switch r.Kind {
		case onchain.ReadCode:
			e = BatchElem{Method: "eth_getCode", Args: []any{r.Addr, ref}, Result: &out[i]}
		case onchain.ReadStorage:
			e = BatchElem{Method: "eth_getStorageAt", Args: []any{r.Addr, r.Slot, ref}, Result: &out[i]}
		case onchain.ReadBalance:
			e = BatchElem{Method: "eth_getBalance", Args: []any{r.Addr, ref}, Result: &bal[i]}
		case onchain.ReadNonce:
			e = BatchElem{Method: "eth_getTransactionCount", Args: []any{r.Addr, ref}, Result: &bal[i]}
		case onchain.ReadCall:
			to := r.Addr
			e = BatchElem{Method: "eth_call", Args: []any{CallMsg{To: &to, Data: r.Data}, ref}, Result: &out[i]}
		default:
			r.Err = bulwark.Errorf(bulwark.EINTERNAL, "ethrpc: unknown %s", r.Kind)
			continue
		}
		elems = append(elems, e)
		index = append(index, i)
	}
	err := c.BatchCall(ctx, elems)
	for k, e := range elems {
		i := index[k]
		r := &reads[i]
		if e.Error != nil {
			var rerr *RPCError
			if r.Kind == onchain.ReadCall && errors.As(e.Error, &rerr) && rerr.Reverted() {
				r.Reverted, r.Out = true, rerr.RevertData()
				continue
			}
			r.Err = e.Error
			continue
		}
		switch r.Kind {
		case onchain.ReadStorage:
			if len(out[i]) > common.HashLength {
				r.Err = bulwark.Errorf(bulwark.EINVALID, "node at %s sent a malformed result for eth_getStorageAt: %d bytes, want at most 32", c.safeURL, len(out[i]))
				continue
			}
			r.Out = common.LeftPadBytes(out[i], common.HashLength)
		case onchain.ReadBalance:
			v := (*big.Int)(&bal[i])
			if v.Sign() < 0 || v.BitLen() > 256 {
				r.Err = bulwark.Errorf(bulwark.EINVALID, "node at %s sent a malformed result for eth_getBalance: not a uint256", c.safeURL)
				continue
			}
			r.Out = v.FillBytes(make([]byte, common.HashLength))
		case onchain.ReadNonce:
			v := (*big.Int)(&bal[i])
			if v.Sign() < 0 || v.BitLen() > 64 { // EIP-2681: a nonce is a uint64
				r.Err = bulwark.Errorf(bulwark.EINVALID, "node at %s sent a malformed result for eth_getTransactionCount: not a uint64", c.safeURL)
				continue
			}
			r.Out = v.FillBytes(make([]byte, common.HashLength))
		default:
			r.Out = out[i]
		}
	}
	return err
}
