package cli

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// bybitPSA are the first addresses of the FBI's Bybit laundering list
// (PSA I-022625-PSA), in the embedded fbi-dprk list.
var bybitPSA = []string{
	"0x51E9d833Ecae4E8D9D8Be17300AEE6D3398C135D",
	"0x96244D83DC15d36847C35209bBDc5bdDE9bEc3D8",
	"0x83c7678492D623fb98834F0fbcb2E7b7f5Af8950",
	"0x83Ef5E80faD88288F770152875Ab0bb16641a09E",
	"0xAF620E6d32B1c67f3396EF5d2F7d7642Dc2e6CE9",
	"0x3A21F4E6Bbe527D347ca7c157F4233c935779847",
}

type screenedMatch struct {
	List, EntityID, Category, Confidence string
	Programs                             []string
	Verdict                              string
}

type screened struct {
	Input, Verdict string
	Matches        []screenedMatch
}

// screenJSON screens addrs for withdrawals and returns the results.
func screenJSON(t *testing.T, env map[string]string, addrs ...string) (int, []screened) {
	t.Helper()
	code, out, errOut := run(t, env, append([]string{"screen", "address", "--json", "--use", "withdrawal"}, addrs...)...)
	var rs []screened
	if err := json.Unmarshal([]byte(out), &rs); err != nil || len(rs) != len(addrs) {
		t.Fatalf("screen: %d %v\n%s\n%s", code, err, out, errOut)
	}
	return code, rs
}

func writeDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestListsUpdateOwnFileNeverOfficial: a user's plain address file, under
// any name, is refused rather than imported as the FBI list; the FBI's
// Bybit addresses still block; the file imports as the user's own list
// under an ID that is not an official list's.
func TestListsUpdateOwnFileNeverOfficial(t *testing.T) {
	t.Parallel()
	env := map[string]string{"BULWARK_DATA": smallDataDir(t)}
	const mine = "0x00000000000000000000000000000000000000aa"
	// 40 addresses: more than half of the 73 FBI addresses, so a shrink
	// guard alone would not stop it replacing them.
	lines := mine + "\n"
	for i := 1; i < 40; i++ {
		lines += fmt.Sprintf("0x%040x\n", 0xa0000+i)
	}
	src := writeDir(t, map[string]string{"watch.txt": lines})

	code, _, errOut := run(t, env, "lists", "update", "--from", src)
	if code != 1 || !strings.Contains(errOut, "a plain list of addresses") || !strings.Contains(errOut, "bulwark lists update --from "+filepath.Join(src, "watch.txt")+" --list watch --kind internal") {
		t.Fatalf("a plain file: exit %d %s", code, errOut)
	}
	oneLine(t, errOut)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--list", "fbi-dprk", "--kind", "internal"}, "--list: list ID \"fbi-dprk\" is reserved for an official list"},
		{[]string{"--list", "ofac-sdn", "--kind", "sanctions"}, "reserved"},
		{[]string{"--list", "my-watch"}, "--kind: required"},
		{[]string{"--list", "my-watch", "--kind", "dprk"}, "--kind: \"dprk\""},
		{[]string{"--kind", "internal"}, "--kind: only with --list"},
		{[]string{"--list", "my-watch", "--kind", "internal", "--confidence", "sure"}, "--confidence"},
	} {
		code, _, errOut := run(t, env, append([]string{"lists", "update", "--from", src}, tc.args...)...)
		if code != 1 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d %s", tc.args, code, errOut)
		}
	}
	if code, _, errOut := run(t, env, "lists", "update", "--list", "my-watch", "--kind", "internal"); code != 1 || !strings.Contains(errOut, "--from: required with --list") {
		t.Errorf("--list without --from: exit %d %s", code, errOut)
	}
	// The embedded FBI list is intact: the Bybit laundering addresses block.
	code, rs := screenJSON(t, env, bybitPSA[0], mine)
	if code != 3 || rs[0].Verdict != "block" || len(rs[0].Matches) != 1 || rs[0].Matches[0].List != "fbi-dprk" || rs[1].Verdict != "clear" {
		t.Fatalf("after the refusals: exit %d %+v", code, rs)
	}

	code, out, errOut := run(t, env, "lists", "update", "--from", src, "--list", "my-watch", "--kind", "internal")
	if code != 0 || !strings.Contains(out, "updated my-watch: 1 entity, 40 addresses") {
		t.Fatalf("as an own list: %d %s %s", code, out, errOut)
	}
	// It screens as that list: internal, confidence unknown, no programme:
	// review, not block nor clear. The FBI list still blocks.
	code, rs = screenJSON(t, env, mine, bybitPSA[0])
	m := rs[0].Matches
	if code != 3 || rs[0].Verdict != "review" || len(m) != 1 || m[0].List != "my-watch" || m[0].Category != "internal" || m[0].Confidence != "unknown" ||
		len(m[0].Programs) != 0 || rs[1].Verdict != "block" || rs[1].Matches[0].List != "fbi-dprk" {
		t.Errorf("screening: exit %d %+v", code, rs)
	}
	if code, out, _ := run(t, env, "screen", "address", mine); code != 2 || !strings.Contains(out, "[internal; confidence unknown; program unknown]") {
		t.Errorf("human output: %d %s", code, out)
	}
	// Said with confidence, it blocks.
	if code, out, errOut := run(t, env, "lists", "update", "--from", src, "--list", "my-watch", "--kind", "internal", "--confidence", "high"); code != 0 || !strings.Contains(out, "updated my-watch") {
		t.Fatalf("with --confidence high: %d %s %s", code, out, errOut)
	}
	if code, rs := screenJSON(t, env, mine); code != 3 || rs[0].Matches[0].Confidence != "high" {
		t.Errorf("high confidence: exit %d %+v", code, rs)
	}
}

