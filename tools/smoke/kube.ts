/**
 * The smoke test's access to the cluster, through @kubernetes/client-node (the kubeconfig, its
 * credentials and exec plugins such as `aws eks get-token`, the typed API calls). Service proxy
 * GETs use the library's request options with Node's http(s): its generated
 * connectGetNamespacedServiceProxyWithPath URL-encodes the slashes of the path (1.4.0).
 */
import * as k8s from "@kubernetes/client-node";
import * as http from "http";
import * as https from "https";
import { ProxiedService } from "./plan";
import { daemonSetStatus, deploymentStatus, statefulSetStatus, WorkloadStatus } from "./workloads";

/** Labels of every pod the smoke test creates, so a leftover is easy to find: `kubectl get pods -A -l app.kubernetes.io/name=spark-k8s-smoke`. */
export const smokePodLabels = { "app.kubernetes.io/name": "spark-k8s-smoke", "app.kubernetes.io/managed-by": "spark-k8s-smoke" } as const;

/**
 * A check pod from a hardened spec: the smoke labels with its component, and a deadline after
 * which the kubelet stops it, so a check abandoned by a killed run still ends by itself.
 */
export function checkPod(options: { name: string; namespace: string; component: string; spec: unknown; deadlineSeconds: number }): k8s.V1Pod {
    return {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: options.name, namespace: options.namespace, labels: { ...smokePodLabels, "app.kubernetes.io/component": options.component } },
        spec: { ...(options.spec as k8s.V1PodSpec), activeDeadlineSeconds: options.deadlineSeconds },
    };
}

/** Where the kubeconfig comes from, first match wins. */
export interface KubeconfigSource {
    /** A kubeconfig file (--kubeconfig). */
    readonly file?: string;
    /** Kubeconfig text: the stack's `kubeconfig` output. */
    readonly text?: string;
    /** The context to use; the kubeconfig's current context when unset. */
    readonly context?: string;
}

/** The kubeconfig to use; without a file or text, the default one (KUBECONFIG, ~/.kube/config, in-cluster). */
export function loadKubeConfig(source: KubeconfigSource): k8s.KubeConfig {
    const kc = new k8s.KubeConfig();
    if (source.file) kc.loadFromFile(source.file);
    else if (source.text) kc.loadFromString(source.text);
    else kc.loadFromDefault();
    if (source.context) {
        if (!kc.getContextObject(source.context)) throw new Error(`the kubeconfig has no context ${source.context}; it has: ${kc.getContexts().map((c) => c.name).join(", ") || "none"}`);
        kc.setCurrentContext(source.context);
    }
    if (!kc.getCurrentCluster()) throw new Error(`the kubeconfig's context ${kc.getCurrentContext() || "(none)"} names no cluster`);
    return kc;
}

/** The outcome of a pod run to completion. */
export interface PodRun {
    readonly phase: string;
    /** The container's log (stdout and stderr), when it started. */
    readonly logs: string;
    /** Why it did not finish: a timeout or a waiting reason such as ImagePullBackOff. */
    readonly problem?: string;
    readonly deleted: boolean;
}

/** What the smoke checks need from a cluster. */
export interface SmokeCluster {
    /** The API server URL. */
    readonly server: string;
    workloads(namespace: string, selector?: string): Promise<WorkloadStatus[]>;
    /** Creates the pod, waits until it ends (or the time is up), reads its log, deletes it unless `keep`. */
    runPod(pod: k8s.V1Pod, options: { timeoutSeconds: number; keep?: boolean; pollSeconds?: number }): Promise<PodRun>;
    /**
     * GET target.path through the API server's service proxy. Only for services that need no
     * credentials of their own: the API server drops the Authorization header it authenticated.
     */
    proxyGet(target: ProxiedService, options?: { timeoutSeconds?: number }): Promise<{ status: number; body: string }>;
}

/** An API error's message with its status and the server's message. */
export function apiErrorDetail(err: unknown): string {
    if (err instanceof k8s.ApiException) {
        const body = err.body as { message?: string } | string | undefined;
        const message = typeof body === "string" ? (() => {
            try {
                return (JSON.parse(body) as { message?: string }).message ?? body;
            } catch {
                return body;
            }
        })() : body?.message;
        return `HTTP ${err.code}${message ? `: ${String(message).slice(0, 500)}` : ""}`;
    }
    const e = err as { message?: string; cause?: { code?: string } };
    return [e.message ?? String(err), e.cause?.code].filter(Boolean).join(": ");
}

