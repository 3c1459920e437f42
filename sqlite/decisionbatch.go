package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"errors"
	"sort"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/screening"

	sqlite3 "modernc.org/sqlite/lib"
)

// Decision batches. A batch of at least batchMin decisions stored under
// one audit entry (the decision journal's loader stores up to 2,048) is
// one row of screen_decision_batches rather than a row per decision: one
// B-tree entry for the batch, a narrow one per decision in
// screen_decision_ids (by ID) and, for a decision with a subject, one in
// screen_decision_subjects. Storing a decision so costs a few times less
// than a row with its body and three indexes (docs/benchmarks.md,
// "Decision recording"). Smaller batches, and decisions stored before
// batches existed, are rows of screen_decisions; every read looks at both.
//
// The data column holds, little endian and uvarint-length-prefixed:
//
//	version byte (1)
//	uvarint count of shared strings, then each string
//	uvarint count of decisions, then per decision:
//	  ID, varint Unix time in nanoseconds,
//	  uvarint index of its kind, use, actor and verdict among the shared strings,
//	  subject,
//	  uvarint 1 + index of its body's list versions object among the shared
//	  strings (0: none cut out), uvarint where in the body it goes,
//	  body (without that object).
//
// The list versions object ("lists":{...}), with the algorithm and policy
// members after it, is the same for every decision screened on the same
// index (and the stale member after those, when the lists are old, for
// every decision of the same second): it is written once per batch, and
// cut out of and put back into each body byte for byte, so a body reads
// back as stored and its audit line's SHA-256 still holds.

// batchMin is the fewest decisions stored as a batch row.
const batchMin = 32

const batchVersion = 1

// batchDecision is one decision of a batch, as encoded.
type batchDecision struct {
	screening.StoredDecision
	// raw is the stored body (screening.EncodeDecision's), lists put back.
	raw []byte
}

// encodeDecisionBatch encodes recs as a batch row's data; it returns the
// bounds of their times and the verdicts present.
func encodeDecisionBatch(recs []screening.Recorded) (data []byte, first, last time.Time, verdicts string, err error) {
	strs := make(map[string]uint64, 8)
	var table []string
	str := func(s string) uint64 {
		if i, ok := strs[s]; ok {
			return i
		}
		i := uint64(len(table))
		strs[s] = i
		table = append(table, s)
		return i
	}
	size := 0
	for _, r := range recs {
		size += len(r.Body) + len(r.Decision.ID) + len(r.Decision.Subject) + 24
	}
	body := make([]byte, 0, size)
	var seen [4]string
	nv := 0
	for i, r := range recs {
		d := r.Decision
		if d.ID == "" || d.Kind == "" || d.Verdict == "" {
			return nil, first, last, "", bulwark.Invalid("decision", "a decision needs an id, a kind and a verdict")
		}
		if i == 0 || d.Time.Before(first) {
			first = d.Time
		}
		if i == 0 || d.Time.After(last) {
			last = d.Time
		}
		v := string(d.Verdict)
		known := false
		for _, s := range seen[:nv] {
			known = known || s == v
		}
		if !known && nv < len(seen) {
			seen[nv] = v
			nv++
		} else if !known {
			return nil, first, last, "", bulwark.Invalid("decision", "more than %d verdicts in one batch", len(seen))
		}
		body = appendBatchString(body, d.ID)
		body = binary.AppendVarint(body, d.Time.UnixNano())
		body = binary.AppendUvarint(body, str(d.Kind))
		body = binary.AppendUvarint(body, str(string(d.Use)))
		body = binary.AppendUvarint(body, str(d.Actor))
		body = binary.AppendUvarint(body, str(v))
		body = appendBatchString(body, d.Subject)
		at, end := listsObject(r.Body)
		if end > at {
			// Looked up without a string of its own: most are in the
			// table already.
			shared, ok := strs[string(r.Body[at:end])]
			if !ok {
				shared = str(string(r.Body[at:end]))
			}
			body = binary.AppendUvarint(body, 1+shared)
			body = binary.AppendUvarint(body, uint64(at))
			body = binary.AppendUvarint(body, uint64(len(r.Body)-(end-at)))
			body = append(body, r.Body[:at]...)
			body = append(body, r.Body[end:]...)
		} else {
			body = binary.AppendUvarint(body, 0)
			body = binary.AppendUvarint(body, 0)
			body = appendBatchString(body, r.Body)
		}
	}
	n := 1 + binary.MaxVarintLen64*2
	for _, s := range table {
		n += len(s) + binary.MaxVarintLen64
	}
	data = make([]byte, 0, n+len(body))
	data = append(data, batchVersion)
	data = binary.AppendUvarint(data, uint64(len(table)))
	for _, s := range table {
		data = appendBatchString(data, s)
	}
	data = binary.AppendUvarint(data, uint64(len(recs)))
	data = append(data, body...)
	vs := seen[:nv]
	sort.Strings(vs)
	return data, first.UTC(), last.UTC(), " " + strings.Join(vs, " ") + " ", nil
}

