package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark/safe/watch"
)

// MonitorCursorStore runs the conformance suite for watch.MonitorCursorStore:
// none at first, save, replace (one cursor per store), clear. open must
// return a fresh, empty store closed when t ends.
func MonitorCursorStore(t *testing.T, open func(t *testing.T) watch.MonitorCursorStore) {
	t.Helper()
	ctx := context.Background()

	t.Run("SaveLoadClear", func(t *testing.T) {
		s := open(t)
		if c, ok, err := s.LoadCursor(ctx); err != nil || ok {
			t.Fatalf("empty store: LoadCursor = %+v, %v, %v", c, ok, err)
		}
		if err := s.ClearCursor(ctx); err != nil {
			t.Errorf("ClearCursor(none) = %v", err)
		}
		before := time.Now().Add(-time.Second)
		h1, h2 := common.HexToHash("0x01"), common.HexToHash("0xfeedface")
		if err := s.SaveCursor(ctx, 100, h1); err != nil {
			t.Fatal(err)
		}
		c, ok, err := s.LoadCursor(ctx)
		if err != nil || !ok || c.Block != 100 || c.Hash != h1 || c.UpdatedAt.Before(before) || c.UpdatedAt.Location() != time.UTC {
			t.Fatalf("LoadCursor = %+v, %v, %v", c, ok, err)
		}
		// Replaced, also by a lower block (a reorg rewinds the monitor).
		for _, n := range []uint64{1 << 40, 7} {
			if err := s.SaveCursor(ctx, n, h2); err != nil {
				t.Fatal(err)
			}
			if c, ok, err := s.LoadCursor(ctx); err != nil || !ok || c.Block != n || c.Hash != h2 {
				t.Fatalf("after SaveCursor(%d): %+v, %v, %v", n, c, ok, err)
			}
		}
		if err := s.SaveCursor(ctx, 0, h1); err != nil {
			t.Fatal(err)
		}
		if c, ok, _ := s.LoadCursor(ctx); !ok || c.Block != 0 || c.Hash != h1 {
			t.Errorf("block 0: %+v, %v", c, ok)
		}
		if err := s.ClearCursor(ctx); err != nil {
			t.Fatal(err)
		}
		if c, ok, err := s.LoadCursor(ctx); err != nil || ok {
			t.Errorf("after ClearCursor: %+v, %v, %v", c, ok, err)
		}
	})
}
