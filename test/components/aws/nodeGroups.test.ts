import { strict as assert } from "assert";
import { tierDefaults } from "../../../components/config/defaults";
import { nodeGroupPlan } from "../../../components/aws/nodeGroups";
import { executorTaint, gpuTaint, nodeRoleLabel } from "../../../components/config/nodeRoles";

describe("node group plans", () => {
    const d = tierDefaults("prod").nodeGroups;

    it("runs executors on SPOT behind a taint, with autoscaler templates for scale-from-zero", () => {
        const p = nodeGroupPlan("executor", d.executor);
        assert.equal(p.capacityType, "SPOT");
        assert.deepEqual(p.taints, [executorTaint]);
        assert.equal(p.labels[nodeRoleLabel], "executor");
        assert.equal(p.autoscalerTags["k8s.io/cluster-autoscaler/node-template/taint/spark-k8s/executor"], "true:NoSchedule");
        assert.equal(p.autoscalerTags["k8s.io/cluster-autoscaler/node-template/label/spark-k8s/node-role"], "executor");
        assert.equal(p.autoscalerTags["k8s.io/cluster-autoscaler/node-template/label/eks.amazonaws.com/capacityType"], "SPOT");
    });

    it("gives GPU nodes the NVIDIA AMI, the nvidia.com/gpu taint and a GPU count the autoscaler can see", () => {
        const p = nodeGroupPlan("gpu", { ...d.gpu, instanceTypes: ["g5.12xlarge"] });
        assert.equal(p.amiType, "AL2023_x86_64_NVIDIA");
        assert.equal(p.capacityType, "ON_DEMAND");
        assert.deepEqual(p.taints, [gpuTaint]);
        assert.equal(p.autoscalerTags["k8s.io/cluster-autoscaler/node-template/resources/nvidia.com/gpu"], "4");
        assert.equal(p.autoscalerTags["k8s.io/cluster-autoscaler/node-template/taint/nvidia.com/gpu"], "true:NoSchedule");
    });

    it("keeps system and driver nodes on demand and untainted", () => {
        for (const role of ["system", "driver"] as const) {
            const p = nodeGroupPlan(role, d[role]);
            assert.equal(p.capacityType, "ON_DEMAND");
            assert.equal(p.amiType, "AL2023_x86_64_STANDARD");
            assert.deepEqual(p.taints, []);
            assert.ok(!Object.keys(p.autoscalerTags).some((k) => k.includes("/taint/")));
        }
    });
});
