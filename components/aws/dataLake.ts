import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { eventLogPrefix } from "../config/names";
import { StorageConfig } from "../config/schema";
import { tlsOnlyBucketPolicy } from "./iamPolicies";

export type BucketPurpose = "warehouse" | "eventLogs" | "airflowLogs" | "backups";

/**
 * Folders that must exist before the first job runs, as empty `<prefix>` marker objects (the form
 * S3A itself writes for a directory). Spark refuses to start a driver whose spark.eventLog.dir is
 * missing, and the History Server exits when its log directory is missing.
 */
export const bucketFolders: Readonly<Partial<Record<BucketPurpose, readonly string[]>>> = {
    eventLogs: [eventLogPrefix],
};

/** One lifecycle rule of a bucket; a day count left unset adds no such action. */
export interface LifecycleRule {
    /** Rule id, unique within the bucket's lifecycle configuration. */
    readonly id: string;
    /** Object-key prefix the rule applies to; "" for the whole bucket. */
    readonly prefix: string;
    /** Only objects larger than this many bytes; 0 spares the empty folder markers. */
    readonly objectSizeGreaterThan?: number;
    /** Days after which an unfinished multipart upload is aborted and its parts deleted. */
    readonly abortIncompleteMultipartUploadDays?: number;
    /** Days after creation at which current objects expire. */
    readonly expirationDays?: number;
    /** Days an overwritten or deleted version is kept in a versioned bucket. */
    readonly noncurrentVersionExpirationDays?: number;
}

/** One data-lake bucket before it exists: what it holds, whether it keeps versions, how long data stays. */
export interface BucketPlan {
    /** What the bucket holds; also its key in DataLake.buckets. */
    readonly purpose: BucketPurpose;
    /** Short name used in the bucket's resource and physical name. */
    readonly slug: string;
    /** Keep object versions, so overwritten and deleted objects can be recovered. */
    readonly versioned: boolean;
    /** Retention rules; every bucket also aborts abandoned multipart uploads. */
    readonly lifecycleRules: LifecycleRule[];
}

/**
 * The data-lake buckets and their retention: table data and backups are versioned; event logs,
 * Airflow logs and backups expire; every bucket aborts abandoned multipart uploads.
 */
export function bucketPlans(s: StorageConfig): BucketPlan[] {
    const abort: LifecycleRule = { id: "abort-incomplete-multipart-uploads", prefix: "", abortIncompleteMultipartUploadDays: s.abortIncompleteMultipartUploadDays };
    const noncurrent: LifecycleRule = { id: "expire-noncurrent-versions", prefix: "", noncurrentVersionExpirationDays: s.noncurrentVersionRetentionDays };
    return [
        { purpose: "warehouse", slug: "warehouse", versioned: true, lifecycleRules: [abort, noncurrent] },
        {
            purpose: "eventLogs",
            slug: "event-logs",
            versioned: false,
            // The marker object is empty: expiring only larger objects keeps the folder once all logs expire.
            lifecycleRules: [abort, { id: "expire-event-logs", prefix: eventLogPrefix, objectSizeGreaterThan: 0, expirationDays: s.eventLogRetentionDays }],
        },
        { purpose: "airflowLogs", slug: "airflow-logs", versioned: false, lifecycleRules: [abort, { id: "expire-airflow-logs", prefix: "", expirationDays: s.airflowLogRetentionDays }] },
        {
            purpose: "backups",
            slug: "backups",
            versioned: true,
            lifecycleRules: [
                abort,
                { id: "expire-backups", prefix: "", expirationDays: s.backupRetentionDays },
                { ...noncurrent, noncurrentVersionExpirationDays: Math.min(s.noncurrentVersionRetentionDays, s.backupRetentionDays) },
            ],
        },
    ];
}

/**
 * The expiry rules of each bucket, for object storage that applies lifecycle rules itself (MinIO):
 * the rules of bucketPlans that expire current objects. MinIO's buckets keep no versions and MinIO
 * cleans up abandoned multipart uploads on its own, so the other rules have nothing to act on.
 */
export function expiryRules(s: StorageConfig): Record<BucketPurpose, LifecycleRule[]> {
    return Object.fromEntries(bucketPlans(s).map((p) => [p.purpose, p.lifecycleRules.filter((r) => r.expirationDays !== undefined)])) as Record<BucketPurpose, LifecycleRule[]>;
}

/** The provider refuses bucket prefixes longer than this (it appends 26 characters). */
export const maxBucketPrefixLength = 37;

