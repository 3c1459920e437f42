package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/inbox"
	"github.com/bulwark-sec/bulwark/screening"

	sqlite3 "modernc.org/sqlite/lib"
)

var (
	_ screening.ListStore        = (*DB)(nil)
	_ screening.DecisionStore    = (*DB)(nil)
	_ screening.DispositionStore = (*DB)(nil)
	_ screening.WatchStore       = (*DB)(nil)
)

// PutLists stores list versions and activates them in one transaction (the
// one audit.Log.Do hands in ctx, or its own).
func (db *DB) PutLists(ctx context.Context, lists []*screening.List) ([]screening.ListInfo, error) {
	type prepared struct {
		l       *screening.List
		info    []byte
		content []byte
		// binary is l's binary form for the list cache and digest its
		// binaryDigest; no body and NULL when the stored content would not
		// decode to exactly l (screening.ListJSONExact).
		binary cacheEntry
		digest any
		sum    [32]byte // SHA-256 of content
	}
	var todo []prepared
	for i, l := range lists {
		if l == nil || l.Info.ID == "" || l.Info.SHA256 == "" {
			return nil, bulwark.Invalid("lists", "list %d has no id or digest", i)
		}
		info, err := json.Marshal(l.Info)
		if err != nil {
			return nil, bulwark.Wrap(err, bulwark.EINTERNAL, "encode list info")
		}
		content, err := screening.EncodeListContent(l)
		if err != nil {
			return nil, bulwark.Wrap(err, bulwark.EINTERNAL, "encode list "+l.Info.ID)
		}
		p := prepared{l: l, info: info, content: content, sum: sha256.Sum256(content)}
		if screening.ListJSONExact(l) {
			p.binary = newCacheEntry(screening.AppendListBinary(nil, l))
			p.digest = binaryDigest(p.binary.sum)
		}
		todo = append(todo, p)
	}
	var changed []screening.ListInfo
	err := db.inTx(ctx, "store lists", func(ctx context.Context, q querier) error {
		for _, p := range todo {
			var active string
			err := q.QueryRowContext(ctx, `SELECT sha256 FROM screen_lists WHERE list_id = ? AND active = 1`, p.l.Info.ID).Scan(&active)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			if active == p.l.Info.SHA256 {
				continue
			}
			if _, err := q.ExecContext(ctx, `UPDATE screen_lists SET active = 0 WHERE list_id = ? AND active = 1`, p.l.Info.ID); err != nil {
				return err
			}
			// A version seen before (a rollback to it) is reactivated with
			// the info of this import (its content, and the digest of its
			// binary form, stay those stored). The digest of the content
			// stored is returned for the audit entry: this import's when
			// the stored content is its own (compared in the engine, not
			// read back), else that of the content kept.
			var same bool
			if err := q.QueryRowContext(ctx, `INSERT INTO screen_lists (list_id, sha256, info, content, active, binary_digest) VALUES (?, ?, ?, ?, 1, ?)
ON CONFLICT (list_id, sha256) DO UPDATE SET active = 1, info = excluded.info RETURNING content = ?`,
				p.l.Info.ID, p.l.Info.SHA256, string(p.info), p.content, p.digest, p.content).Scan(&same); err != nil {
				return err
			}
			sum := p.sum
			if !same {
				var kept []byte
				if err := q.QueryRowContext(ctx, `SELECT content FROM screen_lists WHERE list_id = ? AND sha256 = ?`, p.l.Info.ID, p.l.Info.SHA256).Scan(&kept); err != nil {
					return err
				}
				sum = sha256.Sum256(kept)
			}
			info := p.l.Info
			info.ContentSHA256 = hex.EncodeToString(sum[:])
			changed = append(changed, info)
		}
		if len(changed) > 0 {
			_, err := q.ExecContext(ctx, `UPDATE screen_lists_generation SET generation = generation + 1`)
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Their binary forms go into the list cache under their content's
	// digest, so that the next read of the active lists does not decode
	// the JSON just stored (listcache.go).
	// A list whose stored content would not decode to exactly it is left
	// out (its entry is written from the content when first read).
	add := make(map[[32]byte]cacheEntry, len(todo))
	for _, p := range todo {
		if p.binary.body != nil {
			add[p.sum] = p.binary
		}
	}
	db.addToListCache(add)
	return changed, nil
}

// inTx runs f in the transaction ctx carries, or in a new one on the
// writer.
func (db *DB) inTx(ctx context.Context, op string, f func(ctx context.Context, q querier) error) error {
	if tx := db.txFrom(ctx); tx != nil {
		return db.fail(ctx, f(ctx, tx), op)
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return db.fail(ctx, err, op)
	}
	if err := f(db.withTx(ctx, tx), tx); err != nil {
		_ = tx.Rollback()
		return db.fail(ctx, err, op)
	}
	return db.fail(ctx, tx.Commit(), op)
}

// ActiveLists returns the active version of every list. Their content
// comes from the list cache next to the store when it holds exactly the
// stored content's (listcache.go), which is then brought up to date.
func (db *DB) ActiveLists(ctx context.Context) ([]*screening.List, error) {
	op := "read the active lists"
	rows, err := db.reader(ctx).QueryContext(ctx, `SELECT id, info, content, binary_digest FROM screen_lists WHERE active = 1 ORDER BY list_id`)
	if err != nil {
		return nil, db.fail(ctx, err, op)
	}
	ls, err := collectRows(ctx, db, rows, op, scanStoredList)
	if err != nil {
		return nil, err
	}
	out, err := db.decodeLists(ctx, ls, true)
	return out, db.fail(ctx, err, op)
}

// ListVersion returns one stored version of list id.
func (db *DB) ListVersion(ctx context.Context, id, sha string) (*screening.List, error) {
	op := "read list " + id
	rows, err := db.reader(ctx).QueryContext(ctx, `SELECT id, info, content, binary_digest FROM screen_lists WHERE list_id = ? AND sha256 = ?`, id, sha)
	if err != nil {
		return nil, db.fail(ctx, err, op)
	}
	ls, err := collectRows(ctx, db, rows, op, scanStoredList)
	if err != nil {
		return nil, err
	}
	if len(ls) == 0 {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "list %s has no stored version %s", id, sha)
	}
	out, err := db.decodeLists(ctx, ls, false)
	if err != nil {
		return nil, db.fail(ctx, err, op)
	}
	return out[0], nil
}

// scanStoredList reads a list version's info and its content, which
// decodeLists decodes.
func scanStoredList(s scanner) (storedList, error) {
	var row int64
	var info string
	var content []byte
	var binary sql.NullString
	if err := s.Scan(&row, &info, &content, &binary); err != nil {
		return storedList{}, err
	}
	l := &screening.List{}
	if err := json.Unmarshal([]byte(info), &l.Info); err != nil {
		return storedList{}, bulwark.Errorf(bulwark.EINTEGRITY, "a stored list's info is malformed (edited outside bulwark?): %v", err)
	}
	return storedList{row: row, l: l, content: content, binary: binary.String}, nil
}

// ListHistory returns the stored versions of list id, newest first.
func (db *DB) ListHistory(ctx context.Context, id string) ([]screening.ListInfo, error) {
	op := "read the history of list " + id
	rows, err := db.reader(ctx).QueryContext(ctx, `SELECT info FROM screen_lists WHERE list_id = ? ORDER BY id DESC`, id)
	if err != nil {
		return nil, db.fail(ctx, err, op)
	}
	return collectRows(ctx, db, rows, op, scanListInfo)
}

func scanListInfo(s scanner) (screening.ListInfo, error) {
	var info string
	var li screening.ListInfo
	if err := s.Scan(&info); err != nil {
		return li, err
	}
	if err := json.Unmarshal([]byte(info), &li); err != nil {
		return li, bulwark.Errorf(bulwark.EINTEGRITY, "a stored list's info is malformed (edited outside bulwark?): %v", err)
	}
	return li, nil
}

// RemoveList deactivates list id.
func (db *DB) RemoveList(ctx context.Context, id string) (screening.ListInfo, error) {
	var li screening.ListInfo
	err := db.inTx(ctx, "remove list "+id, func(ctx context.Context, q querier) error {
		var info string
		err := q.QueryRowContext(ctx, `UPDATE screen_lists SET active = 0 WHERE list_id = ? AND active = 1 RETURNING info`, id).Scan(&info)
		if errors.Is(err, sql.ErrNoRows) {
			return bulwark.Errorf(bulwark.ENOTFOUND, "list %s is not active", id)
		}
		if err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(info), &li); err != nil {
			return bulwark.Errorf(bulwark.EINTEGRITY, "list %s's stored info is malformed: %v", id, err)
		}
		_, err = q.ExecContext(ctx, `UPDATE screen_lists_generation SET generation = generation + 1`)
		return err
	})
	return li, err
}

// ListsGeneration returns the generation of the active set.
func (db *DB) ListsGeneration(ctx context.Context) (int64, error) {
	var g int64
	err := db.reader(ctx).QueryRowContext(ctx, `SELECT generation FROM screen_lists_generation`).Scan(&g)
	return g, db.fail(ctx, err, "read the lists generation")
}

// SaveDecision stores a screening decision. A compressed body (see
// screening.EncodeDecision) goes into the packed column, JSON into body.
func (db *DB) SaveDecision(ctx context.Context, d *screening.Decision, body []byte, auditSeq int64) error {
	args, err := decisionArgs(make([]any, 0, 10), d, body, auditSeq)
	if err != nil {
		return err
	}
	_, batched, _, err := db.batchHolding(ctx, db.writer(ctx), d.ID)
	if err != nil {
		return db.fail(ctx, err, "store decision "+d.ID)
	}
	if batched != nil {
		return bulwark.Errorf(bulwark.ECONFLICT, "decision %s is already stored", d.ID)
	}
	if tx := db.txFrom(ctx); tx != nil {
		// The recorder's batches: one statement prepared once.
		_, err = tx.StmtContext(ctx, db.wSaveDecision).ExecContext(ctx, args...)
	} else {
		_, err = db.writer(ctx).ExecContext(ctx, sqlSaveDecision, args...)
	}
	if constraint(err, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY) {
		return bulwark.Errorf(bulwark.ECONFLICT, "decision %s is already stored", d.ID)
	}
	return db.fail(ctx, err, "store decision "+d.ID)
}

const sqlSaveDecision = `INSERT INTO screen_decisions (id, time, kind, use, subject, actor, verdict, audit_seq, body, packed)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// decisionArgs appends the row of d to args.
func decisionArgs(args []any, d *screening.Decision, body []byte, auditSeq int64) ([]any, error) {
	if d.ID == "" || d.Kind == "" || d.Verdict == "" {
		return nil, bulwark.Invalid("decision", "a decision needs an id, a kind and a verdict")
	}
	text, packed := string(body), []byte(nil)
	if len(body) >= 2 && body[0] == 0x1f && body[1] == 0x8b {
		text, packed = "", body
	}
	return append(args, d.ID, formatTime(d.Time), d.Kind, string(d.Use), d.Subject, d.Actor, string(d.Verdict), auditSeq, text, packed), nil
}

// SaveDecisions stores a batch of decisions, all with audit sequence
// number auditSeq: in the transaction ctx carries (audit.Log.Do's), a
// batch of at least batchMin as one batch row (decisionbatch.go); else
// each in a row of its own (SaveDecision). ECONFLICT names a decision
// whose ID is taken. It implements screening.DecisionBatchStore.
func (db *DB) SaveDecisions(ctx context.Context, batch []screening.Recorded, auditSeq int64) error {
	if tx := db.txFrom(ctx); tx != nil && len(batch) >= batchMin {
		err := db.saveDecisionBatch(ctx, tx, batch, auditSeq)
		if bulwark.ErrorCode(err) != "" {
			return err
		}
		return db.fail(ctx, err, "store decisions")
	}
	for _, r := range batch {
		if err := db.SaveDecision(ctx, r.Decision, r.Body, auditSeq); err != nil {
			return err
		}
	}
	return nil
}

const decisionColumns = `id, time, kind, use, subject, actor, verdict, audit_seq, body, packed`

// Decision returns one stored decision. Its row and, for a batched one,
// its batch are read in one snapshot, so that a prune between the two
// reads is not taken for a batch missing from the store.
func (db *DB) Decision(ctx context.Context, id string) (*screening.StoredDecision, error) {
	if err := db.flushJournal(ctx); err != nil {
		return nil, err
	}
	op := "read decision " + id
	var d *screening.StoredDecision
	err := db.readTx(ctx, op, func(ctx context.Context, q querier) error {
		rows, err := q.QueryContext(ctx, `SELECT `+decisionColumns+` FROM screen_decisions WHERE id = ?`, id)
		if err != nil {
			return err
		}
		ds, err := collectRows(ctx, db, rows, op, scanDecision)
		if err != nil {
			return err
		}
		if len(ds) > 0 {
			d = &ds[0]
			return nil
		}
		d, err = db.batchedDecision(ctx, q, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	if d == nil {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "no decision %s", id)
	}
	return d, nil
}

// Decisions returns the newest decisions f selects, newest first and, at
// the same time, by ID descending, so that the cut at the limit does not
// depend on the query plan.
func (db *DB) Decisions(ctx context.Context, f screening.DecisionFilter) ([]screening.StoredDecision, error) {
	if err := db.flushJournal(ctx); err != nil {
		return nil, err
	}
	if f.Limit < 1 {
		return nil, bulwark.Invalid("limit", "limit: %d is below 1", f.Limit)
	}
	op := "read decisions"
	var ds []screening.StoredDecision
	err := db.readTx(ctx, op, func(ctx context.Context, q querier) error {
		// Without their bodies: a list of batch decisions would otherwise
		// read (and expand) megabytes per row.
		rows, err := q.QueryContext(ctx, `SELECT id, time, kind, use, subject, actor, verdict, audit_seq, '', NULL FROM screen_decisions
WHERE (? = '' OR subject = ?) AND (? = '' OR verdict = ?) AND (? = '' OR use <> ?) ORDER BY time DESC, id DESC LIMIT ?`,
			f.Subject, f.Subject, string(f.Verdict), string(f.Verdict), string(f.ExcludeUse), string(f.ExcludeUse), f.Limit)
		if err != nil {
			return err
		}
		if ds, err = collectRows(ctx, db, rows, op, scanDecision); err != nil {
			return err
		}
		batched, err := db.batchedDecisions(ctx, q, f)
		if err != nil {
			return err
		}
		if len(batched) > 0 {
			ds = append(ds, batched...)
			newerFirst(ds)
			ds = ds[:min(len(ds), f.Limit)]
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i := range ds {
		ds[i].Body = nil
	}
	return ds, nil
}

func scanDecision(s scanner) (screening.StoredDecision, error) {
	var (
		d                      screening.StoredDecision
		at, use, verdict, body string
	)
	var packed []byte
	if err := s.Scan(&d.ID, &at, &d.Kind, &use, &d.Subject, &d.Actor, &verdict, &d.AuditSeq, &body, &packed); err != nil {
		return d, err
	}
	var err error
	if d.Time, err = parseTime(at); err != nil {
		return d, bulwark.Errorf(bulwark.EINTEGRITY, "decision %s is malformed in the store: time %q", d.ID, at)
	}
	d.Use, d.Verdict = screening.Use(use), bulwark.Verdict(verdict)
	raw := []byte(body)
	if packed != nil {
		raw = packed
	}
	if d.Body, err = screening.DecodeDecision(raw); err != nil {
		return d, bulwark.Errorf(bulwark.EINTEGRITY, "decision %s: %s", d.ID, bulwark.ErrorMessage(err))
	}
	return d, nil
}

// AddDisposition stores an analyst's ruling.
func (db *DB) AddDisposition(ctx context.Context, d screening.Disposition) (screening.Disposition, error) {
	d.At = time.Now().UTC()
	res, err := db.writer(ctx).ExecContext(ctx, `INSERT INTO screen_dispositions
(kind, use, subject, subject_key, entity_id, entity_digest, disposition, note, decision_id, by, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		d.Kind, string(d.Use), d.Subject, d.SubjectKey, d.EntityID, d.EntityDigest, d.Disposition, d.Note, d.DecisionID, d.By, formatTime(d.At))
	if err != nil {
		return d, db.fail(ctx, err, "store a disposition")
	}
	d.ID, _ = res.LastInsertId()
	d.At, _ = parseTime(formatTime(d.At))
	return d, nil
}

