/**
 * The Kubernetes side of the platform, the same whatever it runs on: namespaces, the Spark job
 * namespaces, the Connect servers of every (line, backend) the scenarios need, standalone
 * clusters, the History Server and the services the scenarios switch on. It reads only the
 * PlatformContext (values the base computed, and the spark and services config areas), so AWS and
 * local differ only there.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { eventLogPrefix, namespaces, serviceEndpoints, serviceHost, serviceIdentities } from "./config/names";
import { lineSuffix, SparkVersion, sparkImageKey, sparkVersions } from "./config/schema";
import { PlatformContext } from "./context";
import { namespaceManifest } from "./kubernetes/namespaces";
import { onDriverNodes, onExecutorNodes, onGpuNodes, onSystemNodes } from "./kubernetes/scheduling";
import { connectDriverService, driverPorts, executorTemplatePath, SparkConnect } from "./spark/connect";
import { HistoryServer, historyServerConf } from "./spark/historyServer";
import { SparkJobNamespace } from "./spark/jobNamespace";
import { executorPodTemplate } from "./spark/podTemplates";
import { connectServers } from "./spark/scenarios";
import { eventLogDir, SparkConfInput, sparkDefaults, warehouseDir } from "./spark/sparkDefaults";
import { SparkStandalone, standaloneMasterUrl } from "./spark/standalone";
import { Airflow, exampleDagVariables } from "./services/airflow";
import { airflowDatabase, DatabaseInit, metastoreDatabase } from "./services/databaseInit";
import { DatabaseBackups, serverMajor } from "./services/backups";
import { ClusterAutoscaler } from "./services/clusterAutoscaler";
import { Karpenter } from "./services/karpenter";
import { ExternalSecretsOperator, externalSecretsFlows } from "./services/externalSecrets";
import { SealedSecretsController } from "./services/sealedSecrets";
import { credential } from "./services/credentials";
import { CredentialDelivery, credentialsVersion, deliverSecret, field } from "./services/secretDelivery";
import { JupyterHub, sparkRemote } from "./services/jupyterhub";
import { HiveMetastore, metastoreUri } from "./services/metastore";
import { Minio } from "./services/minio";
import { NvidiaDevicePlugin, nvidiaDevicePluginExemption } from "./services/nvidiaDevicePlugin";
import { InClusterPostgres } from "./services/postgres";
import { SparkOperator } from "./services/sparkOperator";
import { Monitoring, monitoringGrafanaService, nodeExporterExemption, prometheusRule } from "./services/monitoring";
import { otlpHttpEndpoint, tempoQueryUrl, Tracing } from "./services/tracing";
import { platformMonitors } from "./observability/platformMonitors";
import { sparkPodMonitors } from "./observability/sparkMonitors";
import { dashboardConfigMaps, platformDashboards } from "./observability/dashboards";
import { alertRuleInputs, alertRules } from "./observability/alertRules";
import { FlowInputs, networkFlows, platformNamespaces, workloadLabels } from "./kubernetes/networkFlows";
import { egressRulesFrom, networkPolicies, selectsPods } from "./kubernetes/networkPolicies";
import { teamGroupName, teamSettings } from "./spark/teams";
import { priorityClassManifests } from "./kubernetes/priorities";
import { controllerReplicas } from "./services/replication";

/** Where the platform's Spark images keep the GPU discovery script (images/spark-rapids). */
export const gpuDiscoveryScript = "/opt/spark/scripts/getGpusResources.sh";

/** Secret holding object-storage credentials for pods on MinIO; absent on S3, where Pod Identity serves. */
export const objectStorageSecretName = "object-storage-credentials";

/** What the Kubernetes side hands back for the stack outputs. */
export interface SparkStackOutputs {
    /** In-cluster addresses clients use, by component. */
    readonly endpoints: Record<string, string>;
    /** s3a:// URL of the event logs: jobs write there, the History Server reads it. */
    readonly eventLogDir: pulumi.Output<string>;
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
    const images = ctx.spark.images;
    if (usesGpu(ctx.plan, version)) return images.sparkRapids;
    return images[sparkImageKey(version)];
}

