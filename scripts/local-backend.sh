#!/usr/bin/env bash
# The local backend for development, tests and the demo (never production):
# a throwaway PostgreSQL cluster in .local/ plus the Supabase-compatible server.
#
#   scripts/local-backend.sh up         cluster + database `punctaj` (migrated, demo data) + server
#   scripts/local-backend.sh down       stop the server and the cluster
#   scripts/local-backend.sh status
#   scripts/local-backend.sh db-up      only the cluster
#   scripts/local-backend.sh template [NAME]  (re)build database `punctaj_template` (or NAME) that tests clone
#   scripts/local-backend.sh reset      drop `punctaj` and recreate it with demo data
#
# Ports: PUNCTAJ_PG_PORT (54322), PUNCTAJ_API_PORT (54321), both on 127.0.0.1 only.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE="$ROOT/.local"
PG_PORT=${PUNCTAJ_PG_PORT:-54322}
API_PORT=${PUNCTAJ_API_PORT:-54321}
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
ENV_FILE="$ROOT/target/local-backend.env"
BACKEND_BIN="$ROOT/target/debug/punctaj-local-backend"

say() { printf '\033[1;34m[local-backend]\033[0m %s\n' "$*"; }
die() { printf '\033[1;31m[local-backend] %s\033[0m\n' "$*" >&2; exit 1; }

[ -n "$PG_BIN" ] || die "PostgreSQL server binaries not found (apt-get install -y postgresql)"

# PostgreSQL refuses to run as root: run the cluster as `postgres` then, in a directory that user
# can reach (the checkout itself may sit under a path it cannot traverse).
if [ "$(id -u)" = 0 ]; then
  PG_USER=postgres
  as_pg() { runuser -u postgres -- "$@"; }
  if runuser -u postgres -- test -x "$ROOT" 2>/dev/null; then
    PG_HOME="$STATE/pg"
  else
    PG_HOME="/var/tmp/punctaj-pg-$(printf '%s' "$ROOT" | sha256sum | cut -c1-12)"
  fi
else
  PG_USER=$(id -un)
  as_pg() { "$@"; }
  PG_HOME="$STATE/pg"
fi
PGDATA="$PG_HOME/data"
# The scheduler of the daily backups (Debian's postgresql-<major>-cron, as Supabase ships it).
PG_MAJOR=$(basename "$(dirname "$PG_BIN")")
PG_CRON_OPTIONS="-c shared_preload_libraries=pg_cron -c cron.database_name=postgres -c cron.timezone=UTC"
PG_RUN="$PG_HOME/run"
PG_LOG="$PG_HOME/postgres.log"
SUPER_URL="postgres://postgres@127.0.0.1:$PG_PORT"

psql_super() { # psql_super <database> [psql args...]
  local db=$1; shift
  PGCONNECT_TIMEOUT=5 PGOPTIONS="-c client_min_messages=warning" \
    psql -X -q -v ON_ERROR_STOP=1 "$SUPER_URL/$db" "$@"
}

db_running() { as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; }

db_up() {
  [ -f "/usr/share/postgresql/$PG_MAJOR/extension/pg_cron.control" ] ||
    die "pg_cron is not installed (apt-get install -y postgresql-$PG_MAJOR-cron)"
  mkdir -p "$STATE" "$PG_HOME"
  if [ "$(id -u)" = 0 ]; then chown postgres: "$PG_HOME"; fi
  if [ ! -s "$PGDATA/PG_VERSION" ]; then
    say "creating the PostgreSQL cluster in $PGDATA"
    as_pg "$PG_BIN/initdb" -D "$PGDATA" -U postgres --auth=trust --encoding=UTF8 \
      --locale=C.UTF-8 >/dev/null
  fi
  as_pg mkdir -p "$PG_RUN"
  # A cluster started by an older checkout runs without pg_cron: restart it with the scheduler.
  if db_running && ! cron_loaded; then
    say "restarting PostgreSQL to load pg_cron"
    as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null
  fi
  if ! db_running; then
    say "starting PostgreSQL on 127.0.0.1:$PG_PORT"
    # A throwaway cluster: durability is traded for speed.
    as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$PG_LOG" -w -t 60 start -o \
      "-p $PG_PORT -k $PG_RUN -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off $PG_CRON_OPTIONS" \
      >/dev/null || { tail -n 20 "$PG_LOG" >&2; die "PostgreSQL did not start"; }
  fi
  local ready=no
  for _ in $(seq 1 60); do
    if "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; then ready=yes; break; fi
    sleep 0.5
  done
  [ "$ready" = yes ] || die "PostgreSQL is not accepting connections on 127.0.0.1:$PG_PORT"
  # pg_cron keeps its jobs in the database `postgres` (cron.database_name) and runs each in the
  # database it names (cron.schedule_in_database), as on Supabase.
  psql_super postgres -c "create extension if not exists pg_cron" >/dev/null
}

cron_loaded() {
  [ "$(psql_super postgres -tAc "select current_setting('shared_preload_libraries') ~ 'pg_cron'" 2>/dev/null)" = t ]
}

db_down() {
  if [ -s "$PGDATA/PG_VERSION" ] && db_running; then
    say "stopping PostgreSQL"
    as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null
  fi
}

db_exists() {
  [ "$(psql_super postgres -tAc "select 1 from pg_database where datname = '$1'")" = 1 ]
}

drop_db() {
  # Its backup job goes with it (sql/local/schedule_backups.sql; a no-op when it has none).
  psql_super postgres -v db="$1" -v unschedule=1 -f "$ROOT/sql/local/schedule_backups.sql" >/dev/null
  if db_exists "$1"; then
    psql_super postgres -c "alter database \"$1\" is_template false"
    psql_super postgres -c "drop database \"$1\" with (force)"
  fi
}

