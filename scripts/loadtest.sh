#!/usr/bin/env bash
# loadtest.sh measures 'bulwark serve' over loopback HTTP against a bare
# net/http server measured in the same run, with the Go load generator in
# internal/cmd/loadgen (fixed workers, one keep-alive connection each,
# bounded runs, latency histogram). It is for benchmarking only and is not
# part of the test suite. It
#
#   1. builds bulwark and loadgen (go build) into a temporary directory,
#   2. starts 'loadgen -serve-bare' (the floor: a net/http handler
#      answering a constant JSON body) and, for each mode of DECISIONS,
#      'bulwark serve --data-dir <fresh dir> --rate-limit -1 --lists-refresh 0
#      --decisions MODE' (default settings otherwise, access log at Info into
#      a file), all on 127.0.0.1 (ports PORT, PORT+1, ...),
#   3. reads the first admin token each server writes to its data directory,
#   4. for each client of CLIENTS (loadgen -client: raw, nethttp), measures
#      one after the other: the bare server; GET /api/v1/whoami (bearer auth;
#      first server); POST /api/v1/screen/address with one unlisted EVM
#      address per request (1,000 different ones in turn; each decision
#      authenticated, decided and recorded before the answer), on every
#      server; POST /api/v1/screen/name with one-typo names of
#      DPRK-programme entries (first server); and the bare server again,
#   5. stops the servers, checks each audit chain with 'bulwark audit
#      verify' and prints a markdown table: req/s, p50, p99, the server's
#      CPU time per request, and req/s as a share of the bare server's (the
#      mean of its two runs with the same client).
#
# The load generator and the servers share the machine's cores.
#
# Settings (environment): WORKERS (4), DURATION (10s), WARMUP (2s),
# PORT (18471), BARE_PORT (18470), DECISIONS ("sync fsync async": one server
# each; sync is the default mode), CLIENTS ("raw nethttp"),
# PPROF (empty; a loopback HOST:PORT builds bulwark with -tags pprof and
# serves net/http/pprof there), KEEP (0; 1 keeps the work directory),
# LOADGEN_PROF (empty; a directory: each row's load generator writes its
# CPU profile there, as N.pprof for the Nth row).
set -euo pipefail

WORKERS="${WORKERS:-4}"
DURATION="${DURATION:-10s}"
WARMUP="${WARMUP:-2s}"
PORT="${PORT:-18471}"
BARE_PORT="${BARE_PORT:-18470}"
DECISIONS="${DECISIONS:-sync fsync async}"
CLIENTS="${CLIENTS:-raw nethttp}"
PPROF="${PPROF:-}"
KEEP="${KEEP:-0}"
LOADGEN_PROF="${LOADGEN_PROF:-}"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bare="http://127.0.0.1:${BARE_PORT}"
read -r -a modes <<<"$DECISIONS"
read -r -a clients <<<"$CLIENTS"

for tool in curl go; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "loadtest: $tool is not installed" >&2
		exit 1
	fi
done
ports=()
for i in "${!modes[@]}"; do
	ports+=($((PORT + i)))
done
for u in "$bare" $(for p in "${ports[@]}"; do echo "http://127.0.0.1:$p"; done); do
	if curl -s -o /dev/null --max-time 1 "$u/healthz"; then
		echo "loadtest: something already answers on ${u#http://}; set PORT / BARE_PORT" >&2
		exit 1
	fi
done

