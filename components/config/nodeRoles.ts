/**
 * The node roles of the platform: what each node group is for, and the labels, taints and GPU
 * resource by which pods find or avoid its nodes. The AWS node groups, pod scheduling, config
 * validation and the policy pack all read them here.
 */

/** The roles, one node group each on AWS tiers. */
export const nodeRoles = ["system", "driver", "executor", "gpu"] as const;
export type NodeRole = (typeof nodeRoles)[number];

/** Label every platform node carries with its role; pod specs select on it. */
export const nodeRoleLabel = "spark-k8s/node-role";
/** Label that says whether a node is spot or on-demand capacity. */
export const capacityLabel = "spark-k8s/capacity";

/** A node taint in Kubernetes terms. */
export interface Taint {
    readonly key: string;
    readonly value: string;
    readonly effect: "NoSchedule";
}

/** Taint that keeps everything but executors off the spot executor nodes. */
export const executorTaint = { key: "spark-k8s/executor", value: "true", effect: "NoSchedule" } as const satisfies Taint;
/** Taint that keeps everything but GPU workloads off GPU nodes (the NVIDIA convention). */
export const gpuTaint = { key: "nvidia.com/gpu", value: "true", effect: "NoSchedule" } as const satisfies Taint;

/** The taints of each role's nodes; pods placed on a role tolerate exactly these. */
export const roleTaints: Readonly<Record<NodeRole, readonly Taint[]>> = { system: [], driver: [], executor: [executorTaint], gpu: [gpuTaint] };

/**
 * The roles whose nodes Karpenter provisions from NodePools when cluster.nodeProvisioner is
 * "karpenter"; the system and driver roles stay managed node groups.
 */
export const karpenterRoles = ["executor", "gpu"] as const satisfies readonly NodeRole[];
export type KarpenterRole = (typeof karpenterRoles)[number];

/** The extended resource the NVIDIA device plugin advertises and GPU containers claim. */
export const gpuResource = "nvidia.com/gpu";

/**
 * How long an empty (or, with Karpenter, underutilized) node stays before the cluster-autoscaler
 * (scale-down-unneeded-time) or Karpenter (consolidateAfter) removes it; the rightsizing
 * calculator bills each node this long past the job.
 */
export const emptyNodeGraceSeconds = 300;
