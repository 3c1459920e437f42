package watch

import (
	"context"
	"time"

	"github.com/bulwark-sec/bulwark/audit"
)

// AlertSaver stores an alert with its outbox message (AlertStore's
// SaveAlert).
type AlertSaver interface {
	SaveAlert(ctx context.Context, a Alert) (int64, error)
}

// Recorder stores each alert with its audit entry and its outbox message
// in one transaction, then calls Stored (a delivery's wake): what 'safe
// watch' and the serve Monitor do with an alert besides showing it.
type Recorder struct {
	Store AlertSaver
	// Log is the audit log; a store that also holds it joins the
	// transaction Log.Do opens.
	Log *audit.Log
	// Actor is the audit entry's actor.
	Actor string
	// Node is the target of node and chain alerts (no Safe): the node's
	// redacted URL.
	Node string
	// Stored, when set, is called after each alert is committed; it must
	// not block.
	Stored func()
}

// Record stores a with its audit entry ("safe.watch.alert"), even when ctx
// has ended (an alert seen as the watch stops is still recorded).
func (r *Recorder) Record(ctx context.Context, a Alert) error {
	target := a.Safe
	if target == "" {
		target = r.Node
	}
	var id int64
	if _, err := r.Log.Do(context.WithoutCancel(ctx), func(txctx context.Context) (audit.Event, error) {
		var err error
		if id, err = r.Store.SaveAlert(txctx, a); err != nil {
			return audit.Event{}, err
		}
		d := AuditDetails(a)
		d["alertId"] = id
		return audit.Event{Actor: r.Actor, Action: "safe.watch.alert", Target: target, Details: d}, nil
	}); err != nil {
		return err
	}
	if r.Stored != nil {
		r.Stored()
	}
	return nil
}

// AuditDetails is a as an audit entry's details.
func AuditDetails(a Alert) map[string]any {
	d := map[string]any{"code": a.Code, "severity": a.Severity, "block": a.Block, "message": a.Message}
	for k, v := range map[string]string{"blockHash": a.BlockHash, "kind": string(a.Kind), "before": a.Before, "after": a.After,
		"safeTxHash": a.SafeTxHash, "txHash": a.TxHash} {
		if v != "" {
			d[k] = v
		}
	}
	return d
}

// AlertPruner deletes the alerts stored before a time, except those whose
// webhook delivery is pending.
type AlertPruner interface {
	PruneSafeAlerts(ctx context.Context, before time.Time) (int64, error)
}

// PruneAlerts deletes the Safe alerts stored before before (not those
// whose webhook delivery is pending), audited as safe.alerts.prune by
// actor in the same transaction; it writes no entry when there is nothing
// to delete. It returns how many were deleted and the entry's sequence
// number.
func PruneAlerts(ctx context.Context, store AlertPruner, log *audit.Log, actor string, before time.Time) (n, seq int64, err error) {
	return log.Prune(ctx, actor, "safe.alerts.prune", "Safe alerts", "alerts", before, func(ctx context.Context) (int64, error) {
		return store.PruneSafeAlerts(ctx, before)
	})
}
