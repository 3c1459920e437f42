package tracing

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/approval"
	"github.com/bulwark-sec/bulwark/audit"
)

// TraceFunc runs a trace over transfers ordered by Compare (Trace is the
// one Bulwark uses).
type TraceFunc func(ctx context.Context, transfers []Transfer, req Request) (*Graph, error)

// CaseService opens, changes, runs and closes cases for the command line
// and the API alike: one validation, and every change stored with its
// history event and its audit entry in one transaction.
type CaseService struct {
	// Store keeps the cases; Audit records every change. Both are required
	// and must be the same adapter, so that they share the transaction.
	Store CaseStore
	Audit *audit.Log
	// Ingest holds the transfers a run reads; without it Run fails.
	Ingest IngestStore
	// Trace runs the trace; nil means Trace.
	Trace TraceFunc
	// Labeler labels addresses beyond the case's own labels (TagPacks,
	// screening lists); nil for none.
	Labeler Labeler
	// Exits finds the cross-chain exits (THORChain deposits, with their
	// memos) among the transfers a run reads (thorchain.Finder); nil for
	// none.
	Exits ExitFinder
	// Deposits is the registry of deposit addresses, which alert on
	// tainted arrivals; nil for none.
	Deposits DepositStore
	// WatchExits, when set, is given the exits of a run whose results are
	// stored, when one of them names a destination address, to put the
	// destinations on the screening watch list of the case
	// (labels.WatchExits under CaseExitList(id)); its failure fails the run
	// after the results are stored.
	WatchExits ExitWatcher
	// Digest is the SHA-256 a run's audit entry records for its graph
	// (graphSha256); nil means that of the graph's compact JSON encoding.
	// Bulwark's command line and API set report.GraphSHA256, the SHA-256
	// of the graph as 'bulwark trace case results ID' prints it, so that
	// anyone can check the stored results against the audit log.
	Digest func(*Graph) (string, error)
	// Dual is dual control: closing a case whose results name a freeze
	// request (Freeze) is held until a second person approves it
	// (approval.CaseClose); nil closes at once.
	Dual approval.Gate
	// Freeze returns one line per freeze request a graph calls for (a
	// deposit address at an exchange that received tainted value), in a
	// stable order: what the approver of a close is shown
	// (report.FreezeLines). With Dual set and Freeze nil, every close of
	// a case with results is held.
	Freeze func(*Graph) []string
}

// ExitWatcher puts the destination addresses of exits found for case id
// on the case's screening list CaseExitList(id), audited as actor
// (labels.CaseExits): the one path of case runs and of the follower.
type ExitWatcher func(ctx context.Context, actor string, id int64, exits []Exit) error

// watch hands w the exits when w is set and one of them names a
// destination address.
func (w ExitWatcher) watch(ctx context.Context, actor string, id int64, exits []Exit) error {
	if w == nil || !slices.ContainsFunc(exits, func(x Exit) bool { return x.DestAddress != "" }) {
		return nil
	}
	return w(ctx, actor, id, exits)
}

// CaseExitList is the ID of the screening list a case's exit destinations
// are put on: "case-ID-exits".
func CaseExitList(id int64) string { return "case-" + strconv.FormatInt(id, 10) + "-exits" }

// Open checks spec, stores a new open case created by actor and returns
// it with its audit entry; its id is returned only once the case and its
// audit entry are committed.
func (s *CaseService) Open(ctx context.Context, actor string, spec CaseSpec) (*Case, *audit.Entry, error) {
	c, err := NewCase(spec)
	if err != nil {
		return nil, nil, err
	}
	c.CreatedBy = actor
	var out *Case
	e, err := s.Audit.Do(ctx, func(ctx context.Context) (audit.Event, error) {
		var err error
		if out, err = s.Store.CreateCase(ctx, c); err != nil {
			return audit.Event{}, err
		}
		details := map[string]any{
			"id": out.ID, "title": out.Title, "chain": out.Chain, "source": out.Source, "seeds": out.Seeds,
			"policy": out.Policy, "direction": out.Direction, "bounds": out.Bounds, "labels": len(out.Labels), "thresholds": out.Thresholds}
		if len(out.KnownTokens) > 0 {
			details["knownTokens"] = out.KnownTokens
		}
		return audit.Event{Actor: actor, Action: "trace.case.open", Target: CaseTarget(out.ID), Details: details}, nil
	})
	if err != nil {
		return nil, nil, err
	}
	return out, e, nil
}

