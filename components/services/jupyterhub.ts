/**
 * JupyterHub from the Zero to JupyterHub chart, with one notebook profile per Spark line talking
 * to that line's Spark Connect server, and a GPU profile when asked.
 *
 * Values keys checked against jupyterhub/zero-to-jupyterhub-k8s jupyterhub/values.yaml of the 4.x
 * line (the official repository at the 4.0.0-4.1.0 development state, Chart appVersion 5.2.1, and
 * the released 4.1.0 values), with the repository changelog through 4.4.0, which only adds keys.
 * The chart validates values against a strict schema, so an unknown key fails the render rather
 * than being ignored. Keys set: hub.{nodeSelector,resources,podSecurityContext,
 * containerSecurityContext,config}, proxy.{service.type,https.enabled,chp.{nodeSelector,resources,
 * containerSecurityContext}}, singleuser.{image,uid,fsGid,allowPrivilegeEscalation,
 * cloudMetadata.blockWithIptables,nodeSelector,cpu,memory,extraEnv,profileList,storage},
 * scheduling.{userScheduler.enabled,userPlaceholder.enabled,podPriority.enabled},
 * prePuller.{hook.enabled,continuous.enabled}, cull.{enabled,timeout,every}.
 *
 * Chart features switched off, and why:
 * - singleuser.cloudMetadata.blockWithIptables: adds a privileged init container (iptables, NET_ADMIN)
 *   to every user pod; the chart's singleuser NetworkPolicy already denies the metadata server.
 * - prePuller hook and continuous puller: DaemonSets on every node (GPU and spot executor nodes
 *   included) and a Helm-hook Job; not privileged, but cluster-wide and outside what Pulumi orders.
 * - scheduling.userScheduler: a second kube-scheduler with cluster-wide RBAC; userPlaceholder and
 *   podPriority only make sense with it.
 * - proxy.https (autohttps/traefik, secret sync) and the LoadBalancer: the proxy is ClusterIP and
 *   users reach it with `kubectl port-forward -n jupyterhub svc/proxy-public 8000:80`.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { serviceEndpoints, serviceHost } from "../config/names";
import { SparkVersion } from "../config/schema";
import { onGpuNodes } from "../kubernetes/scheduling";
import { charts, chartResources, containerSecurityContext, podSecurityContext, splitImage, systemNodeSelector } from "./charts";

/** UID and GID of the jovyan user in the Jupyter images, and of the hub image's user. */
export const notebookUserId = 1000;
export const notebookGroupId = 100;
/** The nobody user the proxy runs as. */
const proxyUserId = 65534;

export interface NotebookSize {
    readonly cpuGuarantee: number;
    readonly cpuLimit: number;
    /** Kubernetes memory quantity, e.g. "2G". */
    readonly memoryGuarantee: string;
    readonly memoryLimit: string;
}

export interface JupyterHubArgs {
    /** Namespace the hub runs in (jupyterhub); it must exist. */
    readonly namespace: pulumi.Input<string>;
    /** Spark lines to offer a notebook profile for; each gets SPARK_REMOTE for its Connect server. */
    readonly versions: readonly SparkVersion[];
    /** Notebook images, pinned by tag or digest, for each Spark line. */
    readonly images: { readonly jupyter35: string; readonly jupyter40: string };
    /** Adds a GPU profile (one GPU, on the GPU nodes); only where nodeGroups is true. */
    readonly gpu: boolean;
    /** Whether the platform's node groups exist; true places hub, proxy and notebooks on system nodes. */
    readonly nodeGroups: boolean;
    /** StorageClass for the hub database and the users' home volumes; undefined means the cluster default. */
    readonly storageClassName?: string;
    /** Notebook size; defaults to 0.5-2 CPUs and 2-4G. */
    readonly notebookSize?: NotebookSize;
    /** Minutes of inactivity after which a notebook server is stopped; defaults to 60. */
    readonly idleCullMinutes?: number;
}

const defaultNotebookSize: NotebookSize = { cpuGuarantee: 0.5, cpuLimit: 2, memoryGuarantee: "2G", memoryLimit: "4G" };

/** `sc://spark-connect-35.spark-jobs.svc.cluster.local:15002` */
export function sparkRemote(version: string): string {
    const connect = serviceEndpoints.connect(version);
    return `sc://${serviceHost(connect)}:${connect.grpcPort}`;
}

function notebookImage(args: JupyterHubArgs, version: SparkVersion): string {
    const image = version === "3.5" ? args.images.jupyter35 : args.images.jupyter40;
    splitImage(image);
    return image;
}

