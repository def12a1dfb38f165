/**
 * What Karpenter provisions when cluster.nodeProvisioner is "karpenter", as pure functions of the
 * node group config: one NodePool and one EC2NodeClass per Karpenter role (executor, gpu), and the
 * EventBridge rules that feed its interruption queue. The AWS side (components/aws/karpenter.ts)
 * and the Kubernetes side (components/services/karpenter.ts) only wire what these return.
 *
 * API and field names are those of Karpenter 1.13.0 (charts.karpenter), checked against
 * aws/karpenter-provider-aws website/content/en/v1.13/concepts/nodepools.md and nodeclasses.md
 * (karpenter.sh/v1 NodePool, karpenter.k8s.aws/v1 EC2NodeClass) and
 * website/content/en/v1.13/reference/cloudformation.md (the interruption rules); the integration
 * suite validates the manifests against the v1.13.0 CRDs (integration/karpenter/crds.test.ts).
 */
import { instanceShape, InstanceShape } from "../config/instanceTypes";
import { capacityLabel, emptyNodeGraceSeconds, KarpenterRole, karpenterRoles, nodeRoleLabel, roleTaints, Taint } from "../config/nodeRoles";
import { NodeGroupConfig, NodeGroupsConfig } from "../config/schema";
import { smallestCommonShape } from "../spark/sizing";

/** The custom resources Karpenter's chart defines and the platform creates. */
export const karpenterKinds = {
    nodePool: { apiVersion: "karpenter.sh/v1", kind: "NodePool" },
    nodeClass: { apiVersion: "karpenter.k8s.aws/v1", kind: "EC2NodeClass", group: "karpenter.k8s.aws" },
} as const;

/**
 * Tag by which EC2NodeClasses find the cluster's private subnets and node security group. The
 * network tags the subnets it creates with it (subnetTags); Karpenter tags existing ones and the
 * cluster security group.
 */
export const karpenterDiscoveryTag = "karpenter.sh/discovery";

/** Well-known node labels a NodePool's requirements constrain. */
export const karpenterLabels = {
    /** spot, on-demand or reserved; Karpenter sets it on every node it launches. */
    capacityType: "karpenter.sh/capacity-type",
    instanceType: "node.kubernetes.io/instance-type",
    arch: "kubernetes.io/arch",
    os: "kubernetes.io/os",
} as const;

/** Capacity types a platform NodePool allows, in Karpenter's words. */
export type KarpenterCapacityType = "spot" | "on-demand";

/**
 * The AMI every platform EC2NodeClass selects: the EKS-optimized Amazon Linux 2023 AMI of the
 * cluster's version, newest release, as the managed node groups' AL2023 AMI types track it. The
 * alias picks the NVIDIA variant for GPU instance types by itself.
 */
export const amiAlias = "al2023@latest";

/** How long an idle or underutilized node stays before Karpenter consolidates it; the cluster-autoscaler waits as long. */
export const consolidateAfter = `${emptyNodeGraceSeconds / 60}m`;

/**
 * Pod annotation that keeps Karpenter from disrupting the pod's node voluntarily (consolidation,
 * and drift until the node's terminationGracePeriod) and from evicting the pod while it drains
 * one (concepts/disruption.md, "Pod-Level Controls"). Spark executors carry it on Karpenter
 * stacks: moving a running executor loses its tasks and shuffle files. Spot interruptions and
 * expiry still take the node.
 */
export const doNotDisruptAnnotation = { "karpenter.sh/do-not-disrupt": "true" } as const;

/**
 * How long a node Karpenter retires (drift, expiry) may wait for pods that block eviction, such
 * as executors with doNotDisruptAnnotation, before it deletes them: an upper bound on a node's
 * drain, which upstream recommends setting with that annotation and expireAfter.
 */
export const terminationGracePeriod = "6h";

/** One Karpenter NodePool: what it may launch, and as many nodes as its node group's maxSize. */
export interface NodePoolPlan {
    /** The node role of its nodes: executor or gpu. */
    readonly role: KarpenterRole;
    /** NodePool and EC2NodeClass name. */
    readonly name: string;
    /** The instance types it may launch: the node group's, which share the executor shape. */
    readonly instanceTypes: readonly string[];
    /** Capacity it may launch, in Karpenter's order of preference: spot before on-demand. */
    readonly capacityTypes: readonly KarpenterCapacityType[];
    /** The most nodes it runs at once: the node group's maxSize. */
    readonly maxNodes: number;
    /** Root volume size, GiB. */
    readonly diskSizeGiB: number;
    /** Labels of every node: the role, and spark-k8s/capacity where only one capacity type is allowed. */
    readonly labels: Readonly<Record<string, string>>;
    /** The role's taints (roleTaints). */
    readonly taints: readonly Taint[];
    /**
     * spec.limits: maxNodes times the smallest shape of its instance types, so it never holds more
     * than maxNodes nodes of any of them.
     */
    readonly limits: Readonly<Record<string, string>>;
}

