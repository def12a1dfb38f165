/**
 * spark-resources-declared: every Spark driver and executor says how many cores and how much
 * memory and memory overhead it takes, within the platform's limits. Without them Spark falls back
 * to 1 core / 1 GiB executors, the node fill the sizing model computes is lost, and a pod's memory
 * limit no longer covers the JVM's off-heap use (OOMKilled executors).
 */
import { sparkMemoryPattern } from "../../components/kubernetes/quantity";
import { configOf, enforcement, PlatformResourceRule } from "../lib/rule";
import { configuresApplications, coresOf, memoryMiB, sparkApplicationSpec, sparkConfOf, sparkDefaultsOf, types, showMiB } from "./common";
import { asRecord, describeResource, isUnknown, known } from "../lib/props";

export interface SparkResourcesConfig {
    /** Most cores one driver or executor may ask for. */
    readonly maxCores: number;
    /** Most heap one driver or executor may ask for, as a Spark size ("256g"). */
    readonly maxMemory: string;
}

export const defaultMaxCores = 32;
export const defaultMaxMemory = "256g";
const defaults: SparkResourcesConfig = { maxCores: defaultMaxCores, maxMemory: defaultMaxMemory };

interface Limits {
    readonly maxCores: number;
    readonly maxMemoryMiB: number;
    readonly maxMemoryText: string;
}

function limitsOf(config: SparkResourcesConfig): Limits {
    return { maxCores: config.maxCores, maxMemoryMiB: memoryMiB(config.maxMemory) ?? Infinity, maxMemoryText: config.maxMemory };
}

const show = (v: unknown): string => (typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? String(v) : JSON.stringify(v));

/** Checks one set of cores/memory/overhead values; `names` says what each is called where it was read. */
function checkValues(
    where: string,
    values: { cores: unknown; memory: unknown; memoryOverhead: unknown },
    names: { cores: string; memory: string; memoryOverhead: string },
    limits: Limits,
    report: (message: string) => void,
): void {
    const missing = (v: unknown) => v === undefined || v === null || v === "";
    const entries = [
        ["cores", values.cores, names.cores],
        ["memory", values.memory, names.memory],
        ["memoryOverhead", values.memoryOverhead, names.memoryOverhead],
    ] as const;
    for (const [what, value, name] of entries) {
        if (isUnknown(value)) continue;
        if (missing(value)) {
            report(`${where}: ${name} is not set; declare the ${what === "cores" ? "cores" : what === "memory" ? "heap memory" : "memory overhead"} explicitly.`);
            continue;
        }
        if (what === "cores") {
            const cores = coresOf(value);
            if (cores === undefined) report(`${where}: ${name} "${show(value)}" is not a number of cores.`);
            else if (cores > limits.maxCores) report(`${where}: ${name} is ${cores}, above the limit of ${limits.maxCores} cores (config maxCores).`);
        } else {
            const size = memoryMiB(value);
            if (size === undefined) report(`${where}: ${name} "${show(value)}" is not a Spark memory size every Spark line reads: a whole number with b, k, m, g, t or p (e.g. 4g, 4096m).`);
            else if (what === "memory" && size > limits.maxMemoryMiB) report(`${where}: ${name} is ${show(value)} (${showMiB(size)}), above the limit of ${limits.maxMemoryText} (config maxMemory).`);
        }
    }
}

export const sparkResourcesDeclared: PlatformResourceRule = {
    kind: "resource",
    family: "spark",
    name: "spark-resources-declared",
    description: "Spark drivers and executors declare cores, memory and memory overhead within limits.",
    severity: "high",
    remediation:
        "Set cores (or coreRequest), memory and memoryOverhead on spec.driver and spec.executor of the SparkApplication, and spark.executor.cores, " +
        "spark.executor.memory and spark.executor.memoryOverhead in spark-defaults.conf (components/spark/sparkDefaults.ts derives them from the node " +
        "shape); keep cores ≤ maxCores and memory ≤ maxMemory.",
    defaultEnforcement: enforcement.core,
    configSchema: {
        properties: {
            maxCores: { type: "number", minimum: 1, default: defaultMaxCores, description: "Most cores one driver or executor may ask for." },
            maxMemory: { type: "string", pattern: sparkMemoryPattern, default: defaultMaxMemory, description: "Most heap one driver or executor may ask for (Spark size)." },
        },
    },
    validateResource: (args, report) => {
        const limits = limitsOf(configOf(args, defaults));
        const props = args.props;
        known(() => {
            const app = sparkApplicationSpec(args.type, props);
            if (app) {
                const conf = sparkConfOf(app.spec);
                const where = describeResource(args.type, args.name, props);
                for (const role of ["driver", "executor"] as const) {
                    known(() => {
                        const s = asRecord(app.spec[role]);
                        if (isUnknown(app.spec[role])) return;
                        if (!s) {
                            report(`${where}: ${app.path}.${role} is missing; declare the ${role}'s cores, memory and memoryOverhead.`);
                            return;
                        }
                        const field = (name: string) => `${app.path}.${role}.${name}`;
                        const fromConf = (key: string) => conf[`spark.${role}.${key}`];
                        const cores = s.cores ?? s.coreRequest ?? fromConf("cores");
                        checkValues(
                            where,
                            { cores, memory: s.memory ?? fromConf("memory"), memoryOverhead: s.memoryOverhead ?? fromConf("memoryOverhead") },
                            {
                                cores: s.cores !== undefined ? field("cores") : s.coreRequest !== undefined ? field("coreRequest") : `${field("cores")} (or coreRequest)`,
                                memory: field("memory"),
                                memoryOverhead: field("memoryOverhead"),
                            },
                            limits,
                            report,
                        );
                    });
                }
                return;
            }
            if (args.type !== types.configMap) return;
            const parsed = sparkDefaultsOf(props);
            if (!parsed) return;
            const where = `${describeResource(args.type, args.name, props)} data.spark-defaults.conf`;
            if (parsed.error) {
                report(`${where}: cannot be read (${parsed.error}).`);
                return;
            }
            const conf = parsed.conf ?? {};
            if (!configuresApplications(conf)) return;
            checkValues(
                where,
                { cores: conf["spark.executor.cores"], memory: conf["spark.executor.memory"], memoryOverhead: conf["spark.executor.memoryOverhead"] },
                { cores: "spark.executor.cores", memory: "spark.executor.memory", memoryOverhead: "spark.executor.memoryOverhead" },
                limits,
                report,
            );
        });
    },
};
