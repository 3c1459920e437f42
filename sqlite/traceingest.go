package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/holiman/uint256"
	msqlite "modernc.org/sqlite"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/tracing"
)

var _ tracing.IngestStore = (*DB)(nil)

func init() {
	// bulwark_uint256(decimal) is the amount's bytes as trace_transfers
	// holds them (big-endian, no leading zero bytes, zero as one 0x00): the
	// migration to compact transfers converts the stored amounts with it.
	msqlite.MustRegisterDeterministicScalarFunction("bulwark_uint256", 1, func(_ *msqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		s, ok := args[0].(string)
		if !ok {
			return nil, fmt.Errorf("bulwark_uint256: %T is not a decimal text", args[0])
		}
		var v uint256.Int
		if err := v.SetFromDecimal(s); err != nil {
			return nil, fmt.Errorf("bulwark_uint256: %q is not a decimal amount below 2^256", s)
		}
		_, b := appendAmount(make([]byte, 0, 32), &v)
		return b, nil
	})
	// bulwark_transfer_record(from_addr, to_addr, tx_hash, tx_index, time,
	// kind, log_index, item_index, trace_address, amount) is a
	// transfer's record (see appendRecord) from the columns trace_transfers
	// had before: the migration to records converts the stored transfers
	// with it.
	msqlite.MustRegisterDeterministicScalarFunction("bulwark_transfer_record", 10, func(_ *msqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		t, err := transferFromColumns(args)
		if err != nil {
			return nil, fmt.Errorf("bulwark_transfer_record: %w", err)
		}
		return appendRecordV1(nil, &t), nil
	})
	// bulwark_chunk_entry(asset, record) is the entry of a transfer in a
	// chunk (see appendEntry): the migration to chunks builds them with it.
	msqlite.MustRegisterDeterministicScalarFunction("bulwark_chunk_entry", 2, func(_ *msqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		asset, ok := args[0].(int64)
		rec, ok2 := args[1].([]byte)
		if !ok || !ok2 || asset < 0 {
			return nil, fmt.Errorf("bulwark_chunk_entry: (%T %v, %T) is not an asset id and a record", args[0], args[0], args[1])
		}
		return appendEntry(nil, asset, rec), nil
	})
	// bulwark_chunk_0024(records) is a chunk of migration 0022 in the
	// layout of 0024 (see chunkFromV1): the migration that shares a
	// transaction's hash and the time between the records of a chunk
	// converts the stored chunks with it.
	msqlite.MustRegisterDeterministicScalarFunction("bulwark_chunk_0024", 1, func(_ *msqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		c, ok := args[0].([]byte)
		if !ok {
			return nil, fmt.Errorf("bulwark_chunk_0024: %T is not a chunk", args[0])
		}
		out, err := chunkFromV1(c)
		if err != nil {
			return nil, fmt.Errorf("bulwark_chunk_0024: %w", err)
		}
		return out, nil
	})
}

func checkIngestKey(chain uint64, source string) error {
	if chain > math.MaxInt64 {
		return bulwark.Invalid("chain", "%d is out of range", chain)
	}
	if source == "" {
		return bulwark.Invalid("source", "required: the name of the ingestion source (e.g. node)")
	}
	return nil
}

