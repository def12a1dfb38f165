import { strict as assert } from "assert";
import { namespaces } from "../../../components/config/names";
import { Scenario } from "../../../components/config/schema";
import { Flow, FlowInputs, instanceMetadata, networkFlows, Peer, platformNamespaces, podIdentityAgent, workloadLabels } from "../../../components/kubernetes/networkFlows";
import { defaultDenyPolicyName, egressRulesFrom, networkPolicies, policyPeer, selectsPods } from "../../../components/kubernetes/networkPolicies";
import { componentPlan } from "../../../components/spark/scenarios";
import { addonConfiguration } from "../../../components/aws/eksCluster";
import { inputs, ofType, scenarioCombinations, stackRunWith } from "../../support";

const everyScenario: Scenario[] = ["jupyter-connect-k8s", "jupyter-connect-standalone", "airflow-connect-k8s", "airflow-k8s-submit", "airflow-operator"];

function flowInputs(a: { aws: boolean; scenarios?: Scenario[]; observability?: boolean; jobNamespaces?: string[]; gitSync?: boolean; sealedSecrets?: boolean }): FlowInputs {
    const plan = componentPlan({ scenarios: a.scenarios ?? ["jupyter-connect-k8s"], presets: a.aws ? ["gpu"] : [], versions: ["3.5", "4.1"], tier: a.aws ? "dev" : "local", minioEnabled: false });
    return {
        plan,
        jobNamespaces: a.jobNamespaces ?? ["spark-jobs"],
        storage: a.aws ? "s3" : "minio",
        databaseInCluster: !a.aws,
        vpcCidr: a.aws ? "10.40.0.0/16" : undefined,
        podIdentity: a.aws,
        observability: a.observability ?? false,
        tracing: a.observability ?? false,
        gpuNamespace: a.aws,
        jupyterhubOAuth: a.aws,
        airflowGitSync: a.gitSync ?? false,
        externalSecrets: a.aws ? { store: { name: "AWS Secrets Manager", port: 443, outsideVpc: true } } : undefined,
        sealedSecrets: a.sealedSecrets ?? false,
    };
}

const variants: { name: string; inputs: FlowInputs }[] = [true, false].flatMap((aws) =>
    [...scenarioCombinations(), everyScenario].flatMap((scenarios) =>
        [false, true].map((observability) => ({
            name: `${aws ? "aws" : "local"} [${scenarios.join(", ")}]${observability ? " with observability" : ""}`,
            inputs: flowInputs({ aws, scenarios, observability, jobNamespaces: ["spark-jobs", "team-b"], gitSync: observability, sealedSecrets: observability }),
        })),
    ),
);

const ipv4 = (ip: string) => ip.split(".").reduce((n, o) => n * 256 + Number(o), 0);
const inCidr = (ip: string, cidr: string) => {
    const [base, bits] = cidr.split("/");
    const size = 2 ** (32 - Number(bits));
    return Math.floor(ipv4(ip) / size) === Math.floor(ipv4(base) / size);
};
const reaches = (peer: Peer, ip: string) => peer.kind === "cidr" && inCidr(ip, peer.cidr) && !peer.except.some((e) => inCidr(ip, e));

