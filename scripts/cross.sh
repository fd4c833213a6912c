#!/usr/bin/env bash
# Builds libhwsms and the fetch_command example for old Linux hosts, checks
# that nothing needs a glibc newer than 2.17, and runs each build against a
# local HTTPS SMS stand-in (natively, with Debian's i386 libc, or under qemu).
#
#     scripts/cross.sh                 # all Linux targets
#     scripts/cross.sh aarch64         # only targets whose name contains "aarch64"
#     scripts/cross.sh windows         # the Windows builds (scripts/cross-windows.sh)
#
# Installs what it needs: rustup targets, ziglang (PyPI), cargo-zigbuild
# (crates.io), and Debian's qemu-user, libc6-arm64-cross and libc6-i386.
set -euo pipefail
cd "$(dirname "$0")/.."
filter=${1:-}
if [ "$filter" = windows ]; then
  exec bash scripts/cross-windows.sh
fi

ZIGBUILD_VERSION=0.21.8
ZIG_VERSION=0.14.1
TARGETS=(
  x86_64-unknown-linux-gnu.2.17
  i686-unknown-linux-gnu.2.17
  aarch64-unknown-linux-gnu.2.17
  x86_64-unknown-linux-musl
)

step() { printf '\n=== %s\n' "$*"; }

step "tools"
need_apt=()
command -v qemu-aarch64 >/dev/null 2>&1 || need_apt+=(qemu-user)
[ -e /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 ] || need_apt+=(libc6-arm64-cross)
[ -e /lib/ld-linux.so.2 ] || need_apt+=(libc6-i386)
command -v objdump >/dev/null 2>&1 || need_apt+=(binutils)
if [ ${#need_apt[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
fi
if ! python3 -m ziglang version 2>/dev/null | grep -qx "$ZIG_VERSION"; then
  python3 -m pip install -q --disable-pip-version-check "ziglang==$ZIG_VERSION"
fi
if ! cargo-zigbuild --version 2>/dev/null | grep -q "$ZIGBUILD_VERSION"; then
  cargo install -q --locked cargo-zigbuild --version "$ZIGBUILD_VERSION"
fi
for t in "${TARGETS[@]}"; do
  rustup target add "${t%.2.17}" >/dev/null
done
echo "zig $(python3 -m ziglang version), $(cargo-zigbuild --version)"

step "local HTTPS stand-in"
cargo build -q --locked --example sms_standin
work=$(mktemp -d)
target/debug/examples/sms_standin --ca-out "$work/ca.pem" --token cross-token > "$work/url" &
standin=$!
trap 'kill $standin 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do [ -s "$work/url" ] && break; sleep 0.05; done
url=$(head -1 "$work/url")
echo "$url"

# Highest GLIBC_x.y version a binary references (empty when none).
max_glibc() {
  objdump -T "$1" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1
}

failures=0
for t in "${TARGETS[@]}"; do
  [ -n "$filter" ] && [[ "$t" != *"$filter"* ]] && continue
  triple=${t%.2.17}
  out=target/$triple/release
  step "$t"
  cargo zigbuild -q --locked --release --target "$t" -p hwsms-ffi
  cargo zigbuild -q --locked --release --target "$t" -p hwsms --example fetch_command
  bin=$out/examples/fetch_command
  artifacts=("$bin")
  if [[ "$triple" == *musl ]]; then
    # musl builds are fully static: libhwsms.a, no .so (Rust drops cdylib there).
    ls -l "$out/libhwsms.a"
    if readelf -l "$bin" | grep -q INTERP || readelf -d "$bin" | grep -q NEEDED; then
      echo "FAIL: $bin is not fully static" >&2; failures=$((failures + 1))
    else
      echo "fully static: no program interpreter, no NEEDED libraries"
    fi
  else
    artifacts+=("$out/libhwsms.so")
    for a in "${artifacts[@]}"; do
      v=$(max_glibc "$a")
      if [ -n "$v" ] && [ "$(printf '%s\n2.17\n' "$v" | sort -V | tail -1)" != "2.17" ]; then
        echo "FAIL: $a needs GLIBC_$v" >&2; failures=$((failures + 1))
      else
        echo "$(basename "$a"): newest glibc symbol GLIBC_${v:-none} (<= 2.17)"
      fi
    done
  fi
  case "$triple" in
    aarch64-*) runner=(qemu-aarch64 -L /usr/aarch64-linux-gnu) ;;
    *) runner=() ;;
  esac
  got=$(HUAWEICLOUD_SDK_AUTH_TOKEN=cross-token "${runner[@]}" "$bin" --endpoint "$url" \
        --server-id f32ab4d6-d150-4fb3-aa55-edbb5cf9947f --ca-file "$work/ca.pem") || true
  want='{"bucket":null,"command_name":"START","task_id":"xxxxxxxxxxxxxxxxxxxxxxxx00000001"}'
  if [ "$(python3 -c 'import json,sys; print(json.dumps(json.loads(sys.argv[1]), sort_keys=True, separators=(",", ":")))' "$got" 2>/dev/null)" = "$want" ]; then
    echo "runs: $got"
  else
    echo "FAIL: $t fetch_command printed: $got" >&2; failures=$((failures + 1))
  fi
done

if [ "$failures" -ne 0 ]; then
  echo "$failures cross-build check(s) failed" >&2
  exit 1
fi
echo "all cross builds passed"
