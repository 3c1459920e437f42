#!/usr/bin/env bash
# test.sh is the body of `make test`, the whole suite as CI runs it
# (.ci/run). Run it through make, which sets GOFLAGS (-trimpath), PATH
# (.tools/bin) and BULWARK_ANVIL.
#
# What runs, and where the race detector runs:
#
#   - gofmt, go vet ./... and staticcheck ./... over every package;
#   - under -race, the tests of every package whose own code is
#     concurrent (goroutines, channels, locks or atomics in its non-test
#     files, or goroutines its tests start: the store's group commit and
#     journal, the outbox, the webhook sender, the Safe watcher, the trace
#     follower, the HTTP API, the screening service, …), chosen by
#     looking at the code each run, so a package that becomes concurrent
#     moves to the race lane by itself;
#   - without -race, the tests of the other packages (parsers, decoders,
#     rules, report writers: sequential code, where the race detector
#     only multiplies the CPU, five to ten times) and of the cli package
#     (whole commands, in process or through the bulwark binary they
#     build, which is not race-enabled either: the concurrent code they
#     pass through is tested under -race in its own package);
#   - without -race, in a step of their own that shows their progress,
#     the browser tests (internal/browser and the packages under it: a
#     headless Chromium driving the console of a real bulwark serve);
#   - the corpus-wide runs (tests named TestCorpus…, see internal/race)
#     of the race-lane packages, which the race detector skips, without
#     -race.
#
# `make race` runs every package's tests under -race, cli included.
#
# go test's cache is on: a package whose test binary, flags, environment
# and the files its tests read have not changed is not run again (go test
# prints "(cached)"), which is what keeps a warm run short. The tests that
# depend on more of the tree than that (the cli tests build the bulwark
# binary, one test runs go list, another go run) read BULWARK_TEST_TREE
# (internal/testtree), which this script sets to a digest of the source
# tree, so they run again whenever any file of the tree changes.
# TEST_COUNT=1 make test runs every test again whatever the cache holds.
#
# The steps overlap: the npm tools (Anvil, solc, the Safe contract
# packages) download while Go compiles, and two lanes run side by side,
# one building with -race and one without, so that no package is
# compiled twice in the same mode:
#
#   tools:    npm install (Anvil, solc, Safe packages), apt-get install
#             chromium (when missing, as root)
#   non-race: gofmt, staticcheck install, go vet, staticcheck,
#             [tools] go test (the sequential packages), cli tests,
#             browser tests, corpus runs of the race lane's packages
#   race:     go build -race (the race lane's packages, not their tests),
#             [tools] go test -race (the race lane's packages)
#
# [tools]: waits for the npm tools first. go test's own vet pass is off
# (-vet=off): go vet ./... runs every check on every package, tests
# included.
#
# The non-race lane builds without cgo (CGO_ENABLED=0). Bulwark has no C
# of its own, but go-ethereum's crypto package compiles libsecp256k1 (C)
# when cgo is on: about 17 CPU seconds of gcc per build mode, paid in the
# race lane anyway, since -race needs cgo. Without cgo, go-ethereum
# recovers signatures with its pure-Go secp256k1 (decred's) instead; the
# C path stays under test in the race lane. The tests that build a binary
# (the cli tests' bulwark, screening/sources' go run of mkdefaultlists)
# build it without cgo too, so that it reuses this lane's packages. Each
# step prints what it starts and how it ended; a failed step stops
# neither the other lane nor its own lane's independent steps, and the
# script fails if any step did.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

GO="${GO:-go}"
TEST_TIMEOUT="${TEST_TIMEOUT:-25m}"
# TEST_COUNT=1 runs every test again, whatever go test's cache holds.
COUNT=()
[[ -n "${TEST_COUNT:-}" ]] && COUNT=("-count=${TEST_COUNT}")
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
# The steps that only compile (installing staticcheck, go vet, go build
# -race) run with GOGC=400: the compiler spent about a fifth of its CPU
# collecting garbage, and four times the heap between collections costs
# at most about 1 GB a compile (modernc.org/sqlite/lib, the largest). The
# steps that run tests keep the caller's GOGC, as the tests do.
BUILD=(env "GOGC=${BUILD_GOGC:-400}")

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

