import { strict as assert } from "assert";
import { containerLimitsWithinMaxima, containerResources } from "../../../policies/kubernetes/resources";
import { violations } from "../../support/policyArgs";
import { deployContainer, deployPodSpec, expectNone, expectOne, goodContainer, sparkApplicationSpec, sparkWrappers } from "../../support/policies/kubernetes";

describe("policies/kubernetes", () => {
    describe("pod-level and per-rule details", () => {
        const deploy = deployPodSpec;

        it("container-resources reports malformed quantities", async () => {
            await expectOne(containerResources, deploy({ containers: [goodContainer("app", { resources: { requests: { cpu: "1", memory: "4g" }, limits: { memory: "4Gi" } } })], initContainers: [] }), /requests\.memory "4g" is not a Kubernetes quantity/);
            assert.deepEqual(
                await violations(containerResources, deploy({ containers: [goodContainer("app", { resources: undefined })], initContainers: [] })),
                ["requests.cpu", "requests.memory", "limits.memory"].map((f) => `Deployment web spec.template.spec.containers[0] (app): resources.${f} is missing`),
            );
        });
    });

    describe("config", () => {
        const deploy = deployContainer;

        it("requireCpuLimits (default false)", async () => {
            const noCpuLimit = goodContainer();
            await expectNone(containerResources, deploy(noCpuLimit));
            await expectNone(containerResources, deploy(noCpuLimit), { requireCpuLimits: false });
            await expectOne(containerResources, deploy(noCpuLimit), /resources\.limits\.cpu is missing/, { requireCpuLimits: true });
            await expectNone(containerResources, deploy(goodContainer("app", { resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "1", memory: "1Gi" } } })), { requireCpuLimits: true });
        });

        it("maxCpu and maxMemory (defaults 16 and 128Gi)", async () => {
            const sized = (cpu: string, memory: string) => deploy(goodContainer("app", { resources: { requests: { cpu, memory }, limits: { cpu, memory } } }));
            await expectNone(containerLimitsWithinMaxima, sized("16", "128Gi"));
            await expectNone(containerLimitsWithinMaxima, sized("16000m", "131072Mi"));
            assert.equal((await violations(containerLimitsWithinMaxima, sized("16100m", "128Gi"))).length, 2); // request and limit
            assert.deepEqual(await violations(containerLimitsWithinMaxima, deploy(goodContainer("app", { resources: { requests: { cpu: "1", memory: "129Gi" } } }))), [
                "Deployment web spec.template.spec.containers[0] (app): resources.requests.memory 129Gi is above the maximum 128Gi",
            ]);
            await expectNone(containerLimitsWithinMaxima, sized("32", "256Gi"), { maxCpu: "32", maxMemory: "256Gi" });
            await expectOne(containerLimitsWithinMaxima, deploy(goodContainer("app", { resources: { requests: { cpu: "2500m", memory: "1Gi" } } })), /requests\.cpu 2500m is above the maximum 2$/, { maxCpu: "2" });
            await assert.rejects(violations(containerLimitsWithinMaxima, sized("1", "1Gi"), { maxMemory: "lots" }), /maxMemory "lots" is not a Kubernetes quantity/);
        });

        it("reads SparkApplication memory as a Spark memory string", async () => {
            await expectNone(containerLimitsWithinMaxima, sparkWrappers.SparkApplication(sparkApplicationSpec({ memory: "128g" })));
            assert.deepEqual(await violations(containerLimitsWithinMaxima, sparkWrappers.SparkApplication(sparkApplicationSpec({ memory: "129g" }))), [
                "SparkApplication pi spec.driver.containers[0] (spark-kubernetes-driver): resources.requests.memory 129g is above the maximum 128Gi",
                "SparkApplication pi spec.driver.containers[0] (spark-kubernetes-driver): resources.limits.memory 129g is above the maximum 128Gi",
            ]);
        });

        it("GPU containers are exempt from the maxima, including SparkApplication gpu", async () => {
            const app = sparkWrappers.SparkApplication(sparkApplicationSpec({}, { cores: 32, memory: "200g", gpu: { name: "nvidia.com/gpu", quantity: 1 } }));
            await expectNone(containerLimitsWithinMaxima, app);
            const noGpu = sparkWrappers.SparkApplication(sparkApplicationSpec({}, { cores: 32 }));
            await expectOne(containerLimitsWithinMaxima, noGpu, /spec\.executor\.containers\[0\] \(spark-kubernetes-executor\): resources\.requests\.cpu 32 is above the maximum 16/);
        });

    });
});
