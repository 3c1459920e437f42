package cli

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/internal/reqtable"
	"github.com/bulwark-sec/bulwark/screening"
)

const (
	lazarusRonin = "0x098B716B8Aaf21512996dC57EB0615e2383E2f96" // OFAC SDN 27307, in the embedded lists
	bybitFBI     = "0x51E9d833Ecae4E8D9D8Be17300AEE6D3398C135D" // FBI PSA I-022625-PSA
)

// oneLine checks a failed command wrote exactly one line to stderr.
func oneLine(t *testing.T, stderr string) {
	t.Helper()
	if n := strings.Count(strings.TrimRight(stderr, "\n"), "\n"); n != 0 || stderr == "" {
		t.Errorf("want one error line, got:\n%s", stderr)
	}
}

func TestScreenAddressCLI(t *testing.T) {
	t.Parallel()
	env := map[string]string{"BULWARK_DATA": smallDataDir(t)}
	code, out, errOut := run(t, env, "screen", "address", "--json", strings.ToLower(lazarusRonin), "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", bybitFBI)
	if code != 3 {
		t.Fatalf("exit %d, want 3; %s %s", code, out, errOut)
	}
	var rs []struct {
		Input, Address, Chain, Verdict string
		Matches                        []struct{ List, EntityID, Name string }
	}
	if err := json.Unmarshal([]byte(out), &rs); err != nil || len(rs) != 3 {
		t.Fatalf("output: %v\n%s", err, out)
	}
	if rs[0].Input != strings.ToLower(lazarusRonin) || rs[0].Address != lazarusRonin || rs[0].Verdict != "block" || rs[0].Matches[0].EntityID != "ofac-sdn:27307" {
		t.Errorf("first result %+v", rs[0])
	}
	if rs[1].Verdict != "clear" || rs[1].Chain != "BTC" || len(rs[1].Matches) != 0 {
		t.Errorf("second result %+v", rs[1])
	}
	if rs[2].Verdict != "block" || rs[2].Matches[0].List != "fbi-dprk" {
		t.Errorf("third result %+v", rs[2])
	}
	// Human output names the entity; exit codes follow the worst verdict.
	if code, out, _ := run(t, env, "screen", "address", lazarusRonin); code != 3 || !strings.Contains(out, "LAZARUS GROUP") {
		t.Errorf("human: %d %s", code, out)
	}
	if code, _, _ := run(t, env, "screen", "address", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"); code != 0 {
		t.Errorf("clear: exit %d", code)
	}
	if code, out, _ := run(t, env, "screen", "address", "0xdeadbeef"); code != 1 || !strings.Contains(out, "40 hex digits") {
		t.Errorf("invalid: %d %s", code, out)
	}
	// A file: one address per line, an optional chain after a comma.
	file := filepath.Join(t.TempDir(), "addrs.txt")
	os.WriteFile(file, []byte("# withdrawals\n1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa\n\n"+lazarusRonin+",ARB\n"), 0o600)
	code, out, _ = run(t, env, "screen", "address", "--file", file, "--use", "withdrawal", "--json")
	if code != 3 || strings.Count(out, `"input"`) != 2 || strings.Index(out, "1A1z") > strings.Index(out, lazarusRonin) {
		t.Errorf("--file: %d %s", code, out)
	}
	for _, bad := range [][]string{
		{"screen", "address"},
		{"screen", "address", "--file", file, lazarusRonin},
		{"screen", "address", "--use", "payroll", lazarusRonin},
		{"screen", "address", "--file", filepath.Join(t.TempDir(), "missing")},
	} {
		code, _, errOut := run(t, env, bad...)
		if code != 1 {
			t.Errorf("%v: exit %d", bad, code)
		}
		oneLine(t, errOut)
	}
}

