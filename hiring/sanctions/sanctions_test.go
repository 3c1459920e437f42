package sanctions_test

import (
	"context"
	"errors"
	"testing"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/hiring/sanctions"
	"github.com/bulwark-sec/bulwark/screening"
)

type fakeService struct {
	names []screening.NameQuery
	addrs []screening.AddressQuery
	uses  []screening.Use
	err   error
}

func (f *fakeService) ScreenName(_ context.Context, actor string, use screening.Use, subject string, q screening.NameQuery) (*screening.NameDecision, error) {
	f.names, f.uses = append(f.names, q), append(f.uses, use)
	if f.err != nil {
		return nil, f.err
	}
	d := &screening.NameDecision{Decision: screening.Decision{ID: "dec_n", Verdict: bulwark.VerdictClear, Subject: subject, Actor: actor}, Query: q.Name}
	if q.Name == "Kim Jong Un" {
		d.Verdict = bulwark.VerdictBlock
		d.Matches = []screening.NameMatch{
			{EntityID: "ofac-sdn:1", Name: "KIM JONG UN", List: "ofac-sdn", Score: 1},
			{EntityID: "ofac-sdn:2", Name: "KIM JONG", List: "ofac-sdn", Score: 0.9, Suppressed: &screening.Disposition{ID: 7}},
		}
	}
	return d, nil
}

func (f *fakeService) ScreenAddresses(_ context.Context, actor string, use screening.Use, subject string, qs []screening.AddressQuery) (*screening.AddressDecision, error) {
	f.addrs, f.uses = append(f.addrs, qs...), append(f.uses, use)
	if f.err != nil {
		return nil, f.err
	}
	return &screening.AddressDecision{Decision: screening.Decision{ID: "dec_a", Verdict: bulwark.VerdictBlock},
		Results: []screening.AddressResult{{Matches: []screening.AddressMatch{{Name: "Lazarus Group", List: "ofac-sdn"}}}}}, nil
}

func TestScreener(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := &fakeService{}
	s := &sanctions.Screener{Service: f, Actor: "cli:test"}

	hit, err := s.ScreenPersonName(ctx, "fp1", "Kim Jong Un", "1984-01-08", "KP")
	if err != nil {
		t.Fatal(err)
	}
	if hit.Verdict != "block" || hit.DecisionID != "dec_n" || len(hit.Matches) != 1 || hit.Matches[0] != "KIM JONG UN (ofac-sdn, score 1.00)" {
		t.Errorf("name hit %+v: want block with the one unsuppressed match", hit)
	}
	if q := f.names[0]; q.Type != "person" || q.DateOfBirth != "1984-01-08" || q.Country != "KP" {
		t.Errorf("name query %+v: want a person with birth date and country", q)
	}

	clear, err := s.ScreenPersonName(ctx, "fp2", "Jordan Park", "", "")
	if err != nil || clear.Verdict != "clear" || len(clear.Matches) != 0 {
		t.Errorf("clear name: %+v, %v", clear, err)
	}

	ah, err := s.ScreenPayrollAddress(ctx, "fp1", "ethereum", " 0x098B716B8Aaf21512996dC57EB0615e2383E2f96 ")
	if err != nil {
		t.Fatal(err)
	}
	if ah.Verdict != "block" || ah.DecisionID != "dec_a" || len(ah.Matches) != 1 {
		t.Errorf("address hit %+v", ah)
	}
	if q := f.addrs[0]; q.Chain != "ETH" || q.Address != "0x098B716B8Aaf21512996dC57EB0615e2383E2f96" {
		t.Errorf("address query %+v: want the ticker ETH and the address trimmed", q)
	}
	for _, u := range f.uses {
		if u != screening.UseHiring {
			t.Errorf("screened with use %q, want hiring", u)
		}
	}

	f.err = errors.New("store down")
	if _, err := s.ScreenPersonName(ctx, "fp", "A B", "", ""); err == nil {
		t.Error("an error of the screening service was swallowed")
	}
}

func TestTicker(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"ethereum": "ETH", " Bitcoin ": "XBT", "tron": "TRX", "": "", "avax": "AVAX"} {
		if got := sanctions.Ticker(in); got != want {
			t.Errorf("Ticker(%q) = %q, want %q", in, got, want)
		}
	}
}
