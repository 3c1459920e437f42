package screening_test

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/screening"
)

var t0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

const (
	lazarusETH  = "0x098B716B8Aaf21512996dC57EB0615e2383E2f96" // Ronin bridge exploiter, OFAC-listed
	seizedTRON  = "TWB9xgNG9nmJuwW4etsQEb9RRnrnVnoNnJ"
	bitcoinAddr = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"
	labelETH    = "0x28C6c06298d514Db089934071355E5743bf21d60"
)

// fixture returns three small lists: a sanctions list, a seizure list and
// an exchange label list.
func fixture() []*screening.List {
	sdn := &screening.List{Info: screening.ListInfo{ID: "ofac-sdn", SHA256: "aa", Published: t0.Add(-24 * time.Hour)}, Entities: []screening.Entity{
		{ID: "ofac-sdn:27307", List: "ofac-sdn", SourceID: "27307", Type: screening.TypeOrganization, Category: screening.CategorySanctions,
			Confidence: screening.ConfidenceHigh, Name: "LAZARUS GROUP", Aliases: []screening.Alias{{Name: "HIDDEN COBRA"}, {Name: "APT38", Weak: true}},
			Programs: []string{"DPRK3"}, Addresses: []screening.ListedAddress{{Currency: "ETH", Address: lazarusETH}, {Currency: "XBT", Address: bitcoinAddr}}},
		{ID: "ofac-sdn:20157", List: "ofac-sdn", SourceID: "20157", Type: screening.TypePerson, Category: screening.CategorySanctions,
			Confidence: screening.ConfidenceHigh, Name: "KIM, Jong Un", DatesOfBirth: []string{"1984-01-08"}, Countries: []string{"KP"}, Programs: []string{"DPRK2"}},
	}}
	il := &screening.List{Info: screening.ListInfo{ID: "il-nbctf", SHA256: "bb", Published: t0.Add(-24 * time.Hour)}, Entities: []screening.Entity{
		{ID: "il-nbctf:18/26", List: "il-nbctf", SourceID: "18/26", Category: screening.CategorySeizure, Confidence: screening.ConfidenceHigh,
			Name: "Seizure order 18/26", Addresses: []screening.ListedAddress{{Currency: "USDT", Address: seizedTRON}}},
	}}
	labels := &screening.List{Info: screening.ListInfo{ID: "tagpack:binance", SHA256: "cc", Published: t0.Add(-24 * time.Hour)}, Entities: []screening.Entity{
		{ID: "tagpack:binance:Binance 14", List: "tagpack:binance", Category: screening.CategoryLabel, Confidence: screening.ConfidenceMedium,
			Name: "Binance 14", Addresses: []screening.ListedAddress{{Currency: "ETH", Address: labelETH}}},
	}}
	return []*screening.List{sdn, il, labels}
}

