package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/bulwark-sec/bulwark/internal/anviltest"
	"github.com/bulwark-sec/bulwark/sqlite"
	"github.com/bulwark-sec/bulwark/tracing"
	"github.com/bulwark-sec/bulwark/tracing/thorchain"
)

const (
	caseThief = "0x47666Fab8bd0Ac7003bce3f5C3585383F09486E2"
	caseMule  = "0x00000000000000000000000000000000000000B1"
	caseHub   = "0x00000000000000000000000000000000000000c2"
	caseSink  = "0x00000000000000000000000000000000000000d3"
)

// ingestCaseBlocks stores three blocks of chain 1 from source node in the
// data directory: the thief sends 100 wei to a mule, which sends 60 to an
// exchange and 40 on.
func ingestCaseBlocks(t *testing.T, data string) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(data, "bulwark.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var blocks []tracing.BlockHeader
	var trs []tracing.Transfer
	moves := []struct {
		from, to string
		amount   uint64
	}{{caseThief, caseMule, 100}, {caseMule, caseHub, 60}, {caseMule, caseSink, 40}}
	for i, mv := range moves {
		n := uint64(i + 1)
		h := tracing.BlockHeader{Number: n, Hash: common.Hash{0xbb, byte(n)}, Parent: common.Hash{0xbb, byte(n - 1)}, Time: int64(1_740_000_000 + n*12)}
		blocks = append(blocks, h)
		tr := tracing.Transfer{Chain: 1, Block: n, TxHash: common.Hash{0x7a, byte(n)}, Time: h.Time, Kind: tracing.TopLevelCall, TraceAddress: []uint32{},
			From: common.HexToAddress(mv.from), To: common.HexToAddress(mv.to), Asset: tracing.NativeAsset(1)}
		tr.Amount.SetUint64(mv.amount)
		trs = append(trs, tr)
	}
	if err := db.PutBlocks(ctx, 1, "node", blocks, trs); err != nil {
		t.Fatal(err)
	}
}

