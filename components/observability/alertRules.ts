/**
 * The platform's Prometheus alert rules, as the spec of a monitoring.coreos.com/v1 PrometheusRule
 * (`{ groups }`, also the file format `promtool check rules` reads). Pure: the caller says what the
 * stack runs; nothing here creates a Kubernetes object.
 *
 * Metric families and where they come from:
 * - kube-state-metrics v2.18.0 (kubeStateMetricsVersion, ./metrics.ts), internal/store/{deployment,pod,job,cronjob}.go: kube_deployment_status_replicas_available,
 *   kube_deployment_spec_replicas, kube_pod_container_status_terminated_reason,
 *   kube_pod_container_status_last_terminated_reason, kube_pod_status_phase,
 *   kube_pod_status_unschedulable, kube_job_status_failed, kube_job_owner,
 *   kube_cronjob_status_last_successful_time, kube_cronjob_created.
 * - The kubelet's volume stats (pkg/kubelet/metrics/collectors/volume_stats.go), scraped by the
 *   chart's kubelet ServiceMonitor: kubelet_volume_stats_available_bytes, kubelet_volume_stats_capacity_bytes.
 * - Spark 3.5 and 4.1, core/src/main/scala/org/apache/spark/status/api/v1/PrometheusResource.scala
 *   (/metrics/executors/prometheus, with spark.ui.prometheus.enabled): metrics_executor_failedTasks_total
 *   and metrics_executor_totalTasks_total, stored by the Spark PodMonitors' relabelling
 *   (./sparkMonitors.ts) as spark_executor_failedTasks_total and spark_executor_totalTasks_total,
 *   labelled spark_app_id, spark_app_name, executor_id (./metrics.ts).
 * - Spark 3.5 and 4.1, core/src/main/scala/org/apache/spark/metrics/sink/PrometheusServlet.scala
 *   (the driver's /metrics/prometheus) with the gauges of
 *   sql/core/src/main/scala/org/apache/spark/sql/execution/streaming/MetricsReporter.scala, registered
 *   under `<spark.metrics.namespace>.driver.spark.streaming.<query name or id>` when
 *   spark.sql.streaming.metricsEnabled is true: `latency` (the last trigger's duration in ms) is
 *   exposed as metrics_<key with non-alphanumerics as _>_latency_Value{type="gauges"} and stored as
 *   spark_driver_spark_streaming_<query>_latency_Value{spark_app, type="gauges"}.
 * - Airflow through the official chart 1.22.0's StatsD exporter, chart/files/statsd-mappings.yml:
 *   airflow.scheduler_heartbeat -> airflow_scheduler_heartbeat (a counter), and the timer
 *   airflow.dagrun.duration.failed.<dag_id> -> airflow_dagrun_failed{dag_id} (a summary, so
 *   airflow_dagrun_failed_count counts failed runs).
 */
import { databaseBackupJob, namespaces, serviceEndpoints } from "../config/names";
import { executorContainerName } from "../spark/podTemplates";
import { sparkStreamingLatency } from "./metrics";
import { ComponentPlan, connectServers } from "../spark/scenarios";

/** Severities the rules use; Alertmanager routes on them. */
export const alertSeverities = ["critical", "warning", "info"] as const;
export type AlertSeverity = (typeof alertSeverities)[number];

/** One alerting rule, as Prometheus and the PrometheusRule CRD spell it. */
export interface AlertRule {
    readonly alert: string;
    readonly expr: string;
    readonly for: string;
    readonly labels: { readonly severity: AlertSeverity };
    readonly annotations: { readonly summary: string; readonly description: string; readonly runbook_url: string };
}

/** A rule group; Prometheus evaluates a group's rules in order, every interval. */
export interface AlertRuleGroup {
    readonly name: string;
    readonly rules: readonly AlertRule[];
}

/** The spec of a monitoring.coreos.com/v1 PrometheusRule. */
export interface AlertRulesSpec {
    readonly groups: readonly AlertRuleGroup[];
}

/** A workload the rules watch: its Deployment or CronJob name and namespace. */
export interface Workload {
    readonly name: string;
    readonly namespace: string;
}

