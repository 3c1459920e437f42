package labels_test

import (
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/screening"
	"github.com/bulwark-sec/bulwark/tracing"
	"github.com/bulwark-sec/bulwark/tracing/labels"
	"github.com/ethereum/go-ethereum/common"
)

func addr(s string) common.Address { return common.HexToAddress(s) }

func TestHubCategory(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		cat string
		hub bool
	}{
		{"exchange", true}, {" Mixing_Service ", true}, {"defi_dex", true}, {"defi_bridge", true},
		{"bridge", true}, {"router", true}, {"perpetrator", false}, {"user", false}, {"", false},
		{"black_list", false}, {"defi_token", false},
	} {
		if got := labels.HubCategory(tt.cat); got != tt.hub {
			t.Errorf("HubCategory(%q) = %v, want %v", tt.cat, got, tt.hub)
		}
	}
	cats := labels.HubCategories()
	for i := 1; i < len(cats); i++ {
		if cats[i-1][0] >= cats[i][0] {
			t.Fatalf("HubCategories not sorted at %d: %v", i, cats)
		}
	}
}

// TestDocsHubTable holds docs/tracing-reference.md's hub table to HubCategories.
func TestDocsHubTable(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../docs/tracing-reference.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, c := range labels.HubCategories() {
		if !strings.Contains(doc, "| `"+c[0]+"` |") {
			t.Errorf("docs/tracing-reference.md has no hub table row for `%s`", c[0])
		}
	}
}

func TestCombine(t *testing.T) {
	t.Parallel()
	a := labels.NewSet()
	b := labels.NewSet()
	x := addr("0x01")
	l1 := tracing.Label{Source: "ofac-sdn", Name: "Lazarus Group", Category: "sanctions"}
	l2 := tracing.Label{Source: "user", Name: "Exploiter"}
	a.Add(x, l1)
	a.Add(x, l1) // the same label twice is kept once
	b.Add(x, l2)
	b.Add(x, l1)
	var nilSet *labels.Set
	c := labels.Combine(nil, a, nilSet, b)
	want := []tracing.Label{l1, l2}
	for range 3 { // the same answer every time
		if got := c.Labels(x); !reflect.DeepEqual(got, want) {
			t.Fatalf("labels %+v, want %+v", got, want)
		}
	}
	if got := labels.Combine(b, a).Labels(x); !reflect.DeepEqual(got, []tracing.Label{l2, l1}) {
		t.Errorf("in the other order: %+v", got)
	}
	if got := c.Labels(addr("0x02")); len(got) != 0 {
		t.Errorf("unlabelled address: %+v", got)
	}
	if got := labels.Combine().Labels(x); len(got) != 0 {
		t.Errorf("no sources: %+v", got)
	}
	m := labels.NewSet()
	m.Merge(b)
	if m.Len() != 1 || !reflect.DeepEqual(m.Labels(x), []tracing.Label{l2, l1}) {
		t.Errorf("merge: %+v", m.Labels(x))
	}
}

func TestReadUser(t *testing.T) {
	t.Parallel()
	f, err := os.Open("testdata/user.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	set, err := labels.ReadUser("user.csv", f)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]tracing.Label{
		"0xe1": {{Source: "user", Name: "Example Exchange deposit 7", Category: "deposit_wallet", Hub: true}},
		"0xd1": {{Source: "user", Name: "Our OTC desk", Category: "exchange"}},
		"0xc1": {{Source: "user", Name: "Forwarding contract", Hub: true}},
		"0xa1": {{Source: "user", Name: "Exploiter", Category: "perpetrator"},
			{Source: "user", Name: "Exploiter, second wallet of the same actor", Category: "perpetrator"}},
	}
	if set.Len() != len(want) {
		t.Errorf("%d addresses, want %d", set.Len(), len(want))
	}
	for a, w := range want {
		if got := set.Labels(addr(a)); !reflect.DeepEqual(got, w) {
			t.Errorf("%s: %+v, want %+v", a, got, w)
		}
	}
}

func TestReadUserBad(t *testing.T) {
	t.Parallel()
	const a = "0x00000000000000000000000000000000000000a1"
	tests := []struct{ name, data, want string }{
		{"empty", "", "the file is empty"},
		{"unknown column", "address,name,colour\n", "line 1: unknown column \"colour\""},
		{"no name column", "address,category\n", "line 1: the header has no name column"},
		{"twice", "address,name,name\n", "column \"name\" is named twice"},
		{"short row", "address,name,category,hub\n" + a + ",x\n", "line 2 has 2 fields, the header 4"},
		{"bad address", "address,name\n# c\n0x1234,x\n", "line 3: address \"0x1234\" is not an Ethereum address"},
		{"no name", "address,name\n" + a + ",\n", "line 2: the name of " + a + " is empty"},
		{"bad hub", "address,name,hub\n" + a + ",x,maybe\n", "line 2: hub \"maybe\" is not true or false"},
		{"bad quote", "address,name\n" + a + ",\"x\n", "malformed CSV"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := labels.ReadUser("mine.csv", strings.NewReader(tt.data))
			if err == nil {
				t.Fatal("no error")
			}
			if !bulwark.IsCode(err, bulwark.EINVALID) || !strings.Contains(err.Error(), "mine.csv") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q (code %s), want invalid naming mine.csv with %q", err, bulwark.ErrorCode(err), tt.want)
			}
		})
	}
}

