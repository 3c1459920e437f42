#!/usr/bin/env bash
# test.sh is the body of `make test`, the whole suite as CI runs it
# (.ci/run). Run it through make, which sets GOFLAGS (-trimpath), PATH
# (.tools/bin) and BULWARK_ANVIL.
#
# What runs, and where the race detector runs:
#
#   - gofmt, go vet ./... and staticcheck ./... over every package;
#   - every package's tests under -race, except the cli package's;
#   - the cli package's tests without -race: they mostly run whole
#     commands (in process on copied data directories, or the bulwark
#     binary they build, which is not race-enabled either), and the
#     concurrent code they pass through (the store's group commit and
#     journal, the outbox, the webhook sender, the Safe watcher, the trace
#     follower, the HTTP API) is tested under -race in its own package;
#   - the corpus-wide runs (tests named TestCorpus…, see internal/race),
#     which the race detector skips, without -race.
#
# `make race` runs every package's tests under -race, cli included.
#
# The steps overlap: the npm tools (Anvil, solc, the Safe contract
# packages) download while Go compiles, and two lanes run side by side,
# one building with -race and one without, so that no package is
# compiled twice in the same mode:
#
#   tools:    npm install (Anvil, solc, Safe packages)
#   non-race: gofmt, staticcheck install, go vet, staticcheck, [tools] cli tests,
#             corpus runs (without -race); at a lower priority
#   race:     go build -race (the packages, not their tests),
#             [tools] go test -race (all but cli)
#
# [tools]: waits for the npm tools first. go test's own vet pass is off in
# the race lane (-vet=off): go vet ./... runs every check on every
# package, tests included.
#
# The non-race lane builds without cgo (CGO_ENABLED=0). Bulwark has no C
# of its own, but go-ethereum's crypto package compiles libsecp256k1 (C)
# when cgo is on: about 17 CPU seconds of gcc per build mode, paid in the
# race lane anyway, since -race needs cgo. Without cgo, go-ethereum
# recovers signatures with its pure-Go secp256k1 (decred's) instead; the
# C path stays under test in the race lane, which runs every package's
# tests but cli's. The tests that build a binary (the cli tests' bulwark,
# screening/sources' go run of mkdefaultlists) build it without cgo too,
# so that it reuses this lane's packages. Each step prints what it starts and how it
# ended; a failed step stops neither the other lane nor its own lane's
# independent steps, and the script fails if any step did.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

GO="${GO:-go}"
TEST_TIMEOUT="${TEST_TIMEOUT:-25m}"
# Test binaries are linked without DWARF (-w): about 40 % less linking for
# each of some forty binaries; stack traces do not need it. (Debug a test
# with your own go test.)
LINK=(-ldflags=-w)
# The race lane's flags. -race also turns on the compiler's pointer
# checks (checkptr) in every package; in modernc.org's SQLite (C
# translated to Go by machine, tested upstream) they fire on nearly every
# call and were about a third of the sqlite package's test CPU. They stay
# on for every other package, and the race detector itself stays on for
# all of them; `make race` keeps the checks everywhere.
RACE=(-race "-gcflags=modernc.org/...=-d=checkptr=0")

state="$(mktemp -d)"
trap 'rm -rf "$state"' EXIT

say() {
	printf 'make test [%3ds] %s\n' "$SECONDS" "$*" >&2
}

# cpu_now sets $cpu to the CPU seconds (user + sys) of this shell's
# finished children: a lane runs its steps one after the other, so the
# difference across a step is the step's CPU. (It runs in this shell, never
# in a $(…) subshell, whose children would be none.)
cpu_now() {
	local f="$state/times.$BASHPID" u s
	times >"$f"
	read -r u s < <(tail -n1 "$f" | tr -d s | tr m ' ' | awk '{ print $1*60 + $2, $3*60 + $4 }')
	cpu="$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.1f", u + s }')"
}

# step NAME CMD...: runs CMD, saying when it starts and how it ended (wall
# and CPU seconds).
step() {
	local name="$1" start="$SECONDS" cpu before rc=0
	shift
	cpu_now
	before="$cpu"
	say "$name"
	"$@" || rc=$?
	cpu_now
	cpu="$(awk -v a="$before" -v b="$cpu" 'BEGIN { printf "%.1f", b - a }')"
	if ((rc != 0)); then
		say "FAILED: $name ($((SECONDS - start)) s, $cpu CPU s)"
		return 1
	fi
	say "done: $name ($((SECONDS - start)) s, $cpu CPU s)"
}

# await_tools blocks until the npm tools are installed, failing if their
# install failed.
await_tools() {
	while [[ ! -f "$state/tools.rc" ]]; do sleep 0.5; done
	[[ "$(<"$state/tools.rc")" == 0 ]]
}