function shapesOf(instanceTypes: readonly string[]): InstanceShape[] {
    return instanceTypes.map((t) => {
        const shape = instanceShape(t);
        if (!shape) throw new Error(`no shape for instance type ${t}`);
        return shape;
    });
}

function nodePoolPlan(role: KarpenterRole, config: NodeGroupConfig): NodePoolPlan {
    // A spot group's pool (executors by default, which Spark can lose and recompute) takes spot
    // first and falls back to on-demand when EC2 has no spot capacity for any of the types; an
    // on-demand group's pool (GPU by default) launches on-demand only.
    const capacityTypes: KarpenterCapacityType[] = config.capacityType === "spot" ? ["spot", "on-demand"] : ["on-demand"];
    const shape = smallestCommonShape(shapesOf(config.instanceTypes));
    const n = config.maxSize;
    return {
        role,
        name: `spark-${role}`,
        instanceTypes: [...config.instanceTypes],
        capacityTypes,
        maxNodes: n,
        diskSizeGiB: config.diskSizeGiB,
        // A pool that mixes spot and on-demand cannot label its nodes with one capacity: there
        // karpenter.sh/capacity-type, which Karpenter sets per node, says which it is.
        labels: { [nodeRoleLabel]: role, ...(capacityTypes.length === 1 ? { [capacityLabel]: capacityTypes[0] } : {}) },
        taints: [...roleTaints[role]],
        limits: {
            cpu: String(n * shape.vcpu),
            memory: `${n * shape.memoryGiB}Gi`,
            ...(shape.gpus > 0 ? { "nvidia.com/gpu": String(n * shape.gpus) } : {}),
        },
    };
}

/**
 * The NodePools of the enabled Karpenter roles. The cost estimate prices each from its instance
 * types, capacity types and maxNodes; sizing reads the same instance types.
 */
export function nodePoolPlans(nodeGroups: NodeGroupsConfig): NodePoolPlan[] {
    return karpenterRoles.filter((role) => nodeGroups[role].enabled).map((role) => nodePoolPlan(role, nodeGroups[role]));
}

/** A node requirement of a NodePool, as Kubernetes node selector requirements read. */
export interface NodeRequirement {
    key: string;
    operator: "In" | "NotIn" | "Exists" | "DoesNotExist" | "Gt" | "Lt";
    values: string[];
}

/** The fields of a karpenter.sh/v1 NodePool the platform sets. */
export interface NodePoolManifest {
    apiVersion: string;
    kind: string;
    metadata: { name: string; labels: Record<string, string> };
    spec: {
        template: {
            metadata: { labels: Record<string, string> };
            spec: {
                nodeClassRef: { group: string; kind: string; name: string };
                requirements: NodeRequirement[];
                taints: { key: string; value: string; effect: string }[];
                expireAfter: string;
                terminationGracePeriod: string;
            };
        };
        disruption: { consolidationPolicy: string; consolidateAfter: string; budgets: { nodes: string }[] };
        limits?: Record<string, string>;
    };
}

/** The fields of a karpenter.k8s.aws/v1 EC2NodeClass the platform sets. */
export interface EC2NodeClassManifest {
    apiVersion: string;
    kind: string;
    metadata: { name: string; labels: Record<string, string> };
    spec: {
        role: string;
        amiSelectorTerms: { alias: string }[];
        subnetSelectorTerms: { tags: Record<string, string> }[];
        securityGroupSelectorTerms: { tags: Record<string, string> }[];
        metadataOptions?: { httpEndpoint: string; httpProtocolIPv6: string; httpPutResponseHopLimit: number; httpTokens: string };
        blockDeviceMappings: {
            deviceName: string;
            ebs: { volumeSize: string; volumeType: string; encrypted: boolean; kmsKeyID: string; deleteOnTermination: boolean };
        }[];
        tags: Record<string, string>;
    };
}

