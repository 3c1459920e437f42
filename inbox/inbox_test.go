package inbox_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/approval"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/inbox"
)

func TestSeverityScale(t *testing.T) {
	t.Parallel()
	sevs := inbox.Severities()
	for i := 1; i < len(sevs); i++ {
		if sevs[i].Rank() >= sevs[i-1].Rank() {
			t.Errorf("%s ranks %d, not below %s", sevs[i], sevs[i].Rank(), sevs[i-1])
		}
	}
	for _, c := range []struct {
		got, want inbox.Severity
	}{
		{inbox.Normalize("critical"), inbox.Critical},
		{inbox.Normalize("HIGH"), inbox.High},
		{inbox.Normalize("info"), inbox.Info},
		{inbox.Normalize("severe"), inbox.High},
		{inbox.Normalize(""), inbox.High},
		{inbox.ScreeningSeverity(bulwark.VerdictBlock), inbox.Critical},
		{inbox.ScreeningSeverity(bulwark.VerdictReview), inbox.Medium},
		{inbox.ScreeningSeverity(bulwark.VerdictClear), inbox.Info},
		{inbox.HiringSeverity(bulwark.VerdictBlock), inbox.High},
		{inbox.HiringSeverity(bulwark.VerdictReview), inbox.Medium},
	} {
		if c.got != c.want {
			t.Errorf("got %s, want %s", c.got, c.want)
		}
	}
	if _, err := inbox.ParseSeverity("severity", "urgent"); bulwark.ErrorCode(err) != bulwark.EINVALID || !strings.Contains(err.Error(), "critical, high") {
		t.Errorf("ParseSeverity(urgent) = %v", err)
	}
	if s, err := inbox.ParseSeverity("severity", " Critical "); err != nil || s != inbox.Critical {
		t.Errorf("ParseSeverity(Critical) = %v, %v", s, err)
	}
}

func TestCheckReason(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in, want string
		ok       bool
	}{
		{"  checked with the signers: our upgrade  ", "checked with the signers: our upgrade", true},
		{"line one\nline two", "line one\nline two", true},
		{"", "", false},
		{" \t\n", "", false},
		{"bell\a", "", false},
		{"bad \xff utf8", "", false},
		{strings.Repeat("é", inbox.MaxReason), strings.Repeat("é", inbox.MaxReason), true},
		{strings.Repeat("x", inbox.MaxReason+1), "", false},
	} {
		got, err := inbox.CheckReason("reason", c.in)
		if c.ok && (err != nil || got != c.want) {
			t.Errorf("CheckReason(%.20q) = %q, %v", c.in, got, err)
		}
		if !c.ok {
			var be *bulwark.Error
			if !errors.As(err, &be) || be.Code != bulwark.EINVALID || be.Field != "reason" {
				t.Errorf("CheckReason(%.20q) = %v, want EINVALID naming reason", c.in, err)
			}
		}
	}
}

func TestCheckAssignee(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in, want string
		ok       bool
	}{
		{"alice", "alice", true},
		{" bob.smith@example.com ", "bob.smith@example.com", true},
		{"", "", true},
		{"none", "", false},
		{"<img src=x>", "", false},
		{"a b", "", false},
		{strings.Repeat("a", inbox.MaxAssignee+1), "", false},
	} {
		got, err := inbox.CheckAssignee("assignee", c.in)
		if c.ok != (err == nil) || got != c.want {
			t.Errorf("CheckAssignee(%q) = %q, %v", c.in, got, err)
		}
	}
}

func TestCursor(t *testing.T) {
	t.Parallel()
	if n, err := inbox.ParseCursor("cursor", inbox.FormatCursor(1234)); err != nil || n != 1234 {
		t.Fatalf("round trip = %d, %v", n, err)
	}
	if n, err := inbox.ParseCursor("cursor", ""); err != nil || n != 0 {
		t.Fatalf("empty = %d, %v", n, err)
	}
	for _, bad := range []string{"1234", "b", "b-1", "b0", "b+5", "b012", "bx", "b99999999999999999999"} {
		if _, err := inbox.ParseCursor("cursor", bad); bulwark.ErrorCode(err) != bulwark.EINVALID {
			t.Errorf("ParseCursor(%q) = %v, want EINVALID", bad, err)
		}
	}
}

