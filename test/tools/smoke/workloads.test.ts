import { strict as assert } from "assert";
import type { V1DaemonSet, V1Deployment, V1StatefulSet } from "@kubernetes/client-node";
import { daemonSetStatus, deploymentStatus, statefulSetStatus, workloadsResult } from "../../../tools/smoke/workloads";

const dep = (replicas: number, status: Record<string, number>, generation = 1): V1Deployment => ({ metadata: { name: "d", namespace: "ns", generation }, spec: { replicas, selector: {}, template: {} }, status });

describe("tools/smoke/workloads", () => {
    it("a Deployment is ready when the rollout is observed and every desired replica is updated and available", () => {
        assert.equal(deploymentStatus(dep(2, { observedGeneration: 1, replicas: 2, updatedReplicas: 2, availableReplicas: 2 })).ready, true);
        assert.equal(deploymentStatus(dep(2, { observedGeneration: 1, replicas: 2, updatedReplicas: 2, availableReplicas: 1 })).detail, "1/2 available");
        assert.equal(deploymentStatus(dep(2, { observedGeneration: 1, replicas: 2, updatedReplicas: 2, availableReplicas: 1 })).ready, false);
        assert.equal(deploymentStatus(dep(1, { observedGeneration: 1, replicas: 2, updatedReplicas: 1, availableReplicas: 1 })).ready, false, "an old replica still running");
        assert.equal(deploymentStatus(dep(1, { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 1 }, 2)).detail, "rollout not observed yet");
        assert.equal(deploymentStatus(dep(0, { observedGeneration: 1 })).ready, true);
    });

    it("a StatefulSet needs its ready replicas on the update revision; a DaemonSet every scheduled pod ready and updated", () => {
        const st = (ready: number, current: string, update: string, updated: number): V1StatefulSet => ({ metadata: { name: "s", namespace: "ns", generation: 1 }, spec: { replicas: 1, selector: {}, serviceName: "s", template: {} }, status: { observedGeneration: 1, replicas: 1, readyReplicas: ready, currentRevision: current, updateRevision: update, updatedReplicas: updated } });
        assert.equal(statefulSetStatus(st(1, "r1", "r1", 1)).ready, true);
        assert.equal(statefulSetStatus(st(0, "r1", "r1", 1)).ready, false);
        assert.equal(statefulSetStatus(st(1, "r1", "r2", 0)).ready, false);
        const ds = (desired: number, ready: number, updated: number): V1DaemonSet => ({ metadata: { name: "x", namespace: "ns", generation: 1 }, status: { observedGeneration: 1, desiredNumberScheduled: desired, numberReady: ready, updatedNumberScheduled: updated, currentNumberScheduled: desired, numberMisscheduled: 0 } });
        assert.equal(daemonSetStatus(ds(3, 3, 3)).ready, true);
        assert.equal(daemonSetStatus(ds(3, 2, 3)).ready, false);
        assert.equal(daemonSetStatus(ds(0, 0, 0)).detail, "no node selected (0 scheduled)");
    });

    it("one verdict per namespace: an empty namespace fails, a workload not ready fails with the describe command", () => {
        assert.equal(workloadsResult("w", "ns", [], 0).verdict, "failed");
        const ok = deploymentStatus(dep(1, { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 1 }));
        const bad = { ...deploymentStatus(dep(1, { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 0 })), name: "hive-metastore" };
        assert.equal(workloadsResult("w", "ns", [ok], 0).verdict, "passed");
        const failed = workloadsResult("w", "ns", [ok, bad], 0);
        assert.equal(failed.verdict, "failed");
        assert.match(failed.detail, /1 of 2 not ready: Deployment hive-metastore \(0\/1 available\)/);
        assert.equal(failed.hint, "kubectl -n ns describe deployment/hive-metastore");
    });
});
