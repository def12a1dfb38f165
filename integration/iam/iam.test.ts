/**
 * Every IAM policy the AWS stacks write, evaluated by a real IAM policy engine (integration/iam/engine.ts):
 * the grammar of each document, that every action exists, that no grant is dead, and the request
 * matrix (integration/iam/matrix.ts) of each workload identity and service role. Each stack's matrix
 * is written to the run's log directory as iam-matrix-<stack>-<variant>.tsv.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { serviceIdentities, ServiceIdentity } from "../../components/config/names";
import { stackConfig } from "../../tools/harness";
import { stackArtefacts } from "../support/artefacts";
import { logDir } from "../support/processes";
import { authorize, deadGrants, Decision, grammarErrors, managedPolicy, unknownActions, unsupportedContextKey } from "./engine";
import { requestMatrix, Row, teamNamespaces, workloadRole } from "./matrix";
import { PlanPolicy, planPolicies, StackFacts, stackFacts } from "./plan";

const stacks = ["dev", "staging", "prod"] as const;

/** Config variants that add permissions or callers; deep-merged over the stack's tier defaults (a function of the stack where it replaces an area the stack file sets). */
const variants: Record<string, Record<string, unknown> | ((stack: string) => Record<string, unknown>)> = {
    default: {},
    "iceberg on Glue": { spark: { presets: ["iceberg"], iceberg: { catalogType: "glue" } } },
    gpu: { spark: { presets: ["gpu"] } },
    "Airflow, cost-optimized": { spark: { scenarios: ["airflow-connect-k8s"], presets: ["cost-optimized"] } },
    Karpenter: (stack) => ({ cluster: { ...stackConfig(stack).cluster, nodeProvisioner: "karpenter" } }),
    "two teams": { spark: { jobNamespaces: ["spark-jobs", "etl", "ml"] } },
};

const passes = (expected: Row["expected"], d: Decision): boolean => (expected === "Allowed" ? d.result === "Allowed" : d.result !== "Allowed");

async function evaluate(row: Row): Promise<Decision> {
    if (!row.residualKey) return authorize(row);
    // The engine cannot take this key: Allowed must hold with exactly that condition left open.
    const d = await authorize(row, row.residualKey);
    const open = d.residualKeys ?? [];
    const exact = open.length === 1 && open[0].toLowerCase() === row.residualKey.toLowerCase();
    return exact ? d : { ...d, result: d.result === "Allowed" ? "ImplicitlyDenied" : d.result, decisive: [...d.decisive, `open conditions: ${open.join(", ") || "none"}`] };
}

/** One line per failed row: identity | request | action resource | expected | engine said (statements). */
async function failures(rows: Row[]): Promise<string[]> {
    const out: string[] = [];
    for (const row of rows) {
        const d = await evaluate(row);
        const ignored = d.ignoredContextKeys.filter((k) => !unsupportedContextKey.test(k));
        if (!passes(row.expected, d) || ignored.length) {
            out.push(
                `${row.identity} | ${row.request} | ${row.action} ${row.resource} | expected ${row.expected} | engine: ${d.result}` +
                    `${d.decisive.length ? ` by ${d.decisive.join(", ")}` : ""}${ignored.length ? ` | context keys the action never carries: ${ignored.join(", ")}` : ""}`,
            );
        }
    }
    return out;
}

