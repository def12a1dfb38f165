import { strict as assert } from "assert";
import { namespaces } from "../../../components/config/names";
import { dashboardConfigMaps, platformDashboards, prometheusDatasource } from "../../../components/observability/dashboards";
import { kubeStateLabel, kubeStateNodeLabels } from "../../../components/observability/metrics";
import { charts } from "../../../components/services/charts";
import {
    grafanaAdminSecretName,
    grafanaDashboardLabel,
    Monitoring,
    monitoringRelease,
    monitoringValues,
    MonitoringValuesArgs,
    nodeExporterDaemonSet,
    prometheusRule,
    prometheusVersion,
    tempoDatasourceUid,
} from "../../../components/services/monitoring";
import * as pulumi from "@pulumi/pulumi";
import { otlpHttpEndpoint } from "../../../components/services/tracing";
import { isSecretValue, StackRun, unwrapSecrets } from "../../../tools/harness";
import { assertOneChart, at, build, hardeningProblems, Obj, systemSelector } from "../../support/chartValues";
import { inputs, ofType, stackConfig, stackRun } from "../../support";

const airflowChartValues = (run: StackRun): Obj => {
    const found = ofType(run, "kubernetes:helm.sh/v4:Chart").filter((c) => inputs<{ chart: string }>(c).chart === charts.airflow.chart);
    assert.equal(found.length, 1, `${run.stack} runs Airflow`);
    return unwrapSecrets(inputs(found[0]).values) as Obj;
};

const base: MonitoringValuesArgs = { replicas: 1, retentionDays: 15, storageGiB: 50, nodeGroups: true };

