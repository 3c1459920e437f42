package tracing

import (
	"context"
	"time"

	"github.com/ethereum/go-ethereum/common"
)

// BlockHeader is what ingestion keeps of a block: its number, hash and
// parent hash (to detect a reorg at the next block) and its time.
type BlockHeader struct {
	Number uint64
	Hash   common.Hash
	Parent common.Hash
	Time   int64 // Unix seconds
}

// IngestCursor is where the ingestion of one source of one chain stands:
// every block up to Block is stored completely. Hash is the stored hash of
// Block, zero when that block was not ingested (ingestion started after
// it, or a rollback went below the first block stored).
type IngestCursor struct {
	Chain     uint64
	Source    string
	Block     uint64
	Hash      common.Hash
	UpdatedAt time.Time // UTC
}

// TransferQuery selects stored transfers of one source of one chain.
// Address, when set, keeps the transfers from or to it; Asset, when set,
// those of that asset; FromBlock and ToBlock (inclusive, ToBlock 0 for no
// bound) the block range.
type TransferQuery struct {
	Chain     uint64
	Source    string
	Address   *common.Address
	Asset     *Asset
	FromBlock uint64
	ToBlock   uint64
}

// IngestStore holds ingested transfers, the headers of the blocks they came
// from and an ingestion cursor per (chain, source). Sources are named by
// the caller ("node", "etl:…") and do not see each other's blocks.
type IngestStore interface {
	// PutBlocks stores consecutive blocks and all their transfers and moves
	// the cursor of (chain, source) to the last block if it is higher, in
	// one transaction: after a crash either the whole range and the cursor
	// are stored or nothing is. The first block must not be above the
	// cursor's next one (no gap) and its parent must be the stored hash of
	// the block below it, if stored; each block's parent the previous
	// block's hash. Putting a stored block again with the same hash
	// replaces its transfers (no duplicates); with another hash it is a
	// conflict (roll back first). Every transfer must be valid, of the
	// chain and of one of the blocks. Errors: EINVALID, ECONFLICT.
	PutBlocks(ctx context.Context, chain uint64, source string, blocks []BlockHeader, transfers []Transfer) error
	// IngestCursor returns the cursor of (chain, source), false if none.
	IngestCursor(ctx context.Context, chain uint64, source string) (IngestCursor, bool, error)
	// StoredBlock returns the stored header of block n, false if none.
	StoredBlock(ctx context.Context, chain uint64, source string, n uint64) (BlockHeader, bool, error)
	// RollbackAbove deletes the blocks above n and their transfers and, if
	// the cursor is above n, moves it back to n (with n's stored hash, or
	// zero), in one transaction: what a reorg below the cursor calls for.
	RollbackAbove(ctx context.Context, chain uint64, source string, n uint64) error
	// Transfers returns the stored transfers that match q in the order of
	// Compare.
	Transfers(ctx context.Context, q TransferQuery) ([]Transfer, error)
}
