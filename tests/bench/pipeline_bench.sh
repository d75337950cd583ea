#!/usr/bin/env bash
# End-to-end benchmark: prints figures, asserts nothing. Real broker, Redis, the reference
# order service, paynotify-ingest and paynotify-worker, all on this machine:
#   1. throughput: N notifications already in Kafka, a fresh worker applies them all;
#      applied per second and worker CPU per applied notification;
#   2. latency from the ingest's receipt to the order service's apply at a fixed 1,000/s.
# Usage: tests/bench/pipeline_bench.sh [--count N] [--throughput-only]   (default 30000)
# PAYNOTIFY_BENCH_WORKER_ARGS adds worker options (e.g. "--ledger off" to price the ledger,
# "--verify-records off" to price the worker's signature check). PAYNOTIFY_BENCH_PERF=FILE records a
# `perf record` profile (options PAYNOTIFY_BENCH_PERF_ARGS, default -g) of the worker's throughput
# run into FILE.
set -euo pipefail
count=30000
throughput_only=0
while [ $# -gt 0 ]; do
  case "$1" in
    --count) count="$2"; shift 2 ;;
    --throughput-only) throughput_only=1; shift ;;
    *) echo "usage: $0 [--count N] [--throughput-only]" >&2; exit 2 ;;
  esac
done
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
topic=bench.pipeline
"$bin/cli/paynotify" topics ensure --kafka-brokers "$PAYNOTIFY_KAFKA_BROKERS" --topic "$topic" \
  --partitions 12 --replication-factor 1 >/dev/null
summary() { curl -s "127.0.0.1:$orders/applied?summary=1"; }
# The applied count, read without starting a Python each time the loop below looks.
applied_now() { curl -s "127.0.0.1:$orders/applied?summary=1" | grep -o '"applied":[0-9]*' | cut -d: -f2; }
orders="$(free_port)"
"$bin/tests/paynotify-reference-order-service" --listen "127.0.0.1:$orders" >"$work/orders.log" 2>&1 &
orders_pid=$!
pids+=($orders_pid)
start_ingest "$topic"
start_worker() {
  worker_admin="$(free_port)"
  counted "worker-$1" "$bin/worker/paynotify-worker" --kafka-brokers "$PAYNOTIFY_KAFKA_BROKERS" --topic "$topic" --group "bench-$1" \
    --redis "$PAYNOTIFY_REDIS" --order-service-url "http://127.0.0.1:$orders" --admin-listen "127.0.0.1:$worker_admin" \
    --antom-public-key "$work/antom-public.b64" --client-id SANDBOX_BENCH --log-level warn ${PAYNOTIFY_BENCH_WORKER_ARGS:-} >"$work/worker-$1.log" 2>&1 &
  worker_pid=$!
  pids+=($worker_pid)
}
machine_line

# 1. Throughput: load the topic first, then let a fresh worker drain it.
load="$(loadgen --rate 0 --duration-s 600 --count "$count" --connections 64 --distinct "$count" --id-prefix tput)"
echo "loaded $(field "$load" acked) notifications into Kafka at $(printf '%.0f' "$(field "$load" acked_per_s)")/s"
redis_pid="$(cat "$PAYNOTIFY_STACK_DIR/redis.pid")"
redis_cpu0="$(cpu_seconds "$redis_pid")"
kafka_pid="$(cat "$PAYNOTIFY_STACK_DIR/kafka.pid")"
kafka_cpu0="$(cpu_seconds "$kafka_pid")" orders_cpu0="$(cpu_seconds "$orders_pid")"
start_worker pipeline
t0="$(date +%s.%N)"
if [ -n "${PAYNOTIFY_BENCH_PERF:-}" ]; then
  # `perf record -p` follows only the threads that exist when it attaches: wait until the worker
  # is ready, which its health thread, started last, says (the admin server answers before).
  for _ in $(seq 1 600); do
    curl -sf "127.0.0.1:$worker_admin/readyz" >/dev/null && break
    kill -0 "$worker_pid" 2>/dev/null || { echo "worker died"; tail "$work/worker-pipeline.log"; exit 1; }
    sleep 0.05
  done
  perf record ${PAYNOTIFY_BENCH_PERF_ARGS:--g} -o "$PAYNOTIFY_BENCH_PERF" -p "$worker_pid" >/dev/null 2>&1 &
  perf_pid=$!
