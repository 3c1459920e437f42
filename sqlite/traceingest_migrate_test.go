package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/holiman/uint256"

	"github.com/bulwark-sec/bulwark/tracing"
)

// TestTraceCompactMigration opens a store whose ingested transfers are in
// the text layout of the migration before trace_compact with this binary
// (so through every later migration too, trace_item_index's rebuild of
// the table among them): every transfer reads back as it was, item index
// 0, for each (chain, source), with
// amounts up to 2^256-1 and zero, token ids, trace addresses and a
// transfer to its own sender; the address and asset queries find them.
func TestTraceCompactMigration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bulwark.db")
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := loadMigrations(migrationFS)
	if err != nil {
		t.Fatal(err)
	}
	var before []migration
	for _, m := range ms {
		if m.name == "trace_compact" {
			break
		}
		before = append(before, m)
	}
	if len(before) == len(ms) {
		t.Fatal("no trace_compact migration")
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := raw.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT`)
	for _, m := range before {
		exec(m.sql)
		exec(`INSERT INTO schema_migrations VALUES (?, ?, ?)`, m.version, m.name, formatTime(time.Now()))
	}
	exec(`PRAGMA application_id = ` + strconv.Itoa(applicationID))

	var (
		a, b   = common.HexToAddress("0x00000000000000000000000000000000000000a1"), common.HexToAddress("0xB2000000000000000000000000000000000000b2")
		token  = common.HexToAddress("0x00000000000000000000000000000000000070c0")
		max256 = new(uint256.Int).SetAllOne()
		nftID  = uint256.NewInt(77)
	)
	hash := func(n byte) common.Hash { return common.Hash{0xbb, n} }
	type stream struct {
		chain  uint64
		source string
	}
	want := map[stream][]tracing.Transfer{}
	for _, s := range []stream{{1, "node"}, {1, "etl:x"}, {31337, "node"}} {
		for n := uint64(5); n <= 6; n++ {
			exec(`INSERT INTO trace_blocks VALUES (?, ?, ?, ?, ?, ?)`, s.chain, s.source, n, hash(byte(n)).Hex(), hash(byte(n-1)).Hex(), 1_700_000_000+int64(n))
			mk := func(k tracing.Kind, from, to common.Address, asset tracing.Asset, amount *uint256.Int) tracing.Transfer {
				return tracing.Transfer{Chain: s.chain, Block: n, TxIndex: 3, TxHash: common.Hash{0x7a, byte(n)}, Time: 1_700_000_000 + int64(n),
					Kind: k, From: from, To: to, Asset: asset, Amount: *amount}
			}
			top := mk(tracing.TopLevelCall, a, b, tracing.NativeAsset(s.chain), max256)
			in := mk(tracing.InternalCall, b, b, tracing.NativeAsset(s.chain), uint256.NewInt(0))
			in.TraceAddress = []uint32{0, 12}
			tok := mk(tracing.TokenTransfer, b, a, tracing.TokenAsset(s.chain, token), uint256.NewInt(1_000_000))
			tok.LogIndex = 9
			nft := mk(tracing.TokenTransfer, a, common.Address{}, tracing.NFTAsset(s.chain, token, nftID), uint256.NewInt(1))
			nft.LogIndex = 10
			ts := []tracing.Transfer{top, in, tok, nft}
			for seq, tf := range ts {
				trace := ""
				if len(tf.TraceAddress) > 0 {
					trace = "0,12"
				}
				exec(`INSERT INTO trace_transfers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, s.chain, s.source, n, seq, tf.TxIndex, tf.TxHash.Hex(), tf.Time,
					tf.Kind.String(), tf.LogIndex, trace, lowerAddr(tf.From), lowerAddr(tf.To), tf.Asset.String(), tf.Amount.Dec())
			}
			want[s] = append(want[s], ts...)
		}
		exec(`INSERT INTO trace_cursors VALUES (?, ?, 6, ?, ?)`, s.chain, s.source, hash(6).Hex(), formatTime(time.Now()))
	}
	raw.Close()

	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for s, ts := range want {
		got, err := db.Transfers(ctx, tracing.TransferQuery{Chain: s.chain, Source: s.source})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, ts) {
			t.Errorf("%v: transfers after the migration:\n got %+v\nwant %+v", s, got, ts)
		}
		byB, err := db.Transfers(ctx, tracing.TransferQuery{Chain: s.chain, Source: s.source, Address: &b})
		if err != nil {
			t.Fatal(err)
		}
		if len(byB) != 6 { // top, the self-transfer once, tok; two blocks
			t.Errorf("%v: %d transfers of %s, want 6", s, len(byB), b.Hex())
		}
		nft := tracing.NFTAsset(s.chain, token, nftID)
		byNFT, err := db.Transfers(ctx, tracing.TransferQuery{Chain: s.chain, Source: s.source, Asset: &nft})
		if err != nil {
			t.Fatal(err)
		}
		if len(byNFT) != 2 || byNFT[0].Asset != nft {
			t.Errorf("%v: transfers of the NFT = %+v, want the two", s, byNFT)
		}
		cur, ok, err := db.IngestCursor(ctx, s.chain, s.source)
		if err != nil || !ok || cur.Block != 6 {
			t.Errorf("%v: cursor %+v, %v, %v", s, cur, ok, err)
		}
	}
	// A rollback removes the transfers and their address rows.
	if err := db.RollbackAbove(ctx, 1, "node", 5); err != nil {
		t.Fatal(err)
	}
	var left int
	if err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM trace_addresses a JOIN trace_streams s ON s.id = a.stream WHERE s.chain = 1 AND s.source = 'node' AND a.block = 6`).Scan(&left); err != nil || left != 0 {
		t.Errorf("address rows of the rolled-back block: %d, %v", left, err)
	}
}

func lowerAddr(a common.Address) string { return "0x" + common.Bytes2Hex(a[:]) }

// TestTraceRecordsMigration opens a store whose ingested transfers are in
// the column layout of the migration before trace_records, with an
// address row per transfer and address, with this binary: every transfer
// reads back as it was (amounts up to 2^256-1 and zero, trace addresses,
// an ERC-1155 item index, a transfer to its own sender, the zero
// address), the address and asset queries find what they found, a
// rollback removes the address rows of its blocks, and ingestion goes on.
func TestTraceRecordsMigration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bulwark.db")
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := loadMigrations(migrationFS)
	if err != nil {
		t.Fatal(err)
	}
	var before []migration
	for _, m := range ms {
		if m.name == "trace_records" {
			break
		}
		before = append(before, m)
	}
	if len(before) == len(ms) {
		t.Fatal("no trace_records migration")
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := raw.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT`)
	for _, m := range before {
		exec(m.sql)
		exec(`INSERT INTO schema_migrations VALUES (?, ?, ?)`, m.version, m.name, formatTime(time.Now()))
	}
	exec(`PRAGMA application_id = ` + strconv.Itoa(applicationID))

	var (
		a, b   = common.HexToAddress("0x00000000000000000000000000000000000000a1"), common.HexToAddress("0xB2000000000000000000000000000000000000b2")
		token  = common.HexToAddress("0x00000000000000000000000000000000000070c0")
		max256 = new(uint256.Int).SetAllOne()
	)
	hash := func(n byte) common.Hash { return common.Hash{0xbb, n} }
	type stream struct {
		chain  uint64
		source string
	}
	streams := []stream{{1, "node"}, {1, "etl:x"}, {31337, "node"}}
	want := map[stream][]tracing.Transfer{}
	assets := map[tracing.Asset]int64{}
	assetID := func(x tracing.Asset) int64 {
		id, ok := assets[x]
		if !ok {
			id = int64(len(assets) + 1)
			assets[x] = id
			exec(`INSERT INTO trace_assets (id, key) VALUES (?, ?)`, id, x.String())
		}
		return id
	}
	for si, s := range streams {
		exec(`INSERT INTO trace_streams (id, chain, source) VALUES (?, ?, ?)`, si+1, s.chain, s.source)
		for n := uint64(5); n <= 6; n++ {
			exec(`INSERT INTO trace_blocks VALUES (?, ?, ?, ?, ?, ?)`, s.chain, s.source, n, hash(byte(n)).Hex(), hash(byte(n-1)).Hex(), 1_700_000_000+int64(n))
			mk := func(k tracing.Kind, from, to common.Address, asset tracing.Asset, amount *uint256.Int) tracing.Transfer {
				return tracing.Transfer{Chain: s.chain, Block: n, TxIndex: 3, TxHash: common.Hash{0x7a, byte(n)}, Time: 1_700_000_000 + int64(n),
					Kind: k, From: from, To: to, Asset: asset, Amount: *amount}
			}
			fee := mk(tracing.GasTip, a, common.Address{}, tracing.NativeAsset(s.chain), uint256.NewInt(21_000))
			top := mk(tracing.TopLevelCall, a, b, tracing.NativeAsset(s.chain), max256)
			in := mk(tracing.InternalCall, b, b, tracing.NativeAsset(s.chain), uint256.NewInt(0))
			in.TraceAddress = []uint32{0, 12}
			tok := mk(tracing.TokenTransfer, b, a, tracing.TokenAsset(s.chain, token), uint256.NewInt(1_000_000))
			tok.LogIndex = 9
			item := mk(tracing.TokenTransfer, a, b, tracing.MultiTokenAsset(s.chain, token, uint256.NewInt(77)), uint256.NewInt(3))
			item.LogIndex, item.ItemIndex = 10, 1
			ts := []tracing.Transfer{fee, top, in, tok, item}
			for seq, tf := range ts {
				trace := ""
				if len(tf.TraceAddress) > 0 {
					trace = "0,12"
				}
				_, amount := appendAmount(nil, &tf.Amount)
				exec(`INSERT INTO trace_transfers (stream, block, seq, tx_index, tx_hash, time, kind, log_index, item_index, trace_address, from_addr, to_addr, asset, amount)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, si+1, n, seq, tf.TxIndex, tf.TxHash[:], tf.Time,
					int64(tf.Kind), tf.LogIndex, tf.ItemIndex, trace, tf.From[:], tf.To[:], assetID(tf.Asset), amount)
				// The address rows as the store wrote them: none for the
				// zero address, one for a transfer to its sender.
				if tf.From != (common.Address{}) {
					exec(`INSERT INTO trace_addresses VALUES (?, ?, ?, ?)`, tf.From[:8], si+1, n, seq)
				}
				if tf.To != (common.Address{}) && tf.To != tf.From {
					exec(`INSERT INTO trace_addresses VALUES (?, ?, ?, ?)`, tf.To[:8], si+1, n, seq)
				}
			}
			want[s] = append(want[s], ts...)
		}
		exec(`INSERT INTO trace_cursors VALUES (?, ?, 6, ?, ?)`, s.chain, s.source, hash(6).Hex(), formatTime(time.Now()))
	}
	raw.Close()

	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	filter := func(ts []tracing.Transfer, keep func(*tracing.Transfer) bool) []tracing.Transfer {
		out := []tracing.Transfer{}
		for i := range ts {
			if keep(&ts[i]) {
				out = append(out, ts[i])
			}
		}
		return out
	}
	for s, ts := range want {
		for i := range ts {
			if len(ts[i].TraceAddress) == 0 {
				ts[i].TraceAddress = nil
			}
		}
		check := func(what string, q tracing.TransferQuery, want []tracing.Transfer) {
			t.Helper()
			q.Chain, q.Source = s.chain, s.source
			got, err := db.Transfers(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%v: %s after the migration:\n got %+v\nwant %+v", s, what, got, want)
			}
		}
		check("transfers", tracing.TransferQuery{}, ts)
		for _, x := range []common.Address{a, b, {}} {
			check("transfers of "+x.Hex(), tracing.TransferQuery{Address: &x}, filter(ts, func(t *tracing.Transfer) bool { return t.From == x || t.To == x }))
		}
		tok := tracing.TokenAsset(s.chain, token)
		check("token transfers", tracing.TransferQuery{Asset: &tok}, filter(ts, func(t *tracing.Transfer) bool { return t.Asset == tok }))
		check("token transfers of a in block 6", tracing.TransferQuery{Asset: &tok, Address: &a, FromBlock: 6},
			filter(ts, func(t *tracing.Transfer) bool { return t.Asset == tok && t.Block == 6 }))
	}
	// A rollback removes the transfers and their address rows.
	if err := db.RollbackAbove(ctx, 1, "node", 5); err != nil {
		t.Fatal(err)
	}
	var left int
	if err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM trace_addresses a JOIN trace_streams s ON s.id = a.stream WHERE s.chain = 1 AND s.source = 'node' AND a.block = 6`).Scan(&left); err != nil || left != 0 {
		t.Errorf("address rows of the rolled-back block: %d, %v", left, err)
	}
	// Ingestion goes on: block 6 again, then 7.
	s := stream{1, "node"}
	six := filter(want[s], func(t *tracing.Transfer) bool { return t.Block == 6 })
	seven := slices.Clone(six)
	for i := range seven {
		seven[i].Block = 7
	}
	blocks := []tracing.BlockHeader{{Number: 6, Hash: hash(6), Parent: hash(5), Time: 1_700_000_006}, {Number: 7, Hash: hash(7), Parent: hash(6), Time: 1_700_000_006}}
	if err := db.PutBlocks(ctx, 1, "node", blocks, append(slices.Clone(six), seven...)); err != nil {
		t.Fatal(err)
	}
	got, err := db.Transfers(ctx, tracing.TransferQuery{Chain: 1, Source: "node", Address: &b})
	if err != nil {
		t.Fatal(err)
	}
	all := append(slices.Clone(want[s]), seven...)
	if w := filter(all, func(t *tracing.Transfer) bool { return t.From == b || t.To == b }); !reflect.DeepEqual(got, w) {
		t.Errorf("transfers of b after ingesting on:\n got %+v\nwant %+v", got, w)
	}
}

// TestTraceChunksMigration opens a store whose ingested transfers are in
// the record layout of the migration before trace_chunks (one row per
// transfer, one address row per address key and block) with this binary:
// every transfer reads back as it was, across chunks of a block (a block
// of 20 transfers) and for each stream; the address, asset and range
// queries find what they found; a rollback removes the rolled-back
// block's address entries; and ingestion goes on.
func TestTraceChunksMigration(t *testing.T) {
	testTransfersMigration(t, "trace_chunks", func(exec func(string, ...any), stream int64, block uint64, ts []tracing.Transfer, assetID func(tracing.Asset) int64) {
		seqs := map[string][]int{}
		for seq, tf := range ts {
			exec(`INSERT INTO trace_transfers (stream, block, seq, asset, record) VALUES (?, ?, ?, ?, ?)`, stream, block, seq, assetID(tf.Asset), appendRecordV1(nil, &tf))
			// The address rows as the store wrote them: none for the
			// zero address, one position for a transfer to its sender.
			for _, x := range []common.Address{tf.From, tf.To} {
				k := string(x[:8])
				if x != (common.Address{}) && !slices.Contains(seqs[k], seq) {
					seqs[k] = append(seqs[k], seq)
				}
			}
		}
		for k, ss := range seqs {
			text, _ := json.Marshal(ss)
			exec(`INSERT INTO trace_addresses VALUES (?, ?, ?, ?)`, []byte(k), stream, block, string(text))
		}
	})
}

// TestTraceChunkSharedMigration opens a store whose chunks of transfers
// hold every record whole (each with its transaction's hash and the
// time: the layout of the migration before trace_chunk_shared) with this
// binary: as TestTraceChunksMigration, every transfer reads back as it
// was, the queries find what they found, a rollback and ingestion go on.
func TestTraceChunkSharedMigration(t *testing.T) {
	testTransfersMigration(t, "trace_chunk_shared", func(exec func(string, ...any), stream int64, block uint64, ts []tracing.Transfer, assetID func(tracing.Asset) int64) {
		var seqs [][]int64
		keys := map[string]int{}
		for start := 0; start < len(ts); start += chunkLen {
			var c []byte
			for seq := start; seq < min(start+chunkLen, len(ts)); seq++ {
				tf := &ts[seq]
				c = appendEntry(c, assetID(tf.Asset), appendRecordV1(nil, tf))
				// The address rows as the store wrote them, here one per
				// address key and block.
				for _, x := range []common.Address{tf.From, tf.To} {
					k, ok := keys[string(x[:8])]
					if !ok {
						k = len(seqs)
						keys[string(x[:8])] = k
						seqs = append(seqs, nil)
					}
					if x != (common.Address{}) && !slices.Contains(seqs[k], int64(seq)*addrSpan) {
						seqs[k] = append(seqs[k], int64(seq)*addrSpan)
					}
				}
			}
			exec(`INSERT INTO trace_transfers (stream, block, chunk, records) VALUES (?, ?, ?, ?)`, stream, block, start/chunkLen, c)
		}
		for k, i := range keys {
			if len(seqs[i]) > 0 {
				text, _ := json.Marshal(seqs[i])
				exec(`INSERT INTO trace_addresses (addr, stream, block, entries) VALUES (?, ?, ?, ?)`, []byte(k), stream, block, string(text))
			}
		}
	})
}

// testTransfersMigration opens a store at the migration before name,
// whose transfers store writes in that layout (those of a block, in
// order), with this binary: see TestTraceChunksMigration.
func testTransfersMigration(t *testing.T, name string, store func(exec func(string, ...any), stream int64, block uint64, ts []tracing.Transfer, assetID func(tracing.Asset) int64)) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bulwark.db")
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := loadMigrations(migrationFS)
	if err != nil {
		t.Fatal(err)
	}
	var before []migration
	for _, m := range ms {
		if m.name == name {
			break
		}
		before = append(before, m)
	}
	if len(before) == len(ms) {
		t.Fatalf("no %s migration", name)
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := raw.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT`)
	for _, m := range before {
		exec(m.sql)
		exec(`INSERT INTO schema_migrations VALUES (?, ?, ?)`, m.version, m.name, formatTime(time.Now()))
	}
	exec(`PRAGMA application_id = ` + strconv.Itoa(applicationID))

	var (
		a, b   = common.HexToAddress("0x00000000000000000000000000000000000000a1"), common.HexToAddress("0xB2000000000000000000000000000000000000b2")
		token  = common.HexToAddress("0x00000000000000000000000000000000000070c0")
		max256 = new(uint256.Int).SetAllOne()
	)
	hash := func(n byte) common.Hash { return common.Hash{0xbb, n} }
	type stream struct {
		chain  uint64
		source string
	}
	streams := []stream{{1, "node"}, {31337, "node"}}
	want := map[stream][]tracing.Transfer{}
	assets := map[tracing.Asset]int64{}
	assetID := func(x tracing.Asset) int64 {
		id, ok := assets[x]
		if !ok {
			id = int64(len(assets) + 1)
			assets[x] = id
			exec(`INSERT INTO trace_assets (id, key) VALUES (?, ?)`, id, x.String())
		}
		return id
	}
	for si, s := range streams {
		exec(`INSERT INTO trace_streams (id, chain, source) VALUES (?, ?, ?)`, si+1, s.chain, s.source)
		for n := uint64(5); n <= 6; n++ {
			exec(`INSERT INTO trace_blocks VALUES (?, ?, ?, ?, ?, ?)`, s.chain, s.source, n, hash(byte(n)).Hex(), hash(byte(n-1)).Hex(), 1_700_000_000+int64(n))
			mk := func(txi uint32, k tracing.Kind, from, to common.Address, asset tracing.Asset, amount *uint256.Int) tracing.Transfer {
				return tracing.Transfer{Chain: s.chain, Block: n, TxIndex: txi, TxHash: common.Hash{0x7a, byte(n), byte(txi)}, Time: 1_700_000_000 + int64(n),
					Kind: k, From: from, To: to, Asset: asset, Amount: *amount}
			}
			// Block 5: 4 transactions of 5 transfers, 20 in all (chunks
			// of 8, 8 and 4); block 6: one.
			var ts []tracing.Transfer
			for txi := range uint32(map[uint64]uint32{5: 4, 6: 1}[n]) {
				top := mk(txi, tracing.TopLevelCall, a, b, tracing.NativeAsset(s.chain), max256)
				in := mk(txi, tracing.InternalCall, b, b, tracing.NativeAsset(s.chain), uint256.NewInt(0))
				in.TraceAddress = []uint32{0, 12}
				tok := mk(txi, tracing.TokenTransfer, b, a, tracing.TokenAsset(s.chain, token), uint256.NewInt(1_000_000+uint64(txi)))
				tok.LogIndex = 9
				item := mk(txi, tracing.TokenTransfer, a, b, tracing.MultiTokenAsset(s.chain, token, uint256.NewInt(77)), uint256.NewInt(3))
				item.LogIndex, item.ItemIndex = 10, 1
				fee := mk(txi, tracing.GasTip, a, common.Address{}, tracing.NativeAsset(s.chain), uint256.NewInt(21_000))
				ts = append(ts, top, in, tok, item, fee)
			}
			slices.SortStableFunc(ts, func(x, y tracing.Transfer) int { return tracing.Compare(&x, &y) })
			store(exec, int64(si+1), n, ts, assetID)
			want[s] = append(want[s], ts...)
		}
		exec(`INSERT INTO trace_cursors VALUES (?, ?, 6, ?, ?)`, s.chain, s.source, hash(6).Hex(), formatTime(time.Now()))
	}
	raw.Close()

	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	filter := func(ts []tracing.Transfer, keep func(*tracing.Transfer) bool) []tracing.Transfer {
		out := []tracing.Transfer{}
		for i := range ts {
			if keep(&ts[i]) {
				out = append(out, ts[i])
			}
		}
		return out
	}
	holds := func(s stream, ts []tracing.Transfer) {
		t.Helper()
		for i := range ts {
			if len(ts[i].TraceAddress) == 0 {
				ts[i].TraceAddress = nil
			}
		}
		check := func(what string, q tracing.TransferQuery, want []tracing.Transfer) {
			t.Helper()
			q.Chain, q.Source = s.chain, s.source
			got, err := db.Transfers(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%v: %s after the migration:\n got %+v\nwant %+v", s, what, got, want)
			}
		}
		check("transfers", tracing.TransferQuery{}, ts)
		check("transfers of block 6", tracing.TransferQuery{FromBlock: 6, ToBlock: 6}, filter(ts, func(t *tracing.Transfer) bool { return t.Block == 6 }))
		for _, x := range []common.Address{a, b, {}} {
			check("transfers of "+x.Hex(), tracing.TransferQuery{Address: &x}, filter(ts, func(t *tracing.Transfer) bool { return t.From == x || t.To == x }))
			check("transfers of "+x.Hex()+" in block 6", tracing.TransferQuery{Address: &x, FromBlock: 6, ToBlock: 6},
				filter(ts, func(t *tracing.Transfer) bool { return (t.From == x || t.To == x) && t.Block == 6 }))
		}
		tok := tracing.TokenAsset(s.chain, token)
		check("token transfers", tracing.TransferQuery{Asset: &tok}, filter(ts, func(t *tracing.Transfer) bool { return t.Asset == tok }))
		check("token transfers of a in block 6", tracing.TransferQuery{Asset: &tok, Address: &a, FromBlock: 6},
			filter(ts, func(t *tracing.Transfer) bool { return t.Asset == tok && (t.From == a || t.To == a) && t.Block >= 6 }))
	}
	for s, ts := range want {
		holds(s, ts)
	}
	// A rollback removes the transfers and their address entries.
	if err := db.RollbackAbove(ctx, 1, "node", 5); err != nil {
		t.Fatal(err)
	}
	s := stream{1, "node"}
	five := filter(want[s], func(t *tracing.Transfer) bool { return t.Block == 5 })
	holds(s, five)
	var left int
	if err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM trace_addresses a JOIN trace_streams s ON s.id = a.stream WHERE s.chain = 1 AND s.source = 'node' AND a.block = 6`).Scan(&left); err != nil || left != 0 {
		t.Errorf("address rows of the rolled-back block: %d, %v", left, err)
	}
	// Ingestion goes on: block 6 again, then 7.
	six := filter(want[s], func(t *tracing.Transfer) bool { return t.Block == 6 })
	seven := slices.Clone(six)
	for i := range seven {
		seven[i].Block = 7
	}
	blocks := []tracing.BlockHeader{{Number: 6, Hash: hash(6), Parent: hash(5), Time: 1_700_000_006}, {Number: 7, Hash: hash(7), Parent: hash(6), Time: 1_700_000_006}}
	if err := db.PutBlocks(ctx, 1, "node", blocks, append(slices.Clone(six), seven...)); err != nil {
		t.Fatal(err)
	}
	holds(s, append(slices.Clone(want[s]), seven...))
	holds(stream{31337, "node"}, want[stream{31337, "node"}])
}
