package hiring

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// Fakes of the reference data and the screening service.

type fakeNet struct{}

// Network: 198.51.100.0/24 is a VPN (100.x "Astrill"), 192.0.2.0/24 hosting,
// 175.45.176.0/22 DPRK.
func (fakeNet) Network(ip netip.Addr, asn uint32) (NetworkClass, bool) {
	switch {
	case netip.MustParsePrefix("198.51.100.0/24").Contains(ip):
		return NetworkClass{Kind: "vpn", Name: "Astrill VPN", Source: "test"}, true
	case netip.MustParsePrefix("192.0.2.0/24").Contains(ip) || asn == 16509:
		return NetworkClass{Kind: "hosting", Name: "AS16509 Amazon", Source: "test"}, true
	case netip.MustParsePrefix("175.45.176.0/22").Contains(ip):
		return NetworkClass{Kind: "dprk", Name: "Star JV", Source: "test"}, true
	}
	return NetworkClass{}, false
}

type fakeDevices struct{}

func (fakeDevices) Software(s Software) (ToolMatch, bool) {
	switch s.Name {
	case "Astrill":
		return ToolMatch{Kind: "vpn-client", Product: "Astrill VPN", Signal: "software Astrill", Confidence: "high"}, true
	case "mstsc.exe":
		return ToolMatch{Kind: "remote-access", Product: "Microsoft Remote Desktop Connection", Signal: "software mstsc.exe", Confidence: "low"}, true
	case "Atera":
		return ToolMatch{Kind: "remote-access", Product: "Atera", Signal: "LOLRMM", Confidence: "medium"}, true
	}
	for _, p := range []string{"AnyDesk", "TeamViewer", "RustDesk"} {
		if strings.Contains(strings.ToLower(s.Name), strings.ToLower(p)) {
			return ToolMatch{Kind: "remote-access", Product: p, Signal: "software " + s.Name, Source: "test"}, true
		}
	}
	return ToolMatch{}, false
}

func (fakeDevices) USB(u USBDevice) (ToolMatch, bool) {
	if u.VendorID == "1d6b" && u.ProductID == "0104" && u.Manufacturer == "" {
		return ToolMatch{Kind: "ip-kvm", Product: "Linux USB gadget", Signal: "USB 1d6b:0104", Confidence: "medium"}, true
	}
	if u.VendorID == "1d6b" && u.ProductID == "0104" {
		return ToolMatch{Kind: "ip-kvm", Product: "PiKVM", Signal: "USB 1d6b:0104", Source: "test"}, true
	}
	return ToolMatch{}, false
}

func (fakeDevices) Display(d DisplayInfo) (ToolMatch, bool) {
	if strings.HasPrefix(d.Name, "PiKVM") {
		return ToolMatch{Kind: "ip-kvm", Product: "PiKVM", Signal: "EDID " + d.Name, Source: "test"}, true
	}
	return ToolMatch{}, false
}

type fakeScreener struct {
	names     map[string]string // name → verdict
	addresses map[string]string
	err       error
	subjects  []string
}

func (f *fakeScreener) ScreenPersonName(_ context.Context, subject, name, _, _ string) (NameHit, error) {
	if f.err != nil {
		return NameHit{}, f.err
	}
	f.subjects = append(f.subjects, subject)
	if v, ok := f.names[name]; ok {
		return NameHit{Verdict: v, DecisionID: "d-1", Matches: []string{strings.ToUpper(name) + " (SDN, score 0.98)"}}, nil
	}
	return NameHit{Verdict: "clear"}, nil
}

func (f *fakeScreener) ScreenPayrollAddress(_ context.Context, _, _, address string) (AddressHit, error) {
	if f.err != nil {
		return AddressHit{}, f.err
	}
	if v, ok := f.addresses[address]; ok {
		return AddressHit{Verdict: v, DecisionID: "d-2", Matches: []string{"Lazarus Group (SDN)"}}, nil
	}
	return AddressHit{Verdict: "clear"}, nil
}

var errScreen = errors.New("screening down")

// now is the tests' clock.
var now = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func newChecker() *Checker {
	return &Checker{
		Network:  fakeNet{},
		Devices:  fakeDevices{},
		Screener: &fakeScreener{},
		Now:      func() time.Time { return now },
	}
}

// run checks and returns each person's flag codes, sorted.
func run(t testing.TB, c *Checker, people []Person, ev Evidence, clusters []Cluster) (map[string][]string, Report) {
	t.Helper()
	r, err := c.Run(context.Background(), people, ev, clusters)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, a := range r.Assessments {
		var codes []string
		for _, f := range a.Flags {
			codes = append(codes, f.Rule)
		}
		slices.Sort(codes)
		if len(codes) > 0 {
			got[a.ID] = codes
		}
	}
	return got, r
}

// runLinked checks people with c over their own identity graph
// (BuildGraph with the default options), as a service run does.
func runLinked(t testing.TB, c *Checker, people []Person, ev Evidence) Report {
	t.Helper()
	g, err := BuildGraph(people, LinkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.RunGraph(context.Background(), people, ev, g)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// wantFlags compares each person's flag codes (run) with want; a nil want
// is no flags at all.
func wantFlags(t testing.TB, got, want map[string][]string) {
	t.Helper()
	if want == nil {
		want = map[string][]string{}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("flags = %v, want %v", got, want)
	}
}

// routine makes the successful sign-ins of a person who works from
// startHour to endHour local time in loc on weekdays, perDay a day, for
// days days ending before now, from ip, with the MFA device mfa.
func routine(rng *rand.Rand, user string, loc *time.Location, days, perDay, startHour, endHour int, ip string, mfa string) []SignIn {
	var out []SignIn
	addr := netip.MustParseAddr(ip)
	for d := range days {
		base := now.AddDate(0, 0, -days+d).In(loc)
		if wd := base.Weekday(); wd == time.Saturday || wd == time.Sunday {
			continue
		}
		y, m, dd := base.Date()
		for range perDay {
			mins := startHour*60 + rng.IntN((endHour-startHour)*60)
			t := time.Date(y, m, dd, 0, mins, rng.IntN(60), 0, loc)
			out = append(out, SignIn{User: user, Time: t.UTC(), IP: addr, MFADevice: mfa, Success: true, Provider: "okta"})
		}
	}
	return out
}

func mustLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Skipf("time zone %s not available: %v", name, err)
	}
	return loc
}

func person(id, name string, mods ...func(*Person)) Person {
	p := Person{ID: id, FullName: name, Role: RoleEmployee, Emails: []string{strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@example.com"}}
	for _, m := range mods {
		m(&p)
	}
	return p
}

func signIn(user string, at time.Time, ip, country string, mods ...func(*SignIn)) SignIn {
	s := SignIn{User: user, Time: at, IP: netip.MustParseAddr(ip), Country: country, Success: true, Provider: "okta"}
	for _, m := range mods {
		m(&s)
	}
	return s
}