func testIndex() *screening.Index {
	l := &screening.List{Info: screening.ListInfo{ID: "fbi-dprk", SHA256: "x"}, Entities: []screening.Entity{{
		ID: "fbi-dprk:1", List: "fbi-dprk", SourceID: "1", Category: screening.CategoryAttribution,
		Confidence: screening.ConfidenceHigh, Name: "Lazarus Group", Programs: []string{"DPRK", "TraderTraitor"},
		Addresses: []screening.ListedAddress{{Currency: "ETH", Address: "0x00000000000000000000000000000000000000a1"}},
	}}}
	l2 := &screening.List{Info: screening.ListInfo{ID: "ofac-sdn", SHA256: "y"}, Entities: []screening.Entity{{
		ID: "ofac-sdn:2", List: "ofac-sdn", SourceID: "2", Category: screening.CategorySanctions,
		Confidence: screening.ConfidenceHigh, Name: "LAZARUS GROUP", Programs: []string{"DPRK3"},
		Addresses: []screening.ListedAddress{{Currency: "ETH", Address: "0x00000000000000000000000000000000000000A1"}},
	}}}
	return screening.BuildIndex([]*screening.List{l2, l}, time.Unix(0, 0))
}

// TestScreening shows an FBI- and OFAC-listed address as such.
func TestScreening(t *testing.T) {
	t.Parallel()
	ix := testIndex()
	s := labels.NewScreening(func() *screening.Index { return ix })
	want := []tracing.Label{
		{Source: "fbi-dprk", Name: "Lazarus Group", Category: "attribution", Abuse: "DPRK, TraderTraitor"},
		{Source: "ofac-sdn", Name: "LAZARUS GROUP", Category: "sanctions", Abuse: "DPRK3"},
	}
	if got := s.Labels(addr("0xa1")); !reflect.DeepEqual(got, want) {
		t.Errorf("labels %+v, want %+v", got, want)
	}
	if got := s.Labels(addr("0xa2")); got != nil {
		t.Errorf("unlisted: %+v", got)
	}
	if got := labels.NewScreening(func() *screening.Index { return nil }).Labels(addr("0xa1")); got != nil {
		t.Errorf("no index: %+v", got)
	}
}

// TestExitList puts exit destinations on a list that flags them when
// screened.
func TestExitList(t *testing.T) {
	t.Parallel()
	exits := []tracing.Exit{
		{TxHash: common.HexToHash("0x01"), From: addr("0xa1"), Service: "THORChain", DestChain: "BTC", DestAddress: "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"},
		{TxHash: common.HexToHash("0x02"), From: addr("0xa1"), Service: "THORChain", DestChain: "BTC", DestAddress: "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"},
		{TxHash: common.HexToHash("0x03"), From: addr("0xa1"), Service: "THORChain", DestChain: "ETH", DestAddress: "0x00000000000000000000000000000000000000b7"},
		{TxHash: common.HexToHash("0x04"), From: addr("0xa1"), Service: "THORChain"},
	}
	l, err := labels.ExitList("trace-exits", exits)
	if err != nil {
		t.Fatal(err)
	}
	if l.Info.ID != "trace-exits" || l.Info.Addresses != 2 || len(l.Problems) != 0 {
		t.Fatalf("list %+v problems %v", l.Info, l.Problems)
	}
	ix := screening.BuildIndex([]*screening.List{l}, time.Unix(0, 0))
	sc, err := screening.NewScreener(ix, screening.Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []screening.AddressQuery{{Address: "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"}, {Address: "0x00000000000000000000000000000000000000B7", Chain: "ETH"}} {
		d, err := sc.ScreenAddresses(screening.UseDeposit, "", []screening.AddressQuery{q})
		if err != nil {
			t.Fatal(err)
		}
		if d.Verdict == bulwark.VerdictClear || len(d.Results[0].Matches) != 1 || d.Results[0].Matches[0].Category != screening.CategoryInternal {
			t.Errorf("%s: verdict %s, matches %+v", q.Address, d.Verdict, d.Results[0].Matches)
		}
	}
	if _, err := labels.ExitList("trace-exits", exits[3:]); !bulwark.IsCode(err, bulwark.ENOTFOUND) {
		t.Errorf("no destination: %v", err)
	}
	if _, err := labels.ExitList("ofac-mine", exits); !bulwark.IsCode(err, bulwark.EINVALID) {
		t.Errorf("reserved id: %v", err)
	}
}