func appendBatchString[T string | []byte](b []byte, s T) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

var (
	listsKey     = []byte(`"lists":{`)
	algorithmKey = []byte(`,"algorithm":"`)
	policyKey    = []byte(`,"policy":"`)
	staleKey     = []byte(`,"stale":[`)
)

// listsObject returns where the list versions object of decision JSON
// body starts and ends (from its '{' to its '}'), with the algorithm and
// policy members that follow it (the same for every decision screened on
// one index) and the stale member after them, if any, or 0, 0. A
// compressed body has none. What it spans is cut out and put back byte for
// byte, so a span is only a matter of how much batches share.
func listsObject(body []byte) (at, end int) {
	if len(body) < 2 || body[0] != '{' {
		return 0, 0
	}
	i := bytes.Index(body, listsKey)
	if i < 0 {
		return 0, 0
	}
	at = i + len(listsKey) - 1
	j := bytes.IndexByte(body[at:], '}')
	if j < 0 {
		return 0, 0
	}
	end = at + j + 1
	for _, key := range [...][]byte{algorithmKey, policyKey} {
		if !bytes.HasPrefix(body[end:], key) {
			return at, end
		}
		v := body[end+len(key):]
		k := bytes.IndexByte(v, '"')
		if k < 0 || bytes.IndexByte(v[:k], '\\') >= 0 {
			return at, end
		}
		end += len(key) + k + 1
	}
	// The stale lists ([{"id","ageSeconds"}...]) follow when the lists
	// are old: the same for every decision of the same second.
	if bytes.HasPrefix(body[end:], staleKey) {
		v := body[end+len(staleKey):]
		if k := bytes.IndexByte(v, ']'); k >= 0 && bytes.IndexByte(v[:k], '\\') < 0 {
			end += len(staleKey) + k + 1
		}
	}
	return at, end
}

var errBatchCorrupt = errors.New("malformed")

// decodeDecisionBatch decodes a batch row's data, its decisions stamped
// with auditSeq. With bodies false the bodies are left out.
func decodeDecisionBatch(data []byte, auditSeq int64, bodies bool) ([]batchDecision, error) {
	r := journalReader{b: data}
	if len(data) == 0 || data[0] != batchVersion {
		return nil, errBatchCorrupt
	}
	r.b = r.b[1:]
	ns := r.uvarint()
	if r.err != nil || ns > uint64(len(r.b)) {
		return nil, errBatchCorrupt
	}
	table := make([]string, ns)
	for i := range table {
		table[i] = string(r.bytes())
	}
	// A decision takes at least 8 bytes: this bounds what corrupt data
	// can make the decoder allocate.
	n := r.uvarint()
	if r.err != nil || n > uint64(len(r.b))/8 {
		return nil, errBatchCorrupt
	}
	idx := func() string {
		i := r.uvarint()
		if i >= uint64(len(table)) {
			r.err = errBatchCorrupt
			return ""
		}
		return table[i]
	}
	out := make([]batchDecision, n)
	for k := range out {
		d := &out[k]
		d.ID = string(r.bytes())
		d.Time = time.Unix(0, r.varint()).UTC()
		d.Kind, d.Use, d.Actor = idx(), screening.Use(idx()), idx()
		d.Verdict = bulwark.Verdict(idx())
		d.Subject = string(r.bytes())
		d.AuditSeq = auditSeq
		li, at := r.uvarint(), r.uvarint()
		b := r.bytes()
		if r.err != nil {
			return nil, errBatchCorrupt
		}
		if !bodies {
			continue
		}
		if li == 0 {
			d.raw = b
		} else {
			if li > uint64(len(table)) || at > uint64(len(b)) {
				return nil, errBatchCorrupt
			}
			obj := table[li-1]
			raw := make([]byte, 0, len(b)+len(obj))
			raw = append(raw, b[:at]...)
			raw = append(raw, obj...)
			d.raw = append(raw, b[at:]...)
		}
	}
	if len(r.b) != 0 {
		return nil, errBatchCorrupt
	}
	return out, nil
}

