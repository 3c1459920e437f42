package hiring

import (
	"context"
	"net/netip"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
)

// TestRules: each rule's positive and negative cases, as the exact set of
// codes per person (people not named get no flag).
func TestRules(t *testing.T) {
	t.Parallel()
	d := func(days int, hour int) time.Time {
		return now.AddDate(0, 0, -days).Add(time.Duration(hour-12) * time.Hour)
	}
	alice := person("a", "Alice Martin", func(p *Person) { p.Country = "US"; p.HomeAddress = "12 Oak Street, Springfield, IL 62704" })
	bob := person("b", "Robert Chen", func(p *Person) { p.Country = "US"; p.HomeAddress = "7 Elm Ave, Austin, TX 78701" })
	carol := person("c", "Carol Diaz", func(p *Person) { p.Country = "US" })
	alice2 := person("a2", "Alice J. Martin")
	applicant := func(p Person, dob, nid string) Person {
		p.Role, p.DateOfBirth, p.NationalID, p.Emails = RoleApplicant, dob, nid, []string{"alice@x.com"}
		return p
	}
	withDOB := func(p Person, dob string) Person {
		p.DateOfBirth, p.Emails = dob, []string{"alice@x.com"}
		return p
	}
	withTool := func(sw ...Software) Device { return Device{Serial: "SN1", User: "a", Software: sw} }
	type tc struct {
		name     string
		people   []Person
		ev       Evidence
		clusters []Cluster
		tweak    func(*Checker)
		want     map[string][]string
	}
	link := func(kind, value string, ids ...string) []Cluster {
		return []Cluster{{IDs: ids, Links: []Link{{Kind: kind, IDs: ids, Value: value, Score: 1}}}}
	}
	cases := []tc{
		// ID-01
		{name: "shared phone, different names", people: []Person{alice, bob}, clusters: link("phone", "+12175550100", "a", "b"),
			want: map[string][]string{"a": {CodeSharedIdentifier}, "b": {CodeSharedIdentifier}}},
		// An equal name or a fuzzy identity link is no proof of one person:
		// both are the applicant's own fields.
		{name: "shared email, same name spelled differently, no birth date", people: []Person{alice, alice2}, clusters: link("email", "alice@x.com", "a", "a2"),
			want: map[string][]string{"a": {CodeSharedIdentifier}, "a2": {CodeSharedIdentifier}}},
		{name: "shared phone, an identity link switches no rule off; two employees for one person", people: []Person{alice, bob},
			clusters: []Cluster{{IDs: []string{"a", "b"}, Links: []Link{{Kind: "phone", IDs: []string{"a", "b"}, Value: "+1", Score: 1}, {Kind: "identity", IDs: []string{"a", "b"}, Score: 0.93}}}},
			want:     map[string][]string{"a": {CodeDuplicateIdentitySeats, CodeSharedIdentifier}, "b": {CodeDuplicateIdentitySeats, CodeSharedIdentifier}}},
		{name: "one applicant twice: same e-mail, name and birth date", people: []Person{applicant(alice, "1990-04-01", ""), applicant(alice2, "1990-04-01", "")},
			clusters: link("email", "alice@x.com", "a", "a2")},
		{name: "one applicant twice: same national id", people: []Person{applicant(alice, "", "521-37-8846"), applicant(alice2, "", "521378846")},
			clusters: link("national_id", "521378846", "a", "a2")},
		{name: "one person, two employee records", people: []Person{withDOB(alice, "1990-04-01"), withDOB(alice2, "1990-04-01")},
			clusters: link("email", "alice@x.com", "a", "a2"),
			want:     map[string][]string{"a": {CodeDuplicateIdentitySeats}, "a2": {CodeDuplicateIdentitySeats}}},
		{name: "same e-mail and name, birth dates differ", people: []Person{applicant(alice, "1990-04-01", ""), applicant(alice2, "1970-04-01", "")},
			clusters: link("email", "alice@x.com", "a", "a2"),
			want:     map[string][]string{"a": {CodeSharedIdentifier}, "a2": {CodeSharedIdentifier}}},
		{name: "same national id, birth dates differ", people: []Person{applicant(alice, "1990-04-01", "521378846"), applicant(alice2, "1970-04-01", "521378846")},
			clusters: link("national_id", "521378846", "a", "a2"),
			want:     map[string][]string{"a": {CodeSharedIdentifier}, "a2": {CodeSharedIdentifier}}},
		{name: "same e-mail, name and birth date, homes in different cities", people: []Person{applicant(alice, "1990-04-01", ""),
			applicant(person("a2", "Alice J. Martin", func(p *Person) { p.HomeAddress = "98 Pine Ave, Seattle, WA 98101, US" }), "1990-04-01", "")},
			clusters: link("email", "alice@x.com", "a", "a2"),
			want:     map[string][]string{"a": {CodeSharedIdentifier}, "a2": {CodeSharedIdentifier}}},
		{name: "shared resume text", people: []Person{alice, bob}, clusters: []Cluster{{IDs: []string{"a", "b"}, Links: []Link{{Kind: "resume", IDs: []string{"a", "b"}, Score: 0.91}}}},
			want: map[string][]string{"a": {CodeSharedIdentifier}, "b": {CodeSharedIdentifier}}},
		{name: "shared home address", people: []Person{alice, bob}, clusters: link("address", "12 oak st springfield il 62704", "a", "b"),
			want: map[string][]string{"a": {CodeSharedHomeAddress}, "b": {CodeSharedHomeAddress}}},
		{name: "cluster member unknown", people: []Person{alice}, clusters: link("phone", "+1", "a", "zz")},
		{name: "a couple's landline at their one home", people: []Person{alice, person("b", "Robert Chen", func(p *Person) { p.HomeAddress = "12 Oak St., Springfield IL 62704" })},
			clusters: link("phone", "+12175550100", "a", "b"),
			want:     map[string][]string{"a": {CodeSharedHomeAddress}, "b": {CodeSharedHomeAddress}}},
		// ID-07 is not checked: a declared language is no conduct.
		{name: "Korean in the US", people: []Person{person("k", "Min Kim", func(p *Person) { p.Country = "US"; p.Languages = []string{"English", "Korean"} })}},
		{name: "Korean in Korea", people: []Person{person("k", "Min Kim", func(p *Person) { p.Country = "KR"; p.Languages = []string{"ko"} })}},
		// ID-08
		{name: "GitHub account younger than its commits", people: []Person{person("g", "Gina Roe", func(p *Person) { p.GitHub = "@GinaDev" })},
			ev:   Evidence{GitHub: []GitHubProfile{{Login: "ginadev", CreatedAt: d(30, 12), CommitTimes: []time.Time{d(900, 10), d(800, 10), d(700, 10), d(10, 10)}}}},
			want: map[string][]string{"g": {CodeGitHubYoungerThanCommits}}},
		{name: "GitHub one re-uploaded project", people: []Person{person("g", "Gina Roe", func(p *Person) { p.GitHub = "https://github.com/ginadev" })},
			ev: Evidence{GitHub: []GitHubProfile{{Login: "ginadev", CreatedAt: d(30, 12), CommitTimes: []time.Time{d(900, 10), d(33, 10), d(10, 10)}}}}},
		// ID-09
		{name: "referred by a person in review, no conduct of one's own", people: []Person{alice, bob, person("r", "Rita Moe", func(p *Person) { p.ReferredBy = "A" })},
			clusters: link("phone", "+1", "a", "b"),
			want:     map[string][]string{"a": {CodeSharedIdentifier}, "b": {CodeSharedIdentifier}}},
		{name: "referred by a person in review, with a flag of one's own", people: []Person{alice, bob, person("r", "Rita Moe", func(p *Person) { p.ReferredBy = "A" })},
			clusters: link("phone", "+1", "a", "b"),
			ev:       Evidence{SignIns: []SignIn{signIn("r", d(5, 10), "198.51.100.4", ""), signIn("r", d(4, 10), "198.51.100.4", ""), signIn("r", d(3, 10), "198.51.100.5", "")}},
			want:     map[string][]string{"a": {CodeSharedIdentifier}, "b": {CodeSharedIdentifier}, "r": {CodeReferredByFlagged, CodeVPNOrHostingEgress}}},
		{name: "referred by a person who blocks", people: []Person{alice, person("r", "Rita Moe", func(p *Person) { p.ReferredBy = "A" })},
			ev:   Evidence{SignIns: []SignIn{signIn("a", d(5, 10), "175.45.178.9", "")}},
			want: map[string][]string{"a": {CodeDPRKNetwork}, "r": {CodeReferredByFlagged}}},
		{name: "referred by a clear person", people: []Person{alice, person("r", "Rita Moe", func(p *Person) { p.ReferredBy = "alice.martin@example.com" })}},
		// ID-11
		{name: "laptop shipped elsewhere", people: []Person{alice},
			ev:   Evidence{Shipments: []Shipment{{Person: "a", DeviceSerial: "SN1", Address: "400 Warehouse Rd, Dover, DE 19901"}}},
			want: map[string][]string{"a": {CodeShippingAddressMismatch}}},
		{name: "laptop shipped home, spelled differently", people: []Person{alice},
			ev: Evidence{Shipments: []Shipment{{Person: "A", Address: "12 OAK ST., Springfield IL 62704-1234, USA"}}}},
		{name: "laptop shipped home, the state written out", people: []Person{alice},
			ev: Evidence{Shipments: []Shipment{{Person: "a", Address: "12 Oak Street, Springfield, Illinois 62704"}}}},
		{name: "laptop shipped home, the unit left out", people: []Person{person("a", "Alice Martin", func(p *Person) { p.HomeAddress = "12 Oak St Apt 4, Springfield, IL 62704" })},
			ev: Evidence{Shipments: []Shipment{{Person: "a", Address: "12 Oak St, Springfield, IL 62704"}}}},
		{name: "laptop shipped to another unit", people: []Person{person("a", "Alice Martin", func(p *Person) { p.HomeAddress = "12 Oak St Apt 4, Springfield, IL 62704" })},
			ev: Evidence{Shipments: []Shipment{{Person: "a", Address: "12 Oak St Apt 9, Springfield, IL 62704"}}}},
		{name: "three hires, three units of one building", people: []Person{person("x", "Alan Ray"), person("y", "Ben Fox"), person("z", "Carl Day")},
			ev: Evidence{Shipments: []Shipment{{Person: "x", Address: "1 Farm Rd Unit 1, Austin TX 78701"}, {Person: "y", Address: "1 Farm Rd Unit 2, Austin TX 78701"},
				{Person: "z", Address: "1 Farm Road #3, Austin, Texas 78701"}}},
			want: map[string][]string{"x": {CodeSharedShippingAddress}, "y": {CodeSharedShippingAddress}, "z": {CodeSharedShippingAddress}}},
		{name: "two hires, two units of one building", people: []Person{person("x", "Alan Ray"), person("y", "Ben Fox")},
			ev: Evidence{Shipments: []Shipment{{Person: "x", Address: "1 Farm Rd Unit 1, Austin TX 78701"}, {Person: "y", Address: "1 Farm Rd Unit 2, Austin TX 78701"}}}},
		{name: "laptop shipped to the office", people: []Person{alice}, tweak: func(c *Checker) { c.OfficeAddresses = []string{"1 Main Street, Chicago, IL 60601"} },
			ev: Evidence{Shipments: []Shipment{{Person: "a", Address: "1 Main St, Chicago, IL 60601"}}}},
		{name: "two hires shipped to one address", people: []Person{
			person("x", "Xavier Long", func(p *Person) { p.HomeAddress = "5 Pine Rd, Nashville, TN" }),
			person("y", "Yusuf Grant", func(p *Person) { p.HomeAddress = "5 Pine Road, Nashville, TN" })},
			ev:   Evidence{Shipments: []Shipment{{Person: "x", Address: "5 Pine Rd, Nashville, TN"}, {Person: "y", Address: "5 pine road nashville tn"}}},
			want: map[string][]string{"x": {CodeSharedShippingAddress}, "y": {CodeSharedShippingAddress}}},
		// ID-12
		{name: "shared residential IP over weeks", people: []Person{alice, bob},
			ev: Evidence{SignIns: []SignIn{signIn("a", d(30, 10), "203.0.113.7", "US"), signIn("a", d(2, 10), "203.0.113.7", "US"),
				signIn("b", d(25, 11), "203.0.113.7", "US"), signIn("b", d(1, 11), "203.0.113.7", "US")}},
			want: map[string][]string{"a": {CodeSharedNetwork}, "b": {CodeSharedNetwork}}},
		{name: "two colleagues at one hotel for 8 days", people: []Person{alice, bob},
			ev: func() Evidence {
				var s []SignIn
				for k := range 8 {
					s = append(s, signIn("a", d(10-k, 10), "203.0.113.7", "US"), signIn("b", d(10-k, 11), "203.0.113.7", "US"))
				}
				return Evidence{SignIns: s}
			}()},
		{name: "three people on one network for a few days", people: []Person{alice, bob, carol},
			ev: Evidence{SignIns: []SignIn{signIn("a", d(3, 10), "203.0.113.7", "US"), signIn("a", d(2, 10), "203.0.113.7", "US"),
				signIn("b", d(3, 11), "203.0.113.7", "US"), signIn("b", d(1, 11), "203.0.113.7", "US"),
				signIn("c", d(3, 12), "203.0.113.7", "US"), signIn("c", d(2, 12), "203.0.113.7", "US")}},
			want: map[string][]string{"a": {CodeSharedNetwork}, "b": {CodeSharedNetwork}, "c": {CodeSharedNetwork}}},
		{name: "shared IP on one day only (a conference)", people: []Person{alice, bob},
			ev: Evidence{SignIns: []SignIn{signIn("a", d(3, 10), "203.0.113.7", "US"), signIn("a", d(2, 10), "203.0.113.8", "US"),
				signIn("b", d(3, 11), "203.0.113.7", "US"), signIn("b", d(1, 11), "203.0.113.9", "US")}}},
		{name: "shared office IP", people: []Person{alice, bob}, tweak: func(c *Checker) { c.OfficeNetworks = []netip.Prefix{netip.MustParsePrefix("203.0.113.0/28")} },
			ev: Evidence{SignIns: []SignIn{signIn("a", d(3, 10), "203.0.113.7", "US"), signIn("a", d(2, 10), "203.0.113.7", "US"),
				signIn("b", d(3, 11), "203.0.113.7", "US"), signIn("b", d(1, 11), "203.0.113.7", "US")}}},
		{name: "shared IPv6 /64, different hosts", people: []Person{alice, bob},
			ev: Evidence{SignIns: []SignIn{signIn("a", d(30, 10), "2001:db8:1:2::10", "US"), signIn("a", d(2, 10), "2001:db8:1:2::10", "US"),
				signIn("b", d(30, 11), "2001:db8:1:2::99", "US"), signIn("b", d(1, 11), "2001:db8:1:2::99", "US")}},
			want: map[string][]string{"a": {CodeSharedNetwork}, "b": {CodeSharedNetwork}}},
		{name: "shared device serial", people: []Person{alice, bob},
			ev:   Evidence{Shipments: []Shipment{{Person: "a", DeviceSerial: "c02x1", Address: "12 Oak Street, Springfield, IL 62704"}, {Person: "b", DeviceSerial: "C02X1 ", Address: "7 Elm Avenue, Austin, TX 78701"}}},
			want: map[string][]string{"a": {CodeSharedDevice}, "b": {CodeSharedDevice}}},
		// ID-13, ID-14
		{name: "AnyDesk", people: []Person{alice}, ev: Evidence{Devices: []Device{withTool(Software{Name: "AnyDesk"})}},
			want: map[string][]string{"a": {CodeRemoteAccessTool}}},
		{name: "AnyDesk allowed by IT", people: []Person{alice}, tweak: func(c *Checker) { c.AllowedTools = []string{"anydesk"} },
			ev: Evidence{Devices: []Device{withTool(Software{Name: "AnyDesk"})}}},
		{name: "ordinary software", people: []Person{alice}, ev: Evidence{Devices: []Device{withTool(Software{Name: "Slack"}, Software{Name: "Visual Studio Code"})}}},
		{name: "PiKVM by USB and EDID, device matched by serial", people: []Person{person("a", "Alice Martin", func(p *Person) { p.DeviceSerials = []string{"C02XK1ABJGH5"} })},
			ev:   Evidence{Devices: []Device{{Serial: "c02x-k1ab-jgh5", USB: []USBDevice{{VendorID: "1d6b", ProductID: "0104", Manufacturer: "PiKVM"}}, Displays: []DisplayInfo{{Name: "PiKVM V4"}}}}},
			want: map[string][]string{"a": {CodeIPKVM}}},
		{name: "Astrill client", people: []Person{alice}, ev: Evidence{Devices: []Device{withTool(Software{Name: "Astrill"})}},
			want: map[string][]string{"a": {CodeVPNClient}}},
		{name: "the operating system's RDP client", people: []Person{alice}, ev: Evidence{Devices: []Device{withTool(Software{Name: "mstsc.exe"})}}},
		{name: "a catalogue RMM", people: []Person{alice}, ev: Evidence{Devices: []Device{withTool(Software{Name: "Atera"})}},
			want: map[string][]string{"a": {CodeRemoteAccessToolPossible}}},
		{name: "a USB gadget alone", people: []Person{alice}, ev: Evidence{Devices: []Device{{Serial: "SN1", User: "a", USB: []USBDevice{{VendorID: "1d6b", ProductID: "0104"}}}}},
			want: map[string][]string{"a": {CodeIPKVMPossible}}},
		{name: "ordinary keyboard", people: []Person{alice}, ev: Evidence{Devices: []Device{{Serial: "SN1", User: "a", USB: []USBDevice{{VendorID: "046d", ProductID: "c31c"}}}}}},
		// ID-15
		{name: "mostly through Astrill", people: []Person{alice},
			ev: Evidence{SignIns: []SignIn{signIn("a", d(5, 10), "198.51.100.4", ""), signIn("a", d(4, 10), "198.51.100.4", ""), signIn("a", d(3, 10), "198.51.100.5", ""),
				signIn("a", d(2, 10), "203.0.113.50", "US")}},
			want: map[string][]string{"a": {CodeVPNOrHostingEgress}}},
		{name: "VPN once", people: []Person{alice},
			ev: Evidence{SignIns: []SignIn{signIn("a", d(5, 10), "198.51.100.4", "NL"), signIn("a", d(4, 10), "203.0.113.50", "US"), signIn("a", d(3, 10), "203.0.113.50", "US")}}},
		{name: "identity provider's proxy flag", people: []Person{alice},
			ev: Evidence{SignIns: []SignIn{signIn("a", d(5, 10), "203.0.113.60", "", func(s *SignIn) { s.Proxy = true }), signIn("a", d(4, 10), "203.0.113.60", "", func(s *SignIn) { s.Proxy = true }),
				signIn("a", d(3, 10), "203.0.113.60", "", func(s *SignIn) { s.Proxy = true })}},
			want: map[string][]string{"a": {CodeVPNOrHostingEgress}}},
		// ID-16
		{name: "DPRK address space", people: []Person{alice}, ev: Evidence{SignIns: []SignIn{signIn("a", d(5, 10), "175.45.178.9", "")}},
			want: map[string][]string{"a": {CodeDPRKNetwork}}},
		{name: "applied from DPRK space", people: []Person{person("a", "Alice Martin", func(p *Person) { p.IPs = []string{"not an ip", "175.45.177.1"} })},
			want: map[string][]string{"a": {CodeDPRKNetwork}}},
		{name: "one sign-in the identity provider alone locates in KP", people: []Person{alice},
			ev:   Evidence{SignIns: []SignIn{signIn("a", d(6, 10), "203.0.113.9", "US"), signIn("a", d(5, 10), "203.0.113.9", "KP")}},
			want: map[string][]string{"a": {CodeHighRiskCountrySignIn}}},
		{name: "two sign-ins the identity provider locates in KP", people: []Person{alice},
			ev:   Evidence{SignIns: []SignIn{signIn("a", d(6, 10), "203.0.113.9", "KP"), signIn("a", d(5, 10), "203.0.113.9", "KP")}},
			want: map[string][]string{"a": {CodeDPRKNetwork}}},
		{name: "failed sign-in from DPRK space is someone else's attempt", people: []Person{alice},
			ev: Evidence{SignIns: []SignIn{signIn("a", d(5, 10), "175.45.178.9", "KP", func(s *SignIn) { s.Success = false })}}},
		{name: "sign-ins from Russia on eight days", people: []Person{alice},
			ev: func() Evidence {
				var s []SignIn
				for k := range 8 {
					s = append(s, signIn("a", d(20-2*k, 10), "203.0.113.70", "RU"))
				}
				return Evidence{SignIns: s}
			}(),
			want: map[string][]string{"a": {CodeHighRiskCountrySignIn}}},
		{name: "living in Russia, signing in from Russia", people: []Person{person("r", "Ivan Petrov", func(p *Person) { p.Country = "RU" })},
			ev: Evidence{SignIns: []SignIn{signIn("r", d(5, 10), "203.0.113.70", "RU"), signIn("r", d(4, 10), "203.0.113.70", "RU")}}},
		{name: "mostly abroad", people: []Person{alice},
			ev: func() Evidence {
				s := []SignIn{signIn("a", d(30, 10), "203.0.113.73", "US")}
				for k := range 20 {
					s = append(s, signIn("a", d(25-k, 10), "203.0.113.71", "BR"))
				}
				return Evidence{SignIns: append(s, signIn("a", d(4, 10), "203.0.113.72", "MX"), signIn("a", d(3, 10), "203.0.113.73", "US"))}
			}(),
			want: map[string][]string{"a": {CodeForeignSignIn}}},
		{name: "a week's holiday among months at home", people: []Person{alice},
			ev: func() Evidence {
				var s []SignIn
				for k := 0; k < 60; k++ {
					s = append(s, signIn("a", d(100-k, 10), "203.0.113.73", "US"))
				}
				s = append(s, signIn("a", d(20, 10), "203.0.113.74", "FR"), signIn("a", d(19, 10), "203.0.113.74", "FR"), signIn("a", d(18, 10), "203.0.113.74", "FR"))
				return Evidence{SignIns: s}
			}()},
		{name: "country hopping within minutes, on two days", people: []Person{carol},
			ev: Evidence{SignIns: []SignIn{signIn("c", d(3, 10), "203.0.113.80", "US"), signIn("c", d(3, 10).Add(20*time.Minute), "203.0.113.81", "CA"),
				signIn("c", d(3, 10).Add(40*time.Minute), "203.0.113.80", "US"),
				signIn("c", d(2, 10), "203.0.113.80", "US"), signIn("c", d(2, 10).Add(20*time.Minute), "203.0.113.81", "CA"),
				signIn("c", d(2, 10).Add(40*time.Minute), "203.0.113.80", "US")}},
			want: map[string][]string{"c": {CodeImpossibleTravel}}},
		{name: "a flight, hours apart", people: []Person{carol},
			ev: Evidence{SignIns: []SignIn{signIn("c", d(3, 8), "203.0.113.80", "US"), signIn("c", d(3, 20), "203.0.113.81", "CA"), signIn("c", d(2, 20), "203.0.113.80", "US")}}},
		// ID-17
		{name: "one MFA device, two people", people: []Person{alice, bob},
			ev: Evidence{SignIns: []SignIn{signIn("a", d(3, 10), "203.0.113.1", "US", func(s *SignIn) { s.MFADevice = "guo4a5u7YAHhmjnpb0g7" }),
				signIn("b", d(3, 10), "203.0.113.2", "US", func(s *SignIn) { s.MFADevice = "GUO4A5U7yahhmjnpb0g7" })}},
			want: map[string][]string{"a": {CodeSharedMFADevice}, "b": {CodeSharedMFADevice}}},
		{name: "one phone model, two people", people: []Person{alice, bob},
			ev: Evidence{SignIns: []SignIn{signIn("a", d(3, 10), "203.0.113.1", "US", func(s *SignIn) { s.MFADevice = "Pixel-7 X1" }),
				signIn("b", d(3, 10), "203.0.113.2", "US", func(s *SignIn) { s.MFADevice = "pixel-7 x1" })}}},
		{name: "one MFA device, one person's two accounts", people: []Person{alice},
			ev: Evidence{SignIns: []SignIn{signIn("a", d(3, 10), "203.0.113.1", "US", func(s *SignIn) { s.MFADevice = "key1" }),
				signIn("alice.martin@example.com", d(3, 10), "203.0.113.2", "US", func(s *SignIn) { s.MFADevice = "key1" })}}},
		{name: "one MFA device, one person's Gmail aliases", people: []Person{person("g", "Gina Roe", func(p *Person) { p.Emails = []string{"gina.roe@gmail.com"} }), bob},
			ev: Evidence{SignIns: []SignIn{signIn("GinaRoe+work@googlemail.com", d(3, 10), "203.0.113.1", "US", func(s *SignIn) { s.MFADevice = "key1" }),
				signIn("g", d(3, 10), "203.0.113.2", "US", func(s *SignIn) { s.MFADevice = "key1" })}}},
		// ID-24
		{name: "salary account shared", people: []Person{alice, bob},
			ev:   Evidence{Payroll: []PayrollAccount{{Person: "a", Kind: "iban", Account: "DE89 3704 0044 0532 0130 00"}, {Person: "b", Kind: "iban", Account: "de89370400440532013000"}}},
			want: map[string][]string{"a": {CodeSharedPayrollAccount}, "b": {CodeSharedPayrollAccount}}},
		{name: "a couple's joint account", people: []Person{alice, bob},
			ev: Evidence{Payroll: []PayrollAccount{{Person: "a", Kind: "bank", Account: "000123456789", Holder: "Alice Martin and Robert Chen"},
				{Person: "b", Kind: "bank", Account: "000123456789", Holder: "Alice Martin & Robert Chen"}}}},
		{name: "an account held by one, paying two", people: []Person{alice, bob},
			ev: Evidence{Payroll: []PayrollAccount{{Person: "a", Kind: "bank", Account: "000123456789", Holder: "Alice Martin", Institution: "First Bank"},
				{Person: "b", Kind: "bank", Account: "000123456789", Holder: "Alice Martin", Institution: "First Bank"}}},
			want: map[string][]string{"a": {CodeSharedPayrollAccount}, "b": {CodePayrollHolderMismatch, CodeSharedPayrollAccount}}},
		{name: "one account number at two banks", people: []Person{alice, bob},
			ev: Evidence{Payroll: []PayrollAccount{{Person: "a", Kind: "bank", Account: "12345678901", Institution: "First Bank"},
				{Person: "b", Kind: "bank", Account: "1234-5678-901", Institution: "Second Bank"}}}},
		{name: "one account number at one bank", people: []Person{alice, bob},
			ev: Evidence{Payroll: []PayrollAccount{{Person: "a", Kind: "bank", Account: "12345678901", Institution: "First Bank"},
				{Person: "b", Kind: "bank", Account: "1234-5678-901", Institution: "FIRST BANK"}}},
			want: map[string][]string{"a": {CodeSharedPayrollAccount}, "b": {CodeSharedPayrollAccount}}},
		{name: "holder in another name", people: []Person{alice},
			ev:   Evidence{Payroll: []PayrollAccount{{Person: "a", Kind: "bank", Account: "1234", Holder: "Jin Wei Trading Ltd"}}},
			want: map[string][]string{"a": {CodePayrollHolderMismatch}}},
		{name: "holder in Hangul, the person's name", people: []Person{person("k", "Kim Minjun")},
			ev: Evidence{Payroll: []PayrollAccount{{Person: "k", Kind: "bank", Account: "1234", Holder: "김민준"}}}},
		{name: "holder in Cyrillic, the person's name", people: []Person{person("k", "Ivan Petrov")},
			ev: Evidence{Payroll: []PayrollAccount{{Person: "k", Kind: "bank", Account: "1234", Holder: "Иван Петров"}}}},
		{name: "holder in Hangul, another name", people: []Person{person("k", "Kim Minjun")},
			ev:   Evidence{Payroll: []PayrollAccount{{Person: "k", Kind: "bank", Account: "1234", Holder: "박서연"}}},
			want: map[string][]string{"k": {CodePayrollHolderMismatch}}},
		{name: "joint account with the person among the holders", people: []Person{person("m", "Maria Garcia")},
			ev: Evidence{Payroll: []PayrollAccount{{Person: "m", Kind: "bank", Account: "1234", Holder: "David Chen and Maria Garcia"}}}},
		{name: "holder in the person's name, bank's order", people: []Person{alice},
			ev: Evidence{Payroll: []PayrollAccount{{Person: "a", Kind: "bank", Account: "1234", Holder: "MARTIN ALICE"}}}},
		{name: "three accounts in a year", people: []Person{alice},
			ev: Evidence{Payroll: []PayrollAccount{{Person: "a", Kind: "bank", Account: "12345001", Since: d(300, 0)}, {Person: "a", Kind: "bank", Account: "12345002", Since: d(200, 0)},
				{Person: "a", Kind: "bank", Account: "12345-003", Since: d(10, 0)}, {Person: "a", Kind: "bank", Account: "12345003", Since: d(5, 0)}}},
			want: map[string][]string{"a": {CodePayrollAccountChurn}}},
		{name: "one account written two ways is not churn", people: []Person{alice},
			ev: Evidence{Payroll: []PayrollAccount{{Person: "a", Kind: "iban", Account: "DE89 3704 0044 0532 0130 00", Since: d(300, 0)},
				{Person: "a", Kind: "iban", Account: "IBAN DE89370400440532013000", Since: d(200, 0)}, {Person: "a", Kind: "bank", Account: "12345002", Since: d(10, 0)}}}},
		{name: "three accounts over five years", people: []Person{alice},
			ev: Evidence{Payroll: []PayrollAccount{{Person: "a", Kind: "bank", Account: "1", Since: d(1800, 0)}, {Person: "a", Kind: "bank", Account: "2", Since: d(900, 0)},
				{Person: "a", Kind: "bank", Account: "3", Since: d(10, 0)}}}},
		{name: "crypto payroll, clean address", people: []Person{alice},
			ev:   Evidence{Payroll: []PayrollAccount{{Person: "a", Kind: "crypto", Chain: "ethereum", Account: "0xabc"}}},
			want: map[string][]string{"a": {CodeCryptoPayroll}}},
		{name: "crypto payroll, sanctioned address", people: []Person{alice},
			tweak: func(c *Checker) { c.Screener = &fakeScreener{addresses: map[string]string{"0xbad": "block"}} },
			ev:    Evidence{Payroll: []PayrollAccount{{Person: "a", Kind: "crypto", Chain: "ethereum", Account: "0xbad"}}},
			want:  map[string][]string{"a": {CodeCryptoPayroll, CodeSanctionedPayrollAddress}}},
		// Sanctions
		{name: "sanctioned name", people: []Person{person("s", "Kim Il Bad")}, tweak: func(c *Checker) { c.Screener = &fakeScreener{names: map[string]string{"Kim Il Bad": "block"}} },
			want: map[string][]string{"s": {CodeSanctionedName}}},
		{name: "possible sanctioned name", people: []Person{person("s", "Kim Il Maybe")}, tweak: func(c *Checker) { c.Screener = &fakeScreener{names: map[string]string{"Kim Il Maybe": "review"}} },
			want: map[string][]string{"s": {CodeSanctionedNameReview}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newChecker()
			if tc.tweak != nil {
				tc.tweak(c)
			}
			got, _ := run(t, c, tc.people, tc.ev, tc.clusters)
			wantFlags(t, got, tc.want)
		})
	}
}

