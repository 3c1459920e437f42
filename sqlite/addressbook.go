package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/safe/policy"
)

var _ policy.BookStore = (*DB)(nil)

// StoredAddressBook returns the stored address book (version 0 and an
// empty book when none was stored), read in one snapshot: inside the
// transaction ctx carries, else in a read-only transaction of its own.
func (db *DB) StoredAddressBook(ctx context.Context) (*policy.StoredBook, error) {
	op := "read the address book"
	q := db.reader(ctx)
	if db.txFrom(ctx) == nil {
		tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
		if err != nil {
			return nil, db.fail(ctx, err, op)
		}
		defer func() { _ = tx.Rollback() }()
		q = tx
	}
	out := &policy.StoredBook{}
	var digest, at string
	err := q.QueryRowContext(ctx, `SELECT version, digest, changed_by, changed_at, audit_seq FROM safe_address_book WHERE id = 1`).
		Scan(&out.Version, &digest, &out.ChangedBy, &at, &out.AuditSeq)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		out.Book, err = policy.NewStoredBook(0, nil, nil, "")
		return out, err
	case err != nil:
		return nil, db.fail(ctx, err, op)
	}
	if out.ChangedAt, err = parseTime(at); err != nil {
		return nil, bulwark.Errorf(bulwark.EINTERNAL, "the stored address book's time %q is not a time: %v", at, err)
	}
	rows, err := q.QueryContext(ctx, `SELECT address, chain_id, label, kinds FROM safe_address_book_entries`)
	if err != nil {
		return nil, db.fail(ctx, err, op)
	}
	entries, err := collectRows(ctx, db, rows, op, scanBookEntry)
	if err != nil {
		return nil, err
	}
	rows, err = q.QueryContext(ctx, `SELECT safe, chain_id, asset, amount, period FROM safe_address_book_limits`)
	if err != nil {
		return nil, db.fail(ctx, err, op)
	}
	limits, err := collectRows(ctx, db, rows, op, scanBookLimit)
	if err != nil {
		return nil, err
	}
	if out.Book, err = policy.NewStoredBook(out.Version, entries, limits, digest); err != nil {
		return nil, err
	}
	// The digest is a plain SHA-256 anyone can recompute: the audit entry
	// of the change records it, and the chain protects the entry.
	var action string
	var auditDigest sql.NullString
	var auditVersion sql.NullInt64
	err = q.QueryRowContext(ctx, `SELECT action, json_extract(details, '$.digest'), json_extract(details, '$.version') FROM audit_log WHERE seq = ?`, out.AuditSeq).
		Scan(&action, &auditDigest, &auditVersion)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, bulwark.Errorf(bulwark.EINTERNAL, "the stored address book (version %d) names audit entry %d, which is not in the log: it was altered outside bulwark", out.Version, out.AuditSeq)
	case err != nil:
		return nil, db.fail(ctx, err, op)
	}
	if reason := bookEntryMismatch(out.Version, digest, action, auditDigest, auditVersion); reason != "" {
		return nil, bulwark.Errorf(bulwark.EINTERNAL, "the stored address book %s: it was altered outside bulwark", reason)
	}
	return out, nil
}

// bookEntryMismatch says how the stored book (version, digest) differs
// from its audit entry (action, details' digest and version), "" when it
// does not.
func bookEntryMismatch(version int64, digest, action string, auditDigest sql.NullString, auditVersion sql.NullInt64) string {
	switch {
	case !slices.Contains(policy.BookActions, action):
		return fmt.Sprintf("(version %d) names audit entry of action %q, not a change of the address book", version, action)
	case !auditVersion.Valid || auditVersion.Int64 != version:
		return fmt.Sprintf("is at version %d, its audit entry records version %s", version, nullText(auditVersion.Valid, fmt.Sprint(auditVersion.Int64)))
	case !auditDigest.Valid || auditDigest.String != digest:
		return fmt.Sprintf("(version %d) has digest %s, its audit entry records %s", version, digest, nullText(auditDigest.Valid, auditDigest.String))
	}
	return ""
}

func nullText(valid bool, s string) string {
	if !valid {
		return "none"
	}
	return s
}

// PutAddressBook implements policy.BookStore: with a context from
// audit.Log.Do it joins the audit transaction; otherwise it runs in a
// transaction of its own.
func (db *DB) PutAddressBook(ctx context.Context, b policy.StoredBook) error {
	if err := b.Check(); err != nil {
		return err
	}
	op := "store the address book"
	if db.txFrom(ctx) != nil {
		return db.fail(ctx, putAddressBook(ctx, db.writer(ctx), b), op)
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return db.fail(ctx, err, op)
	}
	defer func() { _ = tx.Rollback() }()
	if err := putAddressBook(ctx, tx, b); err != nil {
		return db.fail(ctx, err, op)
	}
	return db.fail(ctx, tx.Commit(), op)
}

