"""The smoke test's Spark Connect check: one session through a Connect server, one table in the
warehouse through the Hive Metastore catalog, rows written and read back, the table dropped.

Usage: connect_check.py <sc://host:port> <database> <table> [--keep] [--timeout SECONDS]
       (in the cluster: piped to `python3 - <args>` by the smoke test)

It needs a Spark Connect Python client of the server's line (pyspark[connect] 3.5 / 4.3 or
pyspark-client 4.1, as images/jupyter-spark installs them) and nothing else of this repository.
It prints exactly ONE JSON line on stdout, last, and exits 0 whenever it printed that line: the
verdicts are the caller's (tools/smoke/connect.ts); a failed step is in "error" and "failedStep".

Safety: it only ever drops the table it created, and refuses any database or table name that does
not start with the smoke prefix below, so it cannot touch user data. The database is created if
missing and never dropped (it may hold tables of other, concurrent smoke runs).
"""
import json
import socket
import sys
import time
from urllib.parse import urlparse

SMOKE_PREFIX = "smoke_"
SMOKE_DATABASE_PREFIX = "spark_k8s_smoke"
ROWS = [(1, "one"), (2, "two"), (3, "three")]

started = time.monotonic()
out = {"steps": [], "timings": {}}


def finish(code=0):
    out["timings"]["total"] = round(time.monotonic() - started, 2)
    print(json.dumps(out), flush=True)
    sys.exit(code)


def step(name, action):
    """Runs one step, timed; a failure ends the check with the step's name and the error."""
    t0 = time.monotonic()
    out["steps"].append(name)
    try:
        value = action()
    except Exception as e:  # noqa: BLE001 - every failure goes to the report
        out["timings"][name] = round(time.monotonic() - t0, 2)
        message = str(e).strip().splitlines()[0] if str(e).strip() else ""
        out["failedStep"] = name
        out["error"] = f"{type(e).__name__}: {message}"[:2000]
        raise StepFailed() from e
    out["timings"][name] = round(time.monotonic() - t0, 2)
    return value


class StepFailed(Exception):
    pass


def plain(value):
    """A JSON value: some clients hand back numpy scalars from collect()."""
    return value.item() if hasattr(value, "item") else value


def parse_args(argv):
    positional, keep, timeout = [], False, 30.0
    it = iter(argv)
    for a in it:
        if a == "--keep":
            keep = True
        elif a == "--timeout":
            timeout = float(next(it))
        else:
            positional.append(a)
    if len(positional) != 3:
        raise ValueError("usage: connect_check.py <sc://host:port> <database> <table> [--keep] [--timeout SECONDS]")
    url, database, table = positional
    if not database.startswith(SMOKE_DATABASE_PREFIX) or not database.replace("_", "").isalnum():
        raise ValueError(f"database {database!r}: the smoke test only uses databases named {SMOKE_DATABASE_PREFIX}*")
    if not table.startswith(SMOKE_PREFIX) or not table.replace("_", "").isalnum():
        raise ValueError(f"table {table!r}: the smoke test only creates (and drops) tables named {SMOKE_PREFIX}*")
    return url, database, table, keep, timeout


def rows_left(spark, location):
    """Rows still readable at a dropped managed table's location: 0 when its files are gone.

    The Metastore deletes a managed table's files; an S3A client that is not aware of directory
    markers (Hadoop before 3.3.1) takes the marker newer writers keep for an empty directory and
    deletes only the marker, so the data stays (docs/testing.md).
    """
    try:
        return spark.read.format("parquet").load(location).count()
    except Exception as e:  # noqa: BLE001 - "no such path" and "nothing to read" mean gone
        text = str(e)
        if any(m in text for m in ("PATH_NOT_FOUND", "Path does not exist", "UNABLE_TO_INFER_SCHEMA", "Unable to infer schema")):
            return 0
        raise


