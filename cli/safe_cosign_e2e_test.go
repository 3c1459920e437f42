package cli

import (
	"encoding/json"
	"math/big"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/bulwark-sec/bulwark/internal/anviltest"
	"github.com/bulwark-sec/bulwark/internal/safetest"
	"github.com/bulwark-sec/bulwark/safe"
	"github.com/bulwark-sec/bulwark/safe/cosign"
	"github.com/bulwark-sec/bulwark/safe/policy"
)

// keystoreUser is an operator of the co-signer who runs the bulwark
// commands as documented: the key in a keystore made by 'safe cosigner
// init', its passphrase from a file (passFile) or from the environment.
// The commands run in-process (runKeyCmd: everything the binary runs but
// the scrypt cost of new keystores).
type keystoreUser struct {
	env      map[string]string
	data     string
	passFile string // "": $BULWARK_COSIGNER_PASSPHRASE
	chain    *safetest.Chain
}

func newKeystoreUser(t *testing.T, chain *safetest.Chain, fromFile bool) *keystoreUser {
	t.Helper()
	u := &keystoreUser{data: filepath.Join(t.TempDir(), "data"), chain: chain}
	// Each approval by the command line is not held for a second person
	// here: these tests are about the co-signer's own rules.
	u.env = map[string]string{"BULWARK_DATA": u.data, "TEST_OS_USER": "alice", "BULWARK_DUAL_CONTROL": "none"}
	if fromFile {
		u.passFile = writeFile(t, filepath.Join(t.TempDir(), "passphrase"), cosignerPass+"\n", 0o600)
	}
	return u
}

// run runs bulwark with the passphrase given the user's way, to key
// commands (keyed) only: 'safe approve' needs none.
func (u *keystoreUser) run(t *testing.T, keyed bool, args ...string) (int, string, string) {
	t.Helper()
	env := u.env
	if keyed {
		if u.passFile != "" {
			args = append(args, "--passphrase-file", u.passFile)
		} else {
			env = map[string]string{envCosignerPassphrase: cosignerPass}
			for k, v := range u.env {
				env[k] = v
			}
		}
	}
	return runKeyCmd(t, env, args...)
}

// init runs 'safe cosigner init' (extra: e.g. --keystore FILE) and
// 'safe cosigner address', which must agree, and returns the address.
func (u *keystoreUser) init(t *testing.T, extra ...string) common.Address {
	t.Helper()
	code, out, errOut := u.run(t, true, append([]string{"safe", "cosigner", "init", "--json"}, extra...)...)
	var made struct{ Address string }
	if err := json.Unmarshal([]byte(out), &made); code != 0 || err != nil || !common.IsHexAddress(made.Address) {
		t.Fatalf("cosigner init: exit %d, %v: %s %s", code, err, out, errOut)
	}
	code, out, errOut = u.run(t, true, append([]string{"safe", "cosigner", "address", "--json"}, extra...)...)
	var got struct {
		Address string
		Checked bool
	}
	if err := json.Unmarshal([]byte(out), &got); code != 0 || err != nil || got.Address != made.Address || !got.Checked {
		t.Fatalf("cosigner address: exit %d, %v: %s %s; init said %s", code, err, out, errOut, made.Address)
	}
	return common.HexToAddress(made.Address)
}

// cosign runs 'safe cosign --tx FILE --rpc URL --json' (extra: e.g.
// --keystore FILE) and checks its exit code.
func (u *keystoreUser) cosign(t *testing.T, s *safetest.Safe, tx safe.Tx, want int, extra ...string) cosignOut {
	t.Helper()
	args := append([]string{"safe", "cosign", "--tx", writeConfirmedTx(t, s, tx), "--rpc", u.chain.URL(), "--lists-max-age", "0", "--json"}, extra...)
	code, stdout, stderr := u.run(t, true, args...)
	var out cosignOut
	if err := json.Unmarshal([]byte(stdout), &out); err != nil || code != want {
		t.Fatalf("safe cosign: exit %d (want %d), stderr %q, %v\n%s", code, want, stderr, err, stdout)
	}
	return out
}

// approve runs 'safe approve --as name' for a held safeTxHash.
func (u *keystoreUser) approve(t *testing.T, s *safetest.Safe, safeTxHash, name string) {
	t.Helper()
	env := u.env
	u.env = map[string]string{}
	for k, v := range env {
		u.env[k] = v
	}
	u.env["TEST_OS_USER"] = name // each approver at their own account
	defer func() { u.env = env }()
	code, out, errOut := u.run(t, false, "safe", "approve", "--as", name, "--note", "planned", "--safe-tx-hash", safeTxHash,
		"--safe", s.Address.Hex(), "--chain-id", s.Chain().ChainID.String())
	if code != 0 {
		t.Fatalf("safe approve --as %s: exit %d: %s %s", name, code, out, errOut)
	}
}

