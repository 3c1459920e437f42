package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/inbox"
	"github.com/bulwark-sec/bulwark/outbox"
	"github.com/bulwark-sec/bulwark/safe/watch"
	"github.com/bulwark-sec/bulwark/screening"
	"github.com/bulwark-sec/bulwark/tracing"
)

// Body returns the JSON body of the alert an outbox message names (its
// Ref), read from the store that keeps it.
type Body func(ctx context.Context, ref int64) ([]byte, error)

// Sender is the outbox.Sender of the webhook: it renders each message's
// body from its alert (with the Body of its kind) and makes one signed
// POST. Retries are the outbox's: it tells them apart with
// outbox.SendError (a 4xx or a redirect is Permanent; Retry-After is
// passed on).
type Sender struct {
	n      *Notifier
	bodies map[string]Body
}

var _ outbox.Sender = (*Sender)(nil)

// NewSender returns the Sender of the kinds bodies renders.
func NewSender(n *Notifier, bodies map[string]Body) *Sender {
	return &Sender{n: n, bodies: bodies}
}

// Kinds returns the kinds s delivers, sorted.
func (s *Sender) Kinds() []string {
	out := make([]string, 0, len(s.bodies))
	for k := range s.bodies {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// URL returns the receiver's URL as Notifier.URL does.
func (s *Sender) URL() string { return s.n.URL() }

// Send makes one delivery attempt of m.
func (s *Sender) Send(ctx context.Context, m outbox.Message) error {
	render, ok := s.bodies[m.Kind]
	if !ok {
		return &outbox.SendError{Err: fmt.Errorf("no webhook body for kind %q", m.Kind), Permanent: true}
	}
	body, err := render(ctx, m.Ref)
	if err != nil {
		return &outbox.SendError{Err: fmt.Errorf("cannot read %s: %s", m.Key(), bulwark.ErrorMessage(err)),
			Permanent: bulwark.ErrorCode(err) == bulwark.ENOTFOUND || bulwark.ErrorCode(err) == bulwark.EINTEGRITY}
	}
	retry, wait, err := s.n.post(ctx, body)
	if err != nil {
		return &outbox.SendError{Err: err, Permanent: !retry, RetryAfter: wait}
	}
	return nil
}

// SafeAlertBodies renders Safe alerts (kind safe.AlertKind) as Payloads,
// read from store.
func SafeAlertBodies(store watch.AlertStore) Body {
	return func(ctx context.Context, ref int64) ([]byte, error) {
		got, err := store.Alerts(ctx, watch.AlertFilter{SinceID: ref - 1, Limit: 1})
		if err != nil {
			return nil, err
		}
		if len(got) != 1 || got[0].ID != ref {
			return nil, bulwark.Errorf(bulwark.ENOTFOUND, "no Safe alert with id %d", ref)
		}
		return json.Marshal(Payload{Type: TypeSafeAlert, ID: ref, Time: got[0].Time.UTC(), Alert: got[0].Alert})
	}
}

// ScreeningAlertStore is what ScreeningAlertBodies reads.
type ScreeningAlertStore interface {
	ScreenAlerts(ctx context.Context, sinceID int64, limit int) ([]screening.Alert, error)
}

// ScreeningAlertBodies renders screening alerts (kind screening.AlertKind)
// as ScreeningPayloads, read from store.
func ScreeningAlertBodies(store ScreeningAlertStore) Body {
	return func(ctx context.Context, ref int64) ([]byte, error) {
		got, err := store.ScreenAlerts(ctx, ref-1, 1)
		if err != nil {
			return nil, err
		}
		if len(got) != 1 || got[0].ID != ref {
			return nil, bulwark.Errorf(bulwark.ENOTFOUND, "no screening alert with id %d", ref)
		}
		return json.Marshal(NewScreeningPayload(got[0]))
	}
}

// TraceAlertStore is what TraceAlertBodies reads.
type TraceAlertStore interface {
	TraceAlerts(ctx context.Context, f tracing.AlertFilter) ([]tracing.StoredAlert, error)
}

// TraceAlertBodies renders trace alerts (kind tracing.AlertKind) as
// TracePayloads, read from store.
func TraceAlertBodies(store TraceAlertStore) Body {
	return func(ctx context.Context, ref int64) ([]byte, error) {
		got, err := store.TraceAlerts(ctx, tracing.AlertFilter{SinceID: ref - 1, Limit: 1})
		if err != nil {
			return nil, err
		}
		if len(got) != 1 || got[0].ID != ref {
			return nil, bulwark.Errorf(bulwark.ENOTFOUND, "no trace alert with id %d", ref)
		}
		return json.Marshal(NewTracePayload(got[0]))
	}
}

// TypeEscalation is the "type" of an escalation's payload.
const TypeEscalation = inbox.EscalationKind

// EscalationPayload is the body of an escalation: a critical alert left
// unacknowledged past the threshold. ID is the inbox item's id (with Type,
// the identity receivers deduplicate on); Alert is the item as the inbox
// shows it (its kind, ref, severity, subject, message, evidence path,
// assignee).
type EscalationPayload struct {
	Type  string     `json:"type"`
	ID    int64      `json:"id"`
	Time  time.Time  `json:"time"`
	Alert inbox.Item `json:"alert"`
}

// InboxStore is what EscalationBodies reads.
type InboxStore interface {
	InboxItem(ctx context.Context, id int64) (inbox.Item, error)
}

// EscalationBodies renders escalations (kind inbox.EscalationKind) as
// EscalationPayloads, read from store.
func EscalationBodies(store InboxStore) Body {
	return func(ctx context.Context, ref int64) ([]byte, error) {
		it, err := store.InboxItem(ctx, ref)
		if err != nil {
			return nil, err
		}
		at := it.Time
		if it.EscalatedAt != nil {
			at = *it.EscalatedAt
		}
		return json.Marshal(EscalationPayload{Type: TypeEscalation, ID: it.ID, Time: at.UTC(), Alert: it})
	}
}
