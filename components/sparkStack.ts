/**
 * The Kubernetes side of the platform, the same on every tier: namespaces, the Spark job
 * namespaces, Connect servers (k8s or standalone backend), the History Server and the services a
 * scenario switches on. It reads only the PlatformContext, so AWS and local differ only there.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { eventLogPrefix, namespaces, serviceEndpoints, serviceHost, serviceIdentities } from "./config/names";
import { SparkVersion, sparkImageKey, sparkVersions } from "./config/schema";
import { PlatformContext } from "./context";
import { namespaceManifest } from "./kubernetes/namespaces";
import { onDriverNodes, onExecutorNodes, onGpuNodes, onSystemNodes } from "./kubernetes/scheduling";
import { connectDriverService, driverPorts, executorTemplatePath, SparkConnect } from "./spark/connect";
import { HistoryServer, historyServerConf } from "./spark/historyServer";
import { SparkJobNamespace } from "./spark/jobNamespace";
import { executorPodTemplate } from "./spark/podTemplates";
import { executorSizing, ExecutorSizing, explicitExecutorSizing, smallestCommonShape } from "./spark/sizing";
import { eventLogDir, SparkConfInput, sparkDefaults } from "./spark/sparkDefaults";
import { SparkStandalone, standaloneMasterUrl } from "./spark/standalone";
import { instanceShape } from "./config/instanceTypes";
import { Airflow } from "./services/airflow";
import { inputsHash } from "./kubernetes/rollout";
import { airflowDatabase, DatabaseInit, metastoreDatabase } from "./services/databaseInit";
import { JupyterHub, jupyterhubAuth } from "./services/jupyterhub";
import { HiveMetastore } from "./services/metastore";
import { Minio } from "./services/minio";
import { NvidiaDevicePlugin, nvidiaDevicePluginExemption } from "./services/nvidiaDevicePlugin";
import { InClusterPostgres } from "./services/postgres";
import { SparkOperator } from "./services/sparkOperator";

/** Where the platform's Spark images keep the GPU discovery script (images/spark-rapids). */
export const gpuDiscoveryScript = "/opt/spark/scripts/getGpusResources.sh";

/** Secret holding object-storage credentials for pods on MinIO; absent on S3, where Pod Identity serves. */
export const objectStorageSecretName = "object-storage-credentials";

export interface SparkStackOutputs {
    /** In-cluster addresses clients use, by component. */
    readonly endpoints: Record<string, string>;
    readonly eventLogDir: pulumi.Output<string>;
}

/** Executor size: from the executor (or GPU) node shape on AWS tiers, from config on local. */
export function executorSizingFor(ctx: Pick<PlatformContext, "config">, gpu: boolean): ExecutorSizing {
    const c = ctx.config;
    if (c.tier === "local") return explicitExecutorSizing({ ...c.spark.localExecutor, gpusPerExecutor: gpu ? 1 : 0 });
    const group = gpu ? c.nodeGroups.gpu : c.nodeGroups.executor;
    const shapes = group.instanceTypes.map((t) => {
        const shape = instanceShape(t);
        if (!shape) throw new Error(`no shape for instance type ${t}`);
        return shape;
    });
    return executorSizing(smallestCommonShape(shapes), gpu ? { gpusPerExecutor: 1 } : {});
}

/**
 * Whether a line's executors run on GPUs with RAPIDS: the gpu preset applies to the 3.5 line, the
 * one the platform ships a RAPIDS image for; the 4.x lines keep CPU executors.
 */
export function usesGpu(plan: Pick<PlatformContext["plan"], "gpu">, version: SparkVersion): boolean {
    return plan.gpu && version === "3.5";
}

/** The image executors and Connect servers of a line run: RAPIDS for GPU executors. */
function sparkImage(ctx: PlatformContext, version: SparkVersion): string {
    const images = ctx.config.spark.images;
    if (usesGpu(ctx.plan, version)) return images.sparkRapids;
    return images[sparkImageKey(version)];
}

/** Environment for pods that reach MinIO: the S3A environment-variable credentials. */
function storageEnv(ctx: PlatformContext): k8s.types.input.core.v1.EnvVar[] {
    if (ctx.storage.kind !== "minio") return [];
    const ref = (key: string) => ({ secretKeyRef: { name: objectStorageSecretName, key } });
    return [
        { name: "AWS_ACCESS_KEY_ID", valueFrom: ref("AWS_ACCESS_KEY_ID") },
        { name: "AWS_SECRET_ACCESS_KEY", valueFrom: ref("AWS_SECRET_ACCESS_KEY") },
    ];
}

