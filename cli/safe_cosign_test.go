package cli

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark/internal/anviltest"
	"github.com/bulwark-sec/bulwark/internal/safetest"
	"github.com/bulwark-sec/bulwark/safe"
)

// runCosigner runs bulwark in-process with the co-signer's key in memory.
func runCosigner(t *testing.T, env map[string]string, key *ecdsa.PrivateKey, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	m := &Main{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
		LookupEnv: func(k string) (string, bool) {
			v, ok := env[k]
			return v, ok
		},
		defaultLists: embeddedLists, testCosigner: safetest.KeySigner{Key: key}, osUser: testOSUser(env)}
	code = m.Run(context.Background(), args)
	if err := m.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return code, out.String(), errb.String()
}

type cosignOut struct {
	Verdict, Decision, SafeTxHash, Signature string
	Deciding, Approvals, Approvers           []string
	Findings                                 []struct{ Code, Message string }
}

// TestSafeCosignCLI: 'bulwark safe cosign' on a Safe of two humans and the
// co-signer (threshold 3) on Anvil: a transfer is signed (exit 0) and
// executes with the humans' signatures; the Bybit trojan is refused (exit
// 3); a call of an unknown function is held (exit 2) until 'safe approve'
// by two names, then signed and executed; stale lists refuse.
func TestSafeCosignCLI(t *testing.T) {
	t.Parallel()
	chain := safetest.StartChain(t, anviltest.Silent())
	d := safetest.Deploy(t, chain, "1.3.0")
	cosigner := safetest.Cosigner()
	s := d.NewCosignedSafe(t, cosigner, 2)
	env := map[string]string{"BULWARK_DATA": t.TempDir(), "TEST_OS_USER": "alice"}
	cosign := func(t *testing.T, tx safe.Tx, want int, extra ...string) cosignOut {
		t.Helper()
		args := append([]string{"safe", "cosign", "--tx", writeConfirmedTx(t, s.Safe, tx), "--rpc", chain.URL(), "--lists-max-age", "0", "--json"}, extra...)
		code, stdout, stderr := runCosigner(t, env, cosigner.Key, args...)
		var out cosignOut
		if err := json.Unmarshal([]byte(stdout), &out); err != nil || code != want {
			t.Fatalf("exit %d (want %d), stderr %q, %v\n%s", code, want, stderr, err, stdout)
		}
		return out
	}
	execute := func(t *testing.T, tx safe.Tx, cosignature string) {
		t.Helper()
		s.Exec(t, tx, s.Signatures(t, tx, common.FromHex(cosignature))).RequireSuccess(t)
	}

	// Sequential: each step uses the Safe's next nonce.
	trojan := chain.DeployTrojan(t)
	bybit := cosign(t, safetest.BybitTx(trojan, trojan, s.Nonce(t)), 3)
	if bybit.Decision != "refused" || !slices.Contains(bybit.Deciding, "SIMULATED_MASTERCOPY_CHANGE") || bybit.Signature != "" {
		t.Fatalf("bybit: %+v", bybit)
	}

	transfer := s.TransferETHTx(t, common.BigToAddress(big.NewInt(0xc11)), big.NewInt(1))
	code, stdout, _ := runCosigner(t, env, cosigner.Key, "safe", "cosign", "--tx", writeConfirmedTx(t, s.Safe, transfer), "--rpc", chain.URL(), "--lists-max-age", "0", "--dry-run")
	if code != 0 || !strings.Contains(stdout, "SIGNED") || !strings.Contains(stdout, "Dry run: nothing was signed or stored; recorded as audit entry") {
		t.Fatalf("dry run: exit %d\n%s", code, stdout)
	}
	if strings.Contains(stdout, "Not checked") || !strings.Contains(stdout, "Confirmed by") {
		t.Errorf("dry run of a confirmed transaction:\n%s", stdout)
	}
	// Without a human owner's signature in the file: held, exit 2,
	// whatever the verdict; a dry run does not require it, and says so.
	code, stdout, _ = runCosigner(t, env, cosigner.Key, "safe", "cosign", "--tx", writeServiceTx(t, s.Safe, transfer), "--rpc", chain.URL(), "--lists-max-age", "0", "--dry-run")
	if code != 0 || !strings.Contains(stdout, "Not checked") || !strings.Contains(stdout, "NO_OWNER_CONFIRMATION") {
		t.Fatalf("dry run without an owner's signature: exit %d\n%s", code, stdout)
	}
	code, stdout, _ = runCosigner(t, env, cosigner.Key, "safe", "cosign", "--tx", writeServiceTx(t, s.Safe, transfer), "--rpc", chain.URL(), "--lists-max-age", "0")
	if code != 2 || !strings.Contains(stdout, "HELD (exit 2): no human owner") || !strings.Contains(stdout, "NO_OWNER_CONFIRMATION") {
		t.Fatalf("transfer without an owner's signature: exit %d\n%s", code, stdout)
	}
	signed := cosign(t, transfer, 0)
	if signed.Decision != "signed" || len(signed.Signature) != 132 {
		t.Fatalf("transfer: %+v", signed)
	}
	execute(t, transfer, signed.Signature)

	token := chain.DeployERC20(t)
	data, err := safetest.TestContract(safetest.ERC20Name).Pack("mint", s.Address, big.NewInt(5))
	if err != nil {
		t.Fatal(err)
	}
	mint := s.Tx(t, token, nil, data, safe.Call)
	held := cosign(t, mint, 2)
	if held.Decision != "held" || !slices.Contains(held.Deciding, "NEEDS_APPROVALS") {
		t.Fatalf("mint: %+v", held)
	}
	// approve approves as name; with osUser "" from the environment's
	// TEST_OS_USER (the test process's own account without one), else
	// from that account.
	approveAs := func(name, osUser string, want int, by ...string) string {
		t.Helper()
		args := append([]string{"safe", "approve", "--as", name, "--note", "planned"}, by...)
		e := map[string]string{}
		for k, v := range env {
			e[k] = v
		}
		if osUser != "" {
			e["TEST_OS_USER"] = osUser
		}
		code, stdout, stderr := run(t, e, args...)
		if code != want {
			t.Fatalf("approve as %s: exit %d (want %d), stderr %q\n%s", name, code, want, stderr, stdout)
		}
		return stderr
	}
	approve := func(name string, want int, by ...string) string {
		t.Helper()
		return approveAs(name, name, want, by...)
	}
	byHash := []string{"--safe-tx-hash", held.SafeTxHash, "--safe", s.Address.Hex(), "--chain-id", "31337"}
	// Under dual control (the default) carol's approval waits for a
	// second person in the console, and counts for nothing until then.
	if code, stdout, stderr := run(t, env, append([]string{"safe", "approve", "--as", "carol"}, byHash...)...); code != 2 ||
		!strings.Contains(stdout, "safeTxHash:      "+held.SafeTxHash) || !strings.Contains(stderr, "held for dual control") {
		t.Fatalf("approve under dual control: exit %d, %q %q", code, stdout, stderr)
	}
	if pending := cosign(t, mint, 2); len(pending.Approvals) != 0 {
		t.Fatalf("a held approval counts: %+v", pending)
	}
	// The two-approver rules of the co-signer itself, with the console's
	// dual control of each approval turned off.
	env["BULWARK_DUAL_CONTROL"] = "screen.false-positive"
	approve("carol", 0, byHash...)
	if msg := approve("carol", 1, byHash...); !strings.Contains(msg, "cli:carol (carol) has already approved") {
		t.Errorf("second approval by carol: %q", msg)
	}
	approve("dave", 0, "--tx", writeServiceTx(t, s.Safe, mint), "--rpc", chain.URL())
	approved := cosign(t, mint, 0)
	if !slices.Equal(approved.Approvals, []string{"cli:carol", "cli:dave"}) || approved.Verdict != "review" {
		t.Fatalf("after two approvals: %+v", approved)
	}
	execute(t, mint, approved.Signature)
	if msg := approve("erin", 1, "--safe-tx-hash", bybit.SafeTxHash, "--safe", s.Address.Hex(), "--chain-id", "31337"); !strings.Contains(msg, "never approved") {
		t.Errorf("approving the trojan: %q", msg)
	}

	// One operator under two --as names (this process's own OS account)
	// counts once; frank withdraws, approves from another account, and
	// the transaction is co-signed.
	data, err = safetest.TestContract(safetest.ERC20Name).Pack("mint", s.Address, big.NewInt(6))
	if err != nil {
		t.Fatal(err)
	}
	mint2 := s.Tx(t, token, nil, data, safe.Call)
	held2 := cosign(t, mint2, 2)
	byHash2 := []string{"--safe-tx-hash", held2.SafeTxHash, "--safe", s.Address.Hex(), "--chain-id", "31337"}
	approveAs("grace", "", 0, byHash2...)
	approveAs("frank", "", 0, byHash2...)
	once := cosign(t, mint2, 2)
	if !slices.Equal(once.Approvals, []string{"cli:grace"}) || !slices.ContainsFunc(once.Findings, func(f struct{ Code, Message string }) bool {
		return f.Code == "NEEDS_APPROVALS" && strings.Contains(f.Message, "cli:frank") && strings.Contains(f.Message, "same-os-user")
	}) {
		t.Fatalf("two names from one OS account: %+v", once)
	}
	withdraw := append([]string{"safe", "approve", "--withdraw", "--as", "frank"}, byHash2...)
	if code, stdout, stderr := run(t, env, withdraw...); code != 0 || !strings.Contains(stdout, "Approval withdrawn") {
		t.Fatalf("withdraw: exit %d %q %q", code, stdout, stderr)
	}
	if code, _, stderr := run(t, env, withdraw...); code != 1 || !strings.Contains(stderr, "no standing approval") {
		t.Errorf("withdrawing twice: exit %d %q", code, stderr)
	}
	approveAs("frank", "frank", 0, byHash2...)
	twice := cosign(t, mint2, 0)
	if !slices.Equal(twice.Approvals, []string{"cli:grace", "cli:frank"}) {
		t.Fatalf("after frank approved from his own account: %+v", twice)
	}
	execute(t, mint2, twice.Signature)

	// With the default maximum age the embedded lists' dates decide.
	code, stdout, stderr := runCosigner(t, env, cosigner.Key, "safe", "cosign", "--tx", writeConfirmedTx(t, s.Safe, s.TransferETHTx(t, common.BigToAddress(big.NewInt(0xc12)), big.NewInt(1))),
		"--rpc", chain.URL(), "--lists-max-age", "1s", "--json")
	var stale cosignOut
	if err := json.Unmarshal([]byte(stdout), &stale); err != nil || code != 3 || !slices.Contains(stale.Deciding, "LISTS_STALE") {
		t.Errorf("lists older than 1s: exit %d, stderr %q\n%s", code, stderr, stdout)
	}

	// Input errors: no node, no approver.
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"safe", "cosign", "--tx", writeServiceTx(t, s.Safe, transfer)}, "--rpc: required"},
		{[]string{"safe", "approve", "--safe-tx-hash", held.SafeTxHash, "--safe", s.Address.Hex(), "--chain-id", "31337"}, "--as: required"},
		{[]string{"safe", "approve", "--as", "x", "--tx", writeServiceTx(t, s.Safe, transfer)}, "--rpc: required with --tx"},
		{[]string{"safe", "approve", "--as", "x", "--approval-ttl", "0", "--safe-tx-hash", held.SafeTxHash, "--safe", s.Address.Hex(), "--chain-id", "31337"}, "--approval-ttl: 0s"},
		{[]string{"safe", "cosign", "--tx", writeServiceTx(t, s.Safe, transfer), "--rpc", chain.URL(), "--approval-ttl", "1000h"}, "--approval-ttl"},
		{[]string{"safe", "cosign", "--tx", writeServiceTx(t, s.Safe, transfer), "--rpc", chain.URL(), "--registry-max-age", "-1h"}, "--registry-max-age: must not be negative"},
		{[]string{"safe", "approve", "--withdraw", "--as", "x", "--tx", writeServiceTx(t, s.Safe, transfer), "--rpc", chain.URL()}, "--withdraw"},
	} {
		code, _, stderr := runCosigner(t, env, cosigner.Key, tc.args...)
		if code != 1 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q", tc.args, code, stderr)
		}
	}

	// A transaction file that does not read is a refused request, audited
	// with the field and why.
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"safe":"0x12","to":1}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"safe", "cosign", "--tx", bad, "--rpc", chain.URL(), "--lists-max-age", "0"},
		{"safe", "approve", "--as", "x", "--tx", bad, "--rpc", chain.URL()},
	} {
		if code, _, stderr := runCosigner(t, env, cosigner.Key, args...); code != 1 || !strings.Contains(stderr, "safe") {
			t.Fatalf("%v: exit %d, stderr %q", args, code, stderr)
		}
		_, stdout, _ := runCosigner(t, env, cosigner.Key, "audit", "list", "--json", "--limit", "1")
		var last []struct {
			Action  string
			Details struct{ Decision, Error, Field, Reason, Input string }
		}
		if err := json.Unmarshal([]byte(stdout), &last); err != nil || len(last) != 1 || last[0].Action != args[1] && last[0].Action != "safe."+args[1] ||
			last[0].Details.Decision != "refused" || last[0].Details.Field != "--tx" || !strings.Contains(last[0].Details.Reason, "safe: \"0x12\" is not an address") {
			t.Errorf("%v audited as %s (%v)", args, stdout, err)
		}
	}
}

