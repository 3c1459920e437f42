package decode

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/safe"
	"github.com/ethereum/go-ethereum/common"
)

// deploymentAsset is the part of a safe-deployments asset the tests read.
type deploymentAsset struct {
	ContractName string `json:"contractName"`
	Version      string `json:"version"`
	Deployments  map[string]struct {
		Address  string `json:"address"`
		CodeHash string `json:"codeHash"`
	} `json:"deployments"`
	ABI []abiEntry `json:"abi"`
}

type abiEntry struct {
	Type   string     `json:"type"`
	Name   string     `json:"name"`
	Inputs []abiInput `json:"inputs"`
}

type abiInput struct {
	Name       string     `json:"name"`
	Type       string     `json:"type"`
	Components []abiInput `json:"components"`
}

// readAssets reads the shared copy of the safe-deployments assets, or
// skips the test when the shared folder is absent.
func readAssets(t *testing.T) map[string]deploymentAsset {
	t.Helper()
	dir := filepath.Join(sharedSafeData, "safe-deployments-assets")
	files, _ := filepath.Glob(filepath.Join(dir, "v*", "*.json"))
	if len(files) == 0 {
		t.Skipf("%s is absent: the registry is cross-checked against the shared copy of @safe-global/safe-deployments next to the module", dir)
	}
	out := map[string]deploymentAsset{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var a deploymentAsset
		if err := json.Unmarshal(raw, &a); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		rel, _ := filepath.Rel(dir, f)
		out[filepath.ToSlash(rel)] = a
	}
	return out
}

func deploymentKey(name, version, typ string) string { return name + " " + version + " " + typ }

