// Package safetest is the test harness for Bulwark's Safe features on a real
// node: it loads the official Safe contract artifacts, deploys them on an
// Anvil node (internal/anviltest), creates Safe proxies with deterministic
// owner keys, signs Safe transactions the way owners do (EIP-712 and eth_sign
// signatures, sorted by owner), executes them, and reads a Safe's state
// straight from storage — which still works after an attack has replaced the
// Safe's singleton. It also carries small test contracts of its own: an
// ERC-20 to fund Safes with, a transaction guard, and the Bybit trojan.
//
// # Artifacts
//
// LoadArtifacts reads the build artifacts (ABI and bytecode) of one Safe
// release, 1.1.1, 1.3.0, 1.4.1 or 1.5.0, from the first of:
//
//  1. the npm packages scripts/install-test-deps.sh unpacks into
//     <module root>/.tools/safe-contracts/<alias>/ (pinned by SHA-256);
//  2. $BULWARK_SAFE_ARTIFACTS/v<version>/<ContractName>.json, when set;
//  3. <module root>/../shared/data/safe/artifacts/v<version>/<ContractName>.json.
//
// No third-party artifact is kept in the repository. RequireArtifacts skips
// the test when none is found, or fails it when the CI environment variable
// is set, the same rule as anviltest.
//
// # Test contracts
//
// TestERC20, TestGuard and Trojan are compiled from the Solidity sources in
// testdata/contracts/ by testdata/contracts/compile.js (solc from npm,
// installed by scripts/install-test-deps.sh) into
// testdata/contracts/compiled.json, which is embedded. Regenerate it with
// `go generate ./internal/safetest`; TestCompiledContractsUpToDate checks
// that the committed file matches the sources.
//
// # Typical use
//
//	chain := safetest.StartChain(t)
//	d := safetest.Deploy(t, chain, "1.1.1")
//	owners := safetest.NewOwners(6)
//	s := d.NewSafe(t, 3, owners...)
//	s.FundETH(t, safetest.Ether(10))
//	tx := s.TransferETHTx(t, recipient, safetest.Ether(1))
//	exec := s.MustExec(t, tx, safetest.EIP712, owners[:3]...)
//	st := s.State(t) // masterCopy, owners, threshold, nonce, guard, …
package safetest

//go:generate node testdata/contracts/compile.js