// TestVerdicts: the thresholds, on assessments of whole checks.
func TestVerdicts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		codes []string
		score int
		want  bulwark.Verdict
	}{
		{nil, 0, bulwark.VerdictClear},
		{[]string{CodeCryptoPayroll, CodeRemoteAccessToolPossible}, 15, bulwark.VerdictClear},
		{[]string{CodeVPNOrHostingEgress}, 15, bulwark.VerdictClear},
		{[]string{CodeSharedIdentifier}, 40, bulwark.VerdictReview},
		{[]string{CodeSharedMFADevice, CodeIPKVM}, 80, bulwark.VerdictBlock},
		{[]string{CodeDPRKNetwork}, 100, bulwark.VerdictBlock},
		{[]string{CodeSanctionedName}, 100, bulwark.VerdictBlock},
		{[]string{CodeSanctionedNameReview}, 20, bulwark.VerdictReview},
	} {
		var flags []Flag
		for _, c := range tc.codes {
			r := ruleByCode(c)
			flags = append(flags, Flag{Rule: c, Weight: r.Weight})
		}
		if s, v := Score(flags); s != tc.score || v != tc.want {
			t.Errorf("Score(%v) = %d %s, want %d %s", tc.codes, s, v, tc.score, tc.want)
		}
	}
}

