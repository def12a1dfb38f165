"""Run PySpark through Spark Connect: aggregate a small orders table and round-trip it through the warehouse.

The task runs in the Airflow worker with only the thin Spark Connect client (images/airflow ships
pyspark[connect] for Spark 3.5). The work itself runs on the Spark 3.5 Connect server and its
executors in the spark-jobs namespace, which also hold the warehouse credentials.

Settings, as Airflow Variables (or AIRFLOW_VAR_<NAME> environment variables, which the platform
sets on every Airflow pod from what the stack runs):
    spark_k8s_warehouse_uri    required; the warehouse root, e.g. s3a://<warehouse bucket>/warehouse
                               (local stack: the MinIO bucket, e.g. s3a://warehouse/warehouse)
    spark_k8s_connect_url_35   optional; the Connect 3.5 server of the stack's airflow-connect-*
                               scenario (k8s before standalone); defaults to the k8s one below

Each run writes <warehouse>/examples/orders_by_customer/run=<run id>/ (overwritten on retry), reads
it back and fails unless every row came back.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

try:  # Airflow 3
    from airflow.sdk import DAG, task
except ImportError:  # Airflow 2
    from airflow import DAG
    from airflow.decorators import task

# serviceEndpoints.connect("3.5") in components/config/names.ts: service spark-connect-35 in
# namespace spark-jobs, gRPC port 15002.
CONNECT_URL_35 = "sc://spark-connect-35.spark-jobs.svc.cluster.local:15002"

ORDERS = 10_000
CUSTOMERS = 50

with DAG(
    dag_id="spark_connect_example",
    description="PySpark over Spark Connect 3.5: write an aggregate to the warehouse and read it back",
    schedule=None,
    start_date=datetime(2026, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 1, "retry_delay": timedelta(minutes=2)},
    tags=["spark-k8s", "example", "spark-connect"],
) as dag:

    @task(execution_timeout=timedelta(minutes=30))
    def orders_by_customer(connect_url: str, warehouse_uri: str, run_id: str) -> dict:
        """Aggregate generated orders per customer, write Parquet to the warehouse, verify the read-back."""
        import re

        # Imported here so parsing the DAG file stays cheap.
        from pyspark.sql import SparkSession
        from pyspark.sql import functions as F

        if not warehouse_uri.strip():
            raise ValueError("set the Airflow Variable spark_k8s_warehouse_uri (e.g. s3a://<bucket>/warehouse)")
        run_key = re.sub(r"[^A-Za-z0-9_.-]+", "_", run_id)
        target = f"{warehouse_uri.rstrip('/')}/examples/orders_by_customer/run={run_key}"

        spark = SparkSession.builder.remote(connect_url).getOrCreate()
        try:
            orders = spark.range(0, ORDERS).select(
                F.col("id").alias("order_id"),
                (F.col("id") % CUSTOMERS).alias("customer_id"),
                F.round((F.col("id") % 997) * F.lit(1.37), 2).alias("amount"),
            )
            summary = orders.groupBy("customer_id").agg(
                F.count(F.lit(1)).alias("orders"),
                F.round(F.sum("amount"), 2).alias("revenue"),
            )
            summary.write.mode("overwrite").parquet(target)

            written = spark.read.parquet(target)
            customers = written.count()
            order_total = written.agg(F.sum("orders")).first()[0]
            if customers != CUSTOMERS or order_total != ORDERS:
                raise RuntimeError(
                    f"read back {customers} customers / {order_total} orders from {target}, "
                    f"expected {CUSTOMERS} / {ORDERS}"
                )
            return {"path": target, "customers": int(customers), "orders": int(order_total)}
        finally:
            spark.stop()

    orders_by_customer(
        connect_url="{{ var.value.get('spark_k8s_connect_url_35', '" + CONNECT_URL_35 + "') }}",
        warehouse_uri="{{ var.value.get('spark_k8s_warehouse_uri', '') }}",
        run_id="{{ run_id }}",
    )
