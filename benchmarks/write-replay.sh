#!/usr/bin/env bash
# HyperFleet write replay (issue 14): the database's share of a write, measured without the API. One
# command, after `swift build -c release --product hyperfleet` (used only to migrate):
#
#   benchmarks/write-replay.sh
#
# Starts a private PostgreSQL on a free port, migrates, loads BENCH_CLUSTERS clusters with a status row
# from each of the four required adapters (the steady state of a fleet: every report updates its row)
# and a Sentinel record each, then replays with pgbench (`-M prepared`, BENCH_CONNECTIONS clients),
# alternating BENCH_ROUNDS times with `pgbench -N` on the same server:
#   report, as sent     the statements of a status report as the API sends them (BEGIN, the lock, the
#                       status rows with the required adapters, the upsert with the status update, COMMIT),
#                       every trigger on: the change row, the adapter's liveness row, the list totals;
#   report, change row  the same with those triggers off and the change row inserted by the statement
#                       itself: the least SENTINEL.md allows (a durable change row in the writer's
#                       transaction), without liveness and list totals; not a deployable variant;
#   report, bare        the same with no bookkeeping at all: what CONTRACT.md alone asks of a report (row
#                       lock, aggregation in the transaction); not a deployable variant;
#   create, as sent     a cluster create as the API sends it (one INSERT ... RETURNING with BEGIN and COMMIT);
#   create, change row  the same with the triggers off and the change row inserted by the statement itself
#                       (the least SENTINEL.md allows; no liveness rows, no list totals); not deployable;
#   create, bare        the same with the triggers off and no change row;
# and last, with BENCH_SENTINEL_CLIENTS clients (the Sentinel's two overlapping looks), the least a Sentinel
# must write per published event (SENTINEL.md: the claim before the send, the record after the
# acknowledgement; OPERATIONS.md: a history entry), in batches of BENCH_BATCH: no read, no Kafka. Its
# events/s is a ceiling for the Sentinel's mass events on this machine.
# The variants that turn triggers off do so with ALTER TABLE on this private database only.
# Prints the parameters, the machine, a table (transactions/s and PostgreSQL's CPU per transaction, all
# its processes, each round) and the ratios of the medians; stops what it started.
#
# Environment (defaults in brackets):
#   BENCH_DURATION [12]     seconds of each run
#   BENCH_ROUNDS [3]        rounds of (pgbench -N, every variant)
#   BENCH_CONNECTIONS [16]  pgbench clients of every run but the Sentinel's
#   BENCH_THREADS [2]       pgbench -j
#   BENCH_CLUSTERS [10000]  clusters loaded
#   BENCH_BATCH [500]       events per look in the Sentinel's part
#   BENCH_SENTINEL_CLIENTS [2] clients of the Sentinel's part
#   BENCH_PGBENCH_SCALE [10] pgbench -i scale (database `pgbench`, same server)
#   BENCH_PG_OPTIONS []     extra server options, e.g. "-c synchronous_commit=off"
#   BENCH_KEEP [0]          1: keep the work directory (scripts, outputs, data)
#   HYPERFLEET_BIN          the binary [release bin path of this checkout]/hyperfleet
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
HERE=$ROOT/benchmarks
. "$ROOT/scripts/lib/common.sh"
. "$HERE/lib/bench.sh"

DURATION=${BENCH_DURATION:-12}
ROUNDS=${BENCH_ROUNDS:-3}
CONNS=${BENCH_CONNECTIONS:-16}
THREADS=${BENCH_THREADS:-2}
CLUSTERS=${BENCH_CLUSTERS:-10000}
BATCH=${BENCH_BATCH:-500}
SENTINEL_CLIENTS=${BENCH_SENTINEL_CLIENTS:-2}
PGSCALE=${BENCH_PGBENCH_SCALE:-10}
PG_OPTIONS=${BENCH_PG_OPTIONS:-}
KEEP=${BENCH_KEEP:-0}
for name in DURATION ROUNDS CONNS THREADS CLUSTERS BATCH SENTINEL_CLIENTS PGSCALE; do
    [[ ${!name} =~ ^[1-9][0-9]*$ ]] || { echo "BENCH_$name must be a positive integer, got '${!name}'" >&2; exit 2; }
