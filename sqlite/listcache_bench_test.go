package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/bulwark-sec/bulwark/screening/sources"
	"github.com/bulwark-sec/bulwark/sqlite"
)

// BenchmarkActiveLists reads the active lists of a store holding the
// embedded lists, their list cache up to date: what every command that
// screens and serve at start spend on the lists (the store's rows, the
// cache file read and checked, the binary forms decoded). cpu-ms/op is
// the process's CPU time per read.
func BenchmarkActiveLists(b *testing.B) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bulwark.db"), sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ls, err := sources.Embedded()
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.PutLists(ctx, ls); err != nil {
		b.Fatal(err)
	}
	if _, err := db.ActiveLists(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	cpu0 := processCPU(b)
	for b.Loop() {
		got, err := db.ActiveLists(ctx)
		if err != nil || len(got) != len(ls) {
			b.Fatalf("ActiveLists = %d lists, %v", len(got), err)
		}
	}
	b.ReportMetric(float64((processCPU(b)-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
}
