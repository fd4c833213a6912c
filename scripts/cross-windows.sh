#!/usr/bin/env bash
# Windows builds, run through `scripts/cross.sh windows`:
#
# - x86_64-pc-windows-gnu (Windows 10, Server 2016 and later), stable Rust;
# - x86_64-win7-windows-gnu (Windows 7, Server 2008 R2 and 2012 R2), a
#   tier-3 target built with nightly's -Zbuild-std. Since Rust 1.78 std uses
#   ProcessPrng from bcryptprimitives.dll, which those systems lack; the
#   win7 target keeps to APIs they have.
#
# Each builds hwsms.exe (the hwsms program), hwsms.dll (with its import
# library libhwsms.dll.a) and libhwsms.a, checks the imported DLLs and the
# DLL's exports, and runs the program and the C example (built by mingw
# against hwsms.dll) under Debian's wine against the local stand-in.
# scripts/release.sh packs hwsms.exe.
#
# Wine 8 lacks ProcessPrng too, so for the Windows 10 build only, the test
# puts scripts/wine/bcryptprimitives.dll (a few lines forwarding to
# RtlGenRandom) next to the binaries. It is a test fixture: never ship it.
#
# Installs: gcc-mingw-w64-x86-64, wine64 (Debian), the rustup target and
# nightly's rust-src.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n=== %s\n' "$*"; }