// TestRegistryTable: every row of the built-in table is a deployment of the
// shared safe-deployments assets with the same address and code hash, and
// every deployment there is a row — so the table cannot drift from its
// source.
func TestRegistryTable(t *testing.T) {
	if _, err := NewRegistry(deploymentTable); err != nil {
		t.Fatal(err)
	}
	assets := readAssets(t)
	want := map[string]Deployment{}
	for file, a := range assets {
		if roleOf[a.ContractName] == "" {
			t.Errorf("%s: contract %s has no role in roleOf", file, a.ContractName)
		}
		for typ, dep := range a.Deployments {
			want[deploymentKey(a.ContractName, a.Version, typ)] = Deployment{Name: a.ContractName, Version: mustParseVersion(a.Version), Type: typ,
				Address: common.HexToAddress(dep.Address), CodeHash: common.HexToHash(dep.CodeHash)}
			if !common.IsHexAddress(dep.Address) || len(dep.CodeHash) != 66 {
				t.Errorf("%s %s: malformed address or code hash", file, typ)
			}
		}
	}
	got := map[string]Deployment{}
	for _, d := range KnownDeployments().All() {
		k := deploymentKey(d.Name, d.Version.Core(), d.Type)
		if _, dup := got[k]; dup {
			t.Errorf("duplicate row %s", k)
		}
		got[k] = d
		w, ok := want[k]
		switch {
		case !ok:
			t.Errorf("row %s is not in the safe-deployments assets", k)
		case w.Address != d.Address || w.CodeHash != d.CodeHash:
			t.Errorf("row %s: %s %s, assets say %s %s", k, d.Address.Hex(), d.CodeHash.Hex(), w.Address.Hex(), w.CodeHash.Hex())
		case d.Role != roleOf[d.Name]:
			t.Errorf("row %s: role %s", k, d.Role)
		}
	}
	var missing []string
	for k, w := range want {
		if _, ok := got[k]; !ok {
			missing = append(missing, fmt.Sprintf("%s: {Name: %q, Version: %#v, Type: %q, Address: common.HexToAddress(%q), CodeHash: common.HexToHash(%q)}",
				k, w.Name, w.Version, w.Type, w.Address.Hex(), w.CodeHash.Hex()))
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("deployment missing from registry_table.go: %s", m)
	}
	// An address names one contract: the lookups rely on it.
	seen := map[common.Address]string{}
	for k, d := range got {
		if o, dup := seen[d.Address]; dup {
			t.Errorf("address %s is both %s and %s", d.Address.Hex(), o, k)
		}
		seen[d.Address] = k
	}
	t.Logf("%d deployments, %d assets", len(got), len(assets))
}

// TestRegistryMatchesKnownContracts: the table agrees with the project's
// derived known_safe_contracts.json, including which contracts the Safe
// Transaction Service trusts for DELEGATECALL.
func TestRegistryMatchesKnownContracts(t *testing.T) {
	file := filepath.Join(sharedSafeData, "known_safe_contracts.json")
	raw, err := os.ReadFile(file)
	if os.IsNotExist(err) {
		t.Skipf("%s is absent: the registry is cross-checked against the shared data folder next to the module", file)
	}
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Contracts []struct {
			Version, ContractName, DeploymentType, Address, CodeHash string
			Trusted                                                  bool `json:"trusted_for_delegatecall_by_safe_tx_service"`
		}
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	reg := KnownDeployments()
	if len(doc.Contracts) != len(reg.All()) {
		t.Errorf("%d contracts in %s, %d in the registry", len(doc.Contracts), file, len(reg.All()))
	}
	for _, c := range doc.Contracts {
		addr, hash := common.HexToAddress(c.Address), common.HexToHash(c.CodeHash)
		d, ok := reg.Lookup(addr, hash)
		if !ok || d.Name != c.ContractName || d.Version.Core() != c.Version || d.Type != c.DeploymentType {
			t.Errorf("%s %s %s %s: registry has %v %v", c.ContractName, c.Version, c.DeploymentType, c.Address, d, ok)
			continue
		}
		if trusted := IsTrustedDelegateCallTarget(addr, hash); trusted != c.Trusted {
			t.Errorf("%s: trusted for DELEGATECALL %v, the Safe Transaction Service says %v", d, trusted, c.Trusted)
		}
	}
}

func TestRegistryLookups(t *testing.T) {
	reg := KnownDeployments()
	callOnly := common.HexToAddress("0x40A2aCCbd92BCA938b02010E17A5b8929b49130D")
	callOnlyHash := common.HexToHash("0xa9865ac2d9c7a1591619b188c4d88167b50df6cc0c5327fcbd1c8c75f7c066ad")
	eip155 := common.HexToAddress("0xA1dabEF33b3B82c7814B6D82A79e50F4AC44102B")
	zk := common.HexToAddress("0xf220D3b4DFb23C4ade8C88E526C1353AbAcbC38F")
	zkHash := common.HexToHash("0x064ddbf252714bcd4cb79f679e8c12df96d998ce07bbb13b3118c1dbf4a31942")
	multiSend := common.HexToAddress("0x38869bf66a61cF6bDB996A6aE40D5853Fd43B526")
	notItsHash := common.Hash{0xde, 0xad}
	if ds := reg.ByAddress(callOnly); len(ds) != 1 || ds[0].String() != "MultiSendCallOnly 1.3.0 (canonical)" || ds[0].Role != RoleMultiSendCallOnly {
		t.Errorf("ByAddress(MultiSendCallOnly 1.3.0) = %v", ds)
	}
	if ds := reg.ByCodeHash(callOnlyHash); len(ds) != 2 || ds[0].Address != callOnly && ds[1].Address != callOnly {
		t.Errorf("ByCodeHash(1.3.0 MultiSendCallOnly) = %v: canonical and eip155 share the code", ds)
	}
	if ds := reg.ByAddress(common.HexToAddress("0x96221423681A6d52E184D440a8eFCEbB105C7242")); len(ds) != 0 {
		t.Errorf("the Bybit trojan is known: %v", ds)
	}
	mustSafe := reg.ByAddress(common.HexToAddress("0x34CfAC646f301356fAa8B21e94227e3583Fe3F5F"))
	if len(mustSafe) != 1 || mustSafe[0].Role != RoleSingleton || mustSafe[0].Version.Core() != "1.1.1" {
		t.Errorf("GnosisSafe 1.1.1 = %v", mustSafe)
	}
	realMultiSend := reg.ByAddress(multiSend)[0].CodeHash
	for _, tc := range []struct {
		name string
		addr common.Address
		hash common.Hash
		opts TrustOptions
		want bool
	}{
		{"MultiSendCallOnly canonical", callOnly, callOnlyHash, TrustOptions{}, true},
		{"MultiSendCallOnly eip155", eip155, callOnlyHash, TrustOptions{}, true},
		{"MultiSendCallOnly zksync", zk, zkHash, TrustOptions{}, true},
		{"address with other code", callOnly, zkHash, TrustOptions{}, false},
		{"code at another address", multiSend, callOnlyHash, TrustOptions{}, false},
		{"SignMessageLib 1.4.1, other code", common.HexToAddress("0xd53cd0aB83D845Ac265BE939c57F53AD838012c9"), notItsHash, TrustOptions{}, false},
		{"SafeMigration 1.5.0", common.HexToAddress("0x6439e7ABD8Bb915A5263094784C5CF561c4172AC"), reg.ByAddress(common.HexToAddress("0x6439e7ABD8Bb915A5263094784C5CF561c4172AC"))[0].CodeHash, TrustOptions{}, true},
		{"MultiSend by default", multiSend, realMultiSend, TrustOptions{}, false},
		{"MultiSend opted in", multiSend, realMultiSend, TrustOptions{AllowMultiSend: true}, true},
		{"MultiSend opted in, other code", multiSend, notItsHash, TrustOptions{AllowMultiSend: true}, false},
		{"singleton", common.HexToAddress("0x34CfAC646f301356fAa8B21e94227e3583Fe3F5F"), common.HexToHash("0x56b8be58b5ad629a621593a2e5e5e8e9a28408dc06e95597497b303902772e45"), TrustOptions{AllowMultiSend: true}, false},
		{"Bybit trojan", common.HexToAddress("0x96221423681A6d52E184D440a8eFCEbB105C7242"), common.Hash{1}, TrustOptions{AllowMultiSend: true}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, got := reg.TrustedDelegateCallTarget(tc.addr, tc.hash, tc.opts)
			if got != tc.want {
				t.Errorf("trusted = %v, want %v", got, tc.want)
			}
			if tc.opts == (TrustOptions{}) && IsTrustedDelegateCallTarget(tc.addr, tc.hash) != tc.want {
				t.Errorf("IsTrustedDelegateCallTarget disagrees")
			}
		})
	}
}