/** Environment for Spark pods of a job namespace: on MinIO the S3A environment-variable credentials; on S3 none (Pod Identity). */
export function storageEnv(ctx: { storage: { kind: "minio" | "s3" } }): k8s.types.input.core.v1.EnvVar[] {
    if (ctx.storage.kind !== "minio") return [];
    const ref = (key: string) => ({ secretKeyRef: { name: objectStorageSecretName, key } });
    return [
        { name: "AWS_ACCESS_KEY_ID", valueFrom: ref("AWS_ACCESS_KEY_ID") },
        { name: "AWS_SECRET_ACCESS_KEY", valueFrom: ref("AWS_SECRET_ACCESS_KEY") },
    ];
}

/**
 * The Kubernetes side as one component, so its resources sit under it rather than at the stack
 * root (see childOptions for the stacks that had them at the root).
 */
export class SparkPlatform extends pulumi.ComponentResource {
    readonly endpoints: Record<string, string>;
    readonly eventLogDir: pulumi.Output<string>;

    constructor(name: string, ctx: PlatformContext, opts?: pulumi.ComponentResourceOptions) {
        super("spark-k8s:platform:SparkPlatform", name, {}, opts);
        const out = createSparkStack(ctx, this);
        this.endpoints = out.endpoints;
        this.eventLogDir = out.eventLogDir;
        this.registerOutputs({ endpoints: this.endpoints, eventLogDir: this.eventLogDir });
    }
}

/**
 * Options of each direct child of SparkPlatform: its provider, its parent, and an alias to the
 * same resource at the stack root (under `oldName` if it had another), where it was created
 * before the component existed, so existing stacks keep it instead of replacing it.
 */
export function childOptions(ctx: Pick<PlatformContext, "provider">, parent: pulumi.Resource, oldName?: string): pulumi.CustomResourceOptions {
    return { provider: ctx.provider, parent, aliases: [{ parent: pulumi.rootStackResource, ...(oldName ? { name: oldName } : {}) }] };
}

