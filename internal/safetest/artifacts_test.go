package safetest_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark/internal/safetest"
)

// canonicalCodeHashes are the runtime code hashes of the canonical
// deployments (safe-deployments' codeHash): the artifacts the harness
// deploys must be the code Safes run on mainnet, or tests would prove
// nothing about real Safes. Contracts with immutables (MultiSend) are left
// out.
var canonicalCodeHashes = map[string]map[string]string{
	"1.1.1": {
		"GnosisSafe": "0x56b8be58b5ad629a621593a2e5e5e8e9a28408dc06e95597497b303902772e45",
	},
	"1.3.0": {
		"GnosisSafe":                   "0xbba688fbdb21ad2bb58bc320638b43d94e7d100f6f3ebaab0a4e4de6304b1c2e",
		"GnosisSafeL2":                 "0x21842597390c4c6e3c1239e434a682b054bd9548eee5e9b1d6a4482731023c0f",
		"GnosisSafeProxyFactory":       "0x337d7f54be11b6ed55fef7b667ea5488db53db8320a05d1146aa4bd169a39a9b",
		"MultiSendCallOnly":            "0xa9865ac2d9c7a1591619b188c4d88167b50df6cc0c5327fcbd1c8c75f7c066ad",
		"CompatibilityFallbackHandler": "0x03e69f7ce809e81687c69b19a7d7cca45b6d551ffdec73d9bb87178476de1abf",
	},
	"1.4.1": {
		"Safe":                         "0x1fe2df852ba3299d6534ef416eefa406e56ced995bca886ab7a553e6d0c5e1c4",
		"SafeL2":                       "0xb1f926978a0f44a2c0ec8fe822418ae969bd8c3f18d61e5103100339894f81ff",
		"SafeProxyFactory":             "0x50c3cdc4074750a7a974204a716c999edd37482f907608d960b2b025ee0b3317",
		"MultiSendCallOnly":            "0xecd5bd14a08c5d2122379900b2f272bdf107a7e92423c10dd5fe3254386c9939",
		"CompatibilityFallbackHandler": "0x7c6007a5d711cea8dfd5d91f5940ec29c7f200fe511eb1fc1397b367af3c42f9",
	},
	"1.5.0": {
		"Safe": "0xdda019cbd7c867a533a2a86e5c53434fdc50b13122b5a5ddb4a8df61b31c20f2",
	},
}

func TestLoadArtifacts(t *testing.T) {
	for _, v := range safetest.Versions() {
		t.Run(v, func(t *testing.T) {
			a := safetest.RequireArtifacts(t, v)
			t.Logf("Safe %s artifacts from %s", v, a.Source)
			if a.Version.String() != v {
				t.Errorf("Version = %s", a.Version)
			}
			for name, a := range map[string]*safetest.Artifact{
				"Singleton": a.Singleton, "Proxy": a.Proxy, "ProxyFactory": a.ProxyFactory,
			} {
				if a == nil || len(a.Bytecode) == 0 || len(a.DeployedBytecode) == 0 {
					t.Fatalf("%s missing or without code", name)
				}
			}
			if _, ok := a.Singleton.ABI.Methods["execTransaction"]; !ok {
				t.Errorf("%s ABI has no execTransaction", a.Singleton.Name)
			}
			if _, ok := a.ProxyFactory.ABI.Methods["createProxyWithNonce"]; !ok {
				t.Errorf("%s ABI has no createProxyWithNonce", a.ProxyFactory.Name)
			}
			if v != "1.1.1" && (a.SingletonL2 == nil || a.MultiSendCallOnly == nil) {
				t.Errorf("Safe %s: L2 singleton or MultiSendCallOnly missing", v)
			}
			byName := map[string]*safetest.Artifact{}
			for _, x := range []*safetest.Artifact{a.Singleton, a.SingletonL2, a.Proxy, a.ProxyFactory, a.FallbackHandler,
				a.MultiSend, a.MultiSendCallOnly, a.SignMessageLib, a.SafeMigration} {
				if x != nil {
					byName[x.Name] = x
				}
			}
			for name, want := range canonicalCodeHashes[v] {
				x := byName[name]
				if x == nil {
					if name == "CompatibilityFallbackHandler" || name == "MultiSendCallOnly" {
						continue // optional in the shared fallback
					}
					t.Errorf("%s missing", name)
					continue
				}
				if got := x.CodeHash(); got != common.HexToHash(want) {
					t.Errorf("%s code hash %s, want canonical %s", name, got, want)
				}
			}
			again, err := safetest.LoadArtifacts("v" + v)
			if err != nil || again != a {
				t.Errorf("second load: %p, %v; want the cached %p", again, err, a)
			}
		})
	}
}

func TestLoadArtifactsUnknownVersion(t *testing.T) {
	_, err := safetest.LoadArtifacts("1.2.0")
	if err == nil || errors.Is(err, safetest.ErrNoArtifacts) || !strings.Contains(err.Error(), "1.1.1, 1.3.0, 1.4.1, 1.5.0") {
		t.Fatalf("LoadArtifacts(1.2.0) error = %v, want one listing the versions", err)
	}
}
