import { strict as assert } from "assert";
import { charts } from "../../../components/services/charts";
import { SparkOperator, SparkOperatorArgs, sparkOperatorValues } from "../../../components/services/sparkOperator";
import { assertBlocksAt, assertOneChart, at, build, hardeningProblems, systemSelector } from "../../support/chartValues";

describe("services: Spark Operator values", () => {
    const args: SparkOperatorArgs = { namespace: "spark-operator", jobNamespaces: ["spark-jobs", "team-a"], nodeGroups: true };

    it("watches the job namespaces with the webhook and Prometheus metrics on", () => {
        const values = sparkOperatorValues(args);
        assert.deepEqual(at(values, "spark.jobNamespaces"), ["spark-jobs", "team-a"]);
        assert.equal(at(values, "webhook.enable"), true);
        assert.equal(at(values, "prometheus.metrics.enable"), true);
        assert.throws(() => sparkOperatorValues({ ...args, jobNamespaces: [] }), /jobNamespaces is empty/);
    });

    it("does not create its own spark service account or RBAC in job namespaces", () => {
        const values = sparkOperatorValues(args);
        assert.equal(at(values, "spark.serviceAccount.create"), false);
        assert.equal(at(values, "spark.rbac.create"), false);
        assert.equal(at(values, "spark.serviceAccount.name"), "spark");
    });

    it("gives controller and webhook requests, memory limits and restricted contexts", () => {
        const values = sparkOperatorValues(args);
        assertBlocksAt(values, "resources", ["controller.resources", "webhook.resources"]);
        assertBlocksAt(values, "container", ["controller.securityContext", "webhook.securityContext"]);
        assertBlocksAt(values, "pod", ["controller.podSecurityContext", "webhook.podSecurityContext"]);
        assert.deepEqual(hardeningProblems(values), []);
        assert.equal(at(values, "controller.securityContext.readOnlyRootFilesystem"), true);
    });

    it("runs on the system nodes, and anywhere on the local tier", () => {
        assert.deepEqual(at(sparkOperatorValues(args), "controller.nodeSelector"), systemSelector);
        assert.deepEqual(at(sparkOperatorValues(args), "webhook.nodeSelector"), systemSelector);
        const local = sparkOperatorValues({ ...args, nodeGroups: false });
        assert.equal(at(local, "controller.nodeSelector"), undefined);
        assert.equal(at(local, "webhook.nodeSelector"), undefined);
    });
});

describe("services: chart components under mocks", () => {
    it("SparkOperator installs the pinned chart with its values", async () => {
        const { resources } = await build(() => new SparkOperator("spark-operator", { namespace: "spark-operator", jobNamespaces: ["spark-jobs"], nodeGroups: true }));
        const values = assertOneChart(resources, charts.sparkOperator, "spark-operator");
        assert.deepEqual(at(values, "spark.jobNamespaces"), ["spark-jobs"]);
        assert.ok(resources.some((r) => r.type === "spark-k8s:services:SparkOperator"));
    });
});