// PutBlocks stores consecutive blocks, their transfers and the cursor in
// one transaction (see tracing.IngestStore).
func (db *DB) PutBlocks(ctx context.Context, chain uint64, source string, blocks []tracing.BlockHeader, transfers []tracing.Transfer) error {
	if err := checkIngestKey(chain, source); err != nil {
		return err
	}
	if len(blocks) == 0 {
		if len(transfers) != 0 {
			return bulwark.Invalid("blocks", "%d transfers given without their blocks", len(transfers))
		}
		return nil
	}
	first, last := blocks[0].Number, blocks[len(blocks)-1].Number
	if last > math.MaxInt64 {
		return bulwark.Invalid("block", "%d is out of range", last)
	}
	for i := 1; i < len(blocks); i++ {
		if blocks[i].Number != blocks[i-1].Number+1 {
			return bulwark.Invalid("blocks", "block %d follows block %d: give consecutive blocks", blocks[i].Number, blocks[i-1].Number)
		}
		if blocks[i].Parent != blocks[i-1].Hash {
			return bulwark.Errorf(bulwark.ECONFLICT, "block %d's parent %s is not block %d's hash %s (a reorg within the range)", blocks[i].Number, blocks[i].Parent.Hex(), blocks[i-1].Number, blocks[i-1].Hash.Hex())
		}
	}
	inOrder := true
	for i := range transfers {
		t := &transfers[i]
		if t.Chain != chain {
			return bulwark.Invalid("transfers", "transfer %d is on chain %d, not %d", i, t.Chain, chain)
		}
		if t.Block < first || t.Block > last {
			return bulwark.Invalid("transfers", "transfer %d is in block %d, outside the blocks %d to %d given", i, t.Block, first, last)
		}
		if err := t.Validate(); err != nil {
			return bulwark.Invalid("transfers", "transfer %d of block %d (tx %s): %s", i, t.Block, t.TxHash.Hex(), err.Error())
		}
		inOrder = inOrder && (i == 0 || tracing.Compare(&transfers[i-1], t) <= 0)
	}
	// Sources give them in order: then they are stored as given, else
	// sorted in a copy (the caller's slice is left alone).
	sorted := transfers
	if !inOrder {
		sorted = slices.Clone(transfers)
		slices.SortStableFunc(sorted, func(a, b tracing.Transfer) int { return tracing.Compare(&a, &b) })
	}

	op := "store blocks " + strconv.FormatUint(first, 10) + " to " + strconv.FormatUint(last, 10) + " of " + source
	var learned traceIDs
	own := db.txFrom(ctx) == nil
	var shared ingestShared
	if own {
		// Prepared on the writer connection now, while no transaction
		// holds it; a caller's transaction prepares its own.
		shared = db.ingestStmts(ctx)
	}
	err := db.inTx(ctx, op, func(ctx context.Context, q querier) error {
		cur, have, err := db.IngestCursor(ctx, chain, source)
		if err != nil {
			return err
		}
		if have && first > cur.Block+1 {
			return bulwark.Invalid("blocks", "block %d leaves a gap after the cursor at block %d of %s: resume from block %d", first, cur.Block, source, cur.Block+1)
		}
		stored, err := storedHashes(ctx, q, chain, source, max(first, 1)-1, last)
		if err != nil {
			return err
		}
		if below, ok := stored[first-1]; first > 0 && ok && below != blocks[0].Parent {
			return bulwark.Errorf(bulwark.ECONFLICT, "block %d's parent %s is not the stored block %d's hash %s (a reorg: roll back above block %d first)", first, blocks[0].Parent.Hex(), first-1, below.Hex(), first-2)
		}
		replace := false
		for _, b := range blocks {
			old, ok := stored[b.Number]
			if ok && old != b.Hash {
				return bulwark.Errorf(bulwark.ECONFLICT, "block %d is stored with hash %s, not %s (a reorg: roll back above block %d first)", b.Number, old.Hex(), b.Hash.Hex(), b.Number-1)
			}
			replace = replace || ok
		}
		stream, _, err := db.streamID(ctx, q, chain, source, true, &learned)
		if err != nil {
			return err
		}
		if replace {
			// Replacing a block replaces its transfers.
			if err := deleteTransfers(ctx, q, stream, int64(first), int64(last)); err != nil {
				return err
			}
			if _, err := q.ExecContext(ctx, `DELETE FROM trace_blocks WHERE chain = ? AND source = ? AND number >= ? AND number <= ?`, int64(chain), source, int64(first), int64(last)); err != nil {
				return err
			}
		}
		if err := insertBlocks(ctx, q, chain, source, blocks); err != nil {
			return err
		}
		assets, err := db.assetIDs(ctx, q, sorted, &learned)
		if err != nil {
			return err
		}
		if err := insertTransfers(ctx, q, shared.transfers, stream, assets, sorted); err != nil {
			return err
		}
		if err := insertAddresses(ctx, q, shared.addresses, stream, sorted); err != nil {
			return err
		}
		if have && cur.Block >= last {
			return nil
		}
		_, err = q.ExecContext(ctx, `INSERT INTO trace_cursors (chain, source, block, hash, updated_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (chain, source) DO UPDATE SET block = excluded.block, hash = excluded.hash, updated_at = excluded.updated_at`,
			int64(chain), source, int64(last), blocks[len(blocks)-1].Hash.Hex(), formatTime(time.Now()))
		return err
	})
	if err == nil && own {
		// Committed: the ids are the store's for good.
		db.traceIDs.merge(&learned)
	}
	return err
}

// storedHashes returns the stored hashes of the blocks from..to of
// (chain, source).
func storedHashes(ctx context.Context, q querier, chain uint64, source string, from, to uint64) (map[uint64]common.Hash, error) {
	rows, err := q.QueryContext(ctx, `SELECT number, hash FROM trace_blocks WHERE chain = ? AND source = ? AND number >= ? AND number <= ?`, int64(chain), source, int64(from), int64(to))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[uint64]common.Hash{}
	for rows.Next() {
		var (
			n int64
			h string
		)
		if err := rows.Scan(&n, &h); err != nil {
			return nil, err
		}
		hash, err := hexHash(h)
		if err != nil || n < 0 {
			return nil, bulwark.Errorf(bulwark.EINTEGRITY, "stored block %d of %s on chain %d is malformed in the store (edited outside bulwark?)", n, source, chain)
		}
		out[uint64(n)] = hash
	}
	return out, rows.Err()
}

// blocksPerInsert is how many blocks one INSERT statement writes.
const blocksPerInsert = 64

