package tracing

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/bulwark-sec/bulwark"
)

// NodeBlock is one block as a BlockSource reads it: its header and every
// transfer in it (native transfers from its traces, gas fees, token
// transfers from its logs).
type NodeBlock struct {
	Header    BlockHeader
	Transfers []Transfer
}

// BlockSource reads blocks of one chain from a node. ethrpc's adapter
// implements it over JSON-RPC.
type BlockSource interface {
	// Head returns the number of the node's latest block.
	Head(ctx context.Context) (uint64, error)
	// Header returns block n's header.
	Header(ctx context.Context, n uint64) (BlockHeader, error)
	// Block returns block n's header and transfers.
	Block(ctx context.Context, n uint64) (NodeBlock, error)
}

// Ingester copies the transfers of a chain's blocks from a BlockSource into
// an IngestStore, batch by batch, resuming from the store's cursor. Each
// batch is stored with the cursor in one transaction, so a process killed
// mid-range loses nothing and counts nothing twice when run again. A block
// whose parent is not the stored block below it is a reorg: the stored
// blocks from the fork point up are rolled back and ingested again.
type Ingester struct {
	Store  IngestStore
	Source BlockSource
	Chain  uint64
	// Name names the source in the store ("node" unless set).
	Name string
	// Start is the first block ingested when the store has no cursor.
	Start uint64
	// Batch is the number of blocks stored per transaction (default 32);
	// Concurrency the number of blocks fetched at once (default 4).
	Batch, Concurrency int
	// Attempts bounds the tries of a fetch that fails transiently (the node
	// unavailable or slow, or an answer that contradicts itself: another
	// block than asked, a block missing below the head, a batch whose blocks
	// do not link); default 5. Backoff is the first wait between tries,
	// doubled each time (default 250ms).
	Attempts int
	Backoff  time.Duration
	// MaxReorg bounds how many stored blocks a reorg may roll back
	// (default 128); a deeper one is an error.
	MaxReorg uint64
}

// IngestResult says what one Run did.
type IngestResult struct {
	Cursor     uint64 // the last block stored
	Blocks     int    // blocks stored
	Transfers  int    // transfers stored
	RolledBack int    // blocks rolled back for reorgs
}

func (in *Ingester) name() string {
	if in.Name == "" {
		return "node"
	}
	return in.Name
}

func orDefault(v, d int) int {
	if v <= 0 {
		return d
	}
	return v
}