# progress_tests PREFIX PACKAGE... runs the packages' tests verbosely, alone,
# so that go test passes their output on as it comes: the progress lines
# (starting with PREFIX, "cli tests +12.3s: …", on stderr) are shown as
# they come, the rest is kept in a file and shown whole if the tests fail.
progress_tests() {
	local prefix="$1" rc=0
	shift
	local log="$state/${prefix// /-}.log"
	$GO test -v -vet=off "${LINK[@]}" "${COUNT[@]}" -timeout "$TEST_TIMEOUT" "$@" >"$log" 2>&1 &
	local pid=$!
	tail -n +1 -f --pid="$pid" "$log" | grep --line-buffered "^$prefix +" >&2 || true
	wait "$pid" || rc=$?
	if ((rc != 0)); then
		cat "$log" >&2
	else
		grep -E '^ok[[:space:]]' "$log" >&2 || true
	fi
	return $rc
}

# cli_tests runs the cli package's tests (whole commands, in process or
# through the bulwark binary they build).
cli_tests() {
	progress_tests "cli tests" ./cli
}

# browser_tests runs the browser tests: the headless Chromium harness and
# the console's end-to-end scenarios (each starts a real bulwark serve and
# drives pages in Chromium). Without Chromium they skip, saying how to run
# them (shown here); under CI=true they fail. Screenshots go to
# .test-artifacts/browser/.
browser_tests() {
	progress_tests "browser tests" "${browser_pkgs[@]}"
}

# nonrace_tests runs the tests of the packages outside the race lane.
nonrace_tests() {
	$GO test -vet=off "${LINK[@]}" "${COUNT[@]}" -timeout "$TEST_TIMEOUT" "${nonrace_pkgs[@]}"
}

tools_lane() {
	local rc=0 chromium
	step "installing Chromium (for the browser tests)" bash scripts/install-test-deps.sh chromium &
	chromium=$!
	step "installing the npm tools" bash scripts/install-test-deps.sh npm || rc=$?
	wait "$chromium" || rc=1
	echo "$rc" >"$state/tools.rc"
	return $rc
}

