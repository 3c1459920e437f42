package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestTraceDepositCLI(t *testing.T) {
	t.Parallel()
	env := map[string]string{"BULWARK_DATA": t.TempDir(), "TEST_OS_USER": "alice"}
	const a, b = "0x28C6c06298d514Db089934071355E5743bf21d60", "0x21a31Ee1afC51d94C2eFcCAa2092aD1028285549"

	code, stdout, stderr := run(t, env, "trace", "deposit", "list")
	if code != 0 || !strings.Contains(stdout, "No deposit addresses registered") {
		t.Fatalf("empty list: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, stderr = run(t, env, "trace", "deposit", "add", strings.ToLower(a), "--label", "Binance 14", "--threshold", "native:1=1000000000000000000", "--json")
	if code != 0 {
		t.Fatalf("add: exit %d: %s", code, stderr)
	}
	var added struct {
		Deposit  struct{ Address, Label, AddedBy string }
		AuditSeq int64
	}
	if err := json.Unmarshal([]byte(stdout), &added); err != nil || added.Deposit.Address != a || added.Deposit.AddedBy != "cli:alice@test-host" || added.AuditSeq < 1 {
		t.Fatalf("add output %s: %v", stdout, err)
	}
	if code, stdout, stderr = run(t, env, "trace", "deposit", "add", b); code != 0 || !strings.Contains(stdout, "Registered deposit address "+b) {
		t.Fatalf("add b: exit %d\n%s%s", code, stdout, stderr)
	}
	bad := []struct {
		args  []string
		field string
	}{
		{[]string{"trace", "deposit", "add", a}, "is registered already"},
		{[]string{"trace", "deposit", "add"}, "ADDR: give exactly one"},
		{[]string{"trace", "deposit", "add", "0x12"}, "ADDR: "},
		{[]string{"trace", "deposit", "add", "0x0000000000000000000000000000000000000000"}, "ADDR: required: the deposit address (0x and 40 hex digits); the zero address cannot receive deposits"},
		{[]string{"trace", "deposit", "add", strings.Replace(b, "Ee", "ee", 1)}, "EIP-55"},
		{[]string{"trace", "deposit", "add", "0x00000000000000000000000000000000000000aa", "--threshold", "eth=1"}, "--threshold: "},
		{[]string{"trace", "deposit", "add", "0x00000000000000000000000000000000000000aa", "--threshold", "native:1=-1"}, "--threshold: \"-1\" is not an amount"},
		{[]string{"trace", "deposit", "add", "0x00000000000000000000000000000000000000aa", "--threshold", "native:1=1,native:1=2"}, "given twice"},
		{[]string{"trace", "deposit", "add", "0x00000000000000000000000000000000000000aa", "--label", "a\tb"}, "--label: "},
		{[]string{"trace", "deposit", "remove", "0x00000000000000000000000000000000000000aa"}, "is not a registered deposit address"},
	}
	for _, c := range bad {
		code, _, stderr := run(t, env, c.args...)
		if code != 1 || !strings.Contains(stderr, c.field) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want 1 and %q", c.args, code, stderr, c.field)
		}
	}
	code, stdout, _ = run(t, env, "trace", "deposit", "list")
	if code != 0 || !strings.Contains(stdout, a+"  Binance 14  native:1=1000000000000000000") || strings.Index(stdout, a) > strings.Index(stdout, b) {
		t.Fatalf("list:\n%s", stdout)
	}
	if code, stdout, stderr = run(t, env, "trace", "deposit", "remove", a); code != 0 || !strings.Contains(stdout, "Removed deposit address "+a+" (Binance 14)") {
		t.Fatalf("remove: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, _ = run(t, env, "trace", "deposit", "list", "--json")
	var list []struct{ Address string }
	if err := json.Unmarshal([]byte(stdout), &list); code != 0 || err != nil || len(list) != 1 || list[0].Address != b {
		t.Fatalf("list --json after remove: %s", stdout)
	}
	code, stdout, _ = run(t, env, "audit", "list", "--json")
	if code != 0 || strings.Count(stdout, `"trace.deposit.add"`) != 2 || strings.Count(stdout, `"trace.deposit.remove"`) != 1 {
		t.Errorf("audit entries:\n%s", stdout)
	}
}
