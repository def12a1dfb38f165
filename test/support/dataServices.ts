/**
 * The data services (in-cluster PostgreSQL, the database init Job, the Hive Metastore, MinIO) built
 * under the recording mocks as a local and an AWS tier would build them, with fake credentials whose
 * passwords carry a marker, and the readers the data-service tests share.
 */
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { BucketPurpose, expiryRules } from "../../components/aws/dataLake";
import { tierDefaults } from "../../components/config";
import { ObjectStorage } from "../../components/context";
import { CredentialValues } from "../../components/services/credentials";
import { DatabaseInit, serviceDatabases } from "../../components/services/databaseInit";
import { HiveMetastore } from "../../components/services/metastore";
import { Minio, minioEndpoint } from "../../components/services/minio";
import { InClusterPostgres } from "../../components/services/postgres";
import { isSecretValue, RecordedResource, runProgram } from "../../tools/harness";

export const marker = "known-fake-password";

export type Credentials = Required<Pick<CredentialValues, "databaseAdmin" | "metastoreDatabase" | "airflowDatabase" | "minioRoot">>;

/** Fake generated credentials: Pulumi secrets whose passwords all contain the marker. */
export function fakeCredentials(suffix = "1"): Credentials {
    const credential = (username: string) => pulumi.secret<Record<string, string>>({ username, password: `${marker}-${username}-${suffix}` });
    return {
        databaseAdmin: credential("platform_admin"),
        metastoreDatabase: credential("metastore"),
        airflowDatabase: credential("airflow"),
        minioRoot: credential("minio-root"),
    };
}

export const localBuckets: Record<BucketPurpose, string> = { warehouse: "warehouse", eventLogs: "event-logs", airflowLogs: "airflow-logs", backups: "backups" };
export const metastoreImage = "spark-k8s/hive-metastore:3.1.3-p3";
export const rdsHost = "spark-prod-abc123.cxyz.us-east-1.rds.amazonaws.com";

/** The local tier: in-cluster PostgreSQL, MinIO, one metastore replica, no node groups. */
export function localProgram(credentials: Credentials = fakeCredentials()): () => void {
    return () => {
        const postgres = new InClusterPostgres("postgres", { namespace: "spark-platform", admin: credentials.databaseAdmin, storageGiB: 5, nodeGroups: false });
        const init = new DatabaseInit("database-init", { namespace: "spark-platform", database: postgres.server, credentials, databases: serviceDatabases, nodeGroups: false, dependsOn: [postgres] });
        new Minio("minio", { namespace: "minio", rootCredentials: credentials.minioRoot, buckets: localBuckets, expiry: expiryRules(tierDefaults("local").storage), publicMetrics: false, storageGiB: 20, storageClassName: "standard", nodeGroups: false });
        const storage: ObjectStorage = { kind: "minio", endpoint: minioEndpoint, buckets: localBuckets };
        new HiveMetastore("hive-metastore", {
            namespace: "spark-platform",
            image: metastoreImage,
            replicas: 1,
            database: postgres.server,
            databaseCredentials: credentials.metastoreDatabase,
            storage,
            objectStorageCredentials: credentials.minioRoot,
            serviceAccountName: "hive-metastore",
            nodeGroups: false,
            dependsOn: [init.job],
        });
    };
}

/** An AWS tier: RDS with TLS, S3 buckets known only after deployment, HA metastore on system nodes. */
export function awsProgram(credentials: Credentials = fakeCredentials()): () => void {
    return () => {
        const database = { host: pulumi.output(rdsHost), port: 5432, sslMode: "require" as const, inCluster: false };
        const init = new DatabaseInit("database-init", { namespace: "spark-platform", database, credentials, databases: serviceDatabases, nodeGroups: true });
        const buckets = {
            warehouse: pulumi.output("spark-prod-warehouse-a1b2"),
            eventLogs: pulumi.output("spark-prod-event-logs-a1b2"),
            airflowLogs: pulumi.output("spark-prod-airflow-logs-a1b2"),
            backups: pulumi.output("spark-prod-backups-a1b2"),
        };
        new HiveMetastore("hive-metastore", {
            namespace: "spark-platform",
            image: metastoreImage,
            replicas: 2,
            database,
            databaseCredentials: credentials.metastoreDatabase,
            storage: { kind: "s3", region: "us-east-1", buckets },
            serviceAccountName: "hive-metastore",
            nodeGroups: true,
            dependsOn: [init.job],
        });
    };
}

export async function record(program: () => void): Promise<RecordedResource[]> {
    return (await runProgram(program)).resources;
}

/** Both programs recorded: the local one (in-cluster PostgreSQL and MinIO) and the AWS one (RDS and S3). */
export async function recordBoth(): Promise<{ local: RecordedResource[]; aws: RecordedResource[] }> {
    return { local: await record(localProgram()), aws: await record(awsProgram()) };
}

/** A value with Pulumi's secret wrappers removed, as Kubernetes would receive it. */
export function unwrap(value: unknown): unknown {
    if (isSecretValue(value)) return unwrap(value.value);
    if (Array.isArray(value)) return value.map(unwrap);
    if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrap(v)]));
    return value;
}

export const T = {
    secret: "kubernetes:core/v1:Secret",
    configMap: "kubernetes:core/v1:ConfigMap",
    service: "kubernetes:core/v1:Service",
    statefulSet: "kubernetes:apps/v1:StatefulSet",
    deployment: "kubernetes:apps/v1:Deployment",
    job: "kubernetes:batch/v1:Job",
    pdb: "kubernetes:policy/v1:PodDisruptionBudget",
};
export const workloadTypes = [T.statefulSet, T.deployment, T.job];

export interface Container {
    name: string;
    image: string;
    command?: string[];
    env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
    resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
    securityContext?: Record<string, unknown>;
    livenessProbe?: unknown;
    readinessProbe?: unknown;
    volumeMounts?: { name: string; mountPath: string; subPath?: string }[];
}
export interface PodSpec {
    containers: Container[];
    initContainers?: Container[];
    securityContext?: Record<string, unknown>;
    nodeSelector?: Record<string, string>;
    restartPolicy?: string;
    serviceAccountName?: string;
    automountServiceAccountToken?: boolean;
}
export interface Workload {
    metadata: { name?: string; namespace?: string };
    spec: {
        replicas?: number;
        template: { metadata?: { annotations?: Record<string, unknown> }; spec: PodSpec };
        volumeClaimTemplates?: { spec: { storageClassName?: string; resources: { requests: { storage: string } } } }[];
    };
}

export const of = (resources: RecordedResource[], type: string) => resources.filter((r) => r.type === type);
export const inputs = <T>(r: RecordedResource) => unwrap(r.inputs) as T;
export const byName = (resources: RecordedResource[], type: string, name: string) => {
    const found = of(resources, type).find((r) => r.name === name);
    assert.ok(found, `no ${type} named ${name}; have ${of(resources, type).map((r) => r.name).join(", ")}`);
    return found;
};
export const podSpecOf = (r: RecordedResource) => inputs<Workload>(r).spec.template.spec;
export const envOf = (c: Container) => Object.fromEntries((c.env ?? []).map((e) => [e.name, e]));
