#!/usr/bin/env bash
# The local stack: one Apache Kafka broker in KRaft mode (combined broker and controller) and
# one Redis server, both on loopback with free ports, each in its own state folder.
#
#   stack.sh up [kafka|redis]      start (both by default), wait until ready, print the env lines
#   stack.sh down [kafka|redis]    stop exactly the processes this script started
#   stack.sh kill kafka|redis      SIGKILL it (a crash: no clean shutdown, no final flush)
#   stack.sh lose redis            stop Redis and delete its data: what a restart without
#                                  persistence or a failover to a lagging replica does
#   stack.sh status                say what runs, print the env lines
#   stack.sh env                   print only the env lines (for `eval "$(stack.sh env)"`)
#   stack.sh env --secure          the env lines for the secure listeners instead: the
#                                  broker's SASL_SSL port and PAYNOTIFY_KAFKA_PROP_* lines (user
#                                  `paynotify`, SASL PLAIN), Redis's TLS port as a rediss:// URL
#                                  with its ACL user `paynotify`, and the CA that signed both
#                                  servers' certificate
#
# The broker serves PLAINTEXT and, on a second port, SASL_SSL as managed Kafka does: TLS from a
# CA made here with openssl; SASL PLAIN (Confluent Cloud's API keys) and SCRAM-SHA-512 (MSK,
# Strimzi), one user for both, its SCRAM credential made when the storage is formatted. The env
# lines name SCRAM-SHA-512 (PAYNOTIFY_KAFKA_PROP_SASL_MECHANISM=PLAIN switches). Redis serves
# plain TCP and, on a second port, TLS as managed Redis
# does (client certificates optional), with an ACL user limited to paynotify's keys and no
# dangerous commands beyond INFO. PAYNOTIFY_SECURE_ENV names the file of the lines, for tests.
#
# A service that is stopped and started again keeps its port and data, so tests can take the
# broker away and bring it back. Redis runs as production should (README "Redis persistence"):
# append-only file, fsync every second. PAYNOTIFY_STACK_DIR picks the state folder (default .stack/).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
source "$here/common.sh"
state="${PAYNOTIFY_STACK_DIR:-$root/.stack}"
libs="$paynotify_cache/kafka-libs"
kafka_heap="${PAYNOTIFY_KAFKA_HEAP:-512m}"
# Owner-only, whatever the caller's umask: secure.env, server.properties (its JAAS line) and the
# ACL file repeat passwords, and the servers inherit the umask for their data and logs. A state
# folder an older stack.sh made readable to others is closed too (files are rewritten in place).
umask 077
mkdir -p "$state"
chmod -R go-rwx "$state"

log() { echo "stack: $*" >&2; }

# Ports are chosen once per state folder and remembered.
port_of() {
  local name="$1" file="$state/$1.port"
  [ -s "$file" ] || free_port >"$file"
  cat "$file"
}

