package watch

import (
	"context"
	"time"
)

// AlertKind is the kind of a Safe alert's outbox message, and the "type"
// of its webhook payload.
const AlertKind = "safe.alert"

// StoredAlert is an Alert as an AlertStore keeps it: numbered, stamped and
// with the state of its webhook delivery.
type StoredAlert struct {
	// ID numbers stored alerts from 1, in the order they were saved.
	ID int64 `json:"id"`
	// Time is when the alert was saved (UTC).
	Time time.Time `json:"time"`
	Alert
	// Delivery is the state of the alert's webhook delivery.
	Delivery AlertDelivery `json:"delivery"`
}

// AlertDelivery is where the webhook delivery of a stored alert stands: the
// state of its outbox message (package outbox).
type AlertDelivery struct {
	// DeliveredAt is when a receiver accepted the alert (2xx); nil until
	// then (while no process with a webhook runs, too).
	DeliveredAt *time.Time `json:"deliveredAt,omitempty"`
	// Attempts is how many POSTs were made.
	Attempts int `json:"attempts"`
	// LastError says why the last attempt failed ("" after a success). It
	// never holds the webhook secret.
	LastError string `json:"lastError,omitempty"`
}

// AlertFilter selects stored alerts.
type AlertFilter struct {
	// Safe, when set, keeps the alerts of that Safe only (hex, any case).
	Safe string
	// SinceID keeps alerts with an ID above it (0: from the first).
	SinceID int64
	// Limit is the most alerts returned; it must be at least 1.
	Limit int
	// Codes, when set, keeps the alerts with one of these codes.
	Codes []string
	// Newest returns the newest alerts first: the Limit highest IDs above
	// SinceID, in descending ID order (default: the lowest, ascending).
	Newest bool
}

// AlertStore keeps the alerts a watcher raised.
//
// A store adapter that also holds the audit log joins the write
// transaction that audit.Log.Do hands its change, so an alert and its
// audit entry commit together or not at all. It writes the alert's outbox
// message (kind "safe.alert") in the same transaction: a stored alert is
// delivered, at least once, by whichever process delivers (package
// outbox).
type AlertStore interface {
	// SaveAlert stores a, and its outbox message, and returns its ID; the
	// store stamps the time.
	SaveAlert(ctx context.Context, a Alert) (int64, error)
	// Alerts returns the alerts the filter selects, in ID order, with the
	// delivery state of their outbox messages. A Limit below 1 is EINVALID.
	Alerts(ctx context.Context, f AlertFilter) ([]StoredAlert, error)
}