func FuzzParseCursor(f *testing.F) {
	for _, s := range []string{"", "b1", "b9223372036854775807", "b0", "1", "b-1", "b+1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := inbox.ParseCursor("cursor", s)
		if err != nil {
			if bulwark.ErrorCode(err) != bulwark.EINVALID {
				t.Fatalf("ParseCursor(%q) error %v is not EINVALID", s, err)
			}
			return
		}
		if s == "" {
			return
		}
		if n < 1 || inbox.FormatCursor(n) != s {
			t.Fatalf("ParseCursor(%q) = %d, which formats as %q", s, n, inbox.FormatCursor(n))
		}
	})
}

func TestFilterCheck(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		f     inbox.Filter
		field string
	}{
		{inbox.Filter{}, ""},
		{inbox.Filter{Kinds: []string{"safe.alert", "hiring.flag"}, Severities: []inbox.Severity{"critical"}, State: inbox.Open, Assignee: inbox.Unassigned}, ""},
		{inbox.Filter{Kinds: []string{"email"}}, "kind"},
		{inbox.Filter{Severities: []inbox.Severity{"urgent"}}, "severity"},
		{inbox.Filter{State: "closed"}, "state"},
		{inbox.Filter{Assignee: "a b"}, "assignee"},
		{inbox.Filter{Limit: inbox.MaxLimit + 1}, "limit"},
		{inbox.Filter{Limit: -1}, "limit"},
		{inbox.Filter{Before: -1}, "cursor"},
	} {
		err := c.f.Check()
		var be *bulwark.Error
		switch {
		case c.field == "" && err != nil:
			t.Errorf("Check(%+v) = %v", c.f, err)
		case c.field != "" && (!errors.As(err, &be) || be.Field != c.field):
			t.Errorf("Check(%+v) = %v, want an error naming %s", c.f, err, c.field)
		}
	}
	f := inbox.Filter{}
	if f.Check(); f.Limit != inbox.DefaultLimit {
		t.Errorf("default limit = %d", f.Limit)
	}
}

func TestEvidence(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ got, want string }{
		{inbox.SafeEvidence(7), "/api/v1/safe/alerts?since=6&limit=1"},
		{inbox.ScreeningEvidence("d/1"), "/api/v1/screen/decisions/d%2F1"},
		{inbox.TraceEvidence(3, "case:12"), "/api/v1/trace/cases/12"},
		{inbox.TraceEvidence(3, "watch"), "/api/v1/trace/alerts?since=2&limit=1"},
		{inbox.HiringEvidence("emp 9"), "/api/v1/hire/people/emp%209"},
	} {
		if c.got != c.want {
			t.Errorf("got %s, want %s", c.got, c.want)
		}
	}
}

// memStore is an inbox.Store and audit.Store in memory: enough to run the
// Service and the Escalator without a database. A change made under
// AppendAudit whose build fails is undone.
type memStore struct {
	mu       sync.Mutex
	items    []inbox.Item
	messages []int64 // escalation outbox refs
	log      []*audit.Entry
	inTx     bool
	// failEscalate makes EscalateInboxItem fail after marking.
	failEscalate error
}

func (m *memStore) add(it inbox.Item) inbox.Item {
	m.mu.Lock()
	defer m.mu.Unlock()
	it.ID = int64(len(m.items) + 1)
	it.State = inbox.Open
	m.items = append(m.items, it)
	return it
}

func (m *memStore) lock() func() {
	if m.inTx {
		return func() {}
	}
	m.mu.Lock()
	return m.mu.Unlock
}

