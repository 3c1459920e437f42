package policy_test

import (
	"math/big"
	"slices"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark/safe/onchain"
	"github.com/bulwark-sec/bulwark/safe/policy"
)

// digestBase is a verification against a node of a review transaction.
func digestBase() *policy.Verification {
	v := &policy.Verification{ChainID: big.NewInt(1), Safe: common.HexToAddress("0x00000000000000000000000000000000000005af"),
		PolicyVersion: policy.PolicyVersion, RegistryVersion: policy.RegistryVersion,
		Chain: &policy.ChainCheck{Block: 100, State: &onchain.State{Nonce: big.NewInt(4), Threshold: big.NewInt(2),
			Owners: []common.Address{{1}, {2}, {3}}, OwnersStatus: onchain.ListOK, Singleton: common.Address{0x51}}},
		Findings: []policy.Finding{
			{Code: policy.CodeUnknownTarget, Severity: policy.SeverityMedium, Message: "at block 100", Path: "0", To: "0xabc"},
			{Code: policy.CodeTokenApproval, Severity: policy.SeverityHigh, Message: "unlimited", Path: "0", Fields: map[string]string{"spender": "0xdead", "amount": "max"}},
			{Code: "INFO_ONLY", Severity: policy.SeverityInfo, Message: "an info finding"},
		},
	}
	v.Hashes.SafeTxHash = common.HexToHash("0x01")
	return v
}

// TestApprovalDigest: the digest changes with what a person approving
// relies on (DigestChanges names the part), and not with the order of the
// findings, their messages, the block read at, or findings below medium;
// an offline verification has none.
func TestApprovalDigest(t *testing.T) {
	t.Parallel()
	book := func(label string) *policy.AddressBook {
		b, err := policy.NewAddressBook([]policy.AddressEntry{{Address: common.Address{9}, Label: label, Kinds: []policy.EntryKind{policy.KindRecipient}}})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	base := digestBase().ApprovalDigest()
	if parts := strings.Split(base, ";"); len(parts) != len(policy.DigestParts) {
		t.Fatalf("digest %q", base)
	}
	for _, tc := range []struct {
		name    string
		mut     func(v *policy.Verification)
		changes []string
	}{
		{"nothing", func(*policy.Verification) {}, nil},
		{"findings reordered", func(v *policy.Verification) { slices.Reverse(v.Findings) }, nil},
		{"a message reworded", func(v *policy.Verification) { v.Findings[0].Message = "at block 101" }, nil},
		{"another block", func(v *policy.Verification) { v.Chain.Block = 101 }, nil},
		{"an info finding added", func(v *policy.Verification) {
			v.Findings = append(v.Findings, policy.Finding{Code: "OTHER_INFO", Severity: policy.SeverityLow})
		}, nil},
		{"a finding's evidence", func(v *policy.Verification) {
			v.Findings[1].Fields = map[string]string{"spender": "0xbeef", "amount": "max"}
		}, []string{policy.DigestFindings}},
		{"a new finding", func(v *policy.Verification) {
			v.Findings = append(v.Findings, policy.Finding{Code: policy.CodeOwnershipTransfer, Severity: policy.SeverityHigh})
		}, []string{policy.DigestFindings}},
		{"a finding's severity", func(v *policy.Verification) { v.Findings[0].Severity = policy.SeverityHigh }, []string{policy.DigestFindings}},
		{"the address book", func(v *policy.Verification) { v.Policy.AddressBook = book("payroll") }, []string{policy.DigestBook}},
		{"the policy", func(v *policy.Verification) { v.Policy.AllowMultiSend = true }, []string{policy.DigestPolicy}},
		{"the owners", func(v *policy.Verification) { v.Chain.State.Owners = v.Chain.State.Owners[:2] }, []string{policy.DigestState}},
		{"the guard", func(v *policy.Verification) { v.Chain.State.Guard = common.Address{7} }, []string{policy.DigestState}},
		{"the Safe", func(v *policy.Verification) { v.Safe = common.Address{8} }, []string{policy.DigestTx}},
		{"the hash", func(v *policy.Verification) { v.Hashes.SafeTxHash = common.HexToHash("0x02") }, []string{policy.DigestTx}},
		{"a list version", func(v *policy.Verification) {
			v.Screening = policy.ScreeningRecord{Checked: true, Lists: []policy.ScreeningList{{ID: "us-ofac-sdn", Version: "2"}}}
		}, []string{policy.DigestLists}},
	} {
		v := digestBase()
		tc.mut(v)
		d := v.ApprovalDigest()
		if got := policy.DigestChanges(base, d); !slices.Equal(got, tc.changes) {
			t.Errorf("%s: changes %v, want %v", tc.name, got, tc.changes)
		}
		if (d == base) != (len(tc.changes) == 0) {
			t.Errorf("%s: digest equal %v", tc.name, d == base)
		}
	}
	// The label of a book entry is what the approver read.
	a, b := digestBase(), digestBase()
	a.Policy.AddressBook, b.Policy.AddressBook = book("payroll"), book("attacker")
	if got := policy.DigestChanges(a.ApprovalDigest(), b.ApprovalDigest()); !slices.Equal(got, []string{policy.DigestBook}) {
		t.Errorf("relabelled entry: %v", got)
	}
	offline := digestBase()
	offline.Chain = nil
	if d := offline.ApprovalDigest(); d != "" {
		t.Errorf("offline digest %q, want none", d)
	}
	for _, bad := range []string{"", "tx=1", base + ";x=1", strings.Replace(base, "tx=", "tz=", 1)} {
		if got := policy.DigestChanges(bad, base); !slices.Equal(got, policy.DigestParts) {
			t.Errorf("DigestChanges(%q) = %v, want every part", bad, got)
		}
	}
}

// FuzzDigestChanges: DigestChanges reads any two strings (an approval's
// digest comes from the store) without failing: the parts it names are
// DigestParts' in order, all of them unless both are digests, none for a
// digest and itself.
func FuzzDigestChanges(f *testing.F) {
	base := digestBase().ApprovalDigest()
	other := digestBase()
	other.Chain.State.Guard = common.Address{7}
	for _, s := range [][2]string{{base, base}, {base, other.ApprovalDigest()}, {"", base}, {"tx=1", "tx=1"},
		{strings.Replace(base, ";", ";;", 1), base}, {base + ";", base}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		got := policy.DigestChanges(a, b)
		i := 0
		for _, p := range got {
			for i < len(policy.DigestParts) && policy.DigestParts[i] != p {
				i++
			}
			if i == len(policy.DigestParts) {
				t.Fatalf("DigestChanges(%q, %q) = %v: not parts in order", a, b, got)
			}
			i++
		}
		if a == b && len(got) != 0 && len(got) != len(policy.DigestParts) {
			t.Fatalf("DigestChanges(%q, itself) = %v", a, got)
		}
		if len(got) == 0 && a != b {
			t.Fatalf("DigestChanges(%q, %q) = none, but they differ", a, b)
		}
	})
}
