#!/usr/bin/env bash
# CI checks of the alerts and the dashboard the chart ships (README "On call"):
#   promtool check rules and promtool test rules (every alert fired from synthetic series, and
#   every alert has a case there);
#   every metric a rule or a dashboard panel reads is one that a running paynotify-ingest or
#   paynotify-worker exports (their /metrics, scraped here), with a negative control.
# promtool comes from Debian's prometheus package (setup.sh installs it).
# Usage: deploy/helm/check-alerts.sh BUILD_DIR
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../local/common.sh"
build="$1"
chart="$here/paynotify"
command -v promtool >/dev/null || { echo "no promtool: run deploy/local/setup.sh"; exit 1; }
work="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
failed=0
check() { local what="$1"; shift; if "$@" >"$work/out" 2>&1; then echo "ok: $what"; else echo "FAIL: $what"; cat "$work/out"; failed=1; fi; }

check "promtool check rules" promtool check rules "$chart/rules/paynotify.rules.yaml"
# (rule_files in the test file are found beside it)
check "promtool test rules: every alert fires from synthetic series" \
  promtool test rules "$chart/rules/paynotify.rules.test.yaml"
alerts="$(grep -oE 'alert: [A-Za-z]+' "$chart/rules/paynotify.rules.yaml" | cut -d' ' -f2 | sort -u)"
tested="$(grep -oE 'alertname: [A-Za-z]+' "$chart/rules/paynotify.rules.test.yaml" | cut -d' ' -f2 | sort -u)"
untested="$(comm -23 <(echo "$alerts") <(echo "$tested"))"
[ -z "$untested" ] || echo "untested: $untested"
check "every alert has a promtool case" test -z "$untested"

# What the services export: their /metrics' TYPE lines, reconciliation on so that its series are
# there too. Nothing needs to answer them: the admin port serves before Kafka or Redis do.
"$build/cli/paynotify" keygen --out "$work" >/dev/null
"$build/cli/paynotify" keygen --out "$work" --prefix merchant >/dev/null
admin_ingest="$(free_port)"; admin_worker="$(free_port)"
"$build/ingest/paynotify-ingest" --listen "127.0.0.1:$(free_port)" --admin-listen "127.0.0.1:$admin_ingest" \
  --kafka-brokers 127.0.0.1:1 --antom-public-key "$work/antom-public.b64" --client-id C1 \
  >"$work/ingest.log" 2>&1 &
pids+=($!)
"$build/worker/paynotify-worker" --order-service-url http://127.0.0.1:1 --admin-listen "127.0.0.1:$admin_worker" \
  --kafka-brokers 127.0.0.1:1 --redis 127.0.0.1:1 --antom-public-key "$work/antom-public.b64" \
  --client-id C1 --antom-api-url http://127.0.0.1:1 --merchant-private-key "$work/merchant-private.pem" \
  >"$work/worker.log" 2>&1 &
pids+=($!)
for port in "$admin_ingest" "$admin_worker"; do
  for _ in $(seq 1 100); do curl -sf "127.0.0.1:$port/metrics" >/dev/null && break; sleep 0.1; done
  curl -sf "127.0.0.1:$port/metrics" | awk '$1 == "#" && $2 == "TYPE" {print $3}' >>"$work/exported"
done
sort -u -o "$work/exported" "$work/exported"
echo "exported: $(wc -l <"$work/exported") metric families by the ingest and the worker"

# The metrics an expression file reads; a histogram's _bucket/_sum/_count name its family.
used() { grep -ohE 'paynotify_[a-z_]+' "$@" | sed -E 's/_(bucket|sum|count)$//' | sort -u; }
missing_from() { comm -23 <(cat) "$work/exported"; }
missing="$(used "$chart/rules/paynotify.rules.yaml" "$chart/dashboards/paynotify.json" | missing_from)"
[ -z "$missing" ] || echo "not exported: $missing"
check "every metric the rules and the dashboard read is exported" test -z "$missing"
# Negative control: a name nobody exports is caught by the same comparison.
control="$(echo paynotify_worker_no_such_series_total | missing_from)"
check "a metric nobody exports is caught" test "$control" = paynotify_worker_no_such_series_total
check "the dashboard is JSON with panels" python3 -c \
  'import json,sys; d=json.load(open(sys.argv[1])); assert d["uid"] and d["panels"]' \
  "$chart/dashboards/paynotify.json"
exit "$failed"
