#!/usr/bin/env bash
# HyperFleet write benchmark (issue 14). One command, after
# `swift build -c release --product hyperfleet --product sentinel-bench`:
#
#   benchmarks/write-bench.sh
#
# Starts a private PostgreSQL (pg_stat_statements preloaded) on a free port, migrates, loads
# BENCH_CLUSTERS clusters with SQL, starts `hyperfleet api --no-auth`, then measures with wrk and
# pgbench, alternating BENCH_ROUNDS times, all at BENCH_CONNECTIONS connections:
#   1. status reports: POST /clusters/{random id}/statuses from one of the four required adapters,
#      Available flipping at random, observed_time now;
#   2. `pgbench -N -M prepared` (the simple-update transaction) on the same server;
#   3. cluster creates: POST /clusters with new names;
#   4. PATCHes: PATCH /clusters/{random id} with a new spec.
# Goals (ratios against the median pgbench -N rate): reports >= 40 % with p99 <= 25 ms, creates >= 40 %.
# Then the server time of each statement during the first report and create runs (pg_stat_statements), and the report run
# again with a Sentinel (`hyperfleet sentinel`, config/sentinel.yaml, a librdkafka mock broker served by
# `sentinel-bench --serve-mock-kafka`) consuming the change queue: its recorded events/s (from its
# hyperfleet_sentinel_events_published_total) and the drop of the report rate (goal: at most 25 %).
# Last, a required-adapter change over every loaded cluster (`hyperfleet migrate` with one adapter more)
# while one connection posts reports in a loop, then its removal (the original list again) while one
# connection reports as the removed adapter: each time the longest report and how long the change took.
# Prints the parameters, the machine and a table; stops everything it started (also on Ctrl-C).
#
# Environment (defaults in brackets):
#   BENCH_DURATION [20]     seconds of each measured run (wrk and pgbench)
#   BENCH_WARMUP [5]        seconds of unmeasured load before each wrk run
#   BENCH_ROUNDS [3]        rounds of (reports, pgbench -N, creates, PATCHes); ratios from medians
#   BENCH_CONNECTIONS [16]  connections of every run
#   BENCH_THREADS [2]       wrk threads and pgbench -j
#   BENCH_CLUSTERS [10000]  clusters loaded
#   BENCH_PGBENCH_SCALE [10] pgbench -i scale (database `pgbench`, same server)
#   BENCH_PG_OPTIONS []     extra server options, e.g. "-c synchronous_commit=off"
#   BENCH_SENTINEL [1]      0: skip the run with a Sentinel
#   BENCH_REQUIRED_CHANGE [1] 0: skip the required-adapter change
#   BENCH_PERF [0]          1: record `perf` CPU profiles of the API during the runs ($BENCH_DIR/perf-*.txt)
#   BENCH_KEEP [0]          1: keep the work directory (logs, data) after the run
#   HYPERFLEET_BIN          the binary [release bin path of this checkout]/hyperfleet
#   SENTINEL_BENCH_BIN      the sentinel-bench binary [same folder as HYPERFLEET_BIN]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
HERE=$ROOT/benchmarks
. "$ROOT/scripts/lib/common.sh"
. "$HERE/lib/bench.sh"

DURATION=${BENCH_DURATION:-20}
ROUNDS=${BENCH_ROUNDS:-3}
WARMUP=${BENCH_WARMUP:-5}
CONNS=${BENCH_CONNECTIONS:-16}
THREADS=${BENCH_THREADS:-2}
CLUSTERS=${BENCH_CLUSTERS:-10000}
PGSCALE=${BENCH_PGBENCH_SCALE:-10}
PG_OPTIONS=${BENCH_PG_OPTIONS:-}
SENTINEL=${BENCH_SENTINEL:-1}
REQUIRED_CHANGE=${BENCH_REQUIRED_CHANGE:-1}
PERF=${BENCH_PERF:-0}
KEEP=${BENCH_KEEP:-0}
ADAPTERS=validation,dns,pullsecret,hypershift

