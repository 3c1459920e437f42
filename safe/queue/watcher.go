package queue

import (
	"context"
	"fmt"
	"log/slog"
	"math/big"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/safe/cosign"
	"github.com/bulwark-sec/bulwark/safe/onchain"
	"github.com/bulwark-sec/bulwark/safe/policy"
	"github.com/bulwark-sec/bulwark/safe/watch"
)

// DefaultInterval is serve's --safe-queue-interval.
const DefaultInterval = 30 * time.Second

// DefaultConcurrency is how many Safes a Watcher reads at once.
const DefaultConcurrency = 8

// DefaultListTimeout bounds the reading of one Safe's queue in a poll.
const DefaultListTimeout = 2 * time.Minute

// AuditAction is the action of a decision's audit entry.
const AuditAction = "safe.queue.decision"

// Config configures a Watcher.
type Config struct {
	Source   Source
	Cosigner Cosigner
	// Push, when set, gets every co-signature given (serve
	// --safe-queue-push); nil pushes nothing.
	Push Pusher
	// Watches gives the Safes to watch at every poll.
	Watches Watchlist
	Store   Store
	// Alerts stores an alert with its outbox message (watch.AlertStore's
	// SaveAlert): the Safe watcher's alerts and their delivery.
	Alerts watch.AlertSaver
	Log    *audit.Log
	// Actor is the audit entries' actor ("system:queue").
	Actor string
	// Stored, when set, is called after an alert is committed (the
	// delivery's wake); it must not block.
	Stored func()
	Logger *slog.Logger
	// Interval is how often every queue is read (0: DefaultInterval).
	Interval time.Duration
	// Concurrency is how many Safes are read at once (0:
	// DefaultConcurrency).
	Concurrency int
	// ListTimeout bounds the reading of one Safe's queue (0:
	// DefaultListTimeout): a service that keeps it reading makes that
	// queue unreadable (QUEUE_UNREADABLE) instead of stalling the poll of
	// every Safe.
	ListTimeout time.Duration
	// Chain, when set, reads a Safe's nonce and the node's latest block
	// (two reads per Safe and poll, only for a Safe with a waiting
	// entry): a waiting entry, whose nonce is ahead of the Safe's, is
	// then checked again (a dry run, with its reads and simulation) only
	// when the Safe's nonce or the block changed, and at most
	// MaxWaitingChecks of a Safe's waiting entries are checked again in a
	// poll. Nil checks every waiting entry at every poll.
	Chain onchain.ChainReader
	// MaxWaitingChecks bounds how many of a Safe's waiting entries a poll
	// checks again (0: DefaultMaxWaitingChecks); those that wait longest
	// since their last check go first. Only with Chain: an entry that has
	// become the Safe's next is never held back by it.
	MaxWaitingChecks int
}

// DefaultMaxWaitingChecks is Config.MaxWaitingChecks' default.
const DefaultMaxWaitingChecks = 4

// waitState is what the last check of a waiting entry saw.
type waitState struct {
	// nonce and block are the Safe's nonce and the block it was read at.
	nonce *big.Int
	block uint64
	// poll is the number of the poll that checked it.
	poll uint64
}

// Watcher reads the queues of the watched Safes and acts on what is new.
type Watcher struct {
	c Config
	// mu guards unchecked and unreadable.
	mu sync.Mutex
	// unchecked holds the entries already alerted as QUEUE_TX_UNCHECKED by
	// this process (they are retried, not alerted again).
	unchecked map[common.Hash]bool
	// unreadable is set from a poll that could not read a queue until one
	// that read them all: QUEUE_UNREADABLE is raised once per outage.
	unreadable bool
	// truncated holds the Safes whose last listing was truncated:
	// QUEUE_TRUNCATED is raised once until a listing reads whole.
	truncated map[common.Address]bool
	// waiting holds, by Safe and entry key, the entries found waiting
	// (nonce ahead of the Safe's) and what their last check saw.
	waiting map[common.Address]map[common.Hash]waitState
	// polls counts the polls of Safes (PollSafes calls).
	polls uint64
}

// NewWatcher returns the Watcher of c; it does nothing until Run or Poll.
func NewWatcher(c Config) *Watcher {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Interval <= 0 {
		c.Interval = DefaultInterval
	}
	if c.Concurrency <= 0 {
		c.Concurrency = DefaultConcurrency
	}
	if c.ListTimeout <= 0 {
		c.ListTimeout = DefaultListTimeout
	}
	if c.Actor == "" {
		c.Actor = "system:queue"
	}
	if c.MaxWaitingChecks <= 0 {
		c.MaxWaitingChecks = DefaultMaxWaitingChecks
	}
	return &Watcher{c: c, unchecked: map[common.Hash]bool{}, truncated: map[common.Address]bool{}, waiting: map[common.Address]map[common.Hash]waitState{}}
}

