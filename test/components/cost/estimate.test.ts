import { strict as assert } from "assert";
import { resolveConfig } from "../../../components/config";
import { PlatformConfig, scenarios } from "../../../components/config/schema";
import { tierDefaults } from "../../../components/config/defaults";
import { CostEstimate, costEstimate } from "../../../components/cost/estimate";
import { pinnedPods } from "../../../components/spark/pinnedPods";
import { defaultPrices, ec2Hourly, PriceTable } from "../../../components/cost/prices";
import { instanceShape } from "../../../components/config/instanceTypes";
import { componentPlan } from "../../../components/spark/scenarios";
import { allocatable, nodesFor } from "../../../components/spark/sizing";
import { awsStacks, inputs, ofType, stackConfig, stackRun, stackRunWith } from "../../support";

const cidrs = { cluster: { publicAccessCidrs: ["198.51.100.0/24"] } };
const config = (stack: string, raw: Record<string, unknown> = {}): PlatformConfig =>
    resolveConfig({ ...(stack === "prod" ? {} : cidrs), ...raw }, { stack, project: "spark-k8s", region: "eu-west-1" });
const estimate = (c: PlatformConfig, prices: PriceTable = c.cost.prices) => costEstimate(c, prices);
const line = (e: CostEstimate, item: string) => {
    const found = e.lines.find((l) => l.item === item);
    assert.ok(found, `no line "${item}" in ${e.lines.map((l) => l.item).join(", ")}`);
    return found;
};
const sum = (e: CostEstimate, key: "idleMonthly" | "fullMonthly") => e.lines.reduce((s, l) => s + l[key], 0);

