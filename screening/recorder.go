package screening

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bulwark-sec/bulwark"
)

// Recorded is one decision waiting to be stored, with the JSON body the
// caller was (or will be) answered with.
type Recorded struct {
	Decision *Decision
	Body     []byte
	// Item is the decision's line in the batch's audit entry (see
	// AuditItem), encoded by the caller's goroutine rather than the single
	// writer's; nil has StoreDecisions encode it from Body.
	Item json.RawMessage
}

// AuditItem returns the decision's line in its batch's audit entry: its
// ID, kind, use, verdict, actor, subject and the SHA-256 of its JSON as
// it reads back from Body.
func (r Recorded) AuditItem() json.RawMessage {
	if r.Item != nil {
		return r.Item
	}
	js, err := DecodeDecision(r.Body)
	if err != nil {
		js = r.Body
	}
	return auditItem(r.Decision, sha256.Sum256(js))
}

// Journal makes batches of decisions durable without a store transaction
// each: a store adapter appends each batch to an append-only file (one
// write per batch) and stores the batches, with their audit entries, in
// the store in the background (StoreDecisions), in larger transactions;
// after a crash it stores what the file still holds when the store is
// next opened, skipping decisions already stored.
type Journal interface {
	// Append returns once batch is written to the journal, so that it
	// survives the process being killed; with sync, once it is also on
	// disk, so that it survives a power loss (without, the journal is
	// synced within the store's sync interval). It may wait while too
	// many decisions are still to be stored.
	Append(ctx context.Context, batch []Recorded, sync bool) error
}

// DirectJournal is a Journal that callers can append to from their own
// goroutines. A sync Recorder without SyncEachCommit appends each decision
// to it directly (Journal.Append without sync is a copy into a file,
// cheaper than handing the decision to the recorder's writer goroutine
// and waiting to be woken); it falls back to its queue, which waits,
// retries and counts failures, when TryAppend declines or fails.
type DirectJournal interface {
	Journal
	// TryAppend appends batch as Append does without sync, unless Append
	// would wait (too many decisions still to be stored) or the journal is
	// closed: then it appends nothing and returns false. An error says the
	// append failed and nothing of batch is in the journal. Having
	// appended, the journal may keep batch itself: the caller must not
	// change it afterwards.
	TryAppend(batch []Recorded) (bool, error)
}

// RecordFunc stores a batch of decisions and the audit entry that covers
// them, atomically: all of them or none.
type RecordFunc func(ctx context.Context, batch []Recorded) error

// RecorderOptions configure a Recorder.
type RecorderOptions struct {
	// Async, when true, makes Record return once the decision is queued
	// (a crash can then lose it); when false (the default), Record returns
	// once the transaction holding the decision and its audit entry is
	// committed. Either way decisions are written in batches: whatever
	// queued while the previous batch was being written goes into the
	// next one, so a lone caller waits for one commit and a busy server
	// pays one transaction and one audit entry per batch (group commit).
	Async bool
	// SyncEachCommit, when true, has every batch synced to disk as it
	// commits, so a committed decision survives a power loss too. When
	// false (the default) a batch is committed to the store's write-ahead
	// log without waiting for the disk (it survives a crash of the
	// process) and the store syncs it within its sync interval (see
	// audit.WithDeferredSync).
	SyncEachCommit bool
	// MaxBatch bounds a batch (0: 512).
	MaxBatch int
	// Queue bounds the decisions waiting (0: 65,536). A full queue makes
	// Record wait: decisions are never dropped.
	Queue int
	// QueueBytes bounds the stored bodies of the decisions queued or
	// being written (0: 64 MiB), so that a burst of large batch decisions
	// cannot pile up in memory. Record waits while the budget is spent;
	// a body larger than the whole budget waits until nothing else is
	// queued.
	QueueBytes int64
	// Retries is how often a failed batch is retried, with backoff, before
	// its decisions are counted as failed (0: 5).
	Retries int
	// Journal, when set, is where batches go instead of the RecordFunc:
	// a batch is durable once appended, and the journal stores it later
	// (see Journal). A DirectJournal is appended to by the callers of a
	// sync Recorder without SyncEachCommit themselves, one decision at a
	// time.
	Journal Journal
	// OnError is told of a batch that could not be stored after every
	// retry; nil ignores it (it is still counted).
	OnError func(batch []Recorded, err error)
}

