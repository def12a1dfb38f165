/**
 * IAM and resource policy documents as pure functions of plain ARNs, so least privilege can be
 * tested without Pulumi. Components resolve the ARNs and JSON-encode the result.
 */

/** One statement of an IAM policy, mirroring the IAM JSON policy grammar's element names. */
export interface Statement {
    Sid?: string;
    Effect: "Allow" | "Deny";
    Principal?: unknown;
    Action: string | string[];
    Resource: string | string[];
    Condition?: Record<string, Record<string, unknown>>;
}

/** An IAM policy document (policy language 2012-10-17), as IAM takes it in JSON. */
export interface PolicyDocument {
    Version: "2012-10-17";
    Statement: Statement[];
}

const doc = (...Statement: Statement[]): PolicyDocument => ({ Version: "2012-10-17", Statement });

/** A trust policy's statement: IAM refuses a Resource element there (MalformedPolicyDocument). */
export type TrustStatement = Omit<Statement, "Resource">;

/** A role's trust policy. */
export interface TrustPolicyDocument {
    Version: "2012-10-17";
    Statement: TrustStatement[];
}

/** Trust policy for a role assumed by an AWS service (sts:TagSession where the service needs it). */
export function serviceTrustPolicy(service: string, tagSession = false): TrustPolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: tagSession ? ["sts:AssumeRole", "sts:TagSession"] : "sts:AssumeRole" }],
    };
}

/** Trust policy for EKS Pod Identity roles. */
export function podIdentityTrustPolicy(): TrustPolicyDocument {
    return serviceTrustPolicy("pods.eks.amazonaws.com", true);
}

