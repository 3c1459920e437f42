// Package outbox delivers Bulwark's alerts, of every kind, at least once.
//
// A store that keeps an alert also writes an outbox message for it — the
// alert's kind ("safe.alert", "screening.alert", …) and its id — in the
// same transaction as the alert and its audit entry. A Service reads the
// undelivered messages from the store and hands each to a Sender (the
// signed webhook today, a message bus later), one attempt at a time,
// recording every attempt on the message: how many were made, when the
// next is due, why the last failed, when it was delivered. Nothing is held
// in memory: a message committed just before a crash, or still waiting at
// shutdown, is found by the sweep at the next start; a producer only
// commits and wakes the Service, so it never waits on the receiver.
//
// Retries back off exponentially (Backoff): doubling from 1 s, capped at
// 15 min, for as long as the message is undelivered. The first
// FastAttempts (about half a minute) are the fast retries; a message that
// failed them all is logged and keeps being retried at the capped pace.
// A failure the receiver will repeat (a 4xx answer: see SendError) goes
// straight to the capped pace.
//
// Delivery is at least once: a process killed after the receiver accepted
// a message and before the store recorded it sends it again at its next
// start, and two processes delivering from one store may both send it. A
// message is marked delivered once. Receivers deduplicate on the message's
// kind and ref (Key), which the payload carries (its "type" and "id").
package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/bulwark-sec/bulwark"
)

// Message is one outbox entry: the delivery of one alert.
type Message struct {
	// ID numbers the messages of a store from 1, in commit order.
	ID int64 `json:"id"`
	// Kind is the alert's kind, the payload's "type": "safe.alert",
	// "screening.alert".
	Kind string `json:"kind"`
	// Ref is the alert's id among the alerts of its kind (the payload's
	// "id").
	Ref int64 `json:"ref"`
	// CreatedAt is when the message (and its alert) was committed.
	CreatedAt time.Time `json:"createdAt"`
	// Attempts counts the delivery attempts made.
	Attempts int `json:"attempts"`
	// NextAttemptAt is when the next attempt is due (CreatedAt until the
	// first).
	NextAttemptAt time.Time `json:"nextAttemptAt"`
	// LastError says why the last attempt failed ("" when none has). It
	// names the receiver as scheme://host only.
	LastError string `json:"lastError,omitempty"`
	// DeliveredAt is when a receiver accepted the message; nil until then.
	DeliveredAt *time.Time `json:"deliveredAt,omitempty"`
}

// Key is the message's stable identity, the same on every attempt and
// after a restart: kind and ref, "safe.alert:7". Receivers deduplicate on
// it (the payload's "type" and "id").
func (m Message) Key() string { return m.Kind + ":" + strconv.FormatInt(m.Ref, 10) }

// Filter selects undelivered messages.
type Filter struct {
	// Kinds keeps the messages of these kinds (none: every kind).
	Kinds []string
	// DueBy, when set, keeps the messages whose next attempt is due at or
	// before it.
	DueBy time.Time
	// AfterID keeps messages with an ID above it.
	AfterID int64
	// Limit is the most messages returned; it must be at least 1.
	Limit int
}

// Stats sums up the undelivered messages of some kinds.
type Stats struct {
	// Pending counts the undelivered messages.
	Pending int `json:"pending"`
	// Retrying counts those with at least one failed attempt.
	Retrying int `json:"retrying"`
	// NextAttemptAt is the earliest next attempt among them (zero when
	// none is pending).
	NextAttemptAt time.Time `json:"nextAttemptAt,omitzero"`
	// OldestAt is when the oldest of them was committed (zero when none).
	OldestAt time.Time `json:"oldestAt,omitzero"`
}

// Store keeps outbox messages. A store adapter writes a message in the
// transaction that stores its alert (see watch.AlertStore,
// screening.WatchStore); Enqueue joins the transaction ctx carries, as the
// adapter's other writes do, for producers of new kinds. A store that
// deletes an alert (retention) deletes its message with it. storetest.Outbox
// is its conformance suite.
type Store interface {
	// Enqueue adds a message for alert ref of kind, due at once, and
	// returns it; ECONFLICT when that alert has one already.
	Enqueue(ctx context.Context, kind string, ref int64) (Message, error)
	// Undelivered returns the undelivered messages f selects, in ID order.
	// A Limit below 1 is EINVALID.
	Undelivered(ctx context.Context, f Filter) ([]Message, error)
	// OutboxStats sums up the undelivered messages of kinds (none: all).
	OutboxStats(ctx context.Context, kinds []string) (Stats, error)
	// RecordFailure records a failed attempt of undelivered message id:
	// the attempt count, when the next is due and why it failed. ENOTFOUND
	// when there is no such message, ECONFLICT when it was delivered.
	RecordFailure(ctx context.Context, id int64, attempts int, next time.Time, lastError string) error
	// MarkDelivered records that message id was delivered at the given
	// attempt. It reports false, changing nothing, when the message was
	// marked delivered already; ENOTFOUND when there is no such message.
	MarkDelivered(ctx context.Context, id int64, attempts int, at time.Time) (bool, error)
}

