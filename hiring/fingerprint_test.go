package hiring

import (
	"bytes"
	"testing"
)

func TestFingerprint(t *testing.T) {
	t.Parallel()
	k1 := bytes.Repeat([]byte{1}, KeySize)
	k2 := bytes.Repeat([]byte{2}, KeySize)
	tests := []struct {
		name string
		a, b string
		ka   []byte
		kb   []byte
		same bool
	}{
		{"same id, same key", "p-1", "p-1", k1, k1, true},
		{"other id", "p-1", "p-2", k1, k1, false},
		{"other key", "p-1", "p-1", k1, k2, false},
		{"empty id", "", "", k1, k1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a, b := Fingerprint(tt.ka, tt.a), Fingerprint(tt.kb, tt.b)
			if len(a) != FingerprintLen {
				t.Fatalf("len(%q) = %d, want %d", a, len(a), FingerprintLen)
			}
			if (a == b) != tt.same {
				t.Errorf("Fingerprint: %s and %s, same = %v, want %v", a, b, a == b, tt.same)
			}
		})
	}
	// A known value: the key and the domain are part of the format; a
	// change here changes every fingerprint in existing audit logs.
	if got, want := Fingerprint(k1, "p-1"), "96fa3526ec49dfc46290f29643df9b45"; got != want {
		t.Errorf("Fingerprint(k1, p-1) = %s, want %s", got, want)
	}
	if got := PersonTarget("ab"); got != "hire:person:ab" {
		t.Errorf("PersonTarget = %q", got)
	}
}
