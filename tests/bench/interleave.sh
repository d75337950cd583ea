#!/usr/bin/env bash
# Interleaved rounds of ingest variants on one warm broker: how the README's before/after
# series are measured. Each round runs every variant in turn, each with an ingest of its own
# (its build, options, environment and topic), 2 s to warm its connections, then N s of load;
# it prints the ingest's and the broker's CPU per acknowledgement (the ingest's also as a
# multiple of one RSA-2048 verify measured before the rounds), the rate, p50 and p99.
# Interleaving spreads the machine's drift (other load, the verify's own speed) over all
# variants instead of charging it to whichever ran last. Prints figures, asserts nothing.
# Usage: tests/bench/interleave.sh [--rounds R] [--seconds N] [--rate RPS] [--count-allocations]
#          VARIANT...
#   R rounds (default 3) of N seconds (default 8) at saturation, or at RPS a second (64
#   connections either way). --count-allocations adds the allocations per acknowledgement (the
#   counter costs some CPU: compare variants counted alike).
#   VARIANT: name|partitions|ingest options|environment|build directory, all but the name
#   optional: partitions of its topic (default 6), options added to the ingest's command line,
#   VAR=value words set for the ingest, a build directory holding ingest/paynotify-ingest
#   (another commit's; default this tree's release build). For example:
#     tests/bench/interleave.sh "as is" "one partition|1" "linger 1||--kafka-prop linger.ms=1" \
#       "glibc|||GLIBC_TUNABLES=glibc.malloc.arena_max=1" "before||||/work/before/build/release"
set -euo pipefail
rounds=3 seconds=8 rate=0 count_allocations=0
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds|--seconds|--rate)
      [[ "${2:-}" =~ ^[0-9]+$ ]] || { echo "$1 needs a whole number (see --help)" >&2; exit 2; }
      case "$1" in --rounds) rounds="$2" ;; --seconds) seconds="$2" ;; --rate) rate="$2" ;; esac
      shift 2 ;;
    --count-allocations) count_allocations=1; shift ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || { echo "name at least one variant (see --help)" >&2; exit 2; }
export PAYNOTIFY_BENCH_COUNT_ALLOCATIONS="$count_allocations"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
machine_line
own_bin="$bin"

# Each variant's topic, made before any round: bench.p<partitions>. The broker is warmed on the
# first variant's.
first_topic=""
for variant in "$@"; do
  IFS='|' read -r _ partitions _ _ _ <<<"$variant"
  "$bin/cli/paynotify" topics ensure --kafka-brokers "$PAYNOTIFY_KAFKA_BROKERS" \
    --topic "bench.p${partitions:-6}" --partitions "${partitions:-6}" --replication-factor 1 >/dev/null
  first_topic="${first_topic:-bench.p${partitions:-6}}"
done
measure_verify
start_ingest "$first_topic"
warm_broker
kill -TERM "$ingest_pid"; wait "$ingest_pid" 2>/dev/null || true

for round in $(seq 1 "$rounds"); do
  for variant in "$@"; do
    IFS='|' read -r name partitions options environment build <<<"$variant"
    bin="${build:-$own_bin}"
    [ -x "$bin/ingest/paynotify-ingest" ] || { echo "$name: no $bin/ingest/paynotify-ingest" >&2; exit 2; }
    # The variant's environment for its ingest only (read into words: VAR=value, no spaces).
    read -r -a assignments <<<"${environment:-}"
    for assignment in "${assignments[@]}"; do export "${assignment?}"; done
    PAYNOTIFY_BENCH_INGEST_ARGS="$options" start_ingest "bench.p${partitions:-6}"
    for assignment in "${assignments[@]}"; do unset "${assignment%%=*}"; done
    bin="$own_bin"  # the load generator is always this tree's
    loadgen --rate 0 --duration-s 2 --connections 64 >/dev/null
    c0="$(cpu_seconds "$ingest_pid")" k0="$(cpu_seconds "$kafka_pid")" m0="$(mallocs ingest)"
    out="$(loadgen --rate "$rate" --duration-s "$seconds" --connections 64)"
    c1="$(cpu_seconds "$ingest_pid")" k1="$(cpu_seconds "$kafka_pid")" m1="$(mallocs ingest)"
    acked="$(field "$out" acked)"
    printf 'round %d  %-20s %6.0f/s  ingest %5.1f us = %.2fx  broker %5.1f us  p50 %.2f ms  p99 %.2f ms' \
      "$round" "$name" "$(field "$out" acked_per_s)" "$(per "$c0" "$c1" "$acked" 1e6)" \
      "$(python3 -c "print($(per "$c0" "$c1" "$acked" 1e6) / $verify_us)")" \
      "$(per "$k0" "$k1" "$acked" 1e6)" "$(field "$out" p50_ms)" "$(field "$out" p99_ms)"
    [ "$count_allocations" = 1 ] && printf '  allocations %.1f' "$(per "$m0" "$m1" "$acked")"
    echo
    kill -TERM "$ingest_pid"; wait "$ingest_pid" 2>/dev/null || true
  done
done
measure_verify again  # the ratios above are against the first; this shows how far it moved
