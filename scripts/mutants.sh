#!/usr/bin/env bash
# Mutation testing of the core crate: does some test fail when a line breaks?
#
#     scripts/mutants.sh [FILE...]          # default: every file in src/
#     SHARD=0/4 scripts/mutants.sh          # one quarter of the mutants
#     TESTS=lib scripts/mutants.sh FILE     # only the unit tests (faster)
#
# Installs the pinned cargo-mutants, runs it with .cargo/mutants.toml (whose
# exclusions each say why), and prints the caught/missed/timeout counts and
# every survivor. Not run in CI: a full run takes about an hour on 2 cores;
# src/clock.rs alone has some 950 mutants of calendar arithmetic, so shard it.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=27.1.0
if ! cargo mutants --version 2>/dev/null | grep -q "$VERSION"; then
  cargo install -q --locked cargo-mutants --version "$VERSION"
fi

args=(--package hwsms --no-shuffle --output target/mutants)
if [ $# -eq 0 ]; then
  args+=(--file 'src/*.rs')
else
  for f in "$@"; do args+=(--file "$f"); done
fi
[ -n "${SHARD:-}" ] && args+=(--shard "$SHARD")
extra=()
[ "${TESTS:-}" = lib ] && extra+=(--lib)

status=0
cargo mutants "${args[@]}" -- "${extra[@]}" || status=$?
out=target/mutants/mutants.out
caught=$(wc -l < "$out/caught.txt" 2>/dev/null || echo 0)
missed=$(wc -l < "$out/missed.txt" 2>/dev/null || echo 0)
timeout=$(wc -l < "$out/timeout.txt" 2>/dev/null || echo 0)
unviable=$(wc -l < "$out/unviable.txt" 2>/dev/null || echo 0)
viable=$((caught + missed + timeout))
echo
echo "caught $caught, missed $missed, timeout $timeout (viable $viable; unviable $unviable)"
if [ "$viable" -gt 0 ]; then
  echo "missed: $(awk -v m="$missed" -v v="$viable" 'BEGIN { printf "%.1f%%", 100 * m / v }')"
fi
if [ "$missed" -gt 0 ]; then
  echo "survivors:"
  cat "$out/missed.txt"
fi
# cargo-mutants exits 2 when mutants were missed, 3 on timeouts: report, do not fail.
[ "$status" -le 3 ] || exit "$status"