// saveDecisionBatch stores recs (at least batchMin) as one batch row with
// audit sequence number auditSeq, in tx.
func (db *DB) saveDecisionBatch(ctx context.Context, q querier, recs []screening.Recorded, auditSeq int64) error {
	data, first, last, verdicts, err := encodeDecisionBatch(recs)
	if err != nil {
		return err
	}
	// IDs sort by time: one taken by a decision stored on its own would
	// lie between the batch's least and greatest.
	lo, hi := recs[0].Decision.ID, recs[0].Decision.ID
	ids := make([]byte, 0, len(recs)*32)
	ids = append(ids, '[')
	var subjects []byte
	for i, r := range recs {
		id := r.Decision.ID
		lo, hi = min(lo, id), max(hi, id)
		if i > 0 {
			ids = append(ids, ',')
		}
		ids = appendJSONText(ids, id)
		if r.Decision.Subject != "" {
			if subjects == nil {
				subjects = append(make([]byte, 0, 64*len(recs)), '[')
			} else {
				subjects = append(subjects, ',')
			}
			subjects = append(subjects, '[')
			subjects = appendJSONText(subjects, r.Decision.Subject)
			subjects = append(subjects, ',')
			subjects = appendJSONText(subjects, formatTime(r.Decision.Time))
			subjects = append(subjects, ',')
			subjects = appendJSONText(subjects, id)
			subjects = append(subjects, ']')
		}
	}
	ids = append(ids, ']')
	rows, err := q.QueryContext(ctx, `SELECT id FROM screen_decisions WHERE id >= ? AND id <= ?`, lo, hi)
	if err != nil {
		return err
	}
	taken := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		taken[id] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, r := range recs {
		if taken[r.Decision.ID] {
			return bulwark.Errorf(bulwark.ECONFLICT, "decision %s is already stored", r.Decision.ID)
		}
	}
	res, err := q.ExecContext(ctx, `INSERT INTO screen_decision_batches (audit_seq, n, first_time, last_time, verdicts, data) VALUES (?, ?, ?, ?, ?, ?)`,
		auditSeq, len(recs), formatTime(first), formatTime(last), verdicts, data)
	if err != nil {
		return err
	}
	batch, err := res.LastInsertId()
	if err != nil {
		return err
	}
	_, err = q.ExecContext(ctx, `INSERT INTO screen_decision_ids (id, batch) SELECT value, ? FROM json_each(?)`, batch, ids)
	if constraint(err, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY) {
		// Name the decision: one stored before, or twice in the batch.
		seen := make(map[string]bool, len(recs))
		for _, r := range recs {
			var one int
			if qerr := q.QueryRowContext(ctx, `SELECT count(*) FROM screen_decision_ids WHERE id = ?`, r.Decision.ID).Scan(&one); qerr != nil {
				return qerr
			}
			if one > 0 || seen[r.Decision.ID] {
				return bulwark.Errorf(bulwark.ECONFLICT, "decision %s is already stored", r.Decision.ID)
			}
			seen[r.Decision.ID] = true
		}
	}
	if err != nil {
		return err
	}
	if subjects != nil {
		subjects = append(subjects, ']')
		if _, err := q.ExecContext(ctx, `INSERT INTO screen_decision_subjects (subject, time, id) SELECT value->>0, value->>1, value->>2 FROM json_each(?)`, subjects); err != nil {
			return err
		}
	}
	return nil
}