step "tools"
need_apt=()
command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 || need_apt+=(gcc-mingw-w64-x86-64)
[ -x /usr/lib/wine/wine64 ] || need_apt+=(wine64)
if [ ${#need_apt[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
fi
rustup target add x86_64-pc-windows-gnu >/dev/null
rustup component add rust-src --toolchain nightly >/dev/null
WINE=/usr/lib/wine/wine64
export WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" WINEPREFIX="$PWD/target/wineprefix"
echo "$(x86_64-w64-mingw32-gcc --version | head -1); $("$WINE" --version)"

step "local HTTPS stand-in"
work=$(mktemp -d)
standin=
trap 'kill $standin 2>/dev/null || true; rm -rf "$work"' EXIT
source scripts/standin.sh
start_standin win-token
ca_win="Z:${work//\//\\}\\ca.pem"   # a Windows path to the CA file
echo "$url, CA as $ca_win"

failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# Runs a Windows program under wine; prints its exit code, then stdout
# (C stdio on Windows ends lines with CR LF: the CRs are dropped).
run() {
  local out code
  out=$(HUAWEICLOUD_SDK_AUTH_TOKEN=win-token "$WINE" "$@" 2>"$work/stderr") && code=0 || code=$?
  printf '%s\n%s' "$code" "${out//$'\r'/}"
}

# The command-line contract, for `hwsms.exe fetch` or the C example:
# check_fetch NAME PROGRAM [WORDS BEFORE THE FLAGS].
check_fetch() {
  local name=$1 res code out
  shift
  res=$(run "$@" --endpoint "$url" --ca-file "$ca_win" --server-id f32ab4d6-d150-4fb3-aa55-edbb5cf9947f)
  code=${res%%$'\n'*}; out=${res#*$'\n'}
  [ "$code" = 0 ] && [ "$out" = '{"command_name":"START","task_id":"xxxxxxxxxxxxxxxxxxxxxxxx00000001","bucket":null}' ] \
    && echo "$name: 200 -> $out" || fail "$name 200: exit $code, $out, $(cat "$work/stderr")"
  res=$(run "$@" --endpoint "$url" --ca-file "$ca_win" --server-id no-permission)
  code=${res%%$'\n'*}
  last=$(tail -1 "$work/stderr" | tr -d '\r')
  [ "$code" = 3 ] && [[ "$last" == '{"status":403,"error_code":"SMS.9004"'* ]] \
    && echo "$name: 403 -> exit 3, $last" || fail "$name 403: exit $code, $last"
  res=$(run "$@" --endpoint "$url" --ca-file "$ca_win" --server-id 'bad/id')
  code=${res%%$'\n'*}
  [ "$code" = 2 ] && echo "$name: bad id -> exit 2" || fail "$name bad id: exit $code"
}

build() {
  local triple=$1; shift
  "$@" build -q --locked --release --target "$triple" -p hwsms-cli -p hwsms-ffi
}

for triple in x86_64-pc-windows-gnu x86_64-win7-windows-gnu; do
  step "$triple"
  if [ "$triple" = x86_64-win7-windows-gnu ]; then
    # Tier 3: std is built from source; ring's C code needs the mingw tools named.
    export CC_x86_64_win7_windows_gnu=x86_64-w64-mingw32-gcc AR_x86_64_win7_windows_gnu=x86_64-w64-mingw32-ar
    build "$triple" cargo +nightly -Zbuild-std=std,panic_unwind
  else
    build "$triple" cargo
  fi
  out=target/$triple/release
  ls -l "$out/hwsms.dll" "$out/libhwsms.dll.a" "$out/libhwsms.a" "$out/hwsms.exe" | awk '{print $5, $9}'
  x86_64-w64-mingw32-strip -o "$work/hwsms.dll" "$out/hwsms.dll"
  echo "hwsms.dll stripped: $(stat -c %s "$work/hwsms.dll") bytes"

  for a in "$out/hwsms.dll" "$out/hwsms.exe"; do
    dlls=$(x86_64-w64-mingw32-objdump -p "$a" | sed -n 's/.*DLL Name: //p' | sort -u | tr '\n' ' ')
    echo "$(basename "$a") imports: $dlls"
    if [ "$triple" = x86_64-win7-windows-gnu ] && [[ "$dlls" == *bcryptprimitives* ]]; then
      fail "$a imports bcryptprimitives.dll, which Windows 7 / 2008 R2 / 2012 R2 lack"
    fi
  done
  exports=$(x86_64-w64-mingw32-objdump -p "$out/hwsms.dll" | awk '/\[Ordinal\/Name Pointer\] Table/ {t=1; next} t && NF==0 {t=0} t {print $NF}')
  others=$(printf '%s\n' "$exports" | grep -cv '^hwsms_' || true)
  echo "hwsms.dll exports $(printf '%s\n' "$exports" | grep -c '^hwsms_') hwsms_* functions and $others others"
  [ "$others" -eq 0 ] || fail "hwsms.dll exports non-hwsms_ symbols: $(printf '%s\n' "$exports" | grep -v '^hwsms_' | head -5 | tr '\n' ' ')"

  # The programs, next to the DLLs they need, under wine.
  run_dir=$work/$triple
  mkdir -p "$run_dir"
  cp "$out/hwsms.exe" "$out/hwsms.dll" "$run_dir/"
  if [ "$triple" = x86_64-pc-windows-gnu ]; then
    x86_64-w64-mingw32-gcc -shared -O2 -o "$run_dir/bcryptprimitives.dll" \
      scripts/wine/bcryptprimitives.c scripts/wine/bcryptprimitives.def -ladvapi32
  fi
  x86_64-w64-mingw32-gcc -std=c99 -Wall -Wextra -Werror -pedantic -O2 -Iffi/include \
    -o "$run_dir/fetch_command_c.exe" examples/c/fetch_command.c -L"$out" -lhwsms
  check_fetch "$triple hwsms.exe fetch" "$run_dir/hwsms.exe" fetch
  check_fetch "$triple C example" "$run_dir/fetch_command_c.exe"
  # An id of its own: after a report the stand-in, like SMS, has nothing
  # more to do for that id, and the next target's fetch expects START.
  res=$(run "$run_dir/hwsms.exe" report --endpoint "$url" --ca-file "$ca_win" \
        --server-id reported-by-windows --command START --result success --detail '{"os":"windows"}')
  code=${res%%$'\n'*}; got=${res#*$'\n'}
  [ "$code" = 0 ] && [ "$(printf '%s' "$got" | tr -d '\r')" = '{"status":200}' ] \
    && echo "$triple hwsms.exe report: $got" || fail "$triple hwsms.exe report: exit $code, $got"
done

if [ "$failures" -ne 0 ]; then
  echo "$failures Windows check(s) failed" >&2
  exit 1
fi
echo "all Windows builds passed"
