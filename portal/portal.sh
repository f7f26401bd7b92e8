#!/usr/bin/env bash
# A real CKAN 2.12 for development and tests: `portal.sh up|down|status`.
#
# `up` prints exactly two lines on stdout, CKAN_URL=... and CKAN_API_TOKEN=... (so that
# `eval "$(make -s portal)"` works); everything else goes to stderr or to .portal/*.log.
# It is idempotent: what already runs is reused. Everything lives in .portal/ (ignored
# by git). Search is served by portal/solr_standin.py, a stand-in for development and
# tests only: a production portal uses Apache Solr.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE="$ROOT/.portal"
VENV="$STATE/venv"
RUN="$STATE/run"
INI="$STATE/ckan.ini"
PORT="${INFITAH_CKAN_PORT:-5050}"
SOLR_PORT="${INFITAH_SOLR_PORT:-8983}"
PGHOST="${PGHOST:-127.0.0.1}"
# One set of databases per checkout: a fresh clone never inherits someone's portal.
TAG=$(printf '%s' "$ROOT" | sha256sum | cut -c1-8)
DB="ckan_$TAG"
DSDB="datastore_$TAG"
DB_USER="ckan_$TAG"
DS_USER="datastore_ro_$TAG"
ADMIN="infitah_admin"
URL="http://127.0.0.1:$PORT"

log() { echo "portal: $*" >&2; }
die() { echo "portal: $*" >&2; exit 1; }
ckan() { "$VENV/bin/ckan" -c "$INI" "$@"; }
psql_su() { psql -h "$PGHOST" -U postgres -v ON_ERROR_STOP=1 -qtA "$@"; }

ensure_services() {
  if ! pg_isready -h "$PGHOST" -q 2>/dev/null; then
    log "starting PostgreSQL"
    if command -v pg_ctlcluster >/dev/null; then
      pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start >&2 || true
    fi
    for _ in $(seq 30); do pg_isready -h "$PGHOST" -q && break; sleep 1; done
    pg_isready -h "$PGHOST" -q || die "PostgreSQL is not running on $PGHOST:5432 (install postgresql, or start it)"
  fi
  if ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
    log "starting Redis"
    command -v redis-server >/dev/null || die "Redis is needed on 127.0.0.1:6379 (apt-get install redis-server)"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >&2
    sleep 1
  fi
}

ensure_venv() {
  if [ -x "$VENV/bin/ckan" ] && [ -f "$VENV/.installed" ]; then return; fi
  command -v pg_config >/dev/null || {
    [ "$(id -u)" = 0 ] || die "pg_config is missing: install libpq-dev"
    log "installing libpq-dev (psycopg2 builds from source)"
    apt-get update -qq >&2 && apt-get install -y -qq libpq-dev >&2
  }
  log "installing CKAN 2.12 into $VENV (a few minutes the first time)"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip setuptools wheel >&2
  "$VENV/bin/pip" install -q "ckan[requirements]==2.12.0" "ckanext-scheming==3.1.0" \
    "ckanext-dcat==2.4.4" gunicorn >&2
  touch "$VENV/.installed"
}

ensure_databases() {
  psql_su -c "SELECT 1 FROM pg_roles WHERE rolname='$DB_USER'" | grep -q 1 ||
    psql_su -c "CREATE ROLE $DB_USER LOGIN PASSWORD 'ckan'" >&2
  psql_su -c "SELECT 1 FROM pg_roles WHERE rolname='$DS_USER'" | grep -q 1 ||
    psql_su -c "CREATE ROLE $DS_USER LOGIN PASSWORD 'datastore'" >&2
  for db in "$DB" "$DSDB"; do
    psql_su -c "SELECT 1 FROM pg_database WHERE datname='$db'" | grep -q 1 ||
      psql_su -c "CREATE DATABASE $db OWNER $DB_USER ENCODING 'utf-8' TEMPLATE template0" >&2
  done
}

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

ensure_solr() {
  if pid_alive "$RUN/solr.pid" && curl -fsS "http://127.0.0.1:$SOLR_PORT/solr/ckan/admin/ping" >/dev/null 2>&1; then
    return
  fi
  if curl -fsS "http://127.0.0.1:$SOLR_PORT/solr/ckan/admin/ping" >/dev/null 2>&1; then
    die "port $SOLR_PORT is taken by another process (set INFITAH_SOLR_PORT)"
  fi
  log "starting the Solr stand-in on 127.0.0.1:$SOLR_PORT"
  local schema="$VENV/lib/python3.11/site-packages/ckan/config/solr/schema.xml"
  [ -f "$schema" ] || schema=$(find "$VENV" -path "*ckan/config/solr/schema.xml" | head -1)
  nohup "$VENV/bin/python" "$ROOT/portal/solr_standin.py" --port "$SOLR_PORT" \
    --data "$STATE/solr-index.json" --schema "$schema" >"$STATE/solr.log" 2>&1 &
  echo $! >"$RUN/solr.pid"
  for _ in $(seq 50); do
    curl -fsS "http://127.0.0.1:$SOLR_PORT/solr/ckan/admin/ping" >/dev/null 2>&1 && return
    sleep 0.2
  done
  die "the Solr stand-in did not start (see $STATE/solr.log)"
}

