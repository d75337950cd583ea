#!/usr/bin/env bash
# The container image, built and run on this machine, with no registry needed:
#   1. podman, runc and debootstrap from Debian, installed when missing;
#   2. the base images the Dockerfile names, docker.io/library/debian:bookworm and
#      :bookworm-slim, made from Debian's own packages with debootstrap and `podman import`,
#      as the official images' builder does (once, then kept for 30 days);
#   3. the image built from deploy/docker/Dockerfile with --pull=never;
#   4. its containers run as Kubernetes runs them (read-only root filesystem, uid 10001, every
#      capability dropped, no privilege escalation), on the host network against the local
#      stack: `paynotify topics ensure`; the ingest answers a signed notification with Antom's
#      SUCCESS and a forged one with 401; the worker applies the notification to the reference
#      order service, once; both exit 0 on SIGTERM.
# Where `docker info` answers (a machine with a Docker engine and a registry), Docker and the
# registry's base images are used instead.
#
# Needs the stack (PAYNOTIFY_KAFKA_BROKERS, PAYNOTIFY_REDIS: tests/run.sh exports them) and
# build/release (the CLI signs, the reference order service applies). Podman's storage and
# configuration stay in the project's cache folder; the host's network settings are left alone
# (host network only: no bridge, no iptables rules, no ip_forward).
# The image and its build layers stay in the cache, so the next build reuses what did not
# change; what is older than a week and unused is pruned.
#   deploy/docker/build-and-test.sh [--base-images-only]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
source "$root/deploy/local/common.sh"
bin="$root/build/release"
cache="$paynotify_cache/containers"
image="localhost/paynotify:ci"
bases_only=false
[ "${1:-}" = --base-images-only ] && bases_only=true
if [ "$bases_only" = false ]; then
  : "${PAYNOTIFY_KAFKA_BROKERS:?run through tests/run.sh, or eval \"\$(deploy/local/stack.sh up)\" first}"
  : "${PAYNOTIFY_REDIS:?run through tests/run.sh, or eval \"\$(deploy/local/stack.sh up)\" first}"
fi
log() { echo "image: $*"; }
fail() { echo "image: FAILED: $*" >&2; exit 1; }

# ---- the engine ----
if command -v docker >/dev/null && docker info >/dev/null 2>&1; then
  engine=(docker)
  build_pull=()
  log "using Docker ($(docker version --format '{{.Server.Version}}'))"
else
  "$root/deploy/local/apt-install.sh" image podman runc debootstrap
  mkdir -p "$cache/storage" "$cache/run"
  # What podman 4.3 needs in a VM like this one: runc (crun is not there), cgroupfs (no systemd
  # session), events in a file (no journald), the host's network namespace, and an open-file
  # limit the broker's clients fit in.
  cat >"$cache/containers.conf" <<CONF
[containers]
netns = "host"
# Set, not inherited: podman's own defaults exceed what runc may set here without privileges.
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$cache/events.log"
CONF
  cat >"$cache/storage.conf" <<CONF
[storage]
driver = "${PAYNOTIFY_STORAGE_DRIVER:-overlay}"
graphroot = "$cache/storage"
runroot = "$cache/run"
CONF
  # Fully qualified names only: nothing is looked up in a registry by a short name.
  printf 'unqualified-search-registries = []\nshort-name-mode = "enforcing"\n' >"$cache/registries.conf"
  export CONTAINERS_CONF="$cache/containers.conf" CONTAINERS_STORAGE_CONF="$cache/storage.conf" \
    CONTAINERS_REGISTRIES_CONF="$cache/registries.conf"
  engine=(podman)
  build_pull=(--pull=never)
  log "using $(podman --version), storage in $cache"
fi

