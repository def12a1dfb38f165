import { strict as assert } from "assert";
import { executorFitsNode } from "../../../policies/spark/executorFitsNode";
import { unknownString, violations } from "../../support/policyArgs";
import { devNodeGroups, nodeGroup, one, sparkApp, sparkConfMap } from "../../support/policies/spark";
import { nodePool } from "../../support/policies/karpenter";

describe("spark policy rules", () => {
    describe("executor-fits-node", () => {
        const rule = executorFitsNode;

        it("passes executors that fit the smallest instance type of their node group (ConfigMap and SparkApplication)", async () => {
            // m6i.2xlarge leaves 28717 MiB for pods; 13052m + 1306m = 14358 MiB.
            assert.deepEqual(await violations(rule, [...devNodeGroups, sparkConfMap(), sparkApp()]), []);
            // Exactly the allocatable memory of the smallest type fits.
            assert.deepEqual(await violations(rule, [...devNodeGroups, sparkConfMap({ "spark.executor.memory": "26106m", "spark.executor.memoryOverhead": "2611m" })]), []);
        });

        it("fails a spark-defaults.conf executor larger than the node, naming the smallest type", async () => {
            const found = await violations(rule, [...devNodeGroups, sparkConfMap({ "spark.executor.memory": "28g", "spark.executor.memoryOverhead": "2g" })]);
            one(found, /ConfigMap spark-connect-35-conf data\.spark-defaults\.conf: an executor pod needs 30720 MiB .* m6i\.2xlarge.* spark-dev-executor .*leaves 28717 MiB/);
            // One small type in the group is enough to fail: m5.xlarge leaves 13562 MiB.
            const mixed = [nodeGroup("executor", ["m6i.4xlarge", "m5.xlarge"]), sparkConfMap()];
            one(await violations(rule, mixed), /needs 14358 MiB .*m5\.xlarge.*leaves 13562 MiB/);
            // A computed overhead (max(384 MiB, 10 %)) and PySpark memory count too.
            one(await violations(rule, [...devNodeGroups, sparkConfMap({ "spark.executor.memory": "26500m", "spark.executor.memoryOverhead": undefined })]), /needs 29150 MiB \(memory 26500 MiB \+ overhead 2650 MiB\)/);
            one(await violations(rule, [...devNodeGroups, sparkConfMap({ "spark.executor.pyspark.memory": "16g" })]), /PySpark\/off-heap/);
        });

        it("fails a SparkApplication executor larger than the node group it selects", async () => {
            one(await violations(rule, [...devNodeGroups, sparkApp({ executor: { memory: "28g", memoryOverhead: "2g" } })]), /SparkApplication etl spec\.executor: an executor pod needs 30720 MiB/);
            // Spark's node selector keys select too.
            const viaConf = sparkApp({ executor: { memory: "28g", memoryOverhead: "2g", nodeSelector: undefined }, spec: { sparkConf: { "spark.kubernetes.executor.node.selector.spark-k8s/node-role": "executor", "spark.dynamicAllocation.shuffleTracking.enabled": "true" } } });
            one(await violations(rule, [...devNodeGroups, viaConf]), /needs 30720 MiB/);
        });

        it("reads Karpenter NodePools as it reads node groups: an executor must fit the smallest type the pool may launch", async () => {
            const system = [nodeGroup("system", ["m6i.large"]), nodeGroup("driver", ["m6i.xlarge"])];
            // The dev executor NodePool (m6i/m6a/m5 .2xlarge) holds the executors the platform sizes for it.
            assert.deepEqual(await violations(rule, [...system, nodePool("executor"), nodePool("gpu"), sparkConfMap(), sparkApp()]), []);
            // A pool that may also launch m5.xlarge is too small for them: that type leaves 13562 MiB.
            const tooSmall = nodePool("executor", { instanceTypes: ["m6i.2xlarge", "m5.xlarge"] });
            one(await violations(rule, [...system, tooSmall, sparkConfMap()]), /needs 14358 MiB .*m5\.xlarge, the smallest instance type of NodePool spark-executor \(spark-k8s\/node-role=executor\), leaves 13562 MiB/);
            // A pool that lists no instance types may launch any: there is no smallest to compare with.
            const anyType = nodePool("executor", {}, (m) => {
                m.spec.template.spec.requirements = m.spec.template.spec.requirements.filter((r) => r.key !== "node.kubernetes.io/instance-type");
            });
            assert.deepEqual(await violations(rule, [...system, anyType, sparkConfMap({ "spark.executor.memory": "200g" })]), []);
        });

        it("skips executors whose node group or instance shape is unknown (local tier), without violations", async () => {
            const huge = sparkConfMap({ "spark.executor.memory": "200g" });
            assert.deepEqual(await violations(rule, [huge]), [], "no node groups in the stack");
            assert.deepEqual(await violations(rule, [nodeGroup("executor", ["x9.mega"]), huge]), [], "unknown instance type");
            assert.deepEqual(await violations(rule, [...devNodeGroups, sparkConfMap({ "spark.executor.memory": "200g" }, null)]), [], "no template, no node role");
            assert.deepEqual(await violations(rule, [nodeGroup("executor", [unknownString]), huge]), [], "instance type unknown during preview");
            assert.deepEqual(await violations(rule, [{ ...nodeGroup("executor", []), props: { labels: { "spark-k8s/node-role": unknownString }, instanceTypes: unknownString } }, huge]), []);
        });
    });
});
