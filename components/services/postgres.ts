/**
 * PostgreSQL in the cluster, for the local tier where there is no RDS: one StatefulSet pod of the
 * official image, its data on a PersistentVolumeClaim, reachable at postgres.<namespace>:5432 without
 * TLS. The Metastore and Airflow get their own roles and databases from DatabaseInit, as on RDS.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { serviceEndpoints, serviceHost } from "../config/names";
import { DatabaseServer } from "../context";
import { ContainerResources, hardenPodSpec } from "../kubernetes/hardening";
import { volumeClaimTemplate } from "../kubernetes/volumes";
import { inputsHashAnnotation } from "../kubernetes/rollout";
import { CredentialDelivery, deliverSecret, field, writeSecrets } from "./secretDelivery";
import { onSystemNodes } from "../kubernetes/scheduling";
import { priorityClassName } from "../kubernetes/priorities";

/** The official image, PostgreSQL 16 on Debian bookworm; its psql (16) also runs DatabaseInit. */
export const postgresImage = "postgres:16.14-bookworm";
/** UID and GID of the postgres user in the official image. */
export const postgresUserId = 999;
/** Where the data volume is mounted. */
export const postgresVolumePath = "/var/lib/postgresql/data";
/** PGDATA: a directory inside the volume, so initdb never finds the volume's lost+found. */
export const postgresDataDirectory = `${postgresVolumePath}/pgdata`;
/** Name of the headless Service that governs the StatefulSet (pod DNS names). */
export const postgresHeadlessServiceName = `${serviceEndpoints.postgres.name}-headless`;

/** Readiness check over TCP as the superuser (trusted from 127.0.0.1), so probes log no failed logins. */
const pgIsReady = `exec pg_isready --quiet --host 127.0.0.1 --port ${serviceEndpoints.postgres.port} --username "$POSTGRES_USER" --dbname postgres`;

/**
 * Script of the postStart hook. POSTGRES_PASSWORD only takes effect when initdb creates the data
 * directory, so after every start the hook waits (bounded) for the server and sets the
 * superuser's password from the environment over the local socket (trusted by the image's
 * pg_hba.conf): a rotated credential reaches the running database. The password never appears on
 * a command line; psql reads it with `\getenv`. The hook always exits 0: a failing postStart hook
 * kills the container, which could interrupt a first initdb; a sync that did not happen shows up
 * as DatabaseInit failing to log in.
 */
export function postgresPasswordSyncScript(options: { attempts?: number } = {}): string {
    const attempts = options.attempts ?? 300;
    return [
        "attempt=0",
        `until pg_isready --quiet --host 127.0.0.1 --port ${serviceEndpoints.postgres.port} --username "$POSTGRES_USER" --dbname postgres; do`,
        "  attempt=$((attempt + 1))",
        `  if [ "$attempt" -ge ${attempts} ]; then echo "PostgreSQL not ready: superuser password not synchronised" >&2; exit 0; fi`,
        "  sleep 1",
        "done",
        'psql --no-psqlrc --quiet -v ON_ERROR_STOP=1 --host /var/run/postgresql --username "$POSTGRES_USER" --dbname postgres <<\'SQL\' || echo "superuser password not synchronised" >&2',
        "\\getenv password POSTGRES_PASSWORD",
        "ALTER ROLE CURRENT_USER WITH PASSWORD :'password';",
        "SQL",
        "exit 0",
    ].join("\n");
}

/** Inputs of InClusterPostgres: superuser, data volume, placement, image and resources. */
export interface InClusterPostgresArgs {
    /** Namespace to run in (created by the caller); clients reach postgres.<namespace>.svc.cluster.local. */
    readonly namespace: pulumi.Input<string>;
    /** Superuser name and password ({ username, password }, a Pulumi secret): credentials.databaseAdmin. */
    readonly admin: pulumi.Output<Record<string, string>>;
    /** How its admin Secret is delivered (secretDelivery); default: Pulumi writes it with `admin`. */
    readonly delivery?: CredentialDelivery;
    /** Size of the data volume in GiB (services.postgres.storageGiB). */
    readonly storageGiB: number;
    /** StorageClass of the data volume; undefined means the cluster default. */
    readonly storageClassName?: string;
    /** Place the pod on the system node group; true only where the platform made node groups. */
    readonly nodeGroups: boolean;
    /** Image, pinned; defaults to postgresImage. Must keep the official image's layout and UID 999. */
    readonly image?: string;
    /** Container resources; defaults suit the local tier. */
    readonly resources?: ContainerResources;
}

/** Single-instance PostgreSQL: Secret, StatefulSet with a volume claim, headless and ClusterIP Services. */
export class InClusterPostgres extends pulumi.ComponentResource {
    /** The server as the Metastore, Airflow and DatabaseInit see it: ClusterIP Service, no TLS. */
    readonly server: DatabaseServer;
    readonly statefulSet: k8s.apps.v1.StatefulSet;

