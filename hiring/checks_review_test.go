package hiring

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"

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
