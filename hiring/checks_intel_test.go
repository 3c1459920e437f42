package hiring_test

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/hiring"
	"github.com/bulwark-sec/bulwark/hiring/intel"
)

type clearScreener struct{}

func (clearScreener) ScreenPersonName(context.Context, string, string, string, string) (hiring.NameHit, error) {
	return hiring.NameHit{Verdict: "clear"}, nil
}

func (clearScreener) ScreenPayrollAddress(context.Context, string, string, string) (hiring.AddressHit, error) {
	return hiring.AddressHit{Verdict: "clear"}, nil
}

// TestChecksWithBuiltinIntel: the rules with the reference data Bulwark
// ships (not fakes): a farm laptop with AnyDesk and a PiKVM, a sign-in
// from North Korean space, a Raspberry Pi gadget alone, the operating
// system's own RDP client.
func TestChecksWithBuiltinIntel(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 5, 4, 3, 0, 0, 0, time.UTC)
	people := []hiring.Person{
		{ID: "farm", FullName: "Daniel Brooks", Country: "US"},
		{ID: "dprk", FullName: "Kevin Alvarez", Country: "US"},
		{ID: "pi", FullName: "Ethan Price", Country: "US"},
		{ID: "rdp", FullName: "Grace Okafor", Country: "US"},
	}
	ev := hiring.Evidence{
		Devices: []hiring.Device{
			{Serial: "1", User: "farm", Software: []hiring.Software{{Name: "AnyDesk", Path: `C:\Program Files (x86)\AnyDesk\AnyDesk.exe`}},
				USB: []hiring.USBDevice{{VendorID: "1d6b", ProductID: "0104", Manufacturer: "PiKVM", Product: "PiKVM Composite Device"}}},
			{Serial: "2", User: "pi", USB: []hiring.USBDevice{{VendorID: "1d6b", ProductID: "0104"}}},
			{Serial: "3", User: "rdp", Software: []hiring.Software{{Name: "mstsc.exe", Path: `C:\Windows\System32\mstsc.exe`}}},
		},
		SignIns: []hiring.SignIn{{User: "dprk", Time: at, IP: netip.MustParseAddr("175.45.176.20"), Success: true}},
	}
	in := intel.Builtin()
	c := &hiring.Checker{Network: in, Devices: in, Screener: clearScreener{}, Now: func() time.Time { return at }}
	r, err := c.Run(context.Background(), people, ev, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		codes   []string
		verdict bulwark.Verdict
	}{
		"farm": {[]string{hiring.CodeIPKVM, hiring.CodeRemoteAccessTool}, bulwark.VerdictReview},
		"dprk": {[]string{hiring.CodeDPRKNetwork}, bulwark.VerdictBlock},
		"pi":   {[]string{hiring.CodeIPKVMPossible}, bulwark.VerdictClear},
		"rdp":  {nil, bulwark.VerdictClear},
	}
	for _, a := range r.Assessments {
		var codes []string
		for _, f := range a.Flags {
			codes = append(codes, f.Rule)
		}
		slices.Sort(codes)
		w := want[a.ID]
		if !slices.Equal(codes, w.codes) || a.Verdict != w.verdict {
			t.Errorf("%s: %v %s, want %v %s (%s)", a.ID, codes, a.Verdict, w.codes, w.verdict, fmt.Sprint(a.Flags))
		}
	}
}