describe("cost estimate", () => {
    it("reproduces the idle costs measured independently before any cost work, within 1 %", () => {
        // The measurement (issue "Cost") priced each stack with node groups at their desired sizes,
        // dev's system and driver groups still on-demand single-type groups, and every price from the
        // public list: $468 (dev), $675 (staging), $1,601 (prod) a month.
        const onDemandDev = { nodeGroups: { system: { instanceTypes: ["m6i.large"], capacityType: "on-demand" }, driver: { instanceTypes: ["m6i.xlarge"], capacityType: "on-demand" } } };
        const measured: [string, Record<string, unknown>, number][] = [["dev", onDemandDev, 468], ["staging", {}, 675], ["prod", {}, 1601]];
        for (const [stack, raw, dollars] of measured) {
            // The measurement predates the monitoring stack (its volumes and Grafana's secret).
            const c = config(stack, { ...raw, services: { observability: { enabled: false } } });
            const e = estimate(c);
            // Back to desired sizes: the estimate adds the driver nodes the Connect servers need.
            const driver = line(e, "node group driver");
            const volumes = line(e, "node group driver volumes");
            const extra = driver.idleQuantity - c.nodeGroups.driver.desiredSize;
            const perNode = (driver.idleMonthly + volumes.idleMonthly) / driver.idleQuantity;
            const atDesired = e.idleMonthly - extra * perNode;
            assert.ok(Math.abs(atDesired - dollars) / dollars < 0.01, `${stack}: $${atDesired.toFixed(2)} at desired sizes, measured $${dollars}`);
        }
    });

    it("dev idles under $300 a month with the full platform, staging under $700", () => {
        const dev = stackConfig("dev");
        assert.deepEqual([...dev.spark.scenarios].sort(), scenarios.filter((s) => !s.includes("standalone")).sort(), "dev runs every Kubernetes scenario");
        assert.ok(dev.spark.versions.length >= 2, "dev runs two Connect servers");
        const e = estimate(dev);
        assert.ok(e.idleMonthly < 300, `dev idles at $${e.idleMonthly}`);
        // The system group's services are not modelled; even if the autoscaler grows it to its maximum, dev stays under.
        const system = line(e, "node group system");
        const volumes = line(e, "node group system volumes");
        const worst = e.idleMonthly + system.fullMonthly - system.idleMonthly + volumes.fullMonthly - volumes.idleMonthly;
        assert.ok(worst < 300, `dev with the system group at maxSize idles at $${worst.toFixed(2)}`);
        const staging = estimate(stackConfig("staging"));
        assert.ok(staging.idleMonthly < 700, `staging idles at $${staging.idleMonthly}`);
    });

    it("the totals are the sums of the lines, and full scale never costs less than idle", () => {
        for (const stack of awsStacks) {
            const e = estimate(stackConfig(stack));
            assert.ok(Math.abs(e.idleMonthly - sum(e, "idleMonthly")) < 0.05, stack);
            assert.ok(Math.abs(e.fullMonthly - sum(e, "fullMonthly")) < 0.05, stack);
            for (const l of e.lines) assert.ok(l.fullMonthly >= l.idleMonthly, `${stack}: ${l.item}`);
            assert.deepEqual(e.warnings, [], stack);
        }
    });

    it("prices node groups from the table: spot at the share of on-demand, idle at what the autoscaler keeps", () => {
        const prod = stackConfig("prod");
        const e = estimate(prod);
        const exec = line(e, "node group executor");
        const mean = prod.nodeGroups.executor.instanceTypes.reduce((s, t) => s + (ec2Hourly(defaultPrices, t, "on-demand") as number), 0) / prod.nodeGroups.executor.instanceTypes.length;
        assert.ok(Math.abs(exec.fullMonthly - prod.nodeGroups.executor.maxSize * mean * defaultPrices.spotShareOfOnDemand * 730) < 0.01);
        assert.equal(exec.idleQuantity, 0, "no executor node at idle");
        const system = line(e, "node group system");
        assert.equal(system.idleQuantity, prod.nodeGroups.system.desiredSize);
        assert.ok(Math.abs(system.idleMonthly - 3 * 0.214 * 730) < 0.01, "m6i.xlarge at $0.214/h");
        const db = line(e, "RDS PostgreSQL instance");
        assert.ok(Math.abs(db.idleMonthly - 2 * defaultPrices.rdsPostgresHourly["db.m6g.large"] * 730) < 0.01, "Multi-AZ bills two instances");
    });

    it("counts the driver nodes the Connect servers keep up, even where the group's minimum is 0", () => {
        const dev = config("dev");
        assert.equal(dev.nodeGroups.driver.minSize, 0);
        const driver = line(estimate(dev), "node group driver");
        assert.equal(driver.idleQuantity, 1);
        assert.match(driver.note ?? "", /spark-connect-3\.5.*spark-connect-4\.1/);
        // Two 2-core servers do not share one m6i.xlarge (about 3.6 cores left for pods); two 1-core ones do.
        const big = line(estimate(config("staging", { spark: { connect: { driverCores: 2, driverMemoryMiB: 8192 } } })), "node group driver");
        assert.equal(big.idleQuantity, 2);
        assert.equal(line(estimate(config("staging")), "node group driver").idleQuantity, 1);
        // Without Connect scenarios the group idles at its minimum.
        const noConnect = line(estimate(config("dev", { spark: { scenarios: ["airflow-operator"] } })), "node group driver");
        assert.equal(noConnect.idleQuantity, 0);
    });

    it("standalone workers keep executor nodes up at idle", () => {
        const c = config("staging", { spark: { scenarios: ["jupyter-connect-standalone"] } });
        const pods = pinnedPods(c.spark, componentPlan({ ...c.spark, tier: c.tier, minioEnabled: false }));
        assert.equal(pods.filter((p) => p.role === "executor").length, c.spark.standalone.workers * c.spark.versions.length);
        assert.ok(line(estimate(c), "node group executor").idleQuantity >= 1);
    });

    it("packs pods first-fit decreasing onto allocatable, and refuses a pod no node can hold", () => {
        const xlarge = instanceShape("m6i.xlarge")!;
        const room = allocatable(xlarge);
        assert.equal(nodesFor([], xlarge), 0);
        assert.equal(nodesFor([{ cpuMillis: 2000, memoryMiB: 8192 }, { cpuMillis: 2000, memoryMiB: 8192 }], xlarge), 2);
        assert.equal(nodesFor(Array.from({ length: 4 }, () => ({ cpuMillis: 500, memoryMiB: 1024 })), xlarge), 1);
        assert.equal(nodesFor([{ cpuMillis: room.cpuMillis, memoryMiB: room.memoryMiB }], xlarge), 1);
        assert.throws(() => nodesFor([{ cpuMillis: room.cpuMillis + 1, memoryMiB: 1 }], xlarge), /does not fit a node/);
    });

    it("charges extended support once the Kubernetes version is past standard support on the prices' day", () => {
        const c = config("dev", { cluster: { ...cidrs.cluster, kubernetesVersion: "1.33" } });
        const standard = line(estimate(c, { ...defaultPrices, recordedOn: "2026-07-29" }), "EKS control plane");
        const extended = line(estimate(c, { ...defaultPrices, recordedOn: "2026-07-30" }), "EKS control plane");
        assert.equal(standard.idleMonthly, 73);
        assert.equal(extended.idleMonthly, 438);
        assert.match(extended.note ?? "", /ended on 2026-07-29/);
    });

    it("warns instead of guessing: another region's prices, an unpriced instance type or database class", () => {
        const us = resolveConfig(cidrs, { stack: "dev", project: "spark-k8s", region: "us-east-1" });
        assert.match(estimate(us).warnings.join("\n"), /prices are for eu-west-1 and the stack runs in us-east-1: set cost\.prices/);
        const noGpuPrice: PriceTable = { ...defaultPrices, ec2InstanceHourly: {} };
        const e = estimate(config("dev"), noGpuPrice);
        assert.match(e.warnings.join("\n"), /no price for g5\.xlarge \(nodeGroups\.gpu\)/);
        assert.equal(e.lines.some((l) => l.item === "node group gpu"), false);
        const noDb: PriceTable = { ...defaultPrices, rdsPostgresHourly: {} };
        assert.match(estimate(config("dev"), noDb).warnings.join("\n"), /no price for RDS instance class db\.t4g\.small/);
    });

    it("takes a stack's price overrides key by key", () => {
        const c = config("dev", { cost: { prices: { ec2FamilyVcpuHourly: { m6i: 0.1 }, natGatewayHourly: 0 } } });
        assert.equal(c.cost.prices.ec2FamilyVcpuHourly.m6a, defaultPrices.ec2FamilyVcpuHourly.m6a, "other families keep their price");
        const e = estimate(c);
        assert.equal(line(e, "NAT gateways").idleMonthly, 0);
        assert.ok(line(e, "node group system").idleMonthly > line(estimate(config("dev")), "node group system").idleMonthly);
    });

    it("the local tier bills nothing", () => {
        const local = resolveConfig({}, { stack: "local", project: "spark-k8s", region: "" });
        const e = estimate(local, tierDefaults("local").cost.prices);
        assert.deepEqual(e.lines, []);
        assert.equal(e.idleMonthly, 0);
    });

    it("prices Karpenter NodePools in place of the executor and GPU groups: empty at idle, maxNodes at full scale", async () => {
        const c = config("prod", { cluster: { nodeProvisioner: "karpenter" } });
        const e = estimate(c);
        assert.equal(e.lines.some((l) => l.item === "node group executor" || l.item === "node group gpu"), false);
        const exec = line(e, "NodePool spark-executor");
        const gpu = line(e, "NodePool spark-gpu");
        assert.deepEqual([exec.idleQuantity, exec.fullQuantity, gpu.idleQuantity, gpu.fullQuantity], [0, c.nodeGroups.executor.maxSize, 0, c.nodeGroups.gpu.maxSize]);
        // Spot executors at the same mean as a managed spot group; the note names the on-demand fallback's price.
        assert.equal(exec.fullMonthly, line(estimate(config("prod")), "node group executor").fullMonthly);
        assert.match(exec.note ?? "", /falls back to on-demand when EC2 has no spot capacity for its types, from \$0\.770\/h/);
        // An on-demand pool is priced at its cheapest type, Karpenter's lowest-price choice.
        const mixedGpu = estimate(config("prod", { cluster: { nodeProvisioner: "karpenter" }, nodeGroups: { gpu: { instanceTypes: ["g5.2xlarge", "g6.2xlarge"] } } }));
        assert.equal(line(mixedGpu, "NodePool spark-gpu").fullMonthly, Math.round(c.nodeGroups.gpu.maxSize * defaultPrices.ec2InstanceHourly["g6.2xlarge"] * 730 * 100) / 100);
        assert.match(e.notCounted.join("\n"), /Karpenter's interruption queue/);
        // The stack's NodePools are the ones priced.
        const run = await stackRunWith("prod", { cluster: { ...stackConfig("prod").cluster, nodeProvisioner: "karpenter" } });
        const pools = ofType(run, "kubernetes:karpenter.sh/v1:NodePool").map((p) => inputs<{ metadata: { name: string } }>(p).metadata.name).sort();
        assert.deepEqual(pools, e.lines.filter((l) => l.item.startsWith("NodePool") && !l.item.endsWith("volumes")).map((l) => l.item.replace("NodePool ", "")).sort());
        assert.deepEqual(run.outputs.costEstimate, e);
    });

    describe("agrees with the resources the program creates", () => {
        for (const stack of awsStacks) {
            it(`${stack}: NAT gateways, addresses, node groups, database, keys and secrets`, async () => {
                const run = await stackRun(stack);
                const e = run.outputs.costEstimate as CostEstimate;
                assert.deepEqual(e, estimate(stackConfig(stack)), "the stack output is the estimate");
                assert.equal(line(e, "NAT gateways").idleQuantity, ofType(run, "aws:ec2/natGateway:NatGateway").length);
                assert.equal(line(e, "NAT public IPv4 addresses").idleQuantity, ofType(run, "aws:ec2/eip:Eip").length);
                assert.equal(line(e, "KMS keys").idleQuantity, ofType(run, "aws:kms/key:Key").length);
                assert.equal(line(e, "Secrets Manager secrets").idleQuantity, ofType(run, "aws:secretsmanager/secret:Secret").length);
                const db = inputs<{ instanceClass: string; multiAz: boolean; allocatedStorage: number }>(ofType(run, "aws:rds/instance:Instance")[0]);
                assert.match(line(e, "RDS PostgreSQL instance").detail, new RegExp(`^${db.instanceClass.replace(/\./g, "\\.")}${db.multiAz ? " Multi-AZ" : ","}`));
                assert.equal(line(e, "RDS storage (gp3)").idleQuantity, db.allocatedStorage);
                for (const group of ofType(run, "aws:eks/nodeGroup:NodeGroup")) {
                    const g = inputs<{ labels: Record<string, string>; capacityType: string; instanceTypes: string[]; scalingConfig: { maxSize: number; minSize: number } }>(group);
                    const role = g.labels["spark-k8s/node-role"];
                    const l = line(e, `node group ${role}`);
                    assert.equal(l.fullQuantity, g.scalingConfig.maxSize, role);
                    assert.ok(l.idleQuantity >= g.scalingConfig.minSize, role);
                    assert.ok(l.detail.includes(g.capacityType === "SPOT" ? "spot" : "on-demand"), `${role}: ${l.detail}`);
                    assert.ok(l.detail.startsWith(g.capacityType === "SPOT" ? g.instanceTypes.join("/") : g.instanceTypes[0]), `${role}: ${l.detail}`);
                }
            });
        }
    });
});
