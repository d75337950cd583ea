#!/usr/bin/env bash
# The README's first command. On a fresh Debian 12 machine: installs what is needed, builds,
# starts Kafka and Redis, the reference order service, paynotify-worker and paynotify-ingest
# (with a freshly generated demo key pair), sends the notifications Antom would send for a few
# card payments, and shows what Antom saw, what landed in Kafka and the order states the worker
# applied; then a capture whose notification Antom never sent, recovered by the worker asking
# Antom (a simulator of its inquiry API). Leaves nothing running unless --keep is given.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$root/deploy/local/common.sh"
keep=false
for arg in "$@"; do
  case "$arg" in
    --keep) keep=true ;;
    -h|--help) echo "usage: deploy/local/demo.sh [--keep]   (--keep leaves Kafka, Redis and the ingest running)"; exit 0 ;;
    *) echo "demo: unknown argument $arg" >&2; exit 2 ;;
  esac
done

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "setup (Debian packages, Kafka broker jars)"
"$root/deploy/local/setup.sh" --no-deploy-tools
say "build"
mkdir -p "$root/build"
"$root/deploy/local/build.sh" release >"$root/build/demo-build.log" 2>&1 \
  || { cat "$root/build/demo-build.log"; echo "demo: build failed"; exit 1; }
echo "built into build/release"
bin="$root/build/release"

export PAYNOTIFY_STACK_DIR="${PAYNOTIFY_STACK_DIR:-$root/.stack/demo}"
demo="$PAYNOTIFY_STACK_DIR/demo"
mkdir -p "$demo"
pids=()
cleanup() {
  if [ "$keep" = true ]; then return; fi
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; done
  "$root/deploy/local/stack.sh" down >/dev/null 2>&1 || true
}
trap cleanup EXIT

say "starting Kafka (KRaft, one node) and Redis on loopback"
eval "$("$root/deploy/local/stack.sh" up)"
export PAYNOTIFY_KAFKA_BROKERS PAYNOTIFY_REDIS
# The demo's payments have fixed ids and its Redis keeps its data (AOF): start from an empty
# one (the demo's own stack, .stack/demo) so that every run tells the same story.
redis-cli -h "${PAYNOTIFY_REDIS%:*}" -p "${PAYNOTIFY_REDIS##*:}" FLUSHALL >/dev/null
topic="antom.notifications.demo.$(date +%s)"
"$bin/cli/paynotify" topics ensure --kafka-brokers "$PAYNOTIFY_KAFKA_BROKERS" --topic "$topic" \
  --partitions 6 --replication-factor 1

say "a demo key pair stands in for Antom's (a second for an impostor, a third for the merchant's)"
rm -f "$demo"/{antom,impostor,merchant}-{private.pem,public.pem,public.b64}  # keygen never overwrites
for who in antom impostor merchant; do "$bin/cli/paynotify" keygen --out "$demo" --prefix "$who" >/dev/null; done
echo "Antom's public key as the Dashboard shows it: $(cut -c1-40 "$demo/antom-public.b64")..."

wait_ready() {  # wait_ready NAME URL LOG
  for _ in $(seq 1 150); do curl -sf "$2" >/dev/null && return 0; sleep 0.1; done
  echo "$1 did not become ready:"; cat "$3"; exit 1
}
port="$(free_port)"; admin="$(free_port)"; orders="$(free_port)"; worker_admin="$(free_port)"
antom_api="$(free_port)"

# What Antom's inquiry API answers about two of the payments below: order-1004 (its capture
# failed, as notified) and order-1005, captured by Antom, whose capture notification never comes.
cat >"$demo/antom-state.json" <<'JSON'
{"payments":[
 {"paymentStatus":"SUCCESS","paymentRequestId":"order-1004","paymentId":"202611250004","paymentAmount":{"currency":"SGD","value":"2500"},"paymentTime":"2026-11-18T09:00:02+08:00","transactions":[{"transactionType":"CAPTURE","transactionStatus":"FAIL","transactionId":"202611250004C1","transactionRequestId":"cap-order-1004","transactionAmount":{"currency":"SGD","value":"2500"},"transactionResult":{"resultCode":"AUTH_EXPIRED","resultStatus":"F","resultMessage":"The authorization has expired."}}]},
 {"paymentStatus":"SUCCESS","paymentRequestId":"order-1005","paymentId":"202611250005","paymentAmount":{"currency":"SGD","value":"7300"},"paymentCreateTime":"2026-11-25T12:05:00+08:00","paymentTime":"2026-11-25T12:05:01+08:00","transactions":[{"transactionType":"PAYMENT","transactionStatus":"SUCCESS","transactionId":"202611250005","transactionAmount":{"currency":"SGD","value":"7300"}},{"transactionType":"CAPTURE","transactionStatus":"SUCCESS","transactionId":"202611250005C1","transactionRequestId":"cap-order-1005","transactionAmount":{"currency":"SGD","value":"7300"},"transactionTime":"2026-11-25T12:05:30+08:00"}]}
]}
JSON

