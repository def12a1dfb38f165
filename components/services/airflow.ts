/**
 * Apache Airflow from its official chart, with the KubernetesExecutor, the platform's PostgreSQL
 * as metadata database, task logs in the airflow-logs bucket, and DAGs from git or from the
 * repository's dags/ folder.
 *
 * Values keys checked against apache/airflow chart/values.yaml (the full file in the official
 * repository at the 1.19 development state, Airflow 3.1.3) and the chart's release notes for
 * 1.20.0-1.22.0, which deprecate (but keep as fallbacks) workers.* in favour of
 * workers.kubernetes.* and add no replacement for the other keys used here. The chart validates
 * values against its JSON schema, which rejects unknown keys in most sections, so a key the chart
 * does not know fails the render instead of being ignored; `airflowValues` is the list of keys.
 *
 * Login: the FAB auth manager with one admin user, created by the chart's create-user Job.
 * - Airflow 3's own default is the simple auth manager, which its documentation reserves for
 *   development and tests; it keeps passwords in a JSON file that it generates and writes itself,
 *   so it cannot take them from a read-only Secret. The official chart instead sets
 *   config.core.auth_manager to FabAuthManager (the default in the values.yaml checked), whose users
 *   live in the metadata database and which the official image ships (extra "fab"). The platform
 *   sets that auth manager explicitly, so a changed chart default cannot switch the login off.
 * - The chart's create-user Job would pass createUserJob.defaultUser.password (formerly
 *   webserver.defaultUser.password) on its command line straight from the values, so its args are
 *   replaced: a script reads the username and password from the airflow-admin-user Secret (the
 *   generated credential airflowAdmin) mounted read-only into the Job through
 *   createUserJob.extraVolumes, creates the user (`airflow users create`, a no-op when it exists)
 *   and resets its password to the credential (`airflow users reset-password`), so re-runs are
 *   harmless and follow a new credential. The FAB CLI takes the password only as an argument, so
 *   it is visible to processes in that one container while the Job runs, nowhere else. A volume
 *   rather than an env var: whether the chart's createUserJob.env passes valueFrom through could
 *   not be confirmed for 1.22, while extraVolumes are copied into the Job as written. The chart's
 *   defaultUser values (password "admin") stay unused; no Airflow login has that password.
 *
 * Chart features switched off, and why:
 * - redis, flower: Celery only; the KubernetesExecutor needs neither.
 * - pgbouncer: off by default; one scheduler and few components do not need pooling.
 * - statsd: only with the monitoring stack, whose PodMonitor scrapes it (airflowValues' observability).
 * - postgresql: the platform's own server (RDS or the local tier's) holds the metadata database.
 * - Helm hooks on the migration and create-user jobs: Pulumi applies the rendered objects itself;
 *   the create-user Job retries (restartPolicy OnFailure) until the migration has made the tables.
 * The triggerer stays on: deferrable operators (including the Kubernetes ones) need it.
 *
 * Priorities and replicas, keys checked against chart/values.yaml of apache/airflow at commit
 * d6ba481 (the Airflow 3 chart with apiServer): {scheduler,apiServer,webserver,triggerer,dagProcessor,
 * statsd,workers,createUserJob,migrateDatabaseJob}.priorityClassName, {scheduler,apiServer,triggerer}.replicas,
 * {scheduler,apiServer}.podDisruptionBudget.{enabled,config.maxUnavailable}. The servers and jobs
 * get the platform class; task pods (workers.*, the KubernetesExecutor's pod template) the driver
 * class: a task pod is a Spark client or submitter whose loss fails the task. The triggerer has no
 * budget key, so Airflow writes its PodDisruptionBudget itself (airflowTriggererBudget).
 */
import * as fs from "fs";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ObjectStorage } from "../context";
import { lineSuffix, SparkVersion, Tier } from "../config/schema";
import { minioRegion } from "../spark/sparkDefaults";
import { sparkApplicationRules, sparkSubmitRules } from "../kubernetes/rbac";
import { charts, chartResources, pinnedChart, containerSecurityContext, podSecurityContext, splitImage, systemNodeSelector } from "./charts";
import { priorityClassName } from "../kubernetes/priorities";
import { ControllerReplicas, controllerReplicas } from "./replication";
import { CredentialValues } from "./credentials";
import { CredentialDelivery, CredentialSecretSpec, deliverSecret, field, FieldRef, renderParts, writeSecrets } from "./secretDelivery";

