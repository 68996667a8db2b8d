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
batch=$(new_batch "RSS-$$")
roll=$(api -d '{"count":1000000}' "$base/api/v1/batches/$batch/stamp-rolls" | json '["id"]')
curl -fs "${auth[@]}" "$base/api/v1/stamp-rolls/$roll/serials?format=csv" \
  | python3 -c 'import random, sys
serials = [line.split(",")[0] for line in sys.stdin.read().splitlines()[1:]]
print("".join("/s/" + s + "\n" for s in random.sample(serials, 100_000)), end="")' >"$work/paths.txt"
cat >"$work/paths.lua" <<'LUA'
local paths = {}
function init(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  wrk.headers["Accept"] = args[2]
end
function request() return wrk.format("GET", paths[math.random(#paths)]) end
LUA
echo "== ${ACCEPT:-application/json}: RSS $(rss VmRSS) MB before the run (peak so far $(rss VmHWM) MB)"
wrk -t2 -c64 -d10s -s "$work/paths.lua" "$base" -- "$work/paths.txt" "${ACCEPT:-application/json}" \
  | awk '/Requests\/sec/ {print "wrk:", $2, "requests/s"}' >"$work/wrk.out" &
wrk_pid=$!
for _ in $(seq 1 65); do
  depth=$(curl -fs "${auth[@]}" "$base/metrics" | awk '/^tracestamp_scan_buffer_depth / {print $2}')
  printf '%s/%s ' "$(rss VmRSS)" "${depth:-?}"
  sleep 0.2
done
wait "$wrk_pid"
echo
cat "$work/wrk.out"
echo "peak RSS (VmHWM): $(rss VmHWM) MB, now $(rss VmRSS) MB"
python3 - "$work/rss.db" <<'PY'
import sqlite3, sys
rows, mean = sqlite3.connect(sys.argv[1]).execute(
    "SELECT count(*), avg(length(checkers)) FROM scan_summary").fetchone()
print(f"scan_summary: {rows:,} rows, stored checker groups {mean or 0:.0f} bytes a row on average")
PY
