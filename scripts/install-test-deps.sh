#!/usr/bin/env bash
# install-test-deps.sh installs the tools Bulwark's tests need into the
# git-ignored folder .tools/ at the module root:
#
#   .tools/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil   (npm @foundry-rs/anvil)
#   .tools/node_modules/solc/                                      (npm solc: soljson, pure JS)
#   .tools/safe-contracts/<alias>/                                 (npm Safe contract packages)
#   .tools/bin/staticcheck                                        (honnef.co/go/tools: a link to
#                                                                  the machine's build, below)
#   .tools/scan-clean/node_modules/                               (popular npm packages, clean code
#                                                                  for the repository scanner's tests)
#   /usr/bin/chromium                                             (Debian's chromium, for the browser
#                                                                  tests: apt-get, as root only)
#
# The Safe contract packages (their build artifacts: bytecode and ABI) are
# unpacked with `npm pack`, not `npm install`: @gnosis.pm/safe-contracts@1.1.1
# depends on truffle packages that fetch from GitHub, which cannot be
# reached here, and the artifacts need no dependencies. Each tarball is
# checked against a pinned SHA-256 and unpacked under an alias, so that two
# versions of one package sit side by side; internal/safetest reads them.
# solc compiles internal/safetest's own test contracts (go generate).
#
# The scanner's clean-code packages (express, lodash, axios, react,
# react-dom, typescript, eslint, webpack, next at pinned versions) are
# installed with --ignore-scripts: the scanner's tests read them, nothing
# of theirs is ever run.
#
# staticcheck is built once per machine, not once per clone: into
# $XDG_CACHE_HOME/bulwark-tools/staticcheck-VERSION-GOVERSION-GOOS_GOARCH/
# (~/.cache when XDG_CACHE_HOME is unset; BULWARK_TOOLS_CACHE names
# another folder), from the pinned version through the Go module proxy
# (go.sum-checked as any module), with -trimpath; .tools/bin/staticcheck
# links to it. Building it took about 70 CPU seconds in a cold make test,
# about half of them standard-library compiles that go vet then reused (it
# pays them itself when staticcheck is cached) and half golang.org/x/tools
# and staticcheck's own packages, which a fresh clone on the same machine
# no longer pays. The folder is keyed by the Go version too, since
# staticcheck type-checks with the go/types it was built with. Where that
# cache cannot be written, it is built into .tools/bin as before.
#
# It is idempotent: a tool already present at its pinned version is left
# alone. It prints nothing on success and says what failed otherwise.
# Override the pins with ANVIL_VERSION / SOLC_VERSION / STATICCHECK_VERSION
# if you must.
#
# Chromium is installed with apt-get (Debian's `chromium` and the
# fonts-liberation it recommends, so that screenshots have readable text)
# when it is missing and the script runs as root; apt-get waits for
# another apt or dpkg run to release its lock. Elsewhere a missing
# Chromium is only reported: the browser tests then skip, saying how to
# run them, except under CI=true, where they fail.
#
# Usage: install-test-deps.sh [npm|staticcheck|chromium]: with no argument,
# all three; `npm` installs Anvil, solc and the Safe packages (downloads,
# run side by side), `staticcheck` builds staticcheck, `chromium` installs
# the browser (make test runs them apart, so that the downloads overlap
# the compiling).
set -euo pipefail

what="${1:-all}"
case "$what" in
all | npm | staticcheck | chromium) ;;
*)
	echo "usage: install-test-deps.sh [npm|staticcheck|chromium]" >&2
	exit 2
	;;
esac

ANVIL_VERSION="${ANVIL_VERSION:-1.7.1}"
SOLC_VERSION="${SOLC_VERSION:-0.8.30}"
STATICCHECK_VERSION="${STATICCHECK_VERSION:-v0.8.2}"

# The repository scanner's clean-code packages (scan/fixtures_test.go):
# the findings per package are a golden file, so the versions are pinned.
SCAN_CLEAN_PACKAGES=(express@5.3.0 lodash@4.18.1 axios@1.21.1 react@19.3.1 react-dom@19.3.1
	typescript@7.0.2 eslint@10.16.0 webpack@5.113.0 next@16.5.0)

# Safe contract packages: alias|npm spec|SHA-256 of the npm tarball.
SAFE_PACKAGES=(
	"safe-contracts-111|@gnosis.pm/safe-contracts@1.1.1|146520263e64f87a3fdfa61ad04d917185bb6918814c89febd8a44a344984714"
	"safe-contracts-130|@gnosis.pm/safe-contracts@1.3.0|ee19525b00dbca9e62668551a5955ea492025a5d6556afc42270f43a6bd40525"
	"safe-contracts-141|@safe-global/safe-contracts@1.4.1|8803f7cf26e2c58300b8136342faa7b8bce59436e300f52115fa25b095e0bf79"
	"safe-smart-account-150|@safe-global/safe-smart-account@1.5.0|6ffc8ccbd8c5de2a9909bd072a4bb677b4d84b25f126757bdec9f26ef732fc29"
)

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.tools"
anvil="$tools/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil"
solc_pkg="$tools/node_modules/solc/package.json"
safe_dir="$tools/safe-contracts"
staticcheck="$tools/bin/staticcheck"

