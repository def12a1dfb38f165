/**
 * The Hive Metastore (standalone Thrift service, Hive 3.1.x) that Spark's Hive catalog and the
 * Iceberg Hive catalog share. Its tables live in PostgreSQL (RDS, or in-cluster on local); table data
 * in the warehouse bucket on S3 or MinIO.
 *
 * Hive 3.1, not 4.0: Hive 4.0 removed the Thrift call get_table (HIVE-26537), which Spark's
 * built-in Hive 2.3 client and Iceberg's HiveCatalog use for every table lookup.
 *
 * Image assumptions (images/hive-metastore: apache/hive 3.1.3 plus the PostgreSQL JDBC driver and
 * hadoop-aws with the AWS SDK v1 bundle in its class path): Hive in /opt/hive, configuration read
 * from /opt/hive/conf, user `hive` with UID 1000, Hadoop 3.1.0. The image's entrypoint is not used:
 * the schema is handled by a Job, and the server starts with `hive --service metastore`.
 *
 * Password. The site XML names the database user and password as `${env.METASTORE_DB_USER}` and
 * `${env.METASTORE_DB_PASSWORD}`: Hadoop's Configuration (3.0+, HADOOP-9642) expands `${env.NAME}`
 * when a value is read, and the Metastore and schematool read the password through
 * Configuration.getPassword, whose clear-text fallback is `get(name)`. The values come from a
 * Kubernetes Secret through secretKeyRef, so the ConfigMap holds no secret and a rotated password
 * needs no new XML, only a restart (the pod template carries a hash of the credentials).
 *
 * Identity. On AWS the Metastore touches the warehouse bucket when it creates, renames or drops
 * database and table directories, and nothing else in AWS: its service account
 * (`serviceAccountName`, serviceIdentities.hiveMetastore) must be the one WorkloadIdentity gives a
 * Pod Identity role with metastorePolicy (the warehouse bucket and the platform key only). The
 * schema Job talks only to PostgreSQL and runs without it. On MinIO it uses the MinIO credentials
 * it is given.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { serviceEndpoints, serviceHost } from "../config/names";
import { DatabaseServer, ObjectStorage } from "../context";
import { hardenPodSpec } from "../kubernetes/hardening";
import { onSystemNodes } from "../kubernetes/scheduling";
import { warehouseDir } from "../spark/sparkDefaults";
import { inputsHash, inputsHashAnnotation } from "../kubernetes/rollout";
import { CredentialDelivery, deliverSecret, field, writeSecrets } from "./secretDelivery";
import { metastoreDatabase, rerunnableJobAnnotations, rerunnableJobOptions } from "./databaseInit";
import { priorityClassName } from "../kubernetes/priorities";

/** UID and GID of the hive user in the apache/hive images. */
export const hiveUserId = 1000;
/** Hive's home and configuration directory in the apache/hive images. */
export const hiveHome = "/opt/hive";
export const hiveConfDir = `${hiveHome}/conf`;
/** Environment variables that carry the database login; the XML only names them. */
export const metastoreDatabaseUserEnv = "METASTORE_DB_USER";
export const metastoreDatabasePasswordEnv = "METASTORE_DB_PASSWORD";

/**
 * S3A credential providers of the Hive image: AWS SDK v1 classes, since hadoop-aws 3.1.0 has no
 * provider of its own for container credentials (IAMInstanceCredentialsProvider came in 3.3).
 */
const environmentCredentialsProvider = "com.amazonaws.auth.EnvironmentVariableCredentialsProvider";
/**
 * The SDK's container credentials (EKS Pod Identity: AWS_CONTAINER_CREDENTIALS_FULL_URI with the
 * token file, SDK 1.12.746 or later), else instance metadata.
 */
export const metastorePodIdentityCredentialsProvider = "com.amazonaws.auth.EC2ContainerCredentialsProviderWrapper";

/** thrift://hive-metastore.<namespace>.svc.cluster.local:9083, the address Spark is configured with. */
export function metastoreUri(namespace: string = serviceEndpoints.metastore.namespace): string {
    const e = serviceEndpoints.metastore;
    return `thrift://${serviceHost({ name: e.name, namespace })}:${e.port}`;
}

