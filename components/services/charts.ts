/**
 * The third-party Helm charts the platform installs, pinned to exact versions in one table, and
 * the small pieces of chart values every service module shares (resources, security contexts,
 * system-node placement). Each service module names, in a comment, the values.yaml it checked
 * its keys against: Helm ignores a misspelt key silently unless the chart ships a strict schema.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { onSystemNodes } from "../kubernetes/scheduling";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../kubernetes/hardening";
import { ImageRef, parsePinnedImage } from "../config/imageRef";

/** One chart: its name in the repository, the exact version, and the repository URL. */
export interface ChartRef {
    /** Chart name in the repository. */
    readonly chart: string;
    /** An exact semantic version, never a range. */
    readonly version: string;
    /** URL of the Helm repository, or an OCI registry path (oci://...) that holds the chart. */
    readonly repo: string;
}

/** Whether a chart lives in an OCI registry rather than a Helm repository. */
export function isOciChart(ref: ChartRef): boolean {
    return ref.repo.startsWith("oci://");
}

/**
 * How Helm and the Chart resource name a chart: `oci://<registry path>/<chart>` for an OCI chart,
 * the chart name and its repository otherwise.
 */
export function chartLocation(ref: ChartRef): { chart: string; repositoryOpts?: { repo: string } } {
    return isOciChart(ref) ? { chart: `${ref.repo}/${ref.chart}` } : { chart: ref.chart, repositoryOpts: { repo: ref.repo } };
}

/**
 * Pinned official charts. Upgrading one means re-checking every values key the module sets
 * against the new version's values.yaml (see the comment at the top of each module).
 */
export const charts = {
    /** Kubeflow Spark Operator; appVersion 2.4.0. 2.5.x exists but its values.yaml was not checked. */
    sparkOperator: { chart: "spark-operator", version: "2.4.0", repo: "https://kubeflow.github.io/spark-operator" },
    /** Zero to JupyterHub; 4.4.0 (JupyterHub 5.5.0) carries the 4.3.3-4.4.0 JupyterHub security fixes. */
    jupyterhub: { chart: "jupyterhub", version: "4.4.0", repo: "https://hub.jupyter.org/helm-chart/" },
    /** Apache Airflow's official chart; 1.22.0 deploys Airflow 3.2.2 by default, the platform image's version. */
    airflow: { chart: "airflow", version: "1.22.0", repo: "https://airflow.apache.org" },
    /** Kubernetes cluster-autoscaler; 9.50.1 ships autoscaler 1.33.0 (the image tag follows the cluster's minor). */
    clusterAutoscaler: { chart: "cluster-autoscaler", version: "9.50.1", repo: "https://kubernetes.github.io/autoscaler" },
    /** NVIDIA device plugin. */
    nvidiaDevicePlugin: { chart: "nvidia-device-plugin", version: "0.18.2", repo: "https://nvidia.github.io/k8s-device-plugin" },
    /**
     * Karpenter, from its official OCI chart; 1.13.0 is the release of upstream's v1.13 docs
     * (getting-started: KARPENTER_VERSION="1.13.0", cosign ref refs/tags/v1.13.0), which supports
     * Kubernetes 1.33 to 1.36 (karpenterKubernetesVersions). Only with cluster.nodeProvisioner "karpenter".
     */
    karpenter: { chart: "karpenter", version: "1.13.0", repo: "oci://public.ecr.aws/karpenter" },
    /**
     * kube-prometheus-stack 81.4.5: Prometheus Operator v0.88.0, kube-state-metrics chart 7.1.0,
     * prometheus-node-exporter 4.51.0, grafana 10.5.12 (its Chart.yaml). Only with services.observability.enabled.
     */
    kubePrometheusStack: { chart: "kube-prometheus-stack", version: "81.4.5", repo: "https://prometheus-community.github.io/helm-charts" },
    /** Grafana Tempo in single-binary mode; 1.10.1 ships Tempo 2.5.0. Only with services.observability.tracing.enabled. */
    tempo: { chart: "tempo", version: "1.10.1", repo: "https://grafana.github.io/helm-charts" },
    /**
     * External Secrets Operator v1.3.2 (release notes of v1.3.2; chart published as 1.3.2 at
     * charts.external-secrets.io). The newest release the Go module proxy serves, from which the
     * integration suite renders the chart and reads its CRDs. On every AWS stack.
     */
    externalSecrets: { chart: "external-secrets", version: "1.3.2", repo: "https://charts.external-secrets.io" },
    /**
     * Sealed Secrets controller; 2.19.3 is the chart of the sealed-secrets v0.40.0 tag (its Chart.yaml,
     * appVersion 0.39.1). Only with secrets.provider "sealed-secrets".
     */
    sealedSecrets: { chart: "sealed-secrets", version: "2.19.3", repo: "https://bitnami-labs.github.io/sealed-secrets" },
} as const satisfies Record<string, ChartRef>;

