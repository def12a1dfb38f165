#!/usr/bin/env bash
# Lists the executor pods of one Spark application and says which were killed for memory.
# Run with --help for usage. Needs kubectl only (no jq).
set -euo pipefail

me=executor-logs.sh
namespace=spark-jobs
app=""
driver=""
tail_lines=0
# The executor container's name: Spark's default, which the platform's executor pod template keeps.
container=spark-kubernetes-executor

usage() {
    cat <<EOF
Usage: $me (--app <spark-app-selector> | --driver <pod>) [--namespace <ns>] [--tail <N>]

Lists the executor pods of one Spark application with their phase, restarts, current state and
last termination, and flags every executor the kernel killed for memory (reason OOMKilled or exit
code 137), with the container's memory limit and the Spark memory the executor was started with
(SPARK_EXECUTOR_MEMORY, the JVM heap; the rest of the limit is spark.executor.memoryOverhead).

Executors are found by Spark's own pod labels: spark-role=executor, and spark-app-selector=<id>
for --app, or the owner reference to the driver pod for --driver (a Spark Connect server's
executors carry the server pod as their owner). With --driver the driver's log is searched too
for "exit code 137": Spark deletes executor pods that end (spark.kubernetes.executor.
deleteOnTermination, default true), so the driver's log is often the only trace of an OOM kill.

Flags:
  --app <id>            the application's spark-app-selector label (e.g. spark-4f1c0a...)
  --driver <pod>        the driver pod, or a Spark Connect server pod (spark-connect-35-...)
  -n, --namespace <ns>  namespace of the application (default: spark-jobs)
  --tail <N>            also print the last N log lines of every executor listed (default: 0, none)
  -h, --help            print this help

Example:
  $me --namespace spark-jobs --driver spark-pi-0a1b2c3d-driver --tail 50

Exit codes:
  0  executors found, none killed for memory or failing
  1  a problem: an executor OOMKilled, failed or stuck (image pull, crash loop), the driver's log
     reports exit code 137, or no executor pod matched (an ended application's are deleted)
  2  usage error (unknown flag, missing or malformed value), or kubectl missing
EOF
}

# shellcheck source=scripts/recipes/lib/common.bash
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"

while [ $# -gt 0 ]; do
    case "$1" in
    -h | --help) usage; exit 0 ;;
    --app) need_value "$@"; app=$2; shift 2 ;;
    --app=*) app=${1#*=}; shift ;;
    --driver) need_value "$@"; driver=$2; shift 2 ;;
    --driver=*) driver=${1#*=}; shift ;;
    -n | --namespace) need_value "$@"; namespace=$2; shift 2 ;;
    --namespace=*) namespace=${1#*=}; shift ;;
    --tail) need_value "$@"; tail_lines=$2; shift 2 ;;
    --tail=*) tail_lines=${1#*=}; shift ;;
    *) usage_error "unknown flag $1" ;;
    esac
done

dns_label='^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$'
[[ "$namespace" =~ $dns_label ]] || usage_error "flag --namespace: '$namespace' is not a namespace name"
if [ -n "$app" ] && [ -n "$driver" ]; then usage_error "flags --app and --driver exclude each other; give one"; fi
if [ -z "$app" ] && [ -z "$driver" ]; then usage_error "give --app <spark-app-selector> or --driver <pod>"; fi
if [ -n "$app" ] && ! [[ "$app" =~ ^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$ ]]; then usage_error "flag --app: '$app' is not a label value"; fi
if [ -n "$driver" ] && ! [[ "$driver" =~ ^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$ ]]; then usage_error "flag --driver: '$driver' is not a pod name"; fi
[[ "$tail_lines" =~ ^[0-9]+$ ]] || usage_error "flag --tail: '$tail_lines' is not a whole number"
need_command kubectl

selector="spark-role=executor"
if [ -n "$app" ]; then selector="spark-role=executor,spark-app-selector=$app"; fi

