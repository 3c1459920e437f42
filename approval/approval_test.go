package approval_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/approval"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/auth"
	"github.com/bulwark-sec/bulwark/sqlite"
	"github.com/bulwark-sec/bulwark/sqlite/sqlitetest"
)

// authenticator is a fake WebAuthn authenticator and its verifier: a
// user's assertion is an HMAC of the challenge under the user's key, so an
// assertion checks out only for the challenge it was made over.
type authenticator struct{}

func (authenticator) sign(user string, challenge []byte) []byte {
	m := hmac.New(sha256.New, []byte("key of "+user))
	m.Write(challenge)
	return m.Sum(nil)
}

func (a authenticator) VerifyAssertion(_ context.Context, user string, challenge, assertion []byte) error {
	if !hmac.Equal(a.sign(user, challenge), assertion) {
		return errors.New("signature does not verify")
	}
	return nil
}

type fixture struct {
	db    *sqlite.DB
	svc   *approval.Service
	clock time.Time
	mu    sync.Mutex
	runs  []string // subjects executed
}

func (f *fixture) now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.clock
}

func (f *fixture) advance(d time.Duration) {
	f.mu.Lock()
	f.clock = f.clock.Add(d)
	f.mu.Unlock()
}

func newFixture(t *testing.T, cfg approval.Config) *fixture {
	t.Helper()
	db := sqlitetest.Open(t, sqlite.Options{})
	f := &fixture{db: db, clock: time.Date(2026, 12, 7, 22, 0, 0, 0, time.UTC)}
	f.svc = &approval.Service{Store: db, Audit: &audit.Log{Store: db, Now: f.now}, Verifier: authenticator{}, Config: cfg, Now: f.now}
	// The executor does what a domain service does: asks the gate with
	// the same hold, which lets the approved request through.
	f.svc.Handle(approval.FalsePositive, func(ctx context.Context, r *approval.Request) (string, error) {
		var h approval.Hold
		if err := json.Unmarshal(r.Payload, &h); err != nil {
			return "", err
		}
		h.Payload = nil
		if err := f.svc.Check(ctx, hold(h.Subject, h.Summary)); err != nil {
			return "", err
		}
		f.mu.Lock()
		f.runs = append(f.runs, h.Subject)
		f.mu.Unlock()
		return "ruled " + h.Subject, nil
	})
	return f
}

func hold(subject, summary string) approval.Hold {
	return approval.Hold{Action: approval.FalsePositive, Subject: subject, Summary: summary,
		Payload: map[string]string{"Subject": subject, "Summary": summary}, Actor: "cli:ignored"}
}

var (
	alice      = approval.Principal{Actor: "token:00000000000000a1", Person: "Alice Smith", Role: auth.RoleAnalyst}
	aliceUser  = approval.Principal{Actor: "user:alice2", Person: "alice  SMITH", Role: auth.RoleAdmin, User: "alice2"}
	bob        = approval.Principal{Actor: "user:bob", Person: "Bob", Role: auth.RoleAnalyst, User: "bob"}
	bobToken   = approval.Principal{Actor: "token:00000000000000b0", Person: "Bob", Role: auth.RoleAnalyst}
	carol      = approval.Principal{Actor: "user:carol", Person: "Carol", Role: auth.RoleViewer, User: "carol"}
	dave       = approval.Principal{Actor: "user:dave", Person: "Dave", Role: auth.RoleAdmin, User: "dave"}
	background = context.Background()
)

// ask asks for a false-positive ruling as alice and returns the pending
// request.
func (f *fixture) ask(t *testing.T, subject, summary string) *approval.Request {
	t.Helper()
	err := f.svc.Check(approval.WithPrincipal(background, alice), hold(subject, summary))
	if !bulwark.IsCode(err, bulwark.EPENDING) {
		t.Fatalf("Check = %v, want %s", err, bulwark.EPENDING)
	}
	r := approval.PendingRequest(err)
	if r == nil || r.State != approval.Pending || r.Summary != summary || r.SummaryDigest != approval.Digest(summary) {
		t.Fatalf("pending request %+v", r)
	}
	return r
}

// approve runs the ceremony as p: challenge, assertion, approval.
func (f *fixture) approve(id string, p approval.Principal) (*approval.Request, error) {
	ch, _, err := f.svc.Challenge(background, id, p)
	if err != nil {
		return nil, err
	}
	return f.svc.Approve(background, id, p, authenticator{}.sign(p.User, ch))
}

