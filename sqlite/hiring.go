package sqlite

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/hiring"
	"github.com/bulwark-sec/bulwark/inbox"
)

var _ hiring.Store = (*DB)(nil)

// Evidence kinds as hire_evidence names them.
const (
	hireSignIn   = "sign_in"
	hireDevice   = "device"
	hireShipment = "shipment"
	hirePayroll  = "payroll"
	hireGitHub   = "github"
)

// HiringKey returns the instance's fingerprint key (see hiring.Store),
// creating it on the first call.
func (db *DB) HiringKey(ctx context.Context) ([]byte, error) {
	op := "read the hiring fingerprint key"
	var key []byte
	if err := db.reader(ctx).QueryRowContext(ctx, `SELECT key FROM hire_state WHERE id = 1`).Scan(&key); err != nil {
		return nil, db.fail(ctx, err, op)
	}
	if len(key) == hiring.KeySize {
		return key, nil
	}
	err := db.inTx(ctx, "create the hiring fingerprint key", func(ctx context.Context, q querier) error {
		fresh := make([]byte, hiring.KeySize)
		if _, err := rand.Read(fresh); err != nil {
			return err
		}
		if _, err := q.ExecContext(ctx, `UPDATE hire_state SET key = ? WHERE id = 1 AND key IS NULL`, fresh); err != nil {
			return err
		}
		return q.QueryRowContext(ctx, `SELECT key FROM hire_state WHERE id = 1`).Scan(&key)
	})
	if err != nil {
		return nil, err
	}
	if len(key) != hiring.KeySize {
		return nil, bulwark.Errorf(bulwark.EINTEGRITY, "the stored hiring fingerprint key is %d bytes, not %d (edited outside bulwark?)", len(key), hiring.KeySize)
	}
	return key, nil
}

// evidenceItem is one evidence item encoded for hire_evidence.
type evidenceItem struct{ kind, digest, body string }

// encodeEvidence encodes ev's items one by one.
func encodeEvidence(ev *hiring.Evidence) ([]evidenceItem, error) {
	out := make([]evidenceItem, 0, ev.Count())
	add := func(kind string, v any) error {
		b, err := json.Marshal(v)
		if err != nil {
			return bulwark.Wrap(err, bulwark.EINTERNAL, "cannot encode an evidence item")
		}
		sum := sha256.Sum256(b)
		out = append(out, evidenceItem{kind, hex.EncodeToString(sum[:]), string(b)})
		return nil
	}
	var err error
	for i := range ev.SignIns {
		err = errors.Join(err, add(hireSignIn, &ev.SignIns[i]))
	}
	for i := range ev.Devices {
		err = errors.Join(err, add(hireDevice, &ev.Devices[i]))
	}
	for i := range ev.Shipments {
		err = errors.Join(err, add(hireShipment, &ev.Shipments[i]))
	}
	for i := range ev.Payroll {
		err = errors.Join(err, add(hirePayroll, &ev.Payroll[i]))
	}
	for i := range ev.GitHub {
		err = errors.Join(err, add(hireGitHub, &ev.GitHub[i]))
	}
	return out, err
}

// decodeEvidence appends the item of kind in body to ev.
func decodeEvidence(ev *hiring.Evidence, kind, body string) error {
	var err error
	switch kind {
	case hireSignIn:
		var v hiring.SignIn
		err = json.Unmarshal([]byte(body), &v)
		ev.SignIns = append(ev.SignIns, v)
	case hireDevice:
		var v hiring.Device
		err = json.Unmarshal([]byte(body), &v)
		ev.Devices = append(ev.Devices, v)
	case hireShipment:
		var v hiring.Shipment
		err = json.Unmarshal([]byte(body), &v)
		ev.Shipments = append(ev.Shipments, v)
	case hirePayroll:
		var v hiring.PayrollAccount
		err = json.Unmarshal([]byte(body), &v)
		ev.Payroll = append(ev.Payroll, v)
	case hireGitHub:
		var v hiring.GitHubProfile
		err = json.Unmarshal([]byte(body), &v)
		ev.GitHub = append(ev.GitHub, v)
	default:
		err = errors.New("unknown kind")
	}
	if err != nil {
		return bulwark.Errorf(bulwark.EINTEGRITY, "a stored hiring evidence item of kind %q is malformed (edited outside bulwark?)", bulwark.Echo(kind))
	}
	return nil
}

