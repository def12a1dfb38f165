import { strict as assert } from "assert";
import { gpuIsolation } from "../../../policies/spark/gpuIsolation";
import { violations } from "../../support/policyArgs";
import { executorTemplate, gpuToleration, one, sparkApp, sparkConfMap, t, workload } from "../../support/policies/spark";

describe("spark policy rules", () => {
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
});
