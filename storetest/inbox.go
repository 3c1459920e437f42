package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/inbox"
	"github.com/bulwark-sec/bulwark/outbox"
	"github.com/bulwark-sec/bulwark/safe/policy"
	"github.com/bulwark-sec/bulwark/safe/watch"
	"github.com/bulwark-sec/bulwark/screening"
)

// InboxAuditStore is an adapter that holds the alerts inbox, the Safe and
// screening alerts that fill it, the outbox and the audit log.
type InboxAuditStore interface {
	inbox.Store
	watch.AlertStore
	SaveScreenAlert(ctx context.Context, a screening.Alert) (screening.Alert, error)
	outbox.Store
	audit.Store
}

// Inbox runs the conformance suite for inbox.Store: every stored alert has
// its item, written in the alert's transaction, with the normalised
// severity and the evidence path; filters and pages newest first;
// assignment and acknowledgement (once, with a reason) joining the audit
// transaction; escalation once per item, with its one outbox message.
// open must return a fresh, empty store closed when t ends.
func Inbox(t *testing.T, open func(t *testing.T) InboxAuditStore) {
	t.Helper()
	ctx := context.Background()
	safeAlert := func(t *testing.T, s InboxAuditStore, sev policy.Severity, addr string) int64 {
		t.Helper()
		a := sampleAlert(1, safeA)
		a.Severity, a.Safe = sev, addr
		id, err := s.SaveAlert(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	newest := func(t *testing.T, s InboxAuditStore) inbox.Item {
		t.Helper()
		items, err := s.InboxItems(ctx, inbox.Filter{Limit: 1})
		if err != nil || len(items) != 1 {
			t.Fatalf("InboxItems = %v, %v", items, err)
		}
		return items[0]
	}

	t.Run("ItemPerAlert", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		if items, err := s.InboxItems(ctx, inbox.Filter{Limit: 10}); err != nil || items == nil || len(items) != 0 {
			t.Fatalf("empty inbox = %#v, %v", items, err)
		}
		before := time.Now().Add(-time.Second)
		id := safeAlert(t, s, policy.SeverityCritical, safeA)
		it := newest(t, s)
		if it.Kind != inbox.KindSafe || it.Ref != fmt.Sprint(id) || it.Severity != inbox.Critical || it.Subject != safeA ||
			it.Message != sampleAlert(1, safeA).Message || it.Evidence != inbox.SafeEvidence(id) || it.State != inbox.Open ||
			it.Time.Before(before) || it.Time.Location() != time.UTC || it.Assignee != "" || it.AckedAt != nil || it.EscalatedAt != nil {
			t.Fatalf("Safe item = %+v", it)
		}
		got, err := s.InboxItem(ctx, it.ID)
		if err != nil || got.ID != it.ID || got.Message != it.Message {
			t.Fatalf("InboxItem = %+v, %v", got, err)
		}
		if _, err := s.InboxItem(ctx, it.ID+100); bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
			t.Errorf("InboxItem(missing) = %v, want ENOTFOUND", err)
		}
		safeAlert(t, s, policy.Severity("bizarre"), "")
		if it := newest(t, s); it.Severity != inbox.High || it.Subject != "node" {
			t.Errorf("node alert of an unknown severity = %+v, want high (never demoted), subject node", it)
		}
		sa, err := s.SaveScreenAlert(ctx, screening.Alert{WatchID: 7, Subject: "customer-42", Kind: "address", Verdict: bulwark.VerdictBlock,
			DecisionID: "dec-1", Body: json.RawMessage(`{}`), Key: "k1"})
		if err != nil {
			t.Fatal(err)
		}
		it = newest(t, s)
		if it.Kind != inbox.KindScreening || it.Ref != fmt.Sprint(sa.ID) || it.Severity != inbox.Critical || it.Subject != "customer-42" ||
			it.Evidence != inbox.ScreeningEvidence("dec-1") || it.Message != "watched address now screens BLOCK" {
			t.Errorf("screening item = %+v", it)
		}
	})

	t.Run("RollsBackWithTheAlert", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		l := &audit.Log{Store: s}
		boom := errors.New("boom")
		_, err := l.Do(ctx, func(ctx context.Context) (audit.Event, error) {
			if _, err := s.SaveAlert(ctx, sampleAlert(1, safeA)); err != nil {
				return audit.Event{}, err
			}
			return audit.Event{}, boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Do = %v", err)
		}
		if items, err := s.InboxItems(ctx, inbox.Filter{Limit: 10}); err != nil || len(items) != 0 {
			t.Fatalf("items after a rolled back alert = %v, %v", items, err)
		}
	})

	t.Run("FiltersAndPages", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		sevs := []policy.Severity{policy.SeverityCritical, policy.SeverityHigh, policy.SeverityMedium, policy.SeverityLow, policy.SeverityInfo}
		for i := 0; i < 25; i++ {
			safeAlert(t, s, sevs[i%5], safeA)
		}
		all, err := s.InboxItems(ctx, inbox.Filter{Limit: 100})
		if err != nil || len(all) != 25 {
			t.Fatalf("all = %d, %v", len(all), err)
		}
		for i := 1; i < len(all); i++ {
			if all[i].ID >= all[i-1].ID {
				t.Fatalf("not newest first: %d after %d", all[i].ID, all[i-1].ID)
			}
		}
		// Pages of 10 through the cursor give every item once.
		var paged []int64
		for before := int64(0); ; {
			page, err := s.InboxItems(ctx, inbox.Filter{Before: before, Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range page {
				paged = append(paged, it.ID)
			}
			if len(page) < 10 {
				break
			}
			before = page[len(page)-1].ID
		}
		if len(paged) != 25 || paged[0] != all[0].ID || paged[24] != all[24].ID {
			t.Fatalf("paged = %v", paged)
		}
		crit, err := s.InboxItems(ctx, inbox.Filter{Severities: []inbox.Severity{inbox.Critical, inbox.High}, Limit: 100})
		if err != nil || len(crit) != 10 {
			t.Fatalf("critical+high = %d, %v", len(crit), err)
		}
		for _, it := range crit {
			if it.Severity != inbox.Critical && it.Severity != inbox.High {
				t.Fatalf("severity filter let %+v through", it)
			}
		}
		a, b := all[0].ID, all[1].ID
		if _, err := s.AssignInboxItem(ctx, a, "alice", "token:t1", time.Now()); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AckInboxItem(ctx, b, "token:t1", "checked: test transfer", time.Now()); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			f    inbox.Filter
			want int
		}{
			{inbox.Filter{Assignee: "alice"}, 1},
			{inbox.Filter{Assignee: inbox.Unassigned}, 24},
			{inbox.Filter{State: inbox.Acknowledged}, 1},
			{inbox.Filter{State: inbox.Open}, 24},
			{inbox.Filter{Kinds: []string{inbox.KindScreening}}, 0},
			{inbox.Filter{Kinds: []string{inbox.KindSafe}, State: inbox.Open, Assignee: "alice"}, 1},
		} {
			c.f.Limit = 100
			got, err := s.InboxItems(ctx, c.f)
			if err != nil || len(got) != c.want {
				t.Errorf("InboxItems(%+v) = %d, %v; want %d", c.f, len(got), err, c.want)
			}
		}
		if _, err := s.InboxItems(ctx, inbox.Filter{Limit: inbox.MaxLimit + 1}); bulwark.ErrorCode(err) != bulwark.EINVALID {
			t.Errorf("limit over the max = %v, want EINVALID", err)
		}
	})

	t.Run("AssignAndAcknowledge", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		safeAlert(t, s, policy.SeverityHigh, safeA)
		id := newest(t, s).ID
		at := time.Date(2026, 12, 7, 23, 0, 0, 123456789, time.UTC)
		it, err := s.AssignInboxItem(ctx, id, "bob", "token:t1", at)
		if err != nil || it.Assignee != "bob" || it.AssignedBy != "token:t1" || it.AssignedAt == nil || !it.AssignedAt.Equal(at) {
			t.Fatalf("AssignInboxItem = %+v, %v", it, err)
		}
		if it, err = s.AssignInboxItem(ctx, id, "", "token:t1", at); err != nil || it.Assignee != "" {
			t.Fatalf("unassign = %+v, %v", it, err)
		}
		if _, err := s.AssignInboxItem(ctx, id+9, "bob", "token:t1", at); bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
			t.Errorf("assign missing = %v, want ENOTFOUND", err)
		}
		if _, err := s.AckInboxItem(ctx, id, "token:t1", " ", at); bulwark.ErrorCode(err) != bulwark.EINVALID {
			t.Errorf("ack without a reason = %v, want EINVALID", err)
		}
		it, err = s.AckInboxItem(ctx, id, "token:t2", "false alarm: our own upgrade", at)
		if err != nil || it.State != inbox.Acknowledged || it.AckedBy != "token:t2" || it.AckReason != "false alarm: our own upgrade" || !it.AckedAt.Equal(at) {
			t.Fatalf("AckInboxItem = %+v, %v", it, err)
		}
		if _, err := s.AckInboxItem(ctx, id, "token:t3", "again", at); bulwark.ErrorCode(err) != bulwark.ECONFLICT {
			t.Errorf("second ack = %v, want ECONFLICT", err)
		}
		if _, err := s.AssignInboxItem(ctx, id, "bob", "token:t1", at); bulwark.ErrorCode(err) != bulwark.ECONFLICT {
			t.Errorf("assign acknowledged = %v, want ECONFLICT", err)
		}
		if got, _ := s.InboxItem(ctx, id); got.AckedBy != "token:t2" {
			t.Errorf("a refused change changed the item: %+v", got)
		}
		// An acknowledgement inside a failing audit change rolls back.
		safeAlert(t, s, policy.SeverityHigh, safeA)
		id2 := newest(t, s).ID
		boom := errors.New("boom")
		_, err = (&audit.Log{Store: s}).Do(ctx, func(ctx context.Context) (audit.Event, error) {
			if _, err := s.AckInboxItem(ctx, id2, "token:t1", "reason", at); err != nil {
				return audit.Event{}, err
			}
			return audit.Event{}, boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if got, _ := s.InboxItem(ctx, id2); got.State != inbox.Open {
			t.Errorf("rolled back ack kept: %+v", got)
		}
	})

	t.Run("EscalatesOnce", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		safeAlert(t, s, policy.SeverityCritical, safeA)
		crit := newest(t, s)
		safeAlert(t, s, policy.SeverityHigh, safeA)
		safeAlert(t, s, policy.SeverityCritical, safeB)
		acked := newest(t, s)
		if _, err := s.AckInboxItem(ctx, acked.ID, "token:t1", "handled", time.Now()); err != nil {
			t.Fatal(err)
		}
		if due, err := s.DueEscalations(ctx, inbox.Critical, crit.Time.Add(-time.Millisecond), 10); err != nil || len(due) != 0 {
			t.Fatalf("due before the threshold = %v, %v", due, err)
		}
		due, err := s.DueEscalations(ctx, inbox.Critical, time.Now().Add(time.Second), 10)
		if err != nil || len(due) != 1 || due[0].ID != crit.ID {
			t.Fatalf("due = %+v, %v; want only the open critical item %d", due, err, crit.ID)
		}
		at := time.Now().UTC()
		if ok, err := s.EscalateInboxItem(ctx, crit.ID, at); err != nil || !ok {
			t.Fatalf("EscalateInboxItem = %v, %v", ok, err)
		}
		if ok, err := s.EscalateInboxItem(ctx, crit.ID, at.Add(time.Hour)); err != nil || ok {
			t.Fatalf("EscalateInboxItem again = %v, %v; want false", ok, err)
		}
		if ok, err := s.EscalateInboxItem(ctx, acked.ID, at); err != nil || ok {
			t.Fatalf("EscalateInboxItem(acknowledged) = %v, %v; want false", ok, err)
		}
		if _, err := s.EscalateInboxItem(ctx, crit.ID+99, at); bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
			t.Errorf("EscalateInboxItem(missing) = %v, want ENOTFOUND", err)
		}
		if due, _ := s.DueEscalations(ctx, inbox.Critical, time.Now().Add(time.Second), 10); len(due) != 0 {
			t.Errorf("escalated item still due: %+v", due)
		}
		got, _ := s.InboxItem(ctx, crit.ID)
		if got.EscalatedAt == nil || !got.EscalatedAt.Equal(at) {
			t.Errorf("escalatedAt = %v, want %v", got.EscalatedAt, at)
		}
		msgs, err := s.Undelivered(ctx, outbox.Filter{Kinds: []string{inbox.EscalationKind}, Limit: 10})
		if err != nil || len(msgs) != 1 || msgs[0].Ref != crit.ID {
			t.Fatalf("escalation messages = %+v, %v; want one for item %d", msgs, err, crit.ID)
		}
		// Escalating inside a failing audit change leaves neither mark
		// nor message.
		safeAlert(t, s, policy.SeverityCritical, safeA)
		c2 := newest(t, s)
		boom := errors.New("boom")
		_, err = (&audit.Log{Store: s}).Do(ctx, func(ctx context.Context) (audit.Event, error) {
			if _, err := s.EscalateInboxItem(ctx, c2.ID, at); err != nil {
				return audit.Event{}, err
			}
			return audit.Event{}, boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if msgs, _ := s.Undelivered(ctx, outbox.Filter{Kinds: []string{inbox.EscalationKind}, Limit: 10}); len(msgs) != 1 {
			t.Errorf("rolled back escalation left a message: %+v", msgs)
		}
		if due, _ := s.DueEscalations(ctx, inbox.Critical, time.Now().Add(time.Second), 10); len(due) != 1 || due[0].ID != c2.ID {
			t.Errorf("rolled back escalation: due = %+v", due)
		}
	})
}
