/** Names shared by the AWS base and the Kubernetes components that follow it. */
import { PlatformConfig } from "./schema";

/** `<platform.name>-<stack>`: the EKS cluster name and the prefix of every physical name. */
export function platformId(c: { platform: { name: string }; stack: string }): string {
    return `${c.platform.name}-${c.stack}`;
}

/** Kubernetes namespaces and service accounts that receive AWS permissions through Pod Identity. */
export const serviceIdentities = {
    sparkJobs: { namespace: "spark-jobs", serviceAccount: "spark" },
    historyServer: { namespace: "spark-platform", serviceAccount: "spark-history-server" },
    hiveMetastore: { namespace: "spark-platform", serviceAccount: "hive-metastore" },
    airflow: { namespace: "airflow", serviceAccount: "airflow" },
    ebsCsiDriver: { namespace: "kube-system", serviceAccount: "ebs-csi-controller-sa" },
    clusterAutoscaler: { namespace: "kube-system", serviceAccount: "cluster-autoscaler" },
    /** Only with cluster.nodeProvisioner "karpenter". */
    karpenter: { namespace: "kube-system", serviceAccount: "karpenter" },
    /** Only with services.backups.enabled: the backup CronJob, which may only write dumps. */
    databaseBackup: { namespace: "spark-platform", serviceAccount: "database-backup" },
    /** Only with services.backups.enabled: restore Jobs, which may only read dumps. */
    databaseRestore: { namespace: "spark-platform", serviceAccount: "database-restore" },
    /** On AWS stacks: the External Secrets controller, which may only read the platform's own secrets. */
    externalSecrets: { namespace: "external-secrets", serviceAccount: "external-secrets" },
} as const;
export type ServiceIdentity = keyof typeof serviceIdentities;

/** Object-key prefix of Spark event logs inside the event-log bucket. */
export const eventLogPrefix = "spark-events/";

/** Tags on every AWS resource of the stack. */
export function platformTags(c: PlatformConfig): Record<string, string> {
    return {
        "spark-k8s:platform": c.platform.name,
        "spark-k8s:stack": c.stack,
        "spark-k8s:environment": c.tier,
        "managed-by": "pulumi",
        ...c.platform.tags,
    };
}

/** Namespaces of the Spark stack. Connect servers run beside their executors in the job namespace. */
export const namespaces = {
    jobs: "spark-jobs",
    platform: "spark-platform",
    operator: "spark-operator",
    jupyterhub: "jupyterhub",
    airflow: "airflow",
    minio: "minio",
    gpu: "nvidia-device-plugin",
    /** kube-prometheus-stack, Tempo and the OpenTelemetry collector. */
    monitoring: "monitoring",
    /** node-exporter alone: it reads the host, so its namespace enforces the privileged level. */
    nodeExporter: "node-exporter",
    /** The External Secrets Operator (AWS stacks, or a store provider). */
    externalSecrets: "external-secrets",
    /** The Sealed Secrets controller (secrets.provider "sealed-secrets"). */
    sealedSecrets: "sealed-secrets",
} as const;

/** In-cluster service names and ports other components and example DAGs connect to. */
export const serviceEndpoints = {
    /**
     * One Spark Connect server per Spark line and backend: `spark-connect-35` (executors as
     * Kubernetes pods), `spark-connect-35-standalone` (executors on the line's standalone cluster).
     */
    connect: (version: string, backend: "k8s" | "standalone" = "k8s") => ({
        name: `spark-connect-${version.replace(".", "")}${backend === "standalone" ? "-standalone" : ""}`,
        namespace: namespaces.jobs,
        grpcPort: 15002,
        uiPort: 4040,
    }),
    /** Spark standalone master per version, when the standalone backend is chosen. */
    standaloneMaster: (version: string) => ({ name: `spark-master-${version.replace(".", "")}`, namespace: namespaces.jobs, port: 7077, uiPort: 8080 }),
    historyServer: { name: "spark-history-server", namespace: namespaces.platform, port: 18080 },
    metastore: { name: "hive-metastore", namespace: namespaces.platform, port: 9083 },
    postgres: { name: "postgres", namespace: namespaces.platform, port: 5432 },
    minio: { name: "minio", namespace: namespaces.minio, port: 9000, consolePort: 9001 },
    /** The Airflow chart's API server (REST API and UI) Service. */
    airflowApiServer: { name: "airflow-api-server", namespace: namespaces.airflow, port: 8080 },
    /** The JupyterHub chart's hub Service (its REST API and /hub/health). */
    jupyterhubHub: { name: "hub", namespace: namespaces.jupyterhub, port: 8081 },
} as const;

/** The CronJob that dumps the platform's databases to the backups bucket; alert rules watch its Jobs. */
export const databaseBackupJob = { name: "database-backup", namespace: namespaces.platform } as const;

/** Object-key prefix of the database dumps inside the backups bucket: `postgres/<database>/<UTC timestamp>.dump`. */
export const databaseBackupPrefix = "postgres/";

/** The label every Spark Connect server pod carries; network rules select the servers by it. */
export const connectServerLabel = { "app.kubernetes.io/component": "spark-connect" } as const;

/** Cluster-local DNS name of a service. */
export function serviceHost(s: { name: string; namespace: string }): string {
    return `${s.name}.${s.namespace}.svc.cluster.local`;
}
