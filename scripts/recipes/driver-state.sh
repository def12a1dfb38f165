#!/usr/bin/env bash
# Says why a Spark driver pod, or a Spark Connect server, is not running as it should.
# Run with --help for usage. Needs kubectl only (no jq).
set -euo pipefail

me=driver-state.sh
namespace=spark-jobs
pod=""
app=""
connect=""

usage() {
    cat <<EOF
Usage: $me (--pod <pod> | --app <spark-app-selector> | --connect <deployment>) [--namespace <ns>]

Shows the state of one Spark driver: a driver pod of spark-submit or a SparkApplication (labels
spark-role=driver and spark-app-selector), or a Spark Connect server (a Deployment named
spark-connect-<NN> or spark-connect-<NN>-standalone, e.g. spark-connect-35, whose pod is the
driver). It prints the pod's phase, conditions and container states, the events of the pod (and of
the Connect server's Deployment and ReplicaSets), and what executors need to reach the driver:
the pod IP, SPARK_DRIVER_BIND_ADDRESS, spark.driver.host and whether the driver's headless Service
exists (Spark's <app>-driver-svc owned by the driver pod; a Connect server's <deployment>-driver).
It names the usual causes: unschedulable (no node fits, taints, affinity), quota exceeded, image
pull errors, crash loops and OOM kills, and prints the namespace's ResourceQuota use.

Flags:
  --pod <pod>           the driver pod (or a Connect server pod)
  --app <id>            the application's spark-app-selector label; its driver pod is looked up
  --connect <name>      a Spark Connect server Deployment, e.g. spark-connect-35
  -n, --namespace <ns>  namespace of the driver (default: spark-jobs)
  -h, --help            print this help

Example:
  $me --connect spark-connect-35
  $me --namespace spark-jobs --pod nightly-orders-3f9a1c7e5d2b4a60-driver

Exit codes:
  0  the driver runs with every container ready, or finished successfully
  1  a problem: not scheduled, quota exceeded, image pull error, crash loop, failed, not ready,
     no pod found, or the headless Service executors need is missing
  2  usage error (unknown flag, missing or malformed value), or kubectl missing
EOF
}

# shellcheck source=scripts/recipes/lib/common.bash
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"

while [ $# -gt 0 ]; do
    case "$1" in
    -h | --help) usage; exit 0 ;;
    --pod) need_value "$@"; pod=$2; shift 2 ;;
    --pod=*) pod=${1#*=}; shift ;;
    --app) need_value "$@"; app=$2; shift 2 ;;
    --app=*) app=${1#*=}; shift ;;
    --connect) need_value "$@"; connect=$2; shift 2 ;;
    --connect=*) connect=${1#*=}; shift ;;
    -n | --namespace) need_value "$@"; namespace=$2; shift 2 ;;
    --namespace=*) namespace=${1#*=}; shift ;;
    *) usage_error "unknown flag $1" ;;
    esac
done

dns_label='^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$'
[[ "$namespace" =~ $dns_label ]] || usage_error "flag --namespace: '$namespace' is not a namespace name"
given=0
for v in "$pod" "$app" "$connect"; do [ -z "$v" ] || given=$((given + 1)); done
[ "$given" -eq 1 ] || usage_error "give exactly one of --pod, --app and --connect"
if [ -n "$pod" ] && ! [[ "$pod" =~ ^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$ ]]; then usage_error "flag --pod: '$pod' is not a pod name"; fi
if [ -n "$app" ] && ! [[ "$app" =~ ^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$ ]]; then usage_error "flag --app: '$app' is not a label value"; fi
if [ -n "$connect" ] && ! [[ "$connect" =~ $dns_label ]]; then usage_error "flag --connect: '$connect' is not a Deployment name"; fi
need_command kubectl

problems=0
problem() {
    problems=$((problems + 1))
    echo "PROBLEM  $*"
}

# Prints the events of one object: type, reason, count, last time, message. Sets $events_text.
events_text=""
show_events() {
    local kind=$1 name=$2
    events_text=$(kubectl get events --namespace "$namespace" --field-selector "involvedObject.name=$name" \
        --output 'go-template={{range .items}}{{.type}}{{"\t"}}{{.reason}}{{"\t"}}{{.count}}{{"\t"}}{{.lastTimestamp}}{{"\t"}}{{.message}}{{"\n"}}{{end}}' | sed 's/<no value>/-/g') || events_text=""
    echo
    echo "== events of $kind $name =="
    if [ -z "$events_text" ]; then echo "(none; events are kept about an hour)"; return; fi
    printf '%s\n' "$events_text" | awk -F'\t' '{ printf "%-8s %-22s x%-4s %-21s %s\n", $1, $2, $3, $4, $5 }'
}

