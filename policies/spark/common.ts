/**
 * What the Spark rules share: where Spark configuration lives (spark-defaults.conf in ConfigMaps,
 * SparkApplication fields and sparkConf), Spark's size units, node selection and tolerations, and
 * the guard that keeps values unknown during preview from failing a rule.
 * The sentinel strings are @pulumi/policy 1.21's (proxy.js); its typings do not export them.
 */
import { UnknownValueError } from "@pulumi/policy";
import { parseSparkDefaults } from "../../components/spark/sparkDefaults";
import { nodeRoleLabel, executorTaint, gpuResource, gpuTaint } from "../../components/config/nodeRoles";
import { at, textAt } from "../lib/rule";
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

/**
 * The sentinels @pulumi/policy puts where a value is unknown during preview (proxy.ts). A rule
 * that reads props through the analyzer's proxy gets an UnknownValueError instead; one that is
 * handed the plain values (tests, copies) sees these strings.
 */
const unknownSentinels = new Set([
    "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
    "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
    "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
    "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
    "030794c1-ac77-496b-92df-f27374a8bd58",
    "e48ece36-62e2-4504-bad9-02848725956a",
    "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
]);

export function isUnknown(value: unknown): boolean {
    return typeof value === "string" && unknownSentinels.has(value);
}

/** True when a value or anything inside it is unknown during preview. */
export function containsUnknown(value: unknown, depth = 0): boolean {
    if (isUnknown(value)) return true;
    if (depth > 12 || value === null || typeof value !== "object") return false;
    return Object.values(value).some((v) => containsUnknown(v, depth + 1));
}

/**
 * Runs one check and swallows what preview cannot know: the analyzer's UnknownValueError, or a
 * check that returns early on a sentinel. Reports made before the unknown was met stand.
 */
export function skippingUnknowns(check: () => void): void {
    try {
        check();
    } catch (err) {
        if (err instanceof UnknownValueError) return;
        throw err;
    }
}

const asRecord = (v: unknown): Record<string, unknown> | undefined => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
export { asRecord };

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
    // Text assembled from an unknown value carries the sentinel inside it.
    if ([...unknownSentinels].some((u) => text.includes(u))) return undefined;
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

/** A Spark boolean property: "true"/"false" in any case; undefined when unset or not a boolean. */
export function sparkBoolean(value: unknown): boolean | undefined {
    if (typeof value === "boolean") return value;
    if (typeof value !== "string") return undefined;
    const v = value.trim().toLowerCase();
    return v === "true" ? true : v === "false" ? false : undefined;
}

const binaryUnits: Record<string, number> = { k: 1 / 1024, m: 1, g: 1024, t: 1024 * 1024, p: 1024 * 1024 * 1024 };

/**
 * A Spark memory size in MiB: "4g", "4096m", "512k", "1t", the "…b" and "…i" spellings and
 * Kubernetes "Gi"/"Mi" quantities; a bare number is MiB, as spark.executor.memory reads it.
 * undefined when missing, unknown or not a size.
 */
export function memoryMiB(value: unknown): number | undefined {
    if (typeof value === "number") return Number.isFinite(value) && value >= 0 ? value : undefined;
    if (typeof value !== "string" || isUnknown(value)) return undefined;
    const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgtp])?(?:i?b?)\s*$/i.exec(value);
    if (!m) return undefined;
    return Number(m[1]) * binaryUnits[(m[2] ?? "m").toLowerCase()];
}

/** Cores: a number, a numeric string or a Kubernetes CPU quantity ("500m"); undefined otherwise. */
export function coresOf(value: unknown): number | undefined {
    if (typeof value === "number") return Number.isFinite(value) && value > 0 ? value : undefined;
    if (typeof value !== "string" || isUnknown(value)) return undefined;
    const m = /^\s*(\d+(?:\.\d+)?)\s*(m)?\s*$/.exec(value);
    if (!m) return undefined;
    const n = Number(m[1]) / (m[2] ? 1000 : 1);
    return n > 0 ? n : undefined;
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
    const offHeap = sparkBoolean(conf["spark.memory.offHeap.enabled"]) ? (memoryMiB(conf["spark.memory.offHeap.size"]) ?? 0) : 0;
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

/** "Deployment spark-connect-35" or "ConfigMap x": the kind and name a message starts with. */
export function describeResource(type: string, name: string, props?: Record<string, unknown>): string {
    const kind = type.split(":").pop() ?? type;
    const metaName = props ? textAt(props, "metadata", "name") : undefined;
    return `${kind} ${metaName && !isUnknown(metaName) ? metaName : name}`;
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