func TestScreenNameCLI(t *testing.T) {
	t.Parallel()
	env := map[string]string{"BULWARK_DATA": smallDataDir(t)}
	code, out, errOut := run(t, env, "screen", "name", "--json", "Kim Jong Un")
	if code != 3 {
		t.Fatalf("exit %d; %s %s", code, out, errOut)
	}
	var d struct {
		Query, Verdict string
		Matches        []struct {
			EntityID, MatchedName string
			Score                 float64
		}
	}
	if err := json.Unmarshal([]byte(out), &d); err != nil || d.Query != "Kim Jong Un" || len(d.Matches) == 0 || d.Matches[0].Score < 0.9 {
		t.Fatalf("%v %s", err, out)
	}
	file := filepath.Join(t.TempDir(), "names.txt")
	os.WriteFile(file, []byte("Angela Merkel\nPARK Jin Hyok\n"), 0o600)
	code, out, _ = run(t, env, "screen", "name", "--file", file, "--json", "--use", "onboarding")
	var ds []struct{ Query, Verdict string }
	if err := json.Unmarshal([]byte(out), &ds); err != nil || len(ds) != 2 || ds[0].Query != "Angela Merkel" || ds[0].Verdict != "clear" || ds[1].Verdict != "block" || code != 3 {
		t.Errorf("--file: %d %v %s", code, err, out)
	}
	if code, out, _ := run(t, env, "screen", "name", "Angela Merkel"); code != 0 || !strings.Contains(out, "CLEAR") {
		t.Errorf("clear: %d %s", code, out)
	}
	for _, bad := range [][]string{
		{"screen", "name"},
		{"screen", "name", "Kim", "Jong", "Un"},
		{"screen", "name", "--type", "ship", "Kim"},
		{"screen", "name", "\xff\xfe"},
	} {
		code, _, errOut := run(t, env, bad...)
		if code != 1 {
			t.Errorf("%q: exit %d", bad, code)
		}
		oneLine(t, errOut)
	}
}

