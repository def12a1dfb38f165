/**
 * The rightsizing calculator's model (npm run size): how many executors of the stack's executor
 * node group a batch job needs to finish in a target time, how many nodes that is, and what it
 * costs on demand and on spot. Pure functions; tools/size.ts is the command line around them.
 *
 * The throughput figures, their sources and the model's limits are in docs/cost.md, "Rightsizing:
 * npm run size". Executors are sized by components/spark/sizing.ts, exactly as the stacks size
 * them, so the executors asked for fill the nodes they land on; prices come from ./prices.
 */
import { ExecutorSizing, executorSizingForInstanceTypes } from "../spark/sizing";
import { CapacityType } from "../config/schema";
import { emptyNodeGraceSeconds } from "../config/nodeRoles";
import { ec2Hourly, PriceTable } from "./prices";

/** The operation classes the model knows a throughput for. */
export const operationClasses = ["scan", "filter", "aggregate", "join", "sort", "window", "write"] as const;
export type OperationClass = (typeof operationClasses)[number];

/** What one pass of an operation class over the data costs. */
export interface ThroughputFigure {
    /** MB (10^6 bytes) of input one vCPU of executor request processes per second. */
    readonly mbPerSecondPerVcpu: number;
    /** Whether the operation exchanges its input between executors (a shuffle). */
    readonly shuffles: boolean;
    /** Where the figure comes from: measured, or derived and how (docs/cost.md cites the sources). */
    readonly basis: string;
}

/** MB/s per vCPU of the Daytona GraySort record: 100 TB sorted in 23 minutes on 6,592 vCPUs. */
export const graySortMbPerSecondPerVcpu = 100e6 / (23 * 60) / 6592;

/**
 * Throughput per vCPU of each operation class. The sort anchor is measured (GraySort 2014); the
 * others are derived from it, from AWS's network bandwidth per vCPU and from Databricks' per-row
 * costs of Spark 2's operators, as docs/cost.md explains. Rounded: the model is a planning figure,
 * not a prediction.
 */
export const throughput: Readonly<Record<OperationClass, ThroughputFigure>> = {
    scan: { mbPerSecondPerVcpu: 40, shuffles: false, basis: "derived: network-bound S3 read, AWS's 10 Gbps for 32 vCPUs (m5.8xlarge) = 39 MB/s per vCPU; decoding is faster" },
    filter: { mbPerSecondPerVcpu: 400, shuffles: false, basis: "derived: fused into the scan stage, 1.1 ns/row against 13 ns/value to decode (≈10× the scan)" },
    aggregate: { mbPerSecondPerVcpu: 22, shuffles: true, basis: "derived: half the GraySort work per byte (partial aggregation shrinks the exchange, no sort)" },
    join: { mbPerSecondPerVcpu: 11, shuffles: true, basis: "GraySort 2014 rate: a sort-merge join exchanges and sorts both sides" },
    sort: { mbPerSecondPerVcpu: 11, shuffles: true, basis: "measured: GraySort 2014, 100 TB in 23 min on 6,592 vCPUs (read, shuffle, sort, write)" },
    window: { mbPerSecondPerVcpu: 11, shuffles: true, basis: "GraySort 2014 rate: a window exchanges and sorts by its partition keys" },
    write: { mbPerSecondPerVcpu: 20, shuffles: false, basis: "derived: half the scan rate (the same network share, plus encoding and compressing)" },
};

/**
 * Seconds from submission to the first executor task when the executor group is at zero: the
 * Cluster Autoscaler's scan (10 s), an EC2 launch and EKS node join (about 90 s), pulling the
 * Spark image (about 60 s) and the executor JVMs' start. An estimate; --startup overrides it.
 */
export const defaultStartupSeconds = 180;

/** The executor nodes' gp3 root volume at its default (minimum) throughput, 125 MiB/s: where shuffle files go. */
export const gp3BaselineBytesPerSecond = 125 * 2 ** 20;

/** Target shuffle partition size: spark.sql.files.maxPartitionBytes' default, 128 MiB. */
export const defaultPartitionBytes = 128 * 1024 * 1024;

/** Spark's tuning guide: 2–3 tasks per CPU core; the partitions are at least this many waves of the task slots. */
export const minTaskWaves = 2;

/** An input the model refuses, named by the command-line flag it comes from. */
export class RightsizingInputError extends Error {
    constructor(
        readonly flag: string,
        message: string,
    ) {
        super(`${flag}: ${message}`);
        this.name = "RightsizingInputError";
    }
}

