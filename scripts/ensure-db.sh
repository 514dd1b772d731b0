#!/usr/bin/env bash
# Create the database named in CARECAST_DATABASE__URL when it does not exist yet.
set -euo pipefail
url=${CARECAST_DATABASE__URL:?source scripts/devenv.sh first}
db=${url##*/}; db=${db%%\?*}
admin=${url%/*}/postgres
if ! psql "$admin" -Atqc "select 1 from pg_database where datname = '$db'" | grep -q 1; then
  psql "$admin" -qc "create database \"$db\"" && echo "ensure-db: created database $db" >&2
fi
