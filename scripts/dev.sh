#!/usr/bin/env bash
# Starts HyperFleet locally on embedded defaults: installs what the build needs, builds, starts a
# private PostgreSQL (data kept between runs unless --fresh), migrates, and serves the API with auth
# off. Ctrl-C stops everything. Set DATABASE_URL to use an existing database instead.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/common.sh

FRESH=0
for arg in "$@"; do
    case "$arg" in
        --fresh) FRESH=1 ;;
        -h|--help) sed -n 2,5p "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown option: $arg (try --help)" >&2; exit 2 ;;
    esac
done

ensure_system_packages
log "building (first build takes a few minutes)"
swift build --product hyperfleet
BIN=$(swift build --show-bin-path)/hyperfleet

mkdir -p .hyperfleet
STARTED_PG=""
if [ -z "${DATABASE_URL:-}" ]; then
    # The data lives outside the working copy: a clone under /root is not readable by postgres.
    PGDIR=${HYPERFLEET_PGDIR:-/var/tmp/hyperfleet-dev-$(id -u)-$(pwd | cksum | cut -d' ' -f1)}
    PORT=${HYPERFLEET_PGPORT:-55432}
    if [ "$FRESH" = 1 ] && [ -d "$PGDIR" ]; then
        pg_stop "$PGDIR"
        rm -rf "$PGDIR"
        log "removed previous data ($PGDIR)"
    fi
    log "starting PostgreSQL on 127.0.0.1:$PORT (data: $PGDIR)"
    pg_start "$PGDIR" "$PORT"
    STARTED_PG=$PGDIR
    echo "$PGDIR" > .hyperfleet/pgdir
    pg_as_owner "$PG_BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = 'hyperfleet'" | grep -q 1 \
        || pg_as_owner "$PG_BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres hyperfleet
    export DATABASE_URL="postgresql://postgres@127.0.0.1:$PORT/hyperfleet"
fi

API_PID=""
stop() {
    trap - INT TERM EXIT
    if [ -n "$API_PID" ]; then kill -TERM "$API_PID" 2>/dev/null || true; wait "$API_PID" 2>/dev/null || true; fi
    if [ -n "$STARTED_PG" ]; then pg_stop "$STARTED_PG"; log "PostgreSQL stopped"; fi
}
trap stop INT TERM EXIT

"$BIN" migrate --config config/dev.yaml
"$BIN" api --config config/dev.yaml &
API_PID=$!
for _ in $(seq 1 50); do
    curl -fsS http://127.0.0.1:8080/readyz >/dev/null 2>&1 && break
    sleep 0.2
done
cat <<MSG

HyperFleet is running (auth is OFF: local development only).
  API        http://127.0.0.1:8000/api/hyperfleet/v1
  health     http://127.0.0.1:8080/healthz   http://127.0.0.1:8080/readyz
  metrics    http://127.0.0.1:9090/metrics
  database   $DATABASE_URL

Try:
  curl -s -X POST http://127.0.0.1:8000/api/hyperfleet/v1/clusters -H 'Content-Type: application/json' \\
       -d '{"kind":"Cluster","name":"demo","spec":{"region":"us-east-1"},"labels":{"env":"dev"}}'
  curl -s 'http://127.0.0.1:8000/api/hyperfleet/v1/clusters?search=labels.env%3D%27dev%27'
  curl -s http://127.0.0.1:8000/api/hyperfleet/v1/nodepools

Ctrl-C stops everything.
MSG
wait "$API_PID"