func (m *memStore) InboxItems(_ context.Context, f inbox.Filter) ([]inbox.Item, error) {
	defer m.lock()()
	out := []inbox.Item{}
	for i := len(m.items) - 1; i >= 0 && len(out) < f.Limit; i-- {
		it := m.items[i]
		if (f.Before == 0 || it.ID < f.Before) && (f.State == "" || it.State == f.State) {
			out = append(out, it)
		}
	}
	return out, nil
}

func (m *memStore) get(id int64) (*inbox.Item, error) {
	if id < 1 || int(id) > len(m.items) {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "no alert %d", id)
	}
	return &m.items[id-1], nil
}

func (m *memStore) InboxItem(_ context.Context, id int64) (inbox.Item, error) {
	defer m.lock()()
	it, err := m.get(id)
	if err != nil {
		return inbox.Item{}, err
	}
	return *it, nil
}

func (m *memStore) AssignInboxItem(_ context.Context, id int64, assignee, by string, at time.Time) (inbox.Item, error) {
	defer m.lock()()
	it, err := m.get(id)
	if err != nil {
		return inbox.Item{}, err
	}
	if it.State != inbox.Open {
		return inbox.Item{}, bulwark.Errorf(bulwark.ECONFLICT, "acknowledged")
	}
	it.Assignee, it.AssignedBy, it.AssignedAt = assignee, by, &at
	return *it, nil
}

func (m *memStore) AckInboxItem(_ context.Context, id int64, by, reason string, at time.Time) (inbox.Item, error) {
	defer m.lock()()
	it, err := m.get(id)
	if err != nil {
		return inbox.Item{}, err
	}
	if it.State != inbox.Open {
		return inbox.Item{}, bulwark.Errorf(bulwark.ECONFLICT, "acknowledged")
	}
	it.State, it.AckedBy, it.AckReason, it.AckedAt = inbox.Acknowledged, by, reason, &at
	return *it, nil
}

func (m *memStore) DueEscalations(_ context.Context, min inbox.Severity, by time.Time, limit int) ([]inbox.Item, error) {
	defer m.lock()()
	var out []inbox.Item
	for _, it := range m.items {
		if it.Severity.Rank() >= min.Rank() && it.State == inbox.Open && it.EscalatedAt == nil && !it.Time.After(by) && len(out) < limit {
			out = append(out, it)
		}
	}
	return out, nil
}

func (m *memStore) EscalateInboxItem(_ context.Context, id int64, at time.Time) (bool, error) {
	defer m.lock()()
	it, err := m.get(id)
	if err != nil {
		return false, err
	}
	if it.State != inbox.Open || it.EscalatedAt != nil {
		return false, nil
	}
	it.EscalatedAt = &at
	m.messages = append(m.messages, id)
	if m.failEscalate != nil {
		return false, m.failEscalate
	}
	return true, nil
}

func (m *memStore) AppendAudit(ctx context.Context, build func(ctx context.Context, head audit.Head) (*audit.Entry, error)) (*audit.Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	items, msgs := append([]inbox.Item(nil), m.items...), append([]int64(nil), m.messages...)
	for i := range items { // deep enough: the pointers are replaced, not written through
		items[i] = m.items[i]
	}
	head := audit.Head{Seq: int64(len(m.log)), Hash: audit.GenesisHash}
	if len(m.log) > 0 {
		head.Hash = m.log[len(m.log)-1].Hash
	}
	m.inTx = true
	e, err := build(ctx, head)
	m.inTx = false
	if err != nil {
		m.items, m.messages = items, msgs
		return nil, err
	}
	m.log = append(m.log, e)
	return e, nil
}

func (m *memStore) AuditEntries(context.Context, int64, int) ([]*audit.Entry, error) {
	return m.log, nil
}
func (m *memStore) AuditHead(context.Context) (audit.Head, error) { return audit.Head{}, nil }

type gate struct {
	err   error
	holds []approval.Hold
}

func (g *gate) Check(_ context.Context, h approval.Hold) error {
	g.holds = append(g.holds, h)
	return g.err
}

