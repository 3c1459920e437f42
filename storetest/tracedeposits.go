package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/holiman/uint256"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/outbox"
	"github.com/bulwark-sec/bulwark/tracing"
)

// DepositAuditStore is an adapter that holds the deposit-address registry
// and the audit log.
type DepositAuditStore interface {
	tracing.DepositStore
	audit.Store
}

// DepositStore runs the conformance suite for tracing.DepositStore: add,
// list in order with labels and thresholds exactly as given, duplicates,
// validation, removal, and a change made inside audit.Log.Do rolling back
// with its entry. open must return a fresh, empty store closed when t ends.
func DepositStore(t *testing.T, open func(t *testing.T) DepositAuditStore) {
	t.Helper()
	ctx := context.Background()
	a, b := common.HexToAddress("0x00000000000000000000000000000000000d0a01"), common.HexToAddress("0x00000000000000000000000000000000000d0b02")
	big, _ := uint256.FromDecimal("115792089237316195423570985008687907853269984665640564039457584007913129639935")

	t.Run("AddListRemove", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		if got, err := s.Deposits(ctx); err != nil || got == nil || len(got) != 0 {
			t.Fatalf("empty registry = %#v, %v", got, err)
		}
		before := time.Now().Add(-time.Second)
		db := tracing.Deposit{Address: b, Label: "hot wallet — deposit 7", Thresholds: map[string]*uint256.Int{
			"native:1": uint256.NewInt(1_000_000_000_000_000_000), "erc20:1:0xdac17f958d2ee523a2206206994597c13d831ec7": big}}
		got, err := s.AddDeposit(ctx, db, "token:alice")
		if err != nil || got.Address != b || got.Label != db.Label || got.AddedBy != "token:alice" || got.AddedAt.Before(before) || got.AddedAt.Location() != time.UTC {
			t.Fatalf("AddDeposit = %+v, %v", got, err)
		}
		if _, err := s.AddDeposit(ctx, tracing.Deposit{Address: a}, "cli:bob"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddDeposit(ctx, tracing.Deposit{Address: a, Label: "again"}, "cli:bob"); bulwark.ErrorCode(err) != bulwark.ECONFLICT {
			t.Errorf("AddDeposit(twice) = %v, want ECONFLICT", err)
		}
		list, err := s.Deposits(ctx)
		if err != nil || len(list) != 2 || list[0].Address != b || list[1].Address != a || list[1].Thresholds != nil {
			t.Fatalf("Deposits = %+v, %v", list, err)
		}
		if len(list[0].Thresholds) != 2 || !list[0].Thresholds["native:1"].Eq(uint256.NewInt(1_000_000_000_000_000_000)) ||
			!list[0].Thresholds["erc20:1:0xdac17f958d2ee523a2206206994597c13d831ec7"].Eq(big) {
			t.Errorf("thresholds = %v", list[0].Thresholds)
		}
		gone, err := s.RemoveDeposit(ctx, b)
		if err != nil || gone.Address != b || gone.Label != db.Label {
			t.Fatalf("RemoveDeposit = %+v, %v", gone, err)
		}
		if _, err := s.RemoveDeposit(ctx, b); bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
			t.Errorf("RemoveDeposit(again) = %v, want ENOTFOUND", err)
		}
		if list, _ := s.Deposits(ctx); len(list) != 1 || list[0].Address != a {
			t.Errorf("after remove: %+v", list)
		}
	})

	t.Run("Invalid", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		long := make([]byte, tracing.MaxDepositLabel+1)
		for i := range long {
			long[i] = 'x'
		}
		for _, d := range []tracing.Deposit{
			{},
			{Address: a, Label: string(long)},
			{Address: a, Label: "tab\there"},
			{Address: a, Thresholds: map[string]*uint256.Int{"eth": uint256.NewInt(1)}},
			{Address: a, Thresholds: map[string]*uint256.Int{"native:1": nil}},
		} {
			if _, err := s.AddDeposit(ctx, d, "x"); bulwark.ErrorCode(err) != bulwark.EINVALID {
				t.Errorf("AddDeposit(%+v) = %v, want EINVALID", d, err)
			}
		}
		if list, _ := s.Deposits(ctx); len(list) != 0 {
			t.Errorf("invalid deposits stored: %+v", list)
		}
	})

	t.Run("RollsBackWithAuditEntry", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		log := &audit.Log{Store: s}
		boom := errors.New("boom")
		_, err := log.Do(ctx, func(ctx context.Context) (audit.Event, error) {
			if _, err := s.AddDeposit(ctx, tracing.Deposit{Address: a}, "x"); err != nil {
				return audit.Event{}, err
			}
			return audit.Event{}, boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Do = %v", err)
		}
		if list, _ := s.Deposits(ctx); len(list) != 0 {
			t.Errorf("registration kept without its entry: %+v", list)
		}
		if _, err := log.Do(ctx, func(ctx context.Context) (audit.Event, error) {
			d, err := s.AddDeposit(ctx, tracing.Deposit{Address: a}, "x")
			return audit.Event{Actor: "x", Action: "trace.deposit.add", Target: "deposit:" + d.Address.Hex()}, err
		}); err != nil {
			t.Fatal(err)
		}
		if list, _ := s.Deposits(ctx); len(list) != 1 {
			t.Errorf("registration not kept with its entry: %+v", list)
		}
	})
}

