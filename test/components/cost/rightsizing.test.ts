import { strict as assert } from "assert";
import { emptyNodeGraceSeconds } from "../../../components/config/nodeRoles";
import { instanceShape } from "../../../components/config/instanceTypes";
import { defaultPrices, ec2Hourly } from "../../../components/cost/prices";
import {
    defaultPartitionBytes,
    gp3BaselineBytesPerSecond,
    graySortMbPerSecondPerVcpu,
    OperationClass,
    operationClasses,
    parseDataSize,
    parseDuration,
    parseOperations,
    rightsize,
    RightsizingInput,
    throughput,
} from "../../../components/cost/rightsizing";
import { clusterAutoscalerValues } from "../../../components/services/clusterAutoscaler";
import { allocatable, executorSizingForInstanceTypes, smallestCommonShape } from "../../../components/spark/sizing";

const prodGroup = { instanceTypes: ["m6i.4xlarge", "m6a.4xlarge", "m5.4xlarge", "m7i.4xlarge"], maxSize: 100 };
const devGroup = { instanceTypes: ["m6i.2xlarge", "m6a.2xlarge", "m5.2xlarge"], maxSize: 10 };

const TB = 1e12;
const base: RightsizingInput = { dataBytes: TB, operations: ["join", "aggregate"], targetSeconds: 15 * 60, executorGroup: prodGroup, prices: defaultPrices };
const size = (over: Partial<RightsizingInput> = {}) => rightsize({ ...base, ...over });

/** Throws with a message that names the flag and every pattern given. */
function rejects(fn: () => unknown, flag: string, ...patterns: RegExp[]) {
    assert.throws(fn, (err: Error) => {
        assert.ok(err.message.startsWith(`${flag}: `), `"${err.message}" names ${flag}`);
        for (const p of patterns) assert.match(err.message, p);
        return true;
    });
}

describe("rightsizing: inputs", () => {
    it("reads sizes in decimal and binary units", () => {
        assert.equal(parseDataSize("500GB"), 500e9);
        assert.equal(parseDataSize("1TB"), 1e12);
        assert.equal(parseDataSize("1.5TiB"), 1.5 * 2 ** 40);
        assert.equal(parseDataSize("64 gib"), 64 * 2 ** 30);
        assert.equal(parseDataSize("2PB"), 2e15);
    });

    it("refuses sizes without a number or a known unit, naming the flag and the units allowed", () => {
        rejects(() => parseDataSize("1000"), "--data", /not a size/, /500GB/, /TiB/);
        rejects(() => parseDataSize("TB"), "--data", /not a size/);
        rejects(() => parseDataSize("1 terabyte"), "--data", /unknown unit "terabyte"/, /KB, MB, GB, TB, PB/);
        rejects(() => parseDataSize("-1TB"), "--data", /not a size/);
        rejects(() => parseDataSize("0GB"), "--data", /less than 1 MB/);
        rejects(() => parseDataSize("2EB"), "--data", /unknown unit/);
    });

    it("reads durations in seconds, minutes and hours", () => {
        assert.equal(parseDuration("90s"), 90);
        assert.equal(parseDuration("15m"), 900);
        assert.equal(parseDuration("1h"), 3600);
        assert.equal(parseDuration("1h30m"), 5400);
        assert.equal(parseDuration("1.5h"), 5400);
    });

    it("refuses durations without a unit, out of order, zero or beyond a week, naming the flag", () => {
        rejects(() => parseDuration("15"), "--target", /not a duration/, /90s, 15m, 1h/, /units: s, m, h/);
        rejects(() => parseDuration("15min"), "--target", /not a duration/);
        rejects(() => parseDuration("30m1h"), "--target", /not a duration/);
        rejects(() => parseDuration("0m"), "--target", /not longer than zero/);
        rejects(() => parseDuration("8d"), "--target", /not a duration/);
        rejects(() => parseDuration("200h"), "--target", /longer than a week/);
        rejects(() => parseDuration("x", "--startup"), "--startup", /not a duration/);
    });

    it("reads operation classes and names the unknown ones with the classes allowed", () => {
        assert.deepEqual(parseOperations("join,aggregate"), ["join", "aggregate"]);
        assert.deepEqual(parseOperations(" Join , join ,WRITE"), ["join", "join", "write"]);
        rejects(() => parseOperations("jion,sort,merge"), "--ops", /"jion", "merge"/, new RegExp(operationClasses.join(", ")));
        rejects(() => parseOperations("join,,sort"), "--ops", /empty entry/);
        rejects(() => parseOperations(""), "--ops", /empty entry/);
    });
});

