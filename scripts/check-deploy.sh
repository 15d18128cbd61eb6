#!/usr/bin/env bash
# Checks the deployment files under deploy/ (ENGINEERING.md, "Deploy checks"):
#   1. the Kustomize base and every overlay render with `kubectl kustomize`;
#   2. the rendered objects validate against the Kubernetes schemas (PyPI kubernetes-validate, in a
#      venv under ${TMPDIR:-/tmp}); the Prometheus Operator kinds (ServiceMonitor, PrometheusRule) are
#      checked structurally instead, and references between objects are checked (ConfigMaps,
#      Secrets, selectors, ports);
#   3. the PrometheusRule groups pass `promtool check rules` and the unit tests in
#      deploy/tests/alerts-test.yaml (`promtool test rules`);
#   4. every metric named in an alert expression or a dashboard panel exists in Sources/ (histogram
#      _bucket/_sum/_count map to the base name); the missing ones are listed;
#   5. the configuration copies under deploy/base/config use only keys of the files in config/ (when
#      those exist), and docker-compose.yml runs the same commands as the manifests.
# Run as root from the repository root on Debian bookworm; installs what it needs (python3-venv and
# Debian's prometheus package for promtool, unpacked, never started). Exit status 0 only if all pass.
#
# Environment: K8S_VERSIONS (default "1.31.0 1.37.0"), KUBERNETES_VALIDATE_VERSION (default 1.37.0),
# PROMTOOL (a promtool to use), ALLOW_MISSING_METRICS=1 (list missing metrics but do not fail).
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2
ROOT=$(pwd)
WORK="${TMPDIR:-/tmp}/hyperfleet-check-deploy"
VENV="$WORK/venv"
K8S_VERSIONS="${K8S_VERSIONS:-1.31.0 1.37.0}"
KUBERNETES_VALIDATE_VERSION="${KUBERNETES_VALIDATE_VERSION:-1.37.0}"
KUBECTL="${KUBECTL:-$(command -v kubectl || echo /usr/bin/kubectl)}"
mkdir -p "$WORK/render" "$WORK/rules"

FAILED=()
PASSED=()
step() { printf '\n== %s\n' "$*"; }
pass() { PASSED+=("$1"); printf 'PASS: %s\n' "$1"; }
fail() { FAILED+=("$1"); printf 'FAIL: %s\n' "$1" >&2; }

