package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/hiring"
)

// hireExamples is the folder of the example files docs/hiring.md uses.
const hireExamples = "../testdata/hire"

// exampleArgs are the arguments of the docs' first 'hire screen'.
func exampleArgs() []string {
	ex := func(name string) string { return filepath.Join(hireExamples, name) }
	return []string{"hire", "screen", ex("people.csv"), "--logins", ex("signins.csv"), "--inventory", ex("inventory.csv"),
		"--shipping", ex("shipments.csv"), "--payroll", ex("payroll.csv")}
}

// screenJSON decodes the JSON of 'hire screen'.
func hireJSON(t *testing.T, stdout string) hireScreenOutput {
	t.Helper()
	var out hireScreenOutput
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("hire screen --json: %v\n%s", err, stdout)
	}
	return out
}

func verdicts(as []hiring.Assessment) map[string]string {
	out := map[string]string{}
	for _, a := range as {
		out[a.ID] = string(a.Verdict)
	}
	return out
}

func rulesOf(a hiring.Assessment) []string {
	var out []string
	for _, f := range a.Flags {
		out = append(out, f.Rule)
	}
	return out
}

// TestHireExampleFlow is what a new user runs from docs/hiring.md on a
// new data directory: the example files screened (the laptop-farm cohort
// blocked, the others clear, exit 3), the cluster with its reason, a person
// forgotten (gone, and the audit log intact and without any identifier).
func TestHireExampleFlow(t *testing.T) {
	t.Parallel()
	env := map[string]string{"BULWARK_DATA": filepath.Join(t.TempDir(), "data")}

	code, stdout, stderr := run(t, env, append(exampleArgs(), "--json")...)
	if code != 3 {
		t.Fatalf("hire screen: exit %d, want 3 (a block); stderr:\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "screening 5 people") {
		t.Errorf("no progress on stderr: %q", stderr)
	}
	out := hireJSON(t, stdout)
	want := map[string]string{"A-1001": "clear", "A-1002": "clear", "A-2001": "block", "A-2002": "block", "A-2003": "block"}
	if got := verdicts(out.People); !sameVerdicts(got, want) {
		t.Errorf("verdicts %v, want %v", got, want)
	}
	for _, a := range out.People {
		if a.ID[:3] == "A-1" && len(a.Flags) != 0 {
			t.Errorf("%s is clean but has flags %v", a.ID, rulesOf(a))
		}
		if a.ID[:3] == "A-2" {
			for _, r := range []string{"SHARED_SHIPPING_ADDRESS", "SHARED_NETWORK", "SHARED_MFA_DEVICE"} {
				if !slices.Contains(rulesOf(a), r) {
					t.Errorf("%s: no %s among %v", a.ID, r, rulesOf(a))
				}
			}
			for _, f := range a.Flags {
				if f.Evidence == "" || f.Source == "" || f.Severity == "" {
					t.Errorf("%s: flag %s without evidence, source or severity", a.ID, f.Rule)
				}
			}
		}
	}
	if len(out.Clusters) != 1 || !slices.Equal(out.Clusters[0].IDs, []string{"A-2002", "A-2003"}) || len(out.Clusters[0].Reasons) == 0 {
		t.Errorf("clusters %+v, want A-2002 and A-2003 with their reason", out.Clusters)
	}
	if out.Run == nil || out.Run.ID == 0 || out.Run.AuditSeq == 0 {
		t.Errorf("run %+v: want a stored, audited run", out.Run)
	}

	// The human output names the verdicts, the flags and the cluster.
	code, stdout, _ = run(t, env, "hire", "show", "A-2001")
	if code != 3 || !strings.Contains(stdout, "BLOCK   A-2001") || !strings.Contains(stdout, "IP_KVM") {
		t.Errorf("hire show A-2001: exit %d\n%s", code, stdout)
	}
	if code, stdout, _ = run(t, env, "hire", "show", "A-1001"); code != 0 || !strings.Contains(stdout, "CLEAR") {
		t.Errorf("hire show A-1001: exit %d\n%s", code, stdout)
	}

	code, stdout, stderr = run(t, env, "hire", "forget", "A-2002")
	if code != 0 || !strings.Contains(stdout, "forgotten: person ") {
		t.Fatalf("hire forget: exit %d\n%s%s", code, stdout, stderr)
	}
	if code, _, stderr = run(t, env, "hire", "show", "A-2002"); code != 1 || !strings.Contains(stderr, "no person with that id") {
		t.Errorf("hire show of a forgotten person: exit %d, %q", code, stderr)
	}
	code, stdout, _ = run(t, env, "hire", "list", "--json")
	if code != 0 || strings.Contains(stdout, "A-2002") || !strings.Contains(stdout, "A-2003") {
		t.Errorf("hire list after forget: exit %d\n%s", code, stdout)
	}
	if code, stdout, stderr = run(t, env, "audit", "verify"); code != 0 || !strings.Contains(stdout, "intact") {
		t.Errorf("audit verify after forget: exit %d\n%s%s", code, stdout, stderr)
	}
	_, stdout, _ = run(t, env, "audit", "list", "--limit", "1000", "--json")
	for _, action := range []string{"hire.screen", "hire.forget"} {
		if !strings.Contains(stdout, action) {
			t.Errorf("audit log has no %s entry", action)
		}
	}
	for _, secret := range []string{"A-2002", "Kevin", "kevin.brooks", "4120 Ranch", "198.51.100.77"} {
		if strings.Contains(stdout, secret) {
			t.Errorf("the audit log holds the identifier %q", secret)
		}
	}

	// A re-check keeps the remaining cohort blocked.
	code, stdout, _ = run(t, env, "hire", "recheck", "--json")
	if code != 3 {
		t.Errorf("hire recheck: exit %d", code)
	}
	if got := verdicts(hireJSON(t, stdout).People); got["A-2001"] != "block" || got["A-1001"] != "clear" || got["A-2002"] != "" {
		t.Errorf("recheck verdicts %v", got)
	}
}

func sameVerdicts(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestHireExitCodes: the exit code is that of the worst verdict of the
// file's people: 0 all clear, 2 a review, 3 a block.
func TestHireExitCodes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	header := "id,full_name,home_address,shipping_address,country\n"
	clear := filepath.Join(dir, "clear.csv")
	review := filepath.Join(dir, "review.csv")
	ships := filepath.Join(dir, "ships.csv")
	write(t, clear, header+"C-1,Ana Lima,\"1 Main St, Springfield, IL 62701, US\",,US\n")
	write(t, review, header+"R-1,Ben Okafor,\"1 Main St, Springfield, IL 62701, US\",,US\n")
	write(t, ships, "device_serial,person,address,shipped_at,carrier\nX1,R-1,\"9 Dock Rd, Newark, NJ 07114, US\",2026-03-01T10:00:00Z,UPS\n")
	for _, tt := range []struct {
		name string
		args []string
		code int
	}{
		{"clear", []string{"hire", "screen", clear}, 0},
		{"review", []string{"hire", "screen", review, "--shipping", ships}, 2},
		{"block", exampleArgs(), 3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{"BULWARK_DATA": smallDataDir(t)}
			code, stdout, stderr := run(t, env, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\n%s%s", code, tt.code, stdout, stderr)
			}
		})
	}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestHireBadInput: a bad file or flag is one error line naming the file
// and line (or the flag) and the fix, exit 1, and nothing is stored.
func TestHireBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := filepath.Join(hireExamples, "people.csv")
	f := func(name, content string) string {
		p := filepath.Join(dir, name)
		write(t, p, content)
		return p
	}
	columns := f("columns.csv", "id,full_name\nA-1,Ana Lima\nA-2,Ben,extra\n")
	dup := f("dup.csv", "id,full_name\nA-1,Ana Lima\nA-1,Ben Okafor\n")
	unknown := f("unknown.csv", "id,full_name,favourite_colour\nA-1,Ana Lima,blue\n")
	empty := f("empty.csv", "id,full_name\n")
	zoneless := f("zoneless.csv", "user,time,ip,user_agent,mfa_device,country,asn,success\nana@example.com,2026-03-01 10:00:00,192.0.2.1,,,US,,true\n")
	badMapping := f("mapping.toml", "columns = { \"Given\" = \"no_such_column\" }\n")
	escape := f("esc.csv", "id,full_name,phones,country\nC1,\"Ann\x1b]0;pwned\x07\x1b[2J\",+1 512 555 0101,US\nC2,Bob Bee,+1 512 555 0101,US\n")
	dotdot := f("dotdot.csv", "id,full_name\n..,Dot Dot\n")
	for _, tt := range []struct {
		name string
		args []string
		want []string
	}{
		{"no file", []string{"hire", "screen"}, []string{"give one people file"}},
		{"missing file", []string{"hire", "screen", filepath.Join(dir, "nope.csv")}, []string{"nope.csv", "no such file"}},
		{"directory", []string{"hire", "screen", dir}, []string{"is a directory"}},
		{"column count", []string{"hire", "screen", columns}, []string{"columns.csv", "line 3"}},
		{"duplicated id", []string{"hire", "screen", dup}, []string{"dup.csv", "line 3"}},
		{"unknown column", []string{"hire", "screen", unknown}, []string{"unknown.csv", "favourite_colour"}},
		{"no records", []string{"hire", "screen", empty}, []string{"empty.csv", "no people records"}},
		{"zoneless sign-in", []string{"hire", "screen", good, "--logins", zoneless}, []string{"zoneless.csv", "line 2"}},
		{"bad mapping", []string{"hire", "screen", good, "--mapping", badMapping}, []string{"mapping.toml", "no_such_column"}},
		{"control character", []string{"hire", "screen", escape}, []string{"esc.csv: line 2: column 2 (full_name): a control character (U+001B) at character 4"}},
		{"id ..", []string{"hire", "screen", dotdot}, []string{"dotdot.csv: line 2: id: an id of \"..\""}},
		{"link: id ..", []string{"hire", "link", dotdot}, []string{"dotdot.csv: line 2: id:"}},
		{"intel not a folder", []string{"hire", "screen", good, "--intel", good}, []string{"--intel", "not a folder"}},
		{"link without file", []string{"hire", "link"}, []string{"give one people file"}},
		{"forget without id", []string{"hire", "forget"}, []string{"give one person id"}},
		{"forget unknown", []string{"hire", "forget", "Z-9"}, []string{"no person with that id"}},
		{"list bad verdict", []string{"hire", "list", "--verdict", "maybe"}, []string{"--verdict", "maybe"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{"BULWARK_DATA": filepath.Join(t.TempDir(), "data")}
			code, stdout, stderr := run(t, env, tt.args...)
			errLine := strings.TrimSpace(stderr[strings.LastIndex(strings.TrimSuffix(stderr, "\n"), "\n")+1:])
			if code != 1 || stdout != "" || !strings.HasPrefix(errLine, "bulwark: ") {
				t.Fatalf("exit %d, stdout %q, stderr %q: want exit 1 and one error line", code, stdout, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(errLine, w) {
					t.Errorf("error %q does not say %q", errLine, w)
				}
			}
			if strings.Contains(errLine, "panic") || strings.Contains(errLine, "internal error") {
				t.Errorf("error %q", errLine)
			}
			// Nothing was stored.
			if _, out, _ := run(t, env, "hire", "list", "--json"); strings.TrimSpace(out) != "[]" {
				t.Errorf("people stored after a refused command: %s", out)
			}
		})
	}
}

// TestHireIntelFromEnvironment: BULWARK_HIRE_INTEL stands for --intel,
// and an error names the variable.
func TestHireIntelFromEnvironment(t *testing.T) {
	t.Parallel()
	env := map[string]string{"BULWARK_DATA": filepath.Join(t.TempDir(), "data"), envHireIntel: filepath.Join(t.TempDir(), "missing")}
	code, _, stderr := run(t, env, "hire", "screen", filepath.Join(hireExamples, "people.csv"))
	if code != 1 || !strings.Contains(stderr, envHireIntel+": ") {
		t.Errorf("exit %d, stderr %q: want the variable named", code, stderr)
	}
}

// TestHireLink: the clusters of a file, in the contract's shape, without
// storing the people; the mapping reads another layout.
func TestHireLink(t *testing.T) {
	t.Parallel()
	env := map[string]string{"BULWARK_DATA": filepath.Join(t.TempDir(), "data")}
	code, stdout, stderr := run(t, env, "hire", "link", filepath.Join(hireExamples, "people.csv"), "--json")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	var out struct {
		Clusters []struct {
			IDs     []string `json:"ids"`
			Reasons []string `json:"reasons"`
		} `json:"clusters"`
	}
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Clusters) != 1 || !slices.Equal(out.Clusters[0].IDs, []string{"A-2002", "A-2003"}) || !strings.Contains(out.Clusters[0].Reasons[0], "phone") {
		t.Errorf("clusters %+v", out.Clusters)
	}
	if _, list, _ := run(t, env, "hire", "list", "--json"); strings.TrimSpace(list) != "[]" {
		t.Errorf("hire link stored people: %s", list)
	}
	code, stdout, _ = run(t, env, "hire", "link", filepath.Join(hireExamples, "greenhouse.csv"), "--mapping", filepath.Join(hireExamples, "greenhouse.toml"))
	if code != 0 || !strings.Contains(stdout, "no clusters") {
		t.Errorf("hire link with a mapping: exit %d\n%s", code, stdout)
	}
}

