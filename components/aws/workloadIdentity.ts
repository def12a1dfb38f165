import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { databaseBackupPrefix, eventLogPrefix, ServiceIdentity, serviceIdentities } from "../config/names";
import {
    airflowPolicy,
    clusterAutoscalerPolicy,
    databaseBackupPolicy,
    databaseRestorePolicy,
    ebsCsiKmsPolicy,
    externalSecretsPolicy,
    GlueCatalogRef,
    historyServerPolicy,
    karpenterControllerPolicy,
    KarpenterControllerPolicyArgs,
    metastorePolicy,
    PolicyDocument,
    podIdentityTrustPolicy,
    sparkJobsPolicy,
    teamSparkPolicy,
} from "./iamPolicies";
import { teamWarehousePrefix } from "../spark/teams";

/** Plain ARNs a workload policy is built from. */
export interface IdentityInputs {
    /** Warehouse bucket: Spark jobs read and write it, the Metastore manages table directories. */
    readonly warehouseBucketArn: string;
    /** Event-log bucket: Spark jobs write the logs, the History Server reads them. */
    readonly eventLogBucketArn: string;
    /** Bucket of Airflow's remote task logs. */
    readonly airflowLogBucketArn: string;
    /** Backups bucket: the backup CronJob writes dumps under databaseBackupPrefix, restore Jobs read them. */
    readonly backupBucketArn: string;
    /** ARNs of the platform's Secrets Manager secrets: all the External Secrets controller may read. */
    readonly secretArns: string[];
    /** Platform key of the bucket objects and of the EBS volumes the CSI driver creates. */
    readonly kmsKeyArn: string;
    /** EKS cluster name: the autoscaler may resize only groups tagged as owned by it. */
    readonly clusterName: string;
    /** Set when Spark's Iceberg catalog is AWS Glue: the Spark role may use the account's catalog. */
    readonly glueCatalog?: GlueCatalogRef;
    /** Set when Karpenter provisions nodes: what its controller's policy is scoped to. */
    readonly karpenter?: Omit<KarpenterControllerPolicyArgs, "clusterName" | "kmsKeyArn">;
}

/**
 * The inline policy of each workload identity: only the buckets, prefixes and secrets it needs.
 * Karpenter's exists only when its inputs are given.
 */
export function identityPolicies(i: IdentityInputs): Partial<Record<ServiceIdentity, PolicyDocument>> {
    return {
        ...(i.karpenter ? { karpenter: karpenterControllerPolicy({ ...i.karpenter, clusterName: i.clusterName, kmsKeyArn: i.kmsKeyArn }) } : {}),
        sparkJobs: sparkJobsPolicy({ warehouseBucketArn: i.warehouseBucketArn, eventLogBucketArn: i.eventLogBucketArn, eventLogPrefix, kmsKeyArn: i.kmsKeyArn, glueCatalog: i.glueCatalog }),
        historyServer: historyServerPolicy({ eventLogBucketArn: i.eventLogBucketArn, eventLogPrefix, kmsKeyArn: i.kmsKeyArn }),
        hiveMetastore: metastorePolicy({ warehouseBucketArn: i.warehouseBucketArn, kmsKeyArn: i.kmsKeyArn }),
        airflow: airflowPolicy({ logBucketArn: i.airflowLogBucketArn, kmsKeyArn: i.kmsKeyArn }),
        ebsCsiDriver: ebsCsiKmsPolicy(i.kmsKeyArn),
        clusterAutoscaler: clusterAutoscalerPolicy({ clusterName: i.clusterName }),
        databaseBackup: databaseBackupPolicy({ backupBucketArn: i.backupBucketArn, prefix: databaseBackupPrefix, kmsKeyArn: i.kmsKeyArn }),
        databaseRestore: databaseRestorePolicy({ backupBucketArn: i.backupBucketArn, prefix: databaseBackupPrefix, kmsKeyArn: i.kmsKeyArn }),
        externalSecrets: externalSecretsPolicy({ secretArns: i.secretArns, kmsKeyArn: i.kmsKeyArn }),
    };
}

/** The inline policy of a team namespace's `spark` service account: its warehouse folder and the event logs. */
export function teamIdentityPolicy(i: Pick<IdentityInputs, "warehouseBucketArn" | "eventLogBucketArn" | "kmsKeyArn">, namespace: string): PolicyDocument {
    return teamSparkPolicy({ warehouseBucketArn: i.warehouseBucketArn, warehousePrefix: teamWarehousePrefix(namespace), eventLogBucketArn: i.eventLogBucketArn, eventLogPrefix, kmsKeyArn: i.kmsKeyArn });
}

/** AWS managed policies some identities need on top of their inline policy. */
export const managedPolicies: Partial<Record<ServiceIdentity, string[]>> = {
    ebsCsiDriver: ["service-role/AmazonEBSCSIDriverPolicy"],
};

type Unwrapped = { [K in keyof IdentityInputs]: pulumi.Input<IdentityInputs[K]> };


