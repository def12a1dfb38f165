"""Validate a dataset against an expectation suite kept in git, with Great Expectations (GX Core 1.x).

The suite is a JSON file under expectations/ (GX's own ExpectationSuite format: a name and a list of
{"type", "kwargs", "meta"}). It is loaded as it is, never edited here: adding a rule means adding an
entry to the file, reviewed like any other change.

Data comes from one of two places:
    --csv FILE                      a local CSV file, validated with GX's pandas datasource
                                    (for trying a suite on a laptop; no Spark needed)
    --connect-url sc://HOST:PORT    a Spark Connect server, and either
        --table NAME                a table of its catalog, or
        --path URL --format FMT     files it can read (parquet, csv, json, orc), --schema DDL optional
                                    the DataFrame stays a Spark Connect DataFrame and GX's Spark
                                    datasource validates it: every metric is computed by Spark,
                                    only the results travel back (no toPandas of the whole dataset)

Prints exactly one JSON line on stdout:
    {"suite", "source", "engine", "success", "evaluated", "successful", "failed": [...]}
where each failed entry names the expectation (type, column, kwargs) and how it failed. Exit
status: 0 when every expectation passed, 1 when any failed, 2 when the validation could not run
(bad arguments, unreadable suite or data); then the JSON line carries "error".

Usage:
    python validate.py --suite expectations/orders.json --csv data/orders_good.csv
    python validate.py --suite expectations/orders.json --connect-url sc://spark-connect-35.spark-jobs.svc.cluster.local:15002 --table sales.orders
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any

# GX 1.x sends usage analytics unless told not to; platform pods have no egress for it.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

EXIT_PASSED = 0
EXIT_FAILED = 1
EXIT_ERROR = 2

FORMATS = ("parquet", "csv", "json", "orc")


class SuiteError(ValueError):
    """The suite file is not a usable expectation suite."""


def read_suite_file(path: Path) -> dict:
    """The suite file's JSON, checked for the fields this runner relies on."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise SuiteError(f"{path}: {err}") from err
    if not isinstance(data, dict) or not isinstance(data.get("name"), str) or not data["name"]:
        raise SuiteError(f"{path}: a suite is a JSON object with a non-empty name")
    expectations = data.get("expectations")
    if not isinstance(expectations, list) or not expectations:
        raise SuiteError(f"{path}: the suite lists no expectations")
    for i, e in enumerate(expectations):
        if not isinstance(e, dict) or not isinstance(e.get("type"), str) or not isinstance(e.get("kwargs"), dict):
            raise SuiteError(f"{path}: expectation {i} needs a string type and a kwargs object")
    return data


def load_suite(path: Path):
    """The suite as a GX ExpectationSuite; fails when GX drops any entry.

    GX's ExpectationSuite logs and skips an expectation it cannot build (an unknown type, a bad
    argument) instead of raising, so the count is checked here: a suite never runs with fewer rules
    than its file lists.
    """
    import great_expectations as gx

    data = read_suite_file(path)
    fields = {k: data[k] for k in ("name", "expectations", "meta", "notes", "suite_parameters") if k in data}
    suite = gx.ExpectationSuite(**fields)
    if len(suite.expectations) != len(data["expectations"]):
        dropped = Counter(e["type"] for e in data["expectations"]) - Counter(e.expectation_type for e in suite.expectations)
        raise SuiteError(f"{path}: GX could not build {len(data['expectations']) - len(suite.expectations)} expectation(s): {', '.join(sorted(dropped)) or 'see the log'}")
    return suite


def spark_dataframe(args: argparse.Namespace):
    """The dataset as a Spark Connect DataFrame (the session is the one GX's Spark datasource reuses)."""
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.remote(args.connect_url).getOrCreate()
    if args.table:
        return spark.read.table(args.table)
    reader = spark.read.format(args.format)
    if args.format == "csv":
        reader = reader.option("header", "true")
    if args.schema:
        reader = reader.schema(args.schema)
    elif args.format == "csv":
        reader = reader.option("inferSchema", "true")
    return reader.load(args.path)