// TestSafeCosignAddressBook: 'safe cosign --address-book' verifies
// against the organisation's address book. An unlimited approve to the
// book's allowed spender is co-signed (exit 0) and executes; the same
// approve without the book, or to a spender the book does not list, is
// held for dual control (exit 2); 'safe approve --address-book' is only
// for --tx.
func TestSafeCosignAddressBook(t *testing.T) {
	t.Parallel()
	chain := safetest.StartChain(t, anviltest.Silent())
	d := safetest.Deploy(t, chain, "1.4.1")
	cosigner := safetest.Cosigner()
	s := d.NewCosignedSafe(t, cosigner, 0)
	token := chain.DeployERC20(t)
	router, unknown := common.HexToAddress("0x1111111254EEB25477B68fb85Ed929f73A960582"), common.HexToAddress("0x00000000000000000000000000000000000bad01")
	// The spender is listed for the node's chain: an entry for every
	// chain would not let the allowance through alone (ADDRESS_BOOK_ALL_CHAINS).
	book := writeFile(t, filepath.Join(t.TempDir(), "book.toml"), "[[entry]]\naddress = \""+router.Hex()+"\"\nlabel = \"1inch router v5\"\nkinds = [\"spender\"]\nchain_id = "+chain.ChainID.String()+"\n", 0o600)
	approveTx := func(spender common.Address) safe.Tx {
		data, err := safetest.TestContract(safetest.ERC20Name).Pack("approve", spender, safe.MaxUint256)
		if err != nil {
			t.Fatal(err)
		}
		return s.Tx(t, token, nil, data, safe.Call)
	}
	env := map[string]string{"BULWARK_DATA": t.TempDir(), "TEST_OS_USER": "alice"}
	cosign := func(t *testing.T, tx safe.Tx, want int, extra ...string) cosignOut {
		t.Helper()
		args := append([]string{"safe", "cosign", "--tx", writeConfirmedTx(t, s.Safe, tx), "--rpc", chain.URL(), "--lists-max-age", "0", "--json"}, extra...)
		code, stdout, stderr := runCosigner(t, env, cosigner.Key, args...)
		var out cosignOut
		if err := json.Unmarshal([]byte(stdout), &out); err != nil || code != want {
			t.Fatalf("exit %d (want %d), stderr %q, %v\n%s", code, want, stderr, err, stdout)
		}
		return out
	}
	for _, tc := range []struct {
		name    string
		spender common.Address
		flags   []string
		want    int
	}{
		{"unknown spender, with the book", unknown, []string{"--address-book", book}, 2},
		{"listed spender, without the book", router, nil, 2},
		{"listed spender, with the book", router, []string{"--address-book", book}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := cosign(t, approveTx(tc.spender), tc.want, append(tc.flags, "--dry-run")...)
			held := tc.want == 2
			if held != slices.Contains(out.Deciding, "TOKEN_APPROVAL") || held != slices.Contains(out.Deciding, "NEEDS_APPROVALS") {
				t.Errorf("deciding %v", out.Deciding)
			}
		})
	}

	// For real: held for the unknown spender, signed for the router, and
	// the router's allowance set on chain.
	if out := cosign(t, approveTx(unknown), 2, "--address-book", book); out.Decision != "held" || out.Signature != "" {
		t.Fatalf("unknown spender: %+v", out)
	}
	tx := approveTx(router)
	out := cosign(t, tx, 0, "--address-book", book)
	if out.Decision != "signed" || out.Verdict != "ok" {
		t.Fatalf("the router: %+v", out)
	}
	s.Exec(t, tx, s.Signatures(t, tx, common.FromHex(out.Signature))).RequireSuccess(t)
	if got := chain.Call(t, safetest.TestContract(safetest.ERC20Name), token, "allowance", s.Address, router)[0].(*big.Int); got.Cmp(safe.MaxUint256) != 0 {
		t.Errorf("the router's allowance is %s", got)
	}

	code, _, stderr := run(t, env, "safe", "approve", "--as", "carol", "--safe-tx-hash", out.SafeTxHash, "--safe", s.Address.Hex(), "--chain-id", "31337", "--address-book", book)
	if code != 1 || !strings.Contains(stderr, "--address-book: only with --tx") {
		t.Errorf("approve --safe-tx-hash --address-book: exit %d, %q", code, stderr)
	}
}
