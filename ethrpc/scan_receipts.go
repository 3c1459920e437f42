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
	out := make([]*rpcReceipt, 0, 64)
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '[' {
		return out, false
	}
	var room receiptRoom
	end, ok := s.elements(data, i, func(j int) (int, bool) {
		switch {
		case nullAt(data, j):
			out = append(out, nil)
			return j + 4, true
		case data[j] == '{':
			r := next(&room.receipts)
			out = append(out, r)
			return s.receiptMembers(r, &room, data, j)
		}
		return 0, false
	})
	return out, ok && skipSpace(data, end) == len(data)
}

// jsonNull reports whether the JSON value v (no surrounding space) is null.
func jsonNull(v []byte) bool { return string(v) == "null" }

// unmarshalValue decodes the JSON value v, not null, with u.
func unmarshalValue(u json.Unmarshaler, v []byte) bool {
	return !jsonNull(v) && u.UnmarshalJSON(v) == nil
}

// hexFixed decodes the JSON string v, when it is "0x" and two hex digits
// for each byte of dst, into dst, as hexutil.UnmarshalFixedJSON does
// (without its copies); false for anything else, which is left to it.
func hexFixed(dst, v []byte) bool {
	return len(v) == 4+2*len(dst) && v[0] == '"' && v[len(v)-1] == '"' && v[1] == '0' && (v[2] == 'x' || v[2] == 'X') &&
		unhexTo(dst, v[3:len(v)-1])
}

// setHash, setAddress and setUint64 are unmarshalValue for a hash, an
// address and a quantity, reading the usual forms themselves.
func setHash(h *common.Hash, v []byte) bool { return hexFixed(h[:], v) || unmarshalValue(h, v) }

func setAddress(a *common.Address, v []byte) bool { return hexFixed(a[:], v) || unmarshalValue(a, v) }

func setUint64(n *hexutil.Uint64, v []byte) bool {
	if x, ok := hexUint64(v); ok {
		*n = hexutil.Uint64(x)
		return true
	}
	return unmarshalValue(n, v)
}

// hexUint64 reads the JSON string v when it is a quantity as
// hexutil.Uint64 takes it: "0x" and 1 to 16 hex digits, no leading zero
// but for "0x0".
func hexUint64(v []byte) (uint64, bool) {
	if len(v) < 5 || len(v) > 20 || v[0] != '"' || v[len(v)-1] != '"' || v[1] != '0' || (v[2] != 'x' && v[2] != 'X') {
		return 0, false
	}
	d := v[3 : len(v)-1]
	if len(d) > 1 && d[0] == '0' {
		return 0, false
	}
	var x uint64
	for _, c := range d {
		n, ok := unhex(c)
		if !ok {
			return 0, false
		}
		x = x<<4 | uint64(n)
	}
	return x, true
}

// receiptRoom is room for a block's receipts and the values they point
// to, so that each does not allocate its own.
type receiptRoom struct {
	receipts []rpcReceipt
	to       []common.Address
	prices   []hexutil.Big
}

// next returns room for one more value in *room (whose room[len:] is
// free), made 64 at a time.
func next[T any](room *[]T) *T {
	if len(*room) == cap(*room) {
		*room = make([]T, 0, 64)
	}
	*room = (*room)[:len(*room)+1]
	return &(*room)[len(*room)-1]
}

