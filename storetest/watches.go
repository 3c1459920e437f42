package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/safe/watch"
)

// WatchListAuditStore is an adapter that holds the serve monitor's watch
// list and the audit log.
type WatchListAuditStore interface {
	watch.ListStore
	audit.Store
}

// WatchListStore runs the conformance suite for watch.ListStore on an
// adapter that also holds the audit log: add, list in order, duplicates,
// removal, and a change made inside audit.Log.Do rolling back with its
// entry. open must return a fresh, empty store closed when t ends.
func WatchListStore(t *testing.T, open func(t *testing.T) WatchListAuditStore) {
	t.Helper()
	ctx := context.Background()
	a, b := common.HexToAddress(safeA), common.HexToAddress(safeB)

	t.Run("AddListRemove", func(t *testing.T) {
		s := open(t)
		if got, err := s.Watches(ctx); err != nil || got == nil || len(got) != 0 {
			t.Fatalf("empty list = %#v, %v", got, err)
		}
		before := time.Now().Add(-time.Second)
		for _, addr := range []common.Address{b, a} {
			w, err := s.AddWatch(ctx, addr, "token:alice")
			if err != nil || w.Safe != addr || w.AddedBy != "token:alice" || w.AddedAt.Before(before) {
				t.Fatalf("AddWatch = %+v, %v", w, err)
			}
		}
		if _, err := s.AddWatch(ctx, a, "token:bob"); bulwark.ErrorCode(err) != bulwark.ECONFLICT {
			t.Errorf("AddWatch(twice) = %v, want ECONFLICT", err)
		}
		if _, err := s.AddWatch(ctx, common.Address{}, "x"); bulwark.ErrorCode(err) != bulwark.EINVALID {
			t.Errorf("AddWatch(zero) = %v, want EINVALID", err)
		}
		got, err := s.Watches(ctx)
		if err != nil || len(got) != 2 || got[0].Safe != b || got[1].Safe != a || got[0].AddedAt.Location() != time.UTC {
			t.Fatalf("Watches = %+v, %v", got, err)
		}
		w, err := s.RemoveWatch(ctx, b)
		if err != nil || w.Safe != b || w.AddedBy != "token:alice" {
			t.Fatalf("RemoveWatch = %+v, %v", w, err)
		}
		if _, err := s.RemoveWatch(ctx, b); bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
			t.Errorf("RemoveWatch(again) = %v, want ENOTFOUND", err)
		}
		if got, _ := s.Watches(ctx); len(got) != 1 || got[0].Safe != a {
			t.Errorf("after removal: %+v", got)
		}
	})

	t.Run("ChangedWithItsAuditEntry", func(t *testing.T) {
		s := open(t)
		log := &audit.Log{Store: s}
		_, err := log.Do(ctx, func(txctx context.Context) (audit.Event, error) {
			if _, err := s.AddWatch(txctx, a, "test"); err != nil {
				return audit.Event{}, err
			}
			if in, _ := s.Watches(txctx); len(in) != 1 {
				t.Errorf("inside the transaction: %+v", in)
			}
			return audit.Event{}, errors.New("boom")
		})
		if err == nil {
			t.Fatal("Do succeeded")
		}
		if got, _ := s.Watches(ctx); len(got) != 0 {
			t.Errorf("kept without its entry: %+v", got)
		}
		if _, err := log.Do(ctx, func(txctx context.Context) (audit.Event, error) {
			_, err := s.AddWatch(txctx, a, "test")
			return audit.Event{Actor: "test", Action: "safe.watch.add", Target: "safe:" + safeA}, err
		}); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Watches(ctx); len(got) != 1 {
			t.Errorf("not kept with its entry: %+v", got)
		}
	})
}
