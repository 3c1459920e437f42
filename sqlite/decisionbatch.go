package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"errors"
	"slices"
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
// B-tree entry for the batch and, for a decision with a subject, one in
// screen_decision_subjects. A decision is found by its ID's time
// (screening.NewDecisionID holds the Unix millisecond of the decision's
// time) among the batches whose span (first_time to last_time, at most
// batchSpanMax) covers it; a decision whose ID does not tell its time,
// every decision of a batch spanning more than batchSpanMax, and those
// batched before migration 0027, have a row in screen_decision_ids (by
// ID) instead. Storing a decision so costs a few times less than a row
// with its body and three indexes (docs/benchmarks.md, "Decision
// recording"). Smaller batches, and decisions stored before batches
// existed, are rows of screen_decisions; every read looks at both.
//
// The data column holds, little endian and uvarint-length-prefixed:
//
//	version byte (2; 1 for batches stored before, without the head)
//	uvarint count of shared strings, then each string
//	uvarint count of decisions, then per decision:
//	  ID, varint Unix time in nanoseconds,
//	  uvarint index of its kind, use, actor and verdict among the shared strings,
//	  subject,
//	  uvarint head (version 2): which opening was cut from the body (see
//	  decisionHead), 0 for none,
//	  uvarint 1 + index of its body's list versions object among the shared
//	  strings (0: none cut out), uvarint where in the body it goes,
//	  body (without that object).
//
// A body opens with the decision's own members ({"packed":1,"decisionId":
// ...,"time":...,"kind":...,"use":...,"subject":...,"actor":...,
// "verdict":...,), which the batch already holds: that opening is cut
// out and written again when read, byte for byte, when it reads so
// (decisionHead).
//
// The list versions object ("lists":{...}), with the algorithm and policy
// members after it, is the same for every decision screened on the same
// index (and the stale member after those, when the lists are old, for
// every decision of the same second): it is written once per batch, and
// cut out of and put back into each body byte for byte, so a body reads
// back as stored and its audit line's SHA-256 still holds.

// batchMin is the fewest decisions stored as a batch row.
const batchMin = 32

// batchSpanMax is the longest time span of a batch whose decisions are
// found by their time (batchesAt); a longer batch lists its decisions in
// screen_decision_ids.
const batchSpanMax = 10 * time.Minute

// decisionIDMillis returns the Unix time in milliseconds that an ID made
// by screening.NewDecisionID holds ("dec_", 12 hex digits of it, 12 of
// randomness), or false for an ID of another form.
func decisionIDMillis(id string) (int64, bool) {
	if len(id) != 28 || id[:4] != "dec_" {
		return 0, false
	}
	var ms int64
	for i := 4; i < 16; i++ {
		c := id[i]
		switch {
		case '0' <= c && c <= '9':
			ms = ms<<4 | int64(c-'0')
		case 'a' <= c && c <= 'f':
			ms = ms<<4 | int64(c-'a'+10)
		default:
			return 0, false
		}
	}
	return ms, true
}

// foundByTime reports whether decision d, in a batch spanning at most
// batchSpanMax, is found by its time: its ID holds the millisecond of its
// time.
func foundByTime(d *screening.Decision) bool {
	ms, ok := decisionIDMillis(d.ID)
	return ok && ms == d.Time.UnixMilli()
}

// sqlBatchesAt selects the batch rows that may hold a decision of a given
// millisecond found by its time: those spanning at most batchSpanMax that
// start no later than its end and end no earlier than its start
// (batchesAtArgs).
const sqlBatchesAt = `SELECT id, audit_seq, data FROM screen_decision_batches WHERE first_time >= ? AND first_time <= ? AND last_time >= ?`

// batchesAtArgs are sqlBatchesAt's arguments for the millisecond ms.
func batchesAtArgs(ms int64) []any {
	lo := time.UnixMilli(ms)
	return []any{formatTime(lo.Add(-batchSpanMax)), formatTime(lo.Add(time.Millisecond - 1)), formatTime(lo)}
}

const batchVersion = 2

// Heads of a body (decisionHead).
const (
	headNone   = 0
	headPlain  = 1 // {"decisionId":...,
	headPacked = 2 // {"packed":1,"decisionId":...,
)

