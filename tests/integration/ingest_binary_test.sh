#!/usr/bin/env bash
# The shipped binaries as an operator meets them: --help/--version, start-up errors that name
# the option, a notification sent with `paynotify send` and acknowledged, `paynotify verify`
# cross-checked against openssl, /readyz and /metrics, a clean SIGTERM drain with exit 0, and
# `paynotify topics ensure` against the real broker.
# Usage: ingest_binary_test.sh BUILD_DIR   (needs PAYNOTIFY_KAFKA_BROKERS)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../deploy/local/common.sh"
build="$1"
ingest="$build/ingest/paynotify-ingest"
cli="$build/cli/paynotify"
: "${PAYNOTIFY_KAFKA_BROKERS:?run through tests/run.sh}"
work="$(mktemp -d)"
pid=""
cleanup() { [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
passed=0 failed=0
check() {  # check NAME COMMAND...
  local name="$1"; shift
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAILED: $name" >&2; fi
}

# --help names every option's variable; --version answers.
help="$("$ingest" --help)"
for var in LISTEN PATH ADMIN_LISTEN KAFKA_BROKERS TOPIC ANTOM_PUBLIC_KEY CLIENT_ID KEYS MAX_BODY_BYTES \
           ACK_TIMEOUT_MS MAX_CLOCK_SKEW_S SIGNED_PATH_PREFIX; do
  check "--help lists PAYNOTIFY_$var" grep -q "PAYNOTIFY_$var\b" <<<"$help"
done
check "--version" grep -q "paynotify-ingest" <<<"$("$ingest" --version)"

# Start-up errors name the option and exit 2.
set +e
out="$("$ingest" --listen nonsense --keys /nonexistent 2>&1)"; rc=$?
set -e
check "bad --listen exits 2" test "$rc" -eq 2
check "bad --listen is named" grep -q -- "--listen" <<<"$out"
set +e
out="$("$ingest" 2>&1)"; rc=$?
set -e
check "no key exits 2" test "$rc" -eq 2
check "no key is explained" grep -q -- "--antom-public-key" <<<"$out"

# A running ingest: send, verify, probes, drain.
"$cli" keygen --out "$work" >/dev/null
"$cli" keygen --out "$work" --prefix other >/dev/null
# The services never let the broker auto-create a topic: it is made first, as the chart's hook does.
"$cli" topics ensure --kafka-brokers "$PAYNOTIFY_KAFKA_BROKERS" --topic test.binary --partitions 1 \
  --replication-factor 1 >/dev/null
port="$(free_port)"; admin="$(free_port)"
PAYNOTIFY_ADMIN_LISTEN="127.0.0.1:$admin" "$ingest" --listen "127.0.0.1:$port" \
  --antom-public-key "$work/antom-public.b64" --client-id SANDBOX_BIN --topic test.binary \
  >"$work/ingest.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do curl -sf "127.0.0.1:$admin/healthz" >/dev/null && break; sleep 0.1; done
url="http://127.0.0.1:$port/notifications/antom"
cat >"$work/body.json" <<'JSON'
{"notifyType":"PAYMENT_RESULT","result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"},"paymentRequestId":"pr-bin","paymentId":"pay-bin-1","paymentAmount":{"value":"4200","currency":"SGD"},"paymentCreateTime":"2020-01-01T12:01:00+08:30"}
JSON
check "send is acknowledged" "$cli" send --quiet --url "$url" --client-id SANDBOX_BIN --private-key "$work/antom-private.pem" "$work/body.json"
set +e
"$cli" send --quiet --url "$url" --client-id SANDBOX_BIN --private-key "$work/other-private.pem" "$work/body.json"; rc=$?
set -e
check "a foreign key is not acknowledged" test "$rc" -eq 1
for _ in $(seq 1 50); do curl -sf "127.0.0.1:$admin/readyz" >/dev/null && break; sleep 0.1; done
check "/readyz while Kafka is up" curl -sf "127.0.0.1:$admin/readyz" -o /dev/null
metrics="$(curl -sf "127.0.0.1:$admin/metrics")"
check "/metrics counts the acknowledgement" grep -q 'paynotify_ingest_requests_total{outcome="acknowledged",status="200"} 1' <<<"$metrics"
check "/metrics counts the rejection" grep -q 'paynotify_ingest_requests_total{outcome="unverified",status="401"} 1' <<<"$metrics"
check "logs never carry the signature" bash -c "! grep -q 'signature=' '$work/ingest.log'"
soft="$(awk '/Max open files/ {print $4}' "/proc/$pid/limits")"; hard="$(awk '/Max open files/ {print $5}' "/proc/$pid/limits")"
check "the soft open-file limit is raised to the hard one ($soft of $hard)" test "$soft" = "$hard"
# 300 idle connections to the admin port: it keeps its own small cap, so the process keeps its
# file descriptors for the notification port.
python3 - "$admin" >"$work/flood.out" 2>&1 <<'PY' &
import socket, sys, time
conns = []
for _ in range(300):
    try:
        conns.append(socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2))
    except OSError:
        pass
print(len(conns), flush=True)
time.sleep(6)
PY
flood=$!
sleep 2
fds="$(ls "/proc/$pid/fd" | wc -l)"
check "an admin flood holds at most its cap of connections ($fds descriptors open)" test "$fds" -lt 150
check "the notification port serves during an admin flood" "$cli" send --quiet --url "$url" --client-id SANDBOX_BIN \
  --private-key "$work/antom-private.pem" "$work/body.json"
wait "$flood" || true

