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
