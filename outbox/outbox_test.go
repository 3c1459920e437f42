package outbox_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/internal/syncbuf"
	"github.com/bulwark-sec/bulwark/outbox"
)

// memStore is an in-memory outbox.Store.
type memStore struct {
	mu   sync.Mutex
	msgs []outbox.Message
	// marks counts MarkDelivered calls that marked a message.
	marks map[int64]int
}

func newMemStore() *memStore { return &memStore{marks: map[int64]int{}} }

func (s *memStore) Enqueue(_ context.Context, kind string, ref int64) (outbox.Message, error) {
	return s.enqueueAt(kind, ref, time.Now())
}

func (s *memStore) enqueueAt(kind string, ref int64, at time.Time) (outbox.Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.msgs {
		if m.Kind == kind && m.Ref == ref {
			return outbox.Message{}, bulwark.Errorf(bulwark.ECONFLICT, "queued already")
		}
	}
	m := outbox.Message{ID: int64(len(s.msgs) + 1), Kind: kind, Ref: ref, CreatedAt: at.UTC(), NextAttemptAt: at.UTC()}
	s.msgs = append(s.msgs, m)
	return m, nil
}

func (s *memStore) Undelivered(_ context.Context, f outbox.Filter) ([]outbox.Message, error) {
	if f.Limit < 1 {
		return nil, bulwark.Invalid("limit", "below 1")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []outbox.Message{}
	for _, m := range s.msgs {
		if m.DeliveredAt != nil || m.ID <= f.AfterID || (len(f.Kinds) > 0 && !slices.Contains(f.Kinds, m.Kind)) ||
			(!f.DueBy.IsZero() && m.NextAttemptAt.After(f.DueBy)) {
			continue
		}
		if len(out) == f.Limit {
			break
		}
		out = append(out, m)
	}
	return out, nil
}

func (s *memStore) OutboxStats(_ context.Context, kinds []string) (outbox.Stats, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var st outbox.Stats
	for _, m := range s.msgs {
		if m.DeliveredAt != nil || (len(kinds) > 0 && !slices.Contains(kinds, m.Kind)) {
			continue
		}
		st.Pending++
		if m.Attempts > 0 {
			st.Retrying++
		}
		if st.NextAttemptAt.IsZero() || m.NextAttemptAt.Before(st.NextAttemptAt) {
			st.NextAttemptAt = m.NextAttemptAt
		}
		if st.OldestAt.IsZero() || m.CreatedAt.Before(st.OldestAt) {
			st.OldestAt = m.CreatedAt
		}
	}
	return st, nil
}

func (s *memStore) RecordFailure(_ context.Context, id int64, attempts int, next time.Time, lastError string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id < 1 || id > int64(len(s.msgs)) {
		return bulwark.Errorf(bulwark.ENOTFOUND, "no message %d", id)
	}
	m := &s.msgs[id-1]
	if m.DeliveredAt != nil {
		return bulwark.Errorf(bulwark.ECONFLICT, "delivered")
	}
	m.Attempts, m.NextAttemptAt, m.LastError = attempts, next.UTC(), lastError
	return nil
}

func (s *memStore) MarkDelivered(_ context.Context, id int64, attempts int, at time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id < 1 || id > int64(len(s.msgs)) {
		return false, bulwark.Errorf(bulwark.ENOTFOUND, "no message %d", id)
	}
	m := &s.msgs[id-1]
	if m.DeliveredAt != nil {
		return false, nil
	}
	at = at.UTC()
	m.Attempts, m.DeliveredAt, m.LastError = attempts, &at, ""
	s.marks[id]++
	return true, nil
}

func (s *memStore) get(id int64) outbox.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.msgs[id-1]
}

// fakeSender answers each attempt of a message with the next error of its
// script (nil: accepted; past the end: accepted) and records the attempts.
type fakeSender struct {
	mu      sync.Mutex
	script  map[string][]error
	sent    []string // keys, in order
	started chan string
	block   chan struct{} // when not nil, Send waits for it or ctx
}

