/**
 * The monitoring stack: kube-prometheus-stack (the Prometheus Operator, Prometheus, Alertmanager,
 * Grafana, kube-state-metrics and node-exporter) from its official chart, and the platform's own
 * monitoring objects: PodMonitors and ServiceMonitors for every component that serves metrics, the
 * platform's PrometheusRule, and dashboards the Grafana sidecar provisions from ConfigMaps.
 *
 * Chart pin (charts.kubePrometheusStack): 81.4.5, whose Chart.yaml names the Prometheus Operator
 * v0.88.0, kube-state-metrics chart 7.1.0, prometheus-node-exporter chart 4.51.0 and grafana chart
 * 10.5.12. The chart repository is not a Go module, so the integration suite cannot render it; the
 * values keys below were checked against the chart's values.yaml of the Prometheus 3.5 line (the
 * newest one readable here) and the grafana chart's values (admin.existingSecret, userKey,
 * passwordKey): crds.enabled, defaultRules.rules.*, kubeEtcd/kubeControllerManager/kubeScheduler/
 * kubeProxy.enabled, windowsMonitoring.enabled, alertmanager.alertmanagerSpec.{replicas,
 * nodeSelector,resources,storage}, alertmanager.podDisruptionBudget, prometheus.prometheusSpec.{
 * image.{registry,repository,tag},replicas,retention,storageSpec,resources,nodeSelector,*SelectorNilUsesHelmValues},
 * prometheus.podDisruptionBudget, prometheusOperator.{nodeSelector,resources,admissionWebhooks.
 * patch.nodeSelector}, grafana.{admin,sidecar.dashboards,sidecar.datasources.uid,
 * additionalDataSources,nodeSelector,resources,testFramework}, kube-state-metrics.{nodeSelector,
 * resources,metricLabelsAllowlist}, prometheus-node-exporter.{namespaceOverride,resources}.
 * Priorities, every pod the chart renders on the platform class: prometheusOperator.priorityClassName
 * and prometheusOperator.admissionWebhooks.patch.priorityClassName (the chart's README key table),
 * prometheus.prometheusSpec.priorityClassName and alertmanager.alertmanagerSpec.priorityClassName
 * (passed to the Prometheus and Alertmanager resources' spec.priorityClassName), and the top-level
 * priorityClassName of the grafana, kube-state-metrics and prometheus-node-exporter subcharts.
 *
 * EKS runs etcd, the scheduler and the controller manager out of reach, and kube-proxy binds its
 * metrics to localhost: their scrapers and the default rules about them are off, or they would
 * alert forever.
 *
 * node-exporter reads the host (hostNetwork, hostPID, hostPath of /, /proc and /sys), so it runs in
 * a namespace of its own that enforces the privileged level with a recorded reason, and the policy
 * pack's exemptions name its DaemonSet; everything else stays in the restricted monitoring namespace.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { priorityClassName } from "../kubernetes/priorities";
import { namespaces } from "../config/names";
import { chartResources, pinnedChart, systemNodeSelector } from "./charts";
import { CredentialDelivery, deliverSecret, field, writeSecrets } from "./secretDelivery";
import type { DashboardConfigMap } from "../observability/dashboards";
import { kubeStateNodeLabels } from "../observability/metrics";

/**
 * The Prometheus release the stack runs, pinned in the values: 3.9.1, the newest in the
 * compatibility matrix of the chart's Prometheus Operator v0.88.0 (pkg/operator/defaults.go) and
 * the one it deploys by default. The integration suite builds promtool of this release.
 */
export const prometheusVersion = "3.9.1";

/**
 * The Prometheus Operator release kube-prometheus-stack 81.4.5 deploys (its Chart.yaml appVersion),
 * whose CRDs the chart installs; the integration suite validates every monitoring.coreos.com object
 * the program writes against the CRDs of this release.
 */
export const prometheusOperatorVersion = "v0.88.0";

/** Size of each Alertmanager replica's volume (silences and notification state), in GiB. */
export const alertmanagerStorageGiB = 1;

/** The Helm release of kube-prometheus-stack. */
export const monitoringRelease = { name: "monitoring", namespace: namespaces.monitoring } as const;

/**
 * node-exporter's DaemonSet: the prometheus-node-exporter subchart's fullname, "<release>-<chart>"
 * (its templates/_helpers.tpl), in its own namespace.
 */
export const nodeExporterDaemonSet = { name: `${monitoringRelease.name}-prometheus-node-exporter`, namespace: namespaces.nodeExporter } as const;

