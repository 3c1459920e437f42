package safetest_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/bulwark-sec/bulwark/internal/safetest"
)

// TestCompiledContractsUpToDate recompiles testdata/contracts/*.sol with
// compile.js and checks the committed compiled.json is what it produces:
// the embedded bytecode is reproducible from the committed sources.
//
// Compiling takes solc-js about 7 CPU seconds, and its output is a
// function of the files the check reads (the sources, compile.js, solc's
// package, compiled.json): a check that passed leaves a stamp named by
// their SHA-256 in the user's cache folder (os.UserCacheDir, e.g.
// $XDG_CACHE_HOME), and a run that finds it skips the compiling, as go
// test's own cache would. A change to any of those files checks again.
func TestCompiledContractsUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("recompiling with solc-js takes a few seconds")
	}
	solc, err := filepath.Abs("../../.tools/node_modules/solc/package.json")
	if err != nil {
		t.Fatal(err)
	}
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(solc)
	}
	if err != nil {
		msg := "node or solc not available (" + err.Error() + "): run scripts/install-test-deps.sh"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	t.Parallel()
	stamp := compiledStamp(t, filepath.Dir(solc))
	if stamp != "" {
		if _, err := os.Stat(stamp); err == nil {
			t.Logf("compiled.json was checked against these sources, compile.js and solc already (%s)", stamp)
			return
		}
	}
	var stderr bytes.Buffer
	cmd := exec.Command(node, "testdata/contracts/compile.js", "--stdout")
	cmd.Stderr = &stderr
	got, err := cmd.Output()
	if err != nil {
		t.Fatalf("compile.js: %v\n%s", err, stderr.Bytes())
	}
	want, err := os.ReadFile("testdata/contracts/compiled.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("testdata/contracts/compiled.json is stale: run `go generate ./internal/safetest` and commit the result")
	}
	if stamp != "" {
		// A stamp that cannot be written only means checking again next time.
		if os.MkdirAll(filepath.Dir(stamp), 0o700) == nil {
			_ = os.WriteFile(stamp, nil, 0o600)
		}
	}
}

// compiledStamp returns the path of the stamp of a passed
// TestCompiledContractsUpToDate with these inputs: every file of
// testdata/contracts (the sources, compile.js, compiled.json) and every
// file of solc's package folder but its node_modules, by name and
// content. It returns "" when there is no user cache folder.
func compiledStamp(t *testing.T, solcDir string) string {
	t.Helper()
	cache, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	h := sha256.New()
	add := func(dir string) {
		err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if d.Name() == "node_modules" {
					return filepath.SkipDir
				}
				return nil
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(dir, p)
			sum := sha256.Sum256(data)
			h.Write([]byte(rel + "\x00" + hex.EncodeToString(sum[:]) + "\n"))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	add("testdata/contracts")
	h.Write([]byte("solc\n"))
	add(solcDir)
	return filepath.Join(cache, "bulwark-tests", "compiled-contracts-"+hex.EncodeToString(h.Sum(nil)))
}

func TestTestContracts(t *testing.T) {
	sel := func(sig string) [4]byte {
		var s [4]byte
		copy(s[:], crypto.Keccak256([]byte(sig)))
		return s
	}
	// The trojan's selectors are those of the Bybit contracts.
	trojan := safetest.TestContract(safetest.TrojanName)
	for name, want := range map[string][4]byte{
		"transfer":   {0xa9, 0x05, 0x9c, 0xbb},
		"sweepETH":   {0x11, 0x63, 0xb2, 0xb0},
		"sweepERC20": {0x58, 0x25, 0x15, 0xc7},
	} {
		m, ok := trojan.ABI.Methods[name]
		if !ok || [4]byte(m.ID) != want {
			t.Errorf("Trojan.%s selector = %x, want %x", name, m.ID, want)
		}
	}
	if safetest.TransferSelector != sel("transfer(address,uint256)") || safetest.SweepETHSelector != [4]byte{0x11, 0x63, 0xb2, 0xb0} ||
		safetest.SweepERC20Selector != [4]byte{0x58, 0x25, 0x15, 0xc7} {
		t.Error("exported selectors are wrong")
	}
	erc20 := safetest.TestContract(safetest.ERC20Name)
	for _, m := range []string{"transfer", "transferFrom", "approve", "balanceOf", "allowance", "totalSupply", "decimals", "mint"} {
		if _, ok := erc20.ABI.Methods[m]; !ok {
			t.Errorf("TestERC20 has no %s", m)
		}
	}
	guard := safetest.TestContract(safetest.GuardName)
	ct, ca := guard.ABI.Methods["checkTransaction"], guard.ABI.Methods["checkAfterExecution"]
	var id [4]byte
	for i := range id {
		id[i] = ct.ID[i] ^ ca.ID[i]
	}
	if id != [4]byte{0xe6, 0xd7, 0xa8, 0x3a} {
		t.Errorf("guard interface id = %x, want e6d7a83a (Safe's Guard)", id)
	}
	data := safetest.TrojanTransferData(safetest.OwnerAt(0).Address)
	if len(data) != 68 || [4]byte(data[:4]) != safetest.TransferSelector || !bytes.Equal(data[16:36], safetest.OwnerAt(0).Address[:]) {
		t.Errorf("TrojanTransferData = %x", data)
	}
}
