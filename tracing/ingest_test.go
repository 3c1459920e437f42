package tracing_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/sqlite"
	"github.com/bulwark-sec/bulwark/sqlite/sqlitetest"
	"github.com/bulwark-sec/bulwark/tracing"
)

const fakeChain = 7

// fakeSource is a chain of blocks 0..head, each with one payment; blocks
// from forkAt up belong to branch fork (their hashes differ per branch).
// broken, while above zero, makes each read of block brokenAt answer with
// a parent that is not the block below it, and counts down.
type fakeSource struct {
	mu       sync.Mutex
	head     uint64
	forkAt   uint64
	fork     byte
	brokenAt uint64
	broken   int
	inFlight int
	maxIn    int
}

func (f *fakeSource) hash(n uint64) common.Hash {
	var h common.Hash
	h[0] = 0xfa
	if n >= f.forkAt {
		h[1] = f.fork
	}
	for i := 0; i < 8; i++ {
		h[24+i] = byte(n >> (56 - 8*i))
	}
	return h
}

func (f *fakeSource) Head(context.Context) (uint64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.head, nil
}

func (f *fakeSource) Header(_ context.Context, n uint64) (tracing.BlockHeader, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.header(n), nil
}

func (f *fakeSource) header(n uint64) tracing.BlockHeader {
	return tracing.BlockHeader{Number: n, Hash: f.hash(n), Parent: f.hash(n - 1), Time: int64(n * 12)}
}

func (f *fakeSource) Block(_ context.Context, n uint64) (tracing.NodeBlock, error) {
	f.mu.Lock()
	f.inFlight++
	f.maxIn = max(f.maxIn, f.inFlight)
	h := f.header(n)
	if n == f.brokenAt && f.broken > 0 {
		f.broken--
		h.Parent = common.Hash{0xde, 0xad}
	}
	fork := f.fork
	if n < f.forkAt {
		fork = 0
	}
	f.mu.Unlock()
	// Let the other fetches of the batch start before this one ends.
	time.Sleep(time.Millisecond)
	f.mu.Lock()
	f.inFlight--
	f.mu.Unlock()
	t := tracing.Transfer{Chain: fakeChain, Block: n, TxHash: common.Hash{0x7a, fork, byte(n)}, Time: h.Time, Kind: tracing.TopLevelCall,
		TraceAddress: []uint32{}, From: common.Address{0xa1}, To: common.Address{0xb2, fork}, Asset: tracing.NativeAsset(fakeChain)}
	t.Amount.SetUint64(n + 1)
	return tracing.NodeBlock{Header: h, Transfers: []tracing.Transfer{t}}, nil
}

func runIngest(t *testing.T, in *tracing.Ingester, to uint64) (tracing.IngestResult, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return in.Run(ctx, to)
}