// PollStats counts what one poll did.
type PollStats struct {
	// Safes were polled; Unreadable of them could not be read.
	Safes, Unreadable int
	// Entries were listed; New of them had not been decided before.
	Entries, New int
	// What the new ones became.
	Signed, Verified, Held, Refused, Malformed, Unchecked, Pushed int
	// Waiting were not decided: their nonce is ahead of the Safe's.
	Waiting int
	// Released were held before and are now signed or verified.
	Released int
	// Unconfirmed would be co-signed but no owner has confirmed them
	// yet: not decided.
	Unconfirmed int
	// WaitingCached were waiting and not checked again: the Safe's nonce
	// and the block are those of their last check, or the poll's bound
	// on checks of waiting entries was reached (counted in Waiting too).
	WaitingCached int
}

func (s *PollStats) add(o PollStats) {
	s.Safes += o.Safes
	s.Unreadable += o.Unreadable
	s.Entries += o.Entries
	s.New += o.New
	s.Signed += o.Signed
	s.Verified += o.Verified
	s.Held += o.Held
	s.Refused += o.Refused
	s.Malformed += o.Malformed
	s.Unchecked += o.Unchecked
	s.Pushed += o.Pushed
	s.Waiting += o.Waiting
	s.Released += o.Released
	s.Unconfirmed += o.Unconfirmed
	s.WaitingCached += o.WaitingCached
}

// Run polls every interval until ctx ends. Failures are logged (and
// alerted) and the next poll tries again; it never returns early.
func (w *Watcher) Run(ctx context.Context) {
	for ctx.Err() == nil {
		start := time.Now()
		st, err := w.Poll(ctx)
		took := time.Since(start)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			w.c.Logger.Warn("safe queue: cannot read the watch list", "err", bulwark.ErrorMessage(err))
		default:
			w.c.Logger.Debug("safe queue: polled", "safes", st.Safes, "entries", st.Entries, "new", st.New, "took", took)
		}
		if took > w.c.Interval {
			w.c.Logger.Warn("safe queue: a poll took longer than --safe-queue-interval", "took", took.Round(time.Millisecond), "interval", w.c.Interval, "safes", st.Safes)
		}
		t := time.NewTimer(max(w.c.Interval-took, 0))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// Poll reads the queue of every Safe on the watch list once.
func (w *Watcher) Poll(ctx context.Context) (PollStats, error) {
	ws, err := w.c.Watches.Watches(ctx)
	if err != nil {
		return PollStats{}, err
	}
	safes := make([]common.Address, len(ws))
	for i, s := range ws {
		safes[i] = s.Safe
	}
	return w.PollSafes(ctx, safes), nil
}

// PollSafes reads the queues of safes once, Concurrency at a time.
func (w *Watcher) PollSafes(ctx context.Context, safes []common.Address) PollStats {
	w.mu.Lock()
	w.polls++
	poll := w.polls
	w.mu.Unlock()
	var (
		mu    sync.Mutex
		total = PollStats{Safes: len(safes)}
		// failed is the first Safe that could not be read, and why.
		failed    common.Address
		failedErr error
		sem       = make(chan struct{}, w.c.Concurrency)
		wg        sync.WaitGroup
	)
	for _, s := range safes {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			st, err := w.pollSafe(ctx, s, poll)
			mu.Lock()
			defer mu.Unlock()
			total.add(st)
			if err != nil {
				total.Unreadable++
				if failedErr == nil {
					failed, failedErr = s, err
				}
			}
		})
	}
	wg.Wait()
	if ctx.Err() != nil {
		return total
	}
	w.mu.Lock()
	was := w.unreadable
	w.unreadable = total.Unreadable > 0
	w.mu.Unlock()
	switch {
	case total.Unreadable > 0 && !was:
		a := watch.Alert{Code: CodeUnreadable, Severity: policy.SeverityHigh,
			Message: fmt.Sprintf("the pending transactions of %s could not be read from the Safe Transaction Service (%s: %s): transactions proposed there are not checked until it answers again",
				bulwark.Plural(total.Unreadable, "watched Safe", "watched Safes"), failed.Hex(), bulwark.ErrorMessage(failedErr))}
		if total.Unreadable == 1 {
			a.Safe = failed.Hex()
		}
		w.alert(ctx, a)
	case total.Unreadable > 0:
		w.c.Logger.Warn("safe queue: queues still unreadable", "safes", total.Unreadable, "first", failed.Hex(), "err", bulwark.ErrorMessage(failedErr))
	case was:
		w.c.Logger.Info("safe queue: every watched queue reads again", "safes", total.Safes)
	}
	return total
}