/** Waiting reasons that do not go away by waiting. */
const stuckReasons = new Set(["ErrImagePull", "ImagePullBackOff", "InvalidImageName", "CreateContainerConfigError", "CreateContainerError"]);

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class KubeCluster implements SmokeCluster {
    readonly server: string;
    private readonly core: k8s.CoreV1Api;
    private readonly apps: k8s.AppsV1Api;

    constructor(private readonly kc: k8s.KubeConfig) {
        this.server = kc.getCurrentCluster()!.server.replace(/\/+$/, "");
        this.core = kc.makeApiClient(k8s.CoreV1Api);
        this.apps = kc.makeApiClient(k8s.AppsV1Api);
    }

    async workloads(namespace: string, selector?: string): Promise<WorkloadStatus[]> {
        const q = { namespace, ...(selector ? { labelSelector: selector } : {}) };
        const [d, st, ds] = await Promise.all([this.apps.listNamespacedDeployment(q), this.apps.listNamespacedStatefulSet(q), this.apps.listNamespacedDaemonSet(q)]);
        return [...d.items.map(deploymentStatus), ...st.items.map(statefulSetStatus), ...ds.items.map(daemonSetStatus)];
    }

    async runPod(pod: k8s.V1Pod, options: { timeoutSeconds: number; keep?: boolean; pollSeconds?: number }): Promise<PodRun> {
        const namespace = pod.metadata!.namespace!;
        const name = pod.metadata!.name!;
        await this.core.createNamespacedPod({ namespace, body: pod });
        let phase = "Pending";
        let problem: string | undefined;
        let logs = "";
        let deleted = false;
        try {
            const deadline = Date.now() + options.timeoutSeconds * 1000;
            for (;;) {
                const current = await this.core.readNamespacedPod({ name, namespace });
                phase = current.status?.phase ?? "Unknown";
                if (phase === "Succeeded" || phase === "Failed") break;
                const waiting = current.status?.containerStatuses?.map((c) => c.state?.waiting).find((w) => w?.reason && stuckReasons.has(w.reason));
                if (waiting) {
                    problem = `${waiting.reason}: ${waiting.message ?? ""}`.trim();
                    break;
                }
                const unschedulable = current.status?.conditions?.find((c) => c.type === "PodScheduled" && c.status === "False" && c.reason === "Unschedulable");
                if (Date.now() >= deadline) {
                    problem = `still ${phase} after ${options.timeoutSeconds} s${unschedulable ? ` (unschedulable: ${unschedulable.message ?? ""})` : ""}`;
                    break;
                }
                await sleep((options.pollSeconds ?? 2) * 1000);
            }
            if (phase !== "Pending") logs = await this.core.readNamespacedPodLog({ name, namespace }).catch((err) => `(no log: ${apiErrorDetail(err)})`);
        } finally {
            if (!options.keep) {
                await this.core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 0 }).then(
                    () => (deleted = true),
                    (err) => (problem = [problem, `the pod ${namespace}/${name} could not be deleted: ${apiErrorDetail(err)}`].filter(Boolean).join("; ")),
                );
            }
        }
        return { phase, logs, deleted, ...(problem ? { problem } : {}) };
    }

    async proxyGet(target: ProxiedService, options: { timeoutSeconds?: number } = {}): Promise<{ status: number; body: string }> {
        const url = new URL(`${this.server}/api/v1/namespaces/${encodeURIComponent(target.namespace)}/services/${encodeURIComponent(`${target.service}:${target.port}`)}/proxy${target.path}`);
        const opts: https.RequestOptions = { method: "GET", headers: { accept: "application/json" } };
        await this.kc.applyToHTTPSOptions(opts);
        const client = url.protocol === "https:" ? https : http;
        const seconds = options.timeoutSeconds ?? 15;
        return new Promise((resolve, reject) => {
            const req = client.request(url, { ...opts, timeout: seconds * 1000 }, (res) => {
                const chunks: Buffer[] = [];
                res.on("data", (c: Buffer) => chunks.push(c));
                res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
                res.on("error", reject);
            });
            req.on("timeout", () => req.destroy(new Error(`GET ${url.pathname}: no answer in ${seconds} s`)));
            req.on("error", reject);
            req.end();
        });
    }
}