// TestFlagOrderDeterministic: the same input gives the same assessments,
// flags heaviest first, related ids sorted.
func TestFlagOrderDeterministic(t *testing.T) {
	t.Parallel()
	people, ev := laptopFarm(t)
	var first []Assessment
	for range 5 {
		r, err := newChecker().Run(context.Background(), people, ev, nil)
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = r.Assessments
			continue
		}
		if !reflect.DeepEqual(first, r.Assessments) {
			t.Fatal("two runs on the same input differ")
		}
	}
	for _, a := range first {
		for k := 1; k < len(a.Flags); k++ {
			if a.Flags[k-1].Weight < a.Flags[k].Weight {
				t.Errorf("%s: flags not heaviest first: %v", a.ID, a.Flags)
			}
		}
	}
}

// TestUnmatchedEvidenceCounted: evidence naming nobody, or an e-mail two
// records claim, is counted, not used.
func TestUnmatchedEvidenceCounted(t *testing.T) {
	t.Parallel()
	a := person("a", "Alice Martin", func(p *Person) { p.Emails = []string{"shared@example.com"}; p.ReferredBy = "nobody" })
	b := person("b", "Robert Chen", func(p *Person) { p.Emails = []string{"Shared@Example.com", "robert.chen@gmail.com"} })
	ev := Evidence{
		SignIns:   []SignIn{signIn("ghost", now, "203.0.113.1", "US"), signIn("shared@example.com", now, "203.0.113.1", "US"), signIn("A", now, "203.0.113.1", "US"), signIn("RobertChen+hr@googlemail.com", now, "203.0.113.2", "US")},
		Devices:   []Device{{Serial: "X", User: "ghost"}, {Serial: "unknown"}},
		Shipments: []Shipment{{Person: "ghost", Address: "1 A St"}},
		Payroll:   []PayrollAccount{{Person: "ghost", Kind: "bank", Account: "1"}},
		GitHub:    []GitHubProfile{{Login: "nobody"}},
	}
	_, r := run(t, newChecker(), []Person{a, b}, ev, []Cluster{{IDs: []string{"a", "q"}}, {Links: []Link{{Kind: "email", IDs: []string{"a", "q"}}}}})
	want := Unmatched{SignIns: 2, Devices: 2, Shipments: 1, Payroll: 1, GitHub: 1, ClusterIDs: 1, Referrals: 1}
	if r.Unmatched != want {
		t.Errorf("unmatched = %+v, want %+v", r.Unmatched, want)
	}
	if r.Unmatched.Total() != 9 {
		t.Errorf("total = %d", r.Unmatched.Total())
	}
}