done
LOOKS=$((CLUSTERS / BATCH))
[ "$LOOKS" -ge "$SENTINEL_CLIENTS" ] || { echo "BENCH_CLUSTERS ($CLUSTERS) must hold at least BENCH_SENTINEL_CLIENTS ($SENTINEL_CLIENTS) batches of BENCH_BATCH ($BATCH)" >&2; exit 2; }

BIN=$(bench_binary)
bench_tools

API_PID="" # no API here: measure_idle counts PostgreSQL and the other processes
bench_workdir write-replay

PGPORT=$(free_port)
DB=hyperfleet
psql_db() { "$PSQL" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PGPORT" -U postgres "$@"; }

# ---------------------------------------------------------------- 1. PostgreSQL, schema, data
log "PostgreSQL on 127.0.0.1:$PGPORT (data: $PGDIR)"
pg_start "$PGDIR" "$PGPORT" "$PG_OPTIONS"
PG_STARTED=1
psql_db -d postgres -c "CREATE DATABASE $DB" -c "CREATE DATABASE pgbench"
(cd "$BENCH_DIR" && HYPERFLEET_API_AUTH_ENABLED=false HYPERFLEET_AUTH_ENABLED=false \
    exec "$BIN" migrate --database-url "postgresql://postgres@127.0.0.1:$PGPORT/$DB") >"$BENCH_DIR/migrate.log" 2>&1 \
    || { cat "$BENCH_DIR/migrate.log" >&2; exit 1; }
REQUIRED=$(psql_db -d "$DB" -tA -c "SELECT string_agg(adapter, ',' ORDER BY adapter) FROM hyperfleet_required_adapters WHERE resource_type = 'clusters'")
[ -n "$REQUIRED" ] || { echo "no required cluster adapters after migrating" >&2; exit 1; }
REQUIRED_COUNT=$(tr ',' '\n' <<<"$REQUIRED" | wc -l)

log "loading $CLUSTERS clusters, $REQUIRED_COUNT status rows and a Sentinel record each"
psql_db -d "$DB" -v n="$CLUSTERS" -f "$HERE/lib/load-clusters.sql"
psql_db -d "$DB" -v looks="$LOOKS" <<'SQL'
-- The replay's own lookup table (pgbench picks a row number, the scripts read the id): n from 1,
-- and each id's look (batch) for the Sentinel's part.
CREATE TABLE replay_ids (n int PRIMARY KEY, id text NOT NULL, look int NOT NULL);
INSERT INTO replay_ids SELECT row_number() OVER (ORDER BY id), id, 0 FROM clusters;
UPDATE replay_ids SET look = (n - 1) % :looks;
CREATE INDEX replay_ids_look_idx ON replay_ids (look) INCLUDE (id);
INSERT INTO cluster_statuses (cluster_id, adapter, observed_generation, observed_time, conditions, created_time, last_report_time)
SELECT c.id, r.adapter, 1, now(), jsonb_build_array(jsonb_build_object('type', 'Available', 'status', 'True',
    'last_transition_time', now())), now(), now()
FROM clusters c CROSS JOIN hyperfleet_required_adapters r WHERE r.resource_type = 'clusters';
INSERT INTO sentinel_records (resource_type, resource_id, published_generation, published_at, published_reason, next_due_at)
SELECT 'clusters', id, 1, now(), 'ready_stale', now() + interval '30 minutes' FROM clusters
ON CONFLICT DO NOTHING;
TRUNCATE sentinel_changes;
VACUUM ANALYZE;
SQL

log "pgbench -i -s $PGSCALE"
"$PGBENCH" -i -q -s "$PGSCALE" -h 127.0.0.1 -p "$PGPORT" -U postgres pgbench >"$BENCH_DIR/pgbench-init.log" 2>&1 \
    || { cat "$BENCH_DIR/pgbench-init.log" >&2; exit 1; }
psql_db -d pgbench -c "VACUUM ANALYZE"
psql_db -d postgres -c "CHECKPOINT"

# ---------------------------------------------------------------- 2. the scripts
# The aggregated status the report writes: one condition per required adapter plus Available and Ready,
# as the aggregation makes it (its size is what matters to the server).
STATUS_CONDITIONS=$(psql_db -d "$DB" -tA -c "
    SELECT jsonb_agg(jsonb_build_object('type', t, 'status', 'True', 'reason', 'Replay', 'message', 'write replay',
        'observed_generation', 1, 'created_time', now(), 'last_updated_time', now(), 'last_transition_time', now()))
    FROM unnest(ARRAY['Available', 'Ready'] || ARRAY(SELECT initcap(adapter) || 'Successful' FROM hyperfleet_required_adapters
        WHERE resource_type = 'clusters')) AS t")
# report_script FILE CHANGE_ROW_CTE: the report transaction; the CTE (or nothing) is added to the write.
report_script() {
    cat >"$1" <<SQL
\set n random(1, $CLUSTERS)
\set a random(1, $REQUIRED_COUNT)
\set available random(0, 1)
SELECT id AS cid, (string_to_array('$REQUIRED', ','))[:a] AS adapter FROM replay_ids WHERE n = :n \gset
BEGIN;
SELECT id, name, spec_text AS spec, labels_text AS labels, generation, created_time, updated_time, created_by, updated_by,
    deleted_time, deleted_by, status_phase, status_observed_generation, status_last_transition_time, status_last_updated_time,
    status_conditions_text AS status_conditions
FROM clusters WHERE id = :cid FOR UPDATE;
SELECT r.required, adapter, observed_generation, observed_time, conditions::text AS conditions, metadata::text AS metadata,
    data::text AS data, created_time, last_report_time
FROM (SELECT coalesce(string_agg(adapter, ',' ORDER BY adapter), '') AS required
      FROM hyperfleet_required_adapters WHERE resource_type = 'clusters') r
LEFT JOIN cluster_statuses s ON s.cluster_id = :cid;
WITH upsert AS (
    INSERT INTO cluster_statuses (cluster_id, adapter, observed_generation, observed_time, conditions, metadata, data, created_time,
        last_report_time)
    VALUES (:cid, :adapter, 1, now(), jsonb_build_array(jsonb_build_object('type', 'Available',
        'status', CASE WHEN :available = 1 THEN 'True' ELSE 'False' END, 'last_transition_time', now())), NULL, NULL, now(), now())
    ON CONFLICT (cluster_id, adapter) DO UPDATE SET
        observed_generation = EXCLUDED.observed_generation, observed_time = EXCLUDED.observed_time,
        conditions = EXCLUDED.conditions, metadata = EXCLUDED.metadata, data = EXCLUDED.data,
        last_report_time = EXCLUDED.last_report_time
    RETURNING 1)$2
UPDATE clusters SET status_phase = CASE WHEN :available = 1 THEN 'Ready' ELSE 'NotReady' END, status_observed_generation = 1,
    status_last_transition_time = now(), status_last_updated_time = now(), status_conditions = '$STATUS_CONDITIONS'::jsonb
WHERE id = :cid;
COMMIT;
SQL
}
report_script "$BENCH_DIR/report-as-sent.sql" ""
report_script "$BENCH_DIR/report-change-row.sql" ",
queued AS (INSERT INTO sentinel_changes (resource_type, resource_id) VALUES ('clusters', :cid))"
cp "$BENCH_DIR/report-as-sent.sql" "$BENCH_DIR/report-bare.sql"

# create_script FILE CHANGE-ROW: the create as the API sends it; CHANGE-ROW 1 also inserts its change row.
create_script() {
    local queue=""
    [ "$2" = 1 ] && queue=",
queued AS (INSERT INTO sentinel_changes (resource_type, resource_id) SELECT 'clusters', id FROM created)"
    cat >"$1" <<SQL
\\set r random(1, 1000000000)
BEGIN;
WITH created AS (
INSERT INTO clusters (id, name, spec, labels, generation, created_time, updated_time, created_by, updated_by,
    status_last_transition_time, status_last_updated_time)
VALUES (md5(:client_id || '/' || :r || '/' || clock_timestamp()), 'replay-' || md5(:client_id || '/' || :r || '/' || clock_timestamp()),
    '{"region": "us-east-1", "version": "4.16.1", "nodes": 3}', '{"env": "prod"}', 1, now(), now(), 'replay@example.com',
    'replay@example.com', now(), now())
RETURNING id, name, spec_text AS spec, labels_text AS labels, generation, created_time, updated_time, created_by, updated_by,
    deleted_time, deleted_by, status_phase, status_observed_generation, status_last_transition_time, status_last_updated_time,
    status_conditions_text AS status_conditions)$queue
SELECT * FROM created;
COMMIT;
SQL
}
create_script "$BENCH_DIR/create.sql" 0
create_script "$BENCH_DIR/create-change-row.sql" 1

# The Sentinel's least writes per look: each client takes its own looks (no two clients on one batch).
cat >"$BENCH_DIR/sentinel-writes.sql" <<SQL
\set k random(0, $((LOOKS / SENTINEL_CLIENTS - 1)))
\set look :k * $SENTINEL_CLIENTS + :client_id % $SENTINEL_CLIENTS
BEGIN;
UPDATE sentinel_records s SET claimed_by = 'replay', claim_expires_at = now() + interval '1 minute', decided_at = now()
FROM replay_ids r WHERE r.look = :look AND s.resource_type = 'clusters' AND s.resource_id = r.id;
COMMIT;
UPDATE sentinel_records s SET claimed_by = NULL, claim_expires_at = NULL, published_at = now(), published_generation = 1,
    published_reason = 'ready_stale', attempts = 0, next_due_at = now() + interval '30 minutes', last_event_id = md5(r.id),
    decided_at = now()
FROM replay_ids r WHERE r.look = :look AND s.resource_type = 'clusters' AND s.resource_id = r.id;
INSERT INTO hyperfleet_reconcile_history (resource_type, resource_id, at, action, reason, actor, event_id, generation)
SELECT 'clusters', r.id, now(), 'event', 'ready_stale', 'replay', md5(r.id), 1 FROM replay_ids r WHERE r.look = :look;
SQL

# The triggers the "change row" and "bare" variants turn off.
triggers() { # ENABLE|DISABLE
    psql_db -d "$DB" -c "ALTER TABLE clusters $1 TRIGGER clusters_sentinel_insert, $1 TRIGGER clusters_sentinel_update, $1 TRIGGER clusters_list_changed" \
        -c "ALTER TABLE cluster_statuses $1 TRIGGER cluster_statuses_sentinel"
}

# ---------------------------------------------------------------- 3. the runs
declare -A TPS PG_US
replay() { # NAME DATABASE CLIENTS PGBENCH-ARGS...
    local name=$1 db=$2 clients=$3; shift 3
    local threads=$THREADS out=$BENCH_DIR/$name.txt
    [ "$clients" -lt "$threads" ] && threads=$clients
    log "$name: pgbench $* -c $clients -j $threads -T $DURATION"
    measure "$name" "$PGBENCH" -M prepared -n -c "$clients" -j "$threads" -T "$DURATION" -h 127.0.0.1 -p "$PGPORT" -U postgres "$@" "$db" >"$out" 2>&1 \
        || { cat "$out" >&2; return 1; }
    grep -q "number of failed transactions: 0 " "$out" || { echo "$name: failed transactions:" >&2; cat "$out" >&2; return 1; }
    TPS[$name]=$(awk -F'= ' '/^tps/ {split($2, a, " "); printf "%d", a[1]; exit}' "$out")
    local transactions
    transactions=$(awk -F': ' '/^number of transactions actually processed/ {split($2, a, "/"); print a[1]; exit}' "$out")
    PG_US[$name]=$(( transactions > 0 ? PG_CPU[$name] / transactions : 0 ))
}
VARIANTS=("report, as sent" "report, change row" "report, bare" "create, as sent" "create, change row" "create, bare" "sentinel writes")
measure_idle
for round in $(seq 1 "$ROUNDS"); do
    replay "pgbench-N-$round" pgbench "$CONNS" -N
    triggers ENABLE
    replay "report-as-sent-$round" "$DB" "$CONNS" -f "$BENCH_DIR/report-as-sent.sql"
    replay "create-as-sent-$round" "$DB" "$CONNS" -f "$BENCH_DIR/create.sql"
    replay "sentinel-writes-$round" "$DB" "$SENTINEL_CLIENTS" -f "$BENCH_DIR/sentinel-writes.sql"
    triggers DISABLE
    replay "report-change-row-$round" "$DB" "$CONNS" -f "$BENCH_DIR/report-change-row.sql"
    replay "report-bare-$round" "$DB" "$CONNS" -f "$BENCH_DIR/report-bare.sql"
    replay "create-change-row-$round" "$DB" "$CONNS" -f "$BENCH_DIR/create-change-row.sql"
    replay "create-bare-$round" "$DB" "$CONNS" -f "$BENCH_DIR/create.sql"
    triggers ENABLE
done

# ---------------------------------------------------------------- 4. the report
key() { tr ' ,' '--' <<<"$1" | tr -s '-'; }
echo "== HyperFleet write replay  $(date -u +%Y-%m-%dT%H:%M:%SZ)  ($(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo '?'))"
echo "machine     $(machine_line)"
echo "postgresql  $("$PSQL" -X -tA -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres -c 'SHOW server_version') (options: ${PG_OPTIONS:-none})"
echo "parameters  $CLUSTERS clusters, required adapters $REQUIRED (a status row each), $ROUNDS rounds of ${DURATION}s,"
echo "            $CONNS clients (-j $THREADS), -M prepared; Sentinel writes: batches of $BATCH, $SENTINEL_CLIENTS clients"
echo
printf '| %-22s | %-32s | %s |\n' "run" "tps per round" "PostgreSQL CPU us per transaction"
printf '|%s|%s|%s|\n' "------------------------" "----------------------------------" "-----------------------------------"
rounds_of() { local k=$1 r list=""; for r in $(seq 1 "$ROUNDS"); do list+="${TPS[$k-$r]} "; done; echo "$list"; }
cpu_of() { local k=$1 r list=""; for r in $(seq 1 "$ROUNDS"); do list+="${PG_US[$k-$r]} "; done; echo "$list"; }
printf '| %-22s | %-32s | %-33s |\n' "pgbench -N" "$(rounds_of pgbench-N)" "$(cpu_of pgbench-N)"
for variant in "${VARIANTS[@]}"; do
    printf '| %-22s | %-32s | %-33s |\n' "$variant" "$(rounds_of "$(key "$variant")")" "$(cpu_of "$(key "$variant")")"
done
echo
# shellcheck disable=SC2046
N=$(median $(rounds_of pgbench-N))
for variant in "${VARIANTS[@]}"; do
    # shellcheck disable=SC2046
    m=$(median $(rounds_of "$(key "$variant")"))
    if [ "$variant" = "sentinel writes" ]; then
        echo "sentinel writes      $m looks/s x $BATCH = $((m * BATCH)) events/s: the most a Sentinel could record here if reading,"
        echo "                     deciding and Kafka cost nothing (half a producer at N messages/s needs N/2)"
    else
        printf '%-20s %6d / %d = %5.1f %% of pgbench -N (median tps)\n' "$variant" "$m" "$N" "$(awk -v a="$m" -v b="$N" 'BEGIN {print 100 * a / b}')"
    fi
done
