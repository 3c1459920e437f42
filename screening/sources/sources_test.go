package sources_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/internal/shareddata"
	"github.com/bulwark-sec/bulwark/screening"
	"github.com/bulwark-sec/bulwark/screening/sources"
)

var now = time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)

// embedded returns sources.Embedded(), decoded once per test binary: the
// tests that only read the embedded lists share them (decoding the
// snapshot is the costliest step of each under the race detector).
// Callers must not change them.
var embedded = sync.OnceValues(sources.Embedded)

const ownCSV = "address,chain,label,source,confidence\n0x00000000000000000000000000000000000000aa,ETH,Known mule,case 17,high\n"

// fbiTable is the DPRK attribution table with one row.
const fbiTable = "chain,address,incident,attribution,primary_source,corroboration,validation,confidence\n" +
	"ETH,0x51E9d833Ecae4E8D9D8Be17300AEE6D3398C135D,Bybit theft 2025-02-21,DPRK/TraderTraitor per FBI,FBI PSA I-022625-PSA,,,high\n"

func TestEmbedded(t *testing.T) {
	ls, err := embedded()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]screening.ListInfo{}
	for _, l := range ls {
		got[l.Info.ID] = l.Info
		if len(l.Entities) != l.Info.Entities || l.Info.SHA256 == "" || l.Info.Published.IsZero() {
			t.Errorf("list %s: %+v (%d entities)", l.Info.ID, l.Info, len(l.Entities))
		}
	}
	// The snapshot holds the three public-domain US and UN lists and the
	// UK list (Open Government Licence).
	if got["ofac-sdn"].Entities < 14000 || got["ofac-sdn"].Addresses < 700 || got["un-consolidated"].Entities < 1000 || got["fbi-dprk"].Addresses < 51 ||
		got["uk-ofsi"].Entities != 4688 || got["uk-ofsi"].Published.Format("2006-01-02") != "2025-04-14" || len(got) != 4 {
		t.Errorf("embedded lists: %+v", got)
	}
}

// TestEmbeddedIsReproducible regenerates the snapshot's lists from the
// shared data folder with the importer and compares digests and counts.
func TestEmbeddedIsReproducible(t *testing.T) {
	shareddata.Path(t, "screen", "ofac_sdn_csv_2024-05-03", "sdn.csv")
	root, _ := shareddata.Root()
	out := filepath.Join(t.TempDir(), "lists.json.gz")
	cmd := goRun(t, "../../internal/cmd/mkdefaultlists", "-shared", root, "-out", out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("mkdefaultlists: %v\n%s", err, msg)
	}
	f, err := sources.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	again, err := sources.ReadSnapshot(&f)
	if err != nil {
		t.Fatal(err)
	}
	emb, _ := embedded()
	if len(again) != len(emb) {
		t.Fatalf("%d lists, embedded %d", len(again), len(emb))
	}
	for i := range emb {
		a, b := again[i].Info, emb[i].Info
		if a.ID != b.ID || a.SHA256 != b.SHA256 || a.Entities != b.Entities || a.Addresses != b.Addresses {
			t.Errorf("regenerated %+v\nembedded    %+v\n(run go run ./internal/cmd/mkdefaultlists and commit the snapshot)", a, b)
		}
	}
}

func TestParseRoutesADirectory(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("own.csv", ownCSV)
	write("README.md", "notes beside the lists are skipped")
	write("dprk_table.csv", fbiTable)
	files, err := sources.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	ls, err := sources.Parse(files, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(ls) != 2 || ls[0].Info.ID != "custom:own" || ls[1].Info.ID != "fbi-dprk" || ls[0].Info.Source != filepath.Join(dir, "own.csv") || !ls[0].Info.Imported.Equal(now) {
		t.Errorf("lists: %+v / %+v", ls[0].Info, ls[1].Info)
	}
	// An unknown file fails the import, naming it.
	write("notes.bin", "\x00\x01\x02")
	files, _ = sources.ReadDir(dir)
	if _, err := sources.Parse(files, now); bulwark.ErrorCode(err) != bulwark.EINVALID || !strings.Contains(err.Error(), "notes.bin") {
		t.Errorf("unknown file: %v", err)
	}
	// Two files that make the same list: an error naming both, never a
	// list ID made from a file name.
	os.Remove(filepath.Join(dir, "notes.bin"))
	write("dprk_other.csv", fbiTable)
	files, _ = sources.ReadDir(dir)
	if ls, err = sources.Parse(files, now); bulwark.ErrorCode(err) != bulwark.EINVALID || !strings.Contains(err.Error(), "both make list fbi-dprk") {
		t.Errorf("two attribution tables: %v %+v", err, ids(ls))
	}
	if _, err := sources.ReadDir(filepath.Join(dir, "missing")); bulwark.ErrorCode(err) != bulwark.EINVALID {
		t.Errorf("missing dir: %v", err)
	}
}

func TestParseBadFilesNameThePlace(t *testing.T) {
	for _, tc := range []struct{ name, data, want string }{
		{"consolidated.xml", `<?xml version="1.0"?><CONSOLIDATED_LIST dateGenerated="2026-01-01"><INDIVIDUALS><INDIVIDUAL><FIRST_NAME>X`, "truncated"},
		{"sdn.csv", "1,\"broken", "sdn.csv"},
		{"alt.csv", "1,2,aka,\"X\",\"-0- \"\n", "sdn.csv"},
	} {
		_, err := sources.Parse([]sources.File{{Name: tc.name, Data: []byte(tc.data), Origin: "/lists/" + tc.name}}, now)
		if bulwark.ErrorCode(err) != bulwark.EINVALID || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error mentioning %q", tc.name, err, tc.want)
		}
	}
}

