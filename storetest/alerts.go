package storetest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/outbox"
	"github.com/bulwark-sec/bulwark/safe/onchain"
	"github.com/bulwark-sec/bulwark/safe/policy"
	"github.com/bulwark-sec/bulwark/safe/watch"
)

// AlertAuditStore is an adapter that holds watch alerts, their outbox and
// the audit log.
type AlertAuditStore interface {
	watch.AlertStore
	outbox.Store
	audit.Store
}

const (
	safeA = "0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4"
	safeB = "0x96221423681A6d52E184D440a8eFCEbB105C7242"
)

func sampleAlert(i int, addr string) watch.Alert {
	a := watch.Alert{Block: uint64(21895237 + i), BlockHash: "0x" + strings.Repeat("ab", 32), Safe: addr,
		Code: policy.CodeMasterCopyChange, Severity: policy.SeverityCritical, Message: "singleton changed: ünïcode → ok",
		Kind: onchain.ChangeSingleton, Before: "0x34CfAC646f301356fAa8B21e94227e3583Fe3F5F", After: "0xbDd077f651EBe7f7b3cE16fe5F2b025BE2969516"}
	switch addr {
	case "":
		a = watch.Alert{Block: uint64(i), Code: watch.CodeNodeUnreachable, Severity: policy.SeverityHigh, Message: "node down"}
	case safeB:
		a = watch.Alert{Block: uint64(i), BlockHash: a.BlockHash, Safe: addr, Code: watch.CodeUnverifiedExecution, Severity: policy.SeverityHigh,
			Message: "executed without a verification", SafeTxHash: "0xb3476d061aeb8fc1d605a873c483a2402d88a68a9cdd1a8b47655dd55ba004f8",
			TxHash: "0x" + strings.Repeat("cd", 32)}
	}
	return a
}

