package sqlite

import (
	"bytes"
	"fmt"
	"reflect"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/holiman/uint256"

	"github.com/bulwark-sec/bulwark/tracing"
)

func recordTransfers() []tracing.Transfer {
	max256 := new(uint256.Int).SetAllOne()
	return []tracing.Transfer{
		{TxIndex: 3, TxHash: common.Hash{0x7a, 1}, Time: 1_700_000_000, Kind: tracing.TopLevelCall,
			From: common.Address{0xa1}, To: common.Address{0xb2, 19: 2}, Amount: *max256},
		{TxIndex: 1<<32 - 1, TxHash: common.Hash{31: 9}, Time: -5, Kind: tracing.InternalCall, TraceAddress: []uint32{0, 12, 1<<32 - 1},
			From: common.Address{0xb2}, To: common.Address{0xb2}},
		{Kind: tracing.TokenTransfer, LogIndex: 1<<32 - 1, ItemIndex: 7, From: common.Address{0xa1}, Amount: *uint256.NewInt(1_000_000)},
		{Kind: tracing.BaseFeeBurn, Time: 1 << 62, Amount: *uint256.NewInt(1)},
	}
}

// chunkTransfers are recordTransfers with neighbours that share their
// transaction and time, as a block's do.
func chunkTransfers() []tracing.Transfer {
	ts := recordTransfers()
	same := ts[0]
	same.Kind, same.TraceAddress, same.From = tracing.InternalCall, []uint32{0}, common.Address{0xc3}
	otherTime := same
	otherTime.Time++
	otherIndex := same
	otherIndex.TxIndex++
	return append(ts[:1:1], append([]tracing.Transfer{same, otherTime, otherIndex}, ts[1:]...)...)
}

// readChunk reads the transfers (their assets in Asset.Chain, unset
// otherwise) of the chunk c, or the field that is malformed.
func readChunk(c []byte) ([]tracing.Transfer, string) {
	var (
		out []tracing.Transfer
		rc  recordCtx
	)
	for len(c) > 0 {
		asset, rec, rest, field := nextEntry(c)
		if field != "" {
			return nil, field
		}
		if len(rest) >= len(c) {
			panic(fmt.Sprintf("entry of %x read nothing", c))
		}
		t := tracing.Transfer{Asset: tracing.Asset{Chain: uint64(asset)}}
		if field, err := parseRecord(rec, &t, &rc); err != nil {
			return nil, field
		}
		out, c = append(out, t), rest
	}
	return out, ""
}

// writeChunk is the chunk of ts (each one's asset id in Asset.Chain).
func writeChunk(ts []tracing.Transfer) []byte {
	var (
		c  []byte
		rc recordCtx
	)
	for i := range ts {
		c = appendEntry(c, int64(ts[i].Asset.Chain), appendRecord(nil, &ts[i], &rc))
	}
	return c
}

