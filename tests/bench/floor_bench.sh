#!/usr/bin/env bash
# Floor benchmark (issue #19): prints figures, asserts nothing. How much of the ingest's CPU per
# acknowledgement the libraries it must use cost on their own for the same work, measured on
# this machine in one run, beside one RSA-2048 verify and the ingest itself:
#   1. RSA-2048 verify, `openssl speed`;
#   2. the ingest at saturation, as ingest_bench.sh measures it: CPU per acknowledgement;
#   3. the HTTP floor (paynotify-http-floor: Beast reading our request and answering 200 as the
#      ingest does, nothing else) at saturation under the load generator, and at the ingest's
#      rate: CPU per answer;
#   4. the produce floor (paynotify-produce-floor: our KafkaProducer publishing ingest-shaped
#      records, 64 outstanding as the load generator's 64 connections): CPU per delivered
#      record, and the broker's;
#   then the floors' sum against one verify, and what is left for the ingest's own glue.
# All of it shares the machine's cores with the load generator and the broker, as the ingest does.
# Usage: tests/bench/floor_bench.sh [--seconds N]   (default 8 s per measurement)
set -euo pipefail
seconds=8
[ "${1:-}" = "--seconds" ] && seconds="$2"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
topic=bench.notifications
"$bin/cli/paynotify" topics ensure --kafka-brokers "$PAYNOTIFY_KAFKA_BROKERS" --topic "$topic" \
  --partitions 6 --replication-factor 1 >/dev/null
start_ingest "$topic"
machine_line

measure_verify
warm_broker

# 2. The ingest, as ingest_bench.sh measures it at saturation (first, as there: on a broker just
# warmed).
i0="$(cpu_seconds "$ingest_pid")" k0="$(cpu_seconds "$kafka_pid")" im0="$(mallocs ingest)"
sat="$(loadgen --rate 0 --duration-s "$seconds" --connections 64)"
i1="$(cpu_seconds "$ingest_pid")" k1="$(cpu_seconds "$kafka_pid")" im1="$(mallocs ingest)"
acked="$(field "$sat" acked)"
ingest_us="$(per "$i0" "$i1" "$acked" 1e6)"
printf 'ingest at saturation: %.0f acknowledged/s (%s not acked, %s errors), p50 %.2f ms; %.1f us of its CPU and %.1f allocations per acknowledgement, the broker %.1f us per acknowledgement\n' \
  "$(field "$sat" acked_per_s)" "$(field "$sat" not_acked)" "$(field "$sat" errors)" \
  "$(field "$sat" p50_ms)" "$ingest_us" "$(per "$im0" "$im1" "$acked")" "$(per "$k0" "$k1" "$acked" 1e6)"
measure_verify again

# 3. The HTTP floor, with as many I/O threads as the ingest takes here (one per usable CPU). At
# saturation it answers several times the ingest's rate, and a busier loop pays fewer wake-ups
# per request; so it is also measured at the ingest's rate (open loop, 64 connections).
http_threads="${PAYNOTIFY_BENCH_HTTP_FLOOR_THREADS:-$(nproc)}"
start_http_floor() {  # start_http_floor [OPTION...]: sets http_port, http_pid
  http_port="$(free_port)"
  counted http-floor "$bin/tests/paynotify-http-floor" --listen "127.0.0.1:$http_port" \
    --threads "$http_threads" "$@" >"$work/http-floor.log" 2>&1 &
  http_pid=$!
  pids+=($http_pid)
  for _ in $(seq 1 100); do curl -sf "127.0.0.1:$http_port/" >/dev/null && break; sleep 0.1; done
  (port="$http_port"; loadgen --rate 0 --duration-s 1 --connections 64 >/dev/null)  # its first pages
}
stop_http_floor() { kill -TERM "$http_pid" 2>/dev/null || true; wait "$http_pid" || true; }
# measure_http_floor LOADGEN-OPTION...: sets http (the load generator's figures) and http_us
measure_http_floor() {
  local h0 h1
  h0="$(cpu_seconds "$http_pid")" hm0="$(mallocs http-floor)"
  http="$(port="$http_port"; loadgen --duration-s "$seconds" --connections 64 "$@")"
  h1="$(cpu_seconds "$http_pid")" hm1="$(mallocs http-floor)"
  http_us="$(per "$h0" "$h1" "$(field "$http" acked)" 1e6)"
}
start_http_floor
measure_http_floor --rate 0
saturated_us="$http_us"
printf 'HTTP floor at saturation, %s I/O threads: %.0f answered/s (%s not 200, %s errors), p50 %.2f ms; %.1f us of its CPU and %.1f allocations per answer\n' \
  "$http_threads" "$(field "$http" acked_per_s)" "$(field "$http" not_acked)" "$(field "$http" errors)" \
  "$(field "$http" p50_ms)" "$http_us" "$(per "$hm0" "$hm1" "$(field "$http" acked)")"
