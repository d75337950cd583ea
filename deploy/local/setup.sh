#!/usr/bin/env bash
# Installs what paynotify's build, tests, demo and benchmarks need on Debian 12, builds
# librdkafka from Debian's source package (librdkafka.sh), resolves
# the Apache Kafka broker jars through pom.xml into the local Maven repository, and (unless
# --no-deploy-tools) builds the pinned Helm and installs the manifest validators for the chart
# checks. Idempotent: when everything is present it only checks and returns within seconds.
#   setup.sh [--no-deploy-tools]
set -euo pipefail
deploy_tools=true
[ "${1:-}" = "--no-deploy-tools" ] && deploy_tools=false
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
source "$here/common.sh"

packages=(
  build-essential cmake ninja-build pkg-config git python3
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev openssl libspdlog-dev libhiredis-dev libgtest-dev prometheus-cpp-dev
  redis-server openjdk-17-jre-headless maven curl procps ccache
  clang-14 libclang-rt-14-dev  # libFuzzer, for tests/fuzz
  clang-format-14  # the format check in tests/run.sh (deploy/local/format.sh)
)
"$here/apt-install.sh" setup "${packages[@]}"
# librdkafka 2.14.2 from Debian's source package, built once into the cache (librdkafka.sh).
rdkafka_prefix="$("$here/librdkafka.sh")"

# The broker's jars, copied out of the local Maven repository into a cache folder that
# stack.sh puts on the classpath. Re-resolved only when pom.xml changes.
libs="$paynotify_cache/kafka-libs"
stamp="$libs/.pom.sha256"
want="$(sha256sum "$here/pom.xml" | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: resolving the Kafka broker through deploy/local/pom.xml"
  rm -rf "$libs"
  mkdir -p "$libs"
  mvn -q -B -Dstyle.color=never -f "$here/pom.xml" dependency:copy-dependencies \
      -DoutputDirectory="$libs" -DincludeScope=runtime >"$libs/.mvn.log" 2>&1 \
    || { cat "$libs/.mvn.log" >&2; echo "setup: resolving the Kafka broker failed" >&2; exit 1; }
  echo "$want" >"$stamp"
fi
if [ "$deploy_tools" = false ]; then
  echo "setup: ok ($(ls "$libs"/*.jar | wc -l) broker jars, librdkafka in $rdkafka_prefix)"
  exit 0
fi

# Helm 3, pinned, built from the Go module proxy into the cache (about a minute, once).
cache="$paynotify_cache"
helm_version=v3.22.0
if [ "$("$cache/bin/helm" version --template '{{.Version}}' 2>/dev/null || true)" != "$helm_version" ]; then
  command -v go >/dev/null || { echo "setup: Go is needed to build Helm" >&2; exit 1; }
  echo "setup: building Helm $helm_version"
  mkdir -p "$cache/bin"
  GOBIN="$cache/bin" go install -ldflags "-X helm.sh/helm/v3/internal/version.version=$helm_version" \
    "helm.sh/helm/v3/cmd/helm@$helm_version" >"$cache/helm-build.log" 2>&1 \
    || { cat "$cache/helm-build.log" >&2; echo "setup: building Helm failed" >&2; exit 1; }
fi

# The real Kubernetes API server and kubectl (deploy/helm/apiserver/go.mod pins them), for the
# chart's server-side checks; etcd comes from Debian. About four minutes, once per version.
"$here/apt-install.sh" setup etcd-server
# promtool, for the chart's alert rules (deploy/helm/check-alerts.sh): from Debian's package.
"$here/apt-install.sh" setup prometheus
kube_module="$root/deploy/helm/apiserver"
kube_version="$(awk '$1 == "require" && $2 == "k8s.io/kubernetes" {print $3}' "$kube_module/go.mod")"
if [ "$("$cache/bin/kube-apiserver" --version 2>/dev/null || true)" != "Kubernetes $kube_version" ] ||
   [ ! -x "$cache/bin/kubectl" ]; then
  echo "setup: building kube-apiserver and kubectl $kube_version"
  minor="${kube_version#v1.}"; minor="${minor%%.*}"
  (cd "$kube_module" && GOBIN="$cache/bin" GOFLAGS=-mod=mod go install \
    -ldflags "-X k8s.io/component-base/version.gitVersion=$kube_version -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubectl) >"$cache/kube-build.log" 2>&1 \
    || { tail -20 "$cache/kube-build.log" >&2; echo "setup: building kube-apiserver failed" >&2; exit 1; }
fi

# The manifest validators (kubernetes-models and friends) for deploy/helm/check.sh.
validate="$cache/node-validate"
want_validate="$(sha256sum "$root/deploy/helm/validate/package.json" | cut -d' ' -f1)"
if [ "$(cat "$validate/.package.sha256" 2>/dev/null)" != "$want_validate" ]; then
  command -v npm >/dev/null || { echo "setup: npm is needed for the manifest validators" >&2; exit 1; }
  echo "setup: installing the manifest validators"
  rm -rf "$validate"
  mkdir -p "$validate"
  cp "$root/deploy/helm/validate/package.json" "$validate/"
  (cd "$validate" && npm install --no-package-lock --no-audit --no-fund --loglevel=error >"$validate/.npm.log" 2>&1) \
    || { cat "$validate/.npm.log" >&2; echo "setup: npm install failed" >&2; exit 1; }
  echo "$want_validate" >"$validate/.package.sha256"
fi

echo "setup: ok ($(ls "$libs"/*.jar | wc -l) broker jars, librdkafka in $rdkafka_prefix, Helm $helm_version, kube-apiserver $kube_version, manifest validators)"