def reachable(url, timeout):
    """A TCP connection to the server first: the Connect clients retry an absent server for minutes."""
    parsed = urlparse(url)
    if parsed.scheme != "sc" or not parsed.hostname:
        raise ValueError(f"not a Spark Connect URL (sc://host:port): {url}")
    port = parsed.port or 15002
    try:
        socket.create_connection((parsed.hostname, port), timeout=timeout).close()
    except OSError as e:
        raise ConnectionError(f"nothing answers at {parsed.hostname}:{port} ({e.strerror or e})") from e
    return f"{parsed.hostname}:{port}"


def main():
    spark = None
    try:
        url, database, table, keep, timeout = parse_args(sys.argv[1:])
    except ValueError as e:
        out["failedStep"], out["error"] = "arguments", str(e)
        finish()
    qualified = f"{database}.{table}"
    out.update({"url": url, "database": database, "table": qualified, "keep": keep})
    try:
        import pyspark

        out["clientVersion"] = pyspark.__version__
        from pyspark.sql import SparkSession

        out["endpoint"] = step("reach", lambda: reachable(url, timeout))
        spark = step("session", lambda: SparkSession.builder.remote(url).getOrCreate())
        out["sparkVersion"] = step("version", lambda: spark.version)
        # In Spark Connect the application is the server's: the session's conf falls back to the
        # server's SparkContext conf, so spark.app.id and spark.app.name are the Connect server's
        # application (the one its event log and the History Server show), not this client's.
        out["appId"] = spark.conf.get("spark.app.id")
        out["appName"] = spark.conf.get("spark.app.name")
        out["catalogImplementation"] = spark.conf.get("spark.sql.catalogImplementation")
        out["warehouseDir"] = spark.conf.get("spark.sql.warehouse.dir")

        def create_database():
            try:
                spark.sql(f"CREATE DATABASE IF NOT EXISTS {database}").collect()
            except Exception as e:  # noqa: BLE001 - two smoke runs may create it at the same moment
                if "already exists" not in str(e).lower() and "AlreadyExists" not in str(e):
                    raise

        step("database", create_database)
        step("create", lambda: spark.sql(f"CREATE TABLE {qualified} (id INT, name STRING) USING parquet").collect())
        out["created"] = True
        described = step("describe", lambda: spark.sql(f"DESCRIBE TABLE EXTENDED {qualified}").collect())
        info = {r[0]: r[1] for r in described if r[0] in ("Location", "Type", "Provider", "Database", "Catalog")}
        out["location"], out["tableType"], out["provider"] = info.get("Location"), info.get("Type"), info.get("Provider")
        listed = step("list", lambda: [r["tableName"] for r in spark.sql(f"SHOW TABLES IN {database}").collect()])
        out["listedInDatabase"] = table in listed
        step("write", lambda: spark.createDataFrame(ROWS, "id INT, name STRING").write.insertInto(qualified))
        read = step("read", lambda: spark.table(qualified).orderBy("id").collect())
        out["rowsWritten"] = [list(r) for r in ROWS]
        out["rowsRead"] = [[plain(r["id"]), r["name"]] for r in read]
        if keep:
            out["dropped"] = False
        else:
            step("drop", lambda: spark.sql(f"DROP TABLE {qualified}").collect())
            out["dropped"] = True
            after = step("list after drop", lambda: [r["tableName"] for r in spark.sql(f"SHOW TABLES IN {database}").collect()])
            out["listedAfterDrop"] = table in after
            location = out.get("location")
            if location:
                out["rowsLeftAfterDrop"] = step("files after drop", lambda: rows_left(spark, location))
    except StepFailed:
        pass
    except Exception as e:  # noqa: BLE001 - e.g. the client cannot be imported
        out["failedStep"] = out.get("failedStep", "client")
        out["error"] = f"{type(e).__name__}: {str(e).strip()[:2000]}"
    finally:
        # A table created before a failure is dropped too, unless --keep.
        if out.get("created") and not keep and not out.get("dropped"):
            try:
                spark.sql(f"DROP TABLE IF EXISTS {qualified}").collect()
                out["dropped"] = True
            except Exception as e:  # noqa: BLE001
                out["dropError"] = f"{type(e).__name__}: {str(e).strip()[:500]}"
        if spark is not None:
            try:
                spark.stop()  # releases the server-side session
            except Exception:  # noqa: BLE001 - the verdict is already decided
                pass
    finish()


main()
