package hiring

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
)

// laptopFarm is three "people" claiming to live in three US states whose
// laptops go to one address, who sign in from one residential address with
// one MFA device in Korean working hours, with AnyDesk and a PiKVM on
// every laptop.
func laptopFarm(t testing.TB) ([]Person, Evidence) {
	seoul := mustLoc(t, "Asia/Seoul")
	rng := rand.New(rand.NewPCG(1, 2))
	homes := []string{"12 Oak Street, Springfield, IL 62704", "7 Elm Ave, Austin, TX 78701", "300 Bay Rd, Tampa, FL 33602"}
	names := []string{"Daniel Brooks", "Kevin Alvarez", "Ethan Price"}
	zones := []string{"America/Chicago", "America/Chicago", "America/New_York"}
	var people []Person
	var ev Evidence
	for k := range 3 {
		id := fmt.Sprintf("farm-%d", k+1)
		p := person(id, names[k], func(p *Person) { p.Country = "US"; p.HomeAddress = homes[k]; p.TimeZone = zones[k] })
		people = append(people, p)
		serial := fmt.Sprintf("C02FARM%d", k)
		ev.Shipments = append(ev.Shipments, Shipment{Person: p.Emails[0], DeviceSerial: serial, Address: "1 Farm Lane, Hendersonville, TN 37075"})
		ev.Devices = append(ev.Devices, Device{Serial: serial, User: p.Emails[0], Hostname: "LT-" + id,
			Software: []Software{{Name: "Slack"}, {Name: "AnyDesk"}},
			USB:      []USBDevice{{VendorID: "1d6b", ProductID: "0104", Manufacturer: "PiKVM"}}})
		ev.SignIns = append(ev.SignIns, routine(rng, id, seoul, 60, 3, 9, 18, "203.0.113.200", "guo7farmph0ne77se1d")...)
	}
	return people, ev
}