// Dispositions returns every disposition, oldest first.
func (db *DB) Dispositions(ctx context.Context) ([]screening.Disposition, error) {
	op := "read dispositions"
	rows, err := db.reader(ctx).QueryContext(ctx, `SELECT id, kind, use, subject, subject_key, entity_id, entity_digest, disposition, note, decision_id, by, at
FROM screen_dispositions ORDER BY id`)
	if err != nil {
		return nil, db.fail(ctx, err, op)
	}
	return collectRows(ctx, db, rows, op, func(s scanner) (screening.Disposition, error) {
		var d screening.Disposition
		var at string
		if err := s.Scan(&d.ID, &d.Kind, &d.Use, &d.Subject, &d.SubjectKey, &d.EntityID, &d.EntityDigest, &d.Disposition, &d.Note, &d.DecisionID, &d.By, &at); err != nil {
			return d, err
		}
		var err error
		if d.At, err = parseTime(at); err != nil {
			return d, bulwark.Errorf(bulwark.EINTEGRITY, "disposition %d is malformed in the store: time %q", d.ID, at)
		}
		return d, nil
	})
}

const watchColumns = `id, kind, use, key, subject, address, chain, name, type, dob, country, added_at, added_by`

// AddScreenWatch stores a watch.
func (db *DB) AddScreenWatch(ctx context.Context, w screening.Watch) (screening.Watch, error) {
	w.AddedAt = time.Now().UTC()
	res, err := db.writer(ctx).ExecContext(ctx, `INSERT INTO screen_watches (kind, use, key, subject, address, chain, name, type, dob, country, added_at, added_by)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, w.Kind, string(w.Use), w.Key, w.Subject, w.Address, w.Chain, w.Name, w.Type, w.DOB, w.Country, formatTime(w.AddedAt), w.AddedBy)
	if constraint(err, sqlite3.SQLITE_CONSTRAINT_UNIQUE) {
		return w, bulwark.Errorf(bulwark.ECONFLICT, "this %s is already watched for %s", w.Kind, w.Use)
	}
	if err != nil {
		return w, db.fail(ctx, err, "add a screening watch")
	}
	w.ID, _ = res.LastInsertId()
	w.AddedAt, _ = parseTime(formatTime(w.AddedAt))
	return w, nil
}

// RemoveScreenWatch deletes watch id.
func (db *DB) RemoveScreenWatch(ctx context.Context, id int64) (screening.Watch, error) {
	op := fmt.Sprintf("remove screening watch %d", id)
	rows, err := db.writer(ctx).QueryContext(ctx, `DELETE FROM screen_watches WHERE id = ? RETURNING `+watchColumns, id)
	if err != nil {
		return screening.Watch{}, db.fail(ctx, err, op)
	}
	ws, err := collectRows(ctx, db, rows, op, scanScreenWatch)
	if err != nil {
		return screening.Watch{}, err
	}
	if len(ws) == 0 {
		return screening.Watch{}, bulwark.Errorf(bulwark.ENOTFOUND, "no screening watch %d", id)
	}
	return ws[0], nil
}

// ScreenWatches returns every watch, oldest first.
func (db *DB) ScreenWatches(ctx context.Context) ([]screening.Watch, error) {
	op := "read screening watches"
	rows, err := db.reader(ctx).QueryContext(ctx, `SELECT `+watchColumns+` FROM screen_watches ORDER BY id`)
	if err != nil {
		return nil, db.fail(ctx, err, op)
	}
	return collectRows(ctx, db, rows, op, scanScreenWatch)
}

func scanScreenWatch(s scanner) (screening.Watch, error) {
	var w screening.Watch
	var use, at string
	if err := s.Scan(&w.ID, &w.Kind, &use, &w.Key, &w.Subject, &w.Address, &w.Chain, &w.Name, &w.Type, &w.DOB, &w.Country, &at, &w.AddedBy); err != nil {
		return w, err
	}
	var err error
	if w.AddedAt, err = parseTime(at); err != nil {
		return w, bulwark.Errorf(bulwark.EINTEGRITY, "screening watch %d is malformed in the store: time %q", w.ID, at)
	}
	w.Use = screening.Use(use)
	return w, nil
}

const screenAlertColumns = `a.id, a.time, a.watch_id, a.subject, a.kind, a.verdict, a.decision_id, a.body, a.key, ` + deliveryColumns

// SaveScreenAlert stores an alert, with its outbox message (kind
// screening.AlertKind) in the same transaction; ECONFLICT when one with the
// same key is stored.
func (db *DB) SaveScreenAlert(ctx context.Context, a screening.Alert) (screening.Alert, error) {
	a.Time, a.Delivery = time.Now().UTC(), screening.AlertDelivery{}
	errKey := bulwark.Errorf(bulwark.ECONFLICT, "watch %d: an alert for the same listings is already stored", a.WatchID)
	err := db.inTx(ctx, "store a screening alert", func(ctx context.Context, q querier) error {
		res, err := q.ExecContext(ctx, `INSERT INTO screen_alerts (time, watch_id, subject, kind, verdict, decision_id, body, key)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, formatTime(a.Time), a.WatchID, a.Subject, a.Kind, string(a.Verdict), a.DecisionID, string(a.Body), a.Key)
		if constraint(err, sqlite3.SQLITE_CONSTRAINT_UNIQUE) {
			return errKey
		}
		if err != nil {
			return err
		}
		a.ID, _ = res.LastInsertId()
		if _, err = enqueue(ctx, q, screening.AlertKind, a.ID, a.Time); err != nil {
			return err
		}
		return addInboxItem(ctx, q, screeningInboxEntry(a))
	})
	if err != nil {
		return a, err
	}
	a.Time, _ = parseTime(formatTime(a.Time))
	return a, nil
}

