import { strict as assert } from "assert";
import { nodeGroupSizeCap, nodePoolMaxNodes, noSsh, spotAndGpuTainted } from "../../../policies/aws/nodeGroups";
import { expectFail, expectPass, nodeGroup } from "../../support/policies/aws";
import { nodePool } from "../../support/policies/karpenter";
import { unknownString } from "../../support/policyArgs";

describe("AWS policy rules", () => {
    describe("node groups", () => {
        it("no-ssh: no remoteAccess", async () => {
            await expectPass(noSsh, nodeGroup("system"));
            await expectFail(noSsh, nodeGroup("system", { remoteAccess: { ec2SshKey: "ops" } }), /"spark-prod-system": remoteAccess is set/);
        });

        it("node-group-size-cap: maxNodes and executorMaxNodes", async () => {
            await expectPass(nodeGroupSizeCap, nodeGroup("system", { scalingConfig: { maxSize: 100 } }));
            await expectFail(nodeGroupSizeCap, nodeGroup("system", { scalingConfig: { maxSize: 101 } }), /scalingConfig\.maxSize 101 exceeds maxNodes 100/);
            await expectPass(nodeGroupSizeCap, nodeGroup("executor", { scalingConfig: { maxSize: 1000 } }));
            await expectFail(nodeGroupSizeCap, nodeGroup("executor", { scalingConfig: { maxSize: 1001 } }), /exceeds executorMaxNodes 1000/);
        });

        it("node-group-size-cap: config per environment", async () => {
            await expectFail(nodeGroupSizeCap, nodeGroup("driver", { scalingConfig: { maxSize: 10 } }), /exceeds maxNodes 4/, { maxNodes: 4 });
            await expectPass(nodeGroupSizeCap, nodeGroup("driver", { scalingConfig: { maxSize: 4 } }), { maxNodes: 4 });
            await expectFail(nodeGroupSizeCap, nodeGroup("executor", { scalingConfig: { maxSize: 30 } }), /exceeds executorMaxNodes 20/, { executorMaxNodes: 20 });
            // The executor cap does not widen other groups, and maxNodes does not narrow the executor group.
            await expectPass(nodeGroupSizeCap, nodeGroup("executor", { scalingConfig: { maxSize: 30 } }), { maxNodes: 4 });
            await expectFail(nodeGroupSizeCap, nodeGroup("gpu", { scalingConfig: { maxSize: 30 } }), /maxNodes 4/, { maxNodes: 4, executorMaxNodes: 1000 });
            // A value of the wrong type keeps the default.
            await expectPass(nodeGroupSizeCap, nodeGroup("system", { scalingConfig: { maxSize: 50 } }), { maxNodes: "few" });
        });

        it("node-group-size-cap: a NodePool counts the nodes its CPU limit allows of its smallest type", async () => {
            // dev's executor pool: 10 nodes of 8 vCPU.
            assert.equal(nodePoolMaxNodes(nodePool("executor").props), 10);
            await expectPass(nodeGroupSizeCap, nodePool("executor", { maxSize: 1000 }));
            await expectFail(nodeGroupSizeCap, nodePool("executor", { maxSize: 1000 }), /NodePool spec\.limits\.cpu allows 1000 nodes .*above executorMaxNodes 20/, { executorMaxNodes: 20 });
            await expectFail(nodeGroupSizeCap, nodePool("gpu", { maxSize: 5 }), /allows 5 nodes .*above maxNodes 4/, { maxNodes: 4 });
            await expectFail(nodeGroupSizeCap, nodePool("gpu", {}, (m) => delete m.spec.limits), /has no spec\.limits\.cpu, so no bound on its nodes/);
        });

        it("spot-and-gpu-tainted: Karpenter NodePools that may launch spot or GPU capacity carry NoSchedule taints", async () => {
            await expectPass(spotAndGpuTainted, [nodePool("executor"), nodePool("gpu")]);
            await expectFail(spotAndGpuTainted, nodePool("executor", {}, (m) => (m.spec.template.spec.taints = [])), /NodePool may launch spot capacity .* no NoSchedule taint/);
            await expectFail(spotAndGpuTainted, nodePool("gpu", {}, (m) => (m.spec.template.spec.taints = [{ key: "spark-k8s/executor", value: "true", effect: "NoSchedule" }])), /may launch GPU instance types \(g5\.xlarge\) but has no NoSchedule taint with key "nvidia\.com\/gpu"/);
            // No capacity-type requirement means any capacity, spot included.
            await expectFail(spotAndGpuTainted, nodePool("executor", {}, (m) => {
                m.spec.template.spec.taints = [];
                m.spec.template.spec.requirements = m.spec.template.spec.requirements.filter((r) => r.key !== "karpenter.sh/capacity-type");
            }), /may launch spot capacity/);
            // Capacity types unknown during preview are not judged.
            await expectPass(spotAndGpuTainted, nodePool("executor", {}, (m) => {
                m.spec.template.spec.taints = [];
                m.spec.template.spec.requirements = m.spec.template.spec.requirements.map((r) => (r.key === "karpenter.sh/capacity-type" ? { ...r, values: [unknownString] } : r));
            }));
        });

        it("spot-and-gpu-tainted: spot and GPU groups carry NO_SCHEDULE taints", async () => {
            await expectPass(spotAndGpuTainted, [nodeGroup("system"), nodeGroup("executor"), nodeGroup("gpu")]);
            await expectFail(spotAndGpuTainted, nodeGroup("executor", { taints: [] }), /capacityType is "SPOT" but taints has no NO_SCHEDULE taint/);
            await expectFail(spotAndGpuTainted, nodeGroup("executor", { taints: [{ key: "spark-k8s/executor", value: "true", effect: "PREFER_NO_SCHEDULE" }] }), /SPOT/);
            await expectFail(spotAndGpuTainted, nodeGroup("gpu", { taints: [{ key: "dedicated", value: "gpu", effect: "NO_SCHEDULE" }] }), /GPU AMI but taints has no NO_SCHEDULE taint with key "nvidia\.com\/gpu"/);
            await expectFail(spotAndGpuTainted, nodeGroup("custom", { amiType: "AL2_x86_64_GPU", taints: undefined }), /AL2_x86_64_GPU/);
            await expectFail(spotAndGpuTainted, nodeGroup("custom", { amiType: "BOTTLEROCKET_x86_64_NVIDIA", taints: [] }), /nvidia\.com\/gpu/);
        });

        it("spot-and-gpu-tainted: untaintedSpotRoles lets the listed roles run spot untainted, and only them", async () => {
            const spotSystem = nodeGroup("system", { capacityType: "SPOT", taints: [] });
            await expectFail(spotAndGpuTainted, spotSystem, /capacityType is "SPOT"/);
            await expectPass(spotAndGpuTainted, spotSystem, { untaintedSpotRoles: ["system", "driver"] });
            await expectFail(spotAndGpuTainted, nodeGroup("executor", { taints: [] }), /SPOT/, { untaintedSpotRoles: ["system", "driver"] });
            // A GPU group still needs its GPU taint whatever the list says.
            await expectFail(spotAndGpuTainted, nodeGroup("gpu", { capacityType: "SPOT", taints: [] }), /nvidia\.com\/gpu/, { untaintedSpotRoles: ["gpu"] });
        });
    });
});
