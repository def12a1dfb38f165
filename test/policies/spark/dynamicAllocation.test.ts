import { strict as assert } from "assert";
import { dynamicAllocationNeedsShuffle } from "../../../policies/spark/dynamicAllocation";
import { violations } from "../../support/policyArgs";
import { one, sparkApp, sparkConfMap } from "../../support/policies/spark";

describe("spark policy rules", () => {
    describe("dynamic-allocation-needs-shuffle", () => {
        const rule = dynamicAllocationNeedsShuffle;

        it("passes dynamic allocation with shuffle tracking or a shuffle service, and non-Kubernetes masters", async () => {
            assert.deepEqual(await violations(rule, sparkConfMap()), []);
            assert.deepEqual(await violations(rule, sparkConfMap({ "spark.dynamicAllocation.shuffleTracking.enabled": undefined, "spark.shuffle.service.enabled": "true" })), []);
            assert.deepEqual(await violations(rule, sparkConfMap({ "spark.dynamicAllocation.shuffleTracking.enabled": undefined, "spark.master": "spark://spark-master:7077" })), []);
            assert.deepEqual(await violations(rule, sparkConfMap({ "spark.dynamicAllocation.enabled": "false", "spark.dynamicAllocation.shuffleTracking.enabled": undefined })), []);
            assert.deepEqual(await violations(rule, sparkApp()), []);
            assert.deepEqual(await violations(rule, sparkApp({ spec: { sparkConf: {}, dynamicAllocation: { enabled: true, shuffleTrackingEnabled: true } } })), []);
            assert.deepEqual(await violations(rule, sparkApp({ spec: { sparkConf: {}, dynamicAllocation: { enabled: false } } })), []);
        });

        it("fails a k8s spark-defaults.conf with dynamic allocation but no shuffle tracking", async () => {
            one(await violations(rule, sparkConfMap({ "spark.dynamicAllocation.shuffleTracking.enabled": undefined })), /ConfigMap spark-connect-35-conf data\.spark-defaults\.conf: spark\.dynamicAllocation\.enabled is true with spark\.master k8s:\/\/.* but neither/);
            one(await violations(rule, sparkConfMap({ "spark.dynamicAllocation.shuffleTracking.enabled": "false" })), /neither spark\.dynamicAllocation\.shuffleTracking\.enabled nor spark\.shuffle\.service\.enabled is true/);
        });

        it("fails a SparkApplication with dynamic allocation (field or sparkConf) but no shuffle tracking", async () => {
            one(await violations(rule, sparkApp({ spec: { sparkConf: {} } })), /SparkApplication etl: spec\.dynamicAllocation\.enabled is true but neither/);
            one(await violations(rule, sparkApp({ spec: { sparkConf: { "spark.dynamicAllocation.enabled": "true" }, dynamicAllocation: undefined } })), /spec\.sparkConf\["spark\.dynamicAllocation\.enabled"\] is true/);
            one(await violations(rule, sparkApp({ spec: { sparkConf: {}, dynamicAllocation: { enabled: true, shuffleTrackingEnabled: false } } })), /but neither/);
        });
    });
});
