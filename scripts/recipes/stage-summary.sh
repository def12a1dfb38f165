#!/usr/bin/env bash
# Summarises the stages of a Spark application from its UI's REST API and flags spill and skew.
# Run with --help for usage. Needs kubectl (unless --url), curl and python3 (to read JSON; jq is
# not assumed to be installed, python3 nearly always is).
set -euo pipefail

me=stage-summary.sh
namespace=spark-jobs
pod=""
connect=""
url=""
app_id=""
ui_port=4040
skew_factor=3
skew_min_seconds=10
limit=30

usage() {
    cat <<EOF
Usage: $me (--pod <pod> | --connect <deployment> | --url <url>) [flags]

Reads the Spark UI's REST API (/api/v1/applications, /applications/<id>/stages and each stage's
taskSummary) and prints one row per stage: id, status, tasks, duration, shuffle read and write,
spill (memory and disk), failed tasks, median and longest task. It flags stages that spilled
(memory or disk spill above 0: the tasks' data did not fit in execution memory), stages with skew
(the longest task took at least --skew-factor times the median, and at least --skew-min-seconds),
failed stages and failed tasks.

With --pod or --connect it runs kubectl port-forward to the UI port in the background and stops it
on exit; with --url it reads a UI you already reach, e.g. the History Server for a finished
application (kubectl port-forward -n spark-platform svc/spark-history-server 18080, then
--url http://localhost:18080 --app-id <id>). JSON is parsed with python3, which must be on PATH.

Flags:
  --pod <pod>                 a driver pod (its UI listens on --ui-port)
  --connect <deployment>      a Spark Connect server Deployment, e.g. spark-connect-35
  --url <url>                 base URL of a Spark UI or History Server (http://localhost:4040)
  -n, --namespace <ns>        namespace of the pod or Deployment (default: spark-jobs)
  --ui-port <port>            the UI port in the pod (default: 4040)
  --app-id <id>               application to read (default: the only, or first, one listed)
  --skew-factor <N>           flag a stage whose longest task is N times its median (default: 3)
  --skew-min-seconds <s>      only if the longest task took at least this long (default: 10)
  --limit <N>                 summarise the last N stages (default: 30)
  -h, --help                  print this help

Example:
  $me --connect spark-connect-35
  $me --url http://localhost:18080 --app-id spark-7c1e4f2a9b8d4e6f8a0b1c2d3e4f5a6b

Exit codes:
  0  no stage spilled, was skewed or failed
  1  a stage spilled, was skewed, failed or lost tasks; or the UI could not be read
  2  usage error (unknown flag, missing or malformed value), or kubectl, curl or python3 missing
EOF
}

# shellcheck source=scripts/recipes/lib/common.bash
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"

while [ $# -gt 0 ]; do
    case "$1" in
    -h | --help) usage; exit 0 ;;
    --pod) need_value "$@"; pod=$2; shift 2 ;;
    --pod=*) pod=${1#*=}; shift ;;
    --connect) need_value "$@"; connect=$2; shift 2 ;;
    --connect=*) connect=${1#*=}; shift ;;
    --url) need_value "$@"; url=$2; shift 2 ;;
    --url=*) url=${1#*=}; shift ;;
    -n | --namespace) need_value "$@"; namespace=$2; shift 2 ;;
    --namespace=*) namespace=${1#*=}; shift ;;
    --ui-port) need_value "$@"; ui_port=$2; shift 2 ;;
    --ui-port=*) ui_port=${1#*=}; shift ;;
    --app-id) need_value "$@"; app_id=$2; shift 2 ;;
    --app-id=*) app_id=${1#*=}; shift ;;
    --skew-factor) need_value "$@"; skew_factor=$2; shift 2 ;;
    --skew-factor=*) skew_factor=${1#*=}; shift ;;
    --skew-min-seconds) need_value "$@"; skew_min_seconds=$2; shift 2 ;;
    --skew-min-seconds=*) skew_min_seconds=${1#*=}; shift ;;
    --limit) need_value "$@"; limit=$2; shift 2 ;;
    --limit=*) limit=${1#*=}; shift ;;
    *) usage_error "unknown flag $1" ;;
    esac
done

