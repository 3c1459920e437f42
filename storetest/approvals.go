package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/approval"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/auth"
)

// ApprovalAuditStore is an adapter that holds dual control's requests and
// the audit log.
type ApprovalAuditStore interface {
	approval.Store
	audit.Store
}

// ApprovalStore runs the conformance suite for approval.Store: round
// trips (summary, payload and times), listing newest first by state,
// finding the pending request of an action and subject, a request decided
// once (also when several goroutines decide it at the same time), a
// challenge taken at most once, and a request written inside audit.Log.Do
// rolled back with its entry. open must return a fresh, empty store
// closed when t ends.
func ApprovalStore(t *testing.T, open func(t *testing.T) ApprovalAuditStore) {
	t.Helper()
	ctx := context.Background()
	req := func(i int, st approval.State) *approval.Request {
		summary := fmt.Sprintf("Rule match %d a false positive:\n<img src=x onerror=alert(1)> 名前", i)
		return &approval.Request{ID: fmt.Sprintf("%032x", 0xa0+i), Action: approval.FalsePositive, Subject: fmt.Sprintf("screen:decision:%d", i),
			Summary: summary, SummaryDigest: approval.Digest(summary), Payload: json.RawMessage(`{"n":` + fmt.Sprint(i) + `}`),
			Requester: "token:00000000000000aa", RequesterPerson: "Ana María", RequesterRole: auth.RoleAnalyst,
			Created: base.Add(time.Duration(i) * time.Second), Expires: base.Add(24*time.Hour + time.Duration(i)), State: st, AuditSeq: int64(i)}
	}
	same := func(t *testing.T, got, want *approval.Request) {
		t.Helper()
		if got.ID != want.ID || got.Action != want.Action || got.Subject != want.Subject || got.Summary != want.Summary ||
			got.SummaryDigest != want.SummaryDigest || string(got.Payload) != string(want.Payload) || got.Requester != want.Requester ||
			got.RequesterPerson != want.RequesterPerson || got.RequesterRole != want.RequesterRole || !got.Created.Equal(want.Created) ||
			!got.Expires.Equal(want.Expires) || got.State != want.State || got.DecidedBy != want.DecidedBy ||
			got.DecidedPerson != want.DecidedPerson || got.Reason != want.Reason || got.Outcome != want.Outcome || got.AuditSeq != want.AuditSeq ||
			(got.DecidedAt == nil) != (want.DecidedAt == nil) || (got.DecidedAt != nil && !got.DecidedAt.Equal(*want.DecidedAt)) {
			t.Errorf("read back\n%+v\nwant\n%+v", got, want)
		}
	}

	t.Run("ApprovalRoundTripAndList", func(t *testing.T) {
		s := open(t)
		a, b, c := req(1, approval.Pending), req(2, approval.Pending), req(3, approval.Rejected)
		at := base.Add(time.Minute)
		c.DecidedBy, c.DecidedPerson, c.DecidedAt, c.Reason = "user:bob", "Bob", &at, "not the same entity"
		for _, r := range []*approval.Request{a, b, c} {
			if err := s.CreateApprovalRequest(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.CreateApprovalRequest(ctx, req(1, approval.Pending)); !bulwark.IsCode(err, bulwark.ECONFLICT) {
			t.Errorf("duplicate id: %v, want conflict", err)
		}
		for _, want := range []*approval.Request{a, b, c} {
			got, err := s.ApprovalRequest(ctx, want.ID)
			if err != nil {
				t.Fatal(err)
			}
			same(t, got, want)
		}
		if _, err := s.ApprovalRequest(ctx, fmt.Sprintf("%032x", 7)); !bulwark.IsCode(err, bulwark.ENOTFOUND) {
			t.Errorf("missing: %v", err)
		}
		all, err := s.ApprovalRequests(ctx, approval.Filter{})
		if err != nil || len(all) != 3 || all[0].ID != c.ID || all[2].ID != a.ID {
			t.Fatalf("all = %d, %v: want newest first", len(all), err)
		}
		pending, err := s.ApprovalRequests(ctx, approval.Filter{State: approval.Pending, Limit: 1})
		if err != nil || len(pending) != 1 || pending[0].ID != b.ID {
			t.Fatalf("pending, limit 1 = %v, %v", pending, err)
		}
		got, err := s.PendingApprovalRequest(ctx, b.Action, b.Subject, b.SummaryDigest)
		if err != nil || got.ID != b.ID {
			t.Fatalf("PendingApprovalRequest = %v, %v", got, err)
		}
		if _, err := s.PendingApprovalRequest(ctx, c.Action, c.Subject, c.SummaryDigest); !bulwark.IsCode(err, bulwark.ENOTFOUND) {
			t.Errorf("a rejected request is not pending: %v", err)
		}
		if _, err := s.PendingApprovalRequest(ctx, b.Action, b.Subject, approval.Digest("another summary")); !bulwark.IsCode(err, bulwark.ENOTFOUND) {
			t.Errorf("another summary: %v", err)
		}
	})

	t.Run("ApprovalDecidedOnce", func(t *testing.T) {
		s := open(t)
		r := req(1, approval.Pending)
		if err := s.CreateApprovalRequest(ctx, r); err != nil {
			t.Fatal(err)
		}
		const workers = 8
		var wg sync.WaitGroup
		errs := make([]error, workers)
		for i := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				d := *r
				at := base.Add(time.Hour)
				d.State, d.DecidedBy, d.DecidedAt = approval.Approved, fmt.Sprintf("user:%d", i), &at
				errs[i] = s.DecideApprovalRequest(ctx, &d, approval.Pending)
			}()
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case !bulwark.IsCode(err, bulwark.ECONFLICT):
				t.Errorf("a losing decision: %v, want conflict", err)
			}
		}
		if won != 1 {
			t.Fatalf("%d decisions won, want exactly 1", won)
		}
		got, _ := s.ApprovalRequest(ctx, r.ID)
		if got.State != approval.Approved || got.DecidedAt == nil {
			t.Errorf("stored %+v", got)
		}
		missing := req(9, approval.Executed)
		if err := s.DecideApprovalRequest(ctx, missing, approval.Approved); !bulwark.IsCode(err, bulwark.ENOTFOUND) {
			t.Errorf("missing: %v", err)
		}
	})

	t.Run("ApprovalChallengeTakenOnce", func(t *testing.T) {
		s := open(t)
		r := req(1, approval.Pending)
		if err := s.CreateApprovalRequest(ctx, r); err != nil {
			t.Fatal(err)
		}
		if _, err := s.TakeApprovalChallenge(ctx, r.ID, "user:bob"); !bulwark.IsCode(err, bulwark.ENOTFOUND) {
			t.Fatalf("no challenge issued: %v", err)
		}
		if err := s.SetApprovalChallenge(ctx, fmt.Sprintf("%032x", 7), approval.Challenge{Nonce: []byte{1}, Expires: base}); !bulwark.IsCode(err, bulwark.ENOTFOUND) {
			t.Errorf("challenge for a missing request: %v", err)
		}
		first := approval.Challenge{Nonce: []byte{0, 1, 2, 0xff}, For: "user:alice", Expires: base.Add(5 * time.Minute)}
		second := approval.Challenge{Nonce: []byte{9, 9}, For: "user:bob", Expires: base.Add(6 * time.Minute)}
		if err := s.SetApprovalChallenge(ctx, r.ID, first); err != nil {
			t.Fatal(err)
		}
		if err := s.SetApprovalChallenge(ctx, r.ID, second); err != nil {
			t.Fatal(err)
		}
		if _, err := s.TakeApprovalChallenge(ctx, r.ID, "user:alice"); !bulwark.IsCode(err, bulwark.ENOTFOUND) {
			t.Fatalf("a challenge issued to someone else taken: %v", err)
		}
		const workers = 8
		var wg sync.WaitGroup
		got := make([]approval.Challenge, workers)
		errs := make([]error, workers)
		for i := range workers {
			wg.Add(1)
			go func() { defer wg.Done(); got[i], errs[i] = s.TakeApprovalChallenge(ctx, r.ID, "user:bob") }()
		}
		wg.Wait()
		taken := 0
		for i, err := range errs {
			switch {
			case err == nil:
				taken++
				if string(got[i].Nonce) != string(second.Nonce) || got[i].For != second.For || !got[i].Expires.Equal(second.Expires) {
					t.Errorf("took %+v, want the latest %+v", got[i], second)
				}
			case !bulwark.IsCode(err, bulwark.ENOTFOUND):
				t.Errorf("take: %v", err)
			}
		}
		if taken != 1 {
			t.Fatalf("challenge taken %d times, want 1", taken)
		}
	})

	t.Run("ApprovalRolledBackWithItsEntry", func(t *testing.T) {
		s := open(t)
		log := &audit.Log{Store: s}
		r := req(1, approval.Pending)
		boom := errors.New("boom")
		_, err := log.Do(ctx, func(ctx context.Context) (audit.Event, error) {
			if err := s.CreateApprovalRequest(ctx, r); err != nil {
				return audit.Event{}, err
			}
			return audit.Event{}, boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Do = %v", err)
		}
		if _, err := s.ApprovalRequest(ctx, r.ID); !bulwark.IsCode(err, bulwark.ENOTFOUND) {
			t.Fatalf("request kept after its entry failed: %v", err)
		}
		if _, err := log.Do(ctx, func(ctx context.Context) (audit.Event, error) {
			return audit.Event{Actor: "test", Action: "approval.request", Target: r.AuditTarget()}, s.CreateApprovalRequest(ctx, r)
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ApprovalRequest(ctx, r.ID); err != nil {
			t.Fatalf("committed request: %v", err)
		}
	})
}
