package hiring

import (
	"cmp"
	"slices"
	"strconv"

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
	SortFlags(a.Flags)
	a.Score, a.Verdict = Score(a.Flags)
	return a
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
