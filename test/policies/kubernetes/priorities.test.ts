import { strict as assert } from "assert";
import { podsNamePriorityClass, priorityClassType } from "../../../policies/kubernetes/priorities";
import { priorityLevels } from "../../../components/kubernetes/priorities";
import { FakeResource, unknownString, violations } from "../../support/policyArgs";
import { stackRun, stackRunWith } from "../../support";

const priorityClass = (name: string): FakeResource => ({ type: priorityClassType, name: `pc-${name}`, props: { metadata: { name }, value: 1000 } });
const deployment = (name: string, priorityClassName?: string): FakeResource => ({
    type: "kubernetes:apps/v1:Deployment",
    name,
    props: { metadata: { name }, spec: { template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: "x:1" }], ...(priorityClassName === undefined ? {} : { priorityClassName }) } } } },
});
const executorTemplate = (priorityClassName?: string): FakeResource => ({
    type: "kubernetes:core/v1:ConfigMap",
    name: "connect-conf",
    props: { metadata: { name: "connect-conf" }, data: { "executor-pod-template.yaml": JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: {}, spec: { containers: [{ name: "e", image: "x:1" }], ...(priorityClassName ? { priorityClassName } : {}) } }) } },
});

describe("policies/kubernetes pods-name-priority-class", () => {
    it("passes pods naming a class the stack defines or a system class", async () => {
        const found = await violations(podsNamePriorityClass, [priorityClass("spark-k8s-platform"), deployment("metastore", "spark-k8s-platform"), deployment("autoscaler", "system-cluster-critical"), executorTemplate("spark-k8s-platform")]);
        assert.deepEqual(found, []);
    });

    it("reports a pod without a class, one naming a class nobody defines, and an executor template without one", async () => {
        const found = await violations(podsNamePriorityClass, [priorityClass("spark-k8s-platform"), deployment("a"), deployment("b", "high"), executorTemplate()]);
        assert.deepEqual(found, [
            "Deployment a spec.template.spec: no priorityClassName",
            "Deployment b spec.template.spec: priorityClassName high is neither a PriorityClass of the stack nor a system class",
            "ConfigMap connect-conf data.executor-pod-template.yaml.spec: no priorityClassName",
        ]);
    });

    it("counts names unknown at preview as set, and any name as defined when a class's name is unknown", async () => {
        assert.deepEqual(await violations(podsNamePriorityClass, [deployment("a", unknownString)]), []);
        assert.deepEqual(await violations(podsNamePriorityClass, [priorityClass(unknownString), deployment("b", "high")]), []);
    });

    it("finds a defined class on every pod the stacks write themselves, and a violation for each once the classes are gone", async () => {
        for (const run of [await stackRun("local"), await stackRun("prod"), await stackRunWith("dev", { spark: { scenarios: ["jupyter-connect-k8s", "jupyter-connect-standalone", "airflow-k8s-submit"] } })]) {
            const resources = run.resources.map((r) => ({ type: r.type, name: r.name, props: r.inputs }));
            const classes = resources.filter((r) => r.type === priorityClassType).map((r) => (r.props as { metadata: { name: string } }).metadata.name);
            assert.deepEqual(classes.sort(), Object.values(priorityLevels).map((l) => l.name).sort(), run.stack);
            assert.deepEqual(await violations(podsNamePriorityClass, resources), [], run.stack);
            const withoutClasses = resources.filter((r) => r.type !== priorityClassType);
            assert.ok((await violations(podsNamePriorityClass, withoutClasses)).length >= 5, run.stack);
        }
    });
});
