/**
 * Test cases of every alert rule, as data beside the rules: synthetic series on which the alert
 * fires (with the labels it must carry) and healthy series on which it stays silent. The
 * integration suite turns them into `promtool test rules` files; a unit test requires both kinds
 * for every rule, so a rule without cases fails the fast suite.
 */
import { executorContainerName } from "../spark/podTemplates";
import { AlertRule, AlertRuleInputs, AlertRulesSpec, allAlertRules } from "./alertRules";

/** One input series in promtool's notation: `name{labels}` and expanding values such as `0+1x30`. */
export interface InputSeries {
    readonly series: string;
    readonly values: string;
}

/** Series, the step between their values, and when the rule is evaluated. */
export interface AlertCase {
    /** What the case shows, for the test's name. */
    readonly what: string;
    /** Step between values; 1m unless given. */
    readonly interval?: string;
    readonly inputSeries: readonly InputSeries[];
    /** When the alert is checked, from the start of the series. */
    readonly evalTime: string;
}

/** A case where the alert fires once, with exactly these labels (severity is added from the rule). */
export interface FiringCase extends AlertCase {
    readonly labels: Readonly<Record<string, string>>;
}

/** The cases of one alert. */
export interface AlertCases {
    readonly fires: readonly FiringCase[];
    readonly silent: readonly AlertCase[];
}

/** `name{a="x", b="y"}` in PromQL's series notation. */
export function seriesOf(name: string, labels: Readonly<Record<string, string>>): string {
    return `${name}{${Object.entries(labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(", ")}}`;
}

const s = (name: string, labels: Readonly<Record<string, string>>, values: string): InputSeries => ({ series: seriesOf(name, labels), values });

function deploymentCases(w: { name: string; namespace: string }, evalTime: string): AlertCases {
    const l = { namespace: w.namespace, deployment: w.name };
    return {
        fires: [{ what: "no replica available", evalTime, labels: l, inputSeries: [s("kube_deployment_status_replicas_available", l, "0x30"), s("kube_deployment_spec_replicas", l, "1x30")] }],
        silent: [
            { what: "its replica is available", evalTime, inputSeries: [s("kube_deployment_status_replicas_available", l, "1x30"), s("kube_deployment_spec_replicas", l, "1x30")] },
            { what: "it is scaled to zero on purpose", evalTime, inputSeries: [s("kube_deployment_status_replicas_available", l, "0x30"), s("kube_deployment_spec_replicas", l, "0x30")] },
            { what: "it recovered before the for duration", evalTime: "20m", inputSeries: [s("kube_deployment_status_replicas_available", l, "1x10 0x2 1x17"), s("kube_deployment_spec_replicas", l, "1x30")] },
        ],
    };
}

