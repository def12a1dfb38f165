/**
 * EKS managed node groups and Karpenter NodePools: no SSH, a size cap per environment, and taints
 * that keep ordinary pods off spot and GPU capacity.
 */
import { enforcement, PlatformResourceRule, configOf } from "../lib/rule";
import { instanceShape } from "../../components/config/instanceTypes";
import { gpuTaint, nodeRoleLabel } from "../../components/config/nodeRoles";
import { awsTypes, show, subject } from "./common";
import { karpenterTypes, nodePoolAllowsSpot, nodePoolInstanceTypes, nodePoolRole } from "../lib/nodePools";
import { isUnknown, read, readList, UNKNOWN } from "../lib/props";

/**
 * The most nodes a NodePool can hold: its spec.limits.cpu over the fewest vCPUs among its instance
 * types. undefined when the limit, the list or a shape is not known; Infinity without a CPU limit.
 */
export function nodePoolMaxNodes(props: Record<string, unknown>): number | undefined {
    const cpu = read(props, "spec", "limits", "cpu");
    if (cpu === UNKNOWN) return undefined;
    if (cpu === undefined) return Infinity;
    const types = nodePoolInstanceTypes(props);
    const shapes = types?.map(instanceShape);
    if (!shapes || shapes.length === 0 || shapes.some((x) => x === undefined)) return undefined;
    const cores = Number(cpu);
    if (!Number.isFinite(cores)) return undefined;
    return Math.floor(cores / Math.min(...shapes.map((x) => x!.vcpu)));
}

export { nodeRoleLabel };
/** The taint key GPU groups must carry (the NVIDIA convention the device plugin tolerates). */
export const gpuTaintKey = gpuTaint.key;

export const noSsh: PlatformResourceRule = {
    kind: "resource",
    family: "aws",
    name: "no-ssh",
    description:
        "EKS managed node groups have no remoteAccess block (no SSH key, no port 22); nodes are reached through SSM. " +
        "A remoteAccess that is unknown as a whole during preview is not reported.",
    severity: "high",
    remediation: "Remove remoteAccess from the node group; use AWS Systems Manager Session Manager (the node role has AmazonSSMManagedInstanceCore).",
    defaultEnforcement: enforcement.core,
    validateResource: (args, report) => {
        if (args.type !== awsTypes.eksNodeGroup) return;
        const remote = read(args.props, "remoteAccess");
        if (remote === UNKNOWN || remote === undefined || remote === null) return;
        report(`${subject(args)}: remoteAccess is set (${show(remote)}); node groups must not allow SSH.`);
    },
};

export interface NodeGroupSizeCapConfig {
    /** Largest maxSize of a node group. */
    readonly maxNodes: number;
    /** Largest maxSize of the Spark executor group (label spark-k8s/node-role=executor). */
    readonly executorMaxNodes: number;
}

export const nodeGroupSizeCapDefaults: NodeGroupSizeCapConfig = { maxNodes: 100, executorMaxNodes: 1000 };

