package tracing

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/ethereum/go-ethereum/common"
	"github.com/holiman/uint256"
)

// Follow is one trace the Follower follows live: a forward Request (its
// seeds, policy, bounds, labels, known tokens and thresholds) traced by a
// Tracer fed block by block from its first block (Request.Bounds.FromBlock;
// 0 for the head when first followed), under a stable ID that names its
// cursor and alerts. The traversal's rules apply as in Trace: hubs and
// the hop bound stop it, transfers below the minimum value and
// address-poisoning noise are no edges, swaps and wraps carry the taint
// on. The deposit addresses are the store's registry (Request.Deposits is
// not used).
type Follow struct {
	// ID names the follow: "watch:…" for 'bulwark trace watch', "case:ID"
	// for a case.
	ID      string
	Request Request
}

// fingerprint changes when what the follow computes changes: its seeds,
// policy, chain, first block, or the traversal's bounds (hops, minimum
// value, window end, hub degree, through hubs) and known tokens. Labels
// are not in it: a label added later (a case's, a screening list's)
// applies to the addresses the trace reaches from the next step on.
func (f *Follow) fingerprint() string {
	var b strings.Builder
	r := &f.Request
	fmt.Fprintf(&b, "%d|%s|%d|", r.Chain, r.Policy, r.Bounds.FromBlock)
	for _, a := range r.SeedAddresses {
		b.WriteString(strings.ToLower(a.Hex()))
	}
	b.WriteByte('|')
	for _, h := range r.SeedTxs {
		b.WriteString(h.Hex())
	}
	// The traversal's bounds, written only when one is set, so a follow
	// with the defaults keeps the cursor key it had.
	minValue := r.Bounds.MinValue
	if minValue == "" && r.MinValue != nil && !r.MinValue.IsZero() {
		minValue = r.MinValue.Dec()
	}
	hops := r.Bounds.MaxHops
	if hops == DefaultMaxHops {
		hops = 0
	}
	if hops != 0 || minValue != "" || r.Bounds.ToBlock != 0 || r.Bounds.FromTime != 0 || r.Bounds.ToTime != 0 ||
		r.Bounds.HubDegree != 0 || r.Bounds.ThroughHubs || len(r.KnownTokens) != 0 {
		fmt.Fprintf(&b, "|%d|%s|%d|%d|%d|%d|%t|", hops, minValue, r.Bounds.ToBlock, r.Bounds.FromTime, r.Bounds.ToTime, r.Bounds.HubDegree, r.Bounds.ThroughHubs)
		for _, a := range r.KnownTokens {
			b.WriteString(strings.ToLower(a.Hex()))
		}
	}
	return b.String()
}

// CursorKey is the name the follow's cursor is stored under: its ID and
// a digest of its fingerprint, so a follow whose seeds, policy, chain or
// first block change starts afresh instead of resuming a cursor computed
// for other seeds.
func (f *Follow) CursorKey() string {
	sum := sha256.Sum256([]byte(f.fingerprint()))
	return f.ID + "#" + hex.EncodeToString(sum[:4])
}

// WatchID returns the follow ID of 'bulwark trace watch' for a request:
// "watch:" and 12 hex digits of a digest of its chain, seeds, policy and
// first block, so the same command resumes where it stopped and another
// one starts afresh.
func WatchID(r Request) string {
	f := Follow{Request: r}
	sum := sha256.Sum256([]byte(f.fingerprint()))
	return "watch:" + hex.EncodeToString(sum[:6])
}

// Follows says which traces to follow now. The follower asks at every
// step, so follows added, changed or removed are picked up without a
// restart.
type Follows interface {
	Follows(ctx context.Context) ([]Follow, error)
}

// StaticFollows is a fixed list of follows ('bulwark trace watch').
type StaticFollows []Follow

// Follows returns the list.
func (s StaticFollows) Follows(context.Context) ([]Follow, error) { return s, nil }

// CaseFollows follows the open forward cases of one chain traced over the
// node's transfers (source "node"), each as "case:ID" with the request
// 'bulwark trace case run' traces: its seeds, policy, bounds, thresholds,
// and its own labels ahead of Labeler's.
type CaseFollows struct {
	Cases interface {
		Cases(ctx context.Context, f CaseFilter) ([]*Case, error)
	}
	Chain uint64
	// Labeler labels addresses beyond the cases' own labels (the screening
	// lists, the user's labels, TagPacks), as CaseService.Labeler does;
	// nil for none.
	Labeler Labeler
}

