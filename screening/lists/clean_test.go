package lists

import "testing"

// TestCleanDropsBidiControls: a list name cannot carry a control that
// reorders how the summary line around it reads (review finding: U+202D,
// U+202E, U+2066-U+2069 and U+061C were kept, and the closing U+202C was
// dropped, so an override ran to the end of the line).
func TestCleanDropsBidiControls(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"Lazarus \u202eLLAW-ENILNO\u202c", "Lazarus LLAW-ENILNO"},
		{"Lazarus \u202dGroup", "Lazarus Group"},
		{"\u2066ofac\u2069 \u2067x\u2069 \u2068y\u2069", "ofac x y"},
		{"a\u061cb\u200ec\u200fd\u202ae\u202bf", "abcdef"},
		{"Kim  Jong\tUn", "Kim Jong Un"},
	} {
		if got := clean(tc.in); got != tc.want {
			t.Errorf("clean(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
