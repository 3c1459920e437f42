package sources_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/internal/shareddata"
	"github.com/bulwark-sec/bulwark/screening"
	"github.com/bulwark-sec/bulwark/screening/lists"
	"github.com/bulwark-sec/bulwark/screening/sources"
)

const bybitLines = "0x51E9d833Ecae4E8D9D8Be17300AEE6D3398C135D\n0x96244D83DC15d36847C35209bBDc5bdDE9bEc3D8\n"

// suggestedList is the --list ID a refusal message suggests.
var suggestedList = regexp.MustCompile(`--list (\S+) --kind ([a-z]+)`)

// TestParseRefusesPlainAddressFiles: a plain address list, whatever its
// name, never becomes (or replaces) an official list; the refusal says how
// to import it as the user's own list, with an ID that is the user's to
// take.
func TestParseRefusesPlainAddressFiles(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"fbi_psa.txt", "mine.txt", "addresses", "fbi-dprk.txt", "sdn.txt", "Bybit laundering.txt", "un.list", "sanctioned_addresses_ETH.txt"} {
		_, err := sources.Parse([]sources.File{{Name: name, Data: []byte(bybitLines), Origin: "/in/" + name}}, now)
		msg := bulwark.ErrorMessage(err)
		if bulwark.ErrorCode(err) != bulwark.EINVALID || !strings.HasPrefix(msg, "/in/"+name+": a plain list of addresses") {
			t.Errorf("%s: %v, want a refusal naming the file", name, err)
			continue
		}
		m := suggestedList.FindStringSubmatch(msg)
		if m == nil || !strings.Contains(msg, "bulwark lists update --from /in") && !strings.Contains(msg, "bulwark lists update --from '/in/"+name+"'") {
			t.Errorf("%s: %q does not give the command importing it as an own list", name, msg)
			continue
		}
		if err := screening.CheckUserListID("--list", m[1]); err != nil {
			t.Errorf("%s: the suggested list ID %q is refused: %v", name, m[1], err)
		}
		if _, err := screening.ParseListKind("--kind", m[2]); err != nil {
			t.Errorf("%s: the suggested kind %q is refused: %v", name, m[2], err)
		}
	}
	// A CSV naming only some of the attribution table's columns is the
	// user's Bulwark CSV, not the FBI list.
	ls, err := sources.Parse([]sources.File{{Name: "fbi_dprk.csv", Data: []byte("address,attribution\n0x51E9d833Ecae4E8D9D8Be17300AEE6D3398C135D,DPRK\n"), Origin: "/in/fbi_dprk.csv"}}, now)
	if err != nil || len(ls) != 1 || ls[0].Info.ID != "custom:fbi-dprk" || ls[0].Entities[0].Category != screening.CategoryUnknown ||
		ls[0].Entities[0].Confidence != screening.ConfidenceUnknown {
		t.Errorf("a CSV with an attribution column: %v %+v", err, ids(ls))
	}
}

func TestParseOwn(t *testing.T) {
	t.Parallel()
	own := lists.Own{ID: "my-watch", Category: screening.CategoryInternal}
	files := []sources.File{
		{Name: "mules.txt", Data: []byte(bybitLines), Origin: "/in/mules.txt"},
		{Name: "cases.csv", Data: []byte(ownCSV), Origin: "/in/cases.csv"},
	}
	l, err := sources.ParseOwn(files, own, now)
	if err != nil {
		t.Fatal(err)
	}
	if l.Info.ID != "my-watch" || l.Info.Entities != 2 || l.Info.Addresses != 3 || l.Info.Source != "/in/cases.csv, /in/mules.txt" || !l.Info.Imported.Equal(now) {
		t.Fatalf("info %+v", l.Info)
	}
	for _, e := range l.Entities {
		want := screening.ConfidenceUnknown
		if e.Name == "Known mule" {
			want = screening.ConfidenceHigh // the CSV row says so
		}
		if e.List != "my-watch" || e.Category != screening.CategoryInternal || e.Confidence != want || len(e.Programs) != 0 {
			t.Errorf("entity %+v", e)
		}
	}
	var snap bytes.Buffer
	zw := gzip.NewWriter(&snap)
	zw.Write([]byte(`{"format":"bulwark-lists/1","lists":[]}`))
	zw.Close()
	for _, tc := range []struct {
		name   string
		own    lists.Own
		files  []sources.File
		field  string
		wanted string
	}{
		{"an official list's ID", lists.Own{ID: "fbi-dprk", Category: screening.CategoryAttribution}, files, "--list", "reserved for an official list"},
		{"an OFAC-like ID", lists.Own{ID: "ofac-extra", Category: screening.CategorySanctions}, files, "--list", "reserved"},
		{"no kind", lists.Own{ID: "my-watch"}, files, "--kind", "required"},
		{"an official format", own, []sources.File{{Name: "sdn.csv", Data: []byte(`1,"X",-0- ,"SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ` + "\n"), Origin: "/in/sdn.csv"}}, "sdn.csv", "without --list"},
		{"the attribution table", own, []sources.File{{Name: "t.csv", Data: []byte(fbiTable), Origin: "/in/t.csv"}}, "t.csv", "without --list"},
		{"a snapshot", own, []sources.File{{Name: "lists.bin", Data: snap.Bytes(), Origin: "/in/lists.bin"}}, "lists.bin", "without --list"},
		{"no address", own, []sources.File{{Name: "empty.txt", Data: []byte("# none\n"), Origin: "/in/empty.txt"}}, "empty.txt", "/in/empty.txt: no address found"},
	} {
		_, err := sources.ParseOwn(tc.files, tc.own, now)
		var be *bulwark.Error
		if !asError(err, &be) || be.Code != bulwark.EINVALID || be.Field != tc.field || !strings.Contains(be.Message, tc.wanted) {
			t.Errorf("%s: %v, want an invalid %s saying %q", tc.name, err, tc.field, tc.wanted)
		}
	}
}

