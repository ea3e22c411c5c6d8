#!/usr/bin/env bash
# Run the test suite (`make test`) against real PostgreSQL and Redis.
#
#   scripts/test.sh [pytest args...]
#
# PostgreSQL: $DATABASE_URL if set; else a server answering on 127.0.0.1:$RECOURSE_PG_PORT
# (default 5432, user postgres, trust auth); else a throwaway cluster (initdb into a temp dir,
# run as the postgres user when we are root) on a free port, stopped and removed on exit.
# Redis: $REDIS_URL if set; else 127.0.0.1:$RECOURSE_REDIS_PORT (default 6379) if it answers
# PING; else a throwaway redis-server on a free port without persistence, stopped on exit.
# Exported for pytest: DATABASE_URL, REDIS_URL (db 0), CELERY_BROKER_URL (db 1), CACHE_URL (db 2)
# (the last two are kept if already set).
# Also makes sure Debian's chromium (browser tests) and libmagic1 (upload checks) are installed.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/ensure_uv.sh
source scripts/ensure_uv.sh

PG_PORT="${RECOURSE_PG_PORT:-5432}"
REDIS_PORT="${RECOURSE_REDIS_PORT:-6379}"
LOCAL=127.0.0.1

log() { echo "test.sh: $*" >&2; }
die() {
    echo "test.sh: error: $*" >&2
    exit 1
}

# ---------------------------------------------------------------- cleanup of throwaway servers
TMP_ROOT=""
PG_BIN=""
PG_DATA=""
PG_USER=""
REDIS_PID=""

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [[ -n "$PG_DATA" ]]; then
        as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    if [[ -n "$REDIS_PID" ]]; then
        kill "$REDIS_PID" 2>/dev/null || true
        for _ in $(seq 50); do
            kill -0 "$REDIS_PID" 2>/dev/null || break
            sleep 0.1
        done
    fi
    if [[ -n "$TMP_ROOT" ]]; then
        rm -rf "$TMP_ROOT"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

make_tmp_root() {
    [[ -n "$TMP_ROOT" ]] && return 0
    if [[ $EUID -eq 0 ]]; then
        # The postgres user must be able to reach its data directory: stay out of /root.
        TMP_ROOT="$(mktemp -d /tmp/recourse-test.XXXXXX)"
        chmod 711 "$TMP_ROOT"
    else
        TMP_ROOT="$(mktemp -d "${TMPDIR:-/tmp}/recourse-test.XXXXXX")"
    fi
}

# ------------------------------------------------------------------------------- small probes
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

tcp_accepts() { # host port
    python3 - "$1" "$2" <<'PY'
import socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2).close()
except OSError:
    sys.exit(1)
PY
}

redis_pings() { # host port
    python3 - "$1" "$2" <<'PY'
import socket, sys
try:
    with socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2) as s:
        s.sendall(b"PING\r\n")
        ok = s.recv(64).startswith(b"+PONG")
except OSError:
    ok = False
sys.exit(0 if ok else 1)
PY
}

pg_accepts() { # host port
    if command -v pg_isready >/dev/null 2>&1; then
        pg_isready -q -h "$1" -p "$2" -t 3
    else
        tcp_accepts "$1" "$2"
    fi
}

redis_db_url() { # url db -> same url with the db number replaced
    python3 - "$1" "$2" <<'PY'
import sys
from urllib.parse import urlsplit, urlunsplit
parts = urlsplit(sys.argv[1])
print(urlunsplit(parts._replace(path="/" + sys.argv[2])))
PY
}

as_pg() {
    if [[ $EUID -eq 0 ]]; then
        runuser -u "$PG_USER" -- "$@"
    else
        "$@"
    fi
}

# --------------------------------------------------------------------------------- PostgreSQL
find_pg_bin() {
    local initdb
    initdb="$(find /usr/lib/postgresql -maxdepth 3 -path '*/bin/initdb' 2>/dev/null | sort -V | tail -n 1)"
    if [[ -z "$initdb" ]]; then
        initdb="$(command -v initdb 2>/dev/null || true)"
    fi
    [[ -n "$initdb" && -x "$initdb" ]] || return 1
    PG_BIN="$(dirname "$initdb")"
}

