package bulwark_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/safe/cosign"
	"github.com/bulwark-sec/bulwark/safe/policy"
	"github.com/bulwark-sec/bulwark/safe/posture"
	"github.com/bulwark-sec/bulwark/safe/queue"
	"github.com/bulwark-sec/bulwark/safe/watch"
)

// TestSafeCodesDocumented: every code the Safe guard can report (verify
// findings, posture findings, watch and queue alerts, co-signer findings) has a row in a table of the
// Safe guide (docs/safe.md), where users look up what to do about it: a
// row starting with the code, alone or after other codes sharing the row.
func TestSafeCodesDocumented(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile(filepath.Join("docs", "safe.md"))
	if err != nil {
		t.Fatal(err)
	}
	rows := rowCodes(string(doc))
	for _, set := range []struct {
		kind  string
		codes []string
	}{
		{"verify finding", policy.FindingCodes},
		{"posture finding", posture.Codes},
		{"watch alert", watch.Codes},
		{"co-signer finding", cosign.Codes},
		{"queue alert", queue.Codes},
	} {
		for _, c := range set.codes {
			if !rows[c] {
				t.Errorf("docs/safe.md has no table row for the %s %s", set.kind, c)
			}
		}
	}
}

// rowCodes returns the codes that start a table row of doc: a line
// "| `A`, `B`, `C` …" gives A, B and C (each but the last in capitals and
// underscores, as codes are). It reads doc once, where matching a pattern
// per code read it some two hundred times.
func rowCodes(doc string) map[string]bool {
	quoted := regexp.MustCompile("^`([^`]*)`")
	code := regexp.MustCompile(`^[A-Z_]+$`)
	out := map[string]bool{}
	for _, line := range strings.Split(doc, "\n") {
		rest, more := strings.CutPrefix(line, "| ")
		for more {
			m := quoted.FindStringSubmatch(rest)
			if m == nil {
				break
			}
			out[m[1]] = true
			rest, more = strings.CutPrefix(rest[len(m[0]):], ", ")
			more = more && code.MatchString(m[1])
		}
	}
	return out
}

// TestSafeCodesDistinct: a code means one thing. The co-signer adds its
// findings to the policy's in one list, so none of its codes may be one
// of the policy's with another meaning or severity.
func TestSafeCodesDistinct(t *testing.T) {
	t.Parallel()
	verify := map[string]bool{}
	for _, c := range policy.FindingCodes {
		verify[c] = true
	}
	for _, c := range cosign.Codes {
		if verify[c] {
			t.Errorf("%s is both a verify finding and a co-signer finding", c)
		}
	}
}
