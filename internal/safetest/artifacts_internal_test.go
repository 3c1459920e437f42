package safetest

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestSharedArtifactsMatchNPM reads each release from both sources, when
// both are present, and checks that they hold the same code: the shared
// folder is a fallback, not a different set of contracts.
func TestSharedArtifactsMatchNPM(t *testing.T) {
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	for i := range releases {
		rel := &releases[i]
		t.Run(rel.version, func(t *testing.T) {
			npmDir := filepath.Join(root, relPackages, rel.alias)
			sharedDir := filepath.Join(root, filepath.FromSlash(relShared), "v"+rel.version)
			if !exists(npmDir) || !exists(sharedDir) {
				t.Skipf("need both %s and %s", npmDir, sharedDir)
			}
			npm, err := loadFrom(rel, "npm", func(r role) string { return filepath.Join(npmDir, filepath.FromSlash(r.npmPath)) })
			if err != nil {
				t.Fatal(err)
			}
			shared, err := loadFrom(rel, "shared", func(r role) string { return filepath.Join(sharedDir, r.name+".json") })
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, r := range rel.roles {
				a, b := *r.field(npm), *r.field(shared)
				if a == nil || b == nil {
					continue // the shared folder has fewer contracts
				}
				n++
				if !bytes.Equal(a.Bytecode, b.Bytecode) || !bytes.Equal(a.DeployedBytecode, b.DeployedBytecode) {
					t.Errorf("%s: npm and shared bytecode differ", r.name)
				}
				if len(a.ABI.Methods) != len(b.ABI.Methods) || len(a.ABI.Events) != len(b.ABI.Events) {
					t.Errorf("%s: npm and shared ABIs differ", r.name)
				}
			}
			if n < 3 {
				t.Errorf("only %d contracts compared", n)
			}
		})
	}
}

func TestLoadReleaseNotFound(t *testing.T) {
	t.Setenv(EnvArtifacts, t.TempDir())
	_, err := loadRelease(&release{version: "9.9.9", alias: "no-such-package"})
	if !errors.Is(err, ErrNoArtifacts) {
		t.Fatalf("error = %v, want ErrNoArtifacts", err)
	}
}

func TestRequireArtifactsSkipsOrFails(t *testing.T) {
	// A version that is listed but whose artifacts are nowhere: fake one.
	releases = append(releases, release{version: "0.0.9", alias: "no-such-package"})
	t.Cleanup(func() { releases = releases[:len(releases)-1] })
	t.Setenv(EnvArtifacts, t.TempDir())

	t.Setenv("CI", "")
	os.Unsetenv("CI")
	f := &fakeTB{TB: t}
	runFake(f, func() { RequireArtifacts(f, "0.0.9") })
	if !f.skipped || f.failed {
		t.Errorf("without CI: skipped %v, failed %v; want a skip", f.skipped, f.failed)
	}

	t.Setenv("CI", "true")
	f = &fakeTB{TB: t}
	runFake(f, func() { RequireArtifacts(f, "0.0.9") })
	if !f.failed || f.skipped {
		t.Errorf("with CI: skipped %v, failed %v; want a failure", f.skipped, f.failed)
	}
}

// fakeTB records Skip and Fatal instead of ending the real test.
type fakeTB struct {
	testing.TB
	skipped, failed bool
}

type stop struct{}

func (f *fakeTB) Helper()               {}
func (f *fakeTB) Skip(...any)           { f.skipped = true; panic(stop{}) }
func (f *fakeTB) Fatal(...any)          { f.failed = true; panic(stop{}) }
func (f *fakeTB) Fatalf(string, ...any) { f.failed = true; panic(stop{}) }

func runFake(f *fakeTB, fn func()) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(stop); !ok {
				panic(r)
			}
		}
	}()
	fn()
}