func (f *fakeSender) Send(ctx context.Context, m outbox.Message) error {
	if f.started != nil {
		f.started <- m.Key()
	}
	if f.block != nil {
		select {
		case <-f.block:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent = append(f.sent, m.Key())
	if s := f.script[m.Key()]; len(s) > 0 {
		f.script[m.Key()] = s[1:]
		return s[0]
	}
	return nil
}

func (f *fakeSender) attempts() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.sent)
}

// clock is a settable time.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

var t0 = time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)

func TestBackoff(t *testing.T) {
	t.Parallel()
	want := []time.Duration{0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900}
	for n, w := range want {
		if got := outbox.Backoff(n, time.Second, 15*time.Minute); got != w*time.Second {
			t.Errorf("Backoff(%d) = %v, want %v", n, got, w*time.Second)
		}
	}
	if got := outbox.Backoff(1000, time.Second, 15*time.Minute); got != 15*time.Minute {
		t.Errorf("Backoff(1000) = %v (overflow?)", got)
	}
}

// TestRetrySchedule follows one message that fails 14 times (past the fast
// attempts) then is accepted, on an injected clock: each failure is
// recorded with the attempt count, the error and the next attempt at the
// backoff (doubling from 1 s, capped at 15 min); nothing is sent before it
// is due; it is delivered and marked once, and never sent again.
func TestRetrySchedule(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newMemStore()
	m, _ := store.enqueueAt("safe.alert", 7, t0)
	const failures = 14
	var script []error
	for i := range failures {
		script = append(script, fmt.Errorf("POST https://hooks.example.com: HTTP 503 (%d)", i+1))
	}
	sender := &fakeSender{script: map[string][]error{m.Key(): script}}
	clk := &clock{t: t0}
	var logs bytes.Buffer
	svc := outbox.New(store, sender, outbox.Options{Now: clk.Now, Logger: slog.New(slog.NewTextHandler(&logs, nil))})

	now := t0
	for attempt := 1; attempt <= failures+1; attempt++ {
		res, err := svc.DeliverDue(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got := store.get(m.ID)
		if attempt <= failures {
			wait := outbox.Backoff(attempt, outbox.DefaultBackoffBase, outbox.DefaultBackoffMax)
			if res != (outbox.Result{Failed: 1}) || got.Attempts != attempt || !got.NextAttemptAt.Equal(now.Add(wait)) ||
				got.LastError != fmt.Sprintf("POST https://hooks.example.com: HTTP 503 (%d)", attempt) || got.DeliveredAt != nil {
				t.Fatalf("attempt %d: %+v, %+v; want the next at +%v", attempt, res, got, wait)
			}
			// Not due yet: nothing is sent.
			clk.Set(got.NextAttemptAt.Add(-time.Nanosecond))
			if res, err := svc.DeliverDue(ctx); err != nil || res != (outbox.Result{}) || len(sender.attempts()) != attempt {
				t.Fatalf("before its next attempt: %+v, %v, %d sent", res, err, len(sender.attempts()))
			}
			now = got.NextAttemptAt
			clk.Set(now)
			continue
		}
		if res != (outbox.Result{Delivered: 1}) || got.Attempts != failures+1 || got.DeliveredAt == nil || !got.DeliveredAt.Equal(now) || got.LastError != "" {
			t.Fatalf("the last attempt: %+v, %+v", res, got)
		}
	}
	clk.Set(now.Add(24 * time.Hour))
	if res, err := svc.DeliverDue(ctx); err != nil || res != (outbox.Result{}) {
		t.Fatalf("after the delivery: %+v, %v", res, err)
	}
	if n := len(sender.attempts()); n != failures+1 || store.marks[m.ID] != 1 {
		t.Errorf("%d attempts, marked %d times; want %d and 1", n, store.marks[m.ID], failures+1)
	}
	if c := strings.Count(logs.String(), "level=WARN"); c != 1 || !strings.Contains(logs.String(), "message=safe.alert:7 attempts=5") {
		t.Errorf("want one warning, at the fifth failed attempt:\n%s", logs.String())
	}
}

// TestFailureKinds: a permanent failure waits the capped backoff, a
// Retry-After longer than the backoff is honoured (up to the cap).
func TestFailureKinds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		wait time.Duration
	}{
		{"transient", errors.New("connection refused"), time.Second},
		{"permanent", &outbox.SendError{Err: errors.New("HTTP 400"), Permanent: true}, 15 * time.Minute},
		{"retry after", &outbox.SendError{Err: errors.New("HTTP 429"), RetryAfter: 2 * time.Minute}, 2 * time.Minute},
		{"retry after beyond the cap", &outbox.SendError{Err: errors.New("HTTP 503"), RetryAfter: 24 * time.Hour}, 15 * time.Minute},
		{"retry after shorter than the backoff", &outbox.SendError{Err: errors.New("HTTP 503"), RetryAfter: time.Millisecond}, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			store := newMemStore()
			m, _ := store.enqueueAt("k", 1, t0)
			svc := outbox.New(store, &fakeSender{script: map[string][]error{m.Key(): {tt.err}}}, outbox.Options{Now: (&clock{t: t0}).Now})
			if res, err := svc.DeliverDue(context.Background()); err != nil || res.Failed != 1 {
				t.Fatalf("DeliverDue = %+v, %v", res, err)
			}
			if got := store.get(m.ID); !got.NextAttemptAt.Equal(t0.Add(tt.wait)) || got.LastError != tt.err.Error() {
				t.Errorf("next attempt at +%v (%q), want +%v", got.NextAttemptAt.Sub(t0), got.LastError, tt.wait)
			}
		})
	}
}

