package hiring

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/bulwark-sec/bulwark"
)

// The score and the verdict.
//
// A person's score is the sum of the weights of their flags, each rule
// counted once however many observations raised it (the evidence text
// lists them). The verdict:
//
//   - block when a flag of a blocking rule is raised (SANCTIONED_NAME,
//     SANCTIONED_PAYROLL_ADDRESS, DPRK_NETWORK) or the score reaches
//     BlockScore (80): several independent indicators, e.g. a shared MFA
//     device with IP-KVM hardware;
//   - review when the score reaches ReviewScore (20): any one high-weight
//     flag (a shared identifier, a remote-access tool, KST hours…) or
//     several small ones;
//   - clear otherwise, including a flag of weight below 20 on its own
//     (a crypto payroll address, declared Korean, occasional VPN use
//     above the threshold).
//
// A verdict is a reason for a person to look, never a decision on its own:
// block means "do not proceed before someone has examined the evidence".
const (
	ReviewScore = 20
	BlockScore  = 80
)

// Score returns the score and verdict of a set of flags.
func Score(flags []Flag) (int, bulwark.Verdict) {
	score, blocks := 0, false
	for _, f := range flags {
		score += f.Weight
		for _, r := range rules {
			if r.Code == f.Rule && r.Blocks {
				blocks = true
			}
		}
	}
	switch {
	case blocks || score >= BlockScore:
		return score, bulwark.VerdictBlock
	case score >= ReviewScore:
		return score, bulwark.VerdictReview
	}
	return score, bulwark.VerdictClear
}

// SortFlags puts flags in their deterministic order: heaviest first, then
// by rule code, then by evidence.
func SortFlags(flags []Flag) {
	slices.SortFunc(flags, func(a, b Flag) int {
		return cmp.Or(cmp.Compare(b.Weight, a.Weight), cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.Evidence, b.Evidence))
	})
}

// assess builds person i's assessment from the flags raised so far.
func (x *index) assess(i int) Assessment {
	a := Assessment{ID: x.people[i].ID, Flags: []Flag{}}
	for code, d := range x.flags[i] {
		r := ruleByCode(code)
		ev := joinEvidence(d)
		f := Flag{Rule: r.Code, Indicator: r.Indicator, Severity: r.Severity, Weight: r.Weight, Evidence: ev, Source: r.Source}
		if !d.full && d.weight > 0 {
			f.Weight = d.weight
		}
		if len(d.related) > 0 {
			rel := make([]int32, 0, len(d.related))
			for j := range d.related {
				rel = append(rel, j)
			}
			slices.Sort(rel)
			for _, j := range rel {
				f.Related = append(f.Related, x.people[j].ID)
			}
			slices.Sort(f.Related)
		}
		a.Flags = append(a.Flags, f)
	}
	a.Flags = foldPairs(a.Flags, func(id string) bool {
		j, ok := x.person(id)
		return ok && x.household(int32(i), j)
	})
	SortFlags(a.Flags)
	a.Score, a.Verdict = Score(a.Flags)
	return a
}

// pairCodes are the rules that see something shared between people.
var pairCodes = map[string]bool{
	CodeSharedIdentifier: true, CodeSharedHomeAddress: true, CodeSharedNetwork: true, CodeSharedDevice: true,
	CodeSharedMFADevice: true, CodeSharedPayrollAccount: true, CodeSharedShippingAddress: true,
}

// pairIncrement is what each further view of one relationship adds (see
// foldPairs).
const pairIncrement = 5

// foldPairs folds a person's SHARED_* flags into one when they all relate
// the person to the same single other person, of the same household (the
// same home address, which householdOf reports for the other's id): a
// couple's shared home, landline, home network and account are several
// views of one relationship, not independent indicators, so they weigh as
// the heaviest of them plus pairIncrement for each further one (a couple
// sharing a home network and an address: 25 + 5 = 30, review, never
// block). Flags that relate the person to two or more others (a laptop
// farm of three), or to someone living elsewhere, are not folded: each is
// an independent indicator.
func foldPairs(flags []Flag, householdOf func(id string) bool) []Flag {
	var shared []int
	var other string
	for k, f := range flags {
		if !pairCodes[f.Rule] {
			continue
		}
		if len(f.Related) != 1 || (other != "" && f.Related[0] != other) {
			return flags
		}
		other = f.Related[0]
		shared = append(shared, k)
	}
	if len(shared) < 2 || !householdOf(other) {
		return flags
	}
	heavy := shared[0]
	for _, k := range shared[1:] {
		if f, h := flags[k], flags[heavy]; f.Weight > h.Weight || (f.Weight == h.Weight && f.Rule < h.Rule) {
			heavy = k
		}
	}
	folded := flags[heavy]
	var also []string
	for _, k := range shared {
		if k != heavy {
			also = append(also, flags[k].Rule+": "+flags[k].Evidence)
		}
	}
	slices.Sort(also)
	folded.Weight += pairIncrement * len(also)
	folded.Evidence += "; the same two people also (one relationship, counted once): " + strings.Join(also, "; ")
	out := make([]Flag, 0, len(flags)-len(also))
	for k, f := range flags {
		switch {
		case k == heavy:
			out = append(out, folded)
		case !slices.Contains(shared, k):
			out = append(out, f)
		}
	}
	return out
}

func joinEvidence(d *flagDraft) string {
	ev := slices.Clone(d.evidence)
	slices.Sort(ev)
	s := ""
	for k, e := range ev {
		if k > 0 {
			s += "; "
		}
		s += e
	}
	if d.more > 0 {
		s += "; and " + strconv.Itoa(d.more) + " more"
	}
	return s
}