// pollSafe reads one Safe's queue and decides on its new entries, in the
// order listed. An error means the queue could not be read.
func (w *Watcher) pollSafe(ctx context.Context, safe common.Address, poll uint64) (PollStats, error) {
	var st PollStats
	lctx, cancel := context.WithTimeout(ctx, w.c.ListTimeout)
	l, err := w.c.Source.Pending(lctx, safe)
	timedOut := lctx.Err() != nil && ctx.Err() == nil
	cancel()
	switch {
	case err == nil && timedOut:
		err = bulwark.Errorf(bulwark.ETIMEOUT, "the queue of Safe %s was not read within %s", safe.Hex(), w.c.ListTimeout)
	case err != nil && timedOut:
		// Whatever the source made of the deadline, the alert names it.
		err = bulwark.Wrap(err, bulwark.ETIMEOUT, fmt.Sprintf("the queue of Safe %s was not read within %s: %s", safe.Hex(), w.c.ListTimeout, bulwark.ErrorMessage(err)))
	}
	if err != nil {
		if ctx.Err() == nil {
			w.c.Logger.Warn("safe queue: cannot read the queue", "safe", safe.Hex(), "err", bulwark.ErrorMessage(err))
		}
		return st, err
	}
	w.mu.Lock()
	was := w.truncated[safe]
	if l.Truncated {
		w.truncated[safe] = true
	} else {
		delete(w.truncated, safe)
	}
	w.mu.Unlock()
	if l.Truncated {
		w.c.Logger.Warn("safe queue: more transactions pending than are read; the lowest nonces were read", "safe", safe.Hex(), "read", len(l.Entries))
		if !was {
			w.alert(ctx, watch.Alert{Code: CodeTruncated, Severity: policy.SeverityHigh, Safe: safe.Hex(),
				Message: fmt.Sprintf("Safe %s has more pending transactions than are read (%d read, nonces %s): the ones past them are not checked. Nobody should sign or execute a transaction of this Safe the watch has not checked; clear the queue of what will not be executed",
					safe.Hex(), len(l.Entries), nonceRange(l.Entries))})
		}
	}
	// The service's ordering is a claim: the lowest nonce, the next to
	// execute, is decided first whatever order it lists.
	l.Entries = slices.Clone(l.Entries)
	SortByNonce(l.Entries)
	st.Entries = len(l.Entries)
	if len(l.Entries) == 0 {
		return st, nil
	}
	keys := make([]common.Hash, len(l.Entries))
	for i, e := range l.Entries {
		keys[i] = e.Key(safe)
	}
	decided, err := w.c.Store.QueueDecided(ctx, safe, keys)
	if err != nil {
		w.c.Logger.Error("safe queue: cannot read what was decided", "safe", safe.Hex(), "err", bulwark.ErrorMessage(err))
		return st, nil // the store, not the service, failed: not QUEUE_UNREADABLE
	}
	held := w.heldUnreleased(ctx, safe, keys)
	skip := w.waitingUnchanged(ctx, safe, l.Entries, keys, decided, poll)
	for i, e := range l.Entries {
		if ctx.Err() != nil {
			break
		}
		switch {
		case held[keys[i]]:
			delete(held, keys[i]) // an entry listed twice is checked once
			w.recheckHeld(ctx, safe, e, keys[i], &st)
		case decided[keys[i]]:
		case skip[keys[i]]:
			decided[keys[i]] = true
			st.New++
			st.Waiting++
			st.WaitingCached++
		default:
			decided[keys[i]] = true // an entry listed twice is decided once
			st.New++
			w.decide(ctx, safe, e, keys[i], &st, poll)
		}
	}
	return st, nil
}

