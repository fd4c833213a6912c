#!/usr/bin/env bash
# Builds, checks and packs a release into dist/:
#
#   hwsms-V-x86_64-unknown-linux-musl.tar.gz     static hwsms, any x86_64 Linux
#   hwsms-V-aarch64-unknown-linux-musl.tar.gz    static hwsms, any arm64 Linux
#   hwsms-V-i686-unknown-linux-gnu.tar.gz        hwsms for 32-bit hosts, glibc >= 2.17
#   hwsms-V-x86_64-pc-windows-gnu.zip            hwsms.exe, Windows 10 / Server 2016 on
#   hwsms-V-x86_64-win7-windows-gnu.zip          hwsms.exe, Windows 7 / Server 2008 R2 on
#   libhwsms-V-x86_64-unknown-linux-gnu.tar.gz   the C library: include/hwsms.h,
#                                                lib/libhwsms.so* (SONAME libhwsms.so.0,
#                                                glibc >= 2.17), lib/libhwsms.a,
#                                                lib/pkgconfig/hwsms.pc (relocatable)
#   SHA256SUMS
#
# Every archive holds one folder named like the archive, with the README,
# the changelog and both license texts; the program archives also hold the
# service files of examples/service (README, "Running as a service").
#
#     scripts/release.sh
#
# The builds and their checks are scripts/cross.sh's (Linux: glibc 2.17,
# static musl, an empty-root run, qemu) and cross-windows.sh's (wine); then
# this packs them, and checks what it packed: the sums, the contents, and a
# C program built through pkg-config from the unpacked library archive, run
# linked both ways against the local stand-in. Archives are reproducible:
# sorted, owned by 0:0, dated by the last commit.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n=== %s\n' "$*"; }

version=$(sed -n 's/^version = "\(.*\)"/\1/p' cli/Cargo.toml | head -1)
for manifest in Cargo.toml ffi/Cargo.toml; do
  v=$(sed -n 's/^version = "\(.*\)"/\1/p' "$manifest" | head -1)
  [ "$v" = "$version" ] || { echo "$manifest says $v, cli/Cargo.toml $version" >&2; exit 1; }
done
grep -q "^## \[$version\]" CHANGELOG.md || { echo "CHANGELOG.md has no [$version] entry" >&2; exit 1; }
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}

step "build and check (scripts/cross.sh)"
bash scripts/cross.sh
bash scripts/cross.sh windows

step "pack hwsms $version"
dist=dist
rm -rf "$dist" && mkdir -p "$dist"
work=$(mktemp -d)
standin=
trap 'kill $standin 2>/dev/null || true; rm -rf "$work"' EXIT
sysroot=$(rustc --print sysroot)
llvm_objcopy() {
  LD_LIBRARY_PATH="$sysroot/lib" "$sysroot/lib/rustlib/$(rustc -vV | sed -n 's/^host: //p')/bin/rust-objcopy" "$@"
}
docs=(README.md CHANGELOG.md LICENSE-MIT LICENSE-APACHE)

# stage NAME: a fresh folder $work/NAME holding the docs.
stage() {
  rm -rf "${work:?}/$1" && mkdir -p "$work/$1"
  cp "${docs[@]}" "$work/$1/"
}

# tarball NAME: $work/NAME packed into dist/NAME.tar.gz.
tarball() {
  tar -C "$work" --sort=name --owner=0 --group=0 --numeric-owner \
    --mtime="@$SOURCE_DATE_EPOCH" -cf - "$1" | gzip -9n > "$dist/$1.tar.gz"
  echo "$1.tar.gz: $(stat -c %s "$dist/$1.tar.gz") bytes"
}

# zipball NAME: $work/NAME packed into dist/NAME.zip (with python, which
# every build host has; zip often is not installed).
zipball() {
  python3 - "$work" "$1" "$dist/$1.zip" <<'PY'
import os, sys, time, zipfile
root, name, out = sys.argv[1:]
stamp = time.gmtime(int(os.environ["SOURCE_DATE_EPOCH"]))[:6]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for folder, dirs, files in os.walk(os.path.join(root, name)):
        dirs.sort()
        for f in sorted(files):
            path = os.path.join(folder, f)
            info = zipfile.ZipInfo(os.path.relpath(path, root), stamp)
            info.external_attr = 0o100755 << 16 if f.endswith(".exe") else 0o100644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            with open(path, "rb") as fh:
                z.writestr(info, fh.read())
PY
  echo "$1.zip: $(stat -c %s "$dist/$1.zip") bytes"
}

