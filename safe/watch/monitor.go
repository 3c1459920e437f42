package watch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/safe/onchain"
	"github.com/bulwark-sec/bulwark/safe/policy"
)

// MonitorListPoll is how often a Monitor rereads the watch list besides
// the nudge an API change gives it (a change made by another process
// sharing the store).
const MonitorListPoll = 5 * time.Second

// DefaultMaxCatchup is serve's --watch-max-catchup: how many blocks mined
// while the server was down a Monitor checks on a restart.
const DefaultMaxCatchup = 10000

// cursorRewind is how far before its saved cursor the monitor resumes when
// that block is no longer canonical (a reorg while the server was down). A
// Safe created since that block has no code there: the Watcher watches it
// as not deployed yet and takes its state at its creation as its baseline.
const cursorRewind = DefaultMaxReorgDepth

// resumeAttempts is how many times the monitor tries to start at a
// baseline taken from its cursor before it gives up on the gap (the node
// keeps refusing that block: a pruned state) and starts from the head.
const resumeAttempts = 5

// MonitorNode is the node a Monitor follows: a Watcher's Reader that
// also tells the head's number (ethrpc.WatchReader).
type MonitorNode interface {
	Reader
	BlockNumber(ctx context.Context) (uint64, error)
}

// MonitorStore holds what a Monitor watches and where it stands.
type MonitorStore interface {
	// Watches returns the watch list in the order the Safes were added.
	Watches(ctx context.Context) ([]WatchedSafe, error)
	MonitorCursorStore
}

// MonitorConfig configures a Monitor.
type MonitorConfig struct {
	Node  MonitorNode
	Store MonitorStore
	// Options are the Watchers' options (the execution check).
	Options Options
	// Record stores an alert (a Recorder's Record); the Monitor logs it
	// first. An alert not recorded stops the Watcher, which starts again
	// from the last block recorded.
	Record func(ctx context.Context, a Alert) error
	Logger *slog.Logger
	// Interval is how often the node is polled for a new block, and the
	// first backoff after a failure (doubling up to 30s).
	Interval time.Duration
	// UnreachableAfter and RetryBase are FollowOptions' (0: defaults).
	UnreachableAfter, RetryBase time.Duration
	// MaxCatchup bounds the blocks checked after a restart: beyond, a
	// WATCH_GAP alert names the blocks skipped.
	MaxCatchup uint64
	// ListPoll overrides MonitorListPoll (tests).
	ListPoll time.Duration
}

// Monitor is the background watch of 'serve --rpc': it follows the chain
// for the Safes on the watch list (POST/DELETE /api/v1/safe/watches) with
// a Watcher, and restarts the Watcher, from the last block it processed,
// whenever the list changes. Its cursor (the last block processed) is
// stored, so a restarted Monitor checks the blocks mined while it was
// down.
type Monitor struct {
	node     MonitorNode
	db       MonitorStore
	opts     Options
	record   func(context.Context, Alert) error
	logger   *slog.Logger
	interval time.Duration
	poll     time.Duration
	// unreachableAfter and retryBase are FollowOptions' (0: defaults).
	unreachableAfter, retryBase time.Duration
	changed                     chan struct{}
	// maxCatchup bounds the blocks checked after a restart (see resume).
	maxCatchup uint64
	// reported holds the listed addresses that were not Safes at a
	// baseline (code that is not a Safe's, or no code and a nonce above 0:
	// an externally owned account), already alerted; they are left out
	// until the list changes. (An address without code and with nonce 0 is
	// watched: a Safe not deployed yet.)
	reported map[common.Address]bool
}

// NewMonitor returns the Monitor of c; it does nothing until Run.
func NewMonitor(c MonitorConfig) *Monitor {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Interval <= 0 {
		c.Interval = time.Second
	}
	if c.ListPoll <= 0 {
		c.ListPoll = MonitorListPoll
	}
	return &Monitor{node: c.Node, db: c.Store, opts: c.Options, record: c.Record, logger: c.Logger, interval: c.Interval, poll: c.ListPoll,
		unreachableAfter: c.UnreachableAfter, retryBase: c.RetryBase, maxCatchup: c.MaxCatchup,
		changed: make(chan struct{}, 1), reported: map[common.Address]bool{}}
}

// Nudge tells the Monitor the watch list changed; it never blocks.
func (mon *Monitor) Nudge() {
	select {
	case mon.changed <- struct{}{}:
	default:
	}
}

