/**
 * MinIO in the cluster: the S3 of the local tier (optional elsewhere). One StatefulSet pod with a
 * data volume, the S3 API on 9000 and the console on 9001, and a Job that creates the same buckets
 * the AWS tiers get from the data lake.
 *
 * Images: MinIO stopped publishing community images in October 2025 and removed its Docker Hub
 * repositories in September 2026; quay.io/minio still serves the last releases, pinned here.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { bucketFolders, BucketPurpose, LifecycleRule } from "../aws/dataLake";
import { serviceEndpoints, serviceHost } from "../config/names";
import { ContainerResources, hardenPodSpec } from "../kubernetes/hardening";
import { volumeClaimTemplate } from "../kubernetes/volumes";
import { onSystemNodes } from "../kubernetes/scheduling";
import { inputsHash, inputsHashAnnotation } from "../kubernetes/rollout";
import { CredentialDelivery, deliverSecret, field, writeSecrets } from "./secretDelivery";
import { rerunnableJobAnnotations, rerunnableJobOptions } from "./databaseInit";
import { priorityClassName } from "../kubernetes/priorities";

/** The last MinIO server release on quay.io. */
export const minioImage = "quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z";
/** The last MinIO client (mc) release on quay.io. */
export const minioClientImage = "quay.io/minio/mc:RELEASE.2025-08-13T08-35-41Z";
/** UID and GID MinIO runs as (the images run as root unless told otherwise; MinIO's own chart uses 1000). */
export const minioUserId = 1000;
/** Where the data volume is mounted. */
export const minioDataPath = "/data";
/** Name of the headless Service that governs the StatefulSet. */
export const minioHeadlessServiceName = `${serviceEndpoints.minio.name}-headless`;

/** http://minio.minio.svc.cluster.local:9000, the S3 endpoint pods use on the local tier. */
export const minioEndpoint = minioEndpointIn(serviceEndpoints.minio.namespace);

/** The S3 endpoint of MinIO in a namespace. */
export function minioEndpointIn(namespace: string): string {
    const e = serviceEndpoints.minio;
    return `http://${serviceHost({ name: e.name, namespace })}:${e.port}`;
}

const bucketName = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * A bucket's lifecycle configuration as `mc ilm rule import` reads it: minio-go's
 * lifecycle.Configuration in JSON (pkg/lifecycle of minio-go v7.0.90, the release mc
 * RELEASE.2025-08-13T08-35-41Z builds with). Only expiry rules: see expiryRules. minio-go drops a
 * size filter of 0 (omitempty), which would expire the empty folder markers too, so "larger than 0
 * bytes" is sent as "larger than 1 byte".
 */
