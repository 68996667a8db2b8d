#!/usr/bin/env bash
# Measures what hostile EPCIS captures cost the release binary over loopback:
# the server's resident memory at idle, then its peak (VmHWM) after each
# document, and each answer's status and time.
#   - one event whose epcList holds 2,000,000 integers (about 4 MB)
#   - 50 events of 10,000 integers each (under every cap: 500,000 schema
#     errors, 100 listed)
#   - 10,000 valid events of 30 identifiers each (about 16 MB, under the
#     size limit), stored
# Usage: scripts/measure-epcis.sh [DATABASE_URL]   (default: a fresh SQLite file)
#        TRACESTAMP_BIN=target/debug/tracestamp scripts/measure-epcis.sh   (no release build)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -n "${TRACESTAMP_BIN:-}" ] || cargo build --release --quiet
work=$(mktemp -d)
db_url=${1:-"sqlite://$work/measure.db"}
port=18767
server_env=()
. scripts/demo-server.sh

rss() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$server/status"; }
python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
head = ('{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],'
        '"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2026-11-20T00:00:00Z",'
        '"epcisBody":{"eventList":[')
event = ('{"type":"ObjectEvent","action":"OBSERVE","eventTime":"2026-11-20T00:00:00Z",'
         '"eventTimeZoneOffset":"+00:00","epcList":[%s]}')
with open(f"{work}/two-million.json", "w") as f:
    f.write(head + event % ",".join(["1"] * 2_000_000) + "]}}")
with open(f"{work}/many-errors.json", "w") as f:
    f.write(head + ",".join([event % ",".join(["1"] * 10_000)] * 50) + "]}}")
events = []
for i in range(10_000):
    ids = ",".join(f'"urn:epc:id:sgtin:0614141.107346.{i:05}{j:02}"' for j in range(30))
    events.append('{"eventID":"urn:uuid:00000000-0000-4000-8000-%012d",' % i
                  + (event % ids)[1:])
with open(f"{work}/sixteen-mb.json", "w") as f:
    f.write(head + ",".join(events) + "]}}")
PY
sleep 1
idle=$(rss VmRSS)
echo "idle: VmRSS $((idle / 1024)) MB"
for doc in two-million many-errors sixteen-mb; do
  size=$(stat -c %s "$work/$doc.json")
  curl -s -o "$work/answer" -w "$doc ($((size / 1024)) KB): %{http_code} in %{time_total} s" "${auth[@]}" \
    -H 'content-type: application/ld+json' --data-binary "@$work/$doc.json" "$base/epcis/capture"
  peak=$(rss VmHWM)
  echo "; server peak so far $(((peak - idle) / 1024)) MB above idle"
done
