#!/usr/bin/env bash
# Prefect's own engine for Infitah on this machine: `orchestrate.sh up|down|status`.
#
# `up` starts a Prefect server backed by PostgreSQL (one role and database per checkout),
# creates the process work pool, deploys every deployment of prefect.yaml and starts the
# process workers; it prints exactly one line on stdout, PREFECT_API_URL=..., so that
# `eval "$(make -s orchestrate)"` works. Everything else goes to stderr or to logs.
# It is idempotent: what already runs is reused, deployments are always re-applied.
#
# Settings (environment): INFITAH_PREFECT_HOST (127.0.0.1), INFITAH_PREFECT_PORT (4200),
# INFITAH_PREFECT_DB (prefect_<hash of this checkout>), INFITAH_WORK_POOL (infitah),
# INFITAH_PREFECT_WORKERS (2), INFITAH_WORKER_LIMIT (flow runs per worker, 2),
# PREFECT_WORKER_QUERY_SECONDS (1), PREFECT_HOME (.prefect of the checkout); pid files
# and logs go to $PREFECT_HOME/run/.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN="$ROOT/.venv/bin"
export PREFECT_HOME="${PREFECT_HOME:-$ROOT/.prefect}"
export PREFECT_SERVER_ANALYTICS_ENABLED=false
# Runs' logs are what operators read in the UI: INFO, whatever the Makefile quiets for tests.
export PREFECT_LOGGING_LEVEL="${INFITAH_PREFECT_LOGGING_LEVEL:-INFO}"
RUN="$PREFECT_HOME/run"
HOST="${INFITAH_PREFECT_HOST:-127.0.0.1}"
PORT="${INFITAH_PREFECT_PORT:-4200}"
PGHOST="${PGHOST:-127.0.0.1}"
# One database per checkout: a fresh clone never inherits someone's runs.
TAG=$(printf '%s' "$ROOT" | sha256sum | cut -c1-8)
DB_USER="prefect_$TAG"
DB="${INFITAH_PREFECT_DB:-prefect_$TAG}"
POOL="${INFITAH_WORK_POOL:-infitah}"
WORKERS="${INFITAH_PREFECT_WORKERS:-2}"
LIMIT="${INFITAH_WORKER_LIMIT:-2}"
export PREFECT_API_URL="http://$HOST:$PORT/api"
# Workers ask the server for runs every second, not Prefect's 10: a run waited 2.5-5 s on
# average before a worker took it, longer than a nightly no-op's own work; at 2 s, the
# wait was still a quarter of Prefect's share of a batch of 50 members (two workers
# asking once a second cost the server two small queries a second).
export PREFECT_WORKER_QUERY_SECONDS="${PREFECT_WORKER_QUERY_SECONDS:-1}"
# The runs' working directory, written into the deployments by `prefect deploy` (the pull
# step of prefect.yaml): every worker's machine needs the checkout at this path.
export INFITAH_ROOT="${INFITAH_ROOT:-$ROOT}"