fmt_check() {
	make --no-print-directory fmt-check
}

# cli_tests runs the cli package's test binary directly rather than
# through go test, so that its progress lines (on stderr) show as it goes.
cli_tests() {
	local bin="$state/cli.test"
	$GO test "${LINK[@]}" -c -o "$bin" ./cli
	(cd cli && "$bin" -test.timeout="$TEST_TIMEOUT" -test.paniconexit0)
}

tools_lane() {
	local rc=0
	step "installing the npm tools" bash scripts/install-test-deps.sh npm || rc=$?
	echo "$rc" >"$state/tools.rc"
	return $rc
}

# A lane goes on past a failed check or test step, so that one run shows
# every failure; it stops only where a later step needs what failed.
nonrace_lane() {
	local rc=0
	# The race lane is the longer (it has the more CPU to do, cold and
	# warm): this lane yields the cores to it and takes what is left, so
	# that both end at about the same time.
	renice -n 10 -p "$BASHPID" >/dev/null 2>&1 || true
	export CGO_ENABLED=0
	step "gofmt" fmt_check || rc=1
	if step "installing staticcheck" bash scripts/install-test-deps.sh staticcheck; then
		step "go vet ./..." $GO vet ./... || rc=1
		# GOGC=200: staticcheck spent about a third of its CPU collecting
		# garbage (the IR of every package it checks); half as many
		# collections, for a peak of about 2.6 GB instead of 1.4 (the
		# largest process of a cold make test: staticcheck).
		step "staticcheck ./..." env GOGC=200 staticcheck ./... || rc=1
	else
		rc=1
		step "go vet ./..." $GO vet ./... || rc=1
	fi
	if await_tools; then
		step "cli tests (without -race)" cli_tests || rc=1
	else
		rc=1
	fi
	corpus_runs || rc=1
	return $rc
}

race_lane() {
	local rc=0
	if step "go build -race (the packages whose tests run under -race, not their tests)" $GO build "${RACE[@]}" "${libs[@]}" &&
		await_tools; then
		step "go test -race (every package but cli)" \
			$GO test "${RACE[@]}" -vet=off "${LINK[@]}" -count=1 -timeout "$TEST_TIMEOUT" "${race_pkgs[@]}" || rc=1
	else
		rc=1
	fi
	return $rc
}

# corpus_runs runs the corpus-wide tests, at the end of the non-race lane:
# they are built without -race, as go vet and the cli tests have built
# their dependencies already (in the race lane a cold run would compile
# them a second time).
corpus_runs() {
	step "corpus runs (without -race): ${corpus_pkgs[*]}" \
		$GO test "${LINK[@]}" -count=1 -timeout "$TEST_TIMEOUT" -run '^TestCorpus' "${corpus_pkgs[@]}"
}


tools_lane &
tools_pid=$!
step "go mod download" $GO mod download

# The packages (one go list: name, import path, module of each), the
# slowest first in the race lane so that they do not start last.
mapfile -t listed < <($GO list -f '{{.Name}} {{.ImportPath}} {{.Module.Path}}' ./...)
all=()
libs=()
for l in "${listed[@]}"; do
	read -r name path module <<<"$l"
	all+=("$path")
	# The race lane's go build: not the main packages (it would link them)
	# nor cli (its tests run without -race).
	[[ "$name" == main || "$path" == "$module/cli" ]] || libs+=("$path")
done
slow_first=(httpapi sqlite screening/sources screening/names internal/safetest internal/tracee2e screening tracing audit safe/watch)
race_pkgs=()
for p in "${slow_first[@]}"; do
	[[ " ${all[*]} " == *" $module/$p "* ]] && race_pkgs+=("$module/$p")
done
for p in "${all[@]}"; do
	case "$p" in
	"$module/cli") ;;
	*) [[ " ${race_pkgs[*]} " == *" $p "* ]] || race_pkgs+=("$p") ;;
	esac
done
mapfile -t corpus_pkgs < <(grep -rl --include='*_test.go' --exclude-dir=.tools --exclude-dir=.git 'func TestCorpus' . | xargs -n1 dirname | sort -u)

nonrace_lane &
nonrace_pid=$!
race_lane &
race_pid=$!

failed=()
wait "$tools_pid" || failed+=("npm tools")
wait "$nonrace_pid" || failed+=("non-race lane (gofmt, vet, staticcheck, cli tests, corpus runs)")
wait "$race_pid" || failed+=("race lane (go test -race)")
if ((${#failed[@]})); then
	say "FAILED: $(IFS=,; echo "${failed[*]}")"
	exit 1
fi
cpu_now
say "all passed ($cpu CPU s)"