// Sender makes one delivery attempt of a message. It must return when ctx
// ends. A nil error means the receiver accepted the message.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// SendError is a Sender's failed attempt with what it tells of the next.
type SendError struct {
	Err error
	// Permanent means another attempt soon would fail the same way (the
	// receiver refused the message): the next waits the capped backoff.
	Permanent bool
	// RetryAfter is how long the receiver asked to be left alone (0: not
	// said).
	RetryAfter time.Duration
}

func (e *SendError) Error() string { return e.Err.Error() }
func (e *SendError) Unwrap() error { return e.Err }

// Defaults of Options.
const (
	DefaultBackoffBase  = time.Second
	DefaultBackoffMax   = 15 * time.Minute
	DefaultFastAttempts = 5
	DefaultPoll         = 5 * time.Second
	DefaultGrace        = 10 * time.Second
	DefaultBatch        = 100
)

// Options configure a Service. The zero value is the defaults.
type Options struct {
	// Kinds are the kinds this Service delivers (none: every kind). The
	// messages of other kinds are left to a process that delivers them.
	Kinds []string
	// BackoffBase and BackoffMax bound the wait before each retry:
	// BackoffBase after the first failed attempt, doubling, at most
	// BackoffMax.
	BackoffBase, BackoffMax time.Duration
	// FastAttempts is how many attempts are made before an undelivered
	// message is reported (logged) as failing; it is still retried.
	FastAttempts int
	// Poll is how often Run rereads the store when not woken: the messages
	// another process committed (default 5 s).
	Poll time.Duration
	// Grace is how long an attempt in flight may finish once Run's context
	// ends (default 10 s); an attempt cut short is not counted.
	Grace time.Duration
	// Batch is how many due messages are read at a time.
	Batch int
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Logger is told of failed attempts; nil logs nothing.
	Logger *slog.Logger
}

// Backoff returns how long to wait after the attempts-th failed attempt:
// base, 2·base, 4·base… at most max.
func Backoff(attempts int, base, max time.Duration) time.Duration {
	if attempts < 1 {
		return 0
	}
	d := base
	for i := 1; i < attempts && d < max; i++ {
		d *= 2
	}
	return min(d, max)
}

// Service delivers the undelivered messages of a Store through a Sender.
// Its methods are safe for concurrent use; deliveries are made one at a
// time, in message ID order among those due.
type Service struct {
	store  Store
	sender Sender
	opt    Options
	wake   chan struct{}
	mu     sync.Mutex // one pass at a time
}

