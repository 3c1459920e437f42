package screening

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
)

// jsonDecisions are address decisions with every member set and unset,
// strings that need escaping, and a match.
func jsonDecisions() map[string]*AddressDecision {
	yes, no := true, false
	base := func() Decision {
		return Decision{ID: "dec_0193a1b2c3d4e5f6a7b8c9d0", Time: time.Date(2026, 12, 7, 0, 1, 2, 345678900, time.UTC),
			Kind: KindAddress, Use: UseDeposit, Verdict: bulwark.VerdictClear,
			Lists: map[string]string{"ofac-sdn": "ab12", "fbi-dprk": "cd34", "un-sc": "ef56"}, Algorithm: AddressAlgorithm, Policy: "sha256:00ff"}
	}
	plain := AddressResult{Input: "0x00000000000000000000000000000000000000aa", Address: "0x00000000000000000000000000000000000000AA",
		Chain: "evm", Format: "hex", Verdict: bulwark.VerdictClear, Matches: []AddressMatch{}, DecisionID: "dec_0193a1b2c3d4e5f6a7b8c9d0", Key: "k"}
	full := base()
	full.Subject, full.Actor, full.Stored = "cust <1> & \"two\"\n\t\b\f\r\x01 é\u2028\u2029\xff", "token:abc", &yes
	full.Stale = []StaleList{{ID: "ofac-sdn", Age: 3 * time.Hour, AgeSeconds: 10800}, {ID: "un-sc", AgeSeconds: 1}}
	matched := plain
	matched.Verdict = bulwark.VerdictBlock
	matched.Matches = []AddressMatch{{List: "ofac-sdn", EntityID: "123", Name: "LAZARUS <GROUP>", Type: "organization", Category: "sanctions",
		Confidence: "high", Programs: []string{"DPRK3"}, Listed: ListedAddress{Address: "0xAA", Currency: "ETH"}, MatchedBy: "address",
		Verdict: bulwark.VerdictBlock}}
	bad := AddressResult{Input: "nope\x00", Hint: "btc", Verdict: VerdictError, Matches: nil, Error: "not an address", Note: "read as <evm>"}
	stored := base()
	stored.Stored = &no
	noLists := base()
	noLists.Lists = nil
	return map[string]*AddressDecision{
		"one plain result":  {Decision: base(), Results: []AddressResult{plain}},
		"every member":      {Decision: full, Results: []AddressResult{plain, matched, bad}},
		"stored false":      {Decision: stored, Results: []AddressResult{}},
		"nil lists/results": {Decision: noLists},
		"empty lists":       {Decision: Decision{Lists: map[string]string{}}, Results: []AddressResult{{}}},
	}
}

// TestAddressDecisionJSON: the hand-written encoders give what
// encoding/json gives for the decision, its stored (packed) form and its
// audit line.
func TestAddressDecisionJSON(t *testing.T) {
	t.Parallel()
	for name, d := range jsonDecisions() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			checkDecisionJSON(t, d)
		})
	}
}

func checkDecisionJSON(t *testing.T, d *AddressDecision) {
	t.Helper()
	want, werr := json.Marshal(d)
	got, gerr := appendAddressDecisionJSON(nil, d)
	if (werr != nil) != (gerr != nil) || !bytes.Equal(got, want) {
		t.Errorf("decision:\n got %s (%v)\nwant %s (%v)", got, gerr, want, werr)
	}
	p := packAddress(d)
	want, werr = json.Marshal(p)
	got, gerr = appendPackedJSON(nil, p)
	if (werr != nil) != (gerr != nil) || !bytes.Equal(got, want) {
		t.Errorf("packed:\n got %s (%v)\nwant %s (%v)", got, gerr, want, werr)
	}
	// The stored body made from the answer's members (as recordAddress
	// makes it) is the packed JSON too.
	if d.Stored == nil && werr == nil {
		fields, err := appendDecisionFields(nil, &d.Decision)
		if err != nil {
			t.Fatal(err)
		}
		got, gerr = appendPackedJSONFields(nil, p, fields)
		if gerr != nil || !bytes.Equal(got, want) {
			t.Errorf("packed from the answer's members:\n got %s (%v)\nwant %s", got, gerr, want)
		}
	}
	sum := sha256.Sum256([]byte(d.ID))
	item := struct {
		Actor      string          `json:"actor"`
		BodySHA256 string          `json:"bodySha256"`
		ID         string          `json:"id"`
		Kind       string          `json:"kind"`
		Subject    string          `json:"subject,omitempty"`
		Use        Use             `json:"use"`
		Verdict    bulwark.Verdict `json:"verdict"`
	}{d.Actor, hex.EncodeToString(sum[:]), d.ID, d.Kind, d.Subject, d.Use, d.Verdict}
	want, _ = json.Marshal(item)
	if got := auditItem(&d.Decision, sum); !bytes.Equal(got, want) {
		t.Errorf("audit item:\n got %s\nwant %s", got, want)
	}
}