func newScreener(t testing.TB, cfg screening.Config) *screening.Screener {
	t.Helper()
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return t0 }
	}
	s, err := screening.NewScreener(screening.BuildIndex(fixture(), t0), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestScreenAddresses(t *testing.T) {
	s := newScreener(t, screening.Config{})
	tests := []struct {
		name      string
		use       screening.Use
		q         screening.AddressQuery
		verdict   bulwark.Verdict
		entity    string
		matchedBy string
	}{
		{"checksummed", screening.UseDeposit, screening.AddressQuery{Address: lazarusETH}, bulwark.VerdictBlock, "ofac-sdn:27307", "address"},
		{"lower case", screening.UseDeposit, screening.AddressQuery{Address: strings.ToLower(lazarusETH)}, bulwark.VerdictBlock, "ofac-sdn:27307", "address"},
		{"upper case", screening.UseDeposit, screening.AddressQuery{Address: "0x" + strings.ToUpper(lazarusETH[2:])}, bulwark.VerdictBlock, "ofac-sdn:27307", "address"},
		{"other EVM chain", screening.UseWithdrawal, screening.AddressQuery{Address: lazarusETH, Chain: "ARB"}, bulwark.VerdictBlock, "ofac-sdn:27307", "address"},
		{"bitcoin", screening.UseDeposit, screening.AddressQuery{Address: bitcoinAddr}, bulwark.VerdictBlock, "ofac-sdn:27307", "address"},
		{"base58 in the wrong case", screening.UseDeposit, screening.AddressQuery{Address: strings.ToUpper(bitcoinAddr)}, bulwark.VerdictBlock, "ofac-sdn:27307", "case-folded"},
		{"seizure on deposit", screening.UseDeposit, screening.AddressQuery{Address: seizedTRON}, bulwark.VerdictReview, "il-nbctf:18/26", "address"},
		{"seizure on withdrawal", screening.UseWithdrawal, screening.AddressQuery{Address: seizedTRON, Chain: "TRX"}, bulwark.VerdictBlock, "il-nbctf:18/26", "address"},
		{"exchange label", screening.UseDeposit, screening.AddressQuery{Address: labelETH}, bulwark.VerdictClear, "tagpack:binance:Binance 14", "address"},
		{"unlisted", screening.UseDeposit, screening.AddressQuery{Address: "0x0000000000000000000000000000000000000001"}, bulwark.VerdictClear, "", ""},
		{"invalid", screening.UseDeposit, screening.AddressQuery{Address: "0xdeadbeef"}, screening.VerdictError, "", ""},
		{"hint of another chain", screening.UseDeposit, screening.AddressQuery{Address: lazarusETH, Chain: "BTC"}, bulwark.VerdictBlock, "ofac-sdn:27307", "address"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := s.ScreenAddresses(tc.use, "cust-1", []screening.AddressQuery{tc.q})
			if err != nil {
				t.Fatal(err)
			}
			r := d.Results[0]
			if r.Verdict != tc.verdict || d.Verdict != tc.verdict {
				t.Errorf("verdict = %s (decision %s), want %s; %+v", r.Verdict, d.Verdict, tc.verdict, r)
			}
			if tc.entity == "" {
				if len(r.Matches) != 0 {
					t.Errorf("matches = %+v", r.Matches)
				}
			} else if len(r.Matches) != 1 || r.Matches[0].EntityID != tc.entity || r.Matches[0].MatchedBy != tc.matchedBy {
				t.Errorf("matches = %+v, want %s by %s", r.Matches, tc.entity, tc.matchedBy)
			}
			if tc.verdict == screening.VerdictError && r.Error == "" {
				t.Error("no error message for an invalid address")
			}
			if d.ID == "" || r.DecisionID != d.ID || d.Lists["ofac-sdn"] != "aa" || d.Algorithm != screening.AddressAlgorithm || d.Use != tc.use {
				t.Errorf("decision record incomplete: %+v", d.Decision)
			}
		})
	}
}

func TestScreenAddressBatch(t *testing.T) {
	s := newScreener(t, screening.Config{MaxBatch: 3})
	d, err := s.ScreenAddresses(screening.UseDeposit, "", []screening.AddressQuery{{Address: bitcoinAddr}, {Address: "nope"}, {Address: labelETH}})
	if err != nil {
		t.Fatal(err)
	}
	if d.Verdict != bulwark.VerdictBlock || d.Results[1].Verdict != screening.VerdictError || d.Results[2].Input != labelETH {
		t.Errorf("batch = %s %+v", d.Verdict, d.Results)
	}
	// An invalid input outranks clear and review, not block.
	d, _ = s.ScreenAddresses(screening.UseDeposit, "", []screening.AddressQuery{{Address: seizedTRON}, {Address: "nope"}})
	if d.Verdict != screening.VerdictError {
		t.Errorf("review + error = %s, want error", d.Verdict)
	}
	if _, err := s.ScreenAddresses(screening.UseDeposit, "", make([]screening.AddressQuery, 4)); bulwark.ErrorCode(err) != bulwark.ETOOLARGE {
		t.Errorf("oversized batch: %v", err)
	}
	if _, err := s.ScreenAddresses(screening.UseDeposit, "", nil); bulwark.ErrorCode(err) != bulwark.EINVALID {
		t.Errorf("empty batch: %v", err)
	}
	if _, err := s.ScreenAddresses("payroll", "", []screening.AddressQuery{{Address: bitcoinAddr}}); bulwark.ErrorCode(err) != bulwark.EINVALID {
		t.Errorf("unknown use: %v", err)
	}
}