func putAddressBook(ctx context.Context, q querier, b policy.StoredBook) error {
	var cur int64
	err := q.QueryRowContext(ctx, `SELECT version FROM safe_address_book WHERE id = 1`).Scan(&cur)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if b.Version != cur+1 {
		return bulwark.Errorf(bulwark.ECONFLICT, "the address book is at version %d: version %d cannot follow it (someone changed it at the same time; read it again and retry)", cur, b.Version)
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO safe_address_book (id, version, digest, changed_by, changed_at, audit_seq) VALUES (1, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET version = excluded.version, digest = excluded.digest, changed_by = excluded.changed_by,
changed_at = excluded.changed_at, audit_seq = excluded.audit_seq`,
		b.Version, b.Book.Digest, b.ChangedBy, formatTime(b.ChangedAt), b.AuditSeq); err != nil {
		return err
	}
	for _, stmt := range []string{`DELETE FROM safe_address_book_entries`, `DELETE FROM safe_address_book_limits`} {
		if _, err := q.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	if len(b.Book.Entries()) > 0 {
		ins, err := q.PrepareContext(ctx, `INSERT INTO safe_address_book_entries (address, chain_id, label, kinds) VALUES (?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer ins.Close()
		for _, e := range b.Book.Entries() {
			d := policy.DocOf(e)
			if _, err := ins.ExecContext(ctx, d.Address, chainText(e.ChainID), d.Label, strings.Join(d.Kinds, ",")); err != nil {
				return err
			}
		}
	}
	for _, l := range b.Book.Limits() {
		if _, err := q.ExecContext(ctx, `INSERT INTO safe_address_book_limits (safe, chain_id, asset, amount, period) VALUES (?, ?, ?, ?, ?)`,
			l.Safe.Hex(), chainText(l.ChainID), policy.AssetText(l.Asset), l.Amount.String(), int64(l.Period/time.Second)); err != nil {
			return err
		}
	}
	return nil
}

func chainText(id *big.Int) string {
	if id == nil {
		return ""
	}
	return id.String()
}

func parseChain(s string) (*big.Int, bool) {
	if s == "" {
		return nil, true
	}
	n, ok := new(big.Int).SetString(s, 10)
	return n, ok && n.Sign() > 0
}

func scanBookEntry(s scanner) (policy.AddressEntry, error) {
	var addr, chain, label, kinds string
	if err := s.Scan(&addr, &chain, &label, &kinds); err != nil {
		return policy.AddressEntry{}, err
	}
	id, ok := parseChain(chain)
	if !common.IsHexAddress(addr) || !ok || kinds == "" {
		return policy.AddressEntry{}, bulwark.Errorf(bulwark.EINTERNAL, "malformed address-book entry %q on chain %q (kinds %q)", addr, chain, kinds)
	}
	e := policy.AddressEntry{Address: common.HexToAddress(addr), ChainID: id, Label: label}
	for k := range strings.SplitSeq(kinds, ",") {
		e.Kinds = append(e.Kinds, policy.EntryKind(k))
	}
	return e, nil
}

func scanBookLimit(s scanner) (policy.Limit, error) {
	var safeAddr, chain, asset, amount string
	var period int64
	if err := s.Scan(&safeAddr, &chain, &asset, &amount, &period); err != nil {
		return policy.Limit{}, err
	}
	id, ok := parseChain(chain)
	n, nok := new(big.Int).SetString(amount, 10)
	if !common.IsHexAddress(safeAddr) || !ok || !nok || asset != "ETH" && !common.IsHexAddress(asset) {
		return policy.Limit{}, bulwark.Errorf(bulwark.EINTERNAL, "malformed address-book limit of Safe %q on chain %q (%s %q per %ds)", safeAddr, chain, amount, asset, period)
	}
	l := policy.Limit{Safe: common.HexToAddress(safeAddr), ChainID: id, Amount: n, Period: time.Duration(period) * time.Second}
	if asset != "ETH" {
		l.Asset = common.HexToAddress(asset)
	}
	return l, nil
}

// AddressBookVersion returns the version of the stored address book (0:
// none stored), a cheap read for a process that follows the book (serve
// takes changes made with the command line this way).
func (db *DB) AddressBookVersion(ctx context.Context) (int64, error) {
	var v int64
	err := db.reader(ctx).QueryRowContext(ctx, `SELECT version FROM safe_address_book WHERE id = 1`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return v, db.fail(ctx, err, "read the address book's version")
}
