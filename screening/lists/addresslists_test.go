package lists

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/screening"
)

// TestOwnAddressLines: a plain address list is the user's own list, under
// the ID and kind the user gives; nothing it does not say is made up.
func TestOwnAddressLines(t *testing.T) {
	data := readTestdata(t, "fbi_sample.txt")
	l, err := ParseOwn(Own{ID: "my-watch", Category: screening.CategoryInternal}, map[string][]byte{"fbi_sample.txt": data})
	if err != nil {
		t.Fatal(err)
	}
	checkList(t, l)
	if l.Info.ID != "my-watch" || l.Info.Format != FormatOwn || l.Info.Entities != 1 || l.Info.Addresses != 3 {
		t.Fatalf("info %+v", l.Info)
	}
	e := l.Entities[0]
	// The file's own comment lines state a name, a source and a confidence.
	if e.ID != "my-watch:fbi-sample" || e.Name != "TraderTraitor / Bybit theft laundering addresses (FBI PSA I-022625-PSA)" ||
		e.Source != "https://www.ic3.gov/PSA/2025/PSA250226" || e.Category != screening.CategoryInternal ||
		e.Confidence != screening.ConfidenceHigh || len(e.Programs) != 0 {
		t.Errorf("entity %+v", e)
	}
	if !hasProblem(l, "fbi_sample.txt line 9", "rejected (an EVM address has 40 hex digits after 0x") || l.Info.Problems != 1 {
		t.Errorf("problems %+v", l.Problems)
	}
	golden(t, "own_lines", l)

	// Without comments: the kind given, confidence unknown, no program.
	_, err = ParseOwn(Own{ID: "ofac-extract", Category: screening.CategorySanctions}, nil)
	wantInvalid(t, err, "--list", "reserved")
	files := map[string][]byte{
		"sanctioned_addresses_ETH.txt": []byte("0x098B716B8Aaf21512996dC57EB0615e2383E2f96\n"),
		"sanctioned_addresses_XBT.txt": []byte("bc1qsxf77cvwcd6jv6j8d8j3uhh4g0xqw4meswmwuc\n"),
		"mules.csv":                    []byte("address,label,confidence,program\n0x96244D83DC15d36847C35209bBDc5bdDE9bEc3D8,mule,,DPRK3] [CYBER2\n"),
	}
	l, err = ParseOwn(Own{ID: "extract", Category: screening.CategorySanctions}, files)
	if err != nil {
		t.Fatal(err)
	}
	checkList(t, l)
	if l.Info.Entities != 3 || l.Info.SHA256 == Digest(files) {
		t.Fatalf("info %+v", l.Info)
	}
	for _, e := range l.Entities {
		if e.Category != screening.CategorySanctions || e.Confidence != screening.ConfidenceUnknown {
			t.Errorf("entity %+v: want sanctions of unknown confidence", e)
		}
		if slices.Contains(e.Programs, "DPRK") {
			t.Errorf("entity %+v: a DPRK program nobody stated", e)
		}
	}
	// Declared otherwise, the same files are another version.
	again, err := ParseOwn(Own{ID: "extract", Category: screening.CategorySanctions, Confidence: screening.ConfidenceHigh}, files)
	if err != nil || again.Info.SHA256 == l.Info.SHA256 {
		t.Errorf("the declaration is not part of the version: %v", err)
	}
	if m := entity(t, l, "mules/mule"); !slices.Equal(m.Programs, []string{"DPRK3", "CYBER2"}) {
		t.Errorf("the CSV's programs: %+v", m)
	}
	entity(t, l, "sanctioned-addresses-eth")
}

// Two plain files whose names slug alike keep an entity each.
func TestOwnSameStem(t *testing.T) {
	l, err := ParseOwn(Own{ID: "mine", Category: screening.CategoryInternal}, map[string][]byte{
		"a.txt":  []byte("0x51E9d833Ecae4E8D9D8Be17300AEE6D3398C135D\n"),
		"a.list": []byte("0x96244D83DC15d36847C35209bBDc5bdDE9bEc3D8\n"),
	})
	if err != nil {
		t.Fatal(err)
	}
	checkList(t, l)
	if l.Info.Entities != 2 || l.Info.Addresses != 2 || l.Info.Problems != 0 {
		t.Errorf("%+v %+v", l.Info, l.Problems)
	}
}

