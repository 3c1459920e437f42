package sources_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/internal/shareddata"
	"github.com/bulwark-sec/bulwark/screening"
	"github.com/bulwark-sec/bulwark/screening/sources"
)

// allListFiles reads every list file of the shared data folder: the OFAC
// CSV set (sdn.csv of 2024-05-03 with the 2025-12-24 add/alt/comments), the
// UN XML, the DPRK attribution table, the Israel NBCTF tables and the 18
// GraphSense TagPacks.
func allListFiles(tb testing.TB) []sources.File {
	tb.Helper()
	var files []sources.File
	add := func(name string, elem ...string) {
		f, err := sources.ReadFile(shareddata.Path(tb, elem...))
		if err != nil {
			tb.Fatal(err)
		}
		if name != "" {
			f.Name = name
		}
		files = append(files, f)
	}
	add("", "screen", "ofac_sdn_csv_2024-05-03", "sdn.csv")
	for _, n := range []string{"add.csv", "alt.csv", "sdn_comments.csv"} {
		add("", "screen", "watchman", "ofac_2025-12-24_partial", n)
	}
	add("consolidated.xml", "screen", "watchman", "UN_consolidated_2026-02-27.xml")
	add("", "screen", "dprk", "dprk_attributed_addresses.csv")
	add("", "screen", "other_lists", "il_nbctf_mod_crypto_wallets.csv")
	add("", "screen", "other_lists", "il_nbctf_mod_crypto_releases.csv")
	tp := shareddata.Path(tb, "trace", "graphsense-tagpacks")
	yamls, _ := filepath.Glob(filepath.Join(tp, "*.yaml"))
	for _, y := range yamls {
		f, err := sources.ReadFile(y)
		if err != nil {
			tb.Fatal(err)
		}
		files = append(files, f)
	}
	return files
}

// BenchmarkRebuildAll parses every list file and builds the complete index
// (address keys and the name index): what a server does when the lists
// change. Run it alone under /usr/bin/time -v for the peak RSS
// (docs/benchmarks.md).
func BenchmarkRebuildAll(b *testing.B) {
	files := allListFiles(b)
	b.ReportAllocs()
	for b.Loop() {
		ls, err := sources.Parse(files, time.Now())
		if err != nil {
			b.Fatal(err)
		}
		screening.BuildIndex(ls, time.Now()).WarmNames()
	}
}

func TestAllListFilesParse(t *testing.T) {
	ls, err := sources.Parse(allListFiles(t), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(ls) != 22 {
		t.Errorf("%d lists, want 22 (OFAC, UN, FBI/DPRK, NBCTF, 18 TagPacks)", len(ls))
	}
}
