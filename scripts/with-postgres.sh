#!/usr/bin/env bash
# Run a command with DATABASE_URL pointing at a PostgreSQL server: the one on 127.0.0.1:5432 if
# it answers, else a throwaway cluster started here (and stopped when the command ends).
set -euo pipefail

if [ -n "${DATABASE_URL:-}" ]; then exec "$@"; fi

# DIAM_PG_THROWAWAY=1 skips the running server (to exercise the fallback).
if [ -z "${DIAM_PG_THROWAWAY:-}" ] && { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || \
   (command -v psql >/dev/null && psql -h 127.0.0.1 -p 5432 -U postgres -c 'select 1' -tA >/dev/null 2>&1); }; then
  export DATABASE_URL=postgres://postgres@127.0.0.1:5432/diam
  exec "$@"
fi

PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$PGBIN" ] || { echo "PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 1; }
PGDATA_DIR=$(mktemp -d /tmp/diam-pg.XXXXXX)
PORT=${DIAM_PG_PORT:-55432}
AS_PG=()
[ "$(id -u)" -eq 0 ] && AS_PG=(runuser -u postgres --)
cleanup() {
  "${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$PGDATA_DIR" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$PGDATA_DIR"
}
trap cleanup EXIT
[ "$(id -u)" -eq 0 ] && chown postgres:postgres "$PGDATA_DIR"
echo "==> Starting a throwaway PostgreSQL on 127.0.0.1:$PORT"
"${AS_PG[@]}" "$PGBIN/initdb" -D "$PGDATA_DIR" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
"${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$PGDATA_DIR" -l "$PGDATA_DIR/server.log" -w -t 30 \
  -o "-c listen_addresses=127.0.0.1 -p $PORT -k $PGDATA_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  start >/dev/null
export DATABASE_URL=postgres://postgres@127.0.0.1:$PORT/diam
"$@"