/** The Metastore's warehouse: the same directory as Spark's spark.sql.warehouse.dir. */
export function metastoreWarehouseDir(bucket: string): string {
    return warehouseDir(bucket);
}

/** JDBC URL of the metastore database; sslmode as the server requires (RDS: require). */
export function metastoreJdbcUrl(database: { host: string; port: number; sslMode: "require" | "disable"; name?: string }): string {
    return `jdbc:postgresql://${database.host}:${database.port}/${database.name ?? metastoreDatabase.database}?sslmode=${database.sslMode}`;
}

/** Inputs of metastoreProperties: the database and warehouse the site XML points at. */
export interface MetastoreSiteArgs {
    /** The PostgreSQL server; name defaults to the metastore database DatabaseInit creates. */
    readonly database: { readonly host: string; readonly port: number; readonly sslMode: "require" | "disable"; readonly name?: string };
    /** Name of the warehouse bucket. */
    readonly warehouseBucket: string;
    /** S3 in a region (Pod Identity credentials) or MinIO at an endpoint (credentials from the environment). */
    readonly storage: { readonly kind: "s3"; readonly region: string } | { readonly kind: "minio"; readonly endpoint: string };
}

const bucketName = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const hostName = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/;
const awsRegion = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const httpEndpoint = /^https?:\/\/[A-Za-z0-9.-]+(:\d+)?$/;

/** The Metastore's Hadoop properties, in order; throws listing every invalid input. */
export function metastoreProperties(args: MetastoreSiteArgs): [string, string][] {
    const problems: string[] = [];
    const db = args.database;
    if (!hostName.test(db.host)) problems.push(`database host "${db.host}" is not a host name`);
    if (!Number.isInteger(db.port) || db.port < 1 || db.port > 65535) problems.push(`database port ${db.port} is not a TCP port`);
    const sslMode: string = db.sslMode;
    if (sslMode !== "require" && sslMode !== "disable") problems.push(`sslMode "${sslMode}" is not require or disable`);
    if (db.name !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(db.name)) problems.push(`database name "${db.name}" is not a lower-case SQL name`);
    if (!bucketName.test(args.warehouseBucket)) problems.push(`warehouse bucket "${args.warehouseBucket}" is not an S3 bucket name`);
    if (args.storage.kind === "s3" && !awsRegion.test(args.storage.region)) problems.push(`region "${args.storage.region}" is not an AWS region`);
    if (args.storage.kind === "minio" && !httpEndpoint.test(args.storage.endpoint)) problems.push(`MinIO endpoint "${args.storage.endpoint}" is not http(s)://host[:port]`);
    if (problems.length > 0) throw new Error(`metastore-site.xml:\n  - ${problems.join("\n  - ")}`);

    const warehouse = metastoreWarehouseDir(args.warehouseBucket);
    const s3a: [string, string][] =
        args.storage.kind === "s3"
            ? [
                  ["fs.s3a.aws.credentials.provider", metastorePodIdentityCredentialsProvider],
                  // hadoop-aws 3.1 has no fs.s3a.endpoint.region: the SDK takes the signing region from the endpoint.
                  ["fs.s3a.endpoint", `s3.${args.storage.region}.amazonaws.com`],
              ]
            : [
                  ["fs.s3a.aws.credentials.provider", environmentCredentialsProvider],
                  ["fs.s3a.endpoint", args.storage.endpoint],
                  ["fs.s3a.path.style.access", "true"],
                  ["fs.s3a.connection.ssl.enabled", String(args.storage.endpoint.startsWith("https://"))],
              ];
    return [
        ["javax.jdo.option.ConnectionURL", metastoreJdbcUrl(db)],
        ["javax.jdo.option.ConnectionDriverName", "org.postgresql.Driver"],
        ["javax.jdo.option.ConnectionUserName", `\${env.${metastoreDatabaseUserEnv}}`],
        ["javax.jdo.option.ConnectionPassword", `\${env.${metastoreDatabasePasswordEnv}}`],
        ["metastore.warehouse.dir", warehouse],
        ["hive.metastore.warehouse.dir", warehouse],
        ["metastore.thrift.port", String(serviceEndpoints.metastore.port)],
        // The schema Job owns the schema; the server refuses to start against a mismatched one.
        ["metastore.schema.verification", "true"],
        ["datanucleus.schema.autoCreateAll", "false"],
        // As in the apache/hive image's own hive-site.xml, which this file replaces.
        ["metastore.metastore.event.db.notification.api.auth", "false"],
        ["fs.s3a.impl", "org.apache.hadoop.fs.s3a.S3AFileSystem"],
        ...s3a,
    ];
}

