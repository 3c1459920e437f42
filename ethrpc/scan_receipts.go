package ethrpc

import (
	"encoding/json"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
)

// fastReceipts decodes an eth_getBlockReceipts result as encoding/json
// decodes it into []*rpcReceipt, in one pass and without reflection, for
// the answers nodes give; false for anything else (invalid JSON, a null
// where encoding/json would call a decoder with it, unexpected types,
// repeated members, names beyond ASCII), left to encoding/json and its
// errors. Each field is decoded by its type's own UnmarshalJSON with the
// raw value, as encoding/json does. FuzzReceiptsFast holds the two equal.
func fastReceipts(data []byte) ([]*rpcReceipt, bool) {
	return scanner{}.receipts(data)
}

// receipts is fastReceipts with s's skipping.
func (s scanner) receipts(data []byte) ([]*rpcReceipt, bool) {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '[' {
		return nil, false
	}
	out := make([]*rpcReceipt, 0, 64)
	ok := s.arrayElements(data, func(v []byte) bool {
		if jsonNull(v) {
			out = append(out, nil)
			return true
		}
		if v[0] != '{' {
			return false
		}
		r := new(rpcReceipt)
		out = append(out, r)
		return s.receiptMembers(r, v)
	})
	return out, ok
}

// jsonNull reports whether the JSON value v (no surrounding space) is null.
func jsonNull(v []byte) bool { return string(v) == "null" }

// unmarshalValue decodes the JSON value v, not null, with u.
func unmarshalValue(u json.Unmarshaler, v []byte) bool {
	return !jsonNull(v) && u.UnmarshalJSON(v) == nil
}

// optAddress decodes v into *dst as encoding/json does a *common.Address
// field: null sets it to nil.
func optAddress(dst **common.Address, v []byte) bool {
	if jsonNull(v) {
		*dst = nil
		return true
	}
	a := new(common.Address)
	*dst = a
	return a.UnmarshalJSON(v) == nil
}

func (s scanner) receiptMembers(r *rpcReceipt, v []byte) bool {
	var seen uint16
	return s.objectMembers(v, func(name, v []byte) bool {
		var bit uint16
		var ok bool
		switch {
		case asciiFold(name, "transactionhash"):
			bit, ok = 1, unmarshalValue(&r.TxHash, v)
		case asciiFold(name, "blockhash"):
			bit, ok = 2, unmarshalValue(&r.BlockHash, v)
		case asciiFold(name, "blocknumber"):
			bit, ok = 4, unmarshalValue(&r.BlockNumber, v)
		case asciiFold(name, "transactionindex"):
			bit, ok = 8, unmarshalValue(&r.TransactionIndex, v)
		case asciiFold(name, "from"):
			bit, ok = 16, unmarshalValue(&r.From, v)
		case asciiFold(name, "to"):
			bit, ok = 32, optAddress(&r.To, v)
		case asciiFold(name, "contractaddress"):
			bit, ok = 64, optAddress(&r.ContractAddress, v)
		case asciiFold(name, "status"):
			bit, ok = 128, unmarshalValue(&r.Status, v)
		case asciiFold(name, "gasused"):
			bit, ok = 256, unmarshalValue(&r.GasUsed, v)
		case asciiFold(name, "effectivegasprice"):
			bit = 512
			if jsonNull(v) {
				r.EffectiveGasPrice, ok = nil, true
			} else {
				r.EffectiveGasPrice = new(hexutil.Big)
				ok = r.EffectiveGasPrice.UnmarshalJSON(v) == nil
			}
		case asciiFold(name, "logs"):
			bit = 1024
			switch {
			case jsonNull(v):
				r.Logs, ok = nil, true
			case v[0] == '[':
				r.Logs = make([]rpcReceiptLog, 0, 4)
				ok = s.arrayElements(v, func(e []byte) bool {
					if e[0] != '{' {
						return false
					}
					r.Logs = append(r.Logs, rpcReceiptLog{})
					return s.logMembers(&r.Logs[len(r.Logs)-1], e)
				})
			}
		default:
			return true
		}
		if seen&bit != 0 {
			return false
		}
		seen |= bit
		return ok
	})
}