describe("the network flow table", () => {
    it("gives every flow a unique id and a reason", () => {
        for (const v of variants) {
            const flows = networkFlows(v.inputs);
            assert.equal(new Set(flows.map((f) => f.id)).size, flows.length, v.name);
            for (const f of flows) assert.ok(f.why.length > 20, `${v.name}: ${f.id} says why`);
            for (const f of flows) assert.ok(f.ports.length > 0, `${v.name}: ${f.id} names its ports`);
        }
    });

    it("lists exactly the namespaces the plan creates", () => {
        const local = platformNamespaces(flowInputs({ aws: false }));
        assert.deepEqual(local, ["spark-jobs", namespaces.platform, namespaces.minio, namespaces.jupyterhub]);
        const all = platformNamespaces(flowInputs({ aws: true, scenarios: everyScenario, observability: true }));
        for (const ns of [namespaces.operator, namespaces.airflow, namespaces.gpu, namespaces.monitoring, namespaces.nodeExporter, namespaces.externalSecrets]) assert.ok(all.includes(ns), ns);
        assert.ok(platformNamespaces(flowInputs({ aws: false, sealedSecrets: true })).includes(namespaces.sealedSecrets));
        assert.ok(!all.includes(namespaces.minio), "no MinIO on S3");
    });

    it("never opens the instance metadata service, and the Pod Identity agent only where Pod Identity serves", () => {
        for (const v of variants) {
            for (const f of networkFlows(v.inputs)) {
                assert.ok(!reaches(f.to, instanceMetadata), `${v.name}: ${f.id} reaches ${instanceMetadata}`);
                if (reaches(f.to, podIdentityAgent.cidr.split("/")[0])) {
                    assert.ok(v.inputs.podIdentity, `${v.name}: ${f.id} reaches the Pod Identity agent without Pod Identity`);
                    assert.deepEqual(f.ports, [{ protocol: "TCP", port: podIdentityAgent.port }]);
                }
            }
        }
    });

    it("keeps every job namespace to itself", () => {
        for (const v of variants) {
            for (const f of networkFlows(v.inputs)) {
                if (f.from.kind === "pods" && f.to.kind === "pods" && v.inputs.jobNamespaces.includes(f.from.namespace) && v.inputs.jobNamespaces.includes(f.to.namespace)) {
                    assert.equal(f.from.namespace, f.to.namespace, `${v.name}: ${f.id}`);
                }
            }
        }
    });

    it("gives the Kubernetes API to drivers and Connect servers but never to executors or notebooks; on AWS it is the VPC on 443", () => {
        const flows = networkFlows(flowInputs({ aws: true, scenarios: everyScenario }));
        const api = flows.filter((f) => f.to.kind === "cidr" && f.to.name === "the Kubernetes API");
        assert.ok(api.some((f) => f.id === "spark-jobs-drivers-to-api") && api.some((f) => f.id === "spark-jobs-connect-to-api"));
        for (const f of api) {
            assert.deepEqual(f.to.kind === "cidr" && [f.to.cidr, f.ports], ["10.40.0.0/16", [{ protocol: "TCP", port: 443 }]]);
            assert.ok(f.from.kind === "pods" && f.from.pods["spark-role"] !== "executor" && f.from.pods.component !== "singleuser-server", f.id);
        }
        // S3's addresses are outside the VPC, so the S3 rule cannot reach the API server's ENIs.
        for (const f of flows.filter((x) => x.id.endsWith("-to-s3"))) assert.ok(!reaches(f.to, "10.40.3.4") && reaches(f.to, "52.216.8.10"), f.id);
    });

    it("opens PostgreSQL to the platform namespace and Airflow only", () => {
        for (const v of variants) {
            for (const f of networkFlows(v.inputs).filter((x) => x.ports.some((p) => p.port === 5432))) {
                assert.ok(f.from.kind === "pods" && [namespaces.platform, namespaces.airflow].includes(f.from.namespace as never), `${v.name}: ${f.id}`);
            }
        }
    });
});

