import { strict as assert } from "assert";
import { RecordedResource } from "../../../tools/harness";
import { stackRun, stackRunWith } from "../../support";
import { scenarios } from "../../../components/config/schema";
import { documentedProgramClusterRbac, markedTable } from "../../../tools/clusterRights";

interface Rule {
    apiGroups?: string[];
    resources?: string[];
    verbs?: string[];
    nonResourceURLs?: string[];
}

const roleTypes = ["kubernetes:rbac.authorization.k8s.io/v1:Role", "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole"];

/** "<kind> <name>: rule <i> ..." for each wildcard verb, resource or API group in a Role or ClusterRole. */
function wildcards(r: RecordedResource): string[] {
    const rules = (r.inputs as { rules?: Rule[] }).rules ?? [];
    return rules.flatMap((rule, i) =>
        (["verbs", "resources", "apiGroups", "nonResourceURLs"] as const).flatMap((field) =>
            (rule[field] ?? []).filter((v) => v.includes("*")).map((v) => `${r.type.split(":").at(-1)} ${r.name}: rule ${i} ${field} has "${v}"`),
        ),
    );
}

describe("RBAC audit: no wildcard in any Role or ClusterRole the program writes", () => {
    const runs = [
        ...["local", "dev", "staging", "prod"].map((stack) => ({ name: stack, run: () => stackRun(stack) })),
        { name: "dev with every scenario and two extra job namespaces", run: () => stackRunWith("dev", { spark: { scenarios: [...scenarios], jobNamespaces: ["spark-jobs", "etl", "ml"] } }) },
    ];
    for (const v of runs) {
        it(v.name, async () => {
            const run = await v.run();
            const roles = run.resources.filter((r) => roleTypes.includes(r.type));
            assert.ok(roles.length > 0, "the stack writes Roles");
            assert.deepEqual(roles.flatMap(wildcards), []);
        });
    }

    const clusterTypes = ["kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding"];
    it("writes exactly the ClusterRoles and ClusterRoleBindings docs/security.md lists as the program's own", async () => {
        const written = new Set<string>();
        for (const v of runs) {
            const run = await v.run();
            for (const r of run.resources.filter((x) => clusterTypes.includes(x.type))) written.add(`${r.type.split(":").at(-1)} ${(r.inputs as { metadata?: { name?: string } }).metadata?.name ?? r.name}`);
        }
        assert.deepEqual([...written].sort(), documentedProgramClusterRbac());
    });

    it("reads the doc's list of the program's cluster-scoped objects", () => {
        const doc = "x\n<!-- program-cluster-rbac:start -->\n| kind | name | why |\n|---|---|---|\n| ClusterRole | `a`, `b` | because |\n<!-- program-cluster-rbac:end -->\n";
        assert.deepEqual(markedTable(doc, "program-cluster-rbac"), [["ClusterRole", "`a`, `b`", "because"]]);
        assert.deepEqual(documentedProgramClusterRbac(doc), ["ClusterRole a", "ClusterRole b"]);
    });

    it("finds a wildcard when one is there", () => {
        const role = { type: roleTypes[0], name: "bad", inputs: { rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["*"] }, { apiGroups: ["*"], resources: ["*"], verbs: ["get"] }] } } as unknown as RecordedResource;
        assert.deepEqual(wildcards(role), ['Role bad: rule 0 verbs has "*"', 'Role bad: rule 1 resources has "*"', 'Role bad: rule 1 apiGroups has "*"']);
    });
});
