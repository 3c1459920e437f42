package cli

import (
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
)

// FuzzParseConfig: any file contents give a map or an EINVALID error that
// names the config, never a panic.
func FuzzParseConfig(f *testing.F) {
	for _, seed := range []string{
		"",
		"data-dir = \"/var/lib/bulwark\"\nlog-format = \"json\"\n",
		"[serve]\naddr = \"127.0.0.1:8080\"\nrate-limit = 50\nmetrics-public = true\n",
		"json = true\n[serve]\nburst = 10\n",
		"colour = 1\n",
		"[serve.tls]\ncert = \"x\"\n",
		"data-dir = [1, 2]\n",
		"data = \"/var/lib/bulwark\"\n",
		"= =\n",
		"[serve]\naddr = 1979-05-27T07:32:00Z\n",
	} {
		f.Add(seed)
	}
	tables := map[string]bool{"serve": true}
	f.Fuzz(func(t *testing.T, s string) {
		values, err := parseConfig([]byte(s), "fuzz.toml", tables)
		if err != nil {
			if bulwark.ErrorCode(err) != bulwark.EINVALID || !strings.HasPrefix(bulwark.ErrorMessage(err), "config: ") {
				t.Fatalf("error %q is not an invalid-config error", err)
			}
			return
		}
		for k := range values {
			name := k
			if table, key, ok := strings.Cut(k, "."); ok {
				if !tables[table] {
					t.Fatalf("key %q from an unknown table", k)
				}
				name = key
			}
			if name == "" {
				t.Fatalf("empty key from %q", s)
			}
		}
	})
}

// FuzzParseAnchor: only SEQ:HASH with a positive SEQ and 64 hex digits
// parses, or 0 and 64 zeros (the head of an empty log), and it round-trips.
func FuzzParseAnchor(f *testing.F) {
	for _, seed := range []string{"1:" + strings.Repeat("a", 64), "42:" + strings.Repeat("F", 64), "0:" + strings.Repeat("0", 64), "-1:x", ":", "", "9223372036854775808:" + strings.Repeat("0", 64)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := parseAnchor(s)
		if err != nil {
			if bulwark.ErrorCode(err) != bulwark.EINVALID {
				t.Fatalf("parseAnchor(%q) = %v", s, err)
			}
			return
		}
		if a.Seq == 0 && a.Hash == strings.Repeat("0", 64) {
			return
		}
		if a.Seq < 1 || len(a.Hash) != 64 || strings.ToLower(a.Hash) != a.Hash {
			t.Fatalf("parseAnchor(%q) = %+v", s, a)
		}
	})
}