fi
peak_records=0 peak_bytes=0
while [ "$(applied_now)" -lt "$count" ]; do
  sleep 0.2
  if ! kill -0 "$worker_pid" 2>/dev/null; then echo "worker died"; tail "$work/worker-pipeline.log"; exit 1; fi
  read -r records bytes < <(curl -s "127.0.0.1:$worker_admin/metrics" |
    awk '/^paynotify_worker_in_flight_records /{r=$2} /^paynotify_worker_in_flight_bytes /{b=$2} END{print r+0, b+0}')
  [ "$records" -gt "$peak_records" ] && peak_records=$records
  [ "$bytes" -gt "$peak_bytes" ] && peak_bytes=$bytes
done
t1="$(date +%s.%N)"
cpu="$(cpu_seconds "$worker_pid")" allocations="$(mallocs worker-pipeline)"
switches="$(context_switches "$worker_pid")"
[ -n "${perf_pid:-}" ] && { kill -INT "$perf_pid"; wait "$perf_pid" || true; }
rss="$(peak_rss_mib "$worker_pid")"
s="$(summary)"
first_applied="$(field "$s" firstAppliedAtMs)" last_applied="$(field "$s" lastAppliedAtMs)"
batch="$(curl -s "127.0.0.1:$worker_admin/metrics" | awk '/^paynotify_worker_redis_batch_size_sum /{s=$2} /^paynotify_worker_redis_batch_size_count /{c=$2} END{printf "%.1f", c ? s/c : 0}')"
# Anomalies raised: each costs a ledger step and a record of its own, so a figure with many is
# another workload (a fixed payment time in the benchmark's bodies once put every payment past its expiry).
anomalies="$(curl -s "127.0.0.1:$worker_admin/metrics" | awk '/^paynotify_worker_payment_anomalies_total/{n+=$2} END{print n+0}')"
redis_cpu="$(python3 -c "print($(cpu_seconds "$redis_pid") - $redis_cpu0)")"
others_cpu="$(python3 -c "print($(cpu_seconds "$kafka_pid") - $kafka_cpu0, $(cpu_seconds "$orders_pid") - $orders_cpu0)")"
python3 - "$t0" "$t1" "$cpu" "$count" "$redis_cpu" "$rss" "$batch" $switches "$peak_records" "$peak_bytes" "$first_applied" "$last_applied" $others_cpu "$allocations" "$anomalies" <<'PY'
import sys
t0, t1, cpu, n, redis, rss, batch, voluntary, involuntary, peak_records, peak_bytes, first, last, kafka, orders, allocations = map(float, sys.argv[1:17])
print("the machine's other CPU per applied notification: broker %.1f us, reference order service %.1f us (all share %d cores)" % (kafka * 1e6 / n, orders * 1e6 / n, __import__("os").cpu_count()))
print("applied/s once the worker runs (first to last apply, start-up and group join left out): %.0f" % ((n - 1) / max(0.001, (last - first) / 1000)))
print("in flight at most (sampled every 0.2 s): %d records, %.1f MiB of Kafka bytes" % (peak_records, peak_bytes / 1048576))
print("payment anomalies raised: %d" % int(sys.argv[17]))
print("worker allocations per applied notification (all threads, start-up included): %.1f" % (allocations / n))
print("throughput: %d applied in %.1f s = %.0f applied/s end to end (target >= 8000/s); worker CPU %.1f us per applied notification (target <= 50 us); Redis CPU %.1f us; worker peak RSS %.0f MiB (target <= 100); %.1f claims or completions per Redis round trip; %.2f voluntary and %.2f involuntary context switches per applied notification"
      % (n, t1 - t0, n / (t1 - t0), cpu * 1e6 / n, redis * 1e6 / n, rss, batch, voluntary / n, involuntary / n))
PY

# 2. Latency at a fixed 1,000/s, the same worker running and caught up.
[ "$throughput_only" = 1 ] && exit 0
curl -s -X POST "127.0.0.1:$orders/control" -d '{"resetLatency":true}' >/dev/null
fixed="$(loadgen --rate 1000 --duration-s 15 --connections 32 --distinct 15000 --id-prefix lat)"
for _ in $(seq 1 100); do [ "$(field "$(summary)" applied)" -ge $((count + $(field "$fixed" acked))) ] && break; sleep 0.2; done
s="$(summary)"
printf 'fixed 1000/s: %s acknowledged, %s applied in all; ingest receipt -> order-service apply p50 %s ms, p99 %s ms (target p99 <= 250 ms)\n' \
  "$(field "$fixed" acked)" "$(field "$s" applied)" "$(field "$s" receivedToAppliedMs p50)" "$(field "$s" receivedToAppliedMs p99)"

