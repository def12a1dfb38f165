#!/usr/bin/env bash
# Build the platform images, tag them ${REGISTRY}/spark-k8s/<name>:<tag>, push them when PUSH=1
# and print the references to put in the stack config. Every version and tag comes from
# images/versions.env; nothing here names a version of its own.
#
#   REGISTRY=123456789012.dkr.ecr.eu-west-1.amazonaws.com PUSH=1 images/build.sh
#   REGISTRY=localhost:5000 images/build.sh spark-runtime-3.5 spark-rapids
#
# Targets (default: all, in this order; spark-rapids builds FROM spark-runtime-3.5):
#   spark-runtime-3.5 spark-runtime-4.0 spark-rapids hive-metastore
#   jupyter-spark-3.5 jupyter-spark-4.0 airflow
# Environment:
#   REGISTRY  registry host[/path] to tag for (required)
#   PUSH=1    push each image after building it
#   PLATFORM  e.g. linux/amd64 (default: the builder's platform)
#   DOCKER    client to run (default: docker)
#   DRY_RUN=1 print the commands instead of running them
set -euo pipefail

images_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "${images_dir}/versions.env"

REGISTRY="${REGISTRY:?set REGISTRY, e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com or localhost:5000}"
REGISTRY="${REGISTRY%/}"
PUSH="${PUSH:-0}"
PLATFORM="${PLATFORM:-}"
DOCKER="${DOCKER:-docker}"
DRY_RUN="${DRY_RUN:-0}"
export DOCKER_BUILDKIT=1

all_targets=(spark-runtime-3.5 spark-runtime-4.0 spark-rapids hive-metastore jupyter-spark-3.5 jupyter-spark-4.0 airflow)
targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=("${all_targets[@]}")

reference() { printf '%s/spark-k8s/%s:%s' "$REGISTRY" "$1" "$2"; }

run() {
    if [ "$DRY_RUN" = "1" ]; then
        printf '+'; printf ' %q' "$@"; printf '\n'
    else
        "$@"
    fi
}

# "name:tag ref" for every image built in this run (a plain array: macOS ships bash 3.2).
built=()

# build <image name> <tag> <dockerfile under images/> [NAME=value build args...]
build() {
    local name="$1" tag="$2" dockerfile="$3"
    shift 3
    local ref
    ref="$(reference "$name" "$tag")"
    local -a cmd=("$DOCKER" build --file "${images_dir}/${dockerfile}" --tag "$ref")
    [ -z "$PLATFORM" ] || cmd+=(--platform "$PLATFORM")
    local pair
    for pair in "$@"; do cmd+=(--build-arg "$pair"); done
    cmd+=("$images_dir")
    echo "==> ${ref}" >&2
    run "${cmd[@]}"
    if [ "$PUSH" = "1" ]; then run "$DOCKER" push "$ref"; fi
    built+=("${name}:${tag} ${ref}")
}

fetch_args=("FETCH_BASE_IMAGE=${FETCH_BASE_IMAGE}" "MAVEN_REPOSITORY=${MAVEN_REPOSITORY}")
spark_args=(
    "SPARK35_BASE_IMAGE=${SPARK35_BASE_IMAGE}" "SPARK35_VERSION=${SPARK35_VERSION}"
    "SPARK35_HADOOP_VERSION=${SPARK35_HADOOP_VERSION}" "SPARK35_AWS_SDK_VERSION=${SPARK35_AWS_SDK_VERSION}"
    "SPARK40_BASE_IMAGE=${SPARK40_BASE_IMAGE}" "SPARK40_VERSION=${SPARK40_VERSION}"
    "SPARK40_HADOOP_VERSION=${SPARK40_HADOOP_VERSION}" "SPARK40_AWS_SDK_VERSION=${SPARK40_AWS_SDK_VERSION}"
    "ICEBERG_VERSION=${ICEBERG_VERSION}"
)
jupyter_args=(
    "JUPYTER_BASE_IMAGE=${JUPYTER_BASE_IMAGE}" "SPARK_PYTHON_VERSION=${SPARK_PYTHON_VERSION}"
    "SPARK35_VERSION=${SPARK35_VERSION}" "SPARK40_VERSION=${SPARK40_VERSION}"
)

