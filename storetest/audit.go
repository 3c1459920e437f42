package storetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
)

// clock returns a Now function that starts at base and moves on by an
// irregular number of nanoseconds per call, so that stored times have
// nanosecond parts with and without trailing zeros.
func clock() func() time.Time {
	var mu sync.Mutex
	steps := []time.Duration{1, 999_999_999, 100_000_000, 7, 1_000_000_000, 123_456_789, 10}
	now, i := base, 0
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(steps[i%len(steps)])
		i++
		return now
	}
}

// record appends n events through an audit.Log and returns the entries.
func record(t *testing.T, s audit.Store, n int) []*audit.Entry {
	t.Helper()
	log := &audit.Log{Store: s, Now: clock()}
	out := make([]*audit.Entry, 0, n)
	for i := range n {
		e, err := log.Record(context.Background(), audit.Event{
			Actor:   "cli",
			Action:  "test.event",
			Target:  fmt.Sprintf("target-%d", i),
			Details: map[string]any{"i": i},
		})
		if err != nil {
			t.Fatalf("Record %d: %v", i, err)
		}
		out = append(out, e)
	}
	return out
}

// AuditStore runs the conformance suite for audit.Store. open must return
// a fresh, empty store for each call and close it when t ends.
func AuditStore(t *testing.T, open func(t *testing.T) audit.Store) {
	t.Helper()
	ctx := context.Background()

	t.Run("Empty", func(t *testing.T) {
		s := open(t)
		head, err := s.AuditHead(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if head != (audit.Head{Seq: 0, Hash: audit.GenesisHash}) {
			t.Errorf("head of an empty log = %+v", head)
		}
		entries, err := s.AuditEntries(ctx, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 0 {
			t.Errorf("empty log has %d entries", len(entries))
		}
		rep, err := audit.Verify(ctx, s, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !rep.Intact() || rep.Entries != 0 {
			t.Errorf("Verify of an empty log = %+v", rep)
		}
	})

	t.Run("RoundTrip", func(t *testing.T) {
		s := open(t)
		log := &audit.Log{Store: s, Now: clock()}
		events := []audit.Event{
			{Actor: "system", Action: "store.open"},
			{Actor: "token:00000000000000aa", Action: "token.create", Target: "ci-bot",
				Details: map[string]any{"role": "viewer", "ttl": "720h"}},
			{Actor: "cli", Action: "screen.address", Target: "0x8589427373d6d84e98730d7795d8f6f8731fda16",
				Details: json.RawMessage(`{"verdict":"block","lists":{"ofac":"2025-03-01","un":null},"score":0.97,"big":123456789012345678901234567890}`)},
			{Actor: "cli", Action: "note", Target: "Zürich ☃ \u2028 \t",
				Details: map[string]string{"html": "<b>&amp;</b>", "quote": `"\` + "\x00"}},
			{Actor: "", Action: "empty.actor", Details: map[string]any{}},
		}
		var want []*audit.Entry
		for _, ev := range events {
			e, err := log.Record(ctx, ev)
			if err != nil {
				t.Fatalf("Record(%s): %v", ev.Action, err)
			}
			want = append(want, e)
		}
		got, err := s.AuditEntries(ctx, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		assertEntries(t, got, want)
		head, err := s.AuditHead(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if last := want[len(want)-1]; head != (audit.Head{Seq: last.Seq, Hash: last.Hash}) {
			t.Errorf("head = %+v, want {%d %s}", head, last.Seq, last.Hash)
		}
		assertIntact(t, s, int64(len(want)))
	})

	t.Run("TimeZonesAndPrecision", func(t *testing.T) {
		s := open(t)
		times := []time.Time{
			base, // +05:30 with nanoseconds
			time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
			time.Date(2025, 1, 1, 0, 0, 0, 100_000_000, time.UTC),
			time.Date(2025, 1, 1, 0, 0, 0, 1, time.FixedZone("", -7*3600)),
			time.Date(1999, 12, 31, 23, 59, 59, 999_999_999, time.UTC),
		}
		var want []*audit.Entry
		for _, tm := range times {
			e, err := s.AppendAudit(ctx, func(_ context.Context, h audit.Head) (*audit.Entry, error) {
				e := &audit.Entry{Seq: h.Seq + 1, Time: tm, Actor: "cli", Action: "tick", PrevHash: h.Hash}
				e.Hash = e.ComputeHash()
				return e, nil
			})
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, e)
		}
		got, err := s.AuditEntries(ctx, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		assertEntries(t, got, want)
		assertIntact(t, s, int64(len(times)))
	})

	t.Run("LargeDetails", func(t *testing.T) {
		s := open(t)
		big := map[string]string{"blob": strings.Repeat("0123456789abcdef", 1<<14)} // 256 KiB
		log := &audit.Log{Store: s, Now: clock()}
		e, err := log.Record(ctx, audit.Event{Actor: "cli", Action: "big", Details: big})
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.AuditEntries(ctx, 0, 1)
		if err != nil {
			t.Fatal(err)
		}
		assertEntries(t, got, []*audit.Entry{e})
	})

	t.Run("Paging", func(t *testing.T) {
		s := open(t)
		all := record(t, s, 25)
		cases := []struct {
			after    int64
			limit    int
			from, to int64 // expected seqs, inclusive; to < from for none
		}{
			{0, 10, 1, 10},
			{10, 10, 11, 20},
			{20, 10, 21, 25},
			{24, 1, 25, 25},
			{25, 10, 1, 0},
			{100, 10, 1, 0},
			{-5, 3, 1, 3},
			{0, 1000, 1, 25},
		}
		for _, c := range cases {
			t.Run(fmt.Sprintf("after=%d,limit=%d", c.after, c.limit), func(t *testing.T) {
				got, err := s.AuditEntries(ctx, c.after, c.limit)
				if err != nil {
					t.Fatal(err)
				}
				var want []*audit.Entry
				if c.to >= c.from {
					want = all[c.from-1 : c.to]
				}
				assertEntries(t, got, want)
			})
		}
		for _, limit := range []int{0, -1} {
			if _, err := s.AuditEntries(ctx, 0, limit); !bulwark.IsCode(err, bulwark.EINVALID) {
				t.Errorf("AuditEntries(limit=%d) = %v, want code %q", limit, err, bulwark.EINVALID)
			}
		}
	})

	t.Run("BuildSeesHead", func(t *testing.T) {
		s := open(t)
		record(t, s, 3)
		want, err := s.AuditHead(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var seen audit.Head
		_, err = s.AppendAudit(ctx, func(_ context.Context, h audit.Head) (*audit.Entry, error) {
			seen = h
			e := &audit.Entry{Seq: h.Seq + 1, Time: base, Action: "x", PrevHash: h.Hash}
			e.Hash = e.ComputeHash()
			return e, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if seen != want {
			t.Errorf("build saw head %+v, want %+v", seen, want)
		}
	})

	t.Run("BuildErrorStoresNothing", func(t *testing.T) {
		s := open(t)
		record(t, s, 2)
		before, err := s.AuditHead(ctx)
		if err != nil {
			t.Fatal(err)
		}
		boom := errors.New("boom")
		e, err := s.AppendAudit(ctx, func(context.Context, audit.Head) (*audit.Entry, error) { return nil, boom })
		if !errors.Is(err, boom) || e != nil {
			t.Fatalf("AppendAudit = %v, %v; want nil, the build error", e, err)
		}
		assertUnchanged(t, s, before)
		// The log goes on where it was.
		more := record(t, s, 1)
		if more[0].Seq != before.Seq+1 || more[0].PrevHash != before.Hash {
			t.Errorf("next entry = seq %d prev %s, want seq %d prev %s", more[0].Seq, more[0].PrevHash, before.Seq+1, before.Hash)
		}
		assertIntact(t, s, 3)
	})

	t.Run("RefusesBrokenEntries", func(t *testing.T) {
		cases := []struct {
			name  string
			build func(h audit.Head) *audit.Entry
		}{
			{"Nil", func(audit.Head) *audit.Entry { return nil }},
			{"SeqSkips", func(h audit.Head) *audit.Entry {
				return sealed(&audit.Entry{Seq: h.Seq + 2, Time: base, Action: "x", PrevHash: h.Hash})
			}},
			{"SeqRepeats", func(h audit.Head) *audit.Entry {
				return sealed(&audit.Entry{Seq: h.Seq, Time: base, Action: "x", PrevHash: h.Hash})
			}},
			{"WrongLink", func(h audit.Head) *audit.Entry {
				return sealed(&audit.Entry{Seq: h.Seq + 1, Time: base, Action: "x", PrevHash: audit.GenesisHash[1:] + "1"})
			}},
			{"WrongHash", func(h audit.Head) *audit.Entry {
				e := sealed(&audit.Entry{Seq: h.Seq + 1, Time: base, Action: "x", PrevHash: h.Hash})
				e.Actor = "changed after hashing"
				return e
			}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				s := open(t)
				record(t, s, 2)
				before, err := s.AuditHead(ctx)
				if err != nil {
					t.Fatal(err)
				}
				e, err := s.AppendAudit(ctx, func(_ context.Context, h audit.Head) (*audit.Entry, error) { return c.build(h), nil })
				if err == nil || e != nil {
					t.Fatalf("AppendAudit = %v, %v; want an error", e, err)
				}
				assertUnchanged(t, s, before)
				assertIntact(t, s, 2)
			})
		}
	})

	t.Run("ConcurrentAppends", func(t *testing.T) {
		s := open(t)
		const workers, each = 8, 25
		log := &audit.Log{Store: s, Now: clock()}
		RecordConcurrently(t, log, workers, each, "test.concurrent")
		assertIntact(t, s, workers*each)
	})

	t.Run("ReadsDuringAppends", func(t *testing.T) {
		s := open(t)
		const n = 150
		done := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() {
			defer close(done)
			log := &audit.Log{Store: s, Now: clock()}
			for i := range n {
				if _, err := log.Record(ctx, audit.Event{Actor: "cli", Action: "test.read", Details: map[string]int{"i": i}}); err != nil {
					t.Errorf("Record: %v", err)
					return
				}
			}
		})
		for range 3 {
			wg.Go(func() {
				var last audit.Head
				for {
					select {
					case <-done:
						return
					default:
					}
					head, err := s.AuditHead(ctx)
					if err != nil {
						t.Errorf("AuditHead: %v", err)
						return
					}
					if head.Seq < last.Seq {
						t.Errorf("head went back from %d to %d", last.Seq, head.Seq)
						return
					}
					last = head
					entries, err := s.AuditEntries(ctx, 0, n+10)
					if err != nil {
						t.Errorf("AuditEntries: %v", err)
						return
					}
					if int64(len(entries)) < head.Seq {
						t.Errorf("read %d entries after a head of %d", len(entries), head.Seq)
						return
					}
					prev := audit.GenesisHash
					for i, e := range entries {
						if e.Seq != int64(i+1) || e.PrevHash != prev {
							t.Errorf("a reader saw a broken chain at seq %d", e.Seq)
							return
						}
						prev = e.Hash
					}
					rep, err := audit.Verify(ctx, s, nil)
					if err != nil {
						t.Errorf("Verify: %v", err)
						return
					}
					if !rep.Intact() {
						t.Errorf("Verify during appends: broken at %d: %s", rep.Broken.Seq, rep.Broken.Reason)
						return
					}
				}
			})
		}
		wg.Wait()
		assertIntact(t, s, n)
	})

	t.Run("VerifySpansPages", func(t *testing.T) {
		if testing.Short() {
			t.Skip("appends over a thousand entries")
		}
		s := open(t)
		const n = 1003 // Verify reads 1000 at a time
		record(t, s, n)
		var pages []int64
		rep, err := audit.Verify(ctx, s, func(checked int64) { pages = append(pages, checked) })
		if err != nil {
			t.Fatal(err)
		}
		if !rep.Intact() || rep.Entries != n {
			t.Fatalf("Verify = %+v", rep)
		}
		if len(pages) != 2 || pages[0] != 1000 || pages[1] != n {
			t.Errorf("progress calls = %v, want [1000 %d]", pages, n)
		}
	})
}

// sealed sets e's hash and returns it.
func sealed(e *audit.Entry) *audit.Entry {
	e.Hash = e.ComputeHash()
	return e
}

func assertUnchanged(t *testing.T, s audit.Store, before audit.Head) {
	t.Helper()
	ctx := context.Background()
	after, err := s.AuditHead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if after != before {
		t.Errorf("head moved from %+v to %+v", before, after)
	}
	entries, err := s.AuditEntries(ctx, before.Seq, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 0 {
		t.Errorf("%d entries stored beyond the head", len(entries))
	}
}

func assertIntact(t *testing.T, s audit.Store, entries int64) {
	t.Helper()
	rep, err := audit.Verify(context.Background(), s, nil)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if !rep.Intact() {
		t.Fatalf("chain broken at %d: %s", rep.Broken.Seq, rep.Broken.Reason)
	}
	if rep.Entries != entries || rep.Head.Seq != entries {
		t.Fatalf("Verify read %d entries up to head %d, want %d", rep.Entries, rep.Head.Seq, entries)
	}
}

// assertEntries compares every field: times exactly and in UTC, details
// byte for byte.
func assertEntries(t *testing.T, got, want []*audit.Entry) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d entries, want %d", len(got), len(want))
	}
	for i, g := range got {
		w := want[i]
		if g.Seq != w.Seq || g.Actor != w.Actor || g.Action != w.Action || g.Target != w.Target ||
			g.PrevHash != w.PrevHash || g.Hash != w.Hash {
			t.Errorf("entry %d = %+v, want %+v", i, g, w)
		}
		if !g.Time.Equal(w.Time) || g.Time.Format(time.RFC3339Nano) != w.Time.UTC().Format(time.RFC3339Nano) {
			t.Errorf("entry %d time = %s, want %s", g.Seq, g.Time.Format(time.RFC3339Nano), w.Time.UTC().Format(time.RFC3339Nano))
		}
		if g.Time.Location() != time.UTC {
			t.Errorf("entry %d time comes back in zone %s, want UTC", g.Seq, g.Time.Location())
		}
		if !bytes.Equal(g.Details, w.Details) {
			t.Errorf("entry %d details = %q, want %q", g.Seq, g.Details, w.Details)
		}
		if h := g.ComputeHash(); h != g.Hash {
			t.Errorf("entry %d reads back with contents hashing to %s, not its hash %s", g.Seq, h, g.Hash)
		}
	}
}

// RecordConcurrently records workers×each events from workers goroutines at
// once and checks that every sequence number from 1 to workers×each was
// handed out exactly once.
func RecordConcurrently(t *testing.T, log *audit.Log, workers, each int, action string) {
	t.Helper()
	ctx := context.Background()
	seqs := make(chan int64, workers*each)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				e, err := log.Record(ctx, audit.Event{Actor: fmt.Sprintf("worker-%d", w), Action: action,
					Details: map[string]int{"i": i}})
				if err != nil {
					t.Errorf("Record: %v", err)
					return
				}
				seqs <- e.Seq
			}
		})
	}
	wg.Wait()
	close(seqs)
	seen := map[int64]bool{}
	for seq := range seqs {
		if seen[seq] {
			t.Errorf("seq %d handed out twice", seq)
		}
		seen[seq] = true
	}
	for seq := int64(1); seq <= int64(workers*each); seq++ {
		if !seen[seq] {
			t.Errorf("seq %d never handed out", seq)
		}
	}
}
