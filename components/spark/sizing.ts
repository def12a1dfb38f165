/**
 * Executor sizing from the shape of the node executors run on, so that the executors of one node
 * request (nearly) all of what the kubelet leaves for pods once the node's DaemonSets are placed.
 * Pure functions; docs/spark-configuration.md walks through the model with m6i.4xlarge.
 */
import { instanceShape } from "../config/instanceTypes";

/** The parts of an instance type sizing needs; an InstanceShape from the catalogue fits. */
export interface NodeShape {
    /** vCPUs of the node. */
    vcpu: number;
    /** Nominal memory in GiB; the node reports memoryCapacityFactor of it as capacity. */
    memoryGiB: number;
    /** Pods the node allows; kube-reserved memory grows with it. */
    maxPods: number;
    /** NVIDIA GPUs of the node; 0 on CPU nodes. */
    gpus: number;
}

/** CPU in millicores and memory in MiB. */
export interface Resources {
    /** CPU, where 1000 is one vCPU. */
    cpuMillis: number;
    /** Memory, where 1024 is one GiB. */
    memoryMiB: number;
}

/** What one DaemonSet's pod requests on every node, rounded up into a budget. */
export interface DaemonSetBudgetItem extends Resources {
    /** DaemonSet this budget entry is for, or "headroom" for ones not listed. */
    name: string;
}

/**
 * Share of the nominal EC2 memory the node reports as capacity. The kernel, firmware holes and the
 * page tables (struct page) take memory before the kubelet sees any; measured capacity lands 3–7 %
 * below the nominal GiB depending on size. 0.925 is Karpenter's default vmMemoryOverheadPercent
 * (0.075), the conservative end, so executors sized from it never exceed the real allocatable.
 */
export const memoryCapacityFactor = 0.925;

/** The kubelet's hard eviction threshold on EKS AMIs: memory.available<100Mi. */
export const evictionThresholdMiB = 100;

/**
 * Requests budgeted per node for the DaemonSets that run on every executor node. The add-on
 * manifests request 25m (aws-node) and 100m (kube-proxy) CPU and leave memory unset, and the EBS
 * CSI node pod's three containers request 10m/40Mi each; the rest is rounded up so that no node
 * is over-committed when a chart raises its defaults. The observability stack must keep its node
 * exporter within its line.
 */
export const defaultDaemonSets: readonly DaemonSetBudgetItem[] = [
    { name: "aws-node", cpuMillis: 50, memoryMiB: 128 },
    { name: "kube-proxy", cpuMillis: 100, memoryMiB: 64 },
    { name: "eks-pod-identity-agent", cpuMillis: 50, memoryMiB: 64 },
    { name: "ebs-csi-node", cpuMillis: 30, memoryMiB: 120 },
    { name: "node-exporter", cpuMillis: 100, memoryMiB: 128 },
    { name: "headroom", cpuMillis: 20, memoryMiB: 96 },
];

/** The sum of defaultDaemonSets: 350m CPU and 600 MiB. */
export const defaultDaemonSetBudget: Resources = defaultDaemonSets.reduce(
    (sum, d) => ({ cpuMillis: sum.cpuMillis + d.cpuMillis, memoryMiB: sum.memoryMiB + d.memoryMiB }),
    { cpuMillis: 0, memoryMiB: 0 },
);

/** Spark's floor for a computed memory overhead (spark.executor.memoryOverhead), in MiB. */
export const minMemoryOverheadMiB = 384;

/** Spark refuses executors with less heap than 1.5 × its 300 MiB reserved memory. */
export const minExecutorMemoryMiB = 450;

/** What the node reports as capacity: all vCPUs and memoryCapacityFactor of the nominal memory. */
export function capacity(shape: NodeShape): Resources {
    return { cpuMillis: shape.vcpu * 1000, memoryMiB: Math.floor(shape.memoryGiB * 1024 * memoryCapacityFactor) };
}

