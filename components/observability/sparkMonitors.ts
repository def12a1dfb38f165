/**
 * The Prometheus Operator PodMonitors that scrape Spark, as plain JSON (monitoring.coreos.com/v1)
 * for the monitoring stack to create, and the relabellings that give dashboards and rules stable
 * names and labels. What the relabellings do is decided by Prometheus 3.9.1's own relabel code
 * (model/relabel, on the configs as the Prometheus Operator writes them) in the integration suite:
 * integration/observability/relabel.test.ts on each case, and
 * integration/observability/sparkMetrics.test.ts on what each endpoint really serves, per Spark line,
 * parsed by Prometheus's own exposition parser.
 *
 * Not scraped: executors (they serve no HTTP endpoint; their metrics come through the driver's
 * /metrics/executors/prometheus) and the History Server (with its generated configuration it
 * serves no Prometheus exposition: unknown paths get its HTML page, checked by the same test).
 */
import { connectServerLabel, namespaces } from "../config/names";
import { prometheusServletPath } from "../spark/sparkDefaults";

/** One relabelling step, as the Prometheus Operator's RelabelConfig spells it (monitoring.coreos.com/v1). */
export interface RelabelConfig {
    readonly action?: "replace" | "keep" | "drop" | "labeldrop" | "labelkeep";
    readonly sourceLabels?: readonly string[];
    readonly separator?: string;
    readonly regex?: string;
    readonly targetLabel?: string;
    readonly replacement?: string;
}

/**
 * The driver's PrometheusServlet names each series metrics_<namespace>_driver_<source>_<metric>_<kind>,
 * every character outside [a-zA-Z0-9] as "_" (Spark 3.5 and 4.x PrometheusServlet.normalizeKey), and
 * writes every gauge twice, as _Number and _Value. The program sets spark.metrics.namespace to the
 * application name, so the names differ per application: these steps keep one copy of each gauge,
 * move the namespace into the spark_app label and name the series spark_driver_<source>_<metric>_<kind>.
 * The split is at the first "_driver_": an application whose normalised name holds "_driver_"
 * (e.g. "nightly-driver-etl") gets wrong names and spark_app; no metric of a driver source does.
 */
export const sparkDriverMetricRelabelings: readonly RelabelConfig[] = [
    { action: "drop", sourceLabels: ["__name__"], regex: "metrics_.+_Number" },
    { sourceLabels: ["__name__"], regex: "metrics_(.+?)_driver_(.+)", targetLabel: "spark_app", replacement: "$1" },
    { sourceLabels: ["__name__"], regex: "metrics_(.+?)_driver_(.+)", targetLabel: "__name__", replacement: "spark_driver_$2" },
];

/**
 * The executors' summary (Spark's PrometheusResource): metrics_executor_<metric> with labels
 * application_id, application_name and executor_id, one series per live executor and the driver.
 * Named spark_executor_<metric>, the application in spark_app_id and spark_app_name.
 */
export const sparkExecutorMetricRelabelings: readonly RelabelConfig[] = [
    { sourceLabels: ["application_id"], targetLabel: "spark_app_id" },
    { sourceLabels: ["application_name"], targetLabel: "spark_app_name" },
    { action: "labeldrop", regex: "application_id|application_name" },
    { sourceLabels: ["__name__"], regex: "metrics_executor_(.+)", targetLabel: "__name__", replacement: "spark_executor_$1" },
];

/** Where the driver UI serves the executors' summary (Spark's PrometheusResource; on by spark.ui.prometheus.enabled). */
export const executorsPrometheusPath = "/metrics/executors/prometheus";

/**
 * The named container port of the UI of drivers that spark-submit creates on Kubernetes (cluster
 * mode, directly or through the Spark Operator): Spark's BasicDriverFeatureStep declares
 * driver-rpc-port, blockmanager and spark-ui (Constants.UI_PORT_NAME) on the driver container, so
 * the monitor names the port rather than using the deprecated targetPort with 4040.
 */
export const submittedDriverUiPort = "spark-ui";

/** The labels Spark on Kubernetes puts on the driver pods it creates (Constants.SPARK_ROLE_LABEL, SPARK_APP_ID_LABEL). */
export const sparkDriverPodLabels = { role: "spark-role", driverRole: "driver", appId: "spark-app-selector" } as const;

/** The `job` label of each monitor's series, which dashboards and rules select by. */
export const sparkJobs = { connect: "spark-connect", driver: "spark-driver" } as const;

