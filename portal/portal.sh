#!/usr/bin/env bash
# A real CKAN 2.12 for development and tests: `portal.sh up|down|status`.
#
# `up` prints exactly two lines on stdout, CKAN_URL=... and CKAN_API_TOKEN=... (so that
# `eval "$(make -s portal)"` works); everything else goes to stderr or to .portal/*.log.
# It is idempotent: what already runs is reused, and concurrent calls wait for each other.
# Everything lives in .portal/ next to this script's folder (ignored by git). Search is
# served by portal/solr_standin.py, a stand-in FOR DEVELOPMENT AND TESTS ONLY: a production
# portal uses Apache Solr.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE="$ROOT/.portal"
VENV="$STATE/venv"
RUN="$STATE/run"
INI="$STATE/ckan.ini"
# Bumped when the settings below change, so an existing portal gets them re-applied.
SETTINGS=6
PORT="${INFITAH_CKAN_PORT:-5050}"
SOLR_PORT="${INFITAH_SOLR_PORT:-8983}"
PGHOST=127.0.0.1
PGPORT=5432
# One set of databases per checkout: a fresh clone never inherits someone's portal.
TAG=$(printf '%s' "$ROOT" | sha256sum | cut -c1-8)
DB="ckan_$TAG"
DSDB="datastore_$TAG"
DB_USER="ckan_$TAG"
DS_USER="datastore_ro_$TAG"
ADMIN="infitah_admin"
URL="http://127.0.0.1:$PORT"
SOLR_URL="http://127.0.0.1:$SOLR_PORT/solr/ckan"
CKAN_VERSION=2.12.0

log() { echo "portal: $*" >&2; }
die() {
  echo "portal: ERROR: $*" >&2
  exit 1
}
ckan() { "$VENV/bin/ckan" -c "$INI" "$@"; }
psql_su() { psql -h "$PGHOST" -p "$PGPORT" -U postgres -v ON_ERROR_STOP=1 -qtAX "$@"; }
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
redis_up() { [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = PONG ]; }
# `cmd | grep -q` can fail under pipefail (SIGPIPE): compare whole outputs instead.
sql_true() { [ "$(psql_su "$@")" = 1 ]; }
pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
solr_up() { curl -fsS -m 5 "$SOLR_URL/admin/ping?wt=json" >/dev/null 2>&1; }
ckan_up() { curl -fsS -m 10 "$URL/api/3/action/status_show" >/dev/null 2>&1; }
token_ok() {
  [ -s "$STATE/token" ] &&
    curl -fsS -m 10 -H "Authorization: $(cat "$STATE/token")" \
      "$URL/api/3/action/config_option_list" >/dev/null 2>&1
}

ensure_services() {
  command -v psql >/dev/null && command -v pg_isready >/dev/null ||
    die "PostgreSQL client tools are missing: apt-get install postgresql (server on $PGHOST:$PGPORT, trust auth for 'postgres')"
  if ! pg_isready -h "$PGHOST" -p "$PGPORT" -q 2>/dev/null; then
    if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ] &&
      [ -n "$(ls /etc/postgresql 2>/dev/null)" ]; then
      log "starting PostgreSQL"
      pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start >&2 || true
      for _ in $(seq 30); do
        pg_isready -h "$PGHOST" -p "$PGPORT" -q && break
        sleep 1
      done
    fi
    pg_isready -h "$PGHOST" -p "$PGPORT" -q ||
      die "PostgreSQL is needed on $PGHOST:$PGPORT (trust auth for 'postgres'): it is not running and could not be started"
  fi
  psql_su -c "SELECT 1" >/dev/null 2>&1 ||
    die "cannot connect as 'postgres' to $PGHOST:$PGPORT without a password (trust auth is expected)"
  if ! redis_up; then
    command -v redis-server >/dev/null ||
      die "Redis is needed on 127.0.0.1:6379: it is not running and redis-server is missing (apt-get install redis-server)"
    log "starting Redis"
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log >&2 9>&-
    for _ in $(seq 20); do
      redis_up && return
      sleep 0.25
    done
    die "Redis did not start (see /var/log/redis/ci.log)"
  fi
}

