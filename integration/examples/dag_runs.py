"""Run the data-quality DAG with Airflow's own dag.test() and report what each task ended as.

Run by integration/examples/dataQuality.test.ts in the data-quality venv (the Airflow image's
packages plus GX), with AIRFLOW_HOME in a temporary directory whose SQLite database `airflow db
migrate` has created and [core] dags_folder pointing at the folder holding the DAG.

Input (a JSON file): {"dag_id", "cases": [{"run_type", "conf", "mark_success"}]}. For each case one
DAG run: dag.test(run_conf=conf, mark_success_pattern=mark_success), the run created with the
case's run type. dag.test() always creates a manual run; the run creation it calls
(airflow.models.dagrun.get_or_create_dagrun) is replaced for the call by one that creates the same
run with the case's DagRunType, so a scheduled run is a real scheduled DagRun in the database the
task runner reads. Everything else (dependency checks, the branch skipping, trigger rules, task
execution) is Airflow's.

Also reports every value of DagRunType and the DAG's params, and the branch decision of every
mode x environment x run type through the DAG's own decide task callable, given a run as the task
runner passes it (its run_type the Task SDK's DagRunType).

Usage: python dag_runs.py <cases.json> <report.json>
"""

from __future__ import annotations

import itertools
import json
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace


def load_dag(dag_id: str):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(include_examples=False, safe_mode=False)
    if bag.import_errors:
        raise SystemExit(f"import errors: {bag.import_errors}")
    return bag.get_dag(dag_id)


def run_case(dag, case: dict, logical_date: datetime) -> dict:
    import airflow.models.dagrun as dagrun_module
    from airflow.models.dagrun import DagRun
    from airflow.utils.state import DagRunState
    from airflow.utils.types import DagRunTriggeredByType, DagRunType

    run_type = DagRunType(case["run_type"])
    original = dagrun_module.get_or_create_dagrun

    def create_with_run_type(*, dag, run_id, logical_date, data_interval, run_after, conf, triggered_by, triggering_user_name, start_date, session):
        from sqlalchemy import select

        # As the replaced function does: a run at the same logical date is removed first.
        existing = session.scalar(select(DagRun).where(DagRun.dag_id == dag.dag_id, DagRun.logical_date == logical_date))
        if existing:
            session.delete(existing)
            session.commit()
        return dag.create_dagrun(
            run_id=DagRun.generate_run_id(run_type=run_type, logical_date=logical_date, run_after=run_after),
            logical_date=logical_date,
            data_interval=data_interval,
            run_after=run_after,
            conf=conf,
            run_type=run_type,
            state=DagRunState.RUNNING,
            triggered_by=DagRunTriggeredByType.TIMETABLE if run_type == DagRunType.SCHEDULED else DagRunTriggeredByType.TEST,
            triggering_user_name=triggering_user_name,
            start_date=start_date or logical_date,
            session=session,
        )

    dagrun_module.get_or_create_dagrun = create_with_run_type
    try:
        dr = dag.test(logical_date=logical_date, run_conf=case.get("conf") or {}, mark_success_pattern=case.get("mark_success"))
    finally:
        dagrun_module.get_or_create_dagrun = original
    from airflow.utils.session import create_session

    with create_session() as session:
        run = session.get(DagRun, dr.id)
        states = {ti.task_id: (None if ti.state is None else str(getattr(ti.state, "value", ti.state))) for ti in run.get_task_instances(session=session)}
        return {**case, "run_id": run.run_id, "recorded_run_type": str(getattr(run.run_type, "value", run.run_type)), "run_state": str(getattr(run.state, "value", run.state)), "states": states}


def main(cases_file: str, report_file: str) -> None:
    from airflow.utils.types import DagRunType

    spec = json.loads(Path(cases_file).read_text())
    dag = load_dag(spec["dag_id"])
    module = sys.modules[dag.get_task("decide").python_callable.__module__]
    decide = dag.get_task("decide").python_callable
    run_types = [t.value for t in DagRunType]
    # The run as the task runner hands it to a task: its run_type is the Task SDK's DagRunType.
    from airflow.sdk.api.datamodels._generated import DagRunType as TaskDagRunType

    def run_of(run_type: str) -> SimpleNamespace:
        return SimpleNamespace(run_type=TaskDagRunType(run_type))

    decisions = [
        {"mode": m, "environment": e, "run_type": r, "task": decide(validation_mode=m, environment=e, dag_run=run_of(r))}
        for m, e, r in itertools.product(dag.params.get_param("validation_mode").schema["enum"], dag.params.get_param("environment").schema["enum"], run_types)
    ]
    refused = {}
    for label, args in {"mode": ("sometimes", "prod", "manual"), "environment": ("always", "production", "manual")}.items():
        try:
            decide(validation_mode=args[0], environment=args[1], dag_run=run_of(args[2]))
        except ValueError as err:
            refused[label] = str(err)
    base = datetime(2026, 2, 1, tzinfo=timezone.utc)
    runs = [run_case(dag, case, base + timedelta(hours=i)) for i, case in enumerate(spec["cases"])]
    report = {
        "run_types": run_types,
        "params": {k: {"default": dag.params.get_param(k).value if dag.params.get_param(k).has_value else None, "schema": dag.params.get_param(k).schema} for k in dag.params.keys()},
        "tasks": {t.task_id: {"downstream": sorted(t.downstream_task_ids), "trigger_rule": str(t.trigger_rule)} for t in dag.tasks},
        "schedule": None if dag.schedule is None else str(dag.schedule),
        "module_modes": list(module.VALIDATION_MODES),
        "decisions": decisions,
        "refused": refused,
        "runs": runs,
    }
    Path(report_file).write_text(json.dumps(report, indent=1, default=str))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
