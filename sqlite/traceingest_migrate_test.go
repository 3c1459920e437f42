package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"reflect"
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