/** One KubeSpawner profile per enabled Spark line, plus the GPU profile; pure. */
export function notebookProfiles(args: JupyterHubArgs): Record<string, unknown>[] {
    const size = args.notebookSize ?? defaultNotebookSize;
    const nodeSelector = systemNodeSelector(args.nodeGroups);
    const sizing = { cpu_guarantee: size.cpuGuarantee, cpu_limit: size.cpuLimit, mem_guarantee: size.memoryGuarantee, mem_limit: size.memoryLimit };
    const profiles: Record<string, unknown>[] = args.versions.map((version, i) => ({
        display_name: `Spark ${version} (Spark Connect)`,
        slug: `spark-${version.replace(".", "")}`,
        description: `Python notebook with PySpark ${version}, connected to the Spark ${version} Connect server.`,
        ...(i === 0 ? { default: true } : {}),
        kubespawner_override: {
            image: notebookImage(args, version),
            environment: { SPARK_REMOTE: sparkRemote(version) },
            ...sizing,
            ...(nodeSelector ? { node_selector: nodeSelector } : {}),
        },
    }));
    if (args.gpu && args.nodeGroups) {
        const version = args.versions[0];
        const gpu = onGpuNodes(1, { nodeGroups: true });
        profiles.push({
            display_name: `Spark ${version} with one GPU`,
            slug: "gpu",
            description: "The same notebook on a GPU node with one NVIDIA GPU, for RAPIDS and other GPU libraries.",
            kubespawner_override: {
                image: notebookImage(args, version),
                environment: { SPARK_REMOTE: sparkRemote(version) },
                ...sizing,
                node_selector: { ...gpu.placement.nodeSelector },
                tolerations: (gpu.placement.tolerations ?? []).map((t) => ({ ...t })),
                extra_resource_limits: { ...gpu.limits },
            },
        });
    }
    return profiles;
}

/** The chart values: pure, so tests check them directly. */
export function jupyterhubValues(args: JupyterHubArgs): Record<string, unknown> {
    if (args.versions.length === 0) throw new Error("jupyterhubValues: versions is empty; no notebook profile to offer");
    const size = args.notebookSize ?? defaultNotebookSize;
    const nodeSelector = systemNodeSelector(args.nodeGroups);
    const placement = nodeSelector ? { nodeSelector } : {};
    const defaultImage = splitImage(notebookImage(args, args.versions[0]));
    const notebookContainer = containerSecurityContext({ readOnlyRootFilesystem: false, runAsUser: notebookUserId, runAsGroup: notebookGroupId });
    const storageClass = args.storageClassName ? { storageClassName: args.storageClassName } : {};
    return {
        hub: {
            ...placement,
            resources: chartResources("100m", "512Mi", "1Gi"),
            podSecurityContext: podSecurityContext(notebookUserId),
            // The hub writes its SQLite database on its volume and Python caches under its home.
            containerSecurityContext: containerSecurityContext({ readOnlyRootFilesystem: false, runAsUser: notebookUserId, runAsGroup: notebookUserId }),
            ...(args.storageClassName ? { db: { pvc: { ...storageClass } } } : {}),
            config: {
                // KubeSpawner applies these to every notebook pod, on top of singleuser.uid/fsGid.
                KubeSpawner: {
                    container_security_context: notebookContainer,
                    pod_security_context: { runAsNonRoot: true, runAsUser: notebookUserId, fsGroup: notebookGroupId, seccompProfile: { type: "RuntimeDefault" } },
                },
            },
        },
        proxy: {
            service: { type: "ClusterIP" },
            https: { enabled: false },
            chp: {
                ...placement,
                resources: chartResources("50m", "128Mi", "256Mi"),
                containerSecurityContext: containerSecurityContext({ readOnlyRootFilesystem: true, runAsUser: proxyUserId, runAsGroup: proxyUserId }),
            },
        },
        singleuser: {
            // A digest goes into the name with an empty tag, so the chart appends nothing.
            image: defaultImage.tag ? { name: defaultImage.repository, tag: defaultImage.tag } : { name: `${defaultImage.repository}@${defaultImage.digest}`, tag: "" },
            uid: notebookUserId,
            fsGid: notebookGroupId,
            allowPrivilegeEscalation: false,
            cloudMetadata: { blockWithIptables: false },
            ...placement,
            cpu: { guarantee: size.cpuGuarantee, limit: size.cpuLimit },
            memory: { guarantee: size.memoryGuarantee, limit: size.memoryLimit },
            extraEnv: { SPARK_REMOTE: sparkRemote(args.versions[0]) },
            storage: { type: "dynamic", capacity: "10Gi", ...(args.storageClassName ? { dynamic: { storageClass: args.storageClassName } } : {}) },
            profileList: notebookProfiles(args),
        },
        scheduling: {
            userScheduler: { enabled: false },
            userPlaceholder: { enabled: false },
            podPriority: { enabled: false },
        },
        prePuller: { hook: { enabled: false }, continuous: { enabled: false } },
        cull: { enabled: true, timeout: (args.idleCullMinutes ?? 60) * 60, every: 600 },
    };
}

export class JupyterHub extends pulumi.ComponentResource {
    readonly chart: k8s.helm.v4.Chart;

    constructor(name: string, args: JupyterHubArgs, opts?: pulumi.ComponentResourceOptions) {
        super("spark-k8s:services:JupyterHub", name, {}, opts);
        const ref = charts.jupyterhub;
        this.chart = new k8s.helm.v4.Chart(
            name,
            {
                name: "jupyterhub",
                chart: ref.chart,
                version: ref.version,
                repositoryOpts: { repo: ref.repo },
                namespace: args.namespace,
                values: jupyterhubValues(args),
            },
            { parent: this },
        );
        this.registerOutputs({});
    }
}
