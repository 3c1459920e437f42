package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/approval"
	"github.com/bulwark-sec/bulwark/auth"

	sqlite3 "modernc.org/sqlite/lib"
)

var _ approval.Store = (*DB)(nil)

const approvalReqColumns = `id, action, subject, summary, summary_digest, payload, requester, requester_person, requester_role,
created_at, expires_at, state, decided_by, decided_person, decided_at, reason, outcome, audit_seq`

// CreateApprovalRequest stores a new request. With a context from
// audit.Log.Do it joins the audit transaction.
func (db *DB) CreateApprovalRequest(ctx context.Context, r *approval.Request) error {
	if r == nil || r.ID == "" || r.Action == "" || r.State == "" {
		return bulwark.Errorf(bulwark.EINTERNAL, "store: CreateApprovalRequest needs a request with an id, an action and a state")
	}
	payload := []byte(r.Payload)
	if payload == nil {
		payload = []byte("null")
	}
	_, err := db.writer(ctx).ExecContext(ctx, `INSERT INTO approval_requests (`+approvalReqColumns+`)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, string(r.Action), r.Subject, r.Summary, r.SummaryDigest, payload, r.Requester, r.RequesterPerson, string(r.RequesterRole),
		formatTime(r.Created), formatTime(r.Expires), string(r.State), r.DecidedBy, r.DecidedPerson, nullTime(r.DecidedAt),
		r.Reason, r.Outcome, r.AuditSeq)
	if constraint(err, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY) {
		return bulwark.Wrap(err, bulwark.ECONFLICT, "an approval request with id "+r.ID+" exists")
	}
	return db.fail(ctx, err, "store approval request "+r.ID)
}

func errApprovalNotFound(id string) error {
	return bulwark.Errorf(bulwark.ENOTFOUND, "no approval request %s (see GET /api/v1/approvals)", id)
}

func scanApprovalReq(sc scanner) (*approval.Request, error) {
	var (
		r                   approval.Request
		action, role, state string
		created, expires    string
		decided             sql.NullString
		payload             []byte
	)
	if err := sc.Scan(&r.ID, &action, &r.Subject, &r.Summary, &r.SummaryDigest, &payload, &r.Requester, &r.RequesterPerson, &role,
		&created, &expires, &state, &r.DecidedBy, &r.DecidedPerson, &decided, &r.Reason, &r.Outcome, &r.AuditSeq); err != nil {
		return nil, err
	}
	r.Action, r.RequesterRole, r.State, r.Payload = approval.Action(action), auth.Role(role), approval.State(state), payload
	var err error
	if r.Created, err = parseTime(created); err != nil {
		return nil, bulwark.Wrap(err, bulwark.EINTEGRITY, "approval request "+r.ID+": stored creation time unreadable")
	}
	if r.Expires, err = parseTime(expires); err != nil {
		return nil, bulwark.Wrap(err, bulwark.EINTEGRITY, "approval request "+r.ID+": stored expiry unreadable")
	}
	if r.DecidedAt, err = parseNullTime(decided); err != nil {
		return nil, bulwark.Wrap(err, bulwark.EINTEGRITY, "approval request "+r.ID+": stored decision time unreadable")
	}
	return &r, nil
}

// ApprovalRequest returns request id or ENOTFOUND.
func (db *DB) ApprovalRequest(ctx context.Context, id string) (*approval.Request, error) {
	r, err := scanApprovalReq(db.reader(ctx).QueryRowContext(ctx, `SELECT `+approvalReqColumns+` FROM approval_requests WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errApprovalNotFound(id)
	}
	if err != nil {
		return nil, db.fail(ctx, err, "read approval request "+id)
	}
	return r, nil
}

// ApprovalRequests returns the requests f selects, newest first.
func (db *DB) ApprovalRequests(ctx context.Context, f approval.Filter) ([]*approval.Request, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = -1
	}
	q := `SELECT ` + approvalReqColumns + ` FROM approval_requests`
	args := []any{}
	if f.State != "" {
		q += ` WHERE state = ?`
		args = append(args, string(f.State))
	}
	q += ` ORDER BY created_at DESC, rowid DESC LIMIT ?`
	args = append(args, limit)
	rows, err := db.reader(ctx).QueryContext(ctx, q, args...)
	if err != nil {
		return nil, db.fail(ctx, err, "list approval requests")
	}
	return collectRows(ctx, db, rows, "list approval requests", scanApprovalReq)
}