// TestPassOrderAndKinds: a pass sends every due message of its kinds once,
// in ID order, a failing one not holding up the others; other kinds and
// messages not due are left alone.
func TestPassOrderAndKinds(t *testing.T) {
	t.Parallel()
	store := newMemStore()
	for i, k := range []string{"a", "b", "a", "c", "a"} {
		store.enqueueAt(k, int64(i+1), t0)
	}
	store.RecordFailure(context.Background(), 5, 3, t0.Add(time.Minute), "earlier")
	sender := &fakeSender{script: map[string][]error{"a:1": {errors.New("down")}}}
	svc := outbox.New(store, sender, outbox.Options{Kinds: []string{"a", "b"}, Batch: 2, Now: (&clock{t: t0}).Now})
	res, err := svc.DeliverDue(context.Background())
	if err != nil || res != (outbox.Result{Delivered: 2, Failed: 1}) {
		t.Fatalf("DeliverDue = %+v, %v", res, err)
	}
	if got := sender.attempts(); !slices.Equal(got, []string{"a:1", "b:2", "a:3"}) {
		t.Errorf("sent %v, want a:1 b:2 a:3 (c is another's kind, a:5 not due)", got)
	}
	if st, _ := svc.Stats(context.Background()); st.Pending != 2 || st.Retrying != 2 {
		t.Errorf("Stats = %+v, want a:1 and a:5 pending, both retrying", st)
	}
}

// TestCutAttemptNotCounted: an attempt cut short by the end of the context
// is not recorded; the message stays due as it was.
func TestCutAttemptNotCounted(t *testing.T) {
	t.Parallel()
	store := newMemStore()
	m, _ := store.enqueueAt("k", 1, t0)
	sender := &fakeSender{started: make(chan string, 1), block: make(chan struct{})}
	svc := outbox.New(store, sender, outbox.Options{Now: (&clock{t: t0}).Now})
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-sender.started; cancel() }()
	if _, err := svc.DeliverDue(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("DeliverDue = %v, want canceled", err)
	}
	if got := store.get(m.ID); got.Attempts != 0 || got.DeliveredAt != nil || !got.NextAttemptAt.Equal(t0) || got.LastError != "" {
		t.Errorf("after a cut attempt: %+v", got)
	}
}

