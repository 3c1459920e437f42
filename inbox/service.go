package inbox

import (
	"context"
	"strconv"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
)

// AckGate is dual control on acknowledgements: it is asked, inside the
// acknowledgement's transaction, before an item that NeedsDualControl is
// acknowledged, and refuses (EFORBIDDEN, or ECONFLICT while a second
// person's approval is pending) unless a different person approved
// exactly this acknowledgement (the item and the reason). Package approval
// provides it.
type AckGate interface {
	CheckAck(ctx context.Context, actor string, it Item, reason string) error
}

// Service is the inbox's operations for the command line, the API and the
// console: listing, assignment and acknowledgement, each change audited.
type Service struct {
	Store Store
	Audit *audit.Log
	// Gate, when set, is asked before a critical Safe alert is
	// acknowledged (dual control); nil acknowledges it like any other.
	Gate AckGate
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
		return Item{}, bulwark.Invalid("id", "id: an alert id is a positive number, got %d", id)
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
		return Item{}, audit.Event{}, bulwark.Invalid("id", "id: an alert id is a positive number, got %d", id)
	}
	it, err := s.Store.AssignInboxItem(ctx, id, a, actor, s.now())
	if err != nil {
		return Item{}, audit.Event{}, err
	}
	return it, audit.Event{Actor: actor, Action: ActionAssign, Target: target(it),
		Details: map[string]any{"kind": it.Kind, "ref": it.Ref, "severity": it.Severity, "assignee": a}}, nil
}

// AckInTx acknowledges item id for reason as actor (dual control first
// when the item needs it), with ctx bound to an audit transaction, and
// returns the item and the event to record.
func (s *Service) AckInTx(ctx context.Context, actor string, id int64, reason string) (Item, audit.Event, error) {
	r, err := CheckReason("reason", reason)
	if err != nil {
		return Item{}, audit.Event{}, err
	}
	it, err := s.Get(ctx, id)
	if err != nil {
		return Item{}, audit.Event{}, err
	}
	if it.State == Acknowledged {
		return Item{}, audit.Event{}, bulwark.Errorf(bulwark.ECONFLICT, "alert %d was acknowledged already by %s", it.ID, it.AckedBy)
	}
	dual := false
	if it.NeedsDualControl() && s.Gate != nil {
		if err := s.Gate.CheckAck(ctx, actor, it, r); err != nil {
			return Item{}, audit.Event{}, err
		}
		dual = true
	}
	if it, err = s.Store.AckInboxItem(ctx, id, actor, r, s.now()); err != nil {
		return Item{}, audit.Event{}, err
	}
	return it, audit.Event{Actor: actor, Action: ActionAck, Target: target(it),
		Details: map[string]any{"kind": it.Kind, "ref": it.Ref, "severity": it.Severity, "reason": r, "dualControl": dual}}, nil
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

// Acknowledge acknowledges item id and records it in the audit log.
func (s *Service) Acknowledge(ctx context.Context, actor string, id int64, reason string) (Item, *audit.Entry, error) {
	var it Item
	e, err := s.Audit.Do(ctx, func(ctx context.Context) (audit.Event, error) {
		var ev audit.Event
		var err error
		it, ev, err = s.AckInTx(ctx, actor, id, reason)
		return ev, err
	})
	return it, e, err
}
