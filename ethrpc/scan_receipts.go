package ethrpc

import (
	"encoding/json"

	"github.com/ethereum/go-ethereum/common"
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

// optional decodes v into *dst as encoding/json does a pointer field of a
// type with UnmarshalJSON: null sets it to nil, anything else to a new
// value decoded by its UnmarshalJSON.
func optional[T any, P interface {
	*T
	json.Unmarshaler
}](dst **T, v []byte) bool {
	if jsonNull(v) {
		*dst = nil
		return true
	}
	p := P(new(T))
	*dst = p
	return p.UnmarshalJSON(v) == nil
}

// array decodes v into *dst as encoding/json does a slice field: null
// sets it to nil, an array to its elements (room made for n), each
// decoded by elem; anything else is false.
func array[T any](s scanner, dst *[]T, v []byte, n int, elem func(*T, []byte) bool) bool {
	switch {
	case jsonNull(v):
		*dst = nil
		return true
	case v[0] == '[':
		*dst = make([]T, 0, n)
		return s.arrayElements(v, func(e []byte) bool {
			*dst = append(*dst, *new(T))
			return elem(&(*dst)[len(*dst)-1], e)
		})
	}
	return false
}

// hashElem decodes an array's element e into h.
func hashElem(h *common.Hash, e []byte) bool { return unmarshalValue(h, e) }

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
			bit, ok = 32, optional(&r.To, v)
		case asciiFold(name, "contractaddress"):
			bit, ok = 64, optional(&r.ContractAddress, v)
		case asciiFold(name, "status"):
			bit, ok = 128, unmarshalValue(&r.Status, v)
		case asciiFold(name, "gasused"):
			bit, ok = 256, unmarshalValue(&r.GasUsed, v)
		case asciiFold(name, "effectivegasprice"):
			bit, ok = 512, optional(&r.EffectiveGasPrice, v)
		case asciiFold(name, "logs"):
			bit, ok = 1024, array(s, &r.Logs, v, 4, func(l *rpcReceiptLog, e []byte) bool {
				return e[0] == '{' && s.logMembers(l, e)
			})
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
			bit, ok = 2, array(s, &l.Topics, v, 4, hashElem)
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
	var seen uint16
	return s.objectMembers(data, func(name, v []byte) bool {
		var bit uint16
		var ok bool
		switch {
		case asciiFold(name, "number"):
			bit, ok = 1, optional(&rb.Number, v)
		case asciiFold(name, "hash"):
			bit, ok = 2, optional(&rb.Hash, v)
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
			bit, ok = 256, optional(&rb.BaseFee, v)
		case asciiFold(name, "transactions"):
			bit, ok = 512, array(s, &rb.Transactions, v, 256, hashElem)
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
