package screening_test

import (
	"bytes"
	"encoding/csv"
	"encoding/hex"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcutil/base58"
	"github.com/btcsuite/btcd/btcutil/bech32"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/internal/race"
	"github.com/bulwark-sec/bulwark/internal/shareddata"
	"github.com/bulwark-sec/bulwark/screening"
	"github.com/bulwark-sec/bulwark/screening/sources"
)

// readCSV reads a shared CSV file with its header.
func readCSV(t *testing.T, elem ...string) [][]string {
	t.Helper()
	raw, err := os.ReadFile(shareddata.Path(t, elem...))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

var gate struct {
	once     sync.Once
	screener *screening.Screener
	err      error
}

// gateScreener screens with the embedded default lists plus the DPRK
// attribution table of the shared folder (whose non-FBI rows the default
// snapshot leaves out), as an operator who imports it would. It is built
// once per test binary.
func gateScreener(t *testing.T) *screening.Screener {
	t.Helper()
	p := shareddata.Path(t, "screen", "dprk", "dprk_attributed_addresses.csv")
	gate.once.Do(func() { gate.screener, gate.err = newGateScreener(p) })
	if gate.err != nil {
		t.Fatal(gate.err)
	}
	return gate.screener
}

func newGateScreener(dprk string) (*screening.Screener, error) {
	ls, err := sources.Embedded()
	if err != nil {
		return nil, err
	}
	f, err := sources.ReadFile(dprk)
	if err != nil {
		return nil, err
	}
	extra, err := sources.Parse([]sources.File{f}, time.Now())
	if err != nil {
		return nil, err
	}
	for _, l := range extra {
		l.Info.ID = "dprk-attributed"
		for i := range l.Entities {
			l.Entities[i].List = l.Info.ID
			l.Entities[i].ID = l.Info.ID + ":" + l.Entities[i].SourceID
		}
	}
	return screening.NewScreener(screening.BuildIndex(append(ls, extra...), time.Now()), screening.Config{})
}

// caseForms returns addr as given, all lower case and all upper case.
func caseForms(addr string) []string {
	forms := []string{addr}
	for _, f := range []string{strings.ToLower(addr), strings.ToUpper(addr)} {
		if strings.HasPrefix(addr, "0x") && len(f) > 2 {
			f = "0x" + f[2:] // keep the 0x prefix a prefix
		}
		if f != addr {
			forms = append(forms, f)
		}
	}
	return forms
}

// TestCorpusGateEveryListedAddressFlagged: every validated OFAC address and
// every high-confidence DPRK-attributed address is blocked, in any letter
// case, with and without its ticker.
func TestCorpusGateEveryListedAddressFlagged(t *testing.T) {
	race.Corpus(t)
	t.Parallel()
	s := gateScreener(t)
	check := func(source, currency, addr string) {
		t.Helper()
		for _, in := range caseForms(addr) {
			for _, hint := range []string{currency, ""} {
				d, err := s.ScreenAddresses(screening.UseWithdrawal, "", []screening.AddressQuery{{Address: in, Chain: hint}})
				if err != nil {
					t.Fatal(err)
				}
				if d.Verdict != bulwark.VerdictBlock {
					t.Errorf("%s %s %q (hint %q): %s %+v", source, currency, in, hint, d.Verdict, d.Results[0])
				}
			}
		}
	}
	ofac := readCSV(t, "screen", "ofac_sdn_crypto_addresses_merged_validated.csv")
	for _, r := range ofac[1:] {
		check("OFAC", r[3], r[4])
	}
	n := 0
	for _, r := range readCSV(t, "screen", "dprk", "dprk_attributed_addresses.csv")[1:] {
		if r[7] == "high" {
			check("DPRK", strings.Split(r[0], "/")[0], r[1])
			n++
		}
	}
	if len(ofac) != 729 || n != 61 {
		t.Errorf("checked %d OFAC and %d high-confidence DPRK addresses; the shared files changed?", len(ofac)-1, n)
	}
}

// TestCorpusGateRandomAddressesNoHit: 100,000 random valid addresses of five
// formats give no match.
func TestCorpusGateRandomAddressesNoHit(t *testing.T) {
	race.Corpus(t)
	t.Parallel()
	s := gateScreener(t)
	r := rand.New(rand.NewPCG(7, 11))
	payload := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return b
	}
	gen := []func() (string, string){
		func() (string, string) { return "0x" + hex.EncodeToString(payload(20)), "ETH" },
		func() (string, string) { return base58.CheckEncode(payload(20), 0x00), "XBT" },
		func() (string, string) { return base58.CheckEncode(payload(20), 0x05), "XBT" },
		func() (string, string) { return base58.CheckEncode(payload(20), 0x41), "TRX" },
		func() (string, string) {
			conv, _ := bech32.ConvertBits(payload(20), 8, 5, true)
			a, _ := bech32.Encode("bc", append([]byte{0}, conv...))
			return a, "XBT"
		},
	}
	const n = 100000
	qs := make([]screening.AddressQuery, 0, screening.DefaultMaxBatch)
	hits, screened := 0, 0
	flush := func() {
		d, err := s.ScreenAddresses(screening.UseDeposit, "", qs)
		if err != nil {
			t.Fatal(err)
		}
		for _, res := range d.Results {
			if res.Verdict == screening.VerdictError {
				t.Fatalf("a generated address does not parse: %+v", res)
			}
			if len(res.Matches) > 0 {
				hits++
				t.Errorf("random address %s matched %+v", res.Input, res.Matches)
			}
		}
		screened += len(qs)
		qs = qs[:0]
	}
	for i := range n {
		a, c := gen[i%len(gen)]()
		qs = append(qs, screening.AddressQuery{Address: a, Chain: c})
		if len(qs) == cap(qs) {
			flush()
		}
	}
	if len(qs) > 0 {
		flush()
	}
	if screened != n || hits != 0 {
		t.Errorf("%d of %d random addresses matched", hits, screened)
	}
}
