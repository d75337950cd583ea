#!/usr/bin/env bash
# Installs what paynotify's build, tests, demo and benchmarks need on Debian 12, and resolves
# the Apache Kafka broker jars through pom.xml into the local Maven repository.
# Idempotent: when everything is present it only checks and returns within seconds.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

packages=(
  build-essential cmake ninja-build pkg-config git python3
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  librdkafka-dev libssl-dev openssl libspdlog-dev libhiredis-dev libgtest-dev
  redis-server openjdk-17-jre-headless maven curl procps ccache
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

# The broker's jars, copied out of the local Maven repository into a cache folder that
# stack.sh puts on the classpath. Re-resolved only when pom.xml changes.
libs="${PAYNOTIFY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/paynotify}/kafka-libs"
stamp="$libs/.pom.sha256"
want="$(sha256sum "$here/pom.xml" | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: resolving the Kafka broker through deploy/local/pom.xml"
  rm -rf "$libs"
  mkdir -p "$libs"
  mvn -q -B -Dstyle.color=never -f "$here/pom.xml" dependency:copy-dependencies \
      -DoutputDirectory="$libs" -DincludeScope=runtime >"$libs/.mvn.log" 2>&1 \
    || { cat "$libs/.mvn.log" >&2; echo "setup: resolving the Kafka broker failed" >&2; exit 1; }
  echo "$want" >"$stamp"
fi
echo "setup: ok ($(ls "$libs"/*.jar | wc -l) broker jars in $libs)"
