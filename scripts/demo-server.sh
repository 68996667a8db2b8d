# Sourced by the measuring scripts (load.sh, thread-cpu.sh, rss-trace.sh,
# measure.sh, measure-epcis.sh): starts the release binary on the demo set
# over loopback and logs in as producer1 through the API.
# Needs: work (a temporary folder, removed on exit), port, db_url, and
# server_env (an array of VAR=value for the server, possibly empty); optional
# TRACESTAMP_BIN: another build of the binary to start instead (to compare
# builds with the same script).
# Gives: base, server (its pid, stopped on exit), json PATH (reads JSON on
# stdin, prints the value at PATH), auth (curl's header arguments), api (curl
# with producer1's token), product, facility, new_batch LOT (prints the id of
# a new batch with that lot code), random_paths and random_path_lua (below).
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

# random_paths LOT COUNT PREFIX FILE: issues a roll of COUNT stamps to a new
# batch LOT and writes 100,000 of its serials, picked at random, to FILE, one
# a line after PREFIX.
random_paths() {
  local roll
  roll=$(api -d "{\"count\":$2}" "$base/api/v1/batches/$(new_batch "$1")/stamp-rolls" | json '["id"]')
  curl -fs "${auth[@]}" "$base/api/v1/stamp-rolls/$roll/serials?format=csv" \
    | python3 -c 'import random, sys
serials = [line.split(",")[0] for line in sys.stdin.read().splitlines()[1:]]
print("".join(sys.argv[1] + s + "\n" for s in random.sample(serials, 100_000)), end="")' \
      "$3" >"$4"
}

# random_path_lua FILE [LUA]: writes to FILE a wrk script that requests a
# random line of the file named by wrk's first argument, with the Accept
# header its second names; LUA (such as a done function) is added after.
random_path_lua() {
  cat >"$1" <<'LUA'
local paths = {}
function init(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  wrk.headers["Accept"] = args[2]
end
function request() return wrk.format("GET", paths[math.random(#paths)]) end
LUA
  [ $# -lt 2 ] || echo "$2" >>"$1"
}
