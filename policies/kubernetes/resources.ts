/**
 * Container resources: every container states what it needs (requests) and how much memory it may
 * take (limits), and nothing asks for more than a node can give.
 */
import { gpuResource } from "../../components/config/nodeRoles";
import { enforcement, PlatformResourceRule, configOf } from "../lib/rule";
import { at, objectOrEmpty } from "../lib/props";
import { eachContainer } from "./common";
import { podBearingTypes } from "../lib/podSpecs";
import { parseQuantity, parseSparkMemory } from "../../components/kubernetes/quantity";

const sparkTypes: readonly string[] = [podBearingTypes.sparkApplication, podBearingTypes.scheduledSparkApplication];

/**
 * A container's CPU or memory amount in cores or bytes. SparkApplication driver and executor
 * memory is a Spark (JVM) memory string ("4g", "512m"), not a Kubernetes quantity; a Kubernetes
 * quantity there is still read, leniently.
 */
function amountOf(type: string, resource: string, value: unknown): number | undefined {
    if (resource === "memory" && sparkTypes.includes(type)) return parseSparkMemory(value) ?? parseQuantity(value);
    return parseQuantity(value);
}

const family = "kubernetes" as const;
const kind = "resource" as const;

export interface ContainerResourcesConfig {
    /** Require resources.limits.cpu on every container as well. Default false: CPU limits throttle Spark. */
    readonly requireCpuLimits: boolean;
}

export const containerResourcesDefaults: ContainerResourcesConfig = { requireCpuLimits: false };

const present = (v: unknown) => v !== undefined && v !== null && v !== "";

export const containerResources: PlatformResourceRule = {
    kind,
    family,
    name: "container-resources",
    description:
        "Every container must set resources.requests.cpu, resources.requests.memory and resources.limits.memory, each a valid " +
        "Kubernetes quantity (SparkApplication memory: a Spark memory string such as 4g); resources.limits.cpu only when config requireCpuLimits is true (default false). A resources, " +
        "requests or limits value that is not an object (unknown at preview) is skipped. SparkApplication driver and executor " +
        "requests come from cores and memory, the memory limit from memory.",
    severity: "high",
    remediation: "Set resources.requests.cpu, resources.requests.memory and resources.limits.memory (the platform's hardening helper sets the memory limit to the request).",
    defaultEnforcement: enforcement.core,
    configSchema: {
        properties: {
            requireCpuLimits: { type: "boolean", default: false, description: "Also require resources.limits.cpu on every container." },
        },
    },
    validateResource: (args, reportViolation) => {
        const config = configOf(args, containerResourcesDefaults);
        const required: [string, string][] = [
            ["requests", "cpu"],
            ["requests", "memory"],
            ["limits", "memory"],
            ...(config.requireCpuLimits ? [["limits", "cpu"] as [string, string]] : []),
        ];
        eachContainer(args, ({ where, container }) => {
            const resources = objectOrEmpty(container.container.resources);
            if (!resources) return;
            for (const [section, resource] of required) {
                const values = objectOrEmpty(resources[section]);
                if (!values) continue;
                const value = values[resource];
                if (!present(value)) reportViolation(`${where}: resources.${section}.${resource} is missing`);
                else if ((typeof value === "string" || typeof value === "number") && amountOf(args.type, resource, value) === undefined) {
                    reportViolation(`${where}: resources.${section}.${resource} "${String(value)}" is not a Kubernetes quantity`);
                }
            }
        });
    },
};

export interface ContainerMaximaConfig {
    /** Largest CPU a container may request or be limited to, as a quantity. Default "16". */
    readonly maxCpu: string;
    /** Largest memory a container may request or be limited to, as a quantity. Default "128Gi". */
    readonly maxMemory: string;
}

export const containerMaximaDefaults: ContainerMaximaConfig = { maxCpu: "16", maxMemory: "128Gi" };

/** The extended resource that marks a GPU container, exempt from the maxima (GPU nodes are larger). */
export { gpuResource };

function requestsGpu(container: Record<string, unknown>): boolean {
    const positive = (v: unknown) => (parseQuantity(v) ?? 0) > 0;
    if (positive(at(container, "resources", "requests", gpuResource)) || positive(at(container, "resources", "limits", gpuResource))) return true;
    // SparkApplication driver/executor: `gpu: { name: "nvidia.com/gpu", quantity: 1 }`.
    return at(container, "gpu", "name") === gpuResource && positive(at(container, "gpu", "quantity"));
}

export const containerLimitsWithinMaxima: PlatformResourceRule = {
    kind,
    family,
    name: "container-limits-within-maxima",
    description:
        "No container may request or be limited to more CPU than config maxCpu (default \"16\") or more memory than config " +
        "maxMemory (default \"128Gi\"), so every pod fits a node. A container that requests nvidia.com/gpu is exempt. Quantities " +
        "that cannot be read (unknown at preview) are skipped.",
    severity: "medium",
    remediation: "Lower the container's CPU or memory, or split the work across more executors; raise maxCpu/maxMemory in the pack config when nodes are larger.",
    defaultEnforcement: enforcement.strict,
    configSchema: {
        properties: {
            maxCpu: { type: "string", default: "16", description: "Largest CPU quantity a container may request or be limited to." },
            maxMemory: { type: "string", default: "128Gi", description: "Largest memory quantity a container may request or be limited to." },
        },
    },
    validateResource: (args, reportViolation) => {
        const config = configOf(args, containerMaximaDefaults);
        const maxima: [string, string, number][] = (["cpu", "memory"] as const).map((resource) => {
            const key = resource === "cpu" ? "maxCpu" : "maxMemory";
            const max = parseQuantity(config[key]);
            if (max === undefined) throw new Error(`${containerLimitsWithinMaxima.name}: config ${key} "${String(config[key])}" is not a Kubernetes quantity`);
            return [resource, config[key], max];
        });
        eachContainer(args, ({ where, container }) => {
            if (requestsGpu(container.container)) return;
            for (const section of ["requests", "limits"]) {
                for (const [resource, maxText, max] of maxima) {
                    const value = at(container.container, "resources", section, resource);
                    const amount = amountOf(args.type, resource, value);
                    if (amount !== undefined && amount > max) {
                        reportViolation(`${where}: resources.${section}.${resource} ${String(value)} is above the maximum ${maxText}`);
                    }
                }
            }
        });
    },
};

export const resourceRules: PlatformResourceRule[] = [containerResources, containerLimitsWithinMaxima];
