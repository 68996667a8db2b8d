# Sourced by the measuring scripts: stops with an install hint when one of
# the named commands is missing (they install nothing themselves).
# Usage: require wrk curl python3
require() {
  local tool
  for tool in "$@"; do
    if ! command -v "$tool" >/dev/null; then
      echo "$(basename "$0") needs $tool; install it with: apt-get install -y $tool" >&2
      exit 1
    fi
  done
}