describe("services: monitoring (kube-prometheus-stack)", () => {
    describe("values", () => {
        it("pin Prometheus to the release promtool is built at, with retention, one sized volume per replica and the storage class", () => {
            const v = monitoringValues({ ...base, replicas: 2, retentionDays: 30, storageGiB: 200, storageClassName: "gp3" });
            assert.deepEqual(at(v, "prometheus.prometheusSpec.image"), { registry: "quay.io", repository: "prometheus/prometheus", tag: `v${prometheusVersion}` });
            assert.equal(at(v, "prometheus.prometheusSpec.replicas"), 2);
            assert.equal(at(v, "prometheus.prometheusSpec.retention"), "30d");
            assert.deepEqual(at(v, "prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec"), { storageClassName: "gp3", accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "200Gi" } } });
            assert.equal(at(monitoringValues(base), "prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.storageClassName"), undefined, "the cluster's default class");
        });

        it("give Prometheus and Alertmanager disruption budgets only when they run replicated", () => {
            for (const replicas of [1, 2, 3]) {
                const v = monitoringValues({ ...base, replicas });
                for (const p of ["prometheus", "alertmanager"]) assert.deepEqual(at(v, `${p}.podDisruptionBudget`), { enabled: replicas >= 2, minAvailable: 1 }, `${p} with ${replicas}`);
                assert.equal(at(v, "alertmanager.alertmanagerSpec.replicas"), replicas);
            }
            for (const bad of [0, -1, 1.5]) assert.throws(() => monitoringValues({ ...base, replicas: bad }), /replicas must be a positive integer/);
        });

        it("make Prometheus select the platform's monitors and rules, which are not the release's own", () => {
            const spec = at(monitoringValues(base), "prometheus.prometheusSpec") as Obj;
            for (const k of ["podMonitorSelectorNilUsesHelmValues", "serviceMonitorSelectorNilUsesHelmValues", "ruleSelectorNilUsesHelmValues", "probeSelectorNilUsesHelmValues"]) assert.equal(spec[k], false, k);
        });

        it("turn off the scrapers and default rules of what EKS keeps out of reach", () => {
            const v = monitoringValues(base);
            for (const p of ["kubeEtcd", "kubeControllerManager", "kubeScheduler", "kubeProxy", "windowsMonitoring"]) assert.equal(at(v, `${p}.enabled`), false, p);
            for (const r of ["etcd", "kubeControllerManager", "kubeSchedulerAlerting", "kubeSchedulerRecording", "kubeProxy"]) assert.equal(at(v, `defaultRules.rules.${r}`), false, r);
        });

        it("wire Grafana to the admin Secret, the dashboards' sidecar label and datasource uid, and Tempo only with tracing", () => {
            const v = monitoringValues(base);
            assert.deepEqual(at(v, "grafana.admin"), { existingSecret: grafanaAdminSecretName, userKey: "username", passwordKey: "password" });
            const maps = dashboardConfigMaps(platformDashboards({ idleMonthly: 1 }));
            const { label, labelValue } = at(v, "grafana.sidecar.dashboards") as { label: string; labelValue: string };
            for (const m of maps) assert.equal(m.labels[label], labelValue, `${m.name} carries the label the sidecar watches`);
            assert.equal(at(v, "grafana.sidecar.datasources.uid"), prometheusDatasource.uid);
            assert.deepEqual(at(v, "grafana.additionalDataSources"), []);
            const traced = at(monitoringValues({ ...base, tempoUrl: "http://tempo.monitoring.svc.cluster.local:3100" }), "grafana.additionalDataSources") as Obj[];
            assert.deepEqual(traced.map((d) => [d.type, d.uid, d.url]), [["tempo", tempoDatasourceUid, "http://tempo.monitoring.svc.cluster.local:3100"]]);
        });

        it("publish the node labels the platform dashboard groups nodes by, and move node-exporter to its exempted namespace", () => {
            const v = monitoringValues(base);
            const [allow] = at(v, "kube-state-metrics.metricLabelsAllowlist") as string[];
            const listed = /^nodes=\[(.+)\]$/.exec(allow)![1].split(",");
            assert.deepEqual(listed, [...kubeStateNodeLabels]);
            assert.ok(listed.map(kubeStateLabel).every((l) => l.startsWith("label_")));
            assert.equal(at(v, "prometheus-node-exporter.namespaceOverride"), namespaces.nodeExporter);
            assert.equal(nodeExporterDaemonSet.namespace, namespaces.nodeExporter);
        });

        it("place the servers on the system nodes when node groups exist, and request and limit what they use", () => {
            const placed = monitoringValues(base);
            for (const p of ["prometheusOperator", "prometheusOperator.admissionWebhooks.patch", "prometheus.prometheusSpec", "alertmanager.alertmanagerSpec", "grafana", "kube-state-metrics"]) {
                assert.deepEqual(at(placed, `${p}.nodeSelector`), systemSelector, p);
            }
            assert.equal(at(placed, "prometheus-node-exporter.nodeSelector"), undefined, "node-exporter runs on every node");
            assert.equal(JSON.stringify(monitoringValues({ ...base, nodeGroups: false })).includes("nodeSelector"), false);
            // A volume claim's resources are storage requests, not a container's.
            assert.deepEqual(hardeningProblems(placed).filter((p) => !p.includes(".volumeClaimTemplate.")), []);
        });
    });

    describe("the component", () => {
        it("stores Grafana's admin as a secret with the keys the chart reads, and creates each monitoring object after the chart", async () => {
            const rule = prometheusRule("r", { groups: [{ name: "g", rules: [] }] });
            const { resources } = await build(() => new Monitoring("m", {
                ...base,
                grafanaAdmin: pulumi.secret<Record<string, string>>({ username: "admin", password: "s3cret-value" }),
                objects: [rule],
                dashboards: dashboardConfigMaps(platformDashboards({ idleMonthly: 1 })),
            }));
            const values = assertOneChart(resources, charts.kubePrometheusStack, monitoringRelease.namespace);
            const secret = ofType({ resources } as never, "kubernetes:core/v1:Secret");
            assert.equal(secret.length, 1);
            assert.deepEqual(inputs<{ metadata: Obj }>(secret[0]).metadata, { name: grafanaAdminSecretName, namespace: monitoringRelease.namespace });
            const data = inputs<{ stringData: unknown }>(secret[0]).stringData;
            assert.ok(isSecretValue(data), "the admin is a Pulumi secret");
            assert.deepEqual(Object.keys(data.value as Obj).sort(), [at(values, "grafana.admin.passwordKey"), at(values, "grafana.admin.userKey")].sort());
            const chart = resources.find((r) => r.type === "kubernetes:helm.sh/v4:Chart")!;
            const cr = resources.filter((r) => r.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule");
            assert.equal(cr.length, 1);
            assert.ok(cr[0].dependencies.includes(chart.urn), "created once the chart installed the CRDs");
            assert.ok(chart.dependencies.includes(secret[0].urn), "the Secret exists before Grafana starts");
            const maps = ofType({ resources } as never, "kubernetes:core/v1:ConfigMap");
            assert.equal(maps.length, platformDashboards({ idleMonthly: 1 }).length);
            for (const m of maps) for (const [k, v] of Object.entries(grafanaDashboardLabel)) assert.equal(inputs<{ metadata: { labels: Obj } }>(m).metadata.labels[k], v);
        });
    });

    describe("per stack", function () {
        this.timeout(120000);
        it("runs on every AWS tier with the tier's sizes and not on local, where it is off by default", async () => {
            for (const [stack, replicas] of [["dev", 1], ["staging", 1], ["prod", 2]] as const) {
                const run = await stackRun(stack);
                const chart = ofType(run, "kubernetes:helm.sh/v4:Chart").filter((c) => inputs<{ chart: string }>(c).chart === charts.kubePrometheusStack.chart);
                assert.equal(chart.length, 1, stack);
                assert.equal(at(inputs(chart[0]).values, "prometheus.prometheusSpec.replicas"), replicas, stack);
                assert.ok(ofType(run, "kubernetes:monitoring.coreos.com/v1:PrometheusRule").length === 1, `${stack}: the platform's rules`);
                // Airflow's metrics and traces reach what runs: its exporter is scraped, its traces go to the collector.
                const airflow = airflowChartValues(run);
                assert.equal(at(airflow, "statsd.enabled"), true, stack);
                const monitors = ofType(run, "kubernetes:monitoring.coreos.com/v1:PodMonitor").map((m) => inputs<{ metadata: { name: string } }>(m).metadata.name);
                assert.ok(monitors.includes("airflow-statsd"), `${stack}: ${monitors.join(", ")}`);
                const otlp = (airflow.env as { name: string; value: string }[]).find((e) => e.name === "OTEL_EXPORTER_OTLP_ENDPOINT")?.value;
                assert.equal(otlp, stackConfig(stack).services.observability.tracing.enabled ? otlpHttpEndpoint : undefined, stack);
            }
            const local = await stackRun("local");
            assert.deepEqual(local.resources.filter((r) => r.type.startsWith("kubernetes:monitoring.coreos.com/") || inputs<{ chart?: string }>(r).chart === charts.kubePrometheusStack.chart), []);
        });
    });
});
