#!/usr/bin/env bash
# A production-style Temporal stack without Docker, mirroring docker-compose.yaml: PostgreSQL (Debian's), the
# Temporal server on it (schema set up by Temporal's own temporal-sql-tool), migflow's search attributes, and the
# Web UI — all on 127.0.0.1, all data in one folder.
#
#   scripts/prod-stack.sh up        start (initialising the database and schema on first use); idempotent
#   scripts/prod-stack.sh status    what runs, where (exit 0 when all of it runs, 3 otherwise)
#   scripts/prod-stack.sh down      stop everything, keep the data   (down --volumes: and delete the data)
#
# Settings (environment; defaults as in docker-compose.yaml):
#   MIGFLOW_PROD_STACK_DIR   data, config and logs            (default: <project>/artifacts/prod-stack)
#   PROD_STACK_PG_PORT       PostgreSQL                       (5432)
#   PROD_STACK_TEMPORAL_PORT Temporal frontend gRPC           (7233); the other services use the next ports:
#                            HTTP +10, history +1, matching +2, worker +6, membership -300/-299/-298/-294
#                            (each overridable: PROD_STACK_{HTTP,HISTORY,MATCHING,WORKER}_PORT,
#                            PROD_STACK_{FRONTEND,HISTORY,MATCHING,WORKER}_MEMBERSHIP_PORT; membership ports
#                            must be below 32768: Temporal's SQL schema stores them as smallint)
#   PROD_STACK_UI_PORT       Web UI                           (8233; PROD_STACK_UI=0: no UI)
#   TEMPORAL_BIND            address the frontend listens on  (127.0.0.1; 0.0.0.0 — every address of this host —
#                            for GPU hosts elsewhere, as the multi-host drill runs it; Temporal's own services and
#                            this script reach the frontend on 127.0.0.1, so one LAN address alone is refused)
#   TEMPORAL_DB_PASSWORD     PostgreSQL password of user temporal (default: temporal, as in the compose file)
# Binaries: built once with Go into ~/.cache/migflow by scripts/ensure-prod-tools.ts (temporal-server,
# temporal-sql-tool, temporal-ui-server; the temporal CLI for namespace and search-attribute registration).
set -euo pipefail
shopt -u patsub_replacement 2>/dev/null || true
cd "$(dirname "$0")/.."
PROJECT=$(pwd)

STACK_DIR=${MIGFLOW_PROD_STACK_DIR:-$PROJECT/artifacts/prod-stack}
PG_PORT=${PROD_STACK_PG_PORT:-5432}
TEMPORAL_PORT=${PROD_STACK_TEMPORAL_PORT:-7233}
TEMPORAL_HTTP_PORT=${PROD_STACK_HTTP_PORT:-$((TEMPORAL_PORT + 10))}
HISTORY_PORT=${PROD_STACK_HISTORY_PORT:-$((TEMPORAL_PORT + 1))}
MATCHING_PORT=${PROD_STACK_MATCHING_PORT:-$((TEMPORAL_PORT + 2))}
WORKER_PORT=${PROD_STACK_WORKER_PORT:-$((TEMPORAL_PORT + 6))}
FRONTEND_MEMBERSHIP_PORT=${PROD_STACK_FRONTEND_MEMBERSHIP_PORT:-$((TEMPORAL_PORT - 300))}
HISTORY_MEMBERSHIP_PORT=${PROD_STACK_HISTORY_MEMBERSHIP_PORT:-$((TEMPORAL_PORT - 299))}
MATCHING_MEMBERSHIP_PORT=${PROD_STACK_MATCHING_MEMBERSHIP_PORT:-$((TEMPORAL_PORT - 298))}
WORKER_MEMBERSHIP_PORT=${PROD_STACK_WORKER_MEMBERSHIP_PORT:-$((TEMPORAL_PORT - 294))}
UI_PORT=${PROD_STACK_UI_PORT:-8233}
WITH_UI=${PROD_STACK_UI:-1}
TEMPORAL_BIND=${TEMPORAL_BIND:-127.0.0.1}
PG_USER=temporal
PG_PASSWORD=${TEMPORAL_DB_PASSWORD:-temporal}
NAMESPACE=default
RETENTION=720h   # 30 days, as migflow's dev server
# migflow's search attributes (contracts/temporal/names.ts SEARCH_ATTRIBUTES; the dev server registers the same).
SEARCH_ATTRIBUTES=(MigflowStage MigflowRunId MigflowTrial MigflowGpu)

PG_DIR=$STACK_DIR/postgres
RUN_DIR=$STACK_DIR/run
LOG_DIR=$STACK_DIR/logs
SERVER_DIR=$STACK_DIR/temporal
UI_DIR=$STACK_DIR/ui
ADDRESS=127.0.0.1:$TEMPORAL_PORT

