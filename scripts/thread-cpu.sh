#!/usr/bin/env bash
# CPU time per request of the server's threads, by kind, around wrk runs on
# the release binary over loopback: the HTTP workers (actix-rt) and the rest
# (the scan flusher, the blocking pool). More exact than a throughput ratio
# when comparing two builds: it reads /proc/PID/task/*/stat before each run
# and after the server is idle again (the flusher has written what it
# buffered), so the flusher's work after the run is counted.
#   - starts `tracestamp serve --demo` on a fresh SQLite file, issues a roll
#     of 200,000 stamps and takes 100,000 random serials of it;
#   - runs wrk (2 threads, 64 connections, 10 s) three times on them and
#     prints, per run, µs of user and system time per request for each kind.
# Usage: scripts/thread-cpu.sh
#   Environment: ACCEPT (default application/json; text/html for the page),
#   PREFIX (default /s/; '/healthz/baseline?' measures the baseline route),
#   TRACESTAMP_BIN (another build to measure, as in scripts/load.sh).
# Installs nothing: wrk must be there (apt-get install -y wrk).
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/require.sh
require wrk curl python3
[ -n "${TRACESTAMP_BIN:-}" ] || cargo build --release --quiet
work=$(mktemp -d)
port=18767
db_url="sqlite://$work/cpu.db"
server_env=(RESOLVER_RATE_PER_MINUTE=4000000000 RESOLVER_RATE_BURST=4000000000)
. scripts/demo-server.sh

random_paths "CPU-$$" 200000 "${PREFIX:-/s/}" "$work/paths.txt"
random_path_lua "$work/paths.lua" \
  'function done(summary) io.write(string.format("REQUESTS %d\n", summary.requests)) end'

# ticks: "kind user system" in clock ticks, summed over the server's threads
ticks() {
  for task in /proc/"$server"/task/*; do
    echo "$(cat "$task/comm") $(awk '{print $14, $15}' "$task/stat")"
  done | awk '{kind = ($1 ~ /^actix-rt/) ? "workers" : "others"; u[kind] += $2; s[kind] += $3}
    END {for (k in u) print k, u[k], s[k]}' | sort
}
hz=$(getconf CLK_TCK)
echo "== ${ACCEPT:-application/json} on ${PREFIX:-/s/}{serial}: µs of CPU per request (user, system)"
for _ in 1 2 3; do
  ticks >"$work/before"
  read -r _ u0 n0 s0 i0 w0 q0 sq0 _ </proc/stat
  requests=$(wrk -t2 -c64 -d10s -s "$work/paths.lua" "$base" -- "$work/paths.txt" "${ACCEPT:-application/json}" \
    | awk '/^REQUESTS/ {print $2}')
  read -r _ u1 n1 s1 i1 w1 q1 sq1 _ </proc/stat
  # The machine's idle and soft-interrupt shares during the run: a server
  # waiting on its own locks leaves cores idle that no thread's time shows.
  all=$(((u1 + n1 + s1 + i1 + w1 + q1 + sq1) - (u0 + n0 + s0 + i0 + w0 + q0 + sq0)))
  shares="idle $((100 * (i1 + w1 - i0 - w0) / all))%, softirq $((100 * (sq1 - sq0) / all))%"
  # Until the server is idle: under a tenth of a core over half a second.
  for _ in $(seq 1 60); do
    a=$(awk '{print $14 + $15}' "/proc/$server/stat")
    sleep 0.5
    b=$(awk '{print $14 + $15}' "/proc/$server/stat")
    [ $((b - a)) -le $((hz / 20)) ] && break
  done
  ticks >"$work/after"
  join "$work/before" "$work/after" | awk -v n="$requests" -v hz="$hz" \
    '{printf "%s %.2f %.2f   ", $1, ($4 - $2) * 1e6 / hz / n, ($5 - $3) * 1e6 / hz / n}
     END {printf "(%d requests/s, ", n / 10}'
  echo "machine $shares)"
done