ensure_venv() {
  if [ -x "$VENV/bin/ckan" ] && [ -f "$VENV/.installed" ]; then return; fi
  command -v gcc >/dev/null || die "gcc is needed to build psycopg2 (apt-get install gcc)"
  if ! command -v pg_config >/dev/null; then
    [ "$(id -u)" = 0 ] || die "pg_config is missing: install Debian's libpq-dev (psycopg2 builds from source)"
    log "installing libpq-dev (psycopg2 builds from source)"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpq-dev; } >&2 ||
      die "could not install libpq-dev"
  fi
  log "installing CKAN $CKAN_VERSION into $VENV (log: $STATE/install.log)"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  if ! {
    "$VENV/bin/pip" install --upgrade pip setuptools wheel &&
      "$VENV/bin/pip" install "ckan[requirements]==$CKAN_VERSION" "ckanext-scheming==3.1.0" \
        "ckanext-dcat==2.4.4" gunicorn
  } >"$STATE/install.log" 2>&1; then
    grep -v "is ignored: it is neither" "$STATE/install.log" | tail -25 >&2
    die "installing CKAN failed (see $STATE/install.log)"
  fi
  touch "$VENV/.installed"
}

# Infitah's own extension (dataset schema, DCAT-AP 3 profile), editable: a change to its
# code is live at CKAN's next start; its metadata changing reinstalls it.
ensure_extension() {
  local ext="$ROOT/portal/ckanext-infitah" stamp="$VENV/.infitah-extension"
  local want
  want=$(sha256sum "$ext/pyproject.toml" | cut -d' ' -f1)
  [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && return
  log "installing ckanext-infitah into $VENV"
  "$VENV/bin/pip" install --no-deps --no-build-isolation -e "$ext" >>"$STATE/install.log" 2>&1 ||
    die "installing ckanext-infitah failed (see $STATE/install.log)"
  echo "$want" >"$stamp"
  pid_alive "$RUN/ckan.pid" && stop ckan
  return 0
}

ensure_databases() {
  sql_true -c "SELECT 1 FROM pg_roles WHERE rolname='$DB_USER'" ||
    psql_su -c "CREATE ROLE $DB_USER LOGIN PASSWORD 'ckan'" >&2
  sql_true -c "SELECT 1 FROM pg_roles WHERE rolname='$DS_USER'" ||
    psql_su -c "CREATE ROLE $DS_USER LOGIN PASSWORD 'datastore'" >&2
  for db in "$DB" "$DSDB"; do
    sql_true -c "SELECT 1 FROM pg_database WHERE datname='$db'" ||
      psql_su -c "CREATE DATABASE $db OWNER $DB_USER ENCODING 'utf-8' TEMPLATE template0" >&2
  done
}

# Before anything is stopped or rewritten: the ports are free, or ours for these settings.
check_ports() {
  if port_busy "$PORT" &&
    ! { pid_alive "$RUN/ckan.pid" && [ -f "$INI" ] && ini_has ckan.site_url "$URL"; }; then
    die "port $PORT is taken by another process (set INFITAH_CKAN_PORT)"
  fi
  if port_busy "$SOLR_PORT" && ! { pid_alive "$RUN/solr.pid" &&
    [[ "$(tr "\0" " " <"/proc/$(cat "$RUN/solr.pid")/cmdline")" == *"--port $SOLR_PORT "* ]]; }; then
    die "port $SOLR_PORT is taken by another process (set INFITAH_SOLR_PORT)"
  fi
  [ "$PORT" != "$SOLR_PORT" ] || die "INFITAH_CKAN_PORT and INFITAH_SOLR_PORT must differ"
}

ensure_solr() {
  if pid_alive "$RUN/solr.pid" && solr_up; then return; fi
  stop solr # ours, but not answering on this port
  port_busy "$SOLR_PORT" && die "port $SOLR_PORT is taken by another process (set INFITAH_SOLR_PORT)"
  local schema="$VENV/lib/python3.11/site-packages/ckan/config/solr/schema.xml"
  [ -f "$schema" ] || schema=$(find "$VENV" -path "*ckan/config/solr/schema.xml" | head -1)
  [ -f "$schema" ] || die "CKAN's solr/schema.xml not found in $VENV"
  log "starting the Solr stand-in (dev/tests only) on 127.0.0.1:$SOLR_PORT"
  SOLR_FRESH=0
  # The index is a snapshot and a journal of the changes since (either may be alone).
  [ -f "$STATE/solr-index.json" ] || [ -f "$STATE/solr-index.json.log" ] || SOLR_FRESH=1
  nohup "$VENV/bin/python" "$ROOT/portal/solr_standin.py" --host 127.0.0.1 --port "$SOLR_PORT" \
    --data "$STATE/solr-index.json" --save-every 0.5 --schema "$schema" \
    </dev/null >>"$STATE/solr.log" 2>&1 9>&- &
  echo $! >"$RUN/solr.pid"
  for _ in $(seq 50); do
    solr_up && return
    pid_alive "$RUN/solr.pid" || break
    sleep 0.2
  done
  tail -5 "$STATE/solr.log" >&2 || true
  die "the Solr stand-in did not start (see $STATE/solr.log)"
}

ini_has() { grep -Eq "^$1 *= *$2\$" "$INI"; }

ensure_config() {
  if [ ! -f "$INI" ]; then
    log "writing $INI"
    "$VENV/bin/ckan" generate config "$INI" >&2
  elif ini_has ckan.site_url "$URL" && ini_has solr_url "$SOLR_URL" &&
    ini_has infitah.settings "$SETTINGS"; then
    return
  fi
  # pool_recycle: a DataStore session is replaced after 60 s. A PostgreSQL session's
  # caches grow with every table it writes to, and every table created or indexed makes
  # each session process invalidations against them: with sessions kept for a whole
  # 1,503-member run, that was most of PostgreSQL's CPU (see portal/README.md).
  "$VENV/bin/ckan" config-tool "$INI" \
    "sqlalchemy.url=postgresql://$DB_USER:ckan@$PGHOST:$PGPORT/$DB" \
    "ckan.datastore.write_url=postgresql://$DB_USER:ckan@$PGHOST:$PGPORT/$DSDB" \
    "ckan.datastore.read_url=postgresql://$DS_USER:datastore@$PGHOST:$PGPORT/$DSDB" \
    "ckan.datastore.sqlalchemy.pool_recycle=60" \
    "ckan.site_url=$URL" \
    "ckan.site_id=infitah-dev" \
    "solr_url=$SOLR_URL" \
    "ckan.redis.url=redis://127.0.0.1:6379/1" \
    "ckan.storage_path=$STATE/storage" \
    "ckan.max_resource_size=500" \
    "ckan.plugins=infitah activity datastore datatables_view text_view image_view scheming_datasets dcat structured_data" \
    "ckan.views.default_views=datatables_view text_view image_view" \
    "ckan.preview.text_formats=text/plain txt plain markdown md" \
    "infitah.settings=$SETTINGS" \
    "scheming.dataset_schemas=ckanext.infitah:infitah_dataset.yaml" \
    "ckanext.dcat.rdf.profiles=euro_dcat_ap_3 infitah_dcat_ap_3" \
    "ckanext.dcat.resource.inherit.license=true" \
    "ckan.site_title=Infitah — REMACTO" \
    "ckan.site_description=Open data of the openness programmes of REMACTO's members" \
    "infitah.catalog_description_fr=Données ouvertes des programmes d'ouverture des membres du REMACTO" \
    "infitah.catalog_description_ar=المعطيات المفتوحة لبرامج انفتاح أعضاء الشبكة المغربية للجماعات الترابية المنفتحة" \
    "infitah.publisher_fr=Réseau marocain des collectivités territoriales ouvertes (REMACTO)" \
    "infitah.publisher_ar=الشبكة المغربية للجماعات الترابية المنفتحة" \
    "infitah.catalog_licence=https://opendatacommons.org/licenses/by/1-0/" \
    "ckan.auth.create_user_via_web=false" \
    "debug=false" >&2
  mkdir -p "$STATE/storage"
  # A running CKAN still has the old settings.
  pid_alive "$RUN/ckan.pid" && stop ckan
  return 0
}

admin_exists() {
  sql_true -d "$DB" -c "SELECT 1 FROM \"user\" WHERE name='$ADMIN' AND sysadmin" 2>/dev/null
}

ensure_initialised() {
  # The sysadmin is created last: when it exists, everything before it was done.
  if ! admin_exists; then
    log "initialising the database, the DataStore and a sysadmin"
    ckan db init >&2
    ckan db upgrade -p activity >&2
    ckan datastore set-permissions 2>/dev/null | psql_su -d "$DSDB" >/dev/null
    if ! sql_true -d "$DB" -c "SELECT 1 FROM \"user\" WHERE name='$ADMIN'"; then
      ckan user add "$ADMIN" "email=admin@infitah.invalid" \
        "password=$(head -c 18 /dev/urandom | base64)" >&2
    fi
    ckan sysadmin add "$ADMIN" >&2
    rm -f "$STATE/token"
  elif [ "${SOLR_FRESH:-0}" = 1 ]; then
    log "rebuilding the search index (the stand-in's index file was missing)"
    ckan search-index rebuild >&2
  fi
}

ensure_nested_type() {
  # The DataStore's "nested" type, made here as CKAN makes it on its first load. CKAN
  # makes it when a process finds it missing: two processes loading at once on a new
  # portal both try, and one load fails (HTTP 500, a unique violation on pg_type).
  # Infitah retries a 500; the first-publish benchmark's baseline does not, and
  # stopped on it.
  psql_su -d "$DSDB" -c "DO \$\$ BEGIN
      CREATE TYPE \"nested\" AS (json json, extra text);
      ALTER TYPE \"nested\" OWNER TO $DB_USER;
    EXCEPTION WHEN duplicate_object THEN NULL; END \$\$" >/dev/null
}

new_token() {
  local out
  out=$(ckan user token add "$ADMIN" "infitah-$(date +%s)" 2>/dev/null)
  printf '%s\n' "$out" | tail -1 | tr -d '[:space:]' >"$STATE/token.new"
  [ -s "$STATE/token.new" ] || die "could not create an API token"
  chmod 600 "$STATE/token.new"
  mv "$STATE/token.new" "$STATE/token"
}

ensure_ckan() {
  if pid_alive "$RUN/ckan.pid" && ckan_up; then return; fi
  stop ckan # ours, but not answering
  port_busy "$PORT" && die "port $PORT is taken by another process (set INFITAH_CKAN_PORT)"
  log "starting CKAN on $URL (log: $STATE/ckan.log)"
  rm -f "$RUN/ckan.pid"
  CKAN_INI="$INI" "$VENV/bin/gunicorn" --workers 2 --timeout 120 --bind "127.0.0.1:$PORT" \
    --chdir "$ROOT/portal" --pid "$RUN/ckan.pid" --daemon \
    --error-logfile "$STATE/ckan.log" --capture-output wsgi:application </dev/null 9>&-
  local waited=0
  while ! ckan_up; do
    if [ "$waited" -ge "${INFITAH_CKAN_START_TIMEOUT:-120}" ]; then
      tail -20 "$STATE/ckan.log" >&2 || true
      die "CKAN did not answer on $URL/api/3/action/status_show within ${waited}s (see $STATE/ckan.log)"
    fi
    if [ "$waited" -ge 5 ] && ! pid_alive "$RUN/ckan.pid"; then
      tail -20 "$STATE/ckan.log" >&2 || true
      die "CKAN (gunicorn) exited at start (see $STATE/ckan.log)"
    fi
    sleep 1
    waited=$((waited + 1))
  done
}

stop() {
  local name=$1 pid
  if pid_alive "$RUN/$name.pid"; then
    pid=$(cat "$RUN/$name.pid")
    kill "$pid"
    for _ in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    log "stopped $name"
  fi
  rm -f "$RUN/$name.pid"
}

up() {
  ensure_services
  check_ports
  ensure_venv
  ensure_extension
  ensure_databases
  ensure_solr
  ensure_config
  ensure_initialised
  ensure_nested_type
  [ -s "$STATE/token" ] || new_token
  ensure_ckan
  if ! token_ok; then
    log "the saved API token is not accepted: creating a new one"
    new_token
    token_ok || die "the new API token is not accepted by $URL"
  fi
  echo "CKAN_URL=$URL"
  echo "CKAN_API_TOKEN=$(cat "$STATE/token")"
}

down() {
  stop ckan
  stop solr
}

status() {
  local rc=0
  if pid_alive "$RUN/ckan.pid" && ckan_up; then log "CKAN runs on $URL"; else
    log "CKAN is not running"
    rc=1
  fi
  if pid_alive "$RUN/solr.pid" && solr_up; then log "the Solr stand-in runs on $SOLR_URL"; else
    log "the Solr stand-in is not running"
    rc=1
  fi
  return $rc
}

mkdir -p "$RUN"
# One `up` or `down` at a time (parallel test sessions, make -j). Children get `9>&-`.
exec 9>"$RUN/lock"
case "${1:-up}" in
  up)
    flock -w 1800 9 || die "another portal.sh is still running"
    up
    ;;
  down)
    flock -w 1800 9 || die "another portal.sh is still running"
    down
    ;;
  status) status ;;
  *) die "usage: portal.sh up|down|status" ;;
esac