function createSparkStack(ctx: PlatformContext, parent: pulumi.Resource): SparkStackOutputs {
    const c = { spark: ctx.spark, services: ctx.services };
    const plan = ctx.plan;
    const opts = childOptions(ctx, parent);
    const placement = { nodeGroups: ctx.nodeGroups };
    // The priority ladder every pod names (components/kubernetes/priorities.ts). A pod naming a
    // class that does not exist yet is refused and its controller retries, so no ordering is needed.
    for (const pc of priorityClassManifests()) new k8s.scheduling.v1.PriorityClass(`priority-${pc.metadata.name}`, pc, opts);

    const jobNamespaces = c.spark.jobNamespaces.map(
        (ns) => new SparkJobNamespace(`ns-${ns}`, { namespace: ns, podSecurityVersion: ctx.podSecurityVersion, team: teamSettings(c.spark, ns), group: teamGroupName(c.spark, ns) }, opts),
    );
    const jobs = jobNamespaces[c.spark.jobNamespaces.indexOf(namespaces.jobs)];
    const platformNs = new k8s.core.v1.Namespace("ns-platform", namespaceManifest(namespaces.platform, { podSecurity: "restricted", kubernetesVersion: ctx.podSecurityVersion }), opts);

    const secretOperators = createSecretOperators(ctx, parent);
    const delivery: CredentialDelivery = { plan: ctx.secretDelivery, values: ctx.credentials, versions: ctx.secretVersions, dependsOn: secretOperators.ready };
    if (ctx.storage.kind === "minio") {
        for (const [id, namespace] of [...jobNamespaces.map((j, i) => [`storage-${c.spark.jobNamespaces[i]}`, j.namespace] as const), ["storage-platform", platformNs.metadata.name] as const]) {
            deliverSecret(id, { name: objectStorageSecretName, namespace, data: { AWS_ACCESS_KEY_ID: [field("minioRoot", "username")], AWS_SECRET_ACCESS_KEY: [field("minioRoot", "password")] } }, delivery, opts);
        }
    }

    const buckets = pulumi.output(ctx.storage.buckets);
    const sizingFor = (version: SparkVersion) => (usesGpu(plan, version) ? ctx.executorSizing.gpu : ctx.executorSizing.cpu);
    const storage = ctx.storage.kind === "s3" ? { kind: "s3" as const, region: ctx.storage.region } : { kind: "minio" as const, endpoint: ctx.storage.endpoint };

    /**
     * The complete Spark configuration of a line on a backend (k8s unless a standalone master is
     * given); a driver host for client-mode drivers.
     */
    const confFor = (version: SparkVersion, driver: Partial<SparkConfInput["kubernetes"]> = {}, standaloneMaster?: pulumi.Input<string>) =>
        pulumi.all([buckets, standaloneMaster]).apply(([b, master]) =>
            sparkDefaults({
                version,
                backend: master === undefined ? "k8s" : "standalone",
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
                standaloneMasterUrl: master,
                executor: sizingFor(version),
                dynamicAllocation: { ...c.spark.dynamicAllocation, shuffleTracking: true },
                metastoreUri: metastoreUri(),
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
    const credentialsHash = ctx.storage.kind === "minio" ? credentialsVersion(delivery, ["minioRoot"]) : undefined;
    const gpuFor = (version: SparkVersion) => (usesGpu(plan, version) ? onGpuNodes(sizingFor(version).gpusPerExecutor, placement) : undefined);
    const endpoints: Record<string, string> = {};
    // One standalone cluster per line when a *-connect-standalone scenario is listed.
    const standaloneMasters = new Map<SparkVersion, string>();
    if (plan.connect.backends.includes("standalone")) {
        for (const version of plan.connect.versions) {
            const gpu = gpuFor(version);
            // Named spark-connect-<NN>-standalone before stacks could run both backends: aliased, so the objects stay.
            const id = `spark-standalone-${lineSuffix(version)}`;
            const standalone = new SparkStandalone(id, {
                version,
                namespace: namespaces.jobs,
                dependsOn: [jobs],
                image: sparkImage(ctx, version),
                ...c.spark.standalone,
                sparkConf: confFor(version, {}, standaloneMasterUrl(version, namespaces.jobs)),
                masterPlacement: onDriverNodes(placement),
                workerPlacement: gpu ? gpu.placement : onExecutorNodes(placement),
                env,
                serviceAccountName: serviceIdentities.sparkJobs.serviceAccount,
                credentialsHash,
            }, childOptions(ctx, parent, `${serviceEndpoints.connect(version).name}-standalone`));
            standaloneMasters.set(version, standalone.masterUrl);
            endpoints[`standalone-${version}`] = standalone.masterUrl;
        }
    }
    for (const { version, backend } of connectServers(plan)) {
        const endpoint = serviceEndpoints.connect(version, backend);
        const gpu = gpuFor(version);
        const driver = { driverHost: connectDriverService(version, backend).host(namespaces.jobs), driverPort: driverPorts.driver, blockManagerPort: driverPorts.blockManager };
        const standaloneMaster = backend === "standalone" ? standaloneMasters.get(version) : undefined;
        new SparkConnect(endpoint.name, {
            version,
            backend,
            namespace: jobs.namespace,
            serviceAccountName: serviceIdentities.sparkJobs.serviceAccount,
            image: sparkImage(ctx, version),
            sparkConf: confFor(version, driver, standaloneMaster),
            executorTemplate: standaloneMaster
                ? undefined
                : executorPodTemplate({ image: sparkImage(ctx, version), sizing: sizingFor(version), placement: onExecutorNodes(placement), gpu, env, annotations: ctx.executorAnnotations }),
            driver: { cores: c.spark.connect.driverCores, memoryMiB: c.spark.connect.driverMemoryMiB },
            placement: onDriverNodes(placement),
            env,
            credentialsHash,
        }, opts);
        endpoints[`connect-${version}${backend === "standalone" ? "-standalone" : ""}`] = sparkRemote(version, backend);
    }

    const services = createServices(ctx, { platformNs, jobNamespaces, parent, delivery });
    Object.assign(endpoints, services.endpoints);

    // NetworkPolicies: default-deny in every platform namespace, and the flow table's allows.
    const flowArgs = flowInputs(ctx);
    for (const policy of networkPolicies(platformNamespaces(flowArgs), networkFlows(flowArgs))) {
        new k8s.networking.v1.NetworkPolicy(`netpol-${policy.metadata.namespace}-${policy.metadata.name}`, { ...policy, spec: policy.spec as k8s.types.input.networking.v1.NetworkPolicySpec }, { ...opts, dependsOn: [...jobNamespaces, platformNs, ...secretOperators.namespaces, ...services.namespaces] });
    }

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

/** What the flow table of the stack depends on, from the context. */
export function flowInputs(ctx: PlatformContext): FlowInputs {
    const observability = ctx.services.observability;
    return {
        plan: ctx.plan,
        jobNamespaces: ctx.spark.jobNamespaces,
        storage: ctx.storage.kind,
        databaseInCluster: ctx.database.inCluster,
        vpcCidr: ctx.vpcCidr,
        // Every AWS stack gives its workloads AWS access through EKS Pod Identity.
        podIdentity: ctx.vpcCidr !== undefined,
        observability: observability.enabled,
        tracing: observability.enabled && observability.tracing.enabled,
        gpuNamespace: ctx.plan.gpu && ctx.nodeGroups,
        jupyterhubOAuth: ctx.jupyterhubAuth.kind === "github",
        airflowGitSync: ctx.services.airflow.gitSync.repo !== "",
        externalSecrets: externalSecretsFlows(ctx.externalSecrets),
        sealedSecrets: ctx.sealedSecrets === true,
    };
}

/**
 * The secret operators secrets.provider asks for, before anything reads a credential: the External
 * Secrets Operator and its store (what every ExternalSecret waits for), or the Sealed Secrets controller.
 */
function createSecretOperators(ctx: PlatformContext, parent: pulumi.Resource): { namespaces: k8s.core.v1.Namespace[]; ready: pulumi.Resource[] } {
    const opts = childOptions(ctx, parent);
    const nodeGroups = ctx.nodeGroups;
    const created: k8s.core.v1.Namespace[] = [];
    const ready: pulumi.Resource[] = [];
    if (ctx.externalSecrets) {
        const ns = platformNamespace(ctx, parent, namespaces.externalSecrets);
        created.push(ns);
        const operator = new ExternalSecretsOperator("external-secrets", { ...ctx.externalSecrets, nodeGroups, replicas: controllerReplicas(ctx.services.highAvailability), dependsOn: [ns, ...(ctx.externalSecrets.dependsOn ?? [])] }, opts);
        ready.push(operator.store ?? operator.chart);
    }
    if (ctx.sealedSecrets) {
        const ns = platformNamespace(ctx, parent, namespaces.sealedSecrets);
        created.push(ns);
        new SealedSecretsController("sealed-secrets", { nodeGroups, dependsOn: [ns] }, opts);
    }
    return { namespaces: created, ready };
}

/** A namespace of the platform, hardened to restricted unless a reason says otherwise. */
function platformNamespace(ctx: PlatformContext, parent: pulumi.Resource, name: string, exemptionReason?: string): k8s.core.v1.Namespace {
    return new k8s.core.v1.Namespace(
        `ns-${name}`,
        namespaceManifest(name, { podSecurity: exemptionReason ? "privileged" : "restricted", kubernetesVersion: ctx.podSecurityVersion, exemptionReason }),
        childOptions(ctx, parent),
    );
}

/**
 * The services around Spark that the scenarios switch on: MinIO and PostgreSQL where the platform
 * runs them itself, the metastore database and schema, the Hive Metastore, the Spark Operator,
 * JupyterHub, Airflow, the NVIDIA device plugin, and the cluster-autoscaler where the base has node
 * groups to scale.
 */
function createServices(
    ctx: PlatformContext,
    shared: { platformNs: k8s.core.v1.Namespace; jobNamespaces: SparkJobNamespace[]; parent: pulumi.Resource; delivery: CredentialDelivery },
): { endpoints: Record<string, string>; namespaces: k8s.core.v1.Namespace[] } {
    const c = { spark: ctx.spark, services: ctx.services };
    const created: k8s.core.v1.Namespace[] = [];
    const namespaceOf = (name: string, exemptionReason?: string) => {
        const ns = platformNamespace(ctx, parent, name, exemptionReason);
        created.push(ns);
        return ns;
    };
    const plan = ctx.plan;
    const parent = shared.parent;
    const opts = childOptions(ctx, parent);
    const nodeGroups = ctx.nodeGroups;
    const endpoints: Record<string, string> = {};
    const platformNamespaceName = shared.platformNs.metadata.name;

    let minioReady: pulumi.Resource[] = [];
    if (plan.minio) {
        const ns = namespaceOf(namespaces.minio);
        const buckets = ctx.storage.kind === "minio" ? ctx.storage.buckets : { warehouse: "warehouse", eventLogs: "event-logs", airflowLogs: "airflow-logs", backups: "backups" };
        const minio = new Minio("minio", {
            namespace: ns.metadata.name,
            rootCredentials: credential(ctx.credentials, "minioRoot", "MinIO"),
            delivery: shared.delivery,
            buckets,
            expiry: ctx.bucketExpiry,
            publicMetrics: c.services.observability.enabled,
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
            admin: credential(ctx.credentials, "databaseAdmin", "PostgreSQL"),
            delivery: shared.delivery,
            storageGiB: c.services.postgres.storageGiB,
            storageClassName: ctx.storageClassName,
            nodeGroups,
        }, opts);
        databaseReady.push(postgres.statefulSet);
    }
    const databases = plan.airflow.enabled ? [metastoreDatabase, airflowDatabase] : [metastoreDatabase];
    const databaseInit = new DatabaseInit("database-init", {
        namespace: platformNamespaceName,
        database: ctx.database,
        credentials: ctx.credentials,
        delivery: shared.delivery,
        databases,
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
        databaseCredentials: credential(ctx.credentials, "metastoreDatabase", "Hive Metastore"),
        storage: ctx.storage,
        objectStorageCredentials: ctx.storage.kind === "minio" ? credential(ctx.credentials, "minioRoot", "Hive Metastore on MinIO") : undefined,
        delivery: shared.delivery,
        serviceAccountName: serviceIdentities.hiveMetastore.serviceAccount,
        nodeGroups,
        dependsOn: [databaseInit.job, metastoreAccount, ...minioReady],
    }, opts);
    endpoints.metastore = metastoreUri();

    if (plan.sparkOperator) {
        const ns = namespaceOf(namespaces.operator);
        new SparkOperator("spark-operator", {
            namespace: ns.metadata.name,
            jobNamespaces: c.spark.jobNamespaces,
            nodeGroups,
            sparkServiceAccountName: serviceIdentities.sparkJobs.serviceAccount,
            replicas: controllerReplicas(c.services.highAvailability),
            // The chart renders a Role and RoleBinding into each job namespace.
            dependsOn: shared.jobNamespaces,
        }, opts);
    }

    if (ctx.clusterAutoscaler) new ClusterAutoscaler("cluster-autoscaler", ctx.clusterAutoscaler, opts);
    if (ctx.karpenter) new Karpenter("karpenter", ctx.karpenter, opts);
    if (plan.gpu && nodeGroups) {
        const ns = namespaceOf(namespaces.gpu, nvidiaDevicePluginExemption);
        new NvidiaDevicePlugin("nvidia-device-plugin", { namespace: ns.metadata.name }, opts);
    }

    if (plan.jupyterhub.enabled) {
        const ns = namespaceOf(namespaces.jupyterhub);
        new JupyterHub("jupyterhub", {
            namespace: ns.metadata.name,
            servers: connectServers(plan, plan.jupyterhub.backends),
            images: c.spark.images,
            gpu: plan.gpu && nodeGroups,
            nodeGroups,
            storageClassName: ctx.storageClassName,
            auth: ctx.jupyterhubAuth,
            delivery: shared.delivery,
            notebookEgress: egressRulesFrom(networkFlows(flowInputs(ctx)), (from) => selectsPods(from, namespaces.jupyterhub, workloadLabels.notebook)),
        }, opts);
        endpoints.jupyterhub = `http://proxy-public.${namespaces.jupyterhub}.svc.cluster.local`;
    }

    const observability = c.services.observability;
    const tracing = observability.enabled && observability.tracing.enabled;

    if (plan.airflow.enabled) {
        const ns = namespaceOf(namespaces.airflow);
        // The Connect DAGs use the first backend Airflow's scenarios list (k8s before standalone).
        const airflowConnect = connectServers(plan, plan.airflow.connectBackends.slice(0, 1));
        new Airflow("airflow", {
            namespace: namespaces.airflow,
            image: c.spark.images.airflow,
            database: ctx.database,
            credentials: ctx.credentials,
            delivery: shared.delivery,
            storage: ctx.storage,
            gitSync: c.services.airflow.gitSync,
            jobNamespaces: c.spark.jobNamespaces,
            sparkSubmit: plan.airflowSparkSubmit,
            sparkApplications: plan.airflowSparkApplications,
            variables: exampleDagVariables({
                environment: ctx.environment,
                warehouseUri: pulumi.output(ctx.storage.buckets).apply((b) => warehouseDir(b.warehouse)),
                sparkImages: Object.fromEntries(c.spark.versions.map((v) => [v, c.spark.images[sparkImageKey(v)]])),
                connectUrls: Object.fromEntries(airflowConnect.map(({ version, backend }) => [version, sparkRemote(version, backend)])),
            }),
            nodeGroups,
            replicas: controllerReplicas(c.services.highAvailability),
            serviceAccountName: serviceIdentities.airflow.serviceAccount,
            observability: observability.enabled ? { statsd: true, otlpEndpoint: tracing ? otlpHttpEndpoint : undefined } : undefined,
            // Airflow's Roles live in the job namespaces, so those must exist first.
            dependsOn: [ns, databaseInit.job, ...minioReady, ...shared.jobNamespaces],
        }, opts);
        endpoints.airflow = `http://${serviceHost(serviceEndpoints.airflowApiServer)}:${serviceEndpoints.airflowApiServer.port}`;
    }

    if (c.services.backups.enabled) {
        new DatabaseBackups("database-backup", {
            namespace: platformNamespaceName,
            schedule: c.services.backups.schedule,
            database: ctx.database,
            serverMajor: serverMajor(ctx.database, c.services.metastore.database.engineVersion),
            databases,
            credentials: ctx.credentials,
            delivery: shared.delivery,
            storage: ctx.storage.kind === "s3"
                ? { bucket: ctx.storage.buckets.backups, region: ctx.storage.region }
                : { bucket: ctx.storage.buckets.backups, endpoint: ctx.storage.endpoint },
            objectStorageEnv: storageEnv(ctx),
            nodeGroups,
            dependsOn: [databaseInit.job, ...minioReady],
        }, opts);
    }

    if (observability.enabled) {
        const monitoringNs = namespaceOf(namespaces.monitoring);
        const nodeExporterNs = namespaceOf(namespaces.nodeExporter, nodeExporterExemption);
        if (tracing) {
            new Tracing("tracing", { ...observability.tracing, storageClassName: ctx.storageClassName, nodeGroups, dependsOn: [monitoringNs] }, opts);
        }
        new Monitoring("monitoring", {
            ...observability.prometheus,
            storageClassName: ctx.storageClassName,
            nodeGroups,
            tempoUrl: tracing ? tempoQueryUrl : undefined,
            grafanaAdmin: credential(ctx.credentials, "grafanaAdmin", "Grafana"),
            delivery: shared.delivery,
            objects: [
                ...platformMonitors({ sparkOperator: plan.sparkOperator, airflow: plan.airflow.enabled, minio: plan.minio }),
                ...sparkPodMonitors({ jobNamespaces: c.spark.jobNamespaces }),
                prometheusRule("spark-platform", alertRules({ ...alertRuleInputs(plan, c.services.backups.enabled, c.spark.jobNamespaces), runbookBase: observability.runbookBaseUrl || undefined })),
            ],
            dashboards: dashboardConfigMaps(platformDashboards({ idleMonthly: ctx.idleMonthlyCost })),
            dependsOn: [monitoringNs, nodeExporterNs],
        }, opts);
        endpoints.grafana = `http://${monitoringGrafanaService}.${namespaces.monitoring}.svc.cluster.local`;
    }
    return { endpoints, namespaces: created };
}
