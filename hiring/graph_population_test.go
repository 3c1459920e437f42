package hiring

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
)

// TestPopulationMatchesGraph: screening each of 100 applicants against a
// population of 2,900 finds the same shared identifiers (strong ones,
// addresses, IPs) as the identity graph of all 3,000 links them on.
func TestPopulationMatchesGraph(t *testing.T) {
	t.Parallel()
	people := synthApplicants(3000)
	known, applicants := people[:2900], people[2900:]
	pop, err := NewPopulation(known, LinkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if pop.Len() != len(known) {
		t.Fatalf("Len %d, want %d", pop.Len(), len(known))
	}
	g, err := BuildGraph(people, LinkOptions{ExactOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	isKnown := map[string]bool{}
	for _, p := range known {
		isKnown[p.ID] = true
	}
	type kv struct{ kind, value string }
	want := map[string]map[kv][]string{}
	addLink := func(l Link) {
		for _, id := range l.IDs {
			if isKnown[id] {
				continue
			}
			var others []string
			for _, o := range l.IDs {
				if isKnown[o] {
					others = append(others, o)
				}
			}
			if len(others) == 0 {
				continue
			}
			if want[id] == nil {
				want[id] = map[kv][]string{}
			}
			want[id][kv{l.Kind, l.Value}] = others
		}
	}
	for _, c := range g.Clusters {
		for _, l := range c.Links {
			addLink(l)
		}
	}
	for _, s := range g.Shared {
		addLink(s.Link)
	}
	found := 0
	for _, q := range applicants {
		links, _ := pop.Match(q)
		got := map[kv][]string{}
		for _, l := range links {
			if l.Kind == LinkKindIdentity || l.Kind == LinkKindResume {
				continue
			}
			if l.IDs[0] != q.ID || !slices.IsSorted(l.IDs[1:]) {
				t.Errorf("%s: link ids %v: want the applicant first, then the known records sorted", q.ID, l.IDs)
			}
			got[kv{l.Kind, l.Value}] = l.IDs[1:]
			found++
		}
		w := want[q.ID]
		if w == nil {
			w = map[kv][]string{}
		}
		if fmt.Sprint(got) != fmt.Sprint(w) {
			t.Errorf("%s: Match links %v; the graph links it to %v", q.ID, got, w)
		}
	}
	if found == 0 {
		t.Error("no applicant shares an identifier with the population; the test tests nothing")
	}
}

// TestPopulationMatchFuzzy: the identity matcher and the resume index find
// a known person applying again with typos and an edited resume; a known
// person screened again is not linked to their own record; a value more
// than MaxShare records hold links nobody; another fuzzy linker is refused.
func TestPopulationMatchFuzzy(t *testing.T) {
	t.Parallel()
	resume := "Senior backend engineer with eight years of Go and Rust. Built payment systems at scale for a fintech. Led a team of five engineers across three time zones. Open source maintainer of a metrics library."
	known := []Person{
		{ID: "k1", FullName: "Alice Martin", DateOfBirth: "1990-04-01", HomeAddress: "12 Oak Street, Springfield IL 62704", ResumeText: resume, Phones: []string{"+1 212 555 0100"}},
		{ID: "k2", FullName: "Robert Chen", DateOfBirth: "1985-11-30", HomeAddress: "5 Pine Road, Salem OR 97301", Emails: []string{"recruiter@agency.example"}},
		{ID: "k3", FullName: "Maria Rossi", DateOfBirth: "1979-02-14", HomeAddress: "9 Elm Lane, Dover DE 19901", Emails: []string{"recruiter@agency.example"}},
	}
	pop, err := NewPopulation(known, LinkOptions{MaxShare: 1})
	if err != nil {
		t.Fatal(err)
	}
	q := Person{ID: "new", FullName: "Alice Martinn", DateOfBirth: "1990-04-01", HomeAddress: "12 Oak St, Springfield, IL 62704",
		ResumeText: strings.Replace(resume, "five", "six", 1), Emails: []string{"Recruiter@agency.example"}, Phones: []string{"not a phone"}}
	links, rejected := pop.Match(q)
	kinds := map[string][]string{}
	for _, l := range links {
		kinds[l.Kind] = l.IDs
	}
	if got := kinds[LinkKindIdentity]; !slices.Equal(got, []string{"new", "k1"}) {
		t.Errorf("identity link %v, want new and k1 (all links %+v)", got, links)
	}
	if got := kinds[LinkKindResume]; !slices.Equal(got, []string{"new", "k1"}) {
		t.Errorf("resume link %v, want new and k1", got)
	}
	if got := kinds[LinkKindAddress]; !slices.Equal(got, []string{"new", "k1"}) {
		t.Errorf("address link %v, want new and k1", got)
	}
	if _, ok := kinds[LinkKindEmail]; ok {
		t.Errorf("an e-mail two known records share (more than MaxShare 1) linked: %+v", links)
	}
	if len(rejected) != 1 || rejected[0].Kind != LinkKindPhone {
		t.Errorf("rejected %+v, want the phone", rejected)
	}
	again, _ := pop.Match(known[0])
	for _, l := range again {
		if slices.Contains(l.IDs[1:], "k1") {
			t.Errorf("k1 screened again is linked to itself: %+v", l)
		}
	}
	if _, err := NewPopulation(known, LinkOptions{Fuzzy: []FuzzyLinker{otherLinker{}}}); bulwark.ErrorCode(err) != bulwark.EINVALID {
		t.Errorf("another fuzzy linker: error %v, want EINVALID", err)
	}
	if _, err := NewPopulation(append(known, known[0]), LinkOptions{}); bulwark.ErrorCode(err) != bulwark.EINVALID {
		t.Errorf("a duplicated id: error %v, want EINVALID", err)
	}
}

type otherLinker struct{}

func (otherLinker) Links([]Person) ([]Link, error) { return nil, nil }

// BenchmarkPopulationMatch1M screens one applicant against a population of
// 1,000,000 (synthApplicants): half of the applicants are damaged copies
// of known people (another e-mail, a typo in the name, the resume with a
// word changed), half new people. cpu-ns/op is the process's CPU time per
// applicant; the population is built once, before the timer (its build
// CPU, heap and RSS are reported beside).
//
//	go test -run '^$' -bench BenchmarkPopulationMatch1M -benchtime 2000x ./hiring/
func BenchmarkPopulationMatch1M(b *testing.B) {
	people := synthApplicants(1_000_001)
	known, fresh := people[:1_000_000], people[1_000_000:]
	runtime.GC()
	c0 := cpuTime()
	pop, err := NewPopulation(known, LinkOptions{})
	if err != nil {
		b.Fatal(err)
	}
	build := cpuTime() - c0
	runtime.GC()
	_, live := heapBytes()
	r := rand.New(rand.NewPCG(9, 9))
	queries := make([]Person, 1000)
	for i := range queries {
		if i%2 == 0 {
			q := fresh[0]
			q.ID = fmt.Sprintf("new-%d", i)
			q.FullName = fmt.Sprintf("Applicant %d Newcomer", i)
			q.Emails = []string{fmt.Sprintf("applicant%d@example.net", i)}
			q.Phones, q.BankAccounts, q.DeviceSerials, q.GitHub, q.NationalID = nil, nil, nil, "", ""
			queries[i] = q
			continue
		}
		q := known[r.IntN(len(known))]
		q.ID = fmt.Sprintf("again-%d", i)
		q.Emails = []string{fmt.Sprintf("someone%d@example.net", i)}
		if n := []rune(q.FullName); len(n) > 3 {
			n[2] = 'x'
			q.FullName = string(n)
		}
		if q.ResumeText != "" {
			q.ResumeText = "Curriculum " + q.ResumeText
		}
		queries[i] = q
	}
	b.ReportAllocs()
	b.ResetTimer()
	c1 := cpuTime()
	t0 := time.Now()
	i, linked := 0, 0
	for b.Loop() {
		links, _ := pop.Match(queries[i%len(queries)])
		if len(links) > 0 {
			linked++
		}
		i++
	}
	wall := time.Since(t0)
	b.ReportMetric(float64((cpuTime()-c1).Nanoseconds())/float64(i), "cpu-ns/op")
	b.ReportMetric(float64(wall.Nanoseconds())/float64(i), "wall-ns/op")
	b.ReportMetric(float64(linked)/float64(i), "linked-share")
	b.ReportMetric(build.Seconds(), "build-cpu-s")
	b.ReportMetric(float64(live)/(1<<20), "live-heap-MiB")
	if hwm := vmHWM(); hwm > 0 {
		b.ReportMetric(float64(hwm)/(1<<10), "peak-rss-MiB")
	}
}

// TestPopulationAdd: a person added after the build is matched on as the
// people given to NewPopulation are (identifiers, identity, resume); an
// id indexed already or empty is refused; a father and son of one name
// are not one identity.
func TestPopulationAdd(t *testing.T) {
	t.Parallel()
	resume := "Staff engineer with ten years of distributed systems in Go. Built a streaming platform for a logistics company. Mentored six engineers and ran the on-call rotation for two years."
	pop, err := NewPopulation([]Person{{ID: "k1", FullName: "Robert Chen", DateOfBirth: "1985-11-30"}}, LinkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	added := Person{ID: "n1", FullName: "Alice Martin", DateOfBirth: "1990-04-01", HomeAddress: "12 Oak Street, Springfield IL 62704",
		ResumeText: resume, Emails: []string{"alice@x.test"}}
	if err := pop.Add(added); err != nil {
		t.Fatal(err)
	}
	if pop.Len() != 2 {
		t.Errorf("Len %d, want 2", pop.Len())
	}
	q := Person{ID: "q", FullName: "Alice Martinn", DateOfBirth: "1990-04-01", HomeAddress: "12 Oak St, Springfield, IL 62704",
		ResumeText: strings.Replace(resume, "six", "seven", 1), Emails: []string{"ALICE@x.test"}}
	links, _ := pop.Match(q)
	kinds := map[string][]string{}
	for _, l := range links {
		kinds[l.Kind] = l.IDs
	}
	for _, k := range []string{LinkKindEmail, LinkKindIdentity, LinkKindResume, LinkKindAddress} {
		if got := kinds[k]; !slices.Equal(got, []string{"q", "n1"}) {
			t.Errorf("%s link %v, want q and n1 (all %+v)", k, got, links)
		}
	}
	if err := pop.Add(added); bulwark.ErrorCode(err) != bulwark.EINVALID {
		t.Errorf("Add of an indexed id = %v, want EINVALID", err)
	}
	if err := pop.Add(Person{}); bulwark.ErrorCode(err) != bulwark.EINVALID {
		t.Errorf("Add without an id = %v, want EINVALID", err)
	}
	son := Person{ID: "son", FullName: "Robert Chen Jr", DateOfBirth: "1985-11-30"}
	if links, _ := pop.Match(son); len(links) != 0 {
		t.Errorf("Robert Chen Jr is linked to Robert Chen: %+v", links)
	}
}
