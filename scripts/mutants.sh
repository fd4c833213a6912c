#!/usr/bin/env bash
# Mutation testing of the core crate: does some test fail when a line breaks?
#
#     scripts/mutants.sh                    # all of src/, in the steps below
#     scripts/mutants.sh FILE...            # these files, the whole suite per mutant
#     TESTS=lib scripts/mutants.sh FILE...  # these files, only the unit tests
#     SHARD=0/4 scripts/mutants.sh FILE...  # one quarter of their mutants
#     JOBS=2 scripts/mutants.sh             # two mutants at a time (default 1)
#     STEP=2 scripts/mutants.sh             # all of src/ again from step 2, on
#                                           # step 1's saved lists
#     STEP=again scripts/mutants.sh         # step 2 again, over only what the
#                                           # last run left (after new tests)
#
# Installs the pinned cargo-mutants, runs it with .cargo/mutants.toml (whose
# exclusions each say why), and prints the caught/missed/timeout counts and
# every survivor. Not run in CI: all of src/ takes about an hour and a half
# on 2 cores with JOBS=2.
#
# All of src/ runs in steps, because the whole suite for each of ~1 300
# mutants would take most of a day:
#   1. every mutant against the unit tests alone (a few seconds each);
#   2. only what step 1 left uncaught (cargo-mutants --iterate), file group by
#      file group, against the integration tests that drive that group.
# Leaving a test out of a step can only let a mutant survive, never count one
# as caught, so the combined figure is a lower bound on what the suite
# catches. The integration tests are the package hwsms-tests (tests/), run
# with the core's unit tests (--test-package). Left out: the hwsms
# program's tests (cli/tests), and the one test that waits out the
# 10-second default dead-connection timeout (its 300 ms twin runs). Step 2
# runs the ignored tests too: tinyproxy and the official SDK must be
# installed, as .ci/run installs them. Each run's lists are kept under
# target/mutants/ (step1-unit, step2-*, again1-*, again2-*, ...), and the
# combined figures come from all of them: a mutant's outcome is the one from
# the last run that tested it.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=27.1.0
if ! cargo mutants --version 2>/dev/null | grep -q "$VERSION"; then
  cargo install -q --locked cargo-mutants --version "$VERSION"
fi

out_root=target/mutants
out=$out_root/mutants.out
# The mutation profile (Cargo.toml) drops debug info: linking the ~20 test
# binaries is most of each mutant's build.
base=(--package hwsms --test-package hwsms --test-package hwsms-tests --no-shuffle
  --output "$out_root" --profile mutation --jobs "${JOBS:-1}")

# run NAME [cargo-mutants arguments]: one cargo-mutants run, its lists kept
# under target/mutants/NAME/.
run() {
  local name=$1 status=0
  shift
  cargo mutants "${base[@]}" "$@" || status=$?
  # cargo-mutants exits 2 when mutants were missed, 3 on timeouts: report, do not fail.
  [ "$status" -le 3 ] || exit "$status"
  rm -rf "${out_root:?}/$name"
  cp -r "$out" "$out_root/$name"
  steps+=("$out_root/$name")
}

# Integration tests (package hwsms-tests) per file group for step 2.
loop_tests=(--test poller --test fleet --test report --test faults)
all_tests=(--test alloc --test connections --test diagnose --test faults --test fetch
  --test from_env --test official_sdk --test poller --test proxy --test report
  --test secrets --test signing --test vectors)
skip_slow=(--skip with_defaults_a_silent_pooled_connection_costs_about_ten_seconds_not_the_deadline)

