/**
 * A stand-in Kubernetes API server for the smoke test's unit tests: plain HTTP on loopback, serving
 * responses in the API's JSON (apps/v1 lists, core/v1 pods, pod logs, Status objects, the service
 * proxy) so @kubernetes/client-node's real request and response code runs. It records every
 * request. What it serves is written here, not captured from a cluster.
 */
import * as fs from "fs";
import * as http from "http";
import type { V1Pod } from "@kubernetes/client-node";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";

export interface RecordedRequest {
    readonly method: string;
    readonly path: string;
    readonly body?: unknown;
    readonly authorization?: string;
}

/** A Deployment, StatefulSet or DaemonSet as the API returns it. */
export function deployment(namespace: string, name: string, replicas: number, available: number): Record<string, unknown> {
    return {
        metadata: { name, namespace, generation: 2 },
        spec: { replicas },
        status: { observedGeneration: 2, replicas, updatedReplicas: replicas, readyReplicas: available, availableReplicas: available },
    };
}
export function statefulSet(namespace: string, name: string, replicas: number, ready: number): Record<string, unknown> {
    return {
        metadata: { name, namespace, generation: 1 },
        spec: { replicas },
        status: { observedGeneration: 1, replicas, readyReplicas: ready, updatedReplicas: replicas, currentRevision: `${name}-1`, updateRevision: `${name}-1` },
    };
}

export interface ProxyAnswer {
    readonly status: number;
    readonly body: unknown;
}

export interface FakeApiOptions {
    /** Workloads by namespace and kind. */
    readonly workloads: Record<string, { deployments?: unknown[]; statefulsets?: unknown[]; daemonsets?: unknown[] }>;
    /** The log each created pod has, by the pod's namespace and a prefix of its name. */
    readonly podLog: (pod: { name: string; namespace: string; image: string; args: string[] }) => string;
    /** The phase a pod reaches after two reads (Succeeded by default). */
    readonly podPhase?: string;
    /** Service proxy answers by "namespace/service:port/path"; a function gets every pod created so far. */
    readonly proxy: Record<string, ProxyAnswer | ((created: readonly V1Pod[]) => ProxyAnswer)>;
}

export interface FakeApi {
    readonly url: string;
    readonly requests: RecordedRequest[];
    /** A kubeconfig file for the server, with a bearer token. */
    readonly kubeconfig: string;
    close(): Promise<void>;
}

export const fakeToken = "smoke-test-token";

export async function startFakeKubeApi(options: FakeApiOptions): Promise<FakeApi> {
    const requests: RecordedRequest[] = [];
    const pods = new Map<string, { pod: V1Pod; reads: number }>();
    const createdPods: V1Pod[] = [];
    const send = (res: http.ServerResponse, status: number, body: unknown, type = "application/json") => {
        res.writeHead(status, { "content-type": type });
        res.end(typeof body === "string" ? body : JSON.stringify(body));
    };
    const notFound = (res: http.ServerResponse, what: string) =>
        send(res, 404, { kind: "Status", apiVersion: "v1", status: "Failure", message: `${what} not found`, reason: "NotFound", code: 404 });
    const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
            const url = new URL(req.url ?? "/", "http://fake");
            const text = Buffer.concat(chunks).toString("utf8");
            const body = text ? (JSON.parse(text) as unknown) : undefined;
            requests.push({ method: req.method ?? "", path: decodeURIComponent(url.pathname), ...(body ? { body } : {}), ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
            let m: RegExpExecArray | null;
            if ((m = /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/(deployments|statefulsets|daemonsets)$/.exec(url.pathname))) {
                const kind = { deployments: "DeploymentList", statefulsets: "StatefulSetList", daemonsets: "DaemonSetList" }[m[2]]!;
                let items = (options.workloads[m[1]]?.[m[2] as "deployments"] ?? []) as { metadata?: { labels?: Record<string, string> } }[];
                const selector = url.searchParams.get("labelSelector");
                if (selector) {
                    const [k, v] = selector.split("=");
                    items = items.filter((i) => i.metadata?.labels?.[k] === v);
                }
                return send(res, 200, { apiVersion: "apps/v1", kind, metadata: { resourceVersion: "1" }, items });
            }
            if ((m = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/.exec(url.pathname)) && req.method === "POST") {
                const created = body as V1Pod;
                const pod: V1Pod = { ...created, metadata: { ...created.metadata, uid: "u-1", resourceVersion: "1" }, status: { phase: "Pending" } };
                pods.set(`${m[1]}/${created.metadata?.name ?? ""}`, { pod, reads: 0 });
                createdPods.push(pod);
                return send(res, 201, pod);
            }
            if ((m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)(\/log)?$/.exec(url.pathname))) {
                const entry = pods.get(`${m[1]}/${m[2]}`);
                if (!entry) return notFound(res, `pods "${m[2]}"`);
                if (req.method === "DELETE") {
                    pods.delete(`${m[1]}/${m[2]}`);
                    return send(res, 200, { ...entry.pod, metadata: { ...entry.pod.metadata, deletionTimestamp: new Date().toISOString() } });
                }
                if (m[3]) {
                    const c = entry.pod.spec!.containers[0];
                    return send(res, 200, options.podLog({ name: m[2], namespace: m[1], image: c.image ?? "", args: c.command ?? [] }), "text/plain");
                }
                entry.reads += 1;
                const phase = entry.reads >= 2 ? (options.podPhase ?? "Succeeded") : "Running";
                return send(res, 200, { ...entry.pod, status: { phase } });
            }
            if ((m = /^\/api\/v1\/namespaces\/([^/]+)\/services\/([^/]+)\/proxy(\/.*)$/.exec(decodeURIComponent(url.pathname)))) {
                const entry = options.proxy[`${m[1]}/${m[2]}${m[3]}`];
                const answer = typeof entry === "function" ? entry(createdPods) : entry;
                if (!answer) return send(res, 503, { kind: "Status", apiVersion: "v1", status: "Failure", message: `no endpoints available for service "${m[2]}"`, reason: "ServiceUnavailable", code: 503 });
                return send(res, answer.status, answer.body);
            }
            return notFound(res, url.pathname);
        });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "smoke-kubeconfig-"));
    const kubeconfig = path.join(dir, "config");
    fs.writeFileSync(kubeconfig, kubeconfigText(url));
    return {
        url,
        requests,
        kubeconfig,
        close: async () => {
            await new Promise<void>((r) => server.close(() => r()));
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
}

/** A kubeconfig for a plain-HTTP server (the client library needs insecure-skip-tls-verify to accept http). */
export function kubeconfigText(server: string, context = "fake"): string {
    return [
        "apiVersion: v1",
        "kind: Config",
        `current-context: ${context}`,
        "clusters:",
        `- name: ${context}`,
        "  cluster:",
        `    server: ${server}`,
        "    insecure-skip-tls-verify: true",
        "contexts:",
        `- name: ${context}`,
        "  context:",
        `    cluster: ${context}`,
        `    user: ${context}`,
        "users:",
        `- name: ${context}`,
        "  user:",
        `    token: ${fakeToken}`,
        "",
    ].join("\n");
}
