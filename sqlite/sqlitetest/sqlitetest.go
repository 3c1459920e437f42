// Package sqlitetest gives tests new, empty SQLite stores without paying
// for the migrations each time: they run once per test binary, into a
// template store, and every new store is a copy of its file. Under the
// race detector applying the migrations (table rebuilds that re-parse the
// schema) costs far more than anything most tests then do.
//
// Tests about creating or migrating a store open one with [sqlite.Open]
// on a path of their own instead.
package sqlitetest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/bulwark-sec/bulwark/sqlite"
)

var template struct {
	once sync.Once
	file []byte
	err  error
}

// migrated returns the file of an empty store with every migration
// applied, made once per test binary.
func migrated() ([]byte, error) {
	template.once.Do(func() {
		dir, err := os.MkdirTemp("", "bulwark-store-template-")
		if err != nil {
			template.err = err
			return
		}
		defer os.RemoveAll(dir)
		path := filepath.Join(dir, "bulwark.db")
		db, err := sqlite.Open(context.Background(), path, sqlite.Options{})
		if err != nil {
			template.err = err
			return
		}
		if err := db.Close(); err != nil {
			template.err = err
			return
		}
		// Closing the last connection checkpoints the WAL into the file
		// and removes it: the file alone is the store.
		if fi, err := os.Stat(path + "-wal"); err == nil && fi.Size() > 0 {
			template.err = fmt.Errorf("the template store's WAL was not checkpointed on close (%d bytes left)", fi.Size())
			return
		}
		template.file, template.err = os.ReadFile(path)
	})
	return template.file, template.err
}

// NewFile writes a new empty, migrated store into tb.TempDir() and
// returns its path.
func NewFile(tb testing.TB) string {
	tb.Helper()
	file, err := migrated()
	if err != nil {
		tb.Fatalf("sqlitetest: making the template store: %v", err)
	}
	path := filepath.Join(tb.TempDir(), "bulwark.db")
	if err := os.WriteFile(path, file, 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// Open opens a new empty store (see [NewFile]) with opt, closed when tb
// ends.
func Open(tb testing.TB, opt sqlite.Options) *sqlite.DB {
	tb.Helper()
	path := NewFile(tb)
	db, err := sqlite.Open(context.Background(), path, opt)
	if err != nil {
		tb.Fatalf("open store %s: %v", path, err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Errorf("close store %s: %v", path, err)
		}
	})
	return db
}
