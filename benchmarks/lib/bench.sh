# Shared helpers of the benchmark scripts. Source after scripts/lib/common.sh; the measuring helpers
# read ROOT, HERE, BENCH_DIR, PGDIR, PGPORT, DURATION, WARMUP, THREADS, CONNS and PERF. Defines the
# measurement arrays (API_CPU, PG_CPU, BUSY, RPS, P50, P99, P999, REQS, ERRS, TPS, PGB_LAT, PGB_TX)
# filled by `measure`, `run_wrk` and `run_pgbench`.
# shellcheck shell=bash

# The hyperfleet binary: HYPERFLEET_BIN, or this checkout's release build.
bench_binary() {
    local bin=${HYPERFLEET_BIN:-}
    if [ -z "$bin" ]; then
        bin=$(cd "$ROOT" && swift build -c release --show-bin-path 2>/dev/null)/hyperfleet
    fi
    [ -x "$bin" ] || { echo "no hyperfleet binary at $bin: run 'swift build -c release --product hyperfleet' first (or set HYPERFLEET_BIN)" >&2; return 1; }
    echo "$bin"
}

# System packages, wrk, and the PostgreSQL client tools (PGBENCH, PSQL).
bench_tools() {
    ensure_system_packages
    if ! command -v wrk >/dev/null 2>&1; then
        log "installing wrk"
        local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq wrk >/dev/null \
            || { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq wrk >/dev/null; }
    fi
    PGBENCH=$PG_BIN/pgbench; [ -x "$PGBENCH" ] || PGBENCH=$(command -v pgbench)
    PSQL=$PG_BIN/psql
}

# stop_process PID: SIGTERM, then wait for it; nothing when PID is empty.
stop_process() {
    if [ -n "$1" ]; then
        kill -TERM "$1" 2>/dev/null || true
        wait "$1" 2>/dev/null || true
    fi
}

# bench_workdir NAME: the work directory BENCH_DIR (/var/tmp/hyperfleet-NAME.*: outside any clone under
# /root, since PostgreSQL runs as `postgres`), PGDIR in it, PG_STARTED=0, and the exit trap
# (bench_cleanup). Ctrl-C and SIGTERM end the script through that trap.
bench_workdir() {
    BENCH_DIR=$(mktemp -d "/var/tmp/hyperfleet-$1.XXXXXX")
    chmod 755 "$BENCH_DIR"
    PGDIR=$BENCH_DIR/pg
    PG_STARTED=0
    trap bench_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

# The exit trap: the script's own `bench_stop` first (when it defines one: the processes it started),
# then PostgreSQL, then the work directory (kept when KEEP=1); exits with the script's status.
# (`if`s, not `&&`: under `set -e` a failing last command of an && list would end the trap there.)
bench_cleanup() {
    local rc=$?
    trap - INT TERM EXIT
    if declare -F bench_stop >/dev/null; then bench_stop || true; fi
    if [ "$PG_STARTED" = 1 ]; then pg_stop "$PGDIR"; fi
    if [ "${KEEP:-0}" = 1 ]; then log "kept $BENCH_DIR"; else rm -rf "$BENCH_DIR"; fi
    exit "$rc"
}

# start_api BIN DB_URL: `hyperfleet api --no-auth` on API_PORT/HEALTH_PORT/METRICS_PORT, from the work
# directory (no config/api.yaml there: embedded defaults + these overrides); sets API_PID, POOL_SIZE.
# (The unprefixed HYPERFLEET_SERVER_* names are for binaries older than the HYPERFLEET_API_* prefix,
# so that the same script measures them in alternation.)
start_api() {
    local bin=$1 url=$2
    log "hyperfleet api on 127.0.0.1:$API_PORT (health $HEALTH_PORT, metrics $METRICS_PORT)"
    (cd "$BENCH_DIR" && HYPERFLEET_API_SERVER_HEALTH_PORT=$HEALTH_PORT HYPERFLEET_API_SERVER_METRICS_PORT=$METRICS_PORT \
        HYPERFLEET_SERVER_HEALTH_PORT=$HEALTH_PORT HYPERFLEET_SERVER_METRICS_PORT=$METRICS_PORT \
        HYPERFLEET_LOG_LEVEL=warning HYPERFLEET_API_AUTH_ENABLED=false HYPERFLEET_AUTH_ENABLED=false exec "$bin" api --no-auth --host 127.0.0.1 --port "$API_PORT" --database-url "$url") \
        >"$BENCH_DIR/api.log" 2>&1 &
    API_PID=$!
    local ready=0
    for _ in $(seq 1 100); do
        if curl -fsS "http://127.0.0.1:$HEALTH_PORT/readyz" >/dev/null 2>&1; then ready=1; break; fi
        kill -0 "$API_PID" 2>/dev/null || break
        sleep 0.2
    done
    [ "$ready" = 1 ] || { echo "the API did not become ready:" >&2; tail -20 "$BENCH_DIR/api.log" >&2; return 1; }
    POOL_SIZE=$(cd "$BENCH_DIR" && HYPERFLEET_API_AUTH_ENABLED=false HYPERFLEET_AUTH_ENABLED=false "$bin" api --check 2>/dev/null | awk '$1 == "pool_size:" {print $2; exit}')
    POOL_SIZE=${POOL_SIZE:-?}
}

HZ=$(getconf CLK_TCK)
# CPU ticks (user+system) of a process, its reaped children included.
# No pid (no API in the run): 0 (not /proc//stat, which is the whole machine's /proc/stat).
proc_ticks() { if [ -n "$1" ]; then awk '{print $14 + $15 + $16 + $17}' "/proc/$1/stat" 2>/dev/null || echo 0; else echo 0; fi; }
# CPU ticks of the postmaster, its reaped children and its live children (the backends).
pg_ticks() {
    local pm total=0 c
    pm=$(head -1 "$PGDIR/data/postmaster.pid")
    total=$(proc_ticks "$pm")
    for c in $(pgrep -P "$pm" || true); do total=$((total + $(awk '{print $14 + $15}' "/proc/$c/stat" 2>/dev/null || echo 0))); done
    echo "$total"
}
busy_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8}' /proc/stat; }