/** A monitoring.coreos.com/v1 PodMonitor, as plain JSON. */
export interface PodMonitor {
    readonly apiVersion: "monitoring.coreos.com/v1";
    readonly kind: "PodMonitor";
    readonly metadata: { readonly name: string; readonly namespace: string; readonly labels: Record<string, string> };
    readonly spec: {
        readonly selector: { readonly matchLabels: Record<string, string> };
        readonly namespaceSelector: { readonly matchNames: readonly string[] };
        readonly podMetricsEndpoints: readonly {
            readonly port: string;
            readonly path: string;
            readonly interval: string;
            readonly relabelings: readonly RelabelConfig[];
            readonly metricRelabelings: readonly RelabelConfig[];
        }[];
    };
}

/** Inputs of the Spark monitors. */
export interface SparkMonitorInput {
    /** Every job namespace (spark.jobNamespaces): submitted drivers run there. */
    readonly jobNamespaces: readonly string[];
    /**
     * Labels the Prometheus selects monitors by: kube-prometheus-stack selects only `release: <its
     * release>` unless prometheus.prometheusSpec.podMonitorSelectorNilUsesHelmValues is false.
     */
    readonly labels?: Readonly<Record<string, string>>;
    /** Scrape interval; 30s by default. */
    readonly interval?: string;
}

/** Target labels every Spark series gets: its job, and the node the pod runs on (namespace and pod come from the operator). */
function targetRelabelings(job: string, extra: readonly RelabelConfig[]): RelabelConfig[] {
    return [
        { targetLabel: "job", replacement: job },
        { sourceLabels: ["__meta_kubernetes_pod_node_name"], targetLabel: "node" },
        ...extra,
    ];
}

function endpoints(port: string, interval: string, relabelings: readonly RelabelConfig[]): PodMonitor["spec"]["podMetricsEndpoints"] {
    return [
        { port, path: prometheusServletPath, interval, relabelings, metricRelabelings: sparkDriverMetricRelabelings },
        { port, path: executorsPrometheusPath, interval, relabelings, metricRelabelings: sparkExecutorMetricRelabelings },
    ];
}

const metadata = (name: string, input: SparkMonitorInput) => ({
    name,
    namespace: namespaces.monitoring,
    labels: { "app.kubernetes.io/part-of": "spark-k8s", ...input.labels },
});

/**
 * The Spark Connect servers (pods with connectServerLabel in the jobs namespace): both endpoints
 * on the container port named "ui" (components/spark/connect.ts), each series labelled with its
 * server (spark_connect_server, the server's app.kubernetes.io/name).
 */
export function connectPodMonitor(input: SparkMonitorInput): PodMonitor {
    const relabelings = targetRelabelings(sparkJobs.connect, [
        { sourceLabels: ["__meta_kubernetes_pod_label_app_kubernetes_io_name"], targetLabel: "spark_connect_server" },
    ]);
    return {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PodMonitor",
        metadata: metadata(sparkJobs.connect, input),
        spec: {
            selector: { matchLabels: { ...connectServerLabel } },
            namespaceSelector: { matchNames: [namespaces.jobs] },
            podMetricsEndpoints: endpoints("ui", input.interval ?? "30s", relabelings),
        },
    };
}

/**
 * Drivers that spark-submit creates in the job namespaces (Airflow's spark-submit, the Spark
 * Operator's SparkApplications): pods labelled spark-role=driver, scraped on their spark-ui port,
 * each series labelled with the application id of its pod (spark_app_id).
 */
export function submittedDriverPodMonitor(input: SparkMonitorInput): PodMonitor {
    const relabelings = targetRelabelings(sparkJobs.driver, [
        { sourceLabels: ["__meta_kubernetes_pod_label_spark_app_selector"], targetLabel: "spark_app_id" },
    ]);
    return {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PodMonitor",
        metadata: metadata(sparkJobs.driver, input),
        spec: {
            selector: { matchLabels: { [sparkDriverPodLabels.role]: sparkDriverPodLabels.driverRole } },
            namespaceSelector: { matchNames: [...new Set(input.jobNamespaces)].sort() },
            podMetricsEndpoints: endpoints(submittedDriverUiPort, input.interval ?? "30s", relabelings),
        },
    };
}

/** Every PodMonitor that scrapes Spark. */
export function sparkPodMonitors(input: SparkMonitorInput): PodMonitor[] {
    if (input.jobNamespaces.length === 0) throw new Error("sparkPodMonitors: no job namespace to scrape drivers in");
    return [connectPodMonitor(input), submittedDriverPodMonitor(input)];
}