func TestScreenName(t *testing.T) {
	s := newScreener(t, screening.Config{})
	tests := []struct {
		q       screening.NameQuery
		use     screening.Use
		verdict bulwark.Verdict
		entity  string
	}{
		{screening.NameQuery{Name: "Kim Jong Un"}, screening.UseOnboarding, bulwark.VerdictBlock, "ofac-sdn:20157"},
		{screening.NameQuery{Name: "Kim Jong-un", DateOfBirth: "1984-01-08"}, screening.UseHiring, bulwark.VerdictBlock, "ofac-sdn:20157"},
		{screening.NameQuery{Name: "Hidden Cobra"}, screening.UseVendor, bulwark.VerdictReview, "ofac-sdn:27307"},
		{screening.NameQuery{Name: "Binance 14"}, screening.UseOnboarding, bulwark.VerdictClear, ""}, // labels are not parties
		{screening.NameQuery{Name: "Angela Merkel"}, screening.UseOnboarding, bulwark.VerdictClear, ""},
	}
	for _, tc := range tests {
		t.Run(tc.q.Name, func(t *testing.T) {
			d, err := s.ScreenName(tc.use, "", tc.q)
			if err != nil {
				t.Fatal(err)
			}
			if d.Verdict != tc.verdict {
				t.Errorf("verdict = %s, want %s: %+v", d.Verdict, tc.verdict, d.Matches)
			}
			if tc.entity == "" && len(d.Matches) > 0 || tc.entity != "" && (len(d.Matches) == 0 || d.Matches[0].EntityID != tc.entity) {
				t.Errorf("matches = %+v, want %q first", d.Matches, tc.entity)
			}
			if d.Query != tc.q.Name || d.Kind != screening.KindName || d.Algorithm == "" {
				t.Errorf("decision record incomplete: %+v", d)
			}
		})
	}
	for _, bad := range []screening.NameQuery{{Name: ""}, {Name: "  "}, {Name: "\xff\xfe"}, {Name: strings.Repeat("a", 600)}, {Name: "x", Type: "vessel"}, {Name: "x", Limit: 1000}} {
		if _, err := s.ScreenName(screening.UseOnboarding, "", bad); bulwark.ErrorCode(err) != bulwark.EINVALID {
			t.Errorf("ScreenName(%.20q, %q) = %v, want EINVALID", bad.Name, bad.Type, err)
		}
	}
}

func TestStaleAndFailClosed(t *testing.T) {
	now := t0.Add(30 * 24 * time.Hour)
	clock := func() time.Time { return now }
	open := newScreener(t, screening.Config{MaxAge: 7 * 24 * time.Hour, Now: clock})
	closed := newScreener(t, screening.Config{MaxAge: 7 * 24 * time.Hour, FailClosed: true, Now: clock})
	q := []screening.AddressQuery{{Address: "0x0000000000000000000000000000000000000001"}}
	d, _ := open.ScreenAddresses(screening.UseDeposit, "", q)
	if d.Verdict != bulwark.VerdictClear || len(d.Stale) != 3 {
		t.Errorf("fail-open on stale lists: %s, stale %+v", d.Verdict, d.Stale)
	}
	d, _ = closed.ScreenAddresses(screening.UseDeposit, "", q)
	if d.Verdict != bulwark.VerdictReview || d.Results[0].Verdict != bulwark.VerdictReview {
		t.Errorf("fail-closed on stale lists: %s (result %s), want review", d.Verdict, d.Results[0].Verdict)
	}
	n, _ := closed.ScreenName(screening.UseOnboarding, "", screening.NameQuery{Name: "Angela Merkel"})
	if n.Verdict != bulwark.VerdictReview {
		t.Errorf("fail-closed name on stale lists: %s, want review", n.Verdict)
	}
	fresh := newScreener(t, screening.Config{MaxAge: 7 * 24 * time.Hour, FailClosed: true})
	if d, _ := fresh.ScreenAddresses(screening.UseDeposit, "", q); d.Verdict != bulwark.VerdictClear || len(d.Stale) != 0 {
		t.Errorf("fresh lists: %s %+v", d.Verdict, d.Stale)
	}
}