// TestHireAllowTool: a remote-access product IT sanctions (--allow-tool)
// raises no flag; the others still do.
func TestHireAllowTool(t *testing.T) {
	t.Parallel()
	env := map[string]string{"BULWARK_DATA": smallDataDir(t)}
	code, stdout, stderr := run(t, env, append(exampleArgs(), "--allow-tool", "AnyDesk", "--json")...)
	if code != 3 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	for _, a := range hireJSON(t, stdout).People {
		rules := rulesOf(a)
		if slices.Contains(rules, "REMOTE_ACCESS_TOOL") {
			t.Errorf("%s: AnyDesk is allowed but flagged: %v", a.ID, rules)
		}
		if a.ID == "A-2001" && !slices.Contains(rules, "IP_KVM") {
			t.Errorf("A-2001: the IP-KVM is no longer flagged: %v", rules)
		}
	}
}

// TestHireRejectedIdentifiers: an identifier that cannot be read is named
// with the fix, and links nothing.
func TestHireRejectedIdentifiers(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "p.csv")
	write(t, file, "id,full_name,emails\nX-1,Ana Lima,not-an-email\n")
	env := map[string]string{"BULWARK_DATA": smallDataDir(t)}
	code, stdout, _ := run(t, env, "hire", "screen", file)
	if code != 0 || !strings.Contains(stdout, "1 identifier not read (fix them in the records") || !strings.Contains(stdout, `X-1  email "not-an-email"`) {
		t.Errorf("exit %d\n%s", code, stdout)
	}
	_, stdout, _ = run(t, env, "hire", "screen", file, "--json")
	if out := hireJSON(t, stdout); len(out.Rejected) != 1 || out.Rejected[0].Kind != "email" {
		t.Errorf("rejected %+v", out.Rejected)
	}
}

