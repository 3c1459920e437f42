package hiring

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/hiring/internal/synth"
)

// synthPeople generates n people records deterministically, each with an
// e-mail, a US phone number, a national id, a bank account (every other one
// an IBAN), a laptop serial and, for half, a GitHub handle, written in the
// varied ways people write them. About 5 % of the records reuse one
// identifier of an earlier record (the same person applying again, a
// shared payroll account, a laptop passed on), spelt differently.
func synthPeople(n int) []Person {
	r := rand.New(rand.NewPCG(12, 2026))
	people := make([]Person, n)
	areas := []string{"212", "415", "312", "646", "617", "206", "303", "512"}
	for i := range people {
		p := &people[i]
		p.ID = "P-" + strconv.Itoa(i)
		p.Country = "US"
		p.FullName = "Person " + strconv.Itoa(i)
		switch i % 3 {
		case 0:
			p.Emails = []string{"first.last" + strconv.Itoa(i) + "@gmail.com"}
		case 1:
			p.Emails = []string{"User" + strconv.Itoa(i) + "+jobs@outlook.com"}
		default:
			p.Emails = []string{"u" + strconv.Itoa(i) + "@example.org"}
		}
		p.Phones = []string{fmt.Sprintf("(%s) %03d-%04d", areas[(i/1000000)%len(areas)], 200+(i/10000)%800, i%10000)}
		p.NationalID = fmt.Sprintf("%03d-%02d-%04d", 100+i%800, 10+(i/800)%90, 1000+(i/72000)%9000)
		if i%2 == 0 {
			p.BankAccounts = []string{fmt.Sprintf("%09d-%08d", 21000021, i)}
		} else {
			p.BankAccounts = []string{synthIBAN(i)}
		}
		p.DeviceSerials = []string{fmt.Sprintf("C02X-%07d-%c", i, 'A'+rune(i%26))}
		if i%2 == 0 {
			p.GitHub = "https://github.com/dev-" + strconv.Itoa(i)
		}
		if i > 0 && r.IntN(100) < 5 {
			o := &people[r.IntN(i)]
			switch r.IntN(5) {
			case 0:
				p.Emails = append(p.Emails, strings.ToUpper(o.Emails[0]))
			case 1:
				p.Phones = append(p.Phones, "+1 "+o.Phones[0])
			case 2:
				p.BankAccounts = []string{strings.ReplaceAll(o.BankAccounts[0], "-", " ")}
			case 3:
				p.DeviceSerials = append(p.DeviceSerials, strings.ToLower(o.DeviceSerials[0]))
			default:
				p.NationalID = strings.ReplaceAll(o.NationalID, "-", "")
			}
		}
	}
	return people
}

// synthIBAN is a valid German IBAN made from i.
func synthIBAN(i int) string {
	bban := fmt.Sprintf("37040044%010d", i)
	rem := 0
	for _, c := range bban + "DE00" {
		if c >= 'A' {
			rem = (rem*100 + int(c-'A'+10)) % 97
		} else {
			rem = (rem*10 + int(c-'0')) % 97
		}
	}
	return fmt.Sprintf("DE%02d %s", 98-rem, bban)
}

func TestSynthPeople(t *testing.T) {
	t.Parallel()
	people := synthPeople(5000)
	g, err := BuildGraph(people, LinkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Rejected) != 0 {
		t.Fatalf("%d identifiers rejected, first %+v", len(g.Rejected), g.Rejected[0])
	}
	linked := 0
	for _, c := range g.Clusters {
		linked += len(c.IDs)
	}
	if linked < len(people)*5/100 || linked > len(people)*12/100 {
		t.Errorf("%d of %d records in clusters; want about 5–10 %%", linked, len(people))
	}
}

