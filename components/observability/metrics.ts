/**
 * The one catalogue of metric names the platform's dashboards and alert rules may use, per scraped
 * target, as Prometheus stores them (after the monitors' relabelling). The dashboard checks refuse
 * a query that selects a name not listed here; the integration suite scrapes real Spark of every
 * line and fails if a Spark name listed here is not served.
 */
import { nodeRoleLabel, capacityLabel } from "../config/nodeRoles";

/** One metric family: its stored name and the labels queries rely on. */
export interface MetricSpec {
    readonly name: string;
    readonly labels: readonly string[];
}

/**
 * Metrics whose names carry a value (a streaming query's name), selected with a __name__ regex:
 * `pattern` is that regex exactly as queries write it (RE2, anchored by Prometheus).
 */
export interface MetricFamily {
    readonly pattern: string;
    readonly labels: readonly string[];
}

/** A scraped target (or Prometheus itself) and the names it exposes that the platform uses. */
export interface MetricSource {
    readonly target: string;
    /** Where the names are defined, with the version they were checked against. */
    readonly reference: string;
    /** Labels Prometheus adds to every series of the target (the monitor's target labels). */
    readonly targetLabels: readonly string[];
    readonly metrics: readonly MetricSpec[];
    readonly families?: readonly MetricFamily[];
}

const spec = (labels: readonly string[]) => (name: string): MetricSpec => ({ name, labels });

/**
 * The driver's PrometheusServlet (/metrics/prometheus), renamed spark_driver_<source>_<metric>_<kind>
 * by the PodMonitor (sparkMonitors.ts sparkDriverMetricRelabelings); `spark_app` is the metrics
 * namespace, i.e. the application name with every character outside [a-zA-Z0-9] as "_", and
 * `type` the Dropwizard kind (gauges, counters, histograms, timers). Only sources every driver
 * registers are listed: DAGScheduler, BlockManager, the JVM, the listener bus, appStatus
 * (spark.metrics.appStatusSource.enabled) and ExecutorMetrics (the driver's own peaks);
 * executor-side sources are not in the driver's registry outside local mode.
 */
export const sparkDriverMetrics: readonly MetricSpec[] = [
    "spark_driver_DAGScheduler_job_activeJobs_Value",
    "spark_driver_DAGScheduler_job_allJobs_Value",
    "spark_driver_DAGScheduler_stage_runningStages_Value",
    "spark_driver_DAGScheduler_stage_waitingStages_Value",
    "spark_driver_DAGScheduler_stage_failedStages_Value",
    "spark_driver_appStatus_jobs_succeededJobs_Count",
    "spark_driver_appStatus_jobs_failedJobs_Count",
    "spark_driver_appStatus_stages_completedStages_Count",
    "spark_driver_appStatus_stages_failedStages_Count",
    "spark_driver_appStatus_tasks_completedTasks_Count",
    "spark_driver_appStatus_tasks_failedTasks_Count",
    "spark_driver_appStatus_tasks_killedTasks_Count",
    "spark_driver_BlockManager_memory_memUsed_MB_Value",
    "spark_driver_BlockManager_memory_maxMem_MB_Value",
    "spark_driver_BlockManager_disk_diskSpaceUsed_MB_Value",
    "spark_driver_jvm_heap_used_Value",
    "spark_driver_jvm_heap_max_Value",
    "spark_driver_jvm_non_heap_used_Value",
    "spark_driver_ExecutorMetrics_MinorGCTime_Value",
    "spark_driver_ExecutorMetrics_MajorGCTime_Value",
    "spark_driver_LiveListenerBus_queue_appStatus_numDroppedEvents_Count",
].map(spec(["spark_app", "type"]));

/**
 * A streaming query's gauges (Spark's MetricsReporter, with spark.sql.streaming.metricsEnabled),
 * registered under spark.streaming.<query name or id> and renamed
 * spark_driver_spark_streaming_<query>_<gauge>_Value; `latency` is the last trigger's duration in ms.
 */
export const sparkStreamingLatency: MetricFamily = { pattern: "spark_driver_spark_streaming_.+_latency_Value", labels: ["spark_app", "type"] };

/**
 * The driver's executor summary (/metrics/executors/prometheus, Spark's PrometheusResource), one
 * series per live executor and one for the driver (executor_id "driver"), renamed
 * spark_executor_<metric> (sparkExecutorMetricRelabelings). Executors serve no HTTP endpoint of
 * their own: this is how their metrics reach Prometheus. The *_total and *_seconds_total names
 * are counters; the peak memory and GC names appear once an executor has sent a heartbeat.
 */
