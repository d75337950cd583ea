#!/usr/bin/env bash
# There is no container engine on these machines, so the image's runtime stage is proven
# another way: list the shared libraries the built binaries load (ldd), find the Debian
# package that owns each (dpkg -S), and fail when the Dockerfile's RUNTIME_PACKAGES misses one.
# Usage: check-runtime-packages.sh BUILD_DIR [DOCKERFILE]
set -euo pipefail
build="$1"
dockerfile="${2:-$(dirname "$0")/Dockerfile}"
declared="$(sed -n 's/^ARG RUNTIME_PACKAGES="\(.*\)"$/\1/p' "$dockerfile")"
[ -n "$declared" ] || { echo "no ARG RUNTIME_PACKAGES line in $dockerfile"; exit 1; }
missing=0 checked=0
for binary in "$build/ingest/paynotify-ingest" "$build/worker/paynotify-worker" "$build/cli/paynotify"; do
  [ -x "$binary" ] || { echo "not built: $binary"; exit 1; }
  while read -r lib; do
    # dpkg -S knows /lib and /usr/lib apart (usrmerge); try the path as ldd prints it, then its twin.
    owner="$(dpkg -S "$lib" 2>/dev/null || dpkg -S "${lib#/usr}" 2>/dev/null || dpkg -S "/usr$lib" 2>/dev/null || true)"
    pkg="$(printf '%s' "$owner" | head -n1 | cut -d: -f1)"
    if [ -z "$pkg" ]; then echo "no Debian package owns $lib (loaded by $binary)"; missing=$((missing + 1)); continue; fi
    checked=$((checked + 1))
    if ! grep -qw -- "$pkg" <<<"$declared"; then
      echo "MISSING from RUNTIME_PACKAGES: $pkg (owns $lib, loaded by $(basename "$binary"))"
      missing=$((missing + 1))
    fi
  done < <(ldd "$binary" | awk '/=> \// {print $3} /^\t\/lib/ {print $1}' | sort -u)
done
echo "$checked library references checked, $missing missing"
[ "$missing" -eq 0 ]