func TestOwnErrors(t *testing.T) {
	own := Own{ID: "mine", Category: screening.CategoryInternal}
	_, err := ParseOwn(own, map[string][]byte{"empty.txt": []byte("# nothing here\n\n")})
	wantInvalid(t, err, "empty.txt", "no address")
	_, err = ParseOwn(Own{ID: "mine"}, map[string][]byte{"a.txt": []byte("0x51E9d833Ecae4E8D9D8Be17300AEE6D3398C135D\n")})
	wantInvalid(t, err, "--kind", "required")
	_, err = ParseOwn(Own{ID: "mine", Category: screening.CategoryInternal, Confidence: "sure"}, map[string][]byte{"a.txt": []byte("0x51E9d833Ecae4E8D9D8Be17300AEE6D3398C135D\n")})
	wantInvalid(t, err, "--confidence")
	_, err = ParseOwn(own, nil)
	wantInvalid(t, err, "from", "no file")
	l, err := ParseOwn(own, map[string][]byte{"two.txt": []byte("# confidence: certain\n0x51E9d833Ecae4E8D9D8Be17300AEE6D3398C135D extra words\n")})
	if err != nil {
		t.Fatal(err)
	}
	checkList(t, l)
	if !hasProblem(l, "two.txt line 1", `confidence "certain"`) || !hasProblem(l, "two.txt line 2", "more than an address") ||
		l.Entities[0].Confidence != screening.ConfidenceUnknown || l.Info.Addresses != 1 {
		t.Errorf("%+v", l)
	}
	// A plain address list is not the attribution table.
	_, err = ParseFBIAddresses("bybit.txt", []byte("0x51E9d833Ecae4E8D9D8Be17300AEE6D3398C135D\n"), "")
	wantInvalid(t, err, "bybit.txt", "not the DPRK attribution table")
	_, err = ParseFBIAddresses("", []byte("x"), "")
	wantInvalid(t, err, "name")
}

func TestFBICSV(t *testing.T) {
	data := readTestdata(t, "fbi_sample.csv")
	l, err := ParseFBIAddresses("fbi_sample.csv", data, "")
	if err != nil {
		t.Fatal(err)
	}
	checkList(t, l)
	bybit := entity(t, l, "bybit-theft-2025-02-21-laundering-addresses")
	if bybit.Name != "DPRK / TraderTraitor (Bybit theft 2025-02-21 (laundering addresses))" || len(bybit.Addresses) != 2 ||
		!strings.HasPrefix(bybit.Source, "FBI PSA I-022625-PSA") || !slices.Equal(bybit.Programs, []string{"DPRK", "TraderTraitor"}) {
		t.Errorf("bybit %+v", bybit)
	}
	// Stake.com has a high and a low group: one entity each.
	high := entity(t, l, "stake-com-theft-2023-09-04-high")
	low := entity(t, l, "stake-com-theft-2023-09-04-low")
	if len(high.Addresses) != 3 || high.Addresses[1].Currency != "BSC" || low.Confidence != screening.ConfidenceLow || len(low.Addresses) != 2 {
		t.Errorf("stake %+v / %+v", high, low)
	}
	if !hasProblem(l, "fbi_sample.csv line 7", `"0xdeadbeef" rejected`) || !hasProblem(l, "fbi_sample.csv line 8", `confidence "certain"`) {
		t.Errorf("problems %+v", l.Problems)
	}
	golden(t, "fbi_csv", l)
}

