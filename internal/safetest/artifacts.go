package safetest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/bulwark-sec/bulwark/safe"
)

// EnvArtifacts names the environment variable that points at a folder of
// Safe artifacts laid out as v<version>/<ContractName>.json (the layout of
// shared/data/safe/artifacts). It is read after the npm packages.
const EnvArtifacts = "BULWARK_SAFE_ARTIFACTS"

// ErrNoArtifacts is wrapped by LoadArtifacts' error when no source holds
// the artifacts of the version asked for.
var ErrNoArtifacts = errors.New("Safe contract artifacts not found")

// artifactsHint is the instruction given when no artifacts are found.
const artifactsHint = "run scripts/install-test-deps.sh"

// relPackages is where scripts/install-test-deps.sh unpacks the Safe npm
// packages, relative to the module root.
const relPackages = ".tools/safe-contracts"

// relShared is the shared data folder's artifacts, relative to the module
// root.
const relShared = "../shared/data/safe/artifacts"

// Artifact is one compiled contract: its ABI and code.
type Artifact struct {
	// Name is the contract's name, e.g. "GnosisSafe" or "SafeProxyFactory".
	Name string
	// Path is the file it was read from ("" for embedded test contracts).
	Path string
	// ABI is the parsed ABI; RawABI the JSON it was parsed from.
	ABI    abi.ABI
	RawABI json.RawMessage
	// Bytecode is the creation code (constructor arguments go after it).
	Bytecode []byte
	// DeployedBytecode is the runtime code as compiled. Contracts with
	// immutables (e.g. MultiSend, whose runtime code holds its own address)
	// differ from it once deployed.
	DeployedBytecode []byte
}

// CodeHash returns keccak256 of DeployedBytecode: the code hash the
// deployed contract has when it has no immutables.
func (a *Artifact) CodeHash() common.Hash { return crypto.Keccak256Hash(a.DeployedBytecode) }

// Pack ABI-encodes a call of method with args (selector included).
func (a *Artifact) Pack(method string, args ...any) ([]byte, error) {
	data, err := a.ABI.Pack(method, args...)
	if err != nil {
		return nil, fmt.Errorf("%s.%s: %w", a.Name, method, err)
	}
	return data, nil
}

// Artifacts are the contracts of one Safe release. Fields for contracts the
// release (or the source read) does not have are nil.
type Artifacts struct {
	Version safe.Version
	// Source says where the artifacts were read, e.g.
	// "npm @gnosis.pm/safe-contracts@1.1.1 (/…/.tools/safe-contracts/safe-contracts-111)".
	Source string

	Singleton         *Artifact // GnosisSafe (≤ 1.3.0) or Safe (≥ 1.4.1)
	SingletonL2       *Artifact // GnosisSafeL2 / SafeL2, from 1.3.0
	Proxy             *Artifact // Proxy / GnosisSafeProxy / SafeProxy
	ProxyFactory      *Artifact // ProxyFactory / GnosisSafeProxyFactory / SafeProxyFactory
	FallbackHandler   *Artifact // DefaultCallbackHandler (1.1.1) or CompatibilityFallbackHandler
	MultiSend         *Artifact
	MultiSendCallOnly *Artifact // from 1.3.0
	SignMessageLib    *Artifact // from 1.3.0 (npm packages only)
	SafeMigration     *Artifact // from 1.5.0
}

// role is one contract of a release and where each source keeps it.
type role struct {
	field    func(*Artifacts) **Artifact
	name     string // contract name = shared file name without .json
	npmPath  string // path inside the npm package
	required bool
}

// release describes one Safe release's artifact sources.
type release struct {
	version string
	alias   string // folder under .tools/safe-contracts
	npmSpec string
	roles   []role
}

func hardhat(dir, name string) string {
	return "build/artifacts/contracts/" + dir + name + ".sol/" + name + ".json"
}

func truffle(name string) string { return "build/contracts/" + name + ".json" }

var (
	fSingleton         = func(a *Artifacts) **Artifact { return &a.Singleton }
	fSingletonL2       = func(a *Artifacts) **Artifact { return &a.SingletonL2 }
	fProxy             = func(a *Artifacts) **Artifact { return &a.Proxy }
	fProxyFactory      = func(a *Artifacts) **Artifact { return &a.ProxyFactory }
	fFallbackHandler   = func(a *Artifacts) **Artifact { return &a.FallbackHandler }
	fMultiSend         = func(a *Artifacts) **Artifact { return &a.MultiSend }
	fMultiSendCallOnly = func(a *Artifacts) **Artifact { return &a.MultiSendCallOnly }
	fSignMessageLib    = func(a *Artifacts) **Artifact { return &a.SignMessageLib }
	fSafeMigration     = func(a *Artifacts) **Artifact { return &a.SafeMigration }
)

