import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { interruptionQueuePolicy } from "./iamPolicies";
import { interruptionMessageRetentionSeconds, interruptionRules, karpenterDiscoveryTag } from "./karpenterPlan";
import { nodeRole } from "./nodeGroups";

/** Inputs of KarpenterInfrastructure: the cluster and what its nodes are found by. */
export interface KarpenterInfrastructureArgs {
    /** EKS cluster the nodes join (the cluster resource's output, so entries wait for it). */
    readonly clusterName: pulumi.Input<string>;
    /** Platform id (`<platformName>-<stack>`): the cluster name as a plain string, the discovery tag's value and the prefix of names. */
    readonly platformId: string;
    /** AWS partition of the managed policy ARNs. */
    readonly partition: pulumi.Input<string>;
    /** The cluster security group EKS made, which managed nodes use too: Karpenter finds it by the discovery tag added here. */
    readonly clusterSecurityGroupId: pulumi.Input<string>;
    /**
     * Private subnets of an existing VPC (network.mode "existing"), which get the discovery tag
     * here; the subnets the platform creates carry it already (subnetTags).
     */
    readonly existingSubnetIds: readonly string[];
}

/**
 * What Karpenter needs on AWS besides its controller's Pod Identity role (WorkloadIdentity): a
 * node role with the node groups' managed policies and an EC2_LINUX access entry so its nodes
 * can join, the discovery tag on the cluster security group (and on existing subnets), and the
 * interruption queue (SQS-managed encryption) fed by EventBridge rules, which alone may send to it.
 */
export class KarpenterInfrastructure extends pulumi.ComponentResource {
    /** The role of the nodes Karpenter launches; the controller may pass only this one. */
    readonly nodeRoleArn: pulumi.Output<string>;
    /** Its name, which the EC2NodeClasses name. */
    readonly nodeRoleName: pulumi.Output<string>;
    /** The interruption queue's ARN, which the controller's policy is scoped to. */
    readonly interruptionQueueArn: pulumi.Output<string>;
    /** The interruption queue's name, as the chart's settings.interruptionQueue takes it. */
    readonly interruptionQueueName: string;
    /** What nodes need before they can join and the controller can run: the access entry, policy attachments, tags and queue policy. */
    readonly ready: pulumi.Resource[];

    constructor(name: string, args: KarpenterInfrastructureArgs, opts?: pulumi.ComponentResourceOptions) {
        super("spark-k8s:aws:KarpenterInfrastructure", name, {}, opts);
        const parent = { parent: this };

        const { role, attachments } = nodeRole(name, {
            partition: args.partition,
            namePrefix: `${args.platformId}-karpenter-node-`.slice(0, 38),
            description: "Nodes Karpenter launches: join the cluster, pull images, VPC CNI, SSM",
        }, parent);
        // Managed node groups get their access entry from EKS; Karpenter's nodes need one made.
        const accessEntry = new aws.eks.AccessEntry(`${name}-node`, { clusterName: args.clusterName, principalArn: role.arn, type: "EC2_LINUX" }, parent);

        const tags = [
            new aws.ec2.Tag(`${name}-cluster-sg`, { resourceId: args.clusterSecurityGroupId, key: karpenterDiscoveryTag, value: args.platformId }, parent),
            ...args.existingSubnetIds.map((subnetId, i) => new aws.ec2.Tag(`${name}-subnet-${i}`, { resourceId: subnetId, key: karpenterDiscoveryTag, value: args.platformId }, parent)),
        ];

        this.interruptionQueueName = `${args.platformId}-karpenter`;
        const queue = new aws.sqs.Queue(`${name}-interruption`, {
            name: this.interruptionQueueName,
            messageRetentionSeconds: interruptionMessageRetentionSeconds,
            sqsManagedSseEnabled: true,
        }, parent);
        const rules = interruptionRules.map((r) => {
            const rule = new aws.cloudwatch.EventRule(`${name}-${r.name}`, {
                // Named, so the queue policy's aws:SourceArn reads as what it is.
                name: `${args.platformId}-karpenter-${r.name}`,
                description: `Karpenter interruption handling of ${args.platformId}: ${r.description}`,
                eventPattern: JSON.stringify(r.eventPattern),
            }, parent);
            new aws.cloudwatch.EventTarget(`${name}-${r.name}`, { rule: rule.name, arn: queue.arn, targetId: "KarpenterInterruptionQueueTarget" }, parent);
            return rule;
        });
        const queuePolicy = new aws.sqs.QueuePolicy(`${name}-interruption`, {
            queueUrl: queue.url,
            policy: pulumi
                .all([queue.arn, ...rules.map((r) => r.arn)])
                .apply(([queueArn, ...ruleArns]) => JSON.stringify(interruptionQueuePolicy({ queueArn, ruleArns }))),
        }, parent);

        this.nodeRoleArn = role.arn;
        this.nodeRoleName = role.name;
        this.interruptionQueueArn = queue.arn;
        this.ready = [...attachments, accessEntry, ...tags, queuePolicy];
        this.registerOutputs({ nodeRoleArn: this.nodeRoleArn, interruptionQueueArn: this.interruptionQueueArn });
    }
}
