/**
 * The platform's Grafana dashboards as code: pure functions returning dashboard JSON for the
 * Grafana that kube-prometheus-stack ships (Grafana 11.4), and the ConfigMaps its dashboard sidecar
 * loads. Every query selects only names of metrics.ts (checked by the unit suite with Prometheus's
 * own PromQL grammar, @prometheus-io/lezer-promql).
 */
import { namespaces } from "../config/names";
import { capacityLabel, nodeRoleLabel } from "../config/nodeRoles";
import { CostEstimate } from "../cost/estimate";
import { kubeStateLabel } from "./metrics";
import { sparkJobs } from "./sparkMonitors";
import { grafanaDashboardLabel, prometheusDatasourceUid } from "../services/monitoring";

/** The Prometheus datasource every panel names (the uid kube-prometheus-stack provisions it with). */
export const prometheusDatasource = { type: "prometheus", uid: prometheusDatasourceUid } as const;

/**
 * Dashboard schema version: 39, the schema of Grafana 11.0's DashboardMigrator. Grafana migrates
 * a lower version forward when it loads a dashboard, never a higher one backward, so 39 loads on
 * every Grafana 11 (11.4 included).
 */
export const dashboardSchemaVersion = 39;

/** Grafana's built-in rate window; the query checks substitute a duration for it, as Grafana does. */
export const rateInterval = "$__rate_interval";

export interface Target {
    readonly refId: string;
    readonly expr: string;
    readonly legendFormat?: string;
    readonly instant?: boolean;
    readonly datasource: typeof prometheusDatasource;
}

export interface Panel {
    readonly id: number;
    readonly type: "timeseries" | "stat" | "table";
    readonly title: string;
    readonly description?: string;
    readonly gridPos: { readonly x: number; readonly y: number; readonly w: number; readonly h: number };
    readonly datasource: typeof prometheusDatasource;
    readonly targets: readonly Target[];
    readonly fieldConfig: { readonly defaults: Record<string, unknown>; readonly overrides: readonly unknown[] };
    readonly options: Record<string, unknown>;
}

export interface QueryVariable {
    readonly type: "query";
    readonly name: string;
    readonly label: string;
    readonly datasource: typeof prometheusDatasource;
    /** Grafana's Prometheus variable query: label_values(<selector>, <label>). */
    readonly definition: string;
    readonly query: { readonly query: string; readonly refId: string; readonly qryType: 1 };
    readonly refresh: 2;
    readonly includeAll: true;
    readonly multi: true;
    readonly allValue: ".*";
    readonly sort: 1;
    readonly current: Record<string, never>;
    readonly options: readonly never[];
}

export interface Dashboard {
    readonly uid: string;
    readonly title: string;
    readonly description: string;
    readonly tags: readonly string[];
    readonly editable: false;
    readonly graphTooltip: 1;
    readonly timezone: "utc";
    readonly refresh: string;
    readonly schemaVersion: number;
    readonly version: 1;
    readonly time: { readonly from: string; readonly to: string };
    readonly annotations: { readonly list: readonly unknown[] };
    readonly templating: { readonly list: readonly QueryVariable[] };
    readonly panels: readonly Panel[];
}

interface PanelSpec {
    readonly type?: Panel["type"];
    readonly title: string;
    readonly description?: string;
    readonly unit?: string;
    readonly w?: number;
    readonly h?: number;
    readonly queries: readonly { readonly expr: string; readonly legend?: string }[];
}