// decisionHead appends to b the opening of d's JSON body with head h: "{"
// or `{"packed":1,`, then its ID, time (RFC 3339 with nanoseconds, UTC),
// kind, use, subject and actor (when not empty) and verdict members and a
// comma, as the screening service encodes them. ok is false when a string
// would need escaping (then nothing is cut).
func decisionHead(b []byte, h uint64, id string, t time.Time, kind, use, subject, actor, verdict string) (_ []byte, ok bool) {
	for _, s := range [...]string{id, kind, use, subject, actor, verdict} {
		for i := 0; i < len(s); i++ {
			if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x7f || c == '<' || c == '>' || c == '&' {
				return b, false
			}
		}
	}
	if y := t.Year(); y < 0 || y >= 10000 {
		return b, false
	}
	if h == headPacked {
		b = append(b, `{"packed":1,"decisionId":"`...)
	} else {
		b = append(b, `{"decisionId":"`...)
	}
	b = append(b, id...)
	b = append(b, `","time":"`...)
	b = t.UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","kind":"`...)
	b = append(b, kind...)
	b = append(b, `","use":"`...)
	b = append(b, use...)
	if subject != "" {
		b = append(b, `","subject":"`...)
		b = append(b, subject...)
	}
	if actor != "" {
		b = append(b, `","actor":"`...)
		b = append(b, actor...)
	}
	b = append(b, `","verdict":"`...)
	b = append(b, verdict...)
	return append(b, `",`...), true
}

// cutHead returns which head opens body (headNone when neither reads as
// d's) and its length; scratch is room to write it in.
func cutHead(body []byte, d *screening.Decision, scratch []byte) (h uint64, n int, _ []byte) {
	h = headPlain
	if bytes.HasPrefix(body, packedKey) {
		h = headPacked
	}
	head, ok := decisionHead(scratch[:0], h, d.ID, d.Time, d.Kind, string(d.Use), d.Subject, d.Actor, string(d.Verdict))
	if !ok || !bytes.HasPrefix(body, head) {
		return headNone, 0, head
	}
	return h, len(head), head
}

var packedKey = []byte(`{"packed":1,`)

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
	// What the bodies keep, estimated from the first: most lose as much
	// (the list versions object and their opening) as it does.
	size, shared := 0, 0
	if len(recs) > 0 {
		at, end := listsObject(recs[0].Body)
		shared = end - at + 64 + len(recs[0].Decision.ID) + len(recs[0].Decision.Actor)
	}
	for _, r := range recs {
		size += max(len(r.Body)-shared, 0) + len(r.Decision.ID) + len(r.Decision.Subject) + 24
	}
	body := make([]byte, 0, size)
	var seen [4]string
	nv := 0
	var scratch []byte
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
		var head uint64
		var cut int
		head, cut, scratch = cutHead(r.Body, d, scratch)
		body = binary.AppendUvarint(body, head)
		rest := r.Body[cut:]
		at, end := listsObject(r.Body)
		if end > at && at >= cut {
			// Looked up without a string of its own: most are in the
			// table already.
			shared, ok := strs[string(r.Body[at:end])]
			if !ok {
				shared = str(string(r.Body[at:end]))
			}
			at, end = at-cut, end-cut
			body = binary.AppendUvarint(body, 1+shared)
			body = binary.AppendUvarint(body, uint64(at))
			body = binary.AppendUvarint(body, uint64(len(rest)-(end-at)))
			body = append(body, rest[:at]...)
			body = append(body, rest[end:]...)
		} else {
			body = binary.AppendUvarint(body, 0)
			body = binary.AppendUvarint(body, 0)
			body = appendBatchString(body, rest)
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
	return decodeBatch(data, auditSeq, bodies, "")
}

// decodeBatch is decodeDecisionBatch; with bodies, only (when not empty)
// is the one decision whose body is put together.
func decodeBatch(data []byte, auditSeq int64, bodies bool, only string) ([]batchDecision, error) {
	r := journalReader{b: data}
	if len(data) == 0 || (data[0] != 1 && data[0] != batchVersion) {
		return nil, errBatchCorrupt
	}
	heads := data[0] >= 2
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
		var head uint64
		if heads {
			head = r.uvarint()
		}
		li, at := r.uvarint(), r.uvarint()
		b := r.bytes()
		if r.err != nil || head > headPacked {
			return nil, errBatchCorrupt
		}
		if !bodies || (only != "" && d.ID != only) {
			continue
		}
		if li == 0 && head == headNone {
			d.raw = b
			continue
		}
		var obj string
		if li > 0 {
			if li > uint64(len(table)) || at > uint64(len(b)) {
				return nil, errBatchCorrupt
			}
			obj = table[li-1]
		}
		raw := make([]byte, 0, 200+len(b)+len(obj))
		if head != headNone {
			var ok bool
			if raw, ok = decisionHead(raw, head, d.ID, d.Time, d.Kind, string(d.Use), d.Subject, d.Actor, string(d.Verdict)); !ok {
				return nil, errBatchCorrupt
			}
		}
		raw = append(raw, b[:at]...)
		raw = append(raw, obj...)
		d.raw = append(raw, b[at:]...)
	}
	if len(r.b) != 0 {
		return nil, errBatchCorrupt
	}
	return out, nil
}