# ---- the base images, from Debian's packages (podman only) ----
base_images() {
  local bookworm=docker.io/library/debian:bookworm slim=docker.io/library/debian:bookworm-slim
  # Bumped when the recipe below changes, so that cached base images are made again.
  local recipe=2 created made_by
  created="$(podman image inspect --format '{{.Created.Unix}}' "$slim" 2>/dev/null || echo 0)"
  made_by="$(podman image inspect --format '{{index .Labels "org.paynotify.base-recipe"}}' "$bookworm" 2>/dev/null || true)"
  if [ "$made_by" = "$recipe" ] && (($(date +%s) - created < 30 * 86400)); then
    log "base images present (made $(date -u -d "@$created" +%F))"
    return 0
  fi
  # The mirror this machine's apt uses (debootstrap's own default otherwise).
  local mirror
  mirror="$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)"
  local rootfs="$cache/rootfs"
  rm -rf "$rootfs" "$rootfs-slim"
  log "making $bookworm with debootstrap (a few minutes, once)"
  debootstrap --variant=minbase bookworm "$rootfs" ${mirror:+"$mirror"} >"$cache/debootstrap.log" 2>&1 \
    || { tail -20 "$cache/debootstrap.log" >&2; fail "debootstrap"; }
  # As the official images: the release, its updates and its security fixes as apt sources
  # (this machine's, so the same mirror); no package lists or caches in the image, and apt
  # deletes the packages it downloads once installed.
  if [ -s /etc/apt/sources.list.d/debian.sources ]; then
    rm -f "$rootfs/etc/apt/sources.list"
    cp /etc/apt/sources.list.d/debian.sources "$rootfs/etc/apt/sources.list.d/debian.sources"
  fi
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb
  cat >"$rootfs/etc/apt/apt.conf.d/docker-clean" <<'CONF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
CONF
  local label=(--change 'CMD ["bash"]' --change "LABEL org.paynotify.base-recipe=$recipe")
  tar -C "$rootfs" -c . | podman import "${label[@]}" - "$bookworm" >/dev/null 2>>"$cache/import.log"
  # -slim: the same without documentation, manual pages and translations, and dpkg told to
  # leave them out of every package installed later.
  cp -a "$rootfs" "$rootfs-slim"
  rm -rf "$rootfs-slim"/usr/share/doc/* "$rootfs-slim"/usr/share/man/* "$rootfs-slim"/usr/share/info/* \
    "$rootfs-slim"/usr/share/locale/* "$rootfs-slim"/usr/share/groff/* "$rootfs-slim"/usr/share/lintian/*
  cat >"$rootfs-slim/etc/dpkg/dpkg.cfg.d/docker-slim" <<'CONF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/lintian/*
CONF
  tar -C "$rootfs-slim" -c . | podman import "${label[@]}" - "$slim" >/dev/null 2>>"$cache/import.log"
  rm -rf "$rootfs" "$rootfs-slim"
  log "base images made: $("${engine[@]}" image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep debian | tr '\n' ' ')"
}
[ "${engine[0]}" = podman ] && base_images
[ "$bases_only" = true ] && exit 0

# ---- the image ----
log "building $image from deploy/docker/Dockerfile"
t0=$SECONDS
"${engine[@]}" build "${build_pull[@]}" --network=host -f "$here/Dockerfile" -t "$image" \
  --build-arg SOURCE_URL="https://example.com/paynotify" "$root" >"$cache/build.log" 2>&1 \
  || { tail -30 "$cache/build.log" >&2; fail "the image build (log: $cache/build.log)"; }
log "built in $((SECONDS - t0)) s: $("${engine[@]}" image inspect --format '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1/1e6}')"
[ "$("${engine[@]}" image inspect --format '{{.Config.User}}' "$image")" = "10001:10001" ] || fail "the image's user is not 10001"

# ---- the containers, as Kubernetes runs them ----
work="$(mktemp -d /tmp/paynotify-image.XXXXXX)"
chmod 755 "$work"
names=()
pids=()
cleanup() {
  for n in "${names[@]}"; do "${engine[@]}" rm -f "$n" >/dev/null 2>&1 || true; done
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
secure=(--network=host --read-only --user 10001:10001 --cap-drop=ALL --security-opt=no-new-privileges)
run() { "${engine[@]}" run --rm "${secure[@]}" "$image" "$@"; }
started=""
start() {  # start NAME ARGS...: a service container in the background, kept for its exit code;
  # its name in $started (not echoed: the cleanup's list must grow in this shell, not a subshell)
  started="paynotify-ci-$1-$$"; shift
  names+=("$started")
  "${engine[@]}" run -d --name "$started" "${secure[@]}" -v "$work:/work:ro" "$image" "$@" >/dev/null
}
wait_ready() {  # wait_ready WHAT URL CONTAINER
  for _ in $(seq 1 150); do curl -sf "$2" >/dev/null && return 0; sleep 0.2; done
  "${engine[@]}" logs "$3" 2>&1 | tail -20 >&2
  fail "$1 did not become ready"
}
stop_cleanly() {  # stop_cleanly CONTAINER: SIGTERM (the image's STOPSIGNAL), then its exit code
  "${engine[@]}" stop --time 30 "$1" >/dev/null
  local code
  code="$("${engine[@]}" inspect --format '{{.State.ExitCode}}' "$1")"
  [ "$code" = 0 ] || { "${engine[@]}" logs "$1" 2>&1 | tail -20 >&2; fail "$1 exited $code on SIGTERM"; }
  log "$1 exited 0 on SIGTERM"
}

run paynotify --version >/dev/null || fail "the CLI does not run in the image"
# The binaries as shipped (stripped, built by the Dockerfile's own CMake run) are hardened too.
mkdir "$work/bin"
copy="$("${engine[@]}" create "$image" true)"
names+=("$copy")
for b in paynotify paynotify-ingest paynotify-worker; do "${engine[@]}" cp "$copy:/usr/local/bin/$b" "$work/bin/$b" >/dev/null; done
"$root/deploy/local/check-hardening.sh" "$work/bin/"* | sed 's/^/image: /' || fail "the image's binaries are not hardened"
topic="image.ci.$(date +%s).$$"
run paynotify topics ensure --kafka-brokers "$PAYNOTIFY_KAFKA_BROKERS" --topic "$topic" --partitions 2 \
  --replication-factor 1 >/dev/null || fail "topics ensure from the image"
log "topics ensure ran in a read-only container as uid 10001"

"$bin/cli/paynotify" keygen --out "$work" --prefix antom >/dev/null
"$bin/cli/paynotify" keygen --out "$work" --prefix impostor >/dev/null
chmod 644 "$work/antom-public.pem"
orders="$(free_port)"
"$bin/tests/paynotify-reference-order-service" --listen "127.0.0.1:$orders" >"$work/orders.log" 2>&1 &
pids+=($!)
port="$(free_port)" admin="$(free_port)" worker_admin="$(free_port)"
start ingest paynotify-ingest --listen "127.0.0.1:$port" --admin-listen "127.0.0.1:$admin" \
  --kafka-brokers "$PAYNOTIFY_KAFKA_BROKERS" --topic "$topic" --antom-public-key /work/antom-public.pem \
  --client-id CI_IMAGE
ingest="$started"
start worker paynotify-worker --kafka-brokers "$PAYNOTIFY_KAFKA_BROKERS" --topic "$topic" \
  --group "image-ci-$$" --redis "$PAYNOTIFY_REDIS" --order-service-url "http://127.0.0.1:$orders" \
  --admin-listen "127.0.0.1:$worker_admin" --antom-public-key /work/antom-public.pem --client-id CI_IMAGE
worker="$started"
wait_ready ingest "127.0.0.1:$admin/readyz" "$ingest"
wait_ready worker "127.0.0.1:$worker_admin/readyz" "$worker"

payment="20261126IMG$$"
printf '{"notifyType":"PAYMENT_RESULT","result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"},"paymentRequestId":"order-%s","paymentId":"%s","paymentAmount":{"value":"1000","currency":"SGD"},"paymentCreateTime":"2026-11-26T10:00:00+08:00","paymentTime":"2026-11-26T10:00:01+08:00"}' \
  "$payment" "$payment" >"$work/auth.json"
url="http://127.0.0.1:$port/notifications/antom"
"$bin/cli/paynotify" send --url "$url" --client-id CI_IMAGE --private-key "$work/antom-private.pem" --quiet \
  "$work/auth.json" || fail "the ingest did not acknowledge a signed notification"
log "signed notification: acknowledged (SUCCESS)"
forged="$(curl -s -o /dev/null -w '%{http_code}' -X POST "$url" -H 'Content-Type: application/json; charset=UTF-8' \
  -H 'client-id: CI_IMAGE' -H "request-time: $(date -u +%Y-%m-%dT%H:%M:%S.000+00:00)" \
  -H 'signature: algorithm=RSA256,keyVersion=1,signature=Zm9yZ2Vk' --data-binary @"$work/auth.json")"
[ "$forged" = 401 ] || fail "a forged notification was answered $forged, not 401"
if "$bin/cli/paynotify" send --url "$url" --client-id CI_IMAGE --private-key "$work/impostor-private.pem" --quiet \
  "$work/auth.json" 2>/dev/null; then
  fail "a notification signed with another key was acknowledged"
fi
log "forged notifications: 401, nothing acknowledged"

applied=0
for _ in $(seq 1 150); do
  applied="$(curl -s "127.0.0.1:$orders/applied?summary=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["applied"])')"
  [ "$applied" -ge 1 ] && break
  sleep 0.2
done
[ "$applied" = 1 ] || fail "the order service saw $applied applies, not 1 (worker log: $("${engine[@]}" logs "$worker" 2>&1 | tail -5))"
log "the worker in the image applied the notification to the order service once"

stop_cleanly "$ingest"
stop_cleanly "$worker"
"${engine[@]}" image prune -f --filter until=168h >/dev/null 2>&1 || true
log "passed"