/** Lays panels out left to right on Grafana's 24-column grid, wrapping rows, ids from 1. */
function layout(specs: readonly PanelSpec[]): Panel[] {
    let x = 0;
    let y = 0;
    let rowHeight = 0;
    return specs.map((s, i) => {
        const type = s.type ?? "timeseries";
        const w = s.w ?? (type === "stat" ? 6 : 12);
        const h = s.h ?? (type === "stat" ? 4 : 8);
        if (x + w > 24) {
            x = 0;
            y += rowHeight;
            rowHeight = 0;
        }
        const gridPos = { x, y, w, h };
        x += w;
        rowHeight = Math.max(rowHeight, h);
        return {
            id: i + 1,
            type,
            title: s.title,
            ...(s.description ? { description: s.description } : {}),
            gridPos,
            datasource: prometheusDatasource,
            targets: s.queries.map((q, j) => ({
                refId: String.fromCharCode(65 + j),
                expr: q.expr,
                ...(q.legend ? { legendFormat: q.legend } : {}),
                ...(type === "stat" ? { instant: true } : {}),
                datasource: prometheusDatasource,
            })),
            fieldConfig: { defaults: { ...(s.unit ? { unit: s.unit } : {}) }, overrides: [] },
            options: type === "stat" ? { reduceOptions: { calcs: ["lastNotNull"], fields: "", values: false }, colorMode: "value", graphMode: "none" } : { legend: { displayMode: "list", placement: "bottom", showLegend: true }, tooltip: { mode: "multi", sort: "desc" } },
        };
    });
}

function variable(name: string, label: string, selector: string, labelName: string): QueryVariable {
    const definition = `label_values(${selector}, ${labelName})`;
    return {
        type: "query",
        name,
        label,
        datasource: prometheusDatasource,
        definition,
        query: { query: definition, refId: "PrometheusVariableQueryEditor-VariableQuery", qryType: 1 },
        refresh: 2,
        includeAll: true,
        multi: true,
        allValue: ".*",
        sort: 1,
        current: {},
        options: [],
    };
}

function dashboard(uid: string, title: string, description: string, panels: readonly PanelSpec[], variables: readonly QueryVariable[] = []): Dashboard {
    return {
        uid,
        title,
        description,
        tags: ["spark-k8s"],
        editable: false,
        graphTooltip: 1,
        timezone: "utc",
        refresh: "1m",
        schemaVersion: dashboardSchemaVersion,
        version: 1,
        time: { from: "now-6h", to: "now" },
        annotations: { list: [] },
        templating: { list: variables },
        panels: layout(panels),
    };
}

/**
 * Spark applications: every driver the monitors scrape (submitted drivers and Connect servers),
 * chosen by namespace and driver pod; executors, tasks, shuffle, GC and memory from the driver's
 * executor summary, jobs and heap from its PrometheusServlet.
 */
