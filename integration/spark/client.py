"""What a notebook does through Spark Connect, run by the integration suite with the client the
jupyter-spark image installs. Usage: client.py <sc://url> <table suffix> [<iceberg catalog>].
Prints one JSON line with what it observed (a part that fails reports its error and the next part
still runs); the TypeScript test asserts on it."""
import faulthandler
import json
import signal
import sys
import time

from pyspark.sql import SparkSession

# When the suite's timeout kills a hung session, every thread's stack shows where it waited.
faulthandler.register(signal.SIGTERM, chain=True)

url, suffix = sys.argv[1], sys.argv[2]
catalog = sys.argv[3] if len(sys.argv) > 3 else None
timings = {}


def timed(name, action):
    started = time.monotonic()
    value = action()
    timings[name] = round(time.monotonic() - started, 2)
    return value


def plain(value):
    """A JSON value: some clients hand back numpy scalars (e.g. int64) from collect()."""
    return value.item() if hasattr(value, "item") else value


def location(table):
    rows = spark.sql(f"DESCRIBE TABLE EXTENDED {table}").collect()
    return {r[0]: r[1] for r in rows if r[0] in ("Location", "Type", "Provider")}


spark = timed("session", lambda: SparkSession.builder.remote(url).getOrCreate())
out = {
    "sparkVersion": spark.version,
    "appId": spark.conf.get("spark.app.id"),
    "warehouseDir": spark.conf.get("spark.sql.warehouse.dir"),
    "catalogImplementation": spark.conf.get("spark.sql.catalogImplementation"),
}


def part(name, steps):
    """Runs one part of the session; its failure is reported, and the next part still runs."""
    try:
        out[name] = steps()
    except Exception as e:  # noqa: BLE001 - every failure is reported to the test
        out[name] = {"error": f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"[:2000]}


def managed_table():
    table = f"default.it_managed_{suffix}"
    spark.sql(f"DROP TABLE IF EXISTS {table}")
    timed("managedCreate", lambda: spark.sql(f"CREATE TABLE {table} (id INT, name STRING) USING parquet"))
    rows = spark.createDataFrame([(1, "one"), (2, "two"), (3, "three")], "id INT, name STRING")
    timed("managedWrite", lambda: rows.write.insertInto(table))
    return {
        "table": table,
        "rows": [[plain(r["id"]), r["name"]] for r in spark.table(table).orderBy("id").collect()],
        **location(table),
    }


def iceberg_table():
    namespace = f"{catalog}.it_{suffix}"
    table = f"{namespace}.events"
    spark.sql(f"CREATE NAMESPACE IF NOT EXISTS {namespace}")
    spark.sql(f"DROP TABLE IF EXISTS {table}")
    timed("icebergCreate", lambda: spark.sql(f"CREATE TABLE {table} (id BIGINT, name STRING) USING iceberg"))
    timed("icebergInsert1", lambda: spark.sql(f"INSERT INTO {table} VALUES (1, 'a'), (2, 'b')"))
    first = spark.sql(f"SELECT snapshot_id FROM {table}.snapshots ORDER BY committed_at").collect()[0][0]
    timed("icebergInsert2", lambda: spark.sql(f"INSERT INTO {table} VALUES (3, 'c')"))
    snapshots = spark.sql(f"SELECT snapshot_id FROM {table}.snapshots").count()
    travelled = spark.sql(f"SELECT id FROM {table} VERSION AS OF {first} ORDER BY id").collect()
    spark.sql(f"ALTER TABLE {table} ADD COLUMN score DOUBLE")
    spark.sql(f"INSERT INTO {table} VALUES (4, 'd', 0.5)")
    after = spark.sql(f"SELECT id, name, score FROM {table} ORDER BY id").collect()
    return {
        "table": table,
        "snapshots": plain(snapshots),
        "timeTravel": [plain(r["id"]) for r in travelled],
        "columns": spark.table(table).columns,
        "rows": [[plain(r["id"]), r["name"], plain(r["score"])] for r in after],
        **location(table),
    }


part("managed", managed_table)
if catalog:
    part("iceberg", iceberg_table)
out["timings"] = timings
spark.stop()
print(json.dumps(out))
