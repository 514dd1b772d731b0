# shellcheck shell=bash
# Source me: finds the local PostgreSQL and Mosquitto (or starts private ones under .run/) and exports
# CARECAST_* variables for them. Used by `make run`, `make test` and .ci/run.
set -u
_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
_run="$_root/.run"
mkdir -p "$_run"

_port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
_free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# --- PostgreSQL -------------------------------------------------------------------------------------------
PGHOST_=${CARECAST_PGHOST:-127.0.0.1}
PGPORT_=${CARECAST_PGPORT:-5432}
if ! { _port_open "$PGHOST_" "$PGPORT_" && psql -h "$PGHOST_" -p "$PGPORT_" -U postgres -d postgres -Atqc 'select 1' >/dev/null 2>&1; }; then
  if [ -f "$_run/pg/port" ] && _port_open 127.0.0.1 "$(cat "$_run/pg/port")"; then
    PGPORT_=$(cat "$_run/pg/port")
  else
    _bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [ -n "$_bin" ] || { echo "devenv: no PostgreSQL server binaries found (apt-get install postgresql)" >&2; return 1; }
    PGPORT_=$(_free_port)
    _as=""; [ "$(id -u)" = 0 ] && _as="runuser -u postgres --"
    if [ ! -f "$_run/pg/data/PG_VERSION" ]; then
      mkdir -p "$_run/pg/data"; [ -n "$_as" ] && chown -R postgres "$_run/pg"
      $_as "$_bin/initdb" -D "$_run/pg/data" -U postgres -A trust >"$_run/pg/initdb.log" 2>&1 \
        || { echo "devenv: initdb failed, see $_run/pg/initdb.log" >&2; return 1; }
    fi
    $_as "$_bin/pg_ctl" -D "$_run/pg/data" -l "$_run/pg/server.log" -w \
      -o "-p $PGPORT_ -k $_run/pg -c listen_addresses=127.0.0.1" start >/dev/null \
      || { echo "devenv: private PostgreSQL did not start, see $_run/pg/server.log" >&2; return 1; }
    echo "$PGPORT_" >"$_run/pg/port"
    echo "devenv: started a private PostgreSQL on 127.0.0.1:$PGPORT_" >&2
  fi
  PGHOST_=127.0.0.1
fi
export CARECAST_TEST_ADMIN_URL="postgresql://postgres@$PGHOST_:$PGPORT_/postgres"
export CARECAST_DATABASE__URL=${CARECAST_DATABASE__URL:-"postgresql://postgres@$PGHOST_:$PGPORT_/carecast"}

# --- Mosquitto --------------------------------------------------------------------------------------------
MQHOST_=${CARECAST_MQTT__HOST:-127.0.0.1}
MQPORT_=${CARECAST_MQTT__PORT:-1883}
if ! _port_open "$MQHOST_" "$MQPORT_"; then
  if [ -f "$_run/mosquitto/port" ] && _port_open 127.0.0.1 "$(cat "$_run/mosquitto/port")"; then
    MQPORT_=$(cat "$_run/mosquitto/port")
  else
    command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] \
      || { echo "devenv: no mosquitto binary (apt-get install mosquitto)" >&2; return 1; }
    MQPORT_=$(_free_port)
    mkdir -p "$_run/mosquitto"
    sed -e "s#@PORT@#$MQPORT_#" -e "s#@DIR@#$_run/mosquitto#" "$_root/deploy/mosquitto/dev.conf" >"$_run/mosquitto/mosquitto.conf"
    "$(command -v mosquitto || echo /usr/sbin/mosquitto)" -d -c "$_run/mosquitto/mosquitto.conf"
    for _ in $(seq 50); do _port_open 127.0.0.1 "$MQPORT_" && break; sleep 0.1; done
    echo "$MQPORT_" >"$_run/mosquitto/port"
    echo "devenv: started a private Mosquitto on 127.0.0.1:$MQPORT_" >&2
  fi
  MQHOST_=127.0.0.1
fi
export CARECAST_MQTT__HOST="$MQHOST_" CARECAST_MQTT__PORT="$MQPORT_"