function xmlText(text: string): string {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");
}

/**
 * metastore-site.xml (also mounted as hive-site.xml, which schematool reads): JDBC connection with
 * sslmode, warehouse on s3a, S3A settings for S3 or MinIO. The login is referenced as environment
 * variables, never written.
 */
export function metastoreSiteXml(args: MetastoreSiteArgs): string {
    const properties = metastoreProperties(args).map(
        ([name, value]) => `  <property>\n    <name>${xmlText(name)}</name>\n    <value>${xmlText(value)}</value>\n  </property>`,
    );
    return ['<?xml version="1.0" encoding="UTF-8"?>', "<!-- Written by spark-k8s HiveMetastore. -->", "<configuration>", ...properties, "</configuration>", ""].join("\n");
}

/**
 * The schema Job's script: nothing to do when `schematool -info` finds the schema of this Hive
 * version; otherwise `-upgradeSchema` upgrades an older schema, and where there is none to upgrade
 * (it finds no version) `-initSchema` creates it. Hive 3.1's schematool has no
 * `-initOrUpgradeSchema`. `-initSchema` never replaces an existing schema: its first CREATE TABLE
 * fails on a database that has one. Checking first keeps re-runs read-only.
 */
export function metastoreSchemaScript(): string {
    const schematool = `${hiveHome}/bin/schematool -dbType postgres`;
    return [
        "set -u",
        `if ${schematool} -info; then`,
        '  echo "The metastore schema matches this Hive version."',
        `elif ${schematool} -upgradeSchema; then`,
        '  echo "The metastore schema was upgraded."',
        "else",
        '  echo "No schema to upgrade: creating it."',
        `  exec ${schematool} -initSchema`,
        "fi",
    ].join("\n");
}

/** Inputs of HiveMetastore: image, replicas, database, storage, identity and size. */
export interface HiveMetastoreArgs {
    /** Namespace of every object (created by the caller); clients use hive-metastore.<namespace>:9083. */
    readonly namespace: pulumi.Input<string>;
    /** The platform's Hive Metastore image (spark.images.hiveMetastore), pinned. */
    readonly image: string;
    /** Server replicas (services.metastore.replicas); more than one adds a PodDisruptionBudget. */
    readonly replicas: number;
    /** The PostgreSQL server holding the metastore database. */
    readonly database: Pick<DatabaseServer, "host" | "port" | "sslMode">;
    /** The metastore role's { username, password } (credentials.metastoreDatabase), a Pulumi secret. */
    readonly databaseCredentials: pulumi.Output<Record<string, string>>;
    /** Where the warehouse bucket is. */
    readonly storage: ObjectStorage;
    /** MinIO access key and secret as { username, password } (credentials.minioRoot); required on MinIO. */
    readonly objectStorageCredentials?: pulumi.Output<Record<string, string>>;
    /** Service account of the server pods (created by the caller): serviceIdentities.hiveMetastore, whose Pod Identity role reaches the warehouse. */
    readonly serviceAccountName: string;
    /** Run on the system node group; true only where the platform made node groups. */
    readonly nodeGroups: boolean;
    /** Memory of each server in MiB (request and limit); the JVM heap is 70% of it. Default 1024. */
    readonly memoryMiB?: number;
    /** CPU request of each server. Default 250m. */
    readonly cpu?: string;
    /** How its credential Secret is delivered (secretDelivery); default: Pulumi writes it with the values above. */
    readonly delivery?: CredentialDelivery;
    /** What the schema Job waits for: the DatabaseInit that creates the metastore role and database. */
    readonly dependsOn?: pulumi.Input<pulumi.Input<pulumi.Resource>[]>;
}

