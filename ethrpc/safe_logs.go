package ethrpc

import (
	"context"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/bulwark-sec/bulwark/safe/onchain"
)

// The Client answers the posture audit's log queries too.
var _ onchain.LogReader = (*Client)(nil)

type rpcLogFilter struct {
	Address   any             `json:"address"`
	FromBlock *hexutil.Uint64 `json:"fromBlock,omitempty"`
	ToBlock   *hexutil.Uint64 `json:"toBlock,omitempty"`
	BlockHash *common.Hash    `json:"blockHash,omitempty"`
	Topics    [][]common.Hash `json:"topics,omitempty"`
}

type rpcLog struct {
	Address     common.Address `json:"address"`
	Topics      []common.Hash  `json:"topics"`
	Data        hexutil.Bytes  `json:"data"`
	BlockNumber hexutil.Uint64 `json:"blockNumber"`
	TxHash      common.Hash    `json:"transactionHash"`
	Removed     bool           `json:"removed"`
}

// ReadLogs implements onchain.LogReader with one eth_getLogs call: the logs
// of f.Address (or any of f.Addresses) from f.FromBlock to f.ToBlock (or
// in block f.BlockHash) whose first topic is one of f.Topics0. A node that
// refuses the range (too wide, too many results) answers with an error;
// the caller decides what that means.
func (c *Client) ReadLogs(ctx context.Context, f onchain.LogFilter) ([]onchain.EventLog, error) {
	q := rpcLogFilter{Address: f.Address}
	if len(f.Addresses) > 0 {
		q.Address = f.Addresses
	}
	if f.BlockHash != nil {
		q.BlockHash = f.BlockHash
	} else {
		from, to := hexutil.Uint64(f.FromBlock), hexutil.Uint64(f.ToBlock)
		q.FromBlock, q.ToBlock = &from, &to
	}
	if len(f.Topics0) > 0 {
		q.Topics = [][]common.Hash{f.Topics0}
	}
	var raw []rpcLog
	if err := c.Call(ctx, &raw, "eth_getLogs", q); err != nil {
		return nil, err
	}
	out := make([]onchain.EventLog, len(raw))
	for i, l := range raw {
		out[i] = onchain.EventLog{Address: l.Address, BlockNumber: uint64(l.BlockNumber), TxHash: l.TxHash, Topics: l.Topics, Data: l.Data, Removed: l.Removed}
	}
	return out, nil
}