def plain(value: Any) -> Any:
    """Strict JSON: NaN and infinities (a missing value in pandas) become null, other objects strings."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [plain(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if hasattr(value, "item"):  # numpy scalars
        return plain(value.item())
    return str(value)


def describe_failure(result) -> dict:
    """What a failed expectation was and how it failed, in plain JSON."""
    config = result.expectation_config
    kwargs = {k: v for k, v in config.kwargs.items() if k not in ("batch_id", "result_format")}
    failed: dict[str, Any] = {"type": config.type, "column": kwargs.get("column"), "kwargs": kwargs}
    details = result.result or {}
    for key in ("observed_value", "element_count", "unexpected_count", "unexpected_percent", "partial_unexpected_list"):
        if key in details:
            failed[key] = details[key]
    info = result.exception_info or {}
    if info.get("raised_exception"):
        failed["exception"] = info.get("exception_message")
    return plain(failed)


def validate(suite_path: Path, dataframe, engine: str) -> dict:
    """Runs the suite on a pandas or Spark (Connect) DataFrame in an ephemeral GX context."""
    import great_expectations as gx

    suite = load_suite(suite_path)
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    # No progress bars: a task log keeps the JSON line and GX's warnings only.
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    if engine == "spark":
        # persist=False: a shared Connect server keeps no cached copy of the dataset for this run.
        datasource = context.data_sources.add_spark(name="spark", persist=False)
    else:
        datasource = context.data_sources.add_pandas(name="pandas")
    batch = datasource.add_dataframe_asset(name=suite.name).add_batch_definition_whole_dataframe("whole dataset")
    suite = context.suites.add(suite)
    definition = context.validation_definitions.add(gx.ValidationDefinition(name=suite.name, data=batch, suite=suite))
    outcome = definition.run(batch_parameters={"dataframe": dataframe}, result_format="SUMMARY")
    stats = outcome.statistics
    return {
        "success": bool(outcome.success),
        "evaluated": int(stats["evaluated_expectations"]),
        "successful": int(stats["successful_expectations"]),
        "failed": [describe_failure(r) for r in outcome.results if not r.success],
    }


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Validate a dataset against an expectation suite (GX Core 1.x).")
    parser.add_argument("--suite", required=True, type=Path, help="expectation suite JSON file")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--csv", type=Path, help="local CSV file (pandas)")
    source.add_argument("--connect-url", help="Spark Connect URL, sc://host:port")
    parser.add_argument("--table", help="with --connect-url: a catalog table")
    parser.add_argument("--path", help="with --connect-url: files to read")
    parser.add_argument("--format", choices=FORMATS, help="with --path: the files' format")
    parser.add_argument("--schema", help="with --path: a DDL schema, e.g. 'id BIGINT, name STRING'")
    args = parser.parse_args(argv)
    if args.connect_url:
        if bool(args.table) == bool(args.path):
            parser.error("--connect-url needs exactly one of --table and --path")
        if args.path and not args.format:
            parser.error("--path needs --format")
    elif args.table or args.path or args.format or args.schema:
        parser.error("--table, --path, --format and --schema go with --connect-url")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    report: dict[str, Any] = {"suite": str(args.suite)}
    try:
        if args.csv:
            import pandas as pd

            report.update(source=str(args.csv), engine="pandas")
            frame = pd.read_csv(args.csv)
        else:
            report.update(source=args.table or args.path, engine="spark")
            frame = spark_dataframe(args)
        report.update(validate(args.suite, frame, report["engine"]))
    except Exception as err:  # noqa: BLE001 - any failure to run is reported as one JSON line, exit 2
        report.update(success=False, error=f"{type(err).__name__}: {err}")
        print(json.dumps(report, allow_nan=False), flush=True)
        return EXIT_ERROR
    print(json.dumps(report, allow_nan=False), flush=True)
    return EXIT_PASSED if report["success"] else EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