func TestServiceAcknowledge(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := &memStore{}
	g := &gate{err: bulwark.Errorf(bulwark.EPENDING, "a second person must approve")}
	svc := &inbox.Service{Store: m, Audit: &audit.Log{Store: m}, Dual: g}
	critSafe := m.add(inbox.Item{Kind: inbox.KindSafe, Severity: inbox.Critical, Time: time.Now()})
	highSafe := m.add(inbox.Item{Kind: inbox.KindSafe, Severity: inbox.High, Time: time.Now()})
	critTrace := m.add(inbox.Item{Kind: inbox.KindTrace, Severity: inbox.Critical, Time: time.Now()})

	if _, _, err := svc.Acknowledge(ctx, "token:a", highSafe.ID, ""); bulwark.ErrorCode(err) != bulwark.EINVALID {
		t.Errorf("ack without reason = %v", err)
	}
	if _, _, err := svc.Acknowledge(ctx, "token:a", critSafe.ID, " ours "); bulwark.ErrorCode(err) != bulwark.EPENDING {
		t.Errorf("critical Safe ack before approval = %v, want EPENDING", err)
	}
	if len(g.holds) != 1 {
		t.Fatalf("gate asked %d times", len(g.holds))
	}
	h := g.holds[0]
	p, _ := h.Payload.(inbox.AckPayload)
	if h.Action != approval.AlertAck || h.Subject != "alert:1" || h.Actor != "token:a" || p != (inbox.AckPayload{ID: 1, Reason: "ours"}) ||
		!strings.Contains(h.Summary, `Reason: "ours"`) || !strings.Contains(h.Summary, "critical Safe alert 1") {
		t.Errorf("hold = %+v", h)
	}
	if it, _ := m.InboxItem(ctx, critSafe.ID); it.State != inbox.Open || len(m.log) != 0 {
		t.Errorf("refused ack changed something: %+v, %d entries", it, len(m.log))
	}
	it, e, err := svc.Acknowledge(ctx, "token:a", highSafe.ID, " our own test ")
	if err != nil || it.State != inbox.Acknowledged || it.AckReason != "our own test" || e == nil || e.Action != inbox.ActionAck || e.Target != "alert:2" ||
		!strings.Contains(string(e.Details), `"reason":"our own test"`) {
		t.Fatalf("ack = %+v, %+v, %v", it, e, err)
	}
	if _, _, err := svc.Acknowledge(ctx, "token:b", critTrace.ID, "retracted"); err != nil {
		t.Fatalf("critical trace ack = %v", err)
	}
	if len(g.holds) != 1 {
		t.Errorf("gate asked %d times, want only for the critical Safe alert", len(g.holds))
	}
	g.err = nil // approved
	if it, _, err := svc.Acknowledge(ctx, "token:a", critSafe.ID, "ours"); err != nil || it.State != inbox.Acknowledged {
		t.Errorf("approved critical ack = %+v, %v", it, err)
	}
	if _, _, err := svc.Acknowledge(ctx, "token:a", critSafe.ID, "again"); bulwark.ErrorCode(err) != bulwark.ECONFLICT {
		t.Errorf("second ack = %v", err)
	}
	if _, _, err := svc.Acknowledge(ctx, "token:a", 99, "x"); bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
		t.Errorf("missing = %v", err)
	}
}