export const nodeGroupSizeCap: PlatformResourceRule = {
    kind: "resource",
    family: "aws",
    name: "node-group-size-cap",
    description:
        "A node group's scalingConfig.maxSize stays within the environment's cap: config maxNodes (default 100), or executorMaxNodes " +
        `(default 1000) for the Spark executor group (label ${nodeRoleLabel}=executor). Unknown maxSize is not reported; with unknown labels ` +
        "only the executor cap applies. A Karpenter NodePool is held to the same caps by the nodes its spec.limits.cpu allows of its smallest " +
        "instance type (a pool without a CPU limit has no bound and is reported).",
    severity: "medium",
    remediation: "Lower nodeGroups.<role>.maxSize (a NodePool's limits follow it), or raise the cap for this environment in the policy pack config (maxNodes, executorMaxNodes).",
    defaultEnforcement: enforcement.strict,
    configSchema: {
        properties: {
            maxNodes: { type: "integer", minimum: 0, default: nodeGroupSizeCapDefaults.maxNodes, description: "Largest maxSize of a node group." },
            executorMaxNodes: {
                type: "integer",
                minimum: 0,
                default: nodeGroupSizeCapDefaults.executorMaxNodes,
                description: `Largest maxSize of the executor node group (label ${nodeRoleLabel}=executor).`,
            },
        },
    },
    validateResource: (args, report) => {
        if (args.type === karpenterTypes.nodePool) {
            const config = configOf(args, nodeGroupSizeCapDefaults);
            const maxNodes = nodePoolMaxNodes(args.props);
            if (maxNodes === undefined) return;
            const role = nodePoolRole(args.props);
            const cap = role === "executor" ? config.executorMaxNodes : config.maxNodes;
            if (maxNodes > cap) {
                const limit = maxNodes === Infinity ? "has no spec.limits.cpu, so no bound on its nodes" : `spec.limits.cpu allows ${maxNodes} nodes of its smallest instance type`;
                report(`${subject(args)}: NodePool ${limit}, above ${role === "executor" ? "executorMaxNodes" : "maxNodes"} ${cap}.`);
            }
            return;
        }
        if (args.type !== awsTypes.eksNodeGroup) return;
        const config = configOf(args, nodeGroupSizeCapDefaults);
        const maxSize = read(args.props, "scalingConfig", "maxSize");
        if (typeof maxSize !== "number") return; // unknown or absent (the provider requires it)
        const role = read(args.props, "labels", nodeRoleLabel);
        if (role === UNKNOWN) {
            if (maxSize > Math.max(config.maxNodes, config.executorMaxNodes)) {
                report(`${subject(args)}: scalingConfig.maxSize ${maxSize} exceeds every cap (maxNodes ${config.maxNodes}, executorMaxNodes ${config.executorMaxNodes}).`);
            }
            return;
        }
        const isExecutor = role === "executor";
        const cap = isExecutor ? config.executorMaxNodes : config.maxNodes;
        if (maxSize > cap) {
            report(`${subject(args)}: scalingConfig.maxSize ${maxSize} exceeds ${isExecutor ? "executorMaxNodes" : "maxNodes"} ${cap}${isExecutor ? " for the executor group" : ""}.`);
        }
    },
};

/** GPU AMI types: AL2023_x86_64_NVIDIA, AL2_x86_64_GPU, BOTTLEROCKET_*_NVIDIA and the like. */
export function isGpuAmiType(amiType: unknown): boolean {
    return typeof amiType === "string" && (/_GPU$/i.test(amiType) || /NVIDIA/i.test(amiType));
}

/** Taint effects that keep pods without a toleration off the nodes. */
const repellingEffects = new Set(["NO_SCHEDULE", "NO_EXECUTE"]);

export interface SpotAndGpuTaintedConfig {
    /**
     * Node roles (label spark-k8s/node-role) whose spot groups may go untainted, because every pod of
     * the role accepts interruption there. Dev lists system and driver; elsewhere it is empty.
     */
    readonly untaintedSpotRoles: readonly string[];
}

export const spotAndGpuTaintedDefaults: SpotAndGpuTaintedConfig = { untaintedSpotRoles: [] };