// TestRecordRoundTrip: the records of a chunk read back as its transfers
// (but their chain, block and asset, stored beside them), with the
// addresses at the offsets queries compare; a record that shares its
// transaction and time with the one before is shorter; every prefix of a
// record ending before its amount is malformed, and so is a first record
// without its transaction or time.
func TestRecordRoundTrip(t *testing.T) {
	want := chunkTransfers()
	var rc recordCtx
	for i := range want {
		before := rc
		r := appendRecord([]byte("prefix"), &want[i], &rc)[len("prefix"):]
		if !bytes.Equal(r[recordFrom:recordTo], want[i].From[:]) || !bytes.Equal(r[recordTo:recordHead], want[i].To[:]) {
			t.Errorf("%d: record %x: addresses not at their offsets", i, r)
		}
		shared := i > 0 && want[i].TxHash == want[i-1].TxHash && want[i].TxIndex == want[i-1].TxIndex
		if shared != (r[recordHead]&recordNewTx == 0) || (i > 0 && want[i].Time == want[i-1].Time) != (r[recordHead]&recordNewTime == 0) {
			t.Errorf("%d: record %x: head %#x does not share what it shares with the one before", i, r, r[recordHead])
		}
		if fresh := appendRecord(nil, &want[i], &recordCtx{}); i == 1 && len(fresh)-len(r) < common.HashLength+2 {
			t.Errorf("record %x sharing its transaction and time is %d bytes, alone %d", r, len(r), len(fresh))
		}
		var got tracing.Transfer
		ctx := before
		if field, err := parseRecord(r, &got, &ctx); err != nil {
			t.Fatalf("%d: parse %x: %s: %v", i, r, field, err)
		}
		w := want[i]
		if len(w.TraceAddress) == 0 {
			w.TraceAddress = nil
		}
		if !reflect.DeepEqual(got, w) {
			t.Errorf("%d: got %+v\nwant %+v", i, got, w)
		}
		for n := range len(r) - len(w.Amount.Bytes()) {
			var p tracing.Transfer
			ctx := before
			if field, err := parseRecord(r[:n], &p, &ctx); err == nil || field == "" {
				t.Errorf("%d: prefix %x of %x: %q, %v", i, r[:n], r, field, err)
			}
		}
		if i == 1 {
			var p tracing.Transfer
			if field, err := parseRecord(r, &p, &recordCtx{}); err == nil || field != "tx hash" {
				t.Errorf("record %x first in its chunk: %q, %v", r, field, err)
			}
		}
	}
	c := writeChunk(want)
	got, field := readChunk(c)
	if field != "" {
		t.Fatalf("chunk %x: %s", c, field)
	}
	for i := range want {
		if len(want[i].TraceAddress) == 0 {
			want[i].TraceAddress = nil
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("chunk: got %+v\nwant %+v", got, want)
	}
}

// TestRecordV1RoundTrip: a record of migration 0019 reads back as the
// transfer, and every prefix ending before the amount is malformed.
func TestRecordV1RoundTrip(t *testing.T) {
	for i, want := range recordTransfers() {
		r := appendRecordV1([]byte("prefix"), &want)[len("prefix"):]
		var got tracing.Transfer
		if field, err := parseRecordV1(r, &got); err != nil {
			t.Fatalf("%d: parse %x: %s: %v", i, r, field, err)
		}
		if len(want.TraceAddress) == 0 {
			want.TraceAddress = nil
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%d: got %+v\nwant %+v", i, got, want)
		}
		for n := range len(r) - len(want.Amount.Bytes()) {
			var p tracing.Transfer
			if field, err := parseRecordV1(r[:n], &p); err == nil || field == "" {
				t.Errorf("%d: prefix %x of %x: %q, %v", i, r[:n], r, field, err)
			}
		}
	}
}

// FuzzTransferRecord: no record of migration 0019 (which migration 0024
// reads) makes the parser panic, and what it parses is written back as a
// record that parses the same.
func FuzzTransferRecord(f *testing.F) {
	for _, tr := range recordTransfers() {
		f.Add(appendRecordV1(nil, &tr))
	}
	f.Add(make([]byte, recordFixedV1))
	f.Fuzz(func(t *testing.T, r []byte) {
		var got tracing.Transfer
		if _, err := parseRecordV1(r, &got); err != nil {
			return
		}
		again := appendRecordV1(nil, &got)
		var back tracing.Transfer
		if field, err := parseRecordV1(again, &back); err != nil {
			t.Fatalf("record %x of %+v: %s: %v", again, got, field, err)
		}
		if !reflect.DeepEqual(back, got) {
			t.Fatalf("record %x parsed as %+v, written back and parsed as %+v", r, got, back)
		}
	})
}

// FuzzChunk: no chunk makes the entry and record readers panic or read
// past the chunk, and the transfers they read, written back as a chunk,
// read the same.
func FuzzChunk(f *testing.F) {
	ts := chunkTransfers()
	for i := range ts {
		ts[i].Asset.Chain = uint64(i + 1)
	}
	f.Add(writeChunk(ts))
	f.Add(writeChunk(ts[1:2]))
	f.Add(appendEntry(nil, 1<<62, make([]byte, 300)))
	f.Add([]byte{1, 200})
	f.Fuzz(func(t *testing.T, c []byte) {
		got, field := readChunk(c)
		if field != "" {
			return
		}
		back := writeChunk(got)
		again, field := readChunk(back)
		if field != "" {
			t.Fatalf("chunk %x written back as %x: %s", c, back, field)
		}
		if !reflect.DeepEqual(again, got) {
			t.Fatalf("chunk %x read as %+v, written back as %x and read as %+v", c, got, back, again)
		}
	})
}

// FuzzChunkFromV1: no chunk of migration 0022 makes the conversion of
// migration 0024 panic, and what it converts reads as the transfers of
// the records it had.
func FuzzChunkFromV1(f *testing.F) {
	var c []byte
	for i, tr := range chunkTransfers() {
		c = appendEntry(c, int64(i+1), appendRecordV1(nil, &tr))
	}
	f.Add(c)
	f.Add(appendEntry(nil, 3, make([]byte, recordFixedV1)))
	f.Add([]byte{1, 200})
	f.Fuzz(func(t *testing.T, c []byte) {
		out, err := chunkFromV1(c)
		if err != nil {
			return
		}
		var want []tracing.Transfer
		for rest := c; len(rest) > 0; {
			asset, rec, r, field := nextEntry(rest)
			tr := tracing.Transfer{Asset: tracing.Asset{Chain: uint64(asset)}}
			if _, err := parseRecordV1(rec, &tr); field != "" || err != nil {
				t.Fatalf("chunk %x converted, but its entry %x is malformed", c, rest)
			}
			want, rest = append(want, tr), r
		}
		got, field := readChunk(out)
		if field != "" {
			t.Fatalf("chunk %x converted to %x: %s", c, out, field)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("chunk %x converted to %x, read as %+v, not %+v", c, out, got, want)
		}
	})
}

// FuzzAddrEntries: no entries text makes the address row reader panic,
// and what it reads is in the row's span.
func FuzzAddrEntries(f *testing.F) {
	f.Add(`[0,449,65]`)
	f.Add(`[]`)
	f.Add(`[-1]`)
	f.Add(`[1e30]`)
	f.Fuzz(func(t *testing.T, text string) {
		es, err := parseAddrEntries(nil, 7, 100, text)
		if err != nil {
			return
		}
		for _, e := range es {
			if e.key != 7 || e.block < 100 || e.block >= 100+addrSpan || e.seq < 0 {
				t.Fatalf("%q: entry %+v", text, e)
			}
		}
	})
}
