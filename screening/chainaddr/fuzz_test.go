package chainaddr

import (
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
)

// addSeeds adds the known vectors as seeds.
func addSeeds(f *testing.F) {
	for _, path := range []string{"testdata/valid.tsv", "testdata/invalid.tsv"} {
		data, err := readFile(path)
		if err != nil {
			f.Fatal(err)
		}
		for _, line := range strings.Split(data, "\n") {
			if line == "" || line[0] == '#' {
				continue
			}
			r := strings.Split(line, "\t")
			if len(r) >= 2 {
				f.Add(r[1], r[0])
			}
		}
	}
}

// FuzzParse: Parse never panics; an error is an EINVALID *bulwark.Error; a
// success has a key, and its display form parses to the same key.
func FuzzParse(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, s, hint string) {
		_ = FoldKey(s)
		p, err := Parse(s, hint)
		if err != nil {
			var be *bulwark.Error
			if !errors.As(err, &be) || be.Code != bulwark.EINVALID || be.Message == "" {
				t.Fatalf("Parse(%q, %q): error %#v is not an EINVALID bulwark.Error", s, hint, err)
			}
			return
		}
		if p.Key == "" || p.Chain == "" || p.Format == "" || p.Address == "" {
			t.Fatalf("Parse(%q, %q) = %+v has empty fields", s, hint, p)
		}
		if p.Input != strings.TrimSpace(s) {
			t.Fatalf("Parse(%q).Input = %q", s, p.Input)
		}
		q, err := Parse(p.Address, hint)
		if err != nil || q.Key != p.Key {
			t.Fatalf("Parse(%q, %q) = %+v, but its Address parses to %+v, %v", s, hint, p, q, err)
		}
		if q.Address != p.Address {
			t.Fatalf("display form not stable: %q -> %q", p.Address, q.Address)
		}
	})
}

// FuzzBase58 checks the limb-based decoder against math/big.
func FuzzBase58(f *testing.F) {
	for _, s := range []string{"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "111", "z", "", "1111zzzzzzzz", "rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var buf [96]byte
		got, _, ok := base58Decode(s, btcDigits, buf[:])
		want, wok := bigBase58(s)
		if wok && len(want) > len(buf) {
			wok = false // longer than the decoder's buffer: it must refuse
		}
		if ok != wok || ok && string(got) != string(want) {
			t.Fatalf("base58Decode(%q) = %x %v, want %x %v", s, got, ok, want, wok)
		}
	})
}

func bigBase58(s string) ([]byte, bool) {
	if s == "" || len(s) > maxBase58 {
		return nil, false
	}
	n := new(big.Int)
	zeros := 0
	for zeros < len(s) && s[zeros] == '1' {
		zeros++
	}
	for i := 0; i < len(s); i++ {
		d := strings.IndexByte(btcAlphabet, s[i])
		if d < 0 {
			return nil, false
		}
		n.Mul(n, big.NewInt(58))
		n.Add(n, big.NewInt(int64(d)))
	}
	return append(make([]byte, zeros), n.Bytes()...), true
}

// FuzzBech32 checks that whatever bech32Decode accepts re-encodes to the
// same string (in lower case): decoding is exact and canonical.
func FuzzBech32(f *testing.F) {
	for _, s := range []string{"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "BC1SW50QGDZ25J", "a12uel5l", "bc1gmk9yu", "zs1z7rejlpsa98s2rrrfkwmaxu53e4ue0ulcrw0h4x5g8jl04tak0d3mm47vdtahatqrlkngh9slya"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		hrp, data, variant, reason := bech32Decode(s)
		if reason != "" {
			return
		}
		if got := bech32Encode(lowerString(hrp), data, variant); got != lowerString(s) {
			t.Fatalf("bech32Decode(%q) re-encodes to %q", s, got)
		}
	})
}
