/**
 * The pinned charts as a preview registers them: real Helm renders each chart that can be had here
 * (from its project's Go module, at the pinned version) with the release and values the program
 * passes, and the policy pack runs over the rendered objects with the rest of the plan. Mandatory
 * rules pass with only the declared exemptions; the device plugin's rendering is the unit tests'
 * fixture and must not drift from it.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import { chartLocation, ChartName, charts } from "../../components/services/charts";
import { chartRelease, helmTemplate, renderedResources, renderPlanCharts } from "../../tools/charts";
import { planTypes } from "../../tools/planSummary";
import { PlanResource, repoRoot, runStack, RunOptions, stackConfig, unwrapSecrets } from "../../tools/harness";
import { checkPlan, PolicyExemption } from "../../tools/policyCheck";
import { Environment } from "../../policies/lib/rule";
import { chartModules, ensureHelm, pinnedChartDir } from "../support/helm";
import { podSpecsOf } from "../../policies/lib/podSpecs";
import { priorityClassType } from "../../policies/kubernetes/priorities";
import { pdbTypes } from "../../policies/kubernetes/disruption";
import { systemPriorityClassNames } from "../../components/kubernetes/priorities";

const gpu: RunOptions = { config: { spark: { presets: ["gpu"] } } };
/** The stack with Karpenter provisioning its executor and GPU nodes (the cluster area is replaced whole). */
const karpenter = (stack: Environment): RunOptions => ({ config: { cluster: { ...stackConfig(stack).cluster, nodeProvisioner: "karpenter" } } });
const cases: { chart: ChartName; stack: Environment; options: RunOptions; with?: string }[] = [
    { chart: "nvidiaDevicePlugin", stack: "dev", options: gpu, with: "the gpu preset" },
    { chart: "nvidiaDevicePlugin", stack: "prod", options: gpu, with: "the gpu preset" },
    { chart: "sparkOperator", stack: "dev", options: {} },
    { chart: "sparkOperator", stack: "prod", options: gpu, with: "the gpu preset" },
    { chart: "karpenter", stack: "dev", options: karpenter("dev"), with: "Karpenter" },
    { chart: "karpenter", stack: "prod", options: karpenter("prod"), with: "Karpenter" },
    { chart: "externalSecrets", stack: "dev", options: {} },
    { chart: "externalSecrets", stack: "prod", options: {} },
];
const fixture = path.join(repoRoot, "test/fixtures/charts/nvidia-device-plugin-0.18.2.yaml");
const objects = (manifest: string) => parseAllDocuments(manifest).map((d) => d.toJS() as unknown).filter((o) => o !== null);

/**
 * What the chart values promise, read off Helm's output: every pod the chart renders names a
 * PriorityClass of the stack or a system one, and every Deployment or StatefulSet of more than one
 * replica has a rendered PodDisruptionBudget selecting its pods.
 */
function assertPrioritiesAndBudgets(stack: readonly PlanResource[], rendered: readonly PlanResource[], what: string): void {
    const defined = new Set([...systemPriorityClassNames, ...[...stack, ...rendered].filter((r) => r.type === priorityClassType).map((r) => (r.inputs as { metadata: { name: string } }).metadata.name)]);
    let pods = 0;
    for (const r of rendered) {
        for (const found of podSpecsOf(r.type, r.inputs)) {
            pods++;
            const name = found.spec.priorityClassName;
            assert.ok(typeof name === "string" && defined.has(name), `${what}: ${r.name} ${found.path} names priorityClassName ${String(name)}, not one of ${[...defined].join(", ")}`);
        }
    }
    assert.ok(pods > 0, `${what}: the chart renders pods`);
    const pdbs = rendered.filter((r) => pdbTypes.includes(r.type));
    for (const w of rendered.filter((r) => r.type === "kubernetes:apps/v1:Deployment" || r.type === "kubernetes:apps/v1:StatefulSet")) {
        const spec = (w.inputs as { spec: { replicas?: number; template: { metadata?: { labels?: Record<string, string> } } } }).spec;
        if ((spec.replicas ?? 1) <= 1) continue;
        const labels = spec.template.metadata?.labels ?? {};
        const selecting = pdbs.filter((p) => Object.entries((p.inputs as { spec: { selector: { matchLabels: Record<string, string> } } }).spec.selector.matchLabels).every(([k, v]) => labels[k] === v));
        assert.equal(selecting.length, 1, `${what}: ${w.name} runs ${spec.replicas} replicas and needs one PodDisruptionBudget selecting its pods`);
    }
}