// TestOFACPerCurrencyExtracts imports the per-currency address files
// generated from OFAC's SDN list (0xB10C's lists, programmes as varied as
// CYBER2 and DPRK3): refused as they are, and labelled only as the user
// declares them; never an FBI list, never a DPRK attribution.
func TestOFACPerCurrencyExtracts(t *testing.T) {
	t.Parallel()
	dir := filepath.Dir(shareddata.Path(t, "screen", "ofac_0xB10C_lists", "sanctioned_addresses_XBT.txt"))
	files, err := sources.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	ls, err := sources.Parse(files, now)
	if msg := bulwark.ErrorMessage(err); bulwark.ErrorCode(err) != bulwark.EINVALID || !strings.Contains(msg, "per-currency extract of OFAC's SDN list") ||
		!strings.Contains(msg, "--from "+dir+" --list sanctioned-addresses --kind sanctions") {
		t.Fatalf("the extracts as they are: %v %v", err, ids(ls))
	}
	l, err := sources.ParseOwn(files, lists.Own{ID: "sanctioned-addresses", Category: screening.CategorySanctions}, now)
	if err != nil {
		t.Fatal(err)
	}
	if l.Info.ID != "sanctioned-addresses" || l.Info.Entities != len(files) || l.Info.Addresses < 600 {
		t.Errorf("info %+v", l.Info)
	}
	for _, e := range l.Entities {
		if e.Category != screening.CategorySanctions || e.Confidence != screening.ConfidenceUnknown || len(e.Programs) != 0 || strings.Contains(e.Name, "DPRK") {
			t.Errorf("entity %s: %s/%s %v %q, want sanctions of unknown confidence and programme", e.ID, e.Category, e.Confidence, e.Programs, e.Name)
		}
	}

	// The derived CSVs beside them (address plus OFAC columns) are Bulwark
	// CSV: the programmes they state, category and confidence unknown.
	for _, name := range [][]string{{"screen", "ofac_sdn_crypto_addresses_merged_validated.csv"}, {"screen", "dprk", "ofac_sdn_dprk_program_crypto_addresses.csv"}} {
		f, err := sources.ReadFile(shareddata.Path(t, name...))
		if err != nil {
			t.Fatal(err)
		}
		ls, err := sources.Parse([]sources.File{f}, now)
		if err != nil || len(ls) != 1 || !strings.HasPrefix(ls[0].Info.ID, "custom:") {
			t.Fatalf("%s: %v %v", f.Name, err, ids(ls))
		}
		for _, e := range ls[0].Entities {
			if e.Category != screening.CategoryUnknown || e.Confidence != screening.ConfidenceUnknown {
				t.Fatalf("%s: entity %s is %s/%s, want unknown/unknown", f.Name, e.ID, e.Category, e.Confidence)
			}
		}
	}
	f, _ := sources.ReadFile(shareddata.Path(t, "screen", "dprk", "ofac_sdn_dprk_program_crypto_addresses.csv"))
	ls, _ = sources.Parse([]sources.File{f}, now)
	// TIAN Yinyin is under DPRK3 and CYBER2: both, as the file says.
	for _, e := range ls[0].Entities {
		for _, a := range e.Addresses {
			if a.Address == "134r8iHv69xdT6p5qVKTsHrcUEuBVZAYak" && !(slices.Contains(e.Programs, "DPRK3") && slices.Contains(e.Programs, "CYBER2")) {
				t.Errorf("TIAN Yinyin's address: programs %v", e.Programs)
			}
		}
	}
}

func asError(err error, target **bulwark.Error) bool {
	return errors.As(err, target)
}

// FuzzParseIdentity: whatever a file holds and whatever it is called, a
// plain address list never makes a list, a user's own list is always the
// ID declared, and bad input is an invalid-input error naming a field.
func FuzzParseIdentity(f *testing.F) {
	f.Add("fbi_psa.txt", []byte(bybitLines))
	f.Add("dprk.csv", []byte(fbiTable))
	f.Add("own.csv", []byte(ownCSV))
	f.Add("sanctioned_addresses_XBT.txt", []byte("bc1qsxf77cvwcd6jv6j8d8j3uhh4g0xqw4meswmwuc\n"))
	f.Add("sdn.csv", []byte(`1,"X",-0- ,"SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- `+"\n"))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		if name == "" || strings.ContainsAny(name, "/\\\x00") {
			return
		}
		file := sources.File{Name: name, Data: data, Origin: "/in/" + name}
		format, _ := lists.Detect(name, data[:min(len(data), 4096)])
		ls, err := sources.Parse([]sources.File{file}, now)
		if err != nil {
			var be *bulwark.Error
			if !errors.As(err, &be) || be.Field == "" {
				t.Fatalf("error without a field: %v", err)
			}
		} else if format == lists.FormatAddressLines {
			t.Fatalf("a plain address list made lists %v", ids(ls))
		}
		l, err := sources.ParseOwn([]sources.File{file}, lists.Own{ID: "my-watch", Category: screening.CategoryInternal}, now)
		if err == nil {
			if l.Info.ID != "my-watch" {
				t.Fatalf("own list made %q", l.Info.ID)
			}
			for _, e := range l.Entities {
				if e.List != "my-watch" || !strings.HasPrefix(e.ID, "my-watch:") || e.Confidence == "" || e.Category == "" {
					t.Fatalf("entity %+v", e)
				}
			}
		} else if bulwark.ErrorCode(err) != bulwark.EINVALID && bulwark.ErrorCode(err) != bulwark.ETOOLARGE {
			t.Fatalf("own list: %v", err)
		}
	})
}
