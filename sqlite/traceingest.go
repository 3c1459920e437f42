package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/tracing"
)

var _ tracing.IngestStore = (*DB)(nil)

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
	sorted := slices.Clone(transfers)
	for i := range sorted {
		t := &sorted[i]
		if t.Chain != chain {
			return bulwark.Invalid("transfers", "transfer %d is on chain %d, not %d", i, t.Chain, chain)
		}
		if t.Block < first || t.Block > last {
			return bulwark.Invalid("transfers", "transfer %d is in block %d, outside the blocks %d to %d given", i, t.Block, first, last)
		}
		if err := t.Validate(); err != nil {
			return bulwark.Invalid("transfers", "transfer %d of block %d (tx %s): %s", i, t.Block, t.TxHash.Hex(), err.Error())
		}
	}
	slices.SortStableFunc(sorted, func(a, b tracing.Transfer) int { return tracing.Compare(&a, &b) })

	op := "store blocks " + strconv.FormatUint(first, 10) + " to " + strconv.FormatUint(last, 10) + " of " + source
	return db.inTx(ctx, op, func(ctx context.Context, q querier) error {
		cur, have, err := db.IngestCursor(ctx, chain, source)
		if err != nil {
			return err
		}
		if have && first > cur.Block+1 {
			return bulwark.Invalid("blocks", "block %d leaves a gap after the cursor at block %d of %s: resume from block %d", first, cur.Block, source, cur.Block+1)
		}
		if first > 0 {
			below, ok, err := db.StoredBlock(ctx, chain, source, first-1)
			if err != nil {
				return err
			}
			if ok && below.Hash != blocks[0].Parent {
				return bulwark.Errorf(bulwark.ECONFLICT, "block %d's parent %s is not the stored block %d's hash %s (a reorg: roll back above block %d first)", first, blocks[0].Parent.Hex(), first-1, below.Hash.Hex(), first-2)
			}
		}
		for _, b := range blocks {
			old, ok, err := db.StoredBlock(ctx, chain, source, b.Number)
			if err != nil {
				return err
			}
			if ok && old.Hash != b.Hash {
				return bulwark.Errorf(bulwark.ECONFLICT, "block %d is stored with hash %s, not %s (a reorg: roll back above block %d first)", b.Number, old.Hash.Hex(), b.Hash.Hex(), b.Number-1)
			}
			// Replacing the block replaces its transfers (ON DELETE CASCADE).
			if _, err := q.ExecContext(ctx, `DELETE FROM trace_blocks WHERE chain = ? AND source = ? AND number = ?`, int64(chain), source, int64(b.Number)); err != nil {
				return err
			}
			if _, err := q.ExecContext(ctx, `INSERT INTO trace_blocks (chain, source, number, hash, parent, time) VALUES (?, ?, ?, ?, ?, ?)`,
				int64(chain), source, int64(b.Number), b.Hash.Hex(), b.Parent.Hex(), b.Time); err != nil {
				return err
			}
		}
		if err := insertTransfers(ctx, q, chain, source, sorted); err != nil {
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
}

// transfersPerInsert is how many transfers one INSERT statement writes (14
// parameters each, well inside SQLite's 32,766).
const transfersPerInsert = 64

// insertTransfers writes ts (sorted by tracing.Compare), numbering them per
// block, transfersPerInsert rows per statement.
func insertTransfers(ctx context.Context, q querier, chain uint64, source string, ts []tracing.Transfer) error {
	var (
		seq   int64
		block uint64
		args  = make([]any, 0, transfersPerInsert*14)
		full  *sql.Stmt
	)
	for start := 0; start < len(ts); start += transfersPerInsert {
		chunk := ts[start:min(start+transfersPerInsert, len(ts))]
		args = args[:0]
		for i := range chunk {
			t := &chunk[i]
			if start+i == 0 || t.Block != block {
				block, seq = t.Block, 0
			}
			args = append(args, int64(chain), source, int64(t.Block), seq, int64(t.TxIndex), t.TxHash.Hex(), t.Time, t.Kind.String(), int64(t.LogIndex),
				formatTraceAddress(t.TraceAddress), lowerHex(t.From), lowerHex(t.To), t.Asset.String(), t.Amount.Dec())
			seq++
		}
		var err error
		if len(chunk) == transfersPerInsert {
			if full == nil {
				// Prepared once for the range: preparing a statement of 896
				// parameters costs about a third of running it.
				if full, err = q.PrepareContext(ctx, insertTransfersFull); err != nil {
					return err
				}
				defer full.Close()
			}
			_, err = full.ExecContext(ctx, args...)
		} else {
			_, err = q.ExecContext(ctx, insertTransfersStmt(len(chunk)), args...)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

var insertTransfersFull = insertTransfersStmt(transfersPerInsert)

// insertTransfersStmt returns the INSERT of n transfers.
func insertTransfersStmt(n int) string {
	var b strings.Builder
	b.WriteString(`INSERT INTO trace_transfers (chain, source, block, seq, tx_index, tx_hash, time, kind, log_index, trace_address, from_addr, to_addr, asset, amount) VALUES `)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
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
	var (
		where = []string{"chain = ?", "source = ?", "block >= ?", "block <= ?"}
		args  = []any{int64(q.Chain), q.Source, int64(q.FromBlock), int64(to)}
	)
	if q.Address != nil {
		a := lowerHex(*q.Address)
		where = append(where, "(from_addr = ? OR to_addr = ?)")
		args = append(args, a, a)
	}
	if q.Asset != nil {
		where = append(where, "asset = ?")
		args = append(args, q.Asset.String())
	}
	op := "read the transfers of " + q.Source
	rows, err := db.reader(ctx).QueryContext(ctx, `SELECT chain, block, tx_index, tx_hash, time, kind, log_index, trace_address, from_addr, to_addr, asset, amount
		FROM trace_transfers WHERE `+strings.Join(where, " AND ")+` ORDER BY block, seq`, args...)
	if err != nil {
		return nil, db.fail(ctx, err, op)
	}
	return collectRows(ctx, db, rows, op, scanTransfer)
}

func scanTransfer(s scanner) (tracing.Transfer, error) {
	var (
		t                                       tracing.Transfer
		chain, block, txIndex, logIndex         int64
		txHash, kind, trace, from, to, asset, a string
	)
	if err := s.Scan(&chain, &block, &txIndex, &txHash, &t.Time, &kind, &logIndex, &trace, &from, &to, &asset, &a); err != nil {
		return t, err
	}
	bad := func(what string) error {
		return bulwark.Errorf(bulwark.EINTEGRITY, "a stored transfer of block %d (tx %s) has a malformed %s (edited outside bulwark?)", block, txHash, what)
	}
	var err error
	t.Chain, t.Block, t.TxIndex, t.LogIndex = uint64(chain), uint64(block), uint32(txIndex), uint32(logIndex)
	if t.TxHash, err = hexHash(txHash); err != nil {
		return t, bad("transaction hash")
	}
	if t.Kind, err = tracing.ParseKind(kind); err != nil {
		return t, bad("kind")
	}
	if t.TraceAddress, err = parseTraceAddress(trace); err != nil {
		return t, bad("trace address")
	}
	if !common.IsHexAddress(from) || !common.IsHexAddress(to) {
		return t, bad("address")
	}
	t.From, t.To = common.HexToAddress(from), common.HexToAddress(to)
	if t.Asset, err = tracing.ParseAsset(asset); err != nil {
		return t, bad("asset")
	}
	if err := t.Amount.SetFromDecimal(a); err != nil {
		return t, bad("amount")
	}
	return t, nil
}

func lowerHex(a common.Address) string { return strings.ToLower(a.Hex()) }

func formatTraceAddress(p []uint32) string {
	var b strings.Builder
	for i, n := range p {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatUint(uint64(n), 10))
	}
	return b.String()
}

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