BIN=$(bench_binary)
BENCH_BIN=${SENTINEL_BENCH_BIN:-$(dirname "$BIN")/sentinel-bench}
if [ "$SENTINEL" = 1 ] && [ ! -x "$BENCH_BIN" ]; then
    echo "no sentinel-bench at $BENCH_BIN: run 'swift build -c release --product sentinel-bench' (or BENCH_SENTINEL=0)" >&2
    exit 1
fi
bench_tools

# The work directory and the exit trap (lib/bench.sh: bench_workdir, bench_stop below).
API_PID=""
SENTINEL_PID=""
KAFKA_PID=""
bench_stop() {
    stop_process "$SENTINEL_PID"
    stop_process "$KAFKA_PID"
    stop_process "$API_PID"
}
bench_workdir write-bench

PGPORT=$(free_port)
API_PORT=$(free_port)
HEALTH_PORT=$(free_port)
METRICS_PORT=$(free_port)
DB=hyperfleet
DB_URL="postgresql://postgres@127.0.0.1:$PGPORT/$DB"
psql_db() { "$PSQL" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PGPORT" -U postgres "$@"; }
API=http://127.0.0.1:$API_PORT
CLUSTERS_URL=$API/api/hyperfleet/v1/clusters

# ---------------------------------------------------------------- 1. PostgreSQL, schema, data
log "PostgreSQL on 127.0.0.1:$PGPORT (data: $PGDIR)"
pg_start "$PGDIR" "$PGPORT" "-c shared_preload_libraries=pg_stat_statements $PG_OPTIONS"
PG_STARTED=1
psql_db -d postgres -c "CREATE DATABASE $DB" -c "CREATE DATABASE pgbench"
psql_db -d "$DB" -c "CREATE EXTENSION pg_stat_statements"
(cd "$BENCH_DIR" && HYPERFLEET_API_AUTH_ENABLED=false HYPERFLEET_AUTH_ENABLED=false exec "$BIN" migrate --database-url "$DB_URL") >"$BENCH_DIR/migrate.log" 2>&1 \
    || { cat "$BENCH_DIR/migrate.log" >&2; exit 1; }

log "loading $CLUSTERS clusters"
psql_db -d "$DB" -v n="$CLUSTERS" -f "$HERE/lib/load-clusters.sql"
IDS_FILE=$BENCH_DIR/ids.txt
psql_db -d "$DB" -tA -c "SELECT id FROM clusters" >"$IDS_FILE"
# The load's change rows are the Sentinel's business in part 3, not the API's here.
psql_db -d "$DB" -c "TRUNCATE sentinel_changes"

log "pgbench -i -s $PGSCALE"
"$PGBENCH" -i -q -s "$PGSCALE" -h 127.0.0.1 -p "$PGPORT" -U postgres pgbench >"$BENCH_DIR/pgbench-init.log" 2>&1 \
    || { cat "$BENCH_DIR/pgbench-init.log" >&2; exit 1; }
psql_db -d pgbench -c "VACUUM ANALYZE"
psql_db -d postgres -c "CHECKPOINT"

# ---------------------------------------------------------------- 2. the API, one of each write
start_api "$BIN" "$DB_URL"
one_id=$(head -1 "$IDS_FILE")
now=$(date -u +%Y-%m-%dT%H:%M:%S.%6NZ)
check() { # what expected-code curl-args...
    local what=$1 want=$2; shift 2
    local got; got=$(curl -sS -o "$BENCH_DIR/check.json" -w '%{http_code}' -H 'Content-Type: application/json' "$@")
    [ "$got" = "$want" ] || { echo "$what: HTTP $got (expected $want):" >&2; cat "$BENCH_DIR/check.json" >&2; exit 1; }
}
check "report" 201 -X POST -d "{\"adapter\":\"dns\",\"observed_generation\":1,\"observed_time\":\"$now\",\"conditions\":[{\"type\":\"Available\",\"status\":\"True\"}]}" \
    "$CLUSTERS_URL/$one_id/statuses"
check "create" 201 -X POST -d '{"kind":"Cluster","name":"write-bench-check","spec":{}}' "$CLUSTERS_URL"
check "patch" 200 -X PATCH -d '{"spec":{"check":1}}' "$CLUSTERS_URL/$one_id"

measure_idle

# ---------------------------------------------------------------- 3. reports, pgbench -N, creates, PATCHes
export BENCH_ADAPTERS=$ADAPTERS
# What one request costs the server, statement by statement (pg_stat_statements since the last reset:
# the run's warm-up included), into $1.
statement_times() {
    psql_db -d "$DB" -c "
        SELECT calls, round(total_exec_time::numeric / calls * 1000) AS mean_us,
               round(100 * total_exec_time / sum(total_exec_time) OVER ())::int AS pct,
               round(shared_blks_hit::numeric / calls, 1) AS hit_per_call,
               round(wal_bytes::numeric / calls) AS wal_bytes_per_call,
               regexp_replace(left(query, 110), '\s+', ' ', 'g') AS statement
        FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = '$DB')
        ORDER BY total_exec_time DESC LIMIT 14" >"$1"
}
reset_statement_times() { psql_db -d "$DB" -tA -c "SELECT pg_stat_statements_reset()" >/dev/null; }
for round in $(seq "$ROUNDS"); do
    if [ "$round" = 1 ]; then reset_statement_times; fi
    BENCH_MODE=report run_wrk "report$round" "$CONNS" "$API/" "$IDS_FILE"
    if [ "$round" = 1 ]; then statement_times "$BENCH_DIR/statements-report.txt"; fi
    run_pgbench "pgbench$round" -N
    if [ "$round" = 1 ]; then reset_statement_times; fi
    BENCH_MODE=create BENCH_PATH_PREFIX=/api/hyperfleet/v1/clusters run_wrk "create$round" "$CONNS" "$API/"
    if [ "$round" = 1 ]; then statement_times "$BENCH_DIR/statements-create.txt"; fi
    BENCH_MODE=patch run_wrk "patch$round" "$CONNS" "$API/" "$IDS_FILE"