say() { echo "prod-stack: $*" >&2; }
die() { say "$*"; exit 1; }

for port in "$FRONTEND_MEMBERSHIP_PORT" "$HISTORY_MEMBERSHIP_PORT" "$MATCHING_MEMBERSHIP_PORT" "$WORKER_MEMBERSHIP_PORT"; do
  [ "$port" -gt 0 ] && [ "$port" -lt 32768 ] ||
    die "membership port $port is not in 1–32767 (Temporal's SQL schema stores it as smallint) — fix: set PROD_STACK_*_MEMBERSHIP_PORT lower"
done
[ "$TEMPORAL_BIND" = 127.0.0.1 ] || [ "$TEMPORAL_BIND" = 0.0.0.0 ] ||
  die "TEMPORAL_BIND=$TEMPORAL_BIND: the frontend must also listen on 127.0.0.1 (Temporal's services and this script use it) — fix: TEMPORAL_BIND=0.0.0.0 and firewall port $TEMPORAL_PORT to your hosts"
[[ $PG_PASSWORD =~ ^[A-Za-z0-9._~+=-]+$ ]] ||
  die "TEMPORAL_DB_PASSWORD has characters this script does not quote — fix: use letters, digits and . _ ~ + = -"

# PostgreSQL refuses to run as root: as root it runs as the postgres user (Debian's package creates it).
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_bin() {
  local d
  if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
    pg_config --bindir
    return
  fi
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$d/initdb" ] && { echo "$d"; return; }
  done
  die "PostgreSQL is not installed — fix: ./scripts/setup.sh (as root it installs Debian's postgresql), or apt-get install postgresql"
}

tools() {
  # name=path lines: temporal-server, temporal-sql-tool, temporal-ui-server, temporal
  npx --no-install tsx scripts/ensure-prod-tools.ts
}