// TestLaptopFarmBlocks: the farm end to end.
func TestLaptopFarmBlocks(t *testing.T) {
	t.Parallel()
	people, ev := laptopFarm(t)
	r, err := newChecker().Run(context.Background(), people, ev, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{CodeIPKVM, CodeKSTWorkingHours, CodeRemoteAccessTool, CodeSharedMFADevice, CodeSharedNetwork, CodeSharedShippingAddress, CodeShippingAddressMismatch}
	for _, a := range r.Assessments {
		var codes []string
		for _, f := range a.Flags {
			codes = append(codes, f.Rule)
			if f.Evidence == "" || f.Source == "" || f.Indicator == "" {
				t.Errorf("%s %s: evidence %q, source %q, indicator %q", a.ID, f.Rule, f.Evidence, f.Source, f.Indicator)
			}
		}
		slices.Sort(codes)
		if !slices.Equal(codes, want) {
			t.Errorf("%s: flags %v, want %v", a.ID, codes, want)
		}
		if a.Verdict != bulwark.VerdictBlock || a.Score < BlockScore {
			t.Errorf("%s: verdict %s score %d, want block", a.ID, a.Verdict, a.Score)
		}
		for _, f := range a.Flags {
			if f.Rule == CodeSharedMFADevice && len(f.Related) != 2 {
				t.Errorf("%s: MFA flag related %v, want the two others", a.ID, f.Related)
			}
		}
	}
	if r.Unmatched.Total() != 0 {
		t.Errorf("unmatched %+v", r.Unmatched)
	}
}

// cleanCohort is 50 ordinary US employees: normal hours in their zones,
// their own home networks, one VPN sign-in now and then, some days at the
// company office (one shared network, listed in OfficeNetworks), a week
// abroad (a team offsite: one hotel network for several), laptops shipped home (spelled differently), salaries to their
// own accounts, some in crypto, GitHub accounts older than their commits.
func cleanCohort(t testing.TB) (*Checker, []Person, Evidence) {
	zones := []string{"America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"}
	first := []string{"Anna", "Brian", "Chloe", "David", "Emma", "Farid", "Grace", "Hiro", "Isabel", "Jae-won"}
	last := []string{"Smith", "Okafor", "Nguyen", "Garcia", "Kowalski"}
	rng := rand.New(rand.NewPCG(7, 8))
	var people []Person
	var ev Evidence
	office := netip.MustParseAddr("233.252.0.10")
	for k := range 50 {
		id := fmt.Sprintf("emp-%02d", k)
		name := first[k%10] + " " + last[k/10]
		zone := zones[k%4]
		home := fmt.Sprintf("%d Maple Street, Unit %d, Columbus, OH 43004", 100+k, k)
		p := person(id, name, func(p *Person) {
			p.Country = "US"
			p.TimeZone = zone
			p.HomeAddress = home
			p.GitHub = "dev" + id
			p.Phones = []string{fmt.Sprintf("+1614555%04d", k)}
			if k == 9 {
				p.Languages = []string{"English", "Korean"} // a Korean-American: no flag
			}
			if k > 0 && k%5 == 0 {
				p.ReferredBy = "emp-00"
			}
		})
		people = append(people, p)
		loc := mustLoc(t, zone)
		// Each home its own small network (a /29 of its own): homes on
		// one static block share a network (SHARED_NETWORK at a lower
		// weight).
		ip := fmt.Sprintf("203.0.%d.%d", 113+k/30, 8*(k%30)+1)
		mfa := "authenticator-" + id
		ev.SignIns = append(ev.SignIns, routine(rng, p.Emails[0], loc, 90, 4, 8, 18, ip, mfa)...)
		for i := range ev.SignIns {
			if ev.SignIns[i].User == p.Emails[0] {
				ev.SignIns[i].Country = "US"
			}
		}
		if k%3 == 0 { // office days
			for d := 10; d < 14; d++ {
				at := time.Date(2026, 5, d, 15, rng.IntN(60), 0, 0, time.UTC)
				ev.SignIns = append(ev.SignIns, SignIn{User: id, Time: at, IP: office, Country: "US", MFADevice: mfa, Success: true})
			}
		}
		if k%7 == 0 { // a VPN once
			ev.SignIns = append(ev.SignIns, SignIn{User: id, Time: now.Add(-48 * time.Hour), IP: netip.MustParseAddr("198.51.100.9"), Country: "NL", Success: true})
		}
		if k%11 == 0 { // a few days abroad, a flight away
			for d := range 3 {
				ev.SignIns = append(ev.SignIns, SignIn{User: id, Time: time.Date(2026, 3, 2+d, 10, 0, 0, 0, time.UTC), IP: netip.MustParseAddr("203.0.113.250"), Country: "FR", MFADevice: mfa, Success: true})
			}
		}
		ev.Shipments = append(ev.Shipments, Shipment{Person: id, DeviceSerial: "C02" + id, Address: strings.ToUpper(strings.ReplaceAll(home, "Street", "St."))})
		ev.Devices = append(ev.Devices, Device{Serial: "C02" + id, User: id, Software: []Software{{Name: "Slack"}, {Name: "Zoom"}, {Name: "1Password"}}})
		acct := Kind(k)
		ev.Payroll = append(ev.Payroll, PayrollAccount{Person: id, Kind: acct, Account: fmt.Sprintf("ACCT-%04d", k), Holder: strings.ToUpper(last[k/10] + " " + first[k%10]), Since: now.AddDate(-2, 0, 0)})
		created := now.AddDate(-5, 0, 0)
		var commits []time.Time
		for c := range 40 {
			commits = append(commits, created.AddDate(0, 0, 30*c+3).In(loc))
		}
		ev.GitHub = append(ev.GitHub, GitHubProfile{Login: "dev" + id, CreatedAt: created, CommitTimes: commits})
	}
	c := newChecker()
	c.OfficeNetworks = []netip.Prefix{netip.MustParsePrefix("233.252.0.0/24")}
	return c, people, ev
}

// Kind is the payroll kind of the k-th employee: every eighth is paid in
// crypto.
func Kind(k int) string {
	if k%8 == 0 {
		return "crypto"
	}
	return "bank"
}

// TestCleanCohortStaysClear: 50 ordinary employees, all clear, none
// flagged beyond the small flags that cannot change a verdict.
func TestCleanCohortStaysClear(t *testing.T) {
	t.Parallel()
	c, people, ev := cleanCohort(t)
	r, err := c.Run(context.Background(), people, ev, nil)
	if err != nil {
		t.Fatal(err)
	}
	small := map[string]bool{CodeCryptoPayroll: true}
	for _, a := range r.Assessments {
		if a.Verdict != bulwark.VerdictClear {
			t.Errorf("%s: verdict %s (score %d): %+v", a.ID, a.Verdict, a.Score, a.Flags)
		}
		for _, f := range a.Flags {
			if !small[f.Rule] {
				t.Errorf("%s: flag %s: %s", a.ID, f.Rule, f.Evidence)
			}
		}
	}
	if r.Unmatched.Total() != 0 {
		t.Errorf("unmatched %+v", r.Unmatched)
	}
	// The same cohort without the office listed: the office network is
	// shared, which may send people to review but never blocks.
	c.OfficeNetworks = nil
	r, err = c.Run(context.Background(), people, ev, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range r.Assessments {
		if a.Verdict == bulwark.VerdictBlock {
			t.Errorf("office not listed: %s blocked: %+v", a.ID, a.Flags)
		}
	}
}

// TestNoFlagFromNationalityAlone: a flag is a reason to look, not a
// verdict on a nationality. In many countries of residence, a person with
// Korean- or DPRK-related attributes (a Korean name, Korean declared as a
// language, a bank writing the name in Hangul, commits from years ago
// dated +09:00, a time zone of the country they live in) and a control
// with none of them get no flag without conduct, and with the same
// conduct (a week's family visit to Seoul, a VPN now and then, a laptop
// shipped home) exactly the same flags, score and verdict.
func TestNoFlagFromNationalityAlone(t *testing.T) {
	t.Parallel()
	type pair struct{ korean, control Person }
	countries := []string{"US", "CA", "GB", "DE", "FR", "BR", "IN", "JP", "CN", "RU", "IR", "VN", "AU", "KR", "KP"}
	var people []Person
	var pairs []pair
	for k, cc := range countries {
		home := fmt.Sprintf("%d Main Road, Capital, %s", k+1, cc)
		kor := person(fmt.Sprintf("k-%s", cc), "Kim Minjun", func(p *Person) {
			p.Country = cc
			p.DateOfBirth = "1990-01-01"
			p.HomeAddress = home + " Flat 1"
			p.Languages = []string{"English", "Korean", "한국어"}
			p.GitHub = "kim-" + cc
		})
		ctl := person(fmt.Sprintf("c-%s", cc), "Alex Martin", func(p *Person) {
			p.Country = cc
			p.DateOfBirth = "1990-01-01"
			p.HomeAddress = home + " Flat 2"
			p.Languages = []string{"English", "Spanish"}
			p.GitHub = "alex-" + cc
		})
		people = append(people, kor, ctl)
		pairs = append(pairs, pair{kor, ctl})
	}
	// Attributes alone: no flag at all.
	attrs := Evidence{}
	for _, pr := range pairs {
		attrs.Payroll = append(attrs.Payroll,
			PayrollAccount{Person: pr.korean.ID, Kind: "bank", Account: "KR-" + pr.korean.ID, Holder: "김민준"},
			PayrollAccount{Person: pr.control.ID, Kind: "bank", Account: "CT-" + pr.control.ID, Holder: "MARTIN ALEX"})
		var old []time.Time
		for d := range 80 {
			old = append(old, time.Date(2022, 3, 1+d%28, 10+d%8, 0, 0, 0, time.FixedZone("", 9*3600)))
		}
		attrs.GitHub = append(attrs.GitHub, GitHubProfile{Login: pr.korean.GitHub, CreatedAt: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), CommitTimes: old})
	}
	got, r := run(t, newChecker(), people, attrs, nil)
	if len(got) != 0 {
		t.Errorf("flags from country, name, language, script or past residence alone: %v", got)
	}
	for _, a := range r.Assessments {
		if a.Verdict != bulwark.VerdictClear || a.Score != 0 {
			t.Errorf("%s: %s %d", a.ID, a.Verdict, a.Score)
		}
	}
	// The same conduct: a week in Seoul (foreign sign-ins), three VPN
	// sign-ins, then home. Each pair must come out the same.
	conduct := attrs
	for k, pr := range pairs {
		for j, p := range []Person{pr.korean, pr.control} {
			ip := fmt.Sprintf("203.1.%d.%d", 100+k, 10+j)
			for d := range 20 {
				conduct.SignIns = append(conduct.SignIns, signIn(p.ID, now.AddDate(0, 0, -30+d), ip, p.Country))
			}
			for d := range 8 {
				conduct.SignIns = append(conduct.SignIns, signIn(p.ID, now.AddDate(0, 0, -9+d), fmt.Sprintf("203.0.113.%d", 2*k+j+1), "KR"))
			}
			for d := range 3 {
				conduct.SignIns = append(conduct.SignIns, signIn(p.ID, now.AddDate(0, 0, -40+d), "198.51.100.4", ""))
			}
		}
	}
	r, err := newChecker().Run(context.Background(), people, conduct, nil)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]Assessment{}
	for _, a := range r.Assessments {
		byID[a.ID] = a
	}
	codes := func(a Assessment) []string {
		var c []string
		for _, f := range a.Flags {
			c = append(c, f.Rule)
		}
		return c
	}
	for _, pr := range pairs {
		k, c := byID[pr.korean.ID], byID[pr.control.ID]
		if k.Score != c.Score || k.Verdict != c.Verdict || !slices.Equal(codes(k), codes(c)) {
			t.Errorf("%s: same conduct, different outcome: %s %d %v, control %s %d %v", pr.korean.Country, k.Verdict, k.Score, codes(k), c.Verdict, c.Score, codes(c))
		}
	}
}

