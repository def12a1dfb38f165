/**
 * Daily dumps of the platform's PostgreSQL databases (the Metastore's, and Airflow's where it runs)
 * to the backups bucket, and the restore Job that puts one back.
 *
 * The backup CronJob's pod runs scripts/backups/backup.sh in two containers that share an emptyDir:
 * `dump` (the official PostgreSQL image: pg_dump -Fc of each database as the service's own role,
 * over TLS to RDS) as an init container, then `upload` (the official AWS CLI image: one PutObject per
 * dump under `postgres/<database>/<UTC timestamp>.dump`, as the backup service account, whose Pod
 * Identity role may only write there). Two images, because neither ships the other's client; the
 * dump waits in the pod until the upload, and a failure of either fails the Job. Retention is the
 * bucket's lifecycle (storage.backupRetentionDays).
 *
 * A restore is a Job built on demand by restoreJobManifest (npm run restore): `download` (AWS CLI, as
 * the restore service account, which may only read dumps) then `restore` (pg_restore --clean
 * --if-exists in one transaction). Connection and bucket settings come from the ConfigMap this
 * component writes, so the restore Job needs nothing from Pulumi's state.
 */
import * as fs from "fs";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { databaseBackupJob, databaseBackupPrefix, serviceIdentities } from "../config/names";
import { DatabaseServer } from "../context";
import { ContainerResources, ContainerSpec, hardenPodSpec } from "../kubernetes/hardening";
import { onSystemNodes } from "../kubernetes/scheduling";
import { CredentialValues } from "./credentials";
import { ServiceDatabase, serviceDatabases } from "./databaseInit";
import { postgresImage, postgresUserId } from "./postgres";
import { priorityClassName } from "../kubernetes/priorities";
import { CredentialDelivery, deliverSecret, field, writeSecrets } from "./secretDelivery";

/**
 * PostgreSQL client of the backup and restore pods: pg_dump 17, which dumps servers of every major
 * the platform runs (RDS 14 to 17, services.metastore.database.engineVersion; 16 in the cluster).
 * pg_dump refuses a server newer than itself, so the client's major must be at least the server's.
 */
export const postgresClientImage = "postgres:17.10-bookworm";

/** The official AWS CLI v2 image: it takes EKS Pod Identity credentials and --endpoint-url for MinIO. */
export const awsCliImage = "amazon/aws-cli:2.37.5";

/** Names of the objects the backup CronJob and the restore Jobs share. */
export const backupObjects = {
    /** Connection and bucket settings (no secret), read with envFrom. */
    settings: "database-backup-settings",
    /** Each database's login: `<database>-username`, `<database>-password`. */
    credentials: "database-backup-credentials",
    /** backup.sh and restore.sh. */
    scripts: "database-backup-scripts",
} as const;

/** Where the pods mount the scripts. */
export const backupScriptsDir = "/opt/backups";

/** The scripts in the repository, by file name: what the ConfigMap ships. */
export function backupScripts(): Record<"backup.sh" | "restore.sh", string> {
    const dir = path.join(__dirname, "..", "..", "scripts", "backups");
    return { "backup.sh": fs.readFileSync(path.join(dir, "backup.sh"), "utf8"), "restore.sh": fs.readFileSync(path.join(dir, "restore.sh"), "utf8") };
}

/** The major version an official postgres image tag names: `postgres:16.14-bookworm` → 16. */
export function imageMajor(image: string): number {
    const m = /^postgres:(\d+)(\.|-|$)/.exec(image);
    if (!m) throw new Error(`cannot read a PostgreSQL major from the image "${image}"`);
    return Number(m[1]);
}

/** The server's major: the in-cluster image's, or RDS's engineVersion ("16" or "16.4"). */
export function serverMajor(database: Pick<DatabaseServer, "inCluster">, engineVersion: string): number {
    return database.inCluster ? imageMajor(postgresImage) : Number(engineVersion.split(".")[0]);
}

/** The client image for a server major; refuses a server newer than the client, which pg_dump would refuse at 2 am. */
export function postgresClientImageFor(major: number, image = postgresClientImage): string {
    if (!Number.isInteger(major) || major < 1) throw new Error(`invalid PostgreSQL major ${major}`);
    if (imageMajor(image) < major) throw new Error(`${image} cannot dump PostgreSQL ${major}: pg_dump's major must be at least the server's`);
    return image;
}

