/**
 * The platform's NetworkPolicies analysed by np-guard's netpol-analyzer: the objects a stack writes
 * (its policies and namespaces), a pod for each workload it templates and stand-ins for the pods
 * Spark and the charts create. Every flow of the table must be allowed, and what the table leaves
 * out must be denied: a notebook to PostgreSQL, an executor to the Kubernetes API, one job
 * namespace to another, MinIO's console from outside its namespace, the instance metadata service.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { namespaces, serviceEndpoints } from "../../components/config/names";
import { CidrPeer, Flow, FlowInputs, instanceMetadata, networkFlows, PodPeer, platformNamespaces, workloadLabels } from "../../components/kubernetes/networkFlows";
import { networkPolicies } from "../../components/kubernetes/networkPolicies";
import { driverPorts } from "../../components/spark/connect";
import { StackRun } from "../../tools/harness";
import { resourcesOfType, stackArtefacts } from "../support/artefacts";
import { allowed, configOf, connectivityList, Endpoint, ensureNetpolAnalyzer, flowInputsOf, netpolAnalyzer, StandInPod, standInPods, writeAnalyzerInput } from "../support/netpol";

const everything = {
    spark: { scenarios: ["jupyter-connect-k8s", "airflow-connect-k8s", "airflow-k8s-submit", "airflow-operator"], jobNamespaces: ["spark-jobs", "team-b"] },
    services: { observability: { enabled: true, tracing: { enabled: true } } },
};
const cases: { stack: string; config: Record<string, unknown>; with: string }[] = [
    { stack: "local", config: {}, with: "as configured" },
    { stack: "dev", config: {}, with: "as configured" },
    { stack: "local", config: everything, with: "every scenario, two job namespaces and observability" },
    { stack: "dev", config: everything, with: "every scenario, two job namespaces and observability" },
    { stack: "dev", config: { secrets: { provider: "sealed-secrets" } }, with: "Sealed Secrets" },
    { stack: "local", config: { secrets: { provider: "vault", vault: { server: "https://vault.example.com:8200", mountPath: "secret", authMountPath: "kubernetes", authRole: "spark-platform" } } }, with: "External Secrets reading Vault" },
];

/** An address inside a CIDR peer and outside its exceptions. */
function addressIn(peer: CidrPeer): string {
    const [base, bits] = peer.cidr.split("/");
    if (bits === "32") return base;
    if (bits === "0") return "52.216.8.10";
    const octets = base.split(".").map(Number);
    octets[3] += 9;
    return octets.join(".");
}

const matches = (pod: StandInPod, peer: PodPeer) => pod.namespace === peer.namespace && Object.entries(peer.pods).every(([k, v]) => pod.labels[k] === v);
const portsOf = (flow: Flow) => flow.ports.flatMap((p) => (p.port === undefined ? [{ protocol: p.protocol, port: driverPorts.driver }, { protocol: p.protocol, port: 41000 }] : [{ protocol: p.protocol, port: p.port }]));