// waitingUnchanged returns the entries found waiting before that are not
// checked again in this poll: with Config.Chain, those whose Safe nonce
// and block are unchanged since their last check, and those past the
// poll's bound on checks of waiting entries (the ones checked longest ago
// go first). An entry no longer ahead of the Safe's nonce is always
// checked. What the watcher keeps of waiting entries no longer listed
// or decided is dropped.
func (w *Watcher) waitingUnchanged(ctx context.Context, safe common.Address, entries []Entry, keys []common.Hash, decided map[common.Hash]bool, poll uint64) map[common.Hash]bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	cached := w.waiting[safe]
	listed := make(map[common.Hash]bool, len(keys))
	for _, k := range keys {
		listed[k] = true
	}
	for k := range cached {
		if !listed[k] || decided[k] {
			delete(cached, k)
		}
	}
	if len(cached) == 0 {
		delete(w.waiting, safe)
		return nil
	}
	if w.c.Chain == nil {
		return nil
	}
	w.mu.Unlock()
	nonce, block, err := safeNonce(ctx, w.c.Chain, safe)
	w.mu.Lock()
	if err != nil {
		w.c.Logger.Debug("safe queue: cannot read the Safe's nonce; its waiting entries are checked again", "safe", safe.Hex(), "err", bulwark.ErrorMessage(err))
		return nil
	}
	skip := map[common.Hash]bool{}
	var stale []int
	for i, e := range entries {
		ws, ok := cached[keys[i]]
		switch {
		case !ok:
		case e.Nonce == nil || e.Nonce.Cmp(nonce) <= 0: // the next one now, or behind: decide it
			delete(cached, keys[i])
		case ws.nonce != nil && ws.nonce.Cmp(nonce) == 0 && ws.block == block:
			skip[keys[i]] = true
		default:
			stale = append(stale, i)
		}
	}
	// Those checked longest ago first; by nonce among equals (entries is
	// sorted by nonce and the sort is stable).
	slices.SortStableFunc(stale, func(a, b int) int { return cmpUint(cached[keys[a]].poll, cached[keys[b]].poll) })
	for n, i := range stale {
		if n >= w.c.MaxWaitingChecks {
			skip[keys[i]] = true
		}
	}
	return skip
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// safeNonce reads the nonce of the Safe at the node's latest block, and
// that block's number.
func safeNonce(ctx context.Context, chain onchain.ChainReader, safe common.Address) (*big.Int, uint64, error) {
	block, err := chain.BlockNumber(ctx)
	if err != nil {
		return nil, 0, err
	}
	reads := []onchain.Read{{Kind: onchain.ReadStorage, Addr: safe, Slot: onchain.SlotNonce}}
	if err := chain.BatchRead(ctx, onchain.AtBlockNumber(block), reads); err != nil {
		return nil, 0, err
	}
	if reads[0].Err != nil {
		return nil, 0, reads[0].Err
	}
	return new(big.Int).SetBytes(reads[0].Out), block, nil
}

