/**
 * Defaults per environment tier. Stack files hold only what differs from these.
 * local runs on an existing cluster with MinIO and in-cluster PostgreSQL and tiny requests;
 * dev is small and cheap (2 AZs, one NAT, buckets destroyable); staging is prod-shaped and smaller;
 * prod is highly available (3 AZs, NAT per AZ, private endpoint only, deletion protection).
 * dev and staging expose the API endpoint to the CIDRs their stack file names (there is no default).
 */
import { defaultKubernetesVersion } from "./kubernetesReleases";
import { PlatformSettings, Tier } from "./schema";
import { defaultPrices } from "../cost/prices";

const storage = {
    forceDestroy: false,
    eventLogRetentionDays: 90,
    airflowLogRetentionDays: 90,
    backupRetentionDays: 30,
    noncurrentVersionRetentionDays: 30,
    abortIncompleteMultipartUploadDays: 7,
};

/**
 * JupyterHub sign-in, the same on every tier: NativeAuthenticator (sign-up, then approval by an
 * admin) needs no identity provider and no secret, so it works on a laptop and in prod alike; the
 * hub is only reachable through a port-forward until a stack exposes it. A stack that has a GitHub
 * OAuth app switches to authenticator "github" and names the app in github.
 */
const jupyterhub: PlatformSettings["services"]["jupyterhub"] = {
    authenticator: "native",
    adminUsers: ["admin"],
    github: { clientId: "", organization: "", callbackUrl: "", clientSecret: "" },
};

function base(): PlatformSettings {
    return {
        platform: { name: "spark", deletionProtection: true, tags: {} },
        network: {
            mode: "create",
            vpcCidr: "10.40.0.0/16",
            availabilityZoneCount: 3,
            availabilityZones: [],
            natGateways: "perAz",
            existing: { vpcId: "", privateSubnetIds: [] },
        },
        cluster: {
            kubernetesVersion: defaultKubernetesVersion,
            // Managed node groups everywhere: the policy pack, the cost estimate and the runbooks
            // know them best; Karpenter is a per-stack choice (docs/configuration.md#cluster).
            nodeProvisioner: "cluster-autoscaler",
            endpointPublicAccess: false,
            publicAccessCidrs: [],
            adminRoleArns: [],
            logTypes: ["api", "audit", "authenticator", "controllerManager", "scheduler"],
            logRetentionDays: 90,
        },
        nodeGroups: {
            system: { enabled: true, instanceTypes: ["m6i.xlarge"], minSize: 3, desiredSize: 3, maxSize: 6, diskSizeGiB: 100, capacityType: "on-demand" },
            driver: { enabled: true, instanceTypes: ["m6i.2xlarge"], minSize: 1, desiredSize: 2, maxSize: 10, diskSizeGiB: 100, capacityType: "on-demand" },
            executor: {
                enabled: true,
                instanceTypes: ["m6i.4xlarge", "m6a.4xlarge", "m5.4xlarge", "m7i.4xlarge"],
                minSize: 0,
                desiredSize: 0,
                maxSize: 100,
                diskSizeGiB: 200,
                capacityType: "spot",
            },
            gpu: { enabled: true, instanceTypes: ["g5.2xlarge"], minSize: 0, desiredSize: 0, maxSize: 8, diskSizeGiB: 200, capacityType: "on-demand" },
        },
        storage: { ...storage },
        secrets: {
            recoveryWindowInDays: 30,
            passwordLength: 32,
            kmsKeyDeletionWindowInDays: 30,
            provider: "aws-secrets-manager",
            refreshInterval: "1h",
            revision: "",
            vault: { server: "", mountPath: "secret", authRole: "", authMountPath: "kubernetes" },
            azureKeyVault: { vaultUrl: "", tenantId: "", workloadIdentityClientId: "" },
            gcpSecretManager: { projectId: "", workloadIdentity: { gcpServiceAccount: "", clusterProjectId: "", clusterLocation: "", clusterName: "" } },
            ibmSecretsManager: { serviceUrl: "", apiKeySecretRef: { namespace: "", name: "", key: "" } },
        },
        registry: { url: "", keepImages: 30 },
        cost: { prices: structuredClone(defaultPrices) },
        spark: {
            // The full platform; the local tier runs notebooks only (see below).
            scenarios: ["jupyter-connect-k8s", "airflow-connect-k8s", "airflow-k8s-submit", "airflow-operator"],
            presets: [],
            versions: ["3.5", "4.1"],
            jobNamespaces: ["spark-jobs"],
            teamDefaults: structuredClone(teamDefaults.prod),
            teams: {},
            images: { ...images },
            dynamicAllocation: { minExecutors: 0, maxExecutors: 100, executorIdleTimeoutSeconds: 120 },
            connect: { driverCores: 4, driverMemoryMiB: 16384 },
            standalone: { workers: 4, workerCores: 8, workerMemoryMiB: 32768 },
            localExecutor: { cores: 1, memoryMiB: 1024 },
            iceberg: { catalogName: "lake", catalogType: "hive", restUri: "" },
        },
        services: {
            highAvailability: true,
            metastore: {
                replicas: 2,
                database: { instanceClass: "db.m6g.large", allocatedStorageGiB: 100, multiAz: true, backupRetentionDays: 14, engineVersion: "16" },
            },
            airflow: { gitSync: { repo: "", branch: "main", subPath: "dags" } },
            jupyterhub: { ...jupyterhub, adminUsers: [...jupyterhub.adminUsers], github: { ...jupyterhub.github } },
            minio: { enabled: false, storageGiB: 100 },
            postgres: { storageGiB: 20 },
            observability: {
                enabled: true,
                prometheus: { retentionDays: 15, storageGiB: 100, replicas: 2 },
                runbookBaseUrl: "",
                tracing: { enabled: true, retentionHours: 336, storageGiB: 50 },
            },
            backups: { enabled: true, schedule: "0 2 * * *" },
        },
        local: { kubeContext: "", storageClassName: "" },
    };
}