// Parser errors name the user's file by its path, once, and never a file
// name the parser made up (the UN XML is digested as un_consolidated.xml).
func TestParseErrorsNameTheUsersFile(t *testing.T) {
	for _, tc := range []struct{ name, data, want string }{
		{"consolidated.xml", `<?xml version="1.0"?><CONSOLIDATED_LIST dateGenerated="2026-01-01"><INDIVIDUALS><INDIVIDUAL><FIRST_NAME>X`, "/lists/consolidated.xml: line 1, column "},
		{"consolidated.xml", `<?xml version="1.0"?><Sanctions><DateOfIssue/><DistinctParties><DistinctParty FixedRef="1">`, "/lists/consolidated.xml: line 1, column "},
		{"un.xml", `<?xml version="1.0"?><CONSOLIDATED_LIST><x></y></CONSOLIDATED_LIST>`, "/lists/un.xml: line 1, column "},
		{"SDN.CSV", "1,\"broken", "/lists/SDN.CSV: line 1: a quoted field is still open"},
		{"fbi.txt", "0x51E9d833Ecae4E8D9D8Be17300AEE6D3398C135D\n", "/lists/fbi.txt: a plain list of addresses"},
		{"dprk.csv", "chain,address,incident,attribution,primary_source\n\"ETH,0x51E9d833Ecae4E8D9D8Be17300AEE6D3398C135D\n", "/lists/dprk.csv: line 2: a quoted field is still open"},
		{"My Mules.csv", "address,label\n\"0x51E9d833Ecae4E8D9D8Be17300AEE6D3398C135D,open\n", "/lists/My Mules.csv: line 2: a quoted field is still open"},
	} {
		_, err := sources.Parse([]sources.File{{Name: tc.name, Data: []byte(tc.data), Origin: "/lists/" + tc.name}}, now)
		msg := bulwark.ErrorMessage(err)
		if bulwark.ErrorCode(err) != bulwark.EINVALID || !strings.HasPrefix(msg, tc.want) {
			t.Errorf("%s: %q, want it to start %q", tc.name, msg, tc.want)
		}
		for _, invented := range []string{"un_consolidated.xml", "sdn_advanced.xml", "my-mules.csv", "wallets.csv"} {
			if strings.Contains(msg, invented) {
				t.Errorf("%s: %q names %s", tc.name, msg, invented)
			}
		}
	}
}

// The NBCTF tables are two files: an error names the one at fault.
func TestParseNBCTFErrorNamesItsFile(t *testing.T) {
	wallets := "שם מלא,תעודת זהות,דרכון,תאריך לידה,מספר זיהוי הארנק האלקטרוני/ יוזר,מטבע\nצ.ת 18/26\n,,,,TWB9xgNG9nmJuwW4etsQEb9RRnrnVnoNnJ,TRX\n"
	releases := "סוג,תאריך עדכון,תוקף הצו\n\"צ.ת 18/26 של שר הביטחון,01.07.2026\n"
	_, err := sources.Parse([]sources.File{
		{Name: "nbctf_wallets.csv", Data: []byte(wallets), Origin: "/in/nbctf_wallets.csv"},
		{Name: "nbctf_releases.csv", Data: []byte(releases), Origin: "/in/nbctf_releases.csv"},
	}, now)
	if msg := bulwark.ErrorMessage(err); !strings.HasPrefix(msg, "/in/nbctf_releases.csv: line 2: a quoted field is still open") {
		t.Errorf("%q", msg)
	}
}