// TestHireNotices: what the readers skipped or could not use is said on
// stderr in human output (fit for a terminal) and as notices in the JSON,
// after the file's name, without a value of a data row.
func TestHireNotices(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	people := write("people.csv", "Candidate ID,Nick\x1b[31m,Phone 2\nP-1,Davey,+13125550100\n")
	mapping := write("mapping.toml", "ignore_unknown = true\n[columns]\n\"Candidate ID\" = \"id\"\n")
	okta := func(typ string) string {
		return `{"eventType":"` + typ + `","published":"2026-03-02T09:07:13Z","actor":{"alternateId":"dave@example.com"},"client":{"ipAddress":"198.51.100.7"},"outcome":{"result":"SUCCESS"}}` + "\n"
	}
	logins := write("okta.jsonl", okta("user.session.start")+okta("user.account.lock"))
	args := []string{"hire", "screen", people, "--mapping", mapping, "--logins", logins}
	pii := []string{"Davey", "5550100", "dave@", "198.51.100.7", "09:07:13"}

	for _, tc := range []struct {
		name string
		json bool
	}{{"human", false}, {"json", true}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{"BULWARK_DATA": filepath.Join(t.TempDir(), "data")}
			a := args
			if tc.json {
				a = append(slices.Clone(args), "--json")
			}
			code, stdout, stderr := run(t, env, a...)
			if code != 0 {
				t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
			}
			var notices []string
			if tc.json {
				notices = hireJSON(t, stdout).Notices
				if strings.Contains(stderr, "notice:") {
					t.Errorf("--json: notices on stderr too:\n%s", stderr)
				}
			} else {
				for _, l := range strings.Split(stderr, "\n") {
					if n, ok := strings.CutPrefix(l, "bulwark: notice: "); ok {
						notices = append(notices, n)
					}
					if n, ok := strings.CutPrefix(l, "bulwark: WARNING: "); ok {
						notices = append(notices, hiring.WarningPrefix+n)
					}
				}
				if strings.Contains(stderr, "\x1b") || !strings.Contains(stderr, `Nick\x1b[31m`) {
					t.Errorf("a header cell's escape sequence reached the terminal:\n%q", stderr)
				}
			}
			want := []string{people + `: the mapping's ignore_unknown left columns unread: "Nick`, logins + ": 1 event of types other than sign-ins",
				logins + ": no sign-in of this Okta log names an Okta device",
				// The sign-in names an e-mail the record does not give.
				hiring.WarningPrefix + "1 of 1 sign-in (" + logins + ") matches no person (by the user: a person's id or e-mail) and is used by no rule, more than half of them"}
			if len(notices) != len(want) {
				t.Fatalf("notices %q, want %d", notices, len(want))
			}
			for i, w := range want {
				if !strings.HasPrefix(notices[i], w) {
					t.Errorf("notice %q, want %q…", notices[i], w)
				}
				for _, v := range pii {
					if strings.Contains(notices[i], v) {
						t.Errorf("notice %q repeats %q from the data", notices[i], v)
					}
				}
			}
		})
	}

	// link says them too; none is "notices": [].
	env := map[string]string{"BULWARK_DATA": filepath.Join(t.TempDir(), "data")}
	_, stdout, _ := run(t, env, "hire", "link", people, "--mapping", mapping, "--json")
	if !strings.Contains(stdout, `"notices": [`) || !strings.Contains(stdout, `ignore_unknown left columns unread`) {
		t.Errorf("hire link --json: no notices\n%s", stdout)
	}
	_, stdout, _ = run(t, env, "hire", "link", filepath.Join(hireExamples, "people.csv"), "--json")
	if !strings.Contains(stdout, `"notices": []`) {
		t.Errorf("hire link --json without notices: want an empty array\n%s", stdout)
	}
}