export const sparkExecutorMetrics: readonly MetricSpec[] = [
    ...[
        "spark_executor_activeTasks",
        "spark_executor_maxTasks",
        "spark_executor_totalCores",
        "spark_executor_completedTasks_total",
        "spark_executor_failedTasks_total",
        "spark_executor_totalTasks_total",
        "spark_executor_totalDuration_seconds_total",
        "spark_executor_totalGCTime_seconds_total",
        "spark_executor_totalInputBytes_bytes_total",
        "spark_executor_totalShuffleRead_bytes_total",
        "spark_executor_totalShuffleWrite_bytes_total",
        "spark_executor_memoryUsed_bytes",
        "spark_executor_maxMemory_bytes",
        "spark_executor_diskUsed_bytes",
        "spark_executor_JVMHeapMemory_bytes",
        "spark_executor_JVMOffHeapMemory_bytes",
        "spark_executor_OnHeapExecutionMemory_bytes",
        "spark_executor_OnHeapStorageMemory_bytes",
        "spark_executor_ProcessTreeJVMRSSMemory_bytes",
        "spark_executor_MinorGCTime_seconds_total",
        "spark_executor_MajorGCTime_seconds_total",
    ].map(spec(["spark_app_id", "spark_app_name", "executor_id"])),
    { name: "spark_info", labels: ["version", "revision"] },
];

/**
 * The kube-state-metrics release whose names the catalogue lists: the image of the
 * kube-state-metrics chart that kube-prometheus-stack 81.x depends on (81.3.1 moved it to v2.18.0).
 */
export const kubeStateMetricsVersion = "v2.18.0";

/** A node label as kube-state-metrics names it on kube_node_labels: label_ + the key, non-alphanumerics as "_". */
export function kubeStateLabel(key: string): string {
    return `label_${key.replace(/[^a-zA-Z0-9_]/g, "_")}`;
}

/**
 * The node labels kube-state-metrics must publish on kube_node_labels (its
 * --metric-labels-allowlist, e.g. the chart value metricLabelsAllowlist: ["nodes=[...]"]); it
 * publishes none by default.
 */
export const kubeStateNodeLabels = [nodeRoleLabel, capacityLabel] as const;

const pod = ["namespace", "pod"];

/** What the Prometheus Operator adds to every series of a PodMonitor target. */
const podMonitorTargetLabels = ["job", "instance", "namespace", "pod", "container", "endpoint"];
/** A Spark target's labels: a PodMonitor's, and what the Spark monitors add (sparkMonitors.ts). */
const sparkTargetLabels = [...podMonitorTargetLabels, "node", "spark_connect_server", "spark_app_id"];
/** A ServiceMonitor target's labels (its Service and pod); with honorLabels the exporter's own labels win. */
const serviceTargetLabels = ["job", "instance", "namespace", "pod", "container", "service", "endpoint"];

