#!/bin/sh
# Download jars from a Maven repository and verify each one before it is kept.
#
#   maven-fetch.sh DEST_DIR group:artifact:version[:classifier] ...
#
# Every coordinate must carry an exact release version (no SNAPSHOT, LATEST, RELEASE or ranges).
# For each jar the script downloads <jar> and <jar>.sha1 from $MAVEN_REPOSITORY, checks the
# digest with `sha1sum -c` and fails the build on any mismatch. It prints the verified
# "sha1  file" lines so they can be recorded next to versions.env if wanted.
set -eu

repository="${MAVEN_REPOSITORY:-https://repo1.maven.org/maven2}"
dest="${1:?usage: maven-fetch.sh DEST_DIR group:artifact:version[:classifier] ...}"
shift
[ "$#" -gt 0 ] || { echo "maven-fetch: no coordinates given" >&2; exit 2; }
mkdir -p "$dest"

download() {
    # curl when present, busybox wget otherwise; both fail on HTTP errors.
    if command -v curl >/dev/null 2>&1; then
        curl -fsSL --retry 3 --retry-delay 2 -o "$2" "$1"
    else
        wget -q -O "$2" "$1"
    fi
}

for coordinate in "$@"; do
    group="${coordinate%%:*}"; rest="${coordinate#*:}"
    artifact="${rest%%:*}"; rest="${rest#*:}"
    version="${rest%%:*}"
    classifier=""
    [ "$rest" != "$version" ] && classifier="${rest#*:}"

    if [ -z "$group" ] || [ -z "$artifact" ] || [ -z "$version" ] || [ "$group" = "$coordinate" ]; then
        echo "maven-fetch: malformed coordinate '$coordinate'" >&2; exit 2
    fi
    case "$version" in
        *SNAPSHOT*|*[Ll][Aa][Tt][Ee][Ss][Tt]*|*RELEASE*|*'['*|*']'*|*'('*|*')'*|*','*|*'+'*|*'$'*)
            echo "maven-fetch: '$coordinate' is not pinned to an exact release" >&2; exit 2 ;;
    esac
    case "$version" in
        [0-9]*) ;;
        *) echo "maven-fetch: '$coordinate' has no numeric version" >&2; exit 2 ;;
    esac

    file="${artifact}-${version}${classifier:+-$classifier}.jar"
    url="${repository}/$(printf '%s' "$group" | tr . /)/${artifact}/${version}/${file}"

    download "$url" "$dest/$file"
    download "$url.sha1" "$dest/$file.sha1.remote"
    # Maven Central's .sha1 holds the bare digest (older uploads append the file name).
    expected="$(cut -c1-40 "$dest/$file.sha1.remote" | tr 'A-F' 'a-f')"
    rm -f "$dest/$file.sha1.remote"
    if ! printf '%s' "$expected" | grep -Eq '^[0-9a-f]{40}$'; then
        echo "maven-fetch: no usable sha1 published for $file" >&2; exit 1
    fi
    printf '%s  %s\n' "$expected" "$file" > "$dest/$file.sha1"
    ( cd "$dest" && sha1sum -c "$file.sha1" )
    cat "$dest/$file.sha1"
    rm -f "$dest/$file.sha1"
done
