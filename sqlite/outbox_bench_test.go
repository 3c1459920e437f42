package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/outbox"
	"github.com/bulwark-sec/bulwark/safe/onchain"
	"github.com/bulwark-sec/bulwark/safe/policy"
	"github.com/bulwark-sec/bulwark/safe/watch"
	"github.com/bulwark-sec/bulwark/sqlite"
)

// BenchmarkAlertRecord measures what the Safe monitor does with an alert:
// audit.Log.Do storing the alert, its outbox message and its audit entry in
// one transaction (compare BenchmarkAuditDo, a token and its entry).
func BenchmarkAlertRecord(b *testing.B) {
	a := watch.Alert{Block: 21895238, BlockHash: "0xabababababababababababababababababababababababababababababababab",
		Safe: "0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4", Code: policy.CodeThresholdChange, Severity: policy.SeverityHigh,
		Message: "threshold changed from 2 to 3", Kind: onchain.ChangeThreshold, Before: "2", After: "3"}
	benchAppends(b, func(ctx context.Context, db *sqlite.DB) error {
		_, err := (&audit.Log{Store: db}).Do(ctx, func(txctx context.Context) (audit.Event, error) {
			id, err := db.SaveAlert(txctx, a)
			return audit.Event{Actor: "system:monitor", Action: "safe.watch.alert", Target: a.Safe,
				Details: map[string]any{"alertId": id, "code": a.Code}}, err
		})
		return err
	})
}

type nopSender struct{}

func (nopSender) Send(context.Context, outbox.Message) error { return nil }

// BenchmarkOutboxDeliver measures the outbox service's own cost per
// delivery on SQLite, with a sender that accepts at once: reading the due
// messages a page at a time and recording each delivery (one committed
// write each).
func BenchmarkOutboxDeliver(b *testing.B) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bulwark.db"), sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	for i := range b.N {
		if _, err := db.Enqueue(ctx, "bench.alert", int64(i+1)); err != nil {
			b.Fatal(err)
		}
	}
	svc := outbox.New(db, nopSender{}, outbox.Options{})
	b.ResetTimer()
	res, err := svc.DeliverDue(ctx)
	if err != nil || res.Delivered != b.N {
		b.Fatalf("DeliverDue = %+v, %v; want %d delivered", res, err, b.N)
	}
	reportOps(b)
}