/** The environment variables backup.sh and restore.sh read a database's login from. */
export function loginEnv(d: ServiceDatabase): { user: string; password: string } {
    const upper = d.database.toUpperCase();
    if (!/^[a-z][a-z0-9_]*$/.test(d.database)) throw new Error(`database "${d.database}" cannot name environment variables`);
    return { user: `${upper}_DB_USER`, password: `${upper}_DB_PASSWORD` };
}

/** The object key of a dump: `postgres/<database>/<YYYYMMDDTHHMMSSZ>.dump`, as backup.sh writes it. */
export const dumpKeyPattern = (database: string): RegExp => new RegExp(`^${databaseBackupPrefix}${database}/(\\d{8}T\\d{6}Z)\\.dump$`);

/** The non-secret settings both pods read: server, TLS, bucket, prefix and, on MinIO, the endpoint. */
export function backupSettings(a: { host: string; port: number; sslMode: string; bucket: string; region?: string; endpoint?: string }): Record<string, string> {
    return {
        PGHOST: a.host,
        PGPORT: String(a.port),
        PGSSLMODE: a.sslMode,
        PGCONNECT_TIMEOUT: "10",
        BACKUP_BUCKET: a.bucket,
        BACKUP_PREFIX: databaseBackupPrefix,
        ...(a.region ? { AWS_REGION: a.region, AWS_DEFAULT_REGION: a.region } : {}),
        ...(a.endpoint ? { S3_ENDPOINT: a.endpoint, AWS_REGION: "us-east-1", AWS_DEFAULT_REGION: "us-east-1" } : {}),
    };
}

/** What the backup and restore pods are built from; every value plain, so a CLI can build the restore Job. */
export interface BackupPodParams {
    /** The databases: all dumped by the backup; the first restored by a restore Job. */
    readonly databases: readonly ServiceDatabase[];
    /** Major of the PostgreSQL server (serverMajor). */
    readonly serverMajor: number;
    /** Run on the system node group; true only where the platform made node groups. */
    readonly nodeGroups: boolean;
    /** Object-storage credentials for the AWS CLI on MinIO (storageEnv); none on S3, where Pod Identity serves. */
    readonly objectStorageEnv: readonly k8s.types.input.core.v1.EnvVar[];
}

const fromSettings = [{ configMapRef: { name: backupObjects.settings } }];
const scriptsMount = { name: "scripts", mountPath: backupScriptsDir, readOnly: true };
const scriptsVolume = { name: "scripts", configMap: { name: backupObjects.scripts } };
const pgResources: ContainerResources = { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "512Mi" } };
const awsResources: ContainerResources = { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "512Mi" } };
const labels = (component: string) => ({ "app.kubernetes.io/name": component, "app.kubernetes.io/part-of": "spark-k8s", "app.kubernetes.io/managed-by": "pulumi" });

function loginFromSecret(d: ServiceDatabase): k8s.types.input.core.v1.EnvVar[] {
    const env = loginEnv(d);
    const ref = (key: string) => ({ secretKeyRef: { name: backupObjects.credentials, key: `${d.database}-${key}` } });
    return [
        { name: env.user, valueFrom: ref("username") },
        { name: env.password, valueFrom: ref("password") },
    ];
}

function awsContainer(name: string, script: string, phase: string, dir: string, p: BackupPodParams, env: k8s.types.input.core.v1.EnvVar[]): ContainerSpec {
    return {
        name,
        image: awsCliImage,
        command: ["bash", `${backupScriptsDir}/${script}`, phase],
        envFrom: fromSettings,
        // The CLI keeps caches under $HOME; the root filesystem is read-only.
        env: [...env, { name: "HOME", value: "/tmp" }, { name: "AWS_PAGER", value: "" }, ...p.objectStorageEnv],
        volumeMounts: [scriptsMount],
        writablePaths: [dir],
        resources: awsResources,
    };
}

function pgContainer(name: string, script: string, phase: string, dir: string, p: BackupPodParams, env: k8s.types.input.core.v1.EnvVar[]): ContainerSpec {
    return {
        name,
        image: postgresClientImageFor(p.serverMajor),
        command: ["bash", `${backupScriptsDir}/${script}`, phase],
        envFrom: fromSettings,
        env: [...env, { name: "PGAPPNAME", value: `spark-k8s-${name}` }],
        volumeMounts: [scriptsMount],
        writablePaths: [dir],
        resources: pgResources,
    };
}