/**
 * `<platformId>-<slug>-`, shortened to the longest prefix S3 allows. Pulumi's random suffix keeps
 * shortened names unique; the tags still carry the full platform and stack.
 */
export function bucketPrefix(platformId: string, slug: string): string {
    const full = `${platformId}-${slug}-`;
    if (full.length <= maxBucketPrefixLength) return full;
    return `${full.slice(0, maxBucketPrefixLength - 1).replace(/-+$/, "")}-`;
}

/** Inputs of DataLake: bucket names, retention, encryption and deletion protection. */
export interface DataLakeArgs {
    /** Platform id (`<platformName>-<stack>`), the prefix of the bucket names. */
    readonly platformId: string;
    /** The storage config area: forceDestroy and the retention days of each bucket. */
    readonly config: StorageConfig;
    /** Platform key the buckets are encrypted with (SSE-KMS with a bucket key). */
    readonly kmsKeyArn: pulumi.Input<string>;
    /** Protect buckets from deletion by Pulumi. */
    readonly protect: boolean;
}

/** A created bucket, as other components address it. */
export interface BucketRef {
    /** Physical bucket name: the prefix plus Pulumi's random suffix. */
    readonly name: pulumi.Output<string>;
    /** Bucket ARN, for IAM policies. */
    readonly arn: pulumi.Output<string>;
}

/**
 * S3 buckets of the data lake. Every bucket blocks all public access, is encrypted with the
 * platform key (SSE-KMS with a bucket key), enforces bucket-owner ownership, refuses requests
 * without TLS and carries lifecycle rules. forceDestroy follows the stack config (never in prod).
 */
export class DataLake extends pulumi.ComponentResource {
    readonly buckets: Record<BucketPurpose, BucketRef>;

    constructor(name: string, args: DataLakeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("spark-k8s:aws:DataLake", name, {}, opts);
        const parent = { parent: this };
        const refs: Partial<Record<BucketPurpose, BucketRef>> = {};
        for (const plan of bucketPlans(args.config)) {
            const id = `${name}-${plan.slug}`;
            const bucket = new aws.s3.Bucket(id, {
                bucketPrefix: bucketPrefix(args.platformId, plan.slug),
                forceDestroy: args.config.forceDestroy,
            }, { parent: this, protect: args.protect });
            const publicAccess = new aws.s3.BucketPublicAccessBlock(id, {
                bucket: bucket.id,
                blockPublicAcls: true,
                blockPublicPolicy: true,
                ignorePublicAcls: true,
                restrictPublicBuckets: true,
            }, parent);
            new aws.s3.BucketOwnershipControls(id, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, parent);
            new aws.s3.BucketServerSideEncryptionConfiguration(id, {
                bucket: bucket.id,
                rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: args.kmsKeyArn }, bucketKeyEnabled: true }],
            }, parent);
            const versioning = plan.versioned
                ? new aws.s3.BucketVersioning(id, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, parent)
                : undefined;
            new aws.s3.BucketPolicy(id, {
                bucket: bucket.id,
                policy: bucket.arn.apply((arn) => JSON.stringify(tlsOnlyBucketPolicy(arn))),
            }, { parent: this, dependsOn: [publicAccess] });
            new aws.s3.BucketLifecycleConfiguration(id, {
                bucket: bucket.id,
                rules: plan.lifecycleRules.map((r) => ({
                    id: r.id,
                    status: "Enabled",
                    // S3 takes a size bound together with a prefix only inside "and".
                    filter: r.objectSizeGreaterThan === undefined ? { prefix: r.prefix } : { and: { prefix: r.prefix, objectSizeGreaterThan: r.objectSizeGreaterThan } },
                    abortIncompleteMultipartUpload: r.abortIncompleteMultipartUploadDays ? { daysAfterInitiation: r.abortIncompleteMultipartUploadDays } : undefined,
                    expiration: r.expirationDays ? { days: r.expirationDays } : undefined,
                    noncurrentVersionExpiration: r.noncurrentVersionExpirationDays ? { noncurrentDays: r.noncurrentVersionExpirationDays } : undefined,
                })),
            }, { parent: this, dependsOn: versioning ? [versioning] : [] });
            for (const folder of bucketFolders[plan.purpose] ?? []) {
                new aws.s3.BucketObject(`${id}-${folder.replace(/\/+$/, "")}`, { bucket: bucket.id, key: folder, content: "" }, parent);
            }
            refs[plan.purpose] = { name: bucket.bucket, arn: bucket.arn };
        }
        this.buckets = refs as Record<BucketPurpose, BucketRef>;
        this.registerOutputs({ buckets: this.buckets });
    }
}
