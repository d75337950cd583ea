#!/usr/bin/env bash
# Installs those of the given Debian packages that are missing (as root, or through sudo);
# quiet and quick when all are present. Shared by setup.sh and deploy/docker/build-and-test.sh.
#   apt-install.sh WHO PACKAGE...   (WHO prefixes the one line it prints)
set -euo pipefail
who="$1"; shift
missing=()
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
((${#missing[@]})) || exit 0
echo "$who: installing ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