// Follows lists the open cases.
func (c CaseFollows) Follows(ctx context.Context) ([]Follow, error) {
	var out []Follow
	before := int64(0)
	for {
		page, err := c.Cases.Cases(ctx, CaseFilter{Status: CaseOpen, Before: before, Limit: 500})
		if err != nil {
			return nil, err
		}
		for _, cs := range page {
			if cs.Chain != c.Chain || cs.Direction == Backward || (cs.Source != "" && cs.Source != DefaultCaseSource) {
				continue
			}
			req, err := cs.Request(c.Labeler)
			if err != nil {
				return nil, err
			}
			out = append(out, Follow{ID: fmt.Sprintf("case:%d", cs.ID), Request: req})
		}
		if len(page) < 500 {
			slices.Reverse(out) // oldest case first
			return out, nil
		}
		before = page[len(page)-1].ID
	}
}

// FollowerStore is what the Follower reads and writes: the ingested
// blocks (the Ingester's store), the deposit registry, the alerts and the
// follows' cursors.
type FollowerStore interface {
	IngestStore
	AlertStore
	Deposits(ctx context.Context) ([]RegisteredDeposit, error)
}

// AlertRecorder stores an alert with its audit entry and outbox message
// in one transaction (Recorder.Record); it returns the alert's id and
// whether it was new (an alert stored before is not stored or audited
// again).
type AlertRecorder func(ctx context.Context, a StoredAlert) (int64, bool, error)

// FollowerConfig configures a Follower.
type FollowerConfig struct {
	// Chain is the chain followed; Source reads its blocks and Store keeps
	// them (the Ingester's Store and Source; IngestName its source name,
	// "node" unless set).
	Chain      uint64
	Source     BlockSource
	Store      FollowerStore
	IngestName string
	// Follows are the traces followed.
	Follows Follows
	// Record stores an alert with its audit entry and outbox message.
	Record AlertRecorder
	// Raised, when set, is called with each alert newly stored (the CLI
	// prints it); it must not block.
	Raised func(StoredAlert)
	Logger *slog.Logger
	// Interval is how often the node is polled for new blocks (default
	// 1s), and the first wait after a failure (doubling up to 30s).
	Interval time.Duration
	// Batch and Concurrency are the Ingester's.
	Batch, Concurrency int
	// Attempts and Backoff are the Ingester's retries of a failing node.
	Attempts int
	Backoff  time.Duration
	// Chunk is the most blocks ingested per step and processed by a
	// follow between cursor saves (default 1000).
	Chunk uint64
	// Exits finds the cross-chain exits among the blocks' transfers (as a
	// case run's and a one-shot trace's): value paid into one is recorded
	// as an exit and followed no further. Nil leaves each follow's own
	// Request.Exits.
	Exits ExitFinder
	// WatchExits, when set, puts the destinations of the exits a case's
	// follow ("case:ID") meets in new blocks on the case's screening list,
	// as the case's runs do (CaseService.WatchExits), audited as Actor
	// (default "system:follower"). A failure is retried at the next step
	// and holds neither the follow nor its alerts back; it is logged as a
	// warning when it is the first for one of its destinations, at debug
	// level when it is a retry.
	WatchExits ExitWatcher
	Actor      string
}

// Follower follows the chain head: it ingests new blocks through an
// Ingester (resumable, rolling back reorgs), keeps a Tracer per followed
// trace fed with each new block's transfers, block by block, and raises
// an alert, in the block where it lands, when tainted value at or above
// the threshold arrives at a registered deposit address along the trace
// (so, as in Trace, not through a hub or beyond the hop bound). Each alert is
// stored, audited and queued for the webhook in one transaction; the
// follower never waits for its delivery.
//
// After a restart each follow's Tracer is rebuilt from the stored
// transfers up to its cursor (fed block by block, as live, so it reaches
// the state it had), and the blocks above are processed as new:
// an alert is identified by its follow, block hash, transaction, transfer
// and deposit, so a block processed again never raises it twice. When a
// reorg drops a block that had an alert, the alert is retracted (a
// TRACE_ALERT_RETRACTED alert names it) and the follow is recomputed on
// the new chain, raising a new TRACE_DEPOSIT if the deposit is there too.
type Follower struct {
	cfg    FollowerConfig
	states map[string]*followState
	// behind is set by a step that ingested as much as one step may and
	// may have left blocks to the next: that one starts at once.
	behind bool
	// exits is the exit detector of the last range of blocks applied in
	// this step, shared by the follows that apply the same range (the
	// store does not change between them).
	exits exitsOf
	// forked says this step's ingestion rolled back a reorg; fork is the
	// lowest block it kept (the chain up to it is the one processed
	// before).
	forked bool
	fork   uint64
	// warnedDests are the exit destinations (by follow, chain and
	// address) a failed WatchExits was logged for and that are not
	// listed yet, so that an import that keeps failing over the same
	// destinations is logged once, not at every step. It holds at most
	// maxWarnedDests; when full it is emptied.
	warnedDests map[string]bool
}