// TestHireListAndRuns: 'hire list' pages the stored people (everyone by
// default, a page with --limit and the cursor that continues on stderr),
// by verdict; 'hire runs' and 'hire run ID' show the runs.
func TestHireListAndRuns(t *testing.T) {
	t.Parallel()
	env := map[string]string{"BULWARK_DATA": filepath.Join(t.TempDir(), "data")}
	if code, _, stderr := run(t, env, exampleArgs()...); code != 3 {
		t.Fatalf("hire screen: exit %d\n%s", code, stderr)
	}
	if code, _, stderr := run(t, env, "hire", "link", filepath.Join(hireExamples, "people.csv")); code != 0 {
		t.Fatalf("hire link: exit %d\n%s", code, stderr)
	}
	list := func(args ...string) ([]hireListEntry, string) {
		t.Helper()
		code, stdout, stderr := run(t, env, append([]string{"hire", "list", "--json"}, args...)...)
		if code != 0 {
			t.Fatalf("hire list %v: exit %d\n%s", args, code, stderr)
		}
		var out []hireListEntry
		if err := json.Unmarshal([]byte(stdout), &out); err != nil {
			t.Fatalf("hire list %v: %v\n%s", args, err, stdout)
		}
		return out, stderr
	}
	ids := func(es []hireListEntry) string {
		var out []string
		for _, e := range es {
			out = append(out, e.ID)
		}
		return strings.Join(out, " ")
	}
	all, stderr := list()
	if ids(all) != "A-1001 A-1002 A-2001 A-2002 A-2003" || strings.Contains(stderr, "more people") {
		t.Fatalf("hire list: %s; stderr %q", ids(all), stderr)
	}
	if e := all[2]; e.Verdict != "block" || e.RunID != 1 || e.Created == "" || len(e.Rules) == 0 {
		t.Errorf("A-2001: %+v", e)
	}
	// Pages of two, each naming the cursor of the next.
	var paged []hireListEntry
	args := []string{"--limit", "2"}
	for range 5 {
		page, stderr := list(args...)
		paged = append(paged, page...)
		_, cur, ok := strings.Cut(stderr, "--cursor ")
		if !ok {
			break
		}
		args = []string{"--limit", "2", "--cursor", strings.TrimSpace(cur)}
	}
	if ids(paged) != ids(all) {
		t.Errorf("paged: %s, want %s", ids(paged), ids(all))
	}
	if block, _ := list("--verdict", "block"); ids(block) != "A-2001 A-2002 A-2003" {
		t.Errorf("--verdict block: %s", ids(block))
	}
	code, stdout, _ := run(t, env, "hire", "list", "--verdict", "clear")
	if code != 0 || !strings.Contains(stdout, "A-1001") || strings.Contains(stdout, "A-2001") || !strings.Contains(stdout, "VERDICT") {
		t.Errorf("hire list --verdict clear: exit %d\n%s", code, stdout)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--verdict", "maybe"}, "--verdict"},
		{[]string{"--limit", "1001"}, "--limit"},
		{[]string{"--limit", "2", "--cursor", "bogus!"}, "--cursor"},
		{[]string{"--cursor", "MTIz"}, "--cursor"},
	} {
		if code, _, stderr := run(t, env, append([]string{"hire", "list"}, tc.args...)...); code != 1 || !strings.Contains(stderr, tc.want) {
			t.Errorf("hire list %v: exit %d, %q; want 1 naming %s", tc.args, code, stderr, tc.want)
		}
	}

	// Runs: newest first, by kind, one by id.
	code, stdout, stderr = run(t, env, "hire", "runs", "--json")
	var runs hireRunsOutput
	if err := json.Unmarshal([]byte(stdout), &runs); code != 0 || err != nil || len(runs.Runs) != 2 || runs.Next != nil ||
		runs.Runs[0].Kind != hiring.RunLink || runs.Runs[1].Kind != hiring.RunScreen || runs.Runs[1].Verdicts["block"] != 3 {
		t.Fatalf("hire runs --json: exit %d, %v\n%s%s", code, err, stdout, stderr)
	}
	code, stdout, stderr = run(t, env, "hire", "runs", "--limit", "1")
	if code != 0 || !strings.Contains(stdout, "link") || strings.Contains(stdout, "screen") || !strings.Contains(stderr, "--before 2") {
		t.Errorf("hire runs --limit 1: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, _ = run(t, env, "hire", "runs", "--kind", "screen")
	if code != 0 || !strings.Contains(stdout, "block 3, clear 2") || strings.Contains(stdout, "link") {
		t.Errorf("hire runs --kind screen: exit %d\n%s", code, stdout)
	}
	code, stdout, _ = run(t, env, "hire", "run", "1")
	if code != 0 || !strings.Contains(stdout, "run 1: screen at ") || !strings.Contains(stdout, "imported 5 records") || !strings.Contains(stdout, "audit entry ") {
		t.Errorf("hire run 1: exit %d\n%s", code, stdout)
	}
	code, stdout, _ = run(t, env, "hire", "run", "1", "--json")
	if code != 0 || !strings.Contains(stdout, `"kind": "screen"`) || !strings.Contains(stdout, `"auditSeq"`) {
		t.Errorf("hire run 1 --json: exit %d\n%s", code, stdout)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "9"}, "no hiring run 9"},
		{[]string{"run", "x"}, "ID"},
		{[]string{"runs", "--kind", "purge"}, "--kind"},
		{[]string{"runs", "--before", "-1"}, "--before"},
	} {
		if code, _, stderr := run(t, env, append([]string{"hire"}, tc.args...)...); code != 1 || !strings.Contains(stderr, tc.want) {
			t.Errorf("hire %v: exit %d, %q; want 1 naming %s", tc.args, code, stderr, tc.want)
		}
	}
}

