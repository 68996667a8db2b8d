#!/usr/bin/env bash
# The cluster test (README, "Hardening checks" and "Deploying"): real nginx
# with a throwaway certificate, configured by deploy/nginx/site.sh from
# deploy/nginx/tracestamp.conf, in front of NODES (default 3) release
# `tracestamp serve` nodes started with deploy/tracestamp.env, all on one
# fresh PostgreSQL database, everything on loopback ports chosen free. Then
# scripts/cluster.py checks probes, metrics, the edge, a recall's spread and
# a `kill -9` under load; `tracestamp audit verify` closes. PostgreSQL only.
#
#   scripts/cluster.sh                      # PostgreSQL at 127.0.0.1:5432, user postgres
#   PG_ADMIN_URL=postgres://u@host:5432/db NODES=2 scripts/cluster.sh
#   TRACESTAMP_BIN=target/release/tracestamp scripts/cluster.sh   # skip the build
#   WRK_SECONDS=10 NODES=2 scripts/cluster.sh   # first: wrk through nginx against one node direct
#
# Installs what it lacks (Debian: nginx, openssl, curl, postgresql-client,
# python3-prometheus-client). Cleans up on exit: nodes, nginx, the database
# and the temporary folder.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
need_apt=()
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null || need_apt+=(nginx)
command -v openssl >/dev/null || need_apt+=(openssl)
command -v curl >/dev/null || need_apt+=(curl)
command -v psql >/dev/null || need_apt+=(postgresql-client)
/usr/bin/python3 -c 'import prometheus_client' 2>/dev/null || need_apt+=(python3 python3-prometheus-client)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing ${need_apt[*]}"
  $SUDO apt-get update -q
  # Debian's nginx package starts its own service on port 80; stop it, the
  # test runs its own nginx.
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need_apt[@]}"
  if [[ " ${need_apt[*]} " == *" nginx "* ]]; then
    $SUDO service nginx stop >/dev/null 2>&1 || true
  fi
fi
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)