// entries returns the audit entries of action with decision.
func (f *fixture) entries(t *testing.T, action, decision string) []*audit.Entry {
	t.Helper()
	all, err := f.db.AuditEntries(background, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []*audit.Entry
	for _, e := range all {
		var d struct{ Decision string }
		_ = json.Unmarshal(e.Details, &d)
		if e.Action == action && d.Decision == decision {
			out = append(out, e)
		}
	}
	return out
}

func TestAskKeepsOnePendingRequest(t *testing.T) {
	t.Parallel()
	f := newFixture(t, approval.Config{})
	r := f.ask(t, "screen:decision:1", "Rule decision 1 a false positive")
	again := f.ask(t, "screen:decision:1", "Rule decision 1 a false positive")
	if again.ID != r.ID {
		t.Errorf("the same ask made a second request %s beside %s", again.ID, r.ID)
	}
	if other := f.ask(t, "screen:decision:1", "Rule decision 1 a false positive (list changed)"); other.ID == r.ID {
		t.Errorf("another summary shares request %s", r.ID)
	}
	if got := f.entries(t, "approval.request", "requested"); len(got) != 2 || got[0].Actor != alice.Actor {
		t.Errorf("request entries %v", got)
	}
	stored, err := f.svc.Get(background, r.ID)
	if err != nil || stored.Requester != alice.Actor || stored.RequesterPerson != alice.Person || stored.Summary != r.Summary {
		t.Fatalf("stored %+v, %v", stored, err)
	}
	// A viewer cannot even ask.
	err = f.svc.Check(approval.WithPrincipal(background, carol), hold("screen:decision:2", "x"))
	if !bulwark.IsCode(err, bulwark.EFORBIDDEN) {
		t.Errorf("viewer asks: %v", err)
	}
	if len(f.entries(t, "approval.request", "refused")) != 1 {
		t.Errorf("viewer's ask not audited as refused")
	}
}

func TestActionOffRunsAtOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t, approval.Config{Off: []approval.Action{approval.FalsePositive}})
	if err := f.svc.Check(approval.WithPrincipal(background, alice), hold("screen:decision:1", "x")); err != nil {
		t.Fatalf("action off: %v", err)
	}
}

func TestApproveRefusals(t *testing.T) {
	t.Parallel()
	f := newFixture(t, approval.Config{})
	r := f.ask(t, "screen:decision:1", "Rule decision 1 a false positive")
	other := f.ask(t, "screen:decision:2", "Rule decision 2 a false positive")
	tests := []struct {
		name string
		run  func() error
		code string
	}{
		{"requester's own user (same person, other case and spaces)", func() error { _, err := f.approve(r.ID, aliceUser); return err }, bulwark.EFORBIDDEN},
		{"a token, no signed-in person", func() error { _, _, err := f.svc.Challenge(background, r.ID, bobToken); return err }, bulwark.EFORBIDDEN},
		{"a viewer", func() error { _, err := f.approve(r.ID, carol); return err }, bulwark.EFORBIDDEN},
		{"no assertion", func() error {
			if _, _, err := f.svc.Challenge(background, r.ID, bob); err != nil {
				return err
			}
			_, err := f.svc.Approve(background, r.ID, bob, nil)
			return err
		}, bulwark.EINVALID},
		{"no challenge issued", func() error {
			_, err := f.svc.Approve(background, other.ID, bob, []byte("x"))
			return err
		}, bulwark.EUNAUTHORIZED},
		{"assertion bound to another request", func() error {
			chOther, _, err := f.svc.Challenge(background, other.ID, bob)
			if err != nil {
				return err
			}
			if _, _, err := f.svc.Challenge(background, r.ID, bob); err != nil {
				return err
			}
			_, err = f.svc.Approve(background, r.ID, bob, authenticator{}.sign("bob", chOther))
			return err
		}, bulwark.EUNAUTHORIZED},
		{"another person's authenticator", func() error {
			ch, _, err := f.svc.Challenge(background, r.ID, bob)
			if err != nil {
				return err
			}
			_, err = f.svc.Approve(background, r.ID, bob, authenticator{}.sign("dave", ch))
			return err
		}, bulwark.EUNAUTHORIZED},
		{"challenge issued to someone else", func() error {
			ch, _, err := f.svc.Challenge(background, r.ID, dave)
			if err != nil {
				return err
			}
			_, err = f.svc.Approve(background, r.ID, bob, authenticator{}.sign("bob", ch))
			return err
		}, bulwark.EUNAUTHORIZED},
		{"challenge expired", func() error {
			ch, _, err := f.svc.Challenge(background, r.ID, bob)
			if err != nil {
				return err
			}
			f.advance(approval.ChallengeTTL)
			_, err = f.svc.Approve(background, r.ID, bob, authenticator{}.sign("bob", ch))
			return err
		}, bulwark.EUNAUTHORIZED},
	}
	for _, tt := range tests {
		before := len(f.entries(t, "approval.approve", "refused"))
		if err := tt.run(); !bulwark.IsCode(err, tt.code) {
			t.Errorf("%s: %v, want %s", tt.name, err, tt.code)
		}
		if after := len(f.entries(t, "approval.approve", "refused")); after != before+1 {
			t.Errorf("%s: %d refusals audited, want 1", tt.name, after-before)
		}
	}
	if len(f.runs) != 0 {
		t.Fatalf("refused approvals ran the action: %v", f.runs)
	}
	if got, _ := f.svc.Get(background, r.ID); got.State != approval.Pending {
		t.Errorf("after refusals the request is %s", got.State)
	}
}

func TestApproveRunsOnceAndReplayRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t, approval.Config{})
	r := f.ask(t, "screen:decision:1", "Rule decision 1 a false positive")
	ch, _, err := f.svc.Challenge(background, r.ID, bob)
	if err != nil {
		t.Fatal(err)
	}
	assertion := authenticator{}.sign("bob", ch)
	done, err := f.svc.Approve(background, r.ID, bob, assertion)
	if err != nil {
		t.Fatalf("Approve: %v", err)
	}
	if done.State != approval.Executed || done.DecidedBy != bob.Actor || done.Outcome != "ruled screen:decision:1" {
		t.Errorf("approved %+v", done)
	}
	// The same assertion again, and a fresh ceremony: the request is
	// decided once.
	if _, err := f.svc.Approve(background, r.ID, bob, assertion); !bulwark.IsCode(err, bulwark.ECONFLICT) {
		t.Errorf("replayed assertion: %v, want conflict", err)
	}
	if _, err := f.approve(r.ID, dave); !bulwark.IsCode(err, bulwark.ECONFLICT) {
		t.Errorf("second approval: %v, want conflict", err)
	}
	if !slices.Equal(f.runs, []string{"screen:decision:1"}) {
		t.Fatalf("ran %v, want once", f.runs)
	}
	if len(f.entries(t, "approval.approve", "approved")) != 1 || len(f.entries(t, "approval.execute", "executed")) != 1 {
		t.Errorf("approval and execution not audited once each")
	}
	// Asking again after it ran makes a new request.
	if again := f.ask(t, "screen:decision:1", "Rule decision 1 a false positive"); again.ID == r.ID {
		t.Errorf("a done request was handed out again")
	}
}

func TestReplayAfterFailedVerificationRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t, approval.Config{})
	r := f.ask(t, "screen:decision:1", "s")
	ch, _, err := f.svc.Challenge(background, r.ID, bob)
	if err != nil {
		t.Fatal(err)
	}
	good := authenticator{}.sign("bob", ch)
	if _, err := f.svc.Approve(background, r.ID, bob, []byte("garbage")); !bulwark.IsCode(err, bulwark.EUNAUTHORIZED) {
		t.Fatalf("garbage: %v", err)
	}
	// The challenge went with the failed try: the good assertion over it
	// is a replay now.
	if _, err := f.svc.Approve(background, r.ID, bob, good); !bulwark.IsCode(err, bulwark.EUNAUTHORIZED) {
		t.Fatalf("assertion over a used challenge: %v", err)
	}
}

func TestConcurrentApprovalsRunOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t, approval.Config{})
	r := f.ask(t, "screen:decision:1", "s")
	approvers := []approval.Principal{bob, dave}
	asserts := make([][]byte, len(approvers))
	// Each gets a challenge in turn (the last issued stands: dave's), and
	// both answer at once: bob finds no challenge of his (or the request
	// done), and does not spend dave's; the action runs once.
	var wg sync.WaitGroup
	errs := make([]error, len(approvers))
	for i, p := range approvers {
		ch, _, err := f.svc.Challenge(background, r.ID, p)
		if err != nil {
			t.Fatal(err)
		}
		asserts[i] = authenticator{}.sign(p.User, ch)
	}
	for i, p := range approvers {
		wg.Add(1)
		go func() { defer wg.Done(); _, errs[i] = f.svc.Approve(background, r.ID, p, asserts[i]) }()
	}
	wg.Wait()
	bobRefused := bulwark.IsCode(errs[0], bulwark.EUNAUTHORIZED) || bulwark.IsCode(errs[0], bulwark.ECONFLICT) // dave's done first
	if len(f.runs) != 1 || !bobRefused || errs[1] != nil {
		t.Fatalf("ran %d times (%v)", len(f.runs), errs)
	}
}

