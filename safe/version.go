package safe

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/bulwark-sec/bulwark"
)

// Version is a released Safe contract version, as its VERSION() returns it,
// with an optional build suffix such as "+L2" that the Safe Transaction
// Service appends for the L2 singletons. The suffix never changes hashing.
type Version struct {
	Major, Minor, Patch int
	// Build is the suffix after '+', e.g. "L2" for "1.3.0+L2"; empty if none.
	Build string
}

// released lists every Safe contract version that was tagged and released
// (safe-global/safe-smart-account tags, CHANGELOG and the master copies the
// Safe Transaction Service indexes). 1.1.0 (master copy 0xaE32…F99B, mainnet
// block 8915728) and 1.4.0 (Safe 0xc962…2132 via the Safe Singleton Factory)
// were released even though safe-deployments skips them; 0.0.x pre-releases
// and the library-only "1.3.0-libs.0" are not contract versions a Safe
// reports.
var released = []Version{
	{Major: 0, Minor: 1, Patch: 0},
	{Major: 1, Minor: 0, Patch: 0},
	{Major: 1, Minor: 1, Patch: 0},
	{Major: 1, Minor: 1, Patch: 1},
	{Major: 1, Minor: 2, Patch: 0},
	{Major: 1, Minor: 3, Patch: 0},
	{Major: 1, Minor: 4, Patch: 0},
	{Major: 1, Minor: 4, Patch: 1},
	{Major: 1, Minor: 5, Patch: 0},
}

// SupportedVersions returns the released versions Bulwark hashes, oldest
// first, without build suffixes.
func SupportedVersions() []string {
	out := make([]string, len(released))
	for i, v := range released {
		out[i] = v.Core()
	}
	return out
}

func SupportedList() string { return strings.Join(SupportedVersions(), ", ") }

// maxBuildLen bounds the "+…" suffix; real ones are "L2".
const maxBuildLen = 32

// ParseVersion parses a Safe version such as "1.3.0", "1.3.0+L2" or
// "v1.1.1". It rejects anything that is not a released version with an
// invalid error naming field (e.g. "--safe-version") and listing the
// supported versions.
func ParseVersion(field, s string) (Version, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Version{}, bulwark.Invalid(field, "required: the Safe's version as its VERSION() returns it, e.g. 1.3.0 (supported: %s)", SupportedList())
	}
	core := s
	if core[0] == 'v' || core[0] == 'V' {
		core = core[1:]
	}
	core, build, hasBuild := strings.Cut(core, "+")
	if hasBuild && !validBuild(build) {
		return Version{}, bulwark.Invalid(field, "%s has a malformed suffix after '+': want letters, digits, '.' or '-' such as 1.3.0+L2", Quote(s))
	}
	parts := strings.Split(core, ".")
	if len(parts) != 3 {
		return Version{}, bulwark.Invalid(field, "%s is not a version like 1.3.0 or 1.3.0+L2 (supported: %s)", Quote(s), SupportedList())
	}
	var nums [3]int
	for i, p := range parts {
		n, ok := versionNumber(p)
		if !ok {
			return Version{}, bulwark.Invalid(field, "%s is not a version like 1.3.0 or 1.3.0+L2 (supported: %s)", Quote(s), SupportedList())
		}
		nums[i] = n
	}
	v := Version{Major: nums[0], Minor: nums[1], Patch: nums[2], Build: build}
	if !v.Known() {
		return Version{}, bulwark.Invalid(field, "unknown Safe version %s: Bulwark hashes the released versions %s (optionally with a suffix such as +L2)", Quote(s), SupportedList())
	}
	return v, nil
}

// versionNumber parses one dotted component: decimal digits without a
// leading zero, at most three of them.
func versionNumber(p string) (int, bool) {
	if p == "" || len(p) > 3 || (len(p) > 1 && p[0] == '0') {
		return 0, false
	}
	for i := 0; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(p)
	return n, err == nil
}

func validBuild(b string) bool {
	if b == "" || len(b) > maxBuildLen {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// Known reports whether v (ignoring its build suffix) is a released version.
func (v Version) Known() bool {
	for _, r := range released {
		if r.Major == v.Major && r.Minor == v.Minor && r.Patch == v.Patch {
			return true
		}
	}
	return false
}

// Core returns the version without its build suffix, e.g. "1.3.0".
func (v Version) Core() string { return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch) }

// String returns the version with its build suffix, e.g. "1.3.0+L2".
func (v Version) String() string {
	if v.Build != "" {
		return v.Core() + "+" + v.Build
	}
	return v.Core()
}

// Compare orders versions by number, ignoring build suffixes: -1 if v is
// older than o, 0 if equal, +1 if newer.
func (v Version) Compare(o Version) int {
	switch {
	case v.Major != o.Major:
		return sign(v.Major - o.Major)
	case v.Minor != o.Minor:
		return sign(v.Minor - o.Minor)
	default:
		return sign(v.Patch - o.Patch)
	}
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

var (
	v1_0_0 = Version{Major: 1}
	v1_3_0 = Version{Major: 1, Minor: 3}
)

// DomainHasChainID reports whether the version's EIP-712 domain includes the
// chain id (1.3.0 and later). Up to 1.2.0 the domain is the Safe address
// alone, fixed at setup in storage slot 6.
func (v Version) DomainHasChainID() bool { return v.Compare(v1_3_0) >= 0 }

// UsesDataGas reports whether the version's SafeTx type names its gas field
// dataGas (before 1.0.0) instead of baseGas; the two type hashes differ.
func (v Version) UsesDataGas() bool { return v.Compare(v1_0_0) < 0 }

// MaxOperation returns the highest operation the version executes: CREATE
// (2) before 1.0.0, DELEGATECALL (1) from 1.0.0.
func (v Version) MaxOperation() Operation {
	if v.UsesDataGas() {
		return Create
	}
	return DelegateCall
}

// Quote renders user input for an error message, shortened so that a
// megabyte of garbage does not become a megabyte of error.
func Quote(s string) string {
	const max = 48
	if len(s) > max {
		return strconv.Quote(s[:max]) + "…"
	}
	return strconv.Quote(s)
}