export function minioLifecycle(rules: readonly LifecycleRule[]): { Rules: Record<string, unknown>[] } {
    const bad = rules.filter((r) => r.expirationDays === undefined || !Number.isInteger(r.expirationDays) || r.expirationDays < 1 || /['\\]/.test(r.id + r.prefix));
    if (bad.length > 0) throw new Error(`MinIO lifecycle: ${bad.map((r) => `rule "${r.id}" needs a positive whole expirationDays and no quote or backslash`).join("; ")}`);
    return {
        Rules: rules.map((r) => ({
            ID: r.id,
            Status: "Enabled",
            // S3 and MinIO take one predicate in a filter; two go in an And.
            Filter: r.objectSizeGreaterThan !== undefined
                ? { And: { Prefix: r.prefix, ObjectSizeGreaterThan: Math.max(1, r.objectSizeGreaterThan) } }
                : { Prefix: r.prefix },
            Expiration: { Days: r.expirationDays },
        })),
    };
}

/**
 * The bucket Job's script. The root credentials reach mc through MC_HOST_<alias> (never on a command
 * line; the generated password is letters and digits, so it needs no URL escaping). It waits, at
 * most `attempts` × `intervalSeconds`, for MinIO to answer, then creates each bucket unless it
 * exists, and each folder: `mc mb alias/bucket/prefix/` puts the empty marker object `prefix/`
 * (minio/mc cmd/client-s3.go, MakeBucket, in the 2025 releases); then sets each bucket's lifecycle.
 */
export function minioBucketScript(
    buckets: readonly string[],
    options: { attempts?: number; intervalSeconds?: number; folders?: readonly string[]; lifecycles?: Readonly<Record<string, readonly LifecycleRule[]>> } = {},
): string {
    const bad = buckets.filter((b) => !bucketName.test(b) || b.includes(".."));
    const repeated = buckets.filter((b, i) => buckets.indexOf(b) !== i);
    if (buckets.length === 0 || bad.length > 0 || repeated.length > 0) {
        throw new Error(`MinIO buckets: ${buckets.length === 0 ? "none given" : [...bad.map((b) => `"${b}" is not a bucket name`), ...repeated.map((b) => `"${b}" is repeated`)].join("; ")}`);
    }
    const folders = options.folders ?? [];
    const badFolders = folders.filter((f) => !buckets.includes(f.split("/")[0]) || !/^[^/\s'"$`\\]+\/[^\s'"$`\\]+\/$/.test(f));
    if (badFolders.length > 0) throw new Error(`MinIO folders: ${badFolders.map((f) => `"${f}" is not bucket/prefix/ in one of the buckets`).join("; ")}`);
    const lifecycles = Object.entries(options.lifecycles ?? {}).filter(([, rules]) => rules.length > 0);
    const unknown = lifecycles.filter(([b]) => !buckets.includes(b)).map(([b]) => b);
    if (unknown.length > 0) throw new Error(`MinIO lifecycles: ${unknown.map((b) => `"${b}" is not one of the buckets`).join("; ")}`);
    const attempts = options.attempts ?? 60;
    const interval = options.intervalSeconds ?? 5;
    const mc = "mc --config-dir /tmp/.mc";
    return [
        "set -eu",
        ': "${MINIO_ROOT_USER:?MINIO_ROOT_USER is not set}"',
        ': "${MINIO_ROOT_PASSWORD:?MINIO_ROOT_PASSWORD is not set}"',
        'export MC_HOST_minio="http://${MINIO_ROOT_USER}:${MINIO_ROOT_PASSWORD}@${MINIO_SERVER}"',
        "attempt=0",
        `until ${mc} ls minio >/dev/null 2>&1; do`,
        "  attempt=$((attempt + 1))",
        `  if [ "$attempt" -ge ${attempts} ]; then echo "MinIO at $MINIO_SERVER did not answer after ${attempts} attempts" >&2; exit 1; fi`,
        `  sleep ${interval}`,
        "done",
        ...buckets.map((b) => `${mc} mb --ignore-existing minio/${b}`),
        ...folders.map((f) => `${mc} mb --ignore-existing minio/${f}`),
        // `mc ilm rule import` replaces the bucket's whole lifecycle configuration, so a rerun leaves one copy of each rule.
        ...lifecycles.map(([b, rules]) => `printf '%s' '${JSON.stringify(minioLifecycle(rules))}' | ${mc} ilm rule import minio/${b}`),
    ].join("\n");
}

/** Inputs of Minio: root user, buckets, data volume, placement, images and resources. */
export interface MinioArgs {
    /** Namespace of every object (created by the caller); the API is minio.<namespace>:9000. */
    readonly namespace: pulumi.Input<string>;
    /** Root user as { username, password } (credentials.minioRoot), a Pulumi secret. */
    readonly rootCredentials: pulumi.Output<Record<string, string>>;
    /** How its root Secret is delivered (secretDelivery); default: Pulumi writes it with `rootCredentials`. */
    readonly delivery?: CredentialDelivery;
    /** Bucket names by purpose: the same layout as the S3 data lake. */
    readonly buckets: Readonly<Record<BucketPurpose, string>>;
    /** Expiry rules by purpose (expiryRules of the storage config): the bucket Job sets them as each bucket's lifecycle. */
    readonly expiry: Readonly<Record<BucketPurpose, readonly LifecycleRule[]>>;
    /** Size of the data volume in GiB (services.minio.storageGiB). */
    readonly storageGiB: number;
    /** StorageClass of the data volume; undefined means the cluster default. */
    readonly storageClassName?: string;
    /** Run on the system node group; true only where the platform made node groups. */
    readonly nodeGroups: boolean;
    /** Serve the cluster metrics without a token, for the monitoring stack's PodMonitor; off without one. */
    readonly publicMetrics: boolean;
    /** Server image, pinned; defaults to minioImage. */
    readonly image?: string;
    /** Client image for the bucket Job, pinned; defaults to minioClientImage. */
    readonly clientImage?: string;
    /** Server container resources; defaults suit the local tier. */
    readonly resources?: ContainerResources;
}

/** Secret, StatefulSet with a volume claim, headless and ClusterIP Services, and the bucket Job. */
export class Minio extends pulumi.ComponentResource {
    /** http://minio.<namespace>.svc.cluster.local:9000 */
    readonly endpoint: pulumi.Output<string>;
    readonly statefulSet: k8s.apps.v1.StatefulSet;
    /** The bucket Job; whatever writes to the buckets waits on it. */
    readonly bucketJob: k8s.batch.v1.Job;

    constructor(name: string, args: MinioArgs, opts?: pulumi.ComponentResourceOptions) {
        super("spark-k8s:services:Minio", name, {}, opts);
        const parent = { parent: this };
        const image = args.image ?? minioImage;
        const clientImage = args.clientImage ?? minioClientImage;
        // Images are checked by hardenPodSpec, like every pod's.
        if (!Number.isInteger(args.storageGiB) || args.storageGiB < 1) throw new Error(`Minio "${name}": storageGiB must be a positive integer, got ${args.storageGiB}`);
        const folders = Object.entries(bucketFolders).flatMap(([purpose, prefixes]) => (prefixes ?? []).map((p) => `${args.buckets[purpose as BucketPurpose]}/${p}`));
        const lifecycles = Object.fromEntries(Object.entries(args.buckets).map(([purpose, bucket]) => [bucket, args.expiry[purpose as BucketPurpose]]));
        const bucketScript = minioBucketScript(Object.values(args.buckets), { folders, lifecycles });

        const e = serviceEndpoints.minio;
        const selector = { "app.kubernetes.io/name": e.name, "app.kubernetes.io/component": "object-storage" };
        const labels = { ...selector, "app.kubernetes.io/part-of": "spark-k8s", "app.kubernetes.io/managed-by": "pulumi" };
        const placement = onSystemNodes({ nodeGroups: args.nodeGroups });

        const secret = deliverSecret(`${name}-root`, {
            name: `${e.name}-root`,
            namespace: args.namespace,
            labels,
            data: { MINIO_ROOT_USER: [field("minioRoot", "username")], MINIO_ROOT_PASSWORD: [field("minioRoot", "password")] },
        }, args.delivery ?? writeSecrets({ minioRoot: args.rootCredentials }), parent);
        const rootData = secret.hash;
        const rootEnv = ["MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD"].map((key) => ({ name: key, valueFrom: { secretKeyRef: { name: secret.name, key } } }));

        const ports = [
            { name: "api", port: e.port },
            { name: "console", port: e.consolePort },
        ];
        const headless = new k8s.core.v1.Service(`${name}-headless`, {
            metadata: { name: minioHeadlessServiceName, namespace: args.namespace, labels },
            spec: { clusterIP: "None", publishNotReadyAddresses: true, selector, ports: ports.map((p) => ({ ...p, targetPort: p.name })) },
        }, { ...parent, deleteBeforeReplace: true });

        const health = (path: string, periodSeconds: number, failureThreshold: number) => ({ httpGet: { path, port: "api" }, periodSeconds, timeoutSeconds: 5, failureThreshold });
        this.statefulSet = new k8s.apps.v1.StatefulSet(name, {
            metadata: { name: e.name, namespace: args.namespace, labels },
            spec: {
                serviceName: headless.metadata.name,
                replicas: 1,
                selector: { matchLabels: selector },
                persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
                template: {
                    // Restart on a rotated root password: MinIO reads it at start.
                    metadata: { labels, annotations: { [inputsHashAnnotation]: inputsHash([rootData]) } },
                    spec: hardenPodSpec({
                        containers: [
                            {
                                name: "minio",
                                image,
                                command: ["minio"],
                                args: ["server", minioDataPath, "--address", `:${e.port}`, "--console-address", `:${e.consolePort}`, "--certs-dir", "/tmp/certs"],
                                // Prometheus scrapes /minio/v2/metrics/cluster without a bearer token; the API itself still needs keys.
                                env: [...rootEnv, { name: "HOME", value: "/tmp" }, ...(args.publicMetrics ? [{ name: "MINIO_PROMETHEUS_AUTH_TYPE", value: "public" }] : [])],
                                ports: ports.map((p) => ({ name: p.name, containerPort: p.port })),
                                volumeMounts: [{ name: "data", mountPath: minioDataPath }],
                                resources: args.resources ?? { requests: { cpu: "100m", memory: "512Mi" }, limits: { memory: "1Gi" } },
                                probes: {
                                    startup: health("/minio/health/live", 5, 60),
                                    liveness: health("/minio/health/live", 20, 3),
                                    readiness: health("/minio/health/ready", 10, 3),
                                },
                            },
                        ],
                        runAsUser: minioUserId,
                        priorityClassName: priorityClassName("platform"),
                        fsGroup: minioUserId,
                        server: true,
                        terminationGracePeriodSeconds: 30,
                        ...placement,
                    }),
                },
                volumeClaimTemplates: [volumeClaimTemplate({ name: "data", storageGiB: args.storageGiB, storageClassName: args.storageClassName, labels })],
            },
        }, { ...parent, deleteBeforeReplace: true });

        const service = new k8s.core.v1.Service(name, {
            metadata: { name: e.name, namespace: args.namespace, labels },
            spec: { type: "ClusterIP", selector, ports: ports.map((p) => ({ ...p, targetPort: p.name })) },
        }, { ...parent, deleteBeforeReplace: true });
        const server = pulumi.all([service.metadata.name, args.namespace]).apply(([svc, namespace]) => `${serviceHost({ name: svc, namespace })}:${e.port}`);

        const jobLabels = { ...labels, "app.kubernetes.io/component": "object-storage-buckets" };
        this.bucketJob = new k8s.batch.v1.Job(`${name}-buckets`, {
            metadata: { namespace: args.namespace, labels: jobLabels, annotations: { ...rerunnableJobAnnotations } },
            spec: {
                backoffLimit: 4,
                activeDeadlineSeconds: 1200,
                ttlSecondsAfterFinished: 86400,
                template: {
                    metadata: { labels: jobLabels, annotations: { [inputsHashAnnotation]: inputsHash([bucketScript, clientImage, server, rootData]) } },
                    spec: hardenPodSpec({
                        containers: [
                            {
                                name: "mc",
                                image: clientImage,
                                command: ["sh", "-c", bucketScript],
                                env: [...rootEnv, { name: "MINIO_SERVER", value: server }, { name: "HOME", value: "/tmp" }],
                                resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "128Mi" } },
                            },
                        ],
                        runAsUser: minioUserId,
                        priorityClassName: priorityClassName("platform"),
                        restartPolicy: "Never",
                        ...placement,
                    }),
                },
            },
        }, rerunnableJobOptions(this, [this.statefulSet, service]));

        this.endpoint = server.apply((s) => `http://${s}`);
        this.registerOutputs({ endpoint: this.endpoint });
    }
}