# Applies the local bootstrap (what Supabase provides itself), the migrations and, optionally, the
# demo data to one database. Every file is idempotent; the migrations run twice to prove it.
# The daily backup job (pg_cron, sql/local/schedule_backups.sql) is scheduled for the app database
# `punctaj` only (or when <schedule-backups> is yes): never for a template, which pg_cron would
# connect to (a database with a connection cannot be cloned), nor for test clones, whose tests
# schedule it themselves.
migrate_db() { # migrate_db <database> <with-demo: yes|no> [<schedule-backups: yes|no>]
  local db=$1 demo=$2 schedule=${3:-} f
  if [ -z "$schedule" ]; then
    if [ "$db" = punctaj ]; then schedule=yes; else schedule=no; fi
  fi
  psql_super "$db" -f "$ROOT/sql/local/bootstrap.sql" >/dev/null
  for f in "$ROOT"/sql/migrations/*.sql; do psql_super "$db" -f "$f" >/dev/null; done
  if [ "$demo" = yes ]; then psql_super "$db" -f "$ROOT/sql/seed/demo.sql" >/dev/null; fi
  if [ "$schedule" = yes ]; then
    psql_super postgres -v db="$db" -f "$ROOT/sql/local/schedule_backups.sql" >/dev/null
  fi
}

create_db() { # create_db <database>
  say "creating database $1 (bootstrap, migrations, demo data)"
  psql_super postgres -c "create database \"$1\""
  migrate_db "$1" yes
}

jwt_secret() {
  local f="$STATE/jwt-secret"
  if [ ! -s "$f" ]; then
    mkdir -p "$STATE"
    head -c 48 /dev/urandom | base64 | tr -d '\n/+=' >"$f"
    chmod 600 "$f"
  fi
  cat "$f"
}

build_backend() {
  say "building the local backend"
  (cd "$ROOT" && cargo build --quiet -p punctaj-local-backend)
}

backend_pid() { cat "$STATE/backend.pid" 2>/dev/null || true; }
backend_running() { local p; p=$(backend_pid); [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }

backend_up() {
  if backend_running; then say "backend already running (pid $(backend_pid))"; return 0; fi
  build_backend
  local secret; secret=$(jwt_secret)
  say "starting the backend on http://127.0.0.1:$API_PORT"
  PUNCTAJ_DATABASE_URL="postgres://authenticator@127.0.0.1:$PG_PORT/punctaj" \
  PUNCTAJ_JWT_SECRET="$secret" \
  PUNCTAJ_LISTEN="127.0.0.1:$API_PORT" \
  PUNCTAJ_SITE_URL="${PUNCTAJ_SITE_URL:-http://127.0.0.1:8080/}" \
    nohup "$BACKEND_BIN" serve >"$STATE/backend.log" 2>&1 &
  echo $! >"$STATE/backend.pid"
  for _ in $(seq 1 100); do
    if curl -fsS "http://127.0.0.1:$API_PORT/health" >/dev/null 2>&1; then
      write_env "$secret"
      return 0
    fi
    backend_running || break
    sleep 0.2
  done
  tail -n 30 "$STATE/backend.log" >&2 || true
  die "the backend did not become ready (log: $STATE/backend.log)"
}

write_env() {
  local secret=$1
  mkdir -p "$ROOT/target"
  {
    echo "SUPABASE_URL=http://127.0.0.1:$API_PORT"
    PUNCTAJ_JWT_SECRET="$secret" "$BACKEND_BIN" keys
    echo "PGURL=$SUPER_URL/punctaj"
  } >"$ENV_FILE"
  say "wrote $ENV_FILE"
}

backend_down() {
  if backend_running; then
    say "stopping the backend"
    kill "$(backend_pid)" 2>/dev/null || true
    for _ in $(seq 1 50); do backend_running || break; sleep 0.1; done
    backend_running && kill -9 "$(backend_pid)" 2>/dev/null || true
  fi
  rm -f "$STATE/backend.pid"
}

case "${1:-}" in
  up)
    db_up
    db_exists punctaj || create_db punctaj
    # Re-running the idempotent migrations brings an older local database up to date.
    migrate_db punctaj no
    backend_up
    say "ready: http://127.0.0.1:$API_PORT (keys in target/local-backend.env)"
    ;;
  down)
    backend_down
    db_down
    ;;
  status)
    if db_running; then echo "postgres: running on 127.0.0.1:$PG_PORT ($PGDATA)"; else echo "postgres: stopped"; fi
    if backend_running; then echo "backend: running on 127.0.0.1:$API_PORT (pid $(backend_pid))"; else echo "backend: stopped"; fi
    ;;
  db-up) db_up ;;
  db-down) db_down ;;
  template)
    # template [NAME]: NAME (default punctaj_template) is what the tests clone; another name lets
    # one try a migration without disturbing tests running on the default (PUNCTAJ_TEST_TEMPLATE).
    name=${2:-punctaj_template}
    db_up
    drop_db "$name"
    create_db "$name"
    psql_super "$name" -f "$ROOT/sql/seed/demo.sql" >/dev/null # the seed is idempotent too
    for f in "$ROOT"/sql/migrations/*.sql; do psql_super "$name" -f "$f" >/dev/null; done
    psql_super postgres -c "alter database \"$name\" is_template true"
    ;;
  reset)
    db_up
    backend_down
    drop_db punctaj
    create_db punctaj
    backend_up
    ;;
  *)
    sed -n '2,12p' "$0"
    exit 2
    ;;
esac
