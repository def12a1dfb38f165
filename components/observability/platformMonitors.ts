/**
 * PodMonitors for the platform's services that serve Prometheus metrics themselves (Spark's own
 * endpoints are in ./sparkMonitors): the Spark Operator's controller, Airflow's StatsD exporter and
 * MinIO. The Hive Metastore, the in-cluster PostgreSQL and RDS serve none; kube-state-metrics
 * watches their pods instead (docs/observability.md).
 */
import { namespaces, serviceEndpoints } from "../config/names";
import { airflowRelease } from "../services/airflow";
import { MonitoringObject, monitoringRelease } from "../services/monitoring";
import { sparkOperatorRelease } from "../services/sparkOperator";

/** What the stack runs that serves metrics. */
export interface PlatformMonitorsArgs {
    /** The Spark Operator (release spark-operator) runs. */
    readonly sparkOperator: boolean;
    /** Airflow runs, with its chart's StatsD exporter. */
    readonly airflow: boolean;
    /** MinIO runs, with its metrics open to Prometheus (MINIO_PROMETHEUS_AUTH_TYPE public). */
    readonly minio: boolean;
}

/** Path of MinIO's cluster metrics (MinIO's metrics v2 API). */
export const minioMetricsPath = "/minio/v2/metrics/cluster";

function podMonitor(name: string, namespace: string, matchLabels: Record<string, string>, endpoint: Record<string, unknown>): MonitoringObject {
    return {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PodMonitor",
        metadata: { name, namespace: monitoringRelease.namespace, labels: { "app.kubernetes.io/part-of": "spark-k8s" } },
        spec: {
            namespaceSelector: { matchNames: [namespace] },
            selector: { matchLabels },
            podMetricsEndpoints: [{ interval: "30s", ...endpoint }],
        },
    };
}

export function platformMonitors(a: PlatformMonitorsArgs): MonitoringObject[] {
    return [
        // spark-operator chart 2.4.0: templates/controller/deployment.yaml names the port prometheus.metrics.portName
        // ("metrics", 8080, /metrics); controller/_helpers.tpl gives the pods these selector labels.
        ...(a.sparkOperator
            ? [podMonitor("spark-operator", namespaces.operator, { "app.kubernetes.io/name": "spark-operator", "app.kubernetes.io/instance": sparkOperatorRelease, "app.kubernetes.io/component": "controller" }, { port: "metrics", path: "/metrics" })]
            : []),
        // Airflow chart 1.22.0: templates/statsd/statsd-deployment.yaml labels the exporter tier=airflow,
        // component=statsd, release=<release> and names its port statsd-scrape (9102, /metrics).
        ...(a.airflow ? [podMonitor("airflow-statsd", namespaces.airflow, { tier: "airflow", component: "statsd", release: airflowRelease }, { port: "statsd-scrape", path: "/metrics" })] : []),
        ...(a.minio ? [podMonitor("minio", serviceEndpoints.minio.namespace, { "app.kubernetes.io/name": "minio" }, { port: "api", path: minioMetricsPath })] : []),
    ];
}
