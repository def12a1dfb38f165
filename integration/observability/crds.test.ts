/**
 * Every Prometheus Operator object the program writes (PodMonitors, the PrometheusRule), taken from
 * real stack runs, validated against the CRDs of the Prometheus Operator release the pinned
 * kube-prometheus-stack deploys, read from that release's Go module.
 */
import { strict as assert } from "assert";
import * as path from "path";
import { prometheusOperatorVersion } from "../../components/services/monitoring";
import { stackArtefacts } from "../support/artefacts";
import { crdProblems, CrdValidators, groupObjects } from "../support/crds";
import { goModuleDir } from "../support/helm";
import { unwrapSecrets } from "../../tools/harness";

const group = "monitoring.coreos.com";

describe(`Prometheus Operator objects against the ${prometheusOperatorVersion} CRDs`, function () {
    this.timeout(20 * 60 * 1000);
    let crds: CrdValidators;
    before(function () {
        const module = goModuleDir("github.com/prometheus-operator/prometheus-operator", prometheusOperatorVersion);
        crds = new CrdValidators(path.join(module, "example/prometheus-operator-crd"));
    });

    for (const stack of ["dev", "staging", "prod"] as const) {
        it(`${stack}: every ${group} object fits its CRD`, async function () {
            const run = await stackArtefacts(stack);
            const objects = groupObjects(run, group);
            const kinds = [...new Set(objects.map((o) => o.kind))].sort();
            assert.deepEqual(kinds, ["PodMonitor", "PrometheusRule"], `${stack} writes PodMonitors and a PrometheusRule`);
            const found = crdProblems(crds, objects);
            assert.deepEqual(found, [], found.join("\n"));
        });
    }

    it("would catch a misspelt field, a wrong type and a bad enum", async function () {
        const run = await stackArtefacts("dev");
        const [monitor] = run.resources.filter((r) => r.type === `kubernetes:${group}/v1:PodMonitor`).map((r) => unwrapSecrets(r.inputs) as { spec: { podMetricsEndpoints: Record<string, unknown>[] } });
        const [endpoint] = monitor.spec.podMetricsEndpoints;
        const bad = (e: Record<string, unknown>) => crds.problems({ ...monitor, spec: { ...monitor.spec, podMetricsEndpoints: [e] } });
        assert.deepEqual(bad({ ...endpoint, metricRelabelling: [] }), ["/spec/podMetricsEndpoints/0/metricRelabelling: unknown field (the API server prunes it)"]);
        assert.ok(bad({ ...endpoint, honorLabels: "yes" }).some((p) => p.startsWith("/spec/podMetricsEndpoints/0/honorLabels: must be boolean")));
        assert.ok(bad({ ...endpoint, interval: "30 seconds" }).some((p) => p.startsWith("/spec/podMetricsEndpoints/0/interval: must match pattern")));
        assert.ok(bad({ ...endpoint, scheme: "ftp" }).some((p) => p.startsWith("/spec/podMetricsEndpoints/0/scheme: must be equal to one of the allowed values")));
        const [rule] = run.resources.filter((r) => r.type === `kubernetes:${group}/v1:PrometheusRule`).map((r) => unwrapSecrets(r.inputs) as { spec: { groups: { rules: Record<string, unknown>[] }[] } });
        const [first, ...rest] = rule.spec.groups;
        const withoutExpr = Object.fromEntries(Object.entries(first.rules[0]).filter(([k]) => k !== "expr"));
        const problems = crds.problems({ ...rule, spec: { groups: [{ ...first, rules: [{ ...withoutExpr, alert: 3 }] }, ...rest] } });
        assert.ok(problems.some((p) => p.includes("must have required property 'expr'")), problems.join("\n"));
        assert.ok(problems.some((p) => p.startsWith("/spec/groups/0/rules/0/alert: must be string")), problems.join("\n"));
    });
});