// TestMarkedOnce: a message another process delivered meanwhile is not
// marked again, and its state is kept.
func TestMarkedOnce(t *testing.T) {
	t.Parallel()
	store := newMemStore()
	m, _ := store.enqueueAt("k", 1, t0)
	other := &raceStore{memStore: store}
	svc := outbox.New(other, &fakeSender{}, outbox.Options{Now: (&clock{t: t0.Add(time.Hour)}).Now})
	if res, err := svc.DeliverDue(context.Background()); err != nil || res.Delivered != 1 {
		t.Fatalf("DeliverDue = %+v, %v", res, err)
	}
	if got := store.get(m.ID); store.marks[m.ID] != 1 || got.Attempts != 9 || !got.DeliveredAt.Equal(t0) {
		t.Errorf("message %+v marked %d times, want the other process's mark only", got, store.marks[m.ID])
	}
}

// raceStore marks every message delivered by "another process" just
// before the Service records its attempt.
type raceStore struct{ *memStore }

func (r *raceStore) MarkDelivered(ctx context.Context, id int64, attempts int, at time.Time) (bool, error) {
	r.memStore.MarkDelivered(ctx, id, 9, t0)
	return r.memStore.MarkDelivered(ctx, id, attempts, at)
}

func (r *raceStore) RecordFailure(ctx context.Context, id int64, attempts int, next time.Time, lastError string) error {
	r.memStore.MarkDelivered(ctx, id, 9, t0)
	return r.memStore.RecordFailure(ctx, id, attempts, next, lastError)
}

// TestFailedWhileDeliveredElsewhere: a failed attempt of a message another
// process delivered meanwhile changes nothing and does not stop the pass.
func TestFailedWhileDeliveredElsewhere(t *testing.T) {
	t.Parallel()
	store := newMemStore()
	a, _ := store.enqueueAt("k", 1, t0)
	b, _ := store.enqueueAt("k", 2, t0)
	sender := &fakeSender{script: map[string][]error{a.Key(): {errors.New("503")}}}
	svc := outbox.New(&raceStore{memStore: store}, sender, outbox.Options{Now: (&clock{t: t0.Add(time.Hour)}).Now})
	if _, err := svc.DeliverDue(context.Background()); err != nil {
		t.Fatalf("DeliverDue = %v", err)
	}
	if got := store.get(a.ID); got.Attempts != 9 || got.LastError != "" || !got.DeliveredAt.Equal(t0) {
		t.Errorf("message a %+v, want the other process's delivery", got)
	}
	if got := sender.attempts(); !slices.Equal(got, []string{"k:1", "k:2"}) || store.get(b.ID).DeliveredAt == nil {
		t.Errorf("sent %v; message b %+v", got, store.get(b.ID))
	}
}

// TestRunNeverBlocksTheProducer: with the receiver hanging on the first
// message, a producer keeps committing and waking the Service without ever
// waiting; once the receiver answers, everything is delivered, in order,
// once each, and Run stops when its context ends.
func TestRunNeverBlocksTheProducer(t *testing.T) {
	t.Parallel()
	store := newMemStore()
	store.enqueueAt("k", 1, time.Now()) // left by an earlier process: the start sweep finds it
	sender := &fakeSender{started: make(chan string, 1000), block: make(chan struct{})}
	svc := outbox.New(store, sender, outbox.Options{Poll: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); svc.Run(ctx) }()
	if k := <-sender.started; k != "k:1" {
		t.Fatalf("first attempt %s, want the swept k:1", k)
	}
	// The receiver hangs on k:1; the producer goes on.
	const produced = 500
	for i := 2; i <= produced+1; i++ {
		if _, err := store.Enqueue(ctx, "k", int64(i)); err != nil {
			t.Fatal(err)
		}
		svc.Wake()
	}
	if n := len(sender.attempts()); n != 0 {
		t.Fatalf("%d attempts finished while the receiver hung", n)
	}
	close(sender.block)
	for i := 2; i <= produced+1; i++ {
		if k := <-sender.started; k != fmt.Sprintf("k:%d", i) {
			t.Fatalf("attempt %s, want k:%d", k, i)
		}
	}
	cancel()
	<-done
	sent := sender.attempts()
	if len(sent) != produced+1 {
		t.Errorf("%d attempts, want %d", len(sent), produced+1)
	}
	for id := int64(1); id <= produced+1; id++ {
		if store.get(id).DeliveredAt == nil || store.marks[id] != 1 {
			t.Errorf("message %d: %+v, marked %d times", id, store.get(id), store.marks[id])
		}
	}
}