for triple in x86_64-unknown-linux-musl aarch64-unknown-linux-musl i686-unknown-linux-gnu; do
  name=hwsms-$version-$triple
  stage "$name"
  llvm_objcopy --strip-all "target/$triple/release/hwsms" "$work/$name/hwsms"
  mkdir -p "$work/$name/service"
  cp examples/service/hwsms-agent.sh examples/service/hwsms-agent.service \
    examples/service/hwsms-agent.env "$work/$name/service/"
  tarball "$name"
done

for triple in x86_64-pc-windows-gnu x86_64-win7-windows-gnu; do
  name=hwsms-$version-$triple
  stage "$name"
  llvm_objcopy --strip-all "target/$triple/release/hwsms.exe" "$work/$name/hwsms.exe"
  zipball "$name"
done

name=libhwsms-$version-x86_64-unknown-linux-gnu
stage "$name"
lib_dir=target/x86_64-unknown-linux-gnu/release
llvm_objcopy --strip-all "$lib_dir/libhwsms.so" "$work/libhwsms.so"
llvm_objcopy --strip-debug "$lib_dir/libhwsms.a" "$work/libhwsms.a"
HWSMS_LIB_DIR=$work HWSMS_PC_PREFIX='${pcfiledir}/../..' \
  bash scripts/install.sh "$work/$name" >/dev/null
tarball "$name"

(cd "$dist" && sha256sum -- *.tar.gz *.zip > SHA256SUMS)

step "check what was packed"
(cd "$dist" && sha256sum -c SHA256SUMS)
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

for archive in "$dist"/*.tar.gz "$dist"/*.zip; do
  base=$(basename "$archive")
  base=${base%.tar.gz}
  base=${base%.zip}
  if [[ "$archive" == *.zip ]]; then
    listing=$(python3 -c 'import sys, zipfile; print("\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))' "$archive")
  else
    listing=$(tar -tzf "$archive")
  fi
  for doc in "${docs[@]}"; do
    grep -qx "$base/$doc" <<<"$listing" || fail "$base lacks $doc"
  done
  echo "$base: $(grep -cv '/$' <<<"$listing") files, with ${docs[*]}"
done

# The C library archive, unpacked somewhere else than where it was made: a
# program built through its pkg-config file, shared and static, fetches from
# the stand-in.
source scripts/standin.sh
start_standin release-token
unpacked=$work/unpacked
mkdir -p "$unpacked"
tar -C "$unpacked" -xzf "$dist/libhwsms-$version-x86_64-unknown-linux-gnu.tar.gz"
export PKG_CONFIG_PATH=$unpacked/libhwsms-$version-x86_64-unknown-linux-gnu/lib/pkgconfig
echo "pkg-config: $(pkg-config --modversion hwsms), $(pkg-config --cflags --libs hwsms)"
[ "$(pkg-config --modversion hwsms)" = "$version" ] || fail "hwsms.pc says $(pkg-config --modversion hwsms)"
libdir=$(pkg-config --variable=libdir hwsms)
soname=$(readelf -d "$libdir/libhwsms.so" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
[ "$soname" = libhwsms.so.0 ] || fail "libhwsms.so has SONAME '$soname'"
# shellcheck disable=SC2046 # pkg-config prints separate words
gcc -std=c99 -O2 -o "$work/agent-shared" examples/c/fetch_command.c \
  $(pkg-config --cflags --libs hwsms) -Wl,-rpath,"$libdir"
# shellcheck disable=SC2046
gcc -std=c99 -O2 -o "$work/agent-static" examples/c/fetch_command.c \
  $(pkg-config --cflags hwsms) -Wl,-Bstatic $(pkg-config --static --libs hwsms)
readelf -d "$work/agent-shared" | grep -q 'NEEDED.*\[libhwsms.so.0\]' \
  || fail "the shared build does not need libhwsms.so.0"
if readelf -d "$work/agent-static" | grep -q 'NEEDED.*libhwsms'; then
  fail "the static build still needs libhwsms.so"
fi
want='{"command_name":"START","task_id":"xxxxxxxxxxxxxxxxxxxxxxxx00000001","bucket":null}'
for kind in shared static; do
  got=$(HUAWEICLOUD_SDK_AUTH_TOKEN=release-token "$work/agent-$kind" --endpoint "$url" \
        --server-id f32ab4d6-d150-4fb3-aa55-edbb5cf9947f --ca-file "$work/ca.pem") || true
  if [ "$got" = "$want" ]; then
    echo "C program ($kind, via pkg-config from the unpacked archive): $got"
  else
    fail "the $kind C program printed: $got"
  fi
done

if [ "$failures" -ne 0 ]; then
  echo "$failures release check(s) failed" >&2
  exit 1
fi
echo
ls -l "$dist"
echo "release $version packed into $dist/"
