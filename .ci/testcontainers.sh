#!/usr/bin/env bash
# A private Docker engine and an offline-built PostgreSQL image for the testcontainers tests.
#
#   bash .ci/testcontainers.sh [start]   install what is missing, start the engine, build the image,
#                                        then print `export` lines (also written to $ENV_FILE)
#   bash .ci/testcontainers.sh stop      stop the engine started here (by its pid file)
#   bash .ci/testcontainers.sh env       print the `export` lines only
#
# Idempotent: packages are installed only when missing, a running engine is reused and the image is
# kept in the engine's data root between runs (built only when missing). Exits non-zero when the
# engine cannot be started; the tests then report the testcontainers cases as skipped, loudly.
set -euo pipefail

SOCK="${SCHEMABOT_DOCKER_SOCK:-/run/schemabot-docker.sock}"
DATA_ROOT="${SCHEMABOT_DOCKER_DATA_ROOT:-/var/lib/schemabot-docker}"
EXEC_ROOT="${SCHEMABOT_DOCKER_EXEC_ROOT:-/run/schemabot-docker}"
PIDFILE="$EXEC_ROOT.pid"
LOG="${SCHEMABOT_DOCKER_LOG:-/tmp/schemabot-dockerd.log}"
ENV_FILE="${SCHEMABOT_DOCKER_ENV_FILE:-/tmp/schemabot-testcontainers.env}"
IMAGE="${SCHEMABOT_TEST_PG_IMAGE:-schemabot-test/postgres:15}"
PG_MAJOR=15
SUITE=bookworm
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

say() { echo "testcontainers.sh: $*" >&2; }

docker_() { DOCKER_HOST="unix://$SOCK" docker "$@"; }

env_lines() {
  cat <<ENV
export DOCKER_HOST=unix://$SOCK
export TESTCONTAINERS_RYUK_DISABLED=true
export TESTCONTAINERS_HOST_OVERRIDE=localhost
export SCHEMABOT_TEST_PG_IMAGE=$IMAGE
ENV
}

engine_running() {
  [ -S "$SOCK" ] && docker_ version --format '{{.Server.Version}}' >/dev/null 2>&1
}

install_packages() {
  local missing=()
  command -v dockerd >/dev/null || missing+=(docker.io)
  command -v docker >/dev/null || missing+=(docker.io)
  command -v iptables >/dev/null || missing+=(iptables)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

start_engine() {
  if engine_running; then
    return 0
  fi
  if [ -f "$PIDFILE" ] && ! kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
    rm -f "$PIDFILE"
  fi
  mkdir -p "$DATA_ROOT" "$EXEC_ROOT"
  local driver
  for driver in overlay2 vfs; do
    say "starting dockerd (storage driver $driver, log $LOG)"
    rm -f "$SOCK"
    setsid nohup dockerd --host "unix://$SOCK" --data-root "$DATA_ROOT" --exec-root "$EXEC_ROOT" \
      --pidfile "$PIDFILE" --storage-driver "$driver" >>"$LOG" 2>&1 </dev/null &
    local pid=$! i
    for i in $(seq 1 100); do
      if engine_running; then
        say "dockerd is up (pid $pid)"
        return 0
      fi
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  say "dockerd did not start; last lines of $LOG:"
  tail -n 20 "$LOG" >&2 || true
  return 1
}

build_image() {
  if docker_ image inspect "$IMAGE" >/dev/null 2>&1; then
    return 0
  fi
  # Kept until the import succeeds, so a failed import does not repeat the minute of debootstrap.
  local root="/var/cache/schemabot-pg-rootfs-$PG_MAJOR"
  if [ ! -f "$root.done" ]; then
    rm -rf "$root"
    say "building $IMAGE offline: debootstrap $SUITE with postgresql-$PG_MAJOR (about a minute)"
    if ! debootstrap --variant=minbase --include="postgresql-$PG_MAJOR" "$SUITE" "$root" >"$root.log" 2>&1; then
      tail -n 20 "$root.log" >&2
      return 1
    fi
    # The distribution's default cluster, package caches and documentation are not needed.
    rm -rf "$root/var/lib/postgresql/$PG_MAJOR" "$root/etc/postgresql/$PG_MAJOR" \
      "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* \
      "$root/usr/share/doc" "$root/usr/share/man" "$root/usr/share/locale"
    touch "$root.done"
  fi
  install -m 0755 "$HERE/postgres-image/docker-entrypoint.sh" "$root/usr/local/bin/docker-entrypoint.sh"
  tar -C "$root" -c . | docker_ import \
    --change "ENV PATH=/usr/lib/postgresql/$PG_MAJOR/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    --change 'ENV PGDATA=/var/lib/postgresql/data' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' \
    --change 'CMD ["postgres"]' \
    --change 'EXPOSE 5432' \
    - "$IMAGE" >/dev/null
  rm -rf "$root" "$root.done" "$root.log"
  say "built $IMAGE"
}

case "${1:-start}" in
start)
  install_packages
  start_engine
  build_image
  env_lines >"$ENV_FILE"
  env_lines
  ;;
stop)
  if [ -f "$PIDFILE" ]; then
    pid="$(cat "$PIDFILE")"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    rm -f "$PIDFILE"
    say "dockerd (pid $pid) stopped"
  fi
  rm -f "$ENV_FILE"
  ;;
env)
  env_lines
  ;;
*)
  echo "usage: $0 [start|stop|env]" >&2
  exit 2
  ;;
esac
