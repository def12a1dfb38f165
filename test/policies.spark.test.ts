import { strict as assert } from "assert";
import * as policy from "@pulumi/policy";
import { sparkRules, dynamicAllocationNeedsShuffle, executorFitsNode, executorsOnSpotOnlyExecutors, gpuIsolation, sparkResourcesDeclared } from "../policies/spark";
import { environments, PlatformRule } from "../policies/lib/rule";
import { FakeResource, violations } from "./support/policyArgs";
import { runStack, unwrapSecrets, RunOptions } from "../tools/harness";
import { stackRun } from "./support";

// ---------------------------------------------------------------------------------------------
// Fixtures

const t = {
    configMap: "kubernetes:core/v1:ConfigMap",
    deployment: "kubernetes:apps/v1:Deployment",
    statefulSet: "kubernetes:apps/v1:StatefulSet",
    daemonSet: "kubernetes:apps/v1:DaemonSet",
    job: "kubernetes:batch/v1:Job",
    cronJob: "kubernetes:batch/v1:CronJob",
    sparkApplication: "kubernetes:sparkoperator.k8s.io/v1beta2:SparkApplication",
    scheduledSparkApplication: "kubernetes:sparkoperator.k8s.io/v1beta2:ScheduledSparkApplication",
    nodeGroup: "aws:eks/nodeGroup:NodeGroup",
};

/** The sentinel @pulumi/policy uses for a string unknown during preview. */
const unknownString = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
/** What the analyzer wraps props in (its typings in 1.21 do not describe it). */
const unknownCheckingProxy = (policy as unknown as { unknownCheckingProxy: <T extends object>(props: T) => T }).unknownCheckingProxy;

const executorToleration = { key: "spark-k8s/executor", operator: "Equal", value: "true", effect: "NoSchedule" };
const gpuToleration = { key: "nvidia.com/gpu", operator: "Equal", value: "true", effect: "NoSchedule" };
const onExecutors = { "spark-k8s/node-role": "executor" };

/** A complete, compliant k8s-backend spark-defaults.conf, as sparkDefaults renders it. */
const goodConf: Record<string, string> = {
    "spark.master": "k8s://https://kubernetes.default.svc:443",
    "spark.executor.cores": "4",
    "spark.executor.memory": "13052m",
    "spark.executor.memoryOverhead": "1306m",
    "spark.dynamicAllocation.enabled": "true",
    "spark.dynamicAllocation.shuffleTracking.enabled": "true",
};

