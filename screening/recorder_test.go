package screening_test

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"weak"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/screening"
)

func decisionN(i int) *screening.Decision {
	return &screening.Decision{ID: "dec_" + string(rune('a'+i%26)), Kind: "address", Verdict: bulwark.VerdictClear}
}

// TestRecorderBoundsQueueBytes: while the decisions queued or being
// written hold the whole byte budget, Record waits (here until its context
// ends); once they are stored, it goes through.
func TestRecorderBoundsQueueBytes(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	entered := make(chan struct{}, 16)
	var stored atomic.Int64
	r := screening.NewRecorder(func(ctx context.Context, batch []screening.Recorded) error {
		entered <- struct{}{}
		<-release
		stored.Add(int64(len(batch)))
		return nil
	}, screening.RecorderOptions{Async: true, QueueBytes: 1000})
	defer func() { _ = r.Close(context.Background()) }()

	ctx := context.Background()
	if err := r.Record(ctx, decisionN(0), make([]byte, 400)); err != nil {
		t.Fatal(err)
	}
	<-entered // the writer holds the first decision
	if err := r.Record(ctx, decisionN(1), make([]byte, 400)); err != nil {
		t.Fatal(err)
	}
	if got := r.Stats().PendingBytes; got != 800 {
		t.Fatalf("pending bytes %d, want 800", got)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	err := r.Record(short, decisionN(2), make([]byte, 400))
	if !bulwark.IsCode(err, bulwark.ETIMEOUT) {
		t.Fatalf("Record over the byte budget: %v, want it to wait until its context ends (ETIMEOUT)", err)
	}
	if got := r.Stats().PendingBytes; got != 800 {
		t.Fatalf("pending bytes after the refused decision %d, want 800", got)
	}
	// A body larger than the whole budget is taken once the rest is
	// stored; it is not refused forever.
	done := make(chan error, 1)
	go func() { done <- r.Record(ctx, decisionN(3), make([]byte, 5000)) }()
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := r.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if got := stored.Load(); got != 3 {
		t.Fatalf("stored %d decisions, want 3", got)
	}
	if got := r.Stats().PendingBytes; got != 0 {
		t.Fatalf("pending bytes after close %d, want 0", got)
	}
}

// TestRecorderKeepsNoStoredDecision: once a batch is stored, the recorder
// holds no reference to its decisions or bodies. (A reused batch array
// kept, after a batch of two and a batch of one, the second decision of
// the first batch reachable, body and all: with 10,000-address batch
// decisions, gigabytes.)
func TestRecorderKeepsNoStoredDecision(t *testing.T) {
	t.Parallel()
	first, entered := make(chan struct{}), make(chan struct{})
	batches := make(chan []string, 16)
	var calls atomic.Int64
	r := screening.NewRecorder(func(_ context.Context, batch []screening.Recorded) error {
		if calls.Add(1) == 1 {
			close(entered)
			<-first
		}
		ids := make([]string, len(batch))
		for i, x := range batch {
			ids[i] = x.Decision.ID
		}
		batches <- ids
		return nil
	}, screening.RecorderOptions{Async: true})
	defer func() { _ = r.Close(context.Background()) }()
	ctx := context.Background()
	record := func(id string) weak.Pointer[screening.Decision] {
		d := &screening.Decision{ID: id, Kind: "address", Verdict: bulwark.VerdictClear}
		if err := r.Record(ctx, d, make([]byte, 1<<20)); err != nil {
			t.Fatal(err)
		}
		return weak.Make(d)
	}
	record("a")
	<-entered // the writer took a alone and waits
	record("b")
	c := record("c")
	close(first)
	if got := <-batches; len(got) != 1 || got[0] != "a" {
		t.Fatalf("first batch %v", got)
	}
	if got := <-batches; len(got) != 2 {
		t.Fatalf("second batch %v, want b and c", got)
	}
	record("d")
	if got := <-batches; len(got) != 1 || got[0] != "d" {
		t.Fatalf("third batch %v", got)
	}
	// The writer is now storing d, after it finished with b and c.
	for range 3 {
		runtime.GC()
	}
	if c.Value() != nil {
		t.Fatal("a stored decision is still reachable from the recorder")
	}
}

// directJournal is a DirectJournal that records who appended what.
type directJournal struct {
	mu       sync.Mutex
	decline  bool  // TryAppend declines
	fail     error // TryAppend fails
	tried    []string
	appended []string // by Append (the recorder's writer)
	direct   []string // by TryAppend
}

func (j *directJournal) Append(_ context.Context, batch []screening.Recorded, _ bool) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, r := range batch {
		j.appended = append(j.appended, r.Decision.ID)
	}
	return nil
}

func (j *directJournal) TryAppend(batch []screening.Recorded) (bool, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, r := range batch {
		j.tried = append(j.tried, r.Decision.ID)
	}
	if j.decline || j.fail != nil {
		return false, j.fail
	}
	for _, r := range batch {
		j.direct = append(j.direct, r.Decision.ID)
	}
	return true, nil
}

// TestRecorderDirectJournal: a sync recorder over a DirectJournal appends
// each decision from the caller (TryAppend), and counts it; when TryAppend
// declines or fails, the decision goes through the queue (Append by the
// writer) and Record still returns once it is appended. An async recorder,
// or one syncing each commit, never appends directly; a closed one
// appends nothing.
func TestRecorderDirectJournal(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, c := range []struct {
		name           string
		opts           screening.RecorderOptions
		decline        bool
		fail           error
		direct, queued bool
	}{
		{name: "sync", direct: true},
		{name: "declined", decline: true, queued: true},
		{name: "failed", fail: bulwark.Errorf(bulwark.EUNAVAILABLE, "disk full"), queued: true},
		{name: "async", opts: screening.RecorderOptions{Async: true}, queued: true},
		{name: "fsync", opts: screening.RecorderOptions{SyncEachCommit: true}, queued: true},
	} {
		j := &directJournal{decline: c.decline, fail: c.fail}
		opts := c.opts
		opts.Journal = j
		r := screening.NewRecorder(nil, opts)
		if err := r.Record(ctx, decisionN(0), []byte(`{}`)); err != nil {
			t.Errorf("%s: Record = %v", c.name, err)
		}
		if err := r.Close(ctx); err != nil {
			t.Fatal(err)
		}
		st := r.Stats()
		j.mu.Lock()
		if got := len(j.direct) == 1; got != c.direct {
			t.Errorf("%s: appended directly: %v, want %v (tried %v)", c.name, got, c.direct, j.tried)
		}
		if got := len(j.appended) == 1; got != c.queued {
			t.Errorf("%s: appended by the writer: %v, want %v", c.name, got, c.queued)
		}
		if !c.direct && !c.decline && c.fail == nil && len(j.tried) > 0 {
			t.Errorf("%s: TryAppend called: %v", c.name, j.tried)
		}
		j.mu.Unlock()
		if st.Recorded != 1 || st.Failed != 0 {
			t.Errorf("%s: stats %+v, want 1 recorded, none failed", c.name, st)
		}
		if err := r.Record(ctx, decisionN(1), []byte(`{}`)); bulwark.ErrorCode(err) != bulwark.EUNAVAILABLE {
			t.Errorf("%s: Record after Close = %v, want unavailable", c.name, err)
		}
		j.mu.Lock()
		if n := len(j.direct) + len(j.appended); n != 1 {
			t.Errorf("%s: %d decisions appended after Close too, want 1 in all", c.name, n)
		}
		j.mu.Unlock()
	}
}