# Flags the causes events name. Quota and scheduling failures appear only here.
judge_events() {
    local text=$1 what=$2
    if printf '%s\n' "$text" | grep -q 'exceeded quota'; then
        problem "$what: the namespace's ResourceQuota refused a pod (exceeded quota): $(printf '%s\n' "$text" | grep 'exceeded quota' | tail -n 1 | cut -f5 | cut -c1-300)"
    fi
    if printf '%s\n' "$text" | awk -F'\t' '$2 == "FailedScheduling"' | grep -q .; then
        problem "$what: not scheduled: $(printf '%s\n' "$text" | awk -F'\t' '$2 == "FailedScheduling" { m = $5 } END { print substr(m, 1, 300) }')"
    fi
    if printf '%s\n' "$text" | grep -qE 'Failed to pull image|ErrImagePull|ImagePullBackOff'; then
        # The kubelet's "Failed to pull image" event says why; the ErrImagePull/BackOff ones only that it did.
        problem "$what: image pull failed: $( (printf '%s\n' "$text" | grep 'Failed to pull image' || printf '%s\n' "$text" | grep -E 'ErrImagePull|ImagePullBackOff') | tail -n 1 | cut -f5 | cut -c1-300)"
    fi
}

if [ -n "$connect" ]; then
    echo "== Deployment $namespace/$connect =="
    if ! deploy=$(kubectl get deployment "$connect" --namespace "$namespace" \
        --output 'go-template=replicas={{.spec.replicas}} ready={{.status.readyReplicas}} available={{.status.availableReplicas}} updated={{.status.updatedReplicas}}{{"\n"}}{{range .status.conditions}}condition {{.type}}={{.status}} reason={{.reason}} message={{.message}}{{"\n"}}{{end}}'); then
        echo "$me: no Deployment $connect in namespace $namespace (the platform's are spark-connect-<NN>[-standalone]: kubectl get deployments -n $namespace -l app.kubernetes.io/component=spark-connect)" >&2
        exit 1
    fi
    deploy=$(printf '%s\n' "$deploy" | sed 's/<no value>/0/g')
    printf '%s\n' "$deploy"
    if printf '%s\n' "$deploy" | grep -q '^condition ReplicaFailure=True'; then
        problem "Deployment $connect: $(printf '%s\n' "$deploy" | grep '^condition ReplicaFailure=True' | sed 's/^condition //')"
    fi
    show_events Deployment "$connect"
    judge_events "$events_text" "Deployment $connect"
    replicasets=$(kubectl get replicasets --namespace "$namespace" --selector "app.kubernetes.io/name=$connect" \
        --output 'go-template={{range .items}}{{.metadata.name}}{{"\n"}}{{end}}' || true)
    for rs in $replicasets; do
        show_events ReplicaSet "$rs"
        judge_events "$events_text" "ReplicaSet $rs"
    done
    # The newest pod: a Recreate rollout may still show the old one terminating.
    pod=$(kubectl get pods --namespace "$namespace" --selector "app.kubernetes.io/name=$connect" --sort-by .metadata.creationTimestamp \
        --output 'go-template={{range .items}}{{.metadata.name}}{{"\n"}}{{end}}' | tail -n 1 || true)
    if [ -z "$pod" ]; then
        problem "Deployment $connect has no pod (see its ReplicaSets' events above)"
    fi
elif [ -n "$app" ]; then
    pod=$(kubectl get pods --namespace "$namespace" --selector "spark-role=driver,spark-app-selector=$app" \
        --output 'go-template={{range .items}}{{.metadata.name}}{{"\n"}}{{end}}' | head -n 1 || true)
    if [ -z "$pod" ]; then
        problem "no driver pod in namespace $namespace has labels spark-role=driver,spark-app-selector=$app (kubectl get pods -n $namespace -l spark-role=driver --show-labels)"
    fi
fi