/** The Helm release name; the chart names its workloads "<release>-<component>". */
export const airflowRelease = "airflow";

/** The airflow user of the official image. */
export const airflowUserId = 50000;
/** The git-sync image's user. */
export const gitSyncUserId = 65533;
/** Chart 1.20 and later no longer support older Airflow releases. */
export const minimumAirflowVersion = "2.11.0";

/**
 * The first Airflow with [logging] json_logs (3.2.0): every log line its processes write (scheduler,
 * API server and its access log, DAG processor, triggerer, the task pods' own output) is one JSON
 * object. Task logs (the log files shipped to the bucket) are JSON lines in every Airflow 3.
 */
export const jsonLogsSince = "3.2.0";
/** The production auth manager of Airflow 3, from the FAB provider (the official image ships it). */
export const fabAuthManager = "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager";
/** Where the create-user Job finds the admin's username and password files. */
export const adminUserMountPath = "/opt/airflow/admin-user";
/** The role the admin user gets. */
export const adminRole = "Admin";
/** The connection the remote task log handler uses. */
export const remoteLogConnectionId = "aws_default";
const connectionEnvName = "AIRFLOW_CONN_AWS_DEFAULT";

/** Names of the Secrets the component creates; the chart reads them by name, so no value is in the chart values. */
export interface AirflowSecretNames {
    /** Key `connection`: the SQLAlchemy URL of the metadata database. */
    readonly metadata: string;
    /** Keys `fernet-key`, `webserver-secret-key`, `api-secret-key`, `jwt-secret`. */
    readonly keys: string;
    /** Key `connection`: the AWS connection for MinIO (endpoint and credentials); MinIO storage only. */
    readonly storageConnection: string;
    /** Keys `username` and `password`: the UI admin the create-user Job creates. */
    readonly adminUser: string;
}

/** The example DAG (dags/) of each way Airflow runs Spark: the airflow-* scenario's mode. */
export const exampleDagIds = {
    connect: "spark_connect_example",
    "k8s-submit": "spark_submit_k8s_example",
    operator: "spark_operator_example",
} as const;

export const airflowSecretNames: AirflowSecretNames = {
    metadata: "airflow-metadata-connection",
    keys: "airflow-secret-keys",
    storageConnection: "airflow-storage-connection",
    adminUser: "airflow-admin-user",
};

/**
 * The create-user Job's script: username and password come from the mounted Secret at run time, so
 * neither is in the chart values, the Job spec or the plan. Creating an existing user is a no-op in
 * the FAB CLI; the reset makes the password the credential's on every run.
 */
export function createAdminUserScript(mountPath: string = adminUserMountPath): string {
    return [
        "set -eu",
        `username="$(cat ${mountPath}/username)"`,
        `password="$(cat ${mountPath}/password)"`,
        `airflow users create --role ${adminRole} --username "$username" --email "$username@airflow.local" --firstname Airflow --lastname Admin --password "$password"`,
        'airflow users reset-password --username "$username" --password "$password"',
    ].join("\n");
}

/** DAG files shipped in a ConfigMap: its name and the key-to-path items of the volume. */
export interface DagBundle {
    /** ConfigMap holding the DAG files, mounted read-only at /opt/airflow/dags. */
    readonly configMapName: string;
    /** ConfigMap key and file path of each DAG file (keys cannot hold "/"). */
    readonly items: readonly { readonly key: string; readonly path: string }[];
}

/** Where git-sync pulls the DAGs from (services.airflow.gitSync). */
export interface AirflowGitSync {
    /** Git URL; empty means the example DAGs from the repository's dags/ folder are shipped instead. */
    readonly repo: string;
    /** Branch git-sync follows. */
    readonly branch: string;
    /** Folder inside the repository that holds the DAGs. */
    readonly subPath: string;
}