// TestTraceCaseCLI follows a case through its life on the command line:
// refused input naming the flag, open, label, run over ingested blocks,
// show, results as graph JSON and DOT, close, changes refused once closed,
// and every change in the audit log.
func TestTraceCaseCLI(t *testing.T) {
	t.Parallel()
	data := smallDataDir(t)
	env := map[string]string{"BULWARK_DATA": data, "TEST_OS_USER": "alice"}

	if code, stdout, stderr := run(t, env, "trace", "case", "list"); code != 0 || !strings.Contains(stdout, "No cases") {
		t.Fatalf("empty list: exit %d\n%s%s", code, stdout, stderr)
	}
	bad := []struct {
		args []string
		want string
	}{
		{[]string{"open"}, "--seed: required"},
		{[]string{"open", "--seed", "0x12"}, "--seed: \"0x12\" is neither an address"},
		{[]string{"open", "--seed", strings.Replace(caseThief, "Fab", "fab", 1)}, "--seed: " + strings.Replace(caseThief, "Fab", "fab", 1) + ": mixed-case address fails its EIP-55 checksum"},
		{[]string{"open", "--seed", caseThief + "," + strings.ToLower(caseThief)}, "--seed: " + caseThief + " is given twice"},
		{[]string{"open", "--seed", caseThief, "--policy", "taint"}, "--policy: unknown taint policy"},
		{[]string{"open", "--seed", caseThief, "--direction", "up"}, "--direction: unknown direction"},
		{[]string{"open", "--seed", caseThief, "--max-hops", "-1"}, "--max-hops: -1 is out of range"},
		{[]string{"open", "--seed", caseThief, "--hub-degree", "-2"}, "--hub-degree: -2 is negative"},
		{[]string{"open", "--seed", caseThief, "--min-value", "1.5"}, "--min-value: \"1.5\" is not an amount"},
		{[]string{"open", "--seed", caseThief, "--known-token", "0x12"}, "--known-token: \"0x12\" is not an address"},
		{[]string{"open", "--seed", caseThief, "--threshold", "eth=1"}, "--threshold: \"eth\" is neither an asset key"},
		{[]string{"open", "--seed", caseThief, "--from-block", "9", "--to-block", "8"}, "--to-block: 8 is before --from-block 9"},
		{[]string{"open", "--seed", caseThief, "--source", "big query"}, "--source: \"big query\" is not a source name"},
		{[]string{"open", "--seed", caseThief, "--from-time", "yesterday"}, "--from-time: \"yesterday\" is not a time"},
		{[]string{"open", "--seed", caseThief, "--from-time", "2025-02-22T00:00:00Z", "--to-time", "2025-02-21T00:00:00Z"}, "--to-time: 1740096000 is before --from-time 1740182400"},
		{[]string{"open", "--seed", caseThief, "extra"}, "takes no arguments"},
		{[]string{"show"}, "ID: give the case's id"},
		{[]string{"show", "x"}, "ID: \"x\" is not a case id"},
		{[]string{"show", "7"}, "no case 7"},
		{[]string{"results", "7", "--format", "pdf"}, "--format: unknown format"},
		{[]string{"list", "--status", "archived"}, "--status: unknown status"},
		{[]string{"list", "--limit", "0"}, "--limit: must be from 1 to 1000"},
	}
	for _, c := range bad {
		code, stdout, stderr := run(t, env, append([]string{"trace", "case"}, c.args...)...)
		if code != 1 || stdout != "" || !strings.Contains(stderr, c.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want 1 and %q", c.args, code, stdout, stderr, c.want)
		}
	}

	code, stdout, stderr := run(t, env, "trace", "case", "open", "--seed", strings.ToLower(caseThief), "--title", "Bybit", "--policy", "fifo",
		"--max-hops", "3", "--hub-degree", "500", "--threshold", "native:1=10", "--known-token", "0xdac17f958d2ee523a2206206994597c13d831ec7", "--json")
	if code != 0 {
		t.Fatalf("open: exit %d: %s", code, stderr)
	}
	var opened caseChangeJSON
	if err := json.Unmarshal([]byte(stdout), &opened); err != nil || opened.Case.ID != 1 || opened.AuditSeq < 1 || opened.Case.Seeds[0] != caseThief ||
		opened.Case.CreatedBy != "cli:alice@test-host" || opened.Case.Policy != tracing.FIFO || opened.Case.Thresholds["native:1"] != "10" ||
		opened.Case.Bounds.HubDegree != 500 || len(opened.Case.KnownTokens) != 1 || opened.Case.KnownTokens[0] != "0xdAC17F958D2ee523a2206206994597C13D831ec7" {
		t.Fatalf("open --json: %s (%v)", stdout, err)
	}
	if code, stdout, _ = run(t, env, "trace", "case", "open", "--seed", caseThief); code != 0 || !strings.HasPrefix(stdout, "Opened case 2: forward from 1 seed on chain 1 (haircut).") {
		t.Fatalf("open: exit %d, %q", code, stdout)
	}

	labelBad := []struct {
		args []string
		want string
	}{
		{[]string{"1"}, "ADDR: give the address"},
		{[]string{"1", caseHub}, "NAME: give the label's name"},
		{[]string{"1", caseHub, "Binance", "14"}, "NAME: give one name"},
		{[]string{"1", "0xzz", "x"}, "ADDR: \"0xzz\" is not an address"},
		{[]string{"1", caseHub, "x", "--category", "Big Exchange"}, "--category: \"Big Exchange\" is not a category"},
		{[]string{"1", caseSink, "--remove"}, "case 1 has no label for"},
		{[]string{"9", caseHub, "x"}, "no case 9"},
	}
	for _, c := range labelBad {
		code, _, stderr := run(t, env, append([]string{"trace", "case", "label"}, c.args...)...)
		if code != 1 || !strings.Contains(stderr, c.want) {
			t.Errorf("label %v: exit %d, stderr %q; want 1 and %q", c.args, code, stderr, c.want)
		}
	}
	if code, stdout, stderr = run(t, env, "trace", "case", "label", "1", caseHub, "Exchange X deposit", "--hub", "--category", "exchange"); code != 0 || !strings.Contains(stdout, "Labelled "+common.HexToAddress(caseHub).Hex()+" \"Exchange X deposit\" in case 1.") {
		t.Fatalf("label: exit %d\n%s%s", code, stdout, stderr)
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"1"}, "TEXT: give the note's text"},
		{[]string{"1", " "}, "TEXT: required"},
		{[]string{"1", "x", "--address", "0xzz"}, "--address: \"0xzz\" is not an address"},
		{[]string{"9", "x"}, "no case 9"},
	} {
		if code, _, stderr := run(t, env, append([]string{"trace", "case", "note"}, c.args...)...); code != 1 || !strings.Contains(stderr, c.want) {
			t.Errorf("note %v: exit %d, stderr %q; want 1 and %q", c.args, code, stderr, c.want)
		}
	}
	if code, stdout, stderr = run(t, env, "trace", "case", "note", "1", "funds split here\nsee the hub", "--address", caseHub); code != 0 ||
		!strings.Contains(stdout, "Noted on "+common.HexToAddress(caseHub).Hex()+" in case 1.") {
		t.Fatalf("note: exit %d\n%s%s", code, stdout, stderr)
	}
	if code, stdout, stderr = run(t, env, "trace", "case", "show", "1"); code != 0 || !strings.Contains(stdout, "cli:alice@test-host  on "+common.HexToAddress(caseHub).Hex()+":\n    funds split here\n    see the hub\n") {
		t.Fatalf("show with a note: exit %d\n%s%s", code, stdout, stderr)
	}

	if code, _, stderr = run(t, env, "trace", "case", "run", "1"); code != 1 || !strings.Contains(stderr, "nothing is ingested for chain 1 from source node") ||
		!strings.Contains(stderr, "'bulwark serve --trace-rpc URL' ingests source node") {
		t.Errorf("run before ingestion: exit %d, %q", code, stderr)
	}
	if code, _, stderr = run(t, env, "trace", "case", "results", "1"); code != 1 || !strings.Contains(stderr, "case 1 has no results yet") {
		t.Errorf("results before a run: exit %d, %q", code, stderr)
	}
	ingestCaseBlocks(t, data)
	if code, stdout, stderr = run(t, env, "trace", "deposit", "add", caseSink, "--label", "our deposit"); code != 0 {
		t.Fatalf("trace deposit add: exit %d\n%s%s", code, stdout, stderr)
	}
	// The 40 wei the mule sent on reach the deposit address: an alert,
	// exit 3.
	labelFile := filepath.Join(t.TempDir(), "labels.csv")
	if err := os.WriteFile(labelFile, []byte("address,name\n"+caseMule+",mule from the file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr = run(t, env, "trace", "case", "run", "1", "--labels", filepath.Join(t.TempDir(), "none.csv")); code != 1 || !strings.Contains(stderr, "--labels: ") {
		t.Errorf("run with a missing label file: exit %d, %q", code, stderr)
	}
	if code, stdout, stderr = run(t, env, "trace", "case", "run", "1", "--labels", labelFile); code != 3 || !strings.Contains(stdout, "Case 1 traced to block 3: 4 addresses, 3 transfers, 0 cross-chain exits, 1 alert.") {
		t.Fatalf("run: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, _ = run(t, env, "trace", "case", "show", "1")
	for _, want := range []string{"Case 1 (Bybit): open", "Seeds: " + caseThief, "Bounds: at most 3 hops", "Alert thresholds: native:1=10",
		"Progress: traced to block 3 (3 transfers read)", "Results: 4 addresses, 3 transfers, 0 cross-chain exits, 1 alert", common.HexToAddress(caseHub).Hex() + "  Exchange X deposit [exchange] (hub)",
		"cli:alice@test-host  open", "cli:alice@test-host  label", "cli:alice@test-host  run"} {
		if code != 0 || !strings.Contains(stdout, want) {
			t.Errorf("show lacks %q:\n%s", want, stdout)
		}
	}
	code, stdout, _ = run(t, env, "trace", "case", "results", "1")
	var g tracing.Graph
	if err := json.Unmarshal([]byte(stdout), &g); code != 0 || err != nil || len(g.Nodes) != 4 || len(g.Edges) != 3 || len(g.Alerts) != 1 || g.Alerts[0].Taint != "40" || g.Alerts[0].Label != "our deposit" {
		t.Fatalf("results: exit %d, %v:\n%s", code, err, stdout)
	}
	for _, n := range g.Nodes {
		if n.Address == common.HexToAddress(caseHub) && (len(n.Labels) != 1 || n.Labels[0].Source != "user" || n.Stop != tracing.StopHub) {
			t.Errorf("the labelled hub in the graph: %+v", n)
		}
		if n.Address == common.HexToAddress(caseMule) && (len(n.Labels) != 1 || n.Labels[0].Name != "mule from the file") {
			t.Errorf("the mule labelled by the file: %+v", n)
		}
	}
	// The run's audit entry holds the SHA-256 of the results as printed:
	// 'trace case results 1 | sha256sum' checks them against the log.
	code, stdout, _ = run(t, env, "audit", "list", "--json")
	var entries []struct {
		Action  string         `json:"action"`
		Details map[string]any `json:"details"`
	}
	if err := json.Unmarshal([]byte(stdout), &entries); code != 0 || err != nil {
		t.Fatalf("audit list: exit %d, %v", code, err)
	}
	_, printed, _ := run(t, env, "trace", "case", "results", "1")
	sum := sha256.Sum256([]byte(printed))
	for _, e := range entries { // newest first
		if e.Action == "trace.case.run" {
			if e.Details["graphSha256"] != hex.EncodeToString(sum[:]) {
				t.Errorf("trace.case.run graphSha256 %v, want the SHA-256 of 'trace case results 1', %x", e.Details["graphSha256"], sum)
			}
			break
		}
	}
	if code, stdout, _ = run(t, env, "trace", "case", "results", "1", "--format", "dot"); code != 0 || !strings.HasPrefix(stdout, "digraph") {
		t.Errorf("results --format dot: exit %d:\n%s", code, stdout)
	}
	code, stdout, _ = run(t, env, "trace", "case", "list", "--json", "--limit", "1")
	var page struct {
		Cases []tracing.Case
		Next  *int64
	}
	if err := json.Unmarshal([]byte(stdout), &page); code != 0 || err != nil || len(page.Cases) != 1 || page.Cases[0].ID != 2 || page.Next == nil || *page.Next != 2 {
		t.Fatalf("list --limit 1: %s", stdout)
	}
	code, stdout, _ = run(t, env, "trace", "case", "list", "--before", "2")
	if code != 0 || !strings.Contains(stdout, "1   open") || !strings.Contains(stdout, "block 3") || !strings.Contains(stdout, "4 addr, 1 alert ") || strings.Contains(stdout, "\n2 ") {
		t.Errorf("list --before 2:\n%s", stdout)
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"1"}, "update: nothing to change"},
		{[]string{"1", "--max-hops", "x"}, "--max-hops: \"x\" is not a whole number"},
		{[]string{"1", "--max-hops", "-2"}, "--max-hops: -2 is out of range"},
		{[]string{"1", "--to-block", "1", "--from-block", "2"}, "--to-block: 1 is before --from-block 2"},
		{[]string{"1", "--threshold", "native:1=x"}, "--threshold: \"x\" is not an amount"},
		{[]string{"1", "--through-hubs", "maybe"}, "--through-hubs: \"maybe\": give true or false"},
		{[]string{"9", "--title", "x"}, "no case 9"},
	} {
		if code, _, stderr := run(t, env, append([]string{"trace", "case", "update"}, c.args...)...); code != 1 || !strings.Contains(stderr, c.want) {
			t.Errorf("update %v: exit %d, %q; want 1 and %q", c.args, code, stderr, c.want)
		}
	}
	// Removing the alert threshold lowers it: it waits for a second
	// person, and changes nothing meanwhile.
	if code, stdout, _ = run(t, env, "trace", "case", "update", "1", "--max-hops", "2", "--from-block", "2", "--threshold", "none"); code != 2 ||
		!strings.Contains(stdout, "- native:1: 10 -> removed") {
		t.Fatalf("update lowering a threshold: exit %d, %q", code, stdout)
	}
	noDual := maps.Clone(env)
	noDual["BULWARK_DUAL_CONTROL"] = "safe.approve"
	if code, stdout, stderr = run(t, noDual, "trace", "case", "update", "1", "--max-hops", "2", "--from-block", "2", "--threshold", "none"); code != 0 ||
		stdout != "Updated case 1 (Bybit): at most 2 hops, from block 2.\n" {
		t.Fatalf("update: exit %d, %q %s", code, stdout, stderr)
	}
	code, stdout, _ = run(t, env, "trace", "case", "show", "1")
	if code != 0 || !strings.Contains(stdout, "Alert thresholds: none") || !strings.Contains(stdout, "the case changed since: run it again") || !strings.Contains(stdout, "cli:alice@test-host  update") {
		t.Errorf("show after update:\n%s", stdout)
	}

	// Its results name freeze requests: closing it waits for a second
	// person (exit 2), who sees what the requester saw; it stays open.
	if code, stdout, stderr = run(t, env, "trace", "case", "close", "1"); code != 2 || !strings.Contains(stdout, "Held for dual control: request ") ||
		!strings.Contains(stdout, "Close trace case 1 (Bybit) with 2 freeze request(s) unsent") || !strings.Contains(stdout, "deposit 0x00000000000000000000000000000000000000D3") ||
		!strings.Contains(stderr, "waits for a second person's approval") {
		t.Fatalf("close under dual control: exit %d, %q %q", code, stdout, stderr)
	}
	if code, stdout, _ = run(t, env, "trace", "case", "show", "1", "--json"); code != 0 || !strings.Contains(stdout, `"status": "open"`) {
		t.Fatalf("a close held for dual control closed the case: %s", stdout)
	}
	if code, stdout, _ = run(t, noDual, "trace", "case", "close", "1"); code != 0 || stdout != "Closed case 1 (Bybit).\n" {
		t.Fatalf("close: exit %d, %q", code, stdout)
	}
	for _, args := range [][]string{{"label", "1", caseSink, "x"}, {"run", "1"}, {"close", "1"}, {"update", "1", "--title", "x"}} {
		if code, _, stderr := run(t, env, append([]string{"trace", "case"}, args...)...); code != 1 || !strings.Contains(stderr, "case 1 ") || !strings.Contains(stderr, "closed") {
			t.Errorf("%v on a closed case: exit %d, %q", args, code, stderr)
		}
	}
	if code, _, _ = run(t, env, "trace", "case", "results", "1"); code != 0 {
		t.Errorf("a closed case's results: exit %d", code)
	}
	if code, stdout, _ = run(t, env, "trace", "case", "reopen", "1", "--json"); code != 0 || !strings.Contains(stdout, `"status": "open"`) {
		t.Errorf("reopen: exit %d, %s", code, stdout)
	}

	code, stdout, _ = run(t, env, "audit", "list", "--json")
	for action, n := range map[string]int{"trace.case.open": 2, "trace.case.label": 1, "trace.case.run": 1, "trace.case.update": 1, "trace.case.close": 1, "trace.case.reopen": 1} {
		if code != 0 || strings.Count(stdout, `"`+action+`"`) != n {
			t.Errorf("audit log has %d %s entries, want %d", strings.Count(stdout, `"`+action+`"`), action, n)
		}
	}
	if code, stdout, stderr = run(t, env, "audit", "verify"); code != 0 {
		t.Errorf("audit verify: exit %d\n%s%s", code, stdout, stderr)
	}
}

