#!/usr/bin/env bash
# Checks, with kubectl auth can-i, that a job namespace grants Spark what it needs and nothing that
# widens anyone's rights. Run with --help for usage. Needs kubectl only, and the right to impersonate.
set -euo pipefail

me=rbac-check.sh
namespace=spark-jobs
service_account=spark
team=false
group=""

usage() {
    cat <<EOF
Usage: $me [--namespace <ns>] [--service-account <name>] [--team [--group <group>]]

Asks the API server (kubectl auth can-i, impersonating the subject) for every right Spark needs in
a job namespace and for the rights nobody there may hold, prints one table row per question, and
exits 1 on a missing right or an excess one.

By default the subject is the namespace's service account spark, which drivers (spark-submit in
cluster mode, the Spark Operator's drivers, the Spark Connect servers) run as. It must be able to:
get/list/watch/create/patch/delete/deletecollection pods (executors), create and deletecollection
configmaps, list/create/deletecollection persistentvolumeclaims, patch and deletecollection
services; the platform's spark-driver Role grants exactly these. It must not: read secrets, exec
into pods, mint service account tokens, or create Roles, RoleBindings or NetworkPolicies.

With --team the subject is the team's group (spark-team:<namespace> unless --group says otherwise),
bound to the team Role: it must be able to run and debug Spark work (pods, pods/log,
pods/portforward, pods/exec, services, configmaps, persistentvolumeclaims, SparkApplications, Jobs,
events) and must not read secrets or create Roles, RoleBindings or NetworkPolicies.

Flags:
  -n, --namespace <ns>          job namespace to check (default: spark-jobs)
  --service-account <name>      service account to check (default: spark)
  --team                        check the team's group instead of the service account
  --group <group>               the team's Kubernetes group (default: spark-team:<namespace>)
  -h, --help                    print this help

Example:
  $me --namespace spark-jobs
  $me --namespace spark-jobs --team

Exit codes:
  0  every needed right is granted and no forbidden one
  1  a needed right is missing, a forbidden one is granted, or kubectl could not answer
     (impersonation needs the impersonate verb on serviceaccounts, users and groups)
  2  usage error (unknown flag, missing or malformed value), or kubectl missing
EOF
}

# shellcheck source=scripts/recipes/lib/common.bash
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"

while [ $# -gt 0 ]; do
    case "$1" in
    -h | --help) usage; exit 0 ;;
    -n | --namespace) need_value "$@"; namespace=$2; shift 2 ;;
    --namespace=*) namespace=${1#*=}; shift ;;
    --service-account) need_value "$@"; service_account=$2; shift 2 ;;
    --service-account=*) service_account=${1#*=}; shift ;;
    --team) team=true; shift ;;
    --group) need_value "$@"; group=$2; shift 2 ;;
    --group=*) group=${1#*=}; shift ;;
    *) usage_error "unknown flag $1" ;;
    esac
done

dns_label='^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$'
[[ "$namespace" =~ $dns_label ]] || usage_error "flag --namespace: '$namespace' is not a namespace name"
[[ "$service_account" =~ ^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$ ]] || usage_error "flag --service-account: '$service_account' is not a service account name"
if [ -n "$group" ] && [ "$team" != true ]; then usage_error "flag --group needs --team"; fi
if [ -n "$group" ] && ! [[ "$group" =~ ^[A-Za-z0-9:._@-]+$ ]]; then usage_error "flag --group: '$group' is not a group name"; fi
need_command kubectl

# Each check: "<need|deny> <verb> <resource>", resource as kubectl auth can-i takes it
# (resource.group for API groups other than core).
if [ "$team" = true ]; then
    group=${group:-spark-team:$namespace}
    subject="group $group"
    impersonate=(--as "rbac-check" --as-group "$group")
    checks=(
        "need create pods" "need delete pods" "need watch pods" "need deletecollection pods"
        "need get pods/log" "need create pods/portforward" "need create pods/exec"
        "need create services" "need create configmaps" "need create persistentvolumeclaims"
        "need list events" "need get resourcequotas"
        "need create sparkapplications.sparkoperator.k8s.io" "need delete sparkapplications.sparkoperator.k8s.io"
        "need create jobs.batch" "need create cronjobs.batch"
        "deny get secrets" "deny list secrets"
        "deny create roles.rbac.authorization.k8s.io" "deny create rolebindings.rbac.authorization.k8s.io"
        "deny create networkpolicies.networking.k8s.io" "deny delete namespaces"
    )
else
    subject="service account $namespace/$service_account"
    impersonate=(--as "system:serviceaccount:$namespace:$service_account")
    checks=(
        "need get pods" "need list pods" "need watch pods" "need create pods" "need patch pods" "need delete pods" "need deletecollection pods"
        "need create configmaps" "need deletecollection configmaps"
        "need list persistentvolumeclaims" "need create persistentvolumeclaims" "need deletecollection persistentvolumeclaims"
        "need patch services" "need deletecollection services"
        "deny get secrets" "deny list secrets" "deny create pods/exec" "deny create serviceaccounts/token"
        "deny create roles.rbac.authorization.k8s.io" "deny create rolebindings.rbac.authorization.k8s.io"
        "deny create networkpolicies.networking.k8s.io"
    )
fi

echo "RBAC of $subject in namespace $namespace"
fmt="%-6s %-16s %-46s %-7s %s\n"
# shellcheck disable=SC2059 # the format is this script's own
printf "$fmt" EXPECT VERB RESOURCE ANSWER RESULT
missing=0
excess=0
errors=0
for check in "${checks[@]}"; do
    read -r expect verb resource <<<"$check"
    answer=$(kubectl auth can-i "$verb" "$resource" --namespace "$namespace" "${impersonate[@]}" 2>&1 || true)
    answer=$(printf '%s\n' "$answer" | head -n 1)
    case "$answer" in
    yes) allowed=yes ;;
    no | no\ -*) allowed=no ;;
    *) allowed=error ;;
    esac
    if [ "$allowed" = error ]; then
        result="ERROR: $answer"
        errors=$((errors + 1))
    elif [ "$expect" = need ] && [ "$allowed" = no ]; then
        result="MISSING"
        missing=$((missing + 1))
    elif [ "$expect" = deny ] && [ "$allowed" = yes ]; then
        result="EXCESS"
        excess=$((excess + 1))
    else
        result="ok"
    fi
    # shellcheck disable=SC2059
    printf "$fmt" "$expect" "$verb" "$resource" "$allowed" "$result"
done

echo
if [ "$errors" -gt 0 ]; then
    echo "$errors question(s) could not be answered: kubectl auth can-i --as needs the impersonate verb (an admin's kubeconfig has it)."
fi
if [ "$missing" -gt 0 ]; then
    if [ "$team" = true ]; then
        echo "$missing needed right(s) MISSING: is the team RoleBinding there and bound to group $group? (kubectl get rolebinding team -n $namespace -o wide)"
    else
        echo "$missing needed right(s) MISSING: Spark drivers will fail to create or clean up executors. Is the spark-driver RoleBinding there? (kubectl get rolebinding spark-driver -n $namespace -o wide)"
    fi
fi
if [ "$excess" -gt 0 ]; then
    echo "$excess forbidden right(s) granted (EXCESS): find the binding that grants them (kubectl get rolebindings,clusterrolebindings -A -o wide | grep -e $namespace -e ${group:-$service_account})."
fi
if [ $((missing + excess + errors)) -gt 0 ]; then exit 1; fi
echo "OK  $subject has every needed right and no forbidden one"
