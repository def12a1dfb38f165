/**
 * Namespaces with Pod Security Admission labels, and the quota and defaults of job namespaces.
 */
import * as k8s from "@pulumi/kubernetes";
import { gpuResource } from "../config/nodeRoles";

/**
 * Pod Security Standards levels a namespace may enforce. privileged is for node agents that must
 * reach the host (the NVIDIA device plugin's kubelet socket) and needs a recorded reason.
 */
export type PodSecurityLevel = "restricted" | "baseline" | "privileged";

/** How namespaceManifest labels a namespace: its Pod Security level and extra metadata. */
export interface NamespaceOptions {
    /** The level admission enforces; audit and warn always use restricted, so gaps show up in events and warnings. */
    readonly podSecurity: PodSecurityLevel;
    /** Kubernetes minor the policy version is pinned to, "1.33" or "v1.33", so upgrades never tighten it unseen. */
    readonly kubernetesVersion: string;
    /** Extra labels; keys under pod-security.kubernetes.io/ are refused. */
    readonly labels?: Record<string, string>;
    /** Extra annotations, kept beside the exemption annotation. */
    readonly annotations?: Record<string, string>;
    /** Why the namespace cannot be restricted; required for privileged, kept as an annotation. */
    readonly exemptionReason?: string;
}

const podSecurityPrefix = "pod-security.kubernetes.io/";
const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A Namespace object whose Pod Security Admission labels enforce, audit and warn at pinned versions. */
export function namespaceManifest(name: string, options: NamespaceOptions): k8s.types.input.core.v1.Namespace {
    const problems: string[] = [];
    if (!dnsLabel.test(name) || name.length > 63) problems.push(`name "${name}" is not a DNS-1123 label`);
    const version = /^v?(\d+\.\d+)$/.exec(options.kubernetesVersion);
    if (!version) problems.push(`kubernetesVersion "${options.kubernetesVersion}" is not a Kubernetes minor such as v1.33`);
    const podSecurity: string = options.podSecurity;
    if (podSecurity !== "restricted" && podSecurity !== "baseline" && podSecurity !== "privileged") {
        problems.push(`podSecurity "${podSecurity}" is not restricted, baseline or privileged`);
    }
    if (podSecurity === "privileged" && !options.exemptionReason) problems.push("podSecurity privileged needs an exemptionReason");
    const overridden = Object.keys(options.labels ?? {}).filter((k) => k.startsWith(podSecurityPrefix));
    if (overridden.length > 0) problems.push(`labels ${overridden.join(", ")} would override the Pod Security labels`);
    if (problems.length > 0) throw new Error(`namespace "${name}":\n  - ${problems.join("\n  - ")}`);

    const pinned = `v${version![1]}`;
    const podSecurityLabels = {
        [`${podSecurityPrefix}enforce`]: options.podSecurity,
        [`${podSecurityPrefix}enforce-version`]: pinned,
        [`${podSecurityPrefix}audit`]: "restricted",
        [`${podSecurityPrefix}audit-version`]: pinned,
        [`${podSecurityPrefix}warn`]: "restricted",
        [`${podSecurityPrefix}warn-version`]: pinned,
    };
    return {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: {
            name,
            labels: { ...options.labels, ...podSecurityLabels },
            ...(options.annotations || options.exemptionReason
                ? { annotations: { ...options.annotations, ...(options.exemptionReason ? { "spark-k8s/pod-security-exemption": options.exemptionReason } : {}) } }
                : {}),
        },
    };
}

/** The hard limits of a job namespace's ResourceQuota. */
export interface ResourceQuotaOptions {
    /** Total CPU all pods in the namespace may request. */
    readonly requestsCpu: string;
    /** Total memory all pods in the namespace may request. */
    readonly requestsMemory: string;
    /** Total memory limit; defaults to requestsMemory, as hardened and Spark pods limit memory at the request. */
    readonly limitsMemory?: string;
    /** Total CPU limit; unset by default, since Spark pods set no CPU limit unless asked. */
    readonly limitsCpu?: string;
    /** Total GPUs pods may request; unset means no GPU quota. */
    readonly gpus?: number;
    /** Total storage persistent volume claims may request. */
    readonly requestsStorage?: string;
    /** Object counts; defaults suit a namespace of Spark jobs. */
    readonly pods?: number;
    /** Services allowed; LoadBalancer and NodePort ones are refused whatever the count. */
    readonly services?: number;
    /** ConfigMaps allowed; Spark creates them for its drivers and executors. */
    readonly configMaps?: number;
    /** Volume claims allowed, such as on-demand executor claims. */
    readonly persistentVolumeClaims?: number;
    /** Defaults to "compute". */
    readonly name?: string;
}