if [ -n "$pod" ]; then
    template='phase={{.status.phase}}{{"\n"}}podIP={{.status.podIP}}{{"\n"}}node={{.spec.nodeName}}{{"\n"}}'
    template+='serviceAccount={{.spec.serviceAccountName}}{{"\n"}}'
    # shellcheck disable=SC2016 # go-template variables, not the shell's
    template+='{{with .metadata.labels}}{{range $k, $v := .}}label {{$k}}={{$v}}{{"\n"}}{{end}}{{end}}'
    template+='{{range .status.conditions}}condition {{.type}}={{.status}} reason={{.reason}} message={{.message}}{{"\n"}}{{end}}'
    container_line='container {{.name}} ready={{.ready}} restarts={{.restartCount}} state={{with .state.waiting}}waiting:{{.reason}}{{end}}{{with .state.running}}running{{end}}{{with .state.terminated}}terminated:{{.reason}}:{{.exitCode}}{{end}} last={{with .lastState.terminated}}{{.reason}}:{{.exitCode}}{{end}} message={{with .state.waiting}}{{.message}}{{end}}{{"\n"}}'
    template+="{{range .status.initContainerStatuses}}init-${container_line}{{end}}{{range .status.containerStatuses}}${container_line}{{end}}"
    # shellcheck disable=SC2016 # go-template variables, not the shell's
    template+='{{range .spec.containers}}{{$c := .name}}{{range .env}}{{if or (eq .name "SPARK_DRIVER_BIND_ADDRESS") (eq .name "SPARK_CONF_DIR")}}env {{$c}} {{.name}}={{if .value}}{{.value}}{{else}}{{with .valueFrom}}{{with .fieldRef}}fieldRef:{{.fieldPath}}{{end}}{{end}}{{end}}{{"\n"}}{{end}}{{end}}{{end}}'
    if ! state=$(kubectl get pod "$pod" --namespace "$namespace" --output "go-template=$template"); then
        echo "$me: no pod $pod in namespace $namespace" >&2
        exit 1
    fi
    state=$(printf '%s\n' "$state" | sed 's/=<no value>/=/g')
    echo
    echo "== pod $namespace/$pod =="
    printf '%s\n' "$state" | grep -v '^label ' || true

    value() { printf '%s\n' "$state" | sed -n "s/^$1=//p" | head -n 1; }
    label() { printf '%s\n' "$state" | sed -n "s/^label $1=//p" | head -n 1; }
    phase=$(value phase)
    pod_ip=$(value podIP)
    role=$(label spark-role)
    component=$(label 'app\.kubernetes\.io\/component')
    server=$(label 'app\.kubernetes\.io\/name')
    echo "spark-role=${role:-} spark-app-selector=$(label spark-app-selector)"

    case "$phase" in
    Running) ;;
    Succeeded) echo "The driver finished successfully." ;;
    Pending) problem "pod $pod is Pending" ;;
    *) problem "pod $pod is in phase ${phase:-unknown}" ;;
    esac
    if printf '%s\n' "$state" | grep -q '^condition PodScheduled=False'; then
        problem "pod $pod is not scheduled: $(printf '%s\n' "$state" | sed -n 's/^condition PodScheduled=False //p')"
    fi
    while read -r line; do
        name=$(printf '%s\n' "$line" | awk '{ print $2 }')
        cstate=$(printf '%s\n' "$line" | sed -n 's/.* state=\([^ ]*\).*/\1/p')
        last=$(printf '%s\n' "$line" | sed -n 's/.* last=\([^ ]*\).*/\1/p')
        message=$(printf '%s\n' "$line" | sed -n 's/.* message=//p' | cut -c1-300)
        case "$cstate" in
        waiting:ErrImagePull | waiting:ImagePullBackOff | waiting:InvalidImageName) problem "container $name cannot pull its image ($cstate): $message" ;;
        waiting:CrashLoopBackOff) problem "container $name is crash looping; last exit ${last:-unknown} (kubectl logs -n $namespace $pod -c $name --previous)" ;;
        waiting:CreateContainerConfigError | waiting:CreateContainerError) problem "container $name cannot be created ($cstate): $message" ;;
        terminated:Completed:0) ;;
        terminated:*) problem "container $name ended: $cstate" ;;
        esac
        case "$last" in *OOMKilled* | *:137) problem "container $name was killed for memory before (last $last): raise the driver's memory (spark.driver.memory, spark.driver.memoryOverhead)" ;; esac
        if [ "$phase" = Running ] && [[ "$line" == *" ready=false "* ]] && [[ "$cstate" == running ]]; then problem "container $name runs but is not ready (its readiness probe fails)"; fi
    done < <(printf '%s\n' "$state" | grep -E '^(init-)?container ' || true)

    show_events Pod "$pod"
    judge_events "$events_text" "pod $pod"

    # What executors need to reach the driver.
    echo
    echo "== driver address =="
    echo "pod IP: ${pod_ip:-none yet}"
    bind=$(printf '%s\n' "$state" | sed -n 's/^env [^ ]* SPARK_DRIVER_BIND_ADDRESS=//p' | head -n 1)
    services=$(kubectl get services --namespace "$namespace" \
        --output 'go-template={{range .items}}{{.metadata.name}}{{"\t"}}{{.spec.clusterIP}}{{"\t"}}{{range .metadata.ownerReferences}}{{.name}},{{end}}{{"\n"}}{{end}}' || true)
    if [ "$component" = spark-connect ] && [ -n "$server" ]; then
        # A Connect server is a client-mode driver: spark.driver.host names its headless Service.
        headless="$server-driver"
        echo "Spark Connect server $server: the driver binds spark.driver.bindAddress and announces spark.driver.host"
        conf=$(kubectl get configmap "$server-conf" --namespace "$namespace" --output 'go-template={{index .data "spark-defaults.conf"}}' || true)
        host=$(printf '%s\n' "$conf" | awk '$1 == "spark.driver.host" { print $2 }')
        echo "spark.driver.host: ${host:-not set}; spark.driver.bindAddress: $(printf '%s\n' "$conf" | awk '$1 == "spark.driver.bindAddress" { print $2 }')"
        if [ -n "$host" ] && [ "${host%%.*}" != "$headless" ]; then problem "spark.driver.host $host does not name the headless Service $headless"; fi
    else
        echo "SPARK_DRIVER_BIND_ADDRESS: ${bind:-not set} (Spark sets it from status.podIP in cluster mode)"
        headless=$(printf '%s\n' "$services" | awk -F'\t' -v p="$pod" '{ n = split($3, o, ","); for (i = 1; i <= n; i++) if (o[i] == p) { print $1; exit } }')
    fi
    if [ -z "$headless" ]; then
        if [ "$role" = driver ]; then problem "no Service in namespace $namespace is owned by pod $pod: Spark creates <app>-driver-svc for its executors; it may have been refused (quota on services) or deleted"; fi
    else
        line=$(printf '%s\n' "$services" | awk -F'\t' -v s="$headless" '$1 == s')
        if [ -z "$line" ]; then
            problem "the driver's headless Service $headless is missing in namespace $namespace: executors cannot reach the driver"
        else
            cluster_ip=$(printf '%s\n' "$line" | cut -f2)
            echo "headless Service: $headless (clusterIP ${cluster_ip:-?}) → $headless.$namespace.svc"
            [ "$cluster_ip" = None ] || problem "Service $headless is not headless (clusterIP $cluster_ip)"
        fi
    fi