# measure NAME CMD...: runs CMD, records CPU of the API (API_PID) and of PostgreSQL, in microseconds,
# and the whole machine's busy share.
declare -A API_CPU PG_CPU BUSY
measure() {
    local name=$1; shift
    local a0 p0 b0 t0 a1 p1 b1 t1
    a0=$(proc_ticks "$API_PID"); p0=$(pg_ticks); read -r b0 t0 <<<"$(busy_ticks)"
    "$@"
    sleep 0.5 # let the postmaster reap exited backends (their CPU then shows in its cutime)
    a1=$(proc_ticks "$API_PID"); p1=$(pg_ticks); read -r b1 t1 <<<"$(busy_ticks)"
    API_CPU[$name]=$(( (a1 - a0) * 1000000 / HZ ))
    PG_CPU[$name]=$(( (p1 - p0) * 1000000 / HZ ))
    BUSY[$name]=$(( t1 > t0 ? (b1 - b0) * 100 / (t1 - t0) : 0 ))
}

# The CPU share of processes other than the API and PostgreSQL over 3 s of no load (IDLE_BUSY, %).
measure_idle() {
    measure idle sleep 3
    IDLE_BUSY=$(( BUSY[idle] - (API_CPU[idle] + PG_CPU[idle]) * 100 / (3500000 * $(nproc)) ))
    [ "$IDLE_BUSY" -lt 0 ] && IDLE_BUSY=0
    if [ "$IDLE_BUSY" -gt 10 ]; then
        log "warning: other processes kept the machine ${IDLE_BUSY}% busy before the runs: figures will be low"
    fi
    return 0
}

