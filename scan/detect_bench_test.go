package scan_test

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/bulwark-sec/bulwark/internal/cputime"
	"github.com/bulwark-sec/bulwark/scan"
)

// benchCorpus is real code: the first 16 MiB of the .js files of the
// clean packages' node_modules (or a synthetic mix when they are
// absent), read once.
var benchCorpus = sync.OnceValue(func() []*scan.File {
	var files []*scan.File
	total := 0
	if root, ok := cleanRootQuiet(); ok {
		_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err != nil || total >= 16<<20 || !d.Type().IsRegular() || !strings.HasSuffix(p, ".js") {
				return nil
			}
			data, err := os.ReadFile(p)
			if err != nil || len(data) > 4<<20 {
				return nil
			}
			rel, _ := filepath.Rel(root, p)
			// Scanned as the repository's own code, not as vendored.
			files = append(files, &scan.File{Path: strings.ReplaceAll(filepath.ToSlash(rel), "node_modules/", "src/"), Data: data})
			total += len(data)
			return nil
		})
	}
	if len(files) == 0 {
		chunk := "function f(a, b) {\n  return a.map((x) => x * 2).filter(Boolean); // ok\n}\nconst s = 'שלום';\n"
		files = append(files, &scan.File{Path: "src/synthetic.js", Data: []byte(strings.Repeat(chunk, (4<<20)/len(chunk)))})
	}
	return files
})

func cleanRootQuiet() (string, bool) {
	dir, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
	root := filepath.Join(dir, ".tools", "scan-clean", "node_modules")
	_, err := os.Stat(root)
	return root, err == nil
}

// BenchmarkDetectors: each Go detector over the corpus, in MB/s and
// allocations, with the CPU time per MB.
func BenchmarkDetectors(b *testing.B) {
	files := benchCorpus()
	var size int64
	for _, f := range files {
		size += int64(len(f.Data))
	}
	for _, d := range scan.Detectors(scan.DetectOptions{}) {
		b.Run(d.ID(), func(b *testing.B) {
			b.SetBytes(size)
			b.ReportAllocs()
			cpu0, ok0 := cputime.Seconds()
			for b.Loop() {
				for _, f := range files {
					if d.Applies(f.Path) {
						d.Detect(f)
					}
				}
			}
			if cpu1, ok := cputime.Seconds(); ok && ok0 {
				b.ReportMetric((cpu1-cpu0)*1e3/float64(b.N)/(float64(size)/1e6), "cpu-ms/MB")
			}
		})
	}
}

// BenchmarkLockfile: parsing and checking the clean packages' real
// package-lock.json (300 packages).
func BenchmarkLockfile(b *testing.B) {
	root, ok := cleanRootQuiet()
	if !ok {
		b.Skip("no clean packages installed")
	}
	data, err := os.ReadFile(filepath.Join(filepath.Dir(root), "package-lock.json"))
	if err != nil {
		b.Skip(err)
	}
	d := scan.NewDependencyDetector(scan.BuiltinIOCs())
	f := &scan.File{Path: "package-lock.json", Data: data}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	cpu0, ok0 := cputime.Seconds()
	for b.Loop() {
		d.Detect(f)
	}
	if cpu1, ok := cputime.Seconds(); ok && ok0 {
		b.ReportMetric((cpu1-cpu0)*1e3/float64(b.N), "cpu-ms/op")
	}
}