kill -TERM "$pid"
set +e
wait "$pid"; rc=$?
set -e
pid=""
check "SIGTERM drains and exits 0" test "$rc" -eq 0
check "drain is logged" grep -q '"event":"stopped"' "$work/ingest.log"

# Start-up failures name the option and its value and exit 2 (not an abort); host names work.
worker="$build/worker/paynotify-worker"
python3 -c 'import socket,sys,time; s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(); print(s.getsockname()[1]); sys.stdout.flush(); time.sleep(60)' >"$work/busy" &
holder=$!
for _ in $(seq 1 50); do [ -s "$work/busy" ] && break; sleep 0.1; done
busy="$(cat "$work/busy")"
start_fails() {  # start_fails NAME EXPECTED_TEXT COMMAND...: exits 2 and says EXPECTED_TEXT
  local name="$1" text="$2"; shift 2
  set +e; out="$("$@" 2>&1 | grep -v '^{')"; rc=${PIPESTATUS[0]}; set -e
  check "$name exits 2 (got $rc)" test "$rc" -eq 2
  check "$name is named" grep -qF -- "$text" <<<"$out"
}
start_fails "worker: busy --admin-listen" "--admin-listen 127.0.0.1:$busy: cannot bind" \
  "$worker" --order-service-url http://127.0.0.1:1 --verify-records off --admin-listen "127.0.0.1:$busy"
start_fails "worker: unresolvable --admin-listen" "--admin-listen nosuchhost.invalid:9103: cannot resolve" \
  "$worker" --order-service-url http://127.0.0.1:1 --verify-records off --admin-listen nosuchhost.invalid:9103
start_fails "worker: --retry-for past the dedupe window" "--retry-for must be below --dedupe-ttl-s" \
  "$worker" --order-service-url http://127.0.0.1:1 --verify-records off --retry-for 8d
start_fails "worker: without Antom's keys" "or --verify-records off if Kafka ACLs" \
  "$worker" --order-service-url http://127.0.0.1:1
start_fails "ingest: busy --listen" "--listen 127.0.0.1:$busy: cannot bind" \
  "$ingest" --listen "127.0.0.1:$busy" --antom-public-key "$work/antom-public.b64" --client-id C --admin-listen 127.0.0.1:0
kill "$holder" 2>/dev/null || true
admin2="$(free_port)"
"$worker" --order-service-url http://127.0.0.1:1 --admin-listen "localhost:$admin2" \
  --antom-public-key "$work/antom-public.b64" --client-id SANDBOX_BIN \
  --kafka-brokers "$PAYNOTIFY_KAFKA_BROKERS" --redis 127.0.0.1:1 --topic test.binary >"$work/worker.log" 2>&1 &
wpid=$!
for _ in $(seq 1 100); do curl -sf "127.0.0.1:$admin2/healthz" >/dev/null && break; sleep 0.1; done
check "worker: --admin-listen localhost:PORT serves" curl -sf "127.0.0.1:$admin2/healthz" -o /dev/null
kill -TERM "$wpid"; set +e; wait "$wpid"; rc=$?; set -e
check "worker: SIGTERM exits 0 (got $rc)" test "$rc" -eq 0

# paynotify verify against a signature made by the openssl command line.
{ printf 'POST /n\nC1.1700000000000.'; cat "$work/body.json"; } >"$work/content"
openssl dgst -sha256 -sign "$work/antom-private.pem" -out "$work/sig" "$work/content"
sig="$(base64 -w0 "$work/sig" | sed 's/+/%2B/g; s/\//%2F/g; s/=/%3D/g')"
verify_with() { local signature="$1"; shift
  "$cli" verify --public-key "$work/antom-public.pem" --client-id C1 --time 1700000000000 --uri /n \
    --signature "$signature" "$@" >/dev/null; }
verify() { verify_with "algorithm=RSA256,keyVersion=1,signature=$sig" "$@"; }
check "verify accepts an openssl signature" verify "$work/body.json"
check "verify accepts the bare signature value" verify_with "$sig" "$work/body.json"
check "verify accepts the bare value not URL-encoded" verify_with "$(base64 -w0 "$work/sig")" "$work/body.json"
sed 's/4200/4300/' "$work/body.json" >"$work/tampered.json"
set +e
verify "$work/tampered.json"; rc1=$?
verify; rc2=$?
set -e
check "verify rejects a tampered body with 1" test "$rc1" -eq 1
check "verify without a body is a usage error" test "$rc2" -eq 2

# paynotify topics ensure: creates the four topics once, then reports them as existing.
topic="test.topics.$RANDOM$RANDOM"
first="$("$cli" topics ensure --kafka-brokers "$PAYNOTIFY_KAFKA_BROKERS" --topic "$topic" --partitions 3 --replication-factor 1)"
second="$("$cli" topics ensure --kafka-brokers "$PAYNOTIFY_KAFKA_BROKERS" --topic "$topic" --partitions 3 --replication-factor 1)"
check "topics ensure creates main, retry, dead-letter and anomalies topics" test "$(grep -c 'created, 3 partitions' <<<"$first")" -eq 4
check "topics ensure is idempotent" test "$(grep -c 'exists, 3 partitions' <<<"$second")" -eq 4
check "topics ensure names the dead-letter topic" grep -q "^$topic.dlq: " <<<"$second"
check "topics ensure names the anomalies topic" grep -q "^$topic.anomalies: " <<<"$second"
set +e
"$cli" topics ensure --kafka-brokers 127.0.0.1:1 --topic "$topic" --timeout-ms 1000 >/dev/null 2>&1; rc=$?
set -e
check "topics ensure fails without a broker" test "$rc" -ne 0

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