func insertBlocks(ctx context.Context, q querier, chain uint64, source string, blocks []tracing.BlockHeader) error {
	for start := 0; start < len(blocks); start += blocksPerInsert {
		chunk := blocks[start:min(start+blocksPerInsert, len(blocks))]
		var b strings.Builder
		b.WriteString(`INSERT INTO trace_blocks (chain, source, number, hash, parent, time) VALUES `)
		args := make([]any, 0, len(chunk)*6)
		for i, h := range chunk {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString("(?,?,?,?,?,?)")
			args = append(args, int64(chain), source, int64(h.Number), h.Hash.Hex(), h.Parent.Hex(), h.Time)
		}
		if _, err := q.ExecContext(ctx, b.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

// traceIDs caches the ids of trace streams and assets. An id, once
// committed, never changes (streams and assets are never deleted), so
// only ids read outside a transaction or created in one this store
// committed are kept.
type traceIDs struct {
	mu      sync.Mutex
	streams map[traceStream]int64
	assets  map[tracing.Asset]int64
	assetOf map[int64]tracing.Asset
}

type traceStream struct {
	chain  uint64
	source string
}

func (c *traceIDs) stream(k traceStream) (int64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	id, ok := c.streams[k]
	return id, ok
}

func (c *traceIDs) asset(a tracing.Asset) (int64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	id, ok := c.assets[a]
	return id, ok
}

func (c *traceIDs) assetByID(id int64) (tracing.Asset, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, ok := c.assetOf[id]
	return a, ok
}

func (c *traceIDs) putStream(k traceStream, id int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.streams == nil {
		c.streams = map[traceStream]int64{}
	}
	c.streams[k] = id
}

func (c *traceIDs) putAsset(a tracing.Asset, id int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.assets == nil {
		c.assets, c.assetOf = map[tracing.Asset]int64{}, map[int64]tracing.Asset{}
	}
	c.assets[a], c.assetOf[id] = id, a
}

// merge adds the ids in o (not shared) to c.
func (c *traceIDs) merge(o *traceIDs) {
	for k, id := range o.streams {
		c.putStream(k, id)
	}
	for a, id := range o.assets {
		c.putAsset(a, id)
	}
}

// streamID returns the id of (chain, source), created when create is set
// and it has none (false when it has none and create is not set). Ids
// found or made inside a transaction go to learned, to be cached once
// it commits; others straight to the cache.
func (db *DB) streamID(ctx context.Context, q querier, chain uint64, source string, create bool, learned *traceIDs) (int64, bool, error) {
	k := traceStream{chain, source}
	if id, ok := db.traceIDs.stream(k); ok {
		return id, true, nil
	}
	var id int64
	err := q.QueryRowContext(ctx, `SELECT id FROM trace_streams WHERE chain = ? AND source = ?`, int64(chain), source).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		if !create {
			return 0, false, nil
		}
		err = q.QueryRowContext(ctx, `INSERT INTO trace_streams (chain, source) VALUES (?, ?) RETURNING id`, int64(chain), source).Scan(&id)
	}
	if err != nil {
		return 0, false, err
	}
	if learned != nil {
		learned.putStream(k, id)
	} else {
		db.traceIDs.putStream(k, id)
	}
	return id, true, nil
}

// assetIDs returns the ids of the assets of ts, one per transfer,
// creating the missing ones.
func (db *DB) assetIDs(ctx context.Context, q querier, ts []tracing.Transfer, learned *traceIDs) ([]int64, error) {
	ids := make([]int64, len(ts))
	known := map[tracing.Asset]int64{}
	for i := range ts {
		a := &ts[i].Asset
		// Neighbours often share their asset: one comparison, no hash.
		if i > 0 && *a == ts[i-1].Asset {
			ids[i] = ids[i-1]
			continue
		}
		id, ok := known[*a]
		if !ok {
			if id, ok = db.traceIDs.asset(*a); !ok {
				key := a.String()
				err := q.QueryRowContext(ctx, `SELECT id FROM trace_assets WHERE key = ?`, key).Scan(&id)
				if errors.Is(err, sql.ErrNoRows) {
					err = q.QueryRowContext(ctx, `INSERT INTO trace_assets (key) VALUES (?) RETURNING id`, key).Scan(&id)
				}
				if err != nil {
					return nil, err
				}
				learned.putAsset(*a, id)
			}
			known[*a] = id
		}
		ids[i] = id
	}
	return ids, nil
}

// assetOf returns the asset with id, read through q on a cache miss
// (cached unless inTx: a read inside a transaction may see its own
// uncommitted rows).
func (db *DB) assetOf(ctx context.Context, q querier, id int64, inTx bool) (tracing.Asset, error) {
	if a, ok := db.traceIDs.assetByID(id); ok {
		return a, nil
	}
	var key string
	if err := q.QueryRowContext(ctx, `SELECT key FROM trace_assets WHERE id = ?`, id).Scan(&key); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return tracing.Asset{}, bulwark.Errorf(bulwark.EINTEGRITY, "a stored transfer names asset %d, which the store does not have (edited outside bulwark?)", id)
		}
		return tracing.Asset{}, err
	}
	a, err := tracing.ParseAsset(key)
	if err != nil {
		return tracing.Asset{}, bulwark.Errorf(bulwark.EINTEGRITY, "stored asset %d has a malformed key %q (edited outside bulwark?)", id, key)
	}
	if !inTx {
		db.traceIDs.putAsset(a, id)
	}
	return a, nil
}

// transferChunks are the sizes of the INSERTs of insertTransfers, in rows
// (of chunkLen transfers), largest first: a batch is written 32 rows per
// statement and its rest in smaller ones, so that every statement is one
// of a few prepared once.
var transferChunks = []int{32, 8, 1}