ingest_rate="$(python3 -c "print(round(float('$(field "$sat" acked_per_s)')))")"
measure_http_floor --rate "$ingest_rate"
paced_us="$http_us"
printf "HTTP floor at the ingest's rate, %s/s, each request alone: p50 %.2f ms; %.1f us of its CPU per answer\n" \
  "$ingest_rate" "$(field "$http" p50_ms)" "$http_us"
stop_http_floor
# The ingest's answers leave in batches, one per delivery report batch (at most every linger.ms,
# 2 by default): the floor's answers released the same way, at saturation.
start_http_floor --answer-every-ms 2
measure_http_floor --rate 0
batched_us="$http_us"
printf 'HTTP floor with answers released every 2 ms (as delivery reports), at saturation: %.0f answered/s, p50 %.2f ms; %.1f us of its CPU per answer\n' \
  "$(field "$http" acked_per_s)" "$(field "$http" p50_ms)" "$http_us"
stop_http_floor

# 4. The produce floor. It says on stdout when its window opens and when every record of it is
# back; its CPU and the broker's are read at those two lines (--hold keeps it alive meanwhile).
coproc PRODUCE_FLOOR {
  counted produce-floor "$bin/tests/paynotify-produce-floor" --kafka-brokers "$PAYNOTIFY_KAFKA_BROKERS" \
    --topic "$topic" --in-flight 64 --seconds "$seconds" --hold 2>"$work/produce-floor.log"
}
produce_pid=$PRODUCE_FLOOR_PID
pids+=($produce_pid)
no_figures() { echo "produce floor: no figures; its log:"; cat "$work/produce-floor.log"; exit 1; }
read -r -t 60 _ <&"${PRODUCE_FLOOR[0]}" || no_figures
p0="$(cpu_seconds "$produce_pid")" k0="$(cpu_seconds "$kafka_pid")" pm0="$(mallocs produce-floor)"
read -r -t "$((seconds + 60))" produce <&"${PRODUCE_FLOOR[0]}" || no_figures
p1="$(cpu_seconds "$produce_pid")" k1="$(cpu_seconds "$kafka_pid")" pm1="$(mallocs produce-floor)"
kill -TERM "$produce_pid" 2>/dev/null || true; wait "$produce_pid" || true
records="$(field "$produce" delivered)"
produce_us="$(per "$p0" "$p1" "$records" 1e6)"
printf 'produce floor, 64 in flight: %.0f delivered/s (%s failed%s); %.1f us of its CPU and %.1f allocations per record, the broker %.1f us per record\n' \
  "$(field "$produce" per_s)" "$(field "$produce" failed)" \
  "$([ "$(field "$produce" failed)" = 0 ] || echo ", first: $(field "$produce" first_failure)")" \
  "$produce_us" "$(per "$pm0" "$pm1" "$records")" "$(per "$k0" "$k1" "$records" 1e6)"

python3 - "$verify_us" "$saturated_us" "$produce_us" "$ingest_us" "$paced_us" "$batched_us" <<'PY'
import sys
verify, http, produce, ingest, paced, batched = map(float, sys.argv[1:7])
floor = verify + http + produce
rows = [("RSA-2048 verify (openssl speed)", verify),
        ("HTTP floor (Beast), saturation", http),
        ("produce floor (KafkaProducer)", produce),
        ("sum: verify + HTTP + produce", floor),
        ("ingest, per acknowledgement", ingest),
        ("left for the ingest's glue", ingest - floor)]
print("%-34s %10s %12s" % ("CPU per notification", "us", "x verify"))
for name, us in rows:
    print("%-34s %10.1f %12.2f" % (name, us, us / verify))
for name, us in (("at the ingest's rate, each request alone", paced),
                 ("with answers released in batches every 2 ms", batched)):
    print("with the HTTP floor %s (%.1f us): sum %.1f us = %.2f x, glue %.1f us"
          % (name, us, verify + us + produce, (verify + us + produce) / verify,
             ingest - verify - us - produce))
print("#19's target, 2.5 x verify: %.1f us; the floors' sum leaves %.1f us for the glue under it"
      % (2.5 * verify, 2.5 * verify - floor))
PY
