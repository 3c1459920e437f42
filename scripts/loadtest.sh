#!/usr/bin/env bash
# loadtest.sh measures 'bulwark serve' over loopback sockets with wrk
# (Debian: apt-get install wrk). It is for benchmarking only and is not part
# of the test suite. It
#
#   1. builds the binary (go build -o $BIN ./cmd/bulwark),
#   2. starts 'bulwark serve --addr 127.0.0.1:$PORT --data-dir <fresh dir>
#      --rate-limit -1' (loopback only, rate limits off, default logging:
#      the access log goes to a file in the data directory),
#   3. reads the first admin token the server writes to
#      <data dir>/first-admin-token (its stderr is not a terminal),
#   4. runs wrk against GET /healthz (no auth), GET /api/v1/whoami (bearer
#      auth against SQLite) and POST /api/v1/tokens (auth + token write +
#      audit append, the token and its audit entry in one SQLite transaction, group-committed with concurrent requests), one token name
#      per request,
#   5. stops the server, checks the audit chain with 'bulwark audit verify'
#      and prints a markdown table.
#
# wrk and the server share the machine's cores: the "server CPU" column is
# the server's own CPU time over the run divided by its length (in cores).
#
# Settings (environment): BIN (/tmp/bulwark), PORT (18471), THREADS (2),
# CONNS (32), DURATION (15s), BUILD (1; 0 uses an existing $BIN).
# Every request goes to 127.0.0.1; each wrk run is bounded by -d.
set -euo pipefail

BIN="${BIN:-/tmp/bulwark}"
PORT="${PORT:-18471}"
THREADS="${THREADS:-2}"
CONNS="${CONNS:-32}"
DURATION="${DURATION:-15s}"
BUILD="${BUILD:-1}"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
base="http://127.0.0.1:${PORT}"

for tool in wrk curl go; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "loadtest: $tool is not installed (wrk: apt-get install -y wrk)" >&2
		exit 1
	fi
done
if curl -s -o /dev/null --max-time 1 "$base/healthz"; then
	echo "loadtest: something already answers on 127.0.0.1:${PORT}; set PORT" >&2
	exit 1
fi

if [ "$BUILD" = 1 ]; then
	(cd "$root" && go build -o "$BIN" ./cmd/bulwark)
fi

work="$(mktemp -d)"
data="$work/data"
server_pid=""
cleanup() {
	if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
		kill -TERM "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$BIN" serve --addr "127.0.0.1:${PORT}" --data-dir "$data" --rate-limit -1 2>"$work/server.log" &
server_pid=$!

# Wait for the admin token and for /healthz.
token=""
for _ in $(seq 1 100); do
	if ! kill -0 "$server_pid" 2>/dev/null; then
		echo "loadtest: the server exited early:" >&2
		cat "$work/server.log" >&2
		exit 1
	fi
	token="$(cat "$data/first-admin-token" 2>/dev/null || true)"
	if [ -n "$token" ] && curl -sf -o /dev/null --max-time 1 "$base/healthz"; then
		break
	fi
	sleep 0.1
done
if [ -z "$token" ]; then
	echo "loadtest: the server wrote no $data/first-admin-token:" >&2
	cat "$work/server.log" >&2
	exit 1
fi
curl -sf -o /dev/null -H "Authorization: Bearer $token" "$base/api/v1/whoami"

# One token name per request: "lt-<thread>-<n>".
cat >"$work/create.lua" <<'LUA'
local threads = 0
function setup(thread)
	threads = threads + 1
	thread:set("tid", threads)
end

local n = 0
local headers = {
	["Authorization"] = "Bearer " .. os.getenv("BULWARK_TOKEN"),
	["Content-Type"] = "application/json",
}
function request()
	n = n + 1
	local body = string.format('{"name":"lt-%d-%d","role":"viewer","ttl":"1h"}', tid, n)
	return wrk.format("POST", "/api/v1/tokens", headers, body)
end
LUA

clk_tck="$(getconf CLK_TCK)"
cpu_ticks() { awk '{print $14 + $15}' "/proc/$server_pid/stat"; }

rows=()
# run NAME URL [wrk args...]
run() {
	local name="$1" url="$2"
	shift 2
	local before after out
	before="$(cpu_ticks)"
	out="$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "$@" "$url")"
	after="$(cpu_ticks)"
	printf '%s\n%s\n\n' "== $name" "$out" >&2
	local rps p50 p99 non2xx reqs secs cpu
	rps="$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")"
	p50="$(awk '$1 == "50%" {print $2}' <<<"$out")"
	p99="$(awk '$1 == "99%" {print $2}' <<<"$out")"
	non2xx="$(awk '/Non-2xx or 3xx responses:/ {print $NF}' <<<"$out")"
	reqs="$(awk '/requests in/ {print $1}' <<<"$out")"
	secs="$(awk '/requests in/ {sub(/s,$/, "", $4); print $4}' <<<"$out")"
	cpu="$(awk -v t="$((after - before))" -v hz="$clk_tck" -v s="$secs" 'BEGIN {printf "%.2f", t / hz / s}')"
	rows+=("| $name | $reqs | ${rps%.*} | $p50 | $p99 | ${non2xx:-0} | $cpu |")
}

run "GET /healthz" "$base/healthz"
run "GET /api/v1/whoami" "$base/api/v1/whoami" -H "Authorization: Bearer $token"
export BULWARK_TOKEN="$token" # read by create.lua
run "POST /api/v1/tokens (audited)" "$base/api/v1/tokens" -s "$work/create.lua"

kill -TERM "$server_pid"
wait "$server_pid" || true
server_pid=""
verify="$("$BIN" audit verify --data-dir "$data" 2>&1)" || {
	echo "loadtest: audit verify failed: $verify" >&2
	exit 1
}

echo "wrk -t${THREADS} -c${CONNS} -d${DURATION} --latency against bulwark serve on 127.0.0.1 (rate limits off); $(nproc) cores shared by wrk and the server"
echo
echo "| route | requests | req/s | p50 | p99 | non-2xx | server CPU (cores) |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
printf '%s\n' "${rows[@]}"
echo
echo "audit verify after the run: $(head -n1 <<<"$verify")"