# One line per executor pod, tab-separated: name, exec id, phase, owners, restarts, state,
# last termination, memory limit, SPARK_EXECUTOR_MEMORY, SPARK_EXECUTOR_CORES, node.
# Missing map keys print as "<no value>"; fields that may be absent are guarded with "with".
template='{{range .items}}{{.metadata.name}}{{"\t"}}'
template+='{{with .metadata.labels}}{{index . "spark-exec-id"}}{{end}}{{"\t"}}'
template+='{{.status.phase}}{{"\t"}}'
template+='{{range .metadata.ownerReferences}}{{.name}},{{end}}{{"\t"}}'
template+='{{range .status.containerStatuses}}{{if eq .name "'$container'"}}{{.restartCount}}{{end}}{{end}}{{"\t"}}'
template+='{{range .status.containerStatuses}}{{if eq .name "'$container'"}}{{with .state.waiting}}waiting:{{.reason}}{{end}}{{with .state.running}}running{{end}}{{with .state.terminated}}terminated:{{.reason}}:{{.exitCode}}{{end}}{{end}}{{end}}{{"\t"}}'
template+='{{range .status.containerStatuses}}{{if eq .name "'$container'"}}{{with .lastState.terminated}}{{.reason}}:{{.exitCode}}{{end}}{{end}}{{end}}{{"\t"}}'
template+='{{range .spec.containers}}{{if eq .name "'$container'"}}{{with .resources.limits}}{{.memory}}{{end}}{{end}}{{end}}{{"\t"}}'
template+='{{range .spec.containers}}{{if eq .name "'$container'"}}{{range .env}}{{if eq .name "SPARK_EXECUTOR_MEMORY"}}{{.value}}{{end}}{{end}}{{end}}{{end}}{{"\t"}}'
template+='{{range .spec.containers}}{{if eq .name "'$container'"}}{{range .env}}{{if eq .name "SPARK_EXECUTOR_CORES"}}{{.value}}{{end}}{{end}}{{end}}{{end}}{{"\t"}}'
template+='{{.spec.nodeName}}{{"\n"}}{{end}}'

if ! listing=$(kubectl get pods --namespace "$namespace" --selector "$selector" --output "go-template=$template"); then
    echo "$me: kubectl could not list executor pods in namespace $namespace" >&2
    exit 1
fi

# With --driver, keep the executors the driver pod owns.
if [ -n "$driver" ]; then
    listing=$(printf '%s\n' "$listing" | awk -F'\t' -v d="$driver" '$0 != "" { n = split($4, o, ","); for (i = 1; i <= n; i++) if (o[i] == d) { print; next } }')
fi