# run_wrk NAME CONNECTIONS URL [IDS_FILE]: wrk with lib/wrk.lua (BENCH_* variables of the caller's
# environment pass through, e.g. BENCH_MODE), a warm-up first; fills RPS, P50, P99, P999, REQS, ERRS
# (non-2xx answers and socket errors) and CONFLICTS (reports refused as out of order, not errors).
declare -A RPS P50 P99 P999 REQS ERRS CONFLICTS
run_wrk() {
    local name=$1 conns=$2 url=$3 ids=${4:-} out=$BENCH_DIR/wrk-$1.txt threads=$THREADS perf_pid=""
    [ "$conns" -lt "$threads" ] && threads=$conns
    if [ "$WARMUP" -gt 0 ]; then
        BENCH_RUN="$name-warmup" BENCH_IDS_FILE=$ids wrk -t"$threads" -c"$conns" -d"${WARMUP}s" -s "$HERE/lib/wrk.lua" "$url" >/dev/null
    fi
    if [ "$PERF" = 1 ] && command -v perf >/dev/null 2>&1; then
        perf record -F 499 -p "$API_PID" -o "$BENCH_DIR/perf-$name.data" -- sleep "$DURATION" >/dev/null 2>&1 &
        perf_pid=$!
    fi
    log "wrk $name: $conns connections, ${DURATION}s"
    measure "$name" env BENCH_RUN="$name" BENCH_IDS_FILE="$ids" \
        wrk -t"$threads" -c"$conns" -d"${DURATION}s" --latency -s "$HERE/lib/wrk.lua" "$url" >"$out"
    if [ -n "$perf_pid" ]; then
        wait "$perf_pid" || true
        local demangle="cat"
        command -v swift >/dev/null 2>&1 && demangle="swift demangle --simplified"
        perf report -i "$BENCH_DIR/perf-$name.data" --no-children --sort dso,symbol --stdio 2>/dev/null \
            | grep -v '^$' | head -400 | $demangle >"$BENCH_DIR/perf-$name.txt" || true
        log "perf profile: $BENCH_DIR/perf-$name.txt"
    fi
    local line; line=$(grep '^BENCH ' "$out") || { cat "$out" >&2; return 1; }
    local requests duration non2xx sockerr p50 p99 p999
    requests=$(sed -E 's/.*requests=([0-9]+).*/\1/' <<<"$line")
    duration=$(sed -E 's/.*duration_us=([0-9]+).*/\1/' <<<"$line")
    non2xx=$(sed -E 's/.*non2xx=([0-9]+).*/\1/' <<<"$line")
    sockerr=$(sed -E 's/.*socket_errors=([0-9]+).*/\1/' <<<"$line")
    p50=$(sed -E 's/.* p50_us=([0-9]+).*/\1/' <<<"$line")
    p99=$(sed -E 's/.* p99_us=([0-9]+).*/\1/' <<<"$line")
    p999=$(sed -E 's/.* p999_us=([0-9]+).*/\1/' <<<"$line")
    REQS[$name]=$requests
    ERRS[$name]=$((non2xx + sockerr))
    CONFLICTS[$name]=$(sed -nE 's/.* conflicts=([0-9]+).*/\1/p' <<<"$line")
    RPS[$name]=$(echo "scale=0; $requests * 1000000 / $duration" | bc)
    P50[$name]=$(echo "scale=2; $p50 / 1000" | bc | sed 's/^\./0./')
    P99[$name]=$(echo "scale=2; $p99 / 1000" | bc | sed 's/^\./0./')
    P999[$name]=$(echo "scale=2; $p999 / 1000" | bc | sed 's/^\./0./')
}

# run_pgbench NAME MODE: `pgbench MODE -M prepared` (MODE -S: select-only, -N: simple update) at CONNS
# connections on database `pgbench`; fills TPS, PGB_LAT, PGB_TX.
declare -A TPS PGB_LAT PGB_TX
run_pgbench() {
    local name=$1 mode=$2
    log "pgbench $mode -M prepared -c $CONNS -j $THREADS -T $DURATION"
    measure "$name" "$PGBENCH" "$mode" -M prepared -c "$CONNS" -j "$THREADS" -T "$DURATION" -n \
        -h 127.0.0.1 -p "$PGPORT" -U postgres pgbench >"$BENCH_DIR/$name.txt" 2>&1 \
        || { cat "$BENCH_DIR/$name.txt" >&2; return 1; }
    TPS[$name]=$(awk -F'= ' '/^tps/ {split($2, a, " "); printf "%d", a[1]; exit}' "$BENCH_DIR/$name.txt")
    PGB_LAT[$name]=$(awk -F'= ' '/^latency average/ {split($2, a, " "); print a[1]; exit}' "$BENCH_DIR/$name.txt")
    PGB_TX[$name]=$(awk -F': ' '/^number of transactions actually processed/ {split($2, a, "/"); print a[1]; exit}' "$BENCH_DIR/$name.txt")
}

median() { printf '%s\n' "$@" | sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2)}'; }

# per_req NAME COUNT -> "api_us pg_us": CPU per request of the API and of PostgreSQL.
per_req() {
    if [ "${2:-0}" -gt 0 ]; then echo "$(( API_CPU[$1] / $2 )) $(( PG_CPU[$1] / $2 ))"; else echo "- -"; fi
}

goal() { if [ "$1" = 1 ]; then echo "met"; else echo "MISSED"; fi; }

# The machine line of a report.
machine_line() {
    echo "$(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), $(free -g | awk '/^Mem:/ {print $2 " GiB RAM, " $7 " GiB available"}'), ${IDLE_BUSY:-?}% busy with other processes just before the runs"
}