/** Inputs of airflowValues, the pure function that writes the chart values. */
export interface AirflowValuesArgs {
    /** The platform's Airflow image, pinned by tag or digest. */
    readonly image: string;
    /** Airflow version of the image; defaults to the x.y.z at the start of the image tag. */
    readonly airflowVersion?: string;
    /** Whether the platform's node groups exist; true places every Airflow pod on the system nodes. */
    readonly nodeGroups: boolean;
    /** Where task logs go: the airflowLogs bucket on S3 (Pod Identity) or MinIO (credentials in a Secret). */
    readonly storage: ObjectStorage;
    /** DAGs from git; with an empty repo the dags bundle is mounted instead. */
    readonly gitSync: AirflowGitSync;
    /** The shipped DAGs; required when gitSync.repo is empty. */
    readonly dags?: DagBundle;
    /** Names of the Secrets the chart reads connections and keys from. */
    readonly secretNames: AirflowSecretNames;
    /** The service account of the scheduler, task pods, triggerer, DAG processor and API server. */
    readonly serviceAccountName: string;
    /** Airflow Variables every Airflow pod gets as AIRFLOW_VAR_<NAME> (see exampleDagVariables). */
    readonly variables?: Readonly<Record<string, pulumi.Input<string>>>;
    /** With the monitoring stack: metrics through the chart's StatsD exporter, and traces to an OTLP/HTTP endpoint. */
    readonly observability?: AirflowObservability;
    /** Scheduler, API server and triggerer replicas (controllerReplicas); one each when absent. */
    readonly replicas?: Pick<ControllerReplicas, "airflowScheduler" | "airflowApiServer" | "airflowTriggerer">;
}

/** What Airflow reports to the monitoring stack. */
export interface AirflowObservability {
    /** Run the chart's StatsD exporter (Airflow's metrics in Prometheus format, scraped by a PodMonitor). */
    readonly statsd: boolean;
    /** Where Airflow exports its OpenTelemetry traces (OTLP over HTTP); no traces when undefined. */
    readonly otlpEndpoint?: string;
}

/** The UID of the chart's StatsD exporter image (nobody). */
const statsdUserId = 65534;

/** The environment variable through which Airflow reads a Variable (its EnvironmentVariablesBackend). */
export function variableEnvName(variable: string): string {
    return `AIRFLOW_VAR_${variable.toUpperCase()}`;
}

/**
 * The Variables the shipped example DAGs read, from what the stack runs: the stack's tier, the
 * warehouse root, each line's Spark image, and each line's Connect server for the Connect DAGs (the
 * backend Airflow's airflow-connect-* scenarios use). With them the DAGs run as shipped, side by side.
 */
export function exampleDagVariables(a: {
    /** The stack's tier (spark_k8s_environment), e.g. for the data-quality example's production_only mode. */
    readonly environment: Tier;
    readonly warehouseUri: pulumi.Input<string>;
    readonly sparkImages: Readonly<Partial<Record<SparkVersion, string>>>;
    readonly connectUrls: Readonly<Partial<Record<SparkVersion, string>>>;
}): Record<string, pulumi.Input<string>> {
    const out: Record<string, pulumi.Input<string>> = { spark_k8s_environment: a.environment, spark_k8s_warehouse_uri: a.warehouseUri };
    for (const [version, image] of Object.entries(a.sparkImages)) out[`spark_k8s_spark_image_${lineSuffix(version as SparkVersion)}`] = image;
    for (const [version, url] of Object.entries(a.connectUrls)) out[`spark_k8s_connect_url_${lineSuffix(version as SparkVersion)}`] = url;
    return out;
}

function compareVersions(a: string, b: string): number {
    const pa = a.split(".").map(Number);
    const pb = b.split(".").map(Number);
    for (let i = 0; i < 3; i++) {
        if (pa[i] !== pb[i]) return pa[i] - pb[i];
    }
    return 0;
}