done
TPS_MEDIAN=$(median $(for r in $(seq "$ROUNDS"); do echo "${TPS[pgbench$r]}"; done))
for kind in report create patch; do
    declare "MEDIAN_$kind=$(median $(for r in $(seq "$ROUNDS"); do echo "${RPS[$kind$r]}"; done))"
done

# ---------------------------------------------------------------- 4. reports with a Sentinel consuming
SENTINEL_LINE="(skipped: BENCH_SENTINEL=0)"
if [ "$SENTINEL" = 1 ]; then
    log "mock Kafka broker (sentinel-bench --serve-mock-kafka)"
    "$BENCH_BIN" --serve-mock-kafka >"$BENCH_DIR/kafka.log" 2>&1 &
    KAFKA_PID=$!
    BROKERS=""
    for _ in $(seq 1 100); do
        BROKERS=$(awk '$1 == "BOOTSTRAP" {print $2; exit}' "$BENCH_DIR/kafka.log")
        [ -n "$BROKERS" ] && break
        sleep 0.1
    done
    [ -n "$BROKERS" ] || { echo "no mock broker:" >&2; cat "$BENCH_DIR/kafka.log" >&2; exit 1; }
    S_HEALTH=$(free_port); S_METRICS=$(free_port)
    log "hyperfleet sentinel (config/sentinel.yaml, Kafka $BROKERS, health $S_HEALTH, metrics $S_METRICS)"
    (cd "$BENCH_DIR" && HYPERFLEET_SENTINEL_SERVER_HEALTH_PORT=$S_HEALTH HYPERFLEET_SENTINEL_SERVER_METRICS_PORT=$S_METRICS \
        HYPERFLEET_LOG_LEVEL=warning exec "$BIN" sentinel --config "$ROOT/config/sentinel.yaml" --kafka-brokers "$BROKERS" \
        --database-url "$DB_URL") >"$BENCH_DIR/sentinel.log" 2>&1 &
    SENTINEL_PID=$!
    ready=0
    for _ in $(seq 1 150); do
        if curl -fsS "http://127.0.0.1:$S_HEALTH/readyz" >/dev/null 2>&1; then ready=1; break; fi
        kill -0 "$SENTINEL_PID" 2>/dev/null || break
        sleep 0.2
    done
    [ "$ready" = 1 ] || { echo "the Sentinel did not become ready:" >&2; tail -20 "$BENCH_DIR/sentinel.log" >&2; exit 1; }
    published() { # events the Sentinel recorded so far (all types and reasons)
        curl -fsS "http://127.0.0.1:$S_METRICS/metrics" | awk '/^hyperfleet_sentinel_events_published_total/ {s += $NF} END {printf "%d", s}'
    }
    backlog() { psql_db -d "$DB" -tA -c "SELECT count(*) FROM sentinel_changes"; }
    # Let it work off the queue the earlier runs left (each report's change row) before timing.
    for _ in $(seq 1 120); do [ "$(backlog)" -lt 100 ] && break; sleep 1; done
    log "change queue before the run: $(backlog) rows"
    e0=$(published); t0=$(date +%s.%N); s_cpu0=$(proc_ticks "$SENTINEL_PID")
    BENCH_MODE=report run_wrk "sentinel" "$CONNS" "$API/" "$IDS_FILE"
    e1=$(published); t1=$(date +%s.%N); s_cpu1=$(proc_ticks "$SENTINEL_PID")
    left=$(backlog)
    EVENTS_PER_SECOND=$(echo "scale=0; ($e1 - $e0) / ($t1 - $t0)" | bc)
    SENTINEL_CPU=$(( (s_cpu1 - s_cpu0) * 1000000 / HZ ))
    change=$(echo "scale=1; ${RPS[sentinel]} * 100 / $MEDIAN_report - 100" | bc | sed 's/^\(-\{0,1\}\)\./\10./')
    drop_ok=$(echo "${RPS[sentinel]} * 100 >= 75 * $MEDIAN_report" | bc)
    SENTINEL_LINE="reports ${RPS[sentinel]}/s with the Sentinel vs $MEDIAN_report/s without (median): ${change} % (goal: drop <= 25 %: $(goal "$drop_ok"));
                 Sentinel recorded $((e1 - e0)) events in the run ($EVENTS_PER_SECOND/s), CPU $((SENTINEL_CPU / 1000)) ms, change rows left at the end: $left"
    stop_process "$SENTINEL_PID"; SENTINEL_PID=""
    stop_process "$KAFKA_PID"; KAFKA_PID=""