// maxWarnedDests bounds Follower.warnedDests.
const maxWarnedDests = 4096

// maxNamedDests is how many destinations one warning names.
const maxNamedDests = 10

// exitsOf is the exit detector of a range of stored transfers.
type exitsOf struct {
	key exitsKey
	d   ExitDetector
}

// exitsKey names a range of stored transfers: its blocks, how many
// transfers and the last one's transaction.
type exitsKey struct {
	from, to uint64
	n        int
	last     common.Hash
}

type followState struct {
	fp     string
	tracer *Tracer
	from   uint64      // the first block applied
	block  uint64      // processed up to (from-1 before the first)
	hash   common.Hash // block's hash as processed (zero when not stored)
	// unwatched are the exits met in new blocks whose destinations are
	// not on the case's screening list yet.
	unwatched []Exit
	// fed is set while the Tracer has been fed blocks past block (a step
	// failed after feeding some): it must be rebuilt from the cursor.
	fed bool
}

// NewFollower returns the Follower of c; it does nothing until Run or
// Step.
func NewFollower(c FollowerConfig) *Follower {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Interval <= 0 {
		c.Interval = time.Second
	}
	if c.Chunk == 0 {
		c.Chunk = 1000
	}
	if c.IngestName == "" {
		c.IngestName = "node"
	}
	if c.Actor == "" {
		c.Actor = "system:follower"
	}
	return &Follower{cfg: c, states: map[string]*followState{}, warnedDests: map[string]bool{}}
}

// Run follows until ctx ends. Node and store failures are logged and
// retried with backoff; it never returns early.
func (f *Follower) Run(ctx context.Context) {
	wait := f.cfg.Interval
	for ctx.Err() == nil {
		if _, err := f.Step(ctx, 0); err != nil && ctx.Err() == nil {
			// The whole message: which follow failed, in which block,
			// and why (ErrorMessage keeps the innermost reason alone).
			f.cfg.Logger.Warn("trace follower: step failed; retrying", "err", err.Error(), "retry", wait)
			if !bulwark.Sleep(ctx, wait) {
				return
			}
			wait = min(2*wait, 30*time.Second)
			continue
		}
		wait = f.cfg.Interval
		if !f.behind && !bulwark.Sleep(ctx, f.cfg.Interval) {
			return
		}
	}
}

// RunTo follows until every follow has processed block to (waiting for
// the node to mine it), or ctx ends, or a step fails (returned).
func (f *Follower) RunTo(ctx context.Context, to uint64) error {
	for {
		done, err := f.Step(ctx, to)
		if err != nil || done {
			return err
		}
		if !f.behind && !bulwark.Sleep(ctx, f.cfg.Interval) {
			return ctx.Err()
		}
	}
}

