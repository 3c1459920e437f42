package scan

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// bigLockfile returns a package-lock.json (v3) of at least size bytes
// whose last package is evil, and the line of evil's key.
func bigLockfile(size int, evil string) (string, int) {
	var b strings.Builder
	b.WriteString("{\n  \"name\": \"big-app\",\n  \"lockfileVersion\": 3,\n  \"packages\": {\n    \"\": {\"name\": \"big-app\"},\n")
	line := 6
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, "    \"node_modules/zq-internal-module-%07d\": {\n      \"version\": \"1.0.%d\",\n      \"resolved\": \"https://registry.npmjs.org/zq-internal-module-%07d/-/zq-internal-module-%07d-1.0.%d.tgz\",\n      \"integrity\": \"sha512-%s\"\n    },\n",
			i, i, i, i, i, strings.Repeat("A", 86))
		line += 5
	}
	fmt.Fprintf(&b, "    \"node_modules/%s\": {\n      \"version\": \"1.0.0\"\n    }\n  }\n}\n", evil)
	return b.String(), line
}

// TestLargeLockfileParsedWhole: a package-lock.json longer than the 4 MiB
// window (big projects' are 5 to 20 MB) is parsed whole, so a known
// malicious package near its end is reported, once, at its line: in a
// folder or a tarball (read once), by the default scanner's detectors or
// by a rule of the dependency_list type.
func TestLargeLockfileParsedWhole(t *testing.T) {
	t.Parallel()
	lock, line := bigLockfile(6<<20, "react-plaid-sdk")
	if len(lock) <= DefaultMaxFileBytes {
		t.Fatalf("the lockfile is %d bytes, not longer than the window", len(lock))
	}
	dir := writeFiles(t, map[string]string{"package-lock.json": lock})
	tgz := write(t, "app.tgz", gz(t, tarOf(t, ent{name: "package/package-lock.json", body: lock})))
	reg, err := DetectorRegistry(DetectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	userRules, err := ParseRules("t.yaml", []byte(`version: 1
rules:
  - id: T-DEPS
    target: "**/package-lock.json"
    type: dependency_list
    severity: high
    why: "test"
`), reg)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, path, file string
		opt              Options
	}{
		{"folder, default scanner", dir, "package-lock.json", Options{}},
		{"tarball, default scanner", tgz, "package/package-lock.json", Options{}},
		{"folder, dependency_list rule", dir, "package-lock.json", Options{Rules: userRules, Detectors: []Detector{}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s, err := NewScanner(c.opt)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := s.Scan(context.Background(), c.path)
			if err != nil {
				t.Fatal(err)
			}
			var got []Finding
			for _, f := range rep.Findings {
				if f.Rule == "KNOWN-MALICIOUS-DEPENDENCY" {
					got = append(got, f)
				}
			}
			if len(got) != 1 || got[0].Line != line || got[0].File != c.file || got[0].Severity != SeverityCritical {
				t.Fatalf("want one critical KNOWN-MALICIOUS-DEPENDENCY at %s:%d, got %+v (all: %v)", c.file, line, got, rep.Findings)
			}
			if rep.Files != 1 {
				t.Errorf("Files = %d, want 1", rep.Files)
			}
		})
	}
}