// household is a married couple who both work for the company: one home,
// one landline written two ways, a joint account in both names (in their
// records and in payroll), both working from home on one network.
func household(t testing.TB) ([]Person, Evidence) {
	chicago := mustLoc(t, "America/Chicago")
	rng := rand.New(rand.NewPCG(11, 12))
	maria := person("hh-1", "Maria Garcia", func(p *Person) {
		p.Country, p.TimeZone = "US", "America/Chicago"
		p.Phones = []string{"+1 312 555 0142"}
		p.HomeAddress = "12 Oak Street, Springfield, IL 62704"
		p.BankAccounts = []string{"000123456789"}
	})
	david := person("hh-2", "David Chen", func(p *Person) {
		p.Country, p.TimeZone = "US", "America/Chicago"
		p.Phones = []string{"(312) 555-0142"}
		p.HomeAddress = "12 Oak St., Springfield IL 62704"
		p.BankAccounts = []string{"000123456789"}
	})
	var ev Evidence
	for _, p := range []Person{maria, david} {
		ev.SignIns = append(ev.SignIns, routine(rng, p.Emails[0], chicago, 60, 3, 8, 18, "73.22.10.5", "authenticator-"+p.ID)...)
		ev.Payroll = append(ev.Payroll, PayrollAccount{Person: p.ID, Kind: "bank", Account: "000123456789", Holder: "Maria Garcia and David Chen", Since: now.AddDate(-3, 0, 0)})
		ev.Shipments = append(ev.Shipments, Shipment{Person: p.ID, DeviceSerial: "C02" + p.ID, Address: p.HomeAddress})
	}
	return []Person{maria, david}, ev
}

