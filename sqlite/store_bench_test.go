package sqlite_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/auth"
	"github.com/bulwark-sec/bulwark/sqlite"
)

// reportOps adds an ops/s figure, the unit docs/benchmarks.md uses.
func reportOps(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

// commitModes are the two ways AppendAudit can commit: group commit (the
// default) and one transaction per append (Options.NoGroupCommit, kept
// for this comparison).
var commitModes = []struct {
	name    string
	noGroup bool
}{{"group", false}, {"nogroup", true}}

// appendLoads are the callers: one at a time, and b.RunParallel with
// SetParallelism(16) and (64), i.e. 16 and 64 goroutines per GOMAXPROCS,
// like many concurrent API requests or screening decisions.
var appendLoads = []struct {
	name        string
	parallelism int // 0: serial
}{{"serial", 0}, {"parallel16", 16}, {"parallel64", 64}}

// benchAppends runs op under every load and commit mode, on a fresh store
// for each, and reports ops/s and appends per commit.
func benchAppends(b *testing.B, op func(ctx context.Context, db *sqlite.DB) error) {
	for _, load := range appendLoads {
		b.Run(load.name, func(b *testing.B) {
			for _, mode := range commitModes {
				b.Run(mode.name, func(b *testing.B) {
					db, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "bulwark.db"), sqlite.Options{NoGroupCommit: mode.noGroup})
					if err != nil {
						b.Fatal(err)
					}
					defer db.Close()
					ctx := context.Background()
					before := db.Stats()
					if load.parallelism == 0 {
						for b.Loop() {
							if err := op(ctx, db); err != nil {
								b.Fatal(err)
							}
						}
					} else {
						b.SetParallelism(load.parallelism)
						b.RunParallel(func(pb *testing.PB) {
							for pb.Next() {
								if err := op(ctx, db); err != nil {
									b.Error(err)
									return
								}
							}
						})
					}
					reportOps(b)
					after := db.Stats()
					if c := after.Commits - before.Commits; c > 0 {
						b.ReportMetric(float64(after.Appends-before.Appends)/float64(c), "appends/commit")
					}
				})
			}
		})
	}
}

// BenchmarkAuditAppend measures one audit.Log.Record of a typical event.
// Without group commit it is one IMMEDIATE write transaction with an fsync
// of the WAL (synchronous=FULL); with it, the appends queued while one
// batch commits share the next transaction and its fsync.
func BenchmarkAuditAppend(b *testing.B) {
	ev := audit.Event{Actor: "token:00000000000000aa", Action: "screen.address",
		Target:  "0x8589427373d6d84e98730d7795d8f6f8731fda16",
		Details: map[string]any{"verdict": "clear", "lists": map[string]string{"ofac": "2025-03-01", "un": "2025-02-27"}}}
	benchAppends(b, func(ctx context.Context, db *sqlite.DB) error {
		_, err := (&audit.Log{Store: db}).Record(ctx, ev)
		return err
	})
}

// BenchmarkAuditDo measures an audited change the way the API makes one:
// audit.Log.Do creating an API token (a new name each time) and recording
// it, the token INSERT and the audit append in one transaction.
func BenchmarkAuditDo(b *testing.B) {
	var n atomic.Int64
	benchAppends(b, func(ctx context.Context, db *sqlite.DB) error {
		log, tokens := &audit.Log{Store: db}, &auth.Service{Store: db}
		_, err := log.Do(ctx, func(txctx context.Context) (audit.Event, error) {
			_, tok, err := tokens.Create(txctx, "bench-"+strconv.FormatInt(n.Add(1), 10), auth.RoleViewer,
				auth.CreateOptions{CreatedBy: "token:00000000000000aa", TTL: time.Hour})
			if err != nil {
				return audit.Event{}, err
			}
			return audit.Event{Actor: "token:00000000000000aa", Action: "token.create", Target: "token:" + tok.ID,
				Details: map[string]any{"name": tok.Name, "role": tok.Role}}, nil
		})
		return err
	})
}

// BenchmarkTokenByID measures the lookup every authenticated request makes,
// from parallel goroutines over a store of 1000 tokens.
func BenchmarkTokenByID(b *testing.B) {
	db := openStore(b)
	ctx := context.Background()
	const n = 1000
	ids := make([]string, n)
	for i := range n {
		ids[i] = fmt.Sprintf("%016x", i+1)
		exp := time.Now().Add(time.Hour)
		if err := db.CreateToken(ctx, &auth.Token{ID: ids[i], Name: fmt.Sprintf("token-%d", i), Role: auth.RoleAnalyst,
			Hash: auth.HashToken(ids[i]), CreatedAt: time.Now(), CreatedBy: "bench", ExpiresAt: &exp}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := db.TokenByID(ctx, ids[rand.IntN(n)]); err != nil {
				b.Error(err)
				return
			}
		}
	})
	reportOps(b)
}

// BenchmarkAuditEntriesPage reads a page of 100 entries at a random place
// in a 10 000-entry log, as the audit listing and Verify do.
func BenchmarkAuditEntriesPage(b *testing.B) {
	db := openStore(b)
	ctx := context.Background()
	const n, page = 10_000, 100
	now := time.Now()
	details := []byte(`{"verdict":"clear","lists":{"ofac":"2025-03-01","un":"2025-02-27"}}`)
	for i := range n {
		_, err := db.AppendAudit(ctx, func(_ context.Context, h audit.Head) (*audit.Entry, error) {
			e := &audit.Entry{Seq: h.Seq + 1, Time: now.Add(time.Duration(i) * time.Millisecond), Actor: "cli",
				Action: "screen.address", Target: fmt.Sprintf("0x%040x", i), Details: details, PrevHash: h.Hash}
			e.Hash = e.ComputeHash()
			return e, nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		entries, err := db.AuditEntries(ctx, rand.Int64N(n-page), page)
		if err != nil || len(entries) != page {
			b.Fatalf("%d entries, %v", len(entries), err)
		}
	}
	reportOps(b)
}

// BenchmarkOpen measures opening an existing store and closing it again,
// which every CLI command pays once.
func BenchmarkOpen(b *testing.B) {
	path := openStore(b).Path()
	ctx := context.Background()
	for b.Loop() {
		db, err := sqlite.Open(ctx, path, sqlite.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if err := db.Close(); err != nil {
			b.Fatal(err)
		}
	}
	reportOps(b)
}