func TestNewRegistryRejects(t *testing.T) {
	good := deploymentTable[0]
	for name, d := range map[string]Deployment{
		"no role":    {Name: "Mystery", Version: good.Version, Type: good.Type, Address: good.Address, CodeHash: good.CodeHash},
		"no version": {Name: good.Name, Type: good.Type, Address: good.Address, CodeHash: good.CodeHash},
		"no hash":    {Name: good.Name, Version: good.Version, Type: good.Type, Address: good.Address},
	} {
		if _, err := NewRegistry([]Deployment{d}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// canonicalType renders an ABI JSON input as a canonical type.
func canonicalType(in abiInput) string {
	if strings.HasPrefix(in.Type, "tuple") {
		parts := make([]string, len(in.Components))
		for i, c := range in.Components {
			parts[i] = canonicalType(c)
		}
		return "(" + strings.Join(parts, ",") + ")" + strings.TrimPrefix(in.Type, "tuple")
	}
	return in.Type
}

// TestDeclarationsMatchABIs checks abis.go against the ABIs of the shared
// safe-deployments assets and contract artifacts, both ways: every function
// of every pinned contract version is declared for that version with the
// same signature and parameter names (an unnamed ABI parameter takes any
// name), and every declaration that claims a version is in its ABI.
func TestDeclarationsMatchABIs(t *testing.T) {
	type abiKey struct{ contract, version string }
	abis := map[abiKey][]abiEntry{}
	for _, a := range readAssets(t) {
		abis[abiKey{a.ContractName, a.Version}] = a.ABI
	}
	artifacts, _ := filepath.Glob(filepath.Join(sharedSafeData, "artifacts", "v*", "*.json"))
	for _, f := range artifacts {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var art struct {
			ContractName string     `json:"contractName"`
			ABI          []abiEntry `json:"abi"`
		}
		if err := json.Unmarshal(raw, &art); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		version := strings.TrimPrefix(filepath.Base(filepath.Dir(f)), "v")
		if contractFns[art.ContractName] == nil {
			continue // proxies: no functions a Safe transaction calls
		}
		k := abiKey{art.ContractName, version}
		if _, ok := abis[k]; !ok {
			abis[k] = art.ABI
			continue
		}
		// Both sources: they must agree with each other as well.
		if a, b := abiSignatures(abis[k]), abiSignatures(art.ABI); strings.Join(a, ";") != strings.Join(b, ";") {
			t.Errorf("%s %s: the safe-deployments ABI and the artifact disagree:\n%v\n%v", art.ContractName, version, a, b)
		}
	}
	checked := map[*fnDef]bool{}
	for k, entries := range abis {
		tbl := contractFns[k.contract]
		if tbl == nil {
			t.Errorf("no declarations for %s", k.contract)
			continue
		}
		v := mustParseVersion(k.version)
		inABI := map[string]bool{}
		for _, e := range entries {
			if e.Type != "function" {
				continue
			}
			types := make([]string, len(e.Inputs))
			for i, in := range e.Inputs {
				types[i] = canonicalType(in)
			}
			sig := e.Name + "(" + strings.Join(types, ",") + ")"
			inABI[sig] = true
			def, other := tbl.lookup(safe.Selector(sig), v)
			if def == nil {
				t.Errorf("%s %s: %s is not declared for this version (other versions: %v)", k.contract, k.version, sig, other != nil)
				continue
			}
			checked[def] = true
			if def.fn.sig != sig {
				t.Errorf("%s %s: declared %s, ABI %s", k.contract, k.version, def.fn.sig, sig)
			}
			for i, in := range e.Inputs {
				if in.Name != "" && def.fn.params[i].name != in.Name {
					t.Errorf("%s %s %s: parameter %d is %q in the ABI, declared %q", k.contract, k.version, sig, i, in.Name, def.fn.params[i].name)
				}
				if in.Name == "" && def.fn.params[i].name == "" {
					t.Errorf("%s %s %s: parameter %d needs a name", k.contract, k.version, sig, i)
				}
			}
		}
		for _, def := range tbl.defs {
			if def.covers(v) && !inABI[def.fn.sig] {
				t.Errorf("%s %s: declared %s (since %q until %q) is not in the ABI", k.contract, k.version, def.fn.sig, def.since, def.until)
			}
		}
	}
	for _, tbl := range []*fnTable{safeFns, multiSendFns, multiSendCallOnlyFns, signMessageLibFns, createCallFns, safeMigrationFns,
		safeToL2MigrationFns, safeToL2SetupFns, simulateTxAccessorFns, proxyFactoryFns, defaultCallbackHandlerFns,
		compatibilityFallbackHandlerFns, extensibleFallbackHandlerFns, tokenCallbackHandlerFns} {
		for _, def := range tbl.defs {
			if !checked[def] {
				t.Errorf("%s: %s matches no pinned ABI", tbl.iface, def.fn.sig)
			}
		}
	}
}

func abiSignatures(entries []abiEntry) []string {
	var out []string
	for _, e := range entries {
		if e.Type != "function" {
			continue
		}
		types := make([]string, len(e.Inputs))
		for i, in := range e.Inputs {
			types[i] = canonicalType(in) + " " + in.Name
		}
		out = append(out, e.Name+"("+strings.Join(types, ",")+")")
	}
	sort.Strings(out)
	return out
}

// TestKnownSelectors: the selectors safe_constants.json lists (computed
// there independently) are the declarations'.
func TestKnownSelectors(t *testing.T) {
	for name, want := range map[string]string{
		"execTransaction": "0x6a761202", "approveHash": "0xd4d9bdcd", "addOwnerWithThreshold": "0x0d582f13",
		"removeOwner": "0xf8dc5dd9", "swapOwner": "0xe318b52b", "changeThreshold": "0x694e80c3", "enableModule": "0x610b5925",
		"disableModule": "0xe009cfde", "setGuard": "0xe19a9dd9", "setModuleGuard": "0xe068df37", "setFallbackHandler": "0xf08a0323",
		"changeMasterCopy": "0x7de7edef", "execTransactionFromModule": "0x468721a7", "execTransactionFromModuleReturnData": "0x5229073f",
		"simulateAndRevert": "0xb4faba09", "getStorageAt": "0x5624b25b",
	} {
		found := false
		for _, d := range safeFns.defs {
			if d.fn.name == name && fmt.Sprintf("0x%x", d.fn.selector) == want {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no declaration with selector %s", name, want)
		}
	}
	setup, _ := safeFns.lookup([4]byte(common.FromHex("0xb63e800d")), mustParseVersion("1.3.0"))
	multi, _ := multiSendFns.lookup([4]byte(common.FromHex("0x8d80ff0a")), safe.Version{})
	sign, _ := signMessageLibFns.lookup([4]byte(common.FromHex("0x85a5affe")), safe.Version{})
	if setup == nil || multi == nil || sign == nil {
		t.Error("setup, multiSend or signMessage selector not declared")
	}
	for sel, name := range map[string]string{"0xf6682ab0": "migrateSingleton", "0xed007fc6": "migrateWithFallbackHandler", "0x07f464a4": "migrateL2Singleton", "0x68cb3d94": "migrateL2WithFallbackHandler"} {
		if d, _ := safeMigrationFns.lookup([4]byte(common.FromHex(sel)), safe.Version{}); d == nil || d.fn.name != name {
			t.Errorf("%s: %v", sel, d)
		}
	}
}
