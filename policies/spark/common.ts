/**
 * What the Spark rules share: where Spark configuration lives (spark-defaults.conf in ConfigMaps,
 * SparkApplication fields and sparkConf), Spark's sizes, and node selection and tolerations.
 * Values unknown during preview are read through policies/lib/props.ts.
 */
import { parseQuantity, parseSparkMemory } from "../../components/kubernetes/quantity";
import { parseSparkDefaults } from "../../components/spark/sparkDefaults";
import { nodeRoleLabel, executorTaint, gpuResource, gpuTaint } from "../../components/config/nodeRoles";
import { asRecord, at, booleanOf, isUnknown, textAt, textHasUnknown } from "../lib/props";
import { FoundPodSpec, podBearingTypes } from "../lib/podSpecs";

export { nodeRoleLabel, executorTaint, gpuResource, gpuTaint };

export const types = {
    ...podBearingTypes,
    nodeGroup: "aws:eks/nodeGroup:NodeGroup",
} as const;

/** The ConfigMap data key Spark reads its defaults from. */
export const sparkDefaultsKey = "spark-defaults.conf";
/** Label of the Spark standalone worker pods, which host executors. */
export const standaloneWorkerComponent = "spark-worker";

/** Where a set of Spark properties comes from, for messages. */
export interface SparkConfSource {
    /** "ConfigMap spark-connect-35 data.spark-defaults.conf" or "SparkApplication etl spec". */
    readonly where: string;
    readonly conf: Record<string, string>;
}

/** spark-defaults.conf of a ConfigMap: the parsed properties, or an error when it cannot be read; undefined when absent or unknown. */
export function sparkDefaultsOf(props: Record<string, unknown>): { conf?: Record<string, string>; error?: string } | undefined {
    const text = at(props, "data", sparkDefaultsKey);
    if (typeof text !== "string" || isUnknown(text)) return undefined;
    if (textHasUnknown(text)) return undefined;
    try {
        return { conf: parseSparkDefaults(text) };
    } catch (err) {
        return { error: (err as Error).message };
    }
}

/**
 * Whether a spark-defaults.conf configures applications (they submit and size executors) rather
 * than a server that only reads event logs: it names a master, or sets executor or dynamic
 * allocation keys. The History Server's file does none of these.
 */
export function configuresApplications(conf: Record<string, string>): boolean {
    return Object.keys(conf).some((k) => k === "spark.master" || k.startsWith("spark.executor.") || k.startsWith("spark.dynamicAllocation."));
}

/** The SparkApplication spec of a SparkApplication or ScheduledSparkApplication, with its path. */
export function sparkApplicationSpec(type: string, props: Record<string, unknown>): { path: string; spec: Record<string, unknown> } | undefined {
    if (type === types.sparkApplication) {
        const spec = asRecord(props.spec);
        return spec ? { path: "spec", spec } : undefined;
    }
    if (type === types.scheduledSparkApplication) {
        const spec = asRecord(at(props, "spec", "template"));
        return spec ? { path: "spec.template", spec } : undefined;
    }
    return undefined;
}

/** sparkConf of a SparkApplication spec as strings (unknown and non-scalar values left out). */
export function sparkConfOf(spec: Record<string, unknown>): Record<string, string> {
    const conf = asRecord(spec.sparkConf) ?? {};
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(conf)) {
        if ((typeof v === "string" && !isUnknown(v)) || typeof v === "number" || typeof v === "boolean") out[k] = String(v);
    }
    return out;
}

/** A Spark memory size in MiB, as Spark reads it (no suffix means MiB); undefined when missing, unknown or not a size. */
export function memoryMiB(value: unknown): number | undefined {
    const bytes = parseSparkMemory(value);
    return bytes === undefined ? undefined : bytes / 2 ** 20;
}

/** Cores: a number or a Kubernetes CPU quantity ("2", "500m"), above zero; undefined otherwise. */
export function coresOf(value: unknown): number | undefined {
    const cores = parseQuantity(value);
    return cores !== undefined && cores > 0 ? cores : undefined;
}

/** A memory size for messages: "14358 MiB". */
export const showMiB = (n: number) => `${Math.round(n)} MiB`;

/**
 * Memory Spark on Kubernetes requests for an executor or driver pod: heap + overhead (given, or
 * max(384 MiB, factor × heap) with spark.{role}.memoryOverheadFactor, default 0.10) + PySpark
 * memory + off-heap memory when enabled. undefined when the heap is not known.
 */