/** The Airflow version to tell the chart: given, or read from the image tag (`3.2.2-p1` gives 3.2.2). */
export function airflowVersionOf(image: string, given?: string): string {
    const ref = splitImage(image);
    const version = given ?? /^(\d+\.\d+\.\d+)/.exec(ref.tag ?? "")?.[1];
    if (!version || !/^\d+\.\d+\.\d+$/.test(version)) {
        throw new Error(`airflow: cannot tell the Airflow version of image "${image}"; set airflowVersion`);
    }
    if (compareVersions(version, minimumAirflowVersion) < 0) {
        throw new Error(`airflow: Airflow ${version} is older than ${minimumAirflowVersion}, the oldest chart ${charts.airflow.version} supports`);
    }
    return version;
}

/** `s3://<airflowLogs bucket>/logs` */
export function remoteLogFolder(storage: ObjectStorage): pulumi.Input<string> {
    const bucket = storage.buckets.airflowLogs;
    return typeof bucket === "string" ? `s3://${bucket}/logs` : pulumi.interpolate`s3://${bucket}/logs`;
}

/** The AWS connection for MinIO as Secret parts: JSON whose login and password are the MinIO root user's. */
export function minioConnectionParts(endpoint: string): (string | FieldRef)[] {
    return ['{"conn_type":"aws","login":', field("minioRoot", "username", "json"), ',"password":', field("minioRoot", "password", "json"), `,"extra":${JSON.stringify({ endpoint_url: endpoint, region_name: minioRegion })}}`];
}

/** The AWS connection for MinIO: endpoint and root credentials. Secret, since it holds the password. */
export function minioConnection(endpoint: string, credentials: pulumi.Input<Record<string, string>>): pulumi.Output<string> {
    return pulumi.secret(pulumi.output(credentials).apply((c) => renderParts(minioConnectionParts(endpoint), { minioRoot: c })));
}

/** `postgresql://user:password@host:port/db?sslmode=...` as Secret parts, user and password from the airflowDatabase credential. */
export function metadataConnectionParts<H extends pulumi.Input<string>>(database: { readonly host: H; readonly port: number; readonly sslMode: string; readonly name: string }): (H | string | FieldRef)[] {
    return [
        "postgresql://",
        field("airflowDatabase", "username", "url"),
        ":",
        field("airflowDatabase", "password", "url"),
        "@",
        database.host,
        `:${database.port}/${encodeURIComponent(database.name)}?sslmode=${database.sslMode}`,
    ];
}

/** `postgresql://user:password@host:port/db?sslmode=...`; secret. */
export function metadataConnection(
    database: { readonly host: pulumi.Input<string>; readonly port: number; readonly sslMode: string; readonly name: string },
    credentials: pulumi.Input<Record<string, string>>,
): pulumi.Output<string> {
    return pulumi.secret(
        pulumi.all([database.host, credentials]).apply(([host, c]) => renderParts(metadataConnectionParts({ ...database, host }), { airflowDatabase: c })),
    );
}

