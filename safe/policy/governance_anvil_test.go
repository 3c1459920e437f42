package policy_test

import (
	"context"
	"math/big"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark/internal/anviltest"
	"github.com/bulwark-sec/bulwark/internal/safetest"
	"github.com/bulwark-sec/bulwark/safe"
	"github.com/bulwark-sec/bulwark/safe/policy"
)

// TestTimelockUpgradeAnvil: a Safe that is the proposer of a timelock
// schedules an upgrade of a protocol contract the timelock owns. Verified
// against the node and simulated, the schedule is TIMELOCK_OPERATION and
// the scheduled upgrade PROXY_UPGRADE (high) at its path, naming the new
// implementation and checking it against the address book; a scheduled
// shorter delay is TIMELOCK_DELAY_CHANGE with the current delay read from
// the timelock; an approve's token is asked ERC-165.
func TestTimelockUpgradeAnvil(t *testing.T) {
	chain := safetest.StartChain(t, anviltest.Silent())
	d := safetest.Deploy(t, chain, "1.4.1")
	owners := safetest.NewOwners(3)
	s := d.NewSafe(t, 2, owners...)
	const minDelay = 172800
	timelock := chain.DeployTimelock(t, minDelay, s.Address)
	proxy := chain.DeployOwnedProxy(t, timelock)
	impl := chain.DeployTrojan(t)
	book, err := policy.NewAddressBook([]policy.AddressEntry{
		{Address: proxy, Label: "Lending pool", Kinds: []policy.EntryKind{policy.KindOwnContract}},
		{Address: timelock, Label: "Protocol timelock", Kinds: []policy.EntryKind{policy.KindOwnContract}},
	})
	if err != nil {
		t.Fatal(err)
	}
	timelockABI := safetest.TestContract(safetest.TimelockName)
	schedule := func(target common.Address, data []byte) []byte {
		out, err := timelockABI.Pack("schedule", target, new(big.Int), data, [32]byte{}, [32]byte{7}, big.NewInt(minDelay))
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	verifyWith := func(t *testing.T, tx safe.Tx) *policy.Verification {
		t.Helper()
		v, err := policy.VerifyOnChain(context.Background(), chain.RPC, policy.VerifyRequest{Tx: policy.ServiceTx{Safe: s.Address, Tx: tx}, Policy: policy.Policy{AddressBook: book}},
			policy.ChainOptions{Simulator: chain.RPC})
		if err != nil {
			t.Fatalf("VerifyOnChain: %v", err)
		}
		if v.Simulation == nil || v.Simulation.Status != "success" {
			t.Fatalf("the transaction does not run on the node: %+v", v.Simulation)
		}
		return v
	}
	find := func(t *testing.T, v *policy.Verification, code, path string) policy.Finding {
		t.Helper()
		for _, f := range v.Findings {
			if f.Code == code && f.Path == path {
				return f
			}
		}
		t.Fatalf("no %s at %s: %v", code, path, v.Codes())
		return policy.Finding{}
	}

	t.Run("scheduled upgrade", func(t *testing.T) {
		upgrade, err := safetest.TestContract(safetest.OwnedProxyName).Pack("upgradeToAndCall", impl, []byte{})
		if err != nil {
			t.Fatal(err)
		}
		v := verifyWith(t, s.Tx(t, timelock, nil, schedule(proxy, upgrade), safe.Call))
		if v.Verdict != "review" {
			t.Errorf("verdict %s, codes %v", v.Verdict, v.Codes())
		}
		op := find(t, v, policy.CodeTimelockOperation, "0")
		if op.Severity != policy.SeverityMedium || op.Fields["action"] != "schedule" || op.Fields["delay"] != "172800" ||
			!strings.Contains(op.Message, `TimelockController `+timelock.Hex()+` ("Protocol timelock")`) {
			t.Errorf("TIMELOCK_OPERATION %+v", op)
		}
		up := find(t, v, policy.CodeProxyUpgrade, "0.0")
		if up.Severity != policy.SeverityHigh || up.From != timelock.Hex() || up.Fields["newImplementation"] != impl.Hex() || up.Fields["addressBook"] != "not listed" ||
			!strings.Contains(up.Message, `the code of `+proxy.Hex()+` ("Lending pool")`) || !strings.Contains(up.Message, impl.Hex()+" (NOT in the address book)") {
			t.Errorf("PROXY_UPGRADE %+v", up)
		}
	})
	t.Run("scheduled shorter delay", func(t *testing.T) {
		shorter, err := timelockABI.Pack("updateDelay", big.NewInt(60))
		if err != nil {
			t.Fatal(err)
		}
		v := verifyWith(t, s.Tx(t, timelock, nil, schedule(timelock, shorter), safe.Call))
		f := find(t, v, policy.CodeTimelockDelayChange, "0.0")
		if f.Severity != policy.SeverityHigh || f.Fields["currentDelay"] != "172800" || f.Fields["newDelay"] != "60" ||
			!strings.Contains(f.Message, "from 172800 to 60 seconds (read at block") {
			t.Errorf("TIMELOCK_DELAY_CHANGE %+v", f)
		}
	})
	t.Run("approve asks ERC-165", func(t *testing.T) {
		token := chain.DeployERC20(t)
		guard := chain.DeployGuard(t) // answers ERC-165, and not for ERC-721
		spender := common.HexToAddress("0x00000000000000000000000000000000000bad01")
		for _, tc := range []struct {
			token    common.Address
			kind     policy.TokenKind
			decimals string
			amount   string
		}{
			{token, policy.TokenNoERC165, "18", "an unlimited amount (2^256-1)"},
			// Not ERC-721 by ERC-165 and no decimals(): both readings stand.
			{guard, policy.TokenNotERC721, "none", "unlimited if the token is ERC-20"},
		} {
			data, err := safetest.TestContract(safetest.ERC20Name).Pack("approve", spender, safe.MaxUint256)
			if err != nil {
				t.Fatal(err)
			}
			v, err := policy.VerifyOnChain(context.Background(), chain.RPC, policy.VerifyRequest{Tx: policy.ServiceTx{Safe: s.Address, Tx: s.Tx(t, tc.token, nil, data, safe.Call)}}, policy.ChainOptions{})
			if err != nil {
				t.Fatal(err)
			}
			f := find(t, v, policy.CodeTokenApproval, "0")
			if f.Fields["erc165"] != string(tc.kind) || f.Fields["decimals"] != tc.decimals || f.Severity != policy.SeverityHigh || !strings.Contains(f.Message, tc.amount) ||
				!strings.Contains(f.Message, "supportsInterface(0x80ac58cd)") {
				t.Errorf("%s: TOKEN_APPROVAL %+v", tc.kind, f)
			}
		}
	})
}