/** Cases of every alert the inputs can produce, keyed by alert name. */
export function alertCases(inputs: AlertRuleInputs): Record<string, AlertCases> {
    const out: Record<string, AlertCases> = {};
    const connect = inputs.connectServers[0];
    if (connect) out.SparkConnectServerDown = deploymentCases(connect, "10m");
    out.SparkHistoryServerDown = deploymentCases(inputs.historyServer, "15m");
    out.HiveMetastoreDown = deploymentCases(inputs.metastore, "10m");

    const ns = inputs.jobNamespaces[0];
    if (ns !== undefined) {
        const exec = { namespace: ns, pod: "etl-4f1c-exec-3" };
        const container = { ...exec, container: executorContainerName };
        out.SparkExecutorOOMKilled = {
            fires: [
                { what: "an executor ended OOMKilled", evalTime: "3m", labels: exec, inputSeries: [s("kube_pod_container_status_terminated_reason", { ...container, reason: "OOMKilled" }, "_ 1 1 _x5")] },
                { what: "a restarted executor container was OOMKilled, its pod gone 5 minutes ago", evalTime: "8m", labels: exec, inputSeries: [s("kube_pod_container_status_last_terminated_reason", { ...container, reason: "OOMKilled" }, "1x3 _x10")] },
            ],
            silent: [
                { what: "an executor completed", evalTime: "5m", inputSeries: [s("kube_pod_container_status_terminated_reason", { ...container, reason: "Completed" }, "1x10")] },
                { what: "the OOMKill is over 10 minutes old", evalTime: "15m", inputSeries: [s("kube_pod_container_status_terminated_reason", { ...container, reason: "OOMKilled" }, "1 _x20")] },
                { what: "an OOMKilled pod outside the job namespaces", evalTime: "5m", inputSeries: [s("kube_pod_container_status_terminated_reason", { ...container, namespace: "kube-system", reason: "OOMKilled" }, "1x10")] },
            ],
        };
        const app = { namespace: ns, pod: "etl-driver", spark_app_id: "spark-8a7c", spark_app_name: "etl" };
        const tasks = (failed: string, total: string) => [s("spark_executor_failedTasks_total", { ...app, executor_id: "1" }, failed), s("spark_executor_totalTasks_total", { ...app, executor_id: "1" }, total)];
        out.SparkTaskFailureRateHigh = {
            fires: [{ what: "half the tasks fail", evalTime: "25m", labels: { namespace: ns, spark_app_id: app.spark_app_id, spark_app_name: app.spark_app_name }, inputSeries: tasks("0+10x30", "0+20x30") }],
            silent: [
                { what: "1% of the tasks fail", evalTime: "25m", inputSeries: tasks("0+1x30", "0+100x30") },
                { what: "too few tasks to judge", evalTime: "25m", inputSeries: tasks("0x15 1x15", "0x15 2x15") },
            ],
        };
        const pending = { namespace: ns, pod: "etl-4f1c-exec-7" };
        out.SparkExecutorsPendingNoCapacity = {
            fires: [{ what: "an executor unschedulable for 20 minutes", evalTime: "20m", labels: pending, inputSeries: [s("kube_pod_status_unschedulable", pending, "1x30"), s("kube_pod_status_phase", { ...pending, phase: "Pending" }, "1x30")] }],
            silent: [{ what: "an executor scheduled after 10 minutes", evalTime: "20m", inputSeries: [s("kube_pod_status_unschedulable", pending, "1x10 0x20"), s("kube_pod_status_phase", { ...pending, phase: "Pending" }, "1x10 0x20"), s("kube_pod_status_phase", { ...pending, phase: "Running" }, "0x10 1x20")] }],
        };
        const driver = { namespace: ns, pod: "events-driver", spark_app: "events", type: "gauges" };
        const latency = "spark_driver_spark_streaming_clicks_latency_Value";
        out.SparkStreamingBatchDelayed = {
            fires: [{ what: "micro-batches take over 5 minutes", evalTime: "15m", labels: { namespace: ns, pod: driver.pod, spark_app: driver.spark_app, query: "clicks" }, inputSeries: [s(latency, driver, "400000x30")] }],
            silent: [{ what: "micro-batches take 2 seconds", evalTime: "15m", inputSeries: [s(latency, driver, "2000x30")] }],
        };
    }

    if (inputs.airflowNamespace !== undefined) {
        const a = { namespace: inputs.airflowNamespace, pod: "airflow-statsd-6d9f8" };
        out.AirflowSchedulerHeartbeatMissing = {
            fires: [
                { what: "the heartbeat stopped", evalTime: "25m", labels: { namespace: a.namespace }, inputSeries: [s("airflow_scheduler_heartbeat", a, "0+1x10 10x20")] },
                { what: "no heartbeat series at all", evalTime: "10m", labels: { namespace: a.namespace }, inputSeries: [s("up", { namespace: a.namespace, pod: a.pod }, "1x20")] },
            ],
            silent: [{ what: "the scheduler beats every minute", evalTime: "25m", inputSeries: [s("airflow_scheduler_heartbeat", a, "0+1x30")] }],
        };
        const dag = { ...a, dag_id: "etl_daily" };
        out.AirflowDagRunFailed = {
            fires: [
                { what: "a DAG's first failed run", evalTime: "15m", labels: { namespace: a.namespace, dag_id: dag.dag_id }, inputSeries: [s("airflow_dagrun_failed_count", dag, "_x10 1x20")] },
                { what: "another failed run of a DAG that failed before", evalTime: "100m", labels: { namespace: a.namespace, dag_id: dag.dag_id }, inputSeries: [s("airflow_dagrun_failed_count", dag, "1x90 2x30")] },
            ],
            silent: [
                { what: "no run failed", evalTime: "100m", inputSeries: [s("airflow_dagrun_duration_count", dag, "0+1x120")] },
                { what: "the last failure is over an hour old", evalTime: "130m", inputSeries: [s("airflow_dagrun_failed_count", dag, "1x150")] },
            ],
        };
    }

    const vns = inputs.volumeNamespaces[0];
    if (vns !== undefined) {
        const pvc = { namespace: vns, persistentvolumeclaim: "data-0" };
        const volume = (labels: Record<string, string>, available: string) => [s("kubelet_volume_stats_available_bytes", labels, available), s("kubelet_volume_stats_capacity_bytes", labels, "100x20")];
        out.PersistentVolumeFillingUp = {
            fires: [{ what: "5% free", evalTime: "15m", labels: pvc, inputSeries: volume(pvc, "5x20") }],
            silent: [
                { what: "half free", evalTime: "15m", inputSeries: volume(pvc, "50x20") },
                { what: "5% free outside the watched namespaces", evalTime: "15m", inputSeries: volume({ ...pvc, namespace: "kube-system" }, "5x20") },
            ],
        };
    }

    const b = inputs.backup;
    if (b) {
        const job = { namespace: b.namespace, job_name: `${b.name}-29412000` };
        const owner = (name: string) => s("kube_job_owner", { ...job, owner_kind: "CronJob", owner_name: name, owner_is_controller: "true" }, "1x10");
        out.DatabaseBackupFailed = {
            fires: [{ what: "a backup Job failed", evalTime: "5m", labels: job, inputSeries: [s("kube_job_status_failed", { ...job, reason: "BackoffLimitExceeded" }, "1x10"), owner(b.name)] }],
            silent: [
                { what: "the backup Job succeeded", evalTime: "5m", inputSeries: [s("kube_job_status_failed", job, "0x10"), owner(b.name)] },
                { what: "another CronJob's Job failed", evalTime: "5m", inputSeries: [s("kube_job_status_failed", { ...job, reason: "BackoffLimitExceeded" }, "1x10"), owner("other")] },
            ],
        };
        const cron = { namespace: b.namespace, cronjob: b.name };
        out.DatabaseBackupMissing = {
            fires: [
                { what: "the last success is 27 hours old", interval: "1h", evalTime: "27h", labels: cron, inputSeries: [s("kube_cronjob_status_last_successful_time", cron, "0x30"), s("kube_cronjob_created", cron, "0x30")] },
                { what: "no success in 27 hours since it was created", interval: "1h", evalTime: "27h", labels: cron, inputSeries: [s("kube_cronjob_created", cron, "0x30")] },
            ],
            silent: [
                { what: "it succeeded within the hour", interval: "1h", evalTime: "27h", inputSeries: [s("kube_cronjob_status_last_successful_time", cron, "0+3600x30"), s("kube_cronjob_created", cron, "0x30")] },
                { what: "it was created 10 hours ago and has not run yet", interval: "1h", evalTime: "10h", inputSeries: [s("kube_cronjob_created", cron, "0x30")] },
            ],
        };
    }
    return out;
}

