package cosign_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/safe/cosign"
)

// TestAuditReason: an audited refusal keeps the error's message, with a
// URL cut to its scheme and host (never a node's API key or password) and
// the whole cut to MaxAuditReason bytes on a character boundary.
func TestAuditReason(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		err       error
		want      string
		forbidden []string
	}{
		{"plain", bulwark.Invalid("note", "3000 bytes: at most 1000"), "note: 3000 bytes: at most 1000", nil},
		{"node URL with a key", bulwark.Errorf(bulwark.EUNAVAILABLE, "post https://user:hunter2@eth.example.com/v3/0123456789abcdef?key=s3cret: connection refused"),
			"post https://eth.example.com/…: connection refused", []string{"hunter2", "0123456789abcdef", "s3cret", "user"}},
	} {
		got := cosign.AuditReason(tc.err)
		if got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
		for _, f := range tc.forbidden {
			if strings.Contains(got, f) {
				t.Errorf("%s: %q keeps %q", tc.name, got, f)
			}
		}
	}
	long := cosign.AuditReason(bulwark.Invalid("body", "%s", strings.Repeat("é", 1000)))
	if len(long) > cosign.MaxAuditReason+len("…") || !utf8.ValidString(long) || !strings.HasSuffix(long, "…") {
		t.Errorf("a long message is kept as %d bytes (valid UTF-8 %v)", len(long), utf8.ValidString(long))
	}
}
