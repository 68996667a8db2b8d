#!/usr/bin/env bash
# Prints deploy/nginx/tracestamp.conf for one site: its server name, the
# folder holding fullchain.pem and privkey.pem, and its nodes (host:port).
#
#   deploy/nginx/site.sh SERVER_NAME CERT_DIR NODE... > /etc/nginx/sites-available/tracestamp
#
# Optional environment, for a test on loopback: LISTEN_ADDR (listen on that
# address only, IPv4), HTTP_PORT (80), HTTPS_PORT (443), LOG_DIR
# (/var/log/nginx).
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: $0 SERVER_NAME CERT_DIR NODE..." >&2
  exit 2
fi
name=$1 certs=$2
shift 2
nodes=""
for node in "$@"; do
  nodes+="    server $node max_fails=1 fail_timeout=5s;\n"
done
http=${HTTP_PORT:-80} https=${HTTPS_PORT:-443}
listen=()
if [ -n "${LISTEN_ADDR:-}" ]; then
  listen=(-e "s/listen 80;/listen $LISTEN_ADDR:$http;/"
          -e "s/listen 443 ssl http2;/listen $LISTEN_ADDR:$https ssl http2;/"
          -e '/listen \[::\]/d')
else
  listen=(-e "s/listen 80;/listen $http;/" -e "s/listen \[::\]:80;/listen [::]:$http;/"
          -e "s/listen 443 ssl http2;/listen $https ssl http2;/"
          -e "s/listen \[::\]:443 ssl http2;/listen [::]:$https ssl http2;/")
fi
[ "$https" = 443 ] || listen+=(-e "s|https://\$host\$request_uri|https://\$host:$https\$request_uri|")
sed -e "s/tx\.example\.vn/$name/g" \
    -e "s|/etc/ssl/tracestamp|$certs|g" \
    -e "s|/var/log/nginx|${LOG_DIR:-/var/log/nginx}|g" \
    "${listen[@]}" \
    -e '/# nodes begin/,/# nodes end/c\    # nodes\n'"$nodes" \
    "$(dirname "$0")/tracestamp.conf"