log() { echo "orchestrate: [${SECONDS}s] $*" >&2; }
die() { echo "orchestrate: $*" >&2; exit 1; }
psql_su() { psql -h "$PGHOST" -U postgres -v ON_ERROR_STOP=1 -qtA "$@"; }
# Alive, and still a Prefect process (a stale pid file must never name someone else's).
pid_alive() {
  [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null &&
    tr '\0' ' ' <"/proc/$(cat "$1")/cmdline" 2>/dev/null | grep -q prefect
}
healthy() { curl -fsS "$PREFECT_API_URL/health" >/dev/null 2>&1; }

ensure_database() {
  pg_isready -h "$PGHOST" -q 2>/dev/null || die "PostgreSQL is not running on $PGHOST:5432"
  psql_su -c "SELECT 1 FROM pg_roles WHERE rolname='$DB_USER'" | grep -q 1 ||
    psql_su -c "CREATE ROLE $DB_USER LOGIN PASSWORD 'prefect'" >&2
  psql_su -c "SELECT 1 FROM pg_database WHERE datname='$DB'" | grep -q 1 ||
    psql_su -c "CREATE DATABASE $DB OWNER $DB_USER ENCODING 'utf-8' TEMPLATE template0" >&2
}

ensure_server() {
  if pid_alive "$RUN/server.pid" && healthy; then return; fi
  healthy && die "port $PORT is taken by another process (set INFITAH_PREFECT_PORT)"
  log "starting the Prefect server on $PREFECT_API_URL (PostgreSQL database $DB)"
  # setsid: its own process group, so `down` stops it and only it.
  PREFECT_API_DATABASE_CONNECTION_URL="postgresql+asyncpg://$DB_USER:prefect@$PGHOST:5432/$DB" \
    setsid "$BIN/prefect" server start --host "$HOST" --port "$PORT" \
    >"$RUN/server.log" 2>&1 </dev/null &
  echo $! >"$RUN/server.pid"
  for _ in $(seq 120); do
    healthy && return
    pid_alive "$RUN/server.pid" || break
    sleep 0.5
  done
  tail -20 "$RUN/server.log" >&2 || true
  die "the Prefect server did not start (see $RUN/server.log)"
}

ensure_pool() {
  if ! "$BIN/prefect" work-pool inspect "$POOL" >/dev/null 2>&1; then
    log "creating the process work pool $POOL"
    "$BIN/prefect" work-pool create "$POOL" --type process >&2
  fi
}

deploy() {
  log "deploying prefect.yaml"
  "$BIN/prefect" --no-prompt deploy --all >"$RUN/deploy.log" 2>&1 || {
    tail -30 "$RUN/deploy.log" >&2
    die "prefect deploy failed (see $RUN/deploy.log)"
  }
}

ensure_workers() {
  local i name
  for i in $(seq "$WORKERS"); do
    name="infitah-worker-$i"
    pid_alive "$RUN/$name.pid" && continue
    log "starting $name (pool $POOL, up to $LIMIT flow runs at a time)"
    # A simple command (no subshell) so that $! is the worker itself and no process
    # keeps this script's stdout open.
    setsid "$BIN/prefect" worker start --pool "$POOL" --type process \
      --name "$name" --limit "$LIMIT" --install-policy never \
      >"$RUN/$name.log" 2>&1 </dev/null &
    echo $! >"$RUN/$name.pid"
  done
  sleep 1
  for i in $(seq "$WORKERS"); do
    pid_alive "$RUN/infitah-worker-$i.pid" ||
      die "infitah-worker-$i stopped at once (see $RUN/infitah-worker-$i.log)"
  done
}

up() {
  mkdir -p "$RUN"
  cd "$ROOT"  # prefect.yaml is found here, and workers start from here
  ensure_database
  ensure_server
  ensure_pool
  deploy
  ensure_workers
  echo "PREFECT_API_URL=$PREFECT_API_URL"
}

# Workers turn a first SIGTERM or SIGINT into a graceful stop that can wait long; a second
# SIGINT makes them kill themselves (and their flow runs): so INT, INT, then KILL.
down() {
  local file pid names=() pids=() sig i alive
  for file in "$RUN"/infitah-worker-*.pid "$RUN/server.pid"; do
    if pid_alive "$file"; then
      names+=("$(basename "$file" .pid)")
      pids+=("$(cat "$file")")
    fi
    rm -f "$file"
  done
  for sig in INT INT KILL; do
    alive=0
    for pid in "${pids[@]}"; do
      kill -0 "$pid" 2>/dev/null && { alive=1; kill "-$sig" -- "-$pid" 2>/dev/null || true; }
    done
    [ "$alive" = 1 ] || break
    for _ in $(seq 25); do
      alive=0
      for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
      [ "$alive" = 1 ] || break
      sleep 0.2
    done
  done
  for i in "${!names[@]}"; do log "stopped ${names[$i]}"; done
}

status() {
  if pid_alive "$RUN/server.pid" && healthy; then
    log "the Prefect server runs on $PREFECT_API_URL"
  else
    log "the Prefect server is not running"
  fi
  local file
  for file in "$RUN"/infitah-worker-*.pid; do
    [ -e "$file" ] || continue
    if pid_alive "$file"; then
      log "$(basename "$file" .pid) runs"
    else
      log "$(basename "$file" .pid) is not running"
    fi
  done
}

case "${1:-up}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) die "usage: orchestrate.sh up|down|status" ;;
esac
