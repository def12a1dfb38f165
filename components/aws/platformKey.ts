import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { platformKeyPolicy } from "./iamPolicies";

/** Inputs of PlatformKey: its alias, deletion window and what the key policy names. */
export interface PlatformKeyArgs {
    /** Platform id (`<platformName>-<stack>`); the key's alias. */
    readonly platformId: string;
    /** Days a scheduled deletion waits before KMS deletes the key (7 to 30). */
    readonly deletionWindowInDays: number;
    /** Account that administers the key through IAM; also scopes the Auto Scaling and Logs grants. */
    readonly accountId: pulumi.Input<string>;
    /** AWS partition of the ARNs in the key policy. */
    readonly partition: pulumi.Input<string>;
    /** Region whose CloudWatch Logs service may use the key for the account's log groups. */
    readonly region: string;
    /** Protect the key from deletion by Pulumi. */
    readonly protect: boolean;
}

/**
 * The customer-managed KMS key of the platform, rotated yearly: EKS secrets, S3 buckets, EBS
 * volumes, Secrets Manager secrets and control-plane logs are encrypted with it.
 */
export class PlatformKey extends pulumi.ComponentResource {
    readonly keyArn: pulumi.Output<string>;
    readonly keyId: pulumi.Output<string>;

    constructor(name: string, args: PlatformKeyArgs, opts?: pulumi.ComponentResourceOptions) {
        super("spark-k8s:aws:PlatformKey", name, {}, opts);
        const key = new aws.kms.Key(
            name,
            {
                description: `Spark platform ${args.platformId}: EKS secrets, S3, EBS, Secrets Manager and CloudWatch Logs`,
                enableKeyRotation: true,
                deletionWindowInDays: args.deletionWindowInDays,
                policy: pulumi
                    .all([args.accountId, args.partition])
                    .apply(([accountId, partition]) => JSON.stringify(platformKeyPolicy({ accountId, partition, region: args.region }))),
            },
            { parent: this, protect: args.protect },
        );
        new aws.kms.Alias(name, { name: `alias/${args.platformId}`, targetKeyId: key.keyId }, { parent: this });
        this.keyArn = key.arn;
        this.keyId = key.keyId;
        this.registerOutputs({ keyArn: this.keyArn });
    }
}
