import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { charts } from "../../components/services/charts";
import { chartRelease, chartSource, kubernetesType, pullArguments, pullCharts, renderedResources } from "../../tools/charts";
import { PlanResource } from "../../tools/harness";

const chart: PlanResource = {
    urn: "urn:pulumi:prod::spark-k8s::spark-k8s:SparkPlatform$spark-k8s:services:Gpu$kubernetes:helm.sh/v4:Chart::gpu-plugin",
    type: "kubernetes:helm.sh/v4:Chart",
    name: "gpu-plugin",
    parent: null,
    custom: false,
    provider: "urn:pulumi:prod::spark-k8s::pulumi:providers:kubernetes::k8s",
    inputs: { chart: "gpu", version: "1.0.0", name: "gpu", namespace: "gpu-ns", values: { a: 1 } },
};

describe("tools/charts", () => {
    it("reads the release a Chart resource asks for, and names what is missing", () => {
        assert.deepEqual(chartRelease(chart), { chart: "gpu", version: "1.0.0", name: "gpu", namespace: "gpu-ns", values: { a: 1 } });
        assert.throws(() => chartRelease({ ...chart, inputs: { chart: "gpu", version: "1.0.0" } }), /gpu-plugin: the Chart has no name/);
    });

    it("maps apiVersion and kind to the provider's type token", () => {
        assert.equal(kubernetesType("apps/v1", "DaemonSet"), "kubernetes:apps/v1:DaemonSet");
        assert.equal(kubernetesType("v1", "ConfigMap"), "kubernetes:core/v1:ConfigMap");
        assert.equal(kubernetesType("rbac.authorization.k8s.io/v1", "ClusterRole"), "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole");
    });

    it("turns a rendering into resources under the chart, in the release namespace unless cluster-scoped", () => {
        const manifest = [
            "# Source: gpu/templates/ds.yaml",
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: plugin\n",
            "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: reader\n",
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: conf\n  namespace: elsewhere\n",
            "---\n# an empty document\n",
        ].join("\n");
        const resources = renderedResources(manifest, chart, { namespace: "gpu-ns" });
        assert.deepEqual(resources.map((r) => [r.type, r.name, (r.inputs.metadata as { namespace?: string }).namespace]), [
            ["kubernetes:apps/v1:DaemonSet", "gpu-plugin:gpu-ns/plugin", "gpu-ns"],
            ["kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", "gpu-plugin:reader", undefined],
            ["kubernetes:core/v1:ConfigMap", "gpu-plugin:elsewhere/conf", "elsewhere"],
        ]);
        for (const r of resources) {
            assert.equal(r.parent, chart.urn);
            assert.equal(r.provider, chart.provider);
            assert.ok(r.urn.startsWith("urn:pulumi:prod::spark-k8s::spark-k8s:SparkPlatform$spark-k8s:services:Gpu$kubernetes:helm.sh/v4:Chart$kubernetes:"), r.urn);
        }
    });
});

describe("tools/charts: charts:pull", () => {
    it("asks helm for each pinned chart at its exact version into the directory, and skips what is there", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spark-k8s-pull-"));
        // A stand-in for helm that records its arguments and saves the archive `helm pull` would.
        const helm = path.join(dir, "helm");
        fs.writeFileSync(helm, '#!/bin/sh\necho "$@" >> "$(dirname "$0")/calls"\nwhile [ $# -gt 0 ]; do case "$1" in pull) c=$(basename "$2");; --version) v=$2;; --destination) d=$2;; esac; shift; done\n: > "$d/$c-$v.tgz"\n', { mode: 0o755 });
        const target = path.join(dir, "charts");
        const lines = pullCharts(target, helm);
        assert.equal(lines.length, Object.keys(charts).length);
        const calls = fs.readFileSync(path.join(dir, "calls"), "utf8").trim().split("\n");
        assert.deepEqual(calls, Object.values(charts).map((ref) => pullArguments(ref, target).join(" ")));
        for (const ref of Object.values(charts)) {
            const from = ref.repo.startsWith("oci://") ? `${ref.repo}/${ref.chart}` : `${ref.chart} --repo ${ref.repo}`;
            assert.ok(calls.includes(`pull ${from} --version ${ref.version} --destination ${target}`), from);
        }
        assert.ok(pullCharts(target, helm).every((l) => l.endsWith(`already in ${target}`)), "a second run fetches nothing");
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("finds a chart as the archive helm pull saves or as an unpacked directory", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spark-k8s-charts-"));
        fs.writeFileSync(path.join(dir, "a-1.0.0.tgz"), "");
        fs.mkdirSync(path.join(dir, "b-2.0.0"));
        fs.writeFileSync(path.join(dir, "b-2.0.0", "Chart.yaml"), "name: b\n");
        assert.equal(chartSource(dir, { chart: "a", version: "1.0.0" }), path.join(dir, "a-1.0.0.tgz"));
        assert.equal(chartSource(dir, { chart: "b", version: "2.0.0" }), path.join(dir, "b-2.0.0"));
        assert.equal(chartSource(dir, { chart: "a", version: "1.0.1" }), undefined);
        fs.rmSync(dir, { recursive: true, force: true });
    });
});