describe("charts rendered by Helm, checked by the policy pack", function () {
    this.timeout(40 * 60 * 1000);
    let helm: string;
    before(function () {
        helm = ensureHelm();
    });

    for (const c of cases) {
        it(`${c.stack}${c.with ? ` with ${c.with}` : ""}: ${charts[c.chart].chart} ${charts[c.chart].version} passes with only declared exemptions`, async function () {
            const run = await runStack(c.stack, c.options);
            const chart = run.resources.find((r) => r.type === planTypes.helmChart && (r.inputs as { chart?: string }).chart === chartLocation(charts[c.chart]).chart);
            assert.ok(chart, `the ${c.stack} stack installs ${charts[c.chart].chart}`);
            const release = chartRelease({ ...chart, inputs: unwrapSecrets(chart.inputs) as Record<string, unknown> });
            const manifest = helmTemplate(helm, pinnedChartDir(c.chart), release);
            if (c.chart === "nvidiaDevicePlugin") {
                assert.deepEqual(objects(manifest), objects(fs.readFileSync(fixture, "utf8")), `${path.relative(repoRoot, fixture)} is stale; the chart renders:\n${manifest}`);
            }
            const rendered = renderedResources(manifest, chart, release);
            assert.ok(rendered.length > 0, "the chart renders objects");
            const exempt: PolicyExemption[] = [];
            const all = [...run.resources, ...rendered].map((r) => ({ ...r, inputs: unwrapSecrets(r.inputs) as Record<string, unknown> }));
            const found = await checkPlan(all, c.stack, {}, undefined, exempt);
            assert.deepEqual(found.filter((v) => v.enforcement === "mandatory").map((v) => `${v.policy} ${v.name}: ${v.message}`), []);
            const onChart = new Set(rendered.map((r) => r.urn));
            assert.deepEqual(found.filter((v) => onChart.has(v.urn)).map((v) => `${v.policy} ${v.name}: ${v.message}`), [], "no finding on the chart's objects, advisory included");
            for (const e of exempt) assert.ok(onChart.has(e.urn), `exempt ${e.policy} ${e.name} is not an object of the chart`);
            assertPrioritiesAndBudgets(run.resources, rendered, `${c.stack} ${c.chart}`);
            if (c.stack === "prod" && (c.chart === "sparkOperator" || c.chart === "externalSecrets")) {
                // services.highAvailability: the controller and the webhook run twice, each with its budget.
                const replicated = rendered.filter((r) => r.type === "kubernetes:apps/v1:Deployment" && ((r.inputs as { spec: { replicas?: number } }).spec.replicas ?? 1) >= 2);
                assert.equal(replicated.length, 2, `prod ${c.chart}: ${rendered.filter((r) => r.type === "kubernetes:apps/v1:Deployment").map((r) => r.name).join(", ")}`);
            }
        });
    }
});

