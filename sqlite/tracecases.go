package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/tracing"
)

var _ tracing.CaseStore = (*DB)(nil)

const caseColumns = `id, title, chain, source, seeds, policy, direction, bounds, labels, thresholds, known_tokens, status,
	created_by, created_at, updated_at, closed_at, closed_by, results_block, results_at, results_transfers, results_summary, notes`

// CreateCase stores a new open case with its open event (see
// tracing.CaseStore). With a context from audit.Log.Do it joins the audit
// transaction.
func (db *DB) CreateCase(ctx context.Context, c *tracing.Case) (*tracing.Case, error) {
	if c == nil || len(c.Seeds) == 0 || c.Chain == 0 || c.Chain > math.MaxInt64 || c.Source == "" {
		return nil, bulwark.Invalid("case", "a case needs a chain, a source and seeds (check it with tracing.NewCase)")
	}
	n := *c
	now := time.Now().UTC()
	n.ID, n.Status, n.CreatedAt, n.UpdatedAt, n.ClosedAt, n.ClosedBy, n.Results, n.History = 0, tracing.CaseOpen, now, now, nil, "", nil, nil
	if n.Labels == nil {
		n.Labels = []tracing.CaseLabel{}
	}
	if n.Notes == nil {
		n.Notes = []tracing.CaseNote{}
	}
	def, err := encodeCaseDef(&n)
	if err != nil {
		return nil, err
	}
	err = db.inTx(ctx, "create a case", func(ctx context.Context, q querier) error {
		if err := q.QueryRowContext(ctx, `INSERT INTO trace_cases (title, chain, source, seeds, policy, direction, bounds, labels, thresholds, known_tokens, notes, status, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			n.Title, int64(n.Chain), n.Source, def.seeds, n.Policy.String(), string(n.Direction), def.bounds, def.labels, def.thresholds, def.knownTokens, def.notes,
			string(n.Status), n.CreatedBy, formatTime(now), formatTime(now)).Scan(&n.ID); err != nil {
			return err
		}
		return addCaseEvent(ctx, q, n.ID, n.OpenEvent())
	})
	if err != nil {
		return nil, err
	}
	return &n, nil
}

// caseDef is a case's definition encoded for its columns.
type caseDef struct{ seeds, bounds, labels, thresholds, knownTokens, notes string }

func encodeCaseDef(c *tracing.Case) (caseDef, error) {
	var d caseDef
	th := c.Thresholds
	if th == nil {
		th = map[string]string{}
	}
	known := c.KnownTokens
	if known == nil {
		known = []string{}
	}
	notes := c.Notes
	if notes == nil {
		notes = []tracing.CaseNote{}
	}
	for _, f := range []struct {
		dst *string
		v   any
	}{{&d.seeds, c.Seeds}, {&d.bounds, c.Bounds}, {&d.labels, c.Labels}, {&d.thresholds, th}, {&d.knownTokens, known}, {&d.notes, notes}} {
		b, err := json.Marshal(f.v)
		if err != nil {
			return d, bulwark.Wrap(err, bulwark.EINTERNAL, "cannot encode the case")
		}
		*f.dst = string(b)
	}
	return d, nil
}

// addCaseEvent appends ev to case id's history, naming the audit entry
// being recorded when ctx comes from audit.Log.Do.
func addCaseEvent(ctx context.Context, q querier, id int64, ev tracing.CaseEvent) error {
	var auditSeq any
	if seq, ok := audit.PendingSeq(ctx); ok {
		auditSeq = seq
	}
	details := string(ev.Details)
	if details == "" {
		details = "{}"
	}
	_, err := q.ExecContext(ctx, `INSERT INTO trace_case_history (case_id, seq, at, actor, action, details, audit_seq)
		VALUES (?, (SELECT coalesce(max(seq), 0) + 1 FROM trace_case_history WHERE case_id = ?), ?, ?, ?, ?, ?)`,
		id, id, formatTime(ev.At), ev.Actor, ev.Action, details, auditSeq)
	return err
}

// Case returns a case with its results and history (see tracing.CaseStore).
func (db *DB) Case(ctx context.Context, id int64) (*tracing.Case, error) {
	op := "read case " + strconv.FormatInt(id, 10)
	var c *tracing.Case
	// One read transaction: the case, its graph and its history agree.
	err := db.readTx(ctx, op, func(ctx context.Context, q querier) error {
		var err error
		if c, err = readCase(ctx, q, id); err != nil {
			return err
		}
		if c.Results != nil {
			var (
				graph  string
				packed []byte
			)
			if err := q.QueryRowContext(ctx, `SELECT graph, packed FROM trace_case_results WHERE case_id = ?`, id).Scan(&graph, &packed); err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			switch {
			case packed != nil:
				if c.Results.Graph, err = unpackGraph(packed); err != nil {
					return malformedCase(id, "results")
				}
			case graph != "": // stored before results were packed
				c.Results.Graph = new(tracing.Graph)
				if err := json.Unmarshal([]byte(graph), c.Results.Graph); err != nil {
					return malformedCase(id, "results")
				}
			}
		}
		rows, err := q.QueryContext(ctx, `SELECT at, actor, action, details, audit_seq FROM trace_case_history WHERE case_id = ? ORDER BY seq`, id)
		if err != nil {
			return err
		}
		c.History, err = collectRows(ctx, db, rows, op, func(s scanner) (tracing.CaseEvent, error) {
			var (
				ev      tracing.CaseEvent
				at, det string
				seq     sql.NullInt64
			)
			if err := s.Scan(&at, &ev.Actor, &ev.Action, &det, &seq); err != nil {
				return ev, err
			}
			var err error
			if ev.At, err = parseTime(at); err != nil || !json.Valid([]byte(det)) {
				return ev, malformedCase(id, "history")
			}
			ev.Details, ev.AuditSeq = json.RawMessage(det), seq.Int64
			return ev, nil
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// readTx runs f in one read transaction, or in the write transaction ctx
// carries.
func (db *DB) readTx(ctx context.Context, op string, f func(ctx context.Context, q querier) error) error {
	if tx := db.txFrom(ctx); tx != nil {
		return db.fail(ctx, f(ctx, tx), op)
	}
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return db.fail(ctx, err, op)
	}
	defer func() { _ = tx.Rollback() }()
	return db.fail(ctx, f(ctx, tx), op)
}

func readCase(ctx context.Context, q querier, id int64) (*tracing.Case, error) {
	c, err := scanCase(q.QueryRowContext(ctx, `SELECT `+caseColumns+` FROM trace_cases WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "no case %d (see 'bulwark trace case list')", id)
	}
	return c, err
}

func malformedCase(id int64, what string) error {
	return bulwark.Errorf(bulwark.EINTEGRITY, "case %d: its stored %s is malformed (edited outside bulwark?)", id, what)
}

// scanCase reads one row of caseColumns.
func scanCase(s scanner) (*tracing.Case, error) {
	var (
		c                                                                                  tracing.Case
		chain                                                                              int64
		seeds, policy, direction, bounds, labels, thresholds, known, status, ca, ua, notes string
		closedAt, resultsAt, summary                                                       sql.NullString
		resultsBlock, resultsTransfers                                                     sql.NullInt64
	)
	if err := s.Scan(&c.ID, &c.Title, &chain, &c.Source, &seeds, &policy, &direction, &bounds, &labels, &thresholds, &known, &status,
		&c.CreatedBy, &ca, &ua, &closedAt, &c.ClosedBy, &resultsBlock, &resultsAt, &resultsTransfers, &summary, &notes); err != nil {
		return nil, err
	}
	bad := func(what string) (*tracing.Case, error) { return nil, malformedCase(c.ID, what) }
	c.Chain, c.Direction, c.Status = uint64(chain), tracing.Direction(direction), tracing.CaseStatus(status)
	var err error
	if c.Policy, err = tracing.ParsePolicy(policy); err != nil {
		return bad("policy")
	}
	for _, f := range []struct {
		what string
		src  string
		dst  any
	}{{"seeds", seeds, &c.Seeds}, {"bounds", bounds, &c.Bounds}, {"labels", labels, &c.Labels}, {"thresholds", thresholds, &c.Thresholds}, {"known tokens", known, &c.KnownTokens}, {"notes", notes, &c.Notes}} {
		if err := json.Unmarshal([]byte(f.src), f.dst); err != nil {
			return bad(f.what)
		}
	}
	if len(c.Thresholds) == 0 {
		c.Thresholds = nil
	}
	if len(c.KnownTokens) == 0 {
		c.KnownTokens = nil
	}
	if c.Labels == nil {
		c.Labels = []tracing.CaseLabel{}
	}
	if c.Notes == nil {
		c.Notes = []tracing.CaseNote{}
	}
	if c.CreatedAt, err = parseTime(ca); err != nil {
		return bad("creation time")
	}
	if c.UpdatedAt, err = parseTime(ua); err != nil {
		return bad("update time")
	}
	if closedAt.Valid {
		t, err := parseTime(closedAt.String)
		if err != nil {
			return bad("closing time")
		}
		c.ClosedAt = &t
	}
	if resultsBlock.Valid {
		r := &tracing.CaseResults{Block: uint64(resultsBlock.Int64), Transfers: int(resultsTransfers.Int64)}
		if r.ComputedAt, err = parseTime(resultsAt.String); err != nil {
			return bad("results time")
		}
		if err := json.Unmarshal([]byte(summary.String), &r.Summary); err != nil {
			return bad("results summary")
		}
		c.Results = r
	}
	return &c, nil
}

// Cases lists cases newest first (see tracing.CaseStore).
func (db *DB) Cases(ctx context.Context, f tracing.CaseFilter) ([]*tracing.Case, error) {
	if f.Limit < 1 {
		return nil, bulwark.Invalid("limit", "must be at least 1")
	}
	before := f.Before
	if before <= 0 {
		before = math.MaxInt64
	}
	op := "list cases"
	rows, err := db.reader(ctx).QueryContext(ctx, `SELECT `+caseColumns+` FROM trace_cases
		WHERE id < ? AND (? = '' OR status = ?) ORDER BY id DESC LIMIT ?`, before, string(f.Status), string(f.Status), f.Limit)
	if err != nil {
		return nil, db.fail(ctx, err, op)
	}
	return collectRows(ctx, db, rows, op, scanCase)
}

// UpdateCase applies a change to a case (see tracing.CaseStore). With a
// context from audit.Log.Do it joins the audit transaction.
func (db *DB) UpdateCase(ctx context.Context, id int64, u tracing.CaseUpdate, actor string) (*tracing.Case, tracing.CaseEvent, error) {
	var (
		c  *tracing.Case
		ev tracing.CaseEvent
	)
	err := db.inTx(ctx, "change case "+strconv.FormatInt(id, 10), func(ctx context.Context, q querier) error {
		var err error
		if c, err = readCase(ctx, q, id); err != nil {
			return err
		}
		if ev, err = c.Apply(u, actor, time.Now()); err != nil {
			return err
		}
		def, err := encodeCaseDef(c)
		if err != nil {
			return err
		}
		if _, err := q.ExecContext(ctx, `UPDATE trace_cases SET title = ?, bounds = ?, labels = ?, thresholds = ?, notes = ?, status = ?, updated_at = ?, closed_at = ?, closed_by = ? WHERE id = ?`,
			c.Title, def.bounds, def.labels, def.thresholds, def.notes, string(c.Status), formatTime(c.UpdatedAt), nullTime(c.ClosedAt), c.ClosedBy, id); err != nil {
			return err
		}
		return addCaseEvent(ctx, q, id, ev)
	})
	if err != nil {
		return nil, tracing.CaseEvent{}, err
	}
	return c, ev, nil
}

// SetCaseResults replaces a case's results (see tracing.CaseStore). With a
// context from audit.Log.Do it joins the audit transaction.
func (db *DB) SetCaseResults(ctx context.Context, id int64, r *tracing.CaseResults, actor string) (*tracing.Case, error) {
	if r == nil {
		return nil, bulwark.Invalid("results", "a run's results need their graph")
	}
	var c *tracing.Case
	err := db.inTx(ctx, "store the results of case "+strconv.FormatInt(id, 10), func(ctx context.Context, q querier) error {
		var err error
		if c, err = readCase(ctx, q, id); err != nil {
			return err
		}
		res := *r
		res.ComputedAt = time.Now().UTC()
		ev, err := c.ResultsEvent(&res, actor)
		if err != nil {
			return err
		}
		if r.Block > math.MaxInt64 {
			return bulwark.Invalid("results.block", "%d is out of range", r.Block)
		}
		summary, _ := json.Marshal(r.Summary)
		at := res.ComputedAt
		if _, err := q.ExecContext(ctx, `UPDATE trace_cases SET results_block = ?, results_at = ?, results_transfers = ?, results_summary = ? WHERE id = ?`,
			int64(r.Block), formatTime(at), r.Transfers, string(summary), id); err != nil {
			return err
		}
		if _, err := q.ExecContext(ctx, `INSERT INTO trace_case_results (case_id, graph, packed) VALUES (?, '', ?)
			ON CONFLICT (case_id) DO UPDATE SET graph = excluded.graph, packed = excluded.packed`, id, packGraph(r.Graph)); err != nil {
			return err
		}
		if err := addCaseEvent(ctx, q, id, ev); err != nil {
			return err
		}
		c.Results = &res
		return nil
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}
