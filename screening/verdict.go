package screening

import "github.com/bulwark-sec/bulwark"

// WorstOf folds verdict v into acc, the verdict of a decision or of a run
// of several: an input error (VerdictError) ranks below block but above
// review and clear.
func WorstOf(acc, v bulwark.Verdict) bulwark.Verdict {
	if v == VerdictError {
		if acc.Rank() >= 2 {
			return acc
		}
		return VerdictError
	}
	if acc == VerdictError {
		if v.Rank() >= 2 {
			return v
		}
		return acc
	}
	return bulwark.Worst(acc, v)
}
