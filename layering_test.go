package bulwark_test

import (
	"bufio"
	"bytes"
	"os/exec"
	"sort"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/internal/testtree"
)

const module = "github.com/bulwark-sec/bulwark"

// adapters wrap something outside the process (a database, HTTP, a node, a
// webhook receiver, the command line, the co-signer's key file, a Safe
// Transaction Service, the web console). Only cmd/, internal/ (wiring, test harnesses,
// tools) and other adapters may import them.
var adapters = []string{"sqlite", "httpapi", "ethrpc", "webhook", "cli", "keystore", "safetxservice", "web"}

// safeLayers ranks the safe packages: a package may import only packages of
// a lower rank, so imports point one way (watch and posture → policy →
// onchain → decode → the core) and packages of one rank do not import each other. A new safe
// package needs a rank here.
var safeLayers = map[string]int{
	"safe":                    0,
	"safe/decode":             1,
	"safe/onchain":            2,
	"safe/internal/fakechain": 3,
	"safe/policy":             3,
	"safe/cosign":             4,
	"safe/posture":            4,
	"safe/watch":              4,
	"safe/queue":              5,
}

// goListDeps returns, for every package of the module, its transitive
// non-test dependencies inside the module (paths relative to it, "" for
// the root package).
func goListDeps(t *testing.T) map[string][]string {
	t.Helper()
	testtree.Depends(t) // go list reads every package of the tree
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go tool is not on PATH: cannot list the packages' dependencies")
	}
	cmd := exec.Command(goTool, "list", "-f", `{{.ImportPath}}{{range .Deps}} {{.}}{{end}}`, "./...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	rel := func(p string) (string, bool) {
		if p == module {
			return "", true
		}
		r, ok := strings.CutPrefix(p, module+"/")
		return r, ok
	}
	deps := map[string][]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		pkg, ok := rel(fields[0])
		if !ok {
			continue
		}
		deps[pkg] = []string{}
		for _, d := range fields[1:] {
			if r, ok := rel(d); ok {
				deps[pkg] = append(deps[pkg], r)
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if _, ok := deps["safe"]; !ok {
		t.Fatalf("go list did not list the safe package: %q", out)
	}
	return deps
}

// TestDomainImportsNoAdapter holds the layering: no domain package (the
// root package, auth, audit, outbox, safe/..., screening/..., tracing, storetest)
// depends, even indirectly, on an adapter.
func TestDomainImportsNoAdapter(t *testing.T) {
	t.Parallel()
	deps := goListDeps(t)
	isAdapter := func(p string) bool {
		for _, a := range adapters {
			if p == a || strings.HasPrefix(p, a+"/") {
				return true
			}
		}
		return false
	}
	var checked []string
	for pkg, ds := range deps {
		if isAdapter(pkg) || strings.HasPrefix(pkg, "cmd/") || strings.HasPrefix(pkg, "internal/") {
			continue
		}
		checked = append(checked, pkg)
		for _, d := range ds {
			if isAdapter(d) {
				t.Errorf("domain package %q depends on the adapter %q", "bulwark/"+pkg, d)
			}
		}
	}
	sort.Strings(checked)
	for _, want := range []string{"", "audit", "auth", "inbox", "outbox", "safe", "screening", "tracing"} {
		if _, found := sort.Find(len(checked), func(i int) int { return strings.Compare(want, checked[i]) }); !found {
			t.Errorf("domain package %q was not checked (checked %v)", want, checked)
		}
	}
}

// TestSafeLayers holds the safe packages to safeLayers.
func TestSafeLayers(t *testing.T) {
	t.Parallel()
	deps := goListDeps(t)
	for pkg, ds := range deps {
		if pkg != "safe" && !strings.HasPrefix(pkg, "safe/") {
			continue
		}
		rank, ok := safeLayers[pkg]
		if !ok {
			t.Errorf("package %q has no rank in safeLayers: give it one below what it imports", pkg)
			continue
		}
		for _, d := range ds {
			if dr, ok := safeLayers[d]; ok && dr >= rank {
				t.Errorf("%q (rank %d) imports %q (rank %d): safe imports must point down", pkg, rank, d, dr)
			}
		}
	}
}
