/**
 * Every pod spec a resource carries, wherever the kind keeps it: bare Pods, workload controllers,
 * Jobs and CronJobs, SparkApplication driver/executor specs, and pod templates stored in
 * ConfigMaps (Spark executor templates). Rules over pods read these instead of each kind.
 */
import { parse as parseYaml } from "yaml";
import { at, listAt, textAt } from "./props";

/** Where a pod runs in Spark terms, when the resource says so. */
export type PodRole = "driver" | "executor" | "server" | "job" | "unknown";

export interface FoundPodSpec {
    /** Property path of the spec inside the resource, for messages. */
    readonly path: string;
    readonly spec: Record<string, unknown>;
    readonly role: PodRole;
    /** Labels of the pod template, when the kind has them. */
    readonly labels: Record<string, string>;
}

export interface FoundContainer {
    readonly kind: "containers" | "initContainers" | "ephemeralContainers";
    readonly index: number;
    readonly container: Record<string, unknown>;
}

const k8s = (group: string, kind: string) => `kubernetes:${group}:${kind}`;
export const podBearingTypes = {
    pod: k8s("core/v1", "Pod"),
    deployment: k8s("apps/v1", "Deployment"),
    statefulSet: k8s("apps/v1", "StatefulSet"),
    daemonSet: k8s("apps/v1", "DaemonSet"),
    replicaSet: k8s("apps/v1", "ReplicaSet"),
    job: k8s("batch/v1", "Job"),
    cronJob: k8s("batch/v1", "CronJob"),
    sparkApplication: k8s("sparkoperator.k8s.io/v1beta2", "SparkApplication"),
    scheduledSparkApplication: k8s("sparkoperator.k8s.io/v1beta2", "ScheduledSparkApplication"),
    configMap: k8s("core/v1", "ConfigMap"),
} as const;

const asRecord = (v: unknown): Record<string, unknown> | undefined => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
const labelsOf = (meta: unknown): Record<string, string> => (asRecord(at(meta, "labels")) as Record<string, string>) ?? {};

function roleFromLabels(labels: Record<string, string>): PodRole {
    const role = labels["spark-role"] ?? labels["spark-k8s/role"];
    if (role === "driver" || role === "executor") return role;
    return "unknown";
}

/**
 * A SparkApplication's driver or executor as a pod spec: the operator builds the pod from these
 * fields, so rules see them as containers with resources derived from cores and memory.
 */
function sparkApplicationPod(spec: Record<string, unknown>, role: "driver" | "executor", path: string): FoundPodSpec | undefined {
    const s = asRecord(spec[role]);
    if (!s) return undefined;
    const memory = textAt(s, "memory");
    const overhead = textAt(s, "memoryOverhead");
    const scalar = (v: unknown) => (typeof v === "number" || typeof v === "string" ? String(v) : undefined);
    const cores = scalar(at(s, "cores"));
    const coreLimit = scalar(at(s, "coreLimit"));
    const container: Record<string, unknown> = {
        name: `spark-kubernetes-${role}`,
        image: textAt(s, "image") ?? textAt(spec, "image"),
        securityContext: at(s, "securityContext"),
        resources: {
            requests: { ...(cores !== undefined ? { cpu: cores } : {}), ...(memory ? { memory } : {}) },
            limits: { ...(coreLimit !== undefined ? { cpu: coreLimit } : {}), ...(memory ? { memory } : {}) },
        },
        ...(overhead ? { memoryOverhead: overhead } : {}),
        ...(at(s, "gpu") !== undefined ? { gpu: at(s, "gpu") } : {}),
    };
    return {
        path: `${path}.${role}`,
        spec: {
            containers: [container],
            initContainers: listAt(s, "initContainers"),
            nodeSelector: at(s, "nodeSelector"),
            tolerations: at(s, "tolerations"),
            affinity: at(s, "affinity"),
            securityContext: at(s, "podSecurityContext"),
            hostNetwork: at(s, "hostNetwork"),
            volumes: listAt(spec, "volumes"),
            serviceAccountName: textAt(s, "serviceAccount"),
            priorityClassName: at(s, "priorityClassName"),
        },
        role,
        labels: labelsOf({ labels: at(s, "labels") }),
    };
}

function templatesInConfigMap(props: Record<string, unknown>): FoundPodSpec[] {
    const data = asRecord(props.data) ?? {};
    const found: FoundPodSpec[] = [];
    for (const [key, text] of Object.entries(data)) {
        if (typeof text !== "string" || !/\bkind"?\s*:\s*"?Pod\b/.test(text)) continue;
        let doc: unknown;
        try {
            doc = parseYaml(text);
        } catch {
            continue;
        }
        const spec = asRecord(at(doc, "spec"));
        if (textAt(doc, "kind") === "Pod" && spec) {
            const labels = labelsOf(at(doc, "metadata"));
            const role = roleFromLabels(labels);
            found.push({ path: `data.${key}.spec`, spec, role: role === "unknown" && /executor/i.test(key) ? "executor" : role, labels });
        }
    }
    return found;
}

/** Every pod spec in a resource's properties, by its Pulumi type token. */
export function podSpecsOf(type: string, props: Record<string, unknown>): FoundPodSpec[] {
    const t = podBearingTypes;
    const template = (path: string[], role: PodRole): FoundPodSpec[] => {
        const spec = asRecord(at(props, ...path, "spec"));
        if (!spec) return [];
        const labels = labelsOf(at(props, ...path, "metadata"));
        const fromLabels = roleFromLabels(labels);
        return [{ path: [...path, "spec"].join("."), spec, role: fromLabels === "unknown" ? role : fromLabels, labels }];
    };
    switch (type) {
        case t.pod:
            return [{ path: "spec", spec: asRecord(props.spec) ?? {}, role: roleFromLabels(labelsOf(props.metadata)), labels: labelsOf(props.metadata) }];
        case t.deployment:
        case t.statefulSet:
        case t.daemonSet:
        case t.replicaSet:
            return template(["spec", "template"], "server");
        case t.job:
            return template(["spec", "template"], "job");
        case t.cronJob:
            return template(["spec", "jobTemplate", "spec", "template"], "job");
        case t.sparkApplication:
        case t.scheduledSparkApplication: {
            const path = type === t.sparkApplication ? ["spec"] : ["spec", "template"];
            const spec = asRecord(at(props, ...path)) ?? {};
            return (["driver", "executor"] as const).flatMap((role) => sparkApplicationPod(spec, role, path.join(".")) ?? []);
        }
        case t.configMap:
            return templatesInConfigMap(props);
        default:
            return [];
    }
}

/** Every container of a pod spec: containers, initContainers and ephemeralContainers. */
export function containersOf(spec: Record<string, unknown>): FoundContainer[] {
    return (["containers", "initContainers", "ephemeralContainers"] as const).flatMap((kind) =>
        listAt(spec, kind).flatMap((c, index) => {
            const container = asRecord(c);
            return container ? [{ kind, index, container }] : [];
        }),
    );
}

/** "Deployment spark-connect-35, containers[0] (spark-connect)": where a violation is. */
export function describeContainer(resourceName: string, found: FoundPodSpec, c: FoundContainer): string {
    const name = textAt(c.container, "name");
    return `${resourceName} ${found.path}.${c.kind}[${c.index}]${name ? ` (${name})` : ""}`;
}