// Step ingests the blocks mined since the last step (at most Chunk; up to
// block to, when not 0) and brings every follow up to the last block
// stored, raising the alerts they call for. It reports whether every follow has processed
// block to (always false for to 0). A follow that fails does not stop the
// others: the error names each follow that failed.
func (f *Follower) Step(ctx context.Context, to uint64) (bool, error) {
	c := &f.cfg
	f.exits = exitsOf{}
	f.forked = false
	follows, err := c.Follows.Follows(ctx)
	if err != nil {
		return false, err
	}
	live := map[string]bool{}
	for _, fl := range follows {
		live[fl.ID] = true
	}
	for id := range f.states {
		if !live[id] {
			delete(f.states, id)
		}
	}
	if len(follows) == 0 {
		return false, nil
	}
	start, err := f.ingestStart(ctx, follows)
	if err != nil {
		return false, err
	}
	// Ingest at most Chunk blocks per step, so the follows (and their
	// alerts) keep pace while a long gap is caught up.
	base := start
	if cur, ok, err := c.Store.IngestCursor(ctx, c.Chain, c.IngestName); err != nil {
		return false, err
	} else if ok {
		base = cur.Block + 1
	}
	limit := base + c.Chunk - 1
	capped := to == 0 || to > limit
	if !capped {
		limit = to
	}
	in := &Ingester{Store: c.Store, Source: c.Source, Chain: c.Chain, Name: c.IngestName, Start: start,
		Batch: c.Batch, Concurrency: c.Concurrency, Attempts: c.Attempts, Backoff: c.Backoff}
	res, err := in.Run(ctx, limit)
	if err != nil {
		return false, err
	}
	f.behind = capped && res.Cursor >= limit
	f.forked, f.fork = res.RolledBack > 0, res.Fork
	if res.RolledBack > 0 {
		c.Logger.Info("trace follower: reorg rolled back", "blocks", res.RolledBack, "cursor", res.Cursor)
	}
	cur, ok, err := c.Store.IngestCursor(ctx, c.Chain, c.IngestName)
	if err != nil || !ok {
		return false, err
	}
	if to != 0 && cur.Block > to {
		cur.Block = to // the store holds more (another ingester): stop at to
	}
	regs, err := c.Store.Deposits(ctx)
	if err != nil {
		return false, err
	}
	deposits := make(map[common.Address]*Deposit, len(regs))
	for i := range regs {
		deposits[regs[i].Address] = &regs[i].Deposit
	}
	done := to != 0
	// A follow that fails holds the others back neither in this step nor
	// in the next (one whose request cannot be traced fails at every
	// step): the step goes on and reports every failure.
	var errs []error
	for i := range follows {
		fl := &follows[i]
		if fl.Request.Chain != c.Chain {
			continue
		}
		st, err := f.advance(ctx, fl, cur, deposits)
		if err != nil {
			// A Tracer fed blocks past its cursor is rebuilt from the
			// stored cursor at the next step (a Tracer refuses blocks fed
			// again, so it would fail forever); one that failed before it
			// was fed goes on from where it stands.
			if st := f.states[fl.ID]; st != nil && st.fed {
				delete(f.states, fl.ID)
			}
			errs = append(errs, fmt.Errorf("%s: %w", fl.ID, err))
			if ctx.Err() != nil {
				break
			}
			continue
		}
		if st.block < to {
			done = false
		}
	}
	if len(errs) > 0 {
		return false, errors.Join(errs...)
	}
	return done, nil
}

// ingestStart is where the Ingester starts when the store has no cursor:
// the lowest first block of the follows (their cursors', else their
// requests'), else the head.
func (f *Follower) ingestStart(ctx context.Context, follows []Follow) (uint64, error) {
	c := &f.cfg
	if _, ok, err := c.Store.IngestCursor(ctx, c.Chain, c.IngestName); err != nil || ok {
		return 0, err
	}
	start, have := uint64(0), false
	for _, fl := range follows {
		s := fl.Request.Bounds.FromBlock
		if cur, ok, err := c.Store.FollowCursor(ctx, fl.CursorKey()); err != nil {
			return 0, err
		} else if ok {
			s = cur.FromBlock
		}
		if s == 0 {
			continue
		}
		if !have || s < start {
			start, have = s, true
		}
	}
	if have {
		return start, nil
	}
	head, err := c.Source.Head(ctx)
	return head, err
}

// advance brings follow fl up to the ingestion cursor cur.
func (f *Follower) advance(ctx context.Context, fl *Follow, cur IngestCursor, deposits map[common.Address]*Deposit) (*followState, error) {
	c := &f.cfg
	st := f.states[fl.ID]
	if st == nil || st.fp != fl.fingerprint() {
		prevFrom := uint64(0)
		if st != nil {
			prevFrom = st.from
		}
		var err error
		if st, err = f.resume(ctx, fl, cur, prevFrom, deposits); err != nil {
			return nil, err
		}
		f.states[fl.ID] = st
	}
	// The follow's labels as they are now (a case labelled since the
	// last step): addresses reached from now on are labelled by them.
	st.tracer.tr.req.Labeler = fl.Request.Labeler
	// A reorg below what was processed: the block processed last is no
	// longer the stored one.
	if st.block >= st.from && st.block > 0 {
		h, ok, err := c.Store.StoredBlock(ctx, c.Chain, c.IngestName, st.block)
		if err != nil {
			return nil, err
		}
		if (ok && h.Hash != st.hash) || (!ok && st.block > cur.Block) {
			c.Logger.Warn("trace follower: a reorg replaced processed blocks; recomputing", "follow", fl.ID, "block", st.block)
			if err := f.reconcile(ctx, fl, st, cur, deposits); err != nil {
				return st, err
			}
			// The exits of the new chain (those listed before stay listed).
			st.unwatched = append(st.unwatched, st.tracer.tr.exits...)
			f.watchExits(ctx, fl, st)
			return st, nil
		}
	}
	for st.block < cur.Block {
		end := min(st.block+c.Chunk, cur.Block)
		n := len(st.tracer.tr.exits)
		if err := f.apply(ctx, fl, st, st.block+1, end, deposits, nil); err != nil {
			return nil, err
		}
		st.unwatched = append(st.unwatched, st.tracer.tr.exits[n:]...)
		if err := f.saveCursor(ctx, fl, st, end); err != nil {
			return nil, err
		}
	}
	f.watchExits(ctx, fl, st)
	return st, nil
}

