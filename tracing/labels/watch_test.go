package labels_test

import (
	"context"
	"testing"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/screening"
	"github.com/bulwark-sec/bulwark/sqlite"
	"github.com/bulwark-sec/bulwark/sqlite/sqlitetest"
	"github.com/bulwark-sec/bulwark/tracing"
	"github.com/bulwark-sec/bulwark/tracing/labels"
	"github.com/ethereum/go-ethereum/common"
)

// TestWatchExits puts exit destinations on a screening list of a real
// service (SQLite store, audit log): a deposit from one is then blocked,
// and a later call keeps the destinations already listed.
func TestWatchExits(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := sqlitetest.Open(t, sqlite.Options{})
	svc, err := screening.OpenService(ctx, screening.ServiceConfig{Store: db, Audit: &audit.Log{Store: db}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close(ctx) })
	const btc, evm = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "0x00000000000000000000000000000000000000B7"
	first := []tracing.Exit{{TxHash: common.HexToHash("0x01"), From: addr("0xa1"), Service: "THORChain", DestChain: "BTC", DestAddress: btc}}
	rep, err := labels.WatchExits(ctx, svc, "cli:analyst", "case-7-exits", first)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Changed) != 1 || rep.Changed[0].ID != "case-7-exits" || rep.Changed[0].Addresses != 1 || rep.AuditSeq == 0 {
		t.Fatalf("report %+v", rep)
	}
	second := []tracing.Exit{{TxHash: common.HexToHash("0x02"), From: addr("0xa1"), Service: "THORChain", DestChain: "ETH", DestAddress: evm}}
	rep, err = labels.WatchExits(ctx, svc, "cli:analyst", "case-7-exits", second)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Changed) != 1 || rep.Changed[0].Addresses != 2 || rep.Changed[0].Problems != 0 {
		t.Fatalf("second report %+v", rep)
	}
	for _, q := range []screening.AddressQuery{{Address: btc, Chain: "BTC"}, {Address: evm, Chain: "ETH"}} {
		d, err := svc.ScreenAddresses(ctx, "test", screening.UseDeposit, "", []screening.AddressQuery{q})
		if err != nil {
			t.Fatal(err)
		}
		if d.Verdict != bulwark.VerdictBlock || d.Results[0].Matches[0].List != "case-7-exits" {
			t.Errorf("%s: verdict %s, matches %+v", q.Address, d.Verdict, d.Results[0].Matches)
		}
	}
	if _, err := labels.WatchExits(ctx, svc, "cli:analyst", "case-8-exits", []tracing.Exit{{Service: "THORChain"}}); !bulwark.IsCode(err, bulwark.ENOTFOUND) {
		t.Errorf("no destination: %v", err)
	}
}
