"""Iceberg time travel through Spark Connect: read a table as it was at an earlier snapshot.

Usage: python time_travel.py <sc://host:15002> [catalog] [namespace]
    catalog    the Iceberg catalog the platform configures (spark.iceberg.catalogName; default lake)
    namespace  where the example's table goes (default examples)

Builds orders in three commits (two inserts, then a delete), then reads earlier snapshots back: SQL
VERSION AS OF <snapshot id> and TIMESTAMP AS OF '<commit time>'; Spark's DataFrame reader options
versionAsOf and timestampAsOf; and Iceberg's own reader options snapshot-id and as-of-timestamp
(milliseconds), which the Spark 3.5 runtime of Iceberg 1.11 reads with and its Spark 4.1 runtime
refuses (the script reports the refusal). Each step is printed as it runs; the last
line is one JSON object with what the script observed. Snapshot ids are printed as strings: they
are 64-bit and JSON readers that use doubles would round them.
"""
import json
import sys

from pyspark.sql import SparkSession

url = sys.argv[1]
catalog = sys.argv[2] if len(sys.argv) > 2 else "lake"
namespace = sys.argv[3] if len(sys.argv) > 3 else "examples"
table = f"{catalog}.{namespace}.orders_time_travel"

spark = SparkSession.builder.remote(url).getOrCreate()


def sql(statement):
    print(f"> {statement}", flush=True)
    return spark.sql(statement)


def ids(df):
    """The id column of a result, sorted (some clients hand back numpy scalars: made plain ints)."""
    return sorted(int(r["id"]) for r in df.select("id").collect())


def latest_snapshot():
    """The newest snapshot's id and commit time, as a string in the session time zone and as epoch ms."""
    row = sql(
        f"SELECT snapshot_id, CAST(committed_at AS STRING) AS at, unix_millis(committed_at) AS ms "
        f"FROM {table}.snapshots ORDER BY committed_at DESC LIMIT 1"
    ).collect()[0]
    return int(row["snapshot_id"]), row["at"], int(row["ms"])


sql(f"CREATE NAMESPACE IF NOT EXISTS {catalog}.{namespace}")
sql(f"DROP TABLE IF EXISTS {table} PURGE")
sql(f"CREATE TABLE {table} (id BIGINT, item STRING, quantity INT) USING iceberg")

sql(f"INSERT INTO {table} VALUES (1, 'apple', 3), (2, 'pear', 5)")
first, first_at, first_ms = latest_snapshot()
print(f"  first snapshot {first}, committed {first_at}")

sql(f"INSERT INTO {table} VALUES (3, 'plum', 7)")
second, second_at, second_ms = latest_snapshot()
print(f"  second snapshot {second}, committed {second_at}")

sql(f"DELETE FROM {table} WHERE id = 1")
third, _, _ = latest_snapshot()
current = ids(spark.table(table))
print(f"  now: ids {current}")

version_as_of = ids(sql(f"SELECT id FROM {table} VERSION AS OF {first}"))
print(f"  VERSION AS OF the first snapshot: ids {version_as_of}")
timestamp_as_of = ids(sql(f"SELECT id FROM {table} TIMESTAMP AS OF '{first_at}'"))
print(f"  TIMESTAMP AS OF the first commit: ids {timestamp_as_of}")

# Spark's own reader options (both lines): versionAsOf takes a snapshot id, timestampAsOf a timestamp.
print(f"> spark.read.format('iceberg').option('versionAsOf', '{first}').load('{table}')")
reader_version_as_of = ids(spark.read.format("iceberg").option("versionAsOf", str(first)).load(table))
print(f"  ids {reader_version_as_of}")
print(f"> spark.read.format('iceberg').option('timestampAsOf', '{second_at}').load('{table}')")
reader_timestamp_as_of = ids(spark.read.format("iceberg").option("timestampAsOf", second_at).load(table))
print(f"  ids {reader_timestamp_as_of}")


def legacy_option(option, value):
    """Iceberg's own reader options: the Spark 3.5 runtime reads with them; the Spark 4.1 runtime of
    Iceberg 1.11 refuses them and names Spark's option to use instead, which is reported here."""
    print(f"> spark.read.format('iceberg').option('{option}', '{value}').load('{table}')")
    try:
        found = ids(spark.read.format("iceberg").option(option, str(value)).load(table))
    except Exception as e:  # noqa: BLE001 - the refusal is what this runtime does, and is reported
        message = next((line for line in str(e).splitlines() if "no longer supported" in line), str(e).splitlines()[0])
        print(f"  refused: {message}")
        return {"refused": message}
    print(f"  ids {found}")
    return found


reader_snapshot_id = legacy_option("snapshot-id", first)
reader_as_of_timestamp = legacy_option("as-of-timestamp", second_ms)

location = {r[0]: r[1] for r in sql(f"DESCRIBE TABLE EXTENDED {table}").collect()}.get("Location")
spark.stop()
print(json.dumps({
    "table": table,
    "location": location,
    "snapshots": [str(first), str(second), str(third)],
    "firstCommittedAt": first_at,
    "secondCommittedAtMillis": second_ms,
    "current": current,
    "versionAsOf": version_as_of,
    "timestampAsOf": timestamp_as_of,
    "readerVersionAsOf": reader_version_as_of,
    "readerTimestampAsOf": reader_timestamp_as_of,
    "readerSnapshotId": reader_snapshot_id,
    "readerAsOfTimestamp": reader_as_of_timestamp,
}))
