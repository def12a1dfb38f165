#!/usr/bin/env bash
# Checks object storage (S3 or MinIO) from inside the cluster, as Spark pods reach it.
# Run with --help for usage. Needs kubectl only (no jq).
set -euo pipefail

me=s3-check.sh
namespace=spark-jobs
service_account=spark
bucket=""
endpoint=""
region=""
# The platform's AWS CLI image (components/services/backups.ts awsCliImage): public, and it runs
# bash, getent and timeout besides aws. The platform's spark-runtime image is not public.
image="amazon/aws-cli:2.37.5"
credentials_secret=auto
# MinIO's S3 API in the cluster (serviceEndpoints.minio) and the Secret Spark pods read its keys from.
minio_endpoint="http://minio.minio.svc.cluster.local:9000"
minio_secret=object-storage-credentials
timeout_seconds=120
dry_run=false

usage() {
    cat <<EOF
Usage: $me --bucket <name> (--endpoint <url> | --region <region>) [flags]

Starts a short-lived pod in the job namespace, as the service account Spark pods use, and from it
checks object storage the way Spark reaches it: the endpoint's DNS name resolves, its port accepts
a TCP connection, and the bucket can be listed with the pod's credentials (EKS Pod Identity on AWS,
the MinIO keys of Secret $minio_secret on the local stack). It prints each check and what failed.
The pod follows the restricted Pod Security Standard (non-root, no privilege escalation, all
capabilities dropped, seccomp RuntimeDefault, read-only root file system) and is deleted after.

Flags:
  --bucket <name>               bucket to list (e.g. the data lake or event-log bucket)
  --endpoint <url>              S3 endpoint; MinIO in the cluster: $minio_endpoint
  --region <region>             AWS region; without --endpoint, https://s3.<region>.amazonaws.com
  -n, --namespace <ns>          namespace to run the pod in (default: spark-jobs)
  --service-account <name>      service account of the pod (default: spark)
  --image <image>               image with bash and the AWS CLI (default: $image)
  --credentials-secret <name>   Secret with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY for the pod;
                                "none" for none (default: $minio_secret for MinIO's
                                in-cluster endpoint, none otherwise: Pod Identity)
  --timeout <seconds>           how long the pod may take to start (default: 120)
  --dry-run                     print the pod manifest and the kubectl command; create nothing
  -h, --help                    print this help

Example:
  $me --bucket spark-k8s-local-data --endpoint $minio_endpoint
  $me --bucket spark-k8s-prod-data-lake --region eu-west-1 --dry-run

Exit codes:
  0  DNS, TCP and the bucket listing all succeeded (or --dry-run printed the manifest)
  1  a check failed, or the pod could not run (quota, admission, image pull)
  2  usage error (unknown flag, missing or malformed value), or kubectl missing
EOF
}

# shellcheck source=scripts/recipes/lib/common.bash
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"

while [ $# -gt 0 ]; do
    case "$1" in
    -h | --help) usage; exit 0 ;;
    --bucket) need_value "$@"; bucket=$2; shift 2 ;;
    --bucket=*) bucket=${1#*=}; shift ;;
    --endpoint) need_value "$@"; endpoint=$2; shift 2 ;;
    --endpoint=*) endpoint=${1#*=}; shift ;;
    --region) need_value "$@"; region=$2; shift 2 ;;
    --region=*) region=${1#*=}; shift ;;
    -n | --namespace) need_value "$@"; namespace=$2; shift 2 ;;
    --namespace=*) namespace=${1#*=}; shift ;;
    --service-account) need_value "$@"; service_account=$2; shift 2 ;;
    --service-account=*) service_account=${1#*=}; shift ;;
    --image) need_value "$@"; image=$2; shift 2 ;;
    --image=*) image=${1#*=}; shift ;;
    --credentials-secret) need_value "$@"; credentials_secret=$2; shift 2 ;;
    --credentials-secret=*) credentials_secret=${1#*=}; shift ;;
    --timeout) need_value "$@"; timeout_seconds=$2; shift 2 ;;
    --timeout=*) timeout_seconds=${1#*=}; shift ;;
    --dry-run) dry_run=true; shift ;;
    *) usage_error "unknown flag $1" ;;
    esac
done

