/** Composes the platform from validated config. Decisions live in the components' pure functions. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ClusterAddons, EksCluster } from "./aws/eksCluster";
import { DataLake } from "./aws/dataLake";
import { Network } from "./aws/network";
import { NodeGroups } from "./aws/nodeGroups";
import { PlatformKey } from "./aws/platformKey";
import { PlatformSecrets } from "./aws/secrets";
import { WorkloadIdentity } from "./aws/workloadIdentity";
import { PlatformConfig, platformId, platformTags } from "./config";

/** Stack outputs. Only the kubeconfig is sensitive, and it is a Pulumi secret. */
export interface PlatformOutputs {
    readonly environment: string;
    readonly region: string;
    readonly vpcId: pulumi.Output<string>;
    readonly privateSubnetIds: pulumi.Output<string[]>;
    readonly clusterName: pulumi.Output<string>;
    readonly clusterEndpoint: pulumi.Output<string>;
    readonly kubernetesVersion: pulumi.Output<string>;
    readonly kubeconfig: pulumi.Output<string>;
    readonly nodeGroups: Record<string, pulumi.Output<string>>;
    readonly buckets: Record<string, pulumi.Output<string>>;
    readonly kmsKeyArn: pulumi.Output<string>;
    readonly secretArns: Record<string, pulumi.Output<string>>;
    readonly workloadRoleArns: Record<string, pulumi.Output<string>>;
}

export function createPlatform(config: PlatformConfig): PlatformOutputs {
    const id = platformId(config);
    const provider = new aws.Provider("aws", { region: config.region, defaultTags: { tags: platformTags(config) } });
    const opts = { providers: [provider] };
    const invokeOpts = { provider };

    const identity = aws.getCallerIdentityOutput({}, invokeOpts);
    const partition = aws.getPartitionOutput({}, invokeOpts).partition;
    const availabilityZones = config.network.availabilityZones.length
        ? pulumi.output(config.network.availabilityZones)
        : aws
              .getAvailabilityZonesOutput({ state: "available", filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }] }, invokeOpts)
              .names.apply((names) => names.slice(0, config.network.availabilityZoneCount));

    const key = new PlatformKey(id, {
        platformId: id,
        deletionWindowInDays: config.secrets.kmsKeyDeletionWindowInDays,
        accountId: identity.accountId,
        partition,
        region: config.region,
        protect: config.platform.deletionProtection,
    }, opts);

    const network = new Network(id, { config: config.network, clusterName: id, availabilityZones, region: config.region }, opts);

    const cluster = new EksCluster(id, {
        clusterName: id,
        config: config.cluster,
        subnetIds: network.privateSubnetIds,
        kmsKeyArn: key.keyArn,
        region: config.region,
        partition,
        deletionProtection: config.platform.deletionProtection,
    }, opts);

    const nodeGroups = new NodeGroups(id, {
        clusterName: cluster.clusterName,
        kubernetesVersion: cluster.version,
        config: config.nodeGroups,
        subnetIds: network.privateSubnetIds,
        kmsKeyArn: key.keyArn,
        partition,
        after: cluster.addons,
    }, opts);

    const dataLake = new DataLake(id, { platformId: id, config: config.storage, kmsKeyArn: key.keyArn, protect: config.platform.deletionProtection }, opts);
    const secrets = new PlatformSecrets(id, { platformId: id, config: config.secrets, kmsKeyId: key.keyArn }, opts);

    const workloads = new WorkloadIdentity(id, {
        clusterName: cluster.clusterName,
        platformId: id,
        partition,
        inputs: {
            warehouseBucketArn: dataLake.buckets.warehouse.arn,
            eventLogBucketArn: dataLake.buckets.eventLogs.arn,
            airflowLogBucketArn: dataLake.buckets.airflowLogs.arn,
            kmsKeyArn: key.keyArn,
            secretArns: pulumi.all(Object.values(secrets.arns)),
            region: config.region,
        },
    }, opts);

    new ClusterAddons(id, {
        clusterName: cluster.clusterName,
        config: config.cluster,
        after: [...nodeGroups.nodeGroups, ...workloads.associations],
    }, opts);

    return {
        environment: config.tier,
        region: config.region,
        vpcId: network.vpcId,
        privateSubnetIds: network.privateSubnetIds,
        clusterName: cluster.clusterName,
        clusterEndpoint: cluster.endpoint,
        kubernetesVersion: cluster.version,
        kubeconfig: cluster.kubeconfig,
        nodeGroups: nodeGroups.nodeGroupNames,
        buckets: Object.fromEntries(Object.entries(dataLake.buckets).map(([k, b]) => [k, b.name])),
        kmsKeyArn: key.keyArn,
        secretArns: secrets.arns,
        workloadRoleArns: workloads.roleArns,
    };
}