// saveDecisionBatch stores recs (at least batchMin) as one batch row with
// audit sequence number auditSeq, in tx. A decision found by its time
// (foundByTime, in a batch spanning at most batchSpanMax) has no row of
// its own; the others are listed in screen_decision_ids.
func (db *DB) saveDecisionBatch(ctx context.Context, q querier, recs []screening.Recorded, auditSeq int64) error {
	data, first, last, verdicts, err := encodeDecisionBatch(recs)
	if err != nil {
		return err
	}
	spanOK := last.Sub(first) <= batchSpanMax
	// IDs sort by time: one taken by a decision stored on its own would
	// lie between the batch's least and greatest.
	lo, hi := recs[0].Decision.ID, recs[0].Decision.ID
	byTime := make([]string, 0, len(recs))
	var listed, subjects []byte
	for _, r := range recs {
		id := r.Decision.ID
		lo, hi = min(lo, id), max(hi, id)
		timed := foundByTime(r.Decision)
		if timed {
			// Checked against the batches of its time, where it would be
			// if stored before.
			byTime = append(byTime, id)
		}
		if !timed || !spanOK {
			listed = appendJSONText(append(listed, ','), id)
		}
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
	if err := idsTaken(ctx, q, `SELECT id FROM screen_decisions WHERE id >= ? AND id <= ?`, lo, hi, recs); err != nil {
		return err
	}
	if len(byTime) > 0 {
		if err := db.batchIDsTaken(ctx, q, byTime, first, last); err != nil {
			return err
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
	db.lastBatches.add(storedBatch{id: batch, seq: auditSeq, n: int64(len(recs)), first: formatTime(first), last: formatTime(last), size: int64(len(data)), data: data})
	if listed != nil {
		listed[0] = '['
		_, err = q.ExecContext(ctx, `INSERT INTO screen_decision_ids (id, batch) SELECT value, ? FROM json_each(?)`, batch, string(append(listed, ']')))
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
	}
	if subjects != nil {
		subjects = append(subjects, ']')
		if _, err := q.ExecContext(ctx, `INSERT INTO screen_decision_subjects (subject, time, id) SELECT value->>0, value->>1, value->>2 FROM json_each(?)`, subjects); err != nil {
			return err
		}
	}
	return nil
}

// idsTaken returns ECONFLICT naming the first decision of recs that query
// (of the IDs between lo and hi) returns.
func idsTaken(ctx context.Context, q querier, query, lo, hi string, recs []screening.Recorded) error {
	rows, err := q.QueryContext(ctx, query, lo, hi)
	if err != nil {
		return err
	}
	var taken map[string]bool
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		if taken == nil {
			taken = map[string]bool{}
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
	return nil
}

// batchIDsTaken returns ECONFLICT naming an ID of ids (sorted here) given
// twice or held by a batch already stored, among the batches a decision of
// a time from first to last can be in, or by a row of screen_decision_ids.
func (db *DB) batchIDsTaken(ctx context.Context, q querier, ids []string, first, last time.Time) error {
	sort.Strings(ids) // nearly sorted already: IDs sort by time
	for i := 1; i < len(ids); i++ {
		if ids[i] == ids[i-1] {
			return bulwark.Errorf(bulwark.ECONFLICT, "decision %s is already stored", ids[i])
		}
	}
	has := func(id []byte) bool {
		_, found := slices.BinarySearchFunc(ids, id, func(s string, b []byte) int { return -bytes.Compare(b, []byte(s)) })
		return found
	}
	rows, err := q.QueryContext(ctx, `SELECT id FROM screen_decision_ids WHERE id >= ? AND id <= ?`, ids[0], ids[len(ids)-1])
	if err != nil {
		return err
	}
	for rows.Next() {
		var id []byte
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		if has(id) {
			rows.Close()
			return bulwark.Errorf(bulwark.ECONFLICT, "decision %s is already stored", id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = q.QueryContext(ctx, `SELECT id, audit_seq, n, first_time, last_time, length(data) FROM screen_decision_batches
WHERE first_time >= ? AND first_time <= ? AND last_time >= ?`, formatTime(first.Add(-batchSpanMax)), formatTime(last), formatTime(first))
	if err != nil {
		return err
	}
	var overlap []storedBatch
	for rows.Next() {
		var b storedBatch
		if err := rows.Scan(&b.id, &b.seq, &b.n, &b.first, &b.last, &b.size); err != nil {
			rows.Close()
			return err
		}
		overlap = append(overlap, b)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	check := func(id int64, data []byte) error {
		var dup []byte
		if err := walkBatchIDs(data, func(id []byte) bool {
			if has(id) {
				dup = id
				return false
			}
			return true
		}); err != nil {
			return bulwark.Errorf(bulwark.EINTEGRITY, "screening decision batch %d is malformed in the store", id)
		}
		if dup != nil {
			return bulwark.Errorf(bulwark.ECONFLICT, "decision %s is already stored", dup)
		}
		return nil
	}
	for _, b := range overlap {
		if data := db.lastBatches.find(b); data != nil {
			if err := check(b.id, data); err != nil {
				return err
			}
			continue
		}
		// Not one of those written last (or its transaction was rolled
		// back and its row taken since): read it.
		rows, err := q.QueryContext(ctx, `SELECT data FROM screen_decision_batches WHERE id = ?`, b.id)
		if err != nil {
			return err
		}
		for rows.Next() {
			var data sql.RawBytes
			if err = rows.Scan(&data); err == nil {
				err = check(b.id, data)
			}
			if err != nil {
				rows.Close()
				return err
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// recentBatches are the batch rows saveDecisionBatch wrote last, newest
// first: a batch is checked against those of overlapping times, which
// under load (a decision made before its batch was stored, appended after
// it) are mostly these, without reading them back. Only the single writer
// touches them.
type recentBatches [4]storedBatch

// find returns the data of b if it is one of them, else nil.
func (r *recentBatches) find(b storedBatch) []byte {
	for i := range r {
		if r[i].same(b) {
			return r[i].data
		}
	}
	return nil
}

// add makes b the newest, forgetting the oldest.
func (r *recentBatches) add(b storedBatch) {
	copy(r[1:], r[:len(r)-1])
	r[0] = b
}

// storedBatch describes a batch row as written: its columns and the size
// of its data (and the data, for recentBatches).
type storedBatch struct {
	id, seq, n, size int64
	first, last      string
	data             []byte
}

// same reports whether b describes the batch row o read back.
func (b *storedBatch) same(o storedBatch) bool {
	return b.data != nil && b.id == o.id && b.seq == o.seq && b.n == o.n && b.first == o.first && b.last == o.last && b.size == o.size
}

// walkBatchIDs calls each with the ID of every decision of a batch row's
// data, in order, until it returns false.
func walkBatchIDs(data []byte, each func(id []byte) bool) error {
	if len(data) == 0 || (data[0] != 1 && data[0] != batchVersion) {
		return errBatchCorrupt
	}
	heads := data[0] >= 2
	r := journalReader{b: data[1:]}
	ns := r.uvarint()
	if r.err != nil || ns > uint64(len(r.b)) {
		return errBatchCorrupt
	}
	for range ns {
		r.bytes()
	}
	n := r.uvarint()
	for range n {
		id := r.bytes()
		r.varint()
		for range 4 {
			r.uvarint()
		}
		r.bytes() // subject
		if heads {
			r.uvarint()
		}
		r.uvarint()
		r.uvarint()
		r.bytes() // body
		if r.err != nil {
			return errBatchCorrupt
		}
		if !each(id) {
			return nil
		}
	}
	if r.err != nil {
		return errBatchCorrupt
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

// batchedDecision returns decision id from its batch, or nil when no
// batch holds it.
func (db *DB) batchedDecision(ctx context.Context, q querier, id string) (*screening.StoredDecision, error) {
	batch, data, seq, err := db.batchHolding(ctx, q, id)
	if err != nil || data == nil {
		return nil, err
	}
	ds, err := decodeBatch(data, seq, true, id)
	if err != nil {
		return nil, bulwark.Errorf(bulwark.EINTEGRITY, "screening decision batch %d is malformed in the store", batch)
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

// batchHolding returns the batch row (id, data, audit sequence number)
// holding decision id, or nil data when none does: among the batches of
// its time (a decision found by its time), else the one its row of
// screen_decision_ids names.
func (db *DB) batchHolding(ctx context.Context, q querier, id string) (batch int64, data []byte, seq int64, err error) {
	if ms, ok := decisionIDMillis(id); ok {
		rows, err := q.QueryContext(ctx, sqlBatchesAt, batchesAtArgs(ms)...)
		if err != nil {
			return 0, nil, 0, err
		}
		defer rows.Close()
		for rows.Next() {
			if err := rows.Scan(&batch, &seq, &data); err != nil {
				return 0, nil, 0, err
			}
			found := false
			if err := walkBatchIDs(data, func(b []byte) bool {
				found = string(b) == id
				return !found
			}); err != nil {
				return 0, nil, 0, bulwark.Errorf(bulwark.EINTEGRITY, "screening decision batch %d is malformed in the store", batch)
			}
			if found {
				return batch, data, seq, nil
			}
		}
		if err := rows.Err(); err != nil {
			return 0, nil, 0, err
		}
		rows.Close()
	}
	err = q.QueryRowContext(ctx, `SELECT batch FROM screen_decision_ids WHERE id = ?`, id).Scan(&batch)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil, 0, nil
	}
	if err != nil {
		return 0, nil, 0, err
	}
	if db.afterBatchID != nil {
		db.afterBatchID()
	}
	err = q.QueryRowContext(ctx, `SELECT audit_seq, data FROM screen_decision_batches WHERE id = ?`, batch).Scan(&seq, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil, 0, bulwark.Errorf(bulwark.EINTEGRITY, "decision %s names screening decision batch %d, which the store does not hold", id, batch)
	}
	if err != nil {
		return 0, nil, 0, err
	}
	return batch, data, seq, nil
}

// decisionStored reports whether the store holds decision id, in a row of
// its own or in a batch. timed, when not nil, holds the IDs of every
// batched decision found by its time that id can be (batchedIDsBetween).
func (db *DB) decisionStored(ctx context.Context, q querier, id string, timed map[string]bool) (bool, error) {
	if timed[id] {
		return true, nil
	}
	var one int
	if err := q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM screen_decisions WHERE id = ?)`, id).Scan(&one); err != nil || one == 1 {
		return one == 1, err
	}
	if timed != nil {
		err := q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM screen_decision_ids WHERE id = ?)`, id).Scan(&one)
		return one == 1, err
	}
	_, data, _, err := db.batchHolding(ctx, q, id)
	return data != nil, err
}

// batchedIDsBetween returns the IDs of the batched decisions found by
// their time that can be of a time from first to last (those of every
// batch spanning at most batchSpanMax that overlaps the range).
func (db *DB) batchedIDsBetween(ctx context.Context, q querier, first, last time.Time) (map[string]bool, error) {
	rows, err := q.QueryContext(ctx, sqlBatchesAt, formatTime(first.Truncate(time.Millisecond).Add(-batchSpanMax)), formatTime(last), formatTime(first.Truncate(time.Millisecond)))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ids := map[string]bool{}
	for rows.Next() {
		var id, seq int64
		var data []byte
		if err := rows.Scan(&id, &seq, &data); err != nil {
			return nil, err
		}
		if err := walkBatchIDs(data, func(b []byte) bool {
			ids[string(b)] = true
			return true
		}); err != nil {
			return nil, bulwark.Errorf(bulwark.EINTEGRITY, "screening decision batch %d is malformed in the store", id)
		}
	}
	return ids, rows.Err()
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
			if (f.Verdict == "" || d.Verdict == f.Verdict) && (f.ExcludeUse == "" || d.Use != f.ExcludeUse) {
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
	rows, err := q.QueryContext(ctx, `SELECT id FROM screen_decision_subjects WHERE subject = ? ORDER BY time DESC, id DESC`, f.Subject)
	if err != nil {
		return nil, err
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []screening.StoredDecision
	// The subject's decisions of the batches read so far: those of one
	// batch are usually next to each other.
	found := map[string]screening.StoredDecision{}
	decoded := map[int64]bool{}
	for _, id := range ids {
		if len(out) >= f.Limit {
			break
		}
		d, ok := found[id]
		if !ok {
			batch, data, seq, err := db.batchHolding(ctx, q, id)
			if err != nil {
				return nil, err
			}
			if data == nil || decoded[batch] {
				continue // the subject index names a decision no batch holds
			}
			decoded[batch] = true
			ds, err := decodeDecisionBatch(data, seq, false)
			if err != nil {
				return nil, bulwark.Errorf(bulwark.EINTEGRITY, "screening decision batch %d is malformed in the store", batch)
			}
			for _, x := range ds {
				if x.Subject == f.Subject {
					found[x.ID] = x.StoredDecision
				}
			}
			if d, ok = found[id]; !ok {
				continue
			}
		}
		if (f.Verdict == "" || d.Verdict == f.Verdict) && (f.ExcludeUse == "" || d.Use != f.ExcludeUse) {
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