for (const stack of stacks) {
    for (const [variant, configOf] of Object.entries(variants)) {
        const config = typeof configOf === "function" ? configOf(stack) : configOf;
        describe(`IAM policies of ${stack} (${variant}), evaluated by the IAM engine`, function () {
            this.timeout(5 * 60 * 1000);
            let policies: PlanPolicy[];
            let facts: StackFacts;
            let matrix: Row[];
            before(async function () {
                const run = await stackArtefacts(stack, config);
                policies = planPolicies(run);
                facts = stackFacts(run);
                matrix = requestMatrix(facts);
                const table = matrix.map((r) => [r.identity, r.request, r.action, r.resource, r.expected].join("\t"));
                fs.writeFileSync(path.join(logDir, `iam-matrix-${stack}-${variant.replace(/\W+/g, "-")}.tsv`), `identity\trequest\taction\tresource\texpected\n${table.join("\n")}\n`);
            });

            it("holds role, trust, bucket and key policies", function () {
                for (const kind of ["identity", "trust", "resource"] as const) assert.ok(policies.some((p) => p.kind === kind), `no ${kind} policy in the plan`);
                assert.ok(facts.roles.length > 0 && Object.keys(facts.bucketPolicies).length === Object.keys(facts.buckets).length);
            });

            it("writes every policy in the grammar AWS accepts for its kind", function () {
                const errors = policies.flatMap((p) => grammarErrors(p.kind, p.document).map((e) => `${p.source} (${p.kind} policy): ${e}`));
                assert.deepEqual(errors, [], `AWS refuses these documents:\n${errors.join("\n")}`);
            });

            it("names only actions that exist", async function () {
                const unknown: string[] = [];
                for (const p of policies) for (const a of await unknownActions(p.document)) unknown.push(`${p.source}: ${a}`);
                assert.deepEqual(unknown, [], `actions not in the IAM action catalogue:\n${unknown.join("\n")}`);
            });

            it("attaches only AWS managed policies that exist", function () {
                const missing = facts.roles.flatMap((r) => r.managedPolicyArns.filter((a) => !managedPolicy(a)).map((a) => `${r.name}: ${a}`));
                assert.deepEqual(missing, []);
            });

            it("grants nothing that can never match (a condition key the action never carries)", async function () {
                const dead: string[] = [];
                for (const p of policies.filter((x) => x.kind !== "trust")) for (const d of await deadGrants(p.document)) dead.push(`${p.source}: ${d}`);
                assert.deepEqual(dead, [], `dead grants:\n${dead.join("\n")}`);
            });

            it("associates roles only with service accounts the plan creates (no identity ahead of its service)", function () {
                const orphans = facts.roles.flatMap((r) =>
                    r.podIdentities.filter((p) => !facts.serviceAccounts.includes(`${p.namespace}/${p.serviceAccount}`)).map((p) => `${r.name} -> ${p.namespace}/${p.serviceAccount}`),
                );
                assert.deepEqual(orphans, [], `roles associated with service accounts nothing in the plan creates:\n${orphans.join("\n")}\n(the plan creates ${facts.serviceAccounts.join(", ")})`);
            });

            it("answers every request of each team's Spark jobs as expected", async function () {
                const teams = teamNamespaces(facts);
                if (variant === "two teams") assert.deepEqual(teams, ["etl", "ml"]);
                const rows = matrix.filter((r) => r.identity.startsWith("team "));
                assert.equal(new Set(rows.map((r) => r.identity)).size, teams.length);
                const failed = await failures(rows);
                assert.deepEqual(failed, [], `${failed.length} of ${rows.length} requests answered wrongly:\n${failed.join("\n")}`);
            });

            for (const identity of [...Object.keys(serviceIdentities), "eksClusterRole", "nodeRole", "AWSServiceRoleForAutoScaling", "logs", "trust"]) {
                it(`answers every request of ${identity} as expected`, async function () {
                    const rows = matrix.filter((r) => r.identity === identity || r.identity.startsWith(`${identity} `) || r.identity.startsWith(`${identity}.`));
                    const sa = identity in serviceIdentities ? serviceIdentities[identity as ServiceIdentity] : undefined;
                    if (sa && facts.serviceAccounts.includes(`${sa.namespace}/${sa.serviceAccount}`)) {
                        assert.ok(workloadRole(facts, identity as ServiceIdentity), `${identity} is installed but has no Pod Identity role`);
                        assert.ok(rows.length > 0, `${identity} is installed but the plan names none of the locations its requests go to`);
                    }
                    if (variant === "Karpenter" && identity === "karpenter") {
                        assert.ok(facts.karpenter && facts.karpenter.ruleArns.length === 4, "the Karpenter chart, its queue and four rules feeding it");
                        assert.ok(rows.some((r) => r.principal === "events.amazonaws.com"), "no row for the EventBridge rules");
                    }
                    if (variant === "iceberg on Glue" && identity === "sparkJobs") {
                        assert.ok(rows.some((r) => r.action.startsWith("glue:")), "the Spark conf names no GlueCatalog although catalogType is glue");
                    }
                    const failed = await failures(rows);
                    assert.deepEqual(failed, [], `${failed.length} of ${rows.length} requests answered wrongly:\n${failed.join("\n")}`);
                });
            }
        });
    }
}
