#!/usr/bin/env bash
# The server's resident memory and scan buffer over one wrk run, to see what
# its peak is made of: starts `tracestamp serve --demo` on a fresh SQLite file,
# issues a roll of 1,000,000 stamps, takes 100,000 random serials of it, runs
# wrk (2 threads, 64 connections, 10 s) on them and, every 0.2 s while it
# runs and for 3 s after, prints "RSS MB / buffered scans"
# (`tracestamp_scan_buffer_depth`); then the peak (VmHWM), and the stamps'
# summaries: rows and the mean length of their stored checker groups.
# Usage: scripts/rss-trace.sh
#   Environment: ACCEPT (default application/json; text/html for the page),
#   RUNS (default 1: that many runs on the one server, 3 s after the end of
#   the one before, each reported by its throughput and the memory after it
#   rather than second by second: what grows from run to run),
#   TRACESTAMP_BIN (another build, as in scripts/load.sh).
# Installs nothing: wrk must be there (apt-get install -y wrk).
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/require.sh
require wrk curl python3
[ -n "${TRACESTAMP_BIN:-}" ] || cargo build --release --quiet
work=$(mktemp -d)
port=18768
db_url="sqlite://$work/rss.db"
server_env=(RESOLVER_RATE_PER_MINUTE=4000000000 RESOLVER_RATE_BURST=4000000000)
. scripts/demo-server.sh

rss() { awk "/$1/ {printf \"%.0f\", \$2 / 1024}" "/proc/$server/status"; }
random_paths "RSS-$$" 1000000 /s/ "$work/paths.txt"
random_path_lua "$work/paths.lua"
echo "== ${ACCEPT:-application/json}: RSS $(rss VmRSS) MB before the run (peak so far $(rss VmHWM) MB)"
for run in $(seq 1 "${RUNS:-1}"); do
  wrk -t2 -c64 -d10s -s "$work/paths.lua" "$base" -- "$work/paths.txt" "${ACCEPT:-application/json}" \
    | awk '/Requests\/sec/ {print "wrk:", $2, "requests/s"}' >"$work/wrk.out" &
  wrk_pid=$!
  for _ in $(seq 1 65); do
    depth=$(curl -fs "${auth[@]}" "$base/metrics" | awk '/^tracestamp_scan_buffer_depth / {print $2}')
    [ "${RUNS:-1}" -gt 1 ] || printf '%s/%s ' "$(rss VmRSS)" "${depth:-?}"
    sleep 0.2
  done
  wait "$wrk_pid"
  [ "${RUNS:-1}" -gt 1 ] || echo
  echo "run $run: $(cat "$work/wrk.out"); peak RSS (VmHWM) $(rss VmHWM) MB, now $(rss VmRSS) MB"
done
python3 - "$work/rss.db" <<'PY'
import sqlite3, sys
rows, mean = sqlite3.connect(sys.argv[1]).execute(
    "SELECT count(*), avg(length(checkers)) FROM scan_summary").fetchone()
print(f"scan_summary: {rows:,} rows, stored checker groups {mean or 0:.0f} bytes a row on average")
PY