// SavePeople stores people records with their evidence, all or nothing
// (see hiring.Store). With a context from audit.Log.Do it joins the audit
// transaction.
func (db *DB) SavePeople(ctx context.Context, records []hiring.Record, generation int64) (hiring.ImportCounts, error) {
	var counts hiring.ImportCounts
	if err := hiring.CheckRecords(records); err != nil {
		return counts, err
	}
	type encoded struct {
		record string
		items  []evidenceItem
	}
	enc := make([]encoded, len(records))
	for i := range records {
		b, err := json.Marshal(&records[i].Person)
		if err != nil {
			return counts, bulwark.Wrap(err, bulwark.EINTERNAL, "cannot encode a person record")
		}
		enc[i].record = string(b)
		if enc[i].items, err = encodeEvidence(&records[i].Evidence); err != nil {
			return counts, err
		}
	}
	now := formatTime(time.Now())
	err := db.inTx(ctx, "store people records", func(ctx context.Context, q querier) error {
		counts = hiring.ImportCounts{}
		if generation != hiring.NoGeneration {
			var gen int64
			if err := q.QueryRowContext(ctx, `SELECT generation FROM hire_state WHERE id = 1`).Scan(&gen); err != nil {
				return err
			}
			if gen != generation {
				return bulwark.Errorf(bulwark.ECONFLICT, "people were forgotten while the import was prepared: import again")
			}
		}
		stmts := map[string]*sql.Stmt{}
		for name, text := range map[string]string{
			"get":    `SELECT record, salt FROM hire_people WHERE id = ?`,
			"insert": `INSERT INTO hire_people (id, role, record, referred_by, created_at, updated_at, seen_at, salt) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			"update": `UPDATE hire_people SET role = ?, record = ?, referred_by = ?, updated_at = ?, seen_at = ? WHERE id = ?`,
			"touch":  `UPDATE hire_people SET updated_at = ?, seen_at = ? WHERE id = ?`,
			// A record imported again unchanged is seen (retention).
			"seen":  `UPDATE hire_people SET seen_at = ? WHERE id = ? AND seen_at <> ?`,
			"item":  `INSERT INTO hire_evidence (person_id, kind, digest, body) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			"stale": `UPDATE hire_assessments SET stale = 1 WHERE person_id = ?`,
		} {
			st, err := q.PrepareContext(ctx, text)
			if err != nil {
				return err
			}
			defer st.Close()
			stmts[name] = st
		}
		for i := range records {
			p := &records[i].Person
			role := p.Role
			if role == "" {
				role = hiring.RoleApplicant
			}
			var stored string
			var salt []byte
			err := stmts["get"].QueryRowContext(ctx, p.ID).Scan(&stored, &salt)
			exists := err == nil
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			if exists && records[i].Salt != nil && !bytes.Equal(salt, records[i].Salt) {
				return bulwark.Errorf(bulwark.ECONFLICT, "%s was stored by another import meanwhile: run it again", recordWhere(i, p.Line))
			}
			changed := false
			switch {
			case records[i].EvidenceOnly && !exists:
				counts.Gone++
				continue
			case records[i].EvidenceOnly:
			case !exists:
				salt := records[i].Salt
				if salt == nil {
					salt = hiring.NewSalt()
				}
				if _, err := stmts["insert"].ExecContext(ctx, p.ID, string(role), enc[i].record, p.ReferredBy, now, now, now, salt); err != nil {
					return err
				}
			case stored == enc[i].record:
				if _, err := stmts["seen"].ExecContext(ctx, now, p.ID, now); err != nil {
					return err
				}
			case stored != enc[i].record:
				if _, err := stmts["update"].ExecContext(ctx, string(role), enc[i].record, p.ReferredBy, now, now, p.ID); err != nil {
					return err
				}
				changed = true
			}
			added := 0
			for _, it := range enc[i].items {
				res, err := stmts["item"].ExecContext(ctx, p.ID, it.kind, it.digest, it.body)
				if err != nil {
					return err
				}
				if n, _ := res.RowsAffected(); n > 0 {
					added++
				}
			}
			counts.Evidence += added
			if exists && added > 0 && !changed {
				if _, err := stmts["touch"].ExecContext(ctx, now, now, p.ID); err != nil {
					return err
				}
				changed = true
			}
			switch {
			case !exists:
				counts.Added++
			case changed:
				counts.Updated++
				if _, err := stmts["stale"].ExecContext(ctx, p.ID); err != nil {
					return err
				}
			default:
				counts.Unchanged++
			}
		}
		if counts.Added+counts.Updated > 0 {
			return bumpHiringVersion(ctx, q)
		}
		return nil
	})
	if err != nil {
		return hiring.ImportCounts{}, err
	}
	return counts, nil
}