// Run ingests the blocks after the cursor (or from Start) up to block to
// inclusive, or up to the node's head when to is zero or above it. The
// result's Cursor is the store's cursor when Run returns (zero when there
// is none).
func (in *Ingester) Run(ctx context.Context, to uint64) (IngestResult, error) {
	var res IngestResult
	if in.Store == nil || in.Source == nil {
		return res, bulwark.Invalid("ingester", "a store and a block source are required")
	}
	batch, name := orDefault(in.Batch, 32), in.name()
	head, err := retry(ctx, in, "read the node's head", func() (uint64, error) { return in.Source.Head(ctx) })
	if err != nil {
		return res, err
	}
	if to == 0 || to > head {
		to = head
	}
	next := in.Start
	cur, ok, err := in.Store.IngestCursor(ctx, in.Chain, name)
	if err != nil {
		return res, err
	}
	if ok {
		next = cur.Block + 1
	}
	if ok {
		res.Cursor = cur.Block
	}
	// The next batch is fetched while the current one is stored; a
	// prefetch is dropped when a reorg sends the run back.
	type fetched struct {
		from, to uint64
		blocks   []NodeBlock
		err      error
	}
	var (
		pending    chan fetched
		stopFetch  context.CancelFunc = func() {}
		fetchAhead                    = func(from, to uint64) {
			fctx, cancel := context.WithCancel(ctx)
			ch := make(chan fetched, 1)
			go func() {
				bs, err := in.fetchRange(fctx, from, to, head)
				ch <- fetched{from, to, bs, err}
			}()
			pending, stopFetch = ch, cancel
		}
		drop = func() {
			if pending != nil {
				stopFetch()
				<-pending
				pending = nil
			}
		}
	)
	defer drop()
	for next <= to {
		end := min(next+uint64(batch)-1, to)
		var blocks []NodeBlock
		if pending != nil {
			f := <-pending
			pending = nil
			stopFetch()
			if f.from != next || f.to != end {
				return res, bulwark.Errorf(bulwark.EINTERNAL, "ingester prefetched blocks %d to %d, wanted %d to %d", f.from, f.to, next, end)
			}
			blocks, err = f.blocks, f.err
		} else {
			blocks, err = in.fetchRange(ctx, next, end, head)
		}
		if err != nil {
			return res, err
		}
		// A reorg below the batch: the first block's parent is not what
		// is stored below it.
		if next > 0 {
			below, ok, err := in.Store.StoredBlock(ctx, in.Chain, name, next-1)
			if err != nil {
				return res, err
			}
			if ok && below.Hash != blocks[0].Header.Parent {
				fork, err := in.forkPoint(ctx, next-1)
				if err != nil {
					return res, err
				}
				if err := in.Store.RollbackAbove(ctx, in.Chain, name, fork); err != nil {
					return res, err
				}
				res.RolledBack += int(next - 1 - fork)
				next, res.Cursor = fork+1, fork
				continue
			}
		}
		if end < to {
			fetchAhead(end+1, min(end+uint64(batch), to))
		}
		hs := make([]BlockHeader, len(blocks))
		var ts []Transfer
		for i := range blocks {
			hs[i] = blocks[i].Header
			ts = append(ts, blocks[i].Transfers...)
		}
		if err := in.Store.PutBlocks(ctx, in.Chain, name, hs, ts); err != nil {
			return res, err
		}
		res.Blocks += len(blocks)
		res.Transfers += len(ts)
		res.Cursor, next = end, end+1
	}
	return res, nil
}

// forkPoint returns the highest stored block at or below n that the node
// still has: the block the chain is to be rolled back to.
func (in *Ingester) forkPoint(ctx context.Context, n uint64) (uint64, error) {
	maxReorg := in.MaxReorg
	if maxReorg == 0 {
		maxReorg = 128
	}
	for k := n; ; k-- {
		stored, ok, err := in.Store.StoredBlock(ctx, in.Chain, in.name(), k)
		if err != nil {
			return 0, err
		}
		if !ok {
			// Nothing stored to compare with: roll back everything above.
			return k, nil
		}
		h, err := retry(ctx, in, fmt.Sprintf("read block %d's header", k), func() (BlockHeader, error) { return in.Source.Header(ctx, k) })
		if err != nil {
			return 0, err
		}
		if h.Number != k {
			return 0, bulwark.Errorf(bulwark.EINVALID, "the node answered a request for block %d's header with block %d", k, h.Number)
		}
		if h.Hash == stored.Hash {
			return k, nil
		}
		if n-k >= maxReorg || k == 0 {
			return 0, bulwark.Errorf(bulwark.ECONFLICT, "reorg deeper than %d blocks below block %d (stored block %d is %s, the node's %s): check the node, or roll the store back by hand", maxReorg, n, k, stored.Hash.Hex(), h.Hash.Hex())
		}
	}
}

