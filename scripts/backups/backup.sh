#!/usr/bin/env bash
# Backs up the platform's PostgreSQL databases to object storage, in two phases that run in two
# containers of the database-backup CronJob's pod, sharing BACKUP_DIR:
#
#   backup.sh dump     pg_dump -Fc of each database in BACKUP_DATABASES into BACKUP_DIR, each
#                      checked readable with pg_restore --list (the PostgreSQL client image)
#   backup.sh upload   each dump to s3://BACKUP_BUCKET/BACKUP_PREFIX/<database>/<UTC timestamp>.dump
#                      with one PutObject (the AWS CLI image)
#
# Environment. dump: PGHOST, PGPORT, PGSSLMODE (libpq), and for each database <db> its login
# <DB>_DB_USER and <DB>_DB_PASSWORD (upper-case name). upload: BACKUP_BUCKET, BACKUP_PREFIX,
# optionally S3_ENDPOINT (MinIO) and the AWS SDK's credentials (EKS Pod Identity, or access keys).
# Passwords reach pg_dump through PGPASSWORD in its environment, never on a command line, and are
# never printed. Any failure exits non-zero, so the Job fails and its failure is counted.
set -euo pipefail

die() {
    echo "backup: $*" >&2
    exit 1
}

phase=${1:-}
: "${BACKUP_DIR:?BACKUP_DIR is not set}"
: "${BACKUP_DATABASES:?BACKUP_DATABASES is not set}"

# One PutObject takes at most 5 GiB; a single request keeps the identity's rights to PutObject and
# kms:GenerateDataKey (a multipart upload under SSE-KMS would need kms:Decrypt as well).
max_bytes=$((5 * 1024 * 1024 * 1024))

case "$phase" in
dump)
    umask 077
    for db in $BACKUP_DATABASES; do
        upper=${db^^}
        user_var="${upper}_DB_USER"
        password_var="${upper}_DB_PASSWORD"
        [ -n "${!user_var:-}" ] || die "$user_var is not set"
        [ -n "${!password_var:-}" ] || die "$password_var is not set"
        file="$BACKUP_DIR/$db.dump"
        echo "backup: dumping database $db as ${!user_var} from ${PGHOST:-localhost}:${PGPORT:-5432} (sslmode ${PGSSLMODE:-prefer})"
        PGPASSWORD="${!password_var}" pg_dump --format=custom --no-password \
            --dbname="$db" --username="${!user_var}" --file="$file.partial" ||
            die "pg_dump of database $db failed"
        pg_restore --list "$file.partial" >/dev/null || die "the dump of database $db is not a readable archive"
        mv "$file.partial" "$file"
        echo "backup: dumped database $db ($(stat -c %s "$file") bytes)"
    done
    ;;
upload)
    : "${BACKUP_BUCKET:?BACKUP_BUCKET is not set}"
    : "${BACKUP_PREFIX:?BACKUP_PREFIX is not set}"
    endpoint=()
    if [ -n "${S3_ENDPOINT:-}" ]; then endpoint=(--endpoint-url "$S3_ENDPOINT"); fi
    stamp=$(date -u +%Y%m%dT%H%M%SZ)
    for db in $BACKUP_DATABASES; do
        file="$BACKUP_DIR/$db.dump"
        [ -s "$file" ] || die "no dump of database $db in $BACKUP_DIR"
        bytes=$(stat -c %s "$file")
        [ "$bytes" -le "$max_bytes" ] || die "the dump of database $db is $bytes bytes, more than one PutObject takes"
        key="${BACKUP_PREFIX%/}/$db/$stamp.dump"
        aws ${endpoint[@]+"${endpoint[@]}"} s3api put-object --bucket "$BACKUP_BUCKET" --key "$key" --body "$file" \
            --content-type application/octet-stream --output text --query ETag >/dev/null ||
            die "upload of s3://$BACKUP_BUCKET/$key failed"
        echo "backup: uploaded s3://$BACKUP_BUCKET/$key ($bytes bytes)"
    done
    ;;
*)
    die "usage: backup.sh dump|upload"
    ;;
esac
