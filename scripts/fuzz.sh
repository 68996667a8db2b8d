#!/usr/bin/env bash
# Runs each cargo fuzz target for a bounded time (FUZZ_SECONDS, default 30)
# from the small seed corpus in fuzz/seeds/; any crash fails (libFuzzer exits
# non-zero and leaves the input in fuzz/artifacts/). The toolchain is stable,
# so the -Z flags cargo fuzz passes are let through with RUSTC_BOOTSTRAP=1.
# No sanitizer: the targets are safe Rust, where a bug shows as a panic,
# which libFuzzer catches anyway; AddressSanitizer would only slow the build
# of every dependency and the runs. Unoptimised (--dev): the build of every
# dependency with coverage instrumentation is what costs, not the runs, and
# debug assertions catch overflows too.
#
#   scripts/fuzz.sh                   # every target
#   FUZZ_SECONDS=300 scripts/fuzz.sh digital_link
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

CARGO_FUZZ_VERSION=0.13.2
seconds=${FUZZ_SECONDS:-30}
if ! cargo fuzz --version 2>/dev/null | grep -q "$CARGO_FUZZ_VERSION"; then
  cargo install cargo-fuzz --locked --version "$CARGO_FUZZ_VERSION"
fi
export RUSTC_BOOTSTRAP=1

targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cargo fuzz list)
for target in "${targets[@]}"; do
  echo "== fuzz $target for ${seconds}s"
  mkdir -p "corpus/$target"
  cargo fuzz run --dev --sanitizer none "$target" "corpus/$target" "seeds/$target" -- \
    -max_total_time="$seconds" -max_len=4096 -print_final_stats=1
done