/** What the stack runs, in plain values: each switch adds or drops the rules that watch it. */
export interface AlertRuleInputs {
    /** Spark Connect server Deployments (serviceEndpoints.connect of each connectServers entry); none without Connect scenarios. */
    readonly connectServers: readonly Workload[];
    /** The History Server Deployment. */
    readonly historyServer: Workload;
    /** The Hive Metastore Deployment. */
    readonly metastore: Workload;
    /** Namespaces where Spark creates executor pods. */
    readonly jobNamespaces: readonly string[];
    /** Airflow's namespace, where its StatsD exporter is scraped; undefined when Airflow does not run. */
    readonly airflowNamespace: string | undefined;
    /** The database-backup CronJob; undefined when backups do not run. */
    readonly backup: Workload | undefined;
    /** Namespaces whose PersistentVolumeClaims are watched for free space. */
    readonly volumeNamespaces: readonly string[];
    /** Where docs/alerts.md is published; the default is its path in the repository. */
    readonly runbookBase?: string;
}

/** The one place runbook links start from: docs/alerts.md, unless the caller publishes it elsewhere. */
export const alertsRunbookBase = "docs/alerts.md";

/** The anchor of an alert's section in docs/alerts.md: its heading, `## <AlertName>`, as Markdown renderers slug it. */
export function runbookAnchor(alert: string): string {
    return alert.toLowerCase();
}

/** An alert's runbook link: its own section of docs/alerts.md. */
export function runbookUrl(alert: string, base: string = alertsRunbookBase): string {
    return `${base}#${runbookAnchor(alert)}`;
}

/** Tunables of the rules, in one place. */
export const alertThresholds = {
    /** Share of failed tasks over 15 minutes above which an application is failing. */
    taskFailureRatio: 0.1,
    /** Fewer tasks than this in the window never alert: a single failed task of a small job is noise. */
    minTasks: 20,
    /** A streaming micro-batch taking longer than this (ms) is falling behind. */
    streamingBatchMs: 5 * 60 * 1000,
    /** Free space of a PersistentVolume below this share. */
    volumeFreeRatio: 0.1,
    /** The daily backup is missing when its last success is older than this (a day plus slack). */
    backupMaxAgeHours: 26,
} as const;

const quote = (v: string) => JSON.stringify(v);
const oneOf = (values: readonly string[]) => (values.length === 1 ? quote(values[0]) : quote(values.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|")));
const matcher = (label: string, values: readonly string[]) => `${label}${values.length === 1 ? "=" : "=~"}${oneOf(values)}`;

function rule(base: string, r: Omit<AlertRule, "annotations" | "labels"> & { severity: AlertSeverity; summary: string; description: string }): AlertRule {
    return { alert: r.alert, expr: r.expr, for: r.for, labels: { severity: r.severity }, annotations: { summary: r.summary, description: r.description, runbook_url: runbookUrl(r.alert, base) } };
}

/**
 * Down when a Deployment that should run has no available replica (kube-state-metrics), grouped by
 * namespace so each server is one alert.
 */
function deploymentDown(ws: readonly Workload[]): string {
    return Object.entries(groupByNamespace(ws))
        .map(([ns, names]) => {
            const sel = `{namespace=${quote(ns)}, ${matcher("deployment", names)}}`;
            return `(max by (namespace, deployment) (kube_deployment_status_replicas_available${sel}) < 1 and on (namespace, deployment) max by (namespace, deployment) (kube_deployment_spec_replicas${sel}) > 0)`;
        })
        .join(" or ");
}

function groupByNamespace(ws: readonly Workload[]): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const w of ws) (out[w.namespace] ??= []).push(w.name);
    return out;
}

