package sqlite

import (
	"database/sql/driver"
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/bulwark-sec/bulwark/tracing"
)

// A transfer's record is what trace_transfers holds of it besides its
// block, its position there and its asset, in an entry of a chunk (see
// appendEntry). The layout (see migration 0019):
//
//	[0:20]   from address
//	[20:40]  to address
//	[40:72]  transaction hash
//	then     tx index (uvarint), time (varint, Unix seconds), kind (one
//	         byte, tracing.Kind), log index, item index (uvarints), the
//	         trace address (its length, then each element, uvarints)
//	rest     the amount, big-endian without leading zero bytes (zero: none)
//
// The addresses and the hash are at fixed offsets so that a query can
// compare them without parsing the rest.
const (
	recordFrom   = 0
	recordTo     = 20
	recordTxHash = 40
	recordFixed  = 72
)

// appendRecord appends t's record to buf.
func appendRecord(buf []byte, t *tracing.Transfer) []byte {
	buf = append(buf, t.From[:]...)
	buf = append(buf, t.To[:]...)
	buf = append(buf, t.TxHash[:]...)
	buf = binary.AppendUvarint(buf, uint64(t.TxIndex))
	buf = binary.AppendVarint(buf, t.Time)
	buf = append(buf, byte(t.Kind))
	buf = binary.AppendUvarint(buf, uint64(t.LogIndex))
	buf = binary.AppendUvarint(buf, uint64(t.ItemIndex))
	buf = binary.AppendUvarint(buf, uint64(len(t.TraceAddress)))
	for _, n := range t.TraceAddress {
		buf = binary.AppendUvarint(buf, uint64(n))
	}
	b := t.Amount.Bytes32()
	i := 0
	for i < 32 && b[i] == 0 {
		i++
	}
	return append(buf, b[i:]...)
}

var errRecord = errors.New("malformed transfer record")

// parseRecord fills t's fields but Chain, Block and Asset from the record
// r. It returns errRecord, naming the field, when r is not a record
// appendRecord writes.
func parseRecord(r []byte, t *tracing.Transfer) (field string, err error) {
	if len(r) < recordFixed {
		return "length", errRecord
	}
	copy(t.From[:], r[recordFrom:recordTo])
	copy(t.To[:], r[recordTo:recordTxHash])
	copy(t.TxHash[:], r[recordTxHash:recordFixed])
	r = r[recordFixed:]
	uvarint := func(max uint64) (uint64, bool) {
		v, n := binary.Uvarint(r)
		if n <= 0 || v > max {
			return 0, false
		}
		r = r[n:]
		return v, true
	}
	v, ok := uvarint(1<<32 - 1)
	if !ok {
		return "tx index", errRecord
	}
	t.TxIndex = uint32(v)
	tm, n := binary.Varint(r)
	if n <= 0 {
		return "time", errRecord
	}
	t.Time, r = tm, r[n:]
	if len(r) == 0 || r[0] < byte(tracing.TopLevelCall) || r[0] > byte(tracing.BaseFeeBurn) {
		return "kind", errRecord
	}
	t.Kind, r = tracing.Kind(r[0]), r[1:]
	if v, ok = uvarint(1<<32 - 1); !ok {
		return "log index", errRecord
	}
	t.LogIndex = uint32(v)
	if v, ok = uvarint(1<<32 - 1); !ok {
		return "item index", errRecord
	}
	t.ItemIndex = uint32(v)
	// Each element takes at least a byte: a length above what is left is
	// malformed, not an allocation.
	if v, ok = uvarint(uint64(len(r))); !ok {
		return "trace address", errRecord
	}
	t.TraceAddress = nil
	if v > 0 {
		t.TraceAddress = make([]uint32, v)
		for i := range t.TraceAddress {
			e, ok := uvarint(1<<32 - 1)
			if !ok {
				return "trace address", errRecord
			}
			t.TraceAddress[i] = uint32(e)
		}
	}
	if len(r) > 32 || len(r) > 0 && r[0] == 0 {
		return "amount", errRecord
	}
	t.Amount.SetBytes(r)
	return "", nil
}

