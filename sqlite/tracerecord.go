package sqlite

import (
	"database/sql/driver"
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark/tracing"
)

// A transfer's record is what trace_transfers holds of it besides its
// block, its position there and its asset, in an entry of a chunk (see
// appendEntry). The layout (see migration 0024):
//
//	[0:20]   from address
//	[20:40]  to address
//	[40]     head: the kind (tracing.Kind, the low 5 bits), recordNewTx,
//	         recordNewTime
//	then     with recordNewTx, the transaction hash (32 bytes) and tx
//	         index (uvarint); with recordNewTime, the time (varint, Unix
//	         seconds); without, those of the entry before in the chunk
//	then     log index, item index (uvarints), the trace address (its
//	         length, then each element, uvarints)
//	rest     the amount, big-endian without leading zero bytes (zero: none)
//
// The transfers of a transaction are neighbours in a block, and those of
// a block share its time: a chunk holds each once per run. The addresses
// are at fixed offsets so that a query can compare them without parsing
// the rest.
const (
	recordFrom  = 0
	recordTo    = 20
	recordHead  = 40
	recordFixed = 41

	recordKind    = 0x1f
	recordNewTx   = 0x20
	recordNewTime = 0x40
)

// recordCtx is what the records of a chunk read so far leave to the next:
// the last transaction (hash and index) and time. The zero value is the
// start of a chunk, where the first record has both.
type recordCtx struct {
	txHash  common.Hash
	txIndex uint32
	time    int64
	hasTx   bool
	hasTime bool
}

// appendRecord appends t's record to buf, the next of the chunk c is at
// (updated).
func appendRecord(buf []byte, t *tracing.Transfer, c *recordCtx) []byte {
	head := byte(t.Kind)
	newTx := !c.hasTx || c.txIndex != t.TxIndex || c.txHash != t.TxHash
	newTime := !c.hasTime || c.time != t.Time
	if newTx {
		head |= recordNewTx
	}
	if newTime {
		head |= recordNewTime
	}
	buf = append(buf, t.From[:]...)
	buf = append(buf, t.To[:]...)
	buf = append(buf, head)
	if newTx {
		buf = append(buf, t.TxHash[:]...)
		buf = binary.AppendUvarint(buf, uint64(t.TxIndex))
		c.txHash, c.txIndex, c.hasTx = t.TxHash, t.TxIndex, true
	}
	if newTime {
		buf = binary.AppendVarint(buf, t.Time)
		c.time, c.hasTime = t.Time, true
	}
	return appendRecordTail(buf, t)
}

var errRecord = errors.New("malformed transfer record")

// read reads the head of the record r, the next of the chunk c is at, and
// its transaction and time into c (updated even when the record is not
// kept: the next may refer to them). It returns the kind and the rest of
// r, or the field that is malformed.
func (c *recordCtx) read(r []byte) (tracing.Kind, []byte, string) {
	if len(r) < recordFixed {
		return 0, nil, "length"
	}
	head := r[recordHead]
	k := tracing.Kind(head & recordKind)
	if head&^(recordKind|recordNewTx|recordNewTime) != 0 || k < tracing.TopLevelCall || k > tracing.BaseFeeBurn {
		return 0, nil, "kind"
	}
	r = r[recordFixed:]
	switch {
	case head&recordNewTx != 0:
		if len(r) < common.HashLength {
			return 0, nil, "tx hash"
		}
		c.txHash = common.Hash(r[:common.HashLength])
		r = r[common.HashLength:]
		v, n := binary.Uvarint(r)
		if n <= 0 || v > math.MaxUint32 {
			return 0, nil, "tx index"
		}
		c.txIndex, c.hasTx, r = uint32(v), true, r[n:]
	case !c.hasTx:
		return 0, nil, "tx hash"
	}
	switch {
	case head&recordNewTime != 0:
		tm, n := binary.Varint(r)
		if n <= 0 {
			return 0, nil, "time"
		}
		c.time, c.hasTime, r = tm, true, r[n:]
	case !c.hasTime:
		return 0, nil, "time"
	}
	return k, r, ""
}

// parseRecord fills t's fields but Chain, Block and Asset from the record
// r, the next of the chunk c is at (updated). It returns errRecord,
// naming the field, when r is not a record appendRecord writes there.
func parseRecord(r []byte, t *tracing.Transfer, c *recordCtx) (field string, err error) {
	kind, rest, field := c.read(r)
	if field != "" {
		return field, errRecord
	}
	copy(t.From[:], r[recordFrom:recordTo])
	copy(t.To[:], r[recordTo:recordHead])
	t.Kind, t.TxHash, t.TxIndex, t.Time = kind, c.txHash, c.txIndex, c.time
	return parseRecordTail(rest, t)
}

// A record of migration 0019 (a transfer on its own, before chunks shared
// a transaction's hash and the time between records; migration 0024
// converts them):
//
//	[0:20]   from address
//	[20:40]  to address
//	[40:72]  transaction hash
//	then     tx index (uvarint), time (varint, Unix seconds), kind (one
//	         byte, tracing.Kind), log index, item index (uvarints), the
//	         trace address (its length, then each element, uvarints)
//	rest     the amount, big-endian without leading zero bytes (zero: none)
const recordFixedV1 = 72

// appendRecordV1 appends t's record of migration 0019 to buf.
func appendRecordV1(buf []byte, t *tracing.Transfer) []byte {
	buf = append(buf, t.From[:]...)
	buf = append(buf, t.To[:]...)
	buf = append(buf, t.TxHash[:]...)
	buf = binary.AppendUvarint(buf, uint64(t.TxIndex))
	buf = binary.AppendVarint(buf, t.Time)
	buf = append(buf, byte(t.Kind))
	return appendRecordTail(buf, t)
}

// parseRecordV1 fills t's fields but Chain, Block and Asset from the
// record r of migration 0019. It returns errRecord, naming the field,
// when r is not a record appendRecordV1 writes.
func parseRecordV1(r []byte, t *tracing.Transfer) (field string, err error) {
	if len(r) < recordFixedV1 {
		return "length", errRecord
	}
	copy(t.From[:], r[0:20])
	copy(t.To[:], r[20:40])
	copy(t.TxHash[:], r[40:72])
	r = r[recordFixedV1:]
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
	return parseRecordTail(r, t)
}

// appendRecordTail appends the end every record layout has, as
// parseRecordTail reads it: the log index, the item index, the trace
// address and the amount (big-endian, leading zeros cut).
func appendRecordTail(buf []byte, t *tracing.Transfer) []byte {
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

// parseRecordTail fills t's log index, item index, trace address and
// amount from r, the end every record layout shares. It returns
// errRecord, naming the field, when r is not such an end.
func parseRecordTail(r []byte, t *tracing.Transfer) (field string, err error) {
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

// chunkFromV1 is the chunk c of migration 0022 (entries of records of
// migration 0019) in the layout of migration 0024: the same entries, each
// record rewritten.
func chunkFromV1(c []byte) ([]byte, error) {
	var (
		out = make([]byte, 0, len(c))
		rec []byte
		ctx recordCtx
	)
	for len(c) > 0 {
		asset, r, rest, field := nextEntry(c)
		if field != "" {
			return nil, fmt.Errorf("entry's %s is malformed", field)
		}
		var t tracing.Transfer
		if field, err := parseRecordV1(r, &t); err != nil {
			return nil, fmt.Errorf("record's %s: %w", field, err)
		}
		rec = appendRecord(rec[:0], &t, &ctx)
		out = appendEntry(out, asset, rec)
		c = rest
	}
	return out, nil
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
