package screening_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/screening"
)

// TestStoredDecisionRoundTrip: a decision stored compactly reads back as
// the very JSON answered (byte for byte: the audit entry holds its
// SHA-256), whatever its results: matches, invalid inputs, a hint of
// another chain, fail-closed verdicts, names; and older bodies stored as
// plain JSON read back unchanged.
func TestStoredDecisionRoundTrip(t *testing.T) {
	t.Parallel()
	s := newScreener(t, screening.Config{})
	stale := newScreener(t, screening.Config{MaxAge: 7 * 24 * time.Hour, FailClosed: true, Now: func() time.Time { return t0.Add(30 * 24 * time.Hour) }})
	var many []screening.AddressQuery
	for i := range 3000 {
		many = append(many, screening.AddressQuery{Address: fmt.Sprintf("0x%040x", i*7919)})
	}
	many = append(many, screening.AddressQuery{Address: lazarusETH}, screening.AddressQuery{Address: "nope"},
		screening.AddressQuery{Address: lazarusETH, Chain: "BTC"}, screening.AddressQuery{Address: bitcoinAddr, Chain: "BTC"})
	mixed := []screening.AddressQuery{{Address: bitcoinAddr}, {Address: "nope"}, {Address: labelETH}, {Address: seizedTRON, Chain: "TRX"},
		{Address: strings.ToUpper(bitcoinAddr)}, {Address: "0x0000000000000000000000000000000000000001"}, {Address: lazarusETH, Chain: "BTC"}}
	var cases []any
	for _, c := range []struct {
		s  *screening.Screener
		qs []screening.AddressQuery
	}{{s, mixed}, {s, many}, {stale, mixed}, {stale, many[:5]}, {s, mixed[5:6]}} {
		d, err := c.s.ScreenAddresses(screening.UseDeposit, "cust-1", c.qs)
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, d)
	}
	n, err := s.ScreenName(screening.UseOnboarding, "app-1", screening.NameQuery{Name: "Kim Jong Un"})
	if err != nil {
		t.Fatal(err)
	}
	cases = append(cases, n, map[string]any{"older": "plain JSON", "n": 1})
	for i, v := range cases {
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		stored, err := screening.EncodeDecision(v)
		if err != nil {
			t.Fatal(err)
		}
		got, err := screening.DecodeDecision(stored)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("case %d: read back differs from the answer:\n got %.600s\nwant %.600s", i, got, want)
		}
		// Plain JSON stored by an older version reads back unchanged.
		if got, err := screening.DecodeDecision(want); err != nil || !bytes.Equal(got, want) {
			t.Errorf("case %d: plain JSON body: %v", i, err)
		}
	}
}

// TestStoredDecisionIsCompact: a 10,000-address batch of unlisted
// addresses is stored in a small fraction of its JSON answer.
func TestStoredDecisionIsCompact(t *testing.T) {
	t.Parallel()
	s := newScreener(t, screening.Config{MaxBatch: 10000})
	qs := make([]screening.AddressQuery, 10000)
	for i := range qs {
		qs[i] = screening.AddressQuery{Address: fmt.Sprintf("0x%040x", uint64(i)*0x9E3779B97F4A7C15)}
	}
	d, err := s.ScreenAddresses(screening.UseDeposit, "", qs)
	if err != nil {
		t.Fatal(err)
	}
	full, _ := json.Marshal(d)
	stored, err := screening.EncodeDecision(d)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("10,000 addresses: answer %d bytes, stored %d bytes", len(full), len(stored))
	if len(stored)*8 > len(full) {
		t.Errorf("stored %d bytes for a %d-byte answer: want at most an eighth", len(stored), len(full))
	}
}

// TestStoredNameDecisionIsPlain: a name decision with the default limit
// is stored as its JSON answer, not compressed (compressing it cost a
// fifth of the request), and reads back byte for byte; a decision above
// 8 KiB of JSON is still compressed.
func TestStoredNameDecisionIsPlain(t *testing.T) {
	t.Parallel()
	ix, _ := defaultIndex(t) // the embedded lists: answers of their real size
	s, err := screening.NewScreener(ix, screening.Config{})
	if err != nil {
		t.Fatal(err)
	}
	var qs []screening.AddressQuery
	for i := range 200 {
		qs = append(qs, screening.AddressQuery{Address: fmt.Sprintf("0x%040x", i*7919)})
	}
	batch, err := s.ScreenAddresses(screening.UseDeposit, "", qs)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name       string
		v          any
		compressed bool
	}{
		{"name, typo", mustScreenName(t, s, "KIM YOGN CHOL"), false},
		{"name, hit", mustScreenName(t, s, "Kim Jong Un"), false},
		{"200 addresses", batch, true},
	} {
		want, _ := json.Marshal(c.v)
		if len(want) <= 1024 {
			t.Fatalf("%s: %d bytes of JSON, want a decision above 1 KiB", c.name, len(want))
		}
		stored, err := screening.EncodeDecision(c.v)
		if err != nil {
			t.Fatal(err)
		}
		if gz := bytes.HasPrefix(stored, []byte{0x1f, 0x8b}); gz != c.compressed {
			t.Errorf("%s (%d bytes of JSON): compressed %v, want %v", c.name, len(want), gz, c.compressed)
		}
		if !c.compressed && !bytes.Equal(stored, want) {
			t.Errorf("%s: stored body differs from the answer:\n got %.300s\nwant %.300s", c.name, stored, want)
		}
		got, err := screening.DecodeDecision(stored)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: read back differs from the answer (%v)", c.name, err)
		}
	}
}

func mustScreenName(t *testing.T, s *screening.Screener, name string) *screening.NameDecision {
	t.Helper()
	d, err := s.ScreenName(screening.UseOnboarding, "", screening.NameQuery{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Matches) == 0 {
		t.Fatalf("%q: no matches", name)
	}
	return d
}

// FuzzDecodeDecision: a corrupt stored body is an error, never a panic.
func FuzzDecodeDecision(f *testing.F) {
	s := newScreener(f, screening.Config{})
	d, _ := s.ScreenAddresses(screening.UseDeposit, "", []screening.AddressQuery{{Address: bitcoinAddr}, {Address: "0x0000000000000000000000000000000000000001"}})
	small, _ := screening.EncodeDecision(d)
	f.Add(small)
	f.Add([]byte(`{"packed":1,"results":[{"i":"nope"}]}`))
	f.Add([]byte{0x1f, 0x8b, 0, 0})
	f.Fuzz(func(t *testing.T, body []byte) {
		_, _ = screening.DecodeDecision(body)
	})
}