/** Why node-exporter's namespace enforces the privileged Pod Security level, recorded on it. */
export const nodeExporterExemption =
    "node-exporter reports the node's own CPU, memory, disk and network: it shares the host's network and PID namespaces and mounts the host's " +
    "root, /proc and /sys read-only (hostPath). It runs as a non-root user, drops every capability and cannot escalate.";

/** The Secret holding Grafana's administrator, from the generated grafanaAdmin credential. */
export const grafanaAdminSecretName = "grafana-admin";

/** Grafana's Service: the grafana subchart's fullname, "<release>-grafana", on port 80. */
export const monitoringGrafanaService = `${monitoringRelease.name}-grafana`;

/** The uid of the Prometheus datasource the chart provisions in Grafana; dashboards refer to it. */
export const prometheusDatasourceUid = "prometheus";

/** The ConfigMap label and value the chart's Grafana sidecar provisions dashboards from. */
export const grafanaDashboardLabel = { grafana_dashboard: "1" } as const;

/** Inputs of monitoringValues: sizes from services.observability and where things run. */
export interface MonitoringValuesArgs {
    /** Prometheus and Alertmanager replicas; with 2 or more, each gets a PodDisruptionBudget. */
    readonly replicas: number;
    /** Days Prometheus keeps samples. */
    readonly retentionDays: number;
    /** Volume of each Prometheus replica, in GiB. */
    readonly storageGiB: number;
    /** StorageClass of the volumes; the cluster's default when undefined. */
    readonly storageClassName?: string;
    /** Whether the platform made node groups (AWS tiers): servers then run on the system nodes. */
    readonly nodeGroups: boolean;
    /** Tempo's query URL, for a Grafana datasource; none without tracing. */
    readonly tempoUrl?: string;
}

/** The uid of the Tempo datasource in Grafana. */
export const tempoDatasourceUid = "tempo";

/** kube-prometheus-stack's values: pure, so tests check them directly. */
export function monitoringValues(a: MonitoringValuesArgs): Record<string, unknown> {
    if (!Number.isInteger(a.replicas) || a.replicas < 1) throw new Error(`monitoringValues: replicas must be a positive integer, got ${a.replicas}`);
    const nodeSelector = systemNodeSelector(a.nodeGroups);
    const placed = nodeSelector ? { nodeSelector } : {};
    const ha = a.replicas >= 2;
    const priority = { priorityClassName: priorityClassName("platform") };
    const volume = (gib: number) => ({
        volumeClaimTemplate: {
            spec: {
                ...(a.storageClassName ? { storageClassName: a.storageClassName } : {}),
                accessModes: ["ReadWriteOnce"],
                resources: { requests: { storage: `${gib}Gi` } },
            },
        },
    });
    return {
        crds: { enabled: true },
        defaultRules: {
            create: true,
            rules: { etcd: false, kubeControllerManager: false, kubeSchedulerAlerting: false, kubeSchedulerRecording: false, kubeProxy: false, windows: false },
        },
        kubeEtcd: { enabled: false },
        kubeControllerManager: { enabled: false },
        kubeScheduler: { enabled: false },
        kubeProxy: { enabled: false },
        windowsMonitoring: { enabled: false },
        prometheusOperator: {
            ...placed,
            resources: chartResources("100m", "128Mi", "256Mi"),
            ...priority,
            admissionWebhooks: { patch: { ...placed, ...priority } },
        },
        prometheus: {
            prometheusSpec: {
                image: { registry: "quay.io", repository: "prometheus/prometheus", tag: `v${prometheusVersion}` },
                replicas: a.replicas,
                retention: `${a.retentionDays}d`,
                storageSpec: volume(a.storageGiB),
                resources: chartResources("250m", "1Gi", "2Gi"),
                ...placed,
                ...priority,
                // Select every PodMonitor, ServiceMonitor, PrometheusRule and Probe, not only the release's own.
                podMonitorSelectorNilUsesHelmValues: false,
                serviceMonitorSelectorNilUsesHelmValues: false,
                ruleSelectorNilUsesHelmValues: false,
                probeSelectorNilUsesHelmValues: false,
            },
            podDisruptionBudget: { enabled: ha, minAvailable: 1 },
        },
        alertmanager: {
            alertmanagerSpec: {
                replicas: a.replicas,
                resources: chartResources("50m", "64Mi", "128Mi"),
                storage: volume(alertmanagerStorageGiB),
                ...placed,
                ...priority,
            },
            podDisruptionBudget: { enabled: ha, minAvailable: 1 },
        },
        grafana: {
            admin: { existingSecret: grafanaAdminSecretName, userKey: "username", passwordKey: "password" },
            resources: chartResources("100m", "256Mi", "512Mi"),
            ...placed,
            ...priority,
            // The chart's test pod runs only with `helm test` and would not pass the pack's bar.
            testFramework: { enabled: false },
            sidecar: {
                dashboards: { enabled: true, label: Object.keys(grafanaDashboardLabel)[0], labelValue: Object.values(grafanaDashboardLabel)[0] },
                datasources: { uid: prometheusDatasourceUid },
            },
            additionalDataSources: a.tempoUrl ? [{ name: "Tempo", uid: tempoDatasourceUid, type: "tempo", access: "proxy", url: a.tempoUrl, editable: false }] : [],
        },
        "kube-state-metrics": {
            resources: chartResources("50m", "128Mi", "256Mi"),
            ...placed,
            ...priority,
            // kube_node_labels carries the node role and capacity type (nodes per group on the platform dashboard).
            metricLabelsAllowlist: [`nodes=[${kubeStateNodeLabels.join(",")}]`],
        },
        "prometheus-node-exporter": {
            namespaceOverride: nodeExporterDaemonSet.namespace,
            resources: chartResources("20m", "32Mi", "64Mi"),
            ...priority,
        },
    };
}

