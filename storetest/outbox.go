package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/outbox"
)

// OutboxAuditStore is an adapter that holds the outbox and the audit log.
type OutboxAuditStore interface {
	outbox.Store
	audit.Store
}

// messageOf returns the undelivered outbox message of alert ref of kind,
// failing t when there is none.
func messageOf(t *testing.T, s outbox.Store, kind string, ref int64) outbox.Message {
	t.Helper()
	ms, err := s.Undelivered(context.Background(), outbox.Filter{Kinds: []string{kind}, Limit: 10000})
	if err != nil {
		t.Fatalf("Undelivered: %v", err)
	}
	for _, m := range ms {
		if m.Ref == ref {
			return m
		}
	}
	t.Fatalf("no undelivered outbox message for %s %d in %+v", kind, ref, ms)
	return outbox.Message{}
}

// Outbox runs the conformance suite for outbox.Store: messages queued
// (joining the audit transaction), selected by kind, due time and page,
// failed attempts recorded, delivered marked once, and the counts.
// open must return a fresh, empty store closed when t ends.
func Outbox(t *testing.T, open func(t *testing.T) OutboxAuditStore) {
	t.Helper()
	ctx := context.Background()
	const kindA, kindB = "test.a", "test.b"

	t.Run("EnqueueAndRead", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		if st, err := s.OutboxStats(ctx, nil); err != nil || st != (outbox.Stats{}) {
			t.Fatalf("OutboxStats(empty) = %+v, %v", st, err)
		}
		if ms, err := s.Undelivered(ctx, outbox.Filter{Limit: 10}); err != nil || ms == nil || len(ms) != 0 {
			t.Fatalf("Undelivered(empty) = %#v, %v, want an empty slice", ms, err)
		}
		before := time.Now().Add(-time.Second)
		var want []outbox.Message
		for i, k := range []string{kindA, kindB, kindA} {
			m, err := s.Enqueue(ctx, k, int64(10+i))
			if err != nil {
				t.Fatalf("Enqueue: %v", err)
			}
			if len(want) > 0 && m.ID <= want[len(want)-1].ID {
				t.Fatalf("ids not increasing: %d after %d", m.ID, want[len(want)-1].ID)
			}
			if m.Kind != k || m.Ref != int64(10+i) || m.Attempts != 0 || m.DeliveredAt != nil || m.LastError != "" ||
				m.CreatedAt.Location() != time.UTC || m.CreatedAt.Before(before) || !m.NextAttemptAt.Equal(m.CreatedAt) {
				t.Errorf("Enqueue = %+v", m)
			}
			want = append(want, m)
		}
		if _, err := s.Enqueue(ctx, kindA, 10); bulwark.ErrorCode(err) != bulwark.ECONFLICT {
			t.Errorf("Enqueue(same alert) = %v, want ECONFLICT", err)
		}
		if _, err := s.Enqueue(ctx, kindB, 10); err != nil {
			t.Errorf("Enqueue(same id, other kind) = %v", err)
		}
		all, err := s.Undelivered(ctx, outbox.Filter{Limit: 10})
		if err != nil || len(all) != 4 {
			t.Fatalf("Undelivered = %+v, %v", all, err)
		}
		for i, w := range want {
			g := all[i]
			if g.ID != w.ID || g.Kind != w.Kind || g.Ref != w.Ref || !g.CreatedAt.Equal(w.CreatedAt) || g.CreatedAt.Location() != time.UTC {
				t.Errorf("message %d = %+v, want %+v", i, g, w)
			}
		}
		tests := []struct {
			name string
			f    outbox.Filter
			want []int64 // refs
		}{
			{"one kind", outbox.Filter{Kinds: []string{kindA}, Limit: 10}, []int64{10, 12}},
			{"two kinds", outbox.Filter{Kinds: []string{kindA, kindB}, Limit: 10}, []int64{10, 11, 12, 10}},
			{"unknown kind", outbox.Filter{Kinds: []string{"nope"}, Limit: 10}, nil},
			{"after", outbox.Filter{AfterID: want[0].ID, Limit: 10}, []int64{11, 12, 10}},
			{"limit", outbox.Filter{Limit: 2}, []int64{10, 11}},
			{"due now", outbox.Filter{DueBy: time.Now().Add(time.Second), Limit: 10}, []int64{10, 11, 12, 10}},
			{"due before any", outbox.Filter{DueBy: before, Limit: 10}, nil},
		}
		for _, tt := range tests {
			ms, err := s.Undelivered(ctx, tt.f)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			var refs []int64
			for _, m := range ms {
				refs = append(refs, m.Ref)
			}
			if len(refs) != len(tt.want) || (len(refs) > 0 && !equalInts(refs, tt.want)) {
				t.Errorf("%s: refs %v, want %v", tt.name, refs, tt.want)
			}
		}
		for _, limit := range []int{0, -1} {
			if _, err := s.Undelivered(ctx, outbox.Filter{Limit: limit}); bulwark.ErrorCode(err) != bulwark.EINVALID {
				t.Errorf("Undelivered(limit %d) = %v, want EINVALID", limit, err)
			}
		}
	})

	t.Run("Attempts", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		a, err := s.Enqueue(ctx, kindA, 1)
		if err != nil {
			t.Fatal(err)
		}
		b, err := s.Enqueue(ctx, kindB, 1)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC()
		next := now.Add(90*time.Second + 123456789) // to the nanosecond
		if err := s.RecordFailure(ctx, a.ID, 1, next, "POST https://hooks.example.com/…: HTTP 503 Service Unavailable"); err != nil {
			t.Fatal(err)
		}
		due, err := s.Undelivered(ctx, outbox.Filter{DueBy: now.Add(time.Second), Limit: 10})
		if err != nil || len(due) != 1 || due[0].ID != b.ID {
			t.Fatalf("due now = %+v, %v, want only %d (the other waits for its retry)", due, err, b.ID)
		}
		later, err := s.Undelivered(ctx, outbox.Filter{DueBy: next, Limit: 10})
		if err != nil || len(later) != 2 {
			t.Fatalf("due at the retry = %+v, %v", later, err)
		}
		g := later[0]
		if g.ID != a.ID || g.Attempts != 1 || !g.NextAttemptAt.Equal(next) || g.NextAttemptAt.Location() != time.UTC ||
			g.LastError != "POST https://hooks.example.com/…: HTTP 503 Service Unavailable" || g.DeliveredAt != nil {
			t.Errorf("after a failure: %+v", g)
		}
		st, err := s.OutboxStats(ctx, nil)
		if err != nil || st.Pending != 2 || st.Retrying != 1 || !st.NextAttemptAt.Equal(b.NextAttemptAt) || !st.OldestAt.Equal(a.CreatedAt) {
			t.Errorf("OutboxStats = %+v, %v", st, err)
		}
		if st, err := s.OutboxStats(ctx, []string{kindA}); err != nil || st.Pending != 1 || st.Retrying != 1 || !st.NextAttemptAt.Equal(next) {
			t.Errorf("OutboxStats(kind a) = %+v, %v", st, err)
		}

		at := now.Add(2 * time.Minute)
		first, err := s.MarkDelivered(ctx, a.ID, 2, at)
		if err != nil || !first {
			t.Fatalf("MarkDelivered = %v, %v", first, err)
		}
		again, err := s.MarkDelivered(ctx, a.ID, 3, at.Add(time.Hour))
		if err != nil || again {
			t.Errorf("MarkDelivered(again) = %v, %v, want false", again, err)
		}
		if err := s.RecordFailure(ctx, a.ID, 4, next, "late"); bulwark.ErrorCode(err) != bulwark.ECONFLICT {
			t.Errorf("RecordFailure(delivered) = %v, want ECONFLICT", err)
		}
		left, err := s.Undelivered(ctx, outbox.Filter{Limit: 10})
		if err != nil || len(left) != 1 || left[0].ID != b.ID {
			t.Errorf("Undelivered after a delivery = %+v, %v", left, err)
		}
		if st, err := s.OutboxStats(ctx, nil); err != nil || st.Pending != 1 || st.Retrying != 0 {
			t.Errorf("OutboxStats after a delivery = %+v, %v", st, err)
		}
		if _, err := s.MarkDelivered(ctx, b.ID+100, 1, at); bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
			t.Errorf("MarkDelivered(missing) = %v, want ENOTFOUND", err)
		}
		if err := s.RecordFailure(ctx, b.ID+100, 1, next, "x"); bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
			t.Errorf("RecordFailure(missing) = %v, want ENOTFOUND", err)
		}
	})

	t.Run("QueuedWithItsAuditEntry", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		log := &audit.Log{Store: s}
		boom := errors.New("boom")
		for i, fail := range []error{boom, nil} {
			_, err := log.Do(ctx, func(txctx context.Context) (audit.Event, error) {
				if _, err := s.Enqueue(txctx, kindA, int64(i+1)); err != nil {
					return audit.Event{}, err
				}
				return audit.Event{Actor: "test", Action: "test.alert", Target: "x"}, fail
			})
			if (err == nil) != (fail == nil) {
				t.Fatalf("Do = %v", err)
			}
		}
		ms, err := s.Undelivered(ctx, outbox.Filter{Limit: 10})
		if err != nil || len(ms) != 1 || ms[0].Ref != 2 {
			t.Errorf("Undelivered = %+v, %v, want only the committed message", ms, err)
		}
	})
}

func equalInts(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
