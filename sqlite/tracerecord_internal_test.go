package sqlite

import (
	"bytes"
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

// TestRecordRoundTrip: a transfer's record reads back as the transfer
// (but its chain, block and asset, stored beside it), with the addresses
// and hash at the offsets SQL reads them from.
func TestRecordRoundTrip(t *testing.T) {
	for i, want := range recordTransfers() {
		r := appendRecord([]byte("prefix"), &want)[len("prefix"):]
		if !bytes.Equal(r[recordFrom:recordTo], want.From[:]) || !bytes.Equal(r[recordTo:recordTxHash], want.To[:]) || !bytes.Equal(r[recordTxHash:recordFixed], want.TxHash[:]) {
			t.Errorf("%d: record %x: addresses or hash not at their offsets", i, r)
		}
		var got tracing.Transfer
		if field, err := parseRecord(r, &got); err != nil {
			t.Fatalf("%d: parse %x: %s: %v", i, r, field, err)
		}
		if len(want.TraceAddress) == 0 {
			want.TraceAddress = nil
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%d: got %+v\nwant %+v", i, got, want)
		}
		// Every prefix ending before the amount's bytes is malformed (the
		// amount is the rest of the record: a prefix ending inside it is a
		// smaller amount).
		for n := range len(r) - len(want.Amount.Bytes()) {
			var p tracing.Transfer
			if field, err := parseRecord(r[:n], &p); err == nil || field == "" {
				t.Errorf("%d: prefix %x of %x: %q, %v", i, r[:n], r, field, err)
			}
		}
	}
}

// FuzzTransferRecord: no record makes the parser panic, and what it
// parses is written back as a record that parses the same.
func FuzzTransferRecord(f *testing.F) {
	for _, tr := range recordTransfers() {
		f.Add(appendRecord(nil, &tr))
	}
	f.Add(make([]byte, recordFixed))
	f.Fuzz(func(t *testing.T, r []byte) {
		var got tracing.Transfer
		if _, err := parseRecord(r, &got); err != nil {
			return
		}
		again := appendRecord(nil, &got)
		var back tracing.Transfer
		if field, err := parseRecord(again, &back); err != nil {
			t.Fatalf("record %x of %+v: %s: %v", again, got, field, err)
		}
		if !reflect.DeepEqual(back, got) {
			t.Fatalf("record %x parsed as %+v, written back and parsed as %+v", r, got, back)
		}
	})
}

// FuzzChunk: no chunk makes the entry reader panic or read past the
// chunk, and the entries it reads, written back, are the same chunk.
func FuzzChunk(f *testing.F) {
	var c []byte
	for i, tr := range recordTransfers() {
		c = appendEntry(c, int64(i+1), appendRecord(nil, &tr))
	}
	f.Add(c)
	f.Add(appendEntry(nil, 1<<62, make([]byte, 300)))
	f.Add([]byte{1, 200})
	f.Fuzz(func(t *testing.T, c []byte) {
		var back []byte
		for rest := c; len(rest) > 0; {
			asset, rec, r, field := nextEntry(rest)
			if field != "" {
				return
			}
			if len(r) >= len(rest) {
				t.Fatalf("entry of %x read nothing", rest)
			}
			back, rest = appendEntry(back, asset, rec), r
		}
		// Uvarints have more than one form: compare what the forms read.
		for x, y := c, back; len(x) > 0 || len(y) > 0; {
			a1, r1, x2, _ := nextEntry(x)
			a2, r2, y2, _ := nextEntry(y)
			if a1 != a2 || !bytes.Equal(r1, r2) {
				t.Fatalf("chunk %x written back as %x", c, back)
			}
			x, y = x2, y2
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
