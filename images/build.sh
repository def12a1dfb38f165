#!/usr/bin/env bash
# Build the platform images, tag them ${REGISTRY}/spark-k8s/<name>:<tag>, push them when PUSH=1
# and print the references to put in the stack config. Every version and tag comes from
# images/versions.env; nothing here names a version of its own.
#
#   REGISTRY=123456789012.dkr.ecr.eu-west-1.amazonaws.com PUSH=1 images/build.sh
#   REGISTRY=localhost:5000 images/build.sh spark-runtime-3.5 spark-rapids
#
# Targets (default: all, in this order; spark-rapids builds FROM spark-runtime-3.5), one
# spark-runtime and one jupyter-spark per line of SPARK_LINES:
#   spark-runtime-3.5 spark-runtime-4.1 spark-runtime-4.3 spark-rapids hive-metastore
#   jupyter-spark-3.5 jupyter-spark-4.1 jupyter-spark-4.3 airflow
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

# The Spark lines, and "35" for "3.5": the NN of the SPARK<NN>_* keys and *_<NN>_TAG keys.
read -r -a lines <<< "$SPARK_LINES"
suffix() { printf '%s' "${1/./}"; }

all_targets=()
for line in "${lines[@]}"; do all_targets+=("spark-runtime-${line}"); done
all_targets+=(spark-rapids hive-metastore)
for line in "${lines[@]}"; do all_targets+=("jupyter-spark-${line}"); done
all_targets+=(airflow)
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

# line_args <line> <KEY suffix>...: "SPARK<NN>_<suffix>=value" for each suffix versions.env sets.
line_args() {
    local nn key name
    nn="$(suffix "$1")"
    shift
    for key in "$@"; do
        name="SPARK${nn}_${key}"
        if [ -n "${!name+set}" ]; then printf '%s\n' "${name}=${!name}"; fi
    done
}

# is_line <line>: whether SPARK_LINES names it.
is_line() {
    local line
    for line in "${lines[@]}"; do [ "$line" = "$1" ] && return 0; done
    return 1
}

for target in "${targets[@]}"; do
    case "$target" in
        spark-runtime-*)
            line="${target#spark-runtime-}"
            is_line "$line" || { echo "unknown target '${target}'; expected one of: ${all_targets[*]}" >&2; exit 2; }
            tag_key="SPARK_RUNTIME_$(suffix "$line")_TAG"
            args=()
            while IFS= read -r pair; do args+=("$pair"); done < <(line_args "$line" BASE_IMAGE VERSION PYTHON_VERSION HADOOP_VERSION AWS_SDK_VERSION ANALYTICS_ACCELERATOR_VERSION)
            build spark-runtime "${!tag_key}" spark-runtime/Dockerfile \
                "SPARK_LINE=${line}" "${fetch_args[@]}" "${args[@]}" "ICEBERG_VERSION=${ICEBERG_VERSION}" ;;
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
        jupyter-spark-*)
            line="${target#jupyter-spark-}"
            is_line "$line" || { echo "unknown target '${target}'; expected one of: ${all_targets[*]}" >&2; exit 2; }
            tag_key="JUPYTER_SPARK_$(suffix "$line")_TAG"
            args=()
            while IFS= read -r pair; do args+=("$pair"); done < <(line_args "$line" VERSION PYTHON_VERSION CONNECT_CLIENT)
            build jupyter-spark "${!tag_key}" jupyter-spark/Dockerfile \
                "SPARK_LINE=${line}" "JUPYTER_BASE_IMAGE=${JUPYTER_BASE_IMAGE}" "${args[@]}" ;;
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
for line in "${lines[@]}"; do
    tag_key="SPARK_RUNTIME_$(suffix "$line")_TAG"
    print_ref "spark$(suffix "$line")" spark-runtime "${!tag_key}"
done
print_ref sparkRapids spark-rapids "$SPARK_RAPIDS_TAG"
print_ref hiveMetastore hive-metastore "$HIVE_METASTORE_TAG"
for line in "${lines[@]}"; do
    tag_key="JUPYTER_SPARK_$(suffix "$line")_TAG"
    print_ref "jupyter$(suffix "$line")" jupyter-spark "${!tag_key}"
done
print_ref airflow airflow "$AIRFLOW_TAG"
