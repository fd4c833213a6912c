#!/usr/bin/env bash
# Builds libhwsms and the hwsms program for old Linux hosts, checks that
# nothing needs a glibc newer than 2.17 and that the musl builds are fully
# static, and runs each build against a local HTTPS SMS stand-in (natively,
# with Debian's i386 libc, or under qemu; the x86_64 static binary also in
# an empty chroot: no libc, no /etc, nothing but itself). scripts/release.sh
# packs what this builds.
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
  aarch64-unknown-linux-musl
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
work=$(mktemp -d)
standin=
trap 'kill $standin 2>/dev/null || true; rm -rf "$work"' EXIT
source scripts/standin.sh
start_standin cross-token
echo "$url"

# Highest GLIBC_x.y version a binary references (empty when none).
max_glibc() {
  objdump -T "$1" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1
}

# The contract of `hwsms fetch`: the stand-in's START, as one JSON line.
check_fetch() {
  local name=$1 got want
  shift
  got=$(HUAWEICLOUD_SDK_AUTH_TOKEN=cross-token "$@" fetch --endpoint "$url" \
        --server-id f32ab4d6-d150-4fb3-aa55-edbb5cf9947f --ca-file "$work/ca.pem") || true
  want='{"command_name":"START","task_id":"xxxxxxxxxxxxxxxxxxxxxxxx00000001","bucket":null}'
  if [ "$got" = "$want" ]; then
    echo "hwsms fetch: $got"
  else
    echo "FAIL: $name hwsms fetch printed: $got" >&2; failures=$((failures + 1))
  fi
}

# The contract of `hwsms report`: {"status":200}. Reported for an id of its
# own: once a result is reported, the stand-in (like SMS) has nothing more
# to do for that id, and the next target's fetch expects START.
check_report() {
  local name=$1 got
  shift
  got=$(HUAWEICLOUD_SDK_AUTH_TOKEN=cross-token "$@" report --endpoint "$url" \
        --server-id reported-by-cross --ca-file "$work/ca.pem" \
        --command START --result success --detail '{"host":"cross"}') || true
  if [ "$got" = '{"status":200}' ]; then
    echo "hwsms report: $got"
  else
    echo "FAIL: $name hwsms report printed: $got" >&2; failures=$((failures + 1))
  fi
}

# A static binary needs nothing from the host: run it in a root that holds
# only itself and the stand-in's CA (no libc, no /etc, no /dev). chroot
# needs root; elsewhere an unprivileged user namespace stands in.
check_in_empty_root() {
  local root=$work/empty-root got
  rm -rf "$root" && mkdir -p "$root"
  cp "$1" "$root/hwsms" && cp "$work/ca.pem" "$root/ca.pem"
  # Full paths: env -i below leaves no PATH.
  local chroot_cmd=("$(command -v chroot)")
  [ "$(id -u)" = 0 ] || chroot_cmd=("$(command -v unshare)" --map-root-user "${chroot_cmd[0]}")
  got=$(env -i HUAWEICLOUD_SDK_AUTH_TOKEN=cross-token "${chroot_cmd[@]}" "$root" /hwsms fetch \
        --endpoint "$url" --server-id f32ab4d6-d150-4fb3-aa55-edbb5cf9947f --ca-file /ca.pem) || true
  if [ "$got" = '{"command_name":"START","task_id":"xxxxxxxxxxxxxxxxxxxxxxxx00000001","bucket":null}' ]; then
    echo "runs in an empty root (no libc): $got"
  else
    echo "FAIL: the static hwsms in an empty root printed: $got" >&2; failures=$((failures + 1))
  fi
}

# llvm-objcopy from the Rust toolchain strips any target's binaries (it
# finds its libLLVM next to rustc's).
sysroot=$(rustc --print sysroot)
llvm_objcopy() {
  LD_LIBRARY_PATH="$sysroot/lib" "$sysroot/lib/rustlib/$(rustc -vV | sed -n 's/^host: //p')/bin/rust-objcopy" "$@"
}

failures=0
for t in "${TARGETS[@]}"; do
  [ -n "$filter" ] && [[ "$t" != *"$filter"* ]] && continue
  triple=${t%.2.17}
  out=target/$triple/release
  step "$t"
  cargo zigbuild -q --locked --release --target "$t" -p hwsms-ffi -p hwsms-cli
  bin=$out/hwsms
  artifacts=("$bin")
  if [[ "$triple" == *musl ]]; then
    # musl builds are fully static: libhwsms.a, no .so (Rust drops cdylib there).
    ls -l "$out/libhwsms.a"
    if readelf -l "$bin" | grep -q INTERP || readelf -d "$bin" | grep -q NEEDED; then
      echo "FAIL: $bin is not fully static" >&2; failures=$((failures + 1))
    else
      echo "fully static: no program interpreter, no NEEDED libraries"
    fi
    llvm_objcopy --strip-all "$bin" "$work/hwsms-stripped"
    size=$(stat -c %s "$work/hwsms-stripped")
    echo "hwsms stripped: $size bytes (limit 3145728 = 3 MiB)"
    [ "$size" -le 3145728 ] || { echo "FAIL: $bin is over 3 MiB stripped" >&2; failures=$((failures + 1)); }
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
    soname=$(readelf -d "$out/libhwsms.so" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
    [ "$soname" = libhwsms.so.0 ] && echo "libhwsms.so: SONAME $soname" \
      || { echo "FAIL: libhwsms.so has SONAME '$soname', not libhwsms.so.0" >&2; failures=$((failures + 1)); }
  fi
  case "$t" in
    aarch64-*-gnu*) runner=(qemu-aarch64 -L /usr/aarch64-linux-gnu) ;;
    aarch64-*musl) runner=(qemu-aarch64) ;;
    *) runner=() ;;
  esac
  check_fetch "$t" "${runner[@]}" "$bin"
  check_report "$t" "${runner[@]}" "$bin"
  if [ "$triple" = x86_64-unknown-linux-musl ]; then
    check_in_empty_root "$bin"
  fi
done

if [ "$failures" -ne 0 ]; then
  echo "$failures cross-build check(s) failed" >&2
  exit 1
fi
echo "all cross builds passed"