work="$(mktemp -d)"
server_pids=()
bare_pid=""
cleanup() {
	for pid in "${server_pids[@]}" "$bare_pid"; do
		if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
			kill -TERM "$pid" 2>/dev/null || true
			wait "$pid" 2>/dev/null || true
		fi
	done
	if [ "$KEEP" = 1 ]; then
		echo "loadtest: work directory kept: $work" >&2
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

tags=()
if [ -n "$PPROF" ]; then
	tags=(-tags pprof)
fi
(cd "$root" && go build "${tags[@]}" -o "$work/bulwark" ./cmd/bulwark && go build -o "$work/loadgen" ./internal/cmd/loadgen)
BIN="$work/bulwark"
LOADGEN="$work/loadgen"

# 1,000 EVM addresses that no list holds (hashes of a counter), one body each.
for i in $(seq 1 1000); do
	printf '{"address":"0x%s"}\n' "$(printf 'bulwark-loadtest-%d' "$i" | sha256sum | cut -c1-40)"
done >"$work/addresses.jsonl"
# One typo (a deletion, transposition, substitution or insertion) in names
# of OFAC DPRK-programme entries: companies, a bank, people, a vessel, a group.
cat >"$work/names.jsonl" <<'EOF'
{"name":"KOREA KWANGSON BANKNG CORP"}
{"name":"KIM YOGN CHOL"}
{"name":"Lazarus Grop"}
{"name":"KOREA MINING DEVELOPMENT TRDING CORPORATION"}
{"name":"CHONG CHON GNAG"}
{"name":"FOREIGN TRADE BANK OF THE DEMOCRATIC PEOPLE'S REPUBLC OF KOREA"}
{"name":"PAK JIN HYEOK"}
{"name":"KOREA RYONBONG GENERAL CORPORATON"}
EOF

"$LOADGEN" -serve-bare "127.0.0.1:${BARE_PORT}" 2>"$work/bare.log" &
bare_pid=$!
tokens=()
for i in "${!modes[@]}"; do
	pprof=""
	if [ "$i" = 0 ]; then
		pprof="$PPROF" # the first server only
	fi
	BULWARK_PPROF="$pprof" "$BIN" serve --addr "127.0.0.1:${ports[$i]}" --data-dir "$work/data-$i" --rate-limit -1 \
		--lists-refresh 0 --decisions "${modes[$i]}" 2>"$work/server-$i.log" &
	server_pids+=($!)
done

for i in "${!modes[@]}"; do
	token=""
	for _ in $(seq 1 300); do
		if ! kill -0 "${server_pids[$i]}" 2>/dev/null; then
			echo "loadtest: the server exited early:" >&2
			cat "$work/server-$i.log" >&2
			exit 1
		fi
		# The first admin token: in DATA/first-admin-token when stderr is not
		# a terminal.
		token="$(cat "$work/data-$i/first-admin-token" 2>/dev/null | grep -oE '^bwk_[0-9a-f]{16}_[0-9a-f]{64}$' || true)"
		if [ -n "$token" ] && curl -sf -o /dev/null --max-time 1 "http://127.0.0.1:${ports[$i]}/healthz" &&
			curl -sf -o /dev/null --max-time 1 "$bare/"; then
			break
		fi
		sleep 0.1
	done
	if [ -z "$token" ]; then
		echo "loadtest: the server wrote no first admin token:" >&2
		cat "$work/server-$i.log" >&2
		exit 1
	fi
	export "BULWARK_LOADTEST_TOKEN_$i=$token" # read by loadgen -bearer-env, never on a command line
	curl -sf -o /dev/null -H "Authorization: Bearer $token" "http://127.0.0.1:${ports[$i]}/api/v1/whoami"
done

results="$work/results.jsonl"
row=0
# run LABEL PID URL [loadgen args...]
run() {
	local label="$1" pid="$2" url="$3"
	shift 3
	local out prof=()
	row=$((row + 1))
	if [ -n "$LOADGEN_PROF" ]; then
		mkdir -p "$LOADGEN_PROF"
		prof=(-cpuprofile "$LOADGEN_PROF/$row.pprof")
	fi
	out="$("$LOADGEN" "${prof[@]}" -json -label "$label" -workers "$WORKERS" -duration "$DURATION" -warmup "$WARMUP" \
		-server-pid "$pid" -url "$url" "$@")"
	echo "$out" >>"$results"
	echo "loadtest: $label: $(json_num rps "$out" | cut -d. -f1) req/s" >&2
}
json_num() { grep -oE "\"$1\":[0-9.e+-]+" <<<"$2" | head -n1 | cut -d: -f2; }

base="http://127.0.0.1:${ports[0]}"
auth=(-bearer-env BULWARK_LOADTEST_TOKEN_0)
for client in "${clients[@]}"; do
	c=(-client "$client")
	run "bare net/http server (floor) [$client]" "$bare_pid" "$bare/" "${c[@]}"
	run "GET /api/v1/whoami [$client]" "${server_pids[0]}" "$base/api/v1/whoami" "${auth[@]}" "${c[@]}"
	for i in "${!modes[@]}"; do
		run "POST /api/v1/screen/address (unlisted), --decisions ${modes[$i]} [$client]" "${server_pids[$i]}" \
			"http://127.0.0.1:${ports[$i]}/api/v1/screen/address" -bearer-env "BULWARK_LOADTEST_TOKEN_$i" \
			-bodies "$work/addresses.jsonl" "${c[@]}"
	done
	run "POST /api/v1/screen/name (one typo) [$client]" "${server_pids[0]}" "$base/api/v1/screen/name" "${auth[@]}" \
		-bodies "$work/names.jsonl" "${c[@]}"
	run "bare net/http server (again) [$client]" "$bare_pid" "$bare/" "${c[@]}"
done

verified=()
for i in "${!modes[@]}"; do
	kill -TERM "${server_pids[$i]}"
	wait "${server_pids[$i]}" || true
	verify="$("$BIN" audit verify --data-dir "$work/data-$i" 2>&1)" || {
		echo "loadtest: audit verify failed (--decisions ${modes[$i]}): $verify" >&2
		exit 1
	}
	verified+=("--decisions ${modes[$i]}: $(grep -m1 'intact' <<<"$verify" || true)")
done
server_pids=()

# bare_rps CLIENT: the mean of the bare server's runs with that client.
bare_rps() {
	grep '"label":"bare' "$results" | grep "\"client\":\"$1\"" | while read -r l; do json_num rps "$l"; done |
		awk '{s += $1; n++} END {printf "%.0f", s / n}'
}

echo "loadgen: $WORKERS workers, one keep-alive connection each (clients: $CLIENTS), ${WARMUP} warm-up then ${DURATION} per row, all on 127.0.0.1;"
echo "bulwark serve --rate-limit -1 --lists-refresh 0 --decisions MODE (access log at Info into a file); $(nproc) cores shared by the load generator and the servers; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| target | requests | req/s | p50 | p99 | server CPU per request | share of bare req/s |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
while read -r l; do
	label="$(grep -oE '"label":"[^"]*"' <<<"$l" | cut -d'"' -f4)"
	rps="$(json_num rps "$l")"
	client="$(grep -oE '"client":"[^"]*"' <<<"$l" | cut -d'"' -f4)"
	non2xx="$(grep -oE '"statuses":\{[^}]*\}' <<<"$l" | grep -oE '"[0-9]{3}":[0-9]+' | grep -v '"2[0-9][0-9]"' || true)"
	if [ -n "$non2xx" ]; then
		echo "loadtest: $label: answers other than 2xx: $non2xx" >&2
	fi
	awk -v label="$label" -v req="$(json_num requests "$l")" -v rps="$rps" -v p50="$(json_num p50_ms "$l")" \
		-v p99="$(json_num p99_ms "$l")" -v cpu="$(json_num server_cpu_us "$l")" -v bare="$(bare_rps "$client")" \
		'BEGIN {printf "| %s | %d | %.0f | %.2f ms | %.2f ms | %.0f µs | %.0f %% |\n", label, req, rps, p50, p99, cpu, 100 * rps / bare}'
done <"$results"
echo
echo "audit verify after the run: ${verified[*]}"
