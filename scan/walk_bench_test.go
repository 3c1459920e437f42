package scan

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"

	"github.com/bulwark-sec/bulwark/internal/cputime"
)

// benchTree is the generated 100 MB tree, built once per test binary and
// removed by TestMain.
var benchTree struct {
	once              sync.Once
	dir               string // holds tree/, tree.tgz, tree.zip
	files             int
	bytes             int64
	tgzBytes, zipSize int64
	err               error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchTree.dir != "" {
		os.RemoveAll(benchTree.dir)
	}
	os.Exit(code)
}

// jsWords are the pieces generated JavaScript is made of.
var jsWords = strings.Fields(`const let var function return if else for while require module exports
import from export default async await new this null undefined true false typeof instanceof
=> ( ) { } [ ] ; , . = === !== + - * / && || ? : value options callback err result data index
length push map filter reduce Object.keys Array.isArray JSON.stringify Promise resolve reject
'use strict' "lodash" 'path' "fs" 0 1 2 10 100 0x1f // /* */ * @param {string} @returns`)

// genTree writes a deterministic tree of JavaScript-like files, about
// 100 MB in about 9,000 files, sizes log-normal (median 5 KB, a few
// files of a few hundred KB to 2 MB, like minified bundles), then the
// same tree as a .tgz and a .zip.
func genTree(dir string) (files int, total int64, err error) {
	rng := rand.New(rand.NewPCG(13, 100))
	root := filepath.Join(dir, "tree")
	var line strings.Builder
	for total < 100<<20 {
		size := min(int64(math.Exp(8.5+1.3*rng.NormFloat64())), 2<<20)
		pkg := fmt.Sprintf("node_modules/pkg%03d", rng.IntN(150))
		p := filepath.Join(root, filepath.FromSlash(fmt.Sprintf("%s/lib/d%d/f%05d.js", pkg, rng.IntN(8), files)))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return 0, 0, err
		}
		var b strings.Builder
		b.Grow(int(size) + 100)
		for int64(b.Len()) < size {
			line.Reset()
			for range 4 + rng.IntN(10) {
				line.WriteString(jsWords[rng.IntN(len(jsWords))])
				if rng.IntN(3) == 0 {
					fmt.Fprintf(&line, "%d", rng.IntN(1000))
				}
				line.WriteByte(' ')
			}
			b.WriteString(strings.Repeat("  ", rng.IntN(4)))
			b.WriteString(line.String())
			b.WriteByte('\n')
		}
		if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
			return 0, 0, err
		}
		files++
		total += int64(b.Len())
	}
	return files, total, archiveTree(root, filepath.Join(dir, "tree.tgz"), filepath.Join(dir, "tree.zip"))
}

// archiveTree writes root as a .tgz and a .zip.
func archiveTree(root, tgzPath, zipPath string) error {
	tf, err := os.Create(tgzPath)
	if err != nil {
		return err
	}
	defer tf.Close()
	zf, err := os.Create(zipPath)
	if err != nil {
		return err
	}
	defer zf.Close()
	gw := gzip.NewWriter(tf)
	tw := tar.NewWriter(gw)
	zw := zip.NewWriter(zf)
	err = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := tw.WriteHeader(&tar.Header{Name: filepath.ToSlash(rel), Mode: 0o644, Size: int64(len(data))}); err != nil {
			return err
		}
		if _, err := tw.Write(data); err != nil {
			return err
		}
		w, err := zw.Create(filepath.ToSlash(rel))
		if err != nil {
			return err
		}
		_, err = w.Write(data)
		return err
	})
	if err != nil {
		return err
	}
	for _, c := range []io.Closer{tw, gw, zw} {
		if err := c.Close(); err != nil {
			return err
		}
	}
	return nil
}

// tree returns the generated tree, building it on first use.
func tree(b *testing.B) (dir string, files int, bytes int64) {
	benchTree.once.Do(func() {
		benchTree.dir, benchTree.err = os.MkdirTemp("", "bulwark-scan-bench-")
		if benchTree.err == nil {
			benchTree.files, benchTree.bytes, benchTree.err = genTree(benchTree.dir)
		}
	})
	if benchTree.err != nil {
		b.Fatal(benchTree.err)
	}
	return benchTree.dir, benchTree.files, benchTree.bytes
}

// BenchmarkWalk walks the generated 100 MB tree (about 9,000 JavaScript
// files) as a directory, a .tgz and a .zip, handing each file to a
// callback that only counts it. It reports CPU seconds per walk, MB/s of
// file content per CPU second, and the peak heap (live and not yet
// collected objects, sampled every 64 files).
func BenchmarkWalk(b *testing.B) {
	dir, files, total := tree(b)
	for _, form := range []string{"tree", "tree.tgz", "tree.zip"} {
		b.Run(strings.TrimPrefix(form, "tree."), func(b *testing.B) {
			sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
			var peak uint64
			cpu0, _ := cputime.Seconds()
			b.SetBytes(total)
			for b.Loop() {
				n := 0
				st, err := Walk(context.Background(), filepath.Join(dir, form), DefaultLimits(), func(f *File) error {
					n++
					if n%64 == 0 {
						metrics.Read(sample)
						peak = max(peak, sample[0].Value.Uint64())
					}
					return nil
				})
				if err != nil || st.Files != files || st.Bytes != total || st.Incomplete {
					b.Fatalf("walk: %v, %+v, want %d files, %d bytes", err, st, files, total)
				}
			}
			cpu1, ok := cputime.Seconds()
			if ok {
				cpuPerOp := (cpu1 - cpu0) / float64(b.N)
				b.ReportMetric(cpuPerOp, "cpu-s/op")
				b.ReportMetric(float64(total)/1e6/cpuPerOp, "MB/cpu-s")
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
			b.ReportMetric(float64(files), "files")
		})
	}
}
