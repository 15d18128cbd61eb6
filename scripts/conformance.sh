#!/usr/bin/env bash
# Contract-conformance run: fuzzes a running HyperFleet API with schemathesis and checks every
# response against the OpenAPI document (status codes, content types, headers, bodies).
#
# Usage: conformance.sh URL SPEC [extra `st run` options...]
#   URL   base URL of the server, e.g. http://127.0.0.1:8000 (paths in SPEC are absolute)
#   SPEC  the OpenAPI document: a file (openapi.yaml / openapi.json) or its URL
# Environment:
#   HYPERFLEET_TOKEN         bearer token sent on every request (without it, protected routes
#                            are only checked for their 401 answers)
#   HF_MAX_EXAMPLES          test cases per operation and phase (default 30)
#   HF_SEED                  random seed, to reproduce a run
#   HF_SCHEMATHESIS_VERSION  schemathesis version to install (default 4.32.5, the one tested)
#   TMPDIR                   the virtualenv lives in ${TMPDIR:-/tmp}/hf-schemathesis
# Exit status: 0 when every check passed, non-zero on any failure or error.
set -euo pipefail

usage() {
    sed -n '2,16s/^# \{0,1\}//p' "$0"
}

if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
    usage
    exit 0
fi
if [[ $# -lt 2 ]]; then
    usage >&2
    exit 2
fi

url="$1"
spec="$2"
shift 2

if [[ "$spec" != http://* && "$spec" != https://* && ! -r "$spec" ]]; then
    echo "conformance: spec file not readable: $spec" >&2
    exit 2
fi

version="${HF_SCHEMATHESIS_VERSION:-4.32.5}"
venv="${TMPDIR:-/tmp}/hf-schemathesis"
st="$venv/bin/st"

# Install into a private virtualenv so the run does not depend on (or disturb) system packages.
# A venv holding another version is rebuilt, so the CLI flags below always match.
installed_version() {
    "$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("schemathesis"))' 2>/dev/null || true
}
if [[ ! -x "$st" || "$(installed_version)" != "$version" ]]; then
    echo "conformance: installing schemathesis $version into $venv" >&2
    rm -rf "$venv"
    if ! { python3 -m venv "$venv" &&
           "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$version"; } >&2; then
        rm -rf "$venv"
        echo "conformance: could not install schemathesis $version from PyPI" >&2
        exit 2
    fi
fi

checks="not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
# Older or newer releases may lack the header check; use it whenever the CLI offers it.
if "$st" run --help 2>/dev/null | grep -q response_headers_conformance; then
    checks="$checks,response_headers_conformance"
fi

args=(run "$spec"
      --url "$url"
      --checks "$checks"
      --max-examples "${HF_MAX_EXAMPLES:-30}"
      --request-timeout 10
      --generation-database none
      --no-color)
if [[ -n "${HF_SEED:-}" ]]; then
    args+=(--seed "$HF_SEED")
fi
if [[ -n "${HYPERFLEET_TOKEN:-}" ]]; then
    args+=(--header "Authorization: Bearer $HYPERFLEET_TOKEN")
fi

# schemathesis and hypothesis keep caches in the working directory; remove the ones this run
# created so the caller's tree (e.g. a repository checkout) stays clean.
created=()
for cache in .hypothesis .schemathesis; do
    [[ -e "$cache" ]] || created+=("$cache")
done
# shellcheck disable=SC2317  # called through the EXIT trap
cleanup() {
    if [[ ${#created[@]} -gt 0 ]]; then rm -rf "${created[@]}"; fi
}
trap cleanup EXIT

echo "conformance: st ${args[*]//Bearer */Bearer ***} $*" >&2
status=0
"$st" "${args[@]}" "$@" || status=$?
exit "$status"