/** A Prometheus Operator object the program writes (PodMonitor, ServiceMonitor, PrometheusRule), as plain JSON. */
export interface MonitoringObject {
    readonly apiVersion: "monitoring.coreos.com/v1";
    readonly kind: "PodMonitor" | "ServiceMonitor" | "PrometheusRule";
    readonly metadata: { readonly name: string; readonly namespace: string; readonly labels?: Record<string, string> };
    readonly spec: Record<string, unknown>;
}

/** A PrometheusRule in the monitoring namespace holding the given rule groups. */
export function prometheusRule(name: string, spec: { readonly groups: readonly unknown[] }): MonitoringObject {
    return {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PrometheusRule",
        metadata: { name, namespace: monitoringRelease.namespace, labels: { "app.kubernetes.io/part-of": "spark-k8s" } },
        spec: { groups: [...spec.groups] },
    };
}

/** Inputs of Monitoring: the chart values' inputs and the platform's own monitoring objects. */
export interface MonitoringArgs extends MonitoringValuesArgs {
    /** Grafana's administrator as { username, password } (credentials.grafanaAdmin), a Pulumi secret. */
    readonly grafanaAdmin: pulumi.Output<Record<string, string>>;
    /** How the admin Secret is delivered (secretDelivery); default: Pulumi writes it with `grafanaAdmin`. */
    readonly delivery?: CredentialDelivery;
    /** PodMonitors, ServiceMonitors and PrometheusRules, created once the chart has installed their CRDs. */
    readonly objects: readonly MonitoringObject[];
    /** The ConfigMaps the Grafana sidecar provisions dashboards from (observability/dashboards.ts). */
    readonly dashboards: readonly DashboardConfigMap[];
    /** Wait for these first: the monitoring namespaces. */
    readonly dependsOn?: pulumi.Resource[];
}

/** kube-prometheus-stack in the monitoring namespace, with the platform's monitors, rules and dashboards. */
export class Monitoring extends pulumi.ComponentResource {
    /** The chart; objects that need its CRDs depend on it. */
    readonly chart: k8s.helm.v4.Chart;

    constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("spark-k8s:services:Monitoring", name, {}, opts);
        const ns = monitoringRelease.namespace;
        const admin = deliverSecret(`${name}-grafana-admin`, {
            name: grafanaAdminSecretName,
            namespace: ns,
            data: { username: [field("grafanaAdmin", "username")], password: [field("grafanaAdmin", "password")] },
        }, args.delivery ?? writeSecrets({ grafanaAdmin: args.grafanaAdmin }), { parent: this, dependsOn: args.dependsOn });
        this.chart = pinnedChart(name, "kubePrometheusStack", { ...monitoringRelease, values: monitoringValues(args) }, { parent: this, dependsOn: [...(admin.resource ? [admin.resource] : []), ...(args.dependsOn ?? [])] });
        for (const o of args.objects) {
            new k8s.apiextensions.CustomResource(`${name}-${o.kind.toLowerCase()}-${o.metadata.name}`, { ...o, metadata: { ...o.metadata } }, { parent: this, dependsOn: [this.chart] });
        }
        for (const d of args.dashboards) {
            new k8s.core.v1.ConfigMap(`${name}-${d.name}`, { metadata: { name: d.name, namespace: d.namespace, labels: { ...d.labels } }, data: { ...d.data } }, { parent: this, dependsOn: args.dependsOn });
        }
        this.registerOutputs({});
    }
}
