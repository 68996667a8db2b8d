# Sourced by scripts/load.sh and scripts/measure.sh: starts the release binary
# on the demo set over loopback and logs in as producer1 through the API.
# Needs: work (a temporary folder, removed on exit), port, db_url, and
# server_env (an array of VAR=value for the server, possibly empty); optional
# TRACESTAMP_BIN: another build of the binary to start instead (to compare
# builds with the same script).
# Gives: base, server (its pid, stopped on exit), json PATH (reads JSON on
# stdin, prints the value at PATH), auth (curl's header arguments), api (curl
# with producer1's token), product, facility, and new_batch LOT (prints the
# id of a new batch with that lot code).
base="http://127.0.0.1:$port"
env "${server_env[@]}" DATABASE_URL="$db_url" RUST_LOG=warn \
  "${TRACESTAMP_BIN:-./target/release/tracestamp}" serve --demo --bind "127.0.0.1:$port" >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; cp "$work/server.log" /tmp/last-server.log 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 150); do curl -fs "$base/healthz/baseline" >/dev/null && break; sleep 0.2; done
curl -fs "$base/healthz/baseline" >/dev/null || { cat "$work/server.log" >&2; exit 1; }

json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
curl -fs -c "$work/jar" -H 'content-type: application/json' \
  -d '{"username":"producer1","password":"demo"}' "$base/api/v1/auth/login" >/dev/null
token=$(curl -fs -b "$work/jar" -H 'content-type: application/json' -d '{"name":"scripts"}' \
  "$base/api/v1/tokens" | json '["token"]')
auth=(-H "Authorization: Bearer $token")
api() { curl -fs "${auth[@]}" -H 'content-type: application/json' "$@"; }
product=$(api "$base/api/v1/products?per_page=1" | json '["items"][0]["id"]')
facility=$(api "$base/api/v1/facilities?per_page=1" | json '["items"][0]["id"]')
new_batch() {
  api -d "{\"product_id\":\"$product\",\"facility_id\":\"$facility\",\"lot_code\":\"$1\",\"produced_on\":\"2026-11-01\",\"quantity\":1000,\"unit\":\"kg\"}" \
    "$base/api/v1/batches" | json '["id"]'
}