start_throwaway_pg() {
    local dir port
    make_tmp_root
    dir="$TMP_ROOT/pg"
    mkdir -p "$dir"
    if [[ $EUID -eq 0 ]]; then
        # initdb refuses to run as root.
        if id postgres >/dev/null 2>&1; then PG_USER=postgres; else PG_USER=nobody; fi
        chown "$PG_USER" "$dir"
    fi
    if ! as_pg "$PG_BIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C \
        --no-sync >"$dir/initdb.log" 2>&1; then
        cat "$dir/initdb.log" >&2
        die "initdb failed (see above)."
    fi
    PG_DATA="$dir/data"
    port="$(free_port)"
    if ! as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$dir/server.log" -w -t 60 \
        -o "-p $port -k $dir -c listen_addresses=$LOCAL -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >/dev/null 2>&1; then
        cat "$dir/server.log" >&2 || true
        die "could not start the throwaway PostgreSQL (see above)."
    fi
    as_pg "$PG_BIN/createdb" -h "$LOCAL" -p "$port" -U postgres recourse
    DATABASE_URL="postgres://postgres@$LOCAL:$port/recourse"
    log "PostgreSQL: throwaway cluster ($("$PG_BIN/postgres" --version)) on $LOCAL:$port"
}

ensure_database() { # url: create its database if missing (tests use test_<name>, other tools the name)
    "${UV[@]}" run --frozen --no-sync python - "$1" <<'PY' || log "note: could not check/create the database of $1"
import sys
import psycopg
from psycopg import sql
info = psycopg.conninfo.conninfo_to_dict(sys.argv[1])
name = info.pop("dbname")
with psycopg.connect(**info, dbname="postgres", autocommit=True, connect_timeout=5) as conn:
    if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
PY
}

choose_postgres() {
    if [[ -n "${DATABASE_URL:-}" ]]; then
        log "PostgreSQL: using DATABASE_URL from the environment"
    elif pg_accepts "$LOCAL" "$PG_PORT"; then
        DATABASE_URL="postgres://postgres@$LOCAL:$PG_PORT/recourse"
        log "PostgreSQL: server on $LOCAL:$PG_PORT"
        ensure_database "$DATABASE_URL"
    elif find_pg_bin; then
        start_throwaway_pg
    else
        die "PostgreSQL not found: run 'apt-get install postgresql redis-server', or set DATABASE_URL=postgres://user@host:port/db."
    fi
    export DATABASE_URL
}

# -------------------------------------------------------------------------------------- Redis
start_throwaway_redis() {
    local dir port
    make_tmp_root
    dir="$TMP_ROOT/redis"
    mkdir -p "$dir"
    port="$(free_port)"
    redis-server --port "$port" --bind "$LOCAL" --save '' --appendonly no \
        --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --dir "$dir" \
        >/dev/null
    for _ in $(seq 100); do
        if [[ -s "$dir/redis.pid" ]] && redis_pings "$LOCAL" "$port"; then
            REDIS_PID="$(cat "$dir/redis.pid")"
            REDIS_URL="redis://$LOCAL:$port/0"
            log "Redis: throwaway redis-server on $LOCAL:$port"
            return 0
        fi
        sleep 0.1
    done
    cat "$dir/redis.log" >&2 || true
    die "could not start the throwaway redis-server (see above)."
}

choose_redis() {
    if [[ -n "${REDIS_URL:-}" ]]; then
        log "Redis: using REDIS_URL from the environment"
    elif redis_pings "$LOCAL" "$REDIS_PORT"; then
        REDIS_URL="redis://$LOCAL:$REDIS_PORT/0"
        log "Redis: server on $LOCAL:$REDIS_PORT"
    elif command -v redis-server >/dev/null 2>&1; then
        start_throwaway_redis
    else
        die "Redis not found: run 'apt-get install postgresql redis-server', or set REDIS_URL=redis://host:port/0."
    fi
    export REDIS_URL
    CELERY_BROKER_URL="${CELERY_BROKER_URL:-$(redis_db_url "$REDIS_URL" 1)}"
    CACHE_URL="${CACHE_URL:-$(redis_db_url "$REDIS_URL" 2)}"
    export CELERY_BROKER_URL CACHE_URL
}

# --------------------------------------------------------------------------- system packages
ensure_system_packages() {
    local missing=()
    command -v chromium >/dev/null 2>&1 || missing+=(chromium)
    python3 -c 'import ctypes.util, sys; sys.exit(0 if ctypes.util.find_library("magic") else 1)' \
        || missing+=(libmagic1)
    [[ ${#missing[@]} -eq 0 ]] && return 0
    if [[ $EUID -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
        die "missing ${missing[*]}: run 'sudo apt-get install ${missing[*]}' (Debian packages)."
    fi
    log "installing ${missing[*]} with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq "${missing[@]}" >/dev/null
}

# ------------------------------------------------------------------------------------- main
main() {
    ensure_uv
    "${UV[@]}" sync --frozen --quiet
    ensure_system_packages
    choose_postgres
    choose_redis
    "${UV[@]}" run --frozen --no-sync pytest "$@"
}

# Sourcing the file (e.g. to try one function) defines everything without running the suite.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    main "$@"
fi