function render(conf: Record<string, string | undefined>): string {
    return Object.entries(conf)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${k} ${v}`)
        .join("\n");
}

function executorTemplate(spec: Record<string, unknown> = { nodeSelector: onExecutors, tolerations: [executorToleration] }): string {
    return JSON.stringify({
        apiVersion: "v1",
        kind: "Pod",
        metadata: { labels: { "spark-k8s/role": "executor" } },
        spec: { containers: [{ name: "spark-kubernetes-executor" }], ...spec },
    });
}

/** A ConfigMap like SparkConnect's: spark-defaults.conf with overrides, and an executor pod template beside it. */
function sparkConfMap(overrides: Record<string, string | undefined> = {}, template: string | null = executorTemplate(), name = "spark-connect-35"): FakeResource {
    return {
        type: t.configMap,
        name,
        props: {
            metadata: { name: `${name}-conf`, namespace: "spark-jobs" },
            data: { "spark-defaults.conf": render({ ...goodConf, ...overrides }), ...(template ? { "executor-pod-template.yaml": template } : {}) },
        },
    };
}

interface AppOptions {
    driver?: Record<string, unknown>;
    executor?: Record<string, unknown>;
    spec?: Record<string, unknown>;
}

const goodDriver = { cores: 1, coreLimit: "1200m", memory: "2g", memoryOverhead: "512m", serviceAccount: "spark", nodeSelector: { "spark-k8s/node-role": "driver" } };
const goodExecutor = { cores: 4, instances: 2, memory: "12g", memoryOverhead: "1300m", nodeSelector: onExecutors, tolerations: [executorToleration] };

function sparkApp(o: AppOptions = {}, name = "etl"): FakeResource {
    return {
        type: t.sparkApplication,
        name,
        props: {
            metadata: { name, namespace: "spark-jobs" },
            spec: {
                type: "Python",
                mode: "cluster",
                image: "example.com/spark:3.5.5",
                mainApplicationFile: "local:///opt/app/etl.py",
                sparkVersion: "3.5.5",
                sparkConf: { "spark.dynamicAllocation.shuffleTracking.enabled": "true" },
                dynamicAllocation: { enabled: true, minExecutors: 0, maxExecutors: 10 },
                driver: { ...goodDriver, ...(o.driver ?? {}) },
                executor: { ...goodExecutor, ...(o.executor ?? {}) },
                ...(o.spec ?? {}),
            },
        },
    };
}

function workload(type: string, podSpec: Record<string, unknown>, labels: Record<string, string> = {}, name = "app"): FakeResource {
    const template = { metadata: { labels: { "app.kubernetes.io/name": name, ...labels } }, spec: { containers: [{ name, image: "example.com/app:1.0.0" }], ...podSpec } };
    const spec = type === t.cronJob ? { schedule: "0 * * * *", jobTemplate: { spec: { template } } } : { template };
    return { type, name, props: { metadata: { name, labels }, spec } };
}

function nodeGroup(role: string, instanceTypes: string[], name = `spark-dev-${role}`): FakeResource {
    return {
        type: t.nodeGroup,
        name,
        props: { capacityType: role === "executor" ? "SPOT" : "ON_DEMAND", instanceTypes, labels: { "spark-k8s/node-role": role, "spark-k8s/capacity": role === "executor" ? "spot" : "on-demand" } },
    };
}

const devNodeGroups = [
    nodeGroup("system", ["m6i.large"]),
    nodeGroup("driver", ["m6i.xlarge"]),
    nodeGroup("executor", ["m6i.2xlarge", "m6a.2xlarge", "m5.2xlarge"]),
    nodeGroup("gpu", ["g5.xlarge"]),
];

const one = (found: string[], pattern: RegExp) => {
    assert.equal(found.length, 1, `expected one violation, got ${JSON.stringify(found)}`);
    assert.match(found[0], pattern);
};

// ---------------------------------------------------------------------------------------------

describe("spark policy rules", () => {
    describe("metadata", () => {
        it("every rule has a unique kebab-case name, the spark family and complete metadata", () => {
            const names = sparkRules.map((r) => r.name);
            assert.equal(new Set(names).size, names.length);
            assert.deepEqual(names.sort(), ["dynamic-allocation-needs-shuffle", "executor-fits-node", "executors-on-spot-only-executors", "gpu-isolation", "spark-resources-declared"]);
            for (const rule of sparkRules) {
                assert.match(rule.name, /^[a-z0-9]+(-[a-z0-9]+)*$/);
                assert.equal(rule.family, "spark");
                assert.ok(rule.description.length > 20, rule.name);
                assert.ok(rule.remediation.length > 20, rule.name);
                assert.ok(["low", "medium", "high", "critical"].includes(rule.severity), rule.name);
                for (const env of environments) assert.ok(["advisory", "mandatory", "remediate", "disabled"].includes(rule.defaultEnforcement[env]), `${rule.name} ${env}`);
                assert.ok(rule.kind === "stack" ? typeof rule.validateStack === "function" : rule.validateResource !== undefined, rule.name);
            }
            assert.equal(executorFitsNode.kind, "stack");
            assert.deepEqual(executorFitsNode.defaultEnforcement, { local: "advisory", dev: "advisory", staging: "mandatory", prod: "mandatory" });
            for (const rule of [sparkResourcesDeclared, executorsOnSpotOnlyExecutors, gpuIsolation, dynamicAllocationNeedsShuffle]) {
                assert.deepEqual(rule.defaultEnforcement, { local: "mandatory", dev: "mandatory", staging: "mandatory", prod: "mandatory" }, rule.name);
            }
            assert.deepEqual(Object.keys(sparkResourcesDeclared.configSchema?.properties ?? {}).sort(), ["maxCores", "maxMemory"]);
        });
    });

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

        it("skips executors whose node group or instance shape is unknown (local tier), without violations", async () => {
            const huge = sparkConfMap({ "spark.executor.memory": "200g" });
            assert.deepEqual(await violations(rule, [huge]), [], "no node groups in the stack");
            assert.deepEqual(await violations(rule, [nodeGroup("executor", ["x9.mega"]), huge]), [], "unknown instance type");
            assert.deepEqual(await violations(rule, [...devNodeGroups, sparkConfMap({ "spark.executor.memory": "200g" }, null)]), [], "no template, no node role");
            assert.deepEqual(await violations(rule, [nodeGroup("executor", [unknownString]), huge]), [], "instance type unknown during preview");
            assert.deepEqual(await violations(rule, [{ ...nodeGroup("executor", []), props: { labels: { "spark-k8s/node-role": unknownString }, instanceTypes: unknownString } }, huge]), []);
        });
    });

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

    describe("gpu-isolation", () => {
        const rule = gpuIsolation;
        const gpuContainer = { name: "train", image: "example.com/rapids:1.0.0", resources: { limits: { "nvidia.com/gpu": 1 } } };

        it("passes GPU pods that tolerate the GPU taint, and pods that stay off GPU nodes", async () => {
            assert.deepEqual(await violations(rule, workload(t.job, { containers: [gpuContainer], tolerations: [gpuToleration], nodeSelector: { "spark-k8s/node-role": "gpu" } })), []);
            assert.deepEqual(await violations(rule, workload(t.deployment, { nodeSelector: { "spark-k8s/node-role": "system" } })), []);
            assert.deepEqual(await violations(rule, sparkApp({ executor: { gpu: { name: "nvidia.com/gpu", quantity: 1 }, nodeSelector: { "spark-k8s/node-role": "gpu" }, tolerations: [gpuToleration] } })), []);
            // RAPIDS executors ask Spark for GPUs in spark-defaults.conf beside their template.
            const rapids = sparkConfMap({ "spark.executor.resource.gpu.amount": "1", "spark.executor.resource.gpu.vendor": "nvidia.com" }, executorTemplate({ nodeSelector: { "spark-k8s/node-role": "gpu" }, tolerations: [gpuToleration] }));
            assert.deepEqual(await violations(rule, rapids), []);
        });

        it("fails a container requesting nvidia.com/gpu in a pod that does not tolerate the taint", async () => {
            one(await violations(rule, workload(t.job, { containers: [gpuContainer] }, {}, "train")), /Job train spec\.template\.spec\.containers\[0\] \(train\): requests nvidia\.com\/gpu but the pod does not tolerate nvidia\.com\/gpu=true:NoSchedule/);
            one(await violations(rule, sparkApp({ executor: { gpu: { name: "nvidia.com/gpu", quantity: 1 } } })), /SparkApplication etl spec\.executor\.containers\[0\] \(spark-kubernetes-executor\): requests nvidia\.com\/gpu/);
            const rapids = sparkConfMap({ "spark.executor.resource.gpu.amount": "1", "spark.executor.resource.gpu.vendor": "nvidia.com" });
            one(await violations(rule, rapids), /ConfigMap spark-connect-35-conf data\.executor-pod-template\.yaml\.spec: spark\.executor\.resource\.gpu\.amount asks Spark for nvidia\.com\/gpu/);
        });

        it("fails pods that tolerate the GPU taint or select GPU nodes without requesting a GPU", async () => {
            one(await violations(rule, workload(t.deployment, { tolerations: [gpuToleration] }, {}, "jupyter")), /Deployment jupyter spec\.template\.spec: tolerates nvidia\.com\/gpu=true:NoSchedule but no container requests nvidia\.com\/gpu/);
            one(await violations(rule, workload(t.deployment, { nodeSelector: { "spark-k8s/node-role": "gpu" } }, {}, "jupyter")), /selects spark-k8s\/node-role=gpu but no container requests/);
            one(await violations(rule, sparkApp({ driver: { tolerations: [gpuToleration] } })), /spec\.driver: tolerates nvidia\.com\/gpu/);
            const template = await violations(rule, sparkConfMap({}, executorTemplate({ nodeSelector: { "spark-k8s/node-role": "gpu" }, tolerations: [gpuToleration] })));
            assert.equal(template.length, 2);
            assert.match(template[0], /executor-pod-template\.yaml\.spec: tolerates nvidia\.com\/gpu/);
            assert.match(template[1], /executor-pod-template\.yaml\.spec: selects spark-k8s\/node-role=gpu/);
        });

        it("lets DaemonSets (the device plugin) tolerate the GPU taint without requesting GPUs", async () => {
            assert.deepEqual(await violations(rule, workload(t.daemonSet, { tolerations: [gpuToleration], nodeSelector: { "spark-k8s/node-role": "gpu" } }, {}, "nvidia-device-plugin")), []);
        });
    });

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

    describe("values unknown during preview", () => {
        const unknownApp = (): FakeResource => {
            const app = sparkApp({ executor: { memory: unknownString, memoryOverhead: unknownString, cores: unknownString, tolerations: unknownString, nodeSelector: unknownString } });
            return app;
        };

        it("skips unknown values without violations or errors, as plain sentinels", async () => {
            for (const rule of sparkRules) {
                assert.deepEqual(await violations(rule, [unknownApp(), ...devNodeGroups]), [], rule.name);
                const cm: FakeResource = { type: t.configMap, name: "spark-connect-35", props: { data: { "spark-defaults.conf": unknownString, "executor-pod-template.yaml": unknownString } } };
                assert.deepEqual(await violations(rule, [cm, ...devNodeGroups]), [], rule.name);
                const partial = sparkConfMap({ "spark.executor.memory": unknownString, "spark.dynamicAllocation.shuffleTracking.enabled": unknownString });
                assert.deepEqual(await violations(rule, [partial, ...devNodeGroups]), [], rule.name);
                const deployment = workload(t.deployment, { tolerations: unknownString, nodeSelector: unknownString });
                assert.deepEqual(await violations(rule, [deployment, ...devNodeGroups]), [], rule.name);
            }
        });

        it("skips unknown values behind the analyzer's unknown-checking proxy", async () => {
            const proxied = (r: FakeResource): FakeResource => ({ ...r, props: unknownCheckingProxy(r.props) });
            for (const rule of sparkRules) {
                const resources = [
                    proxied(unknownApp()),
                    proxied({ type: t.configMap, name: "c", props: { data: unknownString } }),
                    proxied(sparkConfMap({ "spark.executor.memory": unknownString })),
                    proxied(workload(t.deployment, { tolerations: [{ key: unknownString, operator: "Exists" }], nodeSelector: { "spark-k8s/node-role": unknownString } })),
                    ...devNodeGroups.map(proxied),
                    proxied({ ...nodeGroup("executor", []), props: { labels: unknownString, instanceTypes: unknownString } }),
                ];
                assert.deepEqual(await violations(rule, resources), [], rule.name);
            }
        });
    });

    describe("the platform's offline plans", function () {
        this.timeout(300000);
        const publicAccess = { cluster: { publicAccessCidrs: ["198.51.100.0/24"] } };
        const runs: [string, string, RunOptions][] = [
            ["local", "local", {}],
            ["dev", "dev", {}],
            ["staging", "staging", {}],
            ["prod", "prod", {}],
            ["prod", "prod with the gpu preset", { config: { spark: { presets: ["gpu"] } } }],
            ["dev", "dev, jupyter-connect-standalone", { config: { spark: { scenarios: ["jupyter-connect-standalone"] }, ...publicAccess } }],
        ];

        async function ruleViolations(rules: PlatformRule[], resources: FakeResource[]): Promise<string[]> {
            const found: string[] = [];
            for (const rule of rules) for (const message of await violations(rule, resources)) found.push(`${rule.name}: ${message}`);
            return found;
        }

        for (const [stack, label, options] of runs) {
            it(`${label}: no Spark rule is violated`, async () => {
                const run = options.config ? await runStack(stack, options) : await stackRun(stack);
                const resources: FakeResource[] = run.resources.map((r) => ({ type: r.type, name: r.name, urn: r.urn, props: unwrapSecrets(r.inputs) as Record<string, unknown> }));
                assert.ok(resources.some((r) => r.type === t.configMap && JSON.stringify(r.props).includes("spark-defaults.conf")), "the plan has Spark configuration to check");
                assert.deepEqual(await ruleViolations(sparkRules, resources), []);
            });
        }
    });
});