// TestListsCLI: list, update (own lists, refused and failed updates),
// export, import a snapshot and remove, on the small lists (what a first
// command on a new data directory shows is TestListsExportFreshDataDir's).
func TestListsCLI(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := map[string]string{"BULWARK_DATA": smallDataDir(t)}
	code, out, _ := run(t, env, "lists", "--json")
	var v struct {
		Lists []struct {
			ID        string
			Entities  int
			Addresses int
			Stale     bool
		}
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil || code != 0 || len(v.Lists) != 4 {
		t.Fatalf("lists: %d %v %s", code, err, out)
	}
	for _, l := range v.Lists {
		if l.Entities == 0 || !l.Stale && l.ID == "ofac-sdn" {
			t.Errorf("embedded list %+v", l)
		}
	}

	// A user's own list, in Bulwark CSV.
	src := filepath.Join(dir, "src")
	os.MkdirAll(src, 0o700)
	os.WriteFile(filepath.Join(src, "own.csv"), []byte("address,chain,label,source,confidence,category\n0x00000000000000000000000000000000000000aa,ETH,Known mule,case 17,high,attribution\n"), 0o600)
	code, out, errOut := run(t, env, "lists", "update", "--from", src)
	if code != 0 || !strings.Contains(out, "updated custom:own") {
		t.Fatalf("update: %d %s %s", code, out, errOut)
	}
	if code, out, _ := run(t, env, "screen", "address", "--use", "withdrawal", "0x00000000000000000000000000000000000000AA"); code != 3 || !strings.Contains(out, "Known mule") {
		t.Errorf("custom list hit: %d %s", code, out)
	}
	if code, out, _ := run(t, env, "lists", "update", "--from", src); code != 0 || !strings.Contains(out, "unchanged custom:own") {
		t.Errorf("same again: %d %s", code, out)
	}
	// A one-row OFAC file over the embedded OFAC list is refused unless
	// forced: a partial download must not empty the list.
	partial := filepath.Join(dir, "partial")
	os.MkdirAll(partial, 0o700)
	os.WriteFile(filepath.Join(partial, "sdn.csv"), []byte("99001,\"DOE, John\",individual,\"SDGT\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n"), 0o600)
	code, _, errOut = run(t, env, "lists", "update", "--from", partial)
	if code != 1 || !strings.Contains(errOut, "would shrink") || !strings.Contains(errOut, "--force") {
		t.Errorf("a shrinking update: %d %s", code, errOut)
	}
	oneLine(t, errOut)
	if code, _, _ := run(t, env, "screen", "address", lazarusRonin); code != 3 {
		t.Errorf("after a refused update the OFAC list is gone: exit %d", code)
	}

	// A broken file fails the whole update and keeps what was there.
	bad := filepath.Join(dir, "bad")
	os.MkdirAll(bad, 0o700)
	os.WriteFile(filepath.Join(bad, "own.csv"), []byte("address,chain\n0x00000000000000000000000000000000000000bb,ETH,extra,cells\n"), 0o600)
	os.WriteFile(filepath.Join(bad, "consolidated.xml"), []byte(`<?xml version="1.0"?><CONSOLIDATED_LIST dateGenerated="2026-01-01"><INDIVIDUALS><INDIVIDUAL><FIRST_NAME>X`), 0o600)
	code, _, errOut = run(t, env, "lists", "update", "--from", bad)
	if code != 1 {
		t.Errorf("broken update: exit %d", code)
	}
	oneLine(t, errOut)
	if code, _, _ := run(t, env, "screen", "address", "0x00000000000000000000000000000000000000aa"); code != 3 {
		t.Errorf("after a failed update the custom list is gone: %d", code)
	}

	// Export, and import the snapshot into another data directory: a
	// snapshot is recognised by its content, whatever its name.
	snap := filepath.Join(dir, "snap.gz")
	code, out, errOut = run(t, env, "lists", "export", "--json", "--out", snap)
	var exported struct {
		Out   string
		Lists []struct{ ID string }
	}
	if err := json.Unmarshal([]byte(out), &exported); err != nil || code != 0 || exported.Out != snap || len(exported.Lists) != 5 {
		t.Fatalf("export: %d %v %s %s", code, err, out, errOut)
	}
	other := map[string]string{"BULWARK_DATA": smallDataDir(t)}
	if code, out, errOut := run(t, other, "lists", "update", "--from", snap); code != 0 || !strings.Contains(out, "custom:own") {
		t.Errorf("import snapshot: %d %s %s", code, out, errOut)
	}
	// A gzip file that is not a snapshot: one line naming the file.
	notSnap := filepath.Join(dir, "own.csv.gz")
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("address\n0x00000000000000000000000000000000000000cc\n"))
	zw.Close()
	os.WriteFile(notSnap, gz.Bytes(), 0o600)
	if code, _, errOut := run(t, other, "lists", "update", "--from", notSnap); code != 1 || !strings.Contains(errOut, notSnap+": a gzip-compressed file, but not a Bulwark list snapshot") {
		t.Errorf("gzip that is not a snapshot: %d %s", code, errOut)
	} else {
		oneLine(t, errOut)
	}
	code, out, _ = run(t, env, "lists", "remove", "--json", "custom:own")
	var removed struct{ Removed struct{ ID, SHA256 string } }
	if err := json.Unmarshal([]byte(out), &removed); err != nil || code != 0 || removed.Removed.ID != "custom:own" || removed.Removed.SHA256 == "" {
		t.Errorf("remove: %d %v %s", code, err, out)
	}
	if code, _, _ := run(t, env, "screen", "address", "0x00000000000000000000000000000000000000aa"); code != 0 {
		t.Errorf("after removal: exit %d", code)
	}
	if code, out, errOut := run(t, env, "lists", "problems", "--json", "ofac-sdn"); code != 0 || !strings.Contains(out, `"problems"`) || errOut != "" {
		t.Errorf("lists problems: %d %.200s %s", code, out, errOut)
	}
	for _, bad := range [][]string{
		{"lists", "problems", "nope"},
		{"lists", "remove"},
		{"lists", "remove", "nope"},
		{"lists", "export"},
		{"lists", "update", "--from", filepath.Join(dir, "missing")},
		{"lists", "update", "--from", "ftp://example.org/x"},
	} {
		code, _, errOut := run(t, env, bad...)
		if code != 1 {
			t.Errorf("%v: exit %d", bad, code)
		}
		oneLine(t, errOut)
	}
}