    constructor(name: string, args: InClusterPostgresArgs, opts?: pulumi.ComponentResourceOptions) {
        super("spark-k8s:services:InClusterPostgres", name, {}, opts);
        const parent = { parent: this };
        const image = args.image ?? postgresImage;
        if (!Number.isInteger(args.storageGiB) || args.storageGiB < 1) throw new Error(`InClusterPostgres: storageGiB must be a positive integer, got ${args.storageGiB}`);
        const endpoint = serviceEndpoints.postgres;
        const selector = { "app.kubernetes.io/name": endpoint.name, "app.kubernetes.io/component": "database" };
        const labels = { ...selector, "app.kubernetes.io/part-of": "spark-k8s", "app.kubernetes.io/managed-by": "pulumi" };

        const secret = deliverSecret(`${name}-admin`, {
            name: `${endpoint.name}-admin`,
            namespace: args.namespace,
            labels,
            data: { username: [field("databaseAdmin", "username")], password: [field("databaseAdmin", "password")] },
        }, args.delivery ?? writeSecrets({ databaseAdmin: args.admin }), parent);
        // A rotated admin credential restarts the pod, so the postStart hook applies it (the hash
        // of its version: a one-way digest, no secret, so the pod spec stays readable).
        const credentialHash = secret.hash;
        const fromSecret = (key: string) => ({ secretKeyRef: { name: secret.name, key } });

        const headless = new k8s.core.v1.Service(`${name}-headless`, {
            metadata: { name: postgresHeadlessServiceName, namespace: args.namespace, labels },
            spec: { clusterIP: "None", publishNotReadyAddresses: true, selector, ports: [{ name: "postgres", port: endpoint.port, targetPort: "postgres" }] },
        }, { ...parent, deleteBeforeReplace: true });

        const isReady = (periodSeconds: number, failureThreshold: number) => ({
            exec: { command: ["sh", "-c", pgIsReady] },
            periodSeconds,
            timeoutSeconds: 5,
            failureThreshold,
        });
        const podSpec = hardenPodSpec({
            containers: [
                {
                    name: "postgres",
                    image,
                    env: [
                        { name: "POSTGRES_USER", valueFrom: fromSecret("username") },
                        { name: "POSTGRES_PASSWORD", valueFrom: fromSecret("password") },
                        { name: "POSTGRES_DB", value: "postgres" },
                        { name: "PGDATA", value: postgresDataDirectory },
                    ],
                    ports: [{ name: "postgres", containerPort: endpoint.port }],
                    volumeMounts: [{ name: "data", mountPath: postgresVolumePath }],
                    writablePaths: ["/var/run/postgresql", "/tmp"],
                    resources: args.resources ?? { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "512Mi" } },
                    probes: {
                        // initdb on the first start runs on the socket only; the startup probe gives it time.
                        startup: isReady(5, 60),
                        readiness: isReady(10, 3),
                        liveness: isReady(20, 6),
                    },
                },
            ],
            runAsUser: postgresUserId,
            priorityClassName: priorityClassName("platform"),
            fsGroup: postgresUserId,
            server: true,
            terminationGracePeriodSeconds: 60,
            ...onSystemNodes({ nodeGroups: args.nodeGroups }),
        });
        // The hardening helper has no lifecycle field; the hook adds no privilege, so it is set afterwards.
        const passwordSync = { postStart: { exec: { command: ["sh", "-c", postgresPasswordSyncScript()] } } };
        const containers = (podSpec.containers as k8s.types.input.core.v1.Container[]).map((c) => ({ ...c, lifecycle: passwordSync }));

        this.statefulSet = new k8s.apps.v1.StatefulSet(name, {
            metadata: { name: endpoint.name, namespace: args.namespace, labels },
            spec: {
                serviceName: headless.metadata.name,
                replicas: 1,
                selector: { matchLabels: selector },
                persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
                template: { metadata: { labels, annotations: { [inputsHashAnnotation]: credentialHash } }, spec: { ...podSpec, containers } },
                volumeClaimTemplates: [volumeClaimTemplate({ name: "data", storageGiB: args.storageGiB, storageClassName: args.storageClassName, labels })],
            },
        }, { ...parent, deleteBeforeReplace: true });

        const service = new k8s.core.v1.Service(name, {
            metadata: { name: endpoint.name, namespace: args.namespace, labels },
            spec: { type: "ClusterIP", selector, ports: [{ name: "postgres", port: endpoint.port, targetPort: "postgres" }] },
        }, { ...parent, deleteBeforeReplace: true });

        this.server = {
            host: pulumi.all([service.metadata.name, args.namespace]).apply(([svc, namespace]) => serviceHost({ name: svc, namespace })),
            port: endpoint.port,
            sslMode: "disable",
            inCluster: true,
        };
        this.registerOutputs({ host: this.server.host });
    }
}