// TestHireForgetAfterRestore: a backup taken before a forget still holds
// the person; after restoring it, 'hire forget --fingerprint' with the
// fingerprint of the hire.forget entry forgets them again, and a
// fingerprint nobody has is listed as not stored.
func TestHireForgetAfterRestore(t *testing.T) {
	t.Parallel()
	live := filepath.Join(t.TempDir(), "data")
	if code, _, stderr := run(t, map[string]string{"BULWARK_DATA": live}, exampleArgs()...); code != 3 {
		t.Fatalf("hire screen: exit %d\n%s", code, stderr)
	}
	backup := filepath.Join(t.TempDir(), "backup")
	if err := os.CopyFS(backup, os.DirFS(live)); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := run(t, map[string]string{"BULWARK_DATA": live}, "hire", "forget", "A-2002", "--json")
	var rep hiring.ForgetReport
	if err := json.Unmarshal([]byte(stdout), &rep); code != 0 || err != nil || len(rep.Fingerprint) != hiring.FingerprintLen {
		t.Fatalf("hire forget: exit %d, %v\n%s%s", code, err, stdout, stderr)
	}

	restored := map[string]string{"BULWARK_DATA": backup}
	if code, _, _ := run(t, restored, "hire", "show", "A-2002"); code == 1 {
		t.Fatal("the backup does not hold the person forgotten after it")
	}
	nobody := strings.Repeat("0", hiring.FingerprintLen)
	code, stdout, stderr = run(t, restored, "hire", "forget", "--fingerprint", hiring.PersonTarget(rep.Fingerprint), "--fingerprint", nobody, "--json")
	var out hireForgetFingerprints
	if err := json.Unmarshal([]byte(stdout), &out); code != 0 || err != nil || len(out.Forgotten) != 1 || out.Forgotten[0].Fingerprint != rep.Fingerprint ||
		!slices.Equal(out.NotStored, []string{nobody}) || strings.Contains(stdout, "A-2002") {
		t.Fatalf("hire forget --fingerprint: exit %d, %v\n%s%s", code, err, stdout, stderr)
	}
	if code, _, stderr := run(t, restored, "hire", "show", "A-2002"); code != 1 || !strings.Contains(stderr, "no person with that id") {
		t.Errorf("after re-applying the forget: hire show exit %d, %q", code, stderr)
	}
	_, stdout, _ = run(t, restored, "audit", "list", "--json")
	if !strings.Contains(stdout, hiring.PersonTarget(rep.Fingerprint)) {
		t.Errorf("no hire.forget entry under the fingerprint in the restored log:\n%s", stdout)
	}
	if code, _, _ := run(t, restored, "audit", "verify"); code != 0 {
		t.Errorf("audit verify on the restored store: exit %d", code)
	}
	// Done again: nobody left to forget.
	code, stdout, _ = run(t, restored, "hire", "forget", "--fingerprint", rep.Fingerprint)
	if code != 0 || !strings.Contains(stdout, "not stored: no person has fingerprint "+rep.Fingerprint) {
		t.Errorf("forgetting again: exit %d\n%s", code, stdout)
	}
	for _, tc := range [][]string{{"A-1001", "--fingerprint", nobody}, {"--fingerprint", "xyz"}} {
		if code, _, stderr := run(t, restored, append([]string{"hire", "forget"}, tc...)...); code != 1 {
			t.Errorf("hire forget %v: exit %d, %q; want 1", tc, code, stderr)
		}
	}
}

