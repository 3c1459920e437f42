package hiring

import (
	"cmp"
	"encoding/csv"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"testing"

	"github.com/bulwark-sec/bulwark/internal/shareddata"
)

// TestRuleTable: codes unique, weights positive, every severity known,
// every code a rule raises is in the table.
func TestRuleTable(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, r := range Rules() {
		if seen[r.Code] {
			t.Errorf("code %s twice", r.Code)
		}
		seen[r.Code] = true
		if r.Weight <= 0 || r.Title == "" || r.Source == "" {
			t.Errorf("%s: weight %d title %q source %q", r.Code, r.Weight, r.Title, r.Source)
		}
		if !slices.Contains([]Severity{SeverityLow, SeverityMedium, SeverityHigh}, r.Severity) {
			t.Errorf("%s: severity %q", r.Code, r.Severity)
		}
		if r.Blocks && r.Weight < BlockScore {
			t.Errorf("%s blocks but weighs %d", r.Code, r.Weight)
		}
	}
	for _, c := range []string{CodeSharedIdentifier, CodeSharedHomeAddress, CodeDuplicateIdentitySeats, CodeGitHubYoungerThanCommits,
		CodeReferredByFlagged, CodeShippingAddressMismatch, CodeSharedShippingAddress, CodeSharedNetwork, CodeSharedDevice,
		CodeRemoteAccessTool, CodeRemoteAccessToolPossible, CodeIPKVM, CodeIPKVMPossible, CodeVPNClient, CodeVPNOrHostingEgress, CodeDPRKNetwork, CodeHighRiskCountrySignIn, CodeForeignSignIn,
		CodeImpossibleTravel, CodeSharedMFADevice, CodeKSTWorkingHours, CodeRoundTheClock, CodeSharedPayrollAccount,
		CodePayrollHolderMismatch, CodePayrollAccountChurn, CodeCryptoPayroll, CodeSanctionedPayrollAddress,
		CodeSanctionedPayrollAddressRv, CodeSanctionedName, CodeSanctionedNameReview, CodeNameNotScreened, CodePayrollAddressNotScreened} {
		if !seen[c] {
			t.Errorf("code %s not in the table", c)
		}
	}
	if len(seen) != 32 {
		t.Errorf("%d rules; update this test's list with the table", len(seen))
	}
	Rules()[0].Code = "CHANGED"
	if Rules()[0].Code == "CHANGED" {
		t.Error("Rules hands out the table itself")
	}
}

// TestRuleSourcesFromIndicatorTable: each rule's indicator is in the
// indicator table and its source is that row's sources column; every
// indicator of the table is checked by a rule or listed as unchecked.
func TestRuleSourcesFromIndicatorTable(t *testing.T) {
	t.Parallel()
	f, err := os.Open(shareddata.Path(t, "hire", "redflags", "dprk_itw_indicators.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	sources := map[string]string{}
	for _, row := range rows[1:] {
		sources[row[0]] = row[6]
	}
	if len(sources) != 28 {
		t.Fatalf("%d indicators, want 28", len(sources))
	}
	covered := map[string]bool{}
	for _, r := range Rules() {
		if r.Indicator == "" {
			continue
		}
		covered[r.Indicator] = true
		if src, ok := sources[r.Indicator]; !ok || src != r.Source {
			t.Errorf("%s: source %q, the table's %s says %q", r.Code, r.Source, r.Indicator, src)
		}
	}
	for _, u := range UncheckedIndicators() {
		if _, ok := sources[u.Indicator]; !ok || u.Needs == "" {
			t.Errorf("unchecked %+v not in the table", u)
		}
		covered[u.Indicator] = true
	}
	for id := range sources {
		if !covered[id] {
			t.Errorf("%s neither checked nor listed as unchecked", id)
		}
	}
}

// TestRulesDocumented: every rule code has a row in docs/hiring-rules.md,
// and every unchecked indicator a row in its "Not checked" table.
func TestRulesDocumented(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join("..", "docs", "hiring-rules.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range Rules() {
		if !regexp.MustCompile("(?m)^\\| `" + regexp.QuoteMeta(r.Code) + "` \\| " + regexp.QuoteMeta(cmp.Or(r.Indicator, "lists")) + " \\| " + string(r.Severity) + " \\| " + strconv.Itoa(r.Weight) + "[ ,]").Match(raw) {
			t.Errorf("docs/hiring-rules.md has no row for %s (%s, %s, weight %d)", r.Code, r.Indicator, r.Severity, r.Weight)
		}
	}
	for _, u := range UncheckedIndicators() {
		if !regexp.MustCompile("(?m)^\\| " + u.Indicator + " \\| ").Match(raw) {
			t.Errorf("docs/hiring-rules.md has no unchecked row for %s", u.Indicator)
		}
	}
}