steps=()
scope=()
for f in "${@:-src/**/*.rs}"; do scope+=(--file "$f"); done
if [ $# -gt 0 ]; then
  args=("${scope[@]}")
  [ -n "${SHARD:-}" ] && args+=(--shard "$SHARD")
  # --lib goes to cargo (build and run only the unit tests), not to libtest.
  [ "${TESTS:-}" = lib ] && args+=(--cargo-arg=--lib)
  run files "${args[@]}"
else
  case "${STEP:-1}" in
    1) run step1-unit --file 'src/**/*.rs' --cargo-arg=--lib ;;
    # Resume: put step 1's lists back where --iterate reads them.
    2) rm -rf "$out" && cp -r "$out_root/step1-unit" "$out"
       steps+=("$out_root/step1-unit") ;;
    # Tests only ever get added, so what was caught stays caught: retest
    # what the last run left, on top of its lists.
    again)
      steps+=("$out_root"/step1-unit "$out_root"/step2-{diagnose,loop,rest})
      n=1
      while [ -d "$out_root/again$n-rest" ]; do
        steps+=("$out_root/again$n"-{diagnose,loop,rest})
        n=$((n + 1))
      done
      last=${steps[-1]}
      rm -rf "$out" && cp -r "$last" "$out" ;;
    *) echo "STEP is 1, 2 or again" >&2; exit 2 ;;
  esac
  step2=step2
  [ "${STEP:-1}" = again ] && step2=again$n
  run $step2-diagnose --iterate --file 'src/diagnose/*.rs' \
    --cargo-arg=--lib --cargo-arg=--test=diagnose -- -- --include-ignored
  loop_args=()
  for t in "${loop_tests[@]}"; do loop_args+=("--cargo-arg=$t"); done
  run $step2-loop --iterate --file 'src/poll/*.rs' --file src/calls/report.rs \
    --cargo-arg=--lib "${loop_args[@]}" \
    -- -- --include-ignored
  rest_args=()
  for t in "${all_tests[@]}"; do rest_args+=("--cargo-arg=$t"); done
  run $step2-rest --iterate --file 'src/**/*.rs' --exclude 'src/diagnose/*.rs' \
    --exclude 'src/poll/*.rs' --exclude src/calls/report.rs \
    --cargo-arg=--lib "${rest_args[@]}" -- -- --include-ignored "${skip_slow[@]}"
fi

# Each mutant's last outcome over the steps, then the counts. Only mutants
# that exist now count: an exclusion added after a step, or a line that
# moved since, retires the old name.
current=$(cargo mutants --package hwsms --list "${scope[@]}")
outcomes=$(for dir in "${steps[@]}"; do
  for kind in caught missed timeout unviable; do
    if [ -f "$dir/$kind.txt" ]; then sed "s/^/$kind\t/" "$dir/$kind.txt"; fi
  done
  # An --iterate step lists what earlier steps caught, and the unviable,
  # in previously_caught.txt: a fallback, never over a known outcome.
  if [ -f "$dir/previously_caught.txt" ]; then
    sed "s/^/previously\t/" "$dir/previously_caught.txt"
  fi
done | awk -F'\t' 'NR == FNR { now[$0] = 1; next }
  !($2 in now) { next }
  $1 != "previously" { last[$2] = $1 }
  $1 == "previously" && !($2 in last) { last[$2] = "caught" }
  END { for (m in now) print (m in last ? last[m] : "untested") "\t" m }' \
  <(printf '%s\n' "$current") -)
count() { grep -c "^$1	" <<<"$outcomes" || true; }
caught=$(count caught)
missed=$(count missed)
timeout=$(count timeout)
unviable=$(count unviable)
untested=$(count untested)
viable=$((caught + missed + timeout))
echo
echo "caught $caught, missed $missed, timeout $timeout (viable $viable; unviable $unviable)"
if [ "$untested" -gt 0 ]; then
  echo "untested: $untested (new since the last run; STEP=again tests them)"
fi
if [ "$viable" -gt 0 ]; then
  echo "missed: $(awk -v m="$missed" -v v="$viable" 'BEGIN { printf "%.1f%%", 100 * m / v }')"
fi
if [ "$missed" -gt 0 ]; then
  echo "survivors:"
  grep "^missed	" <<<"$outcomes" | cut -f2 | sort -t: -k1,1 -k2,2n
fi