# Renders template $1 into $2, replacing every @@NAME@@ with the shell variable NAME.
render() {
  local text name
  text=$(<"$1")
  for name in PG_PORT PG_USER PG_PASSWORD TEMPORAL_PORT TEMPORAL_HTTP_PORT TEMPORAL_BIND HISTORY_PORT MATCHING_PORT \
    WORKER_PORT FRONTEND_MEMBERSHIP_PORT HISTORY_MEMBERSHIP_PORT MATCHING_MEMBERSHIP_PORT WORKER_MEMBERSHIP_PORT \
    UI_PORT DYNAMIC_CONFIG; do
    [[ $text == *"@@${name}@@"* ]] || continue
    text=${text//"@@${name}@@"/"${!name}"}
  done
  [[ $text != *@@* ]] || die "$1: a placeholder was left unrendered"
  (umask 077; printf '%s\n' "$text" >"$2")
}

pid_alive() { # pidfile, expected binary name
  local pid
  [ -f "$1" ] || return 1
  pid=$(<"$1")
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && grep -q "$2" "/proc/$pid/cmdline" 2>/dev/null
}

pg_up() {
  local bin=$1
  mkdir -p "$STACK_DIR" "$RUN_DIR" "$LOG_DIR"
  if [ "$(id -u)" = 0 ]; then
    chmod o+x "$STACK_DIR"
    chown postgres "$RUN_DIR"
    touch "$LOG_DIR/postgres.log" && chown postgres "$LOG_DIR/postgres.log"
  fi
  if [ ! -f "$PG_DIR/PG_VERSION" ]; then
    say "initialising PostgreSQL in $PG_DIR ($("$bin/postgres" --version))"
    rm -rf "$PG_DIR" && mkdir -p "$PG_DIR"
    [ "$(id -u)" = 0 ] && chown postgres "$PG_DIR"
    local pwfile=$RUN_DIR/pwfile
    (umask 077; printf '%s\n' "$PG_PASSWORD" >"$pwfile")
    [ "$(id -u)" = 0 ] && chown postgres "$pwfile"
    as_pg "$bin/initdb" -D "$PG_DIR" -U "$PG_USER" --pwfile="$pwfile" --auth=scram-sha-256 -E UTF8 \
      --locale=C.UTF-8 >"$LOG_DIR/initdb.log" 2>&1 || { cat "$LOG_DIR/initdb.log" >&2; rm -f "$pwfile"; die "initdb failed"; }
    rm -f "$pwfile"
  fi
  if as_pg "$bin/pg_ctl" -D "$PG_DIR" status >/dev/null 2>&1; then
    say "PostgreSQL already runs (127.0.0.1:$PG_PORT)"
    return
  fi
  say "starting PostgreSQL on 127.0.0.1:$PG_PORT"
  as_pg "$bin/pg_ctl" -D "$PG_DIR" -l "$LOG_DIR/postgres.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $RUN_DIR" start >/dev/null ||
    { tail -20 "$LOG_DIR/postgres.log" >&2; die "PostgreSQL did not start (port $PG_PORT in use?)"; }
}

schema_up() {
  local sqltool=$1 db schema
  for db in temporal temporal_visibility; do
    schema=postgresql/v12/temporal
    [ "$db" = temporal_visibility ] && schema=postgresql/v12/visibility
    local sql=(env SQL_PASSWORD="$PG_PASSWORD" "$sqltool" --plugin postgres12 --ep 127.0.0.1 -p "$PG_PORT"
      -u "$PG_USER" --db "$db")
    if [ ! -f "$STACK_DIR/.schema-$db" ]; then
      say "creating database $db and its schema (temporal-sql-tool)"
      "${sql[@]}" create-database >>"$LOG_DIR/schema.log" 2>&1 || true
      "${sql[@]}" setup-schema -v 0.0 >>"$LOG_DIR/schema.log" 2>&1 ||
        { tail -20 "$LOG_DIR/schema.log" >&2; die "temporal-sql-tool setup-schema failed for $db"; }
      touch "$STACK_DIR/.schema-$db"
    fi
    # Idempotent: applies only the versions this database lacks (e.g. after a server upgrade).
    "${sql[@]}" update-schema --schema-name "$schema" >>"$LOG_DIR/schema.log" 2>&1 ||
      { tail -20 "$LOG_DIR/schema.log" >&2; die "temporal-sql-tool update-schema failed for $db"; }
  done
}

server_up() {
  local server=$1 cli=$2
  if pid_alive "$RUN_DIR/temporal-server.pid" temporal-server; then
    say "Temporal server already runs ($ADDRESS)"
  else
    mkdir -p "$SERVER_DIR/config"
    cp scripts/prod-stack/dynamicconfig.yaml "$SERVER_DIR/config/dynamicconfig.yaml"
    DYNAMIC_CONFIG=$SERVER_DIR/config/dynamicconfig.yaml render scripts/prod-stack/temporal-server.yaml.tmpl \
      "$SERVER_DIR/config/migflow.yaml"
    say "starting Temporal server $("$server" --version 2>/dev/null | head -1 | awk '{print $NF}') on $ADDRESS"
    setsid "$server" --root "$SERVER_DIR" --config config --env migflow --allow-no-auth start \
      </dev/null >>"$LOG_DIR/temporal-server.log" 2>&1 &
    echo $! >"$RUN_DIR/temporal-server.pid"
  fi
  local deadline=$((SECONDS + 120))
  until "$cli" operator cluster health --address "$ADDRESS" 2>/dev/null | grep -q SERVING; do
    pid_alive "$RUN_DIR/temporal-server.pid" temporal-server ||
      { tail -30 "$LOG_DIR/temporal-server.log" >&2; die "the Temporal server exited; log: $LOG_DIR/temporal-server.log"; }
    [ $SECONDS -lt $deadline ] || die "the Temporal server did not become healthy at $ADDRESS in 120 s; log: $LOG_DIR/temporal-server.log"
    sleep 1
  done
}

namespace_up() {
  local cli=$1 name missing=() query=()
  if ! "$cli" operator namespace describe --address "$ADDRESS" -n "$NAMESPACE" >/dev/null 2>&1; then
    say "registering namespace $NAMESPACE (retention $RETENTION)"
    "$cli" operator namespace create --address "$ADDRESS" -n "$NAMESPACE" --retention "$RETENTION" >/dev/null
  fi
  # A namespace just created reaches every service's namespace cache within seconds.
  local existing deadline=$((SECONDS + 60))
  until existing=$("$cli" operator search-attribute list --address "$ADDRESS" -n "$NAMESPACE" -o json 2>/dev/null); do
    [ $SECONDS -lt $deadline ] || die "namespace $NAMESPACE is not usable after 60 s; log: $LOG_DIR/temporal-server.log"
    sleep 1
  done
  for name in "${SEARCH_ATTRIBUTES[@]}"; do
    grep -q "\"$name\"" <<<"$existing" || missing+=("$name")
    query+=("$name = 'probe'")
  done
  for name in "${missing[@]}"; do
    say "registering search attribute $name (Keyword)"
    "$cli" operator search-attribute create --address "$ADDRESS" -n "$NAMESPACE" --name "$name" --type Keyword >/dev/null
  done
  # The frontend validates queries and new workflows against a cached list: wait until it knows all four.
  local q
  deadline=$((SECONDS + 90))
  q=$(IFS=,; echo "${query[*]}" | sed 's/,/ AND /g')
  until "$cli" workflow count --address "$ADDRESS" -n "$NAMESPACE" --query "$q" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || die "search attributes ${SEARCH_ATTRIBUTES[*]} are not usable after 90 s"
    sleep 2
  done
}

ui_up() {
  local ui=$1
  [ "$WITH_UI" = 1 ] || return 0
  if pid_alive "$RUN_DIR/temporal-ui.pid" temporal-ui-server; then
    say "Web UI already runs (http://127.0.0.1:$UI_PORT)"
    return
  fi
  mkdir -p "$UI_DIR/config"
  render scripts/prod-stack/ui-server.yaml.tmpl "$UI_DIR/config/migflow.yaml"
  say "starting the Web UI on http://127.0.0.1:$UI_PORT"
  setsid "$ui" --root "$UI_DIR" --config config --env migflow start </dev/null >>"$LOG_DIR/temporal-ui.log" 2>&1 &
  echo $! >"$RUN_DIR/temporal-ui.pid"
  local deadline=$((SECONDS + 30))
  until curl -fsS -o /dev/null "http://127.0.0.1:$UI_PORT/" 2>/dev/null; do
    pid_alive "$RUN_DIR/temporal-ui.pid" temporal-ui-server ||
      { tail -20 "$LOG_DIR/temporal-ui.log" >&2; die "the Web UI exited; log: $LOG_DIR/temporal-ui.log"; }
    [ $SECONDS -lt $deadline ] || die "the Web UI did not answer on port $UI_PORT in 30 s"
    sleep 1
  done
}

stop_pid() { # pidfile, binary name, seconds to wait before SIGKILL
  local pid i
  pid_alive "$1" "$2" || { rm -f "$1"; return 0; }
  pid=$(<"$1")
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < $3 * 10; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  rm -f "$1"
}

cmd_up() {
  local bin sqltool server ui cli line
  bin=$(pg_bin)
  while IFS='=' read -r name path; do
    case $name in
      temporal-server) server=$path ;; temporal-sql-tool) sqltool=$path ;;
      temporal-ui-server) ui=$path ;; temporal) cli=$path ;;
    esac
  done < <(tools)
  pg_up "$bin"
  schema_up "$sqltool"
  server_up "$server" "$cli"
  namespace_up "$cli"
  ui_up "$ui"
  say "up: Temporal at $ADDRESS (namespace $NAMESPACE)$([ "$WITH_UI" = 1 ] && echo ", Web UI http://127.0.0.1:$UI_PORT"), PostgreSQL 127.0.0.1:$PG_PORT, data in $STACK_DIR"
  echo "TEMPORAL_ADDRESS=$ADDRESS"
}

