package scan

import "github.com/bulwark-sec/bulwark"

// severityRank orders severities; an unknown one ranks as high, so that a
// detector's typo cannot clear a report.
func severityRank(s Severity) int {
	switch s {
	case SeverityInfo:
		return 0
	case SeverityLow:
		return 1
	case SeverityMedium:
		return 2
	case SeverityHigh:
		return 3
	case SeverityCritical:
		return 4
	}
	return 3
}

// VerdictOf returns the verdict on findings: block when one is critical or
// high, review when one is medium, clear otherwise (exit codes 3, 2, 0 by
// bulwark.Verdict.ExitCode).
func VerdictOf(findings []Finding) bulwark.Verdict {
	worst := -1
	for _, f := range findings {
		worst = max(worst, severityRank(f.Severity))
	}
	switch {
	case worst >= 3:
		return bulwark.VerdictBlock
	case worst == 2:
		return bulwark.VerdictReview
	}
	return bulwark.VerdictClear
}

// verdictOfCounts returns the verdict on findings counted by severity, as
// VerdictOf does on the findings themselves.
func verdictOfCounts(counts map[Severity]int) bulwark.Verdict {
	worst := -1
	for sev, n := range counts {
		if n > 0 {
			worst = max(worst, severityRank(sev))
		}
	}
	switch {
	case worst >= 3:
		return bulwark.VerdictBlock
	case worst == 2:
		return bulwark.VerdictReview
	}
	return bulwark.VerdictClear
}