export const metricSources: readonly MetricSource[] = [
    {
        target: "Spark driver (PrometheusServlet)",
        reference: "Spark 3.5 / 4.x core PrometheusServlet.scala and sql MetricsReporter.scala; proved by integration/observability/sparkMetrics.test.ts",
        targetLabels: sparkTargetLabels,
        metrics: sparkDriverMetrics,
        families: [sparkStreamingLatency],
    },
    { target: "Spark driver (executor summary)", reference: "Spark 3.5 / 4.x core status/api/v1/PrometheusResource.scala; proved by integration/observability/sparkMetrics.test.ts", targetLabels: sparkTargetLabels, metrics: sparkExecutorMetrics },
    {
        target: "kube-state-metrics",
        reference: `kube-state-metrics ${kubeStateMetricsVersion} internal/store; every name checked in that source by integration/observability/metricNames.test.ts`,
        targetLabels: serviceTargetLabels,
        metrics: [
            { name: "kube_node_labels", labels: ["node", ...kubeStateNodeLabels.map(kubeStateLabel)] },
            spec(["node"])("kube_node_info"),
            spec(["node"])("kube_node_created"),
            spec(["node"])("kube_node_spec_unschedulable"),
            spec(["node", "condition", "status"])("kube_node_status_condition"),
            spec(["node", "resource", "unit"])("kube_node_status_allocatable"),
            spec([...pod, "phase"])("kube_pod_status_phase"),
            spec([...pod, "condition"])("kube_pod_status_scheduled"),
            spec([...pod, "node"])("kube_pod_info"),
            spec([...pod])("kube_pod_status_unschedulable"),
            spec([...pod, "container", "reason"])("kube_pod_container_status_terminated_reason"),
            spec([...pod, "container", "reason"])("kube_pod_container_status_last_terminated_reason"),
            spec([...pod, "container"])("kube_pod_container_status_restarts_total"),
            spec([...pod, "container", "node", "resource", "unit"])("kube_pod_container_resource_requests"),
            spec(["namespace", "deployment"])("kube_deployment_status_replicas_available"),
            spec(["namespace", "deployment"])("kube_deployment_spec_replicas"),
            spec(["namespace", "job_name"])("kube_job_status_failed"),
            spec(["namespace", "job_name", "owner_kind", "owner_name"])("kube_job_owner"),
            spec(["namespace", "cronjob"])("kube_cronjob_status_last_successful_time"),
            spec(["namespace", "cronjob"])("kube_cronjob_created"),
        ],
    },
    {
        target: "node-exporter",
        reference: "prometheus/node_exporter v1.8 collectors cpu_linux.go, meminfo.go, filesystem_common.go (the prometheus-node-exporter chart 4.51.0 of kube-prometheus-stack 81.4.5)",
        targetLabels: serviceTargetLabels,
        metrics: [
            spec(["instance", "cpu", "mode"])("node_cpu_seconds_total"),
            spec(["instance"])("node_memory_MemAvailable_bytes"),
            spec(["instance"])("node_memory_MemTotal_bytes"),
            spec(["instance", "mountpoint", "fstype"])("node_filesystem_avail_bytes"),
            spec(["instance", "mountpoint", "fstype"])("node_filesystem_size_bytes"),
        ],
    },
    {
        target: "kubelet and cAdvisor",
        reference: "cAdvisor docs/storage/prometheus.md and Kubernetes pkg/kubelet/metrics (kubelet_volume_stats_*), scraped by kube-prometheus-stack 81.4.5's kubelet ServiceMonitor (which drops container_spec_* and some others)",
        targetLabels: [...serviceTargetLabels, "node", "metrics_path"],
        metrics: [
            spec([...pod, "container", "node"])("container_cpu_usage_seconds_total"),
            spec([...pod, "container", "node"])("container_memory_working_set_bytes"),
            spec(["namespace", "persistentvolumeclaim"])("kubelet_volume_stats_used_bytes"),
            spec(["namespace", "persistentvolumeclaim"])("kubelet_volume_stats_available_bytes"),
            spec(["namespace", "persistentvolumeclaim"])("kubelet_volume_stats_capacity_bytes"),
        ],
    },
    {
        target: "Airflow (the chart's StatsD exporter)",
        reference: "the Airflow chart 1.22.0's files/statsd-mappings.yml: airflow.scheduler_heartbeat (a counter) and the timer airflow.dagrun.duration.failed.<dag_id>, a summary whose _count counts failed runs",
        targetLabels: podMonitorTargetLabels,
        metrics: [spec(["type"])("airflow_scheduler_heartbeat"), spec(["dag_id"])("airflow_dagrun_failed_count")],
    },
    {
        target: "Prometheus",
        reference: "Prometheus docs (jobs and instances): the up series every scrape target gets, with the target's labels",
        targetLabels: [...new Set([...sparkTargetLabels, ...serviceTargetLabels])],
        metrics: [spec([])("up")],
    },
];

const byName = new Map(metricSources.flatMap((s) => [...s.metrics.map((m) => [m.name, m] as const), ...(s.families ?? []).map((f) => [f.pattern, { name: f.pattern, labels: f.labels }] as const)]));
const sourceOf = new Map(metricSources.flatMap((s) => [...s.metrics.map((m) => [m.name, s] as const), ...(s.families ?? []).map((f) => [f.pattern, s] as const)]));

/** The catalogue entry of a metric name, or of a family's exact name pattern; undefined when no scraped target exposes it. */
export function catalogued(name: string): MetricSpec | undefined {
    return byName.get(name);
}

/** Every label a stored series of this metric may carry and queries may match on: its own and its target's. */
export function queryableLabels(name: string): ReadonlySet<string> {
    const m = byName.get(name);
    const source = sourceOf.get(name);
    return new Set([...(m?.labels ?? []), ...(source?.targetLabels ?? []), "__name__"]);
}