cmd_down() {
  stop_pid "$RUN_DIR/temporal-ui.pid" temporal-ui-server 5
  stop_pid "$RUN_DIR/temporal-server.pid" temporal-server 30
  if [ -f "$PG_DIR/PG_VERSION" ]; then
    local bin
    bin=$(pg_bin)
    as_pg "$bin/pg_ctl" -D "$PG_DIR" status >/dev/null 2>&1 && as_pg "$bin/pg_ctl" -D "$PG_DIR" -m fast -w stop >/dev/null
  fi
  if [ "${1:-}" = --volumes ] || [ "${1:-}" = -v ]; then
    say "deleting $STACK_DIR"
    rm -rf "$STACK_DIR"
  fi
  say "down"
}

cmd_status() {
  local ok=0 bin
  if [ -f "$PG_DIR/PG_VERSION" ] && bin=$(pg_bin) && as_pg "$bin/pg_ctl" -D "$PG_DIR" status >/dev/null 2>&1; then
    echo "postgresql       running  127.0.0.1:$PG_PORT  ($PG_DIR)"
  else
    echo "postgresql       stopped"; ok=3
  fi
  if pid_alive "$RUN_DIR/temporal-server.pid" temporal-server; then
    echo "temporal-server  running  $ADDRESS  (pid $(<"$RUN_DIR/temporal-server.pid"), log $LOG_DIR/temporal-server.log)"
  else
    echo "temporal-server  stopped"; ok=3
  fi
  if [ "$WITH_UI" = 1 ]; then
    if pid_alive "$RUN_DIR/temporal-ui.pid" temporal-ui-server; then
      echo "temporal-ui      running  http://127.0.0.1:$UI_PORT"
    else
      echo "temporal-ui      stopped"; ok=3
    fi
  fi
  return $ok
}

case ${1:-} in
  up) cmd_up ;;
  down) cmd_down "${2:-}" ;;
  status) cmd_status ;;
  *) echo "usage: $0 up | down [--volumes] | status" >&2; exit 2 ;;
esac
