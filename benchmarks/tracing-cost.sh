#!/usr/bin/env bash
# What tracing costs a GET by id (issue 13). One command, after release builds of this checkout and of
# the commit before tracing:
#
#   HYPERFLEET_BIN_BEFORE=/path/to/older/release/hyperfleet benchmarks/tracing-cost.sh
#
# Starts a private PostgreSQL, loads BENCH_CLUSTERS clusters, and measures the API in three variants:
#   before  the binary of HYPERFLEET_BIN_BEFORE (no tracing code at all; skipped when unset)
#   off     this checkout's binary with tracing off (the production default)
#   on      this checkout's binary with tracing on, every request sampled (OTEL_TRACES_SAMPLER=always_on),
#           spans exported over OTLP/HTTP to a local sink that reads and discards them
# Measured: GET /clusters/{random id} at BENCH_CONNECTIONS connections for BENCH_DURATION seconds, the
# variants alternating BENCH_ROUNDS times in rotating order (a fresh API process per run): requests per second, p99, and
# the API process's CPU time per GET (from /proc; steadier than the rate on a shared machine). Medians
# are compared. (Instruction counts with callgrind were tried: valgrind 3.19 of this image cannot read
# the Swift toolchain's DWARF 5, and crashes on a copy without debug info.)
# Prints the machine, the parameters and a table; stops everything it started.
#
# Environment (defaults in brackets):
#   BENCH_DURATION [15] BENCH_WARMUP [3] BENCH_ROUNDS [3] BENCH_CONNECTIONS [16] BENCH_THREADS [2]
#   BENCH_CLUSTERS [10000] BENCH_KEEP [0]
#   BENCH_VARIANTS [before off on, or off on without HYPERFLEET_BIN_BEFORE]: a subset, e.g. "before off"
#   HYPERFLEET_BIN [this checkout's release binary], HYPERFLEET_BIN_BEFORE [unset]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
HERE=$ROOT/benchmarks
. "$ROOT/scripts/lib/common.sh"

DURATION=${BENCH_DURATION:-15}
WARMUP=${BENCH_WARMUP:-3}
ROUNDS=${BENCH_ROUNDS:-3}
CONNS=${BENCH_CONNECTIONS:-16}
THREADS=${BENCH_THREADS:-2}
CLUSTERS=${BENCH_CLUSTERS:-10000}
KEEP=${BENCH_KEEP:-0}

PERF=0
. "$HERE/lib/bench.sh"
BIN=$(bench_binary)
BEFORE=${HYPERFLEET_BIN_BEFORE:-}
if [ -n "$BEFORE" ] && [ ! -x "$BEFORE" ]; then echo "HYPERFLEET_BIN_BEFORE=$BEFORE is not an executable" >&2; exit 1; fi
VARIANTS="off on"
[ -n "$BEFORE" ] && VARIANTS="before off on"
VARIANTS=${BENCH_VARIANTS:-$VARIANTS}
for variant in $VARIANTS; do
    case "$variant" in
        before) [ -n "$BEFORE" ] || { echo "BENCH_VARIANTS names before, but HYPERFLEET_BIN_BEFORE is unset" >&2; exit 1; } ;;
        off | on) ;;
        *) echo "BENCH_VARIANTS: unknown variant '$variant' (before, off, on)" >&2; exit 1 ;;
    esac
done
[[ " $VARIANTS " == *" off "* ]] || { echo "BENCH_VARIANTS must include off (the others are compared with it)" >&2; exit 1; }

bench_tools

API_PID=""
SINK_PID=""
stop_api() {
    stop_process "$API_PID"
    API_PID=""
}
bench_stop() {
    stop_api
    if [ -n "$SINK_PID" ]; then kill "$SINK_PID" 2>/dev/null || true; fi
}
bench_workdir tracing-cost

