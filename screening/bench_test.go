package screening_test

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/internal/cputime"
	"github.com/bulwark-sec/bulwark/screening"
	"github.com/bulwark-sec/bulwark/screening/sources"
)

// defaultIndex builds the index of the lists embedded in the binary (OFAC
// SDN, UN, FBI): the index a fresh install screens with.
func defaultIndex(tb testing.TB) (*screening.Index, []*screening.List) {
	tb.Helper()
	ls, err := sources.Embedded()
	if err != nil {
		tb.Fatal(err)
	}
	ix := screening.BuildIndex(ls, time.Now())
	ix.WarmNames()
	return ix, ls
}

// listedAndRandom returns every address in lists and n random unlisted EVM
// addresses.
func listedAndRandom(ls []*screening.List, n int) (listed, random []screening.AddressQuery) {
	for _, l := range ls {
		for _, e := range l.Entities {
			for _, a := range e.Addresses {
				listed = append(listed, screening.AddressQuery{Address: a.Address, Chain: a.Currency})
			}
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range n {
		random = append(random, screening.AddressQuery{Address: fmt.Sprintf("0x%016x%016x%08x", r.Uint64(), r.Uint64(), r.Uint32())})
	}
	return listed, random
}

func BenchmarkLookupAddress(b *testing.B) {
	ix, ls := defaultIndex(b)
	listed, random := listedAndRandom(ls, 1000)
	rules := screening.DefaultPolicy()[screening.UseDeposit]
	for _, bc := range []struct {
		name string
		qs   []screening.AddressQuery
	}{{"hit", listed}, {"miss", random}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				r := ix.LookupAddress(bc.qs[i%len(bc.qs)], &rules)
				if (bc.name == "hit") != (len(r.Matches) > 0) {
					b.Fatalf("%s: %+v", bc.name, r)
				}
				i++
			}
		})
	}
}

// BenchmarkScreenBatch screens 10,000 addresses (1% listed) in one call:
// what POST /api/v1/screen/address does with a full batch, minus HTTP.
func BenchmarkScreenBatch(b *testing.B) {
	ix, ls := defaultIndex(b)
	listed, random := listedAndRandom(ls, 9900)
	qs := append(random, listed[:100]...)
	s, err := screening.NewScreener(ix, screening.Config{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.ScreenAddresses(screening.UseDeposit, "", qs); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBuildIndex builds the index of the embedded lists (address
// keys, and the name index, which WarmNames builds; entity digests are
// hashed when a match first needs them).
func BenchmarkBuildIndex(b *testing.B) {
	ls, err := sources.Embedded()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		screening.BuildIndex(ls, time.Now()).WarmNames()
	}
}

// BenchmarkScreenName runs name screenings against the embedded lists
// (loadtest: the names scripts/loadtest.sh sends) and reports the process CPU per screening and the 99th percentile latency.
func BenchmarkScreenName(b *testing.B) {
	ix, _ := defaultIndex(b)
	s, err := screening.NewScreener(ix, screening.Config{})
	if err != nil {
		b.Fatal(err)
	}
	queries := map[string][]string{
		"hit":  {"Kim Jong Un", "PARK Jin Hyok", "Lazarus Group", "Korea Kwangson Banking Corp", "Jon Il Chun", "Chinpo Shipping Company"},
		"typo": {"Kim Jong Unn", "Park Jin Hyock", "Lazarus Grup", "Korea Kwangsun Banking Corp", "Jon Il Chan", "Chinpo Shiping Company"},
		"miss": {"Angela Merkel", "Patricia Lucas Wheeler", "Johannes Vermeer", "Acme Widgets Incorporated", "Maria Fernanda Costa", "Tanaka Hiroshi"},
		// the one-typo names of scripts/loadtest.sh
		"loadtest": {"KOREA KWANGSON BANKNG CORP", "KIM YOGN CHOL", "Lazarus Grop", "KOREA MINING DEVELOPMENT TRDING CORPORATION", "CHONG CHON GNAG",
			"FOREIGN TRADE BANK OF THE DEMOCRATIC PEOPLE'S REPUBLC OF KOREA", "PAK JIN HYEOK", "KOREA RYONBONG GENERAL CORPORATON"},
	}
	for _, name := range []string{"hit", "typo", "miss", "loadtest"} {
		qs := queries[name]
		b.Run(name, func(b *testing.B) {
			var lat []time.Duration
			i := 0
			cpu0, _ := cputime.Seconds()
			for b.Loop() {
				start := time.Now()
				if _, err := s.ScreenName(screening.UseOnboarding, "", screening.NameQuery{Name: qs[i%len(qs)]}); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(start))
				i++
			}
			if cpu1, _ := cputime.Seconds(); cpu1 > cpu0 {
				b.ReportMetric((cpu1-cpu0)*1e6/float64(i), "cpu-µs/op")
			}
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
		})
	}
}

// BenchmarkDecodeLists decodes the content of every embedded list (what
// reading the active lists of a fresh install does) from the form a store
// keeps (gzip-compressed JSON, EncodeListContent) and from the binary form
// of the list cache (AppendListBinary).
func BenchmarkDecodeLists(b *testing.B) {
	ls, err := sources.Embedded()
	if err != nil {
		b.Fatal(err)
	}
	var stored, bins [][]byte
	for _, l := range ls {
		c, err := screening.EncodeListContent(l)
		if err != nil {
			b.Fatal(err)
		}
		stored = append(stored, c)
		bins = append(bins, screening.AppendListBinary(nil, l))
	}
	b.Run("stored-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for i, c := range stored {
				l := screening.List{Info: ls[i].Info}
				if err := screening.DecodeListContent(&l, c); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("binary", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, c := range bins {
				var l screening.List
				if err := screening.DecodeListBinary(&l, c); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