// rememberWaiting keeps what the check of a waiting entry saw: the Safe's
// nonce and the block of its verification.
func (w *Watcher) rememberWaiting(safe common.Address, key common.Hash, res *cosign.Result, poll uint64) {
	ws := waitState{poll: poll}
	if v := res.Verification; v != nil && v.Chain != nil && v.Chain.State != nil && v.Chain.State.Nonce != nil {
		ws.nonce, ws.block = new(big.Int).Set(v.Chain.State.Nonce), v.Chain.Block
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.waiting[safe] == nil {
		w.waiting[safe] = map[common.Hash]waitState{}
	}
	w.waiting[safe][key] = ws
}

// HeldStore is a Store that also tells which decided entries were held:
// the watcher checks those again at every poll, so that once two people
// have approved one the co-signer signs it (sqlite.DB implements it).
type HeldStore interface {
	// QueueHeld returns which of keys have a record for safe whose
	// decision is held.
	QueueHeld(ctx context.Context, safe common.Address, keys []common.Hash) (map[common.Hash]bool, error)
}

// ReleasedKey is the key under which the release of a held entry (key)
// is recorded: signed, or verified, once people approved it or its
// findings went away.
func ReleasedKey(key common.Hash) common.Hash {
	return crypto.Keccak256Hash([]byte("bulwark-queue-released/1"), key.Bytes())
}

// heldUnreleased returns which of keys were held and not released since.
func (w *Watcher) heldUnreleased(ctx context.Context, safe common.Address, keys []common.Hash) map[common.Hash]bool {
	hs, ok := w.c.Store.(HeldStore)
	if !ok {
		return nil
	}
	held, err := hs.QueueHeld(ctx, safe, keys)
	if err == nil && len(held) > 0 {
		var rel []common.Hash
		for k := range held {
			rel = append(rel, ReleasedKey(k))
		}
		var released map[common.Hash]bool
		if released, err = w.c.Store.QueueDecided(ctx, safe, rel); err == nil {
			for k := range held {
				if released[ReleasedKey(k)] {
					delete(held, k)
				}
			}
		}
	}
	if err != nil {
		w.c.Logger.Error("safe queue: cannot read the held entries", "safe", safe.Hex(), "err", bulwark.ErrorMessage(err))
		return nil
	}
	return held
}

// recheckHeld asks the co-signer again, as a dry run (nothing recorded),
// about an entry held before; when it would now sign it (two people
// approved it) or the verification is now ok, it is decided for real and
// the release recorded (with the co-signature pushed when asked). A held
// entry is alerted once, when it is first held, never at every poll.
func (w *Watcher) recheckHeld(ctx context.Context, safe common.Address, e Entry, key common.Hash, st *PollStats) {
	if e.Tx == nil {
		return
	}
	log := w.c.Logger.With("safe", safe.Hex(), "nonce", nonceText(e.Nonce), "safeTxHash", e.SafeTxHash.Hex())
	req := cosign.Request{Tx: e.serviceTx(), Requester: Requester, Actor: w.c.Actor, DryRun: true, Unaudited: true}
	dry, err := w.c.Cosigner.Cosign(ctx, req)
	if err != nil || dry.Decision != cosign.DecisionSigned && dry.Decision != DecisionVerified {
		if err != nil && ctx.Err() == nil {
			log.Debug("safe queue: cannot check a held transaction again", "err", bulwark.ErrorMessage(err))
		}
		return
	}
	if !w.ownerConfirmed(e, dry, st, log) {
		return
	}
	req.DryRun, req.Unaudited = false, false
	res, err := w.c.Cosigner.Cosign(ctx, req)
	if err != nil || res.Decision != cosign.DecisionSigned && res.Decision != DecisionVerified {
		return
	}
	rec := Record{Safe: safe, Key: ReleasedKey(key), SafeTxHash: e.SafeTxHash, Nonce: nonceText(e.Nonce), Decision: res.Decision, Verdict: res.Verdict}
	st.Released++
	w.record(ctx, e, rec, res, st, log)
}

// decide hands a new entry to the co-signer, pushes a co-signature when
// asked, and records the decision with its alert, if any.
func (w *Watcher) decide(ctx context.Context, safe common.Address, e Entry, key common.Hash, st *PollStats, poll uint64) {
	log := w.c.Logger.With("safe", safe.Hex(), "nonce", nonceText(e.Nonce), "safeTxHash", e.SafeTxHash.Hex())
	rec := Record{Safe: safe, Key: key, SafeTxHash: e.SafeTxHash}
	if e.Nonce != nil {
		rec.Nonce = e.Nonce.String()
	}
	base := watch.Alert{Safe: safe.Hex()}
	if e.SafeTxHash != (common.Hash{}) {
		base.SafeTxHash = e.SafeTxHash.Hex()
	}
	if e.Tx == nil {
		st.Malformed++
		rec.Decision = DecisionMalformed
		a := base
		a.Code, a.Severity = CodeTxMalformed, policy.SeverityHigh
		a.Message = fmt.Sprintf("a pending transaction (%s) cannot be read: %s. Anyone can propose to the service: nobody should sign or execute what it lists there until it is explained",
			e.describe(), bulwark.ErrorMessage(e.Err))
		w.commit(ctx, rec, &a, nil)
		return
	}
	// A dry run first: it records nothing, so an entry that is not to be
	// decided yet (or that cannot be checked) leaves no audit entry at
	// every poll.
	req := cosign.Request{Tx: e.serviceTx(), Requester: Requester, Actor: w.c.Actor, DryRun: true, Unaudited: true}
	res, err := w.c.Cosigner.Cosign(ctx, req)
	if err == nil && ahead(e, res) {
		w.rememberWaiting(safe, key, res, poll)
	}
	if err == nil && w.notYet(ctx, safe, e, key, res, base, st, log) {
		return
	}
	if err == nil && !w.ownerConfirmed(e, res, st, log) {
		return
	}
	if err == nil {
		req.DryRun, req.Unaudited = false, false
		res, err = w.c.Cosigner.Cosign(ctx, req)
		if err == nil && w.notYet(ctx, safe, e, key, res, base, st, log) {
			return
		}
	}
	if err != nil && ctx.Err() != nil {
		return
	}
	if err != nil && bulwark.ErrorCode(err) != bulwark.EINVALID {
		st.Unchecked++
		log.Warn("safe queue: cannot check a pending transaction; it is tried again at the next poll", "err", bulwark.ErrorMessage(err))
		a := base
		a.Code, a.Severity = CodeTxUnchecked, policy.SeverityHigh
		a.Message = fmt.Sprintf("a pending transaction (%s) could not be checked: %s. It is not known to be safe; it is checked again at every poll",
			e.describe(), bulwark.ErrorMessage(err))
		w.raiseUnchecked(ctx, safe, e, key, a)
		return
	}
	w.mu.Lock()
	delete(w.unchecked, key)
	w.mu.Unlock()
	if err != nil { // EINVALID: the transaction itself cannot be verified
		st.Refused++
		rec.Decision, rec.Verdict = cosign.DecisionRefused, bulwark.VerdictReject
		a := base
		a.Code, a.Severity = CodeTxRefused, policy.SeverityHigh
		a.Message = fmt.Sprintf("a pending transaction (%s) cannot be verified: %s. Nothing was signed; nobody should sign or execute it",
			e.describe(), bulwark.ErrorMessage(err))
		w.commit(ctx, rec, &a, nil)
		return
	}
	rec.Decision, rec.Verdict = res.Decision, res.Verdict
	w.record(ctx, e, rec, res, st, log)
}

// record pushes a co-signature when asked, raises the decision's alert if
// any, and commits rec.
func (w *Watcher) record(ctx context.Context, e Entry, rec Record, res *cosign.Result, st *PollStats, log *slog.Logger) {
	base := watch.Alert{Safe: rec.Safe.Hex()}
	if e.SafeTxHash != (common.Hash{}) {
		base.SafeTxHash = e.SafeTxHash.Hex()
	}
	if res.SafeTxHash != (common.Hash{}) {
		base.SafeTxHash = res.SafeTxHash.Hex()
	}
	var a *watch.Alert
	switch res.Decision {
	case cosign.DecisionSigned:
		st.Signed++
		if w.c.Push != nil {
			if perr := w.c.Push.Confirm(ctx, res.SafeTxHash, res.Signature); perr != nil {
				log.Warn("safe queue: cannot push the co-signature", "err", bulwark.ErrorMessage(perr))
				a = &watch.Alert{}
				*a = base
				a.Code, a.Severity = CodePushFailed, policy.SeverityMedium
				a.Message = fmt.Sprintf("the co-signature of a pending transaction (%s, verdict %s) could not be pushed to the service: %s. It is stored: push it by hand if the owners need it",
					e.describe(), res.Verdict, bulwark.ErrorMessage(perr))
			} else {
				st.Pushed++
				rec.Pushed = true
			}
		}
	case DecisionVerified:
		st.Verified++
	case cosign.DecisionHeld:
		st.Held++
		a = &watch.Alert{}
		*a = base
		a.Code, a.Severity = CodeTxHeld, policy.SeverityHigh
		a.Message = fmt.Sprintf("a pending transaction (%s) is held: verdict %s: %s. Nobody should sign or execute it until someone other than the proposer has checked the findings (with the co-signer: two people approve it)",
			e.describe(), res.Verdict, findingsText(res.Findings))
	default: // refused, or a decision this watcher does not know: never treated as fine
		st.Refused++
		a = &watch.Alert{}
		*a = base
		a.Code, a.Severity = CodeTxRefused, policy.SeverityHigh
		if res.Verdict == bulwark.VerdictReject {
			a.Severity = policy.SeverityCritical
		}
		a.Message = fmt.Sprintf("a pending transaction (%s) is refused: verdict %s: %s. Nothing was signed; nobody should sign or execute it",
			e.describe(), res.Verdict, findingsText(res.Findings))
	}
	w.commit(ctx, rec, a, res)
}

// temporaryRefusals are the co-signer's refusals that a later poll can
// lift: the simulation did not run (a nonce ahead of the Safe's), the
// Safe changed under the check, stale lists or none loaded, the co-signer
// not (yet) an owner.
var temporaryRefusals = []string{cosign.CodeNotSimulated, cosign.CodeStateChanged, cosign.CodeNodeBehind, cosign.CodeListsStale, cosign.CodeNotScreened, cosign.CodeCosignerNotOwner}

// temporaryOnly reports a refusal whose every critical finding is a
// temporary one.
func temporaryOnly(res *cosign.Result) bool {
	if res.Decision != cosign.DecisionRefused || res.PolicyVerdict == bulwark.VerdictReject {
		return false
	}
	n := 0
	for _, f := range res.Findings {
		if f.Severity != policy.SeverityCritical {
			continue
		}
		if !slices.Contains(temporaryRefusals, f.Code) {
			return false
		}
		n++
	}
	return n > 0
}

// ahead reports an entry whose nonce is above the Safe's nonce as the
// verification read it: not the next to execute.
func ahead(e Entry, res *cosign.Result) bool {
	v := res.Verification
	if e.Tx == nil || e.Tx.Tx.Nonce == nil || v == nil || v.Chain == nil || v.Chain.State == nil || v.Chain.State.Nonce == nil {
		return false
	}
	return e.Tx.Tx.Nonce.Cmp(v.Chain.State.Nonce) > 0
}

// notYet reports a result that is not a decision yet, and is not
// recorded: an entry whose nonce is ahead of the Safe's (unless the
// verification itself rejects it, which no later state changes), or a
// refusal only for temporary reasons (alerted QUEUE_TX_UNCHECKED once).
// Either is checked again at the next poll.
func (w *Watcher) notYet(ctx context.Context, safe common.Address, e Entry, key common.Hash, res *cosign.Result, base watch.Alert, st *PollStats, log *slog.Logger) bool {
	temp := temporaryOnly(res)
	switch {
	case ahead(e, res) && (res.Decision != cosign.DecisionRefused || temp):
		st.Waiting++
		log.Debug("safe queue: a pending transaction is not the next one; it is checked when it is")
		return true
	case !temp:
		return false
	}
	st.Unchecked++
	log.Warn("safe queue: a pending transaction cannot be co-signed now; it is checked again at the next poll", "findings", findingsText(res.Findings))
	a := base
	a.Code, a.Severity = CodeTxUnchecked, policy.SeverityHigh
	a.Message = fmt.Sprintf("a pending transaction (%s) cannot be co-signed now: %s. It is not known to be safe; it is checked again at every poll",
		e.describe(), findingsText(res.Findings))
	w.raiseUnchecked(ctx, safe, e, key, a)
	return true
}

// DecisionUnchecked is what is recorded, under [UncheckedKey], of an
// entry alerted QUEUE_TX_UNCHECKED: not a decision (the entry is checked
// again at every poll) but that its alert was raised, so that neither a
// later poll nor a restarted watch raises it again.
const DecisionUnchecked cosign.Decision = "unchecked"

// UncheckedKey is the key under which the QUEUE_TX_UNCHECKED alert of the
// entry of key is recorded.
func UncheckedKey(key common.Hash) common.Hash {
	return crypto.Keccak256Hash([]byte("bulwark-queue-unchecked/1"), key.Bytes())
}

// raiseUnchecked raises a, the QUEUE_TX_UNCHECKED alert of the entry of
// key, once: it is committed with a record under UncheckedKey(key) (and
// its audit entry), which this process also remembers.
func (w *Watcher) raiseUnchecked(ctx context.Context, safe common.Address, e Entry, key common.Hash, a watch.Alert) {
	w.mu.Lock()
	seen := w.unchecked[key]
	w.mu.Unlock()
	if seen {
		return
	}
	uk := UncheckedKey(key)
	if done, err := w.c.Store.QueueDecided(ctx, safe, []common.Hash{uk}); err == nil && done[uk] {
		w.mu.Lock()
		w.unchecked[key] = true
		w.mu.Unlock()
		return
	}
	rec := Record{Safe: safe, Key: uk, SafeTxHash: e.SafeTxHash, Decision: DecisionUnchecked}
	if e.Nonce != nil {
		rec.Nonce = e.Nonce.String()
	}
	if w.commit(ctx, rec, &a, nil) {
		w.mu.Lock()
		w.unchecked[key] = true
		w.mu.Unlock()
	}
}

// serviceTx is the entry's transaction with its listed confirmations, so
// that the co-signer finds the owner's confirmation it requires before
// signing.
func (e Entry) serviceTx() policy.ServiceTx {
	tx := *e.Tx
	if len(tx.Confirmations) == 0 {
		tx.Confirmations = e.ConfirmationList()
	}
	return tx
}

// ownerConfirmed reports whether dry, a dry run, may be followed by the
// co-signature: only when it does not sign, or when one of the Safe's
// owners other than the co-signer has already confirmed the transaction
// with a signature the watch recovers itself ([Entry.OwnerConfirmed]).
// Whoever can propose to the service could otherwise have the co-signer
// sign a transaction of their own for the next nonce, and lock that
// nonce for the organisation's. An entry not confirmed yet is not
// decided: it is checked again at every poll.
func (w *Watcher) ownerConfirmed(e Entry, dry *cosign.Result, st *PollStats, log *slog.Logger) bool {
	if dry.Decision != cosign.DecisionSigned {
		return true
	}
	v := dry.Verification
	if v != nil && v.Chain != nil && v.Chain.State != nil {
		if owner, ok := e.OwnerConfirmed(dry.SafeTxHash, v.Chain.State.Owners, dry.Cosigner); ok {
			log.Debug("safe queue: confirmed by an owner", "owner", owner.Hex())
			return true
		}
	}
	st.Unconfirmed++
	log.Info("safe queue: a pending transaction the co-signer would sign is not confirmed by an owner yet; it is co-signed once one has confirmed it")
	return false
}

// maxFindingsShown bounds the findings an alert message spells out.
const maxFindingsShown = 3

// findingsText names the most severe findings, with their evidence.
func findingsText(fs []policy.Finding) string {
	if len(fs) == 0 {
		return "no finding"
	}
	var parts []string
	for i, f := range fs {
		if i == maxFindingsShown {
			parts = append(parts, fmt.Sprintf("and %d more", len(fs)-i))
			break
		}
		parts = append(parts, fmt.Sprintf("%s (%s) %s", f.Code, f.Severity, bulwark.Echo(f.Message)))
	}
	return strings.Join(parts, "; ")
}

// commit stores rec, with its alert when there is one, and its audit
// entry in one transaction, even when ctx has ended (a decision reached
// as the watch stops is still recorded).
func (w *Watcher) commit(ctx context.Context, rec Record, a *watch.Alert, res *cosign.Result) bool {
	var id int64
	_, err := w.c.Log.Do(context.WithoutCancel(ctx), func(txctx context.Context) (audit.Event, error) {
		seq, ok := audit.PendingSeq(txctx)
		if !ok {
			return audit.Event{}, bulwark.Errorf(bulwark.EINTERNAL, "a queue decision recorded outside an audit transaction")
		}
		if a != nil {
			var err error
			if id, err = w.c.Alerts.SaveAlert(txctx, *a); err != nil {
				return audit.Event{}, err
			}
		}
		rec.AuditSeq = seq
		if err := w.c.Store.SaveQueueRecord(txctx, rec); err != nil {
			return audit.Event{}, err
		}
		d := map[string]any{"key": rec.Key.Hex(), "decision": rec.Decision, "pushed": rec.Pushed}
		if rec.Verdict != "" {
			d["verdict"] = rec.Verdict
		}
		if rec.SafeTxHash != (common.Hash{}) {
			d["listedSafeTxHash"] = rec.SafeTxHash.Hex()
		}
		if res != nil {
			d["safeTxHash"] = res.SafeTxHash.Hex()
			codes := make([]string, len(res.Findings))
			for i, f := range res.Findings {
				codes[i] = f.Code
			}
			d["findings"] = codes
			if res.AuditSeq > 0 {
				d["decisionAuditSeq"] = res.AuditSeq
			}
		}
		if a != nil {
			d["alertId"], d["code"], d["severity"] = id, a.Code, a.Severity
		}
		target := "safe:" + rec.Safe.Hex()
		if rec.Nonce != "" {
			target += "#" + rec.Nonce
		}
		return audit.Event{Actor: w.c.Actor, Action: AuditAction, Target: target, Details: d}, nil
	})
	if err != nil {
		if bulwark.ErrorCode(err) == bulwark.ECONFLICT {
			return true // another process decided it first
		}
		w.c.Logger.Error("safe queue: cannot record a decision; it is decided again at the next poll", "safe", rec.Safe.Hex(), "nonce", rec.Nonce, "err", bulwark.ErrorMessage(err))
		return false
	}
	if a != nil {
		w.logAlert(*a)
		if w.c.Stored != nil {
			w.c.Stored()
		}
	}
	return true
}

// alert stores an alert that records no decision, with its audit entry.
func (w *Watcher) alert(ctx context.Context, a watch.Alert) {
	rec := &watch.Recorder{Store: w.c.Alerts, Log: w.c.Log, Actor: w.c.Actor, Stored: w.c.Stored}
	if err := rec.Record(ctx, a); err != nil {
		w.c.Logger.Error("safe queue: cannot store an alert", "code", a.Code, "err", bulwark.ErrorMessage(err))
		return
	}
	w.logAlert(a)
}

func (w *Watcher) logAlert(a watch.Alert) {
	lvl := slog.LevelWarn
	if a.Severity == policy.SeverityCritical {
		lvl = slog.LevelError
	}
	w.c.Logger.Log(context.Background(), lvl, "safe queue alert", "code", a.Code, "severity", a.Severity, "safe", a.Safe, "safeTxHash", a.SafeTxHash, "message", a.Message)
}

// SortByNonce orders entries by listed nonce, lowest first, those without
// one last, keeping the listed order among equals.
func SortByNonce(es []Entry) {
	slices.SortStableFunc(es, func(a, b Entry) int {
		switch {
		case a.Nonce == nil && b.Nonce == nil:
			return 0
		case a.Nonce == nil:
			return 1
		case b.Nonce == nil:
			return -1
		}
		return a.Nonce.Cmp(b.Nonce)
	})
}

// nonceRange names the lowest and highest listed nonces of es.
func nonceRange(es []Entry) string {
	var lo, hi *big.Int
	for _, e := range es {
		if e.Nonce == nil {
			continue
		}
		if lo == nil || e.Nonce.Cmp(lo) < 0 {
			lo = e.Nonce
		}
		if hi == nil || e.Nonce.Cmp(hi) > 0 {
			hi = e.Nonce
		}
	}
	if lo == nil {
		return "none read"
	}
	return lo.String() + " to " + hi.String()
}