ensure_config() {
  [ -f "$INI" ] && return
  log "writing $INI"
  ckan_gen() { "$VENV/bin/ckan" generate config "$INI" >&2; }
  ckan_gen
  "$VENV/bin/ckan" config-tool "$INI" \
    "sqlalchemy.url=postgresql://$DB_USER:ckan@$PGHOST/$DB" \
    "ckan.datastore.write_url=postgresql://$DB_USER:ckan@$PGHOST/$DSDB" \
    "ckan.datastore.read_url=postgresql://$DS_USER:datastore@$PGHOST/$DSDB" \
    "ckan.site_url=$URL" \
    "ckan.site_id=infitah-dev" \
    "solr_url=http://127.0.0.1:$SOLR_PORT/solr/ckan" \
    "ckan.redis.url=redis://127.0.0.1:6379/1" \
    "ckan.storage_path=$STATE/storage" \
    "ckan.max_resource_size=500" \
    "ckan.plugins=activity datastore scheming_datasets dcat structured_data" \
    "scheming.dataset_schemas=ckanext.scheming:ckan_dataset.yaml" \
    "ckan.auth.create_user_via_web=false" \
    "debug=false" >&2
  mkdir -p "$STATE/storage"
}

ensure_initialised() {
  if [ -f "$STATE/token" ]; then return; fi
  log "initialising the database, the DataStore and a sysadmin"
  ckan db init >&2
  ckan db upgrade -p activity >&2
  ckan datastore set-permissions 2>/dev/null | psql_su -d "$DSDB" >/dev/null
  if ! ckan user show "$ADMIN" 2>/dev/null | grep -q "name=$ADMIN\|$ADMIN"; then
    ckan user add "$ADMIN" "email=admin@infitah.invalid" "password=$(head -c 18 /dev/urandom | base64)" >&2
  fi
  ckan sysadmin add "$ADMIN" >&2 || true
  local out
  out=$(ckan user token add "$ADMIN" infitah 2>/dev/null)
  printf '%s\n' "$out" | tail -1 | tr -d '[:space:]' >"$STATE/token"
  [ -s "$STATE/token" ] || die "could not create an API token"
  chmod 600 "$STATE/token"
}

ckan_up() { curl -fsS "$URL/api/3/action/status_show" >/dev/null 2>&1; }

ensure_ckan() {
  if pid_alive "$RUN/ckan.pid" && ckan_up; then return; fi
  ckan_up && die "port $PORT is taken by another process (set INFITAH_CKAN_PORT)"
  log "starting CKAN on $URL"
  CKAN_INI="$INI" "$VENV/bin/gunicorn" --workers 2 --timeout 120 --bind "127.0.0.1:$PORT" \
    --chdir "$ROOT/portal" --pid "$RUN/ckan.pid" --daemon \
    --error-logfile "$STATE/ckan.log" --capture-output wsgi:application
  for _ in $(seq 120); do ckan_up && return; sleep 1; done
  tail -20 "$STATE/ckan.log" >&2 || true
  die "CKAN did not answer on $URL within 120 s (see $STATE/ckan.log)"
}

up() {
  mkdir -p "$RUN"
  ensure_services
  ensure_venv
  ensure_databases
  ensure_solr
  ensure_config
  ensure_initialised
  ensure_ckan
  echo "CKAN_URL=$URL"
  echo "CKAN_API_TOKEN=$(cat "$STATE/token")"
}

down() {
  for name in ckan solr; do
    if pid_alive "$RUN/$name.pid"; then
      kill "$(cat "$RUN/$name.pid")" && log "stopped $name"
    fi
    rm -f "$RUN/$name.pid"
  done
}

status() {
  pid_alive "$RUN/ckan.pid" && ckan_up && log "CKAN runs on $URL" || log "CKAN is not running"
  pid_alive "$RUN/solr.pid" && log "the Solr stand-in runs on port $SOLR_PORT" || log "the Solr stand-in is not running"
}

case "${1:-up}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) die "usage: portal.sh up|down|status" ;;
esac