export const spotAndGpuTainted: PlatformResourceRule = {
    kind: "resource",
    family: "aws",
    name: "spot-and-gpu-tainted",
    description:
        "A SPOT node group (capacityType) carries a NO_SCHEDULE taint, and a GPU node group (amiType *_GPU or *NVIDIA*) carries a " +
        `NO_SCHEDULE taint with key ${gpuTaintKey}, so only pods that tolerate interruption or need GPUs land there (NO_EXECUTE also counts). ` +
        `A SPOT group whose role (label ${nodeRoleLabel}) is in config untaintedSpotRoles (dev: system and driver, which dev runs on spot ` +
        "to save cost) may go untainted. A Karpenter NodePool that may launch spot capacity or GPU instance types is held to the same " +
        "(its taints say NoSchedule). Unknown capacityType, amiType, labels, requirements or taints are not reported.",
    severity: "medium",
    remediation: `Add taints: [{ key: "spark-k8s/executor", value: "true", effect: "NO_SCHEDULE" }] to spot groups and [{ key: "${gpuTaintKey}", value: "true", effect: "NO_SCHEDULE" }] to GPU groups (effect NoSchedule in a NodePool's spec.template.spec.taints), or run the group on-demand.`,
    defaultEnforcement: enforcement.core,
    configSchema: {
        properties: {
            untaintedSpotRoles: {
                type: "array",
                items: { type: "string" },
                default: [],
                description: `Node roles (label ${nodeRoleLabel}) whose SPOT groups may carry no taint.`,
            },
        },
    },
    validateResource: (args, report) => {
        if (args.type === karpenterTypes.nodePool) {
            nodePoolTaints(args.props, subject(args), report);
            return;
        }
        if (args.type !== awsTypes.eksNodeGroup) return;
        const config = configOf(args, spotAndGpuTaintedDefaults);
        const capacityType = read(args.props, "capacityType");
        const amiType = read(args.props, "amiType");
        const isGpu = isGpuAmiType(amiType);
        let isSpot = capacityType === "SPOT";
        if (isSpot && !isGpu) {
            const role = read(args.props, "labels", nodeRoleLabel);
            if (role === UNKNOWN) return;
            if (typeof role === "string" && config.untaintedSpotRoles.includes(role)) isSpot = false;
        }
        if (!isSpot && !isGpu) return;
        const taints = readList(args.props, "taints");
        if (taints === UNKNOWN) return;
        if ((taints ?? []).some((t) => t === UNKNOWN || read(t, "effect") === UNKNOWN || read(t, "key") === UNKNOWN)) return;
        const repelling = (taints ?? []).filter((t) => {
            const effect = read(t, "effect");
            return typeof effect === "string" && repellingEffects.has(effect);
        });
        if (isGpu && !repelling.some((t) => read(t, "key") === gpuTaintKey)) {
            report(`${subject(args)}: amiType ${show(amiType)} is a GPU AMI but taints has no NO_SCHEDULE taint with key "${gpuTaintKey}" (taints: ${show(taints)}).`);
        } else if (isSpot && repelling.length === 0) {
            report(`${subject(args)}: capacityType is "SPOT" but taints has no NO_SCHEDULE taint (taints: ${show(taints)}); roles allowed untainted: ${show(config.untaintedSpotRoles)}.`);
        }
    },
};

/**
 * spot-and-gpu-tainted for a NodePool: one that may launch spot capacity (its capacity-type
 * requirement includes spot, or it has none) or any GPU instance type carries a repelling taint,
 * the GPU taint for GPU types. Unknown requirements or taints are not reported.
 */
function nodePoolTaints(props: Record<string, unknown>, who: string, report: (message: string) => void): void {
    const spot = nodePoolAllowsSpot(props);
    const types = nodePoolInstanceTypes(props);
    const gpu = (types ?? []).some((t) => (instanceShape(t)?.gpus ?? 0) > 0);
    if (spot === undefined || (!spot && !gpu)) return;
    const taints = readList(props, "spec", "template", "spec", "taints");
    if (taints === UNKNOWN || (taints ?? []).some((t) => isUnknown(read(t, "key")) || read(t, "key") === UNKNOWN || read(t, "effect") === UNKNOWN)) return;
    const repelling = (taints ?? []).filter((t) => read(t, "effect") === "NoSchedule" || read(t, "effect") === "NoExecute");
    if (gpu && !repelling.some((t) => read(t, "key") === gpuTaintKey)) {
        report(`${who}: NodePool may launch GPU instance types (${(types ?? []).join(", ")}) but has no NoSchedule taint with key "${gpuTaintKey}" (taints: ${show(taints)}).`);
    } else if (spot && repelling.length === 0) {
        report(`${who}: NodePool may launch spot capacity (karpenter.sh/capacity-type) but has no NoSchedule taint (taints: ${show(taints)}).`);
    }
}

export const nodeGroupRules = [noSsh, nodeGroupSizeCap, spotAndGpuTainted];
