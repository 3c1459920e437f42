package tracing

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/holiman/uint256"

	"github.com/bulwark-sec/bulwark"
)

const (
	bybitExploiter = "0x47666Fab8bd0Ac7003bce3f5C3585383F09486E2"
	seedTx         = "0xAB00000000000000000000000000000000000000000000000000000000000001"
)

func TestNewCase(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", MaxCaseTitle+1)
	cases := []struct {
		name  string
		spec  CaseSpec
		field string // "" for success
		want  string // in the message
	}{
		{"defaults", CaseSpec{Seeds: []string{strings.ToLower(bybitExploiter)}}, "", ""},
		{"no seeds", CaseSpec{}, "seeds", "at least one seed"},
		{"bad seed", CaseSpec{Seeds: []string{"0x1234"}}, "seeds", "neither an address"},
		{"seed without 0x", CaseSpec{Seeds: []string{bybitExploiter[2:]}}, "seeds", "neither an address"},
		{"seed checksum", CaseSpec{Seeds: []string{strings.Replace(bybitExploiter, "Fab", "fab", 1)}}, "seeds", "EIP-55"},
		{"zero seed", CaseSpec{Seeds: []string{"0x0000000000000000000000000000000000000000"}}, "seeds", "zero address"},
		{"seed twice", CaseSpec{Seeds: []string{bybitExploiter, strings.ToLower(bybitExploiter)}}, "seeds", "given twice"},
		{"zero hash seed", CaseSpec{Seeds: []string{"0x" + strings.Repeat("0", 64)}}, "seeds", "the zero hash is not a transaction"},
		{"policy", CaseSpec{Seeds: []string{seedTx}, Policy: "fifo"}, "", ""},
		{"bad policy", CaseSpec{Seeds: []string{seedTx}, Policy: "taint"}, "policy", "unknown taint policy"},
		{"bad direction", CaseSpec{Seeds: []string{seedTx}, Direction: "up"}, "direction", "forward or backward"},
		{"hops", CaseSpec{Seeds: []string{seedTx}, Bounds: Bounds{MaxHops: -1}}, "bounds.maxHops", "out of range"},
		{"min value", CaseSpec{Seeds: []string{seedTx}, Bounds: Bounds{MinValue: "1.5"}}, "bounds.minValue", "whole number"},
		{"min value huge", CaseSpec{Seeds: []string{seedTx}, Bounds: Bounds{MinValue: "1" + strings.Repeat("0", 78)}}, "bounds.minValue", "below 2^256"},
		{"blocks", CaseSpec{Seeds: []string{seedTx}, Bounds: Bounds{FromBlock: 10, ToBlock: 9}}, "bounds.toBlock", "before bounds.fromBlock"},
		{"times", CaseSpec{Seeds: []string{seedTx}, Bounds: Bounds{FromTime: 10, ToTime: 9}}, "bounds.toTime", "before bounds.fromTime"},
		{"title", CaseSpec{Seeds: []string{seedTx}, Title: long}, "title", "at most"},
		{"title control", CaseSpec{Seeds: []string{seedTx}, Title: "a\x1bb"}, "title", "control"},
		{"source", CaseSpec{Seeds: []string{seedTx}, Source: "etl:bybit"}, "", ""},
		{"bad source", CaseSpec{Seeds: []string{seedTx}, Source: "big query"}, "source", "not a source name"},
		{"threshold", CaseSpec{Seeds: []string{seedTx}, Thresholds: map[string]string{"native:1": "x"}}, "thresholds", "not an amount"},
		{"threshold asset", CaseSpec{Seeds: []string{seedTx}, Thresholds: map[string]string{"eth": "1"}}, "thresholds", "asset key"},
		{"label", CaseSpec{Seeds: []string{seedTx}, Labels: []CaseLabel{{Address: common.Address{1}}}}, "name", "required"},
		{"known token", CaseSpec{Seeds: []string{seedTx}, KnownTokens: []string{"0x12"}}, "knownTokens", "not an address"},
		{"known token checksum", CaseSpec{Seeds: []string{seedTx}, KnownTokens: []string{strings.Replace(bybitExploiter, "Fab", "fab", 1)}}, "knownTokens", "EIP-55"},
		{"known token zero", CaseSpec{Seeds: []string{seedTx}, KnownTokens: []string{"0x0000000000000000000000000000000000000000"}}, "knownTokens", "zero address"},
		{"known token twice", CaseSpec{Seeds: []string{seedTx}, KnownTokens: []string{bybitExploiter, strings.ToLower(bybitExploiter)}}, "knownTokens", "given twice"},
		{"label category", CaseSpec{Seeds: []string{seedTx}, Labels: []CaseLabel{{Address: common.Address{1}, Name: "x", Category: "Exchange"}}}, "category", "lower-case"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := NewCase(tc.spec)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("NewCase: %v", err)
				}
				if c.Status != CaseOpen || c.Chain != 1 || c.Source == "" || c.Direction != Forward || c.Labels == nil {
					t.Errorf("defaults not applied: %+v", c)
				}
				return
			}
			var be *bulwark.Error
			if err == nil || bulwark.ErrorCode(err) != bulwark.EINVALID || !errorAs(err, &be) || be.Field != tc.field || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("NewCase = %v (field %v), want EINVALID on %s saying %q", err, be, tc.field, tc.want)
			}
		})
	}
}

