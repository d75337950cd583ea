#!/usr/bin/env bash
# Builds the librdkafka paynotify links, from Debian's own source package of a current release,
# and prints the folder it is installed in (CMake finds it there: RdKafka::rdkafka).
#   librdkafka.sh [PREFIX]    (default: the cache folder; the image's build stage passes one)
#
# Why not Debian 12's librdkafka (2.0.2): it cannot log in with SCRAM to Kafka 3.8.1 and later
# (fixed in 2.6.1), and lacks fixes for the idempotent producer (2.3.0), the metadata cache
# (2.10.0) and Kafka 4.0's removal of JoinGroup v0 (2.11.0).
#
# How: a private apt configuration with one source-only entry for Debian's unstable
# distribution (no binary package ever comes from it, and the system's apt is not touched)
# fetches the source package; apt checks the .dsc and tarballs against the index signed by
# Debian's archive keys. The .dsc's hash is pinned here too, so a cached copy is trusted
# offline and a changed upload is noticed. The library is built static and linked into the
# binaries: nothing of it is installed system-wide, and the image needs no librdkafka package.
# Debian's three patches are left out (--skip-patches): they only swap upstream's bundled cJSON
# and nanopb code for Debian's packages, and need opentelemetry-proto, which Debian 12 lacks.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/common.sh"

version=2.14.2-1
dsc_sha256=fafd510fdb29c4cf7732e115a416d93a5a3af4a1b3bd2b0c7731042d653d85ee
upstream="${version%-*}"
prefix="${1:-$paynotify_cache/librdkafka-$version}"
# The recipe is this script: when it changes, the library is built again.
recipe="$(sha256sum "${BASH_SOURCE[0]}" | cut -d' ' -f1)"
if [ "$(cat "$prefix/.recipe" 2>/dev/null)" = "$recipe" ]; then
  echo "$prefix"
  exit 0
fi

log() { echo "librdkafka: $*" >&2; }
fail() { echo "librdkafka: FAILED: $*" >&2; exit 1; }
# One build at a time (tests/run.sh and demo.sh may start together): the others wait, then reuse it.
mkdir -p "$paynotify_cache"
exec 9>"$paynotify_cache/librdkafka.lock"
flock 9
if [ "$(cat "$prefix/.recipe" 2>/dev/null)" = "$recipe" ]; then
  echo "$prefix"
  exit 0
fi
"$here/apt-install.sh" librdkafka dpkg-dev build-essential cmake ninja-build pkg-config \
  libssl-dev libsasl2-dev libzstd-dev liblz4-dev zlib1g-dev >&2

sources="$paynotify_cache/librdkafka-source"
dsc="$sources/librdkafka_$version.dsc"
mkdir -p "$sources"
if ! echo "$dsc_sha256  $dsc" | sha256sum -c --status 2>/dev/null; then
  apt_dir="$paynotify_cache/librdkafka-apt"
  mkdir -p "$apt_dir/sources.list.d" "$apt_dir/lists/partial" "$apt_dir/cache"
  # The archive this machine's apt already uses for bookworm itself (not its security archive).
  system_sources=/etc/apt/sources.list.d/debian.sources
  uri="$(awk -v RS= '/\nSuites:[^\n]*bookworm( |\n|$)/ {if (match($0, /URIs: *[^ \n]+/)) {
           split(substr($0, RSTART, RLENGTH), u, / +/); print u[2]; exit}}' "$system_sources" 2>/dev/null || true)"
  [ -n "$uri" ] || uri="$(awk '$1 == "deb" && $3 == "bookworm" {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)"
  [ -n "$uri" ] || fail "no bookworm archive in $system_sources or /etc/apt/sources.list"
  cat >"$apt_dir/sources.list.d/unstable-source.sources" <<EOF
Types: deb-src
URIs: $uri
Suites: unstable
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  # Check-Valid-Until off: unstable's index carries a validity of a week, and an archive mirrored
  # at a fixed date (as on these machines) serves an expired one. It guards against being
  # offered stale sources; the pinned hash below already fixes which source is taken.
  apt_opts=(-o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts="$apt_dir/sources.list.d"
            -o Dir::State::Lists="$apt_dir/lists" -o Dir::Cache="$apt_dir/cache"
            -o Debug::NoLocking=1 -o APT::Sandbox::User=root -o Acquire::Check-Valid-Until=false)
  log "fetching Debian's source package librdkafka $version (unstable, source only)"
  apt-get "${apt_opts[@]}" -qq update >&2 || fail "apt-get update of the source-only entry"
  (cd "$sources" && apt-get "${apt_opts[@]}" -qq source --download-only "librdkafka=$version" >&2) \
    || fail "Debian's unstable no longer offers librdkafka $version: set version and dsc_sha256 in $0 to its current one"
  echo "$dsc_sha256  $dsc" | sha256sum -c --status \
    || fail "librdkafka_$version.dsc does not have the pinned hash $dsc_sha256"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# dpkg-source checks every tarball against the hashes the .dsc lists.
dpkg-source --skip-patches -x "$dsc" "$work/src" >"$work/unpack.log" 2>&1 \
  || { cat "$work/unpack.log" >&2; fail "dpkg-source -x"; }
# Without curl (whose libraries the image would have to carry), as upstream's configure script
# allows; its CMake build then still includes curl.h, because config.h defines the OIDC switch
# as 0 and this one file tests it with #ifdef: test its value instead.
grep -q '^#ifdef WITH_OAUTHBEARER_OIDC$' "$work/src/src/rdkafka_conf.c" \
  || fail "rdkafka_conf.c changed: review the OIDC switch fix in $0 for this version"
sed -i 's/^#ifdef WITH_OAUTHBEARER_OIDC$/#if WITH_OAUTHBEARER_OIDC/' "$work/src/src/rdkafka_conf.c"
log "building librdkafka $upstream (static, about a minute)"
# With SSL, SASL (SCRAM, GSSAPI), zstd, lz4 and zlib, as Debian builds it; no OIDC (no curl).
cmake -S "$work/src" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_POSITION_INDEPENDENT_CODE=ON \
  -DRDKAFKA_BUILD_STATIC=ON -DRDKAFKA_BUILD_EXAMPLES=OFF -DRDKAFKA_BUILD_TESTS=OFF \
  -DWITH_SSL=ON -DWITH_SASL=ON -DWITH_ZSTD=ON -DWITH_ZLIB=ON -DENABLE_LZ4_EXT=ON -DWITH_CURL=OFF \
  >"$work/build.log" 2>&1 \
  && cmake --build "$work/build" -j "$(nproc)" >>"$work/build.log" 2>&1 \
  || { tail -30 "$work/build.log" >&2; fail "building librdkafka"; }
# Installed beside the prefix, then moved into place: a prefix is only ever complete or absent,
# and a folder that is not one of this script's installs is never deleted.
if [ -e "$prefix" ] && [ ! -e "$prefix/.recipe" ]; then
  fail "$prefix exists and is not a librdkafka this script installed: give another folder"
fi
cmake --install "$work/build" --prefix "$work/install" >>"$work/build.log" 2>&1 \
  || { tail -30 "$work/build.log" >&2; fail "install"; }
echo "$recipe" >"$work/install/.recipe"
mkdir -p "$(dirname "$prefix")"
rm -rf "$prefix"
mv "$work/install" "$prefix"
log "installed in $prefix"
echo "$prefix"
