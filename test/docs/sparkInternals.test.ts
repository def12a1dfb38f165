/**
 * docs/spark-internals.md: the numbers it states about this platform are the code's. The worked
 * example is recomputed from the prod stack's executor node group, and the settings it names
 * (grace period, kill interval, preset timeouts, prod bounds, Connect server size) are read from
 * their modules.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { instanceShape } from "../../components/config/instanceTypes";
import { connectDriverHeapMiB } from "../../components/spark/connect";
import { allocatable, capacity, executorSizingForInstanceTypes, explicitExecutorSizing, kubeReserved, smallestCommonShape } from "../../components/spark/sizing";
import {
    costOptimizedIdleTimeoutSeconds,
    costOptimizedShuffleTrackingTimeoutSeconds,
    executorTerminationGracePeriodSeconds,
    fallbackStoragePrefix,
    spotKillIntervalSeconds,
} from "../../components/spark/sparkDefaults";
import { repoRoot, stackConfig } from "../../tools/harness";

const doc = fs.readFileSync(path.join(repoRoot, "docs", "spark-internals.md"), "utf8");
const flat = doc.replace(/\s*\n\s*/g, " ");

/** The value cell of the worked example's row whose first cell is `step`. */
function example(step: string): string {
    const start = doc.indexOf("<!-- worked-example:");
    assert.ok(start >= 0, "the worked example's marker is missing");
    const row = doc.slice(start).split("\n").find((l) => l.startsWith(`| ${step} |`));
    assert.ok(row, `no row "${step}" in the worked example`);
    return row.slice(`| ${step} |`.length, -1).trim();
}

describe("docs/spark-internals.md: the platform's numbers are the code's", () => {
    const prod = stackConfig("prod");
    const types = prod.nodeGroups.executor.instanceTypes;
    const shape = smallestCommonShape(types.map((t) => instanceShape(t)!));
    const sizing = executorSizingForInstanceTypes(types, false);

    it("works its example on the prod stack's executor node group", () => {
        assert.equal(example("executor instance types"), `${types.map((t) => `\`${t}\``).join(", ")} (${prod.nodeGroups.executor.capacityType})`);
        assert.equal(example("smallest common shape"), `${shape.vcpu} vCPU, ${shape.memoryGiB} GiB, ${shape.maxPods} pods`);
        const cap = capacity(shape);
        const reserved = kubeReserved(shape);
        const alloc = allocatable(shape);
        assert.equal(example("capacity"), `${cap.cpuMillis}m CPU, ${cap.memoryMiB} MiB`);
        assert.equal(example("kube-reserved"), `${reserved.cpuMillis}m CPU, ${reserved.memoryMiB} MiB`);
        assert.equal(example("for executors (after eviction threshold and DaemonSets)"), `${alloc.cpuMillis}m CPU, ${alloc.memoryMiB} MiB`);
        assert.equal(example("executors per node"), String(sizing.executorsPerNode));
        assert.equal(example("`spark.kubernetes.executor.request.cores`"), `${sizing.requestCoresMillis}m`);
        assert.equal(example("`spark.executor.cores`"), String(sizing.cores));
        assert.equal(example("pod memory (request = limit)"), `${sizing.podMemoryMiB} MiB`);
        assert.equal(example("`spark.executor.memory` (heap)"), `${sizing.memoryMiB} MiB`);
        assert.equal(example("`spark.executor.memoryOverhead`"), `${sizing.memoryOverheadMiB} MiB`);
        // Spark's unified memory manager: 300 MiB reserved, fraction 0.6, storage fraction 0.5 (the defaults the platform keeps).
        const usable = sizing.memoryMiB - 300;
        assert.equal(example("unified memory (0.6 × (heap − 300 MiB))"), `${Math.floor(usable * 0.6)} MiB`);
        assert.equal(example("of which immune storage (0.5 × unified)"), `${Math.floor(usable * 0.6 * 0.5)} MiB`);
        assert.equal(example("user memory (0.4 × (heap − 300 MiB))"), `${Math.floor(usable * 0.4)} MiB`);
        const n = sizing.executorsPerNode!;
        assert.ok(flat.includes(`Four such executors request ${n * sizing.requestCoresMillis}m CPU and ${n * sizing.podMemoryMiB} MiB of the node's ${alloc.cpuMillis}m and ${alloc.memoryMiB} MiB`));
        assert.equal(n, 4, "the prose says four");
    });

    it("states the local executor and the prod Connect server as the code sizes them", () => {
        const local = stackConfig("local");
        const explicit = explicitExecutorSizing({ ...local.spark.localExecutor });
        assert.ok(flat.includes(`${local.spark.localExecutor.cores} core and ${local.spark.localExecutor.memoryMiB} MiB heap by default`));
        assert.ok(flat.includes(`= ${explicit.memoryOverheadMiB} MiB, a pod of ${explicit.podMemoryMiB} MiB`));
        assert.ok(flat.includes(`(prod: ${prod.spark.connect.driverCores} cores, ${prod.spark.connect.driverMemoryMiB} MiB)`));
        assert.ok(flat.includes("`min(floor(pod / 1.1), pod − 384)`"));
        assert.equal(connectDriverHeapMiB(prod.spark.connect.driverMemoryMiB), Math.min(Math.floor(prod.spark.connect.driverMemoryMiB / 1.1), prod.spark.connect.driverMemoryMiB - 384));
    });

    it("names the platform's decommissioning and allocation settings with their values", () => {
        assert.ok(flat.includes(`**${executorTerminationGracePeriodSeconds} s** to stop`));
        assert.ok(flat.includes(`terminationGracePeriodSeconds: ${executorTerminationGracePeriodSeconds}`));
        assert.ok(flat.includes(`\`spark.executor.decommission.killInterval=${spotKillIntervalSeconds}s\``));
        assert.ok(flat.includes(`s3a://<warehouse bucket>/${fallbackStoragePrefix}`));
        assert.ok(flat.includes(`idle timeout at most ${costOptimizedIdleTimeoutSeconds} s and shuffle tracking gives executors up after ${costOptimizedShuffleTrackingTimeoutSeconds} s`));
        const da = prod.spark.dynamicAllocation;
        assert.ok(flat.includes(`(prod: ${da.minExecutors} to ${da.maxExecutors} executors, ${da.executorIdleTimeoutSeconds} s idle)`));
    });

    it("has the three diagrams: pod layout, a DAG with a shuffle boundary, the executor pod's memory", () => {
        const diagrams = [...doc.matchAll(/```mermaid\n([\s\S]*?)```/g)].map((m) => m[1]);
        assert.ok(diagrams.length >= 3);
        assert.ok(diagrams.some((d) => /executor pod/.test(d) && /Connect server/.test(d)));
        assert.ok(diagrams.some((d) => /shuffle boundary/.test(d) && /stage/.test(d)));
        assert.ok(diagrams.some((d) => /unified memory/.test(d) && /overhead/.test(d)));
    });
});