# Table and findings, in awk: memory quantities become MiB so the overhead can be shown.
report=$(printf '%s\n' "$listing" | awk -F'\t' '
function mib(q,   n, u) {
    if (q == "" || q == "<no value>") return -1
    if (!match(q, /^[0-9.]+/)) return -1
    n = substr(q, 1, RLENGTH) + 0; u = substr(q, RLENGTH + 1)
    if (u == "Ki" || u == "k" || u == "K") return n / 1024
    if (u == "Mi" || u == "m" || u == "M") return n
    if (u == "Gi" || u == "g" || u == "G") return n * 1024
    if (u == "Ti" || u == "t" || u == "T") return n * 1024 * 1024
    if (u == "") return n / 1048576
    return -1
}
function v(x) { return (x == "" || x == "<no value>") ? "-" : x }
BEGIN { problems = 0; pods = 0; fmt = "%-44s %-5s %-10s %-8s %-26s %-18s %-9s %-9s\n"
    printf fmt, "POD", "EXEC", "PHASE", "RESTARTS", "STATE", "LAST TERMINATION", "MEM LIMIT", "HEAP" }
$0 == "" { next }
{
    pods++
    name = $1; state = v($6); last = v($7); limit = v($8); heap = v($9)
    printf fmt, name, v($2), v($3), v($5), state, last, limit, heap
    oom = (state ~ /OOMKilled|:137$/) || (last ~ /OOMKilled|:137$/)
    if (oom) {
        problems++
        l = mib(limit); h = mib(heap)
        msg = sprintf("OOMKILLED  %s (executor %s): killed for memory (reason OOMKilled / exit code 137). Container memory limit %s, SPARK_EXECUTOR_MEMORY (heap) %s, cores %s", name, v($2), limit, heap, v($10))
        if (l > 0 && h > 0) msg = msg sprintf("; about %d MiB of the limit is left beyond the heap (spark.executor.memoryOverhead and any off-heap memory)", l - h)
        findings[problems] = msg ". Raise spark.executor.memoryOverhead (Python, Arrow, native libraries live there) or spark.executor.memory, or give each task less data (more partitions)."
    } else if (state ~ /^terminated:/ && state !~ /:0$/) {
        problems++; findings[problems] = sprintf("FAILED     %s (executor %s): container %s", name, v($2), state)
    } else if (state ~ /^waiting:(ErrImagePull|ImagePullBackOff|CrashLoopBackOff|CreateContainerConfigError|CreateContainerError|InvalidImageName)$/) {
        problems++; findings[problems] = sprintf("STUCK      %s (executor %s): container %s", name, v($2), state)
    } else if (v($3) == "Failed") {
        problems++; findings[problems] = sprintf("FAILED     %s (executor %s): pod phase Failed", name, v($2))
    }
}
END {
    print ""
    for (i = 1; i <= problems; i++) print findings[i]
    printf "SUMMARY pods=%d problems=%d\n", pods, problems
}')

printf '%s\n' "$report" | sed '/^SUMMARY /d'
pods=$(printf '%s\n' "$report" | sed -n 's/^SUMMARY pods=\([0-9]*\) .*/\1/p')
problems=$(printf '%s\n' "$report" | sed -n 's/^SUMMARY .*problems=\([0-9]*\)$/\1/p')

if [ "$pods" -eq 0 ]; then
    problems=$((problems + 1))
    if [ -n "$app" ]; then
        echo "NO EXECUTORS  no pod in namespace $namespace has labels $selector. Spark deletes executor pods that end; check the application id (kubectl get pods -n $namespace -l spark-role=driver --show-labels) or run with --driver <pod> to search the driver's log."
    else
        echo "NO EXECUTORS  no executor pod in namespace $namespace is owned by pod $driver. Spark deletes executor pods that end; the driver's log below is the remaining trace."
    fi
fi

if [ -n "$driver" ]; then
    # Streamed through grep rather than held: a Connect server's log can be large. With pipefail a
    # kubectl failure fails the pipeline; grep finding nothing does not.
    if lost=$(kubectl logs --namespace "$namespace" "$driver" --all-containers=true | { grep -E 'exited with exit code 137' || true; }); then
        if [ -n "$lost" ]; then
            # One loss is logged several times (the scheduler, each lost task): count executor ids.
            ids=$(printf '%s\n' "$lost" | grep -oE 'executor with id [0-9]+ exited with exit code 137' | awk '{ print $4 }' | sort -un | paste -sd, - || true)
            problems=$((problems + 1))
            echo "DRIVER LOG  executor(s) ${ids:-?} exited with exit code 137 (SIGKILL, possible container OOM), says the log of $driver; the last line:"
            printf '%s\n' "$lost" | tail -n 1 | cut -c1-400
        else
            echo "DRIVER LOG  no executor exited with exit code 137 in the log of $driver"
        fi
    else
        echo "$me: could not read the log of pod $driver in namespace $namespace" >&2
        problems=$((problems + 1))
    fi
fi

if [ "$tail_lines" -gt 0 ]; then
    while IFS=$'\t' read -r pod _; do
        [ -n "$pod" ] || continue
        echo
        echo "==> logs of $pod (last $tail_lines lines) <=="
        kubectl logs --namespace "$namespace" "$pod" --container "$container" --tail "$tail_lines" || echo "$me: no log for $pod (it may have been deleted)" >&2
    done <<<"$listing"
fi

if [ "$problems" -gt 0 ]; then exit 1; fi
echo "OK  $pods executor pod(s), none killed for memory or failing"