// Recorder stores decisions through a RecordFunc in batches, from one
// writer goroutine.
type Recorder struct {
	f    RecordFunc
	opts RecorderOptions
	// direct is opts.Journal when callers append to it themselves.
	direct DirectJournal
	q      chan queued
	done   chan struct{}
	// budget bounds the bytes of the bodies queued or being written.
	budget *budget
	stop   context.CancelFunc
	ctx    context.Context

	// mu guards closing q: Record sends under the read lock, Close closes
	// under the write lock, so nothing is sent on a closed channel.
	mu       sync.RWMutex
	closed   bool
	recorded atomic.Int64
	failed   atomic.Int64
	batches  atomic.Int64
	lastErr  atomic.Pointer[string]
}

type queued struct {
	Recorded
	// result receives the batch's outcome for a sync caller (nil: async).
	result chan error
	// cost is what the decision holds of the byte budget.
	cost int64
}

// DefaultQueueBytes is RecorderOptions.QueueBytes when unset.
const DefaultQueueBytes = 64 << 20

// NewRecorder returns a recorder whose writer runs until Close.
func NewRecorder(f RecordFunc, opts RecorderOptions) *Recorder {
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 512
	}
	if opts.Queue <= 0 {
		opts.Queue = 65536
	}
	if opts.Retries <= 0 {
		opts.Retries = 5
	}
	if opts.QueueBytes <= 0 {
		opts.QueueBytes = DefaultQueueBytes
	}
	r := &Recorder{f: f, opts: opts, q: make(chan queued, opts.Queue), done: make(chan struct{}), budget: newBudget(opts.QueueBytes)}
	if dj, ok := opts.Journal.(DirectJournal); ok && !opts.Async && !opts.SyncEachCommit {
		r.direct = dj
	}
	r.ctx, r.stop = context.WithCancel(context.Background())
	go r.write()
	return r
}

// Record queues d and, in sync mode, waits until it is committed (or ctx
// ends: the decision is still stored, the caller just stops waiting). In
// async mode it waits only while the queue is full.
func (r *Recorder) Record(ctx context.Context, d *Decision, body []byte) error {
	return r.record(ctx, Recorded{Decision: d, Body: body})
}

func (r *Recorder) record(ctx context.Context, rec Recorded) error {
	if r.direct != nil && r.appendDirect(rec) {
		return nil
	}
	it := queued{Recorded: rec}
	if !r.opts.Async {
		it.result = make(chan error, 1)
	}
	if err := r.enqueue(ctx, it); err != nil {
		return err
	}
	if it.result == nil {
		return nil
	}
	select {
	case err := <-it.result:
		return err
	case <-ctx.Done():
		return bulwark.Wrap(ctx.Err(), bulwark.ETIMEOUT, "the decision was not committed before the request ended; it is still being stored")
	}
}

// appendDirect appends rec to the direct journal from the caller's
// goroutine and reports whether it is there; false leaves it to the queue
// (the recorder is closed, the journal would make the caller wait, or the
// append failed: the writer retries it).
func (r *Recorder) appendDirect(rec Recorded) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.closed {
		return false
	}
	one := [1]Recorded{rec} // the journal may keep it: a new one each time
	if ok, err := r.direct.TryAppend(one[:]); !ok || err != nil {
		return false
	}
	r.recorded.Add(1)
	r.batches.Add(1)
	return true
}

func (r *Recorder) enqueue(ctx context.Context, it queued) error {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.closed {
		return bulwark.Errorf(bulwark.EUNAVAILABLE, "the decision recorder is shut down")
	}
	cost, err := r.budget.acquire(ctx, int64(len(it.Body)))
	if err != nil {
		return bulwark.Wrap(err, bulwark.ETIMEOUT, "the decision queue is full and the request ended first")
	}
	it.cost = cost
	select {
	case r.q <- it:
		return nil
	case <-ctx.Done():
		r.budget.release(cost)
		return bulwark.Wrap(ctx.Err(), bulwark.ETIMEOUT, "the decision queue is full and the request ended first")
	}
}

// write is the writer loop: it takes the first queued decision, then every
// other one already queued, up to MaxBatch, and stores them as one batch.
func (r *Recorder) write() {
	defer close(r.done)
	batch := make([]queued, 0, r.opts.MaxBatch)
	for first := range r.q {
		batch = append(batch[:0], first)
	fill:
		for len(batch) < r.opts.MaxBatch {
			select {
			case it, ok := <-r.q:
				if !ok {
					break fill
				}
				batch = append(batch, it)
			default:
				break fill
			}
		}
		r.store(batch)
		// The batch's array is reused: drop its references now, or the
		// decisions of the largest batch so far (bodies and all) would
		// stay reachable until overwritten.
		clear(batch)
	}
}