// releases lists the versions the harness can deploy, oldest first.
var releases = []release{
	{
		version: "1.1.1", alias: "safe-contracts-111", npmSpec: "@gnosis.pm/safe-contracts@1.1.1",
		roles: []role{
			{fSingleton, "GnosisSafe", truffle("GnosisSafe"), true},
			{fProxy, "Proxy", truffle("Proxy"), true},
			{fProxyFactory, "ProxyFactory", truffle("ProxyFactory"), true},
			{fFallbackHandler, "DefaultCallbackHandler", truffle("DefaultCallbackHandler"), false},
			{fMultiSend, "MultiSend", truffle("MultiSend"), false},
		},
	},
	{
		version: "1.3.0", alias: "safe-contracts-130", npmSpec: "@gnosis.pm/safe-contracts@1.3.0",
		roles: []role{
			{fSingleton, "GnosisSafe", hardhat("", "GnosisSafe"), true},
			{fSingletonL2, "GnosisSafeL2", hardhat("", "GnosisSafeL2"), false},
			{fProxy, "GnosisSafeProxy", hardhat("proxies/", "GnosisSafeProxy"), true},
			{fProxyFactory, "GnosisSafeProxyFactory", hardhat("proxies/", "GnosisSafeProxyFactory"), true},
			{fFallbackHandler, "CompatibilityFallbackHandler", hardhat("handler/", "CompatibilityFallbackHandler"), false},
			{fMultiSend, "MultiSend", hardhat("libraries/", "MultiSend"), false},
			{fMultiSendCallOnly, "MultiSendCallOnly", hardhat("libraries/", "MultiSendCallOnly"), false},
			// 1.3.0 ships SignMessageLib under examples/ (source file SignMessage.sol).
			{fSignMessageLib, "SignMessageLib", "build/artifacts/contracts/examples/libraries/SignMessage.sol/SignMessageLib.json", false},
		},
	},
	{
		version: "1.4.1", alias: "safe-contracts-141", npmSpec: "@safe-global/safe-contracts@1.4.1",
		roles: []role{
			{fSingleton, "Safe", hardhat("", "Safe"), true},
			{fSingletonL2, "SafeL2", hardhat("", "SafeL2"), false},
			{fProxy, "SafeProxy", hardhat("proxies/", "SafeProxy"), true},
			{fProxyFactory, "SafeProxyFactory", hardhat("proxies/", "SafeProxyFactory"), true},
			{fFallbackHandler, "CompatibilityFallbackHandler", hardhat("handler/", "CompatibilityFallbackHandler"), false},
			{fMultiSend, "MultiSend", hardhat("libraries/", "MultiSend"), false},
			{fMultiSendCallOnly, "MultiSendCallOnly", hardhat("libraries/", "MultiSendCallOnly"), false},
			{fSignMessageLib, "SignMessageLib", hardhat("libraries/", "SignMessageLib"), false},
		},
	},
	{
		version: "1.5.0", alias: "safe-smart-account-150", npmSpec: "@safe-global/safe-smart-account@1.5.0",
		roles: []role{
			{fSingleton, "Safe", hardhat("", "Safe"), true},
			{fSingletonL2, "SafeL2", hardhat("", "SafeL2"), false},
			{fProxy, "SafeProxy", hardhat("proxies/", "SafeProxy"), true},
			{fProxyFactory, "SafeProxyFactory", hardhat("proxies/", "SafeProxyFactory"), true},
			{fFallbackHandler, "CompatibilityFallbackHandler", hardhat("handler/", "CompatibilityFallbackHandler"), false},
			{fMultiSend, "MultiSend", hardhat("libraries/", "MultiSend"), false},
			{fMultiSendCallOnly, "MultiSendCallOnly", hardhat("libraries/", "MultiSendCallOnly"), false},
			{fSignMessageLib, "SignMessageLib", hardhat("libraries/", "SignMessageLib"), false},
			{fSafeMigration, "SafeMigration", hardhat("libraries/", "SafeMigration"), false},
		},
	},
}

// Versions returns the Safe versions the harness can deploy, oldest first:
// 1.1.1 (Bybit's), 1.3.0, 1.4.1 and 1.5.0.
func Versions() []string {
	out := make([]string, len(releases))
	for i, r := range releases {
		out[i] = r.version
	}
	return out
}

func findRelease(version string) (*release, error) {
	v := strings.TrimPrefix(strings.TrimSpace(version), "v")
	for i := range releases {
		if releases[i].version == v {
			return &releases[i], nil
		}
	}
	return nil, fmt.Errorf("safetest: no artifacts for Safe version %q (have %s)", version, strings.Join(Versions(), ", "))
}

var artifactCache struct {
	sync.Mutex
	m map[string]*Artifacts
}