// PendingApprovalRequest returns the newest pending request for action,
// subject and summary digest, or ENOTFOUND.
func (db *DB) PendingApprovalRequest(ctx context.Context, action approval.Action, subject, digest string) (*approval.Request, error) {
	r, err := scanApprovalReq(db.reader(ctx).QueryRowContext(ctx, `SELECT `+approvalReqColumns+` FROM approval_requests
WHERE action = ? AND subject = ? AND state = 'pending' AND summary_digest = ? ORDER BY created_at DESC, rowid DESC LIMIT 1`,
		string(action), subject, digest))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "no pending approval request for %s on %s", action, subject)
	}
	if err != nil {
		return nil, db.fail(ctx, err, "read pending approval request")
	}
	return r, nil
}

// DecideApprovalRequest stores r's state, decision and outcome when the
// stored request is in state from (ECONFLICT otherwise; ENOTFOUND for no
// request). A decided request's challenge is dropped.
func (db *DB) DecideApprovalRequest(ctx context.Context, r *approval.Request, from approval.State) error {
	w := db.writer(ctx)
	res, err := w.ExecContext(ctx, `UPDATE approval_requests SET state = ?, decided_by = ?, decided_person = ?, decided_at = ?,
reason = ?, outcome = ?, challenge_nonce = NULL, challenge_for = '', challenge_expires = NULL WHERE id = ? AND state = ?`,
		string(r.State), r.DecidedBy, r.DecidedPerson, nullTime(r.DecidedAt), r.Reason, r.Outcome, r.ID, string(from))
	if err != nil {
		return db.fail(ctx, err, "decide approval request "+r.ID)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return db.fail(ctx, err, "decide approval request "+r.ID)
	}
	if n == 1 {
		return nil
	}
	var st string
	err = w.QueryRowContext(ctx, `SELECT state FROM approval_requests WHERE id = ?`, r.ID).Scan(&st)
	if errors.Is(err, sql.ErrNoRows) {
		return errApprovalNotFound(r.ID)
	}
	if err != nil {
		return db.fail(ctx, err, "decide approval request "+r.ID)
	}
	return bulwark.Errorf(bulwark.ECONFLICT, "approval request %s is %s, not %s: a request is decided once", r.ID, st, from)
}

// SetApprovalChallenge replaces the challenge of request id.
func (db *DB) SetApprovalChallenge(ctx context.Context, id string, c approval.Challenge) error {
	if len(c.Nonce) == 0 {
		return bulwark.Errorf(bulwark.EINTERNAL, "store: an approval challenge needs a nonce")
	}
	res, err := db.writer(ctx).ExecContext(ctx, `UPDATE approval_requests SET challenge_nonce = ?, challenge_for = ?, challenge_expires = ? WHERE id = ?`,
		c.Nonce, c.For, formatTime(c.Expires), id)
	return db.updated(ctx, res, err, "store the challenge of approval request "+id, errApprovalNotFound(id))
}

// TakeApprovalChallenge returns the challenge of request id issued to
// actor and removes it: the removal is conditional on the nonce read, so of two callers at
// once exactly one gets it.
func (db *DB) TakeApprovalChallenge(ctx context.Context, id, actor string) (approval.Challenge, error) {
	var (
		c       approval.Challenge
		expires sql.NullString
	)
	op := fmt.Sprintf("take the challenge of approval request %s", id)
	w := db.writer(ctx)
	err := w.QueryRowContext(ctx, `SELECT challenge_nonce, challenge_for, challenge_expires FROM approval_requests WHERE id = ? AND challenge_nonce IS NOT NULL AND challenge_for = ?`, id, actor).
		Scan(&c.Nonce, &c.For, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return approval.Challenge{}, bulwark.Errorf(bulwark.ENOTFOUND, "no challenge outstanding for approval request %s", id)
	}
	if err != nil {
		return approval.Challenge{}, db.fail(ctx, err, op)
	}
	res, err := w.ExecContext(ctx, `UPDATE approval_requests SET challenge_nonce = NULL, challenge_for = '', challenge_expires = NULL
WHERE id = ? AND challenge_nonce = ?`, id, c.Nonce)
	if err := db.updated(ctx, res, err, op, bulwark.Errorf(bulwark.ENOTFOUND, "no challenge outstanding for approval request %s", id)); err != nil {
		return approval.Challenge{}, err
	}
	t, err := parseNullTime(expires)
	if err != nil || t == nil {
		return approval.Challenge{}, bulwark.Errorf(bulwark.EINTEGRITY, "approval request %s: stored challenge expiry unreadable", id)
	}
	c.Expires = *t
	return c, nil
}
