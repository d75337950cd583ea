#!/usr/bin/env bash
# A real Kubernetes API server for the chart checks: etcd (Debian) and kube-apiserver (built by
# setup.sh from deploy/helm/apiserver/go.mod) on free loopback ports, token authentication,
# RBAC, no controllers; the KEDA and prometheus-operator CRDs installed from their Go modules.
#   apiserver.sh start DIR   start in DIR (state, logs, DIR/kubeconfig); ready within seconds
#   apiserver.sh stop DIR    stop what start started
set -euo pipefail
cmd="$1" dir="$2"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../local/common.sh"
cache="$paynotify_cache"
keda_module=github.com/kedacore/keda/v2@v2.21.0
prometheus_module=github.com/prometheus-operator/prometheus-operator@v0.85.0

if [ "$cmd" = stop ]; then
  for p in apiserver etcd; do [ -s "$dir/$p.pid" ] && kill "$(cat "$dir/$p.pid")" 2>/dev/null || true; done
  exit 0
fi
[ "$cmd" = start ] || { echo "usage: apiserver.sh start|stop DIR" >&2; exit 2; }
[ -x "$cache/bin/kube-apiserver" ] || { echo "no kube-apiserver in $cache/bin: run deploy/local/setup.sh" >&2; exit 1; }
mkdir -p "$dir"
client="$(free_port)" peer="$(free_port)" api="$(free_port)"
etcd --data-dir "$dir/etcd" --listen-client-urls "http://127.0.0.1:$client" \
  --advertise-client-urls "http://127.0.0.1:$client" --listen-peer-urls "http://127.0.0.1:$peer" \
  --initial-advertise-peer-urls "http://127.0.0.1:$peer" --initial-cluster "default=http://127.0.0.1:$peer" \
  >"$dir/etcd.log" 2>&1 &
echo $! >"$dir/etcd.pid"
openssl genrsa -out "$dir/sa.key" 2048 2>/dev/null
openssl rsa -in "$dir/sa.key" -pubout -out "$dir/sa.pub" 2>/dev/null
token="$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
echo "$token,paynotify-ci,paynotify-ci,system:masters" >"$dir/tokens.csv"
"$cache/bin/kube-apiserver" --etcd-servers "http://127.0.0.1:$client" --bind-address 127.0.0.1 \
  --secure-port "$api" --cert-dir "$dir/certs" --token-auth-file "$dir/tokens.csv" --authorization-mode RBAC \
  --service-account-issuer https://kubernetes.default.svc --service-account-key-file "$dir/sa.pub" \
  --service-account-signing-key-file "$dir/sa.key" --service-cluster-ip-range 10.96.0.0/16 \
  >"$dir/apiserver.log" 2>&1 &
echo $! >"$dir/apiserver.pid"
cat >"$dir/kubeconfig" <<CONF
apiVersion: v1
kind: Config
clusters: [{name: ci, cluster: {server: "https://127.0.0.1:$api", insecure-skip-tls-verify: true}}]
users: [{name: ci, user: {token: "$token"}}]
contexts: [{name: ci, context: {cluster: ci, user: ci}}]
current-context: ci
CONF
kubectl=("$cache/bin/kubectl" --kubeconfig "$dir/kubeconfig")
for _ in $(seq 1 120); do "${kubectl[@]}" get --raw /readyz >/dev/null 2>&1 && break; sleep 0.5; done
"${kubectl[@]}" get --raw /readyz >/dev/null || { tail -20 "$dir/apiserver.log" >&2; exit 1; }
keda="$(cd "$here/apiserver" && GOFLAGS=-mod=mod go mod download -json "$keda_module" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')"
prometheus="$(cd "$here/apiserver" && GOFLAGS=-mod=mod go mod download -json "$prometheus_module" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')"
"${kubectl[@]}" apply --server-side -f "$keda/config/crd/bases/keda.sh_scaledobjects.yaml" \
  -f "$keda/config/crd/bases/keda.sh_triggerauthentications.yaml" \
  -f "$prometheus/example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml" \
  -f "$prometheus/example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml" >"$dir/crds.log"
"${kubectl[@]}" wait --for condition=established crd --all --timeout=60s >>"$dir/crds.log"
"${kubectl[@]}" create namespace paynotify >/dev/null
echo "apiserver: Kubernetes $("${kubectl[@]}" version -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["serverVersion"]["gitVersion"])') on 127.0.0.1:$api, KEDA, ServiceMonitor and PrometheusRule CRDs installed"
