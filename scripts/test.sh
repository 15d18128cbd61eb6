#!/usr/bin/env bash
# The project's test command: installs what the build needs, starts a private PostgreSQL, builds,
# runs every test, and stops what it started. Extra arguments go to `swift test` (e.g. --filter TSL).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/common.sh
. scripts/lib/swift-tests.sh

ensure_system_packages

PGDIR=$(mktemp -d /tmp/hyperfleet-test-pg.XXXXXX)
chmod 755 "$PGDIR"
PGPORT_TEST=$(free_port)
cleanup() { pg_stop "$PGDIR"; rm -rf "$PGDIR"; }
trap cleanup EXIT

log "starting a private PostgreSQL on 127.0.0.1:$PGPORT_TEST ($PGDIR)"
# Throw-away data: durability off makes the many CREATE DATABASEs of parallel tests fast.
pg_start "$PGDIR" "$PGPORT_TEST" "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
export HYPERFLEET_TEST_DATABASE_URL="postgresql://postgres@127.0.0.1:$PGPORT_TEST/postgres"

log "building"
swift build --build-tests
log "running tests"
run_swift_tests "$PGDIR/swift-test.log" "$@"
TEST_COUNT=$(grep -oE 'Test run with [0-9]+ tests' "$PGDIR/swift-test.log" | tail -1 | grep -oE '[0-9]+' || echo 0)

# Contract conformance: schemathesis (PyPI, a validator nobody here wrote) fuzzes the real server,
# built above, against openapi/openapi.yaml: zero 5xx and zero schema violations.
log "contract conformance against openapi/openapi.yaml"
pg_as_owner "$PG_BIN/createdb" -h 127.0.0.1 -p "$PGPORT_TEST" -U postgres hf_conformance
CONF_DB="postgresql://postgres@127.0.0.1:$PGPORT_TEST/hf_conformance"
BIN=$(swift build --show-bin-path)/hyperfleet
API_PORT=$(free_port)
"$BIN" migrate --database-url "$CONF_DB" >/dev/null
HYPERFLEET_API_SERVER_HEALTH_PORT=$(free_port) HYPERFLEET_API_SERVER_METRICS_PORT=$(free_port) HYPERFLEET_LOG_LEVEL=warning \
    "$BIN" api --no-auth --host 127.0.0.1 --port "$API_PORT" --database-url "$CONF_DB" >"$PGDIR/api.log" 2>&1 &
API_PID=$!
trap 'kill "$API_PID" 2>/dev/null || true; cleanup' EXIT
for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$API_PORT/api/hyperfleet" >/dev/null 2>&1 && break
    sleep 0.1