// TestServeScreening runs screening through a real server: the API answers
// from the embedded lists, /readyz reports the stale lists as degraded,
// and a 'lists update' made by the CLI on the same data directory is
// picked up without a restart.
func TestServeScreening(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	data := t.TempDir()
	s := startServer(t, bin, data, "--lists-refresh", "0")
	code, body := request(t, "POST", s.url+"/api/v1/screen/address", s.token, `{"addresses":["`+lazarusRonin+`","1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"]}`)
	if code != 200 || !strings.Contains(body, `"verdict":"block"`) || !strings.Contains(body, `"entityId":"ofac-sdn:27307"`) {
		t.Fatalf("screen: %d %s", code, body)
	}
	code, body = request(t, "POST", s.url+"/api/v1/screen/name", s.token, `{"name":"Kim Jong Un","dob":"1984-01-08","use":"hiring"}`)
	if code != 200 || !strings.Contains(body, `"verdict":"block"`) {
		t.Fatalf("screen name: %d %s", code, body)
	}
	code, body = request(t, "GET", s.url+"/readyz", "", "")
	if code != 200 || !strings.Contains(body, `"status":"degraded"`) || !strings.Contains(body, "stale") {
		t.Errorf("readyz: %d %s", code, body)
	}
	src := t.TempDir()
	os.WriteFile(filepath.Join(src, "own.csv"), []byte("address,label\n0x00000000000000000000000000000000000000aa,Known mule\n"), 0o600)
	if code, out, errOut := runBin(t, bin, "lists", "update", "--data-dir", data, "--from", src); code != 0 {
		t.Fatalf("lists update: %d %s %s", code, out, errOut)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, body = request(t, "POST", s.url+"/api/v1/screen/address", s.token, `{"address":"0x00000000000000000000000000000000000000aa"}`)
		if strings.Contains(body, "Known mule") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server did not pick up the CLI's import: %d %s\n%s", code, body, s.stderr)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if code := s.stop(t); code != 0 {
		t.Errorf("serve exit %d", code)
	}
	// Every decision the server answered is in the store.
	code, out, _ := runBin(t, bin, "audit", "list", "--data-dir", data, "--json")
	if code != 0 || strings.Count(out, `"kind":"address"`)+strings.Count(out, `"kind": "address"`) < 2 || !strings.Contains(out, `"screen.decisions"`) {
		t.Errorf("audit after shutdown: %d %s", code, out)
	}
}

func TestScreenReplayAndPolicyCLI(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := map[string]string{"BULWARK_DATA": smallDataDir(t)}
	code, out, _ := run(t, env, "screen", "name", "--json", "--use", "vendor", "Kim Jong Un")
	var d struct{ DecisionID, Verdict, Policy string }
	if err := json.Unmarshal([]byte(out), &d); err != nil || d.Verdict != "review" || code != 2 || !strings.HasPrefix(d.Policy, "sha256:") {
		t.Fatalf("vendor screening: %d %v %s", code, err, out)
	}
	if code, out, _ := run(t, env, "screen", "replay", d.DecisionID); code != 0 || !strings.Contains(out, "SAME") {
		t.Errorf("replay: %d %s", code, out)
	}
	// Stricter rules for vendors: a name match blocks.
	pol := filepath.Join(dir, "policy.json")
	os.WriteFile(pol, []byte(`{"vendor": {"nameBlock": 0.95}}`), 0o600)
	if code, _, errOut := run(t, env, "screen", "name", "--use", "vendor", "--screen-policy", pol, "Kim Jong Un"); code != 3 {
		t.Errorf("with the policy file: exit %d %s", code, errOut)
	}
	// Replayed under the new rules, the old decision differs and says why.
	code, out, _ = run(t, env, "screen", "replay", "--screen-policy", pol, d.DecisionID)
	if code != 3 || !strings.Contains(out, "verdict review then, block now") || !strings.Contains(out, "rules sha256:") {
		t.Errorf("replay under new rules: %d %s", code, out)
	}
	for _, bad := range []string{`{"payroll": {}}`, `{"hiring": {"nameReview": 2}}`, `{"deposit": {"address": {"sanction": {"high": "block"}}}}`, `{"deposit": {"adress": {}}}`, `[`} {
		os.WriteFile(pol, []byte(bad), 0o600)
		code, _, errOut := run(t, env, "screen", "name", "--screen-policy", pol, "Kim")
		if code != 1 || !strings.Contains(errOut, "--screen-policy") {
			t.Errorf("policy %s: exit %d %s", bad, code, errOut)
		}
		oneLine(t, errOut)
	}
	if code, _, errOut := run(t, env, "screen", "replay", "dec_000000000000000000000000"); code != 1 {
		t.Errorf("unknown decision: %d %s", code, errOut)
	}
}