// TestBadInput: missing and duplicated ids are Invalid errors naming the
// record and line; a screener's failure ends the run.
func TestBadInput(t *testing.T) {
	t.Parallel()
	c := newChecker()
	for _, tc := range []struct {
		people []Person
		want   string
	}{
		{[]Person{{ID: " ", Line: 3}}, "line 3"},
		{[]Person{{ID: "a", Line: 2}, {ID: "a", Line: 9}}, `"a" is given twice`},
	} {
		_, err := c.Check(context.Background(), tc.people, Evidence{}, nil)
		if bulwark.ErrorCode(err) != bulwark.EINVALID || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error = %v, want invalid containing %q", err, tc.want)
		}
	}
	c.Screener = &fakeScreener{err: errScreen}
	if _, err := c.Check(context.Background(), []Person{person("a", "Alice Martin")}, Evidence{}, nil); bulwark.ErrorCode(err) != bulwark.EUNAVAILABLE {
		t.Errorf("screener down: error = %v, want unavailable", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := newChecker().Check(ctx, []Person{person("a", "Alice Martin")}, Evidence{}, nil); err == nil {
		t.Error("cancelled context: no error")
	}
}

// TestSharedMFACap: a value many people's sign-ins give as their MFA device
// (a model name, a masked phone number) links nobody and is counted in
// Skipped without naming it; up to the cap, a shared device is flagged.
func TestSharedMFACap(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		people  int
		device  string
		flagged bool
	}{
		{"three people, one authenticator", 3, "device id 7f3a9c2e", true},
		{"at the cap", mfaMaxPeople, "yubikey 5 nfc sn 1234567", true},
		{"one past the cap", mfaMaxPeople + 1, "yubikey 5 nfc sn 1234567", false},
		{"three people, an authenticator's short label", 3, "authenticator 7f3a9c", false},
		{"three people, a model name", 3, "iPhone 15", false},
		{"two people, a masked phone", 2, "+1 XXXXXXXX23", false},
		{"two people, a masked phone with stars", 2, "+44 *** *** 789", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var people []Person
			var ev Evidence
			for k := range tc.people {
				id := "p" + strconv.Itoa(k)
				people = append(people, person(id, "Tester Q"+string(rune('a'+k))))
				ev.SignIns = append(ev.SignIns, signIn(id, now.Add(-time.Hour), "203.0.113.1", "US", func(s *SignIn) { s.MFADevice = tc.device }))
			}
			got, r := run(t, newChecker(), people, ev, nil)
			flagged := 0
			for _, codes := range got {
				if slices.Contains(codes, CodeSharedMFADevice) {
					flagged++
				}
			}
			skipped := slices.ContainsFunc(r.Skipped, func(s string) bool { return strings.Contains(s, "MFA device") })
			if tc.flagged && (flagged != tc.people || skipped) {
				t.Errorf("%d of %d people flagged, skipped %q; want all flagged, none skipped", flagged, tc.people, r.Skipped)
			}
			if !tc.flagged && (flagged != 0 || !skipped) {
				t.Errorf("%d people flagged, skipped %q; want none flagged and the value counted in Skipped", flagged, r.Skipped)
			}
			for _, s := range r.Skipped {
				if strings.Contains(strings.ToLower(s), strings.ToLower(tc.device)) {
					t.Errorf("Skipped names the device value: %q", s)
				}
			}
		})
	}
}

