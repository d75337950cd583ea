#!/usr/bin/env bash
# CI checks of what we ship to Kubernetes, on this machine:
#   helm lint and helm template, for the default values and a production-like values file;
#   every rendered object validated against the Kubernetes, KEDA and prometheus-operator schemas;
#   every PAYNOTIFY_* variable the chart sets accepted by the binary that receives it;
#   every Secret volume mounted 0400, and no hook Secret left behind (nothing left after uninstall);
#   every rendered object applied to a real API server (apiserver.sh: kube-apiserver with the
#   KEDA and ServiceMonitor CRDs) as a server-side dry run with strict validation;
#   and negative controls: a broken manifest, an unknown field, an unknown variable, a world-readable
#   Secret volume and plaintext Redis or order-service URLs without allowPlaintext must be caught.
# Usage: deploy/helm/check.sh BUILD_DIR   (setup.sh installs the pinned Helm and the validators)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../local/common.sh"
build="$1"
cache="$paynotify_cache"
helm="$cache/bin/helm"
validate="$cache/node-validate"
[ -x "$helm" ] || { echo "no Helm at $helm: run deploy/local/setup.sh"; exit 1; }
[ -d "$validate/node_modules" ] || { echo "no validators in $validate: run deploy/local/setup.sh"; exit 1; }
cp "$here/validate/validate.mjs" "$here/validate/env-check.mjs" "$here/validate/secret-check.mjs" "$validate/"
work="$(mktemp -d)"
trap '"$here/apiserver.sh" stop "$work/kube"; rm -rf "$work"' EXIT
"$here/apiserver.sh" start "$work/kube"
kubectl=("$cache/bin/kubectl" --kubeconfig "$work/kube/kubeconfig")
server_dry_run() { "${kubectl[@]}" apply -n paynotify --server-side --dry-run=server --validate=strict -f "$1" >"$1.applied"; }
# No controller runs beside this API server: a hook Job is marked complete here, as the Job
# controller would once `paynotify topics ensure` succeeded, or helm would wait for it forever.
complete_jobs() {
  while :; do
    local now
    now="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    for job in $("${kubectl[@]}" get jobs -n paynotify -o name 2>/dev/null); do
      "${kubectl[@]}" patch -n paynotify "$job" --subresource=status --type=merge -p "{\"status\":{
        \"startTime\":\"$now\",\"completionTime\":\"$now\",\"succeeded\":1,\"conditions\":[
        {\"type\":\"SuccessCriteriaMet\",\"status\":\"True\",\"lastProbeTime\":\"$now\",\"lastTransitionTime\":\"$now\"},
        {\"type\":\"Complete\",\"status\":\"True\",\"lastProbeTime\":\"$now\",\"lastTransitionTime\":\"$now\"}]}}" \
        >/dev/null 2>&1 || true
    done
    sleep 0.3
  done
}
# helm install, upgrade and uninstall against the API server; afterwards nothing is left.
helm_lifecycle() {
  complete_jobs &
  local completer=$! rc=0
  local release=(paynotify "$here/paynotify" -n paynotify --kubeconfig "$work/kube/kubeconfig" --timeout 60s "$@")
  "$helm" install "${release[@]}" >"$work/helm.log" 2>&1 &&
    "$helm" upgrade "${release[@]}" --set worker.concurrency=32 >>"$work/helm.log" 2>&1 &&
    [ "$("${kubectl[@]}" get deploy -n paynotify paynotify-worker -o jsonpath='{.metadata.generation}')" = 2 ] &&
    "$helm" uninstall paynotify -n paynotify --kubeconfig "$work/kube/kubeconfig" --wait >>"$work/helm.log" 2>&1 &&
    [ -z "$("${kubectl[@]}" get deploy,svc,job,scaledobject,secret -n paynotify -o name 2>/dev/null)" ] || rc=1
  kill "$completer" 2>/dev/null; wait "$completer" 2>/dev/null || true
  [ "$rc" = 0 ] || cat "$work/helm.log"
  return "$rc"
}
kube=1.30.0

"$build/ingest/paynotify-ingest" --help >"$work/ingest.help"
"$build/worker/paynotify-worker" --help >"$work/worker.help"
"$build/cli/paynotify" topics ensure --help >"$work/topics.help"

passed=0 failed=0
check() { local name="$1"; shift; if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAILED: $name"; fi; }

for values in default production; do
  # The defaults are plaintext Redis and HTTP (placeholders), refused without allowPlaintext (below);
  # a Kafka property makes the chart's own Kafka Secret and the topics hook's copy.
  args=(--set allowPlaintext=true --set-string 'kafka.properties.security\.protocol=PLAINTEXT')
  [ "$values" = production ] && args=(-f "$here/ci/values-production.yaml")
  check "helm lint ($values)" "$helm" lint --strict "$here/paynotify" --kube-version "$kube" "${args[@]}"
  render() { "$helm" template paynotify "$here/paynotify" --kube-version "$kube" "$@" >"$work/$values.yaml"; }
  check "helm template ($values)" render "${args[@]}"
  check "schemas ($values)" node "$validate/validate.mjs" "$work/$values.yaml"
  check "the API server accepts it ($values)" server_dry_run "$work/$values.yaml"
  check "helm install, upgrade, uninstall ($values)" helm_lifecycle "${args[@]}"
  check "Secret volumes 0400, no hook Secret kept ($values)" node "$validate/secret-check.mjs" "$work/$values.yaml"
  check "variables ($values)" node "$validate/env-check.mjs" "$work/$values.yaml" "$work/ingest.help" "$work/worker.help" "$work/topics.help"
done
check "production renders KEDA, Ingress and ServiceMonitor" \
  sh -c "grep -q '^kind: ScaledObject' '$work/production.yaml' && grep -q '^kind: Ingress' '$work/production.yaml' && grep -q '^kind: ServiceMonitor' '$work/production.yaml'"
check "a typo in values fails at install" sh -c "! '$helm' template t '$here/paynotify' --kube-version $kube --set worker.concurency=3 >/dev/null 2>&1"

# Negative controls: the checks above must be able to fail.
sed 's/containerPort: 8080/containerPort: "eighty"/' "$work/default.yaml" >"$work/broken.yaml"
check "a broken manifest is caught" sh -c "! node '$validate/validate.mjs' '$work/broken.yaml' >/dev/null"
sed 's/terminationGracePeriodSeconds:/terminationGracePeriodSecondz:/' "$work/production.yaml" >"$work/unknown-field.yaml"
check "the API server refuses an unknown field" sh -c "! $(printf '%q ' "${kubectl[@]}") apply -n paynotify --server-side --dry-run=server --validate=strict -f '$work/unknown-field.yaml' >/dev/null 2>&1"
sed 's/name: PAYNOTIFY_MAX_BODY_BYTES/name: PAYNOTIFY_MAX_BODY_SIZE/' "$work/default.yaml" >"$work/badvar.yaml"
check "an unknown variable is caught" sh -c "! node '$validate/env-check.mjs' '$work/badvar.yaml' '$work/ingest.help' '$work/worker.help' '$work/topics.help' >/dev/null"
sed 's/defaultMode: 256/defaultMode: 420/' "$work/production.yaml" >"$work/readable.yaml"
check "a world-readable Secret volume is caught" sh -c "! node '$validate/secret-check.mjs' '$work/readable.yaml' >/dev/null"
sed 's/hook-delete-policy: before-hook-creation,hook-succeeded$/hook-delete-policy: before-hook-creation/' \
  "$work/default.yaml" >"$work/kept-hook.yaml"
check "a hook Secret Helm never deletes is caught" sh -c "! node '$validate/secret-check.mjs' '$work/kept-hook.yaml' >/dev/null"
# Plaintext is refused, saying what to do, unless allowPlaintext is set.
refused_plaintext() {  # refused_plaintext WHAT HELM_ARGS...
  local what="$1"; shift
  ! "$helm" template t "$here/paynotify" --kube-version "$kube" "$@" >/dev/null 2>"$work/plaintext.err" &&
    grep -q "$what.*allowPlaintext: true" "$work/plaintext.err"
}
check "the default values (plaintext) are refused" refused_plaintext "redis.address is plain TCP"
check "a redis:// address is refused" refused_plaintext "redis.address is plain TCP" -f "$here/ci/values-production.yaml" \
  --set redis.address=redis://paynotify@redis:6379
check "an http:// order service is refused" refused_plaintext "orderService.url is plain http://" \
  -f "$here/ci/values-production.yaml" --set orderService.url=http://orders:8080

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