/** Object-count defaults for a job namespace: room for many concurrent applications, no externally exposed services. */
export const jobNamespaceQuotaDefaults = { pods: 1000, services: 200, configMaps: 400, persistentVolumeClaims: 200 } as const;

/** A ResourceQuota for a job namespace; LoadBalancer and NodePort services are always refused. */
export function resourceQuota(namespace: string, options: ResourceQuotaOptions): k8s.types.input.core.v1.ResourceQuota {
    const hard: Record<string, string> = {
        "requests.cpu": options.requestsCpu,
        "requests.memory": options.requestsMemory,
        "limits.memory": options.limitsMemory ?? options.requestsMemory,
        pods: String(options.pods ?? jobNamespaceQuotaDefaults.pods),
        services: String(options.services ?? jobNamespaceQuotaDefaults.services),
        configmaps: String(options.configMaps ?? jobNamespaceQuotaDefaults.configMaps),
        persistentvolumeclaims: String(options.persistentVolumeClaims ?? jobNamespaceQuotaDefaults.persistentVolumeClaims),
        "services.loadbalancers": "0",
        "services.nodeports": "0",
    };
    if (options.limitsCpu !== undefined) hard["limits.cpu"] = options.limitsCpu;
    if (options.gpus !== undefined) hard[`requests.${gpuResource}`] = String(options.gpus);
    if (options.requestsStorage !== undefined) hard["requests.storage"] = options.requestsStorage;
    return {
        apiVersion: "v1",
        kind: "ResourceQuota",
        metadata: { name: options.name ?? "compute", namespace },
        spec: { hard },
    };
}

/** The per-container defaults and maximum of a job namespace's LimitRange. */
export interface LimitRangeOptions {
    /** Requests given to containers that declare none. */
    readonly defaultRequest?: { readonly cpu: string; readonly memory: string };
    /** Limits given to containers that declare none; memory defaults to the default memory request, CPU is unset unless given. */
    readonly defaultLimit?: { readonly memory: string; readonly cpu?: string };
    /** The most one container may ask for. */
    readonly max?: { readonly cpu?: string; readonly memory?: string };
    /** Defaults to "defaults". */
    readonly name?: string;
}

/** Requests for containers that declare none in a job namespace; the default memory limit equals the memory request. */
export const jobNamespaceDefaultRequest = { cpu: "250m", memory: "512Mi" } as const;

/**
 * A LimitRange giving containers without resources a request and a memory limit, so they pass the
 * quota and cannot take a node's memory.
 */
export function limitRange(namespace: string, options: LimitRangeOptions = {}): k8s.types.input.core.v1.LimitRange {
    const defaultRequest = options.defaultRequest ?? jobNamespaceDefaultRequest;
    const defaultLimit = options.defaultLimit ?? { memory: defaultRequest.memory };
    const limit: k8s.types.input.core.v1.LimitRangeItem = {
        type: "Container",
        defaultRequest: { cpu: defaultRequest.cpu, memory: defaultRequest.memory },
        default: { memory: defaultLimit.memory, ...(defaultLimit.cpu ? { cpu: defaultLimit.cpu } : {}) },
    };
    const max = Object.fromEntries(Object.entries(options.max ?? {}).filter((e): e is [string, string] => e[1] !== undefined));
    if (Object.keys(max).length > 0) limit.max = max;
    return {
        apiVersion: "v1",
        kind: "LimitRange",
        metadata: { name: options.name ?? "defaults", namespace },
        spec: { limits: [limit] },
    };
}