// TestSkippedDependencies: a checker without reference data or screener
// says what it did not check.
func TestSkippedDependencies(t *testing.T) {
	t.Parallel()
	_, r := run(t, &Checker{}, []Person{person("a", "Alice Martin")}, Evidence{SignIns: []SignIn{signIn("a", now, "203.0.113.1", "US")}, Devices: []Device{{Serial: "1", User: "a"}}}, nil)
	if len(r.Skipped) != 3 {
		t.Errorf("skipped = %q, want the network, device and screening checks", r.Skipped)
	}
}

// TestScreenerSubjectIsFingerprint: the screener gets a fingerprint, not
// the id.
func TestScreenerSubjectIsFingerprint(t *testing.T) {
	t.Parallel()
	s := &fakeScreener{}
	c := newChecker()
	c.Screener = s
	run(t, c, []Person{person("emp-1", "Alice Martin")}, Evidence{}, nil)
	if len(s.subjects) != 1 || strings.Contains(s.subjects[0], "emp-1") || len(s.subjects[0]) != 32 {
		t.Errorf("subjects = %q", s.subjects)
	}
}

// TestBuildingWeighsLess: three hires in three units of one building are
// an annotation (weight 5, clear on their own), three in one unit a flag
// (30, review); the annotation adds to a flag that corroborates it.
func TestBuildingWeighsLess(t *testing.T) {
	t.Parallel()
	people := []Person{person("x", "Alan Ray"), person("y", "Ben Fox"), person("z", "Carl Day")}
	for _, tc := range []struct {
		units   []string
		mfa     string // an MFA device all three share, "" for none
		want    int
		verdict bulwark.Verdict
	}{
		{[]string{"Unit 1", "Unit 2", "#3"}, "", 5, bulwark.VerdictClear},
		{[]string{"Unit 1", "Apt 1", "#1"}, "", 30, bulwark.VerdictReview},
		{[]string{"Unit 1", "Unit 2", "#3"}, "guo4a5u7yahhmjnpb0g7", 45, bulwark.VerdictReview},
	} {
		var ev Evidence
		for k, p := range people {
			ev.Shipments = append(ev.Shipments, Shipment{Person: p.ID, Address: "1 Farm Rd " + tc.units[k] + ", Austin TX 78701"})
			if tc.mfa != "" {
				ev.SignIns = append(ev.SignIns, signIn(p.ID, now.Add(-time.Hour), "203.0.113.1", "", func(s *SignIn) { s.MFADevice = tc.mfa }))
			}
		}
		_, r := run(t, newChecker(), people, ev, nil)
		for _, a := range r.Assessments {
			if a.Score != tc.want || a.Verdict != tc.verdict {
				t.Errorf("%v: %s score %d %s, want %d %s: %+v", tc.units, a.ID, a.Score, a.Verdict, tc.want, tc.verdict, a.Flags)
			}
		}
	}
}