// Get returns case id with its results and history.
func (s *CaseService) Get(ctx context.Context, id int64) (*Case, error) {
	return s.Store.Case(ctx, id)
}

// List returns the cases f selects, newest first.
func (s *CaseService) List(ctx context.Context, f CaseFilter) ([]*Case, error) {
	if f.Limit < 1 {
		return nil, bulwark.Invalid("limit", "must be at least 1")
	}
	switch f.Status {
	case "", CaseOpen, CaseClosed:
	default:
		return nil, bulwark.Invalid("status", "unknown status %q: use open or closed", f.Status)
	}
	return s.Store.Cases(ctx, f)
}

// Update applies u to case id as actor (see Case.Apply) and returns the
// case as changed with the audit entry of the change.
func (s *CaseService) Update(ctx context.Context, actor string, id int64, u CaseUpdate) (*Case, *audit.Entry, error) {
	if u.Status != nil && *u.Status == CaseClosed && s.Dual != nil {
		if err := s.holdClose(ctx, actor, id); err != nil {
			return nil, nil, err
		}
	}
	if u.Thresholds != nil && s.Dual != nil {
		if err := s.holdThresholds(ctx, actor, id, u); err != nil {
			return nil, nil, err
		}
	}
	var out *Case
	e, err := s.Audit.Do(ctx, func(ctx context.Context) (audit.Event, error) {
		var (
			ev  CaseEvent
			err error
		)
		if out, ev, err = s.Store.UpdateCase(ctx, id, u, actor); err != nil {
			return audit.Event{}, err
		}
		var details map[string]any
		if err := json.Unmarshal(ev.Details, &details); err != nil || details == nil {
			details = map[string]any{}
		}
		details["id"] = id
		if gid := approval.GrantedRequest(ctx); gid != "" {
			details["approvalRequest"] = gid
		}
		return audit.Event{Actor: actor, Action: "trace.case." + ev.Action, Target: CaseTarget(id), Details: details}, nil
	})
	if err != nil {
		return nil, nil, err
	}
	return out, e, nil
}

// CloseHold is the input of an approved close (approval.CaseClose).
type CloseHold struct {
	ID int64 `json:"id"`
}