say "starting the reference order service, Antom's inquiry API (simulated), paynotify-worker and paynotify-ingest"
"$bin/tests/paynotify-reference-order-service" --listen "127.0.0.1:$orders" >"$demo/orders.log" 2>&1 &
pids+=($!)
wait_ready "order service" "127.0.0.1:$orders/healthz" "$demo/orders.log"
"$bin/tests/paynotify-antom-simulator" --listen "127.0.0.1:$antom_api" --client-id SANDBOX_DEMO \
  --antom-private-key "$demo/antom-private.pem" --merchant-public-key "$demo/merchant-public.pem" \
  --state "$demo/antom-state.json" >"$demo/antom-api.log" 2>&1 &
pids+=($!)
wait_ready "Antom simulator" "127.0.0.1:$antom_api/healthz" "$demo/antom-api.log"
"$bin/worker/paynotify-worker" --kafka-brokers "$PAYNOTIFY_KAFKA_BROKERS" --topic "$topic" \
  --group "paynotify-demo-$(date +%s)" --redis "$PAYNOTIFY_REDIS" --order-service-url "http://127.0.0.1:$orders" \
  --admin-listen "127.0.0.1:$worker_admin" --retry-base-ms 500 \
  --antom-public-key "$demo/antom-public.b64" --client-id SANDBOX_DEMO \
  --antom-api-url "http://127.0.0.1:$antom_api" --merchant-private-key "$demo/merchant-private.pem" \
  --reconcile-capture-after 3s >"$demo/worker.log" 2>&1 &
pids+=($!)
wait_ready "worker" "127.0.0.1:$worker_admin/readyz" "$demo/worker.log"
"$bin/ingest/paynotify-ingest" --listen "127.0.0.1:$port" --admin-listen "127.0.0.1:$admin" \
  --kafka-brokers "$PAYNOTIFY_KAFKA_BROKERS" --topic "$topic" \
  --antom-public-key "$demo/antom-public.b64" --client-id SANDBOX_DEMO >"$demo/ingest.log" 2>&1 &
pids+=($!)
wait_ready "ingest" "127.0.0.1:$admin/readyz" "$demo/ingest.log"
url="http://127.0.0.1:$port/notifications/antom"
echo "paynotify-ingest listens on $url (admin port $admin); worker admin port $worker_admin;"
echo "order service on http://127.0.0.1:$orders; logs in $demo"

