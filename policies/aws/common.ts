/**
 * Shared pieces of the AWS rules: type tokens (checked against @pulumi/aws 7.48) and how messages
 * name resources and values. The rules read props with `read`/`readList` (policies/lib/props.ts),
 * which tell "absent" from "unknown during preview", and skip a check on UNKNOWN. Each rule says
 * which absent (undefined) fields it reports: only fields whose AWS default is the insecure choice.
 */
import { booleanOf, UNKNOWN } from "../lib/props";

/** Type tokens the AWS rules compare `args.type` with. */
export const awsTypes = {
    eksCluster: "aws:eks/cluster:Cluster",
    eksNodeGroup: "aws:eks/nodeGroup:NodeGroup",
    launchTemplate: "aws:ec2/launchTemplate:LaunchTemplate",
    kmsKey: "aws:kms/key:Key",
    secret: "aws:secretsmanager/secret:Secret",
    rdsInstance: "aws:rds/instance:Instance",
    rdsCluster: "aws:rds/cluster:Cluster",
    rdsClusterInstance: "aws:rds/clusterInstance:ClusterInstance",
} as const;

/** S3 buckets and their side resources; the deprecated `…V2` tokens still exist in pulumi-aws v7. */
export const s3Types = {
    bucket: ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"],
    publicAccessBlock: ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"],
    encryption: [
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
    ],
    ownership: ["aws:s3/bucketOwnershipControls:BucketOwnershipControls"],
    policy: ["aws:s3/bucketPolicy:BucketPolicy"],
    lifecycle: ["aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2"],
    versioning: ["aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2"],
} as const;

/** A flag the provider accepts as boolean or string ("true"). */
export function isTrue(v: unknown): boolean {
    return booleanOf(v) === true;
}

/** `aws:eks/cluster:Cluster "spark-prod"`: the resource a message is about. */
export function subject(args: { type: string; name: string }): string {
    return `${args.type} "${args.name}"`;
}

/** JSON for messages. */
export function show(v: unknown): string {
    if (v === undefined) return "unset";
    if (v === UNKNOWN) return "unknown";
    try {
        return JSON.stringify(v) ?? typeof v;
    } catch {
        return typeof v;
    }
}