nodes=${NODES:-3}
cache_ms=${RESOLVER_CACHE_MS:-500}
admin_url=${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
bin=${TRACESTAMP_BIN:-}
if [ -z "$bin" ]; then
  cargo build --release --locked --quiet
  bin=./target/release/tracestamp
fi

work=$(mktemp -d /tmp/tracestamp-cluster.XXXXXX)
db="tracestamp_cluster_$$"
pids=()
nginx_pid=""
cleanup() {
  set +e
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null
  for pid in "${pids[@]}" $nginx_pid; do wait "$pid" 2>/dev/null; done
  psql -q "$admin_url" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
# A failing run leaves its logs' ends on the console.
on_failure() {
  for log in "$work"/node*.log "$work"/log/*.log; do
    [ -f "$log" ] && { echo "== $log"; tail -n 20 "$log"; }
  done
}
trap 'on_failure' ERR

root=${admin_url%/*}
db_url="$root/$db"
psql -q "$admin_url" -c "CREATE DATABASE $db"

# Free loopback ports: one for nginx's HTTP, one for its HTTPS, one a node.
read -r -a ports <<<"$(/usr/bin/python3 - "$((nodes + 2))" <<'EOF'
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
)"
http_port=${ports[0]} https_port=${ports[1]}
node_addrs=()
for i in $(seq 1 "$nodes"); do node_addrs+=("127.0.0.1:${ports[$((i + 1))]}"); done

# A throwaway certificate for tx.cluster.test and 127.0.0.1, valid a day.
mkdir -p "$work/certs" "$work/log" "$work/tmp"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
  -subj "/CN=tx.cluster.test" -addext "subjectAltName=DNS:tx.cluster.test,IP:127.0.0.1" \
  -keyout "$work/certs/privkey.pem" -out "$work/certs/fullchain.pem" 2>/dev/null

# The site as README's "Deploying" installs it, on loopback ports.
LISTEN_ADDR=127.0.0.1 HTTP_PORT=$http_port HTTPS_PORT=$https_port LOG_DIR="$work/log" \
  deploy/nginx/site.sh tx.cluster.test "$work/certs" "${node_addrs[@]}" >"$work/tracestamp.conf"
# What Debian's /etc/nginx/nginx.conf gives the site, with every path in
# the temporary folder.
cat >"$work/nginx.conf" <<EOF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/log/error.log warn;
$( [ "$(id -u)" -eq 0 ] && echo "user root;" )
events { worker_connections 1024; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    client_body_temp_path $work/tmp/body;
    proxy_temp_path $work/tmp/proxy;
    fastcgi_temp_path $work/tmp/fastcgi;
    uwsgi_temp_path $work/tmp/uwsgi;
    scgi_temp_path $work/tmp/scgi;
    access_log $work/log/access.log;
    include $work/tracestamp.conf;
}
EOF
"$nginx_bin" -t -q -p "$work" -c "$work/nginx.conf"
"$nginx_bin" -p "$work" -c "$work/nginx.conf" -g 'daemon off;' &
nginx_pid=$!

# The nodes, with the deployment's environment file and this run's
# database, address and public URL. Loopback is every client's address
# here, so the resolver's rate limit is raised out of the way.
start_node() {
  local i=$1 addr=$2 extra=${3:-}
  (
    set -a
    # shellcheck source=../deploy/tracestamp.env
    . deploy/tracestamp.env
    set +a
    export DATABASE_URL="$db_url" BIND="$addr" PUBLIC_BASE_URL="https://tx.cluster.test:$https_port" \
      RESOLVER_CACHE_MS="$cache_ms" RUST_LOG=warn WORKERS=1 DB_POOL_SIZE=4 \
      RESOLVER_RATE_PER_MINUTE=4000000000 RESOLVER_RATE_BURST=4000000000
    exec "$bin" serve $extra >"$work/node$i.log" 2>&1
  ) &
  pids+=($!)
}
wait_ready() {
  for _ in $(seq 1 150); do
    curl -fs "http://$1/readyz" >/dev/null && return 0
    sleep 0.2
  done
  echo "node $1 not ready" >&2
  return 1
}
# The first node migrates and loads the demo set; the others start on it,
# one after another: nodes starting at the same moment race in the EPCIS
# mirror's backfill of events written without it (the demo's), and all but
# one exit with a unique-key conflict (systemd's Restart= starts them again).
start_node 1 "${node_addrs[0]}" --demo
wait_ready "${node_addrs[0]}"
for i in $(seq 2 "$nodes"); do
  start_node "$i" "${node_addrs[$((i - 1))]}"
  wait_ready "${node_addrs[$((i - 1))]}"
done
for _ in $(seq 1 50); do
  curl -fs --cacert "$work/certs/fullchain.pem" "https://127.0.0.1:$https_port/healthz" >/dev/null && break
  sleep 0.1
done
echo "nginx on https://127.0.0.1:$https_port, $nodes nodes: ${node_addrs[*]}"

NGINX_PORT=$https_port CA_FILE="$work/certs/fullchain.pem" NODES="${node_addrs[*]}" \
  NODE_PIDS="${pids[*]}" PSQL_URL="$db_url" RESOLVER_CACHE_MS=$cache_ms \
  LOAD_SECONDS=${LOAD_SECONDS:-8} timeout $((170 + 5 * ${WRK_SECONDS:-0})) /usr/bin/python3 scripts/cluster.py

grep -q '"GET /api/v1/batches HTTP/[0-9.]*" 401 .* [0-9a-f]\{32\}$' "$work/log/tracestamp.access.log" \
  || { echo "FAIL: nginx's access log lacks the request id"; exit 1; }
echo "ok: nginx's access log carries the request id"
out=$(DATABASE_URL="$db_url" "$bin" audit verify)
echo "$out"
[[ "$out" == "audit log intact: "* ]]
echo "cluster test passed"