/** The chart values: pure, so tests check them directly. No secret value appears here, only Secret names. */
export function airflowValues(args: AirflowValuesArgs): Record<string, unknown> {
    const version = airflowVersionOf(args.image, args.airflowVersion);
    const image = splitImage(args.image);
    const gitSync = args.gitSync.repo !== "";
    if (!gitSync && !args.dags) throw new Error("airflowValues: with no gitSync.repo, the shipped DAG bundle is required");
    const nodeSelector = systemNodeSelector(args.nodeGroups);
    const sa = { create: false, name: args.serviceAccountName };

    const pod = podSecurityContext(airflowUserId);
    // The image writes under AIRFLOW_HOME and /tmp, which the chart does not mount writable.
    const container = containerSecurityContext({ readOnlyRootFilesystem: false, runAsUser: airflowUserId, runAsGroup: airflowUserId });
    const contexts = { pod, container };
    const sidecar = { securityContexts: { container } };
    const logGroomer = { enabled: true, resources: chartResources("10m", "64Mi", "128Mi"), ...sidecar };
    const waitForMigrations = { enabled: true, ...sidecar };
    const platform = { priorityClassName: priorityClassName("platform") };
    const server = (cpu: string, memory: string, limit: string) => ({
        resources: chartResources(cpu, memory, limit),
        securityContexts: contexts,
        serviceAccount: sa,
        waitForMigrations,
        ...platform,
    });
    const replicas = args.replicas ?? controllerReplicas(false);
    const budget = (n: number) => ({ podDisruptionBudget: n > 1 ? { enabled: true, config: { maxUnavailable: 1 } } : { enabled: false } });

    const traces = args.observability?.otlpEndpoint;
    // The storage connection: plain env on S3 (region only), from a Secret on MinIO (it holds the keys).
    const env = [
        ...(args.storage.kind === "s3" ? [{ name: connectionEnvName, value: JSON.stringify({ conn_type: "aws", extra: { region_name: args.storage.region } }) }] : []),
        ...Object.entries(args.variables ?? {}).map(([variable, value]) => ({ name: variableEnvName(variable), value })),
        // Airflow's [traces] exporter reads the standard OpenTelemetry SDK variables, which supersede its otel_host/otel_port.
        ...(traces
            ? [
                  { name: "OTEL_EXPORTER_OTLP_ENDPOINT", value: traces },
                  { name: "OTEL_EXPORTER_OTLP_PROTOCOL", value: "http/protobuf" },
                  { name: "OTEL_SERVICE_NAME", value: "airflow" },
              ]
            : []),
    ];
    const storageEnv = {
        ...(env.length > 0 ? { env } : {}),
        ...(args.storage.kind === "minio" ? { secret: [{ envName: connectionEnvName, secretName: args.secretNames.storageConnection, secretKey: "connection" }] } : {}),
    };
    const dagsVolume = "dags";
    const shippedDags = !gitSync && args.dags
        ? {
              volumes: [{ name: dagsVolume, configMap: { name: args.dags.configMapName, items: args.dags.items.map((i) => ({ ...i })) } }],
              volumeMounts: [{ name: dagsVolume, mountPath: "/opt/airflow/dags", readOnly: true }],
          }
        : {};

    return {
        executor: "KubernetesExecutor",
        airflowVersion: version,
        defaultAirflowRepository: image.repository,
        ...(image.digest ? { defaultAirflowDigest: image.digest } : { defaultAirflowTag: image.tag }),
        ...(nodeSelector ? { nodeSelector } : {}),
        securityContexts: { pod, containers: container },
        ...storageEnv,
        ...shippedDags,
        data: { metadataSecretName: args.secretNames.metadata },
        fernetKeySecretName: args.secretNames.keys,
        webserverSecretKeySecretName: args.secretNames.keys,
        apiSecretKeySecretName: args.secretNames.keys,
        jwtSecretName: args.secretNames.keys,
        rbac: { create: true },
        allowPodLaunching: true,
        config: {
            core: { load_examples: "False", auth_manager: fabAuthManager },
            logging: {
                remote_logging: "True",
                remote_base_log_folder: remoteLogFolder(args.storage),
                remote_log_conn_id: remoteLogConnectionId,
                ...(compareVersions(version, jsonLogsSince) >= 0 ? { json_logs: "True" } : {}),
            },
            ...(traces ? { traces: { otel_on: "True" } } : {}),
        },
        postgresql: { enabled: false },
        redis: { enabled: false },
        statsd: args.observability?.statsd
            ? {
                  enabled: true,
                  ...platform,
                  resources: chartResources("50m", "64Mi", "128Mi"),
                  securityContexts: { pod: podSecurityContext(statsdUserId), container: containerSecurityContext({ readOnlyRootFilesystem: true, runAsUser: statsdUserId, runAsGroup: statsdUserId }) },
              }
            : { enabled: false },
        pgbouncer: { enabled: false },
        flower: { enabled: false },
        cleanup: { enabled: false },
        scheduler: { ...server("500m", "1Gi", "2Gi"), replicas: replicas.airflowScheduler, ...budget(replicas.airflowScheduler), logGroomerSidecar: logGroomer },
        triggerer: { enabled: true, replicas: replicas.airflowTriggerer, persistence: { enabled: false }, ...server("100m", "512Mi", "1Gi"), logGroomerSidecar: logGroomer },
        dagProcessor: { enabled: true, ...server("250m", "1Gi", "2Gi"), logGroomerSidecar: logGroomer },
        apiServer: { ...server("250m", "1Gi", "2Gi"), replicas: replicas.airflowApiServer, ...budget(replicas.airflowApiServer), service: { type: "ClusterIP" } },
        webserver: { ...server("250m", "1Gi", "2Gi"), service: { type: "ClusterIP" } },
        // Task pods of the KubernetesExecutor (the chart's pod template).
        workers: {
            resources: chartResources("250m", "512Mi", "1Gi"),
            securityContexts: contexts,
            serviceAccount: sa,
            kubernetes: { serviceAccount: sa },
            priorityClassName: priorityClassName("driver"),
        },
        migrateDatabaseJob: { enabled: true, useHelmHooks: false, resources: chartResources("100m", "512Mi", "1Gi"), securityContexts: contexts, ...platform },
        createUserJob: {
            enabled: true,
            useHelmHooks: false,
            resources: chartResources("100m", "512Mi", "1Gi"),
            securityContexts: contexts,
            args: ["bash", "-c", createAdminUserScript()],
            ...platform,
            // Readable by the pod's fsGroup (the airflow user's group) only.
            extraVolumes: [{ name: "admin-user", secret: { secretName: args.secretNames.adminUser, defaultMode: 0o440 } }],
            extraVolumeMounts: [{ name: "admin-user", mountPath: adminUserMountPath, readOnly: true }],
        },
        dags: {
            gitSync: gitSync
                ? {
                      enabled: true,
                      repo: args.gitSync.repo,
                      branch: args.gitSync.branch,
                      ref: args.gitSync.branch,
                      subPath: args.gitSync.subPath,
                      resources: chartResources("10m", "64Mi", "256Mi"),
                      // git-sync keeps its git configuration under $HOME=/tmp.
                      securityContexts: { container: containerSecurityContext({ readOnlyRootFilesystem: false, runAsUser: gitSyncUserId }) },
                  }
                : { enabled: false },
        },
    };
}

