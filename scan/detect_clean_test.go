package scan_test

import (
	"flag"
	"fmt"
	"github.com/bulwark-sec/bulwark/internal/race"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/scan"
)

var showClean = flag.Bool("clean-table", false, "print the findings per package of TestCorpusDetectorsOnCleanPackages")

// cleanRoot finds the popular npm packages installed for the clean-code
// measurement (.tools/scan-clean at the module root) or skips.
func cleanRoot(t testing.TB) string {
	dir, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("no module root")
		}
		dir = parent
	}
	root := filepath.Join(dir, ".tools", "scan-clean")
	if _, err := os.Stat(filepath.Join(root, "node_modules")); err != nil {
		t.Skipf("%s is absent: install the clean packages there (npm install --ignore-scripts) to measure false positives; skipping", root)
	}
	return root
}

// walkFiles reads the regular files under root (no links followed, at
// most 4 MiB of each) and calls fn for each.
func walkFiles(t testing.TB, root string, fn func(*scan.File)) {
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		f := &scan.File{Path: filepath.ToSlash(rel), Size: int64(len(data)), Data: data}
		if len(data) > 4<<20 {
			f.Data, f.Truncated = data[:4<<20], true
		}
		fn(f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestCorpusDetectorsOnCleanPackages: the node_modules of popular packages
// (express, lodash, axios, react, react-dom, typescript, eslint, webpack,
// next) give no high or critical finding from the Go detectors.
func TestCorpusDetectorsOnCleanPackages(t *testing.T) {
	t.Parallel()
	race.Corpus(t)
	if testing.Short() {
		t.Skip("reads a few hundred MB")
	}
	root := cleanRoot(t)
	dets := scan.Detectors(scan.DetectOptions{})
	type key struct{ pkg, rule string }
	counts := map[key]map[scan.Severity]int{}
	walkFiles(t, root, func(f *scan.File) {
		for _, d := range dets {
			if !d.Applies(f.Path) {
				continue
			}
			for _, fd := range d.Detect(f) {
				k := key{pkgOf(f.Path), fd.Rule}
				if counts[k] == nil {
					counts[k] = map[scan.Severity]int{}
				}
				counts[k][fd.Severity]++
				if fd.Severity == scan.SeverityHigh || fd.Severity == scan.SeverityCritical {
					t.Errorf("%s:%d %s %s: %s", fd.File, fd.Line, fd.Severity, fd.Rule, fd.Snippet)
				}
			}
		}
	})
	if *showClean {
		keys := make([]key, 0, len(counts))
		for k := range counts {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool {
			return keys[i].pkg < keys[j].pkg || keys[i].pkg == keys[j].pkg && keys[i].rule < keys[j].rule
		})
		for _, k := range keys {
			fmt.Printf("| %s | %s | %v |\n", k.pkg, k.rule, counts[k])
		}
	}
}

func pkgOf(p string) string {
	i := strings.LastIndex(p, "node_modules/")
	if i < 0 {
		return "(root)"
	}
	rest := p[i+len("node_modules/"):]
	parts := strings.SplitN(rest, "/", 3)
	if strings.HasPrefix(parts[0], "@") && len(parts) > 1 {
		return parts[0] + "/" + parts[1]
	}
	return parts[0]
}