// signatureBytes checks that a co-signature (0x + 130 hex digits) is by
// signer over safeTxHash and returns its bytes.
func signatureBytes(t *testing.T, out cosignOut, signer common.Address) []byte {
	t.Helper()
	sig := common.FromHex(out.Signature)
	if len(sig) != 65 || (sig[64] != 27 && sig[64] != 28) {
		t.Fatalf("co-signature %q", out.Signature)
	}
	raw := slices.Clone(sig)
	raw[64] -= 27
	h := common.HexToHash(out.SafeTxHash)
	pub, err := crypto.SigToPub(h[:], raw)
	if err != nil || crypto.PubkeyToAddress(*pub) != signer {
		t.Fatalf("the co-signature does not recover to %s over %s: %v", signer, h, err)
	}
	return sig
}

// TestSafeCosignKeystoreE2E runs the co-signer on Anvil the way its user
// does, on Safe 1.3.0 (passphrase from a file) and 1.4.1 (passphrase from
// the environment): 'safe cosigner init' and 'address', a Safe of two
// humans and that address with threshold 3, then 'safe cosign --json'.
// A wrong passphrase is refused and audited, nothing signed; a plain
// transfer is co-signed and executes with the humans' two signatures; the
// Bybit trojan is refused (exit 3) and its execution with the humans'
// signatures alone reverts (GS020).
func TestSafeCosignKeystoreE2E(t *testing.T) {
	t.Parallel()
	chain := safetest.StartChain(t, anviltest.Silent())
	for _, tc := range []struct {
		version  string
		fromFile bool
	}{
		{"1.3.0", true},
		{"1.4.1", false},
	} {
		t.Run(tc.version, func(t *testing.T) {
			// Not parallel: the versions share the chain's sender.
			u := newKeystoreUser(t, chain, tc.fromFile)
			addr := u.init(t)
			s := safetest.Deploy(t, chain, tc.version).NewCosignedSafe(t, &safetest.Owner{Address: addr}, 5)
			if st := s.State(t); !slices.Contains(st.Owners, addr) || st.Threshold.Int64() != 3 {
				t.Fatalf("Safe state %+v", st)
			}
			to := common.BigToAddress(big.NewInt(0xe2e0 + int64(tc.version[2])))
			transfer := s.TransferETHTx(t, to, safetest.Ether(1))

			// A wrong passphrase: refused before anything is decided,
			// audited, nothing signed.
			wrong := map[string]string{envCosignerPassphrase: "not the passphrase"}
			for k, v := range u.env {
				wrong[k] = v
			}
			code, out, errOut := runKeyCmd(t, wrong, "safe", "cosign", "--tx", writeConfirmedTx(t, s.Safe, transfer), "--rpc", chain.URL(), "--lists-max-age", "0", "--json")
			if code != 1 || !strings.Contains(errOut, "wrong passphrase") || strings.Contains(out, "signature") {
				t.Fatalf("a wrong passphrase: exit %d: %s %s", code, out, errOut)
			}
			if n, m := countAuditAction(t, u.data, "safe.cosigner.unlock"), countAuditAction(t, u.data, "safe.cosign"); n != 1 || m != 0 {
				t.Fatalf("after a wrong passphrase: %d safe.cosigner.unlock entries (want 1), %d safe.cosign (want 0)", n, m)
			}

			// The Bybit trojan, both humans' signatures collected: refused,
			// and the humans alone cannot execute it.
			trojan, backdoor := chain.DeployTrojan(t), chain.DeployTrojan(t)
			bybit := safetest.BybitTx(trojan, backdoor, s.Nonce(t))
			refused := u.cosign(t, s.Safe, bybit, 3)
			if refused.Decision != "refused" || refused.Verdict != "reject" || refused.Signature != "" ||
				!slices.Contains(refused.Deciding, policy.CodeSimulatedMasterCopyChange) {
				t.Fatalf("the trojan: %+v", refused)
			}
			if why := s.RevertReason(t, bybit, s.Signatures(t, bybit, nil)); !strings.Contains(why, "GS020") {
				t.Errorf("the trojan with the humans' signatures: %q, want a GS020 revert (signatures too short)", why)
			}
			if e := s.Exec(t, bybit, s.Signatures(t, bybit, nil)); e.Receipt.Status != 0 || e.Success {
				t.Fatal("the trojan executed with the humans' two signatures")
			}
			if st := s.State(t); st.MasterCopy != s.Deployment.Singleton {
				t.Fatalf("the Safe's singleton is %s", st.MasterCopy)
			}

			// A plain transfer: co-signed, and executed with the humans'
			// signatures.
			signed := u.cosign(t, s.Safe, transfer, 0)
			if signed.Decision != "signed" || signed.Verdict != "ok" || signed.SafeTxHash != s.OnChainTxHash(t, transfer).Hex() {
				t.Fatalf("the transfer: %+v", signed)
			}
			cosig := signatureBytes(t, signed, addr)
			if why := s.RevertReason(t, transfer, s.Signatures(t, transfer, nil)); !strings.Contains(why, "GS020") {
				t.Errorf("the transfer without the co-signature: %q, want GS020", why)
			}
			s.Exec(t, transfer, s.Signatures(t, transfer, cosig)).RequireSuccess(t)
			if got := chain.Balance(t, to); got.Cmp(safetest.Ether(1)) != 0 {
				t.Errorf("the recipient holds %s wei", got)
			}

			// Audited: the refusal and the signature, one unlock refused.
			if n, m := countAuditAction(t, u.data, "safe.cosign"), countAuditAction(t, u.data, "safe.cosigner.unlock"); n != 2 || m != 1 {
				t.Errorf("%d safe.cosign entries (want 2), %d safe.cosigner.unlock (want 1)", n, m)
			}
		})
	}
}

