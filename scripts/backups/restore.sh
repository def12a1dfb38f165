#!/usr/bin/env bash
# Restores one database from a dump that backup.sh uploaded, in two phases that run in two
# containers of a restore Job's pod (npm run restore writes the Job), sharing RESTORE_DIR:
#
#   restore.sh download   s3://BACKUP_BUCKET/RESTORE_DUMP_KEY into RESTORE_DIR (the AWS CLI image)
#   restore.sh restore    pg_restore --clean --if-exists into RESTORE_DATABASE, in one transaction
#                         (the PostgreSQL client image)
#
# The database must exist (DatabaseInit creates it, empty, owned by the service's role). Every object
# of the dump is dropped if it exists and created again, as the service's role, all in one
# transaction: a restore that fails leaves the database as it was. Objects the dump does not hold
# are left alone.
#
# Environment. download: BACKUP_BUCKET, BACKUP_PREFIX, RESTORE_DATABASE, RESTORE_DUMP_KEY, optionally
# S3_ENDPOINT and the AWS SDK's credentials. restore: RESTORE_DATABASE, PGHOST, PGPORT, PGSSLMODE,
# <DB>_DB_USER and <DB>_DB_PASSWORD. The password reaches pg_restore through PGPASSWORD only.
set -euo pipefail

die() {
    echo "restore: $*" >&2
    exit 1
}

phase=${1:-}
: "${RESTORE_DIR:?RESTORE_DIR is not set}"
: "${RESTORE_DATABASE:?RESTORE_DATABASE is not set}"
file="$RESTORE_DIR/restore.dump"

case "$phase" in
download)
    : "${BACKUP_BUCKET:?BACKUP_BUCKET is not set}"
    : "${BACKUP_PREFIX:?BACKUP_PREFIX is not set}"
    : "${RESTORE_DUMP_KEY:?RESTORE_DUMP_KEY is not set}"
    expected="${BACKUP_PREFIX%/}/$RESTORE_DATABASE/"
    case "$RESTORE_DUMP_KEY" in
    "$expected"*.dump) ;;
    *) die "$RESTORE_DUMP_KEY is not a dump of database $RESTORE_DATABASE (expected $expected<timestamp>.dump)" ;;
    esac
    endpoint=()
    if [ -n "${S3_ENDPOINT:-}" ]; then endpoint=(--endpoint-url "$S3_ENDPOINT"); fi
    umask 077
    aws ${endpoint[@]+"${endpoint[@]}"} s3api get-object --bucket "$BACKUP_BUCKET" --key "$RESTORE_DUMP_KEY" "$file.partial" \
        --output text --query ContentLength >/dev/null ||
        die "download of s3://$BACKUP_BUCKET/$RESTORE_DUMP_KEY failed"
    mv "$file.partial" "$file"
    echo "restore: downloaded s3://$BACKUP_BUCKET/$RESTORE_DUMP_KEY ($(stat -c %s "$file") bytes)"
    ;;
restore)
    upper=${RESTORE_DATABASE^^}
    user_var="${upper}_DB_USER"
    password_var="${upper}_DB_PASSWORD"
    [ -n "${!user_var:-}" ] || die "$user_var is not set"
    [ -n "${!password_var:-}" ] || die "$password_var is not set"
    [ -s "$file" ] || die "no dump in $RESTORE_DIR"
    pg_restore --list "$file" >/dev/null || die "$file is not a readable archive"
    echo "restore: restoring database $RESTORE_DATABASE as ${!user_var} on ${PGHOST:-localhost}:${PGPORT:-5432} (sslmode ${PGSSLMODE:-prefer})"
    PGPASSWORD="${!password_var}" pg_restore --no-password --dbname="$RESTORE_DATABASE" --username="${!user_var}" \
        --clean --if-exists --no-owner --no-privileges --single-transaction --exit-on-error "$file" ||
        die "pg_restore into database $RESTORE_DATABASE failed; the database is unchanged"
    echo "restore: restored database $RESTORE_DATABASE"
    ;;
*)
    die "usage: restore.sh download|restore"
    ;;
esac
