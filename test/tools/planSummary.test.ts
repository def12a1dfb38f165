import { strict as assert } from "assert";
import { bucketPlans } from "../../components/aws/dataLake";
import { kubernetesReleases } from "../../components/config/kubernetesReleases";
import { postNodeAddons, preNodeAddons } from "../../components/aws/eksCluster";
import { gpuTaint } from "../../components/config/nodeRoles";
import { PlatformConfig, platformId } from "../../components/config";
import { mockGeneratedValue, secretMask, secretSig, StackRun } from "../../tools/harness";
import { formatSummary, planTypes, summarizePlan, toPlanJson, withEngineUrns } from "../../tools/planSummary";
import type { CostEstimate } from "../../components/cost/estimate";
import { stackConfig, stackRun, stackRunWith } from "../support";

describe("offline plan", function () {
    this.timeout(25000);
    let dev: StackRun;
    let config: PlatformConfig;

    before(async () => {
        dev = await stackRun("dev");
        config = stackConfig("dev");
    });

    describe("summarizePlan", () => {
        it("lists every workload the program writes with its namespace, replicas and pinned images", () => {
            const workloads = summarizePlan(dev).workloads;
            const deployments = dev.resources.filter((r) => /apps\/v1:(Deployment|StatefulSet)$/.test(r.type));
            assert.equal(workloads.filter((w) => w.kind === "Deployment" || w.kind === "StatefulSet").length, deployments.length);
            const connect = workloads.find((w) => w.name === "spark-connect-35");
            assert.deepEqual(connect && { namespace: connect.namespace, replicas: connect.replicas }, { namespace: "spark-jobs", replicas: 1 });
            assert.deepEqual(connect?.images, [(dev.outputs.images as Record<string, string>).spark35]);
            assert.match(String(connect?.images[0]), new RegExp(`/${config.spark.images.spark35}@sha256:[0-9a-f]{64}$`));
            assert.match(formatSummary(summarizePlan(dev)), /spark-jobs\/spark-connect-41 +Deployment +1 +\S+spark-runtime:4\.1\.4-/);
        });

        it("prints the stack's cost estimate: a row per line item, the totals, notes, warnings and what is not counted", () => {
            const cost = dev.outputs.costEstimate as CostEstimate;
            const text = formatSummary(summarizePlan(dev));
            assert.match(text, /Cost \(USD a month; eu-west-1 prices of \d{4}-\d{2}-\d{2}\)/);
            for (const l of cost.lines) assert.ok(text.includes(l.item) && text.includes(l.detail), l.item);
            const total = text.split("\n").find((l) => /^ {2}total .*\$/.test(l));
            const usd = (n: number) => `$${n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
            assert.ok(total?.includes(usd(cost.idleMonthly)) && total.includes(usd(cost.fullMonthly)), total);
            assert.match(text, /node group driver: 1 node\(s\) hold spark-connect-3\.5/);
            assert.match(text, /not counted \(depends on use\): S3 storage/);
            // A plan JSON read back carries the same estimate, and one without it prints no cost section.
            assert.deepEqual(summarizePlan(toPlanJson(dev)).cost, cost);
            assert.doesNotMatch(formatSummary(summarizePlan({ ...toPlanJson(dev), cost: undefined })), /^Cost/m);
        });

        it("reports executors as SPOT on the stack's instance types and sizes, and the gpu group's taint", () => {
            const groups = summarizePlan(dev).nodeGroups;
            assert.deepEqual(groups.map((g) => g.role).sort(), ["driver", "executor", "gpu", "system"]);
            const executor = groups.find((g) => g.role === "executor");
            assert.ok(executor);
            assert.equal(executor.capacityType, "SPOT");
            assert.deepEqual(executor.instanceTypes, config.nodeGroups.executor.instanceTypes);
            const { minSize, desiredSize, maxSize } = config.nodeGroups.executor;
            assert.deepEqual([executor.minSize, executor.desiredSize, executor.maxSize], [minSize, desiredSize, maxSize]);
            const gpu = groups.find((g) => g.role === "gpu");
            assert.ok(gpu);
            assert.deepEqual(gpu.taints, [{ key: gpuTaint.key, value: gpuTaint.value, effect: "NO_SCHEDULE" }]);
            assert.deepEqual(gpu.instanceTypes, config.nodeGroups.gpu.instanceTypes);
            assert.notEqual(gpu.amiType, executor.amiType, "GPU nodes boot the NVIDIA AMI");
            assert.deepEqual(groups.find((g) => g.role === "system")?.taints, []);
        });

        it("lists Karpenter NodePools where they replace the executor and GPU groups, and only there", async () => {
            assert.deepEqual(summarizePlan(dev).nodePools, []);
            assert.doesNotMatch(formatSummary(summarizePlan(dev)), /Karpenter NodePools/);
            const karpenter = await stackRunWith("dev", { cluster: { ...config.cluster, nodeProvisioner: "karpenter" } });
            const summary = summarizePlan(karpenter);
            assert.deepEqual(summary.nodeGroups.map((g) => g.role).sort(), ["driver", "system"]);
            assert.deepEqual(summary.nodePools.map((p) => [p.role, p.capacityTypes.join(","), p.cpuLimit]), [
                ["executor", "spot,on-demand", String(config.nodeGroups.executor.maxSize * 8)],
                ["gpu", "on-demand", String(config.nodeGroups.gpu.maxSize * 4)],
            ]);
            assert.deepEqual(summary.nodePools[0].instanceTypes, config.nodeGroups.executor.instanceTypes);
            assert.deepEqual(summary.nodePools[1].taints, [{ key: gpuTaint.key, value: gpuTaint.value, effect: "NoSchedule" }]);
            assert.match(formatSummary(summary), /Karpenter NodePools \(2\)\n.*\n +executor +spark-executor +spot,on-demand +m6i\.2xlarge,m6a\.2xlarge,m5\.2xlarge +80 +spark-k8s\/executor=true:NoSchedule/);
        });

        it("counts every recorded resource once, by type, sorted", () => {
            const summary = summarizePlan(dev);
            assert.equal(summary.total, dev.resources.length);
            assert.equal(summary.counts.reduce((n, c) => n + c.count, 0), dev.resources.length);
            const types = summary.counts.map((c) => c.type);
            assert.deepEqual(types, [...new Set(dev.resources.map((r) => r.type))].sort());
            for (const c of summary.counts) assert.equal(c.count, dev.resources.filter((r) => r.type === c.type).length, c.type);
        });

        it("reports buckets' versioning, lifecycle days, encryption and forceDestroy from their setting resources", () => {
            const expected = bucketPlans(config.storage).map((p) => ({
                name: `${platformId(config)}-${p.slug}`,
                versioned: p.versioned,
                lifecycleRules: p.lifecycleRules.map(({ prefix: _prefix, objectSizeGreaterThan: _size, ...rule }) => rule),
                encryption: ["aws:kms"],
                forceDestroy: config.storage.forceDestroy,
            }));
            const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
            assert.deepEqual([...summarizePlan(dev).buckets].sort(byName), expected.sort(byName));

            const suspended = dev.resources.map((r) =>
                r.type === planTypes.versioning ? { ...r, inputs: { ...r.inputs, versioningConfiguration: { status: "Suspended" } } } : r,
            );
            assert.ok(summarizePlan({ ...dev, resources: suspended }).buckets.every((b) => !b.versioned), "only status Enabled counts as versioned");
        });

        it("reports the Kubernetes and add-on versions of the config, and any Helm chart as chart@version", () => {
            const { versions } = summarizePlan(dev);
            assert.deepEqual(versions.clusters.map((c) => c.kubernetesVersion), [config.cluster.kubernetesVersion]);
            const addonNames = { ...preNodeAddons, ...postNodeAddons };
            const expected = Object.entries(addonNames)
                .map(([key, name]) => ({ name, version: kubernetesReleases[config.cluster.kubernetesVersion].addons[key as keyof typeof addonNames] }))
                .sort((a, b) => a.name.localeCompare(b.name));
            assert.deepEqual(versions.addons, expected);

            const charts = dev.resources.filter((r) => r.type === planTypes.helmChart);
            assert.ok(charts.length > 0, "the dev scenario installs charts");
            assert.deepEqual(
                versions.charts,
                charts.map((r) => ({ name: r.name, chart: r.inputs.chart, version: r.inputs.version })).sort((a, b) => a.name.localeCompare(b.name)),
            );
            const extra = { type: planTypes.helmChart, name: "zz-extra", inputs: { chart: "extra", version: "2.1.1", values: {} } };
            const withChart = summarizePlan({ ...dev, resources: [...dev.resources, extra] });
            assert.deepEqual(withChart.versions.charts.at(-1), { name: "zz-extra", chart: "extra", version: "2.1.1" });
            assert.match(formatSummary(withChart), /extra@2\.1\.1/);
        });

        it("formats every node group, bucket and version into the text", () => {
            const summary = summarizePlan(dev);
            const text = formatSummary(summary);
            assert.match(text, new RegExp(`^\\s*total\\s+${summary.total}$`, "m"));
            for (const g of summary.nodeGroups) {
                const line = text.split("\n").find((l) => l.includes(g.name));
                assert.ok(line, g.name);
                for (const part of [g.role ?? "", g.capacityType ?? "", g.instanceTypes.join(","), `${g.minSize}/${g.desiredSize}/${g.maxSize}`]) assert.ok(line.includes(part), `${g.name}: ${part}`);
            }
            for (const b of summary.buckets) assert.ok(text.includes(b.name), b.name);
            for (const a of summary.versions.addons) assert.ok(text.includes(a.name) && text.includes(a.version ?? "?"), a.name);
        });
    });

    describe("engine URNs", () => {
        it("qualify a child's type with its parent's whole chain, as the engine does, and a plan in that form reads back the same", async () => {
            const plan = toPlanJson(await stackRun("dev"));
            const deployment = plan.resources.find((r) => r.type === "kubernetes:apps/v1:Deployment" && r.name === "spark-connect-35");
            assert.equal(deployment?.urn, "urn:pulumi:dev::spark-k8s::spark-k8s:platform:SparkPlatform$spark-k8s:spark:SparkConnect$kubernetes:apps/v1:Deployment::spark-connect-35");
            assert.deepEqual(withEngineUrns(plan), plan);
        });

        it("brings a plan written with the SDK mock's URNs (the parent's last type only) to the engine's", () => {
            const old = {
                stack: "dev",
                project: "p",
                resources: [
                    { urn: "urn:pulumi:dev::p::a:b:Top::top", type: "a:b:Top", name: "top", parent: null, custom: false, provider: null, inputs: {} },
                    { urn: "urn:pulumi:dev::p::a:b:Top$a:b:Mid::mid", type: "a:b:Mid", name: "mid", parent: "urn:pulumi:dev::p::a:b:Top::top", custom: false, provider: null, inputs: {} },
                    { urn: "urn:pulumi:dev::p::a:b:Mid$x:y:Leaf::leaf", type: "x:y:Leaf", name: "leaf", parent: "urn:pulumi:dev::p::a:b:Top$a:b:Mid::mid", custom: true, provider: null, inputs: {} },
                ],
            };
            const fixed = withEngineUrns(old);
            assert.deepEqual(fixed.resources.map((r) => [r.urn, r.parent]), [
                ["urn:pulumi:dev::p::a:b:Top::top", null],
                ["urn:pulumi:dev::p::a:b:Top$a:b:Mid::mid", "urn:pulumi:dev::p::a:b:Top::top"],
                ["urn:pulumi:dev::p::a:b:Top$a:b:Mid$x:y:Leaf::leaf", "urn:pulumi:dev::p::a:b:Top$a:b:Mid::mid"],
            ]);
        });
    });

    describe("toPlanJson", () => {
        it("has exactly the documented shape (docs/operations.md, Offline plan), with parents and providers that resolve inside the plan", () => {
            const plan = toPlanJson(dev);
            const parsed = JSON.parse(JSON.stringify(plan)) as Record<string, unknown>;
            assert.deepEqual(parsed, plan, "survives a JSON round trip unchanged");
            assert.deepEqual(Object.keys(parsed), ["stack", "project", "resources", "cost"]);
            assert.deepEqual(plan.cost, dev.outputs.costEstimate, "cost is the stack's costEstimate output");
            assert.equal(plan.stack, "dev");
            assert.equal(plan.project, dev.project);
            assert.equal(plan.resources.length, dev.resources.length);
            const urns = new Set(plan.resources.map((r) => r.urn));
            assert.equal(urns.size, plan.resources.length, "URNs are unique");
            for (const r of plan.resources) {
                assert.deepEqual(Object.keys(r), ["urn", "type", "name", "parent", "custom", "provider", "inputs"], r.urn);
                assert.ok(r.urn.startsWith(`urn:pulumi:dev::${dev.project}::`) && r.urn.endsWith(`::${r.name}`), r.urn);
                assert.equal(typeof r.custom, "boolean");
                assert.ok(r.inputs !== null && typeof r.inputs === "object" && !Array.isArray(r.inputs));
                for (const ref of [r.parent, r.provider]) assert.ok(ref === null || urns.has(ref), `${r.urn} -> ${ref}`);
            }
            assert.ok(plan.resources.some((r) => r.parent !== null) && plan.resources.some((r) => r.provider !== null));
        });

        it("shows every secret as [secret] and no generated value in plain text", () => {
            const generated = dev.resources.map((r) => mockGeneratedValue(r.type, r.name)).filter((v): v is string => v !== undefined);
            assert.ok(generated.length > 0);
            const raw = JSON.stringify(dev.resources);
            assert.ok(generated.some((v) => raw.includes(v)), "the recorded inputs carry generated values, so masking matters");
            const text = JSON.stringify(toPlanJson(dev));
            for (const v of generated) assert.ok(!text.includes(v), `generated value of ${v} leaked`);
            assert.ok(!text.includes(secretSig), "no secret wrapper survives");
            assert.ok(text.includes(JSON.stringify(secretMask)));
        });
    });
});