# The notifications Antom sends for three card payments in auth-capture mode.
write() { printf '%s' "$2" >"$demo/$1.json"; }
write auth-ok '{"notifyType":"PAYMENT_RESULT","result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"},"paymentRequestId":"order-1001","paymentId":"202611250001","paymentAmount":{"value":"4200","currency":"SGD"},"paymentCreateTime":"2026-11-25T12:01:00+08:00","paymentTime":"2026-11-25T12:01:01+08:00","paymentResultInfo":{"cardNo":"************4242","cardBrand":"VISA","funding":"CREDIT","issuingCountry":"SG"}}'
write capture-ok '{"captureAmount":{"currency":"SGD","value":"4200"},"notifyType":"CAPTURE_RESULT","captureId":"202611250001C1","captureRequestId":"202611250001C1","captureTime":"2026-11-25T12:01:05+08:00","paymentId":"202611250001","result":{"resultCode":"SUCCESS","resultMessage":"success.","resultStatus":"S"}}'
write auth-declined '{"notifyType":"PAYMENT_RESULT","result":{"resultCode":"PAYMENT_FAIL","resultStatus":"F","resultMessage":"Card declined by issuer"},"paymentRequestId":"order-1002","paymentId":"202611250002","paymentAmount":{"value":"990","currency":"SGD"},"paymentCreateTime":"2026-11-25T12:02:00+08:00"}'
write auth-ok-3 '{"notifyType":"PAYMENT_RESULT","result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"},"paymentRequestId":"order-1003","paymentId":"202611250003","paymentAmount":{"value":"15000","currency":"SGD"},"paymentCreateTime":"2026-11-25T12:03:00+08:00","paymentTime":"2026-11-25T12:03:02+08:00"}'
write capture-ok-3 '{"captureAmount":{"currency":"SGD","value":"15000"},"notifyType":"CAPTURE_RESULT","captureId":"202611250003C1","captureRequestId":"cap-order-1003","captureTime":"2026-11-25T12:03:09+08:00","paymentId":"202611250003","result":{"resultCode":"SUCCESS","resultMessage":"success.","resultStatus":"S"}}'
write capture-over-3 '{"captureAmount":{"currency":"SGD","value":"5000"},"notifyType":"CAPTURE_RESULT","captureId":"202611250003C2","captureRequestId":"cap2-order-1003","captureTime":"2026-11-25T12:04:00+08:00","paymentId":"202611250003","result":{"resultCode":"SUCCESS","resultMessage":"success.","resultStatus":"S"}}'
write auth-ok-4 '{"notifyType":"PAYMENT_RESULT","result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"},"paymentRequestId":"order-1004","paymentId":"202611250004","paymentAmount":{"value":"2500","currency":"SGD"},"paymentCreateTime":"2026-11-18T09:00:00+08:00","paymentTime":"2026-11-18T09:00:02+08:00"}'
write capture-failed '{"captureAmount":{"currency":"SGD","value":"2500"},"notifyType":"CAPTURE_RESULT","captureId":"202611250004C1","captureRequestId":"cap-order-1004","paymentId":"202611250004","result":{"resultCode":"AUTH_EXPIRED","resultMessage":"The authorization has expired.","resultStatus":"F"}}'
# A chargeback: Antom's dispute notification has no notifyType (its kind is disputeNotificationType).
write dispute '{"paymentRequestId":"order-1001","disputeId":"202611260001D1","paymentId":"202611250001","disputeTime":"2026-11-26T10:00:00+08:00","disputeAmount":{"currency":"SGD","value":"4200"},"disputeNotificationType":"DISPUTE_CREATED","disputeReasonMsg":"Fraud - card absent environment","defenseDueTime":"2026-12-03T10:00:00+08:00","defendable":"true"}'
# Authorized; Antom captures it, but its capture notification never comes (see antom-state.json).
write auth-ok-5 '{"notifyType":"PAYMENT_RESULT","result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"},"paymentRequestId":"order-1005","paymentId":"202611250005","paymentAmount":{"value":"7300","currency":"SGD"},"paymentCreateTime":"2026-11-25T12:05:00+08:00","paymentTime":"2026-11-25T12:05:01+08:00"}'
# A card vaulting result: genuine, stored and acknowledged, but not a kind this worker models.
write vaulting '{"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"},"vaultingRequestId":"vault-77","vaultingStatus":"SUCCESS","paymentMethodDetail":{"paymentMethodType":"CARD"}}'

send() {  # send LABEL FILE [extra paynotify send options]
  local label="$1" file="$2"; shift 2
  printf '%-44s ' "$label"
  "$root/build/release/cli/paynotify" send --url "$url" --client-id SANDBOX_DEMO \
    --private-key "$demo/antom-private.pem" --time "$(date -u +%Y-%m-%dT%H:%M:%S.000+00:00)" "$@" "$demo/$file.json" || true
}

say "Antom sends its notifications; what Antom sees back"
send "authorization succeeded (order-1001)" auth-ok
send "automatic capture succeeded (order-1001)" capture-ok
send "authorization declined (order-1002)" auth-declined
send "capture succeeded, ahead of its auth (1003)" capture-ok-3
send "authorization succeeded (order-1003)" auth-ok-3
send "a second capture: over-capture (1003)" capture-over-3
send "authorization succeeded (order-1004)" auth-ok-4
send "capture failed, AUTH_EXPIRED (order-1004)" capture-failed
send "re-send of order-1001's authorization" auth-ok
send "chargeback opened on order-1001" dispute
send "card vaulting result (not modelled)" vaulting
send "authorization succeeded (order-1005)" auth-ok-5
send "tampered in transit (amount changed)" auth-ok --tamper
printf '%-44s ' "signed with someone else's key"
"$bin/cli/paynotify" send --url "$url" --client-id SANDBOX_DEMO --private-key "$demo/impostor-private.pem" \
  "$demo/auth-ok.json" || true

say "what is in Kafka topic $topic (12 acknowledged, the 2 forgeries nowhere)"
"$bin/cli/paynotify" peek --kafka-brokers "$PAYNOTIFY_KAFKA_BROKERS" --topic "$topic" --max 40 --timeout-ms 5000 |
  python3 -c '
import json, sys
for line in sys.stdin:
    r = json.loads(line)
    if "antom-inquiry-answer" in r["headers"]: continue  # recovered by asking Antom: below
    v = r.get("value", {})
    res = v.get("result", {})
    print("  partition %d offset %d  key %-14s %-15s %s %s" % (r["partition"], r["offset"], r["key"],
          r["headers"].get("notify-type", "?"), res.get("resultStatus", v.get("disputeNotificationType", "")),
          res.get("resultCode", "")))