// malformedPerson is the error of a stored person record that does not
// decode; it does not name the person.
func malformedPerson(what string) error {
	return bulwark.Errorf(bulwark.EINTEGRITY, "a stored hiring %s is malformed (edited outside bulwark?)", what)
}

func scanStoredPerson(s scanner) (hiring.StoredPerson, error) {
	var (
		sp             hiring.StoredPerson
		record, ca, ua string
	)
	if err := s.Scan(&record, &ca, &ua, &sp.Salt); err != nil {
		return sp, err
	}
	if err := json.Unmarshal([]byte(record), &sp.Person); err != nil {
		return sp, malformedPerson("person record")
	}
	var err error
	if sp.CreatedAt, err = parseTime(ca); err != nil {
		return sp, malformedPerson("person record's creation time")
	}
	if sp.UpdatedAt, err = parseTime(ua); err != nil {
		return sp, malformedPerson("person record's update time")
	}
	return sp, nil
}

// Snapshot returns every stored person with their evidence (see
// hiring.Store).
func (db *DB) Snapshot(ctx context.Context) (*hiring.Snapshot, error) {
	op := "read the people records"
	snap := &hiring.Snapshot{}
	err := db.readTx(ctx, op, func(ctx context.Context, q querier) error {
		if err := q.QueryRowContext(ctx, `SELECT generation, version FROM hire_state WHERE id = 1`).Scan(&snap.Generation, &snap.Version); err != nil {
			return err
		}
		rows, err := q.QueryContext(ctx, `SELECT record, created_at, updated_at, salt FROM hire_people ORDER BY created_at, id`)
		if err != nil {
			return err
		}
		if snap.People, err = collectRows(ctx, db, rows, op, scanStoredPerson); err != nil {
			return err
		}
		return readEvidence(ctx, q, &snap.Evidence, `SELECT kind, body FROM hire_evidence ORDER BY person_id, kind, digest`)
	})
	if err != nil {
		return nil, err
	}
	return snap, nil
}

// readEvidence appends the items query (with args) selects to ev.
func readEvidence(ctx context.Context, q querier, ev *hiring.Evidence, query string, args ...any) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var kind, body string
		if err := rows.Scan(&kind, &body); err != nil {
			return err
		}
		if err := decodeEvidence(ev, kind, body); err != nil {
			return err
		}
	}
	return rows.Err()
}

// noPerson is the ENOTFOUND of an unknown person; it does not echo the id.
func noPerson() error {
	return bulwark.Errorf(bulwark.ENOTFOUND, "no person with that id is stored")
}