// insertTransfers writes ts (sorted by tracing.Compare; assets holds the
// id of each one's asset), numbering them per block, chunkLen to a row
// (see migration 0022), in statements of transferChunks rows; shared holds
// them prepared on the writer connection (nil: prepared here).
func insertTransfers(ctx context.Context, q querier, shared []*sql.Stmt, stream int64, assets []int64, ts []tracing.Transfer) error {
	// A row: its block, chunk and the end of its entries in buf.
	type row struct {
		block, chunk int64
		end          int
	}
	var (
		rows  = make([]row, 0, len(ts)/chunkLen+8)
		buf   = make([]byte, 0, 128*len(ts))
		rec   = make([]byte, 0, 256)
		rc    recordCtx
		seq   int64
		block uint64
	)
	for i := range ts {
		t := &ts[i]
		if i == 0 || t.Block != block {
			block, seq = t.Block, 0
		}
		if seq%chunkLen == 0 {
			rows = append(rows, row{block: int64(block), chunk: seq >> chunkShift})
			rc = recordCtx{}
		}
		rec = appendRecord(rec[:0], t, &rc)
		buf = appendEntry(buf, assets[i], rec)
		rows[len(rows)-1].end = len(buf)
		seq++
	}
	stmts := newStmtSet(q, shared, transferChunks, insertTransfersStmt)
	defer stmts.close()
	args := make([]any, 0, 1+transferChunks[0]*transferColumns)
	prev := 0
	for start := 0; start < len(rows); {
		k := chunkFor(transferChunks, len(rows)-start)
		chunk := rows[start : start+transferChunks[k]]
		// The stream is the statement's first parameter, shared by its rows.
		args = append(args[:0], stream)
		for _, r := range chunk {
			args = append(args, r.block, r.chunk, buf[prev:r.end:r.end])
			prev = r.end
		}
		st, err := stmts.get(ctx, k)
		if err != nil {
			return err
		}
		if _, err := st.ExecContext(ctx, args...); err != nil {
			return err
		}
		start += len(chunk)
	}
	return nil
}

// chunkFor returns the index in sizes (largest first, the last 1) of the
// largest size not above n > 0.
func chunkFor(sizes []int, n int) int {
	for k, s := range sizes {
		if s <= n {
			return k
		}
	}
	return len(sizes) - 1
}

// ingestShared are the INSERT statements of PutBlocks prepared on the
// writer connection, by chunk size; nil when not prepared.
type ingestShared struct {
	transfers, addresses []*sql.Stmt
}

// ingestStmts returns the INSERTs of ingestion prepared on the writer
// connection, preparing them on first use: a statement of hundreds of
// parameters costs about a third of running it to prepare. It must not be
// called with the writer connection held (inside a transaction). When
// they cannot be prepared it returns none, and each batch prepares its own.
func (db *DB) ingestStmts(ctx context.Context) ingestShared {
	db.ingestMu.Lock()
	defer db.ingestMu.Unlock()
	// A kind not prepared (the context may have ended) is tried again
	// next time.
	prep := func(sizes []int, text func(int) string) []*sql.Stmt {
		out := make([]*sql.Stmt, len(sizes))
		for k, n := range sizes {
			st, err := db.w.PrepareContext(ctx, text(n))
			if err != nil {
				for _, s := range out[:k] {
					_ = s.Close()
				}
				return nil
			}
			out[k] = st
		}
		return out
	}
	if db.ingestTransfers == nil {
		db.ingestTransfers = prep(transferChunks, insertTransfersStmt)
	}
	if db.ingestAddresses == nil {
		db.ingestAddresses = prep(addressChunks, addrStmt)
	}
	return ingestShared{db.ingestTransfers, db.ingestAddresses}
}

// stmtSet hands out the statements of one kind of INSERT by chunk size in
// one transaction: the shared ones moved into it, or else ones prepared
// in it, closed by close.
type stmtSet struct {
	q      querier
	shared []*sql.Stmt
	sizes  []int
	text   func(int) string
	stmts  []*sql.Stmt
}

func newStmtSet(q querier, shared []*sql.Stmt, sizes []int, text func(int) string) *stmtSet {
	return &stmtSet{q: q, shared: shared, sizes: sizes, text: text, stmts: make([]*sql.Stmt, len(sizes))}
}

func (s *stmtSet) get(ctx context.Context, k int) (*sql.Stmt, error) {
	if s.stmts[k] != nil {
		return s.stmts[k], nil
	}
	var err error
	if tx, ok := s.q.(*sql.Tx); ok && s.shared != nil {
		s.stmts[k] = tx.StmtContext(ctx, s.shared[k])
	} else {
		s.stmts[k], err = s.q.PrepareContext(ctx, s.text(s.sizes[k]))
	}
	return s.stmts[k], err
}

func (s *stmtSet) close() {
	for _, st := range s.stmts {
		if st != nil {
			_ = st.Close()
		}
	}
}

// appendBytes appends p to buf and returns the appended part; buf has the
// room (its capacity is never exceeded, so earlier parts stay valid).
func appendBytes(buf, p []byte) ([]byte, []byte) {
	n := len(buf)
	buf = append(buf, p...)
	return buf, buf[n:len(buf):len(buf)]
}

// appendAmount appends v's big-endian bytes without leading zeros (one
// zero byte for zero).
func appendAmount(buf []byte, v *uint256.Int) ([]byte, []byte) {
	b := v.Bytes32()
	i := 0
	for i < 31 && b[i] == 0 {
		i++
	}
	return appendBytes(buf, b[i:])
}

// addressChunks are the sizes of the INSERTs of insertAddresses, in rows,
// largest first (see transferChunks).
var addressChunks = []int{128, 32, 8, 1}

// A row of trace_addresses lists the transfers from or to an address key
// in up to addrSpan consecutive blocks from its block (see migration
// 0022): an entry is a transfer's position in its block × addrSpan + its
// block − the row's block.
const (
	addrSpanShift = 6
	addrSpan      = 1 << addrSpanShift
)

// addrEntry is a transfer from or to an address key: the key (its 8
// bytes as a big-endian integer, which orders as the bytes do), the
// transfer's block and its position there.
type addrEntry struct {
	key        uint64
	block, seq int64
}

func compareAddrEntries(a, b addrEntry) int {
	if c := cmp.Compare(a.key, b.key); c != 0 {
		return c
	}
	if c := cmp.Compare(a.block, b.block); c != 0 {
		return c
	}
	return cmp.Compare(a.seq, b.seq)
}

