package sqlite

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/safe/policy"
	"github.com/bulwark-sec/bulwark/screening"
)

var _ audit.ReferenceChecker = (*DB)(nil)

// activityTables are the tables whose rows are written only together with
// an audit entry (in the same transaction), with what a row is called.
var activityTables = []struct{ table, what string }{
	{"tokens", "tokens"},
	{"screen_lists", "list versions"},
	{"screen_decisions", "screening decisions"},
	{"screen_decision_batches", "screening decision batches"},
	{"screen_dispositions", "dispositions"},
	{"screen_watches", "screening watches"},
	{"screen_alerts", "screening alerts"},
	{"safe_verifications", "Safe verdicts"},
	{"safe_watches", "Safe watches"},
	{"safe_alerts", "Safe alerts"},
	{"safe_queue_decisions", "Safe queue decisions"},
	{"safe_cosignatures", "co-signatures"},
	{"safe_cosign_approvals", "co-signer approvals"},
	{"safe_address_book", "address-book versions"},
	{"safe_address_book_entries", "address-book entries"},
	{"safe_address_book_limits", "address-book limits"},
	{"trace_cases", "tracing cases"},
	{"hire_people", "hiring people records"},
	{"hire_runs", "hiring runs"},
}

// seqReferences are the columns that name the audit entry covering their
// row (column audit_seq unless col says otherwise; a NULL names none),
// with the actions that entry may have.
var seqReferences = []struct {
	table, id, what string
	actions         []string
	col             string
}{
	{"screen_decisions", "id", "screening decision", []string{"screen.decisions", "screen.alert"}, ""},
	{"screen_decision_batches", "id", "screening decision batch", []string{"screen.decisions"}, ""},
	{"safe_verifications", "id", "Safe verdict", []string{"safe.verify"}, ""},
	{"safe_cosignatures", "id", "co-signature", []string{"safe.cosign"}, ""},
	// An approval is withdrawn by its approver (safe.approve.withdraw) or
	// replaced by the approver's next approval (safe.approve).
	{"safe_cosign_approvals", "id", "co-signer approval withdrawal", []string{"safe.approve.withdraw", "safe.approve"}, "withdrawn_seq"},
	{"safe_cosign_approvals", "id", "co-signer approval", []string{"safe.approve"}, ""},
	{"safe_address_book", "version", "address book version", policy.BookActions, ""},
	{"hire_runs", "id", "hiring run", []string{"hire.screen", "hire.link", "hire.recheck"}, ""},
}

// CheckAuditReferences implements audit.ReferenceChecker. In one read
// snapshot (the log may have grown since the chain was verified: records
// are checked against the head of the snapshot) it checks that
//   - an empty log goes with a store without audited records;
//   - every decision and Safe verdict names an entry that exists, of the
//     action that records such a row;
//   - every screen.decisions entry has as many decisions stored as it
//     lists, and every screen.alert entry its decision, unless a
//     screen.prune entry says they were pruned by retention;
//   - every stored list version has the content its lists.import
//     entries record (checkListContents);
//   - the list versions read from the list cache (the active ones, and
//     any the cache holds) are in it, and have their binary digest
//     recorded, as their stored content decodes (checkListCache).
func (db *DB) CheckAuditReferences(ctx context.Context, verified audit.Head) (*audit.Break, error) {
	op := "cross-check the audit log"
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, db.fail(ctx, err, op)
	}
	defer func() { _ = tx.Rollback() }()
	head := audit.Head{Hash: audit.GenesisHash}
	if err := tx.QueryRowContext(ctx, sqlAuditHead).Scan(&head.Seq, &head.Hash); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, db.fail(ctx, err, op)
	}
	if head.Seq < verified.Seq {
		head = verified // the head row was deleted: the chain walk said so already
	}
	b, err := checkRefs(ctx, tx, head)
	var counted map[listVersion]listImport
	if b == nil && err == nil {
		b, counted, err = checkListContents(ctx, tx, head)
	}
	if b == nil && err == nil {
		b, err = db.checkListCache(ctx, tx, head, counted)
	}
	return b, db.fail(ctx, err, op)
}

// listVersion names a stored list version: its list and the digest of
// its source files.
type listVersion struct{ id, version string }

// listImport is what one lists.import entry records of a list version.
type listImport struct {
	seq                 int64
	content             string // contentSha256, "" in entries written before it was recorded
	entities, addresses int64
}

