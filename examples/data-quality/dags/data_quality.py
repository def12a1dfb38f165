"""Validate a table with Great Expectations before publishing it, as the run's validation mode says.

Params (set when triggering, or the defaults below for scheduled runs):
    validation_mode   always           validate on every run
                      skip             never validate
                      production_only  validate only when environment is prod
                      scheduled        validate only in scheduled runs, not in manual triggers
    environment       the stack's tier: local, dev, staging or prod; defaults to the Variable
                      spark_k8s_environment (AIRFLOW_VAR_SPARK_K8S_ENVIRONMENT), else prod, so an
                      unset environment never skips a production_only validation
    table             the table to validate, read through Spark Connect
    suite             the expectation suite: expectations/<suite>.json beside this folder

The branch `decide` picks `validate` or `skip_validation`; `publish` stands for whatever consumes
the table and runs after a passed or skipped validation, never after a failed one. `validate` runs
validate.py (one folder up) with the worker's Python; the Airflow image needs the packages of
requirements.txt for it (README.md). The Spark Connect server is the 3.5 one, the line of the
image's client, from the Variable spark_k8s_connect_url_35 the platform sets.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

from airflow.sdk import DAG, Param, task
from airflow.providers.standard.operators.empty import EmptyOperator

# What the platform's users chose: when a run validates its data.
VALIDATION_MODES = ("always", "skip", "production_only", "scheduled")
# The platform's tiers (tiers in components/config/schema.ts); prod is the production one.
ENVIRONMENTS = ("local", "dev", "staging", "prod")
PRODUCTION = "prod"
# The run type of a run the scheduler created (Airflow's DagRunType.SCHEDULED).
SCHEDULED_RUN = "scheduled"

EXAMPLE_DIR = Path(__file__).resolve().parent.parent
VALIDATE_SCRIPT = EXAMPLE_DIR / "validate.py"
SUITES_DIR = EXAMPLE_DIR / "expectations"

# serviceEndpoints.connect("3.5") in components/config/names.ts.
CONNECT_URL_35 = "sc://spark-connect-35.spark-jobs.svc.cluster.local:15002"

VALIDATE_TASK = "validate"
SKIP_TASK = "skip_validation"


def validation_runs(mode: str, environment: str, run_type: str) -> bool:
    """Whether a run validates: the whole decision of the four modes, refusing unknown values."""
    if mode not in VALIDATION_MODES:
        raise ValueError(f"validation_mode {mode!r} is not one of {', '.join(VALIDATION_MODES)}")
    if environment not in ENVIRONMENTS:
        raise ValueError(f"environment {environment!r} is not one of {', '.join(ENVIRONMENTS)}")
    if mode == "always":
        return True
    if mode == "skip":
        return False
    if mode == "production_only":
        return environment == PRODUCTION
    return run_type == SCHEDULED_RUN


def default_environment() -> str:
    """The tier the Variable spark_k8s_environment names, read from its environment variable; prod when unset."""
    return os.environ.get("AIRFLOW_VAR_SPARK_K8S_ENVIRONMENT", PRODUCTION)


with DAG(
    dag_id="data_quality_example",
    description="Great Expectations on a table through Spark Connect, gated by the run's validation mode",
    schedule="@daily",
    start_date=datetime(2026, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 0},
    params={
        "validation_mode": Param("always", type="string", enum=list(VALIDATION_MODES), description="when this run validates"),
        "environment": Param(default_environment(), type="string", enum=list(ENVIRONMENTS), description="the stack's tier"),
        "table": Param("examples.orders", type="string", minLength=1, description="table to validate"),
        "suite": Param("orders", type="string", pattern="^[A-Za-z0-9_-]+$", description="expectations/<suite>.json"),
    },
    tags=["spark-k8s", "example", "data-quality"],
) as dag:

    @task.branch(task_id="decide")
    def decide(validation_mode: str, environment: str, dag_run=None) -> str:
        """validate or skip_validation, from the mode, the environment and how the run started.

        The run type comes from the run itself (the context's dag_run), not a template: rendered,
        "{{ dag_run.run_type }}" reads "DagRunType.SCHEDULED" in Airflow 3.2, never "scheduled".
        """
        run_type = getattr(dag_run.run_type, "value", str(dag_run.run_type))
        chosen = VALIDATE_TASK if validation_runs(validation_mode, environment, run_type) else SKIP_TASK
        print(f"validation_mode={validation_mode} environment={environment} run_type={run_type}: {chosen}")
        return chosen

    @task(task_id=VALIDATE_TASK, execution_timeout=timedelta(minutes=30))
    def validate(connect_url: str, table: str, suite: str) -> dict:
        """Runs validate.py on the table; fails the task, without retry, when an expectation fails."""
        import json
        import subprocess
        import sys

        from airflow.exceptions import AirflowFailException

        argv = [sys.executable, str(VALIDATE_SCRIPT), "--suite", str(SUITES_DIR / f"{suite}.json"), "--connect-url", connect_url, "--table", table]
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
        if done.stderr.strip():
            print(done.stderr[-4000:], file=sys.stderr)
        lines = done.stdout.strip().splitlines()
        if not lines:
            raise AirflowFailException(f"validate.py printed nothing (exit {done.returncode})")
        print(lines[-1])
        report = json.loads(lines[-1])
        if done.returncode != 0:
            failed = ", ".join(f"{f['type']}({f.get('column') or ''})" for f in report.get("failed", []))
            raise AirflowFailException(f"{suite} on {table}: {report.get('error') or 'failed ' + failed}")
        return report

    skip_validation = EmptyOperator(task_id=SKIP_TASK)
    publish = EmptyOperator(task_id="publish", trigger_rule="none_failed_min_one_success")

    branch = decide(
        validation_mode="{{ params.validation_mode }}",
        environment="{{ params.environment }}",
    )
    checked = validate(
        connect_url="{{ var.value.get('spark_k8s_connect_url_35', '" + CONNECT_URL_35 + "') }}",
        table="{{ params.table }}",
        suite="{{ params.suite }}",
    )
    branch >> [checked, skip_validation]
    [checked, skip_validation] >> publish
