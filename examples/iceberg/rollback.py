"""Iceberg rollback through Spark Connect: undo a bad commit with the rollback_to_snapshot procedure.

Usage: python rollback.py <sc://host:15002> [catalog] [namespace]
    catalog    the Iceberg catalog the platform configures (spark.iceberg.catalogName; default lake)
    namespace  where the example's table goes (default examples)

Loads payments in two commits, then a mistaken DELETE empties the table. CALL
<catalog>.system.rollback_to_snapshot makes the snapshot before the mistake current again: no data
is copied, the table's main branch points at the old snapshot. CALL needs Iceberg's SQL extensions
(spark.sql.extensions = org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions), which
the platform's iceberg preset sets. Each step is printed as it runs; the last line is one JSON
object with what the script observed. Snapshot ids are printed as strings (64-bit).
"""
import json
import sys

from pyspark.sql import SparkSession

url = sys.argv[1]
catalog = sys.argv[2] if len(sys.argv) > 2 else "lake"
namespace = sys.argv[3] if len(sys.argv) > 3 else "examples"
name = f"{namespace}.payments_rollback"
table = f"{catalog}.{name}"

spark = SparkSession.builder.remote(url).getOrCreate()


def sql(statement):
    print(f"> {statement}", flush=True)
    return spark.sql(statement)


def count():
    return int(spark.table(table).count())


def current_snapshot():
    """The snapshot the table's main branch points at (the refs metadata table)."""
    return str(sql(f"SELECT snapshot_id FROM {table}.refs WHERE name = 'main'").collect()[0][0])


sql(f"CREATE NAMESPACE IF NOT EXISTS {catalog}.{namespace}")
sql(f"DROP TABLE IF EXISTS {table} PURGE")
sql(f"CREATE TABLE {table} (id BIGINT, amount DOUBLE) USING iceberg")

sql(f"INSERT INTO {table} VALUES (1, 10.0), (2, 20.0), (3, 30.0)")
loaded, loaded_count = current_snapshot(), count()
sql(f"INSERT INTO {table} VALUES (4, 40.0), (5, 50.0)")
appended, appended_count = current_snapshot(), count()
print(f"  good state: snapshot {appended}, {appended_count} rows")
sql(f"DELETE FROM {table} WHERE amount > 0")
mistake, mistake_count = current_snapshot(), count()
print(f"  after the mistake: snapshot {mistake}, {mistake_count} rows")

result = sql(f"CALL {catalog}.system.rollback_to_snapshot('{name}', {appended})").collect()[0]
procedure = {"previousSnapshotId": str(result["previous_snapshot_id"]), "currentSnapshotId": str(result["current_snapshot_id"])}
print(f"  {procedure}")

after, after_count = current_snapshot(), count()
print(f"  after the rollback: snapshot {after}, {after_count} rows")
history = [
    {"snapshotId": str(r["snapshot_id"]), "isCurrentAncestor": r["is_current_ancestor"]}
    for r in sql(f"SELECT snapshot_id, is_current_ancestor FROM {table}.history ORDER BY made_current_at").collect()
]
spark.stop()
print(json.dumps({
    "table": table,
    "snapshots": {"loaded": loaded, "appended": appended, "mistake": mistake},
    "counts": {"loaded": loaded_count, "appended": appended_count, "mistake": mistake_count, "afterRollback": after_count},
    "procedure": procedure,
    "currentSnapshot": after,
    "history": history,
}))