// synthApplicants is synthPeople with the fields the fuzzy linkers read:
// names, birth dates, home addresses and national ids from
// hiring/internal/synth (about 10 % of them damaged copies of an earlier
// person's, as hiring/linkage's benchmarks have them), and for one record
// in five a resume of 80 words in 8 sentences, one resume in 50 of them a
// copy of an earlier one with two words changed.
func synthApplicants(n int) []Person {
	people := synthPeople(n)
	ids, _ := synth.People(n, 42)
	r := rand.New(rand.NewPCG(7, 2026))
	vocab := make([]string, 5000)
	syl := []string{"ka", "lo", "mi", "ne", "ru", "sa", "te", "vo", "bra", "chi", "del", "fen", "gar", "hol", "isk", "jor", "kel", "lun", "mar", "nor"}
	for i := range vocab {
		vocab[i] = syl[i%20] + syl[(i/20)%20] + syl[(i/400)%20]
	}
	var resumes []int
	for i := range people {
		p, id := &people[i], ids[i]
		p.FullName = strings.TrimSpace(id.Given + " " + id.Family)
		p.DateOfBirth, p.HomeAddress, p.NationalID = id.DOB, id.Address, id.NationalID
		if i%5 != 0 {
			continue
		}
		if len(resumes) > 0 && r.IntN(50) == 0 {
			w := strings.Fields(people[resumes[r.IntN(len(resumes))]].ResumeText)
			w[r.IntN(len(w))] = vocab[r.IntN(len(vocab))]
			w[r.IntN(len(w))] = vocab[r.IntN(len(vocab))]
			p.ResumeText = strings.Join(w, " ")
			continue
		}
		var b strings.Builder
		for s := range 8 {
			for w := range 10 {
				if w > 0 {
					b.WriteByte(' ')
				}
				b.WriteString(vocab[r.IntN(len(vocab))])
			}
			if s < 7 {
				b.WriteString(". ")
			}
		}
		p.ResumeText = b.String() + "."
		resumes = append(resumes, i)
	}
	return people
}

// BenchmarkLink1M links a million synthetic records on their strong
// identifiers (synthPeople; ExactOnly). BenchmarkBuildGraph1M builds the
// whole default graph of a million applicants (synthApplicants): strong
// identifiers, the identity matcher and resume near-duplicates. Besides
// time and allocations they report the CPU time per link (user + system,
// all threads), the heap the records take before linking, the peak live
// heap while linking (the records included: the largest heap the garbage
// collector found live, sampled every 2 ms), the peak heap with the
// garbage not yet collected, and the process's peak resident set (the
// generation of the records included).
//
//	go test -run '^$' -bench 'BenchmarkLink1M|BenchmarkBuildGraph1M' -benchtime 1x ./hiring/
func BenchmarkLink1M(b *testing.B) {
	benchLink(b, synthPeople(1_000_000), LinkOptions{ExactOnly: true})
}

func BenchmarkBuildGraph1M(b *testing.B) {
	benchLink(b, synthApplicants(1_000_000), LinkOptions{})
}

func benchLink(b *testing.B, people []Person, opts LinkOptions) {
	runtime.GC()
	_, input := heapBytes()
	b.ReportAllocs()
	b.ResetTimer()
	var peak, peakLive uint64
	var cpu time.Duration
	var clusters int
	for range b.N {
		stop := make(chan struct{})
		var wg sync.WaitGroup
		var p, l uint64
		wg.Go(func() {
			t := time.NewTicker(2 * time.Millisecond)
			defer t.Stop()
			for {
				h, live := heapBytes()
				p, l = max(p, h), max(l, live)
				select {
				case <-stop:
					return
				case <-t.C:
				}
			}
		})
		c0 := cpuTime()
		cs, err := LinkRecords(people, opts)
		cpu += cpuTime() - c0
		close(stop)
		wg.Wait()
		if err != nil {
			b.Fatal(err)
		}
		clusters = len(cs)
		peak = max(peak, p)
		peakLive = max(peakLive, l)
	}
	b.StopTimer()
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
	b.ReportMetric(float64(peakLive)/(1<<20), "peak-live-MiB")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(input)/(1<<20), "input-heap-MiB")
	b.ReportMetric(float64(clusters), "clusters")
	if hwm := vmHWM(); hwm > 0 {
		b.ReportMetric(float64(hwm)/(1<<10), "peak-rss-MiB")
	}
}

// heapBytes returns the bytes of heap objects (live or not yet swept) and
// of the heap the last garbage collection found live.
func heapBytes() (objects, live uint64) {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64(), s[1].Value.Uint64()
}

// cpuTime is the process's user and system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// vmHWM is the process's peak resident set in KiB, from /proc/self/status
// (0 where there is none).
func vmHWM() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return n
		}
	}
	return 0
}