fi

# ---------------------------------------------------------------- 5. a required-adapter change under reports
REQUIRED_LINE="(skipped: BENCH_REQUIRED_CHANGE=0)"
# change_under_reports NAME LIST ADAPTERS: runs `hyperfleet migrate` with the cluster list LIST while one
# connection reports in a loop (each request timed) from ADAPTERS; sets CHANGE_SECONDS, CHANGE_REPORTS and
# CHANGE_MAX_MS (the slowest report: it bounds the longest lock hold that stopped reports).
change_under_reports() {
    local name=$1 list=$2 adapters=$3 pid t0 line
    BENCH_MODE=report BENCH_RUN=$name BENCH_ADAPTERS=$adapters BENCH_IDS_FILE=$IDS_FILE \
        wrk -t1 -c1 -d600s --latency -s "$HERE/lib/wrk.lua" "$API/" >"$BENCH_DIR/wrk-$name.txt" &
    pid=$!
    sleep 2
    t0=$(date +%s.%N)
    (cd "$BENCH_DIR" && HYPERFLEET_API_AUTH_ENABLED=false HYPERFLEET_AUTH_ENABLED=false \
        HYPERFLEET_API_ADAPTERS_REQUIRED_CLUSTERS="$list" exec "$BIN" migrate --database-url "$DB_URL") \
        >"$BENCH_DIR/migrate-$name.log" 2>&1 || { cat "$BENCH_DIR/migrate-$name.log" >&2; exit 1; }
    CHANGE_SECONDS=$(echo "$(date +%s.%N) - $t0" | bc)
    sleep 2
    kill -INT "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    line=$(grep '^BENCH ' "$BENCH_DIR/wrk-$name.txt") || { cat "$BENCH_DIR/wrk-$name.txt" >&2; exit 1; }
    CHANGE_MAX_MS=$(echo "scale=1; $(sed -E 's/.* max_us=([0-9]+).*/\1/' <<<"$line") / 1000" | bc)
    CHANGE_REPORTS=$(sed -E 's/.*requests=([0-9]+).*/\1/' <<<"$line")
}

