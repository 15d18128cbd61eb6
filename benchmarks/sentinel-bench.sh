#!/usr/bin/env bash
# HyperFleet Sentinel benchmark (SENTINEL.md "Scale", ENGINEERING.md "Benchmarks"). One command:
#
#   benchmarks/sentinel-bench.sh [sentinel-bench options, e.g. --only look --look-repetitions 30]
#
# Parts: look, reaction (create -> event, then reconcile-now: --reconcile-requests, default 1000),
# throughput, rules.
#
# Starts a private PostgreSQL 15 on a free port, runs `swift run -c release sentinel-bench
# --database-url <admin URL>` (which creates, loads and drops its own databases and runs the librdkafka
# mock cluster in its own process), prints everything, and stops the server (also on Ctrl-C).
#
# The server is tuned for a benchmark, not for safety: fsync=off and full_page_writes=off (a crash
# would corrupt it; commit durability is not what is measured, and the disk is shared with other
# work), shared_buffers=1GB, max_wal_size=8GB (no checkpoint storms during the 1M-row load),
# pg_stat_statements preloaded (the tool prints the server time of each of the look's statements).
# synchronous_commit stays on and autovacuum stays on, as in production.
#
# Environment:
#   BENCH_OUT   also write the output to this file
#   BENCH_KEEP  1: keep the work directory (server log, data) after the run
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/lib/common.sh"
KEEP=${BENCH_KEEP:-0}

ensure_system_packages

# Work directory outside any clone under /root (PostgreSQL runs as `postgres`).
BENCH_DIR=$(mktemp -d /var/tmp/hyperfleet-sentinel-bench.XXXXXX)
chmod 755 "$BENCH_DIR"
PGDIR=$BENCH_DIR/pg
PG_STARTED=0
cleanup() {
    local rc=$?
    trap - INT TERM EXIT
    [ "$PG_STARTED" = 1 ] && pg_stop "$PGDIR"
    if [ "$KEEP" = 1 ]; then log "kept $BENCH_DIR"; else rm -rf "$BENCH_DIR"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log "building sentinel-bench (release)"
(cd "$ROOT" && swift build -c release --product sentinel-bench >"$BENCH_DIR/build.log" 2>&1) \
    || { tail -40 "$BENCH_DIR/build.log" >&2; exit 1; }

PGPORT=$(free_port)
log "PostgreSQL on 127.0.0.1:$PGPORT (data: $PGDIR)"
pg_start "$PGDIR" "$PGPORT" "-c fsync=off -c full_page_writes=off -c shared_buffers=1GB -c max_wal_size=8GB \
    -c checkpoint_timeout=30min -c maintenance_work_mem=512MB -c shared_preload_libraries=pg_stat_statements"
PG_STARTED=1
ADMIN_URL="postgresql://postgres@127.0.0.1:$PGPORT/postgres"

run() {
    echo "== commit $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo '?')$(cd "$ROOT" && git diff --quiet 2>/dev/null || echo ' (with local changes)')," \
        "server tuned: fsync=off full_page_writes=off shared_buffers=1GB max_wal_size=8GB pg_stat_statements"
    echo "== command: swift run -c release sentinel-bench --database-url $ADMIN_URL $*"
    (cd "$ROOT" && swift run -c release --skip-build sentinel-bench --database-url "$ADMIN_URL" "$@")
}
if [ -n "${BENCH_OUT:-}" ]; then
    run "$@" 2>&1 | tee "$BENCH_OUT"
    exit "${PIPESTATUS[0]}"
else
    run "$@"
fi
