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
#   BENCH_QUICKACK  1: turn delayed ACKs off on the loopback routes for the run and restore them after
#               (root and `ip` needed). Without it, librdkafka's mock broker and the producer stall about
#               40 ms per exchange at some batch sizes (the receiver's delayed ACK), which a broker with
#               TCP_NODELAY does not do: benchmarks/README.md, "Sentinel mass events".
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/lib/common.sh"
. "$ROOT/benchmarks/lib/bench.sh"
KEEP=${BENCH_KEEP:-0}

ensure_system_packages

# The work directory and the exit trap (lib/bench.sh: bench_workdir, bench_stop below).
QUICKACK_SET=0
# loopback_routes [quickack 1]: the two local loopback routes, with the given extra attributes.
loopback_routes() {
    ip route change local 127.0.0.0/8 dev lo proto kernel scope host src 127.0.0.1 table local "$@" &&
        ip route change local 127.0.0.1 dev lo proto kernel scope host src 127.0.0.1 table local "$@"
}
bench_stop() {
    if [ "$QUICKACK_SET" = 1 ]; then
        loopback_routes || echo "could not restore the loopback routes (ip route show table local)" >&2
    fi
}
bench_workdir sentinel-bench

log "building sentinel-bench (release)"
(cd "$ROOT" && swift build -c release --product sentinel-bench >"$BENCH_DIR/build.log" 2>&1) \
    || { tail -40 "$BENCH_DIR/build.log" >&2; exit 1; }

PGPORT=$(free_port)
log "PostgreSQL on 127.0.0.1:$PGPORT (data: $PGDIR)"
pg_start "$PGDIR" "$PGPORT" "-c fsync=off -c full_page_writes=off -c shared_buffers=1GB -c max_wal_size=8GB \
    -c checkpoint_timeout=30min -c maintenance_work_mem=512MB -c shared_preload_libraries=pg_stat_statements"
PG_STARTED=1
ADMIN_URL="postgresql://postgres@127.0.0.1:$PGPORT/postgres"

if [ "${BENCH_QUICKACK:-0}" = 1 ]; then
    QUICKACK_SET=1
    loopback_routes quickack 1 || { echo "BENCH_QUICKACK=1: could not change the loopback routes (root and ip needed)" >&2; exit 1; }
    log "delayed ACKs off on loopback for this run (restored at exit)"
    export HF_BENCH_LOOPBACK_QUICKACK=1
fi

run() {
    echo "== commit $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo '?')$(cd "$ROOT" && git diff --quiet 2>/dev/null || echo ' (with local changes)')," \
        "server tuned: fsync=off full_page_writes=off shared_buffers=1GB max_wal_size=8GB pg_stat_statements$([ "$QUICKACK_SET" = 1 ] && echo '; delayed ACKs off on loopback')"
    echo "== command: swift run -c release sentinel-bench --database-url $ADMIN_URL $*"
    (cd "$ROOT" && swift run -c release --skip-build sentinel-bench --database-url "$ADMIN_URL" "$@")
}
if [ -n "${BENCH_OUT:-}" ]; then
    run "$@" 2>&1 | tee "$BENCH_OUT"
    exit "${PIPESTATUS[0]}"
else
    run "$@"
fi
