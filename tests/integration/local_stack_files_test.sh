#!/usr/bin/env bash
# The local stack's state folder after `stack.sh up` (tests/run.sh starts it): the passwords,
# keys and the files that repeat them (secure.env, server.properties with its JAAS lines, the
# Redis ACL file) are owner-only, and so is everything else there.
# Usage: local_stack_files_test.sh   (needs PAYNOTIFY_SECURE_ENV)
set -euo pipefail
: "${PAYNOTIFY_SECURE_ENV:?run through tests/run.sh, or eval \"\$(deploy/local/stack.sh up)\" first}"
state="$(dirname "$PAYNOTIFY_SECURE_ENV")"
passed=0 failed=0
check() {  # check NAME COMMAND...
  local name="$1"; shift
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAILED: $name" >&2; fi
}

for file in secure.env kafka/server.properties redis/users.acl tls/scram-password tls/redis-password \
            tls/ca.key tls/server.key tls/broker-keystore.pem; do
  check "$file is 0600" test "$(stat -c %a "$state/$file")" = 600
done
open="$(find "$state" -perm /077 -printf '%m %p\n')"
check "nothing in the state folder is open to others" test -z "$open"
[ -z "$open" ] || echo "$open" >&2

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