/** The platform's alert rules for what the stack runs. */
export function alertRules(inputs: AlertRuleInputs): AlertRulesSpec {
    const base = inputs.runbookBase ?? alertsRunbookBase;
    const jobs = matcher("namespace", inputs.jobNamespaces);
    const t = alertThresholds;

    const services: AlertRule[] = [
        ...(inputs.connectServers.length > 0
            ? [rule(base, {
                alert: "SparkConnectServerDown",
                expr: deploymentDown(inputs.connectServers),
                for: "5m",
                severity: "critical",
                summary: "Spark Connect server {{ $labels.deployment }} is down",
                description: "Deployment {{ $labels.namespace }}/{{ $labels.deployment }} has had no available replica for 5 minutes: notebooks and DAGs that use this Connect server fail to connect.",
            })]
            : []),
        rule(base, {
            alert: "SparkHistoryServerDown",
            expr: deploymentDown([inputs.historyServer]),
            for: "10m",
            severity: "warning",
            summary: "Spark History Server is down",
            description: "Deployment {{ $labels.namespace }}/{{ $labels.deployment }} has had no available replica for 10 minutes: finished applications cannot be inspected (event logs are still written).",
        }),
        rule(base, {
            alert: "HiveMetastoreDown",
            expr: deploymentDown([inputs.metastore]),
            for: "5m",
            severity: "critical",
            summary: "Hive Metastore is down",
            description: "Deployment {{ $labels.namespace }}/{{ $labels.deployment }} has had no available replica for 5 minutes: every Spark session that reads or writes tables fails.",
        }),
    ];

    const sparkJobs: AlertRule[] = inputs.jobNamespaces.length === 0 ? [] : [
        rule(base, {
            alert: "SparkExecutorOOMKilled",
            // Spark deletes a finished executor pod soon after it ends, so the terminated state is
            // looked for over the last 10 minutes; the last-terminated reason covers restarted containers.
            expr: `max by (namespace, pod) (max_over_time(kube_pod_container_status_terminated_reason{${jobs}, container=${quote(executorContainerName)}, reason="OOMKilled"}[10m]) or max_over_time(kube_pod_container_status_last_terminated_reason{${jobs}, container=${quote(executorContainerName)}, reason="OOMKilled"}[10m])) > 0`,
            for: "0m",
            severity: "warning",
            summary: "Spark executor {{ $labels.pod }} was OOMKilled",
            description: "Executor pod {{ $labels.namespace }}/{{ $labels.pod }} was killed for exceeding its memory limit in the last 10 minutes; its tasks are retried elsewhere, and repeated kills fail the job.",
        }),
        rule(base, {
            alert: "SparkTaskFailureRateHigh",
            expr: `(sum by (namespace, spark_app_id, spark_app_name) (increase(spark_executor_failedTasks_total{${jobs}}[15m])) / sum by (namespace, spark_app_id, spark_app_name) (increase(spark_executor_totalTasks_total{${jobs}}[15m])) > ${t.taskFailureRatio}) and on (namespace, spark_app_id, spark_app_name) sum by (namespace, spark_app_id, spark_app_name) (increase(spark_executor_totalTasks_total{${jobs}}[15m])) >= ${t.minTasks}`,
            for: "5m",
            severity: "warning",
            summary: "Spark application {{ $labels.spark_app_name }} has a high task failure rate",
            description: `More than ${t.taskFailureRatio * 100}% of the tasks of application {{ $labels.spark_app_name }} ({{ $labels.spark_app_id }}) in {{ $labels.namespace }} failed over the last 15 minutes.`,
        }),
        rule(base, {
            alert: "SparkExecutorsPendingNoCapacity",
            expr: `max by (namespace, pod) (kube_pod_status_unschedulable{${jobs}}) > 0 and on (namespace, pod) max by (namespace, pod) (kube_pod_status_phase{${jobs}, phase="Pending"}) > 0`,
            for: "15m",
            severity: "warning",
            summary: "Pod {{ $labels.pod }} cannot be scheduled",
            description: "Pod {{ $labels.namespace }}/{{ $labels.pod }} has been Pending and unschedulable for 15 minutes: no node has room for it and the node provisioner has not added one.",
        }),
        rule(base, {
            alert: "SparkStreamingBatchDelayed",
            // The query's source name is only in the metric name: label_replace copies it into a label.
            expr: `max by (namespace, pod, spark_app, query) (label_replace({__name__=~${quote(sparkStreamingLatency.pattern)}, ${jobs}, type="gauges"}, "query", "$1", "__name__", ${quote(sparkStreamingLatency.pattern.replace(".+", "(.+)"))})) > ${t.streamingBatchMs}`,
            for: "10m",
            severity: "warning",
            summary: "Streaming query {{ $labels.query }} is falling behind",
            description: `A micro-batch of {{ $labels.query }} (pod {{ $labels.namespace }}/{{ $labels.pod }}) has taken longer than ${t.streamingBatchMs / 60000} minutes for 10 minutes.`,
        }),
    ];

    const airflow: AlertRule[] = inputs.airflowNamespace === undefined ? [] : [
        rule(base, {
            alert: "AirflowSchedulerHeartbeatMissing",
            expr: `sum by (namespace) (rate(airflow_scheduler_heartbeat{namespace=${quote(inputs.airflowNamespace)}}[5m])) == 0 or absent(airflow_scheduler_heartbeat{namespace=${quote(inputs.airflowNamespace)}})`,
            for: "5m",
            severity: "critical",
            summary: "Airflow scheduler heartbeat is missing",
            description: "No scheduler heartbeat has reached the StatsD exporter in {{ $labels.namespace }} for 10 minutes: DAG runs are not being scheduled.",
        }),
        rule(base, {
            alert: "AirflowDagRunFailed",
            // A DAG's first failure creates its series, which increase() cannot see: such a new series counts too.
            expr: `sum by (namespace, dag_id) (increase(airflow_dagrun_failed_count{namespace=${quote(inputs.airflowNamespace)}}[1h])) > 0 or sum by (namespace, dag_id) (airflow_dagrun_failed_count{namespace=${quote(inputs.airflowNamespace)}} unless airflow_dagrun_failed_count{namespace=${quote(inputs.airflowNamespace)}} offset 1h) > 0`,
            for: "0m",
            severity: "warning",
            summary: "DAG {{ $labels.dag_id }} has failed runs",
            description: "At least one run of DAG {{ $labels.dag_id }} failed in the last hour.",
        }),
    ];

    const storage: AlertRule[] = inputs.volumeNamespaces.length === 0 ? [] : [
        rule(base, {
            alert: "PersistentVolumeFillingUp",
            expr: `max by (namespace, persistentvolumeclaim) (kubelet_volume_stats_available_bytes{${matcher("namespace", inputs.volumeNamespaces)}} / kubelet_volume_stats_capacity_bytes{${matcher("namespace", inputs.volumeNamespaces)}}) < ${t.volumeFreeRatio}`,
            for: "10m",
            severity: "warning",
            summary: "Volume {{ $labels.persistentvolumeclaim }} is almost full",
            description: `PersistentVolumeClaim {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} has less than ${t.volumeFreeRatio * 100}% free space.`,
        }),
    ];

    const backups: AlertRule[] = [];
    if (inputs.backup) {
        const b = inputs.backup;
        const cron = `{namespace=${quote(b.namespace)}, cronjob=${quote(b.name)}}`;
        const maxAge = t.backupMaxAgeHours * 3600;
        backups.push(
            rule(base, {
                alert: "DatabaseBackupFailed",
                expr: `max by (namespace, job_name) (kube_job_status_failed{namespace=${quote(b.namespace)}}) > 0 and on (namespace, job_name) max by (namespace, job_name) (kube_job_owner{namespace=${quote(b.namespace)}, owner_kind="CronJob", owner_name=${quote(b.name)}})`,
                for: "0m",
                severity: "critical",
                summary: "Database backup Job {{ $labels.job_name }} failed",
                description: "Job {{ $labels.namespace }}/{{ $labels.job_name }} of the database-backup CronJob failed: tonight's dump of the Metastore and Airflow databases is missing.",
            }),
            rule(base, {
                alert: "DatabaseBackupMissing",
                expr: `max by (namespace, cronjob) (time() - kube_cronjob_status_last_successful_time${cron}) > ${maxAge} or (max by (namespace, cronjob) (time() - kube_cronjob_created${cron}) > ${maxAge} unless on (namespace, cronjob) kube_cronjob_status_last_successful_time${cron})`,
                for: "0m",
                severity: "critical",
                summary: `No successful database backup for ${t.backupMaxAgeHours} hours`,
                description: `CronJob {{ $labels.namespace }}/{{ $labels.cronjob }} has not completed a backup for more than ${t.backupMaxAgeHours} hours.`,
            }),
        );
    }

    return {
        groups: [
            { name: "spark-platform.services", rules: services },
            { name: "spark-platform.spark-jobs", rules: sparkJobs },
            { name: "spark-platform.airflow", rules: airflow },
            { name: "spark-platform.storage", rules: storage },
            { name: "spark-platform.backups", rules: backups },
        ].filter((g) => g.rules.length > 0),
    };
}

