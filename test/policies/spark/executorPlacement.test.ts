import { strict as assert } from "assert";
import { executorsOnSpotOnlyExecutors } from "../../../policies/spark/executorPlacement";
import { violations } from "../../support/policyArgs";
import { executorTemplate, executorToleration, one, onExecutors, sparkApp, sparkConfMap, t, workload } from "../../support/policies/spark";

describe("spark policy rules", () => {
    describe("executors-on-spot-only-executors", () => {
        const rule = executorsOnSpotOnlyExecutors;

        it("passes executors that tolerate the executor taint, and drivers/servers on their own nodes", async () => {
            assert.deepEqual(await violations(rule, sparkConfMap()), []);
            assert.deepEqual(await violations(rule, sparkApp()), []);
            assert.deepEqual(await violations(rule, workload(t.deployment, { nodeSelector: { "spark-k8s/node-role": "driver" } }, { "app.kubernetes.io/component": "spark-connect" })), []);
            assert.deepEqual(await violations(rule, workload(t.statefulSet, { nodeSelector: { "spark-k8s/node-role": "system" } }, { "app.kubernetes.io/component": "database" })), []);
        });

        it("fails executors that select the executor nodes without tolerating the taint", async () => {
            one(await violations(rule, sparkConfMap({}, executorTemplate({ nodeSelector: onExecutors }))), /ConfigMap spark-connect-35-conf data\.executor-pod-template\.yaml\.spec: an executor pod selects spark-k8s\/node-role=executor but does not tolerate spark-k8s\/executor=true:NoSchedule/);
            one(await violations(rule, sparkApp({ executor: { tolerations: [] } })), /SparkApplication etl spec\.executor: an executor pod selects/);
        });

        it("fails drivers, Connect servers and platform workloads that tolerate the executor taint or select spot", async () => {
            one(await violations(rule, sparkApp({ driver: { tolerations: [executorToleration] } })), /spec\.driver: a Spark driver tolerates spark-k8s\/executor=true:NoSchedule/);
            one(await violations(rule, sparkApp({ driver: { nodeSelector: { "eks.amazonaws.com/capacityType": "SPOT" } } })), /spec\.driver: a Spark driver selects eks\.amazonaws\.com\/capacityType=SPOT/);
            // Node selection Spark adds: the application-wide spec.nodeSelector and spark.kubernetes.*node.selector.* keys.
            one(await violations(rule, sparkApp({ driver: { nodeSelector: undefined }, spec: { nodeSelector: { "spark-k8s/capacity": "spot" } } })), /spec\.driver: a Spark driver selects spark-k8s\/capacity=spot/);
            const viaConf = sparkApp({ driver: { nodeSelector: undefined }, spec: { sparkConf: { "spark.kubernetes.driver.node.selector.spark-k8s/node-role": "executor", "spark.dynamicAllocation.shuffleTracking.enabled": "true" } } });
            one(await violations(rule, viaConf), /spec\.driver: a Spark driver selects spark-k8s\/node-role=executor/);
            one(await violations(rule, workload(t.deployment, { tolerations: [executorToleration] }, { "app.kubernetes.io/component": "spark-connect" }, "spark-connect-35")), /Deployment spark-connect-35 spec\.template\.spec: a non-executor pod tolerates/);
            one(await violations(rule, workload(t.statefulSet, { nodeSelector: { "spark-k8s/capacity": "spot" } }, {}, "postgres")), /StatefulSet postgres .*selects spark-k8s\/capacity=spot/);
            one(await violations(rule, workload(t.deployment, { nodeSelector: onExecutors }, {}, "hive-metastore")), /Deployment hive-metastore .*selects spark-k8s\/node-role=executor/);
            one(await violations(rule, workload(t.cronJob, { tolerations: [{ operator: "Exists" }] }, {}, "backup")), /CronJob backup .*a job pod tolerates every taint/);
            const affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "eks.amazonaws.com/capacityType", operator: "In", values: ["SPOT"] }] }] } } };
            one(await violations(rule, workload(t.job, { affinity }, {}, "airflow-migrate")), /Job airflow-migrate .*selects eks\.amazonaws\.com\/capacityType=SPOT/);
        });

        it("lets Spark standalone workers (component spark-worker) run on the executor nodes, and requires them to tolerate the taint", async () => {
            const worker = (spec: Record<string, unknown>) => workload(t.deployment, { nodeSelector: onExecutors, ...spec }, { "app.kubernetes.io/component": "spark-worker" }, "spark-connect-35-standalone-worker");
            assert.deepEqual(await violations(rule, worker({ tolerations: [executorToleration] })), []);
            one(await violations(rule, worker({})), /a Spark standalone worker selects spark-k8s\/node-role=executor but does not tolerate/);
            // The standalone master is not a worker.
            const master = await violations(rule, workload(t.statefulSet, { nodeSelector: onExecutors, tolerations: [executorToleration] }, { "app.kubernetes.io/component": "spark-master" }, "spark-master"));
            assert.equal(master.length, 2);
            assert.match(master[0], /StatefulSet spark-master .*tolerates spark-k8s\/executor/);
            assert.match(master[1], /StatefulSet spark-master .*selects spark-k8s\/node-role=executor/);
        });

        it("leaves DaemonSets (node agents) alone", async () => {
            assert.deepEqual(await violations(rule, workload(t.daemonSet, { tolerations: [{ operator: "Exists" }] }, {}, "node-exporter")), []);
        });
    });
});
