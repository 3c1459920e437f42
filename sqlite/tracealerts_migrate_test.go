package sqlite

import (
	"context"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark/tracing"
)

// TestTraceAlertReraiseMigration opens a store whose trace alerts were
// stored before trace_alert_reraise: the alerts read back as they were
// (an alert and its retraction still paired), and the ids of alerts
// pruned before are not given out again.
func TestTraceAlertReraiseMigration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path, raw, exec := storeBefore(t, "trace_alert_reraise")
	const ins = `INSERT INTO trace_alerts (id, time, code, severity, follow, chain, block, block_hash, tx_hash, position, deposit, message, alert, retracts, retracted_by)
VALUES (?, '2026-01-01T00:00:00.000000000Z', ?, 'critical', 'watch:x', 1, 3, ?, ?, 'call:', ?, 'm', '{}', ?, ?)`
	dep := "0x00000000000000000000000000000000000de901"
	hashA, tx := common.Hash{0xa}.Hex(), common.Hash{0x7}.Hex()
	exec(`PRAGMA foreign_keys = OFF`)
	exec(ins, 1, tracing.CodeDeposit, hashA, tx, dep, nil, 2)
	exec(ins, 2, tracing.CodeRetracted, hashA, tx, dep, 1, nil)
	exec(ins, 3, tracing.CodeDeposit, common.Hash{0xb}.Hex(), tx, dep, nil, nil)
	exec(ins, 4, tracing.CodeDeposit, common.Hash{0xc}.Hex(), tx, dep, nil, nil)
	exec(`DELETE FROM trace_alerts WHERE id = 4`) // pruned: its id stays used
	raw.Close()

	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, err := db.TraceAlerts(ctx, tracing.AlertFilter{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].ID != 1 || got[0].RetractedBy != 2 || got[1].ID != 2 || got[1].Retracts != 1 || got[2].ID != 3 {
		t.Fatalf("alerts after the migration: %+v", got)
	}
	a := tracing.StoredAlert{Code: tracing.CodeDeposit, Severity: "critical", Follow: "watch:x",
		Alert: tracing.Alert{Chain: 1, Block: 3, BlockHash: common.Hash{0xa}, TxHash: common.Hash{0x7}, Deposit: common.HexToAddress(dep)}}
	id, fresh, err := db.SaveTraceAlert(ctx, a)
	if err != nil || !fresh || id != 5 {
		t.Fatalf("the deposit of the retracted alert 1 raised again: id %d, new %v, %v; want 5, new", id, fresh, err)
	}
	a.BlockHash = common.Hash{0xb}
	if id, fresh, err := db.SaveTraceAlert(ctx, a); err != nil || fresh || id != 3 {
		t.Fatalf("alert 3 stored again: id %d, new %v, %v; want 3, not new", id, fresh, err)
	}
}
