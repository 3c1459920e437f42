package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/safe/cosign"
	"github.com/bulwark-sec/bulwark/safe/policy"
	sqlite3 "modernc.org/sqlite/lib"
)

var _ cosign.Store = (*DB)(nil)

// SaveSignature stores r, stamped with the current time, unless a
// co-signature for its chain id, Safe and nonce is stored: then it stores
// nothing and returns that one. With a context from audit.Log.Do it joins
// the audit transaction. The UNIQUE constraint of the table, not a read
// before the write, decides which of concurrent calls wins.
func (db *DB) SaveSignature(ctx context.Context, r cosign.SignatureRecord) (*cosign.SignatureRecord, error) {
	if err := r.Check(); err != nil {
		return nil, err
	}
	op := fmt.Sprintf("store the co-signature of %s nonce %s", r.Safe.Hex(), r.Nonce)
	w := db.writer(ctx)
	res, err := w.ExecContext(ctx, `INSERT INTO safe_cosignatures
(chain_id, safe, nonce, safe_tx_hash, signer, signature, verdict, audit_seq, time, outflows)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (chain_id, safe, nonce) DO NOTHING`,
		r.ChainID.String(), r.Safe.Hex(), r.Nonce.String(), strings.ToLower(r.SafeTxHash.Hex()), r.Signer.Hex(),
		r.Signature, string(r.Verdict), r.AuditSeq, formatTime(time.Now()), encodeOutflows(r.Outflows))
	if err != nil {
		return nil, db.fail(ctx, err, op)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return nil, db.fail(ctx, err, op)
	}
	if n == 1 {
		return nil, nil
	}
	// Read on the connection that wrote: inside a transaction the prior
	// record may be this transaction's own.
	prior, err := db.signature(ctx, w, r.ChainID, r.Safe, r.Nonce)
	if bulwark.ErrorCode(err) == bulwark.ENOTFOUND {
		return nil, bulwark.Errorf(bulwark.EINTERNAL, "could not %s: the insert was ignored but no co-signature is stored", op)
	}
	return prior, err
}

// Signature returns the co-signature stored for chainID, safe and nonce,
// or ENOTFOUND.
func (db *DB) Signature(ctx context.Context, chainID *big.Int, safe common.Address, nonce *big.Int) (*cosign.SignatureRecord, error) {
	if chainID == nil || nonce == nil {
		return nil, bulwark.Invalid("chainId", "a co-signature is looked up by chain id, Safe and nonce")
	}
	return db.signature(ctx, db.reader(ctx), chainID, safe, nonce)
}

func (db *DB) signature(ctx context.Context, q querier, chainID *big.Int, safe common.Address, nonce *big.Int) (*cosign.SignatureRecord, error) {
	op := fmt.Sprintf("read the co-signature of %s nonce %s", safe.Hex(), nonce)
	rows, err := q.QueryContext(ctx, `SELECT id, chain_id, safe, nonce, safe_tx_hash, signer, signature, verdict, audit_seq, time, outflows
FROM safe_cosignatures WHERE chain_id = ? AND safe = ? AND nonce = ?`, chainID.String(), safe.Hex(), nonce.String())
	if err != nil {
		return nil, db.fail(ctx, err, op)
	}
	rs, err := collectRows(ctx, db, rows, op, scanCosignature)
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "no co-signature of Safe %s nonce %s on chain %s", safe.Hex(), nonce, chainID)
	}
	return &rs[0], nil
}

// SignaturesSince returns the co-signatures of chainID and safe stored at
// or after since, oldest first.
func (db *DB) SignaturesSince(ctx context.Context, chainID *big.Int, safe common.Address, since time.Time) ([]cosign.SignatureRecord, error) {
	if chainID == nil {
		return nil, bulwark.Invalid("chainId", "co-signatures are looked up by chain id and Safe")
	}
	op := fmt.Sprintf("read the co-signatures of %s since %s", safe.Hex(), since.UTC().Format(time.RFC3339))
	rows, err := db.reader(ctx).QueryContext(ctx, `SELECT id, chain_id, safe, nonce, safe_tx_hash, signer, signature, verdict, audit_seq, time, outflows
FROM safe_cosignatures WHERE chain_id = ? AND safe = ? AND time >= ? ORDER BY time, id`, chainID.String(), safe.Hex(), formatTime(since))
	if err != nil {
		return nil, db.fail(ctx, err, op)
	}
	rs, err := collectRows(ctx, db, rows, op, scanCosignature)
	if rs == nil && err == nil {
		rs = []cosign.SignatureRecord{}
	}
	return rs, err
}

