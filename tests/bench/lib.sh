# Shared by the benchmark scripts (sourced): a private stack, helpers and the machine line.
# Sets root, bin, work; registers `pids` for cleanup; starts Kafka and Redis.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$root/deploy/local/common.sh"
"$root/deploy/local/setup.sh" --no-deploy-tools >/dev/null
# perf counts the services' system calls (count_syscalls below); bench-only, so not in setup.sh.
"$root/deploy/local/apt-install.sh" bench linux-perf
"$root/deploy/local/build.sh" release >/dev/null
bin="$root/build/release"
export PAYNOTIFY_STACK_DIR="$(mktemp -d /tmp/paynotify-bench-stack.XXXXXX)"
work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; done
  "$root/deploy/local/stack.sh" down >/dev/null 2>&1 || true
  rm -rf "$PAYNOTIFY_STACK_DIR" "$work"
}
trap cleanup EXIT
eval "$("$root/deploy/local/stack.sh" up 2>/dev/null)"
"$bin/cli/paynotify" keygen --out "$work" >/dev/null

# utime + stime of a process, in seconds
cpu_seconds() { python3 -c "import os; f=open('/proc/$1/stat').read().rsplit(')',1)[1].split(); print((int(f[11])+int(f[12]))/os.sysconf('SC_CLK_TCK'))"; }
# peak resident memory of a process, in MiB
peak_rss_mib() { awk '/VmHWM/{printf "%.1f", $2/1024}' "/proc/$1/status"; }
# context switches of a process's live threads, "voluntary involuntary": a voluntary one is a
# thread going to sleep to wait (a wake-up later), the reason a per-event figure is what it is
context_switches() { cat /proc/$1/task/*/status | awk '/^voluntary_ctxt/{v+=$2} /^nonvoluntary_ctxt/{n+=$2} END{print v, n}'; }
# System calls of a process's threads (those alive now) while COMMAND runs; its output goes to
# stdout, the count to the file $work/syscalls. "nan" when perf cannot count here.
#   count_syscalls PID COMMAND...
count_syscalls() {
  local pid="$1"; shift
  # No workload: perf counts until SIGINT. Its output must not hold the caller's $(...) open.
  perf stat -x, -e raw_syscalls:sys_enter -p "$pid" -o "$work/syscalls.perf" </dev/null >/dev/null 2>&1 &
  local perf_pid=$!
  sleep 0.3  # attached
  "$@"
  kill -INT "$perf_pid" 2>/dev/null; wait "$perf_pid" 2>/dev/null || true
  awk -F, '/raw_syscalls:sys_enter/ {n=$1} END {print (n ~ /^[0-9]+$/) ? n : "nan"}' \
    "$work/syscalls.perf" 2>/dev/null >"$work/syscalls" || echo nan >"$work/syscalls"
}
# per V0 V1 COUNT [SCALE]: (V1 - V0) * SCALE / COUNT, e.g. CPU seconds -> us each with SCALE 1e6
per() { python3 -c "print((float('$2') - float('$1')) * ${4:-1} / max(1, $3))"; }
# One RSA-2048 verify on one core (`openssl speed`), the unit #19's CPU target is counted in:
# prints it and sets verify_us. On a shared VM the figure moves by a tenth from one minute to the
# next (13.9-15.5 us in one afternoon), as the ingest's own does: the benchmarks take it again
# right after their saturation run (`measure_verify again`) and count in the mean of the two.
measure_verify() {
  local speed first="${verify_us:-}"
  speed="$(openssl speed -seconds 3 rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ {print $(NF)}')"
  verify_us="$(python3 -c "print(1e6/float('$speed'))")"
  printf 'openssl speed rsa2048%s: %s verify/s on one core = %.1f us per verify\n' \
    "${1:+ ($1)}" "$speed" "$verify_us"
  if [ "${1:-}" = again ] && [ -n "$first" ]; then
    verify_us="$(python3 -c "print(($first + $verify_us) / 2)")"
    printf 'one verify, the mean of the two: %.1f us\n' "$verify_us"
  fi
}
# field JSON KEY [KEY ...]: a value out of a JSON document
field() { python3 -c "import json,sys; d=json.loads(sys.argv[1]); [d:=d[k] for k in sys.argv[2:]]; print(d)" "$@"; }
machine_line() {
  echo "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
  echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
}
# Services run with libpaynotify-malloc-count preloaded (bench/malloc_count.cpp): `mallocs NAME`
# is how many allocations the one started as NAME has made so far (written every 50 ms).
counted() {  # counted NAME COMMAND... &: COMMAND, its allocations counted, with the PID of $!
  local name="$1"; shift
  # exec: the background subshell becomes COMMAND, so $! is the service's PID (for its CPU).
  # PAYNOTIFY_BENCH_COUNT_ALLOCATIONS=0 runs it as it is (to price the counting).
  [ "${PAYNOTIFY_BENCH_COUNT_ALLOCATIONS:-1}" = 0 ] && exec "$@"
  # This tree's counter, whichever build the service comes from (interleave.sh runs others').
  LD_PRELOAD="$root/build/release/tests/libpaynotify-malloc-count.so" PAYNOTIFY_MALLOC_COUNT_FILE="$work/$name.mallocs" exec "$@"
}
mallocs() { sleep 0.1; cat "$work/$1.mallocs" 2>/dev/null || echo nan; }  # nan: not counted
start_ingest() {  # start_ingest TOPIC: sets port, admin, ingest_pid
  port="$(free_port)"; admin="$(free_port)"
  counted ingest "$bin/ingest/paynotify-ingest" --listen "127.0.0.1:$port" --admin-listen "127.0.0.1:$admin" \
    --kafka-brokers "$PAYNOTIFY_KAFKA_BROKERS" --topic "$1" --log-level warn \
    --antom-public-key "$work/antom-public.b64" --client-id SANDBOX_BENCH ${PAYNOTIFY_BENCH_INGEST_ARGS:-} >"$work/ingest.log" 2>&1 &
  ingest_pid=$!
  pids+=($ingest_pid)
  for _ in $(seq 1 100); do curl -sf "127.0.0.1:$admin/readyz" >/dev/null && break; sleep 0.1; done
}
loadgen() { "$bin/tests/paynotify-loadgen" --target "127.0.0.1:$port" --client-id SANDBOX_BENCH \
              --private-key "$work/antom-private.pem" "$@"; }
# The broker's CPU is part of each acknowledgement's bill (its records, headers and batches).
# The benchmark's broker is a fresh JVM that compiles its hot paths under the first load: its
# CPU per acknowledgement at saturation fell from 82-88 us in the first 4 s to 33-36 us in the
# next and 14-16 us from the third round on, and the ingest's own figure fell with it
# (2026-12-03, README "A warm broker"). So warm_broker runs the ingest started by start_ingest
# at saturation in rounds of 4 s, at least three, until the broker's CPU per acknowledgement
# falls less than 10 % from one round to the next (at most 10 rounds); measure only after it.
kafka_pid="$(cat "$PAYNOTIFY_STACK_DIR/kafka.pid")"
warm_broker() {
  local previous=0 settled=no round k0 k1 warm per_ack
  # First the ingest's connections, producer id and topic metadata.
  loadgen --rate 500 --duration-s 2 --connections 8 --distinct 200 >/dev/null
  for round in $(seq 1 10); do
    k0="$(cpu_seconds "$kafka_pid")"
    warm="$(loadgen --rate 0 --duration-s 4 --connections 64)"
    k1="$(cpu_seconds "$kafka_pid")"
    per_ack="$(per "$k0" "$k1" "$(field "$warm" acked)" 1e6)"
    printf 'broker warm-up, round %d: %.1f us of its CPU per acknowledgement\n' "$round" "$per_ack"
    if [ "$round" -ge 3 ] && python3 -c "import sys; sys.exit(0 if $per_ack > 0.9 * $previous else 1)"; then
      settled=yes
      break
    fi
    previous="$per_ack"
  done
  [ "$settled" = yes ] || echo "warning: the broker's CPU per acknowledgement had not settled after 10 rounds"
}
