package tracing

import (
	"github.com/bulwark-sec/bulwark"
	"github.com/ethereum/go-ethereum/common"
	"github.com/holiman/uint256"
)

// ERC-1155's events: TransferSingle(address indexed operator, address
// indexed from, address indexed to, uint256 id, uint256 value) and
// TransferBatch(address indexed operator, address indexed from, address
// indexed to, uint256[] ids, uint256[] values).
var (
	TransferSingleTopic = common.HexToHash("0xc3d58168c5ae7397731d063d5bbf3d657854427343f4c083240f7aacaa2d0f62")
	TransferBatchTopic  = common.HexToHash("0x4a39dc06d4c0dbc64b70af90fd698a233a518aa5d07e595d983b8c0526c8f7fb")
)

// MaxBatchItems is the most items a TransferBatch event may hold; a log
// claiming more is refused (its data would be over 8 MiB).
const MaxBatchItems = 1 << 17

// IsMultiTokenEvent reports whether topic0 is ERC-1155's TransferSingle
// or TransferBatch.
func IsMultiTokenEvent(topic0 common.Hash) bool {
	return topic0 == TransferSingleTopic || topic0 == TransferBatchTopic
}

// MultiTokenTransfers appends to out the transfers of an ERC-1155
// TransferSingle or TransferBatch event emitted by contract: one per item
// (a TransferSingle has one), each of token id ids[i] of the contract
// (MultiTokenAsset), from and to as the event names them (the operator
// is not a party), at item index i. base gives the rest (chain, block,
// transaction, time, log index); its kind is set to TokenTransfer.
// Zero-value items are kept (the trace leaves them out as noise).
//
// A log with either topic that is not a well-formed ERC-1155 event (not
// four topics, data not the ABI encoding of the values: short, an offset
// or length out of range, ids and values of different lengths, more than
// MaxBatchItems items) is an EINVALID error saying why, and out is
// returned unchanged: any contract can emit such a log, so callers skip it
// and report the reason rather than stop. A log with another topic 0
// appends nothing and is no error.
func MultiTokenTransfers(out []Transfer, base Transfer, contract common.Address, topics []common.Hash, data []byte) ([]Transfer, error) {
	if len(topics) == 0 || !IsMultiTokenEvent(topics[0]) {
		return out, nil
	}
	single := topics[0] == TransferSingleTopic
	name := "TransferBatch"
	if single {
		name = "TransferSingle"
	}
	if len(topics) != 4 {
		return out, bulwark.Invalid("log", "a %s event has 4 topics (signature, operator, from, to), not %d: not an ERC-1155 event", name, len(topics))
	}
	if contract == (common.Address{}) {
		return out, bulwark.Invalid("log", "a %s event from the zero address: no contract emits from it", name)
	}
	base.Kind, base.TraceAddress = TokenTransfer, nil
	base.From, base.To = common.BytesToAddress(topics[2][12:]), common.BytesToAddress(topics[3][12:])
	if single {
		if len(data) != 64 {
			return out, bulwark.Invalid("log", "a TransferSingle event's data is 64 bytes (id, value), not %d", len(data))
		}
		var id uint256.Int
		id.SetBytes32(data[:32])
		t := base
		t.Asset, t.ItemIndex = MultiTokenAsset(base.Chain, contract, &id), 0
		t.Amount.SetBytes32(data[32:])
		return append(out, t), nil
	}
	ids, err := abiWords(data, 0, "ids")
	if err != nil {
		return out, err
	}
	values, err := abiWords(data, 32, "values")
	if err != nil {
		return out, err
	}
	if len(ids) != len(values) {
		return out, bulwark.Invalid("log", "a TransferBatch event has %d ids but %d values: not an ERC-1155 event", len(ids)/32, len(values)/32)
	}
	n := len(ids) / 32
	out = growTransfers(out, n)
	for i := range n {
		var id uint256.Int
		id.SetBytes32(ids[32*i : 32*i+32])
		t := base
		t.Asset, t.ItemIndex = MultiTokenAsset(base.Chain, contract, &id), uint32(i)
		t.Amount.SetBytes32(values[32*i : 32*i+32])
		out = append(out, t)
	}
	return out, nil
}

// abiWords returns the elements of the uint256[] whose offset is the word
// at head in data (ABI encoding: the offset, from the start of data, of a
// length word followed by that many words), as one slice of data.
func abiWords(data []byte, head int, what string) ([]byte, error) {
	if len(data) < head+32 {
		return nil, bulwark.Invalid("log", "a TransferBatch event's data is %d bytes, too short for the offset of its %s", len(data), what)
	}
	off, ok := abiUint(data[head : head+32])
	if !ok || off%32 != 0 || off < 64 || off > uint64(len(data))-32 {
		return nil, bulwark.Invalid("log", "a TransferBatch event's %s start at byte %s of its %d bytes of data: not an ERC-1155 event", what, new(uint256.Int).SetBytes32(data[head:head+32]).Dec(), len(data))
	}
	n, ok := abiUint(data[off : off+32])
	if !ok || n > MaxBatchItems {
		return nil, bulwark.Invalid("log", "a TransferBatch event claims %s %s, more than the %d read", new(uint256.Int).SetBytes32(data[off:off+32]).Dec(), what, MaxBatchItems)
	}
	start := off + 32
	if n*32 > uint64(len(data))-start {
		return nil, bulwark.Invalid("log", "a TransferBatch event claims %d %s but its data holds %d bytes after the count: the data is short", n, what, uint64(len(data))-start)
	}
	return data[start : start+32*n], nil
}

// abiUint reads a 32-byte big-endian word that must fit in 32 bits.
func abiUint(w []byte) (uint64, bool) {
	for _, b := range w[:28] {
		if b != 0 {
			return 0, false
		}
	}
	return uint64(w[28])<<24 | uint64(w[29])<<16 | uint64(w[30])<<8 | uint64(w[31]), true
}

func growTransfers(s []Transfer, n int) []Transfer {
	if cap(s)-len(s) < n {
		g := make([]Transfer, len(s), len(s)+n)
		copy(g, s)
		return g
	}
	return s
}