const decimalUnits: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, pb: 1e15 };
const binaryUnits: Record<string, number> = { kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40, pib: 2 ** 50 };
const sizeUnitsText = "B, KB, MB, GB, TB, PB (powers of 1000) or KiB, MiB, GiB, TiB, PiB (powers of 1024)";

/** Bytes of a size such as 500GB, 1TB or 1.5TiB (units case-insensitive; TB is 10^12 bytes, TiB 2^40). */
export function parseDataSize(text: string, flag = "--data"): number {
    const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([a-zA-Z]+)\s*$/.exec(text);
    if (!m) throw new RightsizingInputError(flag, `"${text}" is not a size: give a number and a unit, such as 500GB, 1TB or 1.5TiB (units: ${sizeUnitsText})`);
    const unit = m[2].toLowerCase();
    const factor = decimalUnits[unit] ?? binaryUnits[unit];
    if (factor === undefined) throw new RightsizingInputError(flag, `unknown unit "${m[2]}" in "${text}" (units: ${sizeUnitsText})`);
    const bytes = Number(m[1]) * factor;
    if (!(bytes >= 1e6)) throw new RightsizingInputError(flag, `"${text}" is less than 1 MB: the model is for batch jobs of at least 1 MB`);
    if (bytes > 1e18) throw new RightsizingInputError(flag, `"${text}" is more than 1 EB: the model stops there`);
    return bytes;
}