func TestDispositionsSuppressOnlyThatEntityVersion(t *testing.T) {
	s := newScreener(t, screening.Config{})
	d, _ := s.ScreenAddresses(screening.UseDeposit, "", []screening.AddressQuery{{Address: seizedTRON}})
	m := d.Results[0].Matches[0]
	fp := screening.Disposition{Kind: screening.KindAddress, SubjectKey: d.Results[0].Key, EntityID: m.EntityID, Disposition: screening.FalsePositive}
	if err := s.ValidateDisposition(&fp); err != nil || fp.EntityDigest != m.EntityDigest {
		t.Fatalf("ValidateDisposition = %v, digest %q", err, fp.EntityDigest)
	}
	s.SetDispositions([]screening.Disposition{fp})
	d, _ = s.ScreenAddresses(screening.UseDeposit, "", []screening.AddressQuery{{Address: seizedTRON}})
	if d.Verdict != bulwark.VerdictClear || d.Results[0].Matches[0].Suppressed == nil {
		t.Errorf("suppressed match: %s %+v", d.Verdict, d.Results[0].Matches)
	}
	// Another address is not covered.
	d, _ = s.ScreenAddresses(screening.UseDeposit, "", []screening.AddressQuery{{Address: lazarusETH}})
	if d.Verdict != bulwark.VerdictBlock {
		t.Errorf("an unrelated match was suppressed: %s", d.Verdict)
	}
	// When the list changes what it says about the entity, the ruling
	// lapses.
	ls := fixture()
	ls[1].Entities[0].Remarks = "order extended"
	s.Swap(screening.BuildIndex(ls, t0))
	d, _ = s.ScreenAddresses(screening.UseDeposit, "", []screening.AddressQuery{{Address: seizedTRON}})
	if d.Verdict != bulwark.VerdictReview || d.Results[0].Matches[0].Suppressed != nil {
		t.Errorf("a ruling on an older version still suppresses: %s", d.Verdict)
	}
	// A later true-positive ruling overrides the false positive.
	fp.EntityDigest = d.Results[0].Matches[0].EntityDigest
	tp := fp
	tp.Disposition = screening.TruePositive
	s.SetDispositions([]screening.Disposition{fp, tp})
	if d, _ = s.ScreenAddresses(screening.UseDeposit, "", []screening.AddressQuery{{Address: seizedTRON}}); d.Verdict != bulwark.VerdictReview {
		t.Errorf("true positive after false positive: %s", d.Verdict)
	}
	bad := []screening.Disposition{
		{Kind: "x", SubjectKey: "k", EntityID: m.EntityID, Disposition: screening.FalsePositive},
		{Kind: screening.KindAddress, SubjectKey: "k", EntityID: "nope", Disposition: screening.FalsePositive},
		{Kind: screening.KindAddress, SubjectKey: "k", EntityID: m.EntityID, Disposition: "maybe"},
		{Kind: screening.KindAddress, SubjectKey: "", EntityID: m.EntityID, Disposition: screening.FalsePositive},
	}
	for _, b := range bad {
		if err := s.ValidateDisposition(&b); bulwark.ErrorCode(err) != bulwark.EINVALID {
			t.Errorf("ValidateDisposition(%+v) = %v", b, err)
		}
	}
	stale := screening.Disposition{Kind: screening.KindAddress, SubjectKey: "k", EntityID: m.EntityID, EntityDigest: m.EntityDigest, Disposition: screening.FalsePositive}
	if err := s.ValidateDisposition(&stale); bulwark.ErrorCode(err) != bulwark.ECONFLICT {
		t.Errorf("disposition of an outdated version: %v, want ECONFLICT", err)
	}
}

func TestRescreenOnlyNewOrChangedEntries(t *testing.T) {
	s := newScreener(t, screening.Config{})
	prev := s.Index()
	watches := []screening.Watch{
		{ID: 1, Kind: screening.KindAddress, Use: screening.UseWithdrawal, Address: lazarusETH},                                   // listed before: no alert
		{ID: 2, Kind: screening.KindAddress, Use: screening.UseWithdrawal, Address: "0x00000000000000000000000000000000000000aA"}, // newly listed
		{ID: 3, Kind: screening.KindName, Use: screening.UseOnboarding, Name: "Ri Jong Ho"},                                       // newly listed person
		{ID: 4, Kind: screening.KindName, Use: screening.UseOnboarding, Name: "Angela Merkel"},
	}
	ls := fixture()
	ls[0].Entities = append(ls[0].Entities,
		screening.Entity{ID: "ofac-sdn:99999", List: "ofac-sdn", Type: screening.TypePerson, Category: screening.CategorySanctions, Confidence: screening.ConfidenceHigh,
			Name: "RI, Jong Ho", Addresses: []screening.ListedAddress{{Currency: "ETH", Address: "0x00000000000000000000000000000000000000aa"}}})
	ls[0].Info.SHA256 = "a2"
	next := screening.BuildIndex(ls, t0)
	hits := s.Rescreen(prev, next, watches)
	got := map[int64]bulwark.Verdict{}
	for _, h := range hits {
		got[h.Watch.ID] = h.Verdict()
		if d := h.DecisionOf(); d.Lists["ofac-sdn"] != "a2" {
			t.Errorf("watch %d: decision on list versions %v, want the new ones", h.Watch.ID, d.Lists)
		}
	}
	want := map[int64]bulwark.Verdict{2: bulwark.VerdictBlock, 3: bulwark.VerdictBlock}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("rescreen hits = %v, want %v", got, want)
	}
	if hits := s.Rescreen(next, next, watches); len(hits) != 0 {
		t.Errorf("no change raised %d hits", len(hits))
	}
}

