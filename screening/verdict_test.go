package screening

import (
	"testing"

	"github.com/bulwark-sec/bulwark"
)

// TestWorstOf: an input error ranks below block and above review and
// clear, whichever side it is on.
func TestWorstOf(t *testing.T) {
	t.Parallel()
	tests := []struct{ acc, v, want bulwark.Verdict }{
		{bulwark.VerdictClear, bulwark.VerdictClear, bulwark.VerdictClear},
		{bulwark.VerdictClear, bulwark.VerdictReview, bulwark.VerdictReview},
		{bulwark.VerdictReview, bulwark.VerdictClear, bulwark.VerdictReview},
		{bulwark.VerdictClear, VerdictError, VerdictError},
		{bulwark.VerdictReview, VerdictError, VerdictError},
		{VerdictError, bulwark.VerdictReview, VerdictError},
		{VerdictError, bulwark.VerdictBlock, bulwark.VerdictBlock},
		{bulwark.VerdictBlock, VerdictError, bulwark.VerdictBlock},
		{bulwark.VerdictReview, bulwark.VerdictBlock, bulwark.VerdictBlock},
	}
	for _, tt := range tests {
		if got := WorstOf(tt.acc, tt.v); got != tt.want {
			t.Errorf("WorstOf(%s, %s) = %s, want %s", tt.acc, tt.v, got, tt.want)
		}
	}
}