// TestRunGraceOnStop: an attempt in flight when Run's context ends may
// finish within Grace, and its outcome is recorded.
func TestRunGraceOnStop(t *testing.T) {
	t.Parallel()
	store := newMemStore()
	m, _ := store.enqueueAt("k", 1, time.Now())
	sender := &fakeSender{started: make(chan string, 1), block: make(chan struct{})}
	svc := outbox.New(store, sender, outbox.Options{Poll: time.Hour, Grace: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); svc.Run(ctx) }()
	<-sender.started
	cancel()
	close(sender.block) // the receiver answers after the stop signal
	<-done
	if got := store.get(m.ID); got.DeliveredAt == nil || got.Attempts != 1 {
		t.Errorf("an attempt finished within the grace is not recorded: %+v", got)
	}
}

// TestDrain: a command about to exit waits for the fast retries of what it
// raised, but not for a message past them.
func TestDrain(t *testing.T) {
	t.Parallel()
	store := newMemStore()
	store.enqueueAt("k", 1, time.Now())
	store.enqueueAt("k", 2, time.Now())
	store.RecordFailure(context.Background(), 2, 9, time.Now().Add(time.Hour), "down for a while")
	sender := &fakeSender{script: map[string][]error{"k:1": {errors.New("503"), errors.New("503")}}}
	svc := outbox.New(store, sender, outbox.Options{BackoffBase: time.Millisecond, BackoffMax: time.Hour})
	st, err := svc.Drain(context.Background())
	if err != nil || st.Pending != 1 || store.get(1).DeliveredAt == nil || store.get(1).Attempts != 3 {
		t.Fatalf("Drain = %+v, %v; message 1 %+v", st, err, store.get(1))
	}
	if got := sender.attempts(); !slices.Equal(got, []string{"k:1", "k:1", "k:1"}) {
		t.Errorf("sent %v, want k:1 three times and k:2 (due in an hour) never", got)
	}
}

// flakyStore fails its first reads, as a locked or briefly unavailable
// store would.
type flakyStore struct {
	*memStore
	mu    sync.Mutex
	fails int
}

func (f *flakyStore) Undelivered(ctx context.Context, flt outbox.Filter) ([]outbox.Message, error) {
	f.mu.Lock()
	fail := f.fails > 0
	f.fails--
	f.mu.Unlock()
	if fail {
		return nil, bulwark.Errorf(bulwark.EUNAVAILABLE, "the store is locked by another process")
	}
	return f.memStore.Undelivered(ctx, flt)
}

// TestRunPollsAndSurvivesStoreFailures: Run finds a message another
// process committed (no Wake) within Poll, and a store that fails at first
// is logged and retried, not given up on.
func TestRunPollsAndSurvivesStoreFailures(t *testing.T) {
	t.Parallel()
	store := &flakyStore{memStore: newMemStore(), fails: 1}
	sender := &fakeSender{started: make(chan string, 10)}
	var logs syncbuf.Buffer
	svc := outbox.New(store, sender, outbox.Options{Poll: 10 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); svc.Run(ctx) }()
	store.enqueueAt("k", 1, time.Now()) // by "another process": nobody wakes the Service
	if k := <-sender.started; k != "k:1" {
		t.Fatalf("sent %s", k)
	}
	cancel()
	<-done
	if store.get(1).DeliveredAt == nil {
		t.Errorf("not recorded delivered: %+v", store.get(1))
	}
	if !strings.Contains(logs.String(), "outbox: cannot deliver") || !strings.Contains(logs.String(), "locked by another process") {
		t.Errorf("the store failure is not logged:\n%s", logs.String())
	}
}