/** A NodePool as the Kubernetes API takes it (karpenter.sh/v1). */
export function nodePoolManifest(plan: NodePoolPlan): NodePoolManifest {
    return {
        apiVersion: karpenterKinds.nodePool.apiVersion,
        kind: karpenterKinds.nodePool.kind,
        metadata: { name: plan.name, labels: { [nodeRoleLabel]: plan.role } },
        spec: {
            template: {
                metadata: { labels: { ...plan.labels } },
                spec: {
                    nodeClassRef: { group: karpenterKinds.nodeClass.group, kind: karpenterKinds.nodeClass.kind, name: plan.name },
                    requirements: [
                        { key: karpenterLabels.instanceType, operator: "In", values: [...plan.instanceTypes] },
                        { key: karpenterLabels.capacityType, operator: "In", values: [...plan.capacityTypes] },
                        { key: karpenterLabels.arch, operator: "In", values: ["amd64"] },
                        { key: karpenterLabels.os, operator: "In", values: ["linux"] },
                    ],
                    taints: plan.taints.map((t) => ({ key: t.key, value: t.value, effect: t.effect })),
                    // Nodes are replaced monthly, as upstream's default NodePool does.
                    expireAfter: "720h",
                    terminationGracePeriod,
                },
            },
            disruption: {
                consolidationPolicy: "WhenEmptyOrUnderutilized",
                consolidateAfter,
                // At most a tenth of the pool's nodes are disrupted at once (rounded up).
                budgets: [{ nodes: "10%" }],
            },
            limits: { ...plan.limits },
        },
    };
}

/** What an EC2NodeClass needs besides its NodePool plan. */
export interface NodeClassInputs {
    /** EKS cluster name: the discovery tag's value. */
    readonly clusterName: string;
    /** Name of the IAM role Karpenter's nodes run with (Karpenter makes the instance profile). */
    readonly nodeRoleName: string;
    /** Platform KMS key the root volumes are encrypted with. */
    readonly kmsKeyArn: string;
    /** Tags of every instance and volume it launches (the platform's tags; the provider's default tags do not reach them). */
    readonly tags: Readonly<Record<string, string>>;
}

/**
 * An EC2NodeClass as the Kubernetes API takes it (karpenter.k8s.aws/v1): AL2023, the cluster's
 * private subnets and node security group by discovery tag, IMDSv2 only at hop limit 1 (pods
 * cannot reach the node role) and an encrypted gp3 root volume with the platform key, as the
 * managed node groups' launch templates have.
 */
export function ec2NodeClassManifest(plan: NodePoolPlan, inputs: NodeClassInputs): EC2NodeClassManifest {
    const discovery = { tags: { [karpenterDiscoveryTag]: inputs.clusterName } };
    return {
        apiVersion: karpenterKinds.nodeClass.apiVersion,
        kind: karpenterKinds.nodeClass.kind,
        metadata: { name: plan.name, labels: { [nodeRoleLabel]: plan.role } },
        spec: {
            role: inputs.nodeRoleName,
            amiSelectorTerms: [{ alias: amiAlias }],
            subnetSelectorTerms: [discovery],
            securityGroupSelectorTerms: [discovery],
            metadataOptions: { httpEndpoint: "enabled", httpProtocolIPv6: "disabled", httpPutResponseHopLimit: 1, httpTokens: "required" },
            blockDeviceMappings: [
                {
                    deviceName: "/dev/xvda",
                    ebs: { volumeSize: `${plan.diskSizeGiB}Gi`, volumeType: "gp3", encrypted: true, kmsKeyID: inputs.kmsKeyArn, deleteOnTermination: true },
                },
            ],
            tags: { ...inputs.tags, Name: `${inputs.clusterName}-${plan.role}`, [nodeRoleLabel]: plan.role },
        },
    };
}

/** One EventBridge rule that forwards instance events to the interruption queue. */
export interface InterruptionRule {
    /** Suffix of the rule's resource name. */
    readonly name: string;
    /** What the event means to Karpenter. */
    readonly description: string;
    /** The rule's event pattern. */
    readonly eventPattern: { readonly source: readonly string[]; readonly "detail-type": readonly string[] };
}

/**
 * The four rules of upstream's getting-started template (ScheduledChangeRule, SpotInterruptionRule,
 * RebalanceRule, InstanceStateChangeRule): Karpenter drains a node before EC2 reclaims, retires
 * or stops it.
 */
export const interruptionRules: readonly InterruptionRule[] = [
    { name: "scheduled-change", description: "AWS Health scheduled changes of instances", eventPattern: { source: ["aws.health"], "detail-type": ["AWS Health Event"] } },
    { name: "spot-interruption", description: "Two-minute spot interruption warnings", eventPattern: { source: ["aws.ec2"], "detail-type": ["EC2 Spot Instance Interruption Warning"] } },
    { name: "rebalance", description: "Spot rebalance recommendations", eventPattern: { source: ["aws.ec2"], "detail-type": ["EC2 Instance Rebalance Recommendation"] } },
    { name: "instance-state-change", description: "Instance state changes (stopping, terminated)", eventPattern: { source: ["aws.ec2"], "detail-type": ["EC2 Instance State-change Notification"] } },
];

/** Seconds the queue keeps a message: Karpenter's template keeps them 300 s; an older warning is moot. */
export const interruptionMessageRetentionSeconds = 300;