// FuzzAddressDecisionJSON: any strings, times and verdicts encode as
// encoding/json encodes them.
func FuzzAddressDecisionJSON(f *testing.F) {
	f.Add("dec_1", "cust <1> & \"x\"\n", "token:a", "0xAA\xff\u2028", "btc", "not valid\x7f", int64(1765065600123456789), true)
	f.Add("", "", "", "", "", "", int64(-62167219200000000), false)
	f.Fuzz(func(t *testing.T, id, subject, actor, input, hint, errText string, nanos int64, matched bool) {
		d := &AddressDecision{Decision: Decision{ID: id, Time: time.Unix(0, nanos).UTC(), Kind: KindAddress, Use: Use(hint),
			Subject: subject, Actor: actor, Verdict: bulwark.Verdict(input), Lists: map[string]string{subject: actor, id: input},
			Algorithm: errText, Policy: hint, Stale: []StaleList{{ID: input, AgeSeconds: nanos}}},
			Results: []AddressResult{{Input: input, Hint: hint, Address: subject, Verdict: bulwark.Verdict(actor), Matches: []AddressMatch{}, Error: errText}}}
		if matched {
			d.Results[0].Matches = []AddressMatch{{List: id, Name: subject, MatchedBy: input}}
			d.Results = append(d.Results, AddressResult{Input: errText, Note: subject})
		}
		checkDecisionJSON(t, d)
	})
}

// TestScreenedDecisionJSON: a screener's decisions carry their index's
// list versions encoded once; the JSON is still encoding/json's, also
// after Lists is replaced by another map.
func TestScreenedDecisionJSON(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	lists := []*List{
		{Info: ListInfo{ID: "ofac-sdn", SHA256: "a<b>&c", Published: at}, Entities: []Entity{{ID: "ofac-sdn:1", List: "ofac-sdn",
			Type: TypeOrganization, Category: CategorySanctions, Confidence: ConfidenceHigh, Name: "LAZARUS",
			Addresses: []ListedAddress{{Currency: "ETH", Address: "0x098B716B8Aaf21512996dC57EB0615e2383E2f96"}}}}},
		{Info: ListInfo{ID: "mine\u2028", SHA256: "dd", Published: at}},
	}
	s, err := NewScreener(BuildIndex(lists, at), Config{Now: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	d, err := s.ScreenAddresses(UseDeposit, "cust-1", []AddressQuery{{Address: "0x098b716b8aaf21512996dc57eb0615e2383e2f96"},
		{Address: "0x00000000000000000000000000000000000000aa"}})
	if err != nil {
		t.Fatal(err)
	}
	if d.listsJSON == nil || !sameMap(d.Lists, d.listsOf) {
		t.Fatalf("the decision does not carry its index's list versions encoded")
	}
	if d.Verdict != bulwark.VerdictBlock {
		t.Errorf("verdict %s, want block (the first address is listed)", d.Verdict)
	}
	checkDecisionJSON(t, d)
	d.Lists = map[string]string{"other": "ee"}
	checkDecisionJSON(t, d)
}

// TestAppendRFC3339Nano: the hand-written format is AppendFormat's with
// time.RFC3339Nano, for UTC times (trailing zeros of the fraction trimmed,
// none at all on a whole second) and for the times it hands on (other
// zones, years outside 0-9999).
func TestAppendRFC3339Nano(t *testing.T) {
	t.Parallel()
	east := time.FixedZone("east", 5*3600+30*60)
	times := []time.Time{
		time.Date(2026, 12, 7, 14, 51, 3, 0, time.UTC),
		time.Date(2026, 12, 7, 14, 51, 3, 120_000_000, time.UTC),
		time.Date(2026, 1, 2, 3, 4, 5, 1, time.UTC),
		time.Date(2026, 10, 31, 23, 59, 59, 999_999_999, time.UTC),
		time.Date(0, 1, 1, 0, 0, 0, 100, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 10_000, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 1, 1, 0, 0, 0, 5, time.UTC),
		time.Date(2026, 12, 7, 14, 51, 3, 5_000, east),
		time.Date(2026, 12, 7, 14, 51, 3, 5_000, time.Local),
		time.Unix(1765065600, 123456789).UTC(),
		time.Unix(1765065600, 123456789), // a monotonic-free local time
	}
	for i := range 2000 {
		times = append(times, time.Unix(int64(i)*7919*86413, int64(i)*104729%1_000_000_000).UTC())
	}
	for _, at := range times {
		want := at.AppendFormat([]byte("x"), time.RFC3339Nano)
		if got := appendRFC3339Nano([]byte("x"), at); string(got) != string(want) {
			t.Errorf("appendRFC3339Nano(%v) = %q, want %q", at, got, want)
		}
	}
}