// insertAddresses writes the trace_addresses rows of ts (sorted by
// tracing.Compare and numbered as insertTransfers numbers them): for each
// address key but the zero address's, one per addrSpan blocks of ts from
// the first where it appears, in key order, which touches each page of the
// index once per statement rather than at random.
func insertAddresses(ctx context.Context, q querier, shared []*sql.Stmt, stream int64, ts []tracing.Transfer) error {
	// The entries in the order of ts (so by block and position), each
	// with the ordinal of its key by first appearance.
	var (
		entries = make([]addrEntry, 0, 2*len(ts))
		ords    = make([]int32, 0, 2*len(ts))
		ordOf   = map[uint64]int32{}
		keys    []uint64
		seq     int64
		block   uint64
	)
	add := func(key uint64, block, seq int64) {
		o, ok := ordOf[key]
		if !ok {
			o = int32(len(keys))
			ordOf[key] = o
			keys = append(keys, key)
		}
		entries = append(entries, addrEntry{key, block, seq})
		ords = append(ords, o)
	}
	for i := range ts {
		t := &ts[i]
		if i == 0 || t.Block != block {
			block, seq = t.Block, 0
		}
		from, to := binary.BigEndian.Uint64(t.From[:addrKeyLen]), binary.BigEndian.Uint64(t.To[:addrKeyLen])
		// The zero address gets none (see Transfers).
		if t.From != (common.Address{}) {
			add(from, int64(t.Block), seq)
		}
		if t.To != (common.Address{}) && (t.From == (common.Address{}) || to != from) {
			add(to, int64(t.Block), seq)
		}
		seq++
	}
	// Sorted by key, each key's entries kept in their order (a counting
	// sort: only the distinct keys are compared).
	order := make([]int32, len(keys))
	for o := range order {
		order[o] = int32(o)
	}
	slices.SortFunc(order, func(a, b int32) int { return cmp.Compare(keys[a], keys[b]) })
	count := make([]int32, len(keys))
	for _, o := range ords {
		count[o]++
	}
	// start[o] is where key o's entries begin in key order.
	start, at := make([]int32, len(keys)), int32(0)
	for _, o := range order {
		start[o] = at
		at += count[o]
	}
	sorted := make([]addrEntry, len(entries))
	for i, o := range ords {
		sorted[start[o]] = entries[i]
		start[o]++
	}
	entries = sorted
	return writeAddrRows(ctx, q, shared, stream, entries)
}

// writeAddrRows writes the trace_addresses rows of entries (sorted by
// compareAddrEntries), none of which a stored row lists: a row per key
// and up to addrSpan blocks from its first entry's.
func writeAddrRows(ctx context.Context, q querier, shared []*sql.Stmt, stream int64, entries []addrEntry) error {
	// One row per key and span: its key and block, and the end in text of
	// its entries, a JSON array.
	type row struct {
		block int64
		end   int
	}
	var (
		rows = make([]row, 0, len(entries))
		keys = make([]byte, 0, addrKeyLen*len(entries))
		text = make([]byte, 0, 6*len(entries))
	)
	for i := 0; i < len(entries); {
		e := &entries[i]
		text = append(text, '[')
		j := i
		for ; j < len(entries) && entries[j].key == e.key && entries[j].block-e.block < addrSpan; j++ {
			if j > i {
				text = append(text, ',')
			}
			text = strconv.AppendInt(text, entries[j].seq<<addrSpanShift|(entries[j].block-e.block), 10)
		}
		text = append(text, ']')
		keys = binary.BigEndian.AppendUint64(keys, e.key)
		rows = append(rows, row{e.block, len(text)})
		i = j
	}
	entriesText := string(text)
	stmts := newStmtSet(q, shared, addressChunks, addrStmt)
	defer stmts.close()
	args := make([]any, 0, 1+addressChunks[0]*3)
	prev := 0
	for start := 0; start < len(rows); {
		k := chunkFor(addressChunks, len(rows)-start)
		chunk := rows[start : start+addressChunks[k]]
		// The stream is the statement's first parameter, shared by its rows.
		args = append(args[:0], stream)
		for i := range chunk {
			n := (start + i) * addrKeyLen
			args = append(args, keys[n:n+addrKeyLen:n+addrKeyLen], chunk[i].block, entriesText[prev:chunk[i].end])
			prev = chunk[i].end
		}
		st, err := stmts.get(ctx, k)
		if err != nil {
			return err
		}
		if _, err := st.ExecContext(ctx, args...); err != nil {
			return err
		}
		start += len(chunk)
	}
	return nil
}

// parseAddrEntries appends the entries of the trace_addresses row of key
// at block with entries text to out.
func parseAddrEntries(out []addrEntry, key uint64, block int64, text string) ([]addrEntry, error) {
	var vs []int64
	if err := json.Unmarshal([]byte(text), &vs); err != nil {
		return nil, err
	}
	for _, v := range vs {
		if v < 0 {
			return nil, fmt.Errorf("negative entry %d", v)
		}
		out = append(out, addrEntry{key, block + v&(addrSpan-1), v >> addrSpanShift})
	}
	return out, nil
}