if [ "$REQUIRED_CHANGE" = 1 ]; then
    # Adding a required cluster adapter re-aggregates every cluster; a report waits whenever a lock it
    # needs is held.
    log "required-adapter change over $CLUSTERS clusters, reports alongside"
    change_under_reports required "$ADAPTERS,bench-extra" "$ADAPTERS"
    required_now=$(psql_db -d "$DB" -tA -c "SELECT string_agg(adapter, ',' ORDER BY adapter) FROM hyperfleet_required_adapters WHERE resource_type = 'clusters'")
    REQUIRED_LINE="the change took ${CHANGE_SECONDS%.*} s (now: $required_now); $CHANGE_REPORTS reports alongside, the slowest ${CHANGE_MAX_MS} ms
                 (goal: no lock stops reports for more than 1 s: $(goal "$(echo "$CHANGE_MAX_MS <= 1000" | bc)"))"
    # And back: the original list removes the adapter again, which deletes its liveness row on every
    # cluster, while one connection reports as the removed adapter (whose liveness rows those are).
    log "required-adapter removal over $CLUSTERS clusters, reports of the removed adapter alongside"
    change_under_reports removal "$ADAPTERS" bench-extra
    REQUIRED_LINE="$REQUIRED_LINE
                 removing it again took ${CHANGE_SECONDS%.*} s; $CHANGE_REPORTS reports of the removed adapter alongside, the slowest ${CHANGE_MAX_MS} ms
                 (goal: no lock stops reports for more than 1 s: $(goal "$(echo "$CHANGE_MAX_MS <= 1000" | bc)"))"
fi

# ---------------------------------------------------------------- 6. report
report_ratio=$(echo "scale=1; $MEDIAN_report * 100 / $TPS_MEDIAN" | bc)
create_ratio=$(echo "scale=1; $MEDIAN_create * 100 / $TPS_MEDIAN" | bc)
patch_ratio=$(echo "scale=1; $MEDIAN_patch * 100 / $TPS_MEDIAN" | bc)
report_p99=$(for r in $(seq "$ROUNDS"); do echo "${P99[report$r]}"; done | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}')
report_ok=$(echo "$MEDIAN_report * 100 >= 40 * $TPS_MEDIAN && $report_p99 <= 25" | bc)
create_ok=$(echo "$MEDIAN_create * 100 >= 40 * $TPS_MEDIAN" | bc)

cat <<EOF