// embeddedFBI returns the addresses of the embedded fbi-dprk list.
func embeddedFBI(t *testing.T) []string {
	t.Helper()
	ls, err := embeddedLists()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range ls {
		if l.Info.ID != "fbi-dprk" {
			continue
		}
		for _, e := range l.Entities {
			for _, a := range e.Addresses {
				out = append(out, a.Address)
			}
		}
	}
	if len(out) != 73 {
		t.Fatalf("the embedded FBI list has %d addresses, want 73", len(out))
	}
	return out
}

// TestListsUpdateFBIShrinkRefused: an FBI attribution table holding 5 or
// 40 of the 73 embedded addresses is refused unless forced, whatever the
// list's size.
func TestListsUpdateFBIShrinkRefused(t *testing.T) {
	t.Parallel()
	fbi := embeddedFBI(t)
	for _, keep := range []int{5, 40} {
		t.Run(fmt.Sprint(keep), func(t *testing.T) {
			t.Parallel()
			env := map[string]string{"BULWARK_DATA": smallDataDir(t)}
			table := "chain,address,incident,attribution,primary_source,corroboration,validation,confidence\n"
			for _, a := range fbi[:keep] {
				table += "ETH," + a + ",Bybit theft 2025-02-21 (laundering addresses),DPRK/TraderTraitor per FBI,FBI PSA I-022625-PSA,,,high\n"
			}
			src := writeDir(t, map[string]string{"dprk_attributed_addresses.csv": table})
			code, _, errOut := run(t, env, "lists", "update", "--from", src)
			if code != 1 || !strings.Contains(errOut, "list fbi-dprk would shrink from ") || !strings.Contains(errOut, "--force") {
				t.Fatalf("73 to %d: exit %d %s", keep, code, errOut)
			}
			oneLine(t, errOut)
			dropped := fbi[45] // a Bybit address (high confidence) beyond those kept
			if code, rs := screenJSON(t, env, dropped); code != 3 || rs[0].Matches[0].List != "fbi-dprk" {
				t.Fatalf("after the refusal: exit %d %+v", code, rs)
			}
			if code, out, errOut := run(t, env, "lists", "update", "--from", src, "--force"); code != 0 || !strings.Contains(out, fmt.Sprintf("updated fbi-dprk: 1 entity, %d addresses", keep)) {
				t.Fatalf("forced: %d %s %s", code, out, errOut)
			}
			if code, _ := screenJSON(t, env, dropped); code != 0 {
				t.Errorf("after the forced update: exit %d", code)
			}
		})
	}
}