// On a data directory no command has used, export writes the embedded
// default lists (the service imports them first), and lists problems
// shows theirs.
func TestListsExportFreshDataDir(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := map[string]string{"BULWARK_DATA": filepath.Join(dir, "data")}
	snap := filepath.Join(dir, "fresh.snapshot")
	code, out, errOut := run(t, env, "lists", "export", "--out", snap)
	if code != 0 || out != "" || !strings.Contains(errOut, "wrote 4 lists to "+snap) {
		t.Fatalf("export: %d %q %q", code, out, errOut)
	}
	fresh := map[string]string{"BULWARK_DATA": filepath.Join(dir, "fresh")}
	if code, out, _ := run(t, fresh, "lists", "problems", "--json", "ofac-sdn"); code != 0 || !strings.Contains(out, `"problems"`) {
		t.Errorf("problems on a fresh data dir: %d %.200s", code, out)
	}
	other := map[string]string{"BULWARK_DATA": smallDataDir(t)}
	if code, out, errOut := run(t, other, "lists", "update", "--from", snap); code != 0 || !strings.Contains(out, "ofac-sdn") {
		t.Errorf("import: %d %s %s", code, out, errOut)
	}
}

// Flags that screening would otherwise ignore are checked: exit 1 and one
// line naming the flag and the form it takes.
func TestScreenFlagsChecked(t *testing.T) {
	t.Parallel()
	env := map[string]string{"BULWARK_DATA": smallDataDir(t)}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"screen", "name", "--dob", "15/08/1984", "Pak Jin Hyok"}, "--dob: \"15/08/1984\" is not a date of birth: give YYYY, YYYY-MM or YYYY-MM-DD"},
		{[]string{"screen", "name", "--dob", "1984-02-30", "Pak Jin Hyok"}, "--dob: \"1984-02-30\""},
		{[]string{"screen", "name", "--dob", "1984-13", "Pak Jin Hyok"}, "--dob: "},
		{[]string{"screen", "name", "--country", "Korea", "Pak Jin Hyok"}, "--country: \"Korea\" is ambiguous: give KP (North Korea) or KR (South Korea)"},
		{[]string{"screen", "name", "--country", "Atlantis", "Pak Jin Hyok"}, "--country: \"Atlantis\" is not a country Bulwark knows"},
		{[]string{"screen", "name", "--dob", "2999", "Pak Jin Hyok"}, "--dob: \"2999\" is in the future"},
		{[]string{"screen", "name", "--limit", "101", "Pak Jin Hyok"}, "--limit: 101 is not between 1 and 100"},
		{[]string{"screen", "name", "--type", "vessel", "Pak Jin Hyok"}, "--type: \"vessel\" is not person or organization"},
		{[]string{"screen", "name", "--subject", "a\nb", "Pak Jin Hyok"}, "--subject: contains the control character U+000A"},
		{[]string{"screen", "address", "--chain", strings.Repeat("E", 65), lazarusRonin}, "--chain: 65 bytes"},
		{[]string{"screen", "name", "--country", "QQ", "Pak Jin Hyok"}, "--country: \"QQ\""},
		{[]string{"screen", "name", "--subject", "case \xff", "Pak Jin Hyok"}, "--subject: not valid UTF-8"},
		{[]string{"screen", "name", "--subject", strings.Repeat("x", 201), "Pak Jin Hyok"}, "--subject: 201 bytes"},
		{[]string{"screen", "address", "--subject", "\xfe", lazarusRonin}, "--subject: not valid UTF-8"},
		{[]string{"screen", "address", "--subject", strings.Repeat("é", 101), lazarusRonin}, "--subject: 202 bytes"},
		// An unknown list id: the error names the lists that exist.
		{[]string{"lists", "remove", "nope"}, `no active list "nope"; the active lists are fbi-dprk, ofac-sdn, uk-ofsi, un-consolidated ('bulwark lists' shows them)` + "\n"},
		{[]string{"lists", "problems", "nope"}, `no active list "nope"; the active lists are fbi-dprk, ofac-sdn, uk-ofsi, un-consolidated ('bulwark lists' shows them)` + "\n"},
	} {
		code, out, errOut := run(t, env, tc.args...)
		if code != 1 || out != "" || !strings.HasPrefix(errOut, "bulwark: "+tc.want) {
			t.Errorf("%q: exit %d %q %q, want %q", tc.args, code, out, errOut, tc.want)
		}
		oneLine(t, errOut)
	}
	// Valid forms: any case for the country, alpha-3 codes and names,
	// stored as the alpha-2 code.
	for _, c := range []string{"kp", "North Korea", "PRK", "DPRK", "Korea, Democratic People's Republic of"} {
		code, out, errOut := run(t, env, "screen", "name", "--json", "--dob", "1984-08-15", "--country", c, "--subject", strings.Repeat("é", 100), "Pak Jin Hyok")
		var d struct{ DOB, Country, Subject string }
		if err := json.Unmarshal([]byte(out), &d); err != nil || code != 3 || d.DOB != "1984-08-15" || d.Country != "KP" {
			t.Errorf("valid flags, --country %q: %d %v %s %s", c, code, err, out, errOut)
		}
	}
}