// transferFromColumns is the transfer (but its chain, block and asset) in
// the values of the columns from_addr, to_addr, tx_hash, tx_index, time,
// kind, log_index, item_index, trace_address and amount that
// trace_transfers had before records.
func transferFromColumns(args []driver.Value) (tracing.Transfer, error) {
	var t tracing.Transfer
	blob := func(i int, name string, n int) ([]byte, error) {
		b, ok := args[i].([]byte)
		if !ok || n > 0 && len(b) != n {
			return nil, fmt.Errorf("%s is not %d bytes: %v", name, n, args[i])
		}
		return b, nil
	}
	integer := func(i int, name string, max int64) (int64, error) {
		v, ok := args[i].(int64)
		if !ok || v < 0 || v > max {
			return 0, fmt.Errorf("%s is not an integer from 0 to %d: %v", name, max, args[i])
		}
		return v, nil
	}
	from, err := blob(0, "from_addr", 20)
	if err != nil {
		return t, err
	}
	to, err := blob(1, "to_addr", 20)
	if err != nil {
		return t, err
	}
	hash, err := blob(2, "tx_hash", 32)
	if err != nil {
		return t, err
	}
	copy(t.From[:], from)
	copy(t.To[:], to)
	copy(t.TxHash[:], hash)
	txIndex, err := integer(3, "tx_index", math.MaxUint32)
	if err != nil {
		return t, err
	}
	tm, ok := args[4].(int64)
	if !ok {
		return t, fmt.Errorf("time is not an integer: %v", args[4])
	}
	kind, err := integer(5, "kind", int64(tracing.BaseFeeBurn))
	if err != nil || kind < int64(tracing.TopLevelCall) {
		return t, fmt.Errorf("kind is not from %d to %d: %v", tracing.TopLevelCall, tracing.BaseFeeBurn, args[5])
	}
	logIndex, err := integer(6, "log_index", math.MaxUint32)
	if err != nil {
		return t, err
	}
	item, err := integer(7, "item_index", math.MaxUint32)
	if err != nil {
		return t, err
	}
	trace, ok := args[8].(string)
	if !ok {
		return t, fmt.Errorf("trace_address is not text: %v", args[8])
	}
	if t.TraceAddress, err = parseTraceAddress(trace); err != nil {
		return t, fmt.Errorf("trace_address %q is not a list of indices", trace)
	}
	amount, err := blob(9, "amount", 0)
	if err != nil || len(amount) > 32 {
		return t, fmt.Errorf("amount is not at most 32 bytes: %v", args[9])
	}
	t.TxIndex, t.Time, t.Kind, t.LogIndex, t.ItemIndex = uint32(txIndex), tm, tracing.Kind(kind), uint32(logIndex), uint32(item)
	t.Amount.SetBytes(amount)
	return t, nil
}

// A row of trace_transfers holds the transfers of a block at positions
// chunkLen × chunk to chunkLen × chunk + chunkLen − 1 (see migration 0022),
// as their entries one after the other: the asset's id and the record's
// length (uvarints), then the record.
const (
	chunkShift = 3
	chunkLen   = 1 << chunkShift
)

// appendEntry appends the chunk entry of asset and the record rec.
func appendEntry(buf []byte, asset int64, rec []byte) []byte {
	buf = binary.AppendUvarint(buf, uint64(asset))
	buf = binary.AppendUvarint(buf, uint64(len(rec)))
	return append(buf, rec...)
}

// nextEntry reads the entry at the start of the chunk c: its asset id, its
// record and the rest of c; or, when the entry is malformed, the field
// that is.
func nextEntry(c []byte) (asset int64, rec, rest []byte, field string) {
	a, n := binary.Uvarint(c)
	if n <= 0 || a > math.MaxInt64 {
		return 0, nil, nil, "asset"
	}
	c = c[n:]
	l, n := binary.Uvarint(c)
	if n <= 0 || l > uint64(len(c)-n) {
		return 0, nil, nil, "length"
	}
	c = c[n:]
	return int64(a), c[:l:l], c[l:], ""
}