export function createSparkStack(ctx: PlatformContext): SparkStackOutputs {
    const c = ctx.config;
    const plan = ctx.plan;
    const opts = { provider: ctx.provider };
    const placement = { nodeGroups: ctx.nodeGroups };

    const jobNamespaces = c.spark.jobNamespaces.map(
        (ns) => new SparkJobNamespace(`ns-${ns}`, { namespace: ns, podSecurityVersion: ctx.podSecurityVersion }, opts),
    );
    const jobs = jobNamespaces[c.spark.jobNamespaces.indexOf(namespaces.jobs)];
    const platformNs = new k8s.core.v1.Namespace("ns-platform", namespaceManifest(namespaces.platform, { podSecurity: "restricted", kubernetesVersion: ctx.podSecurityVersion }), opts);

    if (ctx.storage.kind === "minio") {
        const storageSecret = ctx.credentials.minioRoot.apply((m) => ({ AWS_ACCESS_KEY_ID: m.username, AWS_SECRET_ACCESS_KEY: m.password }));
        for (const [id, namespace] of [...jobNamespaces.map((j, i) => [`storage-${c.spark.jobNamespaces[i]}`, j.namespace] as const), ["storage-platform", platformNs.metadata.name] as const]) {
            new k8s.core.v1.Secret(id, { metadata: { name: objectStorageSecretName, namespace }, stringData: pulumi.secret(storageSecret) }, opts);
        }
    }

    const buckets = pulumi.output(ctx.storage.buckets);
    const sizingFor = (version: SparkVersion) => executorSizingFor(ctx, usesGpu(plan, version));
    const storage = ctx.storage.kind === "s3" ? { kind: "s3" as const, region: ctx.storage.region } : { kind: "minio" as const, endpoint: ctx.storage.endpoint };
    const metastoreUri = `thrift://${serviceHost(serviceEndpoints.metastore)}:${serviceEndpoints.metastore.port}`;

    const masterFor = (version: SparkVersion) => (plan.connect.backend === "standalone" ? standaloneMasterUrl(version, namespaces.jobs) : undefined);
    /** The complete Spark configuration of a line; a driver host for client-mode drivers. */
    const confFor = (version: SparkVersion, driver: Partial<SparkConfInput["kubernetes"]> = {}, standaloneMaster = masterFor(version)) =>
        buckets.apply((b) =>
            sparkDefaults({
                version,
                backend: plan.connect.backend,
                storage,
                warehouseBucket: b.warehouse,
                eventLogBucket: b.eventLogs,
                eventLogPrefix,
                kubernetes: {
                    namespace: namespaces.jobs,
                    serviceAccount: serviceIdentities.sparkJobs.serviceAccount,
                    image: sparkImage(ctx, version),
                    executorPodTemplateFile: executorTemplatePath,
                    ...driver,
                },
                standaloneMasterUrl: standaloneMaster,
                executor: sizingFor(version),
                dynamicAllocation: { ...c.spark.dynamicAllocation, shuffleTracking: true },
                metastoreUri,
                presets: {
                    ...(usesGpu(plan, version) ? { gpu: { gpusPerExecutor: sizingFor(version).gpusPerExecutor, discoveryScript: gpuDiscoveryScript } } : {}),
                    ...(plan.iceberg
                        ? {
                              iceberg: {
                                  catalogName: c.spark.iceberg.catalogName,
                                  catalogType: c.spark.iceberg.catalogType,
                                  restUri: c.spark.iceberg.restUri || undefined,
                                  warehouse: `s3a://${b.warehouse}/iceberg`,
                              },
                          }
                        : {}),
                    costOptimized: plan.costOptimized,
                },
            }),
        );

    const env = storageEnv(ctx);
    // Pods that read the MinIO credentials restart when they are rotated.
    const credentialsHash = ctx.storage.kind === "minio" ? inputsHash([ctx.credentials.minioRoot]) : undefined;
    const gpuFor = (version: SparkVersion) => (usesGpu(plan, version) ? onGpuNodes(sizingFor(version).gpusPerExecutor, placement) : undefined);
    const endpoints: Record<string, string> = {};
    for (const version of plan.connect.versions) {
        const id = serviceEndpoints.connect(version).name;
        const gpu = gpuFor(version);
        const driver = { driverHost: connectDriverService(version).host(namespaces.jobs), driverPort: driverPorts.driver, blockManagerPort: driverPorts.blockManager };
        let standaloneMaster: string | undefined;
        if (plan.connect.backend === "standalone") {
            const standalone = new SparkStandalone(`${id}-standalone`, {
                version,
                namespaceName: namespaces.jobs,
                namespace: jobs.namespace,
                image: sparkImage(ctx, version),
                ...c.spark.standalone,
                sparkConf: confFor(version),
                masterPlacement: onDriverNodes(placement),
                workerPlacement: gpu ? gpu.placement : onExecutorNodes(placement),
                env,
                serviceAccountName: serviceIdentities.sparkJobs.serviceAccount,
                credentialsHash,
            }, opts);
            standaloneMaster = standalone.masterUrl;
            endpoints[`standalone-${version}`] = standalone.masterUrl;
        }
        new SparkConnect(id, {
            version,
            namespace: jobs.namespace,
            serviceAccountName: serviceIdentities.sparkJobs.serviceAccount,
            image: sparkImage(ctx, version),
            sparkConf: confFor(version, driver, standaloneMaster),
            executorTemplate: standaloneMaster
                ? undefined
                : executorPodTemplate({ image: sparkImage(ctx, version), sizing: sizingFor(version), placement: onExecutorNodes(placement), gpu, env }),
            driver: { cores: c.spark.connect.driverCores, memoryMiB: c.spark.connect.driverMemoryMiB },
            placement: onDriverNodes(placement),
            env,
            credentialsHash,
        }, opts);
        endpoints[`connect-${version}`] = `sc://${serviceHost(serviceEndpoints.connect(version))}:${serviceEndpoints.connect(version).grpcPort}`;
    }

    const services = createServices(ctx, { platformNs, jobNamespaces });
    Object.assign(endpoints, services.endpoints);

    const newestLine = sparkVersions.filter((v) => c.spark.versions.includes(v)).pop() ?? sparkVersions[0];
    const historyLog = buckets.apply((b) => eventLogDir(b.eventLogs, eventLogPrefix));
    new HistoryServer("history-server", {
        namespace: platformNs.metadata.name,
        serviceAccountName: serviceIdentities.historyServer.serviceAccount,
        image: c.spark.images[sparkImageKey(newestLine)],
        sparkConf: pulumi.all([confFor(newestLine), historyLog]).apply(([conf, dir]) => historyServerConf(conf, dir)),
        placement: onSystemNodes(placement),
        env,
        credentialsHash,
    }, opts);
    endpoints.historyServer = `http://${serviceHost(serviceEndpoints.historyServer)}:${serviceEndpoints.historyServer.port}`;

    return { endpoints, eventLogDir: historyLog };
}