// watchExits puts the destinations of st's unwatched exits on the
// screening list of fl's case through WatchExits; a failure is logged and
// the exits are kept for the next step. A failure is logged as a warning
// when it holds a destination not logged before (named in it), at debug
// level otherwise: a destination that fails at every step (one the list
// refuses) is logged once, not at every step.
func (f *Follower) watchExits(ctx context.Context, fl *Follow, st *followState) {
	c := &f.cfg
	id, isCase := followCase(fl.ID)
	if len(st.unwatched) == 0 || c.WatchExits == nil || !isCase {
		st.unwatched = nil
		return
	}
	if err := c.WatchExits.watch(ctx, c.Actor, id, st.unwatched); err != nil {
		var fresh []string
		more := 0
		for _, x := range st.unwatched {
			k := warnedDest(fl.ID, x)
			if x.DestAddress == "" || f.warnedDests[k] {
				continue
			}
			if len(f.warnedDests) >= maxWarnedDests {
				clear(f.warnedDests)
			}
			f.warnedDests[k] = true
			if len(fresh) < maxNamedDests {
				fresh = append(fresh, x.DestChain+" "+x.DestAddress)
			} else {
				more++
			}
		}
		if more > 0 {
			fresh = append(fresh, fmt.Sprintf("and %d more", more))
		}
		level := slog.LevelWarn
		if len(fresh) == 0 {
			level = slog.LevelDebug
		}
		c.Logger.Log(ctx, level, "trace follower: the exits' destinations could not be put on the case's screening list; retrying at the next step",
			"follow", fl.ID, "list", CaseExitList(id), "exits", len(st.unwatched), "newDestinations", fresh, "err", bulwark.ErrorMessage(err))
		return
	}
	c.Logger.Info("trace follower: exits' destinations on the case's screening list", "follow", fl.ID, "list", CaseExitList(id), "exits", len(st.unwatched))
	for _, x := range st.unwatched {
		delete(f.warnedDests, warnedDest(fl.ID, x))
	}
	st.unwatched = nil
}

// warnedDest is the key of x's destination in Follower.warnedDests.
func warnedDest(follow string, x Exit) string {
	return follow + "\x00" + x.DestChain + "\x00" + x.DestAddress
}

// followCase is the case ID of a follow "case:ID".
func followCase(follow string) (int64, bool) {
	s, ok := strings.CutPrefix(follow, "case:")
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}