// deleteTransfers deletes the transfers of stream in the blocks lo..hi
// and their address rows, rewriting the rows that list blocks outside
// lo..hi too.
func deleteTransfers(ctx context.Context, q querier, stream, lo, hi int64) error {
	// The address keys of the transfers deleted.
	rows, err := q.QueryContext(ctx, `SELECT block, records FROM trace_transfers WHERE stream = ? AND block >= ? AND block <= ?`, stream, lo, hi)
	if err != nil {
		return err
	}
	keys := map[uint64]struct{}{}
	for rows.Next() {
		var (
			block int64
			c     []byte
		)
		if err := rows.Scan(&block, &c); err != nil {
			rows.Close()
			return err
		}
		for len(c) > 0 {
			_, rec, rest, field := nextEntry(c)
			if field == "" && len(rec) < recordFixed {
				field = "length"
			}
			if field != "" {
				rows.Close()
				return bulwark.Errorf(bulwark.EINTEGRITY, "a stored transfer of block %d has a malformed record (its %s; edited outside bulwark?)", block, field)
			}
			for _, a := range [][]byte{rec[recordFrom:recordTo], rec[recordTo:recordHead]} {
				if common.Address(a) != (common.Address{}) {
					keys[binary.BigEndian.Uint64(a)] = struct{}{}
				}
			}
			c = rest
		}
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if err := rows.Err(); err != nil {
		return err
	}
	// The rows of each key that may list a block in lo..hi: rewritten
	// without those entries.
	var kept []addrEntry
	sorted := slices.Sorted(maps.Keys(keys))
	for _, key := range sorted {
		k := binary.BigEndian.AppendUint64(nil, key)
		rows, err := q.QueryContext(ctx, `SELECT block, entries FROM trace_addresses WHERE addr = ? AND stream = ? AND block >= ? AND block <= ?`, k, stream, max(lo, addrSpan-1)-(addrSpan-1), hi)
		if err != nil {
			return err
		}
		var (
			blocks []int64 // the rows that list a block in lo..hi
			row    []addrEntry
		)
		for rows.Next() {
			var (
				block int64
				text  string
			)
			if err := rows.Scan(&block, &text); err != nil {
				rows.Close()
				return err
			}
			if row, err = parseAddrEntries(row[:0], key, block, text); err != nil {
				rows.Close()
				return bulwark.Errorf(bulwark.EINTEGRITY, "the address index row of block %d is malformed (%v; edited outside bulwark?)", block, err)
			}
			if !slices.ContainsFunc(row, func(e addrEntry) bool { return e.block >= lo && e.block <= hi }) {
				continue
			}
			blocks = append(blocks, block)
			for _, e := range row {
				if e.block < lo || e.block > hi {
					kept = append(kept, e)
				}
			}
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
		for _, b := range blocks {
			if _, err := q.ExecContext(ctx, `DELETE FROM trace_addresses WHERE addr = ? AND stream = ? AND block = ?`, k, stream, b); err != nil {
				return err
			}
		}
	}
	if _, err := q.ExecContext(ctx, `DELETE FROM trace_transfers WHERE stream = ? AND block >= ? AND block <= ?`, stream, lo, hi); err != nil {
		return err
	}
	slices.SortFunc(kept, compareAddrEntries)
	return writeAddrRows(ctx, q, nil, stream, kept)
}

// addrKey is an address's key in trace_addresses: its first 8 bytes, as
// unique as the whole address in practice and less than half as long (a
// query compares the whole address in the record too).
func addrKey(a common.Address) []byte { return a[:addrKeyLen:addrKeyLen] }

const addrKeyLen = 8

// addrStmt returns the INSERT of n address rows: ?1 is the stream.
func addrStmt(n int) string {
	var b strings.Builder
	b.WriteString(`INSERT INTO trace_addresses (stream, addr, block, entries) VALUES `)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?1,?,?,?)")
	}
	return b.String()
}

// transferColumns is the number of parameters per row insertTransfers
// binds (the stream is one per statement).
const transferColumns = 3

// insertTransfersStmt returns the INSERT of n rows of transfers: ?1 is the
// stream.
func insertTransfersStmt(n int) string {
	var b strings.Builder
	b.WriteString(`INSERT INTO trace_transfers (stream, block, chunk, records) VALUES `)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?1,?,?,?)")
	}
	return b.String()
}

// IngestCursor returns the cursor of (chain, source).
func (db *DB) IngestCursor(ctx context.Context, chain uint64, source string) (tracing.IngestCursor, bool, error) {
	if err := checkIngestKey(chain, source); err != nil {
		return tracing.IngestCursor{}, false, err
	}
	var (
		block    int64
		hash, at string
	)
	err := db.reader(ctx).QueryRowContext(ctx, `SELECT block, hash, updated_at FROM trace_cursors WHERE chain = ? AND source = ?`, int64(chain), source).Scan(&block, &hash, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return tracing.IngestCursor{}, false, nil
	}
	if err != nil {
		return tracing.IngestCursor{}, false, db.fail(ctx, err, "read the ingestion cursor of "+source)
	}
	t, terr := parseTime(at)
	h, herr := hexHash(hash)
	if terr != nil || herr != nil || block < 0 {
		return tracing.IngestCursor{}, false, bulwark.Errorf(bulwark.EINTEGRITY, "the ingestion cursor of %s on chain %d (block %d, hash %q) is malformed in the store (edited outside bulwark?)", source, chain, block, hash)
	}
	return tracing.IngestCursor{Chain: chain, Source: source, Block: uint64(block), Hash: h, UpdatedAt: t}, true, nil
}

