/**
 * The one hardening helper every pod spec the program writes goes through: Deployments,
 * StatefulSets, Jobs, CronJobs and the Spark driver and executor pod templates. It turns a short
 * description of the containers into a pod spec that meets the Pod Security "restricted" profile
 * and the platform's own bar (requests and memory limits, pinned images, probes on servers), and
 * refuses, with every problem listed at once, what cannot meet it.
 */
import * as k8s from "@pulumi/kubernetes";
import { createHash } from "crypto";
import { isPinnedImage } from "../config/imageRef";
import { parseQuantity } from "./quantity";

type PodSpec = k8s.types.input.core.v1.PodSpec;
type Container = k8s.types.input.core.v1.Container;
type Volume = k8s.types.input.core.v1.Volume;
type VolumeMount = k8s.types.input.core.v1.VolumeMount;

/** Extended resources such as `nvidia.com/gpu` or `ephemeral-storage`, by name. */
export interface ExtendedResources {
    readonly [resource: string]: string | undefined;
}

/** Requests are required; the memory limit defaults to the memory request, CPU is never limited unless asked. */
export interface ContainerResources {
    /** CPU and memory requests, required and positive, plus extended resources such as GPUs. */
    readonly requests: { readonly cpu: string; readonly memory: string } & ExtendedResources;
    /** Limits; memory defaults to the memory request, CPU stays unlimited unless set here. */
    readonly limits?: { readonly cpu?: string; readonly memory?: string } & ExtendedResources;
}

/** A container's probes, as Kubernetes Probe objects; server pods need liveness and readiness. */
export interface ContainerProbes {
    /** The kubelet restarts the container when this fails. */
    readonly liveness?: k8s.types.input.core.v1.Probe;
    /** The pod leaves its Services' endpoints while this fails. */
    readonly readiness?: k8s.types.input.core.v1.Probe;
    /** Holds the other probes off until it first succeeds, for slow starts. */
    readonly startup?: k8s.types.input.core.v1.Probe;
}

/** A container as callers describe it; hardenPodSpec adds the security context and writable volumes. */
export interface ContainerSpec {
    /** DNS-1123 label, unique across the pod's containers and init containers. */
    readonly name: string;
    /** Pinned by a tag other than `latest` or by a `@sha256:` digest. */
    readonly image: string;
    /** Entrypoint, replacing the image's ENTRYPOINT. */
    readonly command?: string[];
    /** Arguments, replacing the image's CMD. */
    readonly args?: string[];
    /** Environment variables: values, or references to Secrets, ConfigMaps and pod fields. */
    readonly env?: k8s.types.input.core.v1.EnvVar[];
    /** Whole ConfigMaps or Secrets as environment variables. */
    readonly envFrom?: k8s.types.input.core.v1.EnvFromSource[];
    /** Ports the container listens on, named so Services and probes can refer to them. */
    readonly ports?: k8s.types.input.core.v1.ContainerPort[];
    /** Mounts of the pod's volumes; the writable paths' emptyDirs are mounted in addition. */
    readonly volumeMounts?: VolumeMount[];
    /** Requests (required) and limits; see ContainerResources. */
    readonly resources: ContainerResources;
    /** Liveness and readiness are required on every container of a server pod. */
    readonly probes?: ContainerProbes;
    /** Defaults to true; set false only for images that write outside their writable paths. */
    readonly readOnlyRootFilesystem?: boolean;
    /** Directories the container writes to; each becomes an emptyDir mounted there. */
    readonly writablePaths?: string[];
    /** Working directory; the image's when unset. */
    readonly workingDir?: string;
    /** Overrides the pod's UID for this container; never 0. */
    readonly runAsUser?: number;
    /** Always refused; present so a request for it is reported rather than silently dropped. */
    readonly privileged?: boolean;
}

