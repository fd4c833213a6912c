#!/usr/bin/env bash
# Prints what hwsms costs on a host: binary sizes, peak memory and wall time
# of a one-shot HTTPS fetch (next to curl doing the same request), and the
# number of crates in the normal dependency tree.
#
#     scripts/footprint.sh [RUNS]      # RUNS: one-shot runs to average (default 50)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-50}
work=$(mktemp -d)
trap 'kill "$standin_pid" 2>/dev/null || true; rm -rf "$work"' EXIT

cargo build -q --release -p hwsms-cli -p hwsms-examples --bin hwsms --example sms_standin
bin=target/release/hwsms
strip -o "$work/hwsms" "$bin"
echo "machine: $(nproc) cores, $(uname -m), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
printf 'hwsms program (glibc build), stripped: %s bytes (%s KiB)\n' "$(stat -c %s "$work/hwsms")" "$(( $(stat -c %s "$work/hwsms") / 1024 ))"

so=target/release/libhwsms.so
if [ -f "$so" ]; then
  strip -o "$work/libhwsms.so" "$so"
  printf 'libhwsms.so, stripped: %s bytes (%s KiB)\n' "$(stat -c %s "$work/libhwsms.so")" "$(( $(stat -c %s "$work/libhwsms.so") / 1024 ))"
else
  echo "libhwsms.so: not built (cargo build --release -p hwsms-ffi)"
fi

# A local HTTPS stand-in; it serves until SIGTERM (the trap above).
target/release/examples/sms_standin --ca-out "$work/ca.pem" --token footprint-token > "$work/url" &
standin_pid=$!
for _ in $(seq 100); do [ -s "$work/url" ] && break; sleep 0.05; done
url=$(head -1 "$work/url")
id=f32ab4d6-d150-4fb3-aa55-edbb5cf9947f

export HUAWEICLOUD_SDK_AUTH_TOKEN=footprint-token
run_hwsms() { "$work/hwsms" fetch --endpoint "$url" --server-id "$id" --ca-file "$work/ca.pem" >/dev/null; }
run_curl() { curl -sf --cacert "$work/ca.pem" -H "X-Auth-Token: footprint-token" -H "Accept: application/json" "$url/v3/sources/$id/command" >/dev/null; }
run_hwsms
[ -x /usr/bin/time ] || { echo "GNU time is missing: apt-get install time" >&2; exit 1; }
/usr/bin/time -f '%M' -o "$work/rss" "$work/hwsms" fetch --endpoint "$url" --server-id "$id" --ca-file "$work/ca.pem" >/dev/null
echo "peak RSS, one HTTPS fetch: $(cat "$work/rss") KiB"

mean_ms() { # mean wall time of "$1" over $runs runs, in ms with 2 decimals
  local start end
  start=$(date +%s%N)
  for _ in $(seq "$runs"); do "$1"; done
  end=$(date +%s%N)
  awk -v ns=$((end - start)) -v n="$runs" 'BEGIN { printf "%.2f", ns / n / 1e6 }'
}
if command -v curl >/dev/null; then
  run_curl
  # Interleave to spread machine noise over both.
  h1=$(mean_ms run_hwsms); c1=$(mean_ms run_curl); h2=$(mean_ms run_hwsms); c2=$(mean_ms run_curl)
  awk -v h1="$h1" -v h2="$h2" -v c1="$c1" -v c2="$c2" -v n=$((2 * runs)) 'BEGIN {
    h = (h1 + h2) / 2; c = (c1 + c2) / 2
    printf "one-shot HTTPS fetch, mean of %d runs: hwsms %.2f ms, curl %.2f ms, ratio %.2f\n", n, h, c, h / c }'
  echo "curl: $(curl --version | head -1)"
else
  echo "curl: not installed, no comparison"
fi
echo "crates in the normal dependency tree: $(cargo tree -e normal --prefix none | sed -e 's/ (\*)//' -e 's/ (proc-macro)//' | sort -u | wc -l) (hwsms included)"