// wait waits for d, a nudge or the end of ctx; false when ctx ended.
func (mon *Monitor) wait(ctx context.Context, d time.Duration) bool {
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

func (mon *Monitor) list(ctx context.Context) ([]common.Address, error) {
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

// Run watches until ctx ends. Node and store failures are logged and
// retried; it never returns early.
func (mon *Monitor) Run(ctx context.Context) {
	var (
		last    uint64
		hasLast bool
		backoff = mon.interval
		// resumed is the cursor last was taken from, until a Watcher
		// started there; failed counts the starts that failed since.
		resumed *MonitorCursor
		failed  int
		cleared bool
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
			if !cleared {
				if err := mon.db.ClearCursor(ctx); err != nil {
					mon.logger.Warn("safe monitor: cannot clear the cursor", "err", bulwark.ErrorMessage(err))
				} else {
					cleared = true
				}
			}
			if !mon.wait(ctx, mon.poll) {
				return
			}
			continue
		}
		cleared = false
		if !hasLast {
			if last, resumed, err = mon.resume(ctx); err != nil {
				if !fail("cannot find where to start", err) {
					return
				}
				continue
			}
			hasLast, failed = true, 0
		}
		w, err := mon.start(ctx, listed, last)
		if err != nil {
			if failed++; resumed != nil && failed >= resumeAttempts {
				next, gerr := mon.giveUpGap(ctx, *resumed, last, err)
				if gerr == nil {
					last, resumed, failed = next, nil, 0
					continue
				}
				err = gerr
			}
			if !fail("cannot start watching", err) {
				return
			}
			continue
		}
		resumed, failed, backoff = nil, 0, mon.interval
		if w != nil {
			mon.saveCursor(ctx, w.Last())
		}
		if w == nil { // every listed Safe is unreadable: wait for a change
			if !mon.wait(ctx, mon.poll) {
				return
			}
			continue
		}
		mon.logger.Info("safe monitor: watching", "safes", len(w.Safes()), "listed", len(listed), "fromBlock", last+1)
		for _, a := range w.NotDeployed() {
			mon.logger.Info("safe monitor: no code at the baseline; watching for the Safe's deployment (its state then is its baseline)",
				"safe", a.Hex(), "block", w.Last().Number)
		}
		last, err = mon.follow(ctx, w, listed)
		if err != nil && !fail("stopped", err) {
			return
		}
	}
}

// start builds a Watcher of listed at baseline, leaving out (with one
// SAFE_UNREADABLE alert each) the addresses whose code there is not a
// Safe's and the externally owned accounts (no code, nonce above 0); an
// address without code and with nonce 0 is watched as not deployed yet. It
// returns nil when none is left.
func (mon *Monitor) start(ctx context.Context, listed []common.Address, baseline uint64) (*Watcher, error) {
	var addrs []common.Address
	for _, a := range listed {
		if !mon.reported[a] {
			addrs = append(addrs, a)
		}
	}
	if len(addrs) == 0 {
		return nil, nil
	}
	opts := mon.opts
	w, err := New(mon.node, addrs, opts)
	if err != nil {
		return nil, err
	}
	err = w.Start(ctx, baseline)
	if err == nil || !errors.Is(err, onchain.ErrNotSafe) {
		// A node failure, including a node that refuses the baseline's
		// state (pruned: some nodes answer EINVALID, not ENOTFOUND): run
		// retries it, then gives up on the gap (giveUpGap).
		return w, err
	}
	// Some listed address is not a Safe at the baseline (code that is not
	// a Safe's, or an EOA that has sent transactions): find which, one by
	// one, alert once for each, and watch the others.
	var good []common.Address
	for _, a := range addrs {
		one, err := New(mon.node, []common.Address{a}, opts)
		if err != nil {
			return nil, err
		}
		switch err := one.Start(ctx, baseline); {
		case err == nil:
			good = append(good, a)
		case errors.Is(err, onchain.ErrNotSafe):
			mon.reported[a] = true
			al := Alert{Block: baseline, Safe: a.Hex(), Code: CodeSafeUnreadable, Severity: policy.SeverityHigh,
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
	if w, err = New(mon.node, good, opts); err != nil {
		return nil, err
	}
	return w, w.Start(ctx, baseline)
}

// follow runs w until ctx ends or the watch list stops being listed. It
// returns the last block whose alerts were all recorded: where the next
// Watcher starts, so a block whose alert the store refused is checked
// again, not skipped.
func (mon *Monitor) follow(ctx context.Context, w *Watcher, listed []common.Address) (uint64, error) {
	recorded := w.Last().Number
	fctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	defer close(done)
	go func() {
		for mon.wait(fctx, mon.poll) {
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
	err := w.Follow(fctx, FollowOptions{PollInterval: mon.interval, UnreachableAfter: mon.unreachableAfter, RetryBase: mon.retryBase,
		Emit: func(a Alert) error { return mon.emit(ctx, a) },
		// After each block whose alerts were all recorded (Emit runs
		// first): a crash in between checks the block again, never skips it.
		Progress: func(uint64, uint64) { recorded = w.Last().Number; mon.saveCursor(ctx, w.Last()) },
		Retry: func(err error, attempt int, wait time.Duration) {
			mon.logger.Warn("safe monitor: node failed; retrying", "attempt", attempt, "wait", wait, "err", bulwark.ErrorMessage(err))
		}})
	// A reorg check that went back (CheckHead) moved the Watcher before
	// the last block recorded.
	recorded = min(recorded, w.Last().Number)
	if errors.Is(err, context.Canceled) {
		return recorded, nil
	}
	return recorded, err
}

// emit records a (stored with its audit entry and outbox message, the
// delivery woken) and logs it.
func (mon *Monitor) emit(ctx context.Context, a Alert) error {
	mon.logger.Warn("safe alert", "code", a.Code, "severity", a.Severity, "safe", a.Safe, "block", a.Block, "message", a.Message)
	return mon.record(ctx, a)
}

// saveCursor stores h as the last block processed; a failure is logged
// (the next block saves it again).
func (mon *Monitor) saveCursor(ctx context.Context, h BlockHeader) {
	if err := mon.db.SaveCursor(ctx, h.Number, h.Hash); err != nil && ctx.Err() == nil {
		mon.logger.Warn("safe monitor: cannot save the cursor", "block", h.Number, "err", bulwark.ErrorMessage(err))
	}
}

// resume returns the baseline of a monitor that has none yet: the saved
// cursor (the last block processed before the server stopped), so the
// blocks mined while it was down are checked, or the head when there is
// no cursor. When the cursor block is no longer canonical (a reorg while
// down) it goes cursorRewind blocks earlier, with a CHAIN_REORG alert;
// when more than maxCatchup blocks are left to check, it starts from
// head-maxCatchup with a WATCH_GAP alert naming the blocks skipped. The
// cursor is returned when the baseline came from it.
func (mon *Monitor) resume(ctx context.Context) (uint64, *MonitorCursor, error) {
	head, err := mon.node.BlockNumber(ctx)
	if err != nil {
		return 0, nil, err
	}
	c, ok, err := mon.db.LoadCursor(ctx)
	if err != nil || !ok {
		return head, nil, err
	}
	from := c.Block
	h, err := mon.node.BlockHeader(ctx, c.Block)
	if err != nil && bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
		return 0, nil, err
	}
	if err != nil || h.Hash != c.Hash {
		from = min(c.Block-min(c.Block, cursorRewind), head)
		now := "the node has no such block (head " + fmt.Sprint(head) + ")"
		if err == nil {
			now = "it is now " + h.Hash.Hex()
		}
		al := Alert{Block: c.Block, BlockHash: c.Hash.Hex(), Code: CodeChainReorg, Severity: policy.SeverityInfo,
			Message: fmt.Sprintf("chain reorganised while the monitor was stopped: block %d (%s), the last it processed, is no longer canonical (%s); resuming from block %d, so blocks %d–%d are checked again on the new chain (alerts raised for them before may repeat)",
				c.Block, c.Hash.Hex(), now, from+1, from+1, c.Block)}
		if err := mon.emit(ctx, al); err != nil {
			return 0, nil, err
		}
	}
	if head > from && head-from > mon.maxCatchup {
		skipTo := head - mon.maxCatchup
		al := Alert{Block: from + 1, Code: CodeWatchGap, Severity: policy.SeverityHigh,
			Message: fmt.Sprintf("blocks %d–%d were NOT checked: %d blocks were mined since block %d, the last the monitor processed before it stopped, more than --watch-max-catchup %d; it checks blocks %d–%d and goes on. Check the gap with 'bulwark safe watch --safe ADDR --rpc URL --from-block %d --to-block %d'",
				from+1, skipTo, head-from, from, mon.maxCatchup, skipTo+1, head, from+1, skipTo)}
		if err := mon.emit(ctx, al); err != nil {
			return 0, nil, err
		}
		from = skipTo
	}
	if from < head {
		mon.logger.Info("safe monitor: resuming after a restart", "cursor", c.Block, "fromBlock", from+1, "head", head)
	}
	return from, &c, nil
}

// giveUpGap starts from the head when the Watcher cannot start at
// baseline (taken from cursor c) after resumeAttempts tries — typically a
// node that no longer has the state of that block — with a WATCH_GAP
// alert naming the blocks left unchecked.
func (mon *Monitor) giveUpGap(ctx context.Context, c MonitorCursor, baseline uint64, cause error) (uint64, error) {
	head, err := mon.node.BlockNumber(ctx)
	if err != nil {
		return baseline, err
	}
	if head <= baseline {
		return baseline, cause
	}
	al := Alert{Block: baseline + 1, Code: CodeWatchGap, Severity: policy.SeverityHigh,
		Message: fmt.Sprintf("blocks %d–%d were NOT checked: the monitor (last block processed %d before it stopped) could not start at block %d after %d tries (%s); it goes on from the head. Check the gap with 'bulwark safe watch --safe ADDR --rpc URL --from-block %d --to-block %d' on a node that has those blocks' state (an archive node)",
			baseline+1, head, c.Block, baseline, resumeAttempts, bulwark.ErrorMessage(cause), baseline+1, head)}
	if err := mon.emit(ctx, al); err != nil {
		return baseline, err
	}
	return head, nil
}