// TestFBIShared reads the FBI PSA list (51 addresses, as a user's own
// list) and the attribution CSV (77 rows: 61 high, 11 medium, 5 low).
func TestFBIShared(t *testing.T) {
	txt := readShared(t, "screen", "dprk", "fbi_I-022625-PSA_bybit_eth_addresses.txt")
	l, err := ParseOwn(Own{ID: "bybit-psa", Category: screening.CategoryAttribution, Confidence: screening.ConfidenceHigh},
		map[string][]byte{"fbi_I-022625-PSA_bybit_eth_addresses.txt": txt})
	if err != nil {
		t.Fatal(err)
	}
	checkList(t, l)
	if l.Info.Entities != 1 || l.Info.Addresses != 51 || l.Info.Problems != 0 {
		t.Errorf("PSA list: %+v %+v", l.Info, l.Problems)
	}

	data := readShared(t, "screen", "dprk", "dprk_attributed_addresses.csv")
	l, err = ParseFBIAddresses("dprk_attributed_addresses.csv", data, "")
	if err != nil {
		t.Fatal(err)
	}
	checkList(t, l)
	rows := map[screening.Confidence]int{}
	distinct := map[string]bool{}
	for _, e := range l.Entities {
		seen := map[string]bool{}
		for _, a := range e.Addresses {
			if !seen[a.Address] {
				rows[e.Confidence]++
				seen[a.Address] = true
			}
			distinct[a.Address] = true
		}
	}
	if rows[screening.ConfidenceHigh] != 61 || rows[screening.ConfidenceMedium] != 11 || rows[screening.ConfidenceLow] != 5 {
		t.Errorf("rows per confidence %v, want 61/11/5", rows)
	}
	// 77 rows list 77 distinct addresses on 90 (chain, address) pairs: the
	// Stake.com and CoinEx addresses are listed on several chains.
	if len(distinct) != 77 || l.Info.Addresses != 90 || l.Info.Entities != 12 || l.Info.Problems != 0 {
		t.Errorf("%d distinct addresses, %+v, problems %+v", len(distinct), l.Info, l.Problems)
	}
	bybit := entity(t, l, "bybit-theft-2025-02-21-laundering-addresses")
	if len(bybit.Addresses) != 51 || bybit.Confidence != screening.ConfidenceHigh {
		t.Errorf("bybit %+v", bybit)
	}
}

func TestBulwarkCSV(t *testing.T) {
	data := readTestdata(t, "bulwark_sample.csv")
	l, err := ParseBulwarkCSV("investigations", data)
	if err != nil {
		t.Fatal(err)
	}
	checkList(t, l)
	if l.Info.ID != "custom:investigations" || l.Info.Format != "bulwark-csv" {
		t.Errorf("info %+v", l.Info)
	}
	laz := entity(t, l, "lazarus-group-sanctions-high")
	if laz.Category != screening.CategorySanctions || len(laz.Addresses) != 1 || laz.Source != "https://home.treasury.gov/news/press-releases/jy0731" {
		t.Errorf("lazarus %+v", laz)
	}
	entity(t, l, "lazarus-group-attribution-medium")
	bin := entity(t, l, "binance-hot-wallet-14")
	if bin.Category != screening.CategoryLabel || bin.Confidence != screening.ConfidenceUnknown || len(bin.Addresses) != 2 || bin.Source != "etherscan" {
		t.Errorf("binance %+v", bin)
	}
	tron := entity(t, l, "twb9xgng9nmjuww4etsqeb9rrnrnvnonnj")
	if tron.Category != screening.CategorySeizure || tron.Addresses[0].Currency != "TRX" {
		t.Errorf("unlabelled row %+v", tron)
	}
	for _, p := range []struct{ line, msg string }{
		{"line 9", "no address"},
		{"line 10", "rejected"},
		{"line 11", `confidence "sure"`},
		{"line 12", `category "blocked"`},
	} {
		if !hasProblem(l, "investigations.csv "+p.line, p.msg) {
			t.Errorf("no problem %q at %s: %+v", p.msg, p.line, l.Problems)
		}
	}
	if l.Info.Problems != 4 {
		t.Errorf("%d problems, want 4", l.Info.Problems)
	}
	golden(t, "bulwark_csv", l)
}

func TestBulwarkCSVDocExample(t *testing.T) {
	// The example of the package documentation parses cleanly.
	var lines []string
	in := false
	for _, line := range strings.Split(string(readFileOrFail(t, "doc.go")), "\n") {
		switch {
		case strings.HasPrefix(line, "// Example:"):
			in = true
		case in && strings.HasPrefix(line, "//\t"):
			lines = append(lines, strings.TrimPrefix(line, "//\t"))
		case in && len(lines) > 0:
			in = false
		}
	}
	l, err := ParseBulwarkCSV("doc", []byte(strings.Join(lines, "\n")))
	if err != nil {
		t.Fatal(err)
	}
	checkList(t, l)
	if l.Info.Entities != 3 || l.Info.Addresses != 3 || l.Info.Problems != 0 {
		t.Errorf("doc example: %+v %+v", l.Info, l.Problems)
	}
}