/** The backup pod: dump every database, then upload each dump; as the backup service account. */
export function backupPodSpec(p: BackupPodParams): k8s.types.input.core.v1.PodSpec {
    if (p.databases.length === 0) throw new Error("backup: no database to dump");
    const dir = "/backup";
    const common = [
        { name: "BACKUP_DIR", value: dir },
        { name: "BACKUP_DATABASES", value: p.databases.map((d) => d.database).join(" ") },
    ];
    return hardenPodSpec({
        initContainers: [pgContainer("dump", "backup.sh", "dump", dir, p, [...common, ...p.databases.flatMap(loginFromSecret)])],
        containers: [awsContainer("upload", "backup.sh", "upload", dir, p, common)],
        volumes: [scriptsVolume],
        serviceAccountName: serviceIdentities.databaseBackup.serviceAccount,
        runAsUser: postgresUserId,
        priorityClassName: priorityClassName("platform"),
        restartPolicy: "Never",
        ...onSystemNodes({ nodeGroups: p.nodeGroups }),
    });
}

/** The restore pod: download the dump, then pg_restore it into its database; as the restore service account. */
export function restorePodSpec(p: BackupPodParams & { dumpKey: string }): k8s.types.input.core.v1.PodSpec {
    const d = p.databases[0];
    if (!d) throw new Error("no database to restore");
    if (!dumpKeyPattern(d.database).test(p.dumpKey)) throw new Error(`"${p.dumpKey}" is not a dump of database ${d.database} (${databaseBackupPrefix}${d.database}/<YYYYMMDDTHHMMSSZ>.dump)`);
    const dir = "/restore";
    const common = [
        { name: "RESTORE_DIR", value: dir },
        { name: "RESTORE_DATABASE", value: d.database },
    ];
    return hardenPodSpec({
        initContainers: [awsContainer("download", "restore.sh", "download", dir, p, [...common, { name: "RESTORE_DUMP_KEY", value: p.dumpKey }])],
        containers: [pgContainer("restore", "restore.sh", "restore", dir, p, [...common, ...loginFromSecret(d)])],
        volumes: [scriptsVolume],
        serviceAccountName: serviceIdentities.databaseRestore.serviceAccount,
        runAsUser: postgresUserId,
        priorityClassName: priorityClassName("platform"),
        restartPolicy: "Never",
        ...onSystemNodes({ nodeGroups: p.nodeGroups }),
    });
}

/** The restore Job for one dump, named after the database and the dump's timestamp; apply it with kubectl. */
export function restoreJobManifest(p: Omit<BackupPodParams, "databases"> & { database: ServiceDatabase; dumpKey: string }): Record<string, unknown> {
    const spec = restorePodSpec({ ...p, databases: [p.database] });
    const stamp = dumpKeyPattern(p.database.database).exec(p.dumpKey)![1].toLowerCase();
    const jobLabels = { ...labels("database-restore"), "spark-k8s/database": p.database.database };
    return {
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: { name: `database-restore-${p.database.database}-${stamp}`, namespace: databaseBackupJob.namespace, labels: jobLabels },
        spec: {
            // A retry is safe (one transaction), but a failing restore needs a person, not a loop.
            backoffLimit: 1,
            activeDeadlineSeconds: 3600,
            ttlSecondsAfterFinished: 7 * 86400,
            template: { metadata: { labels: jobLabels }, spec },
        },
    };
}

/** The databases a restore can name: those the platform has. */
export function restorableDatabase(name: string): ServiceDatabase {
    const d = serviceDatabases.find((x) => x.database === name);
    if (!d) throw new Error(`unknown database "${name}"; the platform has ${serviceDatabases.map((x) => x.database).join(", ")}`);
    return d;
}