func (s scanner) logMembers(l *rpcReceiptLog, v []byte) bool {
	var seen uint8
	return s.objectMembers(v, func(name, v []byte) bool {
		var bit uint8
		var ok bool
		switch {
		case asciiFold(name, "address"):
			bit, ok = 1, unmarshalValue(&l.Address, v)
		case asciiFold(name, "topics"):
			bit = 2
			switch {
			case jsonNull(v):
				l.Topics, ok = nil, true
			case v[0] == '[':
				l.Topics = make([]common.Hash, 0, 4)
				ok = s.arrayElements(v, func(e []byte) bool {
					l.Topics = append(l.Topics, common.Hash{})
					return unmarshalValue(&l.Topics[len(l.Topics)-1], e)
				})
			}
		case asciiFold(name, "data"):
			bit, ok = 4, unmarshalValue(&l.Data, v)
		case asciiFold(name, "logindex"):
			bit, ok = 8, unmarshalValue(&l.LogIndex, v)
		case asciiFold(name, "removed"):
			bit = 16
			switch string(v) {
			case "true":
				l.Removed, ok = true, true
			case "false":
				l.Removed, ok = false, true
			case "null":
				ok = true // encoding/json leaves a bool as it is
			}
		default:
			return true
		}
		if seen&bit != 0 {
			return false
		}
		seen |= bit
		return ok
	})
}

// block decodes an eth_getBlockByNumber result (transaction hashes only)
// as encoding/json decodes it into rpcBlock, in one pass without
// reflection; false for any other shape, left to encoding/json.
// FuzzBlockFast holds the two equal.
func (s scanner) block(data []byte, rb *rpcBlock) bool {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return false
	}
	var seen uint16
	return s.objectMembers(data, func(name, v []byte) bool {
		var bit uint16
		var ok bool
		switch {
		case asciiFold(name, "number"):
			bit = 1
			if jsonNull(v) {
				rb.Number, ok = nil, true
			} else {
				rb.Number = new(hexutil.Uint64)
				ok = rb.Number.UnmarshalJSON(v) == nil
			}
		case asciiFold(name, "hash"):
			bit = 2
			if jsonNull(v) {
				rb.Hash, ok = nil, true
			} else {
				rb.Hash = new(common.Hash)
				ok = rb.Hash.UnmarshalJSON(v) == nil
			}
		case asciiFold(name, "parenthash"):
			bit, ok = 4, unmarshalValue(&rb.ParentHash, v)
		case asciiFold(name, "timestamp"):
			bit, ok = 8, unmarshalValue(&rb.Timestamp, v)
		case asciiFold(name, "miner"):
			bit, ok = 16, unmarshalValue(&rb.Miner, v)
		case asciiFold(name, "stateroot"):
			bit, ok = 32, unmarshalValue(&rb.StateRoot, v)
		case asciiFold(name, "gaslimit"):
			bit, ok = 64, unmarshalValue(&rb.GasLimit, v)
		case asciiFold(name, "gasused"):
			bit, ok = 128, unmarshalValue(&rb.GasUsed, v)
		case asciiFold(name, "basefeepergas"):
			bit = 256
			if jsonNull(v) {
				rb.BaseFee, ok = nil, true
			} else {
				rb.BaseFee = new(hexutil.Big)
				ok = rb.BaseFee.UnmarshalJSON(v) == nil
			}
		case asciiFold(name, "transactions"):
			bit = 512
			switch {
			case jsonNull(v):
				rb.Transactions, ok = nil, true
			case v[0] == '[':
				rb.Transactions = make([]common.Hash, 0, 256)
				ok = s.arrayElements(v, func(e []byte) bool {
					rb.Transactions = append(rb.Transactions, common.Hash{})
					return unmarshalValue(&rb.Transactions[len(rb.Transactions)-1], e)
				})
			}
		default:
			return true
		}
		if seen&bit != 0 {
			return false
		}
		seen |= bit
		return ok
	})
}