func readFileOrFail(t *testing.T, name string) []byte {
	t.Helper()
	return readTestdata(t, "..", name)
}

func TestBulwarkCSVErrors(t *testing.T) {
	_, err := ParseBulwarkCSV("bad id!", []byte("address\n"))
	wantInvalid(t, err, "id", "letters, digits")
	_, err = ParseBulwarkCSV("x", []byte("chain,label\nETH,a\n"))
	wantInvalid(t, err, "x.csv", "line 1", "address column")
	_, err = ParseBulwarkCSV("x", nil)
	wantInvalid(t, err, "x.csv", "header")
	_, err = ParseBulwarkCSV("x", []byte("address,label\n\"0x51E9d833Ecae4E8D9D8Be17300AEE6D3398C135D,unterminated\n"))
	wantInvalid(t, err, "x.csv", "line 2", "truncated")
	l, err := ParseBulwarkCSV("x", []byte("ADDRESS,currency\n0x51E9d833Ecae4E8D9D8Be17300AEE6D3398C135D,eth\nbc1qsxf77cvwcd6jv6j8d8j3uhh4g0xqw4meswmwuc,XBT\n"))
	if err != nil {
		t.Fatal(err)
	}
	checkList(t, l)
	// No category or confidence column: both unknown, never a default.
	if l.Info.Entities != 2 || l.Entities[0].Addresses[0].Currency != "ETH" || l.Entities[0].Category != screening.CategoryUnknown ||
		l.Entities[0].Confidence != screening.ConfidenceUnknown {
		t.Errorf("%+v", l.Entities)
	}
}