// StoredBlock returns the stored header of block n of (chain, source).
func (db *DB) StoredBlock(ctx context.Context, chain uint64, source string, n uint64) (tracing.BlockHeader, bool, error) {
	if err := checkIngestKey(chain, source); err != nil {
		return tracing.BlockHeader{}, false, err
	}
	if n > math.MaxInt64 {
		return tracing.BlockHeader{}, false, nil
	}
	var (
		hash, parent string
		b            = tracing.BlockHeader{Number: n}
	)
	err := db.reader(ctx).QueryRowContext(ctx, `SELECT hash, parent, time FROM trace_blocks WHERE chain = ? AND source = ? AND number = ?`, int64(chain), source, int64(n)).Scan(&hash, &parent, &b.Time)
	if errors.Is(err, sql.ErrNoRows) {
		return tracing.BlockHeader{}, false, nil
	}
	if err != nil {
		return tracing.BlockHeader{}, false, db.fail(ctx, err, "read stored block "+strconv.FormatUint(n, 10)+" of "+source)
	}
	var herr, perr error
	b.Hash, herr = hexHash(hash)
	b.Parent, perr = hexHash(parent)
	if herr != nil || perr != nil {
		return tracing.BlockHeader{}, false, bulwark.Errorf(bulwark.EINTEGRITY, "stored block %d of %s on chain %d is malformed in the store (edited outside bulwark?)", n, source, chain)
	}
	return b, true, nil
}

// RollbackAbove deletes the blocks of (chain, source) above n, their
// transfers, and moves the cursor back to n if it is above.
func (db *DB) RollbackAbove(ctx context.Context, chain uint64, source string, n uint64) error {
	if err := checkIngestKey(chain, source); err != nil {
		return err
	}
	if n >= math.MaxInt64 {
		return nil
	}
	return db.inTx(ctx, "roll back "+source+" above block "+strconv.FormatUint(n, 10), func(ctx context.Context, q querier) error {
		stream, ok, err := db.streamID(ctx, q, chain, source, false, &traceIDs{})
		if err != nil {
			return err
		}
		if ok {
			if err := deleteTransfers(ctx, q, stream, int64(n)+1, math.MaxInt64); err != nil {
				return err
			}
		}
		if _, err := q.ExecContext(ctx, `DELETE FROM trace_blocks WHERE chain = ? AND source = ? AND number > ?`, int64(chain), source, int64(n)); err != nil {
			return err
		}
		below, _, err := db.StoredBlock(ctx, chain, source, n)
		if err != nil {
			return err
		}
		_, err = q.ExecContext(ctx, `UPDATE trace_cursors SET block = ?, hash = ?, updated_at = ? WHERE chain = ? AND source = ? AND block > ?`,
			int64(n), below.Hash.Hex(), formatTime(time.Now()), int64(chain), source, int64(n))
		return err
	})
}

