import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { bucketPlans } from "../components/aws/dataLake";
import { kubernetesReleases } from "../components/config/kubernetesReleases";
import { postNodeAddons, preNodeAddons } from "../components/aws/eksCluster";
import { gpuTaint } from "../components/config/nodeRoles";
import { ConfigError, decodeConfigValues, PlatformConfig, platformId, resolveConfig } from "../components/config";
import { loadStackConfig, mockGeneratedValue, repoRoot, secretMask, secretSig, StackRun } from "../tools/harness";
import { planCommand } from "../tools/plan";
import { formatSummary, planTypes, summarizePlan, toPlanJson } from "../tools/planSummary";
import { stackRun } from "./support";

/** The validated config of a stack as the program sees it, computed without running it. */
function stackConfig(stack: string, dir = repoRoot): PlatformConfig {
    const file = loadStackConfig(stack, dir);
    const prefix = `${file.project}:`;
    const own = Object.fromEntries(
        Object.entries(file.values)
            .filter(([k]) => k.startsWith(prefix))
            .map(([k, v]) => [k.slice(prefix.length), v]),
    );
    return resolveConfig(decodeConfigValues(own), { stack, project: file.project, region: file.values["aws:region"] });
}

function tempDir(): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), "spark-k8s-plan-"));
}

/** The command as users run it: the package's own plan script. */
function planCli(args: string[]) {
    return spawnSync("npm", ["run", "--silent", "plan", "--", ...args], {
        cwd: repoRoot,
        encoding: "utf8",
        timeout: 25000,
    });
}

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
            assert.deepEqual(connect?.images, [config.spark.images.spark35]);
            assert.match(formatSummary(summarizePlan(dev)), /spark-jobs\/spark-connect-41 +Deployment +1 +\S+spark-runtime:4\.1\.4-/);
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

    describe("toPlanJson", () => {
        it("has exactly the documented shape (docs/operations.md, Offline plan), with parents and providers that resolve inside the plan", () => {
            const plan = toPlanJson(dev);
            const parsed = JSON.parse(JSON.stringify(plan)) as Record<string, unknown>;
            assert.deepEqual(parsed, plan, "survives a JSON round trip unchanged");
            assert.deepEqual(Object.keys(parsed), ["stack", "project", "resources"]);
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

    describe("npm run plan", () => {
        it("rejects unknown flags and a missing --stack with usage (exit 2); --policy runs the policy pack (test/policies.pack.test.ts)", async () => {
            for (const args of [["--stack", "dev", "--bogus"], [], ["--stack", "dev", "extra"]]) {
                const result = await planCommand(args);
                assert.equal(result.code, 2, args.join(" "));
                assert.match(result.stderr, /usage: npm run plan -- --stack <name>/);
                assert.equal(result.stdout, "");
            }
            const help = await planCommand(["--help"]);
            assert.match(help.stdout, /--policy +also run the policy rules/);
        });

        it("names a missing stack file and exits 1", async () => {
            const result = await planCommand(["--stack", "nosuchstack"]);
            assert.equal(result.code, 1);
            assert.match(result.stderr, /Pulumi\.nosuchstack\.yaml/);
            assert.equal(result.stdout, "");
        });

        it("end to end: prints the summary, writes the plan JSON and exits 0", () => {
            const file = path.join(tempDir(), "plan.json");
            const result = planCli(["--stack", "dev", "--json", file]);
            assert.equal(result.status, 0, result.stderr);
            for (const g of summarizePlan(dev).nodeGroups) assert.ok(result.stdout.includes(g.name), g.name);
            assert.match(result.stdout, /Node groups \(4\)/);
            assert.deepEqual(JSON.parse(fs.readFileSync(file, "utf8")), toPlanJson(dev));
        });

        it("bad config: prints only the ConfigError message on stderr and exits 1", () => {
            const dir = tempDir();
            fs.copyFileSync(path.join(repoRoot, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
            fs.writeFileSync(
                path.join(dir, "Pulumi.dev.yaml"),
                "config:\n  aws:region: eu-west-1\n  spark-k8s:nodeGroups:\n    executor:\n      minSize: 5\n      maxSize: 2\n  spark-k8s:storag: {}\n",
            );
            let expected: ConfigError | undefined;
            try {
                stackConfig("dev", dir);
            } catch (err) {
                if (err instanceof ConfigError) expected = err;
            }
            assert.ok(expected, "the broken stack file is invalid config");
            assert.ok(expected.problems.some((p) => p.path === "nodeGroups.executor.minSize"));
            const result = planCli(["--stack", "dev", "--dir", dir]);
            assert.equal(result.status, 1);
            assert.equal(result.stderr, `${expected.message}\n`);
            assert.equal(result.stdout, "");
        });

        it("plans a stack whose GitHub client secret was set with pulumi config set --secret --path, and masks it", () => {
            const dir = tempDir();
            fs.copyFileSync(path.join(repoRoot, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
            fs.writeFileSync(
                path.join(dir, "Pulumi.dev.yaml"),
                [
                    "config:",
                    "  aws:region: eu-west-1",
                    "  spark-k8s:cluster:",
                    "    publicAccessCidrs: [203.0.113.0/24]",
                    "  spark-k8s:services:",
                    "    jupyterhub:",
                    "      authenticator: github",
                    "      github:",
                    "        clientId: Ov23liFAKECLIENTID",
                    "        callbackUrl: https://hub.example.com/hub/oauth_callback",
                    "        clientSecret:",
                    "          secure: v1:AAAAAAAAAAAAAAAA:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB",
                    "",
                ].join("\n"),
            );
            const json = path.join(dir, "plan.json");
            const result = planCli(["--stack", "dev", "--dir", dir, "--json", json]);
            assert.equal(result.status, 0, result.stderr);
            assert.ok(!`${result.stdout}${result.stderr}`.includes("set with pulumi config set"), result.stderr);
            const plan = fs.readFileSync(json, "utf8");
            assert.ok(!plan.includes("AAAAAAAAAAAAAAAA") && !plan.includes("offline-stand-in"), "neither the ciphertext nor the stand-in reaches the plan");
            const oauth = (JSON.parse(plan) as { resources: { type: string; inputs: { metadata?: { name?: string }; stringData?: unknown } }[] }).resources.find(
                (r) => r.type === "kubernetes:core/v1:Secret" && r.inputs.metadata?.name === "jupyterhub-github-oauth",
            );
            assert.equal(oauth?.inputs.stringData, secretMask);
        });
    });
});