// New returns a Service; nothing is delivered until Run, DeliverDue or
// Drain is called.
func New(store Store, sender Sender, opt Options) *Service {
	if opt.BackoffBase <= 0 {
		opt.BackoffBase = DefaultBackoffBase
	}
	if opt.BackoffMax <= 0 {
		opt.BackoffMax = DefaultBackoffMax
	}
	opt.BackoffMax = max(opt.BackoffMax, opt.BackoffBase)
	if opt.FastAttempts <= 0 {
		opt.FastAttempts = DefaultFastAttempts
	}
	if opt.Poll <= 0 {
		opt.Poll = DefaultPoll
	}
	if opt.Grace <= 0 {
		opt.Grace = DefaultGrace
	}
	if opt.Batch <= 0 {
		opt.Batch = DefaultBatch
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{store: store, sender: sender, opt: opt, wake: make(chan struct{}, 1)}
}

// Wake tells the Service a message was committed; it never blocks.
func (s *Service) Wake() {
	select {
	case s.wake <- struct{}{}:
	default: // a wake-up is pending already
	}
}

// Stats sums up the undelivered messages of the Service's kinds.
func (s *Service) Stats(ctx context.Context) (Stats, error) {
	return s.store.OutboxStats(ctx, s.opt.Kinds)
}

// Result counts what a pass did.
type Result struct {
	Delivered, Failed int
}

// DeliverDue makes one attempt of every message due now, in ID order, and
// records each outcome. It returns early, with ctx's error, when ctx ends;
// the attempt then in flight is not recorded (it is due again).
func (s *Service) DeliverDue(ctx context.Context) (Result, error) {
	return s.deliverDue(ctx, ctx)
}

func (s *Service) deliverDue(ctx, attemptCtx context.Context) (Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var res Result
	now := s.opt.Now()
	after := int64(0)
	for {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		batch, err := s.store.Undelivered(ctx, Filter{Kinds: s.opt.Kinds, DueBy: now, AfterID: after, Limit: s.opt.Batch})
		if err != nil {
			return res, err
		}
		for _, m := range batch {
			if err := ctx.Err(); err != nil {
				return res, err
			}
			after = m.ID
			ok, err := s.attempt(attemptCtx, m)
			if err != nil {
				return res, err
			}
			if ok {
				res.Delivered++
			} else {
				res.Failed++
			}
		}
		if len(batch) < s.opt.Batch {
			return res, nil
		}
	}
}

// attempt sends m once and records the outcome. An attempt cut short by
// ctx is not recorded and returns ctx's error.
func (s *Service) attempt(ctx context.Context, m Message) (bool, error) {
	err := s.sender.Send(ctx, m)
	if err != nil && ctx.Err() != nil {
		return false, ctx.Err()
	}
	// The outcome is recorded even when ctx ends now: the receiver's
	// answer must not be lost.
	rec := context.WithoutCancel(ctx)
	attempts := m.Attempts + 1
	now := s.opt.Now().UTC()
	if err == nil {
		first, merr := s.store.MarkDelivered(rec, m.ID, attempts, now)
		if merr != nil {
			return false, fmt.Errorf("record the delivery of %s: %w", m.Key(), merr)
		}
		if !first {
			s.opt.Logger.Info("outbox: delivered again; it was marked delivered already", "message", m.Key())
		}
		return true, nil
	}
	wait := Backoff(attempts, s.opt.BackoffBase, s.opt.BackoffMax)
	var se *SendError
	if errors.As(err, &se) {
		if se.Permanent {
			wait = s.opt.BackoffMax
		}
		wait = min(max(wait, se.RetryAfter), s.opt.BackoffMax)
	}
	next := now.Add(wait)
	switch rerr := s.store.RecordFailure(rec, m.ID, attempts, next, err.Error()); {
	case bulwark.ErrorCode(rerr) == bulwark.ECONFLICT:
		s.opt.Logger.Debug("outbox: delivered by another process meanwhile", "message", m.Key())
		return false, nil
	case rerr != nil:
		return false, fmt.Errorf("record a failed delivery of %s: %w", m.Key(), rerr)
	}
	attrs := []any{"message", m.Key(), "attempts", attempts, "next", next.Format(time.RFC3339), "err", err.Error()}
	switch {
	case attempts == s.opt.FastAttempts || (se != nil && se.Permanent && attempts < s.opt.FastAttempts):
		s.opt.Logger.Warn("outbox: not delivered; retrying at most every "+s.opt.BackoffMax.String()+" until it is", attrs...)
	case attempts < s.opt.FastAttempts:
		s.opt.Logger.Info("outbox: delivery failed; retrying", attrs...)
	default:
		s.opt.Logger.Debug("outbox: delivery failed again", attrs...)
	}
	return false, nil
}

// Run delivers until ctx ends: every message due at start (the sweep), each
// message committed since as soon as Wake is called (or within Poll when
// another process committed it), and each retry when it falls due. Store
// failures are logged and retried. An attempt in flight when ctx ends may
// finish within Grace; one cut short stays due for the next start.
func (s *Service) Run(ctx context.Context) {
	actx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	stop := context.AfterFunc(ctx, func() { time.AfterFunc(s.opt.Grace, cancel) })
	defer stop()
	failures := 0
	for ctx.Err() == nil {
		if _, err := s.deliverDue(ctx, actx); err != nil {
			if ctx.Err() != nil || actx.Err() != nil {
				return
			}
			failures++
			wait := Backoff(failures, time.Second, 30*time.Second)
			s.opt.Logger.Error("outbox: cannot deliver", "err", err.Error(), "retry", wait)
			if !s.sleep(ctx, wait) {
				return
			}
			continue
		}
		failures = 0
		wait := s.opt.Poll
		if st, err := s.Stats(ctx); err == nil && st.Pending > 0 {
			wait = min(wait, max(st.NextAttemptAt.Sub(s.opt.Now()), 0))
		}
		if !s.sleep(ctx, wait) {
			return
		}
	}
}

// sleep waits d, a Wake or the end of ctx; false when ctx ended.
func (s *Service) sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-s.wake:
		return true
	case <-t.C:
		return true
	}
}

// Drain delivers what a command that is about to exit owes: every message
// due now, and again each fast retry as it falls due, until no
// undelivered message has its next attempt within the fast retries' reach
// (a message past them is left to the next process that delivers), or ctx
// ends. It returns the messages still undelivered.
func (s *Service) Drain(ctx context.Context) (Stats, error) {
	reach := Backoff(s.opt.FastAttempts-1, s.opt.BackoffBase, s.opt.BackoffMax)
	for {
		if _, err := s.DeliverDue(ctx); err != nil {
			st, _ := s.Stats(context.WithoutCancel(ctx))
			return st, err
		}
		st, err := s.Stats(ctx)
		if err != nil || st.Pending == 0 {
			return st, err
		}
		wait := st.NextAttemptAt.Sub(s.opt.Now())
		if wait > reach {
			return st, nil
		}
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return st, ctx.Err()
			case <-t.C:
			}
		}
	}
}