for target in "${targets[@]}"; do
    case "$target" in
        spark-runtime-3.5)
            build spark-runtime "$SPARK_RUNTIME_35_TAG" spark-runtime/Dockerfile \
                "SPARK_LINE=3.5" "${fetch_args[@]}" "${spark_args[@]}" ;;
        spark-runtime-4.0)
            build spark-runtime "$SPARK_RUNTIME_40_TAG" spark-runtime/Dockerfile \
                "SPARK_LINE=4.0" "${fetch_args[@]}" "${spark_args[@]}" ;;
        spark-rapids)
            build spark-rapids "$SPARK_RAPIDS_TAG" spark-rapids/Dockerfile \
                "SPARK_RUNTIME_IMAGE=$(reference spark-runtime "$SPARK_RUNTIME_35_TAG")" \
                "SPARK35_VERSION=${SPARK35_VERSION}" \
                "RAPIDS_VERSION=${RAPIDS_VERSION}" "RAPIDS_CLASSIFIER=${RAPIDS_CLASSIFIER}" \
                "${fetch_args[@]}" ;;
        hive-metastore)
            build hive-metastore "$HIVE_METASTORE_TAG" hive-metastore/Dockerfile \
                "HIVE_BASE_IMAGE=${HIVE_BASE_IMAGE}" "HIVE_HADOOP_VERSION=${HIVE_HADOOP_VERSION}" \
                "HIVE_AWS_SDK_VERSION=${HIVE_AWS_SDK_VERSION}" \
                "POSTGRESQL_JDBC_VERSION=${POSTGRESQL_JDBC_VERSION}" "${fetch_args[@]}" ;;
        jupyter-spark-3.5)
            build jupyter-spark "$JUPYTER_SPARK_35_TAG" jupyter-spark/Dockerfile \
                "SPARK_LINE=3.5" "${jupyter_args[@]}" ;;
        jupyter-spark-4.0)
            build jupyter-spark "$JUPYTER_SPARK_40_TAG" jupyter-spark/Dockerfile \
                "SPARK_LINE=4.0" "${jupyter_args[@]}" ;;
        airflow)
            build airflow "$AIRFLOW_TAG" airflow/Dockerfile \
                "AIRFLOW_BASE_IMAGE=${AIRFLOW_BASE_IMAGE}" "AIRFLOW_VERSION=${AIRFLOW_VERSION}" \
                "AIRFLOW_PYTHON_VERSION=${AIRFLOW_PYTHON_VERSION}" "SPARK35_VERSION=${SPARK35_VERSION}" ;;
        *)
            echo "unknown target '${target}'; expected one of: ${all_targets[*]}" >&2
            exit 2 ;;
    esac
done

# The references, keyed like the stack's spark.images settings (exact keys: docs/configuration.md).
print_ref() {
    local key="$1" name="$2" tag="$3" entry
    for entry in ${built[@]+"${built[@]}"}; do
        if [ "${entry%% *}" = "${name}:${tag}" ]; then printf '    %s: %s\n' "$key" "${entry#* }"; fi
    done
}
echo
if [ "$DRY_RUN" = "1" ]; then
    echo "Dry run; these references would go in the stack config (spark.images):"
elif [ "$PUSH" = "1" ]; then
    echo "Pushed. Stack config (spark.images):"
else
    echo "Built locally (PUSH=1 pushes). Stack config (spark.images):"
fi
print_ref spark35 spark-runtime "$SPARK_RUNTIME_35_TAG"
print_ref spark40 spark-runtime "$SPARK_RUNTIME_40_TAG"
print_ref sparkRapids spark-rapids "$SPARK_RAPIDS_TAG"
print_ref hiveMetastore hive-metastore "$HIVE_METASTORE_TAG"
print_ref jupyter35 jupyter-spark "$JUPYTER_SPARK_35_TAG"
print_ref jupyter40 jupyter-spark "$JUPYTER_SPARK_40_TAG"
print_ref airflow airflow "$AIRFLOW_TAG"
