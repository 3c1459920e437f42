package screening_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/screening"
)

// sizedList is a list id of n entities holding addrs addresses between
// them (at least one each), all attributions of high confidence.
func sizedList(id, sha string, n, addrs int) *screening.List {
	l := &screening.List{Info: screening.ListInfo{ID: id, SHA256: sha}}
	for i := range n {
		l.Entities = append(l.Entities, screening.Entity{ID: fmt.Sprintf("%s:%d", id, i), List: id, SourceID: fmt.Sprint(i),
			Category: screening.CategoryAttribution, Confidence: screening.ConfidenceHigh, Name: fmt.Sprintf("Entity %d", i)})
	}
	for a := range addrs {
		e := &l.Entities[a%n]
		e.Addresses = append(e.Addresses, screening.ListedAddress{Currency: "ETH", Address: fmt.Sprintf("0x%040x", 0xb0000+a)})
	}
	return l
}

// TestImportShrinkGuardEverySize checks the shrink guard on lists of every
// size: an official list may lose at most a tenth of its entities or
// addresses in one update, a user's own list at most half, unless forced.
func TestImportShrinkGuardEverySize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name              string
		id                string
		wasN, wasA        int
		willN, willA      int
		refused           bool
		wantInMessage     string
		screenedAfterward int // an address index of the old version
	}{
		{"FBI 4 entities 73 addresses to 1 entity 5 addresses", "fbi-dprk", 4, 73, 1, 5, true, "shrink from 4 to 1 entities", 60},
		{"FBI 73 to 40 addresses", "fbi-dprk", 4, 73, 4, 40, true, "shrink from 73 to 40 addresses", 60},
		{"official 100 to 85 entities", "un-consolidated", 100, 100, 85, 85, true, "an official list", 90},
		{"official 7 to 6 entities", "il-nbctf", 7, 7, 6, 6, true, "shrink from 7 to 6", 6},
		{"official 100 to 95 entities", "ofac-sdn", 100, 100, 95, 95, false, "", 0},
		{"own list 10 to 3 entities", "my-watch", 10, 10, 3, 3, true, "one of your own lists", 8},
		{"own list 3 to 1 entities", "my-watch", 3, 3, 1, 1, true, "shrink from 3 to 1", 2},
		{"own list 10 to 6 entities", "my-watch", 10, 10, 6, 6, false, "", 0},
		{"own list grows", "my-watch", 2, 2, 9, 9, false, "", 0},
		{"own Bulwark CSV 10 to 6 entities", "custom:mules", 10, 10, 6, 6, false, "", 0},
		{"own Bulwark CSV 10 to 4 entities", "custom:mules", 10, 10, 4, 4, true, "one of your own lists", 8},
		{"TagPack 20 to 17 entities", "tagpack:hacks", 20, 20, 17, 17, true, "an official list", 18},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			svc := openService(t, openDB(t), false)
			defer svc.Close(ctx)
			if _, err := svc.Import(ctx, "cli", "test", []*screening.List{sizedList(tc.id, "was", tc.wasN, tc.wasA)}); err != nil {
				t.Fatal(err)
			}
			next := []*screening.List{sizedList(tc.id, "will", tc.willN, tc.willA)}
			_, err := svc.Import(ctx, "cli", "test", next)
			if !tc.refused {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if bulwark.ErrorCode(err) != bulwark.ECONFLICT || !strings.Contains(err.Error(), tc.wantInMessage) || !strings.Contains(err.Error(), "--force") {
				t.Fatalf("import: %v, want a conflict saying %q and how to force it", err, tc.wantInMessage)
			}
			// The version in force still screens.
			addr := fmt.Sprintf("0x%040x", 0xb0000+tc.screenedAfterward)
			d, err := svc.ScreenAddresses(ctx, "x", screening.UseWithdrawal, "", []screening.AddressQuery{{Address: addr}})
			if err != nil || d.Verdict != bulwark.VerdictBlock {
				t.Fatalf("after the refused import %s screens %v, %v; want block", addr, d.Verdict, err)
			}
			if _, err := svc.ImportWith(ctx, "cli", "test", next, screening.ImportOptions{Force: true}); err != nil {
				t.Fatalf("forced: %v", err)
			}
			if d, _ := svc.ScreenAddresses(ctx, "x", screening.UseWithdrawal, "", []screening.AddressQuery{{Address: addr}}); d.Verdict != bulwark.VerdictClear {
				t.Errorf("after the forced import %s screens %v; want clear", addr, d.Verdict)
			}
		})
	}
}
