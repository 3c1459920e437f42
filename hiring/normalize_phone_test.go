package hiring

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"testing"

	"github.com/nyaruka/phonenumbers"

	"github.com/bulwark-sec/bulwark/internal/race"
)

var phoneExhaustive = flag.Bool("phone-exhaustive", false, "TestPhoneFastPathExhaustive compares every area code and exchange with the library (about a minute of CPU)")

// TestCorpusDigitDFAMatchesRegexp: each automaton the fast path compiles from the
// metadata of country code 1 accepts exactly the strings of digits Go's
// regexp matches with the library's pattern: every three-digit start with
// several tails, and random strings of every length up to 12.
func TestCorpusDigitDFAMatchesRegexp(t *testing.T) {
	race.Corpus(t) // a few CPU seconds of comparisons: no concurrency for the race detector to see
	t.Parallel()
	if nanpTable() == nil {
		t.Fatal("the NANP metadata did not compile: the fast path is off")
	}
	coll, err := phonenumbers.MetadataCollection()
	if err != nil {
		t.Fatal(err)
	}
	var patterns []string
	for _, m := range coll.GetMetadata() {
		if m.GetCountryCode() != 1 {
			continue
		}
		if ld := m.GetLeadingDigits(); ld != "" {
			patterns = append(patterns, "^(?:"+ld+")")
		}
		for _, d := range []*phonenumbers.PhoneNumberDesc{m.GetGeneralDesc(), m.GetPremiumRate(), m.GetTollFree(), m.GetSharedCost(), m.GetVoip(),
			m.GetPersonalNumber(), m.GetPager(), m.GetUan(), m.GetVoicemail(), m.GetFixedLine(), m.GetMobile()} {
			patterns = append(patterns, "^(?:"+d.GetNationalNumberPattern()+")$")
		}
	}
	rng := rand.New(rand.NewPCG(1, 1))
	digits := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('0' + rng.IntN(10))
		}
		return string(b)
	}
	var inputs []string
	for p := range 1000 {
		for range 3 {
			inputs = append(inputs, fmt.Sprintf("%03d", p)+digits(7))
		}
		inputs = append(inputs, fmt.Sprintf("%03d", p)+digits(4))
	}
	for range 2000 {
		inputs = append(inputs, digits(rng.IntN(13)))
	}
	for _, p := range patterns {
		re := regexp.MustCompile(p)
		d, err := compileDigits(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		match := d.full
		if p[len(p)-1] != '$' {
			match = d.prefix
		}
		for _, s := range inputs {
			if got, want := match(s), re.MatchString(s); got != want {
				t.Fatalf("pattern %s on %q: automaton %v, regexp %v", p, s, got, want)
			}
		}
	}
}

// TestCorpusPhoneFastPathMatchesLibrary: NormalizePhone gives the library's
// answer (referencePhone: Parse on the text as written, IsValidNumber) for
// random North American numbers written the ways the fast path reads, and
// a few it leaves to the library, in each region of the plan and others.
func TestCorpusPhoneFastPathMatchesLibrary(t *testing.T) {
	race.Corpus(t) // a few CPU seconds of comparisons: no concurrency for the race detector to see
	t.Parallel()
	n := nanpTable()
	if n == nil {
		t.Fatal("the NANP metadata did not compile: the fast path is off")
	}
	regions := append(phonenumbers.GetRegionCodesForCountryCode(1), "GB", "DE", "", "ZZ", "XX", "us")
	rng := rand.New(rand.NewPCG(2, 2))
	handled := 0
	const count = 12000
	for k := range count {
		npa := 100 + rng.IntN(900)
		if k%4 == 0 { // the plan's own regions and toll-free codes more often
			npa = []int{212, 268, 264, 684, 246, 441, 242, 204, 767, 809, 473, 671, 876, 869, 345, 758, 670, 664, 787, 721, 649, 868, 784, 284, 340, 800, 888, 900}[rng.IntN(28)]
		}
		nxx, line := rng.IntN(1000), rng.IntN(10000)
		region := regions[rng.IntN(len(regions))]
		var s string
		switch rng.IntN(6) {
		case 0:
			s = fmt.Sprintf("+1%03d%03d%04d", npa, nxx, line)
		case 1:
			s = fmt.Sprintf("+1 (%03d) %03d-%04d", npa, nxx, line)
		case 2:
			s = fmt.Sprintf("(%03d) %03d-%04d", npa, nxx, line)
		case 3:
			s = fmt.Sprintf("%03d.%03d.%04d", npa, nxx, line)
		case 4:
			s = fmt.Sprintf("1-%03d-%03d-%04d", npa, nxx, line) // the library's
		default:
			s = fmt.Sprintf("%03d%03d%04d", npa, nxx, line)[:8+rng.IntN(3)] // too short, or ten digits
		}
		got, ok := NormalizePhone(s, region)
		want, wok := referencePhone(s, region)
		if got != want || ok != wok {
			t.Fatalf("NormalizePhone(%q, %q) = %q, %v; the library says %q, %v", s, region, got, ok, want, wok)
		}
		r := region
		if len(r) != 2 {
			r = "ZZ"
		}
		if _, _, h := n.fastPhone(phoneDigits(s), toUpperASCII(r)); h {
			handled++
		}
	}
	if handled < count/3 {
		t.Errorf("the fast path took %d of %d numbers; want most of those written its ways", handled, count)
	}
}

// TestPhoneFastPathExhaustive (with -phone-exhaustive) compares the fast
// path with the library on every area code and exchange (NPA-NXX, a
// million), each with a random line number, written "+1" and ten digits
// (no region) and as ten digits in the US.
func TestPhoneFastPathExhaustive(t *testing.T) {
	if !*phoneExhaustive {
		t.Skip("run with -phone-exhaustive")
	}
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 3))
	for p := 200; p < 1000; p++ {
		for x := range 1000 {
			d := strconv.Itoa(p) + fmt.Sprintf("%03d%04d", x, rng.IntN(10000))
			for _, c := range [][2]string{{"+1" + d, ""}, {d, "US"}} {
				got, ok := NormalizePhone(c[0], c[1])
				want, wok := referencePhone(c[0], c[1])
				if got != want || ok != wok {
					t.Fatalf("NormalizePhone(%q, %q) = %q, %v; the library says %q, %v", c[0], c[1], got, ok, want, wok)
				}
			}
		}
	}
}

func toUpperASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// BenchmarkNormalizePhone: one US number written "(415) 555-0123", by the
// fast path and by the library alone; cpu-ns/op is the process's CPU time
// per number (the machine may be shared).
//
//	go test -run '^$' -bench NormalizePhone -benchtime 200000x ./hiring/
func BenchmarkNormalizePhone(b *testing.B) {
	nums := make([]string, 10000)
	for i := range nums {
		nums[i] = fmt.Sprintf("(415) %03d-%04d", 200+i%800, i)
	}
	nanpTable() // compiled once per process, outside the timing
	for _, c := range []struct {
		name string
		f    func(string) (string, bool)
	}{
		{"fast", func(s string) (string, bool) { return NormalizePhone(s, "US") }},
		{"library", func(s string) (string, bool) { return libraryPhone(phoneDigits(s), "US") }},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			c0 := cpuTime()
			for i := range b.N {
				if _, ok := c.f(nums[i%len(nums)]); !ok {
					b.Fatalf("%s not valid", nums[i%len(nums)])
				}
			}
			b.ReportMetric(float64((cpuTime()-c0).Nanoseconds())/float64(b.N), "cpu-ns/op")
		})
	}
}