apt_updated=0
apt_install() {
    if [ "$(id -u)" -ne 0 ]; then
        echo "need root to install $*" >&2
        return 1
    fi
    if [ "$apt_updated" -eq 0 ]; then
        apt-get update -qq >/dev/null || return 1
        apt_updated=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# ---------------------------------------------------------------------------------------------------
step "1. kubectl kustomize"
OVERLAYS=(deploy/base)
for dir in deploy/overlays/*/; do
    [ -f "$dir/kustomization.yaml" ] && OVERLAYS+=("${dir%/}")
done
RENDERED=()
if [ ! -x "$KUBECTL" ]; then
    fail "kubectl not found (looked in PATH and /usr/bin/kubectl); it is part of the machine image"
else
    for dir in "${OVERLAYS[@]}"; do
        out="$WORK/render/$(echo "$dir" | tr / _).yaml"
        if "$KUBECTL" kustomize "$dir" >"$out" 2>"$out.err"; then
            RENDERED+=("$out")
            pass "render $dir ($(grep -c '^kind:' "$out") objects)"
        else
            cat "$out.err" >&2
            fail "render $dir: kubectl kustomize failed"
        fi
    done
fi
BASE_RENDER="$WORK/render/deploy_base.yaml"

# ---------------------------------------------------------------------------------------------------
step "2. Kubernetes schemas (kubernetes-validate $KUBERNETES_VALIDATE_VERSION, versions $K8S_VERSIONS)"
PY=""
venv_ok() {
    [ -x "$VENV/bin/python" ] && "$VENV/bin/python" - "$KUBERNETES_VALIDATE_VERSION" <<'PY' 2>/dev/null
import sys, yaml, kubernetes_validate
from importlib.metadata import version
sys.exit(0 if version("kubernetes-validate") == sys.argv[1] else 1)
PY
}
if venv_ok; then
    PY="$VENV/bin/python"
else
    rm -rf "$VENV"
    if ! python3 -m venv "$VENV" >/dev/null 2>&1; then
        rm -rf "$VENV"
        apt_install python3-venv python3-pip || true
        /usr/bin/python3 -m venv "$VENV" >/dev/null 2>&1 || true
    fi
    if [ -x "$VENV/bin/python" ] &&
        "$VENV/bin/python" -m pip install -q --disable-pip-version-check \
            "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" PyYAML >"$WORK/pip.log" 2>&1 &&
        venv_ok; then
        PY="$VENV/bin/python"
    else
        cat "$WORK/pip.log" >&2 2>/dev/null
        fail "could not set up a venv with kubernetes-validate in $VENV"
    fi
fi

if [ -n "$PY" ] && [ ${#RENDERED[@]} -gt 0 ]; then
    if "$PY" - "$K8S_VERSIONS" "${RENDERED[@]}" <<'PY'; then
import sys, yaml, kubernetes_validate
from kubernetes_validate.utils import ValidationError, SchemaNotFoundError

versions = sys.argv[1].split()
CRDS = {("monitoring.coreos.com/v1", "ServiceMonitor"), ("monitoring.coreos.com/v1", "PrometheusRule")}
DOCUMENTED_SECRETS = {"hyperfleet-db", "hyperfleet-kafka", "hyperfleet-adapter-token"}  # referenced, not shipped (deploy/README.md)
problems = []

def name(doc):
    return f"{doc.get('kind')}/{doc.get('metadata', {}).get('name')}"

def matches(selector, labels):
    return all(labels.get(k) == v for k, v in (selector or {}).items())

for path in sys.argv[2:]:
    docs = [d for d in yaml.safe_load_all(open(path)) if d]
    where = path.rsplit("/", 1)[-1]
    validated = 0
    for doc in docs:
        key = (doc.get("apiVersion"), doc.get("kind"))
        if key in CRDS:
            for field in ("apiVersion", "kind", "metadata", "spec"):
                if not doc.get(field):
                    problems.append(f"{where}: {name(doc)}: missing {field}")
            if not doc.get("metadata", {}).get("name"):
                problems.append(f"{where}: {name(doc)}: metadata.name missing")
            spec = doc.get("spec") or {}
            if doc["kind"] == "ServiceMonitor":
                if not spec.get("selector") or not spec.get("endpoints"):
                    problems.append(f"{where}: {name(doc)}: spec.selector and spec.endpoints are required")
            if doc["kind"] == "PrometheusRule":
                groups = spec.get("groups")
                if not isinstance(groups, list) or not groups:
                    problems.append(f"{where}: {name(doc)}: spec.groups must be a non-empty list")
                for group in groups or []:
                    if not group.get("name") or not group.get("rules"):
                        problems.append(f"{where}: {name(doc)}: every group needs a name and rules")
                    for rule in group.get("rules") or []:
                        if not rule.get("expr") or not (rule.get("alert") or rule.get("record")):
                            problems.append(f"{where}: {name(doc)}: rule without expr or alert/record name")
            continue
        for version in versions:
            try:
                kubernetes_validate.validate(doc, version, strict=True)
            except ValidationError as e:
                at = ".".join(str(p) for p in e.path)
                problems.append(f"{where}: {name(doc)} (Kubernetes {version}): {at}: {e.message}")
            except SchemaNotFoundError as e:
                problems.append(f"{where}: {name(doc)}: no schema for {doc.get('apiVersion')} {doc.get('kind')} in Kubernetes {version}")
        validated += 1

    # References between the rendered objects.
    by_kind = {}
    for doc in docs:
        by_kind.setdefault(doc["kind"], []).append(doc)
    configmaps = {d["metadata"]["name"] for d in by_kind.get("ConfigMap", [])}
    services = by_kind.get("Service", [])
    workloads = by_kind.get("Deployment", []) + by_kind.get("Job", [])
    pod_labels = []
    for w in workloads:
        pod = w["spec"]["template"]["spec"]
        labels = w["spec"]["template"]["metadata"].get("labels", {})
        pod_labels.append((name(w), labels, pod))
        if w["kind"] == "Deployment" and not matches(w["spec"]["selector"].get("matchLabels"), labels):
            problems.append(f"{where}: {name(w)}: selector does not match the pod labels")
        psc = pod.get("securityContext", {})
        if psc.get("runAsNonRoot") is not True:
            problems.append(f"{where}: {name(w)}: pod securityContext.runAsNonRoot must be true")
        for vol in pod.get("volumes", []):
            cm = vol.get("configMap", {}).get("name")
            if cm and cm not in configmaps:
                problems.append(f"{where}: {name(w)}: volume {vol['name']} uses ConfigMap {cm}, which is not rendered")
            secret = vol.get("secret", {}).get("secretName")
            if secret and secret not in DOCUMENTED_SECRETS:
                problems.append(f"{where}: {name(w)}: undocumented Secret {secret}")
        for c in pod["containers"]:
            sc = c.get("securityContext", {})
            if sc.get("readOnlyRootFilesystem") is not True or sc.get("allowPrivilegeEscalation") is not False:
                problems.append(f"{where}: {name(w)}/{c['name']}: needs readOnlyRootFilesystem and no privilege escalation")
            if not c.get("resources", {}).get("requests") or not c.get("resources", {}).get("limits"):
                problems.append(f"{where}: {name(w)}/{c['name']}: resources.requests and limits are required")
            if w["kind"] == "Deployment" and not (c.get("livenessProbe") and c.get("readinessProbe")):
                problems.append(f"{where}: {name(w)}/{c['name']}: liveness and readiness probes are required")
            for env in c.get("env", []):
                ref = env.get("valueFrom", {}).get("secretKeyRef")
                if ref and ref["name"] not in DOCUMENTED_SECRETS:
                    problems.append(f"{where}: {name(w)}/{c['name']}: undocumented Secret {ref['name']}")
            ports = {p.get("name") for p in c.get("ports", [])}
            for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
                port = c.get(probe, {}).get("httpGet", {}).get("port")
                if isinstance(port, str) and port not in ports:
                    problems.append(f"{where}: {name(w)}/{c['name']}: {probe} uses unknown port {port}")
    for pdb in by_kind.get("PodDisruptionBudget", []):
        sel = pdb["spec"]["selector"].get("matchLabels")
        if not any(matches(sel, labels) for _, labels, _ in pod_labels):
            problems.append(f"{where}: {name(pdb)}: selects no pod")
    for svc in services:
        sel = svc["spec"].get("selector")
        hits = [(n, pod) for n, labels, pod in pod_labels if matches(sel, labels)]
        if not hits:
            problems.append(f"{where}: {name(svc)}: selects no pod")
        for port in svc["spec"]["ports"]:
            target = port.get("targetPort")
            if isinstance(target, str) and not any(
                    target in {p.get("name") for c in pod["containers"] for p in c.get("ports", [])} for _, pod in hits):
                problems.append(f"{where}: {name(svc)}: targetPort {target} is on no selected container")
    for sm in by_kind.get("ServiceMonitor", []):
        sel = sm["spec"]["selector"].get("matchLabels")
        hits = [s for s in services if matches(sel, s["metadata"].get("labels", {}))]
        if not hits:
            problems.append(f"{where}: {name(sm)}: selects no Service")
        for ep in sm["spec"]["endpoints"]:
            if not any(ep.get("port") in {p.get("name") for p in s["spec"]["ports"]} for s in hits):
                problems.append(f"{where}: {name(sm)}: port {ep.get('port')} is on no selected Service")
        job_label = sm["spec"].get("jobLabel")
        if job_label and any(job_label not in s["metadata"].get("labels", {}) for s in hits):
            problems.append(f"{where}: {name(sm)}: a selected Service lacks the jobLabel {job_label}")
    print(f"{where}: {validated} objects validated against the schemas, "
          f"{sum(1 for d in docs if (d.get('apiVersion'), d.get('kind')) in CRDS)} Prometheus Operator objects checked structurally")

for p in problems:
    print("  " + p, file=sys.stderr)
sys.exit(1 if problems else 0)
PY
        pass "schemas, Prometheus Operator objects and references"
    else
        fail "Kubernetes schema or reference check (problems listed above)"
    fi
fi

# ---------------------------------------------------------------------------------------------------
step "3. promtool check rules / test rules"
find_promtool() {
    if [ -n "${PROMTOOL:-}" ]; then echo "$PROMTOOL"; return 0; fi
    if command -v promtool >/dev/null 2>&1; then command -v promtool; return 0; fi
    local unpacked="$WORK/prometheus-deb/root/usr/bin/promtool"
    if [ -x "$unpacked" ]; then echo "$unpacked"; return 0; fi
    # Debian's prometheus package ships promtool. `apt-get install prometheus` would also start the
    # Prometheus server through its init script (on :9090, the API's metrics port), so the package is
    # downloaded and unpacked here instead: promtool is a static Go binary.
    [ "$(id -u)" -eq 0 ] || { echo "need root (apt-get) to fetch promtool" >&2; return 1; }
    mkdir -p "$WORK/prometheus-deb" && chmod 0777 "$WORK/prometheus-deb"
    (
        cd "$WORK/prometheus-deb" || exit 1
        rm -f prometheus_*.deb
        apt-get download prometheus >/dev/null 2>&1 ||
            { apt-get update -qq >/dev/null && apt-get download prometheus >/dev/null; } || exit 1
        dpkg-deb -x prometheus_*.deb root && rm -f prometheus_*.deb
    ) || { echo "apt-get download prometheus failed" >&2; return 1; }
    [ -x "$unpacked" ] && echo "$unpacked"
}
PROMTOOL_BIN=$(find_promtool)
if [ -z "$PROMTOOL_BIN" ] || [ ! -x "$PROMTOOL_BIN" ]; then
    fail "promtool unavailable (Debian package prometheus)"
elif [ -z "$PY" ] || [ ! -s "$BASE_RENDER" ]; then
    fail "promtool checks skipped: no rendered base or no Python with PyYAML (see above)"
else
    RULES="$WORK/rules/hyperfleet-rules.yaml"
    if "$PY" - "$BASE_RENDER" "$RULES" <<'PY'; then
import sys, yaml
groups = []
for doc in yaml.safe_load_all(open(sys.argv[1])):
    if doc and doc.get("kind") == "PrometheusRule":
        groups += doc["spec"]["groups"]
if not groups:
    sys.exit("no PrometheusRule groups in the rendered base")
yaml.safe_dump({"groups": groups}, open(sys.argv[2], "w"), sort_keys=False, width=1000)
print(f"{len(groups)} groups, {sum(len(g['rules']) for g in groups)} rules -> {sys.argv[2]}")
PY
        echo "promtool: $("$PROMTOOL_BIN" --version 2>&1 | head -1)"
        if "$PROMTOOL_BIN" check rules "$RULES"; then
            pass "promtool check rules"
        else
            fail "promtool check rules"
        fi
        if [ -f deploy/tests/alerts-test.yaml ]; then
            cp deploy/tests/alerts-test.yaml "$WORK/rules/alerts-test.yaml"
            if (cd "$WORK/rules" && "$PROMTOOL_BIN" test rules alerts-test.yaml); then
                pass "promtool test rules (deploy/tests/alerts-test.yaml)"
            else
                fail "promtool test rules (deploy/tests/alerts-test.yaml)"
            fi
        fi
    else
        fail "could not extract the PrometheusRule groups"
    fi
fi

# ---------------------------------------------------------------------------------------------------
step "4. metric names in alerts and dashboards exist in Sources/"
if [ -z "$PY" ] || [ ! -s "$BASE_RENDER" ]; then
    fail "metric check skipped: no rendered base or no Python (see above)"
elif ! "$PY" - "$BASE_RENDER" deploy/grafana/*.json >"$WORK/metrics.txt" <<'PY'; then
import json, re, sys, yaml
# Metric names are the project's own (hyperfleet_...); `up` and PromQL functions are Prometheus's.
NAME = re.compile(r"\bhyperfleet_[a-z0-9_]*[a-z0-9]")
uses = {}
for doc in yaml.safe_load_all(open(sys.argv[1])):
    if doc and doc.get("kind") == "PrometheusRule":
        for group in doc["spec"]["groups"]:
            for rule in group["rules"]:
                for m in NAME.findall(rule["expr"]):
                    uses.setdefault(m, set()).add("alert " + rule.get("alert", rule.get("record", "?")))
def walk(node, where):
    if isinstance(node, dict):
        title = node.get("title", where)
        for key, value in node.items():
            if key in ("expr", "query", "definition") and isinstance(value, str):
                for m in NAME.findall(value):
                    uses.setdefault(m, set()).add(f"panel '{title}'")
            else:
                walk(value, title)
    elif isinstance(node, list):
        for item in node:
            walk(item, where)
for path in sys.argv[2:]:
    walk(json.load(open(path)), path)
if not uses:
    sys.exit("no metric names found in the rules or dashboards")
for metric in sorted(uses):
    print(metric, "; ".join(sorted(uses[metric])))
PY
    fail "could not collect metric names from the rules and dashboards"
else
    declare -A missing=()
    declare -A present=()
    while read -r metric origin; do
        [ -n "$metric" ] || continue
        base="$metric"
        for suffix in _bucket _sum _count; do
            case "$metric" in *"$suffix") base="${metric%"$suffix"}" ;; esac
        done
        if grep -rqwF --include='*.swift' -- "$metric" Sources ||
            { [ "$base" != "$metric" ] && grep -rqwF --include='*.swift' -- "$base" Sources; }; then
            present[$base]=1
        else
            missing[$base]="${missing[$base]:+${missing[$base]}; }$origin"
        fi
    done <"$WORK/metrics.txt"
    echo "present in Sources/ (${#present[@]}): $(printf '%s\n' "${!present[@]}" | sort | tr '\n' ' ')"
    if [ ${#missing[@]} -eq 0 ]; then
        pass "every metric named in alerts and dashboards exists in Sources/"
    else
        echo "MISSING from Sources/ (${#missing[@]}), with where they are used:"
        for m in $(printf '%s\n' "${!missing[@]}" | sort); do
            used=$(echo "${missing[$m]}" | tr ';' '\n' | sed 's/^ *//' | sort -u | paste -sd';' - | sed 's/;/; /g')
            printf '  %s  <- %s\n' "$m" "$used"
        done
        if [ "${ALLOW_MISSING_METRICS:-0}" = 1 ]; then
            echo "(ALLOW_MISSING_METRICS=1: listed, not counted as a failure)"
        else
            fail "${#missing[@]} metric names used in alerts/dashboards are missing from Sources/ (listed above)"
        fi
    fi
fi

# ---------------------------------------------------------------------------------------------------
step "5. configuration copies and docker-compose.yml against the manifests"
if [ -z "$PY" ] || [ ! -s "$BASE_RENDER" ]; then
    fail "consistency checks skipped: no rendered base or no Python (see above)"
elif "$PY" - "$BASE_RENDER" <<'PY'; then
import os, sys, yaml
problems, notes = [], []

def keys(node, prefix=""):
    """Leaf key paths; anything under a `properties` mapping is free-form (librdkafka properties)."""
    out = set()
    if isinstance(node, dict) and node:
        for k, v in node.items():
            path = f"{prefix}.{k}" if prefix else str(k)
            if k == "properties":
                out.add(path)
            else:
                out |= keys(v, path)
    elif prefix:
        out.add(prefix)
    return out

copies = [("deploy/base/config/api.yaml", "config/api.yaml"),
          ("deploy/base/config/sentinel.yaml", "config/sentinel.yaml")]
for name in sorted(os.listdir("deploy/base/config/adapters")):
    copies.append((f"deploy/base/config/adapters/{name}", f"config/adapters/{name}"))
for copy, original in copies:
    if not os.path.exists(original):
        notes.append(f"{original} does not exist yet: {copy} not compared")
        continue
    extra = keys(yaml.safe_load(open(copy))) - keys(yaml.safe_load(open(original)))
    for key in sorted(extra):
        problems.append(f"{copy}: key '{key}' is not in {original} (start-up would reject it)")

# docker-compose.yml runs what the manifests run, with config files that exist.
compose = yaml.safe_load(open("deploy/docker-compose.yml"))
commands = {tuple(s["command"]) for s in compose["services"].values() if s.get("command")}
mounts = {}
for svc_name, svc in compose["services"].items():
    for vol in svc.get("volumes", []):
        if isinstance(vol, str) and vol.startswith("./"):
            src, dst = vol.split(":")[:2]
            mounts[dst] = os.path.join("deploy", src[2:])
    for i, arg in enumerate(svc.get("command") or []):
        if arg == "--config":
            path = svc["command"][i + 1]
            local = next((path.replace(dst, src, 1) for dst, src in mounts.items() if path.startswith(dst + "/")), None)
            if not local or not os.path.isfile(local):
                problems.append(f"docker-compose.yml: {svc_name}: config file {path} is not a file under deploy/")
# HYPERFLEET_* variables must name a key of the configuration file the process reads (the file in
# config/ when it exists, else the copy), under that process's own prefix (HYPERFLEET_API_,
# HYPERFLEET_SENTINEL_, HYPERFLEET_ADAPTER_; the shared keys below under HYPERFLEET_): the
# configuration reader ignores any other name silently, and one role must not read another's.
ROLE_PREFIXES = {"api": "HYPERFLEET_API", "migrate": "HYPERFLEET_API", "sentinel": "HYPERFLEET_SENTINEL",
                 "adapter": "HYPERFLEET_ADAPTER"}
SHARED_KEYS = {"log.level", "log.format", "database.url"}

def env_name(prefix, key):
    return ("HYPERFLEET" if key in SHARED_KEYS else prefix) + "_" + key.upper().replace(".", "_").replace("-", "_")

def env_names(config_path, prefix):
    rel = os.path.relpath(config_path, "/etc/hyperfleet")
    original, copy = os.path.join("config", rel), os.path.join("deploy/base/config", rel)
    source = original if os.path.exists(original) else copy
    if not os.path.exists(source):
        return source, None
    return source, {env_name(prefix, k) for k in keys(yaml.safe_load(open(source)))} | {env_name(prefix, k) for k in SHARED_KEYS}

def check_env(where, args, env):
    if "--config" not in args or not args or args[0] not in ROLE_PREFIXES:
        return
    prefix = ROLE_PREFIXES[args[0]]
    source, names = env_names(args[args.index("--config") + 1], prefix)
    if names is None:
        problems.append(f"{where}: configuration file {source} does not exist")
        return
    for var in env:
        if var.startswith("HYPERFLEET_") and var not in names | {prefix + "_CONFIG"}:
            problems.append(f"{where}: {var} names no key of {source} under {prefix}_")

for doc in yaml.safe_load_all(open(sys.argv[1])):
    if doc and doc["kind"] in ("Deployment", "Job"):
        for c in doc["spec"]["template"]["spec"]["containers"]:
            args = c.get("args", [])
            if tuple(args) not in commands:
                problems.append(f"docker-compose.yml: no service runs {' '.join(args)} "
                                f"like {doc['kind']}/{doc['metadata']['name']}")
            check_env(f"{doc['kind']}/{doc['metadata']['name']}", args, [e["name"] for e in c.get("env", [])])
for svc_name, svc in compose["services"].items():
    env = svc.get("environment") or {}
    check_env(f"docker-compose.yml: {svc_name}", svc.get("command") or [], list(env) if isinstance(env, dict) else [e.split("=")[0] for e in env])
for n in notes:
    print("note: " + n)
for p in problems:
    print("  " + p, file=sys.stderr)
sys.exit(1 if problems else 0)
PY
    pass "configuration copies and docker-compose.yml are consistent with the manifests"
else
    fail "configuration or docker-compose.yml consistency (problems listed above)"
fi

# ---------------------------------------------------------------------------------------------------
printf '\n== summary: %d passed, %d failed\n' "${#PASSED[@]}" "${#FAILED[@]}"
for f in "${FAILED[@]}"; do printf '  failed: %s\n' "$f"; done
[ ${#FAILED[@]} -eq 0 ]