// An invalid line of a name file fails the command with one line naming
// the file and the line (counted with comments and blank lines); files
// that cannot be opened are named.
func TestScreenFileErrorsNameTheLine(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := map[string]string{"BULWARK_DATA": smallDataDir(t)}
	file := filepath.Join(dir, "names.txt")
	os.WriteFile(file, []byte("# hires\nAngela Merkel\n\nPARK Jin Hyok\n# more\n\nKim \xff\xfe Un\n"), 0o600)
	code, out, errOut := run(t, env, "screen", "name", "--file", file)
	if code != 1 || out != "" || !strings.HasPrefix(errOut, "bulwark: --file: "+file+" line 7: name: not valid UTF-8") {
		t.Errorf("bad line: %d %q %q", code, out, errOut)
	}
	oneLine(t, errOut)
	// Nothing was screened: the file is checked first.
	if code, out, _ := run(t, env, "audit", "list", "--json"); code != 0 || strings.Contains(out, "Angela Merkel") {
		t.Errorf("a decision was stored before the file failed: %d %.300s", code, out)
	}
	// A line the screener refuses is named too.
	os.WriteFile(file, []byte("Angela Merkel\n\n"+strings.Repeat("a", 2000)+"\n"), 0o600)
	code, _, errOut = run(t, env, "screen", "name", "--lists-max-age", "0", "--file", file)
	if code != 1 || !strings.HasPrefix(errOut, "bulwark: --file: "+file+" line 3: name: ") {
		t.Errorf("long line: %d %q", code, errOut)
	}
	oneLine(t, errOut)
	missing := filepath.Join(dir, "missing.txt")
	for _, args := range [][]string{
		{"screen", "name", "--file", missing},
		{"screen", "address", "--file", missing},
		{"screen", "name", "--screen-policy", missing, "Kim"},
	} {
		code, _, errOut := run(t, env, args...)
		if code != 1 || !strings.Contains(errOut, missing+": no such file or directory") {
			t.Errorf("%q: %d %q", args, code, errOut)
		}
		oneLine(t, errOut)
	}
}