dns_label='^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$'
[ -n "$bucket" ] || usage_error "flag --bucket is required"
[[ "$bucket" =~ ^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$ ]] || usage_error "flag --bucket: '$bucket' is not an S3 bucket name"
[[ "$namespace" =~ $dns_label ]] || usage_error "flag --namespace: '$namespace' is not a namespace name"
[[ "$service_account" =~ ^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$ ]] || usage_error "flag --service-account: '$service_account' is not a service account name"
[[ "$image" =~ ^[A-Za-z0-9][A-Za-z0-9./:@_-]*$ ]] || usage_error "flag --image: '$image' is not an image reference"
[[ "$timeout_seconds" =~ ^[1-9][0-9]*$ ]] || usage_error "flag --timeout: '$timeout_seconds' is not a positive number of seconds"
if [ -n "$region" ] && ! [[ "$region" =~ ^[a-z]{2}(-[a-z]+)+-[0-9]+$ ]]; then usage_error "flag --region: '$region' is not an AWS region"; fi
if [ -z "$endpoint" ]; then
    [ -n "$region" ] || usage_error "give --endpoint <url> (MinIO: $minio_endpoint) or --region <region> (S3)"
    endpoint="https://s3.$region.amazonaws.com"
fi
if ! [[ "$endpoint" =~ ^(https?)://([A-Za-z0-9.-]+)(:([0-9]{1,5}))?/?$ ]]; then
    usage_error "flag --endpoint: '$endpoint' is not http(s)://host[:port]"
fi
scheme=${BASH_REMATCH[1]}
host=${BASH_REMATCH[2]}
port=${BASH_REMATCH[4]}
if [ -z "$port" ]; then
    if [ "$scheme" = https ]; then port=443; else port=80; fi
fi
endpoint="${endpoint%/}"
if [ "$credentials_secret" = auto ]; then
    if [ "$endpoint" = "$minio_endpoint" ]; then credentials_secret=$minio_secret; else credentials_secret=none; fi
fi
if [ "$credentials_secret" != none ] && ! [[ "$credentials_secret" =~ ^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$ ]]; then
    usage_error "flag --credentials-secret: '$credentials_secret' is not a Secret name"
fi
if [ "$dry_run" != true ]; then need_command kubectl; fi

# What the pod runs: one line per check, "CHECK <name> ok|FAIL <detail>"; exit 1 if any failed.
read -r -d '' pod_script <<'POD' || true
fail=0
check() { echo "CHECK $*"; }
if [ -n "${AWS_CONTAINER_CREDENTIALS_FULL_URI:-}" ]; then
    check credentials ok "EKS Pod Identity (service account $SERVICE_ACCOUNT)"
elif [ -n "${AWS_ACCESS_KEY_ID:-}" ]; then
    check credentials ok "access key from Secret $CREDENTIALS_SECRET"
elif [ -n "${AWS_ROLE_ARN:-}" ]; then
    check credentials ok "IRSA role $AWS_ROLE_ARN"
else
    check credentials FAIL "none: no Pod Identity association for service account $SERVICE_ACCOUNT and no access key"
    fail=1
fi
reachable=false
if addresses=$(getent hosts "$S3_HOST"); then
    check dns ok "$S3_HOST resolves to $(echo "$addresses" | awk '{ print $1 }' | paste -sd, -)"
    # shellcheck disable=SC2016 # $0 and $1 are the inner bash's arguments
    if timeout 5 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$S3_HOST" "$S3_PORT" 2>/dev/null; then
        check tcp ok "$S3_HOST:$S3_PORT accepts connections"
        reachable=true
    else
        check tcp FAIL "$S3_HOST:$S3_PORT does not accept a connection within 5 s (a NetworkPolicy, a security group or the endpoint is down)"
        fail=1
    fi
else
    check dns FAIL "$S3_HOST does not resolve (kube-dns reachable? the name right?)"
    check tcp FAIL "skipped: no address"
    fail=1
fi
if [ "$reachable" = true ]; then
    if out=$(timeout 60 aws s3api list-objects-v2 --endpoint-url "$S3_ENDPOINT" --bucket "$S3_BUCKET" --max-keys 5 --query 'Contents[].Key' --output text 2>&1); then
        check list ok "s3://$S3_BUCKET lists (first keys: $(echo "$out" | tr '\t\n' '  ' | cut -c1-200))"
    else
        check list FAIL "s3://$S3_BUCKET does not list: $(echo "$out" | tr '\n' ' ' | cut -c1-400)"
        fail=1
    fi
else
    check list FAIL "skipped: the endpoint is not reachable"
fi
exit "$fail"
POD

json_string() {
    local s=$1
    s=${s//\\/\\\\}
    s=${s//\"/\\\"}
    s=${s//$'\n'/\\n}
    s=${s//$'\t'/\\t}
    printf '"%s"' "$s"
}

name="s3-check-$(printf '%05d' $((RANDOM % 100000)))"
env_json="{\"name\": \"S3_ENDPOINT\", \"value\": \"$endpoint\"},
          {\"name\": \"S3_HOST\", \"value\": \"$host\"},
          {\"name\": \"S3_PORT\", \"value\": \"$port\"},
          {\"name\": \"S3_BUCKET\", \"value\": \"$bucket\"},
          {\"name\": \"SERVICE_ACCOUNT\", \"value\": \"$service_account\"},
          {\"name\": \"CREDENTIALS_SECRET\", \"value\": \"$credentials_secret\"},
          {\"name\": \"HOME\", \"value\": \"/tmp\"}"
# MinIO answers in its default region us-east-1; the AWS CLI needs one either way.
env_json+=",
          {\"name\": \"AWS_REGION\", \"value\": \"${region:-us-east-1}\"},
          {\"name\": \"AWS_DEFAULT_REGION\", \"value\": \"${region:-us-east-1}\"}"
if [ "$credentials_secret" != none ]; then env_json+=",
          {\"name\": \"AWS_ACCESS_KEY_ID\", \"valueFrom\": {\"secretKeyRef\": {\"name\": \"$credentials_secret\", \"key\": \"AWS_ACCESS_KEY_ID\"}}},
          {\"name\": \"AWS_SECRET_ACCESS_KEY\", \"valueFrom\": {\"secretKeyRef\": {\"name\": \"$credentials_secret\", \"key\": \"AWS_SECRET_ACCESS_KEY\"}}}"; fi

manifest="{
  \"apiVersion\": \"v1\",
  \"kind\": \"Pod\",
  \"metadata\": {
    \"name\": \"$name\",
    \"namespace\": \"$namespace\",
    \"labels\": {\"app.kubernetes.io/name\": \"s3-check\", \"app.kubernetes.io/part-of\": \"spark-k8s\"}
  },
  \"spec\": {
    \"serviceAccountName\": \"$service_account\",
    \"automountServiceAccountToken\": false,
    \"restartPolicy\": \"Never\",
    \"securityContext\": {\"runAsNonRoot\": true, \"runAsUser\": 1000, \"runAsGroup\": 1000, \"seccompProfile\": {\"type\": \"RuntimeDefault\"}},
    \"containers\": [
      {
        \"name\": \"$name\",
        \"image\": \"$image\",
        \"command\": [\"bash\", \"-c\", $(json_string "$pod_script")],
        \"env\": [
          $env_json
        ],
        \"resources\": {\"requests\": {\"cpu\": \"100m\", \"memory\": \"256Mi\"}, \"limits\": {\"memory\": \"256Mi\"}},
        \"securityContext\": {
          \"runAsNonRoot\": true,
          \"allowPrivilegeEscalation\": false,
          \"capabilities\": {\"drop\": [\"ALL\"]},
          \"readOnlyRootFilesystem\": true,
          \"seccompProfile\": {\"type\": \"RuntimeDefault\"}
        },
        \"volumeMounts\": [{\"name\": \"tmp\", \"mountPath\": \"/tmp\"}]
      }
    ],
    \"volumes\": [{\"name\": \"tmp\", \"emptyDir\": {\"sizeLimit\": \"64Mi\"}}]
  }
}"

command=(kubectl run "$name" --namespace "$namespace" --image "$image" --restart Never --attach --rm --quiet
    --pod-running-timeout "${timeout_seconds}s" --override-type merge --overrides "$manifest")

if [ "$dry_run" = true ]; then
    printf '%s\n' "$manifest"
    echo "# would run: ${command[*]:0:${#command[@]}-1} '<the manifest above>'" >&2
    exit 0
fi

echo "Checking $endpoint (bucket $bucket) from a pod in $namespace as service account $service_account ..."
status=0
output=$("${command[@]}" 2>&1) || status=$?
checks=$(printf '%s\n' "$output" | grep '^CHECK ' || true)
if [ -z "$checks" ]; then
    echo "FAILED  the check pod did not run (kubectl exit $status):"
    printf '%s\n' "$output" | sed 's/^/  /'
    echo "  See: kubectl get events -n $namespace --field-selector involvedObject.name=$name"
    exit 1
fi
printf '%s\n' "$checks" | awk '{ c = $2; r = $3; $1 = ""; $2 = ""; $3 = ""; sub(/^ +/, ""); printf "%-12s %-5s %s\n", c, r, $0 }'
if printf '%s\n' "$checks" | awk '$3 == "FAIL"' | grep -q .; then
    echo "FAILED  object storage is not reachable as Spark needs it"
    exit 1
fi
if [ "$status" -ne 0 ]; then
    echo "FAILED  kubectl exit $status: $(printf '%s\n' "$output" | grep -v '^CHECK ' | tail -n 3 | tr '\n' ' ')"
    exit 1
fi
echo "OK  $endpoint resolves, accepts connections, and s3://$bucket lists"