// AlertStore runs the conformance suite for watch.AlertStore on an adapter
// that also holds the audit log: round trips, filters, delivery state, and
// an alert saved inside audit.Log.Do committing or rolling back with its
// entry. open must return a fresh, empty store closed when t ends.
func AlertStore(t *testing.T, open func(t *testing.T) AlertAuditStore) {
	t.Helper()
	ctx := context.Background()

	t.Run("SaveAndRead", func(t *testing.T) {
		s := open(t)
		before := time.Now().Add(-time.Second)
		want := []watch.Alert{sampleAlert(1, safeA), sampleAlert(2, ""), sampleAlert(3, safeB)}
		var ids []int64
		for _, a := range want {
			id, err := s.SaveAlert(ctx, a)
			if err != nil {
				t.Fatalf("SaveAlert: %v", err)
			}
			if len(ids) > 0 && id <= ids[len(ids)-1] {
				t.Fatalf("ids %v then %d: not increasing", ids, id)
			}
			ids = append(ids, id)
		}
		got, err := s.Alerts(ctx, watch.AlertFilter{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("Alerts = %d, want %d", len(got), len(want))
		}
		for i, g := range got {
			if g.ID != ids[i] || g.Alert != want[i] {
				t.Errorf("alert %d = %+v, want id %d %+v", i, g, ids[i], want[i])
			}
			if g.Time.Location() != time.UTC || g.Time.Before(before) || g.Time.After(time.Now().Add(time.Second)) {
				t.Errorf("alert %d time %v", i, g.Time)
			}
			if g.Delivery != (watch.AlertDelivery{}) {
				t.Errorf("alert %d delivery %+v, want none", i, g.Delivery)
			}
		}
	})

	t.Run("Filter", func(t *testing.T) {
		s := open(t)
		var ids []int64
		for i, addr := range []string{safeA, safeB, safeA, "", safeA} {
			id, err := s.SaveAlert(ctx, sampleAlert(i, addr))
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		tests := []struct {
			name string
			f    watch.AlertFilter
			want []int64
		}{
			{"all", watch.AlertFilter{Limit: 100}, ids},
			{"limit", watch.AlertFilter{Limit: 2}, ids[:2]},
			{"since", watch.AlertFilter{SinceID: ids[2], Limit: 100}, ids[3:]},
			{"safe", watch.AlertFilter{Safe: safeA, Limit: 100}, []int64{ids[0], ids[2], ids[4]}},
			{"safe any case", watch.AlertFilter{Safe: strings.ToLower(safeA), Limit: 100}, []int64{ids[0], ids[2], ids[4]}},
			{"safe since limit", watch.AlertFilter{Safe: safeA, SinceID: ids[0], Limit: 1}, []int64{ids[2]}},
			{"none", watch.AlertFilter{SinceID: ids[4], Limit: 100}, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := s.Alerts(ctx, tt.f)
				if err != nil {
					t.Fatal(err)
				}
				if got == nil {
					t.Fatal("nil slice, want empty")
				}
				var gotIDs []int64
				for _, a := range got {
					gotIDs = append(gotIDs, a.ID)
				}
				if len(gotIDs) != len(tt.want) {
					t.Fatalf("ids %v, want %v", gotIDs, tt.want)
				}
				for i := range gotIDs {
					if gotIDs[i] != tt.want[i] {
						t.Fatalf("ids %v, want %v", gotIDs, tt.want)
					}
				}
			})
		}
		for _, limit := range []int{0, -1} {
			if _, err := s.Alerts(ctx, watch.AlertFilter{Limit: limit}); bulwark.ErrorCode(err) != bulwark.EINVALID {
				t.Errorf("Alerts(limit %d) = %v, want EINVALID", limit, err)
			}
		}
	})

	t.Run("Delivery", func(t *testing.T) {
		s := open(t)
		id, err := s.SaveAlert(ctx, sampleAlert(1, safeA))
		if err != nil {
			t.Fatal(err)
		}
		other, err := s.SaveAlert(ctx, sampleAlert(2, safeB))
		if err != nil {
			t.Fatal(err)
		}
		// Saved with its outbox message, due at once.
		m := messageOf(t, s, watch.AlertKind, id)
		messageOf(t, s, watch.AlertKind, other)
		if m.Attempts != 0 || m.NextAttemptAt.After(time.Now()) {
			t.Errorf("outbox message of a new alert: %+v", m)
		}
		// The alert shows its message's delivery state.
		at := time.Now().UTC().Add(time.Minute)
		steps := []struct {
			do   func() error
			want watch.AlertDelivery
		}{
			{func() error { return s.RecordFailure(ctx, m.ID, 1, at, "HTTP 503 Service Unavailable") },
				watch.AlertDelivery{Attempts: 1, LastError: "HTTP 503 Service Unavailable"}},
			{func() error { _, err := s.MarkDelivered(ctx, m.ID, 2, at); return err },
				watch.AlertDelivery{Attempts: 2, DeliveredAt: &at}},
		}
		for _, st := range steps {
			if err := st.do(); err != nil {
				t.Fatal(err)
			}
			got, err := s.Alerts(ctx, watch.AlertFilter{Limit: 2})
			if err != nil || len(got) != 2 {
				t.Fatalf("Alerts = %v, %v", got, err)
			}
			g, d := got[0].Delivery, st.want
			if g.Attempts != d.Attempts || g.LastError != d.LastError || (g.DeliveredAt == nil) != (d.DeliveredAt == nil) ||
				(g.DeliveredAt != nil && (!g.DeliveredAt.Equal(*d.DeliveredAt) || g.DeliveredAt.Location() != time.UTC)) {
				t.Errorf("delivery %+v, want %+v", g, d)
			}
			if got[1].Delivery != (watch.AlertDelivery{}) {
				t.Errorf("another alert's delivery changed: %+v", got[1].Delivery)
			}
		}
	})

	t.Run("SavedWithItsAuditEntry", func(t *testing.T) {
		s := open(t)
		log := &audit.Log{Store: s}
		boom := errors.New("boom")
		tests := []struct {
			name string
			fail error
			kept bool
		}{
			{"change fails after the save", boom, false},
			{"both succeed", nil, true},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before, _ := s.AuditHead(ctx)
				n0, _ := s.Alerts(ctx, watch.AlertFilter{Limit: 100})
				q0, _ := s.Undelivered(ctx, outbox.Filter{Limit: 100})
				var id int64
				_, err := log.Do(ctx, func(txctx context.Context) (audit.Event, error) {
					var err error
					if id, err = s.SaveAlert(txctx, sampleAlert(1, safeA)); err != nil {
						return audit.Event{}, err
					}
					inside, err := s.Alerts(txctx, watch.AlertFilter{SinceID: id - 1, Limit: 1})
					if err != nil || len(inside) != 1 || inside[0].ID != id {
						t.Errorf("inside the transaction: %v, %v", inside, err)
					}
					return audit.Event{Actor: "test", Action: "safe.watch.alert", Target: safeA, Details: map[string]any{"alertId": id}}, tt.fail
				})
				if (err == nil) != tt.kept {
					t.Fatalf("Do = %v", err)
				}
				n1, _ := s.Alerts(ctx, watch.AlertFilter{Limit: 100})
				head, _ := s.AuditHead(ctx)
				if got := len(n1) == len(n0)+1; got != tt.kept {
					t.Errorf("alert kept = %v, want %v", got, tt.kept)
				}
				q1, _ := s.Undelivered(ctx, outbox.Filter{Limit: 100})
				if got := len(q1) == len(q0)+1; got != tt.kept {
					t.Errorf("outbox message kept = %v, want %v", got, tt.kept)
				}
				if got := head.Seq == before.Seq+1; got != tt.kept {
					t.Errorf("entry kept = %v, want %v", got, tt.kept)
				}
			})
		}
		rep, err := audit.Verify(ctx, s, nil)
		if err != nil || !rep.Intact() || rep.Entries != 1 {
			t.Fatalf("Verify = %+v, %v", rep, err)
		}
	})
}