describe("the NetworkPolicies generated from the table", () => {
    it("gives every platform namespace a default-deny of ingress and egress", () => {
        for (const v of variants) {
            const policies = networkPolicies(platformNamespaces(v.inputs), networkFlows(v.inputs));
            for (const ns of platformNamespaces(v.inputs)) {
                const deny = policies.find((p) => p.metadata.namespace === ns && p.metadata.name === defaultDenyPolicyName);
                assert.ok(deny, `${v.name}: ${ns}`);
                assert.deepEqual(deny.spec, { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
            }
        }
    });

    it("writes policies only into platform namespaces, each with one rule and named after its flow", () => {
        for (const v of variants) {
            const governed = new Set(platformNamespaces(v.inputs));
            const policies = networkPolicies(platformNamespaces(v.inputs), networkFlows(v.inputs));
            assert.equal(new Set(policies.map((p) => `${p.metadata.namespace}/${p.metadata.name}`)).size, policies.length, v.name);
            for (const p of policies) {
                assert.ok(governed.has(p.metadata.namespace), `${v.name}: ${p.metadata.name} in ${p.metadata.namespace}`);
                assert.ok(p.metadata.name.length <= 253 && /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(p.metadata.name), p.metadata.name);
                if (p.metadata.name !== defaultDenyPolicyName) assert.equal((p.spec.ingress ?? []).length + (p.spec.egress ?? []).length, 1, p.metadata.name);
            }
        }
    });

    it("makes an egress policy beside each source and an ingress policy beside each destination, none for port-forward", () => {
        const i = flowInputs({ aws: false, scenarios: everyScenario, observability: true });
        const flows = networkFlows(i);
        const policies = networkPolicies(platformNamespaces(i), flows);
        const has = (ns: string, name: string) => policies.some((p) => p.metadata.namespace === ns && p.metadata.name === name);
        for (const f of flows) {
            if (f.from.kind === "port-forward") {
                assert.ok(!policies.some((p) => p.metadata.name.startsWith(`${f.id}-`)), f.id);
                continue;
            }
            if (f.from.kind === "pods") assert.ok(has(f.from.namespace, `${f.id}-egress`), `${f.id} egress`);
            if (f.to.kind === "pods" && f.to.namespace !== "kube-system") assert.ok(has(f.to.namespace, `${f.id}-ingress`), `${f.id} ingress`);
        }
    });

    it("refuses a flow listed twice", () => {
        const flow: Flow = networkFlows(flowInputs({ aws: false }))[0];
        assert.throws(() => networkPolicies(["spark-jobs"], [flow, flow]), /listed twice/);
    });

    it("hands the notebooks exactly the table's notebook egress", () => {
        const i = flowInputs({ aws: true, scenarios: everyScenario });
        const rules = egressRulesFrom(networkFlows(i), (from) => selectsPods(from, namespaces.jupyterhub, workloadLabels.notebook));
        const expected = networkFlows(i).filter((f) => f.from.kind === "pods" && f.from.namespace === namespaces.jupyterhub && (f.from.pods.component ?? "singleuser-server") === "singleuser-server");
        assert.equal(rules.length, expected.length);
        assert.deepEqual(rules.map((r) => r.to), expected.map((f) => [policyPeer(f.to)]));
        assert.ok(expected.some((f) => f.id.startsWith("notebooks-to-connect-")) && expected.some((f) => f.id === "jupyterhub-to-dns"));
    });
});

describe("the policies a stack writes select the pods the program runs", function () {
    this.timeout(120000);
    for (const stack of ["local", "dev"]) {
        it(`${stack}: every policy on the program's own workloads selects one of them`, async () => {
            const run = await stackRunWith(stack, { spark: { scenarios: everyScenario } });
            type Workload = { metadata: { namespace?: string }; spec: { template?: { metadata?: { labels?: Record<string, string> } } } };
            const templates = ["kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet"].flatMap((t) => ofType(run, t)).map((r) => inputs<Workload>(r));
            const policies = ofType(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy").map((r) => inputs<{ metadata: { name: string; namespace: string }; spec: { podSelector: { matchLabels?: Record<string, string> } } }>(r));
            assert.ok(policies.length > 20);
            // Labels the program sets itself: app.kubernetes.io/name of its own servers.
            const own = policies.filter((p) => p.spec.podSelector.matchLabels?.["app.kubernetes.io/name"] !== undefined && ["hive-metastore", "postgres", "minio", "spark-history-server"].includes(p.spec.podSelector.matchLabels["app.kubernetes.io/name"]));
            const connect = policies.filter((p) => p.spec.podSelector.matchLabels?.["app.kubernetes.io/component"] === "spark-connect");
            assert.ok(own.length > 0 && connect.length > 0);
            for (const p of [...own, ...connect]) {
                const selected = templates.filter((t) => t.metadata.namespace === p.metadata.namespace && Object.entries(p.spec.podSelector.matchLabels ?? {}).every(([k, v]) => t.spec.template?.metadata?.labels?.[k] === v));
                assert.ok(selected.length > 0, `${p.metadata.namespace}/${p.metadata.name} selects no workload`);
            }
        });
    }
});

describe("EKS network policy enforcement", () => {
    it("turns on the vpc-cni add-on's network policy agent", () => {
        assert.deepEqual(JSON.parse(addonConfiguration["vpc-cni"]!), { enableNetworkPolicy: "true" });
    });

    it("configures the dev cluster's vpc-cni add-on with it", async function () {
        this.timeout(120000);
        const run = await stackRunWith("dev", {});
        const cni = ofType(run, "aws:eks/addon:Addon").map((r) => inputs<{ addonName: string; configurationValues?: string }>(r)).find((a) => a.addonName === "vpc-cni");
        assert.ok(cni);
        assert.deepEqual(JSON.parse(cni.configurationValues ?? "{}"), { enableNetworkPolicy: "true" });
    });
});