// A row with fewer or more cells than the header has its columns shifted:
// it is a problem naming the line, not an import with guessed cells.
func TestBulwarkCSVRowWidth(t *testing.T) {
	data := "# mules\naddress,chain,label,source,confidence,category\n" +
		"0x1111111111111111111111111111111111111111,ETH,mule A,case 1,high,attribution\n" +
		"0x3333333333333333333333333333333333333333,ETH,mule C\n" +
		"0x4444444444444444444444444444444444444444,ETH,mule D,case 4,low,label,extra\n" +
		",,,,,\n"
	l, err := ParseBulwarkCSV("mules", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	checkList(t, l)
	if l.Info.Entities != 1 || l.Info.Addresses != 1 || l.Entities[0].Name != "mule A" {
		t.Errorf("entities %+v", l.Entities)
	}
	if l.Info.Problems != 2 || !hasProblem(l, "mules.csv line 4", "3 cells where the header has 6; row skipped") ||
		!hasProblem(l, "mules.csv line 5", "7 cells where the header has 6; row skipped") {
		t.Errorf("problems %+v", l.Problems)
	}
}

func TestFBICSVRowWidth(t *testing.T) {
	data := "chain,address,incident,attribution,primary_source,corroboration,validation,confidence\n" +
		"ETH,0x51E9d833Ecae4E8D9D8Be17300AEE6D3398C135D,Bybit,DPRK,FBI,,,high\n" +
		"ETH,0x96244D83DC15d36847C35209bBDc5bdDE9bEc3D8,Bybit\n"
	l, err := ParseFBIAddresses("fbi.csv", []byte(data), "")
	if err != nil {
		t.Fatal(err)
	}
	if l.Info.Addresses != 1 || l.Info.Problems != 1 || !hasProblem(l, "fbi.csv line 3", "3 cells where the header has 8; row skipped") {
		t.Errorf("%+v %+v", l.Info, l.Problems)
	}
}

func TestTagPack(t *testing.T) {
	data := readTestdata(t, "tagpack_sample.yaml")
	l, err := ParseTagPack("testdata/tagpack_sample.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	checkList(t, l)
	if l.Info.ID != "tagpack:tagpack_sample" || l.Info.Name != "Sample TagPack" || !l.Info.Published.Equal(time.Date(2023, 8, 28, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("info %+v", l.Info)
	}
	laz := entity(t, l, "Lazarus group")
	if laz.Category != screening.CategoryAttribution || laz.Confidence != screening.ConfidenceHigh || len(laz.Addresses) != 2 ||
		!slices.Equal(laz.Programs, []string{"lazarusgroup", "sanction"}) || laz.Addresses[0].Currency != "BTC" {
		t.Errorf("lazarus %+v", laz)
	}
	ronin := entity(t, l, "Ronin bridge exploiter")
	if ronin.Category != screening.CategoryAttribution || ronin.Confidence != screening.ConfidenceMedium || ronin.Addresses[0].Currency != "ETH" {
		t.Errorf("ronin %+v", ronin)
	}
	bitstamp := entity(t, l, "Bitstamp")
	if bitstamp.Category != screening.CategoryLabel || bitstamp.Confidence != screening.ConfidenceLow {
		t.Errorf("bitstamp %+v", bitstamp)
	}
	tornado := entity(t, l, "tornado.cash")
	if tornado.Category != screening.CategoryLabel || tornado.Confidence != screening.ConfidenceLow {
		t.Errorf("tornado %+v", tornado)
	}
	for _, p := range []string{`unknown confidence level "guesswork"`, "tag without an address", "rejected (its base58check checksum does not match"} {
		if !hasProblem(l, "tagpack_sample.yaml line", p) {
			t.Errorf("no problem %q: %+v", p, l.Problems)
		}
	}
	golden(t, "tagpack", l)
}

func TestTagPackErrors(t *testing.T) {
	for _, tc := range []struct{ data, fragment string }{
		{"title: x\ntags: [\n", "not valid YAML"},
		{"- a\n- b\n", "YAML mapping"},
		{"title: x\n", "no tags list"},
		{"title: x\ntags: nope\n", "no tags list"},
		{"", "YAML mapping"},
	} {
		_, err := ParseTagPack("p.yaml", []byte(tc.data))
		wantInvalid(t, err, "p.yaml", tc.fragment)
	}
	// Anchors and aliases resolve.
	l, err := ParseTagPack("a.yaml", []byte("label: &l Lazarus\nabuse: sanction\ntags:\n- address: &a 3LU8wRu4ZnXP4UM8Yo6kkTiGHM9BubgyiG\n  label: *l\n- *x\n"))
	if err == nil {
		checkList(t, l)
		t.Errorf("an unknown alias parsed: %+v", l)
	}
	l, err = ParseTagPack("a.yaml", []byte("label: &l Lazarus\nabuse: sanction\nt: &t {address: 3LU8wRu4ZnXP4UM8Yo6kkTiGHM9BubgyiG}\ntags:\n- *t\n- address: 39idqitN9tYNmq3wYanwg3MitFB5TZCjWu\n  label: *l\n"))
	if err != nil {
		t.Fatal(err)
	}
	checkList(t, l)
	if l.Info.Entities != 1 || l.Info.Addresses != 2 {
		t.Errorf("%+v", l.Entities)
	}
}

// TestTagPacksShared reads every TagPack of the shared folder.
func TestTagPacksShared(t *testing.T) {
	for _, tc := range []struct {
		file                         string
		entities, addresses, problem int
		category                     screening.Category
	}{
		{"lazarus.yaml", 1, 21, 0, screening.CategoryAttribution},
		{"lazarus2.yaml", 1, 6, 0, screening.CategoryAttribution},
		{"ronin_bridge.yaml", 6, 6, 0, screening.CategoryAttribution},
		{"tornado_cash.yaml", 1, 38, 0, screening.CategoryLabel}, // 39 tags, one repeats with a trailing space
		{"blender_io.yaml", 1, 45, 0, screening.CategoryLabel},
		{"sinbad_io.yaml", 1, 2, 0, screening.CategoryLabel},
		{"hacks.yaml", 33, 608, 0, ""},
		// ofac.yaml (an INTERPOL scrape of sdn.csv) copied three Monero
		// "addresses" cut at OFAC's 1000-character limit and a 64-hex one.
		{"ofac.yaml", 1, 569, 3, screening.CategoryLabel},
		{"usdt_blacklist.yaml", 1, 774, 0, screening.CategoryLabel},
		{"exchange-wallets-bybit.yaml", 1, 8, 0, screening.CategoryLabel},
		{"etherscan-wordcloud-exchange.yaml", 645, 646, 0, screening.CategoryLabel},
	} {
		t.Run(tc.file, func(t *testing.T) {
			data := readShared(t, "trace", "graphsense-tagpacks", tc.file)
			l, err := ParseTagPack(tc.file, data)
			if err != nil {
				t.Fatal(err)
			}
			checkList(t, l)
			if l.Info.Entities != tc.entities || l.Info.Addresses != tc.addresses || l.Info.Problems != tc.problem {
				t.Errorf("%+v, problems %+v", l.Info, l.Problems)
			}
			for _, e := range l.Entities {
				if tc.category != "" && e.Category != tc.category {
					t.Errorf("%s is %s, want %s", e.ID, e.Category, tc.category)
				}
			}
		})
	}
	data := readShared(t, "trace", "graphsense-tagpacks", "hacks.yaml")
	l, err := ParseTagPack("hacks.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	if e := entity(t, l, "Bitfinex hack"); e.Category != screening.CategoryAttribution || len(e.Addresses) != 99 {
		t.Errorf("Bitfinex hack %+v", e.Category)
	}
	if e := entity(t, l, "Bitfinex"); e.Category != screening.CategoryLabel {
		t.Errorf("Bitfinex %+v", e.Category)
	}
}

func TestILNBCTF(t *testing.T) {
	l, err := ParseILNBCTF(readTestdata(t, "il_wallets_sample.csv"), readTestdata(t, "il_releases_sample.csv"))
	if err != nil {
		t.Fatal(err)
	}
	checkList(t, l)
	if !l.Info.Published.Equal(time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("Published %v", l.Info.Published)
	}
	w := entity(t, l, "18/26/wallets")
	if w.Category != screening.CategorySeizure || len(w.Addresses) != 2 || w.Addresses[1].Address != "TH96tFMn8KGiYSLiwcV3E2UiaJc8jmcbz3" {
		t.Errorf("18/26 wallets %+v", w)
	}
	bilal := entity(t, l, "1/25/802262089")
	if bilal.Name != "Bilal Sabi" || !slices.Equal(bilal.Programs, []string{"ASO 1/25", "FO 10/26"}) ||
		!slices.Equal(bilal.DatesOfBirth, []string{"1989-02-26"}) || len(bilal.IDs) != 2 || bilal.IDs[1].Type != "Wallet ID / user" {
		t.Errorf("Bilal %+v", bilal)
	}
	// The holder of ASO 2/24 is listed twice with two accounts and two
	// continuation rows of identity documents: one entity.
	ayyash := entity(t, l, "2/24/160715450-005")
	wantStrings(t, ayyash.Countries, "AT", "PS")
	if len(ayyash.IDs) != 5 {
		t.Errorf("IDs %+v", ayyash.IDs)
	}
	w224 := entity(t, l, "2/24/wallets")
	if len(w224.Addresses) != 2 {
		t.Errorf("2/24 wallets %+v", w224.Addresses)
	}
	tareq := entity(t, l, "15/22/407823772")
	if len(tareq.Addresses) != 1 || tareq.Addresses[0].Currency != "BTC" || len(tareq.IDs) != 2 {
		t.Errorf("tareq %+v", tareq)
	}
	w1522 := entity(t, l, "15/22/wallets")
	if len(w1522.Addresses) != 0 || len(w1522.IDs) != 1 || w1522.IDs[0].Value != "rEb8TK3gBgk5auZkwc6sHnwrGVJH8DuaLh tag 102334770" {
		t.Errorf("memo wallet %+v", w1522)
	}
	for _, p := range []struct{ place, msg string }{
		{"wallets.csv line 4", "look-alike"},
		{"wallets.csv line 7", "mangled by a spreadsheet"},
		{"wallets.csv line 16", "exchange deposit address with memo tag 102334770"},
		{"wallets.csv line 19", "3 columns where the wallets table has 6"},
		{"releases.csv line 7", "ASO 10/22 lapsed on 2024-02-22"},
	} {
		if !hasProblem(l, p.place, p.msg) {
			t.Errorf("no problem %q at %s: %+v", p.msg, p.place, l.Problems)
		}
	}
	for _, e := range l.Entities {
		if strings.HasPrefix(e.SourceID, "10/22/") {
			t.Errorf("entity of the lapsed order imported: %+v", e)
		}
	}
	golden(t, "il_nbctf", l)

	// Without the releases table nothing lapses and nothing is dated.
	l, err = ParseILNBCTF(readTestdata(t, "il_wallets_sample.csv"), nil)
	if err != nil {
		t.Fatal(err)
	}
	checkList(t, l)
	entity(t, l, "10/22/123456789")
	if !l.Info.Published.IsZero() || l.Info.SHA256 != Digest(map[string][]byte{"wallets.csv": readTestdata(t, "il_wallets_sample.csv")}) {
		t.Errorf("info %+v", l.Info)
	}
}

// TestILNBCTFShared reads the published tables (943 wallet rows in 35
// order sections, 43 releases; every order is still valid or forfeited, so
// nothing lapses).
func TestILNBCTFShared(t *testing.T) {
	wallets := readShared(t, "screen", "other_lists", "il_nbctf_mod_crypto_wallets.csv")
	releases := readShared(t, "screen", "other_lists", "il_nbctf_mod_crypto_releases.csv")
	l, err := ParseILNBCTF(wallets, releases)
	if err != nil {
		t.Fatal(err)
	}
	checkList(t, l)
	if l.Info.Entities != 322 || l.Info.Addresses != 495 || l.Info.Problems != 8 {
		t.Errorf("%+v", l.Info)
	}
	for _, p := range l.Problems {
		if strings.Contains(p.Message, "lapsed") || strings.Contains(p.Message, "columns") {
			t.Errorf("unexpected problem %+v", p)
		}
	}
	orders := map[string]bool{}
	for _, e := range l.Entities {
		orders[e.Programs[0]] = true
	}
	if len(orders) != 35 {
		t.Errorf("%d orders, want 35", len(orders))
	}
	if !l.Info.Published.Equal(time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("Published %v", l.Info.Published)
	}
}

func TestILNBCTFErrors(t *testing.T) {
	_, err := ParseILNBCTF(nil, nil)
	wantInvalid(t, err, "wallets.csv", "no rows")
	_, err = ParseILNBCTF([]byte("צ.ת 1/25\n,,,,TWB9xgNG9nmJuwW4etsQEb9RRnrnVnoNnJ,\n"), []byte{})
	wantInvalid(t, err, "releases.csv", "no rows")
	l, err := ParseILNBCTF([]byte(",,,,TWB9xgNG9nmJuwW4etsQEb9RRnrnVnoNnJ,\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !hasProblem(l, "wallets.csv line 1", "before any seizure order") {
		t.Errorf("%+v", l.Problems)
	}
}

func TestDetect(t *testing.T) {
	for _, tc := range []struct {
		name, head, want string
	}{
		{"sdn.csv", "", FormatOFACCSV},
		{"SDN_COMMENTS.CSV", "", FormatOFACCSV},
		{"x/export.csv", "36,\"AEROCARIBBEAN AIRLINES\",-0- ,\"CUBA\",-0- ,", FormatOFACCSV},
		{"SDN_ADVANCED.XML", "", FormatOFACXML},
		{"list.xml", `<?xml version="1.0" encoding="utf-8"?>` + "\n" + `<Sanctions xmlns="https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/ADVANCED_XML">`, FormatOFACXML},
		{"un.xml", `<?xml version="1.0"?><CONSOLIDATED_LIST dateGenerated="2026-02-27T00:00:09.554Z">`, FormatUNXML},
		{"other.xml", `<rss>`, ""},
		{"lazarus.yaml", "title: OFAC Tagpack\ncreator: GraphSense Core Team\n", FormatTagPack},
		{"pack.txt", "title: x\ncreator: y\ntags:\n- address: 1\n", FormatTagPack},
		{"wallets.csv", "\ufeffשם מלא,תעודת זהות,דרכון,תאריך לידה,מספר זיהוי הארנק האלקטרוני/ יוזר,מטבע\n", FormatILNBCTF},
		{"releases.csv", "סוג,תאריך עדכון,תוקף הצו\n", FormatILNBCTFReleases},
		{"dprk.csv", "chain,address,incident,attribution,primary_source,corroboration,validation,confidence\n", FormatFBI},
		{"mine.csv", "# ours\naddress,chain,label\n", FormatBulwarkCSV},
		// A CSV naming some of the table's columns is not the table.
		{"fbi_dprk.csv", "address,attribution,confidence\n", FormatBulwarkCSV},
		{"fbi.csv", "chain,address,incident,confidence\n", FormatBulwarkCSV},
		// A plain address list is never an official list, whatever its name.
		{"fbi.txt", "0x51E9d833Ecae4E8D9D8Be17300AEE6D3398C135D\n0x96244D83DC15d36847C35209bBDc5bdDE9bEc3D8\n0x83c76784", FormatAddressLines},
		{"sdn.txt", "0x51E9d833Ecae4E8D9D8Be17300AEE6D3398C135D\n", FormatAddressLines},
		{"notes.txt", "hello world\n", ""},
		{"empty", "", ""},
	} {
		got, ok := Detect(tc.name, []byte(tc.head))
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("Detect(%q, %q) = %q, %v; want %q", tc.name, tc.head, got, ok, tc.want)
		}
	}
}

// TestDetectShared routes every shared list file to the format its parser
// reads.
func TestDetectShared(t *testing.T) {
	for _, tc := range []struct {
		path []string
		want string
	}{
		{[]string{"screen", "ofac_sdn_csv_2024-05-03", "sdn.csv"}, FormatOFACCSV},
		{[]string{"screen", "watchman", "UN_consolidated_2026-02-27.xml"}, FormatUNXML},
		{[]string{"screen", "dprk", "fbi_I-022625-PSA_bybit_eth_addresses.txt"}, FormatAddressLines},
		{[]string{"screen", "ofac_0xB10C_lists", "sanctioned_addresses_XBT.txt"}, FormatAddressLines},
		{[]string{"screen", "dprk", "dprk_attributed_addresses.csv"}, FormatFBI},
		{[]string{"screen", "other_lists", "il_nbctf_mod_crypto_wallets.csv"}, FormatILNBCTF},
		{[]string{"screen", "other_lists", "il_nbctf_mod_crypto_releases.csv"}, FormatILNBCTFReleases},
		{[]string{"trace", "graphsense-tagpacks", "hacks.yaml"}, FormatTagPack},
	} {
		data := readShared(t, tc.path...)
		if got, _ := Detect(tc.path[len(tc.path)-1], data[:min(len(data), 4096)]); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.path[len(tc.path)-1], got, tc.want)
		}
		// Content alone is enough too.
		if got, _ := Detect("unnamed", data[:min(len(data), 4096)]); got != tc.want && tc.want != FormatTagPack {
			t.Errorf("%s without its name: %q, want %q", tc.path[len(tc.path)-1], got, tc.want)
		}
	}
}

func BenchmarkParseILNBCTF(b *testing.B) {
	wallets := readShared(b, "screen", "other_lists", "il_nbctf_mod_crypto_wallets.csv")
	releases := readShared(b, "screen", "other_lists", "il_nbctf_mod_crypto_releases.csv")
	benchParse(b, len(wallets)+len(releases), func() error {
		_, err := ParseILNBCTF(wallets, releases)
		return err
	})
}

func BenchmarkParseTagPack(b *testing.B) {
	data := readShared(b, "trace", "graphsense-tagpacks", "usdt_blacklist.yaml")
	benchParse(b, len(data), func() error {
		_, err := ParseTagPack("usdt_blacklist.yaml", data)
		return err
	})
}

// TestFBICSVLeadingComment: a comment before the header is skipped, not
// taken for the header.
func TestFBICSVLeadingComment(t *testing.T) {
	data := "# FBI PSA, compiled by the fraud team\nchain,address,incident,confidence\nETH,0x51E9d833Ecae4E8D9D8Be17300AEE6D3398C135D,Bybit,high\n"
	l, err := ParseFBIAddresses("fbi.csv", []byte(data), "test")
	if err != nil || l.Info.Addresses != 1 || l.Info.Problems != 0 {
		t.Fatalf("%+v %v (problems %+v)", l.Info, err, l.Problems)
	}
}