// TestHirePrintsNoControls: the hire commands' text escapes what the
// records hold, should a control character reach the store.
func TestHirePrintsNoControls(t *testing.T) {
	t.Parallel()
	var out strings.Builder
	m := &Main{Stdout: &out}
	m.printAssessments([]hiring.Assessment{{ID: "A\x1b[31m2", Verdict: "review", Flags: []hiring.Flag{{Rule: "SHARED_IDENTIFIER", Evidence: "shares a phone number with C1 (Ann\x1b]0;pwned\x07)"}}}})
	m.printClusters([]hiring.Cluster{{IDs: []string{"A\x1b[31m2", "C1"}, Reasons: []string{"C1 (Ann\u202e) and A share"}}})
	if strings.ContainsAny(out.String(), "\x1b\x07\u202e") {
		t.Errorf("control characters printed raw: %q", out.String())
	}
	if !strings.Contains(out.String(), `A\x1b[31m2`) {
		t.Errorf("the id is not shown escaped: %q", out.String())
	}
}

// TestHirePurge: retention from the command line, audited, nothing to do
// when everyone was imported within the period.
func TestHirePurge(t *testing.T) {
	t.Parallel()
	env := map[string]string{"BULWARK_DATA": filepath.Join(t.TempDir(), "data")}
	if code, _, stderr := run(t, env, "hire", "screen", filepath.Join(hireExamples, "people.csv")); code == 1 {
		t.Fatalf("hire screen: %s", stderr)
	}
	if code, _, stderr := run(t, env, "hire", "purge"); code != 1 || !strings.Contains(stderr, "--older-than") {
		t.Errorf("without --older-than: exit %d, %s", code, stderr)
	}
	if code, _, stderr := run(t, env, "hire", "purge", "--older-than", "1h"); code != 1 || !strings.Contains(stderr, "at least 1d") {
		t.Errorf("--older-than 1h: exit %d, %s", code, stderr)
	}
	code, stdout, stderr := run(t, env, "hire", "purge", "--older-than", "1d")
	if code != 0 || !strings.Contains(stdout, "nothing to purge") {
		t.Errorf("purge: exit %d, %q %q", code, stdout, stderr)
	}
	if _, out, _ := run(t, env, "hire", "list", "--json"); strings.Count(out, `"id"`) != 5 {
		t.Errorf("people after a purge of nobody: %s", out)
	}
}