/** Seconds of a duration such as 90s, 15m, 1h, 1.5h or 1h30m (hours, minutes, seconds, in that order). */
export function parseDuration(text: string, flag = "--target"): number {
    const m = /^\s*(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?\s*$/i.exec(text);
    if (!m || (m[1] ?? m[2] ?? m[3]) === undefined) {
        throw new RightsizingInputError(flag, `"${text}" is not a duration: give a number and a unit, such as 90s, 15m, 1h or 1h30m (units: s, m, h)`);
    }
    const seconds = Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
    if (!(seconds > 0)) throw new RightsizingInputError(flag, `"${text}" is not longer than zero`);
    if (seconds > 7 * 24 * 3600) throw new RightsizingInputError(flag, `"${text}" is longer than a week: the model is for batch jobs`);
    return seconds;
}

/** The passes of a job: a comma-separated list of operation classes, in the order the job runs them. */
export function parseOperations(text: string, flag = "--ops"): OperationClass[] {
    const names = text.split(",").map((s) => s.trim().toLowerCase());
    if (names.length === 0 || names.some((n) => n === "")) {
        throw new RightsizingInputError(flag, `"${text}" has an empty entry: give operation classes separated by commas, such as join,aggregate (classes: ${operationClasses.join(", ")})`);
    }
    const unknown = names.filter((n) => !(operationClasses as readonly string[]).includes(n));
    if (unknown.length > 0) {
        throw new RightsizingInputError(flag, `unknown operation class${unknown.length > 1 ? "es" : ""} ${unknown.map((u) => `"${u}"`).join(", ")} (classes: ${operationClasses.join(", ")})`);
    }
    return names as OperationClass[];
}

/** The executor node group of a stack, as its resolved config gives it. */
export interface ExecutorGroup {
    readonly instanceTypes: readonly string[];
    readonly maxSize: number;
}

export interface RightsizingInput {
    /** Bytes the job reads. */
    readonly dataBytes: number;
    /** What the job does to them, in order; the read (scan) pass is always counted once. */
    readonly operations: readonly OperationClass[];
    /** Seconds from submission to the end of the job the user wants. */
    readonly targetSeconds: number;
    readonly executorGroup: ExecutorGroup;
    readonly prices: PriceTable;
    /** The stack's spark.dynamicAllocation.maxExecutors, to say when the job must raise it. */
    readonly maxExecutors?: number;
    /** Start-up allowance; default defaultStartupSeconds. */
    readonly startupSeconds?: number;
    /** Target shuffle partition size; default defaultPartitionBytes. */
    readonly partitionBytes?: number;
}

/** One pass over the data and the vCPU-seconds it takes. */
export interface Pass {
    readonly operation: OperationClass;
    readonly mbPerSecondPerVcpu: number;
    readonly vcpuSeconds: number;
}

/** The cost of a run at one capacity type. */
export interface CapacityCost {
    /** $/hour of one node, at the dearest instance type of the group. */
    readonly nodeHourly: number;
    /** $ for the run: nodes × nodeHourly × billed hours. */
    readonly total: number;
}

export interface Rightsizing {
    /** False when the executor group cannot finish in the target: `problem` says why, the rest is its fastest run. */
    readonly feasible: boolean;
    readonly problem?: string;
    readonly dataBytes: number;
    readonly targetSeconds: number;
    readonly passes: readonly Pass[];
    readonly vcpuSeconds: number;
    /** The executors, as the stack sizes them for its executor group. */
    readonly executor: ExecutorSizing & { readonly executorsPerNode: number };
    readonly instanceTypes: readonly string[];
    readonly maxNodes: number;
    /** Nodes of the executor group the run uses. */
    readonly nodes: number;
    /** Executors: every node filled (nodes × executorsPerNode). */
    readonly executors: number;
    /** Task slots: executors × cores. */
    readonly taskSlots: number;
    /** Bytes each node writes as shuffle files: the input once per shuffling pass, spread over the nodes. */
    readonly shuffleBytesPerNode: number;
    /** spark.sql.shuffle.partitions for the job, or undefined when nothing shuffles. */
    readonly shufflePartitions: number | undefined;
    readonly startupSeconds: number;
    /** Seconds of computing once the executors run. */
    readonly computeSeconds: number;
    /** Expected seconds from submission to the end: start-up plus computing. */
    readonly durationSeconds: number;
    /** Seconds each node is billed: the duration plus the Cluster Autoscaler's scale-down wait. */
    readonly billedSecondsPerNode: number;
    /** The instance type the prices are taken at (the dearest of the group). */
    readonly pricedInstanceType: string;
    readonly cost: Readonly<Record<CapacityType, CapacityCost>>;
    /** What else the user must know (maxExecutors to raise, start-up share). */
    readonly notes: readonly string[];
}

/** The dearest on-demand type of the group and its price: a node group of several types may launch any of them. */
function dearestType(instanceTypes: readonly string[], prices: PriceTable): { type: string; hourly: number } {
    let best: { type: string; hourly: number } | undefined;
    for (const type of instanceTypes) {
        const hourly = ec2Hourly(prices, type, "on-demand");
        if (hourly === undefined) throw new Error(`the price table has no price for ${type} (components/cost/prices.ts, or cost.prices in the stack)`);
        if (!best || hourly > best.hourly) best = { type, hourly };
    }
    if (!best) throw new Error("the executor group lists no instance types");
    return best;
}

const roundUpTo = (n: number, multiple: number) => Math.ceil(n / multiple) * multiple;

/**
 * Sizes a job: the vCPU-seconds of its passes (data ÷ per-vCPU throughput, one pass per operation,
 * added up because every shuffle ends a stage and stages run one after another), divided by the
 * time the target leaves after start-up, in whole executors of the stack's sizing and whole nodes
 * (every node filled). A target the group's maxSize cannot meet is reported, not capped silently.
 */
export function rightsize(input: RightsizingInput): Rightsizing {
    const { dataBytes, targetSeconds, executorGroup, prices } = input;
    const startupSeconds = input.startupSeconds ?? defaultStartupSeconds;
    const partitionBytes = input.partitionBytes ?? defaultPartitionBytes;
    if (!(dataBytes > 0)) throw new RightsizingInputError("--data", "must be more than zero");
    if (!(targetSeconds > 0)) throw new RightsizingInputError("--target", "must be longer than zero");
    if (!(startupSeconds >= 0)) throw new RightsizingInputError("--startup", "must not be negative");
    if (!Number.isInteger(executorGroup.maxSize) || executorGroup.maxSize < 1) throw new Error(`the executor group's maxSize is ${executorGroup.maxSize}: it cannot run executors`);

    const sizing = executorSizingForInstanceTypes(executorGroup.instanceTypes, false);
    if (sizing.executorsPerNode === undefined) throw new Error("executor sizing without a node shape");
    const executor = { ...sizing, executorsPerNode: sizing.executorsPerNode };
    // Throughput is per vCPU of request: an executor computes with what it requests, not its task slots.
    const executorVcpu = executor.requestCoresMillis / 1000;

    const operations: OperationClass[] = ["scan", ...input.operations.filter((o) => o !== "scan")];
    const mb = dataBytes / 1e6;
    const passes: Pass[] = operations.map((operation) => {
        const rate = throughput[operation].mbPerSecondPerVcpu;
        return { operation, mbPerSecondPerVcpu: rate, vcpuSeconds: mb / rate };
    });
    const vcpuSeconds = passes.reduce((sum, p) => sum + p.vcpuSeconds, 0);

    const maxNodes = executorGroup.maxSize;
    const nodesFor = (seconds: number) => Math.max(1, Math.ceil(vcpuSeconds / seconds / executorVcpu / executor.executorsPerNode - 1e-9));
    const window = targetSeconds - startupSeconds;
    let problem: string | undefined;
    let nodes: number;
    if (window <= 0) {
        problem = `the target (${formatSeconds(targetSeconds)}) is not longer than the start-up allowance (${formatSeconds(startupSeconds)}): no executor would run before the deadline`;
        nodes = maxNodes;
    } else {
        nodes = nodesFor(window);
        if (nodes > maxNodes) {
            problem = `finishing in ${formatSeconds(targetSeconds)} needs ${nodes} nodes (${nodes * executor.executorsPerNode} executors), but the executor group allows ${maxNodes} (nodeGroups.executor.maxSize)`;
            nodes = maxNodes;
        }
    }

    const executors = nodes * executor.executorsPerNode;
    const taskSlots = executors * executor.cores;
    const computeSeconds = vcpuSeconds / (executors * executorVcpu);
    const durationSeconds = startupSeconds + computeSeconds;
    if (problem) problem += `; the fastest the group can do is ${formatSeconds(durationSeconds)} on ${nodes} nodes. Raise nodeGroups.executor.maxSize or relax --target.`;
    const billedSecondsPerNode = durationSeconds + emptyNodeGraceSeconds;

    const shuffles = operations.some((o) => throughput[o].shuffles);
    // The model does not shrink data between passes, so the largest exchange is the whole input.
    const shufflePartitions = shuffles ? roundUpTo(Math.max(Math.ceil(dataBytes / partitionBytes), minTaskWaves * taskSlots), taskSlots) : undefined;

    const shuffleBytesPerNode = (dataBytes * operations.filter((o) => throughput[o].shuffles).length) / nodes;

    const priced = dearestType(executorGroup.instanceTypes, prices);
    const costAt = (capacity: CapacityType): CapacityCost => {
        const nodeHourly = ec2Hourly(prices, priced.type, capacity) ?? NaN;
        return { nodeHourly, total: (nodes * nodeHourly * billedSecondsPerNode) / 3600 };
    };

    const notes: string[] = [];
    if (input.maxExecutors !== undefined && executors > input.maxExecutors) {
        notes.push(`${executors} executors is more than the stack's spark.dynamicAllocation.maxExecutors (${input.maxExecutors}): set it (or spark.executor.instances) to ${executors} for this job`);
    }
    const diskSeconds = shuffleBytesPerNode / gp3BaselineBytesPerSecond;
    if (diskSeconds > computeSeconds) {
        notes.push(
            `each node writes about ${Math.round(shuffleBytesPerNode / 1e9)} GB of shuffle files: at the gp3 root volume's baseline 125 MiB/s that alone takes ${formatSeconds(diskSeconds)}, ` +
                `longer than the ${formatSeconds(computeSeconds)} of computing the model expects, unless the page cache absorbs it; the node disk, not the CPU, may bound this job`,
        );
    }
    if (!problem && startupSeconds > 0 && startupSeconds >= computeSeconds) {
        notes.push(`start-up (${formatSeconds(startupSeconds)}) takes as long as the computing or longer: with nodes already up the job would finish sooner and cost less`);
    }

    return {
        feasible: problem === undefined,
        ...(problem !== undefined ? { problem } : {}),
        dataBytes,
        targetSeconds,
        passes,
        vcpuSeconds,
        executor,
        instanceTypes: [...executorGroup.instanceTypes],
        maxNodes,
        nodes,
        executors,
        taskSlots,
        shuffleBytesPerNode,
        shufflePartitions,
        startupSeconds,
        computeSeconds,
        durationSeconds,
        billedSecondsPerNode,
        pricedInstanceType: priced.type,
        cost: { "on-demand": costAt("on-demand"), spot: costAt("spot") },
        notes,
    };
}

/** 90 s, 15 min, 1 h 30 min: a duration for people. */
export function formatSeconds(seconds: number): string {
    if (seconds < 120) return `${Math.round(seconds)} s`;
    const minutes = seconds / 60;
    if (minutes < 120) return `${minutes.toFixed(1).replace(/\.0$/, "")} min`;
    const h = Math.floor(minutes / 60);
    return `${h} h ${Math.round(minutes - h * 60)} min`;
}