fail() {
	echo "install-test-deps: $*" >&2
	exit 1
}

# run executes a command quietly, printing its output only when it fails.
run() {
	local log
	log="$(mktemp)"
	if ! "$@" >"$log" 2>&1; then
		echo "install-test-deps: command failed: $*" >&2
		cat "$log" >&2
		rm -f "$log"
		exit 1
	fi
	rm -f "$log"
}

mkdir -p "$tools/bin"

# work is a temporary folder being filled (see install_safe_package).
work=""
cleanup() {
	if [[ -n "$work" ]]; then rm -rf "$work"; fi
}
trap cleanup EXIT

# --- Anvil and solc ----------------------------------------------------------
anvil_ok() {
	[[ -x "$anvil" ]] && "$anvil" --version 2>/dev/null | grep -qE "^anvil Version: ${ANVIL_VERSION//./\\.}([^0-9.]|\$)"
}

solc_ok() {
	[[ -f "$solc_pkg" ]] && grep -qE "^[[:space:]]*\"version\": \"${SOLC_VERSION//./\\.}\"" "$solc_pkg"
}

install_anvil_solc() {
	if anvil_ok && solc_ok; then
		return
	fi
	command -v npm >/dev/null || fail "npm not found; install Node.js (e.g. apt-get install nodejs npm)"
	# npm creates .tools/package.json and package-lock.json on a fresh clone.
	[[ -f "$tools/package.json" ]] || printf '{\n  "name": "bulwark-test-tools",\n  "private": true\n}\n' >"$tools/package.json"
	run npm install --prefix "$tools" --save-exact --no-audit --no-fund --loglevel=error \
		"@foundry-rs/anvil@$ANVIL_VERSION" "solc@$SOLC_VERSION"
	[[ -x "$anvil" ]] || fail "npm installed @foundry-rs/anvil@$ANVIL_VERSION but $anvil is missing (was the optional dependency @foundry-rs/anvil-linux-amd64 skipped? check npm's --omit=optional setting)"
	anvil_ok || fail "$anvil does not report version $ANVIL_VERSION: $("$anvil" --version 2>&1 | head -n1)"
	solc_ok || fail "npm did not install solc@$SOLC_VERSION into $tools/node_modules/solc"
}

# --- The scanner's clean-code packages ---------------------------------------
# In place when the stamp lists the pinned packages; npm installs them
# with --ignore-scripts (their install scripts never run).
scan_clean="$tools/scan-clean"
install_scan_clean() {
	local want="${SCAN_CLEAN_PACKAGES[*]}"
	local stamp="$scan_clean/.bulwark-packages"
	if [[ -f "$stamp" && "$(<"$stamp")" == "$want" ]]; then
		return
	fi
	command -v npm >/dev/null || fail "npm not found; install Node.js (e.g. apt-get install nodejs npm)"
	mkdir -p "$scan_clean"
	[[ -f "$scan_clean/package.json" ]] || printf '{\n  "name": "bulwark-scan-clean",\n  "private": true\n}\n' >"$scan_clean/package.json"
	run npm install --prefix "$scan_clean" --ignore-scripts --save-exact --no-audit --no-fund --loglevel=error "${SCAN_CLEAN_PACKAGES[@]}"
	echo "$want" >"$stamp"
}