const airflowIgnoreFile = ".airflowignore";
/** The .airflowignore line that hides the kubelet's own entries of a ConfigMap volume. */
export const kubeletVolumeIgnore = "..*";

/** ConfigMap keys allow no "/": manifests/pi.yaml becomes manifests__pi.yaml, mapped back by the volume items. */
export function dagKey(relativePath: string): string {
    const key = relativePath.split(path.sep).join("/").replace(/\//g, "__");
    if (!/^[-._a-zA-Z0-9]+$/.test(key) || key.length > 253) throw new Error(`airflow: DAG file "${relativePath}" has no valid ConfigMap key`);
    return key;
}

/** ConfigMaps hold at most 1 MiB. */
const configMapLimitBytes = 1024 * 1024;

/** Reads the DAG files (Python at the top, YAML manifests below) of a folder; skips caches and hidden files. */
export function readDagFiles(dir: string): { files: Record<string, string>; items: { key: string; path: string }[] } {
    if (!fs.existsSync(dir)) throw new Error(`airflow: DAG folder ${dir} does not exist`);
    const files: Record<string, string> = {};
    const items: { key: string; path: string }[] = [];
    const walk = (relative: string) => {
        for (const entry of fs.readdirSync(path.join(dir, relative), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
            if (entry.name.startsWith(".") || entry.name === "__pycache__") continue;
            const rel = relative ? `${relative}/${entry.name}` : entry.name;
            if (entry.isDirectory()) walk(rel);
            else if (entry.isFile() && /\.(py|ya?ml|json|sql)$/.test(entry.name)) {
                const key = dagKey(rel);
                files[key] = fs.readFileSync(path.join(dir, rel), "utf8");
                items.push({ key, path: rel });
            }
        }
    };
    walk("");
    // The kubelet writes a ConfigMap volume as a hidden `..<timestamp>` folder, a `..data` link to
    // it and one link per entry. Airflow 3 follows links while it walks the DAG folder, meets that
    // folder twice and stops with "Detected recursive loop"; the ignore file keeps it out (glob
    // syntax, Airflow 3's default). A folder's own .airflowignore is kept after it.
    const ownIgnore = path.join(dir, airflowIgnoreFile);
    files[airflowIgnoreFile] = [kubeletVolumeIgnore, ...(fs.existsSync(ownIgnore) ? [fs.readFileSync(ownIgnore, "utf8")] : [])].join("\n");
    items.push({ key: airflowIgnoreFile, path: airflowIgnoreFile });
    const size = Object.values(files).reduce((sum, text) => sum + Buffer.byteLength(text), 0);
    if (size > configMapLimitBytes) throw new Error(`airflow: the DAGs in ${dir} take ${size} bytes, more than a ConfigMap holds; use gitSync`);
    return { files, items };
}

/** The repository's example DAGs, read at deploy time. */
export const repositoryDagsDirectory = path.join(__dirname, "../../dags");

/**
 * The triggerer's PodDisruptionBudget, which the chart does not offer: one pod at a time, selected
 * by the labels the chart gives every triggerer pod (tier, component, release).
 */
export function airflowTriggererBudget(namespace: string): k8s.types.input.policy.v1.PodDisruptionBudget {
    return {
        metadata: { name: `${airflowRelease}-triggerer`, namespace, labels: { "app.kubernetes.io/part-of": "spark-k8s" } },
        spec: { maxUnavailable: 1, selector: { matchLabels: { tier: "airflow", component: "triggerer", release: airflowRelease } } },
    };
}

/** Inputs of Airflow: image, database, storage, DAGs and what it may run in the job namespaces. */
export interface AirflowArgs {
    /** Namespace Airflow runs in (airflow); it must exist. */
    readonly namespace: string;
    /** The platform's Airflow image, pinned by tag or digest. */
    readonly image: string;
    /** Airflow version of the image; defaults to the x.y.z at the start of the image tag. */
    readonly airflowVersion?: string;
    /** The PostgreSQL server holding the metadata database. */
    readonly database: {
        readonly host: pulumi.Input<string>;
        readonly port: number;
        readonly sslMode: "require" | "disable";
        /** Database name; defaults to "airflow". */
        readonly name?: string;
    };
    /** Generated credentials: airflow keys, the metadata database user, the UI admin, and the MinIO root user on MinIO storage. */
    readonly credentials: CredentialValues;
    /** How its Secrets are delivered (secretDelivery); default: Pulumi writes them with `credentials`. */
    readonly delivery?: CredentialDelivery;
    /** Where the airflow-logs bucket is. */
    readonly storage: ObjectStorage;
    /** DAGs from git; an empty repo ships the DAGs of dagsDirectory instead. */
    readonly gitSync: AirflowGitSync;
    /** Namespaces Spark jobs run in; Airflow gets RBAC there for spark-submit and SparkApplications. */
    readonly jobNamespaces: readonly string[];
    /** Bind the spark-submit rules (pods, services, config maps) to the Airflow service account in each job namespace. */
    readonly sparkSubmit: boolean;
    /** Allow the Airflow service account to manage SparkApplications in each job namespace. */
    readonly sparkApplications: boolean;
    /** Airflow Variables for every Airflow pod, such as exampleDagVariables. */
    readonly variables?: Readonly<Record<string, pulumi.Input<string>>>;
    /** Whether the platform's node groups exist; true places Airflow on the system nodes. */
    readonly nodeGroups: boolean;
    /** Scheduler, API server and triggerer replicas (controllerReplicas); one each when absent. */
    readonly replicas?: Pick<ControllerReplicas, "airflowScheduler" | "airflowApiServer" | "airflowTriggerer">;
    /** Folder of shipped DAGs; defaults to the repository's dags/. */
    readonly dagsDirectory?: string;
    /** Service account with the EKS Pod Identity association; defaults to "airflow". */
    readonly serviceAccountName?: string;
    /** What every object waits for: the Airflow and job namespaces and the metadata database. */
    /** What Airflow reports to the monitoring stack; nothing when undefined. */
    readonly observability?: AirflowObservability;
    readonly dependsOn?: pulumi.Resource[];
}

/** Airflow from its official chart, with service account, Secrets, shipped DAGs and job-namespace RBAC. */
export class Airflow extends pulumi.ComponentResource {
    readonly chart: k8s.helm.v4.Chart;
    readonly serviceAccountName: string;

    constructor(name: string, args: AirflowArgs, opts?: pulumi.ComponentResourceOptions) {
        super("spark-k8s:services:Airflow", name, {}, opts);
        const parent = { parent: this, dependsOn: args.dependsOn };
        const namespace = args.namespace;
        const serviceAccountName = args.serviceAccountName ?? "airflow";
        this.serviceAccountName = serviceAccountName;
        const names = airflowSecretNames;
        const labels = { "app.kubernetes.io/part-of": "spark-k8s", "app.kubernetes.io/name": "airflow" };

        const serviceAccount = new k8s.core.v1.ServiceAccount(`${name}-sa`, { metadata: { name: serviceAccountName, namespace, labels } }, parent);

        const delivery = args.delivery ?? writeSecrets(args.credentials);
        const deliver = (id: string, secretName: string, data: CredentialSecretSpec["data"]) => deliverSecret(`${name}-${id}`, { name: secretName, namespace, labels, data }, delivery, parent);
        const metadata = deliver("metadata", names.metadata, { connection: metadataConnectionParts({ ...args.database, name: args.database.name ?? "airflow" }) });
        // Airflow 3 signs its task tokens with jwt-secret; the chart would otherwise generate one per render.
        const keys = deliver("keys", names.keys, {
            "fernet-key": [field("airflow", "fernetKey")],
            "webserver-secret-key": [field("airflow", "webserverSecretKey")],
            "api-secret-key": [field("airflow", "apiSecretKey")],
            "jwt-secret": [field("airflow", "jwtSecret")],
        });
        const adminUser = deliver("admin-user", names.adminUser, { username: [field("airflowAdmin", "username")], password: [field("airflowAdmin", "password")] });
        const secrets = [metadata, keys, adminUser];
        if (args.storage.kind === "minio") secrets.push(deliver("storage-connection", names.storageConnection, { connection: minioConnectionParts(args.storage.endpoint) }));
        const dependsOn: pulumi.Resource[] = [serviceAccount, ...secrets.flatMap((s) => (s.resource ? [s.resource] : []))];

        let dags: DagBundle | undefined;
        if (args.gitSync.repo === "") {
            const bundle = readDagFiles(args.dagsDirectory ?? repositoryDagsDirectory);
            const configMapName = "airflow-dags";
            dependsOn.push(new k8s.core.v1.ConfigMap(`${name}-dags`, { metadata: { name: configMapName, namespace, labels }, data: bundle.files }, parent));
            dags = { configMapName, items: bundle.items };
        }

        for (const jobNamespace of args.jobNamespaces) {
            const grants: [string, { apiGroups: string[]; resources: string[]; verbs: string[] }[]][] = [];
            if (args.sparkSubmit) grants.push(["airflow-spark-submit", sparkSubmitRules()]);
            if (args.sparkApplications) grants.push(["airflow-spark-applications", sparkApplicationRules()]);
            for (const [roleName, rules] of grants) {
                const role = new k8s.rbac.v1.Role(`${name}-${jobNamespace}-${roleName}`, { metadata: { name: roleName, namespace: jobNamespace, labels }, rules }, parent);
                new k8s.rbac.v1.RoleBinding(
                    `${name}-${jobNamespace}-${roleName}`,
                    {
                        metadata: { name: roleName, namespace: jobNamespace, labels },
                        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
                        subjects: [{ kind: "ServiceAccount", name: serviceAccountName, namespace }],
                    },
                    parent,
                );
            }
        }

        this.chart = pinnedChart(
            name,
            "airflow",
            {
                name: airflowRelease,
                namespace,
                values: airflowValues({
                    image: args.image,
                    airflowVersion: args.airflowVersion,
                    nodeGroups: args.nodeGroups,
                    storage: args.storage,
                    gitSync: args.gitSync,
                    dags,
                    secretNames: names,
                    serviceAccountName,
                    variables: args.variables,
                    observability: args.observability,
                    replicas: args.replicas,
                }),
            },
            { parent: this, dependsOn: [...dependsOn, ...(args.dependsOn ?? [])] },
        );
        const triggerers = args.replicas?.airflowTriggerer ?? 1;
        if (triggerers > 1) new k8s.policy.v1.PodDisruptionBudget(`${name}-triggerer`, airflowTriggererBudget(namespace), { parent: this, dependsOn: [this.chart] });
        this.registerOutputs({});
    }
}
