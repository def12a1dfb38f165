#!/usr/bin/env bash
# Build the platform images, tag them ${REGISTRY}/spark-k8s/<name>:<tag>, push them when PUSH=1
# and print the references to put in the stack config. Every version and tag comes from
# images/versions.env; nothing here names a version of its own.
#
#   REGISTRY=123456789012.dkr.ecr.eu-west-1.amazonaws.com PUSH=1 images/build.sh
#   REGISTRY=localhost:5000 images/build.sh spark-runtime-3.5 spark-rapids
#   REGISTRY=123456789012.dkr.ecr.eu-west-1.amazonaws.com/spark-dev PUSH=1 DIGESTS_FILE=digests.json images/build.sh
#   images/build.sh --list        # the targets, one a line, in build order
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
#   KIND_CLUSTER=name  load each image into that kind cluster after building it (the local stack's
#             one command: REGISTRY=docker.io KIND_CLUSTER=spark images/build.sh <targets>)
#   KIND      kind client to run (default: kind)
#   DIGESTS_FILE=path  with PUSH=1: after each push, read the digest the registry gave the image
#             (docker inspect's RepoDigests entry of the image's repository) and, at the end, write
#             a JSON object keyed like the spark.images references below, one entry per image
#             built, each "<registry>/spark-k8s/<name>:<tag>@sha256:<digest>". A dry run prints the
#             inspect commands and writes no file: only a real push gives a digest.
set -euo pipefail

images_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "${images_dir}/versions.env"

REGISTRY="${REGISTRY:-}"
PUSH="${PUSH:-0}"
PLATFORM="${PLATFORM:-}"
DOCKER="${DOCKER:-docker}"
DRY_RUN="${DRY_RUN:-0}"
DIGESTS_FILE="${DIGESTS_FILE:-}"
KIND_CLUSTER="${KIND_CLUSTER:-}"
KIND="${KIND:-kind}"
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
if [ "${targets[*]-}" = "--list" ]; then printf '%s\n' "${all_targets[@]}"; exit 0; fi
if [ -z "$REGISTRY" ]; then
    echo "set REGISTRY, e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com or localhost:5000" >&2
    exit 2
fi
REGISTRY="${REGISTRY%/}"
[ "${#targets[@]}" -gt 0 ] || targets=("${all_targets[@]}")
if [ -n "$DIGESTS_FILE" ] && [ "$PUSH" != "1" ]; then
    echo "DIGESTS_FILE needs PUSH=1: only a pushed image has a registry digest" >&2
    exit 2
fi

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
# "name:tag repository@sha256:..." for every image pushed in this run, with DIGESTS_FILE.
digests=()
repo_digests_format='{{range .RepoDigests}}{{println .}}{{end}}'

# pushed_digest <ref>: "<ref>@sha256:<digest>", the digest from the RepoDigests entry of <ref>'s
# repository, which docker records on push. The tag stays beside the digest: it names the version
# (the Airflow chart reads it); the digest decides what is pulled.
pushed_digest() {
    local repository="${1%:*}" entry
    while IFS= read -r entry; do
        if [[ "$entry" =~ ^(.+)@(sha256:[0-9a-f]{64})$ ]] && [ "${BASH_REMATCH[1]}" = "$repository" ]; then
            printf '%s@%s' "$1" "${BASH_REMATCH[2]}"
            return 0
        fi
    done < <("$DOCKER" inspect --format "$repo_digests_format" "$1")
    echo "no digest of ${repository} in the RepoDigests of ${1} after its push" >&2
    return 1
}

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
    if [ -n "$KIND_CLUSTER" ]; then run "$KIND" load docker-image --name "$KIND_CLUSTER" "$ref"; fi
    if [ "$PUSH" = "1" ]; then
        run "$DOCKER" push "$ref"
        if [ -n "$DIGESTS_FILE" ]; then
            if [ "$DRY_RUN" = "1" ]; then
                run "$DOCKER" inspect --format "$repo_digests_format" "$ref"
            else
                local digest
                digest="$(pushed_digest "$ref")"
                digests+=("${name}:${tag} ${digest}")
            fi
        fi
    fi
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
            while IFS= read -r pair; do args+=("$pair"); done < <(line_args "$line" BASE_IMAGE VERSION PYTHON_VERSION HADOOP_VERSION AWS_SDK_VERSION ANALYTICS_ACCELERATOR_VERSION LOG4J_VERSION)
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

# Every image build.sh can build as "key name:tag", the key being its stack config key under
# spark.images (exact keys: docs/configuration.md), in the order the references are printed.
config_keys=()
for line in "${lines[@]}"; do
    tag_key="SPARK_RUNTIME_$(suffix "$line")_TAG"
    config_keys+=("spark$(suffix "$line") spark-runtime:${!tag_key}")
done
config_keys+=("sparkRapids spark-rapids:${SPARK_RAPIDS_TAG}" "hiveMetastore hive-metastore:${HIVE_METASTORE_TAG}")
for line in "${lines[@]}"; do
    tag_key="JUPYTER_SPARK_$(suffix "$line")_TAG"
    config_keys+=("jupyter$(suffix "$line") jupyter-spark:${!tag_key}")
done
config_keys+=("airflow airflow:${AIRFLOW_TAG}")

# lookup <name:tag> <"name:tag value" entries...>: the value of the entry for that image, if any.
lookup() {
    local image="$1" entry
    shift
    for entry in "$@"; do
        if [ "${entry%% *}" = "$image" ]; then printf '%s' "${entry#* }"; return 0; fi
    done
    return 1
}

echo
if [ "$DRY_RUN" = "1" ]; then
    echo "Dry run; these references would go in the stack config (spark.images):"
elif [ "$PUSH" = "1" ]; then
    echo "Pushed. Stack config (spark.images):"
else
    echo "Built locally (PUSH=1 pushes). Stack config (spark.images):"
fi
for entry in "${config_keys[@]}"; do
    if ref="$(lookup "${entry#* }" ${built[@]+"${built[@]}"})"; then printf '    %s: %s\n' "${entry%% *}" "$ref"; fi
done

if [ -n "$DIGESTS_FILE" ]; then
    if [ "$DRY_RUN" = "1" ]; then
        echo "Dry run; ${DIGESTS_FILE} is not written (only a push gives a digest)."
    else
        # Digest references hold only [a-z0-9./:_@-], so they need no JSON escaping.
        {
            printf '{'
            separator=''
            for entry in "${config_keys[@]}"; do
                if digest="$(lookup "${entry#* }" ${digests[@]+"${digests[@]}"})"; then
                    printf '%s\n  "%s": "%s"' "$separator" "${entry%% *}" "$digest"
                    separator=','
                fi
            done
            printf '\n}\n'
        } > "${DIGESTS_FILE}.tmp"
        mv "${DIGESTS_FILE}.tmp" "$DIGESTS_FILE"
        echo "Digests (spark.images by digest) written to ${DIGESTS_FILE}."
    fi
fi
