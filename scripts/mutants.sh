#!/usr/bin/env bash
# Mutation testing of the core crate: does some test fail when a line breaks?
#
#     scripts/mutants.sh [FILE...]          # default: every file in src/
#     SHARD=0/4 scripts/mutants.sh          # one quarter of the mutants
#     TESTS=lib scripts/mutants.sh FILE     # only the unit tests (faster)
#     ITERATE=1 scripts/mutants.sh          # only what the last run left uncaught
#     JOBS=2 scripts/mutants.sh             # two mutants at a time
#
# The whole of src/ in about two hours on 2 cores: the unit tests first (a
# mutant builds and tests in a few seconds), then the full suite over only
# what they left, with the counts of both runs combined:
#
#     TESTS=lib JOBS=2 scripts/mutants.sh && ITERATE=1 JOBS=2 scripts/mutants.sh
#
# Installs the pinned cargo-mutants, runs it with .cargo/mutants.toml (whose
# exclusions each say why), and prints the caught/missed/timeout counts and
# every survivor. Not run in CI: it takes hours with the full suite for
# every mutant, which is why the two-step run above exists.
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
[ -n "${JOBS:-}" ] && args+=(--jobs "$JOBS")
[ -n "${ITERATE:-}" ] && args+=(--iterate)
# --lib goes to cargo (build and run only the unit tests), not to libtest.
[ "${TESTS:-}" = lib ] && args+=(--cargo-arg=--lib)

status=0
cargo mutants "${args[@]}" || status=$?
out=target/mutants/mutants.out
count() { { cat "$@" 2>/dev/null || true; } | wc -l; }
# An --iterate run lists what earlier runs caught in previously_caught.txt.
caught=$(count "$out/caught.txt" "$out/previously_caught.txt")
missed=$(count "$out/missed.txt")
timeout=$(count "$out/timeout.txt")
unviable=$(count "$out/unviable.txt")
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