// checkListContents checks every stored list version against the
// lists.import entries that record it (up to head): an entry's
// contentSha256 must be the SHA-256 of the content the store holds for
// the version (screen_lists.content, as PutLists returns it in
// ListInfo.ContentSHA256). A version no entry records with a digest
// (imported before the digest was recorded) is checked by its counts
// alone when it is active: its stored content must hold the entities and
// addresses its latest entry states: those versions are returned, with
// that entry, for checkListCache, which decodes the active versions. An
// active version no entry records at all was not stored by an import.
// The first break (by entry) is returned: at the entry whose digest
// differs, at the head for a version without any.
func checkListContents(ctx context.Context, tx *sql.Tx, head audit.Head) (*audit.Break, map[listVersion]listImport, error) {
	imports := map[listVersion][]listImport{}
	counted := map[listVersion]listImport{}
	rows, err := tx.QueryContext(ctx, `SELECT a.seq, json_extract(l.value, '$.id'), json_extract(l.value, '$.sha256'),
ifnull(json_extract(l.value, '$.contentSha256'), ''), ifnull(json_extract(l.value, '$.entities'), -1), ifnull(json_extract(l.value, '$.addresses'), -1)
FROM audit_log a, json_each(a.details, '$.lists') l WHERE a.action = 'lists.import' AND a.seq <= ? ORDER BY a.seq`, head.Seq)
	if err != nil {
		return nil, nil, err
	}
	for rows.Next() {
		var li listImport
		var id, version sql.NullString
		if err := rows.Scan(&li.seq, &id, &version, &li.content, &li.entities, &li.addresses); err != nil {
			rows.Close()
			return nil, nil, err
		}
		k := listVersion{id.String, version.String}
		imports[k] = append(imports[k], li)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}

	var first *audit.Break
	found := func(b *audit.Break) {
		if first == nil || b.Seq < first.Seq {
			first = b
		}
	}
	rows, err = tx.QueryContext(ctx, `SELECT list_id, sha256, content, active FROM screen_lists ORDER BY id`)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var k listVersion
		var content []byte
		var active bool
		if err := rows.Scan(&k.id, &k.version, &content, &active); err != nil {
			return nil, nil, err
		}
		refs := imports[k]
		bound := false
		var sum string
		for _, r := range refs {
			if r.content == "" {
				continue
			}
			if !bound {
				s := sha256.Sum256(content)
				sum, bound = hex.EncodeToString(s[:]), true
			}
			if r.content != sum {
				found(&audit.Break{Seq: r.seq, Reason: fmt.Sprintf("list %s version %s: its stored content has SHA-256 %s, but the entry that imported it records %s: the stored list was altered outside bulwark",
					k.id, k.version, sum, r.content)})
				break // its first entry that differs
			}
		}
		switch {
		case bound || !active:
		case len(refs) == 0:
			found(&audit.Break{Seq: head.Seq, Reason: fmt.Sprintf("list %s version %s is active, but no lists.import entry records it: it was stored outside bulwark",
				k.id, k.version)})
		default:
			// Recorded before content digests were: its counts, which
			// checkListCache checks as it decodes the content.
			counted[k] = refs[len(refs)-1]
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	return first, counted, nil
}

// checkListCache checks the list versions that may be read from the list
// cache (listcache.go), the active ones and any the cache holds an entry
// for, against their stored content: the binary digest the store records
// for a version must be that of the binary form its content decodes to,
// and so must the digest of the cache's entry for it. A break is reported
// at the lists.import entry that recorded the version (the head when
// none does). The versions counted (checkListContents), active ones
// whose lists.import entry records no content digest, must hold the
// entities and addresses that entry records.
func (db *DB) checkListCache(ctx context.Context, tx *sql.Tx, head audit.Head, counted map[listVersion]listImport) (*audit.Break, error) {
	cache := db.readListCache()
	rows, err := tx.QueryContext(ctx, `SELECT list_id, sha256, info, content, binary_digest, active FROM screen_lists ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, version, info string
		var content []byte
		var recorded sql.NullString
		var active bool
		if err := rows.Scan(&id, &version, &info, &content, &recorded, &active); err != nil {
			return nil, err
		}
		e, cached := cache[sha256.Sum256(content)]
		if !active && !cached {
			continue
		}
		at := func(reason string) (*audit.Break, error) {
			seq := head.Seq
			err := tx.QueryRowContext(ctx, `SELECT a.seq FROM audit_log a, json_each(a.details, '$.lists') l
WHERE a.action = 'lists.import' AND a.seq <= ? AND json_extract(l.value, '$.id') = ? AND json_extract(l.value, '$.sha256') = ?
ORDER BY a.seq DESC LIMIT 1`, head.Seq, id, version).Scan(&seq)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return nil, err
			}
			return &audit.Break{Seq: seq, Reason: reason}, nil
		}
		l := &screening.List{}
		if json.Unmarshal([]byte(info), &l.Info) != nil || screening.DecodeListContent(l, content) != nil {
			continue // malformed in the store: reading the lists reports it
		}
		if r, ok := counted[listVersion{id, version}]; ok {
			addresses := 0
			for _, e := range l.Entities {
				addresses += len(e.Addresses)
			}
			if (r.entities >= 0 && int64(len(l.Entities)) != r.entities) || (r.addresses >= 0 && int64(addresses) != r.addresses) {
				return &audit.Break{Seq: r.seq, Reason: fmt.Sprintf("list %s version %s: the store holds %d entities and %d addresses, the entry that imported it records %d and %d: the stored list was altered outside bulwark",
					id, version, len(l.Entities), addresses, r.entities, r.addresses)}, nil
			}
		}
		want := binaryDigest(sha256.Sum256(screening.AppendListBinary(nil, l)))
		if recorded.Valid && strings.HasPrefix(recorded.String, binaryDigestPrefix) && recorded.String != want {
			return at(fmt.Sprintf("list %s version %s: the store records %s as the digest of its cached form, its stored content gives %s: the store was altered outside bulwark",
				id, version, recorded.String, want))
		}
		if cached && binaryDigest(e.sum) != want {
			return at(fmt.Sprintf("the list cache %s holds list %s version %s unlike the store (digest %s, its stored content gives %s): the file was altered outside bulwark (screening does not use the entry and writes the cache again)",
				db.listCachePath(), id, version, binaryDigest(e.sum), want))
		}
	}
	return nil, rows.Err()
}

func checkRefs(ctx context.Context, tx *sql.Tx, head audit.Head) (*audit.Break, error) {
	var n int64
	if head.Seq == 0 {
		var held []string
		for _, t := range activityTables {
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM `+t.table).Scan(&n); err != nil {
				return nil, err
			}
			if n > 0 {
				held = append(held, fmt.Sprintf("%d %s", n, t.what))
			}
		}
		if len(held) > 0 {
			return &audit.Break{Seq: 1, Reason: "the audit log is empty, but the store holds " + strings.Join(held, ", ") +
				", each written with an audit entry: the log's entries were deleted"}, nil
		}
		return nil, nil
	}
	for _, r := range seqReferences {
		var id string
		var seq int64
		col := r.col
		if col == "" {
			col = "audit_seq"
		}
		err := tx.QueryRowContext(ctx, `SELECT `+r.id+`, `+col+` FROM `+r.table+` WHERE `+col+` > ? OR `+col+` < 1 ORDER BY `+col+` LIMIT 1`, head.Seq).Scan(&id, &seq)
		if err == nil {
			return &audit.Break{Seq: head.Seq + 1, Reason: fmt.Sprintf("%s %s names audit entry %d, but the log ends at entry %d: entries were removed", r.what, id, seq, head.Seq)}, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
		var action string
		err = tx.QueryRowContext(ctx, `SELECT x.`+r.id+`, x.`+col+`, a.action FROM `+r.table+` x JOIN audit_log a ON a.seq = x.`+col+`
WHERE a.action NOT IN ('`+strings.Join(r.actions, "', '")+`') ORDER BY x.`+col+` LIMIT 1`).Scan(&id, &seq, &action)
		if err == nil {
			return &audit.Break{Seq: seq, Reason: fmt.Sprintf("%s %s names audit entry %d, which records %q, not the %s: the row or the entry was altered", r.what, id, seq, action, r.what)}, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
	}
	// The stored address book's digest is a plain SHA-256 of its content:
	// its audit entry records the digest and version it was stored as.
	var bookVersion, bookSeq int64
	var bookDigest, bookAction string
	var auditDigest sql.NullString
	var auditVersion sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT b.version, b.digest, b.audit_seq, a.action, json_extract(a.details, '$.digest'), json_extract(a.details, '$.version')
FROM safe_address_book b JOIN audit_log a ON a.seq = b.audit_seq`).Scan(&bookVersion, &bookDigest, &bookSeq, &bookAction, &auditDigest, &auditVersion)
	switch {
	case err == nil:
		if reason := bookEntryMismatch(bookVersion, bookDigest, bookAction, auditDigest, auditVersion); reason != "" {
			return &audit.Break{Seq: bookSeq, Reason: "the stored address book " + reason + ": the book or the entry was altered"}, nil
		}
	case !errors.Is(err, sql.ErrNoRows):
		return nil, err
	}
	// Entries whose decisions retention pruned: those below the highest
	// auditSeqBelow a screen.prune entry records.
	var pruned int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(CAST(json_extract(details, '$.auditSeqBelow') AS INTEGER)), 0)
FROM audit_log WHERE action = 'screen.prune' AND seq <= ?`, head.Seq).Scan(&pruned); err != nil {
		return nil, err
	}
	var seq, listed, stored int64
	err = tx.QueryRowContext(ctx, `SELECT seq, n, m FROM (
  SELECT a.seq AS seq, COALESCE(json_extract(a.details, '$.decisionCount'), json_array_length(a.details, '$.decisions')) AS n,
         (SELECT count(*) FROM screen_decisions d WHERE d.audit_seq = a.seq)
           + (SELECT COALESCE(SUM(b.n), 0) FROM screen_decision_batches b WHERE b.audit_seq = a.seq) AS m
  FROM audit_log a WHERE a.action = 'screen.decisions' AND a.seq >= ? AND a.seq <= ?
) WHERE n IS NOT m ORDER BY seq LIMIT 1`, pruned, head.Seq).Scan(&seq, &listed, &stored)
	if err == nil {
		return &audit.Break{Seq: seq, Reason: fmt.Sprintf("audit entry %d records %d screening decisions, the store holds %d of them: decisions were deleted or added outside the log", seq, listed, stored)}, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	var target string
	err = tx.QueryRowContext(ctx, `SELECT a.seq, a.target FROM audit_log a WHERE a.action = 'screen.alert' AND a.seq >= ? AND a.seq <= ?
AND NOT EXISTS (SELECT 1 FROM screen_decisions d WHERE d.id = a.target)
AND NOT EXISTS (SELECT 1 FROM screen_decision_ids i WHERE i.id = a.target) ORDER BY a.seq LIMIT 1`, pruned, head.Seq).Scan(&seq, &target)
	if err == nil {
		return &audit.Break{Seq: seq, Reason: fmt.Sprintf("audit entry %d records the alert decision %s, which the store no longer holds: it was deleted outside the log", seq, target)}, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	return checkDecisionContents(ctx, tx, pruned, head.Seq)
}

// decisionsPage is how many screen.decisions entries checkDecisionContents
// holds at a time.
const decisionsPage = 64

// checkDecisionContents checks every stored decision against the line its
// screen.decisions entry records for it: the verdict, and the SHA-256 of
// the decision JSON as read back (screening.DecodeDecision), so that a
// decision edited in the store is found by verify, not only by replay.
func checkDecisionContents(ctx context.Context, tx *sql.Tx, from, to int64) (*audit.Break, error) {
	type entry struct {
		seq   int64
		lines map[string]decisionLine
		n     int // decisions listed
		// digest is what an entry that records the digest of its
		// decisions' lines instead of the lines records.
		digest string
	}
	for after := from - 1; ; {
		rows, err := tx.QueryContext(ctx, `SELECT seq, details FROM audit_log WHERE action = 'screen.decisions' AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?`,
			after, to, decisionsPage)
		if err != nil {
			return nil, err
		}
		var page []entry
		for rows.Next() {
			var seq int64
			var details sql.NullString
			if err := rows.Scan(&seq, &details); err != nil {
				rows.Close()
				return nil, err
			}
			var d struct {
				Decisions []decisionLine `json:"decisions"`
				Count     int            `json:"decisionCount"`
				Digest    string         `json:"decisionsSha256"`
			}
			if err := json.Unmarshal([]byte(details.String), &d); err != nil || (d.Digest != "") == (d.Decisions != nil) {
				rows.Close()
				return &audit.Break{Seq: seq, Reason: fmt.Sprintf("audit entry %d does not list its screening decisions", seq)}, nil
			}
			e := entry{seq: seq, lines: make(map[string]decisionLine, len(d.Decisions)), n: len(d.Decisions), digest: d.Digest}
			if d.Digest != "" {
				e.n = d.Count
			}
			for _, l := range d.Decisions {
				e.lines[l.ID] = l
			}
			page = append(page, e)
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
		for _, e := range page {
			check := checkEntryDecisions
			if e.digest != "" {
				check = func(ctx context.Context, tx *sql.Tx, seq int64, _ map[string]decisionLine, n int) (*audit.Break, error) {
					return checkEntryDigest(ctx, tx, seq, e.digest, n)
				}
			}
			if b, err := check(ctx, tx, e.seq, e.lines, e.n); b != nil || err != nil {
				return b, err
			}
		}
		if len(page) < decisionsPage {
			return nil, nil
		}
		after = page[len(page)-1].seq
	}
}

// decisionLine is a decision's line in its screen.decisions entry.
type decisionLine struct {
	ID         string `json:"id"`
	Verdict    string `json:"verdict"`
	BodySHA256 string `json:"bodySha256"`
}

// checkEntryDecisions checks the decisions stored with audit entry seq,
// in rows of their own and in batches, against the entry's n lines.
func checkEntryDecisions(ctx context.Context, tx *sql.Tx, seq int64, lines map[string]decisionLine, n int) (*audit.Break, error) {
	found := 0
	check := func(id, verdict string, at time.Time, raw []byte) *audit.Break {
		found++
		l, ok := lines[id]
		if !ok {
			return &audit.Break{Seq: seq, Reason: fmt.Sprintf("screening decision %s names audit entry %d, which does not list it: the decision was altered", id, seq)}
		}
		js, err := screening.DecodeDecision(raw)
		sum := sha256.Sum256(js)
		if err != nil || hex.EncodeToString(sum[:]) != l.BodySHA256 {
			return &audit.Break{Seq: seq, Reason: fmt.Sprintf("screening decision %s is not the one audit entry %d records (its SHA-256 differs): the decision was altered", id, seq)}
		}
		if verdict != l.Verdict {
			return &audit.Break{Seq: seq, Reason: fmt.Sprintf("screening decision %s has verdict %s, audit entry %d records %s: the decision was altered", id, verdict, seq, l.Verdict)}
		}
		return checkDecisionTime(seq, id, at, js)
	}
	b, columns, batched, err := entryDecisions(ctx, tx, seq, func(d *screening.Decision, raw []byte) *audit.Break {
		return check(d.ID, string(d.Verdict), d.Time, raw)
	})
	if b != nil || err != nil {
		return b, err
	}
	if batched && found != n {
		return &audit.Break{Seq: seq, Reason: fmt.Sprintf("audit entry %d records %d screening decisions, the store holds %d of them: decisions were deleted or added outside the log", seq, n, found)}, nil
	}
	return columns, nil
}

// checkEntryDigest checks the decisions stored with audit entry seq, in
// rows of their own and in batches, against the count and digest of their
// lines (screening.DecisionsDigest) the entry records.
func checkEntryDigest(ctx context.Context, tx *sql.Tx, seq int64, digest string, n int) (*audit.Break, error) {
	var recs []screening.Recorded
	b, columns, _, err := entryDecisions(ctx, tx, seq, func(d *screening.Decision, raw []byte) *audit.Break {
		recs = append(recs, screening.Recorded{Decision: d, Body: raw})
		return nil
	})
	if b != nil || err != nil {
		return b, err
	}
	if len(recs) != n {
		return &audit.Break{Seq: seq, Reason: fmt.Sprintf("audit entry %d records %d screening decisions, the store holds %d of them: decisions were deleted or added outside the log", seq, n, len(recs))}, nil
	}
	// Each body decoded once: for its time here, and (as it reads back,
	// the same lines) for the digest.
	var times *audit.Break
	for i := range recs {
		js, err := screening.DecodeDecision(recs[i].Body)
		if err != nil {
			continue // its line's SHA-256 differs: the digest says so
		}
		recs[i].Body = js
		if times == nil {
			times = checkDecisionTime(seq, recs[i].Decision.ID, recs[i].Decision.Time, js)
		}
	}
	if columns == nil {
		columns = times
	}
	if screening.DecisionsDigest(recs) != digest {
		return &audit.Break{Seq: seq, Reason: fmt.Sprintf("the %d screening decisions stored with audit entry %d are not the ones it records (the SHA-256 of their lines differs): a decision was altered", n, seq)}, nil
	}
	return columns, nil
}

// entryDecisions hands each the decisions stored with audit entry seq,
// with their stored bodies: those in rows of their own, then those in
// batches. It returns the first break each returns or a malformed row or
// batch makes, else (as columns) the first of checkBatchColumns', which
// its callers report once the decisions themselves check out; batched
// says whether the entry has batches.
func entryDecisions(ctx context.Context, tx *sql.Tx, seq int64, each func(d *screening.Decision, raw []byte) *audit.Break) (b, columns *audit.Break, batched bool, err error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+decisionColumns+` FROM screen_decisions WHERE audit_seq = ?`, seq)
	if err != nil {
		return nil, nil, false, err
	}
	defer rows.Close()
	for rows.Next() {
		d := &screening.Decision{}
		var at, use, verdict, body string
		var packed []byte
		var dseq int64
		if err := rows.Scan(&d.ID, &at, &d.Kind, &use, &d.Subject, &d.Actor, &verdict, &dseq, &body, &packed); err != nil {
			return nil, nil, false, err
		}
		d.Use, d.Verdict = screening.Use(use), bulwark.Verdict(verdict)
		raw := []byte(body)
		if packed != nil {
			raw = packed
		}
		var err error
		if d.Time, err = parseTime(at); err != nil {
			return &audit.Break{Seq: seq, Reason: fmt.Sprintf("screening decision %s of audit entry %d has a malformed time %q: the decision was altered", d.ID, seq, at)}, nil, false, nil
		}
		if b := each(d, raw); b != nil {
			return b, nil, false, nil
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, false, err
	}
	brows, err := tx.QueryContext(ctx, `SELECT id, n, first_time, last_time, verdicts, data FROM screen_decision_batches WHERE audit_seq = ?`, seq)
	if err != nil {
		return nil, nil, false, err
	}
	defer brows.Close()
	for brows.Next() {
		batched = true
		var id int64
		var count int
		var first, last, verdicts string
		var data []byte
		if err := brows.Scan(&id, &count, &first, &last, &verdicts, &data); err != nil {
			return nil, nil, false, err
		}
		ds, err := decodeDecisionBatch(data, seq, true)
		if err != nil || len(ds) != count {
			return &audit.Break{Seq: seq, Reason: fmt.Sprintf("screening decision batch %d of audit entry %d is malformed in the store: the batch was altered", id, seq)}, nil, false, nil
		}
		if columns == nil {
			columns = checkBatchColumns(seq, id, first, last, verdicts, ds)
		}
		for i := range ds {
			if b := each(&ds[i].Decision, ds[i].raw); b != nil {
				return b, nil, false, nil
			}
		}
	}
	return nil, columns, batched, brows.Err()
}

// checkBatchColumns checks the columns batch row id keeps beside its data
// (the bounds of its decisions' times and the verdicts present, which
// listings and retention read instead of the data) against its decisions
// ds: a batch made to look older than it is would be taken by retention,
// one hiding a verdict left out of listings of it.
func checkBatchColumns(seq, id int64, first, last, verdicts string, ds []batchDecision) *audit.Break {
	var lo, hi time.Time
	var vs []string
	for i, d := range ds {
		if i == 0 || d.Time.Before(lo) {
			lo = d.Time
		}
		if i == 0 || d.Time.After(hi) {
			hi = d.Time
		}
		if !slices.Contains(vs, string(d.Verdict)) {
			vs = append(vs, string(d.Verdict))
		}
	}
	sort.Strings(vs)
	want := " " + strings.Join(vs, " ") + " "
	if first != formatTime(lo) || last != formatTime(hi) || verdicts != want {
		return &audit.Break{Seq: seq, Reason: fmt.Sprintf("screening decision batch %d of audit entry %d says its decisions are from %s to %s with verdicts %q, its data holds decisions from %s to %s with verdicts %q: the batch was altered",
			id, seq, first, last, strings.TrimSpace(verdicts), formatTime(lo), formatTime(hi), strings.TrimSpace(want))}
	}
	return nil
}

var bodyTimeKey = []byte(`"time":"`)

// checkDecisionTime checks the time decision id is stored with (which
// listings and retention read) against the time in its audited JSON js,
// when js has one: a decision made to look older than it is would be
// taken by retention.
func checkDecisionTime(seq int64, id string, at time.Time, js []byte) *audit.Break {
	// The decision's own members come first: the first "time" is its.
	i := bytes.Index(js, bodyTimeKey)
	if i < 0 {
		return nil
	}
	v := js[i+len(bodyTimeKey):]
	j := bytes.IndexByte(v, '"')
	if j < 0 {
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, string(v[:j]))
	if err != nil || t.Equal(at) {
		return nil
	}
	return &audit.Break{Seq: seq, Reason: fmt.Sprintf("screening decision %s is stored with time %s, the decision audit entry %d records was made at %s: the decision was altered",
		id, formatTime(at), seq, formatTime(t))}
}