'
say "what the worker applied to the order service (11 events, one of them recovered from Antom; the re-send skipped as a duplicate)"
for _ in $(seq 1 150); do
  [ "$(curl -s "127.0.0.1:$orders/applied" | python3 -c 'import json,sys; print(json.load(sys.stdin)["applied"])')" -ge 11 ] && break
  sleep 0.2
done
curl -s "127.0.0.1:$orders/applied" | python3 -c '
import json, sys
book = json.load(sys.stdin)
for payment, p in sorted(book["payments"].items()):
    print("  payment %s  state %-15s events: %s" % (payment, p["state"], ", ".join(e.split(":")[0] + ":" + e.split(":")[-1] for e in p["events"])))
print("  applied %d, repeated keys answered 409: %d" % (book["applied"], book["conflicts"]))
'
say "reconciliation: what the worker recovered by asking Antom (inquiryPayment; README \"Reconciliation\")"
"$bin/cli/paynotify" peek --kafka-brokers "$PAYNOTIFY_KAFKA_BROKERS" --topic "$topic" --max 40 --timeout-ms 5000 |
  python3 -c '
import json, sys
for line in sys.stdin:
    r = json.loads(line)
    if "antom-inquiry-answer" not in r["headers"]: continue
    v = r.get("value", {})
    print("  key %-14s %-15s %s %-14s (evidence: Antom signed answer to %s)" % (r["key"], v.get("notifyType"),
          v.get("result", {}).get("resultStatus", ""), v.get("captureId", ""), r["headers"].get("antom-request-uri")))
'
echo "  order-1005's capture was never notified: recovered and applied once; the others were known (duplicates)"
curl -s "127.0.0.1:$antom_api/calls" | python3 -c 'import json,sys; c=json.load(sys.stdin); print("  inquiries Antom answered: %d" % c["inquiryPayment"])'

say "dead-lettered, with the reason (paynotify replay brings it back once a worker models it)"
"$bin/cli/paynotify" peek --kafka-brokers "$PAYNOTIFY_KAFKA_BROKERS" --topic "$topic.dlq" --max 1 --timeout-ms 5000 |
  python3 -c '
import json, sys
for line in sys.stdin:
    h = json.loads(line)["headers"]
    print("  %s: error-class %s, %s" % (h.get("notify-type"), h.get("error-class"), h.get("error")))
'
say "anomalies: Antom's money rules broken (topic $topic.anomalies; README: what to do about each)"
# At least once: an anomaly may be published twice (the watch and a completion both flush the
# outbox); consumers dedupe by anomalyId, as this does.
"$bin/cli/paynotify" peek --kafka-brokers "$PAYNOTIFY_KAFKA_BROKERS" --topic "$topic.anomalies" --max 20 --timeout-ms 5000 |
  python3 -c '
import json, sys
seen = set()
for line in sys.stdin:
    a = json.loads(line)["value"]
    if a["anomalyId"] in seen: continue
    seen.add(a["anomalyId"])
    print("  %-33s payment %s: %s" % (a["kind"], a["paymentId"], a["detail"]))
'
say "authorizations with nothing captured, by expiry (paynotify ledger due; ledger show --payment-id P for one)"
"$bin/cli/paynotify" ledger due --redis "$PAYNOTIFY_REDIS" --topic "$topic" --within 8d |
  python3 -c '
import json, sys
for line in sys.stdin:
    d = json.loads(line)
    print("  payment %s  expires %s (%+.0f h)  %s %s" % (d["paymentId"], d["expiresAt"], d["hoursLeft"],
          d.get("authorizedAmount", {}).get("value", "?"), d.get("authorizedAmount", {}).get("currency", "")))
'
say "metrics"
curl -s "127.0.0.1:$admin/metrics" | grep -E '^paynotify_ingest_requests_total' | grep -v ' 0$'
curl -s "127.0.0.1:$worker_admin/metrics" | grep -E '^paynotify_worker_(consumed|applied|duplicates_skipped|unsupported_kind|payment_anomalies|inquiries|reconciled_records)_total'

if [ "$keep" = true ]; then
  say "left running (--keep)"
  echo "ingest: $url, admin http://127.0.0.1:$admin/metrics; worker admin http://127.0.0.1:$worker_admin/metrics"
  echo "order service: http://127.0.0.1:$orders/applied"
  "$root/deploy/local/stack.sh" status
  echo "stop with: kill ${pids[*]}; PAYNOTIFY_STACK_DIR=$PAYNOTIFY_STACK_DIR deploy/local/stack.sh down"
else
  say "stopping everything the demo started"
fi