== HyperFleet write benchmark  $(date -u +%Y-%m-%dT%H:%M:%SZ)
machine    $(machine_line)
software   $("$PG_BIN/postgres" --version), $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2), hyperfleet $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo '?')$(cd "$ROOT" && git diff --quiet 2>/dev/null || echo ' (with local changes)')
parameters $CLUSTERS clusters, ${DURATION}s runs after ${WARMUP}s warm-up, $CONNS connections, wrk -t$THREADS, pgbench -s $PGSCALE -j $THREADS,
           API auth off, log warning, database pool $POOL_SIZE, server options: ${PG_OPTIONS:-defaults} (+ pg_stat_statements);
           reports from $ADAPTERS at observed_generation 1; all on loopback on this one machine

| run                                  | conns |    req/s |  p50 ms |  p99 ms | p99.9 ms | errors | 409 | CPU busy | API us/req | PG us/req |
|--------------------------------------|------:|---------:|--------:|--------:|---------:|-------:|----:|---------:|-----------:|----------:|
EOF
row() { # label name count
    local api pg
    read -r api pg <<<"$(per_req "$2" "$3")"
    printf '| %-36s | %5s | %8s | %7s | %7s | %8s | %6s | %3s | %7s%% | %10s | %9s |\n' \
        "$1" "$CONNS" "${RPS[$2]}" "${P50[$2]}" "${P99[$2]}" "${P999[$2]}" "${ERRS[$2]}" "${CONFLICTS[$2]:-0}" "${BUSY[$2]}" "$api" "$pg"
}
for round in $(seq "$ROUNDS"); do
    row "status reports, round $round" "report$round" "${REQS[report$round]}"
    read -r _ pgb_pg <<<"$(per_req "pgbench$round" "${PGB_TX[pgbench$round]:-0}")"
    printf '| %-36s | %5s | %8s | %7s | %7s | %8s | %6s | %3s | %7s%% | %10s | %9s |\n' \
        "pgbench -N -M prepared, round $round" "$CONNS" "${TPS[pgbench$round]}" "-" "-" "-" "-" "-" "${BUSY[pgbench$round]}" "-" "$pgb_pg"
    row "cluster creates, round $round" "create$round" "${REQS[create$round]}"
    row "PATCH spec, round $round" "patch$round" "${REQS[patch$round]}"
done
if [ "$SENTINEL" = 1 ]; then row "status reports, Sentinel consuming" sentinel "${REQS[sentinel]}"; fi
cat <<EOF

reports / pgbench -N = $MEDIAN_report / $TPS_MEDIAN = ${report_ratio} %, p99 (median of rounds) ${report_p99} ms   (goal >= 40 %, p99 <= 25 ms: $(goal "$report_ok"))
creates / pgbench -N = $MEDIAN_create / $TPS_MEDIAN = ${create_ratio} %   (goal >= 40 %: $(goal "$create_ok"))
PATCHes / pgbench -N = $MEDIAN_patch / $TPS_MEDIAN = ${patch_ratio} %
with a Sentinel  $SENTINEL_LINE
required change  $REQUIRED_LINE
409 = reports refused as out of order (two connections reported the same adapter of the same cluster within a
millisecond, the older one arriving second): the contract's rule, not an error. CPU busy = whole machine; API/PG us/req = CPU time of the API process / of all PostgreSQL processes divided by
requests (pgbench row: per transaction). pgbench latency average ${PGB_LAT[pgbench1]} ms (round 1).

== Server time per statement during the first report run (pg_stat_statements; warm-up included)
$(cat "$BENCH_DIR/statements-report.txt")

== Server time per statement during the first create run (pg_stat_statements; warm-up included)
$(cat "$BENCH_DIR/statements-create.txt")
EOF

total_errors=0
for round in $(seq "$ROUNDS"); do
    total_errors=$(( total_errors + ERRS[report$round] + ERRS[create$round] + ERRS[patch$round] ))
done
[ "$SENTINEL" = 1 ] && total_errors=$(( total_errors + ERRS[sentinel] ))
if [ "$total_errors" -gt 0 ]; then
    echo "error responses during the runs: $total_errors (see $BENCH_DIR/wrk-*.txt; set BENCH_KEEP=1 to keep them)" >&2
    exit 1
fi
