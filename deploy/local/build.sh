#!/usr/bin/env bash
# Configures and builds paynotify into build/<name> (default build/release), with ccache when
# present so a second run reuses the first one's work. Extra arguments go to cmake.
#   build.sh [NAME] [-DOPTION=VALUE ...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$root/deploy/local/common.sh"
name="${1:-release}"
shift || true
launcher=()
if command -v ccache >/dev/null; then
  export CCACHE_DIR="${CCACHE_DIR:-$paynotify_cache/ccache}"
  export CCACHE_BASEDIR="$root"  # hits across clones in different folders
  export CCACHE_NOHASHDIR=1
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
# librdkafka 2.14.2, built once from Debian's source package (librdkafka.sh says why).
rdkafka_prefix="$("$root/deploy/local/librdkafka.sh")"
cmake -S "$root" -B "$root/build/$name" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_PREFIX_PATH="$rdkafka_prefix" "${launcher[@]}" "$@" >/dev/null
# PAYNOTIFY_BUILD_TARGET limits the build to one target (the sanitizer build only needs the unit tests).
cmake --build "$root/build/$name" -j "$(nproc)" ${PAYNOTIFY_BUILD_TARGET:+--target "$PAYNOTIFY_BUILD_TARGET"}
