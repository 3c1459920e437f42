package hiring

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/internal/cputime"
)

// benchLoad is the benchmark's population: 10,000 people with 100
// sign-ins each (1,000,000), a laptop, a shipment, a payroll account and a
// GitHub profile of 20 commits each; one in a hundred belongs to a
// three-person laptop farm. Built once per package.
var benchLoad = sync.OnceValues(func() ([]Person, Evidence) {
	const n, perPerson = 10_000, 100
	rng := rand.New(rand.NewPCG(11, 12))
	people := make([]Person, n)
	ev := Evidence{SignIns: make([]SignIn, 0, n*perPerson)}
	start := now.AddDate(0, 0, -60).Truncate(24 * time.Hour)
	given := []string{"Anna", "Brian", "Chloe", "David", "Emma", "Farid", "Grace", "Hiro", "Isabel", "Jamal", "Kofi", "Lena", "Mateo", "Nora", "Omar", "Priya"}
	family := []string{"Smith", "Okafor", "Nguyen", "Garcia", "Kowalski", "Haddad", "Larsen", "Moreau", "Silva", "Tanaka", "Ivanova", "Brown", "Rossi", "Schmidt", "Novak", "Kaya"}
	name := func(k int) string {
		return given[k%16] + " " + given[(k/16)%16] + " " + family[(k/256)%16] + "-" + family[(k/4096)%16]
	}
	for k := range n {
		id := fmt.Sprintf("p%05d", k)
		email := id + "@example.com"
		farm := k%100 < 3
		home := fmt.Sprintf("%d Maple Street, Columbus, OH", k)
		people[k] = Person{ID: id, FullName: name(k), Emails: []string{email}, Country: "US",
			TimeZone: "America/Chicago", HomeAddress: home, GitHub: "gh" + id}
		ip := netip.AddrFrom4([4]byte{100, byte(k >> 16), byte(k >> 8), byte(k)})
		mfa := "dev-" + id
		ship := home
		offset := 14 // UTC hour a Chicago day starts at
		if farm {
			ip = netip.AddrFrom4([4]byte{203, 0, 113, byte(k / 100)})
			mfa = fmt.Sprintf("farm-%d", k/100)
			ship = fmt.Sprintf("%d Farm Lane, Nashville, TN", k/100)
			offset = 0 // KST 09:00
		}
		for s := range perPerson {
			at := start.Add(time.Duration(s*60/perPerson*24+offset)*time.Hour + time.Duration(rng.IntN(9*3600))*time.Second)
			ev.SignIns = append(ev.SignIns, SignIn{User: email, Time: at, IP: ip, MFADevice: mfa, Country: "US", Success: true, Provider: "okta"})
		}
		serial := "C02" + id
		dev := Device{Serial: serial, User: id, Software: []Software{{Name: "Slack"}, {Name: "Zoom"}, {Name: "Chrome"}, {Name: "1Password"}}}
		if farm {
			dev.Software = append(dev.Software, Software{Name: "AnyDesk"})
		}
		ev.Devices = append(ev.Devices, dev)
		ev.Shipments = append(ev.Shipments, Shipment{Person: id, DeviceSerial: serial, Address: ship})
		ev.Payroll = append(ev.Payroll, PayrollAccount{Person: id, Kind: "bank", Account: "ACCT" + id, Holder: people[k].FullName})
		commits := make([]time.Time, 20)
		for c := range commits {
			commits[c] = start.Add(time.Duration(c*24+15) * time.Hour)
		}
		ev.GitHub = append(ev.GitHub, GitHubProfile{Login: "gh" + id, CreatedAt: start.AddDate(-3, 0, 0), CommitTimes: commits})
	}
	return people, ev
})

// BenchmarkCheck: Check of 10,000 people with 1,000,000 sign-ins, with
// fakes of the reference data and the screener (their own costs are the
// intel and screening packages'). Reports CPU ns per person.
func BenchmarkCheck(b *testing.B) {
	people, ev := benchLoad()
	c := newChecker()
	cpu0, okCPU := cputime.Seconds()
	b.ReportAllocs()
	b.ResetTimer()
	var r Report
	for b.Loop() {
		var err error
		if r, err = c.Run(context.Background(), people, ev, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	blocked := 0
	for _, a := range r.Assessments {
		if a.Verdict == "block" {
			blocked++
		}
	}
	if blocked != 300 {
		b.Fatalf("%d blocked, want the 300 farm members", blocked)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(people)), "ns/person")
	if cpu1, ok := cputime.Seconds(); ok && okCPU {
		b.ReportMetric((cpu1-cpu0)*1e9/float64(b.N)/float64(len(people)), "cpu-ns/person")
	}
}
