package outbox_test

import (
	"context"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/outbox"
)

// TestBackgroundDeliversOnWake: a started Background delivers a message
// committed after the start once woken, and Stop returns.
func TestBackgroundDeliversOnWake(t *testing.T) {
	t.Parallel()
	store := newMemStore()
	sender := &fakeSender{started: make(chan string, 10)}
	b := outbox.Start(context.Background(), outbox.New(store, sender, outbox.Options{Poll: time.Hour}))
	m, _ := store.Enqueue(context.Background(), "k", 1)
	b.Wake()
	select {
	case k := <-sender.started:
		if k != m.Key() {
			t.Fatalf("sent %s, want %s", k, m.Key())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the woken delivery sent nothing")
	}
	b.Stop()
	if got := store.get(m.ID); got.DeliveredAt == nil {
		t.Errorf("not marked delivered: %+v", got)
	}
	if b.Service() == nil {
		t.Error("no Service")
	}
}

// TestBackgroundDrainEndsWithinGrace: after the stop signal, Drain gives
// up on a receiver that does not answer once the Grace is over, and
// reports the message as undelivered; a nil Background does nothing.
func TestBackgroundDrainEndsWithinGrace(t *testing.T) {
	t.Parallel()
	store := newMemStore()
	m, _ := store.enqueueAt("k", 1, time.Now().Add(time.Hour)) // not due: Run leaves it
	sender := &fakeSender{block: make(chan struct{})}          // a receiver that never answers
	ctx, cancel := context.WithCancel(context.Background())
	b := outbox.Start(ctx, outbox.New(store, sender, outbox.Options{Poll: time.Hour, Grace: 20 * time.Millisecond,
		Now: func() time.Time { return time.Now().Add(2 * time.Hour) }}))
	cancel() // SIGTERM
	if st := b.Drain(context.Background()); st.Pending != 1 {
		t.Fatalf("Drain left %+v, want the message pending", st)
	}
	if got := store.get(m.ID); got.DeliveredAt != nil || got.Attempts != 0 {
		t.Errorf("an attempt cut by the grace is recorded: %+v", got)
	}

	var nilB *outbox.Background
	nilB.Wake()
	nilB.Stop()
	if st := nilB.Drain(context.Background()); st != (outbox.Stats{}) || nilB.Service() != nil {
		t.Errorf("nil Background: %+v", st)
	}
}