// A snapshot is told by its content, whatever its name.
func TestParseSnapshotByContent(t *testing.T) {
	own, err := sources.Parse([]sources.File{{Name: "own.csv", Data: []byte(ownCSV), Origin: "/lists/own.csv"}}, now)
	if err != nil {
		t.Fatal(err)
	}
	var snap bytes.Buffer
	if err := screening.WriteSnapshot(&snap, own); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"snap.gz", "lists.json.gz", "backup", "snapshot.csv"} {
		ls, err := sources.Parse([]sources.File{{Name: name, Data: snap.Bytes(), Origin: "/in/" + name}}, now)
		if err != nil || len(ls) != 1 || ls[0].Info.ID != "custom:own" {
			t.Errorf("%s: %v %v", name, err, ids(ls))
		}
	}
	// A gzip file that is not a snapshot, and a snapshot's name on a file
	// that is not gzip, are errors naming the file.
	var csvGz bytes.Buffer
	zw := gzip.NewWriter(&csvGz)
	zw.Write([]byte(ownCSV))
	zw.Close()
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"own.csv.gz", csvGz.Bytes(), "/in/own.csv.gz: a gzip-compressed file, but not a Bulwark list snapshot"},
		{"snap", []byte{0x1f, 0x8b, 0x08, 0x00, 0x00}, "/in/snap: a gzip-compressed file, but not a Bulwark list snapshot"},
		{"lists.json.gz", []byte(ownCSV), "/in/lists.json.gz: named like a compressed file but not gzip-compressed"},
	} {
		_, err := sources.Parse([]sources.File{{Name: tc.name, Data: tc.data, Origin: "/in/" + tc.name}}, now)
		if msg := bulwark.ErrorMessage(err); bulwark.ErrorCode(err) != bulwark.EINVALID || !strings.HasPrefix(msg, tc.want) {
			t.Errorf("%s: %q, want it to start %q", tc.name, msg, tc.want)
		}
	}
}

func TestFetch(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/lists/own.csv":
			w.Write([]byte(ownCSV))
		case "/big":
			w.Write(bytes.Repeat([]byte("x"), 1024))
		default:
			http.Error(w, "gone", http.StatusNotFound)
		}
	}))
	defer srv.Close()
	ctx := context.Background()
	files, err := sources.Fetch(ctx, srv.Client(), []string{srv.URL + "/lists/own.csv?key=SECRET"})
	if err != nil || len(files) != 1 || files[0].Name != "own.csv" || string(files[0].Data) != ownCSV || strings.Contains(files[0].Origin, "SECRET") {
		t.Fatalf("Fetch = %+v, %v", files, err)
	}
	if _, err := sources.Fetch(ctx, srv.Client(), []string{srv.URL + "/missing.xml"}); bulwark.ErrorCode(err) != bulwark.EUNAVAILABLE || !strings.Contains(err.Error(), "404") {
		t.Errorf("404: %v", err)
	}
	if _, err := sources.Fetch(ctx, srv.Client(), []string{"ftp://example.org/x"}); bulwark.ErrorCode(err) != bulwark.EINVALID {
		t.Errorf("ftp: %v", err)
	}
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	if _, err := sources.Fetch(ctx, nil, []string{down.URL + "/x.csv?key=SECRET"}); bulwark.ErrorCode(err) != bulwark.EUNAVAILABLE || strings.Contains(bulwark.ErrorMessage(err), "SECRET") {
		t.Errorf("server down: %v", err)
	}
}

func FuzzReadSnapshot(f *testing.F) {
	var buf bytes.Buffer
	ls, _ := embedded()
	_ = screening.WriteSnapshot(&buf, ls[:1])
	f.Add(buf.Bytes()[:min(buf.Len(), 4096)])
	f.Add([]byte{0x1f, 0x8b, 0x08, 0x00})
	f.Add([]byte("not gzip"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ls, err := sources.ReadSnapshot(&sources.File{Name: "x.json.gz", Data: data, Origin: "fuzz"})
		if err == nil {
			for _, l := range ls {
				if l == nil || l.Info.ID == "" {
					t.Fatal("a snapshot list without an id was accepted")
				}
			}
		}
	})
}

func ids(ls []*screening.List) []string {
	var out []string
	for _, l := range ls {
		out = append(out, l.Info.ID)
	}
	return out
}