dns_label='^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$'
given=0
for v in "$pod" "$connect" "$url"; do [ -z "$v" ] || given=$((given + 1)); done
[ "$given" -eq 1 ] || usage_error "give exactly one of --pod, --connect and --url"
[[ "$namespace" =~ $dns_label ]] || usage_error "flag --namespace: '$namespace' is not a namespace name"
if [ -n "$pod" ] && ! [[ "$pod" =~ ^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$ ]]; then usage_error "flag --pod: '$pod' is not a pod name"; fi
if [ -n "$connect" ] && ! [[ "$connect" =~ $dns_label ]]; then usage_error "flag --connect: '$connect' is not a Deployment name"; fi
if [ -n "$url" ] && ! [[ "$url" =~ ^https?://[A-Za-z0-9.:_@-]+(/[A-Za-z0-9._~/-]*)?$ ]]; then usage_error "flag --url: '$url' is not an http(s) URL"; fi
[[ "$ui_port" =~ ^[1-9][0-9]{0,4}$ ]] || usage_error "flag --ui-port: '$ui_port' is not a port"
if [ -n "$app_id" ] && ! [[ "$app_id" =~ ^[A-Za-z0-9][-A-Za-z0-9_.]*$ ]]; then usage_error "flag --app-id: '$app_id' is not an application id"; fi
if ! [[ "$skew_factor" =~ ^[0-9]+(\.[0-9]+)?$ ]] || [[ "$skew_factor" =~ ^0+(\.0+)?$ ]]; then usage_error "flag --skew-factor: '$skew_factor' is not a positive number"; fi
[[ "$skew_min_seconds" =~ ^[0-9]+$ ]] || usage_error "flag --skew-min-seconds: '$skew_min_seconds' is not a whole number"
[[ "$limit" =~ ^[1-9][0-9]*$ ]] || usage_error "flag --limit: '$limit' is not a positive whole number"
need_command curl
need_command python3 "it reads the REST API's JSON, without jq"
if [ -z "$url" ]; then need_command kubectl; fi

work=$(mktemp -d)
pf_pid=""
# shellcheck disable=SC2329 # run by the EXIT trap
cleanup() {
    if [ -n "$pf_pid" ]; then
        kill "$pf_pid" 2>/dev/null || true
        wait "$pf_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

if [ -z "$url" ]; then
    if [ -n "$pod" ]; then target="pod/$pod"; else target="deployment/$connect"; fi
    # ":<port>" lets kubectl pick a free local port; it prints "Forwarding from 127.0.0.1:<local> -> <port>".
    kubectl port-forward --namespace "$namespace" "$target" ":$ui_port" >"$work/port-forward.log" 2>&1 &
    pf_pid=$!
    local_port=""
    for _ in $(seq 1 50); do
        local_port=$(sed -n 's/^Forwarding from 127\.0\.0\.1:\([0-9]*\) -> .*/\1/p' "$work/port-forward.log" | head -n 1)
        [ -z "$local_port" ] || break
        kill -0 "$pf_pid" 2>/dev/null || break
        sleep 0.2
    done
    if [ -z "$local_port" ]; then
        echo "$me: kubectl port-forward to $target port $ui_port in namespace $namespace did not start:" >&2
        sed 's/^/  /' "$work/port-forward.log" >&2
        exit 1
    fi
    url="http://127.0.0.1:$local_port"
fi
url=${url%/}

fetch() {
    local path=$1 out=$2
    if ! curl --silent --show-error --fail --max-time 30 --output "$out" "$url$path" 2>"$work/curl.err"; then
        echo "$me: could not read $url$path: $(tr '\n' ' ' <"$work/curl.err")" >&2
        echo "  A driver's UI lives while the application runs; a finished one is in the History Server (--help)." >&2
        exit 1
    fi
}

read -r -d '' parse <<'PY' || true
import json, os, sys
from datetime import datetime

mode = sys.argv[1]

def load(path):
    with open(path) as f:
        return json.load(f)

if mode == "app":
    apps, wanted = load(sys.argv[2]), sys.argv[3]
    if not apps:
        sys.exit("no application is listed")
    ids = [a["id"] for a in apps]
    if wanted and wanted not in ids:
        sys.exit("application %s is not listed; listed: %s" % (wanted, ", ".join(ids[:10])))
    app = next(a for a in apps if a["id"] == (wanted or ids[0]))
    if len(ids) > 1 and not wanted:
        print("note: %d applications listed, reading the first; choose one with --app-id" % len(ids), file=sys.stderr)
    print(app["id"] + "\t" + app.get("name", ""))
    sys.exit(0)

stages = load(sys.argv[2])
limit = int(sys.argv[3])
stages = sorted(stages, key=lambda s: (s["stageId"], s.get("attemptId", 0)))[-limit:]

if mode == "wanted":
    # Stages whose task distribution is worth reading: some task ended.
    for s in stages:
        if s.get("numCompleteTasks", 0) + s.get("numFailedTasks", 0) > 0 and s["status"] != "SKIPPED":
            print("%d %d" % (s["stageId"], s.get("attemptId", 0)))
    sys.exit(0)

summaries, factor, min_ms = sys.argv[4], float(sys.argv[5]), int(sys.argv[6]) * 1000

def size(n):
    n = float(n or 0)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return ("%d %s" % (n, unit)) if unit == "B" else ("%.1f %s" % (n, unit))
        n /= 1024

def seconds(ms):
    if ms is None:
        return "-"
    s = ms / 1000.0
    return "%.1fs" % s if s < 120 else "%dm%02ds" % (s // 60, s % 60)

def when(t):
    return datetime.strptime(t, "%Y-%m-%dT%H:%M:%S.%fGMT") if t else None

fmt = "%-8s %-8s %-11s %-6s %-9s %-11s %-11s %-11s %-11s %-8s %-8s %-22s %s"
print(fmt % ("STAGE", "STATUS", "TASKS", "FAILED", "DURATION", "SHUF READ", "SHUF WRITE", "SPILL MEM", "SPILL DISK", "TASK P50", "TASK MAX", "FLAGS", "NAME"))
findings = []
for s in stages:
    sid, attempt = s["stageId"], s.get("attemptId", 0)
    start, end = when(s.get("submissionTime")), when(s.get("completionTime"))
    duration = (end - start).total_seconds() * 1000 if start and end else None
    median = longest = None
    path = os.path.join(summaries, "%d-%d.json" % (sid, attempt))
    if os.path.exists(path):
        d = load(path)
        series = d.get("duration") or d.get("executorRunTime")
        if series and len(series) >= 2:
            median, longest = series[0], series[-1]
    flags = []
    if s["status"] == "FAILED":
        flags.append("FAILED")
        findings.append("stage %d.%d FAILED: %s" % (sid, attempt, (s.get("failureReason") or "").split("\n")[0][:300]))
    if s.get("numFailedTasks", 0) > 0:
        flags.append("FAILED-TASKS")
        findings.append("stage %d.%d lost %d task(s); the driver's log and the executors' say why (scripts/recipes/executor-logs.sh)" % (sid, attempt, s["numFailedTasks"]))
    if s.get("memoryBytesSpilled", 0) > 0 or s.get("diskBytesSpilled", 0) > 0:
        flags.append("SPILL")
        findings.append("stage %d.%d spilled %s from memory, %s to disk: its tasks' data did not fit in execution memory; more partitions (spark.sql.shuffle.partitions) or more executor memory" % (sid, attempt, size(s.get("memoryBytesSpilled")), size(s.get("diskBytesSpilled"))))
    if median is not None and longest is not None and longest >= min_ms and longest >= factor * max(median, 1):
        flags.append("SKEW")
        findings.append("stage %d.%d is skewed: its longest task took %s, %.0fx the median %s; a few keys hold most rows (spark.sql.adaptive.skewJoin.enabled, salting)" % (sid, attempt, seconds(longest), longest / max(median, 1), seconds(median)))
    print(fmt % ("%d.%d" % (sid, attempt), s["status"], "%d/%d" % (s.get("numCompleteTasks", 0), s.get("numTasks", 0)), s.get("numFailedTasks", 0),
                 seconds(duration), size(s.get("shuffleReadBytes")), size(s.get("shuffleWriteBytes")), size(s.get("memoryBytesSpilled")), size(s.get("diskBytesSpilled")),
                 seconds(median), seconds(longest), ",".join(flags) or "-", (s.get("name") or "")[:60]))
print()
for f in findings:
    print("FLAG  " + f)
sys.exit(1 if findings else 0)
PY

fetch /api/v1/applications "$work/applications.json"
if ! app=$(python3 -c "$parse" app "$work/applications.json" "$app_id"); then
    echo "$me: $url lists no application to read" >&2
    exit 1
fi
id=${app%%$'\t'*}
echo "Application $id (${app#*$'\t'}) at $url"
fetch "/api/v1/applications/$id/stages" "$work/stages.json"
mkdir -p "$work/summaries"
while read -r sid attempt; do
    [ -n "$sid" ] || continue
    fetch "/api/v1/applications/$id/stages/$sid/$attempt/taskSummary?quantiles=0.5,1.0" "$work/summaries/$sid-$attempt.json"
done < <(python3 -c "$parse" wanted "$work/stages.json" "$limit")
status=0
python3 -c "$parse" table "$work/stages.json" "$limit" "$work/summaries" "$skew_factor" "$skew_min_seconds" || status=$?
if [ "$status" -eq 0 ]; then echo "OK  no stage spilled, was skewed or failed"; fi
exit "$status"
