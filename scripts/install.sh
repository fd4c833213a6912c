#!/usr/bin/env bash
# Installs the C library for use from C: the header, libhwsms.a, libhwsms.so
# with its SONAME links, and a pkg-config file; then prints how to build
# against it.
#
#     scripts/install.sh [PREFIX]          # default /usr/local
#
# The libraries come from $HWSMS_LIB_DIR (default target/release), built
# with `cargo build --release -p hwsms-ffi` when missing there.
# HWSMS_PC_PREFIX sets the pkg-config prefix instead of PREFIX:
# scripts/release.sh gives '${pcfiledir}/../..', so that the archive works
# wherever it is unpacked.
set -euo pipefail
cd "$(dirname "$0")/.."

prefix=${1:-/usr/local}
libdir_src=${HWSMS_LIB_DIR:-target/release}
version=$(sed -n 's/^version = "\(.*\)"/\1/p' ffi/Cargo.toml | head -1)
major=${version%%.*}

if [ ! -f "$libdir_src/libhwsms.a" ] || [ ! -f "$libdir_src/libhwsms.so" ]; then
  [ "$libdir_src" = target/release ] || { echo "no libhwsms in $libdir_src" >&2; exit 1; }
  cargo build --release --locked -p hwsms-ffi
fi

mkdir -p "$prefix/include" "$prefix/lib/pkgconfig"
install -m 0644 ffi/include/hwsms.h "$prefix/include/hwsms.h"
install -m 0644 "$libdir_src/libhwsms.a" "$prefix/lib/libhwsms.a"
install -m 0755 "$libdir_src/libhwsms.so" "$prefix/lib/libhwsms.so.$version"
ln -sf "libhwsms.so.$version" "$prefix/lib/libhwsms.so.$major"
ln -sf "libhwsms.so.$major" "$prefix/lib/libhwsms.so"

# What `rustc --print native-static-libs` lists for a Linux staticlib. In
# Libs.private, -Wl,-Bdynamic ends a -Wl,-Bstatic the caller put before the
# flags, so only libhwsms is linked statically.
pc_prefix=${HWSMS_PC_PREFIX:-$prefix}
cat > "$prefix/lib/pkgconfig/hwsms.pc" <<PC
prefix=$pc_prefix
exec_prefix=\${prefix}
libdir=\${exec_prefix}/lib
includedir=\${prefix}/include

Name: hwsms
Description: Huawei Cloud SMS command channel for migration agents (ShowCommand, command results)
Version: $version
Cflags: -I\${includedir}
Libs: -L\${libdir} -lhwsms
Libs.private: -Wl,-Bdynamic -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
PC

echo "installed hwsms $version into $prefix"
[ -n "${HWSMS_PC_PREFIX:-}" ] && exit 0
pcdir=$(cd "$prefix/lib/pkgconfig" && pwd)
libdir=$(cd "$prefix/lib" && pwd)
cat <<NEXT

Build a C program against it:
  export PKG_CONFIG_PATH=$pcdir\${PKG_CONFIG_PATH:+:\$PKG_CONFIG_PATH}
  gcc -o agent agent.c \$(pkg-config --cflags --libs hwsms) -Wl,-rpath,$libdir       # shared
  gcc -o agent agent.c -Wl,-Bstatic \$(pkg-config --static --cflags --libs hwsms)   # static
(-Wl,-rpath lets the program find libhwsms.so.$major without LD_LIBRARY_PATH;
 leave it out when $libdir is one the dynamic linker searches.)
NEXT
