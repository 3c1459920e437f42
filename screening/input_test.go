package screening

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/internal/reqtable"
)

// loadNameRequests reads the table the API and CLI tests run too.
func loadNameRequests(t *testing.T) []reqtable.NameRequest {
	t.Helper()
	rows, err := reqtable.LoadNameRequests("testdata/name_requests.json")
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestCheckNameQueryTable(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	for _, tc := range loadNameRequests(t) {
		q, err := CheckNameQuery(NameQuery{Name: tc.Name, Type: tc.Type, DateOfBirth: tc.DOB, Country: tc.Country, Limit: tc.Limit}, tc.Subject, now)
		if tc.Field == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.Desc, err)
				continue
			}
			if tc.WantCountry != "" && q.Country != tc.WantCountry || tc.WantDOB != "" && q.DateOfBirth != tc.WantDOB || tc.WantType != "" && q.Type != tc.WantType {
				t.Errorf("%s: got %+v", tc.Desc, q)
			}
			continue
		}
		var be *bulwark.Error
		if !errors.As(err, &be) || be.Code != bulwark.EINVALID || be.Field != tc.Field || !strings.Contains(be.Error(), tc.Msg) {
			t.Errorf("%s: got %v, want field %s and %q", tc.Desc, err, tc.Field, tc.Msg)
			continue
		}
		if !strings.HasPrefix(be.Error(), tc.Field+": ") || len(be.Error()) > 300 {
			t.Errorf("%s: message %q should start with the field and be short", tc.Desc, be.Error())
		}
	}
}

func TestParseDOBBoundaries(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"2026-12-06", true}, {"2026-12-07", false}, {"2026-12", true}, {"2027", false}, {"2026", true},
		{"1800", true}, {"0000", false}, {"1984-00", false}, {"1984-08-00", false}, {"1984-8-15", false},
		{"+984", false}, {"19840815", false}, {"", true},
	} {
		_, err := ParseDOB("dob", tc.in, now)
		if (err == nil) != tc.ok {
			t.Errorf("ParseDOB(%q) = %v, want ok=%v", tc.in, err, tc.ok)
		}
	}
}

func TestCheckAddressQueries(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("1", 1<<20)
	for _, tc := range []struct {
		desc    string
		qs      []AddressQuery
		subject string
		field   string
		msg     string
	}{
		{"one valid", []AddressQuery{{Address: "0x098B716B8Aaf21512996dC57EB0615e2383E2f96", Chain: "ETH"}}, "cust-1", "", ""},
		{"an invalid address is the screening's answer", []AddressQuery{{Address: "not an address"}}, "", "", ""},
		{"one huge address", []AddressQuery{{Address: big}}, "", "address", "1048576 bytes; no supported address is longer than 256 bytes"},
		{"huge address in a batch", []AddressQuery{{Address: "0x12"}, {Address: big}}, "", "addresses[1].address", "addresses[1].address: 1048576 bytes"},
		{"huge chain", []AddressQuery{{Address: "0x12", Chain: strings.Repeat("E", 65)}}, "", "chain", "65 bytes"},
		{"huge chain in a batch", []AddressQuery{{Address: "0x12"}, {Address: "0x12"}, {Address: "0x12", Chain: big}}, "", "addresses[2].chain", "addresses[2].chain: 1048576 bytes"},
		{"chain not UTF-8", []AddressQuery{{Address: "0x12", Chain: "\xff"}}, "", "chain", "not valid UTF-8"},
		{"huge subject", []AddressQuery{{Address: "0x12"}}, big, "subject", "1048576 bytes is above the limit of 200 bytes"},
	} {
		err := CheckAddressQueries(tc.qs, tc.subject)
		if tc.field == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.desc, err)
			}
			continue
		}
		var be *bulwark.Error
		if !errors.As(err, &be) || be.Field != tc.field || !strings.Contains(be.Error(), tc.msg) || len(be.Error()) > 300 {
			t.Errorf("%s: got %v (field %q), want field %s and %q", tc.desc, err, be.Field, tc.field, tc.msg)
		}
	}
}

func TestCheckText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		field, in string
		ok        bool
	}{
		{"note", "line one\nline two\tend", true},
		{"subject", "a\tb", false},
		{"note", "bell\a", false},
		{"subject", "Zoë №42 — 김정은", true},
		{"subject", "\u2028", true}, // a line separator is not a control character
	} {
		if err := CheckText(tc.field, tc.in, 200); (err == nil) != tc.ok {
			t.Errorf("CheckText(%s, %q) = %v, want ok=%v", tc.field, tc.in, err, tc.ok)
		}
	}
}

// FuzzCheckNameQuery: checking never panics; an accepted request is
// normalised (a country is an alpha-2 code, a date passes ParseDOB again
// unchanged) and accepted again as it is; a refusal is a short EINVALID
// error naming a field. Seeds are in testdata/fuzz/FuzzCheckNameQuery.
func FuzzCheckNameQuery(f *testing.F) {
	f.Add("Pak Jin Hyok", "person", "1984-08-15", "North Korea", "cust-1", 10)
	f.Add("x", "", "1984-02-30", "Korea", "", 0)
	f.Add("Kim", "ORGANIZATION", "2999", "PRK", "a\nb", -1)
	f.Add("\xff", "vessel", "15/08/1984", "NA", strings.Repeat("s", 201), 101)
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, name, typ, dob, country, subject string, limit int) {
		q, err := CheckNameQuery(NameQuery{Name: name, Type: typ, DateOfBirth: dob, Country: country, Limit: limit}, subject, now)
		if err != nil {
			var be *bulwark.Error
			if !errors.As(err, &be) || be.Code != bulwark.EINVALID || be.Field == "" || len(be.Error()) > 400 {
				t.Fatalf("refusal %v (%+v)", err, be)
			}
			return
		}
		if q.Country != "" && (len(q.Country) != 2 || strings.ToUpper(q.Country) != q.Country) {
			t.Fatalf("country %q is not alpha-2", q.Country)
		}
		again, err := CheckNameQuery(q, subject, now)
		if err != nil || again != q {
			t.Fatalf("the normalised query %+v is checked again as %+v, %v", q, again, err)
		}
	})
}
