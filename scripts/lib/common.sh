# Shared shell helpers for the scripts in scripts/. Source, don't run.
# shellcheck shell=bash

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

log() { printf '\033[1m[hyperfleet]\033[0m %s\n' "$*" >&2; }

# Installs the system packages the build links against, when any is missing.
ensure_system_packages() {
    local missing=()
    dpkg -s librdkafka-dev >/dev/null 2>&1 || missing+=(librdkafka-dev)
    dpkg -s libpq-dev >/dev/null 2>&1 || missing+=(libpq-dev)
    [ -x "$PG_BIN/initdb" ] || missing+=(postgresql-15)
    command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
    if [ ${#missing[@]} -gt 0 ]; then
        local sudo=""
        [ "$(id -u)" -eq 0 ] || sudo="sudo"
        log "installing ${missing[*]}"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

# Runs a PostgreSQL binary as the user that owns the data directory (postgres when we are root:
# the server refuses to run as root).
pg_as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# pg_start DIR PORT [EXTRA_SERVER_OPTIONS]: initialises (once) and starts a private server with its data and socket under
# DIR, listening on 127.0.0.1:PORT with trust auth for local use. DIR must be outside a clone under
# /root when running as root (postgres cannot read there).
pg_start() {
    local dir=$1 port=$2 extra=${3:-}
    mkdir -p "$dir"
    if [ "$(id -u)" -eq 0 ]; then chown postgres "$dir"; fi
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        pg_as_owner "$PG_BIN/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
            || { cat "$dir/initdb.log" >&2; return 1; }
    fi
    pg_as_owner mkdir -p "$dir/socket"
    pg_as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-p $port -k $dir/socket -c listen_addresses=127.0.0.1 -c max_connections=400 -c shared_buffers=256MB $extra" start >/dev/null \
        || { tail -20 "$dir/server.log" >&2; return 1; }
}

pg_stop() {
    local dir=$1
    [ -f "$dir/data/postmaster.pid" ] || return 0
    pg_as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
}

# A free TCP port on loopback.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