export function sparkApplicationsDashboard(): Dashboard {
    const sel = `namespace=~"$namespace", pod=~"$pod"`;
    const executors = `${sel}, executor_id!="driver"`;
    const byApp = "spark_app_name";
    return dashboard(
        "spark-k8s-spark-applications",
        "Spark applications",
        "Executors, tasks, shuffle, GC and memory of the Spark applications the platform scrapes (driver pods and Spark Connect servers).",
        [
            { type: "stat", title: "Executors", queries: [{ expr: `count(spark_executor_totalCores{${executors}})` }] },
            { type: "stat", title: "Active tasks", queries: [{ expr: `sum(spark_executor_activeTasks{${sel}})` }] },
            { type: "stat", title: "Active jobs", queries: [{ expr: `sum(spark_driver_DAGScheduler_job_activeJobs_Value{${sel}})` }] },
            { type: "stat", title: "Failed tasks (window)", queries: [{ expr: `sum(increase(spark_executor_failedTasks_total{${sel}}[$__range]))` }] },
            { title: "Executors per application", queries: [{ expr: `count by (${byApp}) (spark_executor_totalCores{${executors}})`, legend: `{{${byApp}}}` }] },
            { title: "Task slots used", unit: "percentunit", queries: [{ expr: `sum by (${byApp}) (spark_executor_activeTasks{${executors}}) / sum by (${byApp}) (spark_executor_maxTasks{${executors}})`, legend: `{{${byApp}}}` }] },
            {
                title: "Tasks completed and failed per second",
                queries: [
                    { expr: `sum by (${byApp}) (rate(spark_executor_completedTasks_total{${sel}}[${rateInterval}]))`, legend: "{{spark_app_name}} completed" },
                    { expr: `sum by (${byApp}) (rate(spark_executor_failedTasks_total{${sel}}[${rateInterval}]))`, legend: "{{spark_app_name}} failed" },
                ],
            },
            {
                title: "Shuffle read and write",
                unit: "Bps",
                queries: [
                    { expr: `sum by (${byApp}) (rate(spark_executor_totalShuffleRead_bytes_total{${sel}}[${rateInterval}]))`, legend: "{{spark_app_name}} read" },
                    { expr: `sum by (${byApp}) (rate(spark_executor_totalShuffleWrite_bytes_total{${sel}}[${rateInterval}]))`, legend: "{{spark_app_name}} write" },
                ],
            },
            { title: "Input read", unit: "Bps", queries: [{ expr: `sum by (${byApp}) (rate(spark_executor_totalInputBytes_bytes_total{${sel}}[${rateInterval}]))`, legend: `{{${byApp}}}` }] },
            {
                title: "GC time share of task time",
                description: "Time executors spent in garbage collection over the time they ran tasks.",
                unit: "percentunit",
                queries: [{ expr: `sum by (${byApp}) (rate(spark_executor_totalGCTime_seconds_total{${executors}}[${rateInterval}])) / sum by (${byApp}) (rate(spark_executor_totalDuration_seconds_total{${executors}}[${rateInterval}]))`, legend: `{{${byApp}}}` }],
            },
            {
                title: "GC time per second (minor, major)",
                unit: "s",
                queries: [
                    { expr: `sum by (${byApp}) (rate(spark_executor_MinorGCTime_seconds_total{${executors}}[${rateInterval}]))`, legend: "{{spark_app_name}} minor" },
                    { expr: `sum by (${byApp}) (rate(spark_executor_MajorGCTime_seconds_total{${executors}}[${rateInterval}]))`, legend: "{{spark_app_name}} major" },
                ],
            },
            { title: "Executor JVM heap (peak)", unit: "bytes", queries: [{ expr: `spark_executor_JVMHeapMemory_bytes{${executors}}`, legend: "{{spark_app_name}} {{executor_id}}" }] },
            { title: "Executor process RSS (peak)", unit: "bytes", queries: [{ expr: `spark_executor_ProcessTreeJVMRSSMemory_bytes{${executors}}`, legend: "{{spark_app_name}} {{executor_id}}" }] },
            {
                title: "Storage memory used / available",
                unit: "percentunit",
                queries: [{ expr: `sum by (${byApp}) (spark_executor_memoryUsed_bytes{${sel}}) / sum by (${byApp}) (spark_executor_maxMemory_bytes{${sel}})`, legend: `{{${byApp}}}` }],
            },
            {
                title: "Driver heap used / max",
                unit: "percentunit",
                queries: [{ expr: `spark_driver_jvm_heap_used_Value{${sel}} / spark_driver_jvm_heap_max_Value{${sel}}`, legend: "{{pod}}" }],
            },
            {
                title: "Driver stages (running, waiting) and failed jobs",
                queries: [
                    { expr: `sum by (pod) (spark_driver_DAGScheduler_stage_runningStages_Value{${sel}})`, legend: "{{pod}} running stages" },
                    { expr: `sum by (pod) (spark_driver_DAGScheduler_stage_waitingStages_Value{${sel}})`, legend: "{{pod}} waiting stages" },
                    { expr: `sum by (pod) (increase(spark_driver_appStatus_jobs_failedJobs_Count{${sel}}[${rateInterval}]))`, legend: "{{pod}} failed jobs" },
                ],
            },
            { title: "Driver events dropped (listener bus)", queries: [{ expr: `sum by (pod) (increase(spark_driver_LiveListenerBus_queue_appStatus_numDroppedEvents_Count{${sel}}[${rateInterval}]))`, legend: "{{pod}}" }] },
        ],
        [
            variable("namespace", "Namespace", "spark_executor_totalCores", "namespace"),
            variable("pod", "Driver pod", `spark_executor_totalCores{namespace=~"$namespace"}`, "pod"),
        ],
    );
}

/**
 * Spark Connect: per server, whether it is up, its jobs, executors and memory. The Connect servers
 * register no metrics source of their own in Spark 3.5 to 4.3, so sessions are not shown.
 */
