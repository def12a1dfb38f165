/**
 * The node-group contract turned into pod scheduling: which nodes a pod selects and which taints
 * it tolerates. Spread the result into a PodSpecInput.
 */
import * as k8s from "@pulumi/kubernetes";
import { gpuResource, NodeRole, nodeRoleLabel, roleTaints, Taint } from "../config/nodeRoles";

/** The scheduling fields of a pod spec; empty on a cluster without platform node groups. */
export interface Placement {
    /** The node-role label of the target node group. */
    readonly nodeSelector?: Record<string, string>;
    /** Tolerations of that role's taints; absent for roles without taints. */
    readonly tolerations?: k8s.types.input.core.v1.Toleration[];
    /** Extra affinity; the role helpers here never set it. */
    readonly affinity?: k8s.types.input.core.v1.Affinity;
}

/** Options of the placement helpers (onSystemNodes, onDriverNodes, onExecutorNodes, onGpuNodes). */
export interface PlacementOptions {
    /**
     * Whether the platform's node groups exist. False on the local tier, which runs on an existing
     * cluster without the role labels and taints: the helpers then return no selector or tolerations.
     */
    readonly nodeGroups?: boolean;
}

/** GPU placement plus the container limits that claim the GPUs. */
export interface GpuScheduling {
    /** Selector and tolerations of the GPU nodes; empty when nodeGroups is false. */
    readonly placement: Placement;
    /** Merge into the GPU container's `resources.limits`; the device plugin sets the request equal. */
    readonly limits: { readonly [gpuResource]: string };
}

function tolerate(taint: Taint): k8s.types.input.core.v1.Toleration {
    return { key: taint.key, operator: "Equal", value: taint.value, effect: taint.effect };
}

function onRole(role: NodeRole, options: PlacementOptions): Placement {
    if (options.nodeGroups === false) return {};
    const taints = roleTaints[role];
    return {
        nodeSelector: { [nodeRoleLabel]: role },
        ...(taints.length > 0 ? { tolerations: taints.map(tolerate) } : {}),
    };
}

/** Platform services (operators, metastore, notebooks, observability) on the on-demand system nodes. */
export function onSystemNodes(options: PlacementOptions = {}): Placement {
    return onRole("system", options);
}

/** Spark drivers on on-demand driver nodes, so a spot reclaim never kills a whole application. */
export function onDriverNodes(options: PlacementOptions = {}): Placement {
    return onRole("driver", options);
}

/** Spark executors on the spot executor nodes, tolerating the taint that keeps everything else off them. */
export function onExecutorNodes(options: PlacementOptions = {}): Placement {
    return onRole("executor", options);
}

/**
 * A GPU workload on the GPU nodes, tolerating their taint, with limits claiming `gpus` GPUs. The
 * limits stay on the local tier too: without a GPU the pod should wait, not run without one.
 */
export function onGpuNodes(gpus: number, options: PlacementOptions = {}): GpuScheduling {
    if (!Number.isInteger(gpus) || gpus < 1) throw new Error(`onGpuNodes: gpus must be a positive integer, got ${gpus}`);
    return { placement: onRole("gpu", options), limits: { [gpuResource]: String(gpus) } };
}