// TestTraceThorchainFile: --thorchain FILE names routers for 'trace case
// run' (value paid into one is an exit, not followed on) and 'trace
// watch', and --trace-thorchain FILE for serve's follower and API case
// runs, through the same reading as 'bulwark trace --thorchain'; a bad
// file is one error naming the flag and the line.
func TestTraceThorchainFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	consts := filepath.Join(dir, "thorchain.csv")
	bad := filepath.Join(dir, "bad.csv")
	for name, body := range map[string]string{consts: "kind,chain,value,label\nrouter,ETH," + caseSink + ",our router\n",
		bad: "kind,chain,value,label\nrouter,ETH,0x12,bad\n"} {
		if err := os.WriteFile(name, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	data := smallDataDir(t)
	env := map[string]string{"BULWARK_DATA": data, "TEST_OS_USER": "alice"}
	if code, _, stderr := run(t, env, "trace", "case", "open", "--seed", caseThief); code != 0 {
		t.Fatalf("open: exit %d: %s", code, stderr)
	}
	ingestCaseBlocks(t, data)
	exits := func() []tracing.Exit {
		t.Helper()
		code, stdout, _ := run(t, env, "trace", "case", "results", "1")
		var g tracing.Graph
		if err := json.Unmarshal([]byte(stdout), &g); code != 0 || err != nil {
			t.Fatalf("results: exit %d, %v", code, err)
		}
		return g.Exits
	}
	if code, stdout, stderr := run(t, env, "trace", "case", "run", "1", "--no-screening-labels"); code != 0 || len(exits()) != 0 {
		t.Fatalf("run without --thorchain: exit %d, exits %+v\n%s%s", code, exits(), stdout, stderr)
	}
	if code, stdout, stderr := run(t, env, "trace", "case", "run", "1", "--no-screening-labels", "--thorchain", consts); code != 0 {
		t.Fatalf("run --thorchain: exit %d\n%s%s", code, stdout, stderr)
	}
	if x := exits(); len(x) != 1 || x[0].Via != common.HexToAddress(caseSink) || x[0].Taint != "40" {
		t.Errorf("run --thorchain: exits %+v, want the 40 wei paid into the file's router", x)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"trace", "case", "run", "1", "--thorchain", bad}, "--thorchain: " + bad + ": line 2"},
		{[]string{"trace", "watch", "--seed", caseThief, "--rpc", "http://127.0.0.1:1", "--thorchain", bad}, "--thorchain: " + bad + ": line 2"},
		{[]string{"serve", "--trace-thorchain", bad}, "--trace-thorchain: " + bad + ": line 2"},
	} {
		if code, stdout, stderr := run(t, env, c.args...); code != 1 || stdout != "" || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 1 and %q", c.args, code, stderr, c.want)
		}
	}
	// serve hands its wiring the public routers and the file's.
	var got thorchain.Constants
	m := &Main{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard,
		LookupEnv: func(k string) (string, bool) {
			if k == "BULWARK_DATA" {
				return filepath.Join(dir, "serve"), true
			}
			return "", false
		},
		Serve: func(_ context.Context, s *Serving) error { got = s.TraceExits; return nil }}
	t.Cleanup(func() { _ = m.Close() })
	if code := m.Run(context.Background(), []string{"serve", "--trace-thorchain", consts}); code != 0 {
		t.Fatalf("serve --trace-thorchain: exit %d", code)
	}
	if got.Routers[common.HexToAddress(caseSink)] != "our router" || len(got.Routers) != len(thorchain.DefaultConstants().Routers)+1 {
		t.Errorf("serve's exit constants: routers %v, want the public ones and the file's", got.Routers)
	}
}

