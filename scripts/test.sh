#!/usr/bin/env bash
# The project's test command: installs what the build needs, starts a private PostgreSQL, builds,
# runs every test, and stops what it started. Extra arguments go to `swift test` (e.g. --filter TSL).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/common.sh

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
swift test --skip-build "$@"