// appendJSONText appends s as a JSON string.
func appendJSONText(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x7f {
			js, _ := json.Marshal(s)
			return append(b, js...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// batchOf reads batch row id's decisions (with bodies).
func (db *DB) batchOf(ctx context.Context, q querier, id int64) ([]batchDecision, error) {
	var seq int64
	var data []byte
	if err := q.QueryRowContext(ctx, `SELECT audit_seq, data FROM screen_decision_batches WHERE id = ?`, id).Scan(&seq, &data); err != nil {
		return nil, err
	}
	ds, err := decodeDecisionBatch(data, seq, true)
	if err != nil {
		return nil, bulwark.Errorf(bulwark.EINTEGRITY, "screening decision batch %d is malformed in the store", id)
	}
	return ds, nil
}

// batchedDecision returns decision id from its batch, or nil when no
// batch holds it.
func (db *DB) batchedDecision(ctx context.Context, q querier, id string) (*screening.StoredDecision, error) {
	var batch int64
	err := q.QueryRowContext(ctx, `SELECT batch FROM screen_decision_ids WHERE id = ?`, id).Scan(&batch)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if db.afterBatchID != nil {
		db.afterBatchID()
	}
	ds, err := db.batchOf(ctx, q, batch)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bulwark.Errorf(bulwark.EINTEGRITY, "decision %s names screening decision batch %d, which the store does not hold", id, batch)
	}
	if err != nil {
		return nil, err
	}
	for i := range ds {
		if ds[i].ID != id {
			continue
		}
		d := ds[i].StoredDecision
		if d.Body, err = screening.DecodeDecision(ds[i].raw); err != nil {
			return nil, bulwark.Errorf(bulwark.EINTEGRITY, "decision %s: %s", id, bulwark.ErrorMessage(err))
		}
		return &d, nil
	}
	return nil, bulwark.Errorf(bulwark.EINTEGRITY, "decision %s is not in screening decision batch %d, which its index names", id, batch)
}

// newerFirst orders decisions newest first (then by ID, descending).
func newerFirst(ds []screening.StoredDecision) {
	sort.SliceStable(ds, func(a, b int) bool {
		if !ds[a].Time.Equal(ds[b].Time) {
			return ds[a].Time.After(ds[b].Time)
		}
		return ds[a].ID > ds[b].ID
	})
}

// batchedDecisions returns the newest batched decisions f selects (at
// most f.Limit), without bodies.
func (db *DB) batchedDecisions(ctx context.Context, q querier, f screening.DecisionFilter) ([]screening.StoredDecision, error) {
	if f.Subject != "" {
		return db.batchedDecisionsAbout(ctx, q, f)
	}
	rows, err := q.QueryContext(ctx, `SELECT audit_seq, last_time, data FROM screen_decision_batches
WHERE ? = '' OR instr(verdicts, ' ' || ? || ' ') > 0 ORDER BY last_time DESC`, string(f.Verdict), string(f.Verdict))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []screening.StoredDecision
	for rows.Next() {
		var seq int64
		var lastS string
		var data []byte
		if err := rows.Scan(&seq, &lastS, &data); err != nil {
			return nil, err
		}
		last, err := parseTime(lastS)
		if err != nil {
			return nil, bulwark.Errorf(bulwark.EINTEGRITY, "a screening decision batch is malformed in the store: time %q", lastS)
		}
		if len(out) >= f.Limit && last.Before(out[f.Limit-1].Time) {
			break // this batch and the older ones hold nothing newer
		}
		ds, err := decodeDecisionBatch(data, seq, false)
		if err != nil {
			return nil, bulwark.Errorf(bulwark.EINTEGRITY, "the screening decision batch of audit entry %d is malformed in the store", seq)
		}
		for _, d := range ds {
			if f.Verdict == "" || d.Verdict == f.Verdict {
				out = append(out, d.StoredDecision)
			}
		}
		newerFirst(out)
		if len(out) > f.Limit {
			out = out[:f.Limit]
		}
	}
	return out, rows.Err()
}

// batchedDecisionsAbout is batchedDecisions for a subject.
func (db *DB) batchedDecisionsAbout(ctx context.Context, q querier, f screening.DecisionFilter) ([]screening.StoredDecision, error) {
	rows, err := q.QueryContext(ctx, `SELECT s.id, i.batch FROM screen_decision_subjects s JOIN screen_decision_ids i ON i.id = s.id
WHERE s.subject = ? ORDER BY s.time DESC, s.id DESC`, f.Subject)
	if err != nil {
		return nil, err
	}
	type ref struct {
		id    string
		batch int64
	}
	var refs []ref
	for rows.Next() {
		var r ref
		if err := rows.Scan(&r.id, &r.batch); err != nil {
			rows.Close()
			return nil, err
		}
		refs = append(refs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []screening.StoredDecision
	cache := map[int64]map[string]screening.StoredDecision{}
	for _, r := range refs {
		if len(out) >= f.Limit {
			break
		}
		m, ok := cache[r.batch]
		if !ok {
			var seq int64
			var data []byte
			if err := q.QueryRowContext(ctx, `SELECT audit_seq, data FROM screen_decision_batches WHERE id = ?`, r.batch).Scan(&seq, &data); err != nil {
				return nil, err
			}
			ds, err := decodeDecisionBatch(data, seq, false)
			if err != nil {
				return nil, bulwark.Errorf(bulwark.EINTEGRITY, "screening decision batch %d is malformed in the store", r.batch)
			}
			m = make(map[string]screening.StoredDecision, len(ds))
			for _, d := range ds {
				if d.Subject == f.Subject {
					m[d.ID] = d.StoredDecision
				}
			}
			cache[r.batch] = m
		}
		if d, ok := m[r.id]; ok && (f.Verdict == "" || d.Verdict == f.Verdict) {
			out = append(out, d)
		}
	}
	return out, nil
}

// pruneDecisionBatches deletes the batched decisions whose audit entry
// comes before below, except those an alert still names; a batch left
// with some of them is rewritten with those alone. It returns how many
// decisions it deleted.
func (db *DB) pruneDecisionBatches(ctx context.Context, q querier, below int64) (int64, error) {
	type old struct {
		id, seq int64
		data    []byte
	}
	rows, err := q.QueryContext(ctx, `SELECT id, audit_seq, data FROM screen_decision_batches WHERE audit_seq < ?`, below)
	if err != nil {
		return 0, err
	}
	var olds []old
	for rows.Next() {
		var o old
		if err := rows.Scan(&o.id, &o.seq, &o.data); err != nil {
			rows.Close()
			return 0, err
		}
		olds = append(olds, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if len(olds) == 0 {
		return 0, nil
	}
	// The decisions alerts name stay (the alerts left are those whose
	// delivery is pending).
	named := map[string]bool{}
	arows, err := q.QueryContext(ctx, `SELECT DISTINCT decision_id FROM screen_alerts`)
	if err != nil {
		return 0, err
	}
	for arows.Next() {
		var id string
		if err := arows.Scan(&id); err != nil {
			arows.Close()
			return 0, err
		}
		named[id] = true
	}
	arows.Close()
	if err := arows.Err(); err != nil {
		return 0, err
	}
	var deleted int64
	for _, o := range olds {
		ds, err := decodeDecisionBatch(o.data, o.seq, true)
		if err != nil {
			return 0, bulwark.Errorf(bulwark.EINTEGRITY, "screening decision batch %d is malformed in the store", o.id)
		}
		var gone, subjects []byte
		var keep []screening.Recorded
		for _, d := range ds {
			if named[d.ID] {
				dec := d.Decision
				keep = append(keep, screening.Recorded{Decision: &dec, Body: d.raw})
				continue
			}
			gone = appendJSONText(append(gone, ','), d.ID)
			if d.Subject != "" {
				subjects = appendJSONText(append(subjects, ",["...), d.Subject)
				subjects = appendJSONText(append(subjects, ','), formatTime(d.Time))
				subjects = append(appendJSONText(append(subjects, ','), d.ID), ']')
			}
		}
		deleted += int64(len(ds) - len(keep))
		if subjects != nil {
			subjects[0] = '['
			if _, err := q.ExecContext(ctx, `DELETE FROM screen_decision_subjects WHERE (subject, time, id) IN
(SELECT value->>0, value->>1, value->>2 FROM json_each(?))`, string(append(subjects, ']'))); err != nil {
				return 0, err
			}
		}
		if gone != nil {
			gone[0] = '['
			if _, err := q.ExecContext(ctx, `DELETE FROM screen_decision_ids WHERE id IN (SELECT value FROM json_each(?))`, string(append(gone, ']'))); err != nil {
				return 0, err
			}
		}
		if len(keep) == 0 {
			if _, err := q.ExecContext(ctx, `DELETE FROM screen_decision_batches WHERE id = ?`, o.id); err != nil {
				return 0, err
			}
			continue
		}
		if gone == nil {
			continue
		}
		data, first, last, verdicts, err := encodeDecisionBatch(keep)
		if err != nil {
			return 0, err
		}
		if _, err := q.ExecContext(ctx, `UPDATE screen_decision_batches SET n = ?, first_time = ?, last_time = ?, verdicts = ?, data = ? WHERE id = ?`,
			len(keep), formatTime(first), formatTime(last), verdicts, data, o.id); err != nil {
			return 0, err
		}
	}
	return deleted, nil
}
