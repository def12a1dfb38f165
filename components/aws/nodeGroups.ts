import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { instanceShape } from "../config/instanceTypes";
import { capacityLabel, nodeRoleLabel, roleTaints, Taint } from "../config/nodeRoles";
import { NodeGroupConfig, NodeGroupRole, NodeGroupsConfig } from "../config/schema";
import { serviceTrustPolicy } from "./iamPolicies";

/** What a node group of a role is, independent of AWS: capacity, AMI, labels, taints, autoscaler tags. */
export interface NodeGroupPlan {
    /** Node role the group serves: system, driver, executor or gpu. */
    readonly role: NodeGroupRole;
    /** SPOT for executors, which Spark can lose and recompute; ON_DEMAND for every other role. */
    readonly capacityType: "ON_DEMAND" | "SPOT";
    /** EKS AMI: AL2023 with NVIDIA drivers for the gpu role, standard AL2023 otherwise. */
    readonly amiType: "AL2023_x86_64_STANDARD" | "AL2023_x86_64_NVIDIA";
    /** Node labels pod specs select on: the role, and spot or on-demand capacity. */
    readonly labels: Record<string, string>;
    /** The role's taints (roleTaints), which only that role's pods tolerate. */
    readonly taints: Taint[];
    /**
     * Tags on the Auto Scaling group that describe a node before one exists, so the cluster
     * autoscaler can scale a tainted or GPU group up from zero.
     */
    readonly autoscalerTags: Record<string, string>;
}

const eksTaintEffect = { NoSchedule: "NO_SCHEDULE" } as const;

export function nodeGroupPlan(role: NodeGroupRole, config: NodeGroupConfig): NodeGroupPlan {
    const capacityType = config.capacityType === "spot" ? "SPOT" : "ON_DEMAND";
    const labels: Record<string, string> = { [nodeRoleLabel]: role, [capacityLabel]: config.capacityType };
    const taints: Taint[] = [...roleTaints[role]];
    const gpus = Math.min(...config.instanceTypes.map((t) => instanceShape(t)?.gpus ?? 0));
    const template = "k8s.io/cluster-autoscaler/node-template";
    const autoscalerTags: Record<string, string> = {
        ...Object.fromEntries(Object.entries(labels).map(([k, v]) => [`${template}/label/${k}`, v])),
        [`${template}/label/eks.amazonaws.com/capacityType`]: capacityType,
        ...Object.fromEntries(taints.map((t) => [`${template}/taint/${t.key}`, `${t.value}:${t.effect}`])),
        ...(role === "gpu" ? { [`${template}/resources/nvidia.com/gpu`]: String(gpus) } : {}),
    };
    return {
        role,
        capacityType,
        amiType: role === "gpu" ? "AL2023_x86_64_NVIDIA" : "AL2023_x86_64_STANDARD",
        labels,
        taints,
        autoscalerTags,
    };
}

/**
 * AWS managed policies of a node role: join the cluster, pull images, run the VPC CNI, reach SSM.
 * Karpenter's node role (components/aws/karpenter.ts) gets the same ones, as upstream's does.
 */
export const nodeRoleManagedPolicies = ["AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly", "AmazonEKS_CNI_Policy", "AmazonSSMManagedInstanceCore"] as const;

/**
 * A node role (`<name>-node`) that EC2 instances assume, with nodeRoleManagedPolicies attached
 * (`<name>-node-<policy>`); the attachments are what nodes must wait for before they join.
 */
export function nodeRole(
    name: string,
    args: { readonly partition: pulumi.Input<string>; readonly description: string; readonly namePrefix?: string },
    opts: pulumi.CustomResourceOptions,
): { role: aws.iam.Role; attachments: aws.iam.RolePolicyAttachment[] } {
    const role = new aws.iam.Role(`${name}-node`, {
        ...(args.namePrefix ? { namePrefix: args.namePrefix } : {}),
        assumeRolePolicy: JSON.stringify(serviceTrustPolicy("ec2.amazonaws.com")),
        description: args.description,
    }, opts);
    const attachments = nodeRoleManagedPolicies.map(
        (policy) =>
            new aws.iam.RolePolicyAttachment(`${name}-node-${policy}`, {
                role: role.name,
                policyArn: pulumi.interpolate`arn:${args.partition}:iam::aws:policy/${policy}`,
            }, opts),
    );
    return { role, attachments };
}