// TestHouseholdAtMostReview: a couple's shared home, landline, joint
// account and home network are one relationship, not independent
// indicators: at most review, through the whole identity graph.
func TestHouseholdAtMostReview(t *testing.T) {
	t.Parallel()
	people, ev := household(t)
	r := runLinked(t, newChecker(), people, ev)
	for _, a := range r.Assessments {
		if a.Verdict == bulwark.VerdictBlock || a.Score >= BlockScore {
			t.Errorf("%s: %s %d: %+v", a.ID, a.Verdict, a.Score, a.Flags)
		}
		for _, f := range a.Flags {
			if f.Rule == CodeSharedPayrollAccount || f.Rule == CodeSharedIdentifier || f.Rule == CodePayrollHolderMismatch {
				t.Errorf("%s: %s on a household: %s", a.ID, f.Rule, f.Evidence)
			}
		}
	}
	// The same two people at different homes, paid to one account in one
	// name: a facilitator's pattern, not folded away.
	people[1].HomeAddress = "7 Elm Ave, Austin, TX 78701"
	ev.Shipments[1].Address = people[1].HomeAddress
	for k := range ev.Payroll {
		ev.Payroll[k].Holder = "Maria Garcia"
	}
	r = runLinked(t, newChecker(), people, ev)
	if a := r.Assessments[1]; a.Verdict != bulwark.VerdictBlock {
		t.Errorf("different homes, one account in another's name, one phone, one network: %s %d %+v", a.Verdict, a.Score, a.Flags)
	}
}