// fetchRange reads blocks from..to, Concurrency at a time, and checks the
// node's answers hang together; a batch whose blocks do not link (the node
// reorged while answering) is fetched again.
func (in *Ingester) fetchRange(ctx context.Context, from, to, head uint64) ([]NodeBlock, error) {
	what := fmt.Sprintf("read blocks %d to %d", from, to)
	return retry(ctx, in, what, func() ([]NodeBlock, error) {
		blocks := make([]NodeBlock, to-from+1)
		errs := make([]error, len(blocks))
		sem := make(chan struct{}, orDefault(in.Concurrency, 4))
		var wg sync.WaitGroup
		for i := range blocks {
			n := from + uint64(i)
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				blocks[i], errs[i] = in.fetchBlock(ctx, n, head)
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				return nil, err
			}
		}
		for i := 1; i < len(blocks); i++ {
			if blocks[i].Header.Parent != blocks[i-1].Header.Hash {
				return nil, transient(bulwark.Errorf(bulwark.ECONFLICT, "block %d's parent %s is not block %d's hash %s: the node reorged while answering", blocks[i].Header.Number, blocks[i].Header.Parent.Hex(), blocks[i-1].Header.Number, blocks[i-1].Header.Hash.Hex()))
			}
		}
		return blocks, nil
	})
}

// fetchBlock reads block n, retrying transient failures, and refuses an
// answer about another block or with transfers that are not its own.
func (in *Ingester) fetchBlock(ctx context.Context, n, head uint64) (NodeBlock, error) {
	return retry(ctx, in, fmt.Sprintf("read block %d", n), func() (NodeBlock, error) {
		b, err := in.Source.Block(ctx, n)
		if bulwark.ErrorCode(err) == bulwark.ENOTFOUND {
			return b, transient(bulwark.Errorf(bulwark.ENOTFOUND, "the node has no block %d though its head was %d (a missing range, or a node behind a load balancer out of step)", n, head))
		}
		if err != nil {
			return b, err
		}
		if b.Header.Number != n {
			return b, transient(bulwark.Errorf(bulwark.EINVALID, "the node answered a request for block %d with block %d", n, b.Header.Number))
		}
		for i := range b.Transfers {
			t := &b.Transfers[i]
			if t.Block != n || t.Chain != in.Chain {
				return b, bulwark.Errorf(bulwark.EINVALID, "block %d: the source gave a transfer of block %d on chain %d (tx %s)", n, t.Block, t.Chain, t.TxHash.Hex())
			}
			if err := t.Validate(); err != nil {
				return b, bulwark.Errorf(bulwark.EINVALID, "block %d tx %s: %s", n, t.TxHash.Hex(), bulwark.ErrorMessage(err))
			}
		}
		return b, nil
	})
}

// transientError marks a failure worth trying again.
type transientError struct{ error }

func (e transientError) Unwrap() error { return e.error }

func transient(err error) error { return transientError{err} }

// spentError is a transient failure that was tried Attempts times: not
// to be tried again by an outer retry.
type spentError struct{ err *bulwark.Error }

func (e spentError) Error() string { return e.err.Error() }
func (e spentError) Unwrap() error { return e.err }

func isTransient(err error) bool {
	var s spentError
	if errors.As(err, &s) {
		return false
	}
	var t transientError
	if errors.As(err, &t) {
		return true
	}
	switch bulwark.ErrorCode(err) {
	case bulwark.EUNAVAILABLE, bulwark.ETIMEOUT:
		return true
	}
	return false
}

// retry runs f until it succeeds, fails for good, or the attempts are
// spent, waiting Backoff, then twice as long, and so on between tries.
func retry[T any](ctx context.Context, in *Ingester, what string, f func() (T, error)) (T, error) {
	attempts := orDefault(in.Attempts, 5)
	wait := in.Backoff
	if wait <= 0 {
		wait = 250 * time.Millisecond
	}
	for i := 1; ; i++ {
		v, err := f()
		if err == nil || ctx.Err() != nil || !isTransient(err) {
			return v, unwrapTransient(err)
		}
		if i >= attempts {
			err = unwrapTransient(err)
			return v, spentError{bulwark.Wrap(err, bulwark.ErrorCode(err), fmt.Sprintf("could not %s after %d attempts: %s", what, attempts, bulwark.ErrorMessage(err)))}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return v, unwrapTransient(err)
		case <-t.C:
		}
		wait *= 2
	}
}

func unwrapTransient(err error) error {
	var t transientError
	if errors.As(err, &t) {
		return t.error
	}
	return err
}