func errorAs(err error, be **bulwark.Error) bool {
	e, ok := err.(*bulwark.Error)
	*be = e
	return ok
}

func TestNewCaseNormalises(t *testing.T) {
	t.Parallel()
	c, err := NewCase(CaseSpec{Title: "  Bybit  ", Seeds: []string{" " + strings.ToLower(bybitExploiter), seedTx}, Policy: "poison",
		Bounds:     Bounds{MinValue: "000"},
		Thresholds: map[string]string{"*": "0010", "erc20:1:0xDAC17F958D2EE523A2206206994597C13D831EC7": "5"},
		Labels:     []CaseLabel{{Address: common.Address{2}, Name: "b"}, {Address: common.Address{1}, Name: "a"}, {Address: common.Address{2}, Name: "b2"}}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{bybitExploiter, strings.ToLower(seedTx)}
	if c.Title != "Bybit" || !reflect.DeepEqual(c.Seeds, want) || c.Policy != Poison || c.Bounds.MinValue != "" {
		t.Errorf("case = %+v", c)
	}
	if !reflect.DeepEqual(c.Thresholds, map[string]string{"*": "10", "erc20:1:0xdac17f958d2ee523a2206206994597c13d831ec7": "5"}) {
		t.Errorf("thresholds = %v", c.Thresholds)
	}
	if len(c.Labels) != 2 || c.Labels[0].Name != "a" || c.Labels[1].Name != "b2" {
		t.Errorf("labels = %+v (want sorted, the later label of an address winning)", c.Labels)
	}
	b, _ := json.Marshal(c.Labels[0])
	if !strings.Contains(string(b), `"address":"0x0100000000000000000000000000000000000000"`) {
		t.Errorf("label JSON = %s", b)
	}
	req, err := c.Request(nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(req.SeedAddresses) != 1 || req.SeedAddresses[0] != common.HexToAddress(bybitExploiter) || len(req.SeedTxs) != 1 ||
		req.SeedTxs[0] != common.HexToHash(seedTx) || req.MinValue != nil || req.Thresholds[""].Uint64() != 10 || req.Policy != Poison {
		t.Errorf("request = %+v", req)
	}
	if got := req.Labeler.Labels(common.Address{1}); len(got) != 1 || got[0] != (Label{Source: "user", Name: "a"}) {
		t.Errorf("labels of 0x01… = %+v", got)
	}
	if got := req.Labeler.Labels(common.Address{3}); len(got) != 0 {
		t.Errorf("labels of an unlabelled address = %+v", got)
	}
}

func TestParseThresholds(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want map[string]string
		err  string
	}{
		{"", nil, ""},
		{"1000", map[string]string{"*": "1000"}, ""},
		{"native:1=5, *=7", map[string]string{"native:1": "5", "*": "7"}, ""},
		{"native:1", nil, "not an amount"},
		{"eth=5", nil, "asset key"},
		{"native:1=5,native:1=6", nil, "given twice"},
		{"native:1=-5", nil, "not an amount"},
		{"1e18", nil, "not an amount"},
		{"native:1=5,oops", nil, "ASSET=AMOUNT"},
	} {
		got, err := ParseThresholds(tc.in)
		if tc.err != "" {
			if bulwark.ErrorCode(err) != bulwark.EINVALID || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseThresholds(%q) = %v, want an error saying %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseThresholds(%q) = %v, %v, want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestCaseApply(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	open := func() *Case {
		c, err := NewCase(CaseSpec{Seeds: []string{bybitExploiter}})
		if err != nil {
			t.Fatal(err)
		}
		c.ID = 7
		return c
	}
	closedCase := func() *Case {
		c := open()
		st := CaseClosed
		if _, err := c.Apply(CaseUpdate{Status: &st}, "a", at); err != nil {
			t.Fatal(err)
		}
		return c
	}
	st := func(s CaseStatus) *CaseStatus { return &s }
	title := "t"
	addr := common.Address{9}
	for _, tc := range []struct {
		name   string
		c      func() *Case
		u      CaseUpdate
		code   string
		action string
	}{
		{"nothing", open, CaseUpdate{}, bulwark.EINVALID, ""},
		{"title", open, CaseUpdate{Title: &title}, "", CaseActionUpdate},
		{"label", open, CaseUpdate{Label: &CaseLabel{Address: addr, Name: "x"}}, "", CaseActionLabel},
		{"label and unlabel", open, CaseUpdate{Label: &CaseLabel{Address: addr, Name: "x"}, Unlabel: &addr}, bulwark.EINVALID, ""},
		{"unlabel unknown", open, CaseUpdate{Unlabel: &addr}, bulwark.ENOTFOUND, ""},
		{"close", open, CaseUpdate{Status: st(CaseClosed)}, "", CaseActionClose},
		{"open an open case", open, CaseUpdate{Status: st(CaseOpen)}, bulwark.ECONFLICT, ""},
		{"status and title", open, CaseUpdate{Status: st(CaseClosed), Title: &title}, bulwark.EINVALID, ""},
		{"bad status", open, CaseUpdate{Status: st("archived")}, bulwark.EINVALID, ""},
		{"close a closed case", closedCase, CaseUpdate{Status: st(CaseClosed)}, bulwark.ECONFLICT, ""},
		{"change a closed case", closedCase, CaseUpdate{Title: &title}, bulwark.ECONFLICT, ""},
		{"reopen", closedCase, CaseUpdate{Status: st(CaseOpen)}, "", CaseActionReopen},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := tc.c()
			before, _ := json.Marshal(c)
			ev, err := c.Apply(tc.u, "token:x", at)
			if tc.code != "" {
				after, _ := json.Marshal(c)
				if bulwark.ErrorCode(err) != tc.code || string(after) != string(before) {
					t.Errorf("Apply = %v, want %s and the case unchanged", err, tc.code)
				}
				return
			}
			if err != nil || ev.Action != tc.action || ev.Actor != "token:x" || !ev.At.Equal(at) || !json.Valid(ev.Details) || !c.UpdatedAt.Equal(at) {
				t.Errorf("Apply = %+v, %v, want action %s", ev, err, tc.action)
			}
		})
	}
	c := closedCase()
	if c.ClosedAt == nil || c.ClosedBy != "a" {
		t.Errorf("closed case: %+v", c)
	}
	if _, err := c.ResultsEvent(&CaseResults{Graph: &Graph{}}, "x"); bulwark.ErrorCode(err) != bulwark.ECONFLICT {
		t.Errorf("ResultsEvent(closed) = %v, want ECONFLICT", err)
	}
}

func TestCaseRequestThresholds(t *testing.T) {
	t.Parallel()
	c, err := NewCase(CaseSpec{Seeds: []string{bybitExploiter}, Bounds: Bounds{MinValue: "15"}, Thresholds: map[string]string{"native:1": "3"}})
	if err != nil {
		t.Fatal(err)
	}
	req, err := c.Request(nil)
	if err != nil {
		t.Fatal(err)
	}
	if req.MinValue == nil || !req.MinValue.Eq(uint256.NewInt(15)) || len(req.Thresholds) != 1 || !req.Thresholds["native:1"].Eq(uint256.NewInt(3)) || req.Labeler != nil {
		t.Errorf("request = %+v", req)
	}
}

// TestCaseKnownTokens: a case's known tokens are normalised to EIP-55 and
// reach its trace request, which then leaves spoofed transfers of other
// tokens out (the fixture of TestTracePoisoning).
func TestCaseKnownTokens(t *testing.T) {
	t.Parallel()
	c, err := NewCase(CaseSpec{Seeds: []string{thief.Hex(), wallet.Hex()}, KnownTokens: []string{" " + strings.ToLower(usdt.Hex())}})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.KnownTokens, []string{usdt.Hex()}) {
		t.Fatalf("known tokens = %v, want [%s]", c.KnownTokens, usdt.Hex())
	}
	if open := string(c.OpenEvent().Details); !strings.Contains(open, `"knownTokens":["`+usdt.Hex()+`"]`) {
		t.Errorf("open event %s does not record the known tokens", open)
	}
	req, err := c.Request(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(req.KnownTokens, []common.Address{usdt}) {
		t.Fatalf("request's known tokens = %v", req.KnownTokens)
	}
	var s []Transfer
	newTx(&s, 1, 0).call(thief, payee, 10)
	newTx(&s, 2, 0).tip(attacker, 1).token(fake, thief, spoof, 10)
	g := traceOK(t, sorted(s), req)
	if nodeOf(g, spoof) != nil {
		t.Errorf("the case's trace reached the look-alike through a spoofed token: %v", edgesOf(g))
	}
	if none, _ := NewCase(CaseSpec{Seeds: []string{seedTx}}); none.KnownTokens != nil {
		t.Errorf("no known tokens = %#v, want nil", none.KnownTokens)
	}
}

// TestIngestHint: a case run with nothing ingested names the command that
// ingests the case's source.
func TestIngestHint(t *testing.T) {
	for _, c := range []struct{ source, want string }{
		{"node", "'bulwark serve --trace-rpc URL' ingests source node"},
		{"trace:21895238", "'bulwark trace --rpc URL --from-block 21895238' ingests source trace:21895238"},
		{"nod", "the sources are node, which 'bulwark serve --trace-rpc URL' ingests, and trace:N"},
	} {
		if got := ingestHint(c.source); !strings.Contains(got, c.want) {
			t.Errorf("ingestHint(%q) = %q, want it to contain %q", c.source, got, c.want)
		}
	}
}
