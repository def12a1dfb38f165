import { strict as assert } from "assert";
import * as k8s from "@pulumi/kubernetes";
import { nodeGroupPlan } from "../../../components/aws/nodeGroups";
import { executorTaint, gpuTaint, nodeRoleLabel } from "../../../components/config/nodeRoles";
import { tierDefaults } from "../../../components/config/defaults";
import { hardenPodSpec } from "../../../components/kubernetes/hardening";
import { onDriverNodes, onExecutorNodes, onGpuNodes, onSystemNodes, Placement } from "../../../components/kubernetes/scheduling";
import { validateK8sObject } from "../../support/k8sSchema";

type PodSpec = k8s.types.output.core.v1.PodSpec;

describe("scheduling", () => {
    const groups = tierDefaults("prod").nodeGroups;

    /** True when a placement's tolerations tolerate the taint. */
    function tolerates(placement: Placement, taint: { key: string; value: string; effect: string }): boolean {
        return (placement.tolerations ?? []).some((t) => t.key === taint.key && t.operator === "Equal" && t.value === taint.value && t.effect === taint.effect);
    }

    const roles = [
        ["system", onSystemNodes()],
        ["driver", onDriverNodes()],
        ["executor", onExecutorNodes()],
        ["gpu", onGpuNodes(1).placement],
    ] as const;

    for (const [role, placement] of roles) {
        it(`${role} pods select the ${role} node group's label and tolerate exactly its taints`, () => {
            const plan = nodeGroupPlan(role, groups[role]);
            for (const [key, value] of Object.entries(placement.nodeSelector ?? {})) assert.equal(plan.labels[key], value, `${role} nodes lack ${key}=${value}`);
            assert.equal(placement.nodeSelector?.[nodeRoleLabel], role);
            for (const taint of plan.taints) assert.ok(tolerates(placement, taint), `${role} pods do not tolerate ${taint.key}`);
            assert.equal((placement.tolerations ?? []).length, plan.taints.length, `${role} pods tolerate taints of other groups`);
        });
    }

    it("keeps system and driver pods off executor and GPU nodes", () => {
        for (const placement of [onSystemNodes(), onDriverNodes()]) {
            assert.ok(!tolerates(placement, executorTaint) && !tolerates(placement, gpuTaint));
        }
        assert.ok(!tolerates(onExecutorNodes(), gpuTaint));
    });

    it("claims GPUs through container limits and refuses a non-positive or fractional count", () => {
        assert.deepEqual(onGpuNodes(2).limits, { "nvidia.com/gpu": "2" });
        assert.throws(() => onGpuNodes(0), /positive integer/);
        assert.throws(() => onGpuNodes(1.5), /positive integer/);
    });

    it("selects and tolerates nothing without node groups (the local tier), but still claims GPUs", () => {
        for (const placement of [onSystemNodes({ nodeGroups: false }), onDriverNodes({ nodeGroups: false }), onExecutorNodes({ nodeGroups: false })]) {
            assert.deepEqual(placement, {});
        }
        assert.deepEqual(onGpuNodes(1, { nodeGroups: false }), { placement: {}, limits: { "nvidia.com/gpu": "1" } });
    });

    it("makes a hardened GPU pod that validates", () => {
        const gpu = onGpuNodes(1);
        const spec = hardenPodSpec({
            ...gpu.placement,
            restartPolicy: "Never",
            containers: [{ name: "rapids", image: "apache/spark:4.0.1", resources: { requests: { cpu: "4", memory: "16Gi" }, limits: { ...gpu.limits } } }],
        });
        const plain = spec as unknown as PodSpec;
        assert.deepEqual(plain.containers[0].resources.limits, { memory: "16Gi", "nvidia.com/gpu": "1" });
        assert.deepEqual(validateK8sObject({ apiVersion: "v1", kind: "Pod", metadata: { name: "rapids" }, spec }), []);
    });
});