// TraceAlertAuditStore is an adapter that holds trace alerts, the outbox
// and the audit log.
type TraceAlertAuditStore interface {
	tracing.AlertStore
	tracing.AlertPruner
	outbox.Store
	audit.Store
}

// TraceAlertStore runs the conformance suite for tracing.AlertStore: an
// alert and its outbox message are stored together, once per identity;
// a retraction marks the alert it retracts; filters; follow cursors; an
// alert saved inside audit.Log.Do rolls back with its entry; and pruning
// keeps undelivered alerts and never parts an alert from its retraction.
func TraceAlertStore(t *testing.T, open func(t *testing.T) TraceAlertAuditStore) {
	t.Helper()
	ctx := context.Background()
	dep := common.HexToAddress("0x00000000000000000000000000000000000d0a01")
	li := uint32(3)
	alert := func(follow string, block byte) tracing.StoredAlert {
		return tracing.StoredAlert{Code: tracing.CodeDeposit, Severity: tracing.SeverityCritical, Follow: follow, Message: "tainted deposit",
			Alert: tracing.Alert{Deposit: dep, Label: "hot", TxHash: common.Hash{0x7a, block}, Block: uint64(block), Time: 1_700_000_000,
				Asset: "native:31337", Amount: "100", Taint: "60", Threshold: "1", Policy: tracing.Haircut, Chain: 31337,
				BlockHash: common.Hash{0xbb, block}, From: common.Address{0xf0}, Kind: tracing.TokenTransfer, LogIndex: &li}}
	}

	t.Run("SaveOnceListRetract", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		if got, err := s.TraceAlerts(ctx, tracing.AlertFilter{Limit: 10}); err != nil || got == nil || len(got) != 0 {
			t.Fatalf("empty = %#v, %v", got, err)
		}
		if _, err := s.TraceAlerts(ctx, tracing.AlertFilter{}); bulwark.ErrorCode(err) != bulwark.EINVALID {
			t.Errorf("Limit 0 = %v, want EINVALID", err)
		}
		id, fresh, err := s.SaveTraceAlert(ctx, alert("watch", 5))
		if err != nil || !fresh || id < 1 {
			t.Fatalf("SaveTraceAlert = %d, %v, %v", id, fresh, err)
		}
		again, fresh, err := s.SaveTraceAlert(ctx, alert("watch", 5))
		if err != nil || fresh || again != id {
			t.Fatalf("SaveTraceAlert(again) = %d, %v, %v; want %d, false", again, fresh, err, id)
		}
		other, fresh, err := s.SaveTraceAlert(ctx, alert("case:1", 5))
		if err != nil || !fresh || other == id {
			t.Fatalf("SaveTraceAlert(other follow) = %d, %v, %v", other, fresh, err)
		}
		msgs, err := s.Undelivered(ctx, outbox.Filter{Kinds: []string{tracing.AlertKind}, Limit: 10})
		if err != nil || len(msgs) != 2 || msgs[0].Ref != id || msgs[1].Ref != other {
			t.Fatalf("outbox = %+v, %v", msgs, err)
		}
		got, err := s.TraceAlerts(ctx, tracing.AlertFilter{Follow: "watch", Limit: 10})
		if err != nil || len(got) != 1 {
			t.Fatalf("TraceAlerts(watch) = %+v, %v", got, err)
		}
		want := alert("watch", 5)
		g := got[0]
		if g.ID != id || g.Code != want.Code || g.Severity != want.Severity || g.Message != want.Message || g.Time.Location() != time.UTC ||
			g.Deposit != dep || g.BlockHash != want.BlockHash || g.LogIndex == nil || *g.LogIndex != li || g.Policy != tracing.Haircut ||
			g.Taint != "60" || g.From != want.From || g.Kind != tracing.TokenTransfer || g.Delivery.Attempts != 0 || g.Delivery.DeliveredAt != nil {
			t.Errorf("stored = %+v", g)
		}
		if _, err := s.MarkDelivered(ctx, msgs[0].ID, 1, time.Now()); err != nil {
			t.Fatal(err)
		}
		r := alert("watch", 5)
		r.Code, r.Severity, r.Retracts = tracing.CodeRetracted, tracing.SeverityMedium, id
		rid, fresh, err := s.SaveTraceAlert(ctx, r)
		if err != nil || !fresh {
			t.Fatalf("retraction = %d, %v, %v", rid, fresh, err)
		}
		got, _ = s.TraceAlerts(ctx, tracing.AlertFilter{Follow: "watch", Limit: 10})
		if len(got) != 2 || got[0].RetractedBy != rid || got[1].Retracts != id || got[0].Delivery.DeliveredAt == nil || got[0].Delivery.Attempts != 1 {
			t.Errorf("after retraction: %+v", got)
		}
		r.BlockHash = common.Hash{0xee}
		r.Retracts = 999
		if _, _, err := s.SaveTraceAlert(ctx, r); bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
			t.Errorf("retract a missing alert = %v, want ENOTFOUND", err)
		}
		d2 := common.Address{0xd2}
		if got, _ := s.TraceAlerts(ctx, tracing.AlertFilter{Deposit: &d2, Limit: 10}); len(got) != 0 {
			t.Errorf("Deposit filter: %+v", got)
		}
		if got, _ := s.TraceAlerts(ctx, tracing.AlertFilter{Deposit: &dep, SinceID: id, Limit: 1}); len(got) != 1 || got[0].ID != other {
			t.Errorf("SinceID/Limit: %+v", got)
		}
	})

	t.Run("RollsBackWithAuditEntry", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		log := &audit.Log{Store: s}
		boom := errors.New("boom")
		if _, err := log.Do(ctx, func(ctx context.Context) (audit.Event, error) {
			if _, _, err := s.SaveTraceAlert(ctx, alert("watch", 1)); err != nil {
				return audit.Event{}, err
			}
			return audit.Event{}, boom
		}); !errors.Is(err, boom) {
			t.Fatalf("Do = %v", err)
		}
		if got, _ := s.TraceAlerts(ctx, tracing.AlertFilter{Limit: 10}); len(got) != 0 {
			t.Errorf("alert kept without its entry: %+v", got)
		}
		if st, _ := s.OutboxStats(ctx, nil); st.Pending != 0 {
			t.Errorf("outbox message kept without its alert: %+v", st)
		}
	})

	t.Run("Prune", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		log := &audit.Log{Store: s}
		save := func(a tracing.StoredAlert) int64 {
			t.Helper()
			id, fresh, err := s.SaveTraceAlert(ctx, a)
			if err != nil || !fresh {
				t.Fatalf("SaveTraceAlert = %d, %v, %v", id, fresh, err)
			}
			return id
		}
		deliver := func(id int64) {
			t.Helper()
			msgs, err := s.Undelivered(ctx, outbox.Filter{Kinds: []string{tracing.AlertKind}, Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range msgs {
				if m.Ref == id {
					if _, err := s.MarkDelivered(ctx, m.ID, 1, time.Now()); err != nil {
						t.Fatal(err)
					}
					return
				}
			}
			t.Fatalf("no undelivered message for alert %d", id)
		}
		ids := func() []int64 {
			t.Helper()
			got, err := s.TraceAlerts(ctx, tracing.AlertFilter{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			var out []int64
			for _, a := range got {
				out = append(out, a.ID)
			}
			return out
		}
		delivered := save(alert("watch", 1))
		pending := save(alert("watch", 2))
		retracted := save(alert("watch", 3))
		r := alert("watch", 3)
		r.Code, r.Severity, r.Retracts = tracing.CodeRetracted, tracing.SeverityMedium, retracted
		retraction := save(r)
		deliver(delivered)
		deliver(retracted)

		if n, seq, err := tracing.PruneAlerts(ctx, s, log, "system:retention", time.Now().Add(-time.Hour)); err != nil || n != 0 || seq != 0 {
			t.Fatalf("prune before every alert = %d, %d, %v; want nothing and no entry", n, seq, err)
		}
		// The retraction is undelivered: the alert it retracts stays with it.
		n, seq, err := tracing.PruneAlerts(ctx, s, log, "system:retention", time.Now().Add(time.Hour))
		if err != nil || n != 1 || seq == 0 {
			t.Fatalf("prune = %d, %d, %v; want the delivered alert alone, audited", n, seq, err)
		}
		if got := ids(); len(got) != 3 || got[0] != pending || got[1] != retracted || got[2] != retraction {
			t.Fatalf("kept %v, want %v", got, []int64{pending, retracted, retraction})
		}
		if msgs, _ := s.Undelivered(ctx, outbox.Filter{Kinds: []string{tracing.AlertKind}, Limit: 100}); len(msgs) != 2 {
			t.Errorf("undelivered messages after the prune: %+v, want the pending alert's and the retraction's", msgs)
		}
		last, err := s.AuditEntries(ctx, seq-1, 1)
		if err != nil || len(last) != 1 || last[0].Action != "trace.alerts.prune" || last[0].Actor != "system:retention" {
			t.Fatalf("prune entry = %+v, %v", last, err)
		}
		deliver(retraction)
		if n, _, err := tracing.PruneAlerts(ctx, s, log, "system:retention", time.Now().Add(time.Hour)); err != nil || n != 2 {
			t.Fatalf("prune once the retraction is delivered = %d, %v; want the pair", n, err)
		}
		if got := ids(); len(got) != 1 || got[0] != pending {
			t.Fatalf("kept %v, want the pending alert %d alone", got, pending)
		}
	})

	t.Run("FollowCursor", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		if _, ok, err := s.FollowCursor(ctx, "watch"); ok || err != nil {
			t.Fatalf("FollowCursor(none) = %v, %v", ok, err)
		}
		for _, c := range []tracing.FollowCursor{
			{Follow: "watch", Chain: 31337, Block: 7, Hash: common.Hash{7}, FromBlock: 3},
			{Follow: "watch", Chain: 31337, Block: 9, Hash: common.Hash{9}, FromBlock: 3},
		} {
			if err := s.SaveFollowCursor(ctx, c); err != nil {
				t.Fatal(err)
			}
			got, ok, err := s.FollowCursor(ctx, "watch")
			if err != nil || !ok || got.Block != c.Block || got.Hash != c.Hash || got.FromBlock != 3 || got.Chain != 31337 || got.UpdatedAt.IsZero() {
				t.Errorf("FollowCursor = %+v, %v, %v; want %+v", got, ok, err, c)
			}
		}
		if _, ok, _ := s.FollowCursor(ctx, "case:1"); ok {
			t.Error("cursors are per follow")
		}
	})
}
