/**
 * The cluster-scoped rights docs/security.md lists for the charts that can be rendered here: Helm
 * renders each at its pinned version with the release and values the program passes, and the
 * ClusterRoles it renders, and whether a ClusterRoleBinding binds each, must be the doc's rows
 * marked "rendered" for that chart.
 */
import { strict as assert } from "assert";
import { parseAllDocuments } from "yaml";
import { chartLocation, ChartName, charts } from "../../components/services/charts";
import { chartRelease, helmTemplate } from "../../tools/charts";
import * as fs from "fs";
import { documentedChartClusterRoles, markedTable, securityDoc } from "../../tools/clusterRights";
import { planTypes } from "../../tools/planSummary";
import { runStack, RunOptions, stackConfig, unwrapSecrets } from "../../tools/harness";
import { chartModules, ensureHelm, pinnedChartDir } from "../support/helm";

interface Rbac {
    kind: string;
    metadata: { name: string };
    roleRef?: { kind: string; name: string };
}

/** Each chart with a stack that installs it; both tiers that differ in values are covered by prod and dev. */
const cases: { chart: ChartName; stack: string; options: RunOptions }[] = [
    { chart: "nvidiaDevicePlugin", stack: "prod", options: { config: { spark: { presets: ["gpu"] } } } },
    { chart: "sparkOperator", stack: "dev", options: {} },
    { chart: "sparkOperator", stack: "prod", options: {} },
    { chart: "karpenter", stack: "prod", options: { config: { cluster: { ...stackConfig("prod").cluster, nodeProvisioner: "karpenter" } } } },
    { chart: "externalSecrets", stack: "dev", options: {} },
    { chart: "externalSecrets", stack: "prod", options: {} },
];

describe("cluster-scoped rights of the rendered charts, as docs/security.md lists them", function () {
    this.timeout(40 * 60 * 1000);
    let helm: string;
    before(function () {
        helm = ensureHelm();
    });

    it("documents every chart that can be rendered here as rendered", function () {
        const rows = markedTable(fs.readFileSync(securityDoc, "utf8"), "chart-cluster-rbac");
        const rendered = new Set(rows.filter((r) => r[4] === "rendered").map((r) => r[0].split(" ")[0]));
        assert.deepEqual([...rendered].sort(), Object.keys(chartModules).map((k) => charts[k as ChartName].chart).sort());
    });

    for (const c of cases) {
        it(`${c.stack}: ${charts[c.chart].chart} ${charts[c.chart].version} renders exactly the documented ClusterRoles and bindings`, async function () {
            const run = await runStack(c.stack, c.options);
            const chart = run.resources.find((r) => r.type === planTypes.helmChart && (r.inputs as { chart?: string }).chart === chartLocation(charts[c.chart]).chart);
            assert.ok(chart, `the ${c.stack} stack installs ${charts[c.chart].chart}`);
            const release = chartRelease({ ...chart, inputs: unwrapSecrets(chart.inputs) as Record<string, unknown> });
            const objects = parseAllDocuments(helmTemplate(helm, pinnedChartDir(c.chart), release))
                .map((d) => d.toJS() as Rbac | null)
                .filter((o): o is Rbac => o !== null && typeof o === "object");
            const bound = new Set(objects.filter((o) => o.kind === "ClusterRoleBinding" && o.roleRef?.kind === "ClusterRole").map((o) => o.roleRef!.name));
            const actual = objects
                .filter((o) => o.kind === "ClusterRole")
                .map((o) => `${o.metadata.name} ${bound.has(o.metadata.name) ? "bound" : "unbound"}`)
                .sort();
            const documented = documentedChartClusterRoles()
                .filter((r) => r.chart === charts[c.chart].chart)
                .map((r) => {
                    assert.equal(r.version, charts[c.chart].version, `docs/security.md names ${r.chart} ${r.version}; the pinned version is ${charts[c.chart].version}`);
                    return `${r.name} ${r.bound ? "bound" : "unbound"}`;
                })
                .sort();
            assert.deepEqual(actual, documented);
        });
    }
});