describe("rightsizing: the throughput model", () => {
    it("anchors the sort rate on the GraySort record: 100 TB in 23 min on 6,592 vCPUs ≈ 11 MB/s per vCPU", () => {
        assert.ok(Math.abs(graySortMbPerSecondPerVcpu - 11) < 0.1, String(graySortMbPerSecondPerVcpu));
        assert.equal(throughput.sort.mbPerSecondPerVcpu, 11);
    });

    it("has a positive rate and a basis for every class; exactly the exchanges shuffle, and none is faster than the filter fused into the scan", () => {
        for (const op of operationClasses) {
            const t = throughput[op];
            assert.ok(t.mbPerSecondPerVcpu > 0 && t.basis.length > 10, op);
            assert.ok(t.mbPerSecondPerVcpu <= throughput.filter.mbPerSecondPerVcpu, op);
        }
        assert.deepEqual(operationClasses.filter((o) => throughput[o].shuffles), ["aggregate", "join", "sort", "window"]);
        for (const op of ["aggregate", "join", "sort", "window"] as const) assert.ok(throughput[op].mbPerSecondPerVcpu < throughput.scan.mbPerSecondPerVcpu, `${op} is slower than the read`);
    });

    it("adds one pass per operation, always counting the read once", () => {
        const r = size();
        assert.deepEqual(r.passes.map((p) => p.operation), ["scan", "join", "aggregate"]);
        assert.ok(Math.abs(r.vcpuSeconds - 1e6 * (1 / 40 + 1 / 11 + 1 / 22)) < 1e-6);
        assert.deepEqual(size({ operations: ["scan", "join", "aggregate"] }).passes, r.passes, "an explicit scan is the same read");
        assert.ok(size({ operations: ["join", "join", "aggregate"] }).vcpuSeconds > r.vcpuSeconds, "two joins are two passes");
    });
});

