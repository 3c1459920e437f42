package sqlite_test

import (
	"context"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
)

// TestNestedAppendIsRefused: appending from inside an append would wait for
// the writer it holds; the store refuses instead of hanging.
func TestNestedAppendIsRefused(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db := openStore(t)
	log := &audit.Log{Store: db}
	_, err := log.Do(ctx, func(txctx context.Context) (audit.Event, error) {
		_, err := log.Record(txctx, audit.Event{Action: "inner"})
		return audit.Event{Action: "outer"}, err
	})
	if bulwark.ErrorCode(err) != bulwark.EINTERNAL {
		t.Fatalf("nested append = %v, want an internal error", err)
	}
	if head, _ := db.AuditHead(ctx); head.Seq != 0 {
		t.Fatalf("head = %d after a refused nested append", head.Seq)
	}
}
