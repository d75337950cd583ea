#!/usr/bin/env bash
# Formats the C++ sources with .clang-format, or (--check) lists the files that are not
# formatted and exits non-zero. Uses Debian 12's clang-format-14, so every machine agrees.
#   format.sh [--check]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
tool="$(command -v clang-format-14 || true)"
[ -n "$tool" ] || { echo "format: clang-format-14 is missing (deploy/local/setup.sh installs it)" >&2; exit 1; }
# Tracked files and new ones not yet added (but not ignored ones: build trees).
mapfile -t files < <(git ls-files --cached --others --exclude-standard '*.cpp' '*.hpp')
if [ "${1:-}" = "--check" ]; then
  unformatted=()
  for f in "${files[@]}"; do
    "$tool" --style=file "$f" | cmp -s - "$f" || unformatted+=("$f")
  done
  if [ ${#unformatted[@]} -gt 0 ]; then
    echo "format: ${#unformatted[@]} file(s) differ from .clang-format; run deploy/local/format.sh:" >&2
    printf '  %s\n' "${unformatted[@]}" >&2
    exit 1
  fi
  echo "format: ${#files[@]} files formatted"
else
  "$tool" --style=file -i "${files[@]}"
fi