running() {
  local pid
  pid="$(cat "$state/$1.pid" 2>/dev/null)" || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

wait_port() {
  local port="$1" what="$2" deadline=$((SECONDS + $3))
  until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    if ((SECONDS > deadline)); then log "$what did not open port $port in time"; return 1; fi
    sleep 0.2
  done
}

# A CA and one server certificate for 127.0.0.1, shared by the broker and Redis, and the
# passwords of their `paynotify` users; once per state folder. The broker reads a PEM keystore
# (key and chain in one file).
tls="$state/tls"
local_tls() {
  [ -s "$tls/redis-password" ] && return 0
  mkdir -p "$tls"
  (
    cd "$tls"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 3650 -subj /CN=paynotify-local-ca
    openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=127.0.0.1
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >san.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 3650 -extfile san.ext
    openssl pkcs8 -topk8 -nocrypt -in server.key -out server.pk8
    cat server.pk8 server.pem >broker-keystore.pem
    python3 -c 'import secrets; print("pn-" + secrets.token_urlsafe(18))' >scram-password
    python3 -c 'import secrets; print("pr-" + secrets.token_urlsafe(18))' >redis-password
  ) >"$tls/openssl.log" 2>&1 || { log "making the TLS material failed:"; cat "$tls/openssl.log" >&2; exit 1; }
}

kafka_up() {
  if running kafka; then return 0; fi
  [ -d "$libs" ] || { log "no broker jars in $libs: run deploy/local/setup.sh first"; exit 1; }
  local port cport sport dir="$state/kafka"
  port="$(port_of kafka)"
  cport="$(port_of kafka-controller)"
  sport="$(port_of kafka-secure)"
  mkdir -p "$dir"
  local_tls
  cat >"$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,SASL_SSL://127.0.0.1:$sport,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port,SASL_SSL://127.0.0.1:$sport
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT
sasl.enabled.mechanisms=SCRAM-SHA-512,PLAIN
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_paynotify="$(cat "$tls/scram-password")";
listener.name.sasl_ssl.ssl.keystore.type=PEM
listener.name.sasl_ssl.ssl.keystore.location=$tls/broker-keystore.pem
log.dirs=$dir/data
num.partitions=6
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
log.flush.interval.messages=9223372036854775807
PROPS
  cat >"$dir/log4j2.properties" <<PROPS
rootLogger.level=INFO
rootLogger.appenderRef.file.ref=file
appender.file.type=File
appender.file.name=file
appender.file.fileName=$dir/server.log
appender.file.layout.type=PatternLayout
appender.file.layout.pattern=[%d] %p %m (%c)%n
logger.kafka.name=kafka
logger.kafka.level=INFO
logger.apache.name=org.apache
logger.apache.level=WARN
PROPS
  local java_cmd=(java "-Xms128m" "-Xmx$kafka_heap" -XX:+UseG1GC -XX:MaxGCPauseMillis=20
    -Djava.awt.headless=true "-Dlog4j2.configurationFile=$dir/log4j2.properties"
    -cp "$libs/*")
  if [ ! -f "$dir/data/meta.properties" ]; then
    local cluster_id
    cluster_id="$(python3 -c 'import base64,uuid; print(base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("="))')"
    "${java_cmd[@]}" kafka.tools.StorageTool format "--cluster-id=$cluster_id" \
      -c "$dir/server.properties" \
      --add-scram "SCRAM-SHA-512=[name=paynotify,password=\"$(cat "$tls/scram-password")\"]" >"$dir/format.log" 2>&1 \
      || { log "formatting Kafka storage failed:"; cat "$dir/format.log" >&2; exit 1; }
  fi
  : >"$dir/server.log"
  nohup "${java_cmd[@]}" kafka.Kafka "$dir/server.properties" >"$dir/stdout.log" 2>&1 &
  echo $! >"$state/kafka.pid"
  local deadline=$((SECONDS + 90))
  until grep -q "Kafka Server started" "$dir/server.log" 2>/dev/null; do
    if ! running kafka; then log "Kafka exited while starting:"; tail -20 "$dir/stdout.log" "$dir/server.log" >&2; exit 1; fi
    if ((SECONDS > deadline)); then log "Kafka did not start within 90 s (see $dir/server.log)"; exit 1; fi
    sleep 0.3
  done
  wait_port "$port" Kafka 10
  log "kafka up on 127.0.0.1:$port (pid $(cat "$state/kafka.pid"))"
}

redis_up() {
  if running redis; then return 0; fi
  local port tport dir="$state/redis"
  port="$(port_of redis)"
  tport="$(port_of redis-tls)"
  mkdir -p "$dir"
  local_tls
  # The default user for tests and the demo; `paynotify` as a managed Redis's ACL would have it.
  printf 'user default on nopass ~* &* +@all\nuser paynotify on >%s ~paynotify:* resetchannels +@all -@dangerous +info\n' \
    "$(cat "$tls/redis-password")" >"$dir/users.acl"
  nohup redis-server --bind 127.0.0.1 --port "$port" --dir "$dir" --save '' --appendonly yes --appendfsync everysec \
    --protected-mode yes --logfile "$dir/redis.log" --aclfile "$dir/users.acl" \
    --tls-port "$tport" --tls-cert-file "$tls/server.pem" --tls-key-file "$tls/server.key" \
    --tls-ca-cert-file "$tls/ca.pem" --tls-auth-clients optional >/dev/null 2>&1 &
  echo $! >"$state/redis.pid"
  wait_port "$port" Redis 15
  local deadline=$((SECONDS + 15))
  until [ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = PONG ]; do
    if ((SECONDS > deadline)); then log "Redis did not answer PING"; exit 1; fi
    sleep 0.1
  done
  log "redis up on 127.0.0.1:$port (pid $(cat "$state/redis.pid"))"
}

stop() {
  local name="$1" signal="${2:-TERM}" pid
  if ! running "$name"; then rm -f "$state/$name.pid"; return 0; fi
  pid="$(cat "$state/$name.pid")"
  kill "-$signal" "$pid" 2>/dev/null || true
  for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then log "$name ignored SIGTERM for 15 s; killing"; kill -KILL "$pid" 2>/dev/null || true; fi
  rm -f "$state/$name.pid"
  log "$name down"
}

print_env() {
  echo "PAYNOTIFY_KAFKA_BROKERS=127.0.0.1:$(port_of kafka)"
  echo "PAYNOTIFY_REDIS=127.0.0.1:$(port_of redis)"
  echo "PAYNOTIFY_SECURE_ENV=$state/secure.env"
}

# The secure listeners' env lines, also kept in a file for tests.
print_secure_env() {
  [ -s "$tls/redis-password" ] || { log "no secure listeners yet: run stack.sh up"; exit 1; }
  {
    echo "PAYNOTIFY_KAFKA_BROKERS=127.0.0.1:$(port_of kafka-secure)"
    echo "PAYNOTIFY_KAFKA_PROP_SECURITY_PROTOCOL=SASL_SSL"
    echo "PAYNOTIFY_KAFKA_PROP_SASL_MECHANISM=SCRAM-SHA-512"
    echo "PAYNOTIFY_KAFKA_PROP_SASL_USERNAME=paynotify"
    echo "PAYNOTIFY_KAFKA_PROP_SASL_PASSWORD=$(cat "$tls/scram-password")"
    echo "PAYNOTIFY_KAFKA_PROP_SSL_CA_LOCATION=$tls/ca.pem"
    echo "PAYNOTIFY_REDIS=rediss://paynotify@127.0.0.1:$(port_of redis-tls)"
    echo "PAYNOTIFY_REDIS_PASSWORD=$(cat "$tls/redis-password")"
    echo "PAYNOTIFY_REDIS_CA_FILE=$tls/ca.pem"
  } | tee "$state/secure.env"
}

cmd="${1:-}"; what="${2:-all}"
case "$cmd:$what" in
  up:all)    kafka_up; redis_up; print_secure_env >/dev/null; print_env ;;
  up:kafka)  kafka_up; print_secure_env >/dev/null; print_env ;;
  up:redis)  redis_up; print_secure_env >/dev/null; print_env ;;
  down:all)  stop kafka; stop redis ;;
  down:kafka) stop kafka ;;
  down:redis) stop redis ;;
  down:purge) stop kafka; stop redis; rm -rf "$state" ;;
  kill:kafka) stop kafka KILL ;;
  kill:redis) stop redis KILL ;;
  lose:redis) stop redis KILL; rm -rf "$state/redis"; log "redis data deleted" ;;
  status:*)
    for s in kafka redis; do
      if running "$s"; then log "$s running (pid $(cat "$state/$s.pid"))"; else log "$s stopped"; fi
    done
    print_env ;;
  env:--secure) print_secure_env ;;
  env:*) print_env ;;
  *) echo "usage: stack.sh up|down [kafka|redis] | down purge | kill kafka|redis | lose redis | status | env [--secure]" >&2; exit 2 ;;
esac
