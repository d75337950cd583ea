#!/usr/bin/env bash
# The chaos soak: signed notifications through ingest -> Kafka -> two workers -> the reference
# order service while the broker, the ingest and the workers are SIGKILLed and restarted, Redis
# is restarted with and without its data, and the order service fails and slows down; then the
# oracle (tests/chaos/soak.cpp says what it checks). Everything on loopback, against a private
# stack; it stops by itself. Exit 0 when every check passed.
#   tests/chaos/soak.sh [--notifications N] [--minutes M] [--seed S] [--rss-limit-mb MB]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
"$root/deploy/local/setup.sh" --no-deploy-tools >/dev/null
"$root/deploy/local/build.sh" release >/dev/null
export PAYNOTIFY_STACK_DIR="$(mktemp -d /tmp/paynotify-soak-stack.XXXXXX)"
logs="$(mktemp -d /tmp/paynotify-soak.XXXXXX)"
cleanup() {
  "$root/deploy/local/stack.sh" down >/dev/null 2>&1 || true
  rm -rf "$PAYNOTIFY_STACK_DIR"
}
trap cleanup EXIT
eval "$("$root/deploy/local/stack.sh" up 2>/dev/null)"
export PAYNOTIFY_KAFKA_BROKERS PAYNOTIFY_REDIS
echo "soak: logs in $logs"
"$root/build/release/tests/paynotify-soak" --dir "$logs" --stack "$root/deploy/local/stack.sh" "$@"