/**
 * kube-reserved as the EKS AMIs compute it: CPU is 6 % of the first core, 1 % of the second, 0.5 %
 * of the third and fourth and 0.25 % of every further core (rounded up to whole millicores);
 * memory is 11 MiB per pod the node allows plus 255 MiB.
 */
export function kubeReserved(shape: NodeShape): Resources {
    const tiers: [cores: number, share: number][] = [[1, 0.06], [1, 0.01], [2, 0.005], [Infinity, 0.0025]];
    let remaining = shape.vcpu;
    let cpuMillis = 0;
    for (const [cores, share] of tiers) {
        const used = Math.min(cores, remaining);
        cpuMillis += used * 1000 * share;
        remaining -= used;
    }
    return { cpuMillis: Math.ceil(cpuMillis - 1e-9), memoryMiB: 11 * shape.maxPods + 255 };
}

/**
 * What pods other than the DaemonSets can request on a node: capacity minus kube-reserved, minus
 * the eviction threshold (memory), minus the DaemonSet budget.
 */
export function allocatable(shape: NodeShape, daemonSetBudget: Resources = defaultDaemonSetBudget): Resources {
    const cap = capacity(shape);
    const reserved = kubeReserved(shape);
    return {
        cpuMillis: cap.cpuMillis - reserved.cpuMillis - daemonSetBudget.cpuMillis,
        memoryMiB: cap.memoryMiB - reserved.memoryMiB - evictionThresholdMiB - daemonSetBudget.memoryMiB,
    };
}

/** Executor settings, in the units of the Spark keys they become. */
export interface ExecutorSizing {
    /** spark.executor.cores: task slots per executor. */
    cores: number;
    /** spark.kubernetes.executor.request.cores, in millicores. */
    requestCoresMillis: number;
    /** spark.executor.memory (heap), MiB. */
    memoryMiB: number;
    /** spark.executor.memoryOverhead, MiB. */
    memoryOverheadMiB: number;
    /** The pod's memory request: memory + overhead. */
    podMemoryMiB: number;
    /** GPUs per executor (spark.executor.resource.gpu.amount); 0 on CPU nodes. */
    gpusPerExecutor: number;
    /** Executors one node holds; undefined when the node shape is unknown. */
    executorsPerNode: number | undefined;
    /** executorsPerNode × request / allocatable, for CPU; undefined when the node shape is unknown. */
    cpuFill: number | undefined;
    /** executorsPerNode × pod memory / allocatable; undefined when the node shape is unknown. */
    memoryFill: number | undefined;
}

/** Sizing derived from a node shape: the per-node figures are always known. */
export interface NodeExecutorSizing extends ExecutorSizing {
    /** Executors one node holds. */
    executorsPerNode: number;
    /** Share of the node's allocatable CPU its executors request, at most 1. */
    cpuFill: number;
    /** Share of the node's allocatable memory its executor pods request, at most 1. */
    memoryFill: number;
}

/** Tuning of executorSizing; every option has a default. */
export interface ExecutorSizingOptions {
    /** Cores per executor to aim for on CPU nodes; default 4. */
    targetCoresPerExecutor?: number;
    /** Overhead as a share of executor memory; default 0.10, never below 384 MiB. */
    memoryOverheadFactor?: number;
    /** GPUs per executor on GPU nodes; default 1, and the node's GPUs must divide by it. */
    gpusPerExecutor?: number;
    /** Requests of the DaemonSets on the node; default defaultDaemonSetBudget. */
    daemonSetBudget?: Resources;
}

/** Splits a pod's memory into heap and overhead, overhead being factor × heap but at least 384 MiB. */
function splitPodMemory(podMemoryMiB: number, factor: number): { memoryMiB: number; memoryOverheadMiB: number } {
    let memoryMiB = Math.floor(podMemoryMiB / (1 + factor));
    if (podMemoryMiB - memoryMiB < minMemoryOverheadMiB) memoryMiB = podMemoryMiB - minMemoryOverheadMiB;
    return { memoryMiB, memoryOverheadMiB: podMemoryMiB - memoryMiB };
}

function checkFactor(factor: number): void {
    if (!(factor >= 0 && factor < 1)) throw new Error(`memoryOverheadFactor must be in [0, 1), got ${factor}`);
}

