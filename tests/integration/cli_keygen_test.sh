#!/usr/bin/env bash
# `paynotify keygen` and the private key it writes: owner-only from its creation (mode 0600
# even under umask 0), never written through a link left at its path, never over an existing
# file, and no half pair left behind when it refuses.
# Usage: cli_keygen_test.sh BUILD_DIR
set -euo pipefail
cli="$1/cli/paynotify"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
check() {  # check NAME COMMAND...
  local name="$1"; shift
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAILED: $name" >&2; fi
}
refused() { ! "$cli" keygen "$@" >/dev/null 2>"$work/err"; }

(umask 0 && "$cli" keygen --out "$work/new" >/dev/null)
check "the private key is 0600 under umask 0" test "$(stat -c %a "$work/new/antom-private.pem")" = 600
check "the public key is 0644 under umask 0" test "$(stat -c %a "$work/new/antom-public.pem")" = 644

# A link at the private key's path, to a file the attacker wants written (or read later).
mkdir "$work/link"
echo "the link's target" >"$work/target"
ln -s "$work/target" "$work/link/antom-private.pem"
check "a link at the key's path is refused" refused --out "$work/link"
check "the refusal names the path" grep -q "$work/link/antom-private.pem already exists" "$work/err"
check "the link's target is untouched" test "$(cat "$work/target")" = "the link's target"
check "the link is still a link" test -L "$work/link/antom-private.pem"
check "no public half is left" test ! -e "$work/link/antom-public.pem"
ln -s "$work/nowhere" "$work/link/other-private.pem"
check "a dangling link is refused" refused --out "$work/link" --prefix other
check "the dangling link creates nothing" test ! -e "$work/nowhere"

cp "$work/new/antom-private.pem" "$work/saved.pem"
check "an existing key is not overwritten" refused --out "$work/new"
check "the existing key is unchanged" cmp -s "$work/saved.pem" "$work/new/antom-private.pem"
rm "$work/new/antom-private.pem"
check "an existing public key refuses the pair" refused --out "$work/new"
check "and its private half is removed" test ! -e "$work/new/antom-private.pem"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
