#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan, build/fuzz) and runs each for the
# given time from its seed corpus (corpus/<target>/, kept in the repository; what the run finds
# goes to a scratch copy), two targets at a time. Exits non-zero on the first crash, leak or
# timeout, leaving the reproducer in build/fuzz/findings/.
#   tests/fuzz/run.sh [--seconds N] [TARGET ...]     (default 20 s each, every target)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
seconds=20
if [ "${1:-}" = "--seconds" ]; then seconds="$2"; shift 2; fi
targets=("$@")
((${#targets[@]})) || targets=(signature_header_fuzz request_time_fuzz public_key_fuzz notification_fuzz intake_fuzz
  signed_split_fuzz event_id_fuzz redis_reply_fuzz)

mkdir -p "$root/build"
echo "fuzz: building the targets with clang (build/fuzz)"
PAYNOTIFY_BUILD_TARGET=fuzz_targets "$root/deploy/local/build.sh" fuzz -DPAYNOTIFY_FUZZ=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-14 >"$root/build/fuzz-build.log" 2>&1 \
  || { tail -40 "$root/build/fuzz-build.log" >&2; echo "fuzz: build failed" >&2; exit 1; }

findings="$root/build/fuzz/findings"
mkdir -p "$findings"
# One target for the given time; its summary line on success, its log's tail on a finding.
fuzz_one() {
  local t="$1" work
  work="$(mktemp -d)"
  cp -r "$root/tests/fuzz/corpus/$t/." "$work/" 2>/dev/null || true
  if ! ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
       "$root/build/fuzz/tests/fuzz/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
       -max_len=65536 -artifact_prefix="$findings/$t-" -print_final_stats=1 "$work" \
       >"$findings/$t.log" 2>&1; then
    tail -40 "$findings/$t.log" >&2
    echo "fuzz: $t FAILED; reproducer in $findings" >&2
    rm -rf "$work"
    return 1
  fi
  echo "fuzz: $t ran ${seconds} s: $(grep -E "stat::number_of_executed_units|stat::new_units_added" \
    "$findings/$t.log" | tr -s ' ' | tr '\n' ' ')"
  rm -rf "$work"
}
# Two at a time, one per core: each target still runs its full time.
status=0
for ((i = 0; i < ${#targets[@]}; i += 2)); do
  pids=()
  for t in "${targets[@]:i:2}"; do
    fuzz_one "$t" &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || status=1; done
  [ "$status" = 0 ] || exit 1
done
echo "fuzz: every target ran ${seconds} s with no finding"