/** Inputs of NodeGroups: the cluster, the node group config, subnets and key. */
export interface NodeGroupsArgs {
    /** EKS cluster the nodes join. */
    readonly clusterName: pulumi.Input<string>;
    /** The cluster's Kubernetes version; nodes follow it when it is upgraded. */
    readonly kubernetesVersion: pulumi.Input<string>;
    /** The nodeGroups config area: which roles are enabled, their instance types, sizes and disks. */
    readonly config: NodeGroupsConfig;
    /** Private subnets the nodes run in. */
    readonly subnetIds: pulumi.Input<string[]>;
    /** Key for the encrypted root volumes. */
    readonly kmsKeyArn: pulumi.Input<string>;
    /** AWS partition of the managed policy ARNs attached to the node role. */
    readonly partition: pulumi.Input<string>;
    /** What must exist before nodes join: the networking and credential add-ons. */
    readonly dependsOn?: pulumi.Resource[];
    /** Roles whose nodes come from Karpenter NodePools instead (cluster.nodeProvisioner "karpenter"): no group for them. */
    readonly provisionedByKarpenter?: readonly NodeGroupRole[];
}

/**
 * Managed node groups for system services, Spark drivers, spot executors and GPUs. Each comes from
 * a launch template with IMDSv2 required at hop limit 1 (pods cannot reach the node role; they get
 * AWS access from Pod Identity) and an encrypted gp3 root volume. No SSH: nodes are reachable
 * through SSM only.
 */
export class NodeGroups extends pulumi.ComponentResource {
    /** Managed node group names by role, for the enabled groups. */
    readonly nodeGroupNames: Partial<Record<NodeGroupRole, pulumi.Output<string>>> = {};
    readonly nodeRoleArn: pulumi.Output<string>;
    /** The node groups, for ordering what needs nodes after them. */
    readonly nodeGroups: aws.eks.NodeGroup[] = [];

    constructor(name: string, args: NodeGroupsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("spark-k8s:aws:NodeGroups", name, {}, opts);
        const parent = { parent: this };
        const { role, attachments } = nodeRole(name, { partition: args.partition, description: "EKS worker nodes: join the cluster, pull images, VPC CNI, SSM" }, parent);
        this.nodeRoleArn = role.arn;

        for (const groupRole of ["system", "driver", "executor", "gpu"] as const) {
            const config = args.config[groupRole];
            if (!config.enabled || args.provisionedByKarpenter?.includes(groupRole)) continue;
            const plan = nodeGroupPlan(groupRole, config);
            const groupName = `${name}-${groupRole}`;
            const launchTemplate = new aws.ec2.LaunchTemplate(groupName, {
                description: `${groupRole} nodes`,
                updateDefaultVersion: true,
                metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1, instanceMetadataTags: "disabled" },
                blockDeviceMappings: [
                    {
                        deviceName: "/dev/xvda",
                        ebs: { volumeSize: config.diskSizeGiB, volumeType: "gp3", encrypted: "true", kmsKeyId: args.kmsKeyArn, deleteOnTermination: "true" },
                    },
                ],
                tagSpecifications: [
                    { resourceType: "instance", tags: { Name: groupName, [nodeRoleLabel]: groupRole } },
                    { resourceType: "volume", tags: { Name: groupName } },
                ],
            }, parent);
            const nodeGroup = new aws.eks.NodeGroup(groupName, {
                clusterName: args.clusterName,
                version: args.kubernetesVersion,
                nodeGroupNamePrefix: `${groupRole}-`,
                nodeRoleArn: role.arn,
                subnetIds: args.subnetIds,
                capacityType: plan.capacityType,
                amiType: plan.amiType,
                instanceTypes: config.instanceTypes,
                scalingConfig: { minSize: config.minSize, desiredSize: config.desiredSize, maxSize: config.maxSize },
                updateConfig: { maxUnavailablePercentage: 33 },
                labels: plan.labels,
                taints: plan.taints.map((t) => ({ key: t.key, value: t.value, effect: eksTaintEffect[t.effect] })),
                launchTemplate: { id: launchTemplate.id, version: pulumi.interpolate`${launchTemplate.latestVersion}` },
                nodeRepairConfig: { enabled: true },
            }, {
                parent: this,
                dependsOn: [...attachments, ...(args.dependsOn ?? [])],
                // The cluster autoscaler owns the desired size once the group exists.
                ignoreChanges: ["scalingConfig.desiredSize"],
            });
            const asgName = nodeGroup.resources.apply((r) => r[0]?.autoscalingGroups?.[0]?.name ?? "");
            for (const [key, value] of Object.entries(plan.autoscalerTags)) {
                const suffix = key.replace(/^k8s\.io\/cluster-autoscaler\/node-template\//, "").replace(/[^A-Za-z0-9-]+/g, "-");
                new aws.autoscaling.Tag(`${groupName}-${suffix}`, {
                    autoscalingGroupName: asgName,
                    tag: { key, value, propagateAtLaunch: false },
                }, parent);
            }
            this.nodeGroupNames[groupRole] = nodeGroup.nodeGroupName;
            this.nodeGroups.push(nodeGroup);
        }
        this.registerOutputs({ nodeGroupNames: this.nodeGroupNames, nodeRoleArn: this.nodeRoleArn });
    }
}