// TestCleanCohortOrdinaryCases: the clean cohort with ordinary people the
// rules once mistook: a couple (at most review: someone confirms they are
// two people), a night owl in Chicago, two colleagues at one hotel for a
// week, a laptop shipped to "Illinois" for an "IL" home, and a father and
// son of one name at one address (clear), through the whole identity
// graph.
func TestCleanCohortOrdinaryCases(t *testing.T) {
	t.Parallel()
	c, people, ev := cleanCohort(t)
	rng := rand.New(rand.NewPCG(21, 22))
	chicago := mustLoc(t, "America/Chicago")
	hh, hev := household(t)
	people = append(people, hh...)
	ev.SignIns = append(ev.SignIns, hev.SignIns...)
	ev.Payroll = append(ev.Payroll, hev.Payroll...)
	ev.Shipments = append(ev.Shipments, hev.Shipments...)
	us := func(p *Person) { p.Country, p.TimeZone = "US", "America/Chicago" }
	owl := person("owl", "Sam Night", us, func(p *Person) { p.HomeAddress = "9 Birch Ln, Evanston, IL 60201" })
	ev.SignIns = append(ev.SignIns, routine(rng, "owl", chicago, 60, 4, 20, 26, "203.0.120.1", "auth-owl")...)
	t1 := person("trip-1", "Olga Berg", us, func(p *Person) { p.HomeAddress = "4 Lake Rd, Naperville, IL 60540" })
	t2 := person("trip-2", "Tomas Reyes", us, func(p *Person) { p.HomeAddress = "8 Hill Rd, Aurora, IL 60505" })
	for k, p := range []Person{t1, t2} {
		ev.SignIns = append(ev.SignIns, routine(rng, p.ID, chicago, 60, 3, 9, 17, fmt.Sprintf("203.0.120.%d", 10+8*k), "auth-"+p.ID)...)
		for d := range 8 {
			ev.SignIns = append(ev.SignIns, signIn(p.ID, now.AddDate(0, 0, -20+d).Add(time.Duration(k)*time.Hour), "203.0.120.99", "US"))
		}
	}
	il := person("il", "Pat Lee", us, func(p *Person) {
		p.HomeAddress = "12 Main St, Springfield, IL 62704"
		p.ShippingAddress = "12 Main Street, Springfield, Illinois 62704"
	})
	father := person("fs-1", "John Miller", us, func(p *Person) { p.HomeAddress = "5 High St, Peoria, IL 61602"; p.DateOfBirth = "1960-07-09" })
	son := person("fs-2", "John Miller Jr", us, func(p *Person) { p.HomeAddress = "5 High Street, Peoria, IL 61602"; p.DateOfBirth = "1990-07-09" })
	people = append(people, owl, t1, t2, il, father, son)
	r := runLinked(t, c, people, ev)
	small := map[string]bool{CodeCryptoPayroll: true}
	for _, a := range r.Assessments {
		if strings.HasPrefix(a.ID, "hh-") {
			if a.Verdict == bulwark.VerdictBlock {
				t.Errorf("couple %s blocked: %d %+v", a.ID, a.Score, a.Flags)
			}
			continue
		}
		if a.Verdict != bulwark.VerdictClear {
			t.Errorf("%s: verdict %s (score %d): %+v", a.ID, a.Verdict, a.Score, a.Flags)
		}
		for _, f := range a.Flags {
			// The night owl works Friday evenings, Saturdays at UTC+9:
			// KST_WORKING_HOURS at its reduced weight, still clear.
			owlKST := a.ID == "owl" && f.Rule == CodeKSTWorkingHours && f.Weight == kstWeekendWeight
			if !small[f.Rule] && !owlKST && !(f.Rule == CodeSharedHomeAddress && strings.HasPrefix(a.ID, "fs-")) {
				t.Errorf("%s: flag %s: %s", a.ID, f.Rule, f.Evidence)
			}
		}
	}
}