// optionalIn is optional with the value made in *room.
func optionalIn[T any, P interface {
	*T
	json.Unmarshaler
}](dst **T, room *[]T, v []byte) bool {
	if jsonNull(v) {
		*dst = nil
		return true
	}
	p := next(room)
	*dst = p
	return P(p).UnmarshalJSON(v) == nil
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

// array decodes the value starting at data[j] into *dst as encoding/json
// does a slice field: null sets it to nil, an array to its elements (room
// made for n), each read by elem from where it starts; anything else is
// false. It returns the index after the value.
func array[T any](s scanner, dst *[]T, data []byte, j, n int, elem func(*T, int) (int, bool)) (int, bool) {
	switch {
	case nullAt(data, j):
		*dst = nil
		return j + 4, true
	case data[j] == '[':
		*dst = make([]T, 0, n)
		return s.elements(data, j, func(j int) (int, bool) {
			*dst = append(*dst, *new(T))
			return elem(&(*dst)[len(*dst)-1], j)
		})
	}
	return 0, false
}

// hashes decodes an array of hashes, starting at data[j], into *dst.
func (s scanner) hashes(dst *[]common.Hash, data []byte, j, n int) (int, bool) {
	return array(s, dst, data, j, n, func(h *common.Hash, j int) (int, bool) {
		v, end, ok := s.value(data, j)
		return end, ok && setHash(h, v)
	})
}

func (s scanner) receiptMembers(r *rpcReceipt, room *receiptRoom, data []byte, i int) (int, bool) {
	var seen uint16
	return s.members(data, i, func(name []byte, j int) (int, bool) {
		var bit uint16
		var end int
		var ok bool
		switch {
		case asciiFold(name, "logs"):
			bit = 1024
			end, ok = array(s, &r.Logs, data, j, 4, func(l *rpcReceiptLog, j int) (int, bool) {
				if data[j] != '{' {
					return 0, false
				}
				return s.logMembers(l, data, j)
			})
		default:
			var v []byte
			if v, end, ok = s.value(data, j); !ok {
				return 0, false
			}
			switch {
			case asciiFold(name, "transactionhash"):
				bit, ok = 1, setHash(&r.TxHash, v)
			case asciiFold(name, "blockhash"):
				bit, ok = 2, setHash(&r.BlockHash, v)
			case asciiFold(name, "blocknumber"):
				bit, ok = 4, setUint64(&r.BlockNumber, v)
			case asciiFold(name, "transactionindex"):
				bit, ok = 8, setUint64(&r.TransactionIndex, v)
			case asciiFold(name, "from"):
				bit, ok = 16, setAddress(&r.From, v)
			case asciiFold(name, "to"):
				bit, ok = 32, optionalIn(&r.To, &room.to, v)
			case asciiFold(name, "contractaddress"):
				bit, ok = 64, optional(&r.ContractAddress, v)
			case asciiFold(name, "status"):
				bit, ok = 128, setUint64(&r.Status, v)
			case asciiFold(name, "gasused"):
				bit, ok = 256, setUint64(&r.GasUsed, v)
			case asciiFold(name, "effectivegasprice"):
				bit, ok = 512, optionalIn(&r.EffectiveGasPrice, &room.prices, v)
			default:
				return end, true
			}
		}
		if !ok || seen&bit != 0 {
			return 0, false
		}
		seen |= bit
		return end, true
	})
}

func (s scanner) logMembers(l *rpcReceiptLog, data []byte, i int) (int, bool) {
	var seen uint8
	return s.members(data, i, func(name []byte, j int) (int, bool) {
		var bit uint8
		var end int
		var ok bool
		switch {
		case asciiFold(name, "topics"):
			bit = 2
			end, ok = s.hashes(&l.Topics, data, j, 4)
		default:
			var v []byte
			if v, end, ok = s.value(data, j); !ok {
				return 0, false
			}
			switch {
			case asciiFold(name, "address"):
				bit, ok = 1, setAddress(&l.Address, v)
			case asciiFold(name, "data"):
				bit, ok = 4, unmarshalValue(&l.Data, v)
			case asciiFold(name, "logindex"):
				bit, ok = 8, setUint64(&l.LogIndex, v)
			case asciiFold(name, "removed"):
				bit, ok = 16, false
				switch string(v) {
				case "true":
					l.Removed, ok = true, true
				case "false":
					l.Removed, ok = false, true
				case "null":
					ok = true // encoding/json leaves a bool as it is
				}
			default:
				return end, true
			}
		}
		if !ok || seen&bit != 0 {
			return 0, false
		}
		seen |= bit
		return end, true
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
	end, ok := s.members(data, i, func(name []byte, j int) (int, bool) {
		var bit uint16
		var end int
		var ok bool
		switch {
		case asciiFold(name, "transactions"):
			bit = 512
			end, ok = s.hashes(&rb.Transactions, data, j, 256)
		default:
			var v []byte
			if v, end, ok = s.value(data, j); !ok {
				return 0, false
			}
			switch {
			case asciiFold(name, "number"):
				bit, ok = 1, optional(&rb.Number, v)
			case asciiFold(name, "hash"):
				bit, ok = 2, optional(&rb.Hash, v)
			case asciiFold(name, "parenthash"):
				bit, ok = 4, setHash(&rb.ParentHash, v)
			case asciiFold(name, "timestamp"):
				bit, ok = 8, setUint64(&rb.Timestamp, v)
			case asciiFold(name, "miner"):
				bit, ok = 16, setAddress(&rb.Miner, v)
			case asciiFold(name, "stateroot"):
				bit, ok = 32, setHash(&rb.StateRoot, v)
			case asciiFold(name, "gaslimit"):
				bit, ok = 64, unmarshalValue(&rb.GasLimit, v)
			case asciiFold(name, "gasused"):
				bit, ok = 128, unmarshalValue(&rb.GasUsed, v)
			case asciiFold(name, "basefeepergas"):
				bit, ok = 256, optional(&rb.BaseFee, v)
			default:
				return end, true
			}
		}
		if !ok || seen&bit != 0 {
			return 0, false
		}
		seen |= bit
		return end, true
	})
	return ok && skipSpace(data, end) == len(data)
}
