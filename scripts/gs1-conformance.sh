#!/usr/bin/env bash
# GS1's resolver conformance suite (offline copy in ../shared/conformance/gs1-resolver)
# against this resolver: starts `tracestamp serve --demo` on a free port and a temporary
# SQLite file, with PUBLIC_BASE_URL set to the suite's TLS proxy, and runs the suite on the
# serial, lot and GTIN levels of the demo stamp the server prints (a product with a GTIN and
# a registered gs1:pip link). Exits non-zero when any test fails.
#
#   scripts/gs1-conformance.sh            builds the release binary first
#   TRACESTAMP_BIN=path scripts/gs1-conformance.sh   uses that binary instead
#   SUITE_DIR=path ...                    another copy of the suite
#   OUT=dir ...                           keeps the suite's full results (result-N.json)
set -euo pipefail
cd "$(dirname "$0")/.."

suite=${SUITE_DIR:-../shared/conformance/gs1-resolver}
[ -x "$suite/run.sh" ] || { echo "gs1-conformance: no suite at $suite" >&2; exit 2; }
if [ -z "${TRACESTAMP_BIN:-}" ]; then
  nice -n 5 cargo build --locked --release --bin tracestamp
  TRACESTAMP_BIN=./target/release/tracestamp
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
work=$(mktemp -d -t tracestamp-gs1.XXXXXX)
port=$(free_port)
proxy=$(free_port)
while [ "$proxy" = "$port" ]; do proxy=$(free_port); done
server=""
cleanup() {
  [ -n "$server" ] && { kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; }
  rm -rf "$work"
}
trap cleanup EXIT

DATABASE_URL="sqlite://$work/demo.db" PUBLIC_BASE_URL="https://127.0.0.1:$proxy" RUST_LOG=warn \
  "$TRACESTAMP_BIN" serve --demo --bind "127.0.0.1:$port" >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 300); do
  curl -fs "http://127.0.0.1:$port/healthz/baseline" >/dev/null && break
  kill -0 "$server" 2>/dev/null || { cat "$work/server.log" >&2; exit 2; }
  sleep 0.2
done
curl -fs "http://127.0.0.1:$port/healthz/baseline" >/dev/null || { cat "$work/server.log" >&2; exit 2; }

url=$(sed -n 's/^a demo stamp as a GS1 Digital Link: //p' "$work/server.log" | head -n1)
[ -n "$url" ] || { echo "gs1-conformance: the demo set printed no GS1 Digital Link" >&2; cat "$work/server.log" >&2; exit 2; }
serial_uri=${url#https://127.0.0.1:$proxy}   # /01/{gtin}/10/{lot}/21/{serial}
lot_uri=${serial_uri%/21/*}
gtin_uri=${lot_uri%/10/*}
echo "resolver on http://127.0.0.1:$port as https://127.0.0.1:$proxy; URIs: $serial_uri $lot_uri $gtin_uri"

"$suite/run.sh" --proxy-port "$proxy" ${OUT:+--out "$OUT"} "http://127.0.0.1:$port" \
  "$serial_uri" "$lot_uri" "$gtin_uri"