describe(`network policies analysed by netpol-analyzer ${netpolAnalyzer.version}`, function () {
    this.timeout(40 * 60 * 1000);
    let analyzer: string;
    before(function () {
        analyzer = ensureNetpolAnalyzer();
    });

    for (const c of cases) {
        describe(`${c.stack} with ${c.with}`, function () {
            let run: StackRun;
            let inputs: FlowInputs;
            let pods: StandInPod[];
            let dir: string;
            const endpointsOf = (peer: Flow["from"]): Endpoint[] => {
                if (peer.kind === "cidr") return [{ ip: addressIn(peer) }];
                if (peer.kind === "port-forward") return [];
                const found = pods.filter((p) => matches(p, peer));
                assert.ok(found.length > 0, `no pod of the stack matches ${peer.name} (${peer.namespace} ${JSON.stringify(peer.pods)})`);
                return found.map((pod) => ({ pod }));
            };
            const podsIn = (ns: string) => pods.filter((p) => p.namespace === ns);
            const isAllowed = (from: Endpoint, to: Endpoint, protocol: "TCP" | "UDP", port: number) => allowed(analyzer, dir, from, to, protocol, port);
            const name = (e: Endpoint) => ("pod" in e ? `${e.pod.namespace}/${e.pod.name}` : e.ip);

            before(async function () {
                run = await stackArtefacts(c.stack, c.config);
                inputs = flowInputsOf(configOf(c.stack, c.config));
                pods = standInPods(run, inputs);
                dir = fs.mkdtempSync(path.join(os.tmpdir(), `netpol-${c.stack}-`));
                writeAnalyzerInput(dir, run, pods);
            });
            after(() => fs.rmSync(dir, { recursive: true, force: true }));

            it("writes exactly the policies the flow table generates, with a default-deny in every namespace it creates", () => {
                const written = resourcesOfType(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy").map((r) => r.inputs.metadata as { name: string; namespace: string });
                const expected = networkPolicies(platformNamespaces(inputs), networkFlows(inputs)).map((p) => `${p.metadata.namespace}/${p.metadata.name}`).sort();
                assert.deepEqual(written.map((m) => `${m.namespace}/${m.name}`).sort(), expected);
                const created = resourcesOfType(run, "kubernetes:core/v1:Namespace").map((r) => (r.inputs.metadata as { name: string }).name);
                for (const ns of created) assert.ok(written.some((m) => m.namespace === ns && m.name === "default-deny"), `${ns} has no default-deny policy`);
            });

            it("allows every flow of the table", () => {
                const denied: string[] = [];
                for (const flow of networkFlows(inputs).filter((f) => f.from.kind !== "port-forward")) {
                    const from = endpointsOf(flow.from);
                    const to = endpointsOf(flow.to);
                    for (const f of from) {
                        for (const t of to) {
                            if ("pod" in f && "pod" in t && f.pod.name === t.pod.name && f.pod.namespace === t.pod.namespace) continue;
                            for (const p of portsOf(flow)) {
                                if (!isAllowed(f, t, p.protocol, p.port)) denied.push(`${flow.id}: ${name(f)} -> ${name(t)} ${p.protocol}/${p.port}`);
                            }
                        }
                    }
                }
                assert.deepEqual(denied, []);
            });

            it("denies notebooks the database and executors the Kubernetes API", function () {
                const flows = networkFlows(inputs);
                const api = flows.find((f) => f.id.endsWith("-drivers-to-api"))!.to as CidrPeer;
                const executors = pods.filter((p) => p.labels["spark-role"] === "executor");
                assert.ok(executors.length > 0);
                for (const e of executors) {
                    for (const port of inputs.vpcCidr ? [443] : [443, 6443]) assert.equal(isAllowed({ pod: e }, { ip: inputs.vpcCidr ? addressIn(api) : "172.18.0.2" }, "TCP", port), false, `${e.namespace}/${e.name} reaches the API on ${port}`);
                }
                if (!inputs.plan.jupyterhub.enabled) return;
                const notebook = pods.find((p) => p.labels.component === workloadLabels.notebook.component)!;
                const database: Endpoint = inputs.databaseInCluster ? { pod: pods.find((p) => matches(p, { kind: "pods", name: "", namespace: namespaces.platform, pods: workloadLabels.postgres }))! } : { ip: addressIn({ kind: "cidr", name: "", cidr: inputs.vpcCidr!, except: [] }) };
                assert.ok("ip" in database || database.pod, "the database has a pod");
                assert.equal(isAllowed({ pod: notebook }, database, "TCP", serviceEndpoints.postgres.port), false, "a notebook reaches PostgreSQL");
            });

            it("denies every job namespace's pods the other job namespaces", function () {
                if (inputs.jobNamespaces.length < 2) this.skip();
                const leaks: string[] = [];
                for (const a of inputs.jobNamespaces) {
                    for (const b of inputs.jobNamespaces.filter((n) => n !== a)) {
                        for (const from of podsIn(a)) {
                            for (const to of podsIn(b)) {
                                for (const port of [driverPorts.driver, driverPorts.blockManager, 15002, 41000]) {
                                    if (isAllowed({ pod: from }, { pod: to }, "TCP", port)) leaks.push(`${a}/${from.name} -> ${b}/${to.name} ${port}`);
                                }
                            }
                        }
                    }
                }
                assert.deepEqual(leaks, []);
            });

            it("denies MinIO's console from outside its namespace, and the instance metadata service everywhere", function () {
                const leaks: string[] = [];
                for (const from of pods.filter((p) => p.namespace !== "kube-system")) {
                    if (isAllowed({ pod: from }, { ip: instanceMetadata }, "TCP", 80)) leaks.push(`${from.namespace}/${from.name} -> ${instanceMetadata}:80`);
                }
                if (inputs.plan.minio) {
                    const minio = pods.filter((p) => matches(p, { kind: "pods", name: "", namespace: namespaces.minio, pods: workloadLabels.minio }));
                    assert.ok(minio.length > 0);
                    for (const from of pods.filter((p) => p.namespace !== namespaces.minio)) {
                        for (const to of minio) if (isAllowed({ pod: from }, { pod: to }, "TCP", serviceEndpoints.minio.consolePort)) leaks.push(`${from.namespace}/${from.name} -> minio console`);
                    }
                }
                assert.deepEqual(leaks, []);
            });

            it("lists no connection into a platform namespace from a pod outside the table", () => {
                const governed = new Set(platformNamespaces(inputs));
                const flows = networkFlows(inputs);
                const rows = connectivityList(analyzer, dir);
                assert.ok(rows.length > 0, "the analyzer lists connections");
                const podOf = (s: string) => /^([^/]+)\/([^[]+)\[Pod\]$/.exec(s);
                const unexplained = rows.filter((row) => {
                    const src = podOf(row.src);
                    const dst = podOf(row.dst);
                    if (!dst || !governed.has(dst[1])) return false;
                    return !flows.some((f) => {
                        const toPod = pods.find((p) => p.namespace === dst[1] && p.name === dst[2]);
                        if (!toPod || f.to.kind !== "pods" || !matches(toPod, f.to)) return false;
                        if (f.from.kind === "cidr") return !src;
                        if (f.from.kind !== "pods" || !src) return false;
                        const fromPod = pods.find((p) => p.namespace === src[1] && p.name === src[2]);
                        return fromPod !== undefined && matches(fromPod, f.from);
                    });
                });
                assert.deepEqual(unexplained, []);
            });
        });
    }
});
