import { strict as assert } from "assert";
import { isDefaultDeny, namespacesDefaultDeny } from "../../../policies/kubernetes/networkPolicies";
import { defaultDeny, networkPolicies } from "../../../components/kubernetes/networkPolicies";
import { FakeResource, violations } from "../../support/policyArgs";
import { expectNone, Obj } from "../../support/policies/kubernetes";
import { stackRunWith } from "../../support";

const ns = (name: string): FakeResource => ({ type: "kubernetes:core/v1:Namespace", name: `ns-${name}`, props: { metadata: { name } } });
const policy = (namespace: string, spec: Obj, name = "default-deny"): FakeResource => ({ type: "kubernetes:networking.k8s.io/v1:NetworkPolicy", name: `${namespace}-${name}`, props: { metadata: { name, namespace }, spec } });
const deny = { podSelector: {}, policyTypes: ["Ingress", "Egress"] };

describe("policies/kubernetes: namespaces-default-deny", () => {
    it("passes a namespace with a default-deny policy, and the generator's", async () => {
        await expectNone(namespacesDefaultDeny, [ns("spark-jobs"), policy("spark-jobs", deny)]);
        await expectNone(namespacesDefaultDeny, [ns("airflow"), policy("airflow", defaultDeny("airflow").spec)]);
        await expectNone(namespacesDefaultDeny, [ns("kube-system")]);
        assert.equal(networkPolicies(["a"], []).every((p) => isDefaultDeny(p)), true);
    });

    it("reports a namespace without one, or whose only policy allows something, selects some pods, or omits a direction", async () => {
        const cases: [string, FakeResource[]][] = [
            ["none", [ns("minio")]],
            ["other namespace", [ns("minio"), policy("spark-jobs", deny)]],
            ["ingress only", [ns("minio"), policy("minio", { podSelector: {}, policyTypes: ["Ingress"] })]],
            ["selects some pods", [ns("minio"), policy("minio", { podSelector: { matchLabels: { app: "minio" } }, policyTypes: ["Ingress", "Egress"] })]],
            ["allows egress", [ns("minio"), policy("minio", { podSelector: {}, policyTypes: ["Ingress", "Egress"], egress: [{}] })]],
        ];
        for (const [what, resources] of cases) {
            const found = await violations(namespacesDefaultDeny, resources);
            assert.equal(found.length, 1, what);
            assert.match(found[0], /^Namespace minio has no default-deny NetworkPolicy/, what);
        }
    });

    it("finds nothing on the stacks the program writes", async function () {
        this.timeout(120000);
        for (const stack of ["local", "dev"]) {
            const run = await stackRunWith(stack, { spark: { scenarios: ["jupyter-connect-k8s", "airflow-operator"] } });
            assert.deepEqual(await violations(namespacesDefaultDeny, run.resources.map((r) => ({ type: r.type, name: r.name, props: r.inputs }))), [], stack);
        }
    });
});