export function podMemoryMiB(role: "driver" | "executor", conf: Record<string, string>, fields: { memory?: unknown; memoryOverhead?: unknown } = {}): { heap: number; overhead: number; total: number } | undefined {
    const heap = memoryMiB(fields.memory ?? conf[`spark.${role}.memory`]);
    if (heap === undefined) return undefined;
    const given = memoryMiB(fields.memoryOverhead ?? conf[`spark.${role}.memoryOverhead`]);
    const factorText = conf[`spark.${role}.memoryOverheadFactor`] ?? conf["spark.kubernetes.memoryOverheadFactor"];
    const factor = factorText !== undefined && Number.isFinite(Number(factorText)) ? Number(factorText) : 0.1;
    const overhead = given ?? Math.max(384, Math.floor(factor * heap));
    const pyspark = role === "executor" ? (memoryMiB(conf["spark.executor.pyspark.memory"]) ?? 0) : 0;
    const offHeap = booleanOf(conf["spark.memory.offHeap.enabled"]) ? (memoryMiB(conf["spark.memory.offHeap.size"]) ?? 0) : 0;
    return { heap, overhead, total: heap + overhead + pyspark + offHeap };
}

// ---------------------------------------------------------------------------------------------
// Node selection and tolerations of a pod spec

/** Values a pod requires for a node label: its nodeSelector and required node-affinity "In" terms. */
export function requiredNodeLabelValues(spec: Record<string, unknown>, label: string): string[] {
    const values: string[] = [];
    const selected = at(spec, "nodeSelector", label);
    if (typeof selected === "string" && !isUnknown(selected)) values.push(selected);
    const terms = at(spec, "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms");
    for (const term of Array.isArray(terms) ? terms : []) {
        const expressions = at(term, "matchExpressions");
        for (const e of Array.isArray(expressions) ? expressions : []) {
            if (textAt(e, "key") !== label || textAt(e, "operator") !== "In") continue;
            const list = at(e, "values");
            for (const v of Array.isArray(list) ? list : []) if (typeof v === "string" && !isUnknown(v)) values.push(v);
        }
    }
    return values;
}

export function selectsNodeLabel(spec: Record<string, unknown>, label: string, value: string, caseInsensitive = false): boolean {
    return requiredNodeLabelValues(spec, label).some((v) => (caseInsensitive ? v.toLowerCase() === value.toLowerCase() : v === value));
}

/** How a pod tolerates a taint key: by a toleration naming the key, by a key-less Exists toleration, or not. */
export function toleration(spec: Record<string, unknown>, taint: { key: string; value: string; effect: string }): "explicit" | "wildcard" | undefined {
    const list = at(spec, "tolerations");
    let found: "explicit" | "wildcard" | undefined;
    for (const t of Array.isArray(list) ? list : []) {
        const key = textAt(t, "key");
        const operator = textAt(t, "operator") ?? "Equal";
        const effect = textAt(t, "effect");
        if (effect && effect !== taint.effect) continue;
        if (!key && operator === "Exists") {
            found = found ?? "wildcard";
            continue;
        }
        if (key !== taint.key) continue;
        if (operator === "Exists" || (operator === "Equal" && (textAt(t, "value") ?? "") === taint.value)) return "explicit";
    }
    return found;
}

/** Labels of the pod and of the resource that holds it. */
export function labelsOfPod(found: FoundPodSpec, props: Record<string, unknown>): Record<string, string> {
    const resourceLabels = asRecord(at(props, "metadata", "labels")) ?? {};
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...resourceLabels, ...found.labels })) if (typeof v === "string") out[k] = v;
    return out;
}

/**
 * A pod spec with the node selection Spark adds on top of it: a SparkApplication's spec.nodeSelector
 * (driver and executor alike) and spark.kubernetes.node.selector.* / spark.kubernetes.{driver,executor}.node.selector.*
 * from its sparkConf or from the spark-defaults.conf beside a pod template.
 */
export function effectivePodSpec(type: string, props: Record<string, unknown>, found: FoundPodSpec): Record<string, unknown> {
    let conf: Record<string, string> | undefined;
    let appSelector: Record<string, unknown> = {};
    const app = sparkApplicationSpec(type, props);
    if (app) {
        conf = sparkConfOf(app.spec);
        appSelector = asRecord(app.spec.nodeSelector) ?? {};
    } else if (type === types.configMap) {
        conf = sparkDefaultsOf(props)?.conf;
    }
    const fromConf: Record<string, string> = {};
    if (conf && (found.role === "driver" || found.role === "executor")) {
        for (const prefix of ["spark.kubernetes.node.selector.", `spark.kubernetes.${found.role}.node.selector.`]) {
            for (const [k, v] of Object.entries(conf)) if (k.startsWith(prefix)) fromConf[k.slice(prefix.length)] = v;
        }
    }
    if (Object.keys(appSelector).length === 0 && Object.keys(fromConf).length === 0) return found.spec;
    return { ...found.spec, nodeSelector: { ...appSelector, ...(asRecord(found.spec.nodeSelector) ?? {}), ...fromConf } };
}