// TestSafeCosignerRotationE2E rotates the co-signer's key on a Safe 1.4.1
// as docs/safe.md says: 'safe cosigner init --keystore new.json', then
// swapOwner(prev, old, new), which the old key does not sign on its own:
// an owner change is held for dual control (OWNER_CHANGE) and co-signed
// after two approvals. Once it has executed the old key is refused
// (COSIGNER_NOT_OWNER) and the new one co-signs; its export, imported
// into another data directory, signs the same.
func TestSafeCosignerRotationE2E(t *testing.T) {
	t.Parallel()
	chain := safetest.StartChain(t, anviltest.Silent())
	u := newKeystoreUser(t, chain, false)
	oldAddr := u.init(t)
	s := safetest.Deploy(t, chain, "1.4.1").NewCosignedSafe(t, &safetest.Owner{Address: oldAddr}, 5)
	newKeystore := filepath.Join(t.TempDir(), "new.json")
	newAddr := u.init(t, "--keystore", newKeystore)
	if newAddr == oldAddr {
		t.Fatal("init made the same key twice")
	}

	// The swap: held, not signed, until two people approve it.
	swap := s.SwapOwnerTx(t, oldAddr, newAddr)
	held := u.cosign(t, s.Safe, swap, 2)
	if held.Decision != "held" || held.Signature != "" || !slices.Contains(held.Deciding, policy.CodeOwnerChange) ||
		!slices.Contains(held.Deciding, cosign.CodeNeedsApprovals) {
		t.Fatalf("swapOwner: %+v", held)
	}
	u.approve(t, s.Safe, held.SafeTxHash, "carol")
	if again := u.cosign(t, s.Safe, swap, 2); again.Decision != "held" || !slices.Equal(again.Approvals, []string{"cli:carol"}) {
		t.Fatalf("swapOwner after one approval: %+v", again)
	}
	u.approve(t, s.Safe, held.SafeTxHash, "dave")
	approved := u.cosign(t, s.Safe, swap, 0)
	if approved.Decision != "signed" || !slices.Equal(approved.Approvals, []string{"cli:carol", "cli:dave"}) {
		t.Fatalf("swapOwner after two approvals: %+v", approved)
	}
	s.Exec(t, swap, s.Signatures(t, swap, signatureBytes(t, approved, oldAddr))).RequireSuccess(t)
	if st := s.State(t); slices.Contains(st.Owners, oldAddr) || !slices.Contains(st.Owners, newAddr) || st.Threshold.Int64() != 3 {
		t.Fatalf("owners after the swap: %v, threshold %s", st.Owners, st.Threshold)
	}
	s.Cosigner = &safetest.Owner{Address: newAddr}

	// The old key is no owner any more; the new one co-signs.
	to := common.HexToAddress("0x000000000000000000000000000000000000e2e9")
	transfer := s.TransferETHTx(t, to, safetest.Ether(1))
	old := u.cosign(t, s.Safe, transfer, 3)
	if old.Decision != "refused" || old.Signature != "" || !slices.Contains(old.Deciding, cosign.CodeCosignerNotOwner) {
		t.Fatalf("the old key after the swap: %+v", old)
	}
	signed := u.cosign(t, s.Safe, transfer, 0, "--keystore", newKeystore)
	sig := signatureBytes(t, signed, newAddr)

	// export → import into another data directory: the same key, which
	// signs the same bytes (RFC 6979 signatures are deterministic).
	backup := filepath.Join(t.TempDir(), "backup.json")
	if code, out, errOut := u.run(t, true, "safe", "cosigner", "export", "--keystore", newKeystore, "--out", backup); code != 0 || !strings.Contains(out, newAddr.Hex()) {
		t.Fatalf("export: exit %d: %s %s", code, out, errOut)
	}
	moved := newKeystoreUser(t, chain, true)
	if code, out, errOut := moved.run(t, true, "safe", "cosigner", "import", "--key-file", backup, "--key-passphrase-file", moved.passFile); code != 0 || !strings.Contains(out, newAddr.Hex()) {
		t.Fatalf("import: exit %d: %s %s", code, out, errOut)
	}
	imported := moved.cosign(t, s.Safe, transfer, 0)
	if imported.Signature != signed.Signature || imported.SafeTxHash != signed.SafeTxHash {
		t.Fatalf("the imported key signs %s, the exported one %s", imported.Signature, signed.Signature)
	}
	s.Exec(t, transfer, s.Signatures(t, transfer, sig)).RequireSuccess(t)
	if got := chain.Balance(t, to); got.Cmp(safetest.Ether(1)) != 0 {
		t.Errorf("the recipient holds %s wei", got)
	}
}