fi

echo
echo "== ResourceQuota use in $namespace =="
# shellcheck disable=SC2016 # go-template variables, not the shell's
quota=$(kubectl get resourcequota --namespace "$namespace" \
    --output 'go-template={{range .items}}{{$q := .metadata.name}}{{$used := .status.used}}{{range $k, $v := .status.hard}}{{$q}}{{"\t"}}{{$k}}{{"\t"}}{{index $used $k}}{{"\t"}}{{$v}}{{"\n"}}{{end}}{{end}}' || true)
if [ -z "$quota" ]; then
    echo "(no ResourceQuota)"
else
    printf '%s\n' "$quota" | awk -F'\t' '
    function q(x,   n, u) {
        if (!match(x, /^[0-9.]+/)) return -1
        n = substr(x, 1, RLENGTH) + 0; u = substr(x, RLENGTH + 1)
        if (u == "m") return n / 1000
        if (u == "Ki") return n * 1024
        if (u == "Mi") return n * 1048576
        if (u == "Gi") return n * 1073741824
        if (u == "Ti") return n * 1099511627776
        if (u == "k") return n * 1000
        if (u == "M") return n * 1000000
        if (u == "G") return n * 1000000000
        return n
    }
    { used = ($3 == "<no value>" ? "0" : $3); h = q($4); u = q(used)
      printf "%-10s %-28s %12s / %-12s%s\n", $1, $2, used, $4, (h > 0 && u >= h) ? "  FULL: new pods asking for it are refused" : "" }'
fi

echo
if [ "$problems" -gt 0 ]; then
    echo "$problems problem(s) found"
    exit 1
fi
echo "OK  driver ${pod:-?} is healthy"
