package sqlite

import (
	"context"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/safe/cosign"
)

// TestApprovalBindingMigration opens a store whose approvals and
// verification records were stored before safe_approval_binding: they
// read back with no digest, no expiry and standing (so the co-signer
// never counts them), the verification records as not simulated; the
// same approver can approve again once the earlier approval is marked
// replaced, and the ids go on from the old ones.
func TestApprovalBindingMigration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path, raw, exec := storeBefore(t, "safe_approval_binding")
	safeAddr := common.HexToAddress("0x00000000000000000000000000000000000005af")
	hash := common.HexToHash("0x" + "ab0000000000000000000000000000000000000000000000000000000000cd01")
	exec(`INSERT INTO safe_cosign_approvals (chain_id, safe, safe_tx_hash, approver, note, audit_seq, time) VALUES ('1', ?, ?, 'cli:carol', 'old', 3, '2026-01-01T00:00:00.000000000Z')`,
		safeAddr.Hex(), hash.Hex())
	exec(`INSERT INTO safe_verifications (safe_tx_hash, safe, chain_id, verdict, audit_seq, time) VALUES (?, ?, '1', 'review', 2, '2026-01-01T00:00:00.000000000Z')`,
		hash.Hex(), safeAddr.Hex())
	raw.Close()

	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	as, err := db.Approvals(ctx, big.NewInt(1), safeAddr, hash)
	if err != nil || len(as) != 1 {
		t.Fatalf("approvals after the migration: %+v, %v", as, err)
	}
	if a := as[0]; a.Approver != "cli:carol" || a.Note != "old" || a.AuditSeq != 3 || a.Digest != "" || !a.Expires.IsZero() || a.Withdrawn != nil {
		t.Errorf("the old approval reads back as %+v", a)
	}
	vs, err := db.Verifications(ctx, hash)
	if err != nil || len(vs) != 1 || vs[0].Simulated || vs[0].ApprovalDigest != "" {
		t.Errorf("the old verification reads back as %+v, %v", vs, err)
	}
	again := cosign.Approval{ChainID: big.NewInt(1), Safe: safeAddr, SafeTxHash: hash, Approver: "cli:carol", Digest: "tx=1", Expires: time.Now().Add(time.Hour), AuditSeq: 5}
	if err := db.AddApproval(ctx, again); bulwark.ErrorCode(err) != bulwark.ECONFLICT {
		t.Fatalf("approving again while the old one stands: %v, want ECONFLICT", err)
	}
	if _, err := db.WithdrawApproval(ctx, big.NewInt(1), safeAddr, hash, "cli:carol", cosign.Withdrawal{Reason: cosign.WithdrawnReplaced, AuditSeq: 5}); err != nil {
		t.Fatal(err)
	}
	if err := db.AddApproval(ctx, again); err != nil {
		t.Fatalf("approving again once the old one is replaced: %v", err)
	}
	var maxID int64
	if err := db.r.QueryRowContext(ctx, `SELECT max(id) FROM safe_cosign_approvals`).Scan(&maxID); err != nil || maxID != 2 {
		t.Errorf("ids: max %d, %v; want 2", maxID, err)
	}
}
