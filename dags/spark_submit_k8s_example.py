"""Run spark-submit in Kubernetes cluster mode from a pod: SparkPi (Python) on the platform's Spark 3.5 image.

A KubernetesPodOperator starts a short-lived submitter pod in spark-jobs under the `spark` service
account; spark-submit there creates the driver pod, which creates its executors. The submitter waits
for the application to finish, so the task's log ends with the driver's final state.

Scheduling and hardening travel with the submission:
    driver    node selector spark-k8s/node-role=driver (on-demand nodes)
    executors node selector spark-k8s/node-role=executor and the toleration for the spot executor
              taint spark-k8s/executor=true:NoSchedule (executor pod template only)
    both      pod templates with runAsNonRoot (uid 185), seccomp RuntimeDefault, no privilege
              escalation and all capabilities dropped, as the namespace's restricted policy requires,
              and the platform's PriorityClasses spark-k8s-driver and spark-k8s-executor (Spark has
              no configuration key for them; it keeps the template's priorityClassName)

Settings, as Airflow Variables (or AIRFLOW_VAR_<NAME> environment variables; the platform sets
them on every Airflow pod from the stack's spark.images):
    spark_k8s_spark_image_35   the spark-runtime 3.5 reference printed by images/build.sh
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from kubernetes.client import models as k8s

from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator

try:  # Airflow 3
    from airflow.sdk import DAG
except ImportError:  # Airflow 2
    from airflow import DAG

# namespaces.jobs and serviceIdentities.sparkJobs in components/config/names.ts.
NAMESPACE = "spark-jobs"
SERVICE_ACCOUNT = "spark"
# The submitter runs beside Airflow as its service account, which the platform binds to the
# spark-submit Role in the job namespace (sparkSubmitRules); the driver then runs as `spark`.
SUBMITTER_NAMESPACE = "airflow"
SUBMITTER_SERVICE_ACCOUNT = "airflow"
# images/versions.env SPARK_RUNTIME_35_TAG; the Variable carries the registry-qualified reference.
SPARK_IMAGE = "{{ var.value.get('spark_k8s_spark_image_35', 'spark-k8s/spark-runtime:3.5.9-p3') }}"
APPLICATION = "local:///opt/spark/examples/src/main/python/pi.py"

POD_SECURITY_CONTEXT = {
    "runAsNonRoot": True,
    "runAsUser": 185,
    "runAsGroup": 185,
    "fsGroup": 185,
    "seccompProfile": {"type": "RuntimeDefault"},
}
CONTAINER_SECURITY_CONTEXT = {
    "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": True,
    "capabilities": {"drop": ["ALL"]},
}

# Pod templates written inside the submitter pod. spark-submit reads the driver's; the executor's is
# shipped to the driver in a ConfigMap. Only the executor template tolerates the spot taint.
DRIVER_TEMPLATE = """\
apiVersion: v1
kind: Pod
spec:
  priorityClassName: spark-k8s-driver
  securityContext:
    runAsNonRoot: true
    runAsUser: 185
    runAsGroup: 185
    fsGroup: 185
    seccompProfile:
      type: RuntimeDefault
  containers:
    - name: spark-kubernetes-driver
      securityContext:
        allowPrivilegeEscalation: false
        capabilities:
          drop: ["ALL"]
"""
EXECUTOR_TEMPLATE = """\
apiVersion: v1
kind: Pod
spec:
  priorityClassName: spark-k8s-executor
  securityContext:
    runAsNonRoot: true
    runAsUser: 185
    runAsGroup: 185
    fsGroup: 185
    seccompProfile:
      type: RuntimeDefault
  tolerations:
    - key: spark-k8s/executor
      operator: Equal
      value: "true"
      effect: NoSchedule
  containers:
    - name: spark-kubernetes-executor
      securityContext:
        allowPrivilegeEscalation: false
        capabilities:
          drop: ["ALL"]
"""

SUBMIT_SCRIPT = f"""\
set -euo pipefail
cat > /tmp/driver-template.yaml <<'TEMPLATE'
{DRIVER_TEMPLATE}TEMPLATE
cat > /tmp/executor-template.yaml <<'TEMPLATE'
{EXECUTOR_TEMPLATE}TEMPLATE
exec /opt/spark/bin/spark-submit \\
  --master k8s://https://kubernetes.default.svc:443 \\
  --deploy-mode cluster \\
  --name spark-pi-submit \\
  --conf spark.kubernetes.namespace={NAMESPACE} \\
  --conf spark.kubernetes.authenticate.driver.serviceAccountName={SERVICE_ACCOUNT} \\
  --conf spark.kubernetes.authenticate.executor.serviceAccountName={SERVICE_ACCOUNT} \\
  --conf spark.kubernetes.container.image="$SPARK_IMAGE" \\
  --conf spark.kubernetes.container.image.pullPolicy=IfNotPresent \\
  --conf spark.kubernetes.driver.podTemplateFile=/tmp/driver-template.yaml \\
  --conf spark.kubernetes.executor.podTemplateFile=/tmp/executor-template.yaml \\
  --conf spark.kubernetes.driver.node.selector.spark-k8s/node-role=driver \\
  --conf spark.kubernetes.executor.node.selector.spark-k8s/node-role=executor \\
  --conf spark.driver.cores=1 \\
  --conf spark.kubernetes.driver.limit.cores=1 \\
  --conf spark.driver.memory=1g \\
  --conf spark.executor.instances=2 \\
  --conf spark.executor.cores=1 \\
  --conf spark.kubernetes.executor.limit.cores=1 \\
  --conf spark.executor.memory=1g \\
  --conf spark.kubernetes.submission.waitAppCompletion=true \\
  {APPLICATION} 100
"""

with DAG(
    dag_id="spark_submit_k8s_example",
    description="spark-submit --deploy-mode cluster against the in-cluster API server (SparkPi)",
    schedule=None,
    start_date=datetime(2026, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 0},
    tags=["spark-k8s", "example", "spark-submit"],
) as dag:
    KubernetesPodOperator(
        task_id="spark_submit_pi",
        name="spark-pi-submitter",
        namespace=SUBMITTER_NAMESPACE,
        service_account_name=SUBMITTER_SERVICE_ACCOUNT,
        in_cluster=True,
        image=SPARK_IMAGE,
        image_pull_policy="IfNotPresent",
        cmds=["/bin/bash", "-c"],
        arguments=[SUBMIT_SCRIPT],
        env_vars={"SPARK_IMAGE": SPARK_IMAGE},
        node_selector={"spark-k8s/node-role": "driver"},
        container_resources=k8s.V1ResourceRequirements(
            requests={"cpu": "250m", "memory": "512Mi"},
            limits={"cpu": "1", "memory": "1Gi"},
        ),
        security_context=POD_SECURITY_CONTEXT,
        container_security_context=CONTAINER_SECURITY_CONTEXT,
        volumes=[k8s.V1Volume(name="tmp", empty_dir=k8s.V1EmptyDirVolumeSource(size_limit="256Mi"))],
        volume_mounts=[k8s.V1VolumeMount(name="tmp", mount_path="/tmp")],
        get_logs=True,
        on_finish_action="delete_pod",
        startup_timeout_seconds=300,
        execution_timeout=timedelta(hours=1),
    )
