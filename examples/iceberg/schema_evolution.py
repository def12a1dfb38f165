"""Iceberg schema evolution through Spark Connect: add, rename and widen columns without rewriting data.

Usage: python schema_evolution.py <sc://host:15002> [catalog] [namespace]
    catalog    the Iceberg catalog the platform configures (spark.iceberg.catalogName; default lake)
    namespace  where the example's table goes (default examples)

Writes customers with the schema (id INT, name STRING), then ADD COLUMN country, RENAME COLUMN name
TO full_name and ALTER COLUMN id TYPE BIGINT (int to bigint is a safe widening), writes one row with
the new schema, and reads both the current table and the first snapshot. The current read shows the
old rows under the new names with country null; the snapshot read uses the snapshot's own schema.
Each step is printed as it runs; the last line is one JSON object with what the script observed.
"""
import json
import sys

from pyspark.sql import SparkSession

url = sys.argv[1]
catalog = sys.argv[2] if len(sys.argv) > 2 else "lake"
namespace = sys.argv[3] if len(sys.argv) > 3 else "examples"
table = f"{catalog}.{namespace}.customers_schema_evolution"

spark = SparkSession.builder.remote(url).getOrCreate()


def sql(statement):
    print(f"> {statement}", flush=True)
    return spark.sql(statement)


def plain(value):
    """A JSON value: some clients hand back numpy scalars (e.g. int64) from collect()."""
    return value.item() if hasattr(value, "item") else value


def observed(df):
    """A result's schema as [name, Spark SQL type] pairs and its rows as lists, ordered by the first column."""
    columns = [[f.name, f.dataType.simpleString()] for f in df.schema.fields]
    rows = sorted(([plain(v) for v in r] for r in df.collect()), key=lambda r: r[0])
    print(f"  columns {columns}\n  rows {rows}")
    return {"columns": columns, "rows": rows}


sql(f"CREATE NAMESPACE IF NOT EXISTS {catalog}.{namespace}")
sql(f"DROP TABLE IF EXISTS {table} PURGE")
sql(f"CREATE TABLE {table} (id INT, name STRING) USING iceberg")
sql(f"INSERT INTO {table} VALUES (1, 'Ada'), (2, 'Grace')")
first = int(sql(f"SELECT snapshot_id FROM {table}.snapshots ORDER BY committed_at DESC LIMIT 1").collect()[0][0])

sql(f"ALTER TABLE {table} ADD COLUMN country STRING")
sql(f"ALTER TABLE {table} RENAME COLUMN name TO full_name")
sql(f"ALTER TABLE {table} ALTER COLUMN id TYPE BIGINT")
sql(f"INSERT INTO {table} VALUES (3, 'Edsger', 'NL')")

current = observed(sql(f"SELECT * FROM {table}"))
old_snapshot = observed(sql(f"SELECT * FROM {table} VERSION AS OF {first}"))
snapshots = sql(f"SELECT count(*) FROM {table}.snapshots").collect()[0][0]

location = {r[0]: r[1] for r in sql(f"DESCRIBE TABLE EXTENDED {table}").collect()}.get("Location")
spark.stop()
print(json.dumps({
    "table": table,
    "location": location,
    "firstSnapshot": str(first),
    "snapshots": plain(snapshots),
    "current": current,
    "firstSnapshotRead": old_snapshot,
}))
