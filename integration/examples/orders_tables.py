"""Create the example's tables through Spark Connect from CSV files already in object storage.

Run by integration/examples/dataQuality.test.ts with the data-quality venv's Spark Connect client:
for each <name>=<s3a URL> argument, table <database>.<name> is (re)written from that CSV file with
the given DDL schema, as a data engineer would load a landing file. Prints one JSON line: the row
count of each table.

Usage: python orders_tables.py <sc://url> <database> <ddl schema> <name>=<s3a url> ...
"""
import json
import sys

from pyspark.sql import SparkSession

url, database, schema, *tables = sys.argv[1:]
spark = SparkSession.builder.remote(url).getOrCreate()
try:
    spark.sql(f"CREATE DATABASE IF NOT EXISTS {database}")
    counts = {}
    for spec in tables:
        name, source = spec.split("=", 1)
        frame = spark.read.schema(schema).option("header", "true").csv(source)
        frame.write.mode("overwrite").saveAsTable(f"{database}.{name}")
        counts[name] = int(spark.read.table(f"{database}.{name}").count())  # the 3.5 client may return numpy int64
    print(json.dumps(counts))
finally:
    spark.stop()
