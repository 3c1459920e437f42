package sqlite_test

import (
	"context"
	"fmt"
	"math/rand/v2"
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

// BenchmarkAuditAppend measures one audit.Log.Record: one IMMEDIATE write
// transaction with an fsync of the WAL (synchronous=FULL).
func BenchmarkAuditAppend(b *testing.B) {
	ev := audit.Event{Actor: "token:00000000000000aa", Action: "screen.address",
		Target:  "0x8589427373d6d84e98730d7795d8f6f8731fda16",
		Details: map[string]any{"verdict": "clear", "lists": map[string]string{"ofac": "2025-03-01", "un": "2025-02-27"}}}
	b.Run("serial", func(b *testing.B) {
		log := &audit.Log{Store: openStore(b)}
		ctx := context.Background()
		for b.Loop() {
			if _, err := log.Record(ctx, ev); err != nil {
				b.Fatal(err)
			}
		}
		reportOps(b)
	})
	b.Run("parallel", func(b *testing.B) {
		log := &audit.Log{Store: openStore(b)}
		ctx := context.Background()
		b.SetParallelism(4) // 4×GOMAXPROCS goroutines, like concurrent API requests
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := log.Record(ctx, ev); err != nil {
					b.Error(err)
					return
				}
			}
		})
		reportOps(b)
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
