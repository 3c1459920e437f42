package scan

import (
	"context"
	"os"
	"path/filepath"
	"runtime/metrics"
	"slices"
	"testing"

	"github.com/bulwark-sec/bulwark/internal/cputime"
)

// BenchmarkScan scans with the default rules and the Go detectors:
//   - generated: the generated 100 MB tree of about 10,000 JavaScript
//     files (see BenchmarkWalk);
//   - node_modules: the clean packages' installed node_modules
//     (.tools/scan-clean) without next, @next and @img (next's 200 MB of
//     bundles and the native binaries), about 110 MB of real JavaScript,
//     TypeScript declarations and JSON, each top-level package scanned as
//     a tree; skipped when not installed.
//
// It reports CPU seconds per scan, MB per CPU second, and the peak heap
// (live and not yet collected objects, sampled every 64 files).
func BenchmarkScan(b *testing.B) {
	s, err := NewScanner(Options{Detectors: Detectors(DetectOptions{})})
	if err != nil {
		b.Fatal(err)
	}
	run := func(b *testing.B, roots []string) {
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		var peak uint64
		n := 0
		walk := func(ctx context.Context, path string, l Limits, fn func(*File) error) (WalkStats, error) {
			return Walk(ctx, path, l, func(f *File) error {
				if n++; n%64 == 0 {
					metrics.Read(sample)
					peak = max(peak, sample[0].Value.Uint64())
				}
				return fn(f)
			})
		}
		s.walk = walk
		var total int64
		files := 0
		cpu0, _ := cputime.Seconds()
		for b.Loop() {
			total, files = 0, 0
			for _, root := range roots {
				rep, err := s.Scan(context.Background(), root)
				if err != nil {
					b.Fatal(err)
				}
				total += rep.Bytes
				files += rep.Files
			}
		}
		cpu1, ok := cputime.Seconds()
		b.SetBytes(total)
		if ok {
			cpuPerOp := (cpu1 - cpu0) / float64(b.N)
			b.ReportMetric(cpuPerOp, "cpu-s/op")
			b.ReportMetric(float64(total)/1e6/cpuPerOp, "MB/cpu-s")
		}
		b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		b.ReportMetric(float64(files), "files")
	}
	b.Run("generated", func(b *testing.B) {
		dir, _, _ := tree(b)
		run(b, []string{filepath.Join(dir, "tree")})
	})
	b.Run("node_modules", func(b *testing.B) {
		dir := filepath.Join(moduleRoot(b), ".tools", "scan-clean", "node_modules")
		entries, err := os.ReadDir(dir)
		if err != nil {
			b.Skipf("%s: %v (run scripts/install-test-deps.sh)", dir, err)
		}
		var roots []string
		for _, e := range entries {
			if e.IsDir() && !slices.Contains([]string{"next", "@next", "@img", ".bin"}, e.Name()) {
				roots = append(roots, filepath.Join(dir, e.Name()))
			}
		}
		run(b, roots)
	})
}
