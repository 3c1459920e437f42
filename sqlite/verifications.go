package sqlite

import (
	"context"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/safe/policy"
)

var _ policy.VerificationStore = (*DB)(nil)

// RecordVerification stores r, stamped with the current time. With a
// context from audit.Log.Do it joins the audit transaction.
func (db *DB) RecordVerification(ctx context.Context, r policy.VerificationRecord) error {
	switch {
	case r.SafeTxHash == (common.Hash{}):
		return bulwark.Invalid("safeTxHash", "a verification record needs the safeTxHash")
	case r.Safe == (common.Address{}):
		return bulwark.Invalid("safe", "a verification record needs the Safe's address")
	case r.ChainID == nil || r.ChainID.Sign() <= 0:
		return bulwark.Invalid("chainId", "a verification record needs a positive chain id")
	case r.Verdict == "":
		return bulwark.Invalid("verdict", "a verification record needs the verdict")
	case r.AuditSeq < 1:
		return bulwark.Invalid("auditSeq", "a verification record needs its audit entry's sequence number, got %d", r.AuditSeq)
	case len(r.ApprovalDigest) > 512:
		return bulwark.Invalid("approvalDigest", "at most 512 bytes, got %d", len(r.ApprovalDigest))
	}
	simulated := 0
	if r.Simulated {
		simulated = 1
	}
	_, err := db.writer(ctx).ExecContext(ctx, `INSERT INTO safe_verifications (safe_tx_hash, safe, chain_id, verdict, audit_seq, time, simulated, approval_digest)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, strings.ToLower(r.SafeTxHash.Hex()), r.Safe.Hex(), r.ChainID.String(), string(r.Verdict), r.AuditSeq, formatTime(time.Now()),
		simulated, r.ApprovalDigest)
	if err != nil {
		return db.fail(ctx, err, "record the verification of "+r.SafeTxHash.Hex())
	}
	return nil
}

// Verifications returns the records of safeTxHash, oldest first.
func (db *DB) Verifications(ctx context.Context, safeTxHash common.Hash) ([]policy.VerificationRecord, error) {
	op := "read the verifications of " + safeTxHash.Hex()
	rows, err := db.reader(ctx).QueryContext(ctx, `SELECT id, safe_tx_hash, safe, chain_id, verdict, audit_seq, time, simulated, approval_digest
FROM safe_verifications WHERE safe_tx_hash = ? ORDER BY id`, strings.ToLower(safeTxHash.Hex()))
	if err != nil {
		return nil, db.fail(ctx, err, op)
	}
	return collectRows(ctx, db, rows, op, scanVerification)
}

// scanVerification reads one safe_verifications row.
func scanVerification(s scanner) (policy.VerificationRecord, error) {
	var (
		id                             int64
		hash, addr, chain, verdict, at string
		r                              policy.VerificationRecord
		simulated                      int64
	)
	if err := s.Scan(&id, &hash, &addr, &chain, &verdict, &r.AuditSeq, &at, &simulated, &r.ApprovalDigest); err != nil {
		return r, err
	}
	bad := func(what string) error {
		return bulwark.Errorf(bulwark.EINTEGRITY, "verification record %d is malformed in the store (edited outside bulwark?): %s", id, what)
	}
	if !common.IsHexAddress(addr) {
		return r, bad("safe " + addr)
	}
	var ok bool
	if r.ChainID, ok = new(big.Int).SetString(chain, 10); !ok {
		return r, bad("chain id " + chain)
	}
	var err error
	if r.Time, err = parseTime(at); err != nil {
		return r, bad(fmt.Sprintf("time %q", at))
	}
	r.SafeTxHash, r.Safe, r.Verdict, r.Simulated = common.HexToHash(hash), common.HexToAddress(addr), bulwark.Verdict(verdict), simulated == 1
	return r, nil
}