/** Secret, ConfigMap, schema Job, Deployment, Service on 9083 and, with replicas > 1, a PodDisruptionBudget. */
export class HiveMetastore extends pulumi.ComponentResource {
    /** thrift://hive-metastore.<namespace>.svc.cluster.local:9083 */
    readonly uri: pulumi.Output<string>;
    readonly deployment: k8s.apps.v1.Deployment;
    readonly schemaJob: k8s.batch.v1.Job;

    constructor(name: string, args: HiveMetastoreArgs, opts?: pulumi.ComponentResourceOptions) {
        super("spark-k8s:services:HiveMetastore", name, {}, opts);
        const parent = { parent: this };
        const problems: string[] = [];
        if (!Number.isInteger(args.replicas) || args.replicas < 1) problems.push(`replicas must be a positive integer, got ${args.replicas}`);
        if (args.storage.kind === "minio" && !args.objectStorageCredentials) problems.push("objectStorageCredentials are required when storage is MinIO");
        const memoryMiB = args.memoryMiB ?? 1024;
        if (!Number.isInteger(memoryMiB) || memoryMiB < 512) problems.push(`memoryMiB must be an integer of at least 512, got ${memoryMiB}`);
        if (problems.length > 0) throw new Error(`HiveMetastore "${name}":\n  - ${problems.join("\n  - ")}`);

        const endpoint = serviceEndpoints.metastore;
        const selector = { "app.kubernetes.io/name": endpoint.name, "app.kubernetes.io/component": "metastore" };
        const labels = { ...selector, "app.kubernetes.io/part-of": "spark-k8s", "app.kubernetes.io/managed-by": "pulumi" };
        const onMinio = args.storage.kind === "minio";

        const delivery = args.delivery ?? writeSecrets({ metastoreDatabase: args.databaseCredentials, ...(args.objectStorageCredentials ? { minioRoot: args.objectStorageCredentials } : {}) });
        const secret = deliverSecret(`${name}-credentials`, {
            name: `${endpoint.name}-credentials`,
            namespace: args.namespace,
            labels,
            data: {
                username: [field("metastoreDatabase", "username")],
                password: [field("metastoreDatabase", "password")],
                ...(onMinio ? { "s3-access-key": [field("minioRoot", "username")], "s3-secret-key": [field("minioRoot", "password")] } : {}),
            },
        }, delivery, parent);

        const storage: MetastoreSiteArgs["storage"] = args.storage.kind === "s3" ? { kind: "s3", region: args.storage.region } : { kind: "minio", endpoint: args.storage.endpoint };
        const xml = pulumi
            .all([args.database.host, args.storage.buckets.warehouse])
            .apply(([host, bucket]) => metastoreSiteXml({ database: { host, port: args.database.port, sslMode: args.database.sslMode }, warehouseBucket: bucket, storage }));
        const config = new k8s.core.v1.ConfigMap(`${name}-config`, {
            metadata: { name: `${endpoint.name}-config`, namespace: args.namespace, labels },
            data: { "metastore-site.xml": xml, "hive-site.xml": xml },
        }, parent);

        const fromSecret = (key: string) => ({ secretKeyRef: { name: secret.name, key } });
        const databaseEnv = [
            { name: metastoreDatabaseUserEnv, valueFrom: fromSecret("username") },
            { name: metastoreDatabasePasswordEnv, valueFrom: fromSecret("password") },
        ];
        const storageEnv = onMinio
            ? [
                  { name: "AWS_ACCESS_KEY_ID", valueFrom: fromSecret("s3-access-key") },
                  { name: "AWS_SECRET_ACCESS_KEY", valueFrom: fromSecret("s3-secret-key") },
              ]
            : [];
        const javaEnv = (heapMiB: number) => [
            { name: "HIVE_CONF_DIR", value: hiveConfDir },
            { name: "HADOOP_HEAPSIZE", value: String(heapMiB) },
            { name: "HADOOP_CLIENT_OPTS", value: `-Xmx${heapMiB}m -XX:+ExitOnOutOfMemoryError` },
        ];
        const configMounts = ["metastore-site.xml", "hive-site.xml"].map((file) => ({ name: "config", mountPath: `${hiveConfDir}/${file}`, subPath: file, readOnly: true }));
        const volumes = [{ name: "config", configMap: { name: config.metadata.name } }];
        const placement = onSystemNodes({ nodeGroups: args.nodeGroups });

        const schemaHash = inputsHash([xml, args.image]);
        this.schemaJob = new k8s.batch.v1.Job(`${name}-schema`, {
            metadata: { namespace: args.namespace, labels: { ...labels, "app.kubernetes.io/component": "metastore-schema" }, annotations: { ...rerunnableJobAnnotations } },
            spec: {
                backoffLimit: 4,
                activeDeadlineSeconds: 1800,
                ttlSecondsAfterFinished: 86400,
                template: {
                    metadata: { labels: { ...labels, "app.kubernetes.io/component": "metastore-schema" }, annotations: { [inputsHashAnnotation]: schemaHash } },
                    spec: hardenPodSpec({
                        containers: [
                            {
                                name: "schematool",
                                image: args.image,
                                command: ["sh", "-c", metastoreSchemaScript()],
                                env: [...databaseEnv, ...javaEnv(512)],
                                volumeMounts: configMounts,
                                resources: { requests: { cpu: "250m", memory: "768Mi" }, limits: { memory: "768Mi" } },
                            },
                        ],
                        volumes,
                        runAsUser: hiveUserId,
                        priorityClassName: priorityClassName("platform"),
                        restartPolicy: "Never",
                        ...placement,
                    }),
                },
            },
        }, rerunnableJobOptions(this, args.dependsOn));

        const thrift = (periodSeconds: number, failureThreshold: number) => ({ tcpSocket: { port: "thrift" }, periodSeconds, timeoutSeconds: 5, failureThreshold });
        const spread: k8s.types.input.core.v1.Affinity | undefined =
            args.replicas > 1
                ? { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: selector } } }] } }
                : undefined;
        const heapMiB = Math.floor(memoryMiB * 0.7);
        this.deployment = new k8s.apps.v1.Deployment(name, {
            metadata: { name: endpoint.name, namespace: args.namespace, labels },
            spec: {
                replicas: args.replicas,
                selector: { matchLabels: selector },
                strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
                template: {
                    metadata: { labels, annotations: { [inputsHashAnnotation]: inputsHash([xml, secret.hash]) } },
                    spec: hardenPodSpec({
                        containers: [
                            {
                                name: "metastore",
                                image: args.image,
                                command: [`${hiveHome}/bin/hive`, "--skiphadoopversion", "--skiphbasecp", "--service", "metastore"],
                                env: [...databaseEnv, ...storageEnv, ...javaEnv(heapMiB), { name: "METASTORE_PORT", value: String(endpoint.port) }],
                                ports: [{ name: "thrift", containerPort: endpoint.port }],
                                volumeMounts: configMounts,
                                resources: { requests: { cpu: args.cpu ?? "250m", memory: `${memoryMiB}Mi` }, limits: { memory: `${memoryMiB}Mi` } },
                                probes: { startup: thrift(10, 30), readiness: thrift(10, 3), liveness: thrift(20, 3) },
                            },
                        ],
                        volumes,
                        serviceAccountName: args.serviceAccountName,
                        runAsUser: hiveUserId,
                        priorityClassName: priorityClassName("platform"),
                        server: true,
                        terminationGracePeriodSeconds: 30,
                        ...placement,
                        ...(spread ? { affinity: spread } : {}),
                    }),
                },
            },
        }, { ...parent, deleteBeforeReplace: true, dependsOn: [this.schemaJob] });

        const service = new k8s.core.v1.Service(name, {
            metadata: { name: endpoint.name, namespace: args.namespace, labels },
            spec: { type: "ClusterIP", selector, ports: [{ name: "thrift", port: endpoint.port, targetPort: "thrift" }] },
        }, { ...parent, deleteBeforeReplace: true });

        if (args.replicas > 1) {
            new k8s.policy.v1.PodDisruptionBudget(name, {
                metadata: { name: endpoint.name, namespace: args.namespace, labels },
                spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
            }, { ...parent, deleteBeforeReplace: true });
        }

        this.uri = pulumi.all([service.metadata.name, args.namespace]).apply(([svc, namespace]) => `thrift://${serviceHost({ name: svc, namespace })}:${endpoint.port}`);
        this.registerOutputs({ uri: this.uri });
    }
}
