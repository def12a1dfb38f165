"""Submit a SparkApplication to the Spark Operator: SparkPi (Python) on the platform's Spark 3.5 image.

The manifest lives beside this file in manifests/spark-pi.yaml (sparkoperator.k8s.io/v1beta2): driver
and executor sizes, the `spark` service account, the node selectors for the driver and executor node
groups, the spot-executor toleration (executors only) and the security contexts. Airflow renders it
with Jinja, creates the SparkApplication in spark-jobs, follows the driver's log and deletes the
application when it finishes.

Settings, as Airflow Variables (or AIRFLOW_VAR_<NAME> environment variables; the platform sets
them on every Airflow pod from the stack's spark.images):
    spark_k8s_spark_image_35   the spark-runtime 3.5 reference printed by images/build.sh
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from airflow.providers.cncf.kubernetes.operators.spark_kubernetes import SparkKubernetesOperator

try:  # Airflow 3
    from airflow.sdk import DAG
except ImportError:  # Airflow 2
    from airflow import DAG

# namespaces.jobs in components/config/names.ts; the Spark Operator watches it.
NAMESPACE = "spark-jobs"
# Relative to this DAG's folder, where Airflow looks up templated files.
MANIFEST = "manifests/spark-pi.yaml"

with DAG(
    dag_id="spark_operator_example",
    description="SparkApplication through the Spark Operator (SparkPi)",
    schedule=None,
    start_date=datetime(2026, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 0},
    tags=["spark-k8s", "example", "spark-operator"],
) as dag:
    SparkKubernetesOperator(
        task_id="spark_pi_application",
        namespace=NAMESPACE,
        application_file=MANIFEST,
        in_cluster=True,
        get_logs=True,
        delete_on_termination=True,
        startup_timeout_seconds=600,
        execution_timeout=timedelta(hours=1),
    )
