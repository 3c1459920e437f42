package policy

import (
	"context"
	"math/big"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark/safe"
	"github.com/bulwark-sec/bulwark/safe/onchain"
)

// TestSimulateSkipCountsOwners: a Safe whose owners and threshold allow
// no approved-hash signatures is not simulated, and the reason counts
// its owners (singular for one).
func TestSimulateSkipCountsOwners(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		owners    int
		threshold int64
		want      string
	}{
		{1, 2, "owner list (1 owner, "},
		{2, 3, "owner list (2 owners, "},
		{0, 1, "owner list (0 owners, "},
	} {
		t.Run(tc.want, func(t *testing.T) {
			t.Parallel()
			st := &onchain.State{OwnersStatus: onchain.ListOK, Threshold: big.NewInt(tc.threshold)}
			for i := range tc.owners {
				st.Owners = append(st.Owners, common.BigToAddress(big.NewInt(int64(i+1))))
			}
			v := &Verification{Version: safe.Version{Major: 1, Minor: 3}, Chain: &ChainCheck{Block: 9, State: st}}
			s, err := Simulate(context.Background(), nil, nil, v)
			if err != nil || s.Status != "skipped" || !strings.Contains(s.Reason, tc.want) {
				t.Fatalf("simulation %s: %q, want skipped saying %q", s.Status, s.Reason, tc.want)
			}
		})
	}
}