// LoadArtifacts loads the artifacts of Safe version (e.g. "1.1.1") from the
// npm packages in .tools/safe-contracts, else from $BULWARK_SAFE_ARTIFACTS,
// else from ../shared/data/safe/artifacts (see the package doc). Results are
// cached; callers must not modify them. When no source has the version the
// error wraps ErrNoArtifacts.
func LoadArtifacts(version string) (*Artifacts, error) {
	rel, err := findRelease(version)
	if err != nil {
		return nil, err
	}
	artifactCache.Lock()
	defer artifactCache.Unlock()
	if a := artifactCache.m[rel.version]; a != nil {
		return a, nil
	}
	a, err := loadRelease(rel)
	if err != nil {
		return nil, err
	}
	if artifactCache.m == nil {
		artifactCache.m = map[string]*Artifacts{}
	}
	artifactCache.m[rel.version] = a
	return a, nil
}

// RequireArtifacts returns the artifacts of version for t. When none are
// installed it skips t, or fails it when $CI is set so that CI never passes
// by skipping; any other load error fails t.
func RequireArtifacts(t testing.TB, version string) *Artifacts {
	t.Helper()
	a, err := LoadArtifacts(version)
	if errors.Is(err, ErrNoArtifacts) {
		msg := fmt.Sprintf("%v: %s", err, artifactsHint)
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// loadRelease tries each source in order.
func loadRelease(rel *release) (*Artifacts, error) {
	var tried []string
	root, rootErr := moduleRoot()
	if rootErr == nil {
		dir := filepath.Join(root, relPackages, rel.alias)
		if exists(filepath.Join(dir, "package.json")) {
			return loadFrom(rel, fmt.Sprintf("npm %s (%s)", rel.npmSpec, dir), func(r role) string {
				return filepath.Join(dir, filepath.FromSlash(r.npmPath))
			})
		}
		tried = append(tried, dir)
	}
	var flat []string
	if env := os.Getenv(EnvArtifacts); env != "" {
		flat = append(flat, env)
	}
	if rootErr == nil {
		flat = append(flat, filepath.Join(root, filepath.FromSlash(relShared)))
	}
	for _, base := range flat {
		dir := filepath.Join(base, "v"+rel.version)
		if exists(dir) {
			return loadFrom(rel, "shared artifacts "+dir, func(r role) string {
				return filepath.Join(dir, r.name+".json")
			})
		}
		tried = append(tried, dir)
	}
	if rootErr != nil {
		tried = append(tried, "(module root: "+rootErr.Error()+")")
	}
	return nil, fmt.Errorf("%w for Safe %s (looked in %s)", ErrNoArtifacts, rel.version, strings.Join(tried, ", "))
}

func loadFrom(rel *release, source string, path func(role) string) (*Artifacts, error) {
	v, err := safe.ParseVersion("version", rel.version)
	if err != nil {
		return nil, err
	}
	a := &Artifacts{Version: v, Source: source}
	for _, r := range rel.roles {
		p := path(r)
		if !exists(p) {
			if r.required {
				return nil, fmt.Errorf("safetest: %s: %s missing (%s)", source, r.name, p)
			}
			continue
		}
		art, err := readArtifact(p)
		if err != nil {
			return nil, err
		}
		if art.Name != r.name {
			return nil, fmt.Errorf("safetest: %s holds contract %q, want %q", p, art.Name, r.name)
		}
		*r.field(a) = art
	}
	return a, nil
}

// artifactJSON is the part of a truffle or hardhat artifact the harness
// reads; both formats name these fields the same.
type artifactJSON struct {
	ContractName     string          `json:"contractName"`
	ABI              json.RawMessage `json:"abi"`
	Bytecode         string          `json:"bytecode"`
	DeployedBytecode string          `json:"deployedBytecode"`
}

func readArtifact(path string) (*Artifact, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("safetest: %w", err)
	}
	var j artifactJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return nil, fmt.Errorf("safetest: %s: %w", path, err)
	}
	art, err := newArtifact(j)
	if err != nil {
		return nil, fmt.Errorf("safetest: %s: %w", path, err)
	}
	art.Path = path
	return art, nil
}

func newArtifact(j artifactJSON) (*Artifact, error) {
	if j.ContractName == "" {
		return nil, errors.New("no contractName")
	}
	parsed, err := abi.JSON(bytes.NewReader(j.ABI))
	if err != nil {
		return nil, fmt.Errorf("%s: ABI: %w", j.ContractName, err)
	}
	code, err := hexutil.Decode(j.Bytecode)
	if err != nil {
		return nil, fmt.Errorf("%s: bytecode (unlinked library placeholders?): %w", j.ContractName, err)
	}
	deployed, err := hexutil.Decode(j.DeployedBytecode)
	if err != nil {
		return nil, fmt.Errorf("%s: deployedBytecode: %w", j.ContractName, err)
	}
	if len(code) == 0 {
		return nil, fmt.Errorf("%s: empty bytecode (an interface or abstract contract?)", j.ContractName)
	}
	return &Artifact{Name: j.ContractName, ABI: parsed, RawABI: j.ABI, Bytecode: code, DeployedBytecode: deployed}, nil
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// moduleRoot walks up from the working directory (a package directory under
// `go test`) to the directory holding go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if exists(filepath.Join(dir, "go.mod")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the working directory")
		}
		dir = parent
	}
}
