"""Iceberg metadata tables through Spark Connect: every commit is a snapshot you can query.

Usage: python snapshots.py <sc://host:15002> [catalog] [namespace]
    catalog    the Iceberg catalog the platform configures (spark.iceberg.catalogName; default lake)
    namespace  where the example's table goes (default examples)

Commits four changes to a shipments table (two inserts, an UPDATE, a DELETE) and reads the table's
snapshots (one per commit, with its operation: append, overwrite, delete), history (which snapshot
was current when) and files (the data files of the current snapshot), plus metadata_log_entries
(the metadata.json file each commit wrote). Each step is printed as it runs; the last line is one
JSON object with what the script observed. Snapshot ids are printed as strings (64-bit).
"""
import json
import sys

from pyspark.sql import SparkSession

url = sys.argv[1]
catalog = sys.argv[2] if len(sys.argv) > 2 else "lake"
namespace = sys.argv[3] if len(sys.argv) > 3 else "examples"
table = f"{catalog}.{namespace}.shipments_snapshots"

spark = SparkSession.builder.remote(url).getOrCreate()


def sql(statement):
    print(f"> {statement}", flush=True)
    return spark.sql(statement)


def plain(value):
    """A JSON value: some clients hand back numpy scalars (e.g. int64) from collect()."""
    return value.item() if hasattr(value, "item") else value


def snapshot_id(value):
    return None if value is None else str(value)


sql(f"CREATE NAMESPACE IF NOT EXISTS {catalog}.{namespace}")
sql(f"DROP TABLE IF EXISTS {table} PURGE")
sql(f"CREATE TABLE {table} (id BIGINT, status STRING) USING iceberg")
sql(f"INSERT INTO {table} VALUES (1, 'packed'), (2, 'packed')")
sql(f"INSERT INTO {table} VALUES (3, 'packed')")
sql(f"UPDATE {table} SET status = 'shipped' WHERE id = 1")
sql(f"DELETE FROM {table} WHERE id = 3")

snapshots = [
    {
        "snapshotId": snapshot_id(r["snapshot_id"]),
        "parentId": snapshot_id(r["parent_id"]),
        "operation": r["operation"],
        "manifestList": r["manifest_list"],
        "addedRecords": r["summary"].get("added-records"),
        "deletedRecords": r["summary"].get("deleted-records"),
        "totalRecords": r["summary"].get("total-records"),
    }
    for r in sql(f"SELECT snapshot_id, parent_id, operation, manifest_list, summary FROM {table}.snapshots ORDER BY committed_at").collect()
]
for s in snapshots:
    print(f"  {s['operation']:<9} {s['snapshotId']} parent {s['parentId']} total-records {s['totalRecords']}")

history = [
    {"snapshotId": snapshot_id(r["snapshot_id"]), "parentId": snapshot_id(r["parent_id"]), "isCurrentAncestor": r["is_current_ancestor"]}
    for r in sql(f"SELECT snapshot_id, parent_id, is_current_ancestor FROM {table}.history ORDER BY made_current_at").collect()
]
files = [
    {"path": r["file_path"], "format": r["file_format"], "records": plain(r["record_count"])}
    for r in sql(f"SELECT file_path, file_format, record_count FROM {table}.files").collect()
]
for f in files:
    print(f"  {f['format']} {f['records']} records {f['path']}")
metadata_files = [r["file"] for r in sql(f"SELECT file FROM {table}.metadata_log_entries ORDER BY timestamp").collect()]
rows = sorted([plain(r["id"]), r["status"]] for r in spark.table(table).collect())
print(f"  rows {rows}")

location = {r[0]: r[1] for r in sql(f"DESCRIBE TABLE EXTENDED {table}").collect()}.get("Location")
spark.stop()
print(json.dumps({
    "table": table,
    "location": location,
    "snapshots": snapshots,
    "history": history,
    "files": files,
    "metadataFiles": metadata_files,
    "rows": rows,
}))
