#!/usr/bin/env bash
# Proves the hardening of cmake/hardening.cmake on built binaries (the build's, or those copied
# out of the image): full RELRO (a GNU_RELRO segment and BIND_NOW), no executable stack, PIE,
# stack canaries (__stack_chk_fail linked) and fortified libc calls (some *_chk symbol).
#   deploy/local/check-hardening.sh BINARY...
set -euo pipefail
command -v readelf >/dev/null || { echo "check-hardening: readelf missing (binutils)" >&2; exit 2; }
status=0
for bin in "$@"; do
  problems=()
  headers="$(readelf -W -l -d "$bin")"
  symbols="$(readelf -W --dyn-syms "$bin")"
  grep -q 'GNU_RELRO' <<<"$headers" || problems+=("no GNU_RELRO segment")
  grep -Eq 'BIND_NOW|FLAGS.*\bNOW\b' <<<"$headers" || problems+=("no BIND_NOW (partial RELRO)")
  grep -E 'GNU_STACK' <<<"$headers" | grep -q 'RWE' && problems+=("an executable stack")
  grep -q 'Elf file type is DYN' <<<"$headers" || problems+=("not PIE")
  grep -q '__stack_chk_fail' <<<"$symbols" || problems+=("no stack protector (__stack_chk_fail not linked)")
  grep -Eq '__[a-z_]+_chk(@|\b)' <<<"$(grep -v __stack_chk_fail <<<"$symbols")" \
    || problems+=("no fortified libc call (_FORTIFY_SOURCE off?)")
  if ((${#problems[@]})); then
    echo "check-hardening: $(basename "$bin"): $(IFS=';'; echo "${problems[*]}")" >&2
    status=1
  else
    echo "check-hardening: $(basename "$bin"): full RELRO, BIND_NOW, PIE, no executable stack, stack protector, fortified"
  fi
done
exit $status