describe("rightsizing: executors and nodes", () => {
    it("asks for executors exactly as the stacks size them, filling every node they land on", () => {
        for (const group of [prodGroup, devGroup]) {
            const r = size({ executorGroup: group, targetSeconds: 3 * 3600 });
            assert.deepEqual(r.executor, executorSizingForInstanceTypes(group.instanceTypes, false));
            const shape = smallestCommonShape(group.instanceTypes.map((t) => instanceShape(t)!));
            const alloc = allocatable(shape);
            const e = r.executor;
            assert.ok(e.executorsPerNode * e.requestCoresMillis <= alloc.cpuMillis && e.executorsPerNode * e.podMemoryMiB <= alloc.memoryMiB, "the executors of one node fit its allocatable");
            assert.ok(alloc.cpuMillis - e.executorsPerNode * e.requestCoresMillis < e.executorsPerNode, "and leave less than a millicore each unused");
            assert.equal(r.executors, r.nodes * e.executorsPerNode, "whole nodes, each filled");
            assert.equal(r.taskSlots, r.executors * e.cores);
        }
    });

    it("finishes within the target when feasible, and one node fewer would not", () => {
        for (const targetSeconds of [600, 900, 1800, 3600]) {
            const r = size({ targetSeconds });
            assert.ok(r.feasible);
            assert.ok(r.durationSeconds <= targetSeconds + 1e-9, `${r.durationSeconds} ≤ ${targetSeconds}`);
            const vcpuOneNodeLess = (r.nodes - 1) * r.executor.executorsPerNode * (r.executor.requestCoresMillis / 1000);
            assert.ok(r.nodes === 1 || r.startupSeconds + r.vcpuSeconds / vcpuOneNodeLess > targetSeconds, "no node to spare");
            assert.equal(r.durationSeconds, r.startupSeconds + r.computeSeconds);
        }
    });

    it("never asks for fewer executors for more data", () => {
        let previous = 0;
        for (const dataBytes of [1e9, 50e9, 200e9, 500e9, 1e12, 2e12, 5e12]) {
            const r = size({ dataBytes, targetSeconds: 3600 });
            assert.ok(r.executors >= previous, `${dataBytes}`);
            previous = r.executors;
        }
        assert.ok(previous > size({ dataBytes: 1e9, targetSeconds: 3600 }).executors);
    });

    it("asks for more executors for a tighter target", () => {
        let previous = Infinity;
        for (const targetSeconds of [600, 900, 1800, 3600, 4 * 3600]) {
            const r = size({ targetSeconds });
            assert.ok(r.executors <= previous, `${targetSeconds}`);
            previous = r.executors;
        }
        assert.ok(size({ targetSeconds: 600 }).executors > size({ targetSeconds: 4 * 3600 }).executors);
    });

    it("reports a target beyond the group's maxSize instead of capping it silently, with the fastest the group can do", () => {
        const r = size({ executorGroup: devGroup });
        assert.equal(r.feasible, false);
        assert.match(r.problem ?? "", /needs \d+ nodes .* allows 10 \(nodeGroups\.executor\.maxSize\)/);
        assert.match(r.problem ?? "", /fastest the group can do is .* on 10 nodes/);
        assert.equal(r.nodes, 10);
        assert.ok(r.durationSeconds > r.targetSeconds);
        const exact = size({ executorGroup: { ...devGroup, maxSize: 1000 } });
        assert.ok(exact.feasible && exact.nodes > 10, "with room, the same job fits");
    });

    it("reports a target that the start-up allowance alone uses up", () => {
        const r = size({ targetSeconds: 120 });
        assert.equal(r.feasible, false);
        assert.match(r.problem ?? "", /not longer than the start-up allowance/);
        assert.ok(size({ targetSeconds: 120, startupSeconds: 0, dataBytes: 1e9 }).feasible);
    });

    it("says when the job needs more executors than the stack's dynamic allocation allows", () => {
        const r = size({ maxExecutors: 20 });
        assert.ok(r.executors > 20);
        assert.match(r.notes.join("\n"), new RegExp(`${r.executors} executors is more than the stack's spark.dynamicAllocation.maxExecutors \\(20\\)`));
        assert.doesNotMatch(size({ maxExecutors: 1000 }).notes.join("\n"), /maxExecutors/);
    });

    it("says when the shuffle files alone would outlast the computing on the nodes' gp3 volumes, and not when nothing shuffles", () => {
        const r = size();
        assert.equal(r.shuffleBytesPerNode, (2 * TB) / r.nodes, "join and aggregate each write the input once");
        assert.ok(r.shuffleBytesPerNode / gp3BaselineBytesPerSecond > r.computeSeconds);
        assert.match(r.notes.join("\n"), /shuffle files: at the gp3 root volume's baseline 125 MiB\/s/);
        const narrow = size({ operations: ["filter", "write"] });
        assert.equal(narrow.shuffleBytesPerNode, 0);
        assert.doesNotMatch(narrow.notes.join("\n"), /gp3/);
    });
});

describe("rightsizing: shuffle partitions", () => {
    it("splits the shuffled data into partitions of about 128 MiB, in whole waves of at least two tasks per slot", () => {
        const r = size();
        const p = r.shufflePartitions!;
        assert.equal(p % r.taskSlots, 0, "whole waves");
        assert.ok(p >= 2 * r.taskSlots);
        assert.ok(TB / p <= defaultPartitionBytes, "no partition above the target size");
        assert.ok(p - r.taskSlots < TB / defaultPartitionBytes, "one wave fewer would overshoot it");
    });

    it("keeps two waves per slot when the data is small, and has none when nothing shuffles", () => {
        const small = size({ dataBytes: 1e9, operations: ["aggregate"] });
        assert.equal(small.shufflePartitions, 2 * small.taskSlots);
        for (const ops of [[], ["filter"], ["filter", "write"]] as OperationClass[][]) {
            assert.equal(size({ operations: ops }).shufflePartitions, undefined, ops.join(","));
        }
    });
});

describe("rightsizing: cost", () => {
    it("prices whole nodes at the dearest type of the group for the billed time, spot at the price table's share", () => {
        const r = size();
        const dearest = Math.max(...prodGroup.instanceTypes.map((t) => ec2Hourly(defaultPrices, t, "on-demand")!));
        assert.equal(r.cost["on-demand"].nodeHourly, dearest);
        assert.equal(r.pricedInstanceType, "m7i.4xlarge");
        assert.equal(r.billedSecondsPerNode, r.durationSeconds + emptyNodeGraceSeconds);
        assert.ok(Math.abs(r.cost["on-demand"].total - (r.nodes * dearest * r.billedSecondsPerNode) / 3600) < 1e-9);
        assert.ok(Math.abs(r.cost.spot.total - r.cost["on-demand"].total * defaultPrices.spotShareOfOnDemand) < 1e-9);
    });

    it("bills the scale-down wait the platform's Cluster Autoscaler is configured with", () => {
        const values = clusterAutoscalerValues({ clusterName: "c", region: "eu-west-1", imageTag: "v1.33.0", serviceAccountName: "sa" });
        const wait = (values.extraArgs as Record<string, unknown>)["scale-down-unneeded-time"];
        assert.equal(wait, `${emptyNodeGraceSeconds / 60}m`);
    });

    it("follows price overrides", () => {
        const prices = { ...defaultPrices, spotShareOfOnDemand: 0.5, ec2FamilyVcpuHourly: { ...defaultPrices.ec2FamilyVcpuHourly, m7i: 0.1 } };
        const r = size({ prices });
        assert.equal(r.cost["on-demand"].nodeHourly, 1.6);
        assert.ok(Math.abs(r.cost.spot.total / r.cost["on-demand"].total - 0.5) < 1e-12);
    });

    it("refuses a group with a type the price table does not know", () => {
        const prices = { ...defaultPrices, ec2FamilyVcpuHourly: { m6i: 0.05 } };
        assert.throws(() => size({ prices }), /no price for m6a\.4xlarge/);
    });
});

describe("rightsizing: cases", () => {
    // Pinned from hand computations (docs/cost.md works the first one through). The seeds' example
    // first: theirs was 10 executors of 8 GB and 2 cores, $5.40 on demand, $1.60 on spot.
    const cases: { name: string; input: Partial<RightsizingInput>; nodes: number; executors: number; partitions: number | undefined; minutes: number; onDemand: number; spot: number }[] = [
        { name: "the seeds' example: 1 TB, join and aggregate, 15 min, prod", input: {}, nodes: 15, executors: 60, partitions: 7680, minutes: 14.5, onDemand: 4.39, spot: 1.54 },
        { name: "500 GB, filter and write, 30 min, prod", input: { dataBytes: 500e9, operations: ["filter", "write"], targetSeconds: 1800 }, nodes: 2, executors: 8, partitions: undefined, minutes: 23.8, onDemand: 0.86, spot: 0.30 },
        { name: "1.5 TiB, sort, 1 h, prod", input: { dataBytes: 1.5 * 2 ** 40, operations: ["sort"], targetSeconds: 3600 }, nodes: 4, executors: 16, partitions: 12288, minutes: 54.3, onDemand: 3.55, spot: 1.24 },
        { name: "200 GB, window and write, 20 min, dev", input: { dataBytes: 200e9, operations: ["window", "write"], targetSeconds: 1200, executorGroup: devGroup }, nodes: 5, executors: 10, partitions: 1520, minutes: 17.6, onDemand: 0.81, spot: 0.28 },
    ];
    for (const c of cases) {
        it(c.name, () => {
            const r = size(c.input);
            assert.ok(r.feasible);
            assert.deepEqual(
                { nodes: r.nodes, executors: r.executors, partitions: r.shufflePartitions, minutes: +(r.durationSeconds / 60).toFixed(1), onDemand: +r.cost["on-demand"].total.toFixed(2), spot: +r.cost.spot.total.toFixed(2) },
                { nodes: c.nodes, executors: c.executors, partitions: c.partitions, minutes: c.minutes, onDemand: c.onDemand, spot: c.spot },
            );
        });
    }
});
