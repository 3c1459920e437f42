package names

import (
	"encoding/csv"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/internal/race"
	"github.com/bulwark-sec/bulwark/internal/shareddata"
)

// benchCase is one row of nomenklatura's name benchmark.
type benchCase struct {
	group, schema, name1, name2 string
	match                       bool
	category                    string
}

func readBenchCases(t testing.TB) []benchCase {
	t.Helper()
	p := shareddata.Path(t, "screen", "nomenklatura_name_bench", "cases.csv")
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []benchCase
	for _, r := range rows[1:] {
		out = append(out, benchCase{group: r[0], schema: r[1], name1: r[2], name2: r[3], match: r[4] == "true", category: r[6]})
	}
	return out
}

// confusion counts outcomes of a binary classifier.
type confusion struct{ tp, fp, tn, fn int }

func (c *confusion) add(truth, pred bool) {
	switch {
	case truth && pred:
		c.tp++
	case truth:
		c.fn++
	case pred:
		c.fp++
	default:
		c.tn++
	}
}

func (c confusion) f1() (p, r, f float64) {
	if c.tp+c.fp > 0 {
		p = float64(c.tp) / float64(c.tp+c.fp)
	}
	if c.tp+c.fn > 0 {
		r = float64(c.tp) / float64(c.tp+c.fn)
	}
	if p+r > 0 {
		f = 2 * p * r / (p + r)
	}
	return
}

func (c confusion) String() string {
	p, r, f := c.f1()
	return fmt.Sprintf("P=%.3f R=%.3f F1=%.3f (tp=%d fp=%d tn=%d fn=%d)", p, r, f, c.tp, c.fp, c.tn, c.fn)
}

// schemaType maps a FollowTheMoney schema to a party type.
func schemaType(schema string) string {
	switch schema {
	case "Person":
		return "person"
	case "Company", "Organization", "LegalEntity":
		return "organization"
	case "Vessel":
		return "vessel"
	}
	return ""
}

// logicV2 reads OpenSanctions logic-v2's per-pair predictions keyed by
// group|name1|name2.
func logicV2(t testing.TB) map[string]bool {
	p := shareddata.Path(t, "screen", "nomenklatura_name_bench", "logicv2-frozen.csv")
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]bool{}
	for _, r := range rows[1:] {
		m[r[0]+"|"+r[3]+"|"+r[4]] = r[10] == "true"
	}
	return m
}

// TestCorpusNameBenchF1 is the F1 gate on nomenklatura's 826 labelled name
// pairs: Compare(name1, name2) >= ReviewThreshold predicts a match. The
// threshold is the package's one review threshold, not tuned per group.
func TestCorpusNameBenchF1(t *testing.T) {
	race.Corpus(t)
	cases := readBenchCases(t)
	lv2 := logicV2(t)
	all, lv2All := confusion{}, confusion{}
	groups := map[string]*confusion{}
	lv2Groups := map[string]*confusion{}
	var wrong []string
	for _, c := range cases {
		s, _ := Compare(c.name1, c.name2, schemaType(c.schema))
		pred := s >= ReviewThreshold
		all.add(c.match, pred)
		if groups[c.group] == nil {
			groups[c.group], lv2Groups[c.group] = &confusion{}, &confusion{}
		}
		groups[c.group].add(c.match, pred)
		if lp, ok := lv2[c.group+"|"+c.name1+"|"+c.name2]; ok {
			lv2All.add(c.match, lp)
			lv2Groups[c.group].add(c.match, lp)
		}
		if pred != c.match {
			wrong = append(wrong, fmt.Sprintf("%s %-5v %.3f %q ~ %q (%s)", c.group, c.match, s, c.name1, c.name2, c.category))
		}
	}
	names := make([]string, 0, len(groups))
	for g := range groups {
		names = append(names, g)
	}
	sort.Strings(names)
	for _, g := range names {
		t.Logf("%-16s names: %v | logic-v2: %v", g, groups[g], lv2Groups[g])
	}
	t.Logf("overall          names: %v | logic-v2 (pairs present in its run): %v", all, lv2All)
	if os.Getenv("NAMES_BENCH_VERBOSE") != "" {
		t.Logf("misclassified:\n%s", strings.Join(wrong, "\n"))
	}
	if _, _, f := all.f1(); f < 0.85 {
		t.Errorf("F1 %.3f < 0.85", f)
	}
}
