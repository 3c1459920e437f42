package tracing

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark/audit"
)

// AlertKind is the kind of a trace alert's outbox message, and the "type"
// of its webhook payload.
const AlertKind = "trace.alert"

// Alert codes of the live follower (docs/tracing.md has the table with what
// to do; trace_codes_doc_test.go at the root holds it to these).
const (
	// CodeDeposit: tainted value at or above the threshold arrived at a
	// registered deposit address.
	CodeDeposit = "TRACE_DEPOSIT"
	// CodeRetracted: the block of an earlier alert was rolled back by a
	// reorg; the alert it names (Retracts) no longer holds. If the
	// deposit is in the new chain too, a new TRACE_DEPOSIT names its new
	// block.
	CodeRetracted = "TRACE_ALERT_RETRACTED"
)

// Alert severities.
const (
	SeverityCritical = "critical"
	SeverityMedium   = "medium"
)

// StoredAlert is an alert the follower raised, as an AlertStore keeps it:
// numbered, stamped, with the trace it came from and the state of its
// webhook delivery.
type StoredAlert struct {
	// ID numbers stored trace alerts from 1, in the order they were saved.
	ID int64 `json:"id"`
	// Time is when the alert was stored (UTC).
	Time     time.Time `json:"time"`
	Code     string    `json:"code"`
	Severity string    `json:"severity"`
	// Follow names the followed trace that raised it: "watch" for 'bulwark
	// trace watch', "case:ID" for a case.
	Follow  string `json:"follow"`
	Message string `json:"message"`
	Alert
	// Retracts, on a TRACE_ALERT_RETRACTED, is the id of the alert it
	// retracts.
	Retracts int64 `json:"retracts,omitempty"`
	// RetractedBy, on an alert whose block a reorg rolled back, is the id
	// of its retraction.
	RetractedBy int64 `json:"retractedBy,omitempty"`
	// Delivery is the state of the alert's webhook delivery.
	Delivery AlertDelivery `json:"delivery"`
}

// AlertDelivery is where the webhook delivery of a stored alert stands:
// the state of its outbox message (package outbox).
type AlertDelivery struct {
	// DeliveredAt is when a receiver accepted the alert; nil until then.
	DeliveredAt *time.Time `json:"deliveredAt,omitempty"`
	// Attempts is how many deliveries were attempted.
	Attempts int `json:"attempts"`
	// LastError says why the last attempt failed ("" after a success).
	LastError string `json:"lastError,omitempty"`
}

// Position names the transfer an alert is about within its transaction:
// "log:5" for a transfer read from a log ("log:5.2" for item 2 of an
// ERC-1155 event), "call:0.2" for a call (trace address; "call:" for the
// transaction itself), "fee:gas-tip" for a fee.
func (a *Alert) Position() string {
	switch {
	case a.LogIndex != nil && a.ItemIndex != nil:
		return "log:" + strconv.FormatUint(uint64(*a.LogIndex), 10) + "." + strconv.FormatUint(uint64(*a.ItemIndex), 10)
	case a.LogIndex != nil:
		return "log:" + strconv.FormatUint(uint64(*a.LogIndex), 10)
	case a.Kind == GasTip || a.Kind == BaseFeeBurn:
		return "fee:" + a.Kind.String()
	}
	parts := make([]string, len(a.TraceAddress))
	for i, x := range a.TraceAddress {
		parts[i] = strconv.FormatUint(uint64(x), 10)
	}
	return "call:" + strings.Join(parts, ".")
}

// AlertFilter selects stored trace alerts.
type AlertFilter struct {
	// Follow, when set, keeps the alerts of that followed trace.
	Follow string
	// Deposit, when set, keeps the alerts about that deposit address.
	Deposit *common.Address
	// SinceID keeps alerts with an ID above it (0: from the first).
	SinceID int64
	// Limit is the most alerts returned; it must be at least 1.
	Limit int
}

// FollowCursor is where a followed trace stands: every block up to Block
// is processed (its alerts stored), Block's hash being Hash as processed.
// FromBlock is the first block the trace applies, where a restart replays
// it from.
type FollowCursor struct {
	// Follow is the follow's cursor key (Follow.CursorKey).
	Follow    string
	Chain     uint64
	Block     uint64
	Hash      common.Hash
	FromBlock uint64
	UpdatedAt time.Time // UTC
}

// AlertStore keeps the alerts the follower raises and the cursor of each
// followed trace.
//
// A store adapter that also holds the audit log joins the write
// transaction audit.Log.Do hands its change, so an alert and its audit
// entry commit together or not at all, and writes the alert's outbox
// message (kind "trace.alert") in the same transaction: a stored alert is
// delivered, at least once, by whichever process delivers (package
// outbox). storetest.TraceAlertStore is its conformance suite.
type AlertStore interface {
	// SaveTraceAlert stores a, with its outbox message, and returns its
	// ID and true; the store stamps the time. An alert is identified by
	// its follow, code, chain, block hash, transaction hash, Position and
	// deposit: when one with the same identity is stored, nothing is
	// stored and its ID and false are returned. A retraction (Retracts
	// set) marks the alert it names as retracted by it; ENOTFOUND when
	// there is no such alert.
	SaveTraceAlert(ctx context.Context, a StoredAlert) (int64, bool, error)
	// TraceAlerts returns the alerts f selects, in ID order, with the
	// delivery state of their outbox messages. A Limit below 1 is
	// EINVALID.
	TraceAlerts(ctx context.Context, f AlertFilter) ([]StoredAlert, error)
	// FollowCursor returns the cursor of follow, false if none.
	FollowCursor(ctx context.Context, follow string) (FollowCursor, bool, error)
	// SaveFollowCursor stores c as its follow's cursor (the store stamps
	// UpdatedAt).
	SaveFollowCursor(ctx context.Context, c FollowCursor) error
}

// AlertPruner deletes the trace alerts stored before a time, except those
// whose webhook delivery is pending, with their delivered outbox
// messages. An alert and its retraction go together: neither is deleted
// while the other must stay.
type AlertPruner interface {
	PruneTraceAlerts(ctx context.Context, before time.Time) (int64, error)
}

// PruneAlerts deletes the trace alerts (TRACE_DEPOSIT and
// TRACE_ALERT_RETRACTED) stored before before, except those whose webhook
// delivery is pending and the alerts paired with them, audited as
// trace.alerts.prune by actor in the same transaction; it writes no entry
// when there is nothing to delete. It returns how many were deleted and
// the entry's sequence number.
func PruneAlerts(ctx context.Context, store AlertPruner, log *audit.Log, actor string, before time.Time) (n, seq int64, err error) {
	return log.Prune(ctx, actor, "trace.alerts.prune", "trace alerts", "alerts", before, func(ctx context.Context) (int64, error) {
		return store.PruneTraceAlerts(ctx, before)
	})
}
