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

/** ARNs and folders a team's Spark policy is scoped to. */
export interface TeamSparkPolicyArgs {
    /** Warehouse bucket; the team reaches only warehousePrefix inside it. */
    warehouseBucketArn: string;
    /** The team's warehouse folder (teamWarehousePrefix); must end with "/" and not start with it. */
    warehousePrefix: string;
    /** Event-log bucket; jobs reach only the eventLogPrefix folder inside it. */
    eventLogBucketArn: string;
    /** Folder of the event logs, shared by every namespace: the History Server reads one folder. */
    eventLogPrefix: string;
    /** Platform key the bucket objects are encrypted with. */
    kmsKeyArn: string;
}

/**
 * The Spark jobs of one team namespace: read and write the team's warehouse folder (tables, S3A
 * magic committer uploads) and write event logs to the shared folder, as sparkJobsPolicy does for
 * the whole warehouse. Another team's folder, the shared warehouse root and the Glue catalog stay
 * out of reach.
 */
export function teamSparkPolicy(a: TeamSparkPolicyArgs): PolicyDocument {
    return doc(
        ...list("ListTeamWarehouse", a.warehouseBucketArn, a.warehousePrefix),
        { Sid: "ReadWriteTeamWarehouse", Effect: "Allow", Action: readWriteObjects, Resource: folderObjects(a.warehouseBucketArn, a.warehousePrefix) },
        ...list("ListEventLogs", a.eventLogBucketArn, a.eventLogPrefix),
        { Sid: "WriteEventLogs", Effect: "Allow", Action: readWriteObjects, Resource: folderObjects(a.eventLogBucketArn, a.eventLogPrefix) },
        kmsData(a.kmsKeyArn),
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

/** Where the database dumps are: the backups bucket and the dumps' folder in it (ends with "/"). */
export interface DatabaseBackupsPolicyArgs {
    backupBucketArn: string;
    /** Folder of the dumps, such as "postgres/"; must end with "/" and not start with it. */
    prefix: string;
    /** Platform key the bucket's default encryption (SSE-KMS) uses. */
    kmsKeyArn: string;
}

/** The platform key, only as S3 uses it on the caller's behalf (kms:ViaService s3.<region>.amazonaws.com). */
const kmsViaS3 = (sid: string, keyArn: string, actions: string[]): Statement => ({
    Sid: sid,
    Effect: "Allow",
    Action: actions,
    Resource: keyArn,
    Condition: { StringLike: { "kms:ViaService": "s3.*.amazonaws.com" } },
});

/**
 * The backup CronJob: write-only. It uploads each dump with one PutObject (no multipart upload, so
 * no kms:Decrypt: S3 asks KMS for a data key as the caller, kms:GenerateDataKey, to encrypt a new
 * object under the bucket's SSE-KMS default). It can neither read, list nor delete a dump; the
 * bucket is versioned, so even a PutObject over an existing key leaves the older version.
 */
export function databaseBackupPolicy(a: DatabaseBackupsPolicyArgs): PolicyDocument {
    folderScope(a.prefix);
    return doc(
        { Sid: "WriteDumps", Effect: "Allow", Action: "s3:PutObject", Resource: `${a.backupBucketArn}/${a.prefix}*` },
        kmsViaS3("EncryptNewDumps", a.kmsKeyArn, ["kms:GenerateDataKey"]),
    );
}

/**
 * Restore Jobs: read-only. GetObject of a dump (S3 decrypts its data key as the caller,
 * kms:Decrypt), and ListBucket limited to the dumps' folder, so a dump that is missing is answered
 * 404 rather than 403.
 */
export function databaseRestorePolicy(a: DatabaseBackupsPolicyArgs): PolicyDocument {
    return doc(
        { Sid: "ListDumps", Effect: "Allow", Action: "s3:ListBucket", Resource: a.backupBucketArn, Condition: { StringLike: { "s3:prefix": folderScope(a.prefix).listPrefixes } } },
        { Sid: "ReadDumps", Effect: "Allow", Action: "s3:GetObject", Resource: `${a.backupBucketArn}/${a.prefix}*` },
        kmsViaS3("DecryptDumps", a.kmsKeyArn, ["kms:Decrypt"]),
    );
}

/** The platform's Secrets Manager secrets (exact ARNs) and the key that encrypts them. */
export interface ExternalSecretsPolicyArgs {
    /** ARNs of the platform's secrets, each with the random suffix Secrets Manager adds; never a wildcard. */
    secretArns: string[];
    /** Platform key the secrets are encrypted with. */
    kmsKeyArn: string;
}

/**
 * The External Secrets controller: read the platform's own secrets and nothing else. GetSecretValue
 * and DescribeSecret on exactly those ARNs (the provider fetches by name, so no ListSecrets), and
 * kms:Decrypt of the platform key only as Secrets Manager uses it on the caller's behalf.
 */
export function externalSecretsPolicy(a: ExternalSecretsPolicyArgs): PolicyDocument {
    if (a.secretArns.length === 0) throw new Error("externalSecretsPolicy: no secret to read");
    for (const arn of a.secretArns) {
        if (!/^arn:[^:]+:secretsmanager:[^:]+:\d{12}:secret:[^*?]+$/.test(arn)) throw new Error(`externalSecretsPolicy: "${arn}" is not the ARN of one secret`);
    }
    return doc(
        { Sid: "ReadPlatformSecrets", Effect: "Allow", Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], Resource: [...a.secretArns].sort() },
        { Sid: "DecryptViaSecretsManager", Effect: "Allow", Action: "kms:Decrypt", Resource: a.kmsKeyArn, Condition: { StringLike: { "kms:ViaService": "secretsmanager.*.amazonaws.com" } } },
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

/** Where the Karpenter controller's policy applies: the cluster, its account and region, and what it may use. */
export interface KarpenterControllerPolicyArgs {
    /** AWS partition of every ARN (aws, aws-cn, ...). */
    partition: string;
    /** The cluster's region: every EC2 action is scoped to it. */
    region: string;
    /** The cluster's account. */
    accountId: string;
    /** EKS cluster name: launches and deletions need its kubernetes.io/cluster/<name> tag. */
    clusterName: string;
    /** The interruption queue the controller reads. */
    interruptionQueueArn: string;
    /** The one role the controller may pass to the instance profiles it makes. */
    nodeRoleArn: string;
    /** Platform key of the nodes' root volumes. */
    kmsKeyArn: string;
}

/**
 * The Karpenter controller: upstream's controller policies for Karpenter 1.13.0 (aws/karpenter-provider-aws,
 * website/content/en/v1.13/reference/cloudformation.md: NodeLifecycle, IAMIntegration,
 * EKSIntegration, Interruption and ResourceDiscovery; not ZonalShift, which the platform leaves
 * off), statement for statement: launches and tags only with the cluster's ownership tag, deletes
 * only what carries it, passes only the node role, reads only in the cluster's region. Added: the
 * platform key, through EC2 only, for the encrypted root volumes of the instances it launches:
 * Karpenter launches with instant EC2 Fleets, which act as the caller (the EC2 Fleet prerequisites
 * page: an instant fleet does not use the AWSServiceRoleForEC2Fleet role), and upstream's
 * troubleshooting page ("Node terminates before ready on failed encrypted EBS volume") names the
 * launching principal's access to the key as what such launches need.
 */
export function karpenterControllerPolicy(a: KarpenterControllerPolicyArgs): PolicyDocument {
    const ec2 = (type: string, account = "*") => `arn:${a.partition}:ec2:${a.region}:${account}:${type}/*`;
    const owned = { [`aws:ResourceTag/kubernetes.io/cluster/${a.clusterName}`]: "owned" };
    const requestOwned = { [`aws:RequestTag/kubernetes.io/cluster/${a.clusterName}`]: "owned", "aws:RequestTag/eks:eks-cluster-name": a.clusterName };
    const launched = ["fleet", "instance", "volume", "network-interface", "launch-template", "spot-instances-request"].map((t) => ec2(t));
    const instanceProfiles = `arn:${a.partition}:iam::${a.accountId}:instance-profile/*`;
    const profileRegion = { "aws:ResourceTag/topology.kubernetes.io/region": a.region };
    const clusterArn = `arn:${a.partition}:eks:${a.region}:${a.accountId}:cluster/${a.clusterName}`;
    return doc(
        {
            Sid: "AllowScopedEC2InstanceAccessActions",
            Effect: "Allow",
            Action: ["ec2:RunInstances", "ec2:CreateFleet"],
            Resource: [ec2("image", ""), ec2("snapshot", ""), ...["security-group", "subnet", "capacity-reservation", "placement-group"].map((t) => ec2(t))],
        },
        {
            Sid: "AllowScopedEC2LaunchTemplateAccessActions",
            Effect: "Allow",
            Action: ["ec2:RunInstances", "ec2:CreateFleet"],
            Resource: ec2("launch-template"),
            Condition: { StringEquals: owned, StringLike: { "aws:ResourceTag/karpenter.sh/nodepool": "*" } },
        },
        {
            Sid: "AllowScopedEC2InstanceActionsWithTags",
            Effect: "Allow",
            Action: ["ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"],
            Resource: launched,
            Condition: { StringEquals: requestOwned, StringLike: { "aws:RequestTag/karpenter.sh/nodepool": "*" } },
        },
        {
            Sid: "AllowScopedResourceCreationTagging",
            Effect: "Allow",
            Action: "ec2:CreateTags",
            Resource: launched,
            Condition: {
                StringEquals: { ...requestOwned, "ec2:CreateAction": ["RunInstances", "CreateFleet", "CreateLaunchTemplate"] },
                StringLike: { "aws:RequestTag/karpenter.sh/nodepool": "*" },
            },
        },
        {
            Sid: "AllowScopedResourceTagging",
            Effect: "Allow",
            Action: "ec2:CreateTags",
            Resource: ec2("instance"),
            Condition: {
                StringEquals: owned,
                StringLike: { "aws:ResourceTag/karpenter.sh/nodepool": "*" },
                StringEqualsIfExists: { "aws:RequestTag/eks:eks-cluster-name": a.clusterName },
                "ForAllValues:StringEquals": { "aws:TagKeys": ["eks:eks-cluster-name", "karpenter.sh/nodeclaim", "Name"] },
            },
        },
        {
            Sid: "AllowScopedDeletion",
            Effect: "Allow",
            Action: ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"],
            Resource: [ec2("instance"), ec2("launch-template")],
            Condition: { StringEquals: owned, StringLike: { "aws:ResourceTag/karpenter.sh/nodepool": "*" } },
        },
        {
            Sid: "AllowPassingInstanceRole",
            Effect: "Allow",
            Action: "iam:PassRole",
            Resource: a.nodeRoleArn,
            Condition: { StringEquals: { "iam:PassedToService": ["ec2.amazonaws.com", "ec2.amazonaws.com.cn"] } },
        },
        {
            Sid: "AllowScopedInstanceProfileCreationActions",
            Effect: "Allow",
            Action: ["iam:CreateInstanceProfile"],
            Resource: instanceProfiles,
            Condition: {
                StringEquals: { ...requestOwned, "aws:RequestTag/topology.kubernetes.io/region": a.region },
                StringLike: { "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "*" },
            },
        },
        {
            Sid: "AllowScopedInstanceProfileTagActions",
            Effect: "Allow",
            Action: ["iam:TagInstanceProfile"],
            Resource: instanceProfiles,
            Condition: {
                StringEquals: { ...owned, ...profileRegion, ...requestOwned, "aws:RequestTag/topology.kubernetes.io/region": a.region },
                StringLike: { "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "*", "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "*" },
            },
        },
        {
            Sid: "AllowScopedInstanceProfileActions",
            Effect: "Allow",
            Action: ["iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile", "iam:DeleteInstanceProfile"],
            Resource: instanceProfiles,
            Condition: { StringEquals: { ...owned, ...profileRegion }, StringLike: { "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "*" } },
        },
        { Sid: "AllowAPIServerEndpointDiscovery", Effect: "Allow", Action: "eks:DescribeCluster", Resource: clusterArn },
        { Sid: "AllowInterruptionQueueActions", Effect: "Allow", Action: ["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"], Resource: a.interruptionQueueArn },
        {
            Sid: "AllowRegionalReadActions",
            Effect: "Allow",
            Action: [
                "ec2:DescribeCapacityReservations",
                "ec2:DescribeImages",
                "ec2:DescribeInstances",
                "ec2:DescribeInstanceStatus",
                "ec2:DescribeInstanceTypeOfferings",
                "ec2:DescribeInstanceTypes",
                "ec2:DescribeLaunchTemplates",
                "ec2:DescribePlacementGroups",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeSpotPriceHistory",
                "ec2:DescribeSubnets",
            ],
            Resource: "*",
            Condition: { StringEquals: { "aws:RequestedRegion": a.region } },
        },
        { Sid: "AllowSSMReadActions", Effect: "Allow", Action: "ssm:GetParameter", Resource: `arn:${a.partition}:ssm:${a.region}::parameter/aws/service/*` },
        { Sid: "AllowPricingReadActions", Effect: "Allow", Action: "pricing:GetProducts", Resource: "*" },
        { Sid: "AllowUnscopedInstanceProfileListAction", Effect: "Allow", Action: "iam:ListInstanceProfiles", Resource: "*" },
        { Sid: "AllowInstanceProfileReadActions", Effect: "Allow", Action: "iam:GetInstanceProfile", Resource: instanceProfiles },
        {
            Sid: "UsePlatformKeyForNodeVolumes",
            Effect: "Allow",
            Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
            Resource: a.kmsKeyArn,
            Condition: { StringEquals: { "kms:ViaService": `ec2.${a.region}.amazonaws.com` } },
        },
        {
            Sid: "GrantForNodeVolumes",
            Effect: "Allow",
            Action: "kms:CreateGrant",
            Resource: a.kmsKeyArn,
            Condition: { StringEquals: { "kms:ViaService": `ec2.${a.region}.amazonaws.com` }, Bool: { "kms:GrantIsForAWSResource": "true" } },
        },
    );
}

/**
 * The interruption queue's resource policy: only EventBridge may send, and only from the given
 * rules (aws:SourceArn); no request without TLS. Upstream's template also lets sqs.amazonaws.com
 * send, which no rule here needs.
 */
export function interruptionQueuePolicy(a: { queueArn: string; ruleArns: string[] }): PolicyDocument {
    return doc(
        {
            Sid: "EventBridgeRulesSendOnly",
            Effect: "Allow",
            Principal: { Service: "events.amazonaws.com" },
            Action: "sqs:SendMessage",
            Resource: a.queueArn,
            Condition: { ArnEquals: { "aws:SourceArn": a.ruleArns } },
        },
        { Sid: "DenyHTTP", Effect: "Deny", Principal: "*", Action: "sqs:*", Resource: a.queueArn, Condition: { Bool: { "aws:SecureTransport": "false" } } },
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