// resume builds the state of fl: from its cursor (the Tracer replayed
// from its first block up to the cursor, no alerts raised), or new, from
// its first block (when it gives none: prevFrom, the first block of the
// follow it replaces in this process, else the block after the head).
func (f *Follower) resume(ctx context.Context, fl *Follow, cur IngestCursor, prevFrom uint64, deposits map[common.Address]*Deposit) (*followState, error) {
	c := &f.cfg
	tracer, err := newFollowTracer(fl)
	if err != nil {
		return nil, err
	}
	st := &followState{fp: fl.fingerprint(), tracer: tracer}
	fc, ok, err := c.Store.FollowCursor(ctx, fl.CursorKey())
	if err != nil {
		return nil, err
	}
	want := fl.Request.Bounds.FromBlock
	if ok && fc.Chain == c.Chain && (want == 0 || want == fc.FromBlock) {
		st.from, st.block, st.hash = fc.FromBlock, fc.FromBlock-1, common.Hash{}
		if fc.Block >= fc.FromBlock {
			// The alerts of the blocks replayed were recorded before:
			// collected and dropped (the Tracer's graph keeps them).
			var replayed []StoredAlert
			if err := f.apply(ctx, fl, st, fc.FromBlock, fc.Block, deposits, &replayed); err != nil {
				return nil, err
			}
			// The exits replayed go on the case's list again: those
			// listed before leave it unchanged (no import), those the
			// last process could not list are listed now.
			st.unwatched = slices.Clone(st.tracer.tr.exits)
		}
		st.block, st.hash, st.fed = fc.Block, fc.Hash, false
		c.Logger.Info("trace follower: resuming", "follow", fl.ID, "fromBlock", fc.FromBlock, "cursor", fc.Block)
		return st, nil
	}
	from := want
	if from == 0 {
		from = prevFrom
	}
	if from == 0 {
		from = cur.Block + 1 // the head: the blocks from the next one
	}
	st.from, st.block = from, from-1
	if h, ok, err := c.Store.StoredBlock(ctx, c.Chain, c.IngestName, st.block); err != nil {
		return nil, err
	} else if ok {
		st.hash = h.Hash
	}
	c.Logger.Info("trace follower: following", "follow", fl.ID, "fromBlock", from, "seeds", len(fl.Request.SeedAddresses)+len(fl.Request.SeedTxs), "policy", fl.Request.Policy)
	return st, c.Store.SaveFollowCursor(ctx, FollowCursor{Follow: fl.CursorKey(), Chain: c.Chain, Block: st.block, Hash: st.hash, FromBlock: from})
}

// saveCursor records that st is processed up to block end.
func (f *Follower) saveCursor(ctx context.Context, fl *Follow, st *followState, end uint64) error {
	c := &f.cfg
	h, ok, err := c.Store.StoredBlock(ctx, c.Chain, c.IngestName, end)
	if err != nil {
		return err
	}
	// A block not stored (below the first block ingested) is saved with
	// a zero hash.
	_ = ok
	st.block, st.hash, st.fed = end, h.Hash, false
	return c.Store.SaveFollowCursor(ctx, FollowCursor{Follow: fl.CursorKey(), Chain: c.Chain, Block: end, Hash: h.Hash, FromBlock: st.from})
}

// newFollowTracer returns a Tracer for fl's request, forward, with no
// deposits of its own (the follower gives the registry's at each feed).
func newFollowTracer(fl *Follow) (*Tracer, error) {
	req := fl.Request
	req.Direction, req.Deposits = Forward, nil
	t, err := NewTracer(req)
	if err != nil {
		return nil, fmt.Errorf("the followed trace's request: %w", err)
	}
	return t, nil
}

// apply feeds st's Tracer the stored transfers of blocks from..to, block
// by block. Each alert the Tracer raises (a tainted arrival along the
// trace at a deposit address that meets its threshold) is recorded as it
// is met, or, with collect, appended to *collect.
func (f *Follower) apply(ctx context.Context, fl *Follow, st *followState, from, to uint64, deposits map[common.Address]*Deposit, collect *[]StoredAlert) error {
	c := &f.cfg
	ts, err := c.Store.Transfers(ctx, TransferQuery{Chain: c.Chain, Source: c.IngestName, FromBlock: from, ToBlock: to})
	if err != nil {
		return err
	}
	// The Tracer's deposits are the registry's, read at this step; its
	// exits those the finder finds among these blocks' transfers.
	st.tracer.tr.deposits = deposits
	defer func() { st.tracer.tr.deposits = nil }()
	if c.Exits != nil && len(ts) > 0 {
		key := exitsKey{from: from, to: to, n: len(ts), last: ts[len(ts)-1].TxHash}
		if f.exits.d == nil || f.exits.key != key {
			d, err := c.Exits.ExitsFor(ctx, ts)
			if err != nil {
				return err
			}
			f.exits = exitsOf{key: key, d: d}
		}
		st.tracer.tr.req.Exits = f.exits.d
		defer func() { st.tracer.tr.req.Exits = fl.Request.Exits }()
	}
	hashes := map[uint64]common.Hash{}
	st.fed = st.fed || len(ts) > 0
	for i := 0; i < len(ts); {
		j := i + 1
		for j < len(ts) && ts[j].Block == ts[i].Block {
			j++
		}
		block := ts[i:j:j]
		i = j
		alerts, idx, err := st.tracer.feed(ctx, block)
		if err != nil {
			return fmt.Errorf("block %d: %w", block[0].Block, err)
		}
		for k := range alerts {
			if err := f.raise(ctx, fl, &block[idx[k]], &alerts[k], deposits, hashes, collect); err != nil {
				return err
			}
		}
	}
	return nil
}

