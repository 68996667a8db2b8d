#!/usr/bin/env bash
# Bad-input sweep of /api/v1, driven by its OpenAPI document.
#
# Starts the service on loopback with the demo data and a fresh SQLite file,
# takes API tokens for an admin, a producer and a regulator, and runs
# schemathesis against GET /api/v1/openapi.json:
#   1. negative mode (malformed, oversized, wrong-typed values, missing and
#      unknown fields) as each role: no 5xx; the audit chain still verifies,
#      and the change in its length and the registry's counts is printed;
#   2. positive mode: no 5xx, and the chain still verifies.
# In both modes every answer must also conform to the document: a status the
# operation describes, a media type that status describes, and a body that
# validates against its schema (schemathesis's response conformance checks).
# Any 5xx, any answer off the document, or a panic in the server's log fails
# the sweep.
#
#   scripts/sweep.sh                      # debug binary, built if missing
#   TRACESTAMP_BIN=target/release/tracestamp SWEEP_MAX_EXAMPLES=50 scripts/sweep.sh
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
MAX_EXAMPLES=${SWEEP_MAX_EXAMPLES:-10}
CHECKS=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance
BIN=$(realpath -m "${TRACESTAMP_BIN:-target/debug/tracestamp}")
VENV="$PWD/target/sweep-venv"

if [ ! -x "$VENV/bin/schemathesis" ] ||
  [ "$("$VENV/bin/schemathesis" --version)" != "schemathesis, version $SCHEMATHESIS_VERSION" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "schemathesis==$SCHEMATHESIS_VERSION"
fi
[ -x "$BIN" ] || cargo build --locked --bin tracestamp

work=$(mktemp -d)
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

export DATABASE_URL="sqlite://$work/sweep.db"
export RUST_LOG=warn
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
"$BIN" serve --demo --bind "127.0.0.1:$port" >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 600); do
  curl -fs -o /dev/null "$base/api/v1/openapi.json" && break
  kill -0 "$server" 2>/dev/null || { cat "$work/server.log"; echo "server died" >&2; exit 1; }
  sleep 0.1
done

# An API token for a demo account (login cookie → POST /api/v1/tokens).
token() {
  curl -fs -c "$work/cookies-$1" -H 'Content-Type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"demo\"}" "$base/api/v1/auth/login" >/dev/null
  curl -fs -b "$work/cookies-$1" -H 'Content-Type: application/json' \
    -d '{"name":"sweep"}' "$base/api/v1/tokens" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])'
}
admin=$(token admin)
producer=$(token producer1)
regulator=$(token regulator1)

# What must not change: the audit chain's length and the registry's counts.
state() {
  "$BIN" audit verify
  for list in enterprises facilities products batches inspections; do
    printf '%s ' "$list"
    curl -fs -H "Authorization: Bearer $admin" "$base/api/v1/$list?per_page=1" |
      python3 -c 'import json, sys; print(json.load(sys.stdin)["total"])'
  done
}

# schemathesis 4.32.5 has no serializer for an application/pdf body (a lab
# result's certificate upload) and stops with an error on it; that upload's
# bad input (not a PDF, too large, wrong type) is tried in `lab_results::`.
unsendable='/certificate$'
skip=$unsendable

# `sweep MODE ROLE TOKEN PHASES [schemathesis options…]`
sweep() {
  local mode=$1 who=$2 token=$3 phases=$4
  shift 4
  echo "== sweep: $mode data as $who ($phases)"
  # From the scratch directory, where schemathesis leaves its own files.
  (cd "$work" && "$VENV/bin/schemathesis" run "$base/api/v1/openapi.json" \
    --mode "$mode" --checks "$CHECKS" \
    --phases "$phases" \
    --max-examples "$MAX_EXAMPLES" --seed 6 --workers 1 \
    --generation-database none \
    --header "Authorization: Bearer $token" \
    --request-timeout 30 --no-shrink --output-truncate true --warnings off \
    --exclude-path-regex "$skip" "$@")
}

# schemathesis 4.32.5's negative mode also sends requests that are valid for
# the document (seen: ids learnt from earlier answers with a well-formed
# body, plain DELETEs), so the data may change through those; what is
# checked here is that the chain stays intact and what changed is shown.
before=$(state)
sweep negative admin "$admin" coverage,fuzzing
sweep negative producer "$producer" coverage,fuzzing
sweep negative regulator "$regulator" fuzzing
after=$(state)
echo "negative sweep: no 5xx; before/after:"
diff <(echo "$before") <(echo "$after") || true

# Valid requests for a roll's serials or labels may stream millions of rows
# or 10,000-label PDFs, which tells nothing about bad input and would spend
# the time budget: those two stay in the negative runs only.
heavy='/serials$|/labels\.pdf$'
skip="$heavy|$unsendable"
sweep positive producer "$producer" fuzzing
sweep positive admin "$admin" fuzzing
"$BIN" audit verify

if grep -q "panicked" "$work/server.log"; then
  grep -B2 -A5 "panicked" "$work/server.log" >&2
  exit 1
fi
echo "sweep passed"
