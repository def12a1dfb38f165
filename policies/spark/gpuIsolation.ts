/**
 * gpu-isolation: GPU nodes host only pods that use a GPU. A container that requests nvidia.com/gpu
 * runs in a pod that tolerates the nvidia.com/gpu taint (else it never schedules), and a pod that
 * tolerates that taint or selects the gpu node role requests a GPU (else it occupies an expensive
 * node, and keeps the autoscaler from scaling the group back to zero).
 *
 * Exception: DaemonSets, whose pods (the NVIDIA device plugin, node agents) run on GPU nodes
 * without requesting GPUs, by design.
 *
 * A Spark pod requests GPUs through its configuration as well: spark.{driver,executor}.resource.gpu.amount
 * with vendor nvidia.com makes Spark add nvidia.com/gpu to the container, so the SparkApplication's
 * sparkConf and the spark-defaults.conf beside an executor pod template count as requests.
 */
import { enforcement, PlatformResourceRule } from "../lib/rule";
import { containersOf, describeContainer, FoundPodSpec, podSpecsOf } from "../lib/podSpecs";
import { effectivePodSpec, gpuResource, gpuTaint, nodeRoleLabel, selectsNodeLabel, sparkApplicationSpec, sparkConfOf, sparkDefaultsOf, toleration, types } from "./common";
import { asRecord, describeResource, isUnknown, known, textAt } from "../lib/props";

function positive(value: unknown): boolean {
    if (typeof value === "number") return value > 0;
    if (typeof value === "string" && !isUnknown(value)) return Number(value) > 0;
    return false;
}

/** How a container asks for nvidia.com/gpu: resources limits/requests, or the SparkApplication gpu field. */
function containerRequestsGpu(container: Record<string, unknown>): boolean {
    const resources = asRecord(container.resources) ?? {};
    if (positive(asRecord(resources.limits)?.[gpuResource]) || positive(asRecord(resources.requests)?.[gpuResource])) return true;
    const gpu = asRecord(container.gpu);
    return !!gpu && textAt(gpu, "name") === gpuResource && positive(gpu.quantity);
}

/** The Spark key that makes Spark add nvidia.com/gpu to a pod of the role, when it does. */
function sparkConfGpu(conf: Record<string, string> | undefined, role: FoundPodSpec["role"]): string | undefined {
    if (!conf || (role !== "driver" && role !== "executor")) return undefined;
    const amount = `spark.${role}.resource.gpu.amount`;
    return positive(conf[amount]) && conf[`spark.${role}.resource.gpu.vendor`] === "nvidia.com" ? amount : undefined;
}

const gpuTaintText = `${gpuTaint.key}=${gpuTaint.value}:${gpuTaint.effect}`;

export const gpuIsolation: PlatformResourceRule = {
    kind: "resource",
    family: "spark",
    name: "gpu-isolation",
    description: "Pods that request nvidia.com/gpu tolerate the GPU taint, and only pods that request a GPU tolerate it or select GPU nodes (DaemonSets excepted).",
    severity: "high",
    remediation:
        `Give pods that request ${gpuResource} the toleration ${gpuTaintText}; remove that toleration and any ${nodeRoleLabel}=gpu selection from pods ` +
        "that do not request a GPU (Spark executors request one through spark.executor.resource.gpu.amount with vendor nvidia.com).",
    defaultEnforcement: enforcement.core,
    validateResource: (args, report) => {
        if (args.type === types.daemonSet) return;
        const props = args.props;
        known(() => {
            const app = sparkApplicationSpec(args.type, props);
            const conf = app ? sparkConfOf(app.spec) : args.type === types.configMap ? sparkDefaultsOf(props)?.conf : undefined;
            const resource = describeResource(args.type, args.name, props);
            for (const found of podSpecsOf(args.type, props)) {
                known(() => {
                    const requesting = containersOf(found.spec).filter((c) => containerRequestsGpu(c.container));
                    const confKey = sparkConfGpu(conf, found.role);
                    const tolerates = toleration(found.spec, gpuTaint);
                    const spec = effectivePodSpec(args.type, props, found);
                    if (requesting.length > 0 || confKey) {
                        if (tolerates) return;
                        for (const c of requesting) report(`${describeContainer(resource, found, c)}: requests ${gpuResource} but the pod does not tolerate ${gpuTaintText}; it can never schedule on a GPU node.`);
                        if (confKey && requesting.length === 0) report(`${resource} ${found.path}: ${confKey} asks Spark for ${gpuResource} but the pod does not tolerate ${gpuTaintText}; it can never schedule on a GPU node.`);
                        return;
                    }
                    if (tolerates === "explicit") report(`${resource} ${found.path}: tolerates ${gpuTaintText} but no container requests ${gpuResource}; only GPU workloads may run on GPU nodes.`);
                    else if (tolerates === "wildcard") report(`${resource} ${found.path}: tolerates every taint (operator Exists without a key), ${gpuTaintText} included, but requests no ${gpuResource}; only GPU workloads may run on GPU nodes.`);
                    if (selectsNodeLabel(spec, nodeRoleLabel, "gpu")) report(`${resource} ${found.path}: selects ${nodeRoleLabel}=gpu but no container requests ${gpuResource}; only GPU workloads may run on GPU nodes.`);
                });
            }
        });
    },
};