// holdClose asks dual control before case id is closed when its results
// name a freeze request: none of them is recorded as sent.
func (s *CaseService) holdClose(ctx context.Context, actor string, id int64) error {
	c, err := s.Store.Case(ctx, id)
	if err != nil || c.Status == CaseClosed || c.Results == nil || c.Results.Graph == nil {
		return err // a closed case or one never run: Update answers as before
	}
	var lines []string
	if s.Freeze != nil {
		if lines = s.Freeze(c.Results.Graph); len(lines) == 0 {
			return nil
		}
	} else {
		lines = []string{"(the freeze requests of this server's results were not computed)"}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Close trace case %d (%s) with %d freeze request(s) unsent: the case stops changing and its follower stops.\n", id, c.Title, len(lines))
	fmt.Fprintf(&b, "Results: block %d, %d addresses, %d transfers, computed %s\n", c.Results.Block, c.Results.Summary.Nodes, c.Results.Summary.Edges,
		c.Results.ComputedAt.UTC().Format("2006-01-02T15:04:05Z"))
	for _, l := range lines {
		fmt.Fprintf(&b, "- %s\n", l)
	}
	return s.Dual.Check(ctx, approval.Hold{Action: approval.CaseClose, Subject: CaseTarget(id), Summary: b.String(), Payload: CloseHold{ID: id}, Actor: actor})
}

// ThresholdsHold is the input of an approved change that lowers a case's
// alert thresholds (approval.ThresholdLower): the whole update asked.
type ThresholdsHold struct {
	ID     int64      `json:"id"`
	Update CaseUpdate `json:"update"`
}

// loweredThresholds lists the thresholds of old that next raises or
// removes (an asset's alert then needs more tainted value, or none
// fires), in key order: "KEY: OLD -> NEW" or "KEY: OLD -> removed".
func loweredThresholds(old, next map[string]string) []string {
	keys := make([]string, 0, len(old))
	for k := range old {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var out []string
	for _, k := range keys {
		n, ok := next[k]
		if !ok {
			out = append(out, k+": "+old[k]+" -> removed")
			continue
		}
		a, aok := new(big.Int).SetString(old[k], 10)
		b, bok := new(big.Int).SetString(n, 10)
		if !aok || !bok || b.Cmp(a) > 0 {
			out = append(out, k+": "+old[k]+" -> "+n)
		}
	}
	return out
}

// holdThresholds asks dual control before u changes case id's alert
// thresholds so that one is raised or removed.
func (s *CaseService) holdThresholds(ctx context.Context, actor string, id int64, u CaseUpdate) error {
	c, err := s.Store.Case(ctx, id)
	if err != nil || c.Status == CaseClosed {
		return err // Update answers as before
	}
	next, err := CheckThresholds(*u.Thresholds)
	if err != nil {
		return nil // Update refuses it
	}
	lowered := loweredThresholds(c.Thresholds, next)
	if len(lowered) == 0 {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Lower the alert thresholds of trace case %d (%s): tainted value below the new amounts no longer alerts.\n", id, c.Title)
	for _, l := range lowered {
		fmt.Fprintf(&b, "- %s\n", l)
	}
	var also []string
	if u.Title != nil {
		also = append(also, "title "+*u.Title)
	}
	if u.Bounds != nil {
		also = append(also, "bounds")
	}
	if len(also) > 0 {
		fmt.Fprintf(&b, "Changed with it: %s\n", strings.Join(also, ", "))
	}
	return s.Dual.Check(ctx, approval.Hold{Action: approval.ThresholdLower, Subject: CaseTarget(id) + ":thresholds", Summary: b.String(),
		Payload: ThresholdsHold{ID: id, Update: u}, Actor: actor})
}

// Label sets an analyst's label on case id.
func (s *CaseService) Label(ctx context.Context, actor string, id int64, l CaseLabel) (*Case, *audit.Entry, error) {
	return s.Update(ctx, actor, id, CaseUpdate{Label: &l})
}

// Close closes case id: it keeps its results and refuses changes until
// reopened.
func (s *CaseService) Close(ctx context.Context, actor string, id int64) (*Case, *audit.Entry, error) {
	st := CaseClosed
	return s.Update(ctx, actor, id, CaseUpdate{Status: &st})
}

// Run traces case id over the transfers ingested for its chain and source,
// up to its bounds' last block or the last block ingested, and stores the
// results (audited, as actor). A closed case is refused (ECONFLICT);
// a chain and source with nothing ingested is ENOTFOUND.
func (s *CaseService) Run(ctx context.Context, actor string, id int64) (*Case, *audit.Entry, error) {
	c, err := s.Store.Case(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if c.Status == CaseClosed {
		return nil, nil, bulwark.Errorf(bulwark.ECONFLICT, "case %d is closed: reopen it to run it", id)
	}
	if s.Ingest == nil {
		return nil, nil, bulwark.Errorf(bulwark.EUNAVAILABLE, "no transfer store is configured to run cases on")
	}
	cur, ok, err := s.Ingest.IngestCursor(ctx, c.Chain, c.Source)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, bulwark.Errorf(bulwark.ENOTFOUND, "case %d: nothing is ingested for chain %d from source %s: ingest the blocks to trace first (%s)", id, c.Chain, c.Source, ingestHint(c.Source))
	}
	to := cur.Block
	if c.Bounds.ToBlock != 0 && c.Bounds.ToBlock < to {
		to = c.Bounds.ToBlock
	}
	if c.Bounds.FromBlock > to {
		return nil, nil, bulwark.Errorf(bulwark.ENOTFOUND, "case %d starts at block %d, but chain %d from source %s is ingested only to block %d", id, c.Bounds.FromBlock, c.Chain, c.Source, cur.Block)
	}
	transfers, err := s.Ingest.Transfers(ctx, TransferQuery{Chain: c.Chain, Source: c.Source, FromBlock: c.Bounds.FromBlock, ToBlock: to})
	if err != nil {
		return nil, nil, err
	}
	req, err := c.Request(s.Labeler)
	if err != nil {
		return nil, nil, err
	}
	if s.Exits != nil {
		if req.Exits, err = s.Exits.ExitsFor(ctx, transfers); err != nil {
			return nil, nil, err
		}
	}
	if s.Deposits != nil {
		regs, err := s.Deposits.Deposits(ctx)
		if err != nil {
			return nil, nil, err
		}
		for _, r := range regs {
			req.Deposits = append(req.Deposits, r.Deposit)
		}
	}
	trace := s.Trace
	if trace == nil {
		trace = Trace
	}
	g, err := trace(ctx, transfers, req)
	if err != nil {
		return nil, nil, err
	}
	r := &CaseResults{Block: to, Transfers: len(transfers), Summary: Summarize(g), Graph: g}
	digester := s.Digest
	if digester == nil {
		digester = graphDigest
	}
	digest, err := digester(g)
	if err != nil {
		return nil, nil, err
	}
	var out *Case
	e, err := s.Audit.Do(ctx, func(ctx context.Context) (audit.Event, error) {
		var err error
		if out, err = s.Store.SetCaseResults(ctx, id, r, actor); err != nil {
			return audit.Event{}, err
		}
		return audit.Event{Actor: actor, Action: "trace.case.run", Target: CaseTarget(id), Details: map[string]any{
			"id": id, "block": r.Block, "transfers": r.Transfers, "summary": r.Summary, "graphSha256": digest}}, nil
	})
	if err != nil {
		return nil, nil, err
	}
	if err := s.WatchExits.watch(ctx, actor, id, g.Exits); err != nil {
		return nil, nil, bulwark.Wrap(err, bulwark.ErrorCode(err), fmt.Sprintf("case %d: the results are stored, but the exits' destinations could not be put on screening list %s: %s",
			id, CaseExitList(id), bulwark.ErrorMessage(err)))
	}
	return out, e, nil
}

// graphDigest is the SHA-256 of g's compact JSON encoding: the digest of
// a CaseService without Digest.
func graphDigest(g *Graph) (string, error) {
	b, err := json.Marshal(g)
	if err != nil {
		return "", bulwark.Wrap(err, bulwark.EINTERNAL, "cannot encode the trace")
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// ingestHint says which command ingests the transfers of source, for an
// error about a case with nothing to read.
func ingestHint(source string) string {
	if n, ok := strings.CutPrefix(source, "trace:"); ok {
		return "'bulwark trace --rpc URL --from-block " + n + "' ingests source " + source
	}
	if source == DefaultCaseSource {
		return "'bulwark serve --trace-rpc URL' ingests source node for the open cases, from their --from-block or else the head; " +
			"blocks already ingested by 'bulwark trace --rpc URL --from-block N' are source trace:N, for a case opened with --source trace:N"
	}
	return "the sources are node, which 'bulwark serve --trace-rpc URL' ingests, and trace:N, which 'bulwark trace --rpc URL --from-block N' ingests"
}