/** A pod as callers describe it. */
export interface PodSpecInput {
    /** The main containers; at least one. */
    readonly containers: ContainerSpec[];
    /** Run to completion, in order, before the main containers; hardened the same way. */
    readonly initContainers?: ContainerSpec[];
    /** Volumes besides the writable-path emptyDirs; hostPath is refused. */
    readonly volumes?: Volume[];
    /** Service account the pod runs as; the namespace's default when unset. */
    readonly serviceAccountName?: string;
    /** Defaults to false: only pods that call the Kubernetes API get a token. */
    readonly automountServiceAccountToken?: boolean;
    /** Node labels the pod must land on; usually spread from a Placement. */
    readonly nodeSelector?: Record<string, string>;
    /** Taints the pod tolerates; usually spread from a Placement. */
    readonly tolerations?: k8s.types.input.core.v1.Toleration[];
    /** Node and pod affinity rules, passed through as given. */
    readonly affinity?: k8s.types.input.core.v1.Affinity;
    /** Defaults to 185, the spark user of the apache/spark images; never 0. */
    readonly runAsUser?: number;
    /** Defaults to runAsUser; never 0. */
    readonly runAsGroup?: number;
    /** Group that owns mounted volumes; defaults to runAsGroup. */
    readonly fsGroup?: number;
    /** PriorityClass of the pod, for scheduling order and preemption. */
    readonly priorityClassName?: string;
    /** Seconds the containers get between SIGTERM and SIGKILL; Kubernetes defaults to 30. */
    readonly terminationGracePeriodSeconds?: number;
    /** A long-running server: every container needs liveness and readiness probes. */
    readonly server?: boolean;
    /** Kubernetes defaults to Always; Jobs and Spark executors use OnFailure or Never. */
    readonly restartPolicy?: "Always" | "OnFailure" | "Never";
    /** Defaults to false: no service environment variables injected into containers. */
    readonly enableServiceLinks?: boolean;
    /** Always refused when true, like hostPID and hostIPC. */
    readonly hostNetwork?: boolean;
    /** Always refused when true; present so a request for it is reported rather than dropped. */
    readonly hostPID?: boolean;
    /** Always refused when true, like hostNetwork and hostPID. */
    readonly hostIPC?: boolean;
}

/** The UID and GID of the spark user in the apache/spark images. */
export const sparkUserId = 185;

/** Container security context of the restricted profile, read-only root included. */
export interface RestrictedContainerSecurityContext {
    readonly allowPrivilegeEscalation: false;
    readonly privileged: false;
    readonly capabilities: { readonly drop: readonly ["ALL"] };
    readonly readOnlyRootFilesystem: boolean;
    readonly runAsNonRoot: true;
    readonly seccompProfile: { readonly type: "RuntimeDefault" };
}

/** Pod security context of the restricted profile. */
export interface RestrictedPodSecurityContext {
    readonly runAsNonRoot: true;
    readonly runAsUser: number;
    readonly runAsGroup: number;
    readonly fsGroup: number;
    readonly fsGroupChangePolicy: "OnRootMismatch";
    readonly seccompProfile: { readonly type: "RuntimeDefault" };
}

/**
 * The container security context for Helm chart values, so charts meet the same bar as the pods
 * built here. Spread it and set readOnlyRootFilesystem false for images that need a writable root.
 */
export const restrictedContainerSecurityContext: RestrictedContainerSecurityContext = deepFreeze({
    allowPrivilegeEscalation: false,
    privileged: false,
    capabilities: { drop: ["ALL"] },
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    seccompProfile: { type: "RuntimeDefault" },
});

/** The pod security context for Helm chart values; fsGroup defaults to the UID's group. */
export function restrictedPodSecurityContext(runAsUser: number, fsGroup?: number): RestrictedPodSecurityContext {
    const problems = [...idProblems("runAsUser", runAsUser), ...(fsGroup === undefined ? [] : idProblems("fsGroup", fsGroup))];
    if (problems.length > 0) throw new Error(`invalid pod security context: ${problems.join("; ")}`);
    return {
        runAsNonRoot: true,
        runAsUser,
        runAsGroup: runAsUser,
        fsGroup: fsGroup ?? runAsUser,
        fsGroupChangePolicy: "OnRootMismatch",
        seccompProfile: { type: "RuntimeDefault" },
    };
}

/** Builds a hardened pod spec; throws one Error listing every problem when the input cannot be hardened. */
export function hardenPodSpec(input: PodSpecInput): PodSpec {
    const runAsUser = input.runAsUser ?? sparkUserId;
    const runAsGroup = input.runAsGroup ?? runAsUser;
    const fsGroup = input.fsGroup ?? runAsGroup;
    const allContainers = [...(input.initContainers ?? []), ...input.containers];
    const writable = writableVolumes(allContainers);
    const problems = [
        ...podProblems(input, { runAsUser, runAsGroup, fsGroup }),
        ...allContainers.flatMap((c) => containerProblems(c, label(c, input), input.server === true && input.containers.includes(c), writable)),
        ...volumeProblems([...(input.volumes ?? []), ...writable.values()]),
    ];
    if (problems.length > 0) throw new Error(`pod spec cannot be hardened:\n  - ${problems.join("\n  - ")}`);

    const spec: PodSpec = {
        securityContext: { ...restrictedPodSecurityContext(runAsUser, fsGroup), runAsGroup },
        automountServiceAccountToken: input.automountServiceAccountToken ?? false,
        enableServiceLinks: input.enableServiceLinks ?? false,
        containers: input.containers.map((c) => hardenContainer(c, writable)),
        volumes: [...(input.volumes ?? []), ...writable.values()],
    };
    if (input.initContainers && input.initContainers.length > 0) spec.initContainers = input.initContainers.map((c) => hardenContainer(c, writable));
    const optional = {
        serviceAccountName: input.serviceAccountName,
        nodeSelector: input.nodeSelector,
        tolerations: input.tolerations,
        affinity: input.affinity,
        priorityClassName: input.priorityClassName,
        terminationGracePeriodSeconds: input.terminationGracePeriodSeconds,
        restartPolicy: input.restartPolicy,
    };
    for (const [key, value] of Object.entries(optional)) {
        if (value !== undefined) Object.assign(spec, { [key]: value });
    }
    return spec;
}

