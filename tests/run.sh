#!/usr/bin/env bash
# The README's second command: sets everything up, builds, starts Kafka and Redis, runs every
# test through CTest (and again under ASan+UBSan), stops what it started, and exits non-zero
# on any failure.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

"$root/deploy/local/setup.sh"
echo "== format (.clang-format, 100 columns)"
"$root/deploy/local/format.sh" --check

echo "== build (warnings are errors)"
"$root/deploy/local/build.sh" release -DPAYNOTIFY_WARNINGS_AS_ERRORS=ON
echo "== build (AddressSanitizer + UndefinedBehaviorSanitizer)"
"$root/deploy/local/build.sh" sanitize -DPAYNOTIFY_WARNINGS_AS_ERRORS=ON -DPAYNOTIFY_SANITIZE=ON \
  -DCMAKE_BUILD_TYPE=Debug

# A stack of its own, so a running demo is left alone; removed afterwards.
export PAYNOTIFY_STACK_DIR="$(mktemp -d /tmp/paynotify-test-stack.XXXXXX)"
cleanup() {
  "$root/deploy/local/stack.sh" down >/dev/null 2>&1 || true
  rm -rf "$PAYNOTIFY_STACK_DIR"
}
trap cleanup EXIT
echo "== starting Kafka and Redis"
eval "$("$root/deploy/local/stack.sh" up)"
export PAYNOTIFY_KAFKA_BROKERS PAYNOTIFY_REDIS PAYNOTIFY_SECURE_ENV

status=0
echo "== tests"
ctest --test-dir "$root/build/release" --output-on-failure -j 2 --timeout 300 || status=1
echo "== unit, integration and end-to-end tests again under ASan+UBSan"
# Leak checking only for the unit tests: the services' intentional process-exit paths and
# librdkafka's global state make leak reports there noise rather than signal.
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir "$root/build/sanitize" --output-on-failure -j 2 -L unit || status=1
ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir "$root/build/sanitize" --output-on-failure -j 2 --timeout 300 -L 'integration|e2e' || status=1
echo "== the container image: built with podman from Debian's packages, run read-only as uid 10001"
"$root/deploy/docker/build-and-test.sh" || status=1
echo "== chaos soak: faults for 2 minutes under traffic, then the oracle (tests/chaos/soak.sh for longer)"
"$root/tests/chaos/soak.sh" --notifications "${PAYNOTIFY_SOAK_NOTIFICATIONS:-4000}" \
  --minutes "${PAYNOTIFY_SOAK_MINUTES:-2}" || status=1
echo "== fuzzing: each libFuzzer target briefly, under ASan+UBSan (tests/fuzz/run.sh --seconds N for longer)"
"$root/tests/fuzz/run.sh" --seconds "${PAYNOTIFY_FUZZ_SECONDS:-20}" || status=1
exit $status
