package scan

import (
	"strings"
	"testing"
)

// TestHiddenIdeographicPadding: code pushed off-screen with U+3000
// IDEOGRAPHIC SPACE (JavaScript whitespace, two columns wide each) is
// found like code after ASCII spaces.
func TestHiddenIdeographicPadding(t *testing.T) {
	t.Parallel()
	for _, n := range []int{80, 100} {
		src := "const x = 1;" + strings.Repeat("\u3000", n) + "eval(payload);\n"
		got := HiddenCodeDetector{}.Detect(&File{Path: "src/index.js", Data: []byte(src)})
		if len(got) == 0 || got[0].Rule != "HIDDEN-AFTER-WHITESPACE" || got[0].Severity != SeverityHigh {
			t.Errorf("%d ideographic spaces: got %+v, want HIDDEN-AFTER-WHITESPACE high", n, got)
		}
	}
	if got := (HiddenCodeDetector{}).Detect(&File{Path: "src/index.js", Data: []byte("const x = 1;" + strings.Repeat("\u3000", 40) + "eval(p);\n")}); len(got) != 0 {
		t.Errorf("40 ideographic spaces (80 columns): got %+v, want none", got)
	}
}