/**
 * Executors that fill one node: CPU nodes hold max(1, round(allocatable cores / target)) executors,
 * GPU nodes one executor per gpusPerExecutor GPUs. Each executor gets an equal share of the
 * allocatable CPU (whole millicores) and memory (whole MiB), so the executors of a node never
 * request more than it has.
 */
export function executorSizing(shape: NodeShape, options: ExecutorSizingOptions = {}): NodeExecutorSizing {
    const target = options.targetCoresPerExecutor ?? 4;
    const factor = options.memoryOverheadFactor ?? 0.1;
    if (!(target > 0)) throw new Error(`targetCoresPerExecutor must be positive, got ${target}`);
    checkFactor(factor);
    const alloc = allocatable(shape, options.daemonSetBudget);
    if (alloc.cpuMillis < 1000 || alloc.memoryMiB < minExecutorMemoryMiB + minMemoryOverheadMiB) {
        throw new Error(`a node of ${shape.vcpu} vCPU / ${shape.memoryGiB} GiB leaves ${alloc.cpuMillis}m CPU and ${alloc.memoryMiB} MiB for executors: too small for one`);
    }

    let executorsPerNode: number;
    let gpusPerExecutor = 0;
    if (shape.gpus > 0) {
        gpusPerExecutor = options.gpusPerExecutor ?? 1;
        if (!Number.isInteger(gpusPerExecutor) || gpusPerExecutor < 1 || shape.gpus % gpusPerExecutor !== 0) {
            throw new Error(`gpusPerExecutor must be a whole divisor of the node's ${shape.gpus} GPU(s), got ${gpusPerExecutor}`);
        }
        executorsPerNode = shape.gpus / gpusPerExecutor;
    } else {
        if (options.gpusPerExecutor !== undefined) throw new Error("gpusPerExecutor was given for a node without GPUs");
        executorsPerNode = Math.max(1, Math.round(alloc.cpuMillis / 1000 / target));
    }

    const requestCoresMillis = Math.floor(alloc.cpuMillis / executorsPerNode);
    const podMemoryMiB = Math.floor(alloc.memoryMiB / executorsPerNode);
    const split = splitPodMemory(podMemoryMiB, factor);
    if (split.memoryMiB < minExecutorMemoryMiB) {
        throw new Error(`${executorsPerNode} executors per node leave ${split.memoryMiB} MiB of heap each; Spark needs ${minExecutorMemoryMiB}`);
    }
    return {
        cores: Math.max(1, Math.round(requestCoresMillis / 1000)),
        requestCoresMillis,
        ...split,
        podMemoryMiB,
        gpusPerExecutor,
        executorsPerNode,
        cpuFill: (executorsPerNode * requestCoresMillis) / alloc.cpuMillis,
        memoryFill: (executorsPerNode * podMemoryMiB) / alloc.memoryMiB,
    };
}

/** Explicit executor settings for clusters whose node shape is unknown (the local stack). */
export interface ExplicitExecutor {
    /** Task slots per executor (spark.executor.cores), a whole number of at least 1. */
    cores: number;
    /** Executor heap in MiB (spark.executor.memory), at least 450; overhead is added on top. */
    memoryMiB: number;
    /** CPU request; default cores × 1000 (smaller requests let a laptop cluster schedule more). */
    requestCoresMillis?: number;
    /** GPUs per executor; default 0. */
    gpusPerExecutor?: number;
}

/**
 * Sizing from explicit cores and memory: overhead is memoryOverheadFactor × memory (at least
 * 384 MiB), as Spark computes it. executorsPerNode, cpuFill and memoryFill are undefined: with no
 * node shape there is nothing to fill.
 */