/** An annotation with each `{{ $labels.x }}` replaced by the label's value, as Prometheus renders it. */
export function renderAnnotation(template: string, labels: Readonly<Record<string, string>>): string {
    return template.replace(/\{\{\s*\$labels\.(\w+)\s*\}\}/g, (_, k: string) => labels[k] ?? "");
}

/** One `promtool test rules` file: every case of every rule of the spec, against `ruleFile`. */
export function promtoolTests(spec: AlertRulesSpec, cases: Record<string, AlertCases>, ruleFile: string): Record<string, unknown> {
    const byName = new Map<string, AlertRule>(allAlertRules(spec).map((r) => [r.alert, r]));
    const tests: Record<string, unknown>[] = [];
    for (const [alert, c] of Object.entries(cases)) {
        const r = byName.get(alert);
        if (!r) throw new Error(`cases for ${alert}, which the spec does not have`);
        const test = (k: AlertCase, expAlerts: unknown[]) => ({
            name: `${alert}: ${k.what}`,
            interval: k.interval ?? "1m",
            input_series: k.inputSeries.map((x) => ({ series: x.series, values: x.values })),
            alert_rule_test: [{ eval_time: k.evalTime, alertname: alert, exp_alerts: expAlerts }],
        });
        for (const f of c.fires) {
            const labels = { ...f.labels, severity: r.labels.severity };
            const annotations = Object.fromEntries(Object.entries(r.annotations).map(([k, v]) => [k, renderAnnotation(v, labels)]));
            tests.push(test(f, [{ exp_labels: labels, exp_annotations: annotations }]));
        }
        for (const k of c.silent) tests.push(test(k, []));
    }
    return { rule_files: [ruleFile], evaluation_interval: "1m", tests };
}