/**
 * Quota and container defaults of each job namespace, per tier. The quota caps a team, it reserves
 * nothing; it must hold the pods the platform itself keeps in spark-jobs (Connect servers,
 * standalone clusters and their executors; validation checks it). local fits a laptop cluster,
 * dev about its executor group (10 m6i.2xlarge), staging a share of its 20 nodes, prod a third of
 * its 100 m6i.4xlarge.
 */
const teamDefaults: Record<Tier, PlatformSettings["spark"]["teamDefaults"]> = {
    local: { quota: { requestsCpu: 24, requestsMemoryGiB: 48, limitsMemoryGiB: 48, gpus: 1, pods: 50, persistentVolumeClaims: 10 }, limits: { defaultCpuMillis: 250, defaultMemoryMiB: 512 } },
    dev: { quota: { requestsCpu: 64, requestsMemoryGiB: 256, limitsMemoryGiB: 256, gpus: 1, pods: 200, persistentVolumeClaims: 50 }, limits: { defaultCpuMillis: 250, defaultMemoryMiB: 512 } },
    staging: { quota: { requestsCpu: 128, requestsMemoryGiB: 512, limitsMemoryGiB: 512, gpus: 2, pods: 500, persistentVolumeClaims: 100 }, limits: { defaultCpuMillis: 250, defaultMemoryMiB: 512 } },
    prod: { quota: { requestsCpu: 512, requestsMemoryGiB: 2048, limitsMemoryGiB: 2048, gpus: 8, pods: 1000, persistentVolumeClaims: 200 }, limits: { defaultCpuMillis: 250, defaultMemoryMiB: 512 } },
};

/**
 * Platform images, built from images/ with the tags of images/versions.env (a test keeps the two
 * equal; see docs/images.md). Stack config points them at the registry they were pushed to.
 */
const images: PlatformSettings["spark"]["images"] = {
    spark35: "spark-k8s/spark-runtime:3.5.9-p3",
    spark41: "spark-k8s/spark-runtime:4.1.4-p3",
    spark43: "spark-k8s/spark-runtime:4.3.0-p3",
    sparkRapids: "spark-k8s/spark-rapids:3.5.9-26.08.0-p3",
    hiveMetastore: "spark-k8s/hive-metastore:3.1.3-p3",
    jupyter35: "spark-k8s/jupyter-spark:3.5.9-p3",
    jupyter41: "spark-k8s/jupyter-spark:4.1.4-p3",
    jupyter43: "spark-k8s/jupyter-spark:4.3.0-p3",
    airflow: "spark-k8s/airflow:3.2.2-p3",
};