done
# Seed one cluster with a nodepool so the fuzzer reaches the id routes with real ids too.
CID=$(curl -fsS -X POST "http://127.0.0.1:$API_PORT/api/hyperfleet/v1/clusters" -H 'Content-Type: application/json' \
    -d '{"kind":"Cluster","name":"seed","spec":{}}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
curl -fsS -X POST "http://127.0.0.1:$API_PORT/api/hyperfleet/v1/clusters/$CID/nodepools" -H 'Content-Type: application/json' \
    -d '{"name":"seed-pool","spec":{}}' >/dev/null
HF_SEED=${HF_SEED:-20261125} bash scripts/conformance.sh "http://127.0.0.1:$API_PORT" openapi/openapi.yaml
if grep -q "unexpected error" "$PGDIR/api.log"; then
    log "the API logged unexpected errors during the conformance run:"
    grep "unexpected error" "$PGDIR/api.log" | head -5 >&2
    exit 1
fi
log "conformance: no server errors, no schema violations"

# The README's first command, end to end: `hyperfleet dev` on its own private PostgreSQL and embedded
# Kafka; a cluster created with curl must reach Ready, and SIGINT must leave no process behind.
log "dev stack: a cluster created with curl reaches Ready; the client's get, describe and reconcile work; Ctrl-C stops everything"
DEV_PORT=$(free_port)
DEV_ENV=(HYPERFLEET_DEV_API_PORT=$DEV_PORT HYPERFLEET_DEV_HEALTH_PORT=$(free_port) HYPERFLEET_DEV_METRICS_PORT=$(free_port)
    HYPERFLEET_DEV_SENTINEL_HEALTH_PORT=$(free_port) HYPERFLEET_DEV_POSTGRES_PORT=$(free_port))
env "${DEV_ENV[@]}" "$BIN" dev --fresh >"$PGDIR/dev.log" 2>&1 &
DEV_PID=$!
for _ in $(seq 1 300); do
    grep -q "Ctrl-C stops everything" "$PGDIR/dev.log" && break
    kill -0 "$DEV_PID" 2>/dev/null || { cat "$PGDIR/dev.log" >&2; exit 1; }
    sleep 0.2
done
DEV_CID=$(curl -fsS -X POST "http://127.0.0.1:$DEV_PORT/api/hyperfleet/v1/clusters" -H 'Content-Type: application/json' \
    -d '{"kind":"Cluster","name":"smoke","spec":{}}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
PHASE=""
for _ in $(seq 1 100); do
    PHASE=$(curl -fsS "http://127.0.0.1:$DEV_PORT/api/hyperfleet/v1/clusters/$DEV_CID" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"]["phase"])')
    [ "$PHASE" = Ready ] && break
    sleep 0.2
done
# The README's client commands against the same stack (a flag-free run talks to :8000; the
# environment variable points them at this run's port): the seeded cluster `demo`, then reconcile-now
# reaching the Sentinel, whose `requested` event shows in the history that `describe` prints.
CLI_FAILED=""
export HYPERFLEET_SERVER="http://127.0.0.1:$DEV_PORT"
"$BIN" get clusters >"$PGDIR/cli.log" 2>&1 && grep -q '^demo ' "$PGDIR/cli.log" || CLI_FAILED="get clusters"
"$BIN" describe cluster demo >>"$PGDIR/cli.log" 2>&1 || CLI_FAILED="describe cluster demo"
"$BIN" reconcile cluster demo --reason "test.sh" >>"$PGDIR/cli.log" 2>&1 || CLI_FAILED="reconcile cluster demo"
REQUESTED=""
for _ in $(seq 1 50); do
    if "$BIN" describe cluster demo -o json 2>>"$PGDIR/cli.log" | python3 -c '
import json, sys
history = json.load(sys.stdin)["reconciliation"]["history"]
sys.exit(0 if any(e["action"] == "event" and e["reason"] == "requested" for e in history) else 1)'; then
        REQUESTED=yes
        break
    fi
    sleep 0.2
done
[ -n "$REQUESTED" ] || CLI_FAILED="${CLI_FAILED:-reconcile: no requested event in the history}"
unset HYPERFLEET_SERVER
kill -INT "$DEV_PID"
DEV_STATUS=0
wait "$DEV_PID" || DEV_STATUS=$?
if [ "$PHASE" != Ready ] || [ "$DEV_STATUS" != 0 ]; then
    log "dev stack failed: phase '$PHASE', exit status $DEV_STATUS"
    tail -40 "$PGDIR/dev.log" >&2
    exit 1
fi
if [ -n "$CLI_FAILED" ]; then
    log "dev stack: the client commands failed ($CLI_FAILED)"
    cat "$PGDIR/cli.log" >&2
    tail -20 "$PGDIR/dev.log" >&2
    exit 1
fi
if pgrep -f "hyperfleet-dev-$(id -u)-" >/dev/null; then
    log "dev stack left a PostgreSQL running"
    exit 1
fi
log "dev stack: Ready within seconds, reconcile-now in the history, clean exit, nothing left running"

log "deployment checks (kustomize render, Kubernetes schemas, promtool, metric names)"
bash scripts/check-deploy.sh >"$PGDIR/check-deploy.log" 2>&1 || { cat "$PGDIR/check-deploy.log" >&2; exit 1; }
tail -1 "$PGDIR/check-deploy.log" | sed 's/^== summary: /deploy checks: /; s/ passed, \([0-9]*\) failed/ ok, \1 failing/'

# The plain summary line, last: every swift test above passed (set -e stops at the first failure).
echo "tests: $TEST_COUNT passed, 0 failed"