/** Inputs of WorkloadIdentity: the cluster, the identities to create and what their policies reach. */
export interface WorkloadIdentityArgs {
    /** EKS cluster the Pod Identity associations are made in. */
    readonly clusterName: pulumi.Input<string>;
    /** Platform id (`<platformName>-<stack>`), the prefix of the role names. */
    readonly platformId: string;
    /** ARNs and names the inline policies are built from; each may still be an unresolved output. */
    readonly inputs: Unwrapped;
    /** AWS partition of the managed policy ARNs. */
    readonly partition: pulumi.Input<string>;
    /**
     * Every namespace Spark jobs run in. The Spark role is associated with `spark` in spark-jobs;
     * every other one is a team's, whose `spark` gets a role of its own (teamIdentityPolicy).
     */
    readonly jobNamespaces: readonly string[];
    /** The identities of the components this stack installs; no role exists ahead of its component. */
    readonly identities: readonly ServiceIdentity[];
}

/**
 * EKS Pod Identity: one IAM role per service account, trusted only by pods.eks.amazonaws.com, with
 * a least-privilege inline policy, associated with its namespace and service account; one per team
 * namespace for its `spark` service account.
 */
export class WorkloadIdentity extends pulumi.ComponentResource {
    readonly roleArns: Record<ServiceIdentity, pulumi.Output<string>>;
    /** The role of each team namespace's `spark` service account, by namespace. */
    readonly teamRoleArns: Record<string, pulumi.Output<string>> = {};
    readonly associations: aws.eks.PodIdentityAssociation[] = [];

    constructor(name: string, args: WorkloadIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("spark-k8s:aws:WorkloadIdentity", name, {}, opts);
        const parent = { parent: this };
        // Karpenter's inputs (its node role and queue) reach its own policy only, so no other
        // identity's policy waits for or depends on them.
        const { karpenter, ...shared } = args.inputs;
        const policies = pulumi.output(shared).apply((i) => identityPolicies(i));
        const karpenterPolicy = karpenter === undefined ? undefined : pulumi.all([pulumi.output(shared), pulumi.output(karpenter)]).apply(([i, k]) => identityPolicies({ ...i, karpenter: k }).karpenter);
        const roleArns: Partial<Record<ServiceIdentity, pulumi.Output<string>>> = {};
        for (const key of args.identities) {
            if (key === "karpenter" && args.inputs.karpenter === undefined) throw new Error("WorkloadIdentity: the karpenter identity needs inputs.karpenter");
            const identity = serviceIdentities[key];
            const id = `${name}-${identity.serviceAccount}`;
            const role = new aws.iam.Role(id, {
                namePrefix: `${args.platformId}-${identity.serviceAccount}-`.slice(0, 38),
                description: `Pod Identity of ${identity.namespace}/${identity.serviceAccount}`,
                assumeRolePolicy: JSON.stringify(podIdentityTrustPolicy()),
            }, parent);
            const policy = key === "karpenter" && karpenterPolicy ? karpenterPolicy : policies.apply((p) => p[key]);
            new aws.iam.RolePolicy(id, { role: role.id, policy: policy.apply((p) => JSON.stringify(p)) }, parent);
            for (const policy of managedPolicies[key] ?? []) {
                new aws.iam.RolePolicyAttachment(`${id}-${policy.split("/").pop()}`, {
                    role: role.name,
                    policyArn: pulumi.interpolate`arn:${args.partition}:iam::aws:policy/${policy}`,
                }, parent);
            }
            this.associations.push(
                new aws.eks.PodIdentityAssociation(id, { clusterName: args.clusterName, namespace: identity.namespace, serviceAccount: identity.serviceAccount, roleArn: role.arn }, parent),
            );
            roleArns[key] = role.arn;
        }
        const spark = serviceIdentities.sparkJobs;
        for (const namespace of args.identities.includes("sparkJobs") ? args.jobNamespaces.filter((n) => n !== spark.namespace) : []) {
            // The association keeps the name it had when the namespace shared the Spark role, so a
            // stack moving to team roles changes its roleArn instead of making a second one.
            const id = `${name}-${spark.serviceAccount}-${namespace}`;
            const role = new aws.iam.Role(id, {
                namePrefix: `${args.platformId}-team-${namespace}-`.slice(0, 38),
                description: `Pod Identity of ${namespace}/${spark.serviceAccount}: team ${namespace}`,
                assumeRolePolicy: JSON.stringify(podIdentityTrustPolicy()),
            }, parent);
            new aws.iam.RolePolicy(id, { role: role.id, policy: pulumi.output(shared).apply((i) => JSON.stringify(teamIdentityPolicy(i, namespace))) }, parent);
            this.associations.push(new aws.eks.PodIdentityAssociation(id, { clusterName: args.clusterName, namespace, serviceAccount: spark.serviceAccount, roleArn: role.arn }, parent));
            this.teamRoleArns[namespace] = role.arn;
        }
        this.roleArns = roleArns as Record<ServiceIdentity, pulumi.Output<string>>;
        this.registerOutputs({ roleArns: this.roleArns, teamRoleArns: this.teamRoleArns });
    }
}