/** Denies every request to the bucket that is not made over TLS. */
export function tlsOnlyBucketPolicy(bucketArn: string): PolicyDocument {
    return doc({
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
}

const kmsData = (keyArn: string, decryptOnly = false): Statement => ({
    Sid: "UsePlatformKey",
    Effect: "Allow",
    Action: decryptOnly ? ["kms:Decrypt", "kms:DescribeKey"] : ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
    Resource: keyArn,
});

/**
 * What a folder (a key prefix ending in "/") means to S3A: the folder's own key without the slash,
 * because S3A's getFileStatus first sends a HEAD for `spark-events`, then for the marker and
 * everything below it. S3 answers a HEAD of a missing key with 404 only when ListBucket is allowed
 * for s3:prefix equal to that key, else with 403, which S3A raises as AccessDenied.
 */
function folderScope(prefix: string): { keys: string[]; listPrefixes: string[] } {
    if (!prefix.endsWith("/") || prefix.startsWith("/")) throw new Error(`folder prefix must end with "/" and not start with it: "${prefix}"`);
    const bare = prefix.slice(0, -1);
    return { keys: [bare, `${prefix}*`], listPrefixes: [bare, prefix, `${prefix}*`] };
}

/**
 * List a bucket, limited to a folder when given (the prefix must end with "/"). Only
 * s3:ListBucket carries the s3:prefix condition key; s3:GetBucketLocation and
 * s3:ListBucketMultipartUploads never do, so under that condition they would never be granted.
 * They are granted on the bucket, unconditioned: the first names the region, the second lists
 * pending uploads (the S3A magic committer), neither reads an object.
 */
const list = (sid: string, bucketArn: string, prefix?: string): Statement[] =>
    prefix
        ? [
              { Sid: sid, Effect: "Allow", Action: "s3:ListBucket", Resource: bucketArn, Condition: { StringLike: { "s3:prefix": folderScope(prefix).listPrefixes } } },
              { Sid: `${sid}Uploads`, Effect: "Allow", Action: ["s3:GetBucketLocation", "s3:ListBucketMultipartUploads"], Resource: bucketArn },
          ]
        : [{ Sid: sid, Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"], Resource: bucketArn }];

/** The objects of a folder, for S3A: the folder's own key and everything under it. */
const folderObjects = (bucketArn: string, prefix: string): string[] => folderScope(prefix).keys.map((k) => `${bucketArn}/${k}`);

const readWriteObjects = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"];

/** ARNs and the event-log folder the Spark jobs' policy is scoped to. */
export interface SparkJobsPolicyArgs {
    /** Warehouse bucket: tables and S3A magic committer uploads, read and written. */
    warehouseBucketArn: string;
    /** Event-log bucket; jobs reach only the eventLogPrefix folder inside it. */
    eventLogBucketArn: string;
    /** Folder of the event logs in that bucket; must end with "/" and not start with it. */
    eventLogPrefix: string;
    /** Platform key the bucket objects are encrypted with. */
    kmsKeyArn: string;
    /** The Glue Data Catalog, when the iceberg preset uses catalogType glue. */
    glueCatalog?: GlueCatalogRef;
}

/** The account's Glue Data Catalog in one region. */
export interface GlueCatalogRef {
    /** AWS partition of the catalog ARNs (aws, aws-cn, ...). */
    partition: string;
    /** Region of the catalog: the stack's region. */
    region: string;
    /** Account that owns the catalog: the stack's account. */
    accountId: string;
}

/**
 * The Glue calls Iceberg's GlueCatalog makes for namespaces (Glue databases) and tables: list, get,
 * create, update (every commit swaps the metadata location) and drop. Scoped to the account's
 * catalog in the stack's region; the databases are the teams' to name.
 */
export const icebergGlueActions = [
    "glue:GetDatabase",
    "glue:GetDatabases",
    "glue:CreateDatabase",
    "glue:UpdateDatabase",
    "glue:DeleteDatabase",
    "glue:GetTable",
    "glue:GetTables",
    "glue:CreateTable",
    "glue:UpdateTable",
    "glue:DeleteTable",
] as const;

function icebergGlueStatement(g: GlueCatalogRef): Statement {
    const prefix = `arn:${g.partition}:glue:${g.region}:${g.accountId}`;
    return { Sid: "IcebergGlueCatalog", Effect: "Allow", Action: [...icebergGlueActions], Resource: [`${prefix}:catalog`, `${prefix}:database/*`, `${prefix}:table/*/*`] };
}

/**
 * Spark drivers and executors: read/write the warehouse (tables, S3A magic committer uploads) and
 * write event logs under their prefix (S3A renames in-progress logs, which needs get and delete).
 */
export function sparkJobsPolicy(a: SparkJobsPolicyArgs): PolicyDocument {
    return doc(
        ...list("ListWarehouse", a.warehouseBucketArn),
        { Sid: "ReadWriteWarehouse", Effect: "Allow", Action: readWriteObjects, Resource: `${a.warehouseBucketArn}/*` },
        ...list("ListEventLogs", a.eventLogBucketArn, a.eventLogPrefix),
        { Sid: "WriteEventLogs", Effect: "Allow", Action: readWriteObjects, Resource: folderObjects(a.eventLogBucketArn, a.eventLogPrefix) },
        kmsData(a.kmsKeyArn),
        ...(a.glueCatalog ? [icebergGlueStatement(a.glueCatalog)] : []),
    );
}

/** Hive Metastore: creates and drops table directories in the warehouse; no other bucket. */
export function metastorePolicy(a: { warehouseBucketArn: string; kmsKeyArn: string }): PolicyDocument {
    return doc(
        ...list("ListWarehouse", a.warehouseBucketArn),
        { Sid: "ManageTableDirectories", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Resource: `${a.warehouseBucketArn}/*` },
        kmsData(a.kmsKeyArn),
    );
}

/** History Server: read event logs only. */
export function historyServerPolicy(a: Omit<SparkJobsPolicyArgs, "warehouseBucketArn" | "glueCatalog">): PolicyDocument {
    return doc(
        ...list("ListEventLogs", a.eventLogBucketArn, a.eventLogPrefix),
        { Sid: "ReadEventLogs", Effect: "Allow", Action: "s3:GetObject", Resource: folderObjects(a.eventLogBucketArn, a.eventLogPrefix) },
        kmsData(a.kmsKeyArn, true),
    );
}

/** Airflow: remote task logs in its own bucket. */
export function airflowPolicy(a: { logBucketArn: string; kmsKeyArn: string }): PolicyDocument {
    return doc(
        ...list("ListLogs", a.logBucketArn),
        { Sid: "ReadWriteLogs", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Resource: `${a.logBucketArn}/*` },
        kmsData(a.kmsKeyArn),
    );
}

/** EBS CSI driver: the managed policy covers EC2; this adds the platform key for encrypted volumes. */
export function ebsCsiKmsPolicy(kmsKeyArn: string): PolicyDocument {
    return doc(
        { Sid: "UsePlatformKeyForVolumes", Effect: "Allow", Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"], Resource: kmsKeyArn },
        {
            Sid: "GrantForAttachedVolumes",
            Effect: "Allow",
            Action: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
            Resource: kmsKeyArn,
            Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
        },
    );
}

/**
 * Cluster autoscaler: read the Auto Scaling groups and instance types (these calls take no
 * resource), and resize or shrink only the groups tagged as owned by this cluster.
 */
export function clusterAutoscalerPolicy(a: { clusterName: string }): PolicyDocument {
    return doc(
        {
            Sid: "DescribeGroupsAndInstanceTypes",
            Effect: "Allow",
            Action: [
                "autoscaling:DescribeAutoScalingGroups",
                "autoscaling:DescribeAutoScalingInstances",
                "autoscaling:DescribeLaunchConfigurations",
                "autoscaling:DescribeScalingActivities",
                "autoscaling:DescribeTags",
                "ec2:DescribeImages",
                "ec2:DescribeInstanceTypes",
                "ec2:DescribeLaunchTemplateVersions",
                "ec2:GetInstanceTypesFromInstanceRequirements",
                "eks:DescribeNodegroup",
            ],
            Resource: "*",
        },
        {
            Sid: "ScaleOwnGroupsOnly",
            Effect: "Allow",
            Action: ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
            Resource: "*",
            Condition: { StringEquals: { [`aws:ResourceTag/k8s.io/cluster-autoscaler/${a.clusterName}`]: "owned" } },
        },
    );
}

/** EKS control plane: envelope encryption of Kubernetes secrets with the platform key. */
export function clusterKmsPolicy(kmsKeyArn: string): PolicyDocument {
    return doc({ Sid: "EnvelopeEncryption", Effect: "Allow", Action: ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"], Resource: kmsKeyArn });
}

/**
 * Key policy of the platform key: the account administers it through IAM; the Auto Scaling
 * service-linked role may use it, without which nodes with encrypted root volumes fail to launch;
 * CloudWatch Logs may use it for the account's log groups. The Auto Scaling role is matched by
 * aws:PrincipalArn rather than named as principal, because a fresh account does not have that role
 * until Auto Scaling first runs, and KMS refuses a policy naming a principal that does not exist.
 */
export function platformKeyPolicy(a: { accountId: string; partition: string; region: string }): PolicyDocument {
    const autoscaling = `arn:${a.partition}:iam::${a.accountId}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`;
    const asAutoScaling = { StringEquals: { "aws:PrincipalArn": autoscaling, "kms:CallerAccount": a.accountId } };
    return doc(
        { Sid: "AccountAdministersThroughIam", Effect: "Allow", Principal: { AWS: `arn:${a.partition}:iam::${a.accountId}:root` }, Action: "kms:*", Resource: "*" },
        {
            Sid: "AutoScalingUsesKeyForNodeVolumes",
            Effect: "Allow",
            Principal: { AWS: "*" },
            Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
            Resource: "*",
            Condition: asAutoScaling,
        },
        {
            Sid: "AutoScalingGrantsForNodeVolumes",
            Effect: "Allow",
            Principal: { AWS: "*" },
            Action: "kms:CreateGrant",
            Resource: "*",
            Condition: { ...asAutoScaling, Bool: { "kms:GrantIsForAWSResource": "true" } },
        },
        {
            Sid: "CloudWatchLogsEncryptsLogGroups",
            Effect: "Allow",
            Principal: { Service: `logs.${a.region}.amazonaws.com` },
            Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            Resource: "*",
            Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": `arn:${a.partition}:logs:${a.region}:${a.accountId}:log-group:*` } },
        },
    );
}
