#!/usr/bin/env bash
# Ingest benchmark: prints figures, asserts nothing. Against the real broker on this machine:
#   1. RSA-2048 verify cost from `openssl speed` (the physical floor of the work per request),
#      before and after the saturation run, which counts in their mean;
#   2. saturation: acknowledged notifications per second and ingest CPU per acknowledgement;
#   3. a fixed 2,000/s: p50/p99 latency as Antom would see it;
#   4. the ingest's peak RSS over the whole run;
#   and, at saturation, the ingest's allocations, system calls and wake-ups per acknowledgement
#   (all its threads): the reasons its CPU figure is what it is.
# Usage: tests/bench/ingest_bench.sh [--seconds N] [--partitions P]
#   N: seconds per phase (default 15). P: the topic's partitions (default 6). librdkafka sends a
#   produce request per partition, so the records of one linger.ms window travel in up to P
#   requests, each with its own delivery reports: the ingest's and the broker's CPU per
#   acknowledgement grow with P (README, "Partitions").
# PAYNOTIFY_BENCH_INGEST_ARGS adds ingest options (e.g. "--threads 1").
set -euo pipefail
seconds=15
partitions=6
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds|--partitions)
      [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || { echo "$1 needs a positive whole number (see --help)" >&2; exit 2; }
      [ "$1" = --seconds ] && seconds="$2" || partitions="$2"
      shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
done
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensured="$("$bin/cli/paynotify" topics ensure --kafka-brokers "$PAYNOTIFY_KAFKA_BROKERS" \
  --topic bench.notifications --partitions "$partitions" --replication-factor 1)"
start_ingest bench.notifications
machine_line
# As the broker lists it (a fresh broker per run, so the topic is the one just made).
echo "topic: $(grep -o '[0-9]* partitions' <<<"$ensured" | head -1), one broker"

measure_verify

# Nothing is measured before the broker is warm (lib.sh says why).
warm_broker
kidle0="$(cpu_seconds "$kafka_pid")"; sleep 3; kidle1="$(cpu_seconds "$kafka_pid")"
cpu0="$(cpu_seconds "$ingest_pid")" mallocs0="$(mallocs ingest)" switches0="$(context_switches "$ingest_pid")"
kcpu0="$(cpu_seconds "$kafka_pid")"
sat="$(loadgen --rate 0 --duration-s "$seconds" --connections 64)"
cpu1="$(cpu_seconds "$ingest_pid")" mallocs1="$(mallocs ingest)" switches1="$(context_switches "$ingest_pid")"
kcpu1="$(cpu_seconds "$kafka_pid")"
measure_verify again
# System calls are counted in a run of their own: counting them puts every one on the kernel's
# slow path (a tracepoint), which the CPU figure must not pay. What it costs is printed: in four
# runs the counted run cost -0.4, +0.3, +1.8 and +2.4 us per acknowledgement more.
scpu0="$(cpu_seconds "$ingest_pid")"
counted="$(count_syscalls "$ingest_pid" loadgen --rate 0 --duration-s "$seconds" --connections 64)"
scpu1="$(cpu_seconds "$ingest_pid")"
counted_acked="$(field "$counted" acked)"
acked="$(field "$sat" acked)"
cpu_us="$(per "$cpu0" "$cpu1" "$acked" 1e6)"
printf 'saturation: %.0f acknowledged/s (%s acked, %s not acked, %s errors), p50 %.1f ms, p99 %.1f ms\n' \
  "$(field "$sat" acked_per_s)" "$acked" "$(field "$sat" not_acked)" "$(field "$sat" errors)" \
  "$(field "$sat" p50_ms)" "$(field "$sat" p99_ms)"
printf 'ingest CPU per acknowledged notification: %.1f us = %.2f x one RSA-2048 verify (target <= 2.5)\n' \
  "$cpu_us" "$(python3 -c "print($cpu_us/$verify_us)")"
printf "the broker's CPU per acknowledged notification: %.1f us (with no load it spent %.0f ms of CPU a second)\n" \
  "$(per "$kcpu0" "$kcpu1" "$acked" 1e6)" "$(per "$kidle0" "$kidle1" 3 1000)"
printf 'ingest allocations per acknowledged notification (all threads): %.1f (target <= 8)\n' \
  "$(per "$mallocs0" "$mallocs1" "$acked")"
# A voluntary context switch is a thread going to sleep to wait: each is a wake-up later.
python3 - "$acked" "$counted_acked" "$(cat "$work/syscalls")" $switches0 $switches1 <<'PY'
import sys
acked, counted_acked, syscalls = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
v0, n0, v1, n1 = map(float, sys.argv[4:8])
print("per acknowledged notification (all threads): %.2f system calls, %.2f wake-ups (voluntary "
      "context switches), %.2f involuntary context switches" % (syscalls / max(1, counted_acked), (v1 - v0) / max(1, acked), (n1 - n0) / max(1, acked)))
PY
printf 'the system calls counted in a second saturation run: %.0f acknowledged/s, %.1f us of CPU per acknowledgement while counted\n' \
  "$(field "$counted" acked_per_s)" "$(per "$scpu0" "$scpu1" "$counted_acked" 1e6)"

cpu2="$(cpu_seconds "$ingest_pid")" kcpu2="$(cpu_seconds "$kafka_pid")"
fixed="$(loadgen --rate 2000 --duration-s "$seconds" --connections 64)"
cpu3="$(cpu_seconds "$ingest_pid")" kcpu3="$(cpu_seconds "$kafka_pid")"
facked="$(field "$fixed" acked)"
printf 'fixed 2000/s: %s acked, %s not acked, %s errors, p50 %.2f ms, p99 %.2f ms, max %.1f ms (target p99 <= 20 ms; #19: no worse than 4 ms); CPU %.1f us per ack, the broker %.1f us per ack\n' \
  "$facked" "$(field "$fixed" not_acked)" "$(field "$fixed" errors)" "$(field "$fixed" p50_ms)" \
  "$(field "$fixed" p99_ms)" "$(field "$fixed" max_ms)" "$(per "$cpu2" "$cpu3" "$facked" 1e6)" \
  "$(per "$kcpu2" "$kcpu3" "$facked" 1e6)"
printf 'ingest peak RSS: %s MiB (target <= 16 MiB)\n' "$(awk '/VmHWM/ {printf "%.1f", $2/1024}' "/proc/$ingest_pid/status")"