// raise records (or collects) the TRACE_DEPOSIT of alert al, which the
// Tracer raised for transfer t.
func (f *Follower) raise(ctx context.Context, fl *Follow, t *Transfer, al *Alert, deposits map[common.Address]*Deposit, hashes map[uint64]common.Hash, collect *[]StoredAlert) error {
	c := &f.cfg
	d := deposits[t.To]
	if d == nil {
		return nil
	}
	var taint uint256.Int
	if err := taint.SetFromDecimal(al.Taint); err != nil {
		return fmt.Errorf("alert taint %q: %w", al.Taint, err)
	}
	th := d.threshold(al.Asset, fl.Request.Thresholds)
	bh, ok := hashes[t.Block]
	if !ok {
		h, found, err := c.Store.StoredBlock(ctx, c.Chain, c.IngestName, t.Block)
		if err != nil {
			return err
		}
		if !found {
			return bulwark.Errorf(bulwark.ECONFLICT, "block %d is not stored though it has transfers (rolled back meanwhile?)", t.Block)
		}
		bh, hashes[t.Block] = h.Hash, h.Hash
	}
	a := depositAlert(fl, t, d, &taint, th, bh)
	if collect != nil {
		*collect = append(*collect, a)
		return nil
	}
	return f.record(ctx, a)
}

// depositAlert is the TRACE_DEPOSIT of transfer t into deposit d.
func depositAlert(fl *Follow, t *Transfer, d *Deposit, taint, th *uint256.Int, blockHash common.Hash) StoredAlert {
	a := Alert{Deposit: d.Address, Label: d.Label, TxHash: t.TxHash, Block: t.Block, Time: t.Time, Asset: t.Asset.String(),
		Amount: t.Amount.Dec(), Taint: taint.Dec(), Threshold: "0", Policy: fl.Request.Policy, Chain: t.Chain, BlockHash: blockHash,
		From: t.From, Kind: t.Kind}
	if th != nil {
		a.Threshold = th.Dec()
	}
	if t.Kind.fromLog() {
		li := t.LogIndex
		a.LogIndex = &li
		if t.Asset.Standard == ERC1155 {
			item := t.ItemIndex
			a.ItemIndex = &item
		}
	} else if !(t.Kind == GasTip || t.Kind == BaseFeeBurn) {
		a.TraceAddress = append([]uint32{}, t.TraceAddress...)
	}
	label := ""
	if d.Label != "" {
		label = " (" + d.Label + ")"
	}
	msg := fmt.Sprintf("%s of %s %s arriving at deposit address %s%s in block %d (tx %s, from %s) is tainted under %s (threshold %s)",
		a.Taint, a.Amount, a.Asset, d.Address.Hex(), label, a.Block, a.TxHash.Hex(), a.From.Hex(), a.Policy, a.Threshold)
	return StoredAlert{Code: CodeDeposit, Severity: SeverityCritical, Follow: fl.ID, Message: msg, Alert: a}
}

// record stores a and tells Raised when it is new.
func (f *Follower) record(ctx context.Context, a StoredAlert) error {
	id, fresh, err := f.cfg.Record(ctx, a)
	if err != nil {
		return err
	}
	if fresh {
		a.ID = id
		f.cfg.Logger.Warn("trace alert", "code", a.Code, "follow", a.Follow, "deposit", a.Deposit.Hex(), "block", a.Block, "tx", a.TxHash.Hex(),
			"asset", a.Asset, "taint", a.Taint, "id", id)
		if f.cfg.Raised != nil {
			f.cfg.Raised(a)
		}
	}
	return nil
}