function hardenContainer(c: ContainerSpec, writable: Map<string, Volume>): Container {
    const readOnlyRootFilesystem = c.readOnlyRootFilesystem ?? true;
    const mounts: VolumeMount[] = [
        ...(c.volumeMounts ?? []),
        ...writablePathsOf(c).map((path) => ({ name: writable.get(path)!.name, mountPath: path })),
    ];
    const container: Container = {
        name: c.name,
        image: c.image,
        resources: hardenedResources(c.resources),
        securityContext: {
            ...restrictedContainerSecurityContext,
            capabilities: { drop: ["ALL"] },
            seccompProfile: { type: "RuntimeDefault" },
            readOnlyRootFilesystem,
            ...(c.runAsUser === undefined ? {} : { runAsUser: c.runAsUser }),
        },
    };
    const optional: Partial<Container> = {
        command: c.command,
        args: c.args,
        workingDir: c.workingDir,
        env: c.env,
        envFrom: c.envFrom,
        ports: c.ports,
        volumeMounts: mounts.length > 0 ? mounts : undefined,
        livenessProbe: c.probes?.liveness,
        readinessProbe: c.probes?.readiness,
        startupProbe: c.probes?.startup,
    };
    for (const [key, value] of Object.entries(optional)) {
        if (value !== undefined) Object.assign(container, { [key]: value });
    }
    return container;
}

function hardenedResources(resources: ContainerResources): { requests: Record<string, string>; limits: Record<string, string> } {
    const defined = (values: ExtendedResources | undefined) =>
        Object.fromEntries(Object.entries(values ?? {}).filter((e): e is [string, string] => e[1] !== undefined));
    const requests = defined(resources.requests);
    const limits = defined(resources.limits);
    limits.memory ??= requests.memory;
    return { requests, limits };
}

/** The writable paths a container gets: its own, plus /tmp when its root is read-only and nothing mounts /tmp. */
function writablePathsOf(c: ContainerSpec): string[] {
    const paths = (c.writablePaths ?? []).map(normalizePath);
    const mounted = new Set((c.volumeMounts ?? []).map((m) => m.mountPath));
    if ((c.readOnlyRootFilesystem ?? true) && !paths.includes("/tmp") && !mounted.has("/tmp")) paths.push("/tmp");
    return [...new Set(paths)];
}

/** One emptyDir per distinct writable path in the pod, shared by the containers that write there. */
function writableVolumes(containers: ContainerSpec[]): Map<string, Volume> {
    const paths = [...new Set(containers.flatMap(writablePathsOf))].filter((p) => p.startsWith("/") && p !== "/");
    const names = paths.map(writableVolumeName);
    const clashes = new Set(names.filter((n, i) => names.indexOf(n) !== i));
    return new Map(paths.map((path, i) => [path, { name: clashes.has(names[i]) ? hashedName(path) : names[i], emptyDir: {} }]));
}

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A deterministic DNS-1123 label for the emptyDir behind a writable path: `/opt/spark/work-dir` → `writable-opt-spark-work-dir`. */
function writableVolumeName(path: string): string {
    const name = `writable-${path.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "")}`;
    return name.length <= 63 && dnsLabel.test(name) ? name : hashedName(path);
}

function hashedName(path: string): string {
    const slug = path.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40).replace(/-+$/, "");
    const hash = createHash("sha256").update(path).digest("hex").slice(0, 10);
    return slug ? `writable-${slug}-${hash}` : `writable-${hash}`;
}

function normalizePath(path: string): string {
    return path.length > 1 ? path.replace(/\/+$/, "") : path;
}

function label(c: ContainerSpec, input: PodSpecInput): string {
    return `${input.initContainers?.includes(c) ? "initContainer" : "container"} "${c.name}"`;
}

function idProblems(field: string, id: number, where = ""): string[] {
    const prefix = where ? `${where}: ` : "";
    if (!Number.isInteger(id) || id < 0) return [`${prefix}${field} ${id} is not a valid ID`];
    return id === 0 ? [`${prefix}${field} is 0 (root); use a non-root ID`] : [];
}