func TestServiceAssignAndList(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := &memStore{}
	svc := &inbox.Service{Store: m, Audit: &audit.Log{Store: m}}
	for range 5 {
		m.add(inbox.Item{Kind: inbox.KindScreening, Severity: inbox.Medium, Time: time.Now()})
	}
	if _, _, err := svc.Assign(ctx, "token:a", 1, "<b>"); bulwark.ErrorCode(err) != bulwark.EINVALID {
		t.Errorf("bad assignee = %v", err)
	}
	it, e, err := svc.Assign(ctx, "token:a", 1, "carol")
	if err != nil || it.Assignee != "carol" || e.Action != inbox.ActionAssign {
		t.Fatalf("assign = %+v, %+v, %v", it, e, err)
	}
	p, err := svc.List(ctx, inbox.Filter{Limit: 2})
	if err != nil || len(p.Items) != 2 || p.Items[0].ID != 5 || p.Next != inbox.FormatCursor(4) {
		t.Fatalf("page 1 = %+v, %v", p, err)
	}
	before, _ := inbox.ParseCursor("cursor", p.Next)
	p, _ = svc.List(ctx, inbox.Filter{Limit: 2, Before: before})
	p2, _ := svc.List(ctx, inbox.Filter{Limit: 2, Before: p.Items[1].ID})
	if len(p2.Items) != 1 || p2.Items[0].ID != 1 || p2.Next != "" {
		t.Fatalf("last page = %+v", p2)
	}
	if _, err := svc.List(ctx, inbox.Filter{State: "done"}); bulwark.ErrorCode(err) != bulwark.EINVALID {
		t.Errorf("bad filter = %v", err)
	}
}

func TestEscalatorPass(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := &memStore{}
	now := time.Date(2026, 12, 7, 23, 0, 0, 0, time.UTC)
	woken := 0
	esc := &inbox.Escalator{Store: m, Audit: &audit.Log{Store: m}, Threshold: 10 * time.Minute, Now: func() time.Time { return now }, Stored: func() { woken++ }}
	old := m.add(inbox.Item{Kind: inbox.KindSafe, Severity: inbox.Critical, Time: now.Add(-11 * time.Minute)})
	m.add(inbox.Item{Kind: inbox.KindSafe, Severity: inbox.Critical, Time: now.Add(-9 * time.Minute)})
	m.add(inbox.Item{Kind: inbox.KindSafe, Severity: inbox.High, Time: now.Add(-time.Hour)})
	acked := m.add(inbox.Item{Kind: inbox.KindTrace, Severity: inbox.Critical, Time: now.Add(-time.Hour)})
	if _, err := m.AckInboxItem(ctx, acked.ID, "token:a", "done", now); err != nil {
		t.Fatal(err)
	}
	n, err := esc.Pass(ctx)
	if err != nil || n != 1 || woken != 1 || len(m.messages) != 1 || m.messages[0] != old.ID {
		t.Fatalf("pass = %d, %v; woken %d, messages %v", n, err, woken, m.messages)
	}
	if len(m.log) != 1 || m.log[0].Action != inbox.ActionEscalate || m.log[0].Target != "alert:1" {
		t.Errorf("audit = %+v", m.log)
	}
	// Again at once: nothing more (escalated once). Later: the second.
	if n, _ := esc.Pass(ctx); n != 0 || woken != 1 {
		t.Errorf("second pass = %d, woken %d", n, woken)
	}
	now = now.Add(2 * time.Minute)
	if n, _ := esc.Pass(ctx); n != 1 || len(m.messages) != 2 || m.messages[1] != 2 {
		t.Errorf("later pass = %d, messages %v", n, m.messages)
	}
	// A pass whose store fails keeps neither mark nor message.
	m.add(inbox.Item{Kind: inbox.KindSafe, Severity: inbox.Critical, Time: now.Add(-time.Hour)})
	m.failEscalate = errors.New("disk full")
	if _, err := esc.Pass(ctx); err == nil {
		t.Fatal("failing store: no error")
	}
	if it, _ := m.InboxItem(ctx, 5); it.EscalatedAt != nil || len(m.messages) != 2 {
		t.Errorf("failed escalation kept: %+v, %v", it, m.messages)
	}
}

func TestEscalatorRunStops(t *testing.T) {
	t.Parallel()
	m := &memStore{}
	m.add(inbox.Item{Kind: inbox.KindSafe, Severity: inbox.Critical, Time: time.Now().Add(-time.Hour)})
	escalated := make(chan struct{}, 1)
	esc := &inbox.Escalator{Store: m, Audit: &audit.Log{Store: m}, Every: time.Hour, Stored: func() { escalated <- struct{}{} }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { esc.Run(ctx); close(done) }()
	<-escalated // the first pass runs at start
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not stop when its context ended")
	}
}
