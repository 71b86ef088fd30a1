#!/bin/sh
# Entrypoint of the offline-built test image: the same contract as the official postgres image for
# what Schemabot's tests use (POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB, `-c` flags, PGDATA).
set -eu

# `docker run image -c fsync=off` means `postgres -c fsync=off`.
if [ "${1#-}" != "$1" ]; then
  set -- postgres "$@"
fi

if [ "$1" = postgres ] && [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

if [ "$1" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
  user="${POSTGRES_USER:-postgres}"
  db="${POSTGRES_DB:-$user}"
  auth=trust
  pwfile=
  if [ -n "${POSTGRES_PASSWORD:-}" ]; then
    auth=scram-sha-256
    pwfile="$(mktemp)"
    printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
  fi
  initdb -D "$PGDATA" -U "$user" -E UTF8 --locale=C --no-sync --no-instructions \
    --auth-local=trust --auth-host="$auth" ${pwfile:+--pwfile="$pwfile"} >/dev/null
  [ -z "$pwfile" ] || rm -f "$pwfile"
  echo "host all all all $auth" >>"$PGDATA/pg_hba.conf"
  echo "listen_addresses = '*'" >>"$PGDATA/postgresql.conf"
  if [ "$db" != postgres ]; then
    echo "CREATE DATABASE \"$db\"" | postgres --single -D "$PGDATA" postgres >/dev/null
  fi
fi

exec "$@"
