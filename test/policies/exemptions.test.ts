import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { ResourceValidationPolicy } from "@pulumi/policy";
import { namespaces } from "../../components/config/names";
import { policyConfig, toPolicy } from "../../policies/config";
import { exemptions } from "../../policies/exemptions";
import { exemptionsInPrivilegedNamespaces } from "../../policies/kubernetes/namespaces";
import { podSecurityRules } from "../../policies/kubernetes/podSecurity";
import { environments } from "../../policies/lib/rule";
import { allRules } from "../../policies/rules";
import { chartRelease, renderedResources } from "../../tools/charts";
import { planTypes } from "../../tools/planSummary";
import { RecordedResource, repoRoot, runStack, StackRun, unwrapSecrets } from "../../tools/harness";
import { checkPlan, PolicyExemption } from "../../tools/policyCheck";
import { resourceArgs, violations } from "../support/policyArgs";

const fixture = fs.readFileSync(path.join(repoRoot, "test/fixtures/charts/nvidia-device-plugin-0.18.2.yaml"), "utf8");

/** The gpu stack's plan with the device plugin chart replaced by what it renders (the fixture), as a preview registers it. */
function withRenderedDevicePlugin(run: StackRun): RecordedResource[] {
    const chart = run.resources.find((r) => r.type === planTypes.helmChart && (r.inputs as { chart?: string }).chart === "nvidia-device-plugin");
    assert.ok(chart, "the gpu stack installs the device plugin chart");
    const rendered = renderedResources(fixture, chart, chartRelease(chart)).map((r) => ({ ...r, dependencies: [] }));
    return [...run.resources, ...rendered].map((r) => ({ ...r, inputs: unwrapSecrets(r.inputs) as Record<string, unknown> }));
}

