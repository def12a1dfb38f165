/**
 * The Spark Operator's PodMonitor against the pinned spark-operator chart as real Helm renders it
 * with the program's values: the selector must match the controller's pods (and no other) in the
 * release's namespace, on a port the controller declares.
 */
import { strict as assert } from "assert";
import { parseAllDocuments } from "yaml";
import { platformMonitors } from "../../components/observability/platformMonitors";
import { chartLocation, charts } from "../../components/services/charts";
import { chartRelease, helmTemplate } from "../../tools/charts";
import { planTypes } from "../../tools/planSummary";
import { unwrapSecrets } from "../../tools/harness";
import { stackArtefacts } from "../support/artefacts";
import { ensureHelm, pinnedChartDir } from "../support/helm";

type Workload = { kind: string; metadata: { name: string; namespace?: string }; spec: { template: { metadata: { labels?: Record<string, string> }; spec: { containers: { ports?: { name?: string }[] }[] } } } };

describe("the Spark Operator's PodMonitor against its rendered chart", function () {
    this.timeout(40 * 60 * 1000);

    it(`selects the controller pods of spark-operator ${charts.sparkOperator.version}, on their metrics port`, async function () {
        const helm = ensureHelm();
        const run = await stackArtefacts("dev");
        const chart = run.resources.find((r) => r.type === planTypes.helmChart && (r.inputs as { chart?: string }).chart === chartLocation(charts.sparkOperator).chart);
        assert.ok(chart, "dev installs the Spark Operator");
        const release = chartRelease({ ...chart, inputs: unwrapSecrets(chart.inputs) as Record<string, unknown> });
        const rendered = parseAllDocuments(helmTemplate(helm, pinnedChartDir("sparkOperator"), release)).map((d) => d.toJS() as Workload | null).filter((o): o is Workload => o !== null);
        const workloads = rendered.filter((o) => ["Deployment", "StatefulSet", "DaemonSet"].includes(o.kind));
        assert.ok(workloads.length >= 2, `the chart renders the controller and the webhook: ${workloads.map((w) => w.metadata.name).join(", ")}`);

        const [monitor] = platformMonitors({ sparkOperator: true, airflow: false, minio: false });
        const { matchLabels } = monitor.spec.selector as { matchLabels: Record<string, string> };
        const namespaces = (monitor.spec.namespaceSelector as { matchNames: string[] }).matchNames;
        assert.deepEqual(namespaces, [release.namespace], "the release's namespace");
        const selected = workloads.filter((w) => Object.entries(matchLabels).every(([k, v]) => w.spec.template.metadata.labels?.[k] === v));
        assert.deepEqual(selected.map((w) => w.metadata.name), [`${release.name}-controller`], "the controller alone");
        const port = (monitor.spec.podMetricsEndpoints as { port: string }[])[0].port;
        const ports = selected[0].spec.template.spec.containers.flatMap((c) => c.ports ?? []).map((p) => p.name);
        assert.ok(ports.includes(port), `the controller declares port ${port}: ${ports.join(", ")}`);
    });
});