/** Every rule of a spec, across its groups. */
export function allAlertRules(spec: AlertRulesSpec): AlertRule[] {
    return spec.groups.flatMap((g) => g.rules);
}

/**
 * The inputs for what a stack runs: its Connect servers, Airflow and the namespaces with volumes
 * from its component plan, the job namespaces (spark.jobNamespaces), and the backup CronJob when
 * backups are on.
 */
export function alertRuleInputs(
    plan: Pick<ComponentPlan, "connect" | "airflow" | "jupyterhub" | "minio">,
    backupsEnabled: boolean,
    jobNamespaces: readonly string[],
): AlertRuleInputs {
    return {
        connectServers: connectServers(plan).map((s) => serviceEndpoints.connect(s.version, s.backend)),
        historyServer: serviceEndpoints.historyServer,
        metastore: serviceEndpoints.metastore,
        jobNamespaces: [...jobNamespaces],
        airflowNamespace: plan.airflow.enabled ? namespaces.airflow : undefined,
        backup: backupsEnabled ? databaseBackupJob : undefined,
        volumeNamespaces: [
            namespaces.platform,
            namespaces.monitoring,
            ...(plan.minio ? [namespaces.minio] : []),
            ...(plan.airflow.enabled ? [namespaces.airflow] : []),
            ...(plan.jupyterhub.enabled ? [namespaces.jupyterhub] : []),
        ],
    };
}