# --- Safe contract artifacts -------------------------------------------------
# A package is in place when its folder holds the stamp with its pinned
# SHA-256; it is unpacked into a temporary folder and renamed into place, so
# an interrupted run leaves no half-unpacked package behind.
install_safe_package() {
	local alias="$1" spec="$2" sum="$3"
	local dest="$safe_dir/$alias"
	local stamp="$dest/.bulwark-sha256"
	if [[ -f "$stamp" && "$(<"$stamp")" == "$sum" ]]; then
		return
	fi
	command -v npm >/dev/null || fail "npm not found; install Node.js (e.g. apt-get install nodejs npm)"
	mkdir -p "$safe_dir"
	# work is the temporary folder being filled; it is removed however
	# this (background) shell exits.
	work="$(mktemp -d "$safe_dir/.unpack.XXXXXX")"
	trap cleanup EXIT
	(cd "$work" && run npm pack --loglevel=error "$spec")
	local tarballs=("$work"/*.tgz)
	[[ ${#tarballs[@]} -eq 1 && -f "${tarballs[0]}" ]] || fail "npm pack $spec did not produce one tarball"
	local got
	got="$(sha256sum "${tarballs[0]}" | cut -d' ' -f1)"
	if [[ "$got" != "$sum" ]]; then
		fail "npm pack $spec: SHA-256 $got, want $sum (pinned in scripts/install-test-deps.sh)"
	fi
	mkdir "$work/pkg"
	tar -xzf "${tarballs[0]}" -C "$work/pkg" --strip-components=1 --no-same-owner --no-same-permissions
	echo "$sum" >"$work/pkg/.bulwark-sha256"
	rm -rf "$dest"
	mv "$work/pkg" "$dest"
	rm -rf "$work"
	work=""
}

# --- Chromium ------------------------------------------------------------------
# Where the browser tests find it (internal/browser.Chromium).
chromium_ok() {
	if [[ -n "${BULWARK_CHROMIUM:-}" ]]; then
		[[ -x "$BULWARK_CHROMIUM" ]]
		return
	fi
	[[ -x /usr/bin/chromium ]] || command -v chromium >/dev/null || command -v chromium-browser >/dev/null
}

install_chromium() {
	if chromium_ok; then
		return
	fi
	if [[ -n "${BULWARK_CHROMIUM:-}" ]]; then
		fail "BULWARK_CHROMIUM=$BULWARK_CHROMIUM is not an executable (unset it to use Debian's /usr/bin/chromium)"
	fi
	if [[ "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null; then
		echo "install-test-deps: Chromium not found, and installing it needs root and apt-get: the browser tests will skip" \
			"(and fail under CI=true); install it with: sudo apt-get install chromium fonts-liberation" >&2
		return
	fi
	# The lock timeout: another apt-get or dpkg run (unattended upgrades, a
	# person's install) finishes first.
	export DEBIAN_FRONTEND=noninteractive
	run apt-get -o DPkg::Lock::Timeout=900 update -q
	run apt-get -o DPkg::Lock::Timeout=900 install -y -q --no-install-recommends chromium fonts-liberation
	chromium_ok || fail "apt-get installed chromium, but no chromium executable is found (/usr/bin/chromium)"
}

if [[ "$what" == chromium || "$what" == all ]]; then
	install_chromium
fi
if [[ "$what" == chromium ]]; then
	exit 0
fi

# The npm downloads are independent: they run side by side, each in its
# own shell, and the script fails if any failed.
if [[ "$what" != staticcheck ]]; then
	pids=()
	install_anvil_solc &
	pids+=($!)
	install_scan_clean &
	pids+=($!)
	for entry in "${SAFE_PACKAGES[@]}"; do
		IFS='|' read -r alias spec sum <<<"$entry"
		install_safe_package "$alias" "$spec" "$sum" &
		pids+=($!)
	done
	npm_failed=0
	for pid in "${pids[@]}"; do
		wait "$pid" || npm_failed=1
	done
	((npm_failed == 0)) || exit 1
fi

# --- staticcheck -----------------------------------------------------------
staticcheck_ok() {
	[[ -x "$1" ]] && "$1" -version 2>/dev/null | grep -qF "(${STATICCHECK_VERSION#v})"
}

# build_staticcheck DIR: go install into a new folder beside DIR, renamed
# into place when whole (two clones building at once each rename their own;
# the loser's is removed), so DIR never holds a half-written binary.
build_staticcheck() {
	local dir="$1" tmp
	mkdir -p "$(dirname "$dir")" || return 1
	tmp="$(mktemp -d "$dir.tmp.XXXXXX")" || return 1
	chmod 755 "$tmp"
	# -ldflags=-s -w: no symbol table or DWARF; staticcheck's own
	# messages do not need them, and the link is shorter.
	if ! (cd "$root" && GOBIN="$tmp" run go install -trimpath -ldflags="-s -w" "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION"); then
		rm -rf "$tmp"
		return 1
	fi
	mv -T "$tmp" "$dir" 2>/dev/null || rm -rf "$tmp"
	staticcheck_ok "$dir/staticcheck"
}

if [[ "$what" != npm ]] && ! staticcheck_ok "$staticcheck"; then
	command -v go >/dev/null || fail "go not found on PATH"
	cache="${BULWARK_TOOLS_CACHE:-${XDG_CACHE_HOME:-${HOME:-/nonexistent}/.cache}/bulwark-tools}"
	key="staticcheck-$STATICCHECK_VERSION-$(go env GOVERSION)-$(go env GOOS)_$(go env GOARCH)"
	built="$cache/$key/staticcheck"
	# A folder left without a working binary (a disk filled mid-write) is
	# built again.
	[[ ! -e "$cache/$key" ]] || staticcheck_ok "$built" || rm -rf "$cache/$key"
	if staticcheck_ok "$built" || build_staticcheck "$cache/$key" 2>/dev/null; then
		ln -sfn "$built" "$staticcheck"
	else
		# No usable cache folder: build into .tools/bin itself.
		rm -f "$staticcheck"
		(cd "$root" && GOBIN="$tools/bin" run go install -trimpath -ldflags="-s -w" "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION")
	fi
	staticcheck_ok "$staticcheck" || fail "$staticcheck does not report version $STATICCHECK_VERSION: $("$staticcheck" -version 2>&1 | head -n1)"
fi