export function sparkConnectDashboard(): Dashboard {
    const sel = `job="${sparkJobs.connect}", spark_connect_server=~"$server"`;
    const executors = `${sel}, executor_id!="driver"`;
    const by = "spark_connect_server";
    return dashboard(
        "spark-k8s-spark-connect",
        "Spark Connect",
        "Each Spark Connect server: up, jobs, executors and memory.",
        [
            { type: "stat", w: 8, title: "Servers up", queries: [{ expr: `min by (${by}) (up{${sel}})`, legend: `{{${by}}}` }] },
            { type: "stat", w: 8, title: "Active jobs", queries: [{ expr: `sum by (${by}) (spark_driver_DAGScheduler_job_activeJobs_Value{${sel}})`, legend: `{{${by}}}` }] },
            { type: "stat", w: 8, title: "Executors", queries: [{ expr: `count by (${by}) (spark_executor_totalCores{${executors}})`, legend: `{{${by}}}` }] },
            { title: "Up", queries: [{ expr: `min by (${by}) (up{${sel}})`, legend: `{{${by}}}` }] },
            { title: "Executors", queries: [{ expr: `count by (${by}) (spark_executor_totalCores{${executors}})`, legend: `{{${by}}}` }] },
            {
                title: "Jobs and tasks",
                queries: [
                    { expr: `sum by (${by}) (spark_driver_DAGScheduler_job_activeJobs_Value{${sel}})`, legend: "{{spark_connect_server}} active jobs" },
                    { expr: `sum by (${by}) (spark_executor_activeTasks{${sel}})`, legend: "{{spark_connect_server}} active tasks" },
                ],
            },
            { title: "Tasks completed per second", queries: [{ expr: `sum by (${by}) (rate(spark_executor_completedTasks_total{${sel}}[${rateInterval}]))`, legend: `{{${by}}}` }] },
            {
                title: "Driver heap",
                unit: "bytes",
                queries: [
                    { expr: `max by (${by}) (spark_driver_jvm_heap_used_Value{${sel}})`, legend: "{{spark_connect_server}} used" },
                    { expr: `max by (${by}) (spark_driver_jvm_heap_max_Value{${sel}})`, legend: "{{spark_connect_server}} max" },
                ],
            },
            {
                title: "Server container memory (working set)",
                unit: "bytes",
                queries: [{ expr: `sum by (pod) (container_memory_working_set_bytes{namespace="${namespaces.jobs}", container="spark-connect"})`, legend: "{{pod}}" }],
            },
            { title: "Executor JVM heap (peak)", unit: "bytes", queries: [{ expr: `spark_executor_JVMHeapMemory_bytes{${executors}}`, legend: "{{spark_connect_server}} {{executor_id}}" }] },
        ],
        [variable("server", "Server", `up{job="${sparkJobs.connect}"}`, "spark_connect_server")],
    );
}

/** What the platform dashboard shows beside the live metrics. */
export interface PlatformDashboardInput {
    /** The stack's estimated cost a month at idle (costEstimate(...).idleMonthly), shown as a stat. */
    readonly idleMonthly: CostEstimate["idleMonthly"];
}

/**
 * The platform: nodes per node group and capacity type (kube-state-metrics' kube_node_labels with
 * the node-role and capacity labels allow-listed), node churn and spot nodes gone, pending and
 * unschedulable pods, requested CPU against allocatable per group, and the idle cost estimate.
 */
