import { strict as assert } from "assert";
import { priorityClassManifests, priorityClassName, priorityLevels, reservedPriorityValue, systemPriorityClassNames } from "../../../components/kubernetes/priorities";

describe("kubernetes: priority ladder", () => {
    it("ranks platform services above drivers above executors", () => {
        assert.ok(priorityLevels.platform.value > priorityLevels.driver.value);
        assert.ok(priorityLevels.driver.value > priorityLevels.executor.value);
    });

    it("lets executors wait instead of preempting, and drivers and services preempt lower pods", () => {
        assert.equal(priorityLevels.executor.preemptionPolicy, "Never");
        assert.equal(priorityLevels.driver.preemptionPolicy, "PreemptLowerPriority");
        assert.equal(priorityLevels.platform.preemptionPolicy, "PreemptLowerPriority");
    });

    it("stays below the system range and above the cluster-autoscaler's expendable cutoff (-10)", () => {
        for (const level of Object.values(priorityLevels)) {
            assert.ok(Number.isInteger(level.value), level.name);
            assert.ok(level.value < reservedPriorityValue, level.name);
            assert.ok(level.value > -10, level.name);
            assert.ok(!level.name.startsWith("system-"), level.name);
        }
    });

    it("writes one PriorityClass per level, none the global default, with the level's name, value and policy", () => {
        const manifests = priorityClassManifests();
        assert.equal(manifests.length, Object.keys(priorityLevels).length);
        for (const [level, spec] of Object.entries(priorityLevels)) {
            const m = manifests.find((x) => x.metadata.name === spec.name);
            assert.ok(m, level);
            assert.equal(m.apiVersion, "scheduling.k8s.io/v1");
            assert.equal(m.kind, "PriorityClass");
            assert.equal(m.value, spec.value);
            assert.equal(m.preemptionPolicy, spec.preemptionPolicy);
            assert.equal(m.globalDefault, false);
            assert.equal(priorityClassName(level as keyof typeof priorityLevels), spec.name);
        }
        assert.deepEqual([...systemPriorityClassNames].sort(), ["system-cluster-critical", "system-node-critical"]);
    });
});