// reconcile recomputes fl over the stored chain after a reorg: the Tracer
// is rebuilt from the follow's first block, every stored alert of the
// follow whose block is no longer stored with its hash is retracted, and
// the alerts of the new chain are raised (those stored before are not
// raised again, nor those of the blocks below the fork, when this step's
// ingestion found it).
func (f *Follower) reconcile(ctx context.Context, fl *Follow, st *followState, cur IngestCursor, deposits map[common.Address]*Deposit) error {
	c := &f.cfg
	tracer, err := newFollowTracer(fl)
	if err != nil {
		return err
	}
	// The new Tracer is behind st.block until applied: rebuilt from the
	// cursor if this fails.
	st.tracer, st.fed = tracer, true
	var found []StoredAlert
	if cur.Block >= st.from {
		if err := f.apply(ctx, fl, st, st.from, cur.Block, deposits, &found); err != nil {
			return err
		}
	}
	since := int64(0)
	for {
		page, err := c.Store.TraceAlerts(ctx, AlertFilter{Follow: fl.ID, SinceID: since, Limit: 500})
		if err != nil {
			return err
		}
		for _, a := range page {
			since = a.ID
			if a.Code != CodeDeposit || a.RetractedBy != 0 {
				continue
			}
			h, ok, err := c.Store.StoredBlock(ctx, c.Chain, c.IngestName, a.Block)
			if err != nil {
				return err
			}
			if ok && h.Hash == a.BlockHash {
				continue
			}
			r := a
			r.ID, r.Code, r.Severity, r.Retracts, r.Delivery = 0, CodeRetracted, SeverityMedium, a.ID, AlertDelivery{}
			r.Message = fmt.Sprintf("alert %d is retracted: a reorg rolled back block %d (%s) where it saw %s of %s arrive at %s; if the deposit is on the new chain, a new %s names its block",
				a.ID, a.Block, a.BlockHash.Hex(), a.Taint, a.Asset, a.Deposit.Hex(), CodeDeposit)
			if err := f.record(ctx, r); err != nil {
				return err
			}
		}
		if len(page) < 500 {
			break
		}
	}
	for _, a := range found {
		if f.forked && a.Block <= f.fork {
			// A block this follow processed before on the same chain:
			// its alert was raised then (and retention may have deleted
			// it since: it must not come back as new).
			continue
		}
		if err := f.record(ctx, a); err != nil {
			return err
		}
	}
	if cur.Block < st.from {
		st.block, st.hash, st.fed = st.from-1, common.Hash{}, false
		return c.Store.SaveFollowCursor(ctx, FollowCursor{Follow: fl.CursorKey(), Chain: c.Chain, Block: st.block, FromBlock: st.from})
	}
	return f.saveCursor(ctx, fl, st, cur.Block)
}

// Recorder stores each trace alert with its audit entry ("trace.alert")
// and its outbox message in one transaction, then calls Stored (a
// delivery's wake).
type Recorder struct {
	Store interface {
		SaveTraceAlert(ctx context.Context, a StoredAlert) (int64, bool, error)
	}
	Log   *audit.Log
	Actor string
	// Stored, when set, is called after each new alert is committed; it
	// must not block.
	Stored func()
}

// errStoredBefore rolls back the audit entry of an alert stored before.
var errStoredBefore = errors.New("stored before")

// Record stores a with its audit entry, even when ctx has ended; an alert
// stored before is neither stored nor audited again (false).
func (r *Recorder) Record(ctx context.Context, a StoredAlert) (int64, bool, error) {
	var id int64
	_, err := r.Log.Do(context.WithoutCancel(ctx), func(txctx context.Context) (audit.Event, error) {
		var fresh bool
		var err error
		if id, fresh, err = r.Store.SaveTraceAlert(txctx, a); err != nil {
			return audit.Event{}, err
		}
		if !fresh {
			return audit.Event{}, errStoredBefore
		}
		d := map[string]any{"alertId": id, "code": a.Code, "follow": a.Follow, "chain": a.Chain, "block": a.Block, "blockHash": a.BlockHash.Hex(),
			"txHash": a.TxHash.Hex(), "asset": a.Asset, "amount": a.Amount, "taint": a.Taint, "threshold": a.Threshold, "policy": a.Policy.String()}
		if a.Retracts != 0 {
			d["retracts"] = a.Retracts
		}
		return audit.Event{Actor: r.Actor, Action: "trace.alert", Target: "deposit:" + a.Deposit.Hex(), Details: d}, nil
	})
	if errors.Is(err, errStoredBefore) {
		return id, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	if r.Stored != nil {
		r.Stored()
	}
	return id, true, nil
}

// Engine returns the taint engine of follow id as the last step left it
// (nil when the follow is not followed), for inspection between steps;
// it must not be used while a step runs.
func (f *Follower) Engine(id string) *Engine {
	if st := f.states[id]; st != nil {
		return st.tracer.tr.e
	}
	return nil
}

// Graph returns the graph of follow id so far (the Tracer's; nil when the
// follow is not followed); it must not be called while a step runs.
func (f *Follower) Graph(id string) *Graph {
	if st := f.states[id]; st != nil {
		return st.tracer.Graph()
	}
	return nil
}