// ScreenAlerts returns alerts after sinceID, oldest first.
func (db *DB) ScreenAlerts(ctx context.Context, sinceID int64, limit int) ([]screening.Alert, error) {
	if limit < 1 {
		return nil, bulwark.Invalid("limit", "limit: %d is below 1", limit)
	}
	op := "read screening alerts"
	rows, err := db.reader(ctx).QueryContext(ctx, `SELECT `+screenAlertColumns+`
FROM screen_alerts a`+deliveryJoin(screening.AlertKind)+` WHERE a.id > ? ORDER BY a.id LIMIT ?`, sinceID, limit)
	if err != nil {
		return nil, db.fail(ctx, err, op)
	}
	return collectRows(ctx, db, rows, op, func(s scanner) (screening.Alert, error) {
		var a screening.Alert
		var at, verdict, body string
		var delivered sql.NullString
		if err := s.Scan(&a.ID, &at, &a.WatchID, &a.Subject, &a.Kind, &verdict, &a.DecisionID, &body, &a.Key,
			&delivered, &a.Delivery.Attempts, &a.Delivery.LastError); err != nil {
			return a, err
		}
		var err error
		if a.Time, err = parseTime(at); err != nil {
			return a, bulwark.Errorf(bulwark.EINTEGRITY, "screening alert %d is malformed in the store: time %q", a.ID, at)
		}
		if a.Delivery.DeliveredAt, err = parseNullTime(delivered); err != nil {
			return a, bulwark.Errorf(bulwark.EINTEGRITY, "screening alert %d is malformed in the store: delivered_at %q", a.ID, delivered.String)
		}
		a.Verdict, a.Body = bulwark.Verdict(verdict), json.RawMessage(body)
		return a, nil
	})
}