func TestIngesterAgainstFakeNode(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		// setup changes the source after a first run to block 20.
		setup    func(f *fakeSource)
		in       tracing.Ingester
		want     string // in the second run's error; "" for success
		rolled   int
		maxFetch int // the most fetches in flight allowed
	}{
		{name: "resumes to the head", setup: func(f *fakeSource) { f.head = 45 }, in: tracing.Ingester{Batch: 8, Concurrency: 3}, maxFetch: 3},
		{name: "shallow reorg", setup: func(f *fakeSource) { f.head, f.forkAt, f.fork = 30, 17, 1 }, in: tracing.Ingester{Batch: 5}, rolled: 4, maxFetch: 4},
		{name: "reorg deeper than allowed", setup: func(f *fakeSource) { f.head, f.forkAt, f.fork = 30, 10, 1 },
			in: tracing.Ingester{Batch: 5, MaxReorg: 6}, want: "reorg deeper than 6 blocks below block 20", maxFetch: 4},
		{name: "node reorging while answering, then steady", setup: func(f *fakeSource) { f.head, f.brokenAt, f.broken = 30, 23, 2 },
			in: tracing.Ingester{Batch: 5, Attempts: 3, Backoff: time.Millisecond}, maxFetch: 4},
		{name: "node reorging while answering for good", setup: func(f *fakeSource) { f.head, f.brokenAt, f.broken = 30, 23, 100 },
			in: tracing.Ingester{Batch: 5, Attempts: 3, Backoff: time.Millisecond}, want: "block 23's parent 0xdead", maxFetch: 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := &fakeSource{head: 20, forkAt: 1 << 62}
			store := sqlitetest.Open(t, sqlite.Options{})
			in := tc.in
			in.Store, in.Source, in.Chain, in.Start = store, f, fakeChain, 1
			if res, err := runIngest(t, &in, 0); err != nil || res.Cursor != 20 || res.Blocks != 20 {
				t.Fatalf("first run: %+v, %v", res, err)
			}
			f.mu.Lock()
			tc.setup(f)
			f.mu.Unlock()
			res, err := runIngest(t, &in, 0)
			if tc.want != "" {
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("second run: %+v, %v; want an error saying %q", res, err, tc.want)
				}
				if c, _, _ := store.IngestCursor(context.Background(), fakeChain, "node"); c.Block > 20 {
					t.Errorf("cursor moved to %d after a failed run", c.Block)
				}
				return
			}
			if err != nil || res.Cursor != f.head || res.RolledBack != tc.rolled {
				t.Fatalf("second run: %+v, %v; want the cursor at %d, %d rolled back", res, err, f.head, tc.rolled)
			}
			// The store holds exactly the node's chain now: one payment a
			// block, each of the node's branch.
			fresh := &fakeSource{head: f.head, forkAt: f.forkAt, fork: f.fork}
			ts, err := store.Transfers(context.Background(), tracing.TransferQuery{Chain: fakeChain, Source: "node"})
			if err != nil || len(ts) != int(f.head) {
				t.Fatalf("%d transfers, %v; want %d", len(ts), err, f.head)
			}
			for i, tf := range ts {
				nb, _ := fresh.Block(context.Background(), uint64(i+1))
				if tf.Block != uint64(i+1) || tf.TxHash != nb.Transfers[0].TxHash || tf.To != nb.Transfers[0].To {
					t.Errorf("transfer %d = %+v, want %+v", i, tf, nb.Transfers[0])
				}
				b, ok, err := store.StoredBlock(context.Background(), fakeChain, "node", tf.Block)
				if err != nil || !ok || b.Hash != fresh.hash(tf.Block) {
					t.Errorf("stored block %d = %+v, %v, %v", tf.Block, b, ok, err)
				}
			}
			if f.maxIn > tc.maxFetch || f.maxIn < 1 {
				t.Errorf("%d fetches at once, limit %d", f.maxIn, tc.maxFetch)
			}
		})
	}
}

// TestIngesterFromGenesis starts at block 0, whose parent is no block,
// and asks for more than the node has: it stops at the head.
func TestIngesterFromGenesis(t *testing.T) {
	t.Parallel()
	store := sqlitetest.Open(t, sqlite.Options{})
	f := &fakeSource{head: 5, forkAt: 1 << 62}
	in := &tracing.Ingester{Store: store, Source: f, Chain: fakeChain, Batch: 4}
	res, err := runIngest(t, in, 100)
	if err != nil || res.Cursor != 5 || res.Blocks != 6 || res.Transfers != 6 {
		t.Fatalf("Run = %+v, %v; want blocks 0 to 5", res, err)
	}
	if res, err := runIngest(t, in, 0); err != nil || res.Cursor != 5 || res.Blocks != 0 {
		t.Errorf("nothing new: %+v, %v", res, err)
	}
	if b, ok, err := store.StoredBlock(context.Background(), fakeChain, "node", 0); err != nil || !ok || b.Hash != f.hash(0) {
		t.Errorf("block 0 = %+v, %v, %v", b, ok, err)
	}
}

func TestIngesterRefuses(t *testing.T) {
	t.Parallel()
	store := sqlitetest.Open(t, sqlite.Options{})
	if _, err := runIngest(t, &tracing.Ingester{Store: store}, 0); bulwark.ErrorCode(err) != bulwark.EINVALID {
		t.Errorf("without a source: %v", err)
	}
	// A transfer of another chain or block is the source's fault, named.
	f := &fakeSource{head: 3, forkAt: 1 << 62}
	in := &tracing.Ingester{Store: store, Source: f, Chain: fakeChain + 1, Start: 1}
	if _, err := runIngest(t, in, 0); bulwark.ErrorCode(err) != bulwark.EINVALID || !strings.Contains(err.Error(), "block 1: the source gave a transfer of block 1 on chain 7") {
		t.Errorf("transfer of another chain: %v", err)
	}
	if _, ok, err := store.IngestCursor(context.Background(), fakeChain+1, "node"); err != nil || ok {
		t.Errorf("a cursor after the refusal: %v, %v", ok, err)
	}
}