describe("npm run plan -- --policy --charts: rendering with Helm", function () {
    this.timeout(40 * 60 * 1000);
    let helm: string;
    before(function () {
        helm = ensureHelm();
    });

    it("renders a chart of the plan with its release and values, and reports the charts it could not find", function () {
        const tiny: PlanResource = {
            urn: "urn:pulumi:test::spark-k8s::kubernetes:helm.sh/v4:Chart::tiny",
            type: planTypes.helmChart,
            name: "tiny",
            parent: null,
            custom: false,
            provider: null,
            inputs: { chart: "tiny", version: "0.1.0", name: "demo", namespace: "apps", values: { image: "registry.example/tiny:2.0.0", probes: false } },
        };
        const absent: PlanResource = { ...tiny, urn: `${tiny.urn}-absent`, name: "absent", inputs: { ...tiny.inputs, chart: "absent" } };
        const out = renderPlanCharts([tiny, absent], path.join(repoRoot, "test/fixtures/charts"), helm);
        assert.deepEqual(out.rendered, ["tiny@0.1.0"]);
        assert.match(out.missing.join(), /^absent@0\.1\.0 \(no absent-0\.1\.0\.tgz/);
        assert.equal(out.resources.length, 1);
        const [deployment] = out.resources;
        assert.equal(deployment.type, "kubernetes:apps/v1:Deployment");
        assert.equal(deployment.parent, tiny.urn);
        const inputs = deployment.inputs as { metadata: { name: string; namespace: string }; spec: { template: { spec: { containers: Record<string, unknown>[] } } } };
        assert.deepEqual(inputs.metadata, { name: "demo-web", namespace: "apps" }, "release name and namespace as the Chart passes them");
        assert.equal(inputs.spec.template.spec.containers[0].image, "registry.example/tiny:2.0.0", "the values the Chart passes");
        assert.equal(inputs.spec.template.spec.containers[0].readinessProbe, undefined);
    });

    it("plans the prod stack with the gpu preset, checks the rendered charts it has, and prints the exemptions", function () {
        const work = fs.mkdtempSync(path.join(os.tmpdir(), "spark-k8s-charts-plan-"));
        const chartsDir = path.join(work, "charts");
        for (const name of Object.keys(chartModules) as ChartName[]) fs.cpSync(pinnedChartDir(name), path.join(chartsDir, `${charts[name].chart}-${charts[name].version}`), { recursive: true });
        const stackDir = path.join(work, "stack");
        fs.mkdirSync(stackDir);
        fs.copyFileSync(path.join(repoRoot, "Pulumi.yaml"), path.join(stackDir, "Pulumi.yaml"));
        fs.writeFileSync(path.join(stackDir, "Pulumi.prod.yaml"), `${fs.readFileSync(path.join(repoRoot, "Pulumi.prod.yaml"), "utf8")}  spark-k8s:spark:\n    presets: [gpu]\n`);
        const run = spawnSync("npm", ["run", "--silent", "plan", "--", "--stack", "prod", "--dir", stackDir, "--policy", "--charts", chartsDir], { cwd: repoRoot, encoding: "utf8", env: { ...process.env, HELM: helm }, timeout: 300000 });
        assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
        assert.match(run.stdout, /Charts rendered from .*: external-secrets@1\.3\.2, nvidia-device-plugin@0\.18\.2, spark-operator@2\.4\.0 \(\d+ objects\)/);
        assert.match(run.stdout, /Charts not rendered:\n {2}cluster-autoscaler@9\.50\.1 /);
        assert.match(run.stdout, /Policy check \(prod defaults\): 0 violations, 0 mandatory/);
        assert.match(run.stdout, /exempt no-privileged-containers: nvidia-device-plugin:nvidia-device-plugin\/nvidia-device-plugin-mps-control-daemon \(NVIDIA device plugin 0\.18\.2\)/);
        fs.rmSync(work, { recursive: true, force: true });
    });

    it("plans the dev stack with Karpenter and renders its OCI chart from the charts directory by its last path segment", function () {
        const work = fs.mkdtempSync(path.join(os.tmpdir(), "spark-k8s-charts-karpenter-"));
        const chartsDir = path.join(work, "charts");
        fs.cpSync(pinnedChartDir("karpenter"), path.join(chartsDir, `${charts.karpenter.chart}-${charts.karpenter.version}`), { recursive: true });
        const stackDir = path.join(work, "stack");
        fs.mkdirSync(stackDir);
        fs.copyFileSync(path.join(repoRoot, "Pulumi.yaml"), path.join(stackDir, "Pulumi.yaml"));
        // Pulumi.dev.yaml ends with its cluster area; the key joins it.
        fs.writeFileSync(path.join(stackDir, "Pulumi.dev.yaml"), `${fs.readFileSync(path.join(repoRoot, "Pulumi.dev.yaml"), "utf8").trimEnd()}\n    nodeProvisioner: karpenter\n`);
        const run = spawnSync("npm", ["run", "--silent", "plan", "--", "--stack", "dev", "--dir", stackDir, "--policy", "--charts", chartsDir], { cwd: repoRoot, encoding: "utf8", env: { ...process.env, HELM: helm }, timeout: 300000 });
        assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
        assert.match(run.stdout, /Karpenter NodePools \(2\)/);
        assert.match(run.stdout, /Charts rendered from .*: karpenter@1\.13\.0 \(\d+ objects\)/);
        assert.match(run.stdout, /Policy check \(dev defaults\): \d+ violations?, 0 mandatory/);
        fs.rmSync(work, { recursive: true, force: true });
    });
});