/** Inputs of DatabaseBackups. */
export interface DatabaseBackupsArgs {
    /** The platform namespace (databaseBackupJob.namespace), created by the caller. */
    readonly namespace: pulumi.Input<string>;
    /** services.backups.schedule: five cron fields, UTC. */
    readonly schedule: string;
    /** The PostgreSQL server: RDS (sslMode require) or the in-cluster server. */
    readonly database: Pick<DatabaseServer, "host" | "port" | "sslMode">;
    /** Major of the server (serverMajor), to pick a pg_dump that can dump it. */
    readonly serverMajor: number;
    /** The databases of the services the stack installs. */
    readonly databases: readonly ServiceDatabase[];
    /** Generated credentials: each database's role. */
    readonly credentials: CredentialValues;
    /** How its credential Secret is delivered (secretDelivery); default: Pulumi writes it with `credentials`. */
    readonly delivery?: CredentialDelivery;
    /** The backups bucket; the region on S3, or the MinIO endpoint. */
    readonly storage: { readonly bucket: pulumi.Input<string>; readonly region?: string; readonly endpoint?: string };
    /** See BackupPodParams.objectStorageEnv. */
    readonly objectStorageEnv: readonly k8s.types.input.core.v1.EnvVar[];
    /** Run on the system node group; true only where the platform made node groups. */
    readonly nodeGroups: boolean;
    /** Resources the CronJob waits for: the database init Job. */
    readonly dependsOn?: pulumi.Input<pulumi.Input<pulumi.Resource>[]>;
}

/** The backup and restore service accounts, the shared Secret and ConfigMaps, and the backup CronJob. */
export class DatabaseBackups extends pulumi.ComponentResource {
    readonly cronJob: k8s.batch.v1.CronJob;

    constructor(name: string, args: DatabaseBackupsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("spark-k8s:services:DatabaseBackups", name, {}, opts);
        const parent = { parent: this };
        const namespace = args.namespace;
        const meta = (objectName: string, component = "database-backup") => ({ name: objectName, namespace, labels: labels(component) });

        for (const id of ["databaseBackup", "databaseRestore"] as const) {
            const sa = serviceIdentities[id];
            new k8s.core.v1.ServiceAccount(`${name}-${sa.serviceAccount}`, { metadata: meta(sa.serviceAccount, sa.serviceAccount), automountServiceAccountToken: false }, parent);
        }
        deliverSecret(`${name}-credentials`, {
            ...meta(backupObjects.credentials),
            data: Object.fromEntries(args.databases.flatMap((d) => [[`${d.database}-username`, [field(d.credential, "username")]], [`${d.database}-password`, [field(d.credential, "password")]]])),
        }, args.delivery ?? writeSecrets(args.credentials), parent);
        new k8s.core.v1.ConfigMap(`${name}-scripts`, { metadata: meta(backupObjects.scripts), data: backupScripts() }, parent);
        new k8s.core.v1.ConfigMap(`${name}-settings`, {
            metadata: meta(backupObjects.settings),
            data: pulumi
                .all([args.database.host, args.storage.bucket])
                .apply(([host, bucket]) => backupSettings({ host, port: args.database.port, sslMode: args.database.sslMode, bucket, region: args.storage.region, endpoint: args.storage.endpoint })),
        }, parent);

        const jobLabels = labels(databaseBackupJob.name);
        this.cronJob = new k8s.batch.v1.CronJob(name, {
            metadata: { name: databaseBackupJob.name, namespace, labels: jobLabels },
            spec: {
                schedule: args.schedule,
                timeZone: "Etc/UTC",
                concurrencyPolicy: "Forbid",
                // A run missed by more than an hour (cluster down) is skipped, not started late.
                startingDeadlineSeconds: 3600,
                successfulJobsHistoryLimit: 3,
                // Failed Jobs stay, so kube_job_status_failed reports them and their logs can be read.
                failedJobsHistoryLimit: 3,
                jobTemplate: {
                    metadata: { labels: jobLabels },
                    spec: {
                        backoffLimit: 2,
                        activeDeadlineSeconds: 3600,
                        template: {
                            metadata: { labels: jobLabels },
                            spec: backupPodSpec({ databases: args.databases, serverMajor: args.serverMajor, nodeGroups: args.nodeGroups, objectStorageEnv: args.objectStorageEnv }),
                        },
                    },
                },
            },
        }, { parent: this, ...(args.dependsOn ? { dependsOn: args.dependsOn } : {}) });
        this.registerOutputs({ cronJob: this.cronJob.metadata.name });
    }
}