// encodeOutflows writes outflows as the outflows column holds them: a JSON
// object of asset ("ETH" or an EIP-55 address) to a decimal amount; ”
// for nil (not known).
func encodeOutflows(m map[common.Address]*big.Int) string {
	if m == nil {
		return ""
	}
	o := make(map[string]string, len(m))
	for a, n := range m {
		o[policy.AssetText(a)] = n.String()
	}
	b, _ := json.Marshal(o) // map[string]string always marshals
	return string(b)
}

// decodeOutflows reads the outflows column.
func decodeOutflows(s string) (map[common.Address]*big.Int, bool) {
	if s == "" {
		return nil, true
	}
	var o map[string]string
	if err := json.Unmarshal([]byte(s), &o); err != nil || o == nil {
		return nil, false
	}
	m := make(map[common.Address]*big.Int, len(o))
	for k, v := range o {
		n, ok := new(big.Int).SetString(v, 10)
		if !ok || n.Sign() < 0 {
			return nil, false
		}
		switch {
		case k == "ETH":
			m[policy.ETH] = n
		case common.IsHexAddress(k) && strings.HasPrefix(k, "0x"):
			m[common.HexToAddress(k)] = n
		default:
			return nil, false
		}
	}
	return m, true
}

// AddApproval stores a, standing, stamped with the current time; while
// the same approver has a standing approval of the same transaction it is
// ECONFLICT (the partial UNIQUE index decides, not a read before the
// write). With a context from audit.Log.Do it joins the audit
// transaction.
func (db *DB) AddApproval(ctx context.Context, a cosign.Approval) error {
	if err := a.Check(); err != nil {
		return err
	}
	_, err := db.writer(ctx).ExecContext(ctx, `INSERT INTO safe_cosign_approvals
(chain_id, safe, safe_tx_hash, approver, note, audit_seq, time, digest, os_user, host, expires) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ChainID.String(), a.Safe.Hex(), strings.ToLower(a.SafeTxHash.Hex()), a.Approver, a.Note, a.AuditSeq, formatTime(time.Now()),
		a.Digest, a.OSUser, a.Host, formatTime(a.Expires))
	if constraint(err, sqlite3.SQLITE_CONSTRAINT_UNIQUE) {
		return bulwark.Errorf(bulwark.ECONFLICT, "%s has already approved %s of Safe %s", a.Approver, a.SafeTxHash.Hex(), a.Safe.Hex())
	}
	if err != nil {
		return db.fail(ctx, err, "store "+a.Approver+"'s approval of "+a.SafeTxHash.Hex())
	}
	return nil
}

// WithdrawApproval marks approver's standing approval of the transaction
// withdrawn with w, stamped with the current time, and returns it;
// ENOTFOUND when there is none. With a context from audit.Log.Do it joins
// the audit transaction.
func (db *DB) WithdrawApproval(ctx context.Context, chainID *big.Int, safe common.Address, safeTxHash common.Hash, approver string, w cosign.Withdrawal) (*cosign.Approval, error) {
	if chainID == nil {
		return nil, bulwark.Invalid("chainId", "an approval is withdrawn by chain id, Safe, safeTxHash and approver")
	}
	if err := w.Check(); err != nil {
		return nil, err
	}
	op := "withdraw " + approver + "'s approval of " + safeTxHash.Hex()
	q := db.writer(ctx)
	rows, err := q.QueryContext(ctx, `UPDATE safe_cosign_approvals SET withdrawn_seq = ?, withdrawn_time = ?, withdrawn_reason = ?
WHERE chain_id = ? AND safe = ? AND safe_tx_hash = ? AND approver = ? AND withdrawn_seq IS NULL
RETURNING `+approvalColumns, w.AuditSeq, formatTime(time.Now()), w.Reason,
		chainID.String(), safe.Hex(), strings.ToLower(safeTxHash.Hex()), approver)
	if err != nil {
		return nil, db.fail(ctx, err, op)
	}
	as, err := collectRows(ctx, db, rows, op, scanApproval)
	if err != nil {
		return nil, err
	}
	if len(as) == 0 {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "%s has no standing approval of %s of Safe %s", approver, safeTxHash.Hex(), safe.Hex())
	}
	return &as[0], nil
}

// approvalColumns are the columns scanApproval reads, in its order.
const approvalColumns = `id, chain_id, safe, safe_tx_hash, approver, note, audit_seq, time, digest, os_user, host, expires,
withdrawn_seq, withdrawn_time, withdrawn_reason`

// Approvals returns every approval of chainID, safe and safeTxHash,
// withdrawn ones included, oldest first.
func (db *DB) Approvals(ctx context.Context, chainID *big.Int, safe common.Address, safeTxHash common.Hash) ([]cosign.Approval, error) {
	if chainID == nil {
		return nil, bulwark.Invalid("chainId", "approvals are looked up by chain id, Safe and safeTxHash")
	}
	op := "read the approvals of " + safeTxHash.Hex()
	rows, err := db.reader(ctx).QueryContext(ctx, `SELECT `+approvalColumns+`
FROM safe_cosign_approvals WHERE chain_id = ? AND safe = ? AND safe_tx_hash = ? ORDER BY id`,
		chainID.String(), safe.Hex(), strings.ToLower(safeTxHash.Hex()))
	if err != nil {
		return nil, db.fail(ctx, err, op)
	}
	as, err := collectRows(ctx, db, rows, op, scanApproval)
	if as == nil && err == nil {
		as = []cosign.Approval{}
	}
	return as, err
}

// scanCosignature reads one safe_cosignatures row.
func scanCosignature(s scanner) (cosign.SignatureRecord, error) {
	var (
		id                                        int64
		chain, addr, nonce, hash, signer, verdict string
		at, outflows                              string
		r                                         cosign.SignatureRecord
	)
	if err := s.Scan(&id, &chain, &addr, &nonce, &hash, &signer, &r.Signature, &verdict, &r.AuditSeq, &at, &outflows); err != nil {
		return r, err
	}
	bad := func(what string) error {
		return bulwark.Errorf(bulwark.EINTEGRITY, "co-signature record %d is malformed in the store (edited outside bulwark?): %s", id, what)
	}
	var ok bool
	if r.ChainID, ok = new(big.Int).SetString(chain, 10); !ok {
		return r, bad("chain id " + chain)
	}
	if r.Nonce, ok = new(big.Int).SetString(nonce, 10); !ok {
		return r, bad("nonce " + nonce)
	}
	if !common.IsHexAddress(addr) || !common.IsHexAddress(signer) {
		return r, bad("address " + addr + " or " + signer)
	}
	if !isHash(hash) {
		return r, bad("safeTxHash " + hash)
	}
	var err error
	if r.Time, err = parseTime(at); err != nil {
		return r, bad(fmt.Sprintf("time %q", at))
	}
	r.Safe, r.Signer, r.SafeTxHash, r.Verdict = common.HexToAddress(addr), common.HexToAddress(signer), common.HexToHash(hash), bulwark.Verdict(verdict)
	if len(r.Signature) != cosign.SignatureLen {
		return r, bad(fmt.Sprintf("signature of %d bytes", len(r.Signature)))
	}
	if r.Outflows, ok = decodeOutflows(outflows); !ok {
		return r, bad(fmt.Sprintf("outflows %q", outflows))
	}
	return r, nil
}

// scanApproval reads one safe_cosign_approvals row (approvalColumns).
func scanApproval(s scanner) (cosign.Approval, error) {
	var (
		id                             int64
		chain, addr, hash, at, expires string
		withdrawnSeq                   sql.NullInt64
		withdrawnTime, withdrawnReason string
		a                              cosign.Approval
	)
	if err := s.Scan(&id, &chain, &addr, &hash, &a.Approver, &a.Note, &a.AuditSeq, &at, &a.Digest, &a.OSUser, &a.Host, &expires,
		&withdrawnSeq, &withdrawnTime, &withdrawnReason); err != nil {
		return a, err
	}
	bad := func(what string) error {
		return bulwark.Errorf(bulwark.EINTEGRITY, "approval record %d is malformed in the store (edited outside bulwark?): %s", id, what)
	}
	var ok bool
	if a.ChainID, ok = new(big.Int).SetString(chain, 10); !ok {
		return a, bad("chain id " + chain)
	}
	if !common.IsHexAddress(addr) {
		return a, bad("safe " + addr)
	}
	if !isHash(hash) {
		return a, bad("safeTxHash " + hash)
	}
	var err error
	if a.Time, err = parseTime(at); err != nil {
		return a, bad(fmt.Sprintf("time %q", at))
	}
	if expires != "" {
		if a.Expires, err = parseTime(expires); err != nil {
			return a, bad(fmt.Sprintf("expiry %q", expires))
		}
	}
	if withdrawnSeq.Valid {
		w := &cosign.Withdrawal{AuditSeq: withdrawnSeq.Int64, Reason: withdrawnReason}
		if w.Time, err = parseTime(withdrawnTime); err != nil {
			return a, bad(fmt.Sprintf("withdrawal time %q", withdrawnTime))
		}
		if err := w.Check(); err != nil {
			return a, bad("withdrawal: " + bulwark.ErrorMessage(err))
		}
		a.Withdrawn = w
	}
	a.Safe, a.SafeTxHash = common.HexToAddress(addr), common.HexToHash(hash)
	return a, nil
}

// isHash reports whether s is 0x and 64 hex digits.
func isHash(s string) bool {
	h, ok := strings.CutPrefix(s, "0x")
	if !ok || len(h) != 64 {
		return false
	}
	for _, c := range h {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