export function platformDashboard(input: PlatformDashboardInput): Dashboard {
    if (!Number.isFinite(input.idleMonthly) || input.idleMonthly < 0) throw new Error(`platformDashboard: idleMonthly must be a non-negative number, got ${input.idleMonthly}`);
    const role = kubeStateLabel(nodeRoleLabel);
    const capacity = kubeStateLabel(capacityLabel);
    const perRole = (expr: string): string => `sum by (${role}) (${expr} * on (node) group_left (${role}) kube_node_labels)`;
    return dashboard(
        "spark-k8s-platform",
        "Spark platform",
        "Nodes per node group, node churn and spot nodes gone, pending pods, and the stack's estimated idle cost.",
        [
            { type: "stat", title: "Nodes", queries: [{ expr: "count(kube_node_info)" }] },
            { type: "stat", title: "Nodes not ready", queries: [{ expr: `sum(kube_node_status_condition{condition="Ready", status!="true"})` }] },
            { type: "stat", title: "Pending pods", queries: [{ expr: `sum(kube_pod_status_phase{phase="Pending"})` }] },
            {
                type: "stat",
                title: "Estimated idle cost",
                description: "The stack's cost a month at idle, from the program's cost estimate (npm run plan), not measured.",
                unit: "currencyUSD",
                queries: [{ expr: `vector(${Math.round(input.idleMonthly * 100) / 100})` }],
            },
            { title: "Nodes per node group", queries: [{ expr: `count by (${role}) (kube_node_labels)`, legend: `{{${role}}}` }] },
            { title: "Nodes per node group and capacity type", queries: [{ expr: `count by (${role}, ${capacity}) (kube_node_labels)`, legend: `{{${role}}} {{${capacity}}}` }] },
            {
                title: "Nodes created in the last hour (churn)",
                queries: [{ expr: `count by (${role}) (kube_node_labels and on (node) (time() - kube_node_created < 3600))`, legend: `{{${role}}}` }],
            },
            {
                title: "Spot nodes gone in the last hour (interruptions and scale-down)",
                description: "Spot nodes seen in the last hour that are no longer in the cluster.",
                queries: [{ expr: `count by (${role}) (last_over_time(kube_node_labels{${capacity}="spot"}[1h]) unless on (node) kube_node_labels)`, legend: `{{${role}}}` }],
            },
            { title: "Pending pods per namespace", queries: [{ expr: `sum by (namespace) (kube_pod_status_phase{phase="Pending"})`, legend: "{{namespace}}" }] },
            { title: "Unschedulable pods per namespace", queries: [{ expr: `sum by (namespace) (kube_pod_status_scheduled{condition="false"})`, legend: "{{namespace}}" }] },
            {
                title: "CPU requested / allocatable per node group",
                unit: "percentunit",
                queries: [{ expr: `${perRole(`sum by (node) (kube_pod_container_resource_requests{resource="cpu"})`)} / ${perRole(`kube_node_status_allocatable{resource="cpu"}`)}`, legend: `{{${role}}}` }],
            },
            { title: "Containers last OOMKilled per namespace", queries: [{ expr: `sum by (namespace) (kube_pod_container_status_last_terminated_reason{reason="OOMKilled"})`, legend: "{{namespace}}" }] },
            { title: "Node CPU busy", unit: "percentunit", queries: [{ expr: `1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[${rateInterval}]))`, legend: "{{instance}}" }] },
            { title: "Node memory used", unit: "percentunit", queries: [{ expr: "1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes", legend: "{{instance}}" }] },
        ],
    );
}

/** Every dashboard of the platform. */
export function platformDashboards(input: PlatformDashboardInput): Dashboard[] {
    return [sparkApplicationsDashboard(), sparkConnectDashboard(), platformDashboard(input)];
}

/** One ConfigMap the Grafana sidecar provisions a dashboard from. */
export interface DashboardConfigMap {
    readonly name: string;
    readonly namespace: string;
    readonly labels: Readonly<Record<string, string>>;
    /** `<uid>.json` → the dashboard JSON. */
    readonly data: Readonly<Record<string, string>>;
}

/** A ConfigMap holds at most 1 MiB. */
const configMapLimitBytes = 1024 * 1024;

/** The ConfigMaps (one per dashboard, in the monitoring namespace) the Grafana sidecar loads. */
export function dashboardConfigMaps(dashboards: readonly Dashboard[]): DashboardConfigMap[] {
    const uids = dashboards.map((d) => d.uid);
    const duplicate = uids.find((u, i) => uids.indexOf(u) !== i);
    if (duplicate !== undefined) throw new Error(`dashboardConfigMaps: two dashboards have uid ${duplicate}`);
    return dashboards.map((d) => {
        const json = JSON.stringify(d, null, 1);
        if (Buffer.byteLength(json) > configMapLimitBytes) throw new Error(`dashboard ${d.uid} is larger than a ConfigMap can hold`);
        return { name: `dashboard-${d.uid}`, namespace: namespaces.monitoring, labels: { ...grafanaDashboardLabel, "app.kubernetes.io/part-of": "spark-k8s" }, data: { [`${d.uid}.json`]: json } };
    });
}