// FirstDecisionSeqSince returns the lowest audit sequence number of the
// decisions recorded at or after t; ok is false when there is none.
func (db *DB) FirstDecisionSeqSince(ctx context.Context, t time.Time) (seq int64, ok bool, err error) {
	if err := db.flushJournal(ctx); err != nil {
		return 0, false, err
	}
	// A batch whose last decision is at or after t holds one recorded
	// then: its audit entry counts.
	var s sql.NullInt64
	at := formatTime(t.UTC())
	err = db.reader(ctx).QueryRowContext(ctx, `SELECT MIN(seq) FROM (SELECT MIN(audit_seq) AS seq FROM screen_decisions WHERE time >= ?
UNION ALL SELECT MIN(audit_seq) FROM screen_decision_batches WHERE last_time >= ?)`, at, at).Scan(&s)
	if err != nil {
		return 0, false, db.fail(ctx, err, "read the decisions to keep")
	}
	return s.Int64, s.Valid, nil
}

// PruneDecisions deletes the decisions whose audit entry comes before
// entry below, and the screening alerts they raised; an alert whose
// webhook delivery is still pending is kept, and so is its decision.
// Delivered outbox messages of the deleted alerts go with them.
func (db *DB) PruneDecisions(ctx context.Context, below int64) (decisions, alerts int64, err error) {
	if err := db.flushJournal(ctx); err != nil {
		return 0, 0, err
	}
	err = db.inTx(ctx, "prune decisions", func(ctx context.Context, q querier) error {
		const prunable = `SELECT a.id FROM screen_alerts a WHERE (
  EXISTS (SELECT 1 FROM screen_decisions d WHERE d.id = a.decision_id AND d.audit_seq < ?1)
  OR EXISTS (SELECT 1 FROM screen_decision_ids i JOIN screen_decision_batches b ON b.id = i.batch WHERE i.id = a.decision_id AND b.audit_seq < ?1))
AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.kind = 'screening.alert' AND o.ref = a.id AND o.delivered_at IS NULL)`
		if _, err := q.ExecContext(ctx, `DELETE FROM outbox WHERE kind = 'screening.alert' AND delivered_at IS NOT NULL AND ref IN (`+prunable+`)`, below); err != nil {
			return err
		}
		if err := deleteInboxItems(ctx, q, inbox.KindScreening, prunable, below); err != nil {
			return err
		}
		res, err := q.ExecContext(ctx, `DELETE FROM screen_alerts WHERE id IN (`+prunable+`)`, below)
		if err != nil {
			return err
		}
		alerts, _ = res.RowsAffected()
		res, err = q.ExecContext(ctx, `DELETE FROM screen_decisions WHERE audit_seq < ?
AND NOT EXISTS (SELECT 1 FROM screen_alerts a WHERE a.decision_id = screen_decisions.id)`, below)
		if err != nil {
			return err
		}
		decisions, _ = res.RowsAffected()
		n, err := db.pruneDecisionBatches(ctx, q, below)
		decisions += n
		return err
	})
	return decisions, alerts, err
}

// screeningInboxEntry is the inbox row of screening alert a.
func screeningInboxEntry(a screening.Alert) inboxEntry {
	subject := a.Subject
	if subject == "" {
		subject = "watch " + strconv.FormatInt(a.WatchID, 10)
	}
	return inboxEntry{kind: inbox.KindScreening, ref: refOf(a.ID), at: a.Time, severity: inbox.ScreeningSeverity(a.Verdict),
		subject: subject, message: "watched " + a.Kind + " now screens " + strings.ToUpper(string(a.Verdict)),
		evidence: inbox.ScreeningEvidence(a.DecisionID)}
}
