#!/usr/bin/env bash
# Starts HyperFleet locally on embedded defaults: installs what the build needs, builds, and runs
# `hyperfleet dev`: a private PostgreSQL (data kept between runs; --fresh starts empty), the embedded
# Kafka (librdkafka's mock cluster), the API with auth off, the Sentinel, and the default adapters.
# Ctrl-C stops everything. Other options go to `hyperfleet dev` (--help lists them).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/common.sh

ensure_system_packages
log "building (the first build takes several minutes)"
swift build --product hyperfleet
exec "$(swift build --show-bin-path)/hyperfleet" dev "$@"