// TestScreenFileProblems: an input file with nothing to screen, or a
// directory, is refused naming --file and the path, for addresses and
// names alike.
func TestScreenFileProblems(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := map[string]string{"BULWARK_DATA": smallDataDir(t)}
	empty := filepath.Join(dir, "empty.txt")
	if err := os.WriteFile(empty, []byte("# nothing yet\n\n  \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"screen", "address", "--file", empty}, "bulwark: --file: no addresses in " + empty + " (blank lines and # comments are skipped)\n"},
		{[]string{"screen", "name", "--file", empty}, "bulwark: --file: no names in " + empty + " (blank lines and # comments are skipped)\n"},
		{[]string{"screen", "address", "--file", dir}, "bulwark: --file: " + dir + " is a directory; give a file with one entry per line\n"},
		{[]string{"screen", "name", "--file", dir}, "bulwark: --file: " + dir + " is a directory; give a file with one entry per line\n"},
	}
	for _, tt := range tests {
		code, out, errOut := run(t, env, tt.args...)
		if code != 1 || out != "" || errOut != tt.want {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want 1 and %q", tt.args, code, out, errOut, tt.want)
		}
	}
}

// TestCountsAreSingularForOne: "1 match", "1 entry", never "1 matches".
func TestCountsAreSingularForOne(t *testing.T) {
	t.Parallel()
	env := map[string]string{"BULWARK_DATA": smallDataDir(t)}
	code, out, errOut := run(t, env, "screen", "name", "--dob", "1984", "--country", "KP", "--type", "person", "Park Jin Hyok")
	if code != 3 || !strings.HasPrefix(out, `BLOCK  "Park Jin Hyok"  (1 match)`+"\n") {
		t.Errorf("one match: exit %d, %q %q", code, out, errOut)
	}
	env = map[string]string{"BULWARK_DATA": t.TempDir()}
	if code, _, errOut := run(t, env, "token", "create", "--name", "a", "--role", "viewer"); code != 0 {
		t.Fatalf("token create: %d %s", code, errOut)
	}
	if code, out, _ := run(t, env, "audit", "verify"); code != 0 || !strings.HasPrefix(out, "audit log intact: 1 entry; head 1:") {
		t.Errorf("one entry: exit %d, %q", code, out)
	}
}

// TestScreenNameRequestTable runs the request table the screening and API
// tests run too: 'screen name' accepts and refuses the same requests,
// naming the flag of the field at fault, and normalises countries alike.
func TestScreenNameRequestTable(t *testing.T) {
	t.Parallel()
	rows, err := reqtable.LoadNameRequests("../screening/testdata/name_requests.json")
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"BULWARK_DATA": smallDataDir(t)}
	for i, r := range rows {
		if i%10 == 0 {
			progress("%s: row %d of %d", t.Name(), i+1, len(rows))
		}
		args := []string{"screen", "name", "--json", "--lists-max-age", "0"}
		for flag, v := range map[string]string{"--type": r.Type, "--dob": r.DOB, "--country": r.Country, "--subject": r.Subject} {
			if v != "" {
				args = append(args, flag, v)
			}
		}
		if r.Limit != 0 {
			args = append(args, "--limit", fmt.Sprint(r.Limit))
		}
		args = append(args, r.Name)
		code, out, errOut := run(t, env, args...)
		if r.Field == "" {
			var d struct{ Country, DOB, Type string }
			if err := json.Unmarshal([]byte(out), &d); err != nil || code == 1 ||
				r.WantCountry != "" && d.Country != r.WantCountry || r.WantDOB != "" && d.DOB != r.WantDOB || r.WantType != "" && d.Type != r.WantType {
				t.Errorf("%s: exit %d %.300s %s", r.Desc, code, out, errOut)
			}
			continue
		}
		field := r.Field
		if f, ok := flagFields[field]; ok {
			field = f
		}
		if code != 1 || out != "" || !strings.HasPrefix(errOut, "bulwark: "+field+": ") || !strings.Contains(errOut, r.Msg) || len(errOut) > 400 {
			t.Errorf("%s: exit %d %q, want %q and %q", r.Desc, code, errOut, field, r.Msg)
		}
	}
}

// TestStaleWarningOnce: screening on stale lists (the embedded ones, in a
// fresh data directory) warns once per run, on one line on stderr naming
// every stale list, also when the addresses span several batches.
func TestStaleWarningOnce(t *testing.T) {
	t.Parallel()
	env := map[string]string{"BULWARK_DATA": smallDataDir(t)}
	var b strings.Builder
	n := screening.DefaultMaxBatch + 1
	for i := range n {
		fmt.Fprintf(&b, "0x%040x\n", i+1)
	}
	file := filepath.Join(t.TempDir(), "addrs.txt")
	if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, env, "screen", "address", "--json", "--file", file)
	if code != 0 || strings.Count(out, `"input"`) != n {
		t.Fatalf("exit %d, %d results; stderr %s", code, strings.Count(out, `"input"`), errOut)
	}
	if strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "warning: ") || !strings.HasSuffix(errOut, "; run 'bulwark lists update'\n") {
		t.Fatalf("want one warning line on stderr, got:\n%s", errOut)
	}
	for _, id := range []string{"ofac-sdn", "un-consolidated", "fbi-dprk"} {
		if !strings.Contains(errOut, id+" (") {
			t.Errorf("warning does not name the stale list %s: %s", id, errOut)
		}
	}
	// A command that screens nothing does not warn.
	if code, _, errOut := run(t, env, "token", "list"); code != 0 || errOut != "" {
		t.Errorf("token list: exit %d, stderr %q", code, errOut)
	}
}