describe("policies/exemptions", function () {
    this.timeout(120000);
    let gpu: StackRun;
    before(async () => {
        gpu = await runStack("prod", { config: { spark: { presets: ["gpu"] } } });
    });

    it("each declaration names known rules, a reason, and a privileged namespace when it waives a Pod Security rule", () => {
        const names = new Set(allRules.map((r) => r.name));
        const hostAccess = new Set(podSecurityRules.map((r) => r.name));
        for (const e of exemptions) {
            for (const rule of e.rules) assert.ok(names.has(rule), `${e.name}: unknown rule ${rule}`);
            assert.ok(e.reason.length > 40, `${e.name}: say why`);
            const waived = allRules.filter((r) => e.rules.includes(r.name));
            // Waivers outside a privileged namespace are for advisory rules only.
            if (!e.rules.some((r) => hostAccess.has(r))) for (const r of waived) assert.deepEqual(Object.values(r.defaultEnforcement), ["advisory", "advisory", "advisory", "advisory"], `${e.name}: ${r.name}`);
            else assert.ok(([namespaces.gpu, namespaces.nodeExporter] as string[]).includes(e.namespace), `${e.name}: host access only in the device plugin's and node-exporter's namespaces`);
        }
    });

    it("reach the policy config of every environment: each waived rule lists its workloads, the namespace rule lists them all", () => {
        for (const env of environments) {
            const config = policyConfig(env) as Record<string, Record<string, unknown>>;
            assert.equal((config["exemptions-in-privileged-namespaces"].exemptions as unknown[]).length, exemptions.length);
            const listed = (rule: string) => (config[rule].exemptions as { name: string }[] | undefined)?.map((e) => e.name) ?? [];
            assert.deepEqual(listed("no-privileged-containers"), ["nvidia-device-plugin-mps-control-daemon"]);
            assert.deepEqual(listed("no-host-path-volumes").sort(), ["monitoring-prometheus-node-exporter", "nvidia-device-plugin", "nvidia-device-plugin-mps-control-daemon"]);
            assert.deepEqual(listed("no-host-namespaces"), ["monitoring-prometheus-node-exporter"], "the device plugin has hostPID off; only node-exporter shares the host namespaces");
            assert.deepEqual(listed("images-pinned"), []);
        }
        const committed = JSON.parse(fs.readFileSync(path.join(repoRoot, "policies/config/prod.json"), "utf8")) as unknown;
        assert.deepEqual(committed, JSON.parse(JSON.stringify(policyConfig("prod"))), "policies/config/prod.json is regenerated (npm run policy:config)");
    });

    it("the pack's rules skip an exempted workload and check every other one", async () => {
        const rule = toPolicy(allRules.find((r) => r.name === "run-as-non-root")!) as ResourceValidationPolicy;
        const config = policyConfig("prod")["run-as-non-root"];
        const ds = (name: string) => ({ type: "kubernetes:apps/v1:DaemonSet", name, props: { metadata: { name, namespace: namespaces.gpu }, spec: { template: { spec: { containers: [{ name: "c", image: "x:1.0.0" }] } } } } });
        const run = async (name: string) => {
            const found: string[] = [];
            for (const validate of [rule.validateResource].flat()) await validate?.(resourceArgs(ds(name), config), (m: string) => found.push(m));
            return found;
        };
        assert.deepEqual(await run("nvidia-device-plugin"), []);
        assert.equal((await run("some-other-agent")).length, 1, "the same rule still binds a workload nobody exempted");
    });

    for (const env of environments) {
        it(`${env}: the device plugin as the chart renders it passes the pack with its exemptions, and fails it without them`, async () => {
            const resources = withRenderedDevicePlugin(gpu);
            const exempt: PolicyExemption[] = [];
            const found = await checkPlan(resources, env, {}, undefined, exempt);
            assert.deepEqual(found.filter((v) => v.enforcement === "mandatory").map((v) => `${v.policy} ${v.name}: ${v.message}`), []);
            assert.deepEqual(found.filter((v) => v.name.startsWith("nvidia-device-plugin:")).map((v) => `${v.policy} ${v.name}`), [], "no advisory finding left either");
            // Every declaration of the device plugin is used: none is stale.
            const used = new Set(exempt.map((e) => `${e.policy} ${e.name.split("/").pop()}`));
            for (const e of exemptions.filter((x) => x.namespace === namespaces.gpu)) for (const r of e.rules) assert.ok(used.has(`${r} ${e.name}`), `${r} ${e.name} is declared but waives nothing`);
            const withoutExemptions = Object.fromEntries(allRules.map((r) => [r.name, { exemptions: [] }]));
            const unexempted = await checkPlan(resources, env, withoutExemptions);
            assert.ok(unexempted.filter((v) => v.enforcement === "mandatory").length >= 10, "the rendered chart breaks mandatory rules without the exemptions");
        });
    }

    it("exemptions-in-privileged-namespaces fails an exemption whose namespace is not privileged with a reason", async () => {
        const config = policyConfig("prod")["exemptions-in-privileged-namespaces"];
        const namespace = (labels: Record<string, string>, annotations: Record<string, string> = {}) => ({ type: "kubernetes:core/v1:Namespace", name: "ns-gpu", props: { metadata: { name: namespaces.gpu, labels, annotations } } });
        const enforce = "pod-security.kubernetes.io/enforce";
        const reason = { "spark-k8s/pod-security-exemption": "the device plugin needs the kubelet socket" };
        assert.deepEqual(await violations(exemptionsInPrivilegedNamespaces, [namespace({ [enforce]: "privileged" }, reason)], config), []);
        assert.match((await violations(exemptionsInPrivilegedNamespaces, [namespace({ [enforce]: "restricted" }, reason)], config)).join(), /enforces restricted, not privileged/);
        assert.match((await violations(exemptionsInPrivilegedNamespaces, [namespace({ [enforce]: "privileged" })], config)).join(), /has no spark-k8s\/pod-security-exemption annotation/);
        const plugin = { type: "kubernetes:apps/v1:DaemonSet", name: "plugin", props: { metadata: { name: "nvidia-device-plugin", namespace: namespaces.gpu } } };
        assert.match((await violations(exemptionsInPrivilegedNamespaces, [plugin], config)).join(), /which this stack does not create/);
        assert.deepEqual(await violations(exemptionsInPrivilegedNamespaces, [], config), [], "no exempted workload, nothing to check");
        // Advisory waivers (probes) need no privileged namespace: the Airflow namespace stays restricted.
        const gpuRun = withRenderedDevicePlugin(gpu).map((r) => ({ type: r.type, name: r.name, urn: r.urn, props: r.inputs }));
        assert.deepEqual(await violations(exemptionsInPrivilegedNamespaces, gpuRun, config), [], "the program's own gpu stack");
    });
});
