#!/usr/bin/env bash
# Measures the stamp and oversight targets on the release binary over loopback:
#   - issuing a roll of 1,000,000 stamps (one row)
#   - streaming a roll's serial CSV (serials per second)
#   - a PDF of 1,000 labels
#   - a lot-genealogy trace across 5 tiers
# Usage: scripts/measure.sh [DATABASE_URL]   (default: a fresh SQLite file)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
work=$(mktemp -d)
db_url=${1:-"sqlite://$work/measure.db"}
port=18765
server_env=()
. scripts/demo-server.sh
batch=$(new_batch MEASURE-0)

echo "== roll of 1,000,000 stamps"
curl -fs -o "$work/roll.json" -w 'issued in %{time_total} s\n' "${auth[@]}" -H 'content-type: application/json' \
  -d '{"count":1000000}' "$base/api/v1/batches/$batch/stamp-rolls"
roll=$(json '["id"]' <"$work/roll.json")

echo "== serial CSV of the whole roll"
curl -fs -o "$work/serials.csv" -w '%{time_total}\n' "${auth[@]}" "$base/api/v1/stamp-rolls/$roll/serials?format=csv" >"$work/t"
lines=$(($(wc -l <"$work/serials.csv") - 1))
python3 -c "t=float(open('$work/t').read()); print(f'{$lines} serials in {t:.2f} s: {$lines/t:,.0f} serials/s')"

echo "== PDF of 1,000 labels (a4-3x8)"
curl -fs -o "$work/labels.pdf" -w 'written in %{time_total} s, %{size_download} bytes\n' "${auth[@]}" \
  "$base/api/v1/stamp-rolls/$roll/labels.pdf?layout=a4-3x8&count=1000"

echo "== trace across 5 tiers"
prev=$batch
for n in 1 2 3 4; do
  next=$(api -d "{\"product_id\":\"$product\",\"facility_id\":\"$facility\",\"lot_code\":\"MEASURE-$n\",\"produced_on\":\"2026-11-02\",\"quantity\":900,\"unit\":\"kg\"}" \
    "$base/api/v1/batches" | json '["id"]')
  api -d "{\"kind\":\"transformation\",\"occurred_at\":\"2026-11-03T08:00:00+07:00\",\"facility_id\":\"$facility\",\"inputs\":[{\"batch_id\":\"$prev\"}]}" \
    "$base/api/v1/batches/$next/events" >/dev/null
  prev=$next
done
for format in json csv; do
  for _ in 1 2 3; do
    curl -fs -o /dev/null -w "trace ($format): %{time_total} s\n" "${auth[@]}" \
      "$base/api/v1/batches/$prev/trace?direction=backward&format=$format"
  done
done
