import { strict as assert } from "assert";
import { groupBindingsNamespaced } from "../../../policies/kubernetes/rbac";
import { FakeResource, unknownString, violations } from "../../support/policyArgs";
import { stackRun, stackRunWith } from "../../support";

const binding = (kind: "RoleBinding" | "ClusterRoleBinding", roleKind: string, roleName: string, subjects: { kind: string; name: string }[]): FakeResource => ({
    type: `kubernetes:rbac.authorization.k8s.io/v1:${kind}`,
    name: `b-${roleName}`,
    props: { metadata: { name: roleName, ...(kind === "RoleBinding" ? { namespace: "etl" } : {}) }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: roleKind, name: roleName }, subjects },
});
const group = (name: string) => ({ kind: "Group", apiGroup: "rbac.authorization.k8s.io", name });
const account = { kind: "ServiceAccount", name: "spark", namespace: "etl" };

describe("policies/kubernetes group-bindings-namespaced", () => {
    it("passes a team group bound to a Role of its namespace, and service accounts bound to ClusterRoles", async () => {
        assert.deepEqual(await violations(groupBindingsNamespaced, [binding("RoleBinding", "Role", "team", [group("spark-team:etl")]), binding("ClusterRoleBinding", "ClusterRole", "controller", [account])]), []);
    });

    it("reports a group bound to a ClusterRole in a namespace", async () => {
        const found = await violations(groupBindingsNamespaced, [binding("RoleBinding", "ClusterRole", "edit", [account, group("data-eng")])]);
        assert.equal(found.length, 1);
        assert.match(found[0], /\(namespace etl\): binds group data-eng to ClusterRole edit; expected a Role of the namespace$/);
    });

    it("reports a group bound cluster-wide, but not Kubernetes' own system: groups", async () => {
        const found = await violations(groupBindingsNamespaced, [binding("ClusterRoleBinding", "ClusterRole", "cluster-admin", [group("data-eng")]), binding("ClusterRoleBinding", "ClusterRole", "discovery", [group("system:authenticated")])]);
        assert.equal(found.length, 1);
        assert.match(found[0], /binds group data-eng cluster-wide$/);
    });

    it("does not judge a group whose name is unknown at preview", async () => {
        assert.deepEqual(await violations(groupBindingsNamespaced, [binding("RoleBinding", "ClusterRole", "edit", [group(unknownString)])]), []);
    });

    it("passes the stacks, whose team groups are bound to the team Role", async () => {
        for (const run of [await stackRun("local"), await stackRun("prod"), await stackRunWith("dev", { spark: { jobNamespaces: ["spark-jobs", "etl", "ml"], teams: { ml: { group: "ml-engineers" } } } })]) {
            const resources = run.resources.map((r) => ({ type: r.type, name: r.name, props: r.inputs }));
            assert.ok(resources.some((r) => r.type.endsWith(":RoleBinding") && JSON.stringify(r.props).includes('"Group"')), run.stack);
            assert.deepEqual(await violations(groupBindingsNamespaced, resources), [], run.stack);
        }
    });
});
