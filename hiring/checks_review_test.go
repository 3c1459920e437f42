package hiring

import (
	"context"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/bulwark-sec/bulwark"
)

// chainScreener screens payroll addresses as the screening service does
// when it supports only some chains: an address of another chain is
// refused as invalid (the refusal quoting it); unavailable fails every
// screening.
type chainScreener struct {
	supported   map[string]bool
	block       map[string]bool
	unavailable bool
}

func (s *chainScreener) ScreenPersonName(context.Context, string, string, string, string) (NameHit, error) {
	return NameHit{Verdict: string(bulwark.VerdictClear)}, nil
}

func (s *chainScreener) ScreenPayrollAddress(_ context.Context, _, chain, address string) (AddressHit, error) {
	if s.unavailable {
		return AddressHit{}, bulwark.Errorf(bulwark.EUNAVAILABLE, "lists not loaded")
	}
	if !s.supported[chain] {
		return AddressHit{}, bulwark.Invalid("chain", "chain %q of address %q is not supported", chain, address)
	}
	if s.block[address] {
		return AddressHit{Verdict: string(bulwark.VerdictBlock), DecisionID: "d-9"}, nil
	}
	return AddressHit{Verdict: string(bulwark.VerdictClear)}, nil
}

// TestPayrollAddressRefused: an address the screener refuses (a chain it
// does not support) is that person's PAYROLL_ADDRESS_NOT_SCREENED, a
// review, and the run goes on to screen the others; a screener that is
// down still ends the run.
func TestPayrollAddressRefused(t *testing.T) {
	t.Parallel()
	people := []Person{person("a", "Alice Martin"), person("b", "Robert Chen")}
	ev := Evidence{Payroll: []PayrollAccount{
		{Person: "a", Kind: "crypto", Chain: "kaspa", Account: "kaspa:qr0lr4ml9fn3chekrqmjdkergxl93l4wrk3dankcgvjq776s9wn9jkdskewva"},
		{Person: "b", Kind: "crypto", Chain: "ethereum", Account: "0xbad"},
	}}
	for _, tc := range []struct {
		name     string
		screener *chainScreener
		want     map[string][]string
		verdicts map[string]bulwark.Verdict
		errCode  string
	}{
		{name: "one chain unsupported", screener: &chainScreener{supported: map[string]bool{"ethereum": true}, block: map[string]bool{"0xbad": true}},
			want:     map[string][]string{"a": {CodeCryptoPayroll, CodePayrollAddressNotScreened}, "b": {CodeCryptoPayroll, CodeSanctionedPayrollAddress}},
			verdicts: map[string]bulwark.Verdict{"a": bulwark.VerdictReview, "b": bulwark.VerdictBlock}},
		{name: "every chain supported", screener: &chainScreener{supported: map[string]bool{"ethereum": true, "kaspa": true}},
			want:     map[string][]string{"a": {CodeCryptoPayroll}, "b": {CodeCryptoPayroll}},
			verdicts: map[string]bulwark.Verdict{"a": bulwark.VerdictClear, "b": bulwark.VerdictClear}},
		{name: "screener down", screener: &chainScreener{unavailable: true}, errCode: bulwark.EUNAVAILABLE},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newChecker()
			c.Screener = tc.screener
			r, err := c.Run(context.Background(), people, ev, nil)
			if tc.errCode != "" {
				if bulwark.ErrorCode(err) != tc.errCode {
					t.Fatalf("error = %v, want %s", err, tc.errCode)
				}
				return
			}
			if err != nil {
				t.Fatalf("a refused address failed the run: %v", err)
			}
			got := map[string][]string{}
			for _, a := range r.Assessments {
				for _, f := range a.Flags {
					got[a.ID] = append(got[a.ID], f.Rule)
					if f.Rule == CodePayrollAddressNotScreened && strings.Contains(f.Evidence, "not supported") {
						t.Errorf("the flag repeats the refusal: %q", f.Evidence)
					}
				}
				if a.Verdict != tc.verdicts[a.ID] {
					t.Errorf("%s: verdict %s, want %s", a.ID, a.Verdict, tc.verdicts[a.ID])
				}
			}
			for id := range got {
				slices.Sort(got[id])
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("flags = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestBarePayrollAccount: a bare account number (digits, no IBAN) links
// two people only when both payroll records place it at the same bank; an
// IBAN or a crypto address links on the value alone, from the payroll
// evidence or from the identity graph's link between the records.
func TestBarePayrollAccount(t *testing.T) {
	t.Parallel()
	alice, bob := person("a", "Alice Martin"), person("b", "Robert Chen")
	shared := map[string][]string{"a": {CodeSharedPayrollAccount}, "b": {CodeSharedPayrollAccount}}
	pay := func(who, kind, acct, bank string) PayrollAccount {
		return PayrollAccount{Person: who, Kind: kind, Account: acct, Institution: bank}
	}
	link := func(value string) []Cluster {
		return []Cluster{{IDs: []string{"a", "b"}, Links: []Link{{Kind: LinkKindBankAccount, IDs: []string{"a", "b"}, Value: value, Score: 1}}}}
	}
	for _, tc := range []struct {
		name     string
		payroll  []PayrollAccount
		clusters []Cluster
		want     map[string][]string
	}{
		{name: "bare number, no bank on either side", payroll: []PayrollAccount{pay("a", "bank", "40319872", ""), pay("b", "bank", "4031-9872", "")}},
		{name: "bare number, the bank on one side only", payroll: []PayrollAccount{pay("a", "bank", "40319872", "First Bank"), pay("b", "bank", "40319872", "")}},
		{name: "bare number at two banks", payroll: []PayrollAccount{pay("a", "bank", "40319872", "021000021"), pay("b", "bank", "40319872", "026009593")}},
		{name: "bare number at one bank", payroll: []PayrollAccount{pay("a", "bank", "40319872", "First Bank"), pay("b", "bank", "4031 9872", "FIRST BANK")}, want: shared},
		{name: "bare number at one bank by routing number", payroll: []PayrollAccount{pay("a", "bank", "40319872", "021000021"), pay("b", "bank", "40319872", "021000021")}, want: shared},
		{name: "bare wallet number, no provider", payroll: []PayrollAccount{pay("a", "wallet", "55501234", ""), pay("b", "wallet", "55501234", "")}},
		{name: "IBAN, no bank given", payroll: []PayrollAccount{pay("a", "iban", "DE89 3704 0044 0532 0130 00", ""), pay("b", "iban", "DE89370400440532013000", "")}, want: shared},
		{name: "one crypto address", payroll: []PayrollAccount{{Person: "a", Kind: "crypto", Chain: "ethereum", Account: "0x52908400098527886E0F7030069857D2E4169EE7"},
			{Person: "b", Kind: "crypto", Chain: "ethereum", Account: "0x52908400098527886e0f7030069857d2e4169ee7"}},
			want: map[string][]string{"a": {CodeCryptoPayroll, CodeSharedPayrollAccount}, "b": {CodeCryptoPayroll, CodeSharedPayrollAccount}}},
		{name: "records share a bare number, no payroll evidence", clusters: link("40319872")},
		{name: "records share a bare number the payroll places at one bank", clusters: link("40319872"),
			payroll: []PayrollAccount{pay("a", "bank", "40319872", "First Bank"), pay("b", "bank", "40319872", "First Bank")}, want: shared},
		{name: "records share a bare number the payroll places at two banks", clusters: link("40319872"),
			payroll: []PayrollAccount{pay("a", "bank", "40319872", "First Bank"), pay("b", "bank", "40319872", "Second Bank")}},
		{name: "records share an IBAN", clusters: link("DE89370400440532013000"), want: shared},
		// The value carries its bank: an ABA routing number (or a UK sort
		// code) before the account number decides, however the payee
		// writes the bank's name.
		{name: "routing number in the value, bank written two ways", payroll: []PayrollAccount{pay("a", "bank", "084009519 000555000222", "Wise"), pay("b", "bank", "084009519-000555000222", "Wise Payments Ltd")}, want: shared},
		{name: "routing number in the value, no bank given", payroll: []PayrollAccount{pay("a", "bank", "084009519 000555000222", ""), pay("b", "bank", "084009519000555000222", "")}, want: shared},
		{name: "sort code and account number in the value", payroll: []PayrollAccount{pay("a", "bank", "40-47-84 70872490", "HSBC"), pay("b", "bank", "404784 70872490", "")}, want: shared},
		{name: "not a routing number before the account", payroll: []PayrollAccount{pay("a", "bank", "123456789 0001234", "First Bank"), pay("b", "bank", "1234567890001234", "Second Bank")}},
		// Otherwise the institutions compare loosely: case, punctuation,
		// legal forms and generic words aside, one's words among the other's.
		{name: "bank name with and without its legal form", payroll: []PayrollAccount{pay("a", "bank", "000555000333", "Chase"), pay("b", "bank", "000555000333", "JPMorgan Chase Bank, N.A.")}, want: shared},
		{name: "bank name and its trading name", payroll: []PayrollAccount{pay("a", "bank", "000555000333", "wise"), pay("b", "bank", "000555000333", "Wise Payments Ltd.")}, want: shared},
		{name: "two banks of one generic word", payroll: []PayrollAccount{pay("a", "bank", "000555000333", "First Bank"), pay("b", "bank", "000555000333", "Second Bank N.A.")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, _ := run(t, newChecker(), []Person{alice, bob}, Evidence{Payroll: tc.payroll}, tc.clusters)
			wantFlags(t, got, tc.want)
		})
	}
}

// TestMFADeviceKey: only values that identify one device (a device id, a
// credential id, a serial, a whole phone number) have a key; model and
// product names, methods, masked numbers and short labels have none.
func TestMFADeviceKey(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		// Okta's device.id, a UUID, a WebAuthn credential id.
		{"guo4a5u7YAHhmjnpb0g7", "id:guo4a5u7yahhmjnpb0g7"},
		{" 3F2504E0-4F89-11D3-9A0C-0305E82C3301 ", "id:3f2504e0-4f89-11d3-9a0c-0305e82c3301"},
		{"credential id Aa8x2kPq0Zr9", "id:aa8x2kpq0zr9"},
		{"device: 7f3a9c2e", "id:7f3a9c2e"},
		{"okta-verify:farm-phone-1", "id:farm-phone-1"},
		// Serials, after a model name too.
		{"YubiKey 5 NFC SN 1234567", "serial:1234567"},
		{"serial: CC12345", "serial:cc12345"},
		// Whole phone numbers; the Entra reader's form.
		{"phone +13125550100", "phone:+13125550100"},
		{"+44 20 7946 0958", "phone:+442079460958"},
		{"phone +1 (312) 555-0100", "phone:+13125550100"},
		// No one device.
		{"iPhone 15", ""},
		{"Pixel 8", ""},
		{"Okta Verify on iOS", ""},
		{"YubiKey 5 NFC", ""},
		{"iPhone-SE-77", ""},
		{"SM-G991B", ""},
		{"Galaxy S23 Ultra", ""},
		{"device: iPhone 15", ""},
		{"okta-verify:iphone15pro", ""},
		{"Microsoft Authenticator", ""},
		{"authenticator 7f3a9c", ""},
		{"key1", ""},
		{"sn 123", ""},
		{"+1 XXXXXXXX23", ""},
		{"+44 *** *** 789", ""},
		{"phone 3125550100", ""},
		{"push", ""},
		{"", ""},
	} {
		if got := MFADeviceKey(tc.in); got != tc.want {
			t.Errorf("MFADeviceKey(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// FuzzMFADeviceKey: any value has a key or none without a panic; a key is
// the kind and a value without spaces, and the same for the value in
// other case and padding.
func FuzzMFADeviceKey(f *testing.F) {
	for _, s := range []string{"guo4a5u7YAHhmjnpb0g7", "YubiKey 5 NFC SN 1234567", "phone +13125550100", "iPhone 15", "okta-verify:farm-phone-1", "+1 XXXXXXXX23", "a:b", ":", "sn", "phone"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k := MFADeviceKey(s)
		if k == "" {
			return
		}
		kind, v, ok := strings.Cut(k, ":")
		if !ok || v == "" || strings.ContainsFunc(v, unicode.IsSpace) || !slices.Contains([]string{"id", "serial", "phone"}, kind) {
			t.Errorf("MFADeviceKey(%q) = %q", s, k)
		}
		// Only where upper-casing keeps the lower-case form ("ſ" does not).
		lower := strings.ToLower
		if k2 := MFADeviceKey(" " + strings.ToUpper(s) + " "); k2 != k && lower(strings.ToUpper(s)) == lower(s) {
			t.Errorf("MFADeviceKey(%q) = %q, of the value upper-cased %q", s, k, k2)
		}
	})
}

// TestEvidenceNamesNoOtherIdentifiers: a flag's evidence names the other
// people it relates by id and name only, and a value shared with them by
// its kind and at most a short tail: never their e-mails, phones, national
// ids, GitHub handles, accounts, serials, addresses, networks or MFA
// devices. A person's own evidence (their shipment, their sign-in) may be
// quoted in their own non-shared flags.
func TestEvidenceNamesNoOtherIdentifiers(t *testing.T) {
	t.Parallel()
	farm := "4120 Ranch Rd, Unit 5, Austin, TX 78701"
	mk := func(id, name string, k int) Person {
		return Person{ID: id, FullName: name, Country: "US",
			Emails:        []string{"shared.inbox@example.org", name[:3] + "-own@example.net"},
			Phones:        []string{"+1 512 555 0177", "+1 512 555 02" + strconv.Itoa(10+k)},
			NationalID:    "123-45-6789",
			GitHub:        "farmdev" + strconv.Itoa(k),
			BankAccounts:  []string{"DE89 3704 0044 0532 0130 00"},
			DeviceSerials: []string{"PF3KQ9ZL"},
			IPs:           []string{"198.51.100.77"},
			HomeAddress:   strconv.Itoa(100+k) + " Elm Street, Dallas, TX 75201",
		}
	}
	people := []Person{mk("A-1", "Daniel Wright", 1), mk("A-2", "Kevin Brooks", 2), mk("A-3", "Alex Turner", 3),
		// a household: one home, one landline
		{ID: "H-1", FullName: "Maria Garcia", HomeAddress: "9 Oak Lane, Reno, NV 89501", Phones: []string{"+1 775 555 0142"}},
		{ID: "H-2", FullName: "David Chen", HomeAddress: "9 Oak Lane, Reno, NV 89501", Phones: []string{"+1 775 555 0142"}},
		// a building: three units
		{ID: "B-1", FullName: "Alan Ray"}, {ID: "B-2", FullName: "Ben Fox"}, {ID: "B-3", FullName: "Carl Day"},
	}
	var ev Evidence
	for k, id := range []string{"A-1", "A-2", "A-3"} {
		ev.Shipments = append(ev.Shipments, Shipment{Person: id, DeviceSerial: "C02FARM0" + strconv.Itoa(k), Address: farm})
		ev.Shipments = append(ev.Shipments, Shipment{Person: id, DeviceSerial: "C02SHARED99", Address: farm})
		ev.Payroll = append(ev.Payroll, PayrollAccount{Person: id, Kind: "bank", Account: "084009519 000555000111", Institution: "Wise"})
		for d := range 10 {
			ev.SignIns = append(ev.SignIns, signIn(id, now.AddDate(0, 0, -3*d), "203.0.113.77", "US", func(s *SignIn) { s.MFADevice = "guo4a5u7YAHhmjnpb0g7" }))
		}
	}
	for k, id := range []string{"B-1", "B-2", "B-3"} {
		ev.Shipments = append(ev.Shipments, Shipment{Person: id, Address: "1 Farm Rd Unit " + strconv.Itoa(k+1) + ", Austin TX 78701"})
	}
	r := runLinked(t, newChecker(), people, ev)
	// Every identifier each person's records and evidence give.
	own := map[string][]string{}
	for _, p := range people {
		own[p.ID] = append(own[p.ID], p.Emails...)
		own[p.ID] = append(own[p.ID], p.Phones...)
		own[p.ID] = append(own[p.ID], p.BankAccounts...)
		own[p.ID] = append(own[p.ID], p.DeviceSerials...)
		own[p.ID] = append(own[p.ID], p.IPs...)
		own[p.ID] = append(own[p.ID], p.NationalID, p.GitHub, p.HomeAddress)
		for _, v := range p.Phones {
			if e, ok := NormalizePhone(v, "US"); ok {
				own[p.ID] = append(own[p.ID], e)
			}
		}
		own[p.ID] = append(own[p.ID], NormalizeAddress(p.HomeAddress))
		for _, v := range p.BankAccounts {
			a, _ := NormalizeBankAccount(v)
			own[p.ID] = append(own[p.ID], a.Value)
		}
	}
	for _, s := range ev.Shipments {
		own[s.Person] = append(own[s.Person], s.Address, NormalizeAddress(s.Address), s.DeviceSerial)
	}
	for _, a := range ev.Payroll {
		own[a.Person] = append(own[a.Person], a.Account, payrollKey(a.Kind, a.Account))
	}
	for _, s := range ev.SignIns {
		own[s.User] = append(own[s.User], s.IP.String(), s.MFADevice)
	}
	shared := 0
	for _, a := range r.Assessments {
		for _, f := range a.Flags {
			if pairCodes[f.Rule] {
				shared++
			}
			text := strings.ToLower(f.Evidence)
			for other, values := range own {
				if other == a.ID {
					continue
				}
				for _, v := range values {
					v = strings.ToLower(strings.TrimSpace(v))
					if len(v) < 5 {
						continue
					}
					// The person's own value in a flag about their own
					// evidence is theirs to see; a shared flag names none.
					if !pairCodes[f.Rule] && slices.ContainsFunc(own[a.ID], func(o string) bool { return strings.EqualFold(strings.TrimSpace(o), v) }) {
						continue
					}
					if strings.Contains(text, v) {
						t.Errorf("%s's %s names %s's %q: %q", a.ID, f.Rule, other, v, f.Evidence)
					}
				}
			}
		}
	}
	if testing.Verbose() {
		for _, a := range r.Assessments {
			for _, f := range a.Flags {
				t.Logf("%s %s %d: %s", a.ID, f.Rule, f.Weight, f.Evidence)
			}
		}
	}
	// A referral names the referrer and their verdict, not their flags.
	ref := []Person{people[0], {ID: "R-1", FullName: "Rita Moe", ReferredBy: "A-1"}}
	rr := runLinked(t, newChecker(), ref, Evidence{SignIns: []SignIn{signIn("A-1", now, "175.45.178.9", "")}})
	if f := rr.Assessments[1].Flags; len(f) != 1 || f[0].Rule != CodeReferredByFlagged || strings.Contains(f[0].Evidence, CodeDPRKNetwork) || strings.Contains(f[0].Evidence, "175.45") {
		t.Errorf("the referral flag: %+v", f)
	}
	if shared < 10 {
		t.Errorf("only %d shared flags: the test does not exercise the rules it should", shared)
	}
}

// TestTripsAndCommuters: a stay abroad of up to tripMaxDays, a day trip,
// a daily commute across a border raise none of the sign-ins-from-abroad
// rules; a sustained stay, sign-ins from China on more days than a trip
// has, and crossings within two hours on several days do.
func TestTripsAndCommuters(t *testing.T) {
	t.Parallel()
	// at is hour:minute (UTC) of the day days before now.
	at := func(days, hour, minute int) time.Time {
		return time.Date(now.Year(), now.Month(), now.Day(), hour, minute, 0, 0, time.UTC).AddDate(0, 0, -days)
	}
	in := func(cc string, days, hour, minute int) SignIn {
		ip := map[string]string{"US": "203.0.113.10", "FR": "203.0.113.20", "CH": "203.0.113.30", "CN": "203.0.113.40", "CA": "203.0.113.50", "DE": "203.0.113.60"}[cc]
		return signIn("p", at(days, hour, minute), ip, cc)
	}
	// home is the person's days at home in country cc, from day from to
	// day to (days before now), three sign-ins a day.
	home := func(cc string, from, to int) []SignIn {
		var s []SignIn
		for d := from; d >= to; d-- {
			s = append(s, in(cc, d, 9, 0), in(cc, d, 13, 0), in(cc, d, 16, 30))
		}
		return s
	}
	stay := func(cc string, from, days int) []SignIn { return home(cc, from, from-days+1) }
	join := func(parts ...[]SignIn) []SignIn { return slices.Concat(parts...) }
	us := Person{ID: "p", FullName: "Pat Doe", Country: "US", TimeZone: "UTC"}
	fr := Person{ID: "p", FullName: "Pat Doe", Country: "FR", TimeZone: "UTC"}
	commute := func(evenings bool, weeks int) []SignIn {
		var s []SignIn
		for d := 7 * weeks; d > 0; d-- {
			if wd := at(d, 0, 0).Weekday(); wd == time.Saturday || wd == time.Sunday {
				s = append(s, in("FR", d, 11, 0))
				continue
			}
			if evenings {
				s = append(s, in("FR", d, 7, 30))
			}
			s = append(s, in("CH", d, 8, 30), in("CH", d, 12, 0), in("CH", d, 17, 0))
			if evenings {
				s = append(s, in("FR", d, 18, 15))
			}
		}
		return s
	}
	for _, tc := range []struct {
		name    string
		person  Person
		signIns []SignIn
		want    []string
	}{
		{"a five-day business trip", us, join(home("US", 60, 20), stay("FR", 19, 5), home("US", 14, 1)), nil},
		{"a week's trip, the longest allowed", us, join(home("US", 60, 20), stay("FR", 19, tripMaxDays), home("US", 12, 1)), nil},
		{"eight days abroad in a row", us, join(home("US", 60, 20), stay("FR", 19, foreignMinDays), home("US", 11, 1)), []string{CodeForeignSignIn}},
		{"two trips with a day at home between", us, join(home("US", 60, 20), stay("FR", 19, 6), home("US", 13, 13), stay("DE", 12, 6), home("US", 6, 1)), nil},
		{"day trips abroad, back home each evening", us, join(home("US", 60, 1), stay("CA", 30, 20)), nil},
		{"living abroad", us, join(home("US", 60, 58), stay("FR", 57, 40)), []string{CodeForeignSignIn}},
		{"a commuter into Switzerland, at home in the evenings", fr, commute(true, 10), nil},
		{"a commuter into Switzerland, at home at weekends", fr, commute(false, 10), nil},
		{"a week in China", us, join(home("US", 60, 20), stay("CN", 19, tripMaxDays), home("US", 12, 1)), nil},
		{"China on eight days", us, join(home("US", 60, 20), stay("CN", 19, highRiskMinDays), home("US", 11, 1)), []string{CodeHighRiskCountrySignIn}},
		{"China on eight days, a laptop at home on the same days", us, join(home("US", 60, 1), stay("CN", 19, highRiskMinDays)), []string{CodeHighRiskCountrySignIn}},
		{"out and back within two hours, once", us, join(home("US", 60, 1), []SignIn{in("US", 5, 10, 0), in("CA", 5, 10, 30), in("US", 5, 11, 0)}), nil},
		{"out and back within two hours, on two days", us, join(home("US", 60, 1), []SignIn{in("US", 5, 10, 0), in("CA", 5, 10, 30), in("US", 5, 11, 0),
			in("US", 4, 10, 0), in("CA", 4, 10, 30), in("US", 4, 11, 0)}), []string{CodeImpossibleTravel}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, _ := run(t, newChecker(), []Person{tc.person}, Evidence{SignIns: tc.signIns}, nil)
			if !reflect.DeepEqual(got["p"], tc.want) {
				t.Errorf("flags = %v, want %v", got["p"], tc.want)
			}
		})
	}
}

// TestZoneTrip: a trip of a few days worked in another time zone is no
// routine: KST_WORKING_HOURS and ROUND_THE_CLOCK need their night-time or
// quiet-window events on kstMinNightDays or roundClockMinDays days.
func TestZoneTrip(t *testing.T) {
	t.Parallel()
	// A Monday, so that no day of the week below is a weekend in Korea.
	monday := time.Date(2026, 5, 4, 0, 0, 0, 0, time.UTC)
	chicagoer := Person{ID: "p", FullName: "Pat Doe", Country: "US", TimeZone: "America/Chicago"}
	// seoul is days working days in Seoul (09:00–18:00 KST, 00:00–09:00
	// UTC) from day start, ten sign-ins a day; chicago the same in Chicago
	// (09:00–17:00 CDT, 14:00–22:00 UTC).
	work := func(start, days, fromUTC int) []SignIn {
		var s []SignIn
		for d := range days {
			for k := range 10 {
				s = append(s, signIn("p", monday.AddDate(0, 0, start+d).Add(time.Duration(fromUTC*60+k*50)*time.Minute), "203.0.113.5", ""))
			}
		}
		return s
	}
	// everyHour is days days of sign-ins every second hour.
	everyHour := func(days int) []SignIn {
		var s []SignIn
		for d := range days {
			for h := 0; h < 24; h += 2 {
				s = append(s, signIn("p", monday.AddDate(0, 0, d).Add(time.Duration(h)*time.Hour), "203.0.113.5", ""))
			}
		}
		return s
	}
	for _, tc := range []struct {
		name    string
		signIns []SignIn
		want    []string
	}{
		{"two days at home, then a working week in Seoul", slices.Concat(work(0, 2, 14), work(7, 5, 1)), nil},
		{"Korean hours for two working weeks", slices.Concat(work(0, 5, 1), work(7, 5, 1)), []string{CodeKSTWorkingHours}},
		{"round the clock for six days (a conference and jet lag)", everyHour(6), nil},
		{"round the clock for twelve days", everyHour(12), []string{CodeRoundTheClock}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newChecker()
			c.Now = func() time.Time { return monday.AddDate(0, 0, 20) }
			got, _ := run(t, c, []Person{chicagoer}, Evidence{SignIns: tc.signIns}, nil)
			if !reflect.DeepEqual(got["p"], tc.want) {
				t.Errorf("flags = %v, want %v", got["p"], tc.want)
			}
		})
	}
}

// TestShippingDestination: SHIPPING_ADDRESS_MISMATCH compares the
// shipment's destination with the home's building: a unit number alone
// (left out, written otherwise, or another flat of the building) makes no
// other address; another house or street does; the carrier is never read
// as part of the address.
func TestShippingDestination(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, home, dest, carrier string
		mismatch                  bool
	}{
		{"another flat of the building", "12 Oak St Apt 4, Springfield, IL 62704", "12 Oak St Apt 9, Springfield, IL 62704", "", false},
		{"the unit written in parts", "12 Oak St Apt 4B, Springfield, IL 62704", "12 Oak Street, Apt. 4-B, Springfield, IL 62704", "", false},
		{"the unit before the house number", "Flat 3, 12 Main St, Reno, NV 89501", "12 Main Street Unit 7, Reno, NV 89501", "", false},
		{"the unit left out", "12 Main Street Suite 300, Reno, NV 89501", "12 Main St, Reno, NV 89501", "", false},
		{"a carrier with a weight and a service", "12 Main St, Reno, NV 89501", "12 Main St, Reno, NV 89501", "FedEx Ground 2.3 kg", false},
		{"another house number written with No.", "No. 12 Main St, Reno, NV 89501", "No. 40 Main St, Reno, NV 89501", "", true},
		{"another street", "12 Oak St, Springfield, IL 62704", "400 Warehouse Rd Unit 4, Dover, DE 19901", "", true},
		{"another house, the same flat number", "12 Oak St Apt 4, Springfield, IL 62704", "14 Oak St Apt 4, Springfield, IL 62704", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := person("a", "Alice Martin", func(p *Person) { p.HomeAddress = tc.home })
			got, _ := run(t, newChecker(), []Person{p}, Evidence{Shipments: []Shipment{{Person: "a", Address: tc.dest, Carrier: tc.carrier}}}, nil)
			if m := slices.Contains(got["a"], CodeShippingAddressMismatch); m != tc.mismatch {
				t.Errorf("flags %v, want mismatch %v", got["a"], tc.mismatch)
			}
		})
	}
}

// TestEvidenceMatching: the store (AttachEvidence) and the checks resolve
// evidence to people with one matcher. checks is whom a run uses the item
// for ("" counted in Report.Unmatched); store is whom an import files it
// with: the same person, or the first of several claimants for an item
// the checks leave unmatched. Every other row gives what each gave before
// they shared the matcher. Rows marked "store agrees" are where the
// store's own lower-casing used to differ (an e-mail alias, a serial with
// dashes, a shipment's serial, a profile URL, a device or shipment for
// someone unknown): it now files them as the checks use them; the row
// marked "checks agree" is a shipment naming no person, which the store
// filed by its serial and the checks now use the same way.
func TestEvidenceMatching(t *testing.T) {
	t.Parallel()
	people := []Person{
		{ID: "p-1", FullName: "Ann Lee", Emails: []string{"Ann.Lee@Gmail.com"}, DeviceSerials: []string{"C02XK1ABJG5H"}, GitHub: "annl"},
		{ID: "p-2", FullName: "Bob Ray", Emails: []string{"bob@x.test", "team@x.test"}},
		{ID: "p-3", FullName: "Cy Oak", Emails: []string{"Team@X.test"}},
	}
	shipToBob := Shipment{Person: "p-2", DeviceSerial: "PF3KQ9ZL", Address: "1 Main St, Reno, NV 89501"}
	for _, tc := range []struct {
		name          string
		ev            Evidence
		store, checks string
	}{
		{"sign-in by e-mail, case and blanks", Evidence{SignIns: []SignIn{{User: " ANN.LEE@gmail.com", Success: true}}}, "p-1", "p-1"},
		{"sign-in by id", Evidence{SignIns: []SignIn{{User: "P-2", Success: true}}}, "p-2", "p-2"},
		{"sign-in by a Gmail alias (store agrees)", Evidence{SignIns: []SignIn{{User: "annlee+hr@googlemail.com", Success: true}}}, "p-1", "p-1"},
		{"sign-in by an e-mail two records give", Evidence{SignIns: []SignIn{{User: "team@x.test", Success: true}}}, "p-2", ""},
		{"sign-in by nobody", Evidence{SignIns: []SignIn{{User: "eve@x.test", Success: true}}}, "", ""},
		{"device by user", Evidence{Devices: []Device{{Serial: "X1234567", User: "bob@x.test"}}}, "p-2", "p-2"},
		{"device by serial, dashes (store agrees)", Evidence{Devices: []Device{{Serial: "c02x-k1ab-jg5h"}}}, "p-1", "p-1"},
		{"device by a serial shipped to the person (store agrees)", Evidence{Devices: []Device{{Serial: "PF3KQ9ZL"}}, Shipments: []Shipment{shipToBob}}, "p-2", "p-2"},
		{"device of someone unknown, a known serial (store agrees)", Evidence{Devices: []Device{{Serial: "C02XK1ABJG5H", User: "ghost"}}}, "", ""},
		{"device with a placeholder serial", Evidence{Devices: []Device{{Serial: "To be filled by O.E.M."}}}, "", ""},
		{"shipment by person", Evidence{Shipments: []Shipment{{Person: "ann.lee@gmail.com", Address: "1 Main St"}}}, "p-1", "p-1"},
		{"shipment naming no person, by serial (checks agree)", Evidence{Shipments: []Shipment{{DeviceSerial: "C02XK1ABJG5H", Address: "1 Main St"}}}, "p-1", "p-1"},
		{"shipment to someone unknown, a known serial (store agrees)", Evidence{Shipments: []Shipment{{Person: "zed", DeviceSerial: "C02XK1ABJG5H", Address: "1 Main St"}}}, "", ""},
		{"payroll by e-mail", Evidence{Payroll: []PayrollAccount{{Person: "BOB@x.test", Kind: "bank", Account: "40319872"}}}, "p-2", "p-2"},
		{"GitHub by login", Evidence{GitHub: []GitHubProfile{{Login: "AnnL"}}}, "p-1", "p-1"},
		{"GitHub by profile URL (store agrees)", Evidence{GitHub: []GitHubProfile{{Login: "https://github.com/AnnL"}}}, "p-1", "p-1"},
		{"GitHub by nobody", Evidence{GitHub: []GitHubProfile{{Login: "other"}}}, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			item := tc.ev
			if len(item.Shipments) > 0 && item.Shipments[0] == shipToBob {
				item.Shipments = nil // the context, not the item
			}
			got, rest := AttachEvidence(people, tc.ev)
			store := ""
			for id, e := range got {
				n := e.Count()
				if len(tc.ev.Shipments) > 0 && tc.ev.Shipments[0] == shipToBob && id == "p-2" {
					n-- // the context shipment
				}
				if n > 0 {
					store = id
				}
			}
			if store != tc.store {
				t.Errorf("AttachEvidence files it with %q (unattached %+v), want %q", store, rest, tc.store)
			}
			r, err := (&Checker{Now: func() time.Time { return now }}).Run(context.Background(), people, tc.ev, nil)
			if err != nil {
				t.Fatal(err)
			}
			matched := r.Unmatched.Total() == 0
			if matched != (tc.checks != "") {
				t.Errorf("the checks: unmatched %+v, want the item used for %q", r.Unmatched, tc.checks)
			}
			if tc.checks != "" {
				x, err := (&Checker{}).index(people, tc.ev)
				if err != nil {
					t.Fatal(err)
				}
				var m match
				switch {
				case len(item.SignIns) > 0:
					m = x.m.signIn(&item.SignIns[0])
				case len(item.Devices) > 0:
					m = x.m.device(&item.Devices[0])
				case len(item.Shipments) > 0:
					m = x.m.shipment(&item.Shipments[0])
				case len(item.Payroll) > 0:
					m = x.m.payroll(&item.Payroll[0])
				case len(item.GitHub) > 0:
					m = x.m.gitHub(&item.GitHub[0])
				}
				if i, ok := m.unique(); !ok || people[i].ID != tc.checks {
					t.Errorf("the checks use it for %v (%v), want %q", i, ok, tc.checks)
				}
			}
		})
	}
}

// TestShippingMismatchOnce: a laptop shipment to the address the person
// record gives as its shipping address, elsewhere than the home, is one
// mismatch, named by the shipment's serial, not the same address twice.
func TestShippingMismatchOnce(t *testing.T) {
	t.Parallel()
	const elsewhere = "4120 Ranch Rd, Unit 5, Austin, TX 78701, US"
	p := person("a", "Alice Martin", func(p *Person) {
		p.HomeAddress = "12 Oak St, Denver, CO 80203, US"
		p.ShippingAddress = elsewhere
	})
	_, r := run(t, newChecker(), []Person{p}, Evidence{Shipments: []Shipment{{Person: "a", Address: elsewhere, DeviceSerial: "PF3KQ9ZL"}}}, nil)
	var evidence []string
	for _, a := range r.Assessments {
		for _, f := range a.Flags {
			if f.Rule == CodeShippingAddressMismatch {
				evidence = append(evidence, f.Evidence)
			}
		}
	}
	if len(evidence) != 1 || strings.Count(evidence[0], "shipped to") != 1 || !strings.Contains(evidence[0], "PF3KQ9ZL") {
		t.Errorf("mismatch evidence %q: want one shipment, named by its serial", evidence)
	}
}
