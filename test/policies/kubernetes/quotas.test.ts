import { strict as assert } from "assert";
import { jobNamespaceHasQuota } from "../../../policies/kubernetes/quotas";
import { jobNamespaceLabel } from "../../../components/spark/teams";
import { FakeResource, violations } from "../../support/policyArgs";
import { stackRun, stackRunWith } from "../../support";
import { unknownString } from "../../support/policyArgs";

const ns = (name: string, job = true): FakeResource => ({ type: "kubernetes:core/v1:Namespace", name, props: { metadata: { name, labels: job ? { [jobNamespaceLabel]: "true" } : {} } } });
const quota = (namespace: string, hard: Record<string, string> = { "requests.cpu": "8", "requests.memory": "16Gi", "limits.memory": "16Gi", pods: "50" }): FakeResource => ({
    type: "kubernetes:core/v1:ResourceQuota",
    name: `q-${namespace}`,
    props: { metadata: { name: "team", namespace }, spec: { hard } },
});

describe("policies/kubernetes job-namespace-has-quota", () => {
    it("passes a job namespace with a complete quota, and ignores other namespaces", async () => {
        assert.deepEqual(await violations(jobNamespaceHasQuota, [ns("spark-jobs"), quota("spark-jobs"), ns("airflow", false)]), []);
    });

    it("reports a job namespace without a quota, even when another namespace has one", async () => {
        assert.deepEqual(await violations(jobNamespaceHasQuota, [ns("spark-jobs"), ns("etl"), quota("spark-jobs")]), ["Namespace etl: a job namespace without a ResourceQuota"]);
    });

    it("reports a quota that leaves CPU, memory or pods uncapped", async () => {
        const found = await violations(jobNamespaceHasQuota, [ns("etl"), quota("etl", { "requests.cpu": "8", pods: "10" })]);
        assert.deepEqual(found, ["Namespace etl: its ResourceQuota does not set all of requests.cpu, requests.memory, limits.memory, pods in spec.hard"]);
    });

    it("counts a quota whose namespace is unknown at preview", async () => {
        assert.deepEqual(await violations(jobNamespaceHasQuota, [ns("etl"), quota(unknownString)]), []);
    });

    it("finds a quota in every job namespace of the stacks", async () => {
        for (const run of [await stackRun("local"), await stackRun("prod"), await stackRunWith("dev", { spark: { jobNamespaces: ["spark-jobs", "etl", "ml"] } })]) {
            const resources = run.resources.map((r) => ({ type: r.type, name: r.name, props: r.inputs }));
            const labelled = resources.filter((r) => r.type === "kubernetes:core/v1:Namespace" && (r.props as { metadata: { labels?: Record<string, string> } }).metadata.labels?.[jobNamespaceLabel] === "true");
            assert.ok(labelled.length >= 1, run.stack);
            assert.deepEqual(await violations(jobNamespaceHasQuota, resources), [], run.stack);
            const withoutQuotas = resources.filter((r) => r.type !== "kubernetes:core/v1:ResourceQuota");
            assert.equal((await violations(jobNamespaceHasQuota, withoutQuotas)).length, labelled.length, run.stack);
        }
    });
});