func TestSummaryChangedSinceAskFails(t *testing.T) {
	t.Parallel()
	f := newFixture(t, approval.Config{})
	// The executor asks the gate with another summary than was approved:
	// what it is on changed since.
	f.svc.Handle(approval.FalsePositive, func(ctx context.Context, r *approval.Request) (string, error) {
		return "", f.svc.Check(ctx, hold(r.Subject, "something else"))
	})
	r := f.ask(t, "screen:decision:1", "s")
	done, err := f.approve(r.ID, bob)
	if !bulwark.IsCode(err, bulwark.ECONFLICT) || done == nil || done.State != approval.Failed || !strings.Contains(done.Outcome, "another summary") {
		t.Fatalf("Approve = %+v, %v", done, err)
	}
	if got, _ := f.svc.Get(background, r.ID); got.State != approval.Failed {
		t.Errorf("stored state %s", got.State)
	}
	// A grant is for its own subject only: another subject asked with the
	// grant's context is held.
	f.svc.Handle(approval.FalsePositive, func(ctx context.Context, r *approval.Request) (string, error) {
		if approval.Granted(ctx, approval.FalsePositive, "screen:decision:9") {
			return "", errors.New("granted another subject")
		}
		return "", f.svc.Check(ctx, hold("screen:decision:9", "s"))
	})
	r2 := f.ask(t, "screen:decision:2", "s")
	if _, err := f.approve(r2.ID, bob); !bulwark.IsCode(err, bulwark.EPENDING) {
		t.Errorf("grant used for another subject: %v", err)
	}
}

func TestExpiredRequestNotApproved(t *testing.T) {
	t.Parallel()
	f := newFixture(t, approval.Config{})
	r := f.ask(t, "screen:decision:1", "s")
	f.advance(approval.DefaultTTL)
	if _, err := f.approve(r.ID, bob); !bulwark.IsCode(err, bulwark.ECONFLICT) {
		t.Errorf("expired: %v", err)
	}
	got, err := f.svc.List(background, approval.Expired, 10)
	if err != nil || len(got) != 1 || got[0].ID != r.ID {
		t.Errorf("expired list %v, %v", got, err)
	}
	if pending, _ := f.svc.List(background, approval.Pending, 10); len(pending) != 0 {
		t.Errorf("pending list holds an expired request")
	}
	if again := f.ask(t, "screen:decision:1", "s"); again.ID == r.ID {
		t.Errorf("an expired request was handed out again")
	}
}

func TestRejectAndCancel(t *testing.T) {
	t.Parallel()
	f := newFixture(t, approval.Config{})
	r := f.ask(t, "screen:decision:1", "s")
	if _, err := f.svc.Reject(background, r.ID, aliceUser, "mine"); !bulwark.IsCode(err, bulwark.EFORBIDDEN) {
		t.Errorf("requester rejects: %v", err)
	}
	if _, err := f.svc.Reject(background, r.ID, bob, " "); !bulwark.IsCode(err, bulwark.EINVALID) {
		t.Errorf("no reason: %v", err)
	}
	if _, err := f.svc.Cancel(background, r.ID, bob, ""); !bulwark.IsCode(err, bulwark.EFORBIDDEN) {
		t.Errorf("another analyst cancels: %v", err)
	}
	got, err := f.svc.Reject(background, r.ID, bobToken, "the entity is the customer")
	if err != nil || got.State != approval.Rejected || got.Reason != "the entity is the customer" {
		t.Fatalf("reject: %+v, %v", got, err)
	}
	if _, err := f.approve(r.ID, dave); !bulwark.IsCode(err, bulwark.ECONFLICT) {
		t.Errorf("approving a rejected request: %v", err)
	}
	r2 := f.ask(t, "screen:decision:2", "s")
	if got, err := f.svc.Cancel(background, r2.ID, aliceUser, "asked by mistake"); err != nil || got.State != approval.Cancelled {
		t.Fatalf("cancel by the same person: %+v, %v", got, err)
	}
	if len(f.runs) != 0 {
		t.Errorf("rejected or cancelled ran: %v", f.runs)
	}
	if len(f.entries(t, "approval.reject", "rejected")) != 1 || len(f.entries(t, "approval.cancel", "cancelled")) != 1 ||
		len(f.entries(t, "approval.reject", "refused")) != 2 || len(f.entries(t, "approval.cancel", "refused")) != 1 {
		t.Errorf("decisions not audited as expected")
	}
}

func TestParseConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		err      bool
	}{
		{"", "all", false},
		{"ALL", "all", false},
		{"none", "none", false},
		{"safe.approve, screen.false-positive", "safe.approve,screen.false-positive", false},
		{"trace.case.close-unsent-freeze,alert.ack-critical,policy.lower-threshold,safe.approve,screen.false-positive,people.change", "all", false},
		{"trace.case.close-unsent-freeze,alert.ack-critical,policy.lower-threshold,safe.approve,screen.false-positive", "safe.approve,screen.false-positive,alert.ack-critical,policy.lower-threshold,trace.case.close-unsent-freeze", false},
		{"safe.approve,nope", "", true},
		{",", "", true},
	}
	for _, tt := range tests {
		c, err := approval.ParseConfig("dual-control", tt.in)
		if (err != nil) != tt.err {
			t.Errorf("ParseConfig(%q) error %v", tt.in, err)
			continue
		}
		if err != nil {
			if !bulwark.IsCode(err, bulwark.EINVALID) || !strings.Contains(err.Error(), "dual-control") {
				t.Errorf("ParseConfig(%q) = %v: want EINVALID naming the key", tt.in, err)
			}
			continue
		}
		if c.String() != tt.want {
			t.Errorf("ParseConfig(%q) = %s, want %s", tt.in, c, tt.want)
		}
	}
}

func TestChallengeBindsEverything(t *testing.T) {
	t.Parallel()
	base := &approval.Request{ID: strings.Repeat("a", 32), Action: approval.SafeApprove, Subject: "safe:1:0x1:0x2", SummaryDigest: approval.Digest("s")}
	nonce := []byte("nonce")
	want := approval.ChallengeFor(base, nonce)
	change := []func(r *approval.Request){
		func(r *approval.Request) { r.ID = strings.Repeat("b", 32) },
		func(r *approval.Request) { r.Action = approval.FalsePositive },
		func(r *approval.Request) { r.Subject = "safe:1:0x1:0x3" },
		func(r *approval.Request) { r.SummaryDigest = approval.Digest("t") },
	}
	for i, c := range change {
		r := *base
		c(&r)
		if string(approval.ChallengeFor(&r, nonce)) == string(want) {
			t.Errorf("change %d does not change the challenge", i)
		}
	}
	if string(approval.ChallengeFor(base, []byte("other"))) == string(want) {
		t.Errorf("the nonce does not change the challenge")
	}
}

// TestUnnamedTokenCannotRequest: a token that names no person cannot ask
// for a held action (its holder could approve in the console as
// themselves), the refusal names the fix and stores nothing; a request
// such a token stored before is never approved, by anyone.
func TestUnnamedTokenCannotRequest(t *testing.T) {
	t.Parallel()
	f := newFixture(t, approval.Config{})
	anon := approval.Principal{Actor: "token:00000000000000c1", Person: "  ", Role: auth.RoleAdmin}
	err := f.svc.Check(approval.WithPrincipal(background, anon), hold("screen:decision:9", "Rule decision 9 a false positive"))
	if !bulwark.IsCode(err, bulwark.EFORBIDDEN) || !strings.Contains(err.Error(), "--person") {
		t.Fatalf("Check by a token without a person = %v, want %s naming --person", err, bulwark.EFORBIDDEN)
	}
	if rs, _ := f.svc.List(background, approval.Pending, 10); len(rs) != 0 {
		t.Fatalf("a refused ask stored %d requests", len(rs))
	}
	if len(f.entries(t, "approval.request", "refused")) == 0 {
		t.Error("the refusal is not audited")
	}
	// A request asked by such a token before this rule: nobody approves it.
	r := f.ask(t, "screen:decision:10", "Rule decision 10 a false positive")
	r.ID, r.Requester, r.RequesterPerson, r.Subject = "00000000000000000000000000000c10", anon.Actor, "", "screen:decision:11"
	if err := f.db.CreateApprovalRequest(background, r); err != nil {
		t.Fatal(err)
	}
	for _, p := range []approval.Principal{aliceUser, bob, dave} {
		if _, err := f.approve(r.ID, p); !bulwark.IsCode(err, bulwark.EFORBIDDEN) {
			t.Errorf("%s approving an unnamed token's request: %v, want %s", p.Actor, err, bulwark.EFORBIDDEN)
		}
	}
	if len(f.runs) != 0 {
		t.Errorf("the action ran: %v", f.runs)
	}
}