/** Group IDs derived from runAsUser are not reported again. */
function podProblems(input: PodSpecInput, ids: { runAsUser: number; runAsGroup: number; fsGroup: number }): string[] {
    const problems = [
        ...idProblems("runAsUser", ids.runAsUser, "pod"),
        ...(input.runAsGroup === undefined ? [] : idProblems("runAsGroup", ids.runAsGroup, "pod")),
        ...(input.fsGroup === undefined ? [] : idProblems("fsGroup", ids.fsGroup, "pod")),
    ];
    for (const field of ["hostNetwork", "hostPID", "hostIPC"] as const) {
        if (input[field]) problems.push(`pod: ${field} is not allowed`);
    }
    if (input.containers.length === 0) problems.push("pod: containers is empty; a pod needs at least one container");
    const names = [...(input.initContainers ?? []), ...input.containers].map((c) => c.name);
    for (const name of new Set(names.filter((n, i) => names.indexOf(n) !== i))) {
        problems.push(`container "${name}": name is used by more than one container or init container`);
    }
    return problems;
}

/** The value of a positive Kubernetes quantity, or undefined (not a quantity, zero or negative). */
function quantityValue(value: string): number | undefined {
    // parseQuantity trims; a padded quantity is not one the API server takes as written.
    if (value !== value.trim()) return undefined;
    const v = parseQuantity(value);
    return v !== undefined && v > 0 ? v : undefined;
}

function resourceProblems(c: ContainerSpec, where: string): string[] {
    const problems: string[] = [];
    const requests: ExtendedResources = c.resources?.requests ?? {};
    const limits: ExtendedResources = c.resources?.limits ?? {};
    for (const resource of ["cpu", "memory"]) {
        const value = requests[resource];
        if (value === undefined || value === "") problems.push(`${where}: resources.requests.${resource} is missing`);
        else if (!quantityValue(value)) problems.push(`${where}: resources.requests.${resource} "${value}" is not a positive Kubernetes quantity`);
    }
    for (const resource of ["cpu", "memory"]) {
        const limit = limits[resource];
        if (limit === undefined) continue;
        const limitValue = quantityValue(limit);
        const requestValue = quantityValue(requests[resource] ?? "");
        if (!limitValue) problems.push(`${where}: resources.limits.${resource} "${limit}" is not a positive Kubernetes quantity`);
        else if (requestValue && limitValue < requestValue) problems.push(`${where}: resources.limits.${resource} ${limit} is below the request ${requests[resource]}`);
    }
    return problems;
}

function containerProblems(c: ContainerSpec, where: string, server: boolean, writable: Map<string, Volume>): string[] {
    const problems: string[] = [];
    if (!dnsLabel.test(c.name) || c.name.length > 63) problems.push(`${where}: name is not a DNS-1123 label`);
    if (typeof c.image !== "string" || !isPinnedImage(c.image)) {
        problems.push(`${where}: image "${c.image}" is not pinned; use a tag other than latest, or a @sha256 digest`);
    }
    problems.push(...resourceProblems(c, where));
    if (c.privileged) problems.push(`${where}: privileged is not allowed`);
    if (c.runAsUser !== undefined) problems.push(...idProblems("runAsUser", c.runAsUser, where));
    if (server) {
        for (const probe of ["liveness", "readiness"] as const) {
            if (!c.probes?.[probe]) problems.push(`${where}: probes.${probe} is required on a server`);
        }
    }
    for (const path of c.writablePaths ?? []) {
        if (!path.startsWith("/") || normalizePath(path) === "/") problems.push(`${where}: writablePaths entry "${path}" is not an absolute path below /`);
    }
    const mountPaths = [...(c.volumeMounts ?? []).map((m) => m.mountPath), ...writablePathsOf(c).filter((p) => writable.has(p))];
    for (const path of new Set(mountPaths.filter((p, i) => mountPaths.indexOf(p) !== i))) {
        problems.push(`${where}: mountPath ${text(path)} is mounted more than once (volumeMounts and writablePaths overlap)`);
    }
    return problems;
}

function volumeProblems(volumes: Volume[]): string[] {
    const problems: string[] = [];
    for (const v of volumes) {
        if (v.hostPath !== undefined) problems.push(`volume "${text(v.name)}": hostPath volumes are not allowed`);
    }
    const names = volumes.map((v) => v.name);
    for (const name of new Set(names.filter((n, i) => names.indexOf(n) !== i))) {
        problems.push(`volume "${text(name)}": name is used by more than one volume`);
    }
    return problems;
}

/** A plain string as itself; a Pulumi output, which cannot be read here, as a placeholder. */
function text(value: unknown): string {
    return typeof value === "string" ? value : "<computed>";
}

function deepFreeze<T extends object>(value: T): T {
    for (const inner of Object.values(value)) {
        if (typeof inner === "object" && inner !== null) deepFreeze(inner as object);
    }
    return Object.freeze(value);
}