export type ChartName = keyof typeof charts;

/**
 * The one way the platform installs a chart: from the pinned table, under a fixed release name, as
 * a helm v4 Chart so policies see every rendered object at preview.
 */
export function pinnedChart(
    resourceName: string,
    chart: ChartName,
    release: { name?: string; namespace: pulumi.Input<string>; values: pulumi.Inputs },
    opts: pulumi.ComponentResourceOptions,
): k8s.helm.v4.Chart {
    const ref: ChartRef = charts[chart];
    return new k8s.helm.v4.Chart(
        resourceName,
        {
            ...(release.name ? { name: release.name } : {}),
            ...chartLocation(ref),
            version: ref.version,
            namespace: release.namespace,
            values: release.values,
        },
        opts,
    );
}

/** True for an exact version such as 2.4.0 (optionally with a pre-release or build suffix); false for ranges. */
export function isExactChartVersion(version: string): boolean {
    return /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.test(version);
}

/** Requests for a chart container, with the memory limit equal to the memory request unless given. */
export interface ChartResources {
    /** CPU and memory the container requests. */
    readonly requests: { readonly cpu: string; readonly memory: string };
    /** Memory limit only; chart containers get no CPU limit. */
    readonly limits: { readonly memory: string };
}

export function chartResources(cpu: string, memory: string, memoryLimit: string = memory): ChartResources {
    return { requests: { cpu, memory }, limits: { memory: memoryLimit } };
}

/** A container security context of the restricted profile, as a fresh plain object chart values can hold. */
export interface ChartContainerSecurityContext {
    readonly allowPrivilegeEscalation: false;
    readonly privileged: false;
    readonly capabilities: { readonly drop: string[] };
    readonly readOnlyRootFilesystem: boolean;
    readonly runAsNonRoot: true;
    readonly seccompProfile: { readonly type: "RuntimeDefault" };
    readonly runAsUser?: number;
    readonly runAsGroup?: number;
}

/** What containerSecurityContext lets a chart container vary within the restricted profile. */
export interface ContainerSecurityOptions {
    /** False only for images that write outside the volumes the chart mounts. */
    readonly readOnlyRootFilesystem: boolean;
    /** Pins the container's UID (never 0); omit to keep the pod's or the image's. */
    readonly runAsUser?: number;
    /** Pins the container's GID (never 0); omit to keep the pod's or the image's. */
    readonly runAsGroup?: number;
}

export function containerSecurityContext(options: ContainerSecurityOptions): ChartContainerSecurityContext {
    for (const [field, id] of [["runAsUser", options.runAsUser], ["runAsGroup", options.runAsGroup]] as const) {
        if (id !== undefined && (!Number.isInteger(id) || id <= 0)) throw new Error(`containerSecurityContext: ${field} must be a positive integer, got ${id}`);
    }
    return {
        allowPrivilegeEscalation: restrictedContainerSecurityContext.allowPrivilegeEscalation,
        privileged: restrictedContainerSecurityContext.privileged,
        capabilities: { drop: [...restrictedContainerSecurityContext.capabilities.drop] },
        readOnlyRootFilesystem: options.readOnlyRootFilesystem,
        runAsNonRoot: restrictedContainerSecurityContext.runAsNonRoot,
        seccompProfile: { type: "RuntimeDefault" },
        ...(options.runAsUser === undefined ? {} : { runAsUser: options.runAsUser }),
        ...(options.runAsGroup === undefined ? {} : { runAsGroup: options.runAsGroup }),
    };
}

/** The restricted pod security context as a fresh plain object. */
export function podSecurityContext(runAsUser: number, fsGroup?: number): Record<string, unknown> {
    return { ...restrictedPodSecurityContext(runAsUser, fsGroup), seccompProfile: { type: "RuntimeDefault" } };
}

/** `{ "spark-k8s/node-role": "system" }` where the platform made node groups; undefined on the local tier. */
export function systemNodeSelector(nodeGroups: boolean): Record<string, string> | undefined {
    return onSystemNodes({ nodeGroups }).nodeSelector;
}

/** Splits a pinned image reference into repository and tag (or digest); throws when it is not pinned. */
export function splitImage(ref: string): ImageRef {
    const parsed = parsePinnedImage(ref);
    if (!parsed) throw new Error(`image "${ref}" is not pinned; use a tag other than latest, or a @sha256 digest`);
    return parsed;
}