PGPORT=$(free_port)
API_PORT=$(free_port)
HEALTH_PORT=$(free_port)
SINK_PORT=$(free_port)
DB_URL="postgresql://postgres@127.0.0.1:$PGPORT/hyperfleet"
psql_db() { "$PSQL" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PGPORT" -U postgres "$@"; }

log "PostgreSQL on 127.0.0.1:$PGPORT"
pg_start "$PGDIR" "$PGPORT"
PG_STARTED=1
psql_db -d postgres -c "CREATE DATABASE hyperfleet"
(cd "$BENCH_DIR" && HYPERFLEET_API_AUTH_ENABLED=false exec "$BIN" migrate --database-url "$DB_URL") >"$BENCH_DIR/migrate.log" 2>&1 \
    || { cat "$BENCH_DIR/migrate.log" >&2; exit 1; }
log "loading $CLUSTERS clusters"
psql_db -d hyperfleet -v n="$CLUSTERS" -f "$HERE/lib/load-clusters.sql"
IDS_FILE=$BENCH_DIR/ids.txt
psql_db -d hyperfleet -tA -c "SELECT id FROM clusters" >"$IDS_FILE"
psql_db -d postgres -c "CHECKPOINT"

# The OTLP/HTTP sink: answers every POST with 200 and an empty body, keeps nothing.
python3 - "$SINK_PORT" >"$BENCH_DIR/sink.log" 2>&1 <<'PY' &
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class Sink(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.send_header("content-length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Sink).serve_forever()
PY
SINK_PID=$!

# start_variant VARIANT [wrapper...]: the API of VARIANT, from the work directory (embedded defaults).
start_variant() {
    local variant=$1; shift
    local bin=$BIN
    local -a tracing=(HYPERFLEET_API_TRACING_ENABLED=false)
    case "$variant" in
        before) bin=$BEFORE; tracing=() ;;
        on) tracing=(HYPERFLEET_API_TRACING_ENABLED=true HYPERFLEET_API_TRACING_OTLP_ENDPOINT="http://127.0.0.1:$SINK_PORT"
                     OTEL_TRACES_SAMPLER=always_on) ;;
    esac
    (cd "$BENCH_DIR" && exec env "${tracing[@]}" HYPERFLEET_API_SERVER_HEALTH_PORT="$HEALTH_PORT" HYPERFLEET_API_SERVER_METRICS_PORT=0 \
        HYPERFLEET_LOG_LEVEL=warning HYPERFLEET_API_AUTH_ENABLED=false "$@" "$bin" api --no-auth --host 127.0.0.1 \
        --port "$API_PORT" --database-url "$DB_URL") >"$BENCH_DIR/api-$variant.log" 2>&1 &
    API_PID=$!
    for _ in $(seq 1 600); do
        if curl -fsS "http://127.0.0.1:$HEALTH_PORT/readyz" >/dev/null 2>&1; then return 0; fi
        kill -0 "$API_PID" 2>/dev/null || break
        sleep 0.2
    done
    echo "the API ($variant) did not become ready:" >&2
    tail -20 "$BENCH_DIR/api-$variant.log" >&2
    exit 1
}

URL=http://127.0.0.1:$API_PORT/api/hyperfleet/v1/clusters/
declare -A RPS P99 CPU
cpu_us() { echo "scale=2; $1 / 100" | bc | sed 's/^\./0./'; }
read -r -a ORDER <<<"$VARIANTS"
for round in $(seq "$ROUNDS"); do
    # Each round starts with another variant, so no variant always runs first (or after `on`).
    rotation=$(( (round - 1) % ${#ORDER[@]} ))
    for variant in "${ORDER[@]:rotation}" "${ORDER[@]:0:rotation}"; do
        start_variant "$variant"
        BENCH_IDS_FILE=$IDS_FILE wrk -t"$THREADS" -c"$CONNS" -d"${WARMUP}s" -s "$HERE/lib/wrk.lua" "$URL" >/dev/null
        log "round $round, $variant: wrk -c$CONNS ${DURATION}s"
        measure "$variant$round" env BENCH_IDS_FILE="$IDS_FILE" \
            wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency -s "$HERE/lib/wrk.lua" "$URL" >"$BENCH_DIR/wrk-$variant-$round.txt"
        line=$(grep '^BENCH ' "$BENCH_DIR/wrk-$variant-$round.txt")
        requests=$(sed -E 's/.*requests=([0-9]+).*/\1/' <<<"$line")
        duration=$(sed -E 's/.*duration_us=([0-9]+).*/\1/' <<<"$line")
        errors=$(( $(sed -E 's/.*non2xx=([0-9]+).*/\1/' <<<"$line") + $(sed -E 's/.*socket_errors=([0-9]+).*/\1/' <<<"$line") ))
        [ "$errors" = 0 ] || { echo "$variant round $round: $errors failed requests" >&2; exit 1; }
        RPS[$variant$round]=$(( requests * 1000000 / duration ))
        P99[$variant$round]=$(echo "scale=2; $(sed -E 's/.* p99_us=([0-9]+).*/\1/' <<<"$line") / 1000" | bc | sed 's/^\./0./')
        CPU[$variant$round]=$(( API_CPU[$variant$round] * 100 / requests ))  # hundredths of a microsecond
        log "round $round, $variant: ${RPS[$variant$round]} req/s, p99 ${P99[$variant$round]} ms, API CPU $(cpu_us "${CPU[$variant$round]}") us/GET"
        stop_api
    done
done
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2)}'; }

echo
echo "## Tracing cost: GET /clusters/{id} ($(date -u +%Y-%m-%dT%H:%MZ), $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'))"
echo
echo "machine: $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(uname -r);" \
    "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}'); $CLUSTERS clusters; wrk -c$CONNS -t$THREADS ${DURATION}s x $ROUNDS rounds, alternating"
echo "variants: before = ${BEFORE:-(not given)}; off/on = $BIN (on: always_on sampler, OTLP/HTTP protobuf to a local sink)"
echo
printf '| variant |'; for r in $(seq "$ROUNDS"); do printf ' round %s req/s (p99 ms) |' "$r"; done; printf ' median req/s | vs off | median API CPU us per GET | vs off |'
echo
printf '|---|'; for _ in $(seq "$ROUNDS"); do printf '%s' '---|'; done; printf '%s' '---|---|---|---|'; echo
OFF_MEDIAN=$(median $(for r in $(seq "$ROUNDS"); do echo "${RPS[off$r]}"; done))
OFF_CPU=$(median $(for r in $(seq "$ROUNDS"); do echo "${CPU[off$r]}"; done))
for variant in $VARIANTS; do
    printf '| %s |' "$variant"
    for r in $(seq "$ROUNDS"); do printf ' %s (%s) |' "${RPS[$variant$r]}" "${P99[$variant$r]}"; done
    m=$(median $(for r in $(seq "$ROUNDS"); do echo "${RPS[$variant$r]}"; done))
    printf ' %s | %s %% |' "$m" "$(echo "scale=1; ($m - $OFF_MEDIAN) * 100 / $OFF_MEDIAN" | bc)"
    c=$(median $(for r in $(seq "$ROUNDS"); do echo "${CPU[$variant$r]}"; done))
    printf ' %s | %s %% |' "$(cpu_us "$c")" "$(echo "scale=1; ($c - $OFF_CPU) * 100 / $OFF_CPU" | bc)"
    echo
done
