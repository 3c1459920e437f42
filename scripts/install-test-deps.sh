#!/usr/bin/env bash
# install-test-deps.sh installs the tools Bulwark's tests need into the
# git-ignored folder .tools/ at the module root:
#
#   .tools/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil   (npm @foundry-rs/anvil)
#   .tools/bin/staticcheck                                        (honnef.co/go/tools)
#
# It is idempotent: a tool already present at its pinned version is left
# alone. It prints nothing on success and says what failed otherwise.
# Override the pins with ANVIL_VERSION / STATICCHECK_VERSION if you must.
set -euo pipefail

ANVIL_VERSION="${ANVIL_VERSION:-1.7.1}"
STATICCHECK_VERSION="${STATICCHECK_VERSION:-v0.8.2}"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.tools"
anvil="$tools/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil"
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

# --- Anvil -----------------------------------------------------------------
case "$(uname -s)-$(uname -m)" in
Linux-x86_64 | Linux-amd64) ;;
*) fail "Anvil via npm is wired for linux-amd64 only (this is $(uname -s)-$(uname -m)); set BULWARK_ANVIL to an anvil binary instead" ;;
esac

anvil_ok() {
	[[ -x "$anvil" ]] && "$anvil" --version 2>/dev/null | grep -qE "^anvil Version: ${ANVIL_VERSION//./\\.}([^0-9.]|\$)"
}

if ! anvil_ok; then
	command -v npm >/dev/null || fail "npm not found; install Node.js (e.g. apt-get install nodejs npm)"
	# npm creates .tools/package.json and package-lock.json on a fresh clone.
	[[ -f "$tools/package.json" ]] || printf '{\n  "name": "bulwark-test-tools",\n  "private": true\n}\n' >"$tools/package.json"
	run npm install --prefix "$tools" --save-exact --no-audit --no-fund --loglevel=error \
		"@foundry-rs/anvil@$ANVIL_VERSION"
	[[ -x "$anvil" ]] || fail "npm installed @foundry-rs/anvil@$ANVIL_VERSION but $anvil is missing (was the optional dependency @foundry-rs/anvil-linux-amd64 skipped? check npm's --omit=optional setting)"
	anvil_ok || fail "$anvil does not report version $ANVIL_VERSION: $("$anvil" --version 2>&1 | head -n1)"
fi

# --- staticcheck -----------------------------------------------------------
staticcheck_ok() {
	[[ -x "$staticcheck" ]] && "$staticcheck" -version 2>/dev/null | grep -qF "(${STATICCHECK_VERSION#v})"
}

if ! staticcheck_ok; then
	command -v go >/dev/null || fail "go not found on PATH"
	(cd "$root" && GOBIN="$tools/bin" run go install "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION")
	staticcheck_ok || fail "$staticcheck does not report version $STATICCHECK_VERSION: $("$staticcheck" -version 2>&1 | head -n1)"
fi