/** A namespace of the platform, hardened to restricted unless a reason says otherwise. */
function platformNamespace(ctx: PlatformContext, name: string, exemptionReason?: string): k8s.core.v1.Namespace {
    return new k8s.core.v1.Namespace(
        `ns-${name}`,
        namespaceManifest(name, { podSecurity: exemptionReason ? "privileged" : "restricted", kubernetesVersion: ctx.podSecurityVersion, exemptionReason }),
        { provider: ctx.provider },
    );
}

/**
 * The services around Spark that the scenario switches on: MinIO and PostgreSQL where the platform
 * runs them itself, the metastore database and schema, the Hive Metastore, the Spark Operator,
 * JupyterHub, Airflow and the NVIDIA device plugin.
 */
function createServices(
    ctx: PlatformContext,
    shared: { platformNs: k8s.core.v1.Namespace; jobNamespaces: SparkJobNamespace[] },
): { endpoints: Record<string, string> } {
    const c = ctx.config;
    const plan = ctx.plan;
    const opts = { provider: ctx.provider };
    const nodeGroups = ctx.nodeGroups;
    const endpoints: Record<string, string> = {};
    const platformNamespaceName = shared.platformNs.metadata.name;

    let minioReady: pulumi.Resource[] = [];
    if (plan.minio) {
        const ns = platformNamespace(ctx, namespaces.minio);
        const buckets = ctx.storage.kind === "minio" ? ctx.storage.buckets : { warehouse: "warehouse", eventLogs: "event-logs", airflowLogs: "airflow-logs", backups: "backups" };
        const minio = new Minio("minio", {
            namespace: ns.metadata.name,
            rootCredentials: ctx.credentials.minioRoot,
            buckets,
            storageGiB: c.services.minio.storageGiB,
            storageClassName: ctx.storageClassName,
            nodeGroups,
        }, opts);
        minioReady = [minio.bucketJob];
        endpoints.minio = `http://${serviceHost(serviceEndpoints.minio)}:${serviceEndpoints.minio.port}`;
    }

    const databaseReady: pulumi.Resource[] = [];
    if (ctx.database.inCluster) {
        const postgres = new InClusterPostgres("postgres", {
            namespace: platformNamespaceName,
            admin: ctx.credentials.databaseAdmin,
            storageGiB: c.services.postgres.storageGiB,
            storageClassName: ctx.storageClassName,
            nodeGroups,
        }, opts);
        databaseReady.push(postgres.statefulSet);
    }
    const databaseInit = new DatabaseInit("database-init", {
        namespace: platformNamespaceName,
        database: ctx.database,
        credentials: ctx.credentials,
        databases: plan.airflow ? [metastoreDatabase, airflowDatabase] : [metastoreDatabase],
        nodeGroups,
        dependsOn: databaseReady,
    }, opts);

    const metastoreAccount = new k8s.core.v1.ServiceAccount("hive-metastore", {
        metadata: { name: serviceIdentities.hiveMetastore.serviceAccount, namespace: platformNamespaceName, labels: { "app.kubernetes.io/part-of": "spark-k8s" } },
        automountServiceAccountToken: false,
    }, opts);
    new HiveMetastore("hive-metastore", {
        namespace: platformNamespaceName,
        image: c.spark.images.hiveMetastore,
        replicas: c.services.metastore.replicas,
        database: ctx.database,
        databaseCredentials: ctx.credentials.metastoreDatabase,
        storage: ctx.storage,
        objectStorageCredentials: ctx.storage.kind === "minio" ? ctx.credentials.minioRoot : undefined,
        serviceAccountName: serviceIdentities.hiveMetastore.serviceAccount,
        nodeGroups,
        dependsOn: [databaseInit.job, metastoreAccount, ...minioReady],
    }, opts);
    endpoints.metastore = `thrift://${serviceHost(serviceEndpoints.metastore)}:${serviceEndpoints.metastore.port}`;

    if (plan.sparkOperator) {
        const ns = platformNamespace(ctx, namespaces.operator);
        new SparkOperator("spark-operator", {
            namespace: ns.metadata.name,
            jobNamespaces: c.spark.jobNamespaces,
            nodeGroups,
            sparkServiceAccountName: serviceIdentities.sparkJobs.serviceAccount,
            // The chart renders a Role and RoleBinding into each job namespace.
            dependsOn: shared.jobNamespaces,
        }, opts);
    }

    if (plan.gpu && nodeGroups) {
        const ns = platformNamespace(ctx, namespaces.gpu, nvidiaDevicePluginExemption);
        new NvidiaDevicePlugin("nvidia-device-plugin", { namespace: ns.metadata.name }, opts);
    }

    if (plan.jupyterhub) {
        const ns = platformNamespace(ctx, namespaces.jupyterhub);
        new JupyterHub("jupyterhub", {
            namespace: ns.metadata.name,
            versions: plan.connect.versions,
            images: c.spark.images,
            gpu: plan.gpu && nodeGroups,
            nodeGroups,
            storageClassName: ctx.storageClassName,
            auth: jupyterhubAuth(c.services.jupyterhub, c.project),
        }, opts);
        endpoints.jupyterhub = `http://proxy-public.${namespaces.jupyterhub}.svc.cluster.local`;
    }

    if (plan.airflow) {
        const ns = platformNamespace(ctx, namespaces.airflow);
        new Airflow("airflow", {
            namespace: namespaces.airflow,
            image: c.spark.images.airflow,
            database: ctx.database,
            credentials: ctx.credentials,
            storage: ctx.storage,
            gitSync: c.services.airflow.gitSync,
            jobNamespaces: c.spark.jobNamespaces,
            sparkSubmit: plan.airflowSparkSubmit,
            sparkApplications: plan.airflowSparkApplications,
            nodeGroups,
            serviceAccountName: serviceIdentities.airflow.serviceAccount,
            // Airflow's Roles live in the job namespaces, so those must exist first.
            dependsOn: [ns, databaseInit.job, ...minioReady, ...shared.jobNamespaces],
        }, opts);
        endpoints.airflow = `http://airflow-api-server.${namespaces.airflow}.svc.cluster.local:8080`;
    }
    return { endpoints };
}