// TestSwapUnderLoad swaps the index while screenings run: none fails and
// each sees one whole index.
func TestSwapUnderLoad(t *testing.T) {
	s := newScreener(t, screening.Config{})
	a := screening.BuildIndex(fixture(), t0)
	ls := fixture()
	ls[0].Info.SHA256 = "a2"
	b := screening.BuildIndex(ls, t0)
	var stop atomic.Bool
	var failures, runs atomic.Int64
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				d, err := s.ScreenAddresses(screening.UseDeposit, "", []screening.AddressQuery{{Address: lazarusETH}, {Address: seizedTRON}})
				runs.Add(1)
				if err != nil || d.Verdict != bulwark.VerdictBlock || len(d.Results[0].Matches) != 1 {
					failures.Add(1)
				}
				if v := d.Lists["ofac-sdn"]; v != "aa" && v != "a2" {
					failures.Add(1)
				}
			}
		}()
	}
	for i := range 200 {
		if i%2 == 0 {
			s.Swap(b)
		} else {
			s.Swap(a)
		}
		time.Sleep(100 * time.Microsecond)
	}
	stop.Store(true)
	wg.Wait()
	if failures.Load() != 0 || runs.Load() == 0 {
		t.Errorf("%d of %d screenings failed during swaps", failures.Load(), runs.Load())
	}
}

func TestPolicyValidate(t *testing.T) {
	p := screening.DefaultPolicy()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	r := p[screening.UseHiring]
	r.NameReview = 0
	p[screening.UseHiring] = r
	if err := p.Validate(); bulwark.ErrorCode(err) != bulwark.EINVALID || !strings.Contains(err.Error(), "hiring") || strings.Count(err.Error(), "nameReview") != 1 {
		t.Errorf("Validate = %v", err)
	}
	// Configuration never clears a sanctions match.
	for _, bad := range []string{`{"deposit": {"address": {"sanctions": {"high": "clear"}}}}`, `{"withdrawal": {"address": {"attribution": {"high": "clear"}}}}`} {
		if _, err := screening.ParsePolicy([]byte(bad), "policy.json"); bulwark.ErrorCode(err) != bulwark.EINVALID || !strings.Contains(err.Error(), "cannot be set to clear") {
			t.Errorf("ParsePolicy(%s) = %v", bad, err)
		}
	}
	if _, err := screening.ParsePolicy([]byte(`{"deposit": {"address": {"sanctions": {"high": "review"}, "attribution": {"medium": "clear"}}}}`), "p"); err != nil {
		t.Errorf("a weaker but allowed policy: %v", err)
	}
}

// TestNewDecisionID: "dec_", then 24 lower-case hex digits: the time in
// Unix milliseconds (48 bits), then 48 random bits.
func TestNewDecisionID(t *testing.T) {
	t.Parallel()
	at := time.UnixMilli(0x0123456789ab)
	seen := map[string]bool{}
	for range 100 {
		id := screening.NewDecisionID(at)
		if len(id) != 28 || !strings.HasPrefix(id, "dec_0123456789ab") || strings.Trim(id[4:], "0123456789abcdef") != "" {
			t.Fatalf("NewDecisionID = %q, want dec_0123456789ab and 12 hex digits", id)
		}
		seen[id] = true
	}
	if len(seen) < 99 {
		t.Errorf("%d different ids of 100", len(seen))
	}
}
