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
	// Concurrency the number of blocks fetched at once (default 4). Blocks
	// are fetched up to two batches ahead of the one being stored.
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
	// Fork is the lowest block a reorg's rollback kept: every block above
	// it was replaced (set when RolledBack is not 0).
	Fork uint64
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
	// Blocks are fetched in a stream, Concurrency at a time and up to two
	// batches ahead, while the batch before is stored; the stream starts
	// again from the cursor when a batch does not link or a reorg sends
	// the run back.
	ahead := 2 * batch
	fetch := in.startFetch(ctx, next, to, head, ahead)
	defer func() { fetch.stop() }()
	for next <= to {
		end := min(next+uint64(batch)-1, to)
		blocks, err := retry(ctx, in, fmt.Sprintf("read blocks %d to %d", next, end), func() ([]NodeBlock, error) {
			bs, err := fetch.take(ctx, int(end-next+1))
			if err == nil {
				err = linked(bs)
			}
			if err != nil && isTransient(err) {
				fetch.stop()
				fetch = in.startFetch(ctx, next, to, head, ahead)
			}
			return bs, err
		})
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
				fetch.stop()
				fork, err := in.forkPoint(ctx, next-1)
				if err != nil {
					return res, err
				}
				if err := in.Store.RollbackAbove(ctx, in.Chain, name, fork); err != nil {
					return res, err
				}
				if res.RolledBack == 0 || fork < res.Fork {
					res.Fork = fork
				}
				res.RolledBack += int(next - 1 - fork)
				next, res.Cursor = fork+1, fork
				fetch = in.startFetch(ctx, next, to, head, ahead)
				continue
			}
		}
		hs := make([]BlockHeader, len(blocks))
		n := 0
		for i := range blocks {
			hs[i] = blocks[i].Header
			n += len(blocks[i].Transfers)
		}
		ts := make([]Transfer, 0, n)
		for i := range blocks {
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

// fetchStream fetches blocks in order in the background: at most
// Concurrency at once, at most ahead fetched and not yet taken.
type fetchStream struct {
	cancel context.CancelFunc
	order  chan chan fetchedBlock // one per block, in block order
	wg     sync.WaitGroup
}

type fetchedBlock struct {
	block NodeBlock
	err   error
}

// startFetch starts fetching blocks from..to.
func (in *Ingester) startFetch(ctx context.Context, from, to, head uint64, ahead int) *fetchStream {
	fctx, cancel := context.WithCancel(ctx)
	f := &fetchStream{cancel: cancel, order: make(chan chan fetchedBlock, ahead)}
	sem := make(chan struct{}, orDefault(in.Concurrency, 4))
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		defer close(f.order)
		for n := from; n <= to; n++ {
			select {
			case sem <- struct{}{}:
			case <-fctx.Done():
				return
			}
			ch := make(chan fetchedBlock, 1)
			select {
			case f.order <- ch:
			case <-fctx.Done():
				return
			}
			f.wg.Add(1)
			go func() {
				defer f.wg.Done()
				b, err := in.fetchBlock(fctx, n, head)
				<-sem
				ch <- fetchedBlock{b, err}
			}()
			if n == to {
				return // n++ would wrap at the largest block number
			}
		}
	}()
	return f
}

// take returns the next k blocks, in order.
func (f *fetchStream) take(ctx context.Context, k int) ([]NodeBlock, error) {
	out := make([]NodeBlock, 0, k)
	for range k {
		ch, ok := <-f.order
		if !ok {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			return nil, bulwark.Errorf(bulwark.EINTERNAL, "the ingester's fetches ended early")
		}
		r := <-ch
		if r.err != nil {
			return nil, r.err
		}
		out = append(out, r.block)
	}
	return out, nil
}

// stop cancels the fetches still running and waits for them to end.
func (f *fetchStream) stop() {
	f.cancel()
	f.wg.Wait()
}

// linked checks that each block names the one before as its parent; when
// not, the node reorged while answering: worth fetching again.
func linked(blocks []NodeBlock) error {
	for i := 1; i < len(blocks); i++ {
		if blocks[i].Header.Parent != blocks[i-1].Header.Hash {
			return transient(bulwark.Errorf(bulwark.ECONFLICT, "block %d's parent %s is not block %d's hash %s: the node reorged while answering", blocks[i].Header.Number, blocks[i].Header.Parent.Hex(), blocks[i-1].Header.Number, blocks[i-1].Header.Hash.Hex()))
		}
	}
	return nil
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
		if !bulwark.Sleep(ctx, wait) {
			return v, unwrapTransient(err)
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
