package inbox

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/approval"
	"github.com/bulwark-sec/bulwark/audit"
)

// Service is the inbox's operations for the command line, the API and the
// console: listing, assignment and acknowledgement, each change audited.
type Service struct {
	Store Store
	Audit *audit.Log
	// Dual, when set, is asked before a critical Safe alert is
	// acknowledged (dual control, action approval.AlertAck on subject
	// "alert:ID"); nil acknowledges it like any other (tests, and a
	// server without dual control).
	Dual approval.Gate
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// Audit actions.
const (
	ActionAssign   = "alert.assign"
	ActionAck      = "alert.ack"
	ActionEscalate = "alert.escalate"
)

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// List returns the page of items f selects and the next page's cursor.
func (s *Service) List(ctx context.Context, f Filter) (Page, error) {
	if err := f.Check(); err != nil {
		return Page{}, err
	}
	limit := f.Limit
	f.Limit++
	items, err := s.Store.InboxItems(ctx, f)
	if err != nil {
		return Page{}, err
	}
	p := Page{Items: items}
	if len(items) > limit {
		p.Items = items[:limit]
		p.Next = FormatCursor(p.Items[limit-1].ID)
	}
	if p.Items == nil {
		p.Items = []Item{}
	}
	return p, nil
}

// Get returns item id.
func (s *Service) Get(ctx context.Context, id int64) (Item, error) {
	if id < 1 {
		return Item{}, bulwark.Invalid("id", "an alert id is a positive number, got %d", id)
	}
	return s.Store.InboxItem(ctx, id)
}

// target names an item in the audit log.
func target(it Item) string { return "alert:" + strconv.FormatInt(it.ID, 10) }

// AssignInTx assigns item id to assignee ("" unassigns) as actor, with ctx
// bound to an audit transaction (audit.Log.Do), and returns the item and
// the event to record.
func (s *Service) AssignInTx(ctx context.Context, actor string, id int64, assignee string) (Item, audit.Event, error) {
	a, err := CheckAssignee("assignee", assignee)
	if err != nil {
		return Item{}, audit.Event{}, err
	}
	if id < 1 {
		return Item{}, audit.Event{}, bulwark.Invalid("id", "an alert id is a positive number, got %d", id)
	}
	it, err := s.Store.AssignInboxItem(ctx, id, a, actor, s.now())
	if err != nil {
		return Item{}, audit.Event{}, err
	}
	return it, audit.Event{Actor: actor, Action: ActionAssign, Target: target(it),
		Details: map[string]any{"kind": it.Kind, "ref": it.Ref, "severity": it.Severity, "assignee": a}}, nil
}

// AckSummary is the text a second person approves to let a critical Safe
// alert be acknowledged: the alert and the reason, exactly.
func AckSummary(it Item, reason string) string {
	return "Acknowledge (close) critical Safe alert " + strconv.FormatInt(it.ID, 10) + " (safe.alert " + it.Ref + ", raised " +
		it.Time.UTC().Format(time.RFC3339) + ")\nSubject: " + it.Subject + "\nAlert: " + it.Message + "\nReason: " + approval.Quote(reason)
}

// AckPayload is the input an approved acknowledgement runs with (the
// approval.AlertAck executor's Payload).
type AckPayload struct {
	ID     int64  `json:"id"`
	Reason string `json:"reason"`
}

// PrepareAck checks an acknowledgement of item id for reason by actor —
// the reason, the item, that it is open, and dual control for a critical
// Safe alert (EPENDING while a second person's approval is missing) — and
// returns the change that makes it, to run with ctx bound to an audit
// transaction (audit.Log.Do). It must run outside one: dual control
// records its request in its own transaction.
func (s *Service) PrepareAck(ctx context.Context, actor string, id int64, reason string) (func(ctx context.Context) (Item, audit.Event, error), error) {
	r, err := CheckReason("reason", reason)
	if err != nil {
		return nil, err
	}
	it, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if it.State == Acknowledged {
		return nil, bulwark.Errorf(bulwark.ECONFLICT, "alert %d was acknowledged already by %s", it.ID, it.AckedBy)
	}
	dual := false
	if it.NeedsDualControl() && s.Dual != nil {
		if err := s.Dual.Check(ctx, approval.Hold{Action: approval.AlertAck, Subject: target(it), Summary: AckSummary(it, r),
			Payload: AckPayload{ID: it.ID, Reason: r}, Actor: actor}); err != nil {
			return nil, err
		}
		dual = approval.Granted(ctx, approval.AlertAck, target(it))
	}
	return func(ctx context.Context) (Item, audit.Event, error) {
		it, err := s.Store.AckInboxItem(ctx, id, actor, r, s.now())
		if err != nil {
			return Item{}, audit.Event{}, err
		}
		return it, audit.Event{Actor: actor, Action: ActionAck, Target: target(it),
			Details: map[string]any{"kind": it.Kind, "ref": it.Ref, "severity": it.Severity, "reason": r, "dualControl": dual}}, nil
	}, nil
}

// Assign assigns item id and records it in the audit log.
func (s *Service) Assign(ctx context.Context, actor string, id int64, assignee string) (Item, *audit.Entry, error) {
	var it Item
	e, err := s.Audit.Do(ctx, func(ctx context.Context) (audit.Event, error) {
		var ev audit.Event
		var err error
		it, ev, err = s.AssignInTx(ctx, actor, id, assignee)
		return ev, err
	})
	return it, e, err
}

// Acknowledge acknowledges item id and records it in the audit log
// (PrepareAck, then the change with its entry). An approved request's
// executor calls it with the grant in ctx.
func (s *Service) Acknowledge(ctx context.Context, actor string, id int64, reason string) (Item, *audit.Entry, error) {
	apply, err := s.PrepareAck(ctx, actor, id, reason)
	if err != nil {
		return Item{}, nil, err
	}
	var it Item
	e, err := s.Audit.Do(ctx, func(ctx context.Context) (audit.Event, error) {
		var ev audit.Event
		var err error
		it, ev, err = apply(ctx)
		return ev, err
	})
	return it, e, err
}

// AckExecutor is the executor of approval.AlertAck (register it with
// approval.Service.Handle): once a second person approved, it
// acknowledges the item the request's payload names, in the requester's
// name and for their reason; the grant ctx carries lets it past dual
// control.
func (s *Service) AckExecutor() approval.Executor {
	return func(ctx context.Context, r *approval.Request) (string, error) {
		var p AckPayload
		if err := json.Unmarshal(r.Payload, &p); err != nil || p.ID < 1 {
			return "", bulwark.Errorf(bulwark.EINTEGRITY, "approval request %s does not name an alert to acknowledge", r.ID)
		}
		it, e, err := s.Acknowledge(ctx, r.Requester, p.ID, p.Reason)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("alert %d acknowledged (audit entry %d)", it.ID, e.Seq), nil
	}
}