// TestCLIAuditActor: every CLI command that changes or screens records
// its user as the actor, cli:USER@HOST, as the token and Safe commands do;
// a screening is recorded in its decision's line of the batch entry.
func TestCLIAuditActor(t *testing.T) {
	t.Parallel()
	own := filepath.Join(t.TempDir(), "src")
	os.MkdirAll(own, 0o700)
	os.WriteFile(filepath.Join(own, "own.csv"), []byte("address,chain,label,source,confidence,category\n0x00000000000000000000000000000000000000aa,ETH,Known mule,case 17,high,attribution\n"), 0o600)
	for _, tc := range []struct {
		name   string
		cmds   [][]string
		action string
	}{
		{"screen address", [][]string{{"screen", "address", lazarusRonin}}, "screen.decisions"},
		{"screen name", [][]string{{"screen", "name", "Angela Merkel"}}, "screen.decisions"},
		{"lists update", [][]string{{"lists", "update", "--from", own}}, "lists.import"},
		{"lists remove", [][]string{{"lists", "update", "--from", own}, {"lists", "remove", "custom:own"}}, "lists.remove"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{"BULWARK_DATA": smallDataDir(t), "TEST_OS_USER": "alice"}
			for _, c := range tc.cmds {
				if code, out, errOut := run(t, env, c...); code != 0 && code != 3 {
					t.Fatalf("%v: exit %d: %s %s", c, code, out, errOut)
				}
			}
			code, out, _ := run(t, env, "audit", "list", "--json", "--limit", "10000")
			var entries []struct {
				Actor, Action string
				Details       struct{ Decisions []struct{ Actor string } }
			}
			if err := json.Unmarshal([]byte(out), &entries); err != nil || code != 0 {
				t.Fatalf("audit list: %d %v %s", code, err, out)
			}
			// Newest first: the data directory's own making recorded
			// imports before the commands ran.
			found := false
			for _, e := range entries {
				if e.Action != tc.action {
					continue
				}
				found = true
				actor := e.Actor
				if e.Action == "screen.decisions" {
					if len(e.Details.Decisions) != 1 {
						t.Fatalf("decisions in %+v, want 1", e)
					}
					actor = e.Details.Decisions[0].Actor
				}
				if actor != "cli:alice@test-host" {
					t.Errorf("%s recorded by %q, want cli:alice@test-host", e.Action, actor)
				}
				break
			}
			if !found {
				t.Fatalf("no %s entry in %s", tc.action, out)
			}
		})
	}
}