// TestTraceCaseRunExitDestinations: a case run with --rpc reads the memo
// of a THORChain router deposit from the node, puts its destination on
// the case's screening list case-1-exits (screening then blocks it) and
// says so on stderr; a second run, the list unchanged, says nothing of it.
func TestTraceCaseRunExitDestinations(t *testing.T) {
	t.Parallel()
	node := anviltest.Start(t, anviltest.Silent())
	env := map[string]string{"BULWARK_DATA": smallDataDir(t), "TEST_OS_USER": "alice"}
	routerABI, err := abi.JSON(strings.NewReader(`[{"name":"deposit","type":"function","inputs":[{"name":"vault","type":"address"},{"name":"asset","type":"address"},{"name":"amount","type":"uint256"},{"name":"memo","type":"string"}]}]`))
	if err != nil {
		t.Fatal(err)
	}
	const (
		dest       = "0x1111111111111111111111111111111111111111"
		thorRouter = "0xD37BbE5744D730a1d98d8DC97c42F0Ca46aD7146" // THORChain's current router, known without a file
	)
	input, err := routerABI.Pack("deposit", common.HexToAddress("0xf1"), common.Address{}, big.NewInt(0), "=:ETH.ETH:"+dest)
	if err != nil {
		t.Fatal(err)
	}
	var head hexutil.Uint64
	node.Call(t, &head, "eth_blockNumber")
	first := uint64(head) + 1
	accts := anviltest.DefaultAccounts()
	node.SendTransaction(t, map[string]any{"from": accts[1], "to": common.HexToAddress(thorRouter), "value": (*hexutil.Big)(big.NewInt(1e18)),
		"data": hexutil.Bytes(input), "gas": hexutil.Uint64(200_000)})
	if code, stdout, stderr := run(t, env, "trace", "--seed", accts[1].Hex(), "--rpc", node.URL, "--from-block", fmt.Sprint(first)); code != 0 || !strings.Contains(stdout, "-> ETH "+dest) {
		t.Fatalf("trace: exit %d\n%s%s", code, stdout, stderr)
	}
	if code, _, stderr := run(t, env, "trace", "case", "open", "--seed", accts[1].Hex(), "--chain-id", "31337", "--source", fmt.Sprintf("trace:%d", first)); code != 0 {
		t.Fatalf("open: exit %d: %s", code, stderr)
	}
	code, stdout, stderr := run(t, env, "trace", "case", "run", "1", "--rpc", node.URL)
	if code != 0 || !strings.Contains(stdout, "1 cross-chain exit") ||
		!strings.Contains(stderr, "bulwark: the exits' destinations are on the screening list case-1-exits (1 address; audit entry ") {
		t.Fatalf("run: exit %d\n%s%s", code, stdout, stderr)
	}
	if code, stdout, _ := run(t, env, "screen", "address", dest); code != 3 || !strings.Contains(stdout, "case-1-exits") {
		t.Errorf("screen address %s: exit %d, want 3 (on case-1-exits)\n%s", dest, code, stdout)
	}
	if code, _, stderr := run(t, env, "trace", "case", "run", "1", "--rpc", node.URL); code != 0 || strings.Contains(stderr, "screening list") {
		t.Errorf("second run: exit %d, stderr %q; want no word of an unchanged list", code, stderr)
	}
}
