package bulwark

import "fmt"

// Process exit codes, the same for every command.
const (
	ExitOK     = 0 // ok or clear
	ExitError  = 1 // bad input, unreachable dependency, any failure
	ExitReview = 2 // a human must look
	ExitBlock  = 3 // block, reject or critical
)

// Verdict is a decision Bulwark hands down. Different capabilities use
// different words (a Safe transaction is rejected, an address is blocked,
// an audit chain is critical) but they share one order and one exit code
// table.
type Verdict string

// Verdicts, from best to worst.
const (
	VerdictOK       Verdict = "ok"
	VerdictClear    Verdict = "clear"
	VerdictReview   Verdict = "review"
	VerdictBlock    Verdict = "block"
	VerdictReject   Verdict = "reject"
	VerdictCritical Verdict = "critical"
)

var verdictTable = map[Verdict]struct {
	rank int
	exit int
}{
	VerdictOK:       {0, ExitOK},
	VerdictClear:    {0, ExitOK},
	VerdictReview:   {1, ExitReview},
	VerdictBlock:    {2, ExitBlock},
	VerdictReject:   {2, ExitBlock},
	VerdictCritical: {2, ExitBlock},
}

// ParseVerdict returns the verdict named by s or an EINVALID error.
func ParseVerdict(s string) (Verdict, error) {
	v := Verdict(s)
	if _, ok := verdictTable[v]; !ok {
		return "", Invalid("verdict", "unknown verdict %q (want ok, clear, review, block, reject or critical)", s)
	}
	return v, nil
}

// ExitCode returns the process exit code for v. An unknown verdict is
// treated as an error (1), never as success.
func (v Verdict) ExitCode() int {
	if row, ok := verdictTable[v]; ok {
		return row.exit
	}
	return ExitError
}

// Rank orders verdicts: 0 for ok/clear, 1 for review, 2 for block, reject
// and critical. An unknown verdict ranks worst.
func (v Verdict) Rank() int {
	if row, ok := verdictTable[v]; ok {
		return row.rank
	}
	return 3
}

// String implements fmt.Stringer.
func (v Verdict) String() string { return string(v) }

// Worst returns the worst of the given verdicts, or "" when none is given.
// Among verdicts of equal rank the first one wins.
func Worst(vs ...Verdict) Verdict {
	var worst Verdict
	for i, v := range vs {
		if i == 0 || v.Rank() > worst.Rank() {
			worst = v
		}
	}
	return worst
}

// GoString helps test failure messages.
func (v Verdict) GoString() string { return fmt.Sprintf("bulwark.Verdict(%q)", string(v)) }