# A lane goes on past a failed check or test step, so that one run shows
# every failure; it stops only where a later step needs what failed.
nonrace_lane() {
	local rc=0
	export CGO_ENABLED=0
	step "gofmt" fmt_check || rc=1
	if step "installing staticcheck" "${BUILD[@]}" bash scripts/install-test-deps.sh staticcheck; then
		step "go vet ./..." "${BUILD[@]}" $GO vet ./... || rc=1
		# GOGC=200: staticcheck spent about a third of its CPU collecting
		# garbage (the IR of every package it checks); half as many
		# collections, for a peak of about 2.6 GB instead of 1.4 (the
		# largest process of a cold make test: staticcheck).
		step "staticcheck ./..." env GOGC=200 staticcheck ./... || rc=1
	else
		rc=1
		step "go vet ./..." "${BUILD[@]}" $GO vet ./... || rc=1
	fi
	if await_tools; then
		step "go test (the sequential packages, without -race)" nonrace_tests || rc=1
		step "cli tests (without -race)" cli_tests || rc=1
		((${#browser_pkgs[@]} == 0)) || step "browser tests (headless Chromium, without -race)" browser_tests || rc=1
	else
		rc=1
	fi
	((${#corpus_pkgs[@]} == 0)) || corpus_runs || rc=1
	return $rc
}

race_lane() {
	local rc=0
	if step "go build -race (the packages whose tests run under -race, not their tests)" "${BUILD[@]}" $GO build "${RACE[@]}" "${libs[@]}" &&
		await_tools; then
		step "go test -race (the concurrent packages)" \
			$GO test "${RACE[@]}" -vet=off "${LINK[@]}" "${COUNT[@]}" -timeout "$TEST_TIMEOUT" "${race_pkgs[@]}" || rc=1
	else
		rc=1
	fi
	return $rc
}

# corpus_runs runs the corpus-wide tests of the race lane's packages, at
# the end of the non-race lane: they are built without -race, as go vet
# and the cli tests have built their dependencies already (in the race
# lane a cold run would compile them a second time). The other packages'
# corpus runs are part of their tests, which run without -race.
corpus_runs() {
	step "corpus runs (without -race): ${corpus_pkgs[*]}" \
		$GO test -vet=off "${LINK[@]}" "${COUNT[@]}" -timeout "$TEST_TIMEOUT" -run '^TestCorpus' "${corpus_pkgs[@]}"
}


tools_lane &
tools_pid=$!
step "go mod download" "${BUILD[@]}" $GO mod download

# The digest of the source tree, for the tests that depend on all of it
# (internal/testtree): the commit, the changes to it and the files git
# would add. Outside a git checkout it changes on every run, so those
# tests always run.
tree_digest() {
	if git rev-parse --verify -q HEAD >/dev/null 2>&1; then
		{
			git rev-parse HEAD
			git diff HEAD --binary
			git ls-files -o --exclude-standard -z | xargs -0 -r sha256sum 2>/dev/null || true
		} | sha256sum | cut -c1-32
	else
		date +%s%N
	fi
}
BULWARK_TEST_TREE="$(tree_digest)"
export BULWARK_TEST_TREE

# The packages (one go list), and which lane runs each one's tests: the
# race lane a package whose non-test code starts goroutines or uses
# channels, locks, wait groups, sync.Map or atomics, or whose tests start
# goroutines (a sync.Once or sync.Pool alone does not make a package
# concurrent); the slowest first there, so that they do not start last.
concurrent_code='(^|[^[:alnum:]_.])go (func|[[:alpha:]_][[:alnum:]_.]*\()|sync\.(Mutex|RWMutex|WaitGroup|Cond|Map)|errgroup\.|atomic\.|<-|chan '
concurrent_tests='(^|[^[:alnum:]_.])go (func|[[:alpha:]_][[:alnum:]_.]*\()'
mapfile -t listed < <($GO list -f '{{.Name}}|{{.ImportPath}}|{{.Module.Path}}|{{.Dir}}|{{join .GoFiles ","}}|{{join .TestGoFiles ","}},{{join .XTestGoFiles ","}}' ./...)
all=()
libs=()
concurrent=()
declare -A dirs
nonrace_pkgs=()
browser_pkgs=()
for l in "${listed[@]}"; do
	IFS='|' read -r name path module dir gofiles testfiles <<<"$l"
	all+=("$path")
	dirs[$path]="$dir"
	[[ "$path" == "$module/cli" ]] && continue
	if [[ "$path" == "$module/internal/browser" || "$path" == "$module/internal/browser/"* ]]; then
		browser_pkgs+=("$path")
		continue
	fi
	code=()
	tests=()
	IFS=, read -ra f <<<"$gofiles"
	for x in "${f[@]}"; do [[ -n "$x" ]] && code+=("$dir/$x"); done
	IFS=, read -ra f <<<"$testfiles"
	for x in "${f[@]}"; do [[ -n "$x" ]] && tests+=("$dir/$x"); done
	if { ((${#code[@]})) && grep -qE "$concurrent_code" "${code[@]}"; } ||
		{ ((${#tests[@]})) && grep -qE "$concurrent_tests" "${tests[@]}"; }; then
		concurrent+=("$path")
		# The race lane's go build: not the main packages (it would link them).
		[[ "$name" == main ]] || libs+=("$path")
	else
		nonrace_pkgs+=("$path")
	fi
done
slow_first=(httpapi sqlite screening/sources screening/names internal/safetest screening tracing hiring safe/watch)
race_pkgs=()
for p in "${slow_first[@]}"; do
	[[ " ${concurrent[*]} " == *" $module/$p "* ]] && race_pkgs+=("$module/$p")
done
for p in "${concurrent[@]}"; do
	[[ " ${race_pkgs[*]} " == *" $p "* ]] || race_pkgs+=("$p")
done
corpus_pkgs=()
for p in "${race_pkgs[@]}"; do
	grep -qs 'func TestCorpus' "${dirs[$p]}"/*_test.go && corpus_pkgs+=("$p")
done
say "race lane: ${#race_pkgs[@]} packages; without -race: ${#nonrace_pkgs[@]} packages, cli and ${#browser_pkgs[@]} browser test packages"

nonrace_lane &
nonrace_pid=$!
race_lane &
race_pid=$!

failed=()
wait "$tools_pid" || failed+=("npm tools")
wait "$nonrace_pid" || failed+=("non-race lane (gofmt, vet, staticcheck, tests without -race, cli tests, corpus runs)")
wait "$race_pid" || failed+=("race lane (go test -race)")
if ((${#failed[@]})); then
	say "FAILED: $(IFS=,; echo "${failed[*]}")"
	exit 1
fi
cpu_now
say "all passed ($cpu CPU s)"