// TestListsUpdatePerCurrencyOFACFiles: per-currency address files derived
// from OFAC's SDN list (CYBER2, not DPRK) are refused as they are, and
// imported as the user declares them: never an fbi-dprk list, never a
// "DPRK, confidence high" attribution.
func TestListsUpdatePerCurrencyOFACFiles(t *testing.T) {
	t.Parallel()
	env := map[string]string{"BULWARK_DATA": importedDataDir(t)}
	const cyber2 = "bc1qsxf77cvwcd6jv6j8d8j3uhh4g0xqw4meswmwuc" // OFAC SDN 38420, CYBER2
	src := writeDir(t, map[string]string{
		"sanctioned_addresses_XBT.txt": cyber2 + "\n",
		"sanctioned_addresses_ETH.txt": "0x00000000000000000000000000000000000000cc\n",
	})
	code, _, errOut := run(t, env, "lists", "update", "--from", src)
	if code != 1 || !strings.Contains(errOut, "per-currency extract of OFAC's SDN list") || !strings.Contains(errOut, "--from "+src+" --list sanctioned-addresses --kind sanctions") {
		t.Fatalf("as they are: exit %d %s", code, errOut)
	}
	if code, _, errOut := run(t, env, "lists", "update", "--from", src, "--list", "ofac-addresses", "--kind", "sanctions"); code != 1 || !strings.Contains(errOut, "reserved") {
		t.Errorf("under an OFAC ID: exit %d %s", code, errOut)
	}
	if code, out, errOut := run(t, env, "lists", "update", "--from", src, "--list", "sanctioned-addresses", "--kind", "sanctions"); code != 0 || !strings.Contains(out, "updated sanctioned-addresses: 2 entities, 2 addresses") {
		t.Fatalf("as an own sanctions list: %d %s %s", code, out, errOut)
	}
	code, rs := screenJSON(t, env, cyber2)
	if code != 3 || len(rs[0].Matches) != 2 {
		t.Fatalf("exit %d %+v", code, rs)
	}
	for _, m := range rs[0].Matches {
		if strings.HasPrefix(m.List, "fbi") || m.Category == "attribution" || strings.Contains(strings.Join(m.Programs, ","), "DPRK") {
			t.Errorf("match %+v: labelled as a DPRK attribution", m)
		}
		switch m.List {
		case "ofac-sdn":
			if m.Category != "sanctions" || m.Confidence != "high" || !strings.Contains(strings.Join(m.Programs, ","), "CYBER2") {
				t.Errorf("OFAC's own entry: %+v", m)
			}
		case "sanctioned-addresses":
			if m.Category != "sanctions" || m.Confidence != "unknown" || len(m.Programs) != 0 || m.Verdict != "block" {
				t.Errorf("the extract's entry: %+v", m)
			}
		default:
			t.Errorf("match on list %s", m.List)
		}
	}
}

// TestListsUpdateUnreachable: a download that gets no answer says that
// nothing changed and how to import without network access.
func TestListsUpdateUnreachable(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close() // connections to it are refused
	env := map[string]string{"BULWARK_DATA": smallDataDir(t)}
	code, out, errOut := run(t, env, "lists", "update", "--from", "http://"+closed+"/sdn.csv")
	want := "bulwark: --from: fetch http://" + closed + "/sdn.csv: "
	if code != 1 || out != "" || !strings.HasPrefix(errOut, want) || !strings.Contains(errOut, "; nothing changed. Without network access") ||
		!strings.Contains(errOut, "import them with --from DIR|FILE") {
		t.Fatalf("exit %d, stdout %q, stderr %q; want 1 and %q…", code, out, errOut, want)
	}
	oneLine(t, errOut)
}