export function explicitExecutorSizing(executor: ExplicitExecutor, options: Pick<ExecutorSizingOptions, "memoryOverheadFactor"> = {}): ExecutorSizing {
    const factor = options.memoryOverheadFactor ?? 0.1;
    checkFactor(factor);
    const { cores, memoryMiB } = executor;
    const requestCoresMillis = executor.requestCoresMillis ?? cores * 1000;
    const gpusPerExecutor = executor.gpusPerExecutor ?? 0;
    if (!Number.isInteger(cores) || cores < 1) throw new Error(`cores must be a whole number ≥ 1, got ${cores}`);
    if (!Number.isInteger(memoryMiB) || memoryMiB < minExecutorMemoryMiB) {
        throw new Error(`memoryMiB must be a whole number ≥ ${minExecutorMemoryMiB}, got ${memoryMiB}`);
    }
    if (!Number.isInteger(requestCoresMillis) || requestCoresMillis < 1) {
        throw new Error(`requestCoresMillis must be a whole number ≥ 1, got ${requestCoresMillis}`);
    }
    if (!Number.isInteger(gpusPerExecutor) || gpusPerExecutor < 0) throw new Error(`gpusPerExecutor must be a whole number ≥ 0, got ${gpusPerExecutor}`);
    const memoryOverheadMiB = Math.max(minMemoryOverheadMiB, Math.ceil(memoryMiB * factor));
    return {
        cores,
        requestCoresMillis,
        memoryMiB,
        memoryOverheadMiB,
        podMemoryMiB: memoryMiB + memoryOverheadMiB,
        gpusPerExecutor,
        executorsPerNode: undefined,
        cpuFill: undefined,
        memoryFill: undefined,
    };
}

/**
 * The largest shape every one of the given shapes can stand in for: the least vCPU, memory and
 * GPUs and the most pods (more pods, more kube-reserved memory). Executors sized for it fit on any
 * instance type of a mixed node group.
 */
export function smallestCommonShape(shapes: readonly NodeShape[]): NodeShape {
    if (shapes.length === 0) throw new Error("smallestCommonShape needs at least one shape");
    return {
        vcpu: Math.min(...shapes.map((s) => s.vcpu)),
        memoryGiB: Math.min(...shapes.map((s) => s.memoryGiB)),
        maxPods: Math.max(...shapes.map((s) => s.maxPods)),
        gpus: Math.min(...shapes.map((s) => s.gpus)),
    };
}

/**
 * Executor sizing for a node group of the given instance types (the catalogue's shapes): sized to
 * the smallest shape they share, with one GPU per executor on a GPU group.
 */
export function executorSizingForInstanceTypes(instanceTypes: readonly string[], gpu: boolean): ExecutorSizing {
    const shapes = instanceTypes.map((t) => {
        const shape = instanceShape(t);
        if (!shape) throw new Error(`no shape for instance type ${t}`);
        return shape;
    });
    return executorSizing(smallestCommonShape(shapes), gpu ? { gpusPerExecutor: 1 } : {});
}

/**
 * Nodes of the given shape that hold the pods, placed largest first on the first node with room
 * (first-fit decreasing). A pod larger than an empty node throws: the scheduler could never place it.
 */
export function nodesFor(pods: readonly Resources[], shape: NodeShape): number {
    const room = allocatable(shape);
    const nodes: Resources[] = [];
    const sorted = [...pods].sort((a, b) => b.cpuMillis - a.cpuMillis || b.memoryMiB - a.memoryMiB);
    for (const pod of sorted) {
        if (pod.cpuMillis > room.cpuMillis || pod.memoryMiB > room.memoryMiB) {
            throw new Error(`a pod requesting ${pod.cpuMillis}m CPU and ${pod.memoryMiB} MiB does not fit a node leaving ${room.cpuMillis}m and ${room.memoryMiB} MiB for pods`);
        }
        const node = nodes.find((n) => n.cpuMillis >= pod.cpuMillis && n.memoryMiB >= pod.memoryMiB);
        if (node) {
            node.cpuMillis -= pod.cpuMillis;
            node.memoryMiB -= pod.memoryMiB;
        } else {
            nodes.push({ cpuMillis: room.cpuMillis - pod.cpuMillis, memoryMiB: room.memoryMiB - pod.memoryMiB });
        }
    }
    return nodes.length;
}
