package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/ethrpc"
	"github.com/bulwark-sec/bulwark/safe"
	"github.com/bulwark-sec/bulwark/sqlite"
)

// monitorListPoll is how often the serve monitor rereads the watch list
// besides the nudge an API change gives it (a change made by another
// process sharing the store).
const monitorListPoll = 5 * time.Second

// monitor is the background watch of 'serve --rpc': it follows the chain
// for the Safes on the watch list (POST/DELETE /api/v1/safe/watches) with
// a safe.Watcher, and restarts the Watcher, from the last block it
// processed, whenever the list changes.
type monitor struct {
	client   *ethrpc.Client
	db       *sqlite.DB
	rec      *alertRecorder
	logger   *slog.Logger
	interval time.Duration
	// unreachableAfter and retryBase are FollowOptions' (0: defaults).
	unreachableAfter, retryBase time.Duration
	changed                     chan struct{}
	// reported holds the listed Safes that could not be read as Safes,
	// already alerted; they are left out until the list changes.
	reported map[common.Address]bool
}

func newMonitor(client *ethrpc.Client, db *sqlite.DB, rec *alertRecorder, logger *slog.Logger, interval time.Duration) *monitor {
	return &monitor{client: client, db: db, rec: rec, logger: logger, interval: interval,
		changed: make(chan struct{}, 1), reported: map[common.Address]bool{}}
}

// nudge tells the monitor the watch list changed.
func (mon *monitor) nudge() {
	select {
	case mon.changed <- struct{}{}:
	default:
	}
}

// wait waits for d, a nudge or the end of ctx; false when ctx ended.
func (mon *monitor) wait(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-mon.changed:
		return true
	case <-t.C:
		return true
	}
}

func (mon *monitor) list(ctx context.Context) ([]common.Address, error) {
	ws, err := mon.db.Watches(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]common.Address, len(ws))
	for i, w := range ws {
		out[i] = w.Safe
	}
	return out, nil
}

// run watches until ctx ends. Node and store failures are logged and
// retried; it never returns early.
func (mon *monitor) run(ctx context.Context) {
	node := watchNode{mon.client}
	var (
		last    uint64
		hasLast bool
		backoff = mon.interval
	)
	fail := func(msg string, err error) bool {
		mon.logger.Warn("safe monitor: "+msg, "err", bulwark.ErrorMessage(err), "retry", backoff)
		ok := mon.wait(ctx, backoff)
		backoff = min(2*backoff, 30*time.Second)
		return ok
	}
	for ctx.Err() == nil {
		listed, err := mon.list(ctx)
		if err != nil {
			if !fail("cannot read the watch list", err) {
				return
			}
			continue
		}
		for a := range mon.reported {
			if !slices.Contains(listed, a) {
				delete(mon.reported, a)
			}
		}
		if len(listed) == 0 {
			hasLast = false // nothing watched: start from the head next time
			if !mon.wait(ctx, monitorListPoll) {
				return
			}
			continue
		}
		if !hasLast {
			if last, err = mon.client.BlockNumber(ctx); err != nil {
				if !fail("cannot read the head from the node", err) {
					return
				}
				continue
			}
			hasLast = true
		}
		w, err := mon.start(ctx, node, listed, last)
		if err != nil {
			if !fail("cannot start watching", err) {
				return
			}
			continue
		}
		backoff = mon.interval
		if w == nil { // every listed Safe is unreadable: wait for a change
			if !mon.wait(ctx, monitorListPoll) {
				return
			}
			continue
		}
		mon.logger.Info("safe monitor: watching", "safes", len(w.Safes()), "listed", len(listed), "fromBlock", last+1)
		err = mon.follow(ctx, w, listed)
		last = w.Last().Number
		if err != nil && !fail("stopped", err) {
			return
		}
	}
}

// start builds a Watcher of listed at baseline, leaving out (with one
// SAFE_UNREADABLE alert each) the Safes that are not Safes there. It
// returns nil when none is left.
func (mon *monitor) start(ctx context.Context, node watchNode, listed []common.Address, baseline uint64) (*safe.Watcher, error) {
	var addrs []common.Address
	for _, a := range listed {
		if !mon.reported[a] {
			addrs = append(addrs, a)
		}
	}
	if len(addrs) == 0 {
		return nil, nil
	}
	opts := watchOptions(mon.client, mon.db)
	w, err := safe.NewWatcher(node, addrs, opts)
	if err != nil {
		return nil, err
	}
	err = w.Start(ctx, baseline)
	if err == nil || bulwark.ErrorCode(err) != bulwark.EINVALID {
		return w, err
	}
	// Some listed address is not a Safe at the baseline: find which, one
	// by one, alert once for each, and watch the others.
	var good []common.Address
	for _, a := range addrs {
		one, err := safe.NewWatcher(node, []common.Address{a}, opts)
		if err != nil {
			return nil, err
		}
		switch err := one.Start(ctx, baseline); {
		case err == nil:
			good = append(good, a)
		case bulwark.ErrorCode(err) == bulwark.EINVALID:
			mon.reported[a] = true
			al := safe.Alert{Block: baseline, Safe: a.Hex(), Code: safe.CodeSafeUnreadable, Severity: safe.SeverityHigh,
				Message: fmt.Sprintf("watched address %s cannot be read as a Safe at block %d: %s; it is left out until the watch list changes",
					a.Hex(), baseline, bulwark.ErrorMessage(err))}
			if err := mon.emit(ctx, al); err != nil {
				return nil, err
			}
		default:
			return nil, err
		}
	}
	if len(good) == 0 {
		return nil, nil
	}
	if w, err = safe.NewWatcher(node, good, opts); err != nil {
		return nil, err
	}
	return w, w.Start(ctx, baseline)
}

// follow runs w until ctx ends or the watch list stops being listed.
func (mon *monitor) follow(ctx context.Context, w *safe.Watcher, listed []common.Address) error {
	fctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	defer close(done)
	go func() {
		for mon.wait(fctx, monitorListPoll) {
			select {
			case <-done:
				return
			default:
			}
			now, err := mon.list(fctx)
			if err == nil && !slices.Equal(now, listed) {
				cancel()
				return
			}
		}
	}()
	err := w.Follow(fctx, safe.FollowOptions{PollInterval: mon.interval, UnreachableAfter: mon.unreachableAfter, RetryBase: mon.retryBase,
		Emit: func(a safe.Alert) error { return mon.emit(ctx, a) },
		Retry: func(err error, attempt int, wait time.Duration) {
			mon.logger.Warn("safe monitor: node failed; retrying", "attempt", attempt, "wait", wait, "err", bulwark.ErrorMessage(err))
		}})
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// emit records a (stored with its audit entry, queued for the webhook)
// and logs it.
func (mon *monitor) emit(ctx context.Context, a safe.Alert) error {
	mon.logger.Warn("safe alert", "code", a.Code, "severity", a.Severity, "safe", a.Safe, "block", a.Block, "message", a.Message)
	return mon.rec.record(ctx, a)
}