// Transfers returns the stored transfers matching q in tracing.Compare
// order.
func (db *DB) Transfers(ctx context.Context, q tracing.TransferQuery) ([]tracing.Transfer, error) {
	if err := checkIngestKey(q.Chain, q.Source); err != nil {
		return nil, err
	}
	if q.ToBlock != 0 && q.ToBlock < q.FromBlock {
		return nil, bulwark.Invalid("to_block", "%d is below from_block %d", q.ToBlock, q.FromBlock)
	}
	to := uint64(math.MaxInt64)
	if q.ToBlock != 0 && q.ToBlock < to {
		to = q.ToBlock
	}
	if q.FromBlock > to {
		return []tracing.Transfer{}, nil
	}
	op := "read the transfers of " + q.Source
	r := db.reader(ctx)
	inTx := db.txFrom(ctx) != nil
	var learned *traceIDs
	if inTx {
		learned = &traceIDs{}
	}
	stream, ok, err := db.streamID(ctx, r, q.Chain, q.Source, false, learned)
	if err != nil {
		return nil, db.fail(ctx, err, op)
	}
	if !ok {
		return []tracing.Transfer{}, nil
	}
	// The asset's id: transfers of an asset the store does not have are
	// none.
	var assetID int64
	if q.Asset != nil {
		id, ok := db.traceIDs.asset(*q.Asset)
		if !ok {
			err := r.QueryRowContext(ctx, `SELECT id FROM trace_assets WHERE key = ?`, q.Asset.String()).Scan(&id)
			if errors.Is(err, sql.ErrNoRows) {
				return []tracing.Transfer{}, nil
			}
			if err != nil {
				return nil, db.fail(ctx, err, op)
			}
			if !inTx {
				db.traceIDs.putAsset(*q.Asset, id)
			}
		}
		assetID = id
	}
	// The zero address (mints, burns, every base fee) has no address
	// rows: a query for it reads the block range. An address row keys on
	// the first 8 bytes of the address: the whole address is compared in
	// the record.
	indexed := q.Address != nil && *q.Address != (common.Address{})
	var (
		stmt *sql.Stmt
		text string
		args []any
	)
	if indexed {
		stmt, text = db.transfersOfAddress, sqlTransfersOfAddress
		args = []any{addrKey(*q.Address), stream, max(int64(q.FromBlock), addrSpan-1) - (addrSpan - 1), int64(q.FromBlock), int64(to)}
	} else {
		stmt, text = db.transfersInRange, sqlTransfersInRange
		args = []any{stream, int64(q.FromBlock), int64(to)}
	}
	var rows *sql.Rows
	if tx := db.txFrom(ctx); tx != nil {
		// A statement prepared on the reader pool cannot run in the
		// writer's transaction.
		rows, err = tx.QueryContext(ctx, text, args...)
	} else {
		rows, err = stmt.QueryContext(ctx, args...)
	}
	if err != nil {
		return nil, db.fail(ctx, err, op)
	}
	// match reports whether the record rec of asset is one q asks for.
	match := func(asset int64, rec []byte) bool {
		if q.Asset != nil && asset != assetID {
			return false
		}
		if q.Address != nil {
			a := q.Address.Bytes()
			return string(rec[recordFrom:recordTo]) == string(a) || string(rec[recordTo:recordHead]) == string(a)
		}
		return true
	}
	type found struct {
		seq   int64
		asset int64
	}
	var (
		out = []tracing.Transfer{}
		ids []found
		// Read in place: what is kept of it is copied out.
		chunk sql.RawBytes
	)
	malformed := func(block int64, field string) error {
		return bulwark.Errorf(bulwark.EINTEGRITY, "a stored transfer of block %d has a malformed record (its %s; edited outside bulwark?)", block, field)
	}
	err = func() error {
		defer rows.Close()
		for rows.Next() {
			var block, seq int64
			if err := rows.Scan(&block, &seq, &chunk); err != nil {
				return err
			}
			// An indexed row names one transfer of the chunk (seq); a
			// range row is the whole chunk, from its first (seq).
			first, only := seq&^(chunkLen-1), seq
			if !indexed {
				only = -1
			}
			// A record may take its transaction and time from those
			// before it in the chunk: each is read up to them.
			var rc recordCtx
			reached := only < 0
			for i, c := first, chunk; len(c) > 0; i++ {
				asset, rec, rest, field := nextEntry(c)
				if field == "" && len(rec) < recordFixed {
					field = "length"
				}
				if field != "" {
					return malformed(block, field)
				}
				c = rest
				if (only < 0 || i == only) && match(asset, rec) {
					t := tracing.Transfer{Chain: q.Chain, Block: uint64(block)}
					if field, err := parseRecord(rec, &t, &rc); err != nil {
						return malformed(block, field)
					}
					out = append(out, t)
					ids = append(ids, found{i, asset})
				} else if _, _, field := rc.read(rec); field != "" {
					return malformed(block, field)
				}
				if i == only {
					reached = true
					break
				}
			}
			if !reached {
				// The address index names a transfer its chunk does
				// not hold: say so rather than answer short.
				return malformed(block, "position")
			}
		}
		return rows.Err()
	}()
	if err != nil {
		return nil, db.fail(ctx, err, op)
	}
	// The rows of an address come in block order but for rows rewritten
	// after a rollback: put them in order.
	inOrder := true
	for i := 1; i < len(out) && inOrder; i++ {
		inOrder = out[i-1].Block < out[i].Block || out[i-1].Block == out[i].Block && ids[i-1].seq < ids[i].seq
	}
	if !inOrder {
		order := make([]int, len(out))
		for i := range order {
			order[i] = i
		}
		slices.SortFunc(order, func(i, j int) int {
			if c := cmp.Compare(out[i].Block, out[j].Block); c != 0 {
				return c
			}
			return cmp.Compare(ids[i].seq, ids[j].seq)
		})
		sortedOut, sortedIDs := make([]tracing.Transfer, len(out)), make([]found, len(out))
		for k, i := range order {
			sortedOut[k], sortedIDs[k] = out[i], ids[i]
		}
		out, ids = sortedOut, sortedIDs
	}
	// The assets, once the rows are read (a query inside a transaction
	// runs on its one connection).
	for i := range out {
		if out[i].Asset, err = db.assetOf(ctx, r, ids[i].asset, inTx); err != nil {
			return nil, db.fail(ctx, err, op)
		}
	}
	return out, nil
}

var (
	// sqlTransfersOfAddress reads the transfers from or to an address key
	// (?1) of stream ?2 in the blocks ?4..?5 (?3 is ?4 − addrSpan + 1, the
	// first block of an address row that may list ?4): each entry of its
	// address rows names a transfer's block and position, so the row of
	// its chunk, given with the position (CROSS JOIN keeps the planner
	// from reading the block range first).
	sqlTransfersOfAddress = `SELECT t.block, p.value >> ` + strconv.Itoa(addrSpanShift) + `, t.records
		FROM trace_addresses a CROSS JOIN json_each(a.entries) p CROSS JOIN trace_transfers t
		WHERE a.addr = ?1 AND a.stream = ?2 AND a.block >= ?3 AND a.block <= ?5
			AND t.stream = a.stream AND t.block = a.block + (p.value & ` + strconv.Itoa(addrSpan-1) + `) AND t.chunk = p.value >> ` + strconv.Itoa(addrSpanShift+chunkShift) + `
			AND t.block >= ?4 AND t.block <= ?5`
	// sqlTransfersInRange reads the chunks of stream ?1 in the blocks
	// ?2..?3, each with the position of its first transfer.
	sqlTransfersInRange = `SELECT block, chunk << ` + strconv.Itoa(chunkShift) + `, records FROM trace_transfers WHERE stream = ?1 AND block >= ?2 AND block <= ?3 ORDER BY block, chunk`
)

// parseTraceAddress reads a trace address as trace_transfers held it
// before records: empty or "0,2".
func parseTraceAddress(s string) ([]uint32, error) {
	if s == "" {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	out := make([]uint32, len(parts))
	for i, p := range parts {
		n, err := strconv.ParseUint(p, 10, 32)
		if err != nil {
			return nil, err
		}
		out[i] = uint32(n)
	}
	return out, nil
}