// store writes one batch, retrying with backoff, and answers sync callers.
func (r *Recorder) store(batch []queued) {
	recs := make([]Recorded, len(batch))
	for i, it := range batch {
		recs[i] = it.Recorded
	}
	wait := 50 * time.Millisecond
	var err error
	for attempt := 0; attempt <= r.opts.Retries; attempt++ {
		// A background context: decisions already answered must be kept
		// even while the server shuts down.
		if r.opts.Journal != nil {
			err = r.opts.Journal.Append(context.Background(), recs, r.opts.SyncEachCommit)
		} else {
			err = r.f(context.Background(), recs)
		}
		if err == nil {
			break
		}
		if bulwark.IsCode(err, bulwark.EINVALID) || bulwark.IsCode(err, bulwark.ECONFLICT) {
			break
		}
		select {
		case <-time.After(wait):
		case <-r.ctx.Done():
		}
		wait *= 2
	}
	if err == nil {
		r.recorded.Add(int64(len(batch)))
		r.batches.Add(1)
	} else {
		r.failed.Add(int64(len(batch)))
		msg := err.Error()
		r.lastErr.Store(&msg)
		if r.opts.OnError != nil {
			r.opts.OnError(recs, err)
		}
	}
	var cost int64
	for _, it := range batch {
		cost += it.cost
		if it.result != nil {
			it.result <- err
		}
	}
	r.budget.release(cost)
}

// RecorderStats counts what a recorder did.
type RecorderStats struct {
	Recorded int64 `json:"recorded"`
	Batches  int64 `json:"batches"`
	Failed   int64 `json:"failed"`
	Pending  int   `json:"pending"`
	// PendingBytes is the size of the bodies queued or being written.
	PendingBytes int64  `json:"pendingBytes"`
	LastErr      string `json:"lastError,omitempty"`
}

// Stats returns the recorder's counters.
func (r *Recorder) Stats() RecorderStats {
	s := RecorderStats{Recorded: r.recorded.Load(), Batches: r.batches.Load(), Failed: r.failed.Load(), Pending: len(r.q), PendingBytes: r.budget.inUse()}
	if p := r.lastErr.Load(); p != nil {
		s.LastErr = *p
	}
	return s
}

// Close stops accepting decisions and waits until every queued one is
// stored, or ctx ends (then it says how many were still queued).
func (r *Recorder) Close(ctx context.Context) error {
	r.mu.Lock()
	if !r.closed {
		r.closed = true
		close(r.q)
	}
	r.mu.Unlock()
	select {
	case <-r.done:
		return nil
	case <-ctx.Done():
		r.stop()
		return bulwark.Errorf(bulwark.ETIMEOUT, "shutting down with %d screening decisions not yet stored", len(r.q))
	}
}

// budget is a weighted semaphore over bytes, served first come first
// served so that a large decision is not starved by small ones.
type budget struct {
	mu      sync.Mutex
	max     int64
	used    int64
	waiters []*budgetWaiter
}

type budgetWaiter struct {
	n     int64
	ready chan struct{}
}

func newBudget(max int64) *budget { return &budget{max: max} }

// acquire takes n bytes (at most the whole budget) and returns what it
// took, waiting until they are free or ctx ends.
func (b *budget) acquire(ctx context.Context, n int64) (int64, error) {
	n = min(max(n, 1), b.max)
	b.mu.Lock()
	if len(b.waiters) == 0 && b.used+n <= b.max {
		b.used += n
		b.mu.Unlock()
		return n, nil
	}
	w := &budgetWaiter{n: n, ready: make(chan struct{})}
	b.waiters = append(b.waiters, w)
	b.mu.Unlock()
	select {
	case <-w.ready:
		return n, nil
	case <-ctx.Done():
		b.mu.Lock()
		for i, x := range b.waiters {
			if x == w {
				b.waiters = append(b.waiters[:i], b.waiters[i+1:]...)
				b.grant() // the head may have changed
				b.mu.Unlock()
				return 0, ctx.Err()
			}
		}
		b.mu.Unlock()
		// Granted meanwhile: give it back.
		b.release(n)
		return 0, ctx.Err()
	}
}

// release returns n bytes and wakes the waiters that now fit, in order.
func (b *budget) release(n int64) {
	if n == 0 {
		return
	}
	b.mu.Lock()
	b.used -= n
	b.grant()
	b.mu.Unlock()
}

// grant wakes waiters from the head while they fit; b.mu is held.
func (b *budget) grant() {
	for len(b.waiters) > 0 && b.used+b.waiters[0].n <= b.max {
		w := b.waiters[0]
		b.waiters[0] = nil
		b.waiters = b.waiters[1:]
		b.used += w.n
		close(w.ready)
	}
}

func (b *budget) inUse() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}