// Person returns one stored person with their evidence (see
// hiring.Store).
func (db *DB) Person(ctx context.Context, id string) (*hiring.StoredPerson, hiring.Evidence, error) {
	var (
		sp hiring.StoredPerson
		ev hiring.Evidence
	)
	err := db.readTx(ctx, "read a person record", func(ctx context.Context, q querier) error {
		var err error
		sp, err = scanStoredPerson(q.QueryRowContext(ctx, `SELECT record, created_at, updated_at, salt FROM hire_people WHERE id = ?`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return noPerson()
		}
		if err != nil {
			return err
		}
		return readEvidence(ctx, q, &ev, `SELECT kind, body FROM hire_evidence WHERE person_id = ? ORDER BY kind, digest`, id)
	})
	if err != nil {
		return nil, hiring.Evidence{}, err
	}
	return &sp, ev, nil
}

// SaveRun stores a run with its assessments (see hiring.Store). With a
// context from audit.Log.Do it joins the audit transaction and records
// the entry's sequence number with the run.
func (db *DB) SaveRun(ctx context.Context, run *hiring.Run, assessments []hiring.Assessment, generation int64) (*hiring.Run, error) {
	if run == nil {
		return nil, bulwark.Invalid("run", "required")
	}
	switch run.Kind {
	case hiring.RunScreen, hiring.RunLink, hiring.RunRecheck:
	default:
		return nil, bulwark.Invalid("run.kind", "unknown run kind %q: screen, link or recheck", bulwark.Echo(run.Kind))
	}
	type encoded struct {
		flags   string
		related []string
	}
	enc := make([]encoded, len(assessments))
	for i := range assessments {
		a := &assessments[i]
		switch a.Verdict {
		case bulwark.VerdictClear, bulwark.VerdictReview, bulwark.VerdictBlock:
		default:
			return nil, bulwark.Invalid("assessments["+strconv.Itoa(i)+"].verdict", "want clear, review or block, got %q", bulwark.Echo(string(a.Verdict)))
		}
		flags := a.Flags
		if flags == nil {
			flags = []hiring.Flag{}
		}
		b, err := json.Marshal(flags)
		if err != nil {
			return nil, bulwark.Wrap(err, bulwark.EINTERNAL, "cannot encode an assessment's flags")
		}
		enc[i].flags = string(b)
		seen := map[string]bool{a.ID: true}
		for _, f := range flags {
			for _, r := range f.Related {
				if !seen[r] {
					seen[r] = true
					enc[i].related = append(enc[i].related, r)
				}
			}
		}
	}
	verdicts, err := json.Marshal(nonNilVerdicts(run.Verdicts))
	if err != nil {
		return nil, bulwark.Wrap(err, bulwark.EINTERNAL, "cannot encode the run")
	}
	inputs, err := json.Marshal(run.Inputs)
	if err != nil {
		return nil, bulwark.Wrap(err, bulwark.EINTERNAL, "cannot encode the run")
	}
	out := *run
	out.At = time.Now().UTC()
	var auditSeq any
	if seq, ok := audit.PendingSeq(ctx); ok {
		auditSeq, out.AuditSeq = seq, seq
	}
	at := formatTime(out.At)
	err = db.inTx(ctx, "store a hiring run", func(ctx context.Context, q querier) error {
		var gen int64
		if err := q.QueryRowContext(ctx, `SELECT generation FROM hire_state WHERE id = 1`).Scan(&gen); err != nil {
			return err
		}
		if gen != generation && len(assessments) > 0 {
			return bulwark.Errorf(bulwark.ECONFLICT, "people were forgotten while the run was computed: run it again")
		}
		if err := q.QueryRowContext(ctx, `INSERT INTO hire_runs (kind, actor, reason, at, imported, clusters, verdicts, inputs, audit_seq)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, out.Kind, out.Actor, out.Reason, at, out.Imported, out.Clusters,
			string(verdicts), string(inputs), auditSeq).Scan(&out.ID); err != nil {
			return err
		}
		if len(assessments) == 0 {
			return nil
		}
		put, err := q.PrepareContext(ctx, `INSERT INTO hire_assessments (person_id, run_id, verdict, score, flags, computed_at, stale, person_created)
			SELECT ?1, ?2, ?3, ?4, ?5, ?6, 0, p.created_at FROM hire_people p WHERE p.id = ?1
			ON CONFLICT (person_id) DO UPDATE SET run_id = excluded.run_id, verdict = excluded.verdict, score = excluded.score,
				flags = excluded.flags, computed_at = excluded.computed_at, stale = 0`)
		if err != nil {
			return err
		}
		defer put.Close()
		unrelate, err := q.PrepareContext(ctx, `DELETE FROM hire_related WHERE person_id = ?`)
		if err != nil {
			return err
		}
		defer unrelate.Close()
		relate, err := q.PrepareContext(ctx, `INSERT INTO hire_related (related_id, person_id) VALUES (?, ?)`)
		if err != nil {
			return err
		}
		defer relate.Close()
		prev, err := q.PrepareContext(ctx, `SELECT verdict FROM hire_assessments WHERE person_id = ?`)
		if err != nil {
			return err
		}
		defer prev.Close()
		for i := range assessments {
			a := &assessments[i]
			var was string
			if err := prev.QueryRowContext(ctx, a.ID).Scan(&was); err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			res, err := put.ExecContext(ctx, a.ID, out.ID, string(a.Verdict), a.Score, enc[i].flags, at)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return bulwark.Invalid("assessments["+strconv.Itoa(i)+"].id", "the person assessed is not stored")
			}
			if worse(a.Verdict, bulwark.Verdict(was)) {
				if err := addInboxItem(ctx, q, hiringInboxEntry(out.ID, out.At, a)); err != nil {
					return err
				}
			}
			if _, err := unrelate.ExecContext(ctx, a.ID); err != nil {
				return err
			}
			for _, r := range enc[i].related {
				if _, err := relate.ExecContext(ctx, r, a.ID); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out.Verdicts = nonNilVerdicts(out.Verdicts)
	return &out, nil
}

func nonNilVerdicts(v map[bulwark.Verdict]int) map[bulwark.Verdict]int {
	if v == nil {
		return map[bulwark.Verdict]int{}
	}
	return v
}

// Run returns a stored run (see hiring.Store).
func (db *DB) Run(ctx context.Context, id int64) (*hiring.Run, error) {
	r, err := scanRun(db.reader(ctx).QueryRowContext(ctx, `SELECT `+runColumns+` FROM hire_runs WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "no hiring run %d", id)
	}
	if err != nil {
		return nil, db.fail(ctx, err, "read hiring run "+strconv.FormatInt(id, 10))
	}
	return &r, nil
}

// runColumns are the columns scanRun reads.
const runColumns = `id, kind, actor, reason, at, imported, clusters, verdicts, inputs, audit_seq`

// scanRun reads a row of runColumns.
func scanRun(row scanner) (hiring.Run, error) {
	var (
		r                    hiring.Run
		at, verdicts, inputs string
		auditSeq             sql.NullInt64
	)
	if err := row.Scan(&r.ID, &r.Kind, &r.Actor, &r.Reason, &at, &r.Imported, &r.Clusters, &verdicts, &inputs, &auditSeq); err != nil {
		return r, err
	}
	bad := func(what string) error {
		return bulwark.Errorf(bulwark.EINTEGRITY, "hiring run %d: its stored %s is malformed (edited outside bulwark?)", r.ID, what)
	}
	var err error
	if r.At, err = parseTime(at); err != nil {
		return r, bad("time")
	}
	if json.Unmarshal([]byte(verdicts), &r.Verdicts) != nil {
		return r, bad("verdicts")
	}
	if json.Unmarshal([]byte(inputs), &r.Inputs) != nil {
		return r, bad("inputs")
	}
	r.AuditSeq = auditSeq.Int64
	return r, nil
}

// ListRuns returns a page of the stored runs, newest first (see
// hiring.Store).
func (db *DB) ListRuns(ctx context.Context, q hiring.RunQuery) (*hiring.RunPage, error) {
	limit, err := hiring.CheckRunQuery(q)
	if err != nil {
		return nil, err
	}
	query, args := `SELECT `+runColumns+` FROM hire_runs WHERE 1`, []any{}
	if q.Kind != "" {
		query, args = query+` AND kind = ?`, append(args, q.Kind)
	}
	if q.Before > 0 {
		query, args = query+` AND id < ?`, append(args, q.Before)
	}
	rows, err := db.reader(ctx).QueryContext(ctx, query+` ORDER BY id DESC LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return nil, db.fail(ctx, err, "list the hiring runs")
	}
	runs, err := collectRows(ctx, db, rows, "list the hiring runs", scanRun)
	if err != nil {
		return nil, err
	}
	page := &hiring.RunPage{Runs: runs}
	if len(runs) > limit {
		page.Runs = runs[:limit]
		page.Next = runs[limit-1].ID
	}
	return page, nil
}

// ListPeople returns a page of the stored people with the summary of
// their latest assessment, in one query (see hiring.Store): everyone by
// the index on (created_at, id), one verdict by the assessments' index on
// (verdict, person_created, person_id).
func (db *DB) ListPeople(ctx context.Context, q hiring.PeopleQuery) (*hiring.PeoplePage, error) {
	limit, err := hiring.CheckPeopleQuery(q)
	if err != nil {
		return nil, err
	}
	afterTime, afterID := "", ""
	if q.After != "" {
		t, id, _ := hiring.ParsePeopleCursor(q.After)
		afterTime, afterID = formatTime(t), id
	}
	var rows *sql.Rows
	if q.Verdict == "" {
		rows, err = db.reader(ctx).QueryContext(ctx, `SELECT p.id, p.created_at, p.updated_at, a.verdict, a.score, a.flags, a.stale, a.run_id
			FROM hire_people p LEFT JOIN hire_assessments a ON a.person_id = p.id
			WHERE (p.created_at, p.id) > (?, ?) ORDER BY p.created_at, p.id LIMIT ?`, afterTime, afterID, limit+1)
	} else {
		rows, err = db.reader(ctx).QueryContext(ctx, `SELECT a.person_id, a.person_created, p.updated_at, a.verdict, a.score, a.flags, a.stale, a.run_id
			FROM hire_assessments a JOIN hire_people p ON p.id = a.person_id
			WHERE a.verdict = ? AND (a.person_created, a.person_id) > (?, ?) ORDER BY a.person_created, a.person_id LIMIT ?`,
			string(q.Verdict), afterTime, afterID, limit+1)
	}
	if err != nil {
		return nil, db.fail(ctx, err, "list the people records")
	}
	people, err := collectRows(ctx, db, rows, "list the people records", scanPersonSummary)
	if err != nil {
		return nil, err
	}
	page := &hiring.PeoplePage{People: people}
	if len(people) > limit {
		page.People = people[:limit]
		last := &people[limit-1]
		page.Next = hiring.PeopleCursor(last.CreatedAt, last.ID)
	}
	return page, nil
}

// scanPersonSummary reads a row of ListPeople.
func scanPersonSummary(row scanner) (hiring.PersonSummary, error) {
	var (
		ps             hiring.PersonSummary
		ca, ua         string
		verdict, flags sql.NullString
		score, stale   sql.NullInt64
		run            sql.NullInt64
	)
	if err := row.Scan(&ps.ID, &ca, &ua, &verdict, &score, &flags, &stale, &run); err != nil {
		return ps, err
	}
	var err error
	if ps.CreatedAt, err = parseTime(ca); err != nil {
		return ps, malformedPerson("person record's creation time")
	}
	if ps.UpdatedAt, err = parseTime(ua); err != nil {
		return ps, malformedPerson("person record's update time")
	}
	ps.Rules = []string{}
	if verdict.Valid {
		ps.Verdict, ps.Score, ps.Stale, ps.RunID = bulwark.Verdict(verdict.String), int(score.Int64), stale.Int64 != 0, run.Int64
		var fs []struct {
			Rule string `json:"rule"`
		}
		if json.Unmarshal([]byte(flags.String), &fs) != nil {
			return ps, malformedPerson("assessment's flags")
		}
		for _, f := range fs {
			ps.Rules = append(ps.Rules, f.Rule)
		}
	}
	return ps, nil
}

// Assessment returns a person's latest assessment (see hiring.Store).
func (db *DB) Assessment(ctx context.Context, id string) (*hiring.StoredAssessment, error) {
	var (
		a                  hiring.StoredAssessment
		verdict, flags, at string
		inputs             string
		stale              int64
	)
	err := db.reader(ctx).QueryRowContext(ctx, `SELECT a.run_id, a.verdict, a.score, a.flags, a.computed_at, a.stale, r.inputs
		FROM hire_assessments a JOIN hire_runs r ON r.id = a.run_id WHERE a.person_id = ?`, id).
		Scan(&a.RunID, &verdict, &a.Score, &flags, &at, &stale, &inputs)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "no assessment of a person with that id is stored")
	}
	if err != nil {
		return nil, db.fail(ctx, err, "read an assessment")
	}
	a.ID, a.Verdict, a.Stale = id, bulwark.Verdict(verdict), stale != 0
	if json.Unmarshal([]byte(flags), &a.Flags) != nil {
		return nil, malformedPerson("assessment's flags")
	}
	if a.ComputedAt, err = parseTime(at); err != nil {
		return nil, malformedPerson("assessment's time")
	}
	if json.Unmarshal([]byte(inputs), &a.Inputs) != nil {
		return nil, malformedPerson("run's inputs")
	}
	return &a, nil
}

// ForgetPerson deletes a person and removes them from other people's
// flags (see hiring.Store). With a context from audit.Log.Do it joins the
// audit transaction.
func (db *DB) ForgetPerson(ctx context.Context, id string) (hiring.Forgotten, error) {
	var f hiring.Forgotten
	err := db.inTx(ctx, "forget a person", func(ctx context.Context, q querier) error {
		var err error
		if f, err = forgetPerson(ctx, q, id); err != nil {
			return err
		}
		_, err = q.ExecContext(ctx, `UPDATE hire_state SET generation = generation + 1, version = version + 1 WHERE id = 1`)
		return err
	})
	if err != nil {
		return hiring.Forgotten{}, err
	}
	return f, nil
}

// bumpHiringVersion increases the change counter (hiring.Store.Version).
func bumpHiringVersion(ctx context.Context, q querier) error {
	_, err := q.ExecContext(ctx, `UPDATE hire_state SET version = version + 1 WHERE id = 1`)
	return err
}

// Version returns the change counter of the people and evidence (see
// hiring.Store). With a context from audit.Log.Do it reads within the
// transaction.
func (db *DB) Version(ctx context.Context) (int64, error) {
	var v int64
	err := db.readTx(ctx, "read the people records' version", func(ctx context.Context, q querier) error {
		return q.QueryRowContext(ctx, `SELECT version FROM hire_state WHERE id = 1`).Scan(&v)
	})
	return v, err
}

// MarkStale marks the assessments of ids stale (see hiring.Store). With a
// context from audit.Log.Do it joins the audit transaction.
func (db *DB) MarkStale(ctx context.Context, ids []string) (int, error) {
	n := 0
	err := db.inTx(ctx, "mark assessments stale", func(ctx context.Context, q querier) error {
		n = 0
		st, err := q.PrepareContext(ctx, `UPDATE hire_assessments SET stale = 1 WHERE person_id = ? AND stale = 0`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, id := range ids {
			res, err := st.ExecContext(ctx, id)
			if err != nil {
				return err
			}
			k, _ := res.RowsAffected()
			n += int(k)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// forgetPerson deletes person id: the record with, by the foreign keys,
// the evidence and assessment; scrubs the flags that relate other people
// to them and clears the references to them as a referrer.
func forgetPerson(ctx context.Context, q querier, id string) (hiring.Forgotten, error) {
	var f hiring.Forgotten
	var record string
	var salt, key []byte
	err := q.QueryRowContext(ctx, `SELECT p.record, p.salt, s.key FROM hire_people p, hire_state s WHERE p.id = ? AND s.id = 1`, id).Scan(&record, &salt, &key)
	if errors.Is(err, sql.ErrNoRows) {
		return f, noPerson()
	}
	if err != nil {
		return f, err
	}
	var p hiring.Person
	if json.Unmarshal([]byte(record), &p) != nil {
		return f, malformedPerson("person record")
	}
	// The person's inbox items (and any escalation of them) go too.
	if _, err := q.ExecContext(ctx, `DELETE FROM outbox WHERE kind = ? AND ref IN (SELECT id FROM inbox_items WHERE kind = ? AND subject = ?)`,
		inbox.EscalationKind, inbox.KindHiring, id); err != nil {
		return f, err
	}
	if _, err := q.ExecContext(ctx, `DELETE FROM inbox_items WHERE kind = ? AND subject = ?`, inbox.KindHiring, id); err != nil {
		return f, err
	}
	var assessed int64
	if err := q.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM hire_evidence WHERE person_id = ?1), (SELECT count(*) FROM hire_assessments WHERE person_id = ?1)`, id).
		Scan(&f.Evidence, &assessed); err != nil {
		return f, err
	}
	f.Assessment = assessed > 0
	// Other people's assessments whose flags relate them to this person.
	rows, err := q.QueryContext(ctx, `SELECT a.person_id, a.flags FROM hire_related r JOIN hire_assessments a ON a.person_id = r.person_id
		WHERE r.related_id = ? AND r.person_id <> ?`, id, id)
	if err != nil {
		return f, err
	}
	type scrub struct{ person, flags string }
	var todo []scrub
	for rows.Next() {
		var s scrub
		if err := rows.Scan(&s.person, &s.flags); err != nil {
			rows.Close()
			return f, err
		}
		todo = append(todo, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return f, err
	}
	for _, s := range todo {
		a := hiring.Assessment{ID: s.person}
		if json.Unmarshal([]byte(s.flags), &a.Flags) != nil {
			return f, malformedPerson("assessment's flags")
		}
		a.Scrub(id, p.FullName)
		b, err := json.Marshal(a.Flags)
		if err != nil {
			return f, bulwark.Wrap(err, bulwark.EINTERNAL, "cannot encode an assessment's flags")
		}
		if _, err := q.ExecContext(ctx, `UPDATE hire_assessments SET flags = ?, stale = 1 WHERE person_id = ?`, string(b), s.person); err != nil {
			return f, err
		}
		f.Scrubbed++
	}
	if _, err := q.ExecContext(ctx, `DELETE FROM hire_related WHERE related_id = ?`, id); err != nil {
		return f, err
	}
	// "referred_by <> ''" lets SQLite use the partial index.
	res, err := q.ExecContext(ctx, `UPDATE hire_people SET record = json_remove(record, '$.referred_by'), referred_by = '' WHERE referred_by = ? AND referred_by <> '' AND id <> ?`, id, id)
	if err != nil {
		return f, err
	}
	n, _ := res.RowsAffected()
	f.Referrals = int(n)
	// The analysts' rulings on the person's screening matches: their
	// subject is the person's fingerprint (hiring.PersonFingerprint).
	if len(key) == hiring.KeySize {
		res, err := q.ExecContext(ctx, `DELETE FROM screen_dispositions WHERE subject = ? AND subject <> ''`, hiring.PersonFingerprint(key, salt, id))
		if err != nil {
			return f, err
		}
		n, _ := res.RowsAffected()
		f.Dispositions = int(n)
	}
	if _, err := q.ExecContext(ctx, `DELETE FROM hire_people WHERE id = ?`, id); err != nil {
		return f, err
	}
	return f, nil
}

// PurgePeople forgets the people not imported (seen) since before (see
// hiring.Store). With a context from audit.Log.Do it joins the audit
// transaction.
func (db *DB) PurgePeople(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := db.inTx(ctx, "purge people records", func(ctx context.Context, q querier) error {
		rows, err := q.QueryContext(ctx, `SELECT id FROM hire_people WHERE seen_at < ?`, formatTime(before))
		if err != nil {
			return err
		}
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, id := range ids {
			if _, err := forgetPerson(ctx, q, id); err != nil {
				return err
			}
		}
		n = int64(len(ids))
		if n == 0 {
			return nil
		}
		_, err = q.ExecContext(ctx, `UPDATE hire_state SET generation = generation + 1, version = version + 1 WHERE id = 1`)
		return err
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// ScrubDeleted truncates the write-ahead log by a checkpoint, so that
// the frames holding deleted people records leave the files (see
// hiring.Store); the database file holds no trace of them, as the writer
// connection deletes with secure_delete on. When a reader keeps the log
// in use past the busy timeout the error is EUNAVAILABLE: the frames stay
// until the next checkpoint (the next forget, or closing the store).
func (db *DB) ScrubDeleted(ctx context.Context) error {
	op := "truncate the write-ahead log after a deletion"
	var busy, frames, done int
	if err := db.w.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &frames, &done); err != nil {
		return db.fail(ctx, err, op)
	}
	if busy != 0 {
		return bulwark.Errorf(bulwark.EUNAVAILABLE, "the write-ahead log could not be truncated (a reader was using it): the deleted data stays in %s-wal until its next checkpoint (the next forget, or closing the store)", db.path)
	}
	return nil
}

// recordWhere names record i for an error without its id: "line N" or
// "people[i]".
func recordWhere(i, line int) string {
	if line > 0 {
		return "the person record of line " + strconv.Itoa(line)
	}
	return "people[" + strconv.Itoa(i) + "]"
}

// worse reports whether hiring verdict v is review or block and worse than
// was (an earlier verdict, "" when none): the person is flagged anew, an
// inbox item. A recheck that finds the same verdict raises nothing.
func worse(v, was bulwark.Verdict) bool {
	rank := func(v bulwark.Verdict) int {
		switch v {
		case bulwark.VerdictBlock:
			return 2
		case bulwark.VerdictReview:
			return 1
		}
		return 0
	}
	return rank(v) > rank(was)
}

// hiringInboxEntry is the inbox row of person a flagged by run: the
// person's id, verdict, score and rules (never personal data).
func hiringInboxEntry(run int64, at time.Time, a *hiring.Assessment) inboxEntry {
	msg := "hiring verdict " + strings.ToUpper(string(a.Verdict)) + ", score " + strconv.Itoa(a.Score)
	var rules []string
	for _, f := range a.Flags {
		rules = append(rules, f.Rule)
	}
	if len(rules) > 0 {
		msg += ": " + strings.Join(rules, ", ")
	}
	return inboxEntry{kind: inbox.KindHiring, ref: strconv.FormatInt(run, 10) + ":" + a.ID, at: at, severity: inbox.HiringSeverity(a.Verdict),
		subject: a.ID, message: msg, evidence: inbox.HiringEvidence(a.ID)}
}
