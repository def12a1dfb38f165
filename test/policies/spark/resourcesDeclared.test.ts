import { strict as assert } from "assert";
import { sparkResourcesDeclared } from "../../../policies/spark/resourcesDeclared";
import { violations } from "../../support/policyArgs";
import { one, sparkApp, sparkConfMap, t } from "../../support/policies/spark";

describe("spark policy rules", () => {
    describe("spark-resources-declared", () => {
        const rule = sparkResourcesDeclared;

        it("passes a SparkApplication whose driver and executor declare cores, memory and overhead", async () => {
            assert.deepEqual(await violations(rule, sparkApp()), []);
            assert.deepEqual(await violations(rule, sparkApp({ executor: { cores: undefined, coreRequest: "3500m" } })), []);
            assert.deepEqual(await violations(rule, { ...sparkApp(), type: t.scheduledSparkApplication, props: { spec: { schedule: "@daily", template: sparkApp().props.spec } } }), []);
        });

        it("fails a SparkApplication without memoryOverhead, cores or memory, naming the field", async () => {
            one(await violations(rule, sparkApp({ executor: { memoryOverhead: undefined } })), /SparkApplication etl: spec\.executor\.memoryOverhead is not set/);
            one(await violations(rule, sparkApp({ driver: { cores: undefined } })), /spec\.driver\.cores \(or coreRequest\) is not set/);
            one(await violations(rule, sparkApp({ driver: { memory: undefined } })), /spec\.driver\.memory is not set/);
            one(await violations(rule, sparkApp({ spec: { executor: undefined } })), /spec\.executor is missing/);
            const scheduled = { type: t.scheduledSparkApplication, name: "nightly", props: { spec: { template: sparkApp({ executor: { memory: undefined } }).props.spec } } };
            one(await violations(rule, scheduled), /ScheduledSparkApplication nightly: spec\.template\.executor\.memory is not set/);
        });

        it("fails a SparkApplication above maxCores or maxMemory, and honours the config", async () => {
            one(await violations(rule, sparkApp({ executor: { cores: 48 } })), /spec\.executor\.cores is 48, above the limit of 32 cores/);
            one(await violations(rule, sparkApp({ driver: { memory: "300g" } })), /spec\.driver\.memory is 300g .*above the limit of 256g/);
            one(await violations(rule, sparkApp({ executor: { memory: "12 gigs" } })), /not a Spark memory size/);
            one(await violations(rule, sparkApp(), { maxCores: 2 }), /spec\.executor\.cores is 4, above the limit of 2 cores/);
            one(await violations(rule, sparkApp(), { maxMemory: "8g" }), /spec\.executor\.memory is 12g .*above the limit of 8g/);
        });

        it("passes a spark-defaults.conf ConfigMap with the executor keys, and one that only configures the History Server", async () => {
            assert.deepEqual(await violations(rule, sparkConfMap()), []);
            const history = { type: t.configMap, name: "history-server", props: { data: { "spark-defaults.conf": "spark.history.fs.logDirectory s3a://logs/spark-events/\nspark.history.ui.port 18080" } } };
            assert.deepEqual(await violations(rule, history), []);
            assert.deepEqual(await violations(rule, { type: t.configMap, name: "other", props: { data: { "app.properties": "a=b" } } }), []);
        });

        it("fails a spark-defaults.conf ConfigMap missing an executor key or above the limits", async () => {
            one(await violations(rule, sparkConfMap({ "spark.executor.memoryOverhead": undefined })), /ConfigMap spark-connect-35-conf data\.spark-defaults\.conf: spark\.executor\.memoryOverhead is not set/);
            one(await violations(rule, sparkConfMap({ "spark.executor.cores": undefined })), /spark\.executor\.cores is not set/);
            one(await violations(rule, sparkConfMap({ "spark.executor.cores": "64" })), /spark\.executor\.cores is 64, above the limit of 32/);
            one(await violations(rule, sparkConfMap({ "spark.executor.memory": "512g" })), /spark\.executor\.memory is 512g .*above the limit of 256g/);
        });
    });
});