/** The complete default settings of a tier; a fresh object on every call. */
export function tierDefaults(tier: Tier): PlatformSettings {
    const d = base();
    switch (tier) {
        case "prod":
            return d;
        case "local":
            // AWS areas keep dev values for completeness; validation refuses them in local stacks.
            return {
                ...tierDefaults("dev"),
                // No AWS: the values Pulumi generates are written into Secrets, as before External Secrets.
                secrets: { ...tierDefaults("dev").secrets, provider: "kubernetes" },
                spark: {
                    ...d.spark,
                    scenarios: ["jupyter-connect-k8s"],
                    teamDefaults: structuredClone(teamDefaults.local),
                    dynamicAllocation: { minExecutors: 0, maxExecutors: 2, executorIdleTimeoutSeconds: 60 },
                    connect: { driverCores: 1, driverMemoryMiB: 2048 },
                    standalone: { workers: 1, workerCores: 2, workerMemoryMiB: 2048 },
                },
                services: {
                    ...d.services,
                    highAvailability: false,
                    metastore: { ...d.services.metastore, replicas: 1 },
                    minio: { enabled: true, storageGiB: 20 },
                    postgres: { storageGiB: 5 },
                    // A laptop cluster has no room for the monitoring stack; a stack can switch it on.
                    observability: { enabled: false, prometheus: { retentionDays: 2, storageGiB: 5, replicas: 1 }, runbookBaseUrl: "", tracing: { enabled: false, retentionHours: 24, storageGiB: 1 } },
                },
            };
        case "staging":
            return {
                ...d,
                network: { ...d.network, vpcCidr: "10.30.0.0/16" },
                cluster: { ...d.cluster, endpointPublicAccess: true, logTypes: ["api", "audit", "authenticator"], logRetentionDays: 30 },
                nodeGroups: {
                    system: { ...d.nodeGroups.system, instanceTypes: ["m6i.large"], minSize: 2, desiredSize: 3, maxSize: 4 },
                    driver: { ...d.nodeGroups.driver, instanceTypes: ["m6i.xlarge"], minSize: 1, desiredSize: 1, maxSize: 4 },
                    executor: {
                        ...d.nodeGroups.executor,
                        instanceTypes: ["m6i.2xlarge", "m6a.2xlarge", "m5.2xlarge"],
                        maxSize: 20,
                        diskSizeGiB: 150,
                    },
                    gpu: { ...d.nodeGroups.gpu, instanceTypes: ["g5.xlarge"], maxSize: 2, diskSizeGiB: 150 },
                },
                storage: { ...d.storage, eventLogRetentionDays: 30, airflowLogRetentionDays: 30 },
                secrets: { ...d.secrets, recoveryWindowInDays: 7, kmsKeyDeletionWindowInDays: 14, refreshInterval: "15m" },
                spark: {
                    ...d.spark,
                    teamDefaults: structuredClone(teamDefaults.staging),
                    dynamicAllocation: { ...d.spark.dynamicAllocation, maxExecutors: 20 },
                    // Two servers of this size share one m6i.xlarge driver node (docs/cost.md).
                    connect: { driverCores: 1, driverMemoryMiB: 6144 },
                    // A worker pod fits one m6i.2xlarge executor node (7.5 cores, 28 GiB left for pods).
                    standalone: { workers: 2, workerCores: 7, workerMemoryMiB: 26624 },
                },
                services: {
                    ...d.services,
                    highAvailability: false,
                    metastore: {
                        replicas: 2,
                        database: { ...d.services.metastore.database, instanceClass: "db.t4g.medium", allocatedStorageGiB: 50, multiAz: false, backupRetentionDays: 7 },
                    },
                    observability: {
                        ...d.services.observability,
                        prometheus: { retentionDays: 7, storageGiB: 50, replicas: 1 },
                        tracing: { enabled: true, retentionHours: 72, storageGiB: 20 },
                    },
                },
            };
        case "dev":
            return {
                ...d,
                platform: { ...d.platform, deletionProtection: false },
                network: { ...d.network, vpcCidr: "10.20.0.0/16", availabilityZoneCount: 2, natGateways: "single" },
                cluster: { ...d.cluster, endpointPublicAccess: true, logTypes: ["api", "audit", "authenticator"], logRetentionDays: 14 },
                nodeGroups: {
                    // Spot for platform services and drivers too: an interruption restarts a dev service
                    // or Connect session, and it keeps dev's idle cost under $300 a month (docs/cost.md).
                    system: { ...d.nodeGroups.system, instanceTypes: ["m6i.large", "m6a.large", "m5.large"], minSize: 1, desiredSize: 2, maxSize: 3, diskSizeGiB: 50, capacityType: "spot" },
                    driver: { ...d.nodeGroups.driver, instanceTypes: ["m6i.xlarge", "m6a.xlarge", "m5.xlarge"], minSize: 0, desiredSize: 1, maxSize: 2, diskSizeGiB: 50, capacityType: "spot" },
                    executor: {
                        ...d.nodeGroups.executor,
                        instanceTypes: ["m6i.2xlarge", "m6a.2xlarge", "m5.2xlarge"],
                        maxSize: 10,
                        diskSizeGiB: 100,
                    },
                    gpu: { ...d.nodeGroups.gpu, instanceTypes: ["g5.xlarge"], maxSize: 1, diskSizeGiB: 100 },
                },
                storage: { ...d.storage, forceDestroy: true, eventLogRetentionDays: 14, airflowLogRetentionDays: 14, noncurrentVersionRetentionDays: 7 },
                secrets: { ...d.secrets, recoveryWindowInDays: 0, kmsKeyDeletionWindowInDays: 7, refreshInterval: "5m" },
                spark: {
                    ...d.spark,
                    teamDefaults: structuredClone(teamDefaults.dev),
                    dynamicAllocation: { ...d.spark.dynamicAllocation, maxExecutors: 10 },
                    connect: { driverCores: 1, driverMemoryMiB: 4096 },
                    standalone: { workers: 2, workerCores: 4, workerMemoryMiB: 16384 },
                },
                services: {
                    ...d.services,
                    highAvailability: false,
                    metastore: {
                        replicas: 1,
                        database: { ...d.services.metastore.database, instanceClass: "db.t4g.small", allocatedStorageGiB: 20, multiAz: false, backupRetentionDays: 3 },
                    },
                    observability: {
                        ...d.services.observability,
                        prometheus: { retentionDays: 3, storageGiB: 20, replicas: 1 },
                        tracing: { enabled: true, retentionHours: 24, storageGiB: 10 },
                    },
                },
            };
    }
}
