"""Load a DAG folder with Airflow's own DagBag and write what it holds to a JSON file.

Run by integration/airflow/dagbag.test.ts in the Airflow venv, with AIRFLOW_HOME in a temporary
directory whose SQLite database `airflow db migrate` has created. For every DAG: the import errors
and serialization errors the DAG processor would record, and per task the operator class, its
arguments and its template fields rendered the way `airflow tasks render` does (Variables come from
AIRFLOW_VAR_<NAME> when the caller sets them, else the DAG's defaults apply). For a
SparkKubernetesOperator also the SparkApplication body the provider would submit; for a
KubernetesPodOperator the pod arguments it would run.

Usage: python dagbag.py <dag folder> <report.json>
"""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from importlib.metadata import version
from pathlib import Path

# The run id templates see (as `airflow tasks render <dag> <task> <run id>` would use it).
RUN_ID = "manual__integration-render"

# Operator attributes worth reporting when an operator has them.
ATTRIBUTES = (
    "namespace", "application_file", "in_cluster", "get_logs", "delete_on_termination", "startup_timeout_seconds",
    "random_name_suffix", "kubernetes_conn_id", "name", "image", "image_pull_policy", "cmds", "arguments", "env_vars",
    "service_account_name", "node_selector", "container_resources", "security_context", "container_security_context",
    "volumes", "volume_mounts", "on_finish_action", "deferrable", "op_kwargs", "retries", "execution_timeout",
)


def plain(value):
    """JSON-able form of operator arguments (Kubernetes models through the client's serializer)."""
    from kubernetes.client import ApiClient

    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [plain(v) for v in value]
    if hasattr(value, "openapi_types"):
        return ApiClient().sanitize_for_serialization(value)
    return repr(value)


def describe(task) -> dict:
    cls = type(task)
    return {
        "task_id": task.task_id,
        "operator": f"{cls.__module__}.{cls.__qualname__}",
        "task_type": task.task_type,
        "upstream": sorted(task.upstream_task_ids),
        "downstream": sorted(task.downstream_task_ids),
        "template_fields": list(task.template_fields),
        "template_ext": list(task.template_ext),
        "python_callable": getattr(getattr(task, "python_callable", None), "__qualname__", None),
        "args": {a: plain(getattr(task, a)) for a in ATTRIBUTES if hasattr(task, a)},
    }


def render(dag, task_id: str) -> dict:
    """Template fields rendered through the code path of `airflow tasks render`."""
    from airflow.cli.commands import task_command
    from airflow.serialization.serialized_objects import DagSerialization

    task = dag.get_task(task_id)
    scheduler_dag = DagSerialization.from_dict(DagSerialization.to_dict(dag))
    ti, _ = task_command._get_ti(scheduler_dag.get_task(task_id), -1, logical_date_or_run_id=RUN_ID, create_if_necessary="memory")
    context = task_command._get_template_context(ti, task)
    task.render_template_fields(context)
    rendered = context["task"]
    out = {"fields": {f: plain(getattr(rendered, f)) for f in rendered.template_fields}}
    cls = type(rendered).__name__
    if cls == "SparkKubernetesOperator":
        from airflow.providers.cncf.kubernetes.operators.custom_object_launcher import CustomObjectLauncher

        name = rendered.create_job_name()
        launcher = CustomObjectLauncher(name=name, namespace=rendered.namespace, kube_client=None, custom_obj_api=None, template_body=rendered.template_body)
        out["spark_application"] = plain(launcher.body)
    return out


def main(folder: str, report_file: str) -> None:
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.dag_processing.dagbag import BundleDagBag, sync_bag_to_db
    from airflow.serialization.serialized_objects import DagSerialization
    from airflow.utils.session import create_session

    # As `airflow dags reserialize` does: the default "dags-folder" bundle ([core] dags_folder).
    manager = DagBundlesManager()
    with create_session() as session:
        manager.sync_bundles_to_db(session=session)
    bundle = manager.get_bundle("dags-folder")
    bundle.initialize()
    if Path(bundle.path).resolve() != Path(folder).resolve():
        raise SystemExit(f"the dags-folder bundle is {bundle.path}, not {folder}: set AIRFLOW__CORE__DAGS_FOLDER")
    try:
        bag = BundleDagBag(dag_folder=bundle.path, bundle_path=bundle.path, bundle_name=bundle.name, include_examples=False, safe_mode=False)
    except Exception as err:  # the DAG processor fails the same way on this folder: reported, not raised
        with open(report_file, "w") as out:
            json.dump({"discovery_error": f"{type(err).__name__}: {err}"}, out)
        return
    serialization_errors = {}
    for dag_id, dag in bag.dags.items():
        try:
            DagSerialization.to_dict(dag)
        except Exception as err:  # reported, not raised: the test asserts on it
            serialization_errors[dag_id] = f"{type(err).__name__}: {err}"
    # Rendering, as `airflow tasks render` does, needs the DAGs in the metadata database.
    sync_bag_to_db(bag, bundle.name, bundle.get_current_version())
    dags = {}
    for dag_id, dag in sorted(bag.dags.items()):
        tasks = []
        for task in dag.tasks:
            entry = describe(task)
            try:
                entry["rendered"] = render(dag, task.task_id)
            except Exception as err:
                entry["render_error"] = f"{type(err).__name__}: {err}"
            tasks.append(entry)
        dags[dag_id] = {
            "fileloc": dag.relative_fileloc,
            "description": dag.description,
            "schedule": None if dag.schedule is None else str(dag.schedule),
            "start_date": dag.start_date.isoformat() if dag.start_date else None,
            "catchup": dag.catchup,
            "max_active_runs": dag.max_active_runs,
            "tags": sorted(dag.tags),
            "default_args": plain(dag.default_args),
            "doc_md": dag.doc_md,
            "tasks": tasks,
        }
    report = {
        "versions": {p: version(p) for p in ("apache-airflow", "apache-airflow-providers-cncf-kubernetes", "apache-airflow-providers-amazon", "pyspark")},
        "python": f"{sys.version_info[0]}.{sys.version_info[1]}",
        "dag_folder": bag.dag_folder,
        "files": sorted(bag.file_last_changed),
        "import_errors": bag.import_errors,
        "serialization_errors": serialization_errors,
        "dags": dags,
    }
    with open(report_file, "w") as out:
        json.dump(report, out, indent=1, default=repr)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
