import { strict as assert } from "assert";
import { instanceShape } from "../../../components/config/instanceTypes";
import { tierDefaults } from "../../../components/config/defaults";
import {
    allocatable,
    capacity,
    defaultDaemonSetBudget,
    executorSizing,
    explicitExecutorSizing,
    kubeReserved,
    NodeShape,
    smallestCommonShape,
} from "../../../components/spark/sizing";

const cpuTypes = ["m6i.2xlarge", "m6a.2xlarge", "m5.2xlarge", "m6i.4xlarge", "m6a.4xlarge", "m5.4xlarge", "m7i.4xlarge", "r6i.2xlarge", "c6i.4xlarge"];
const gpuTypes = ["g5.xlarge", "g5.2xlarge", "g5.12xlarge"];

function shape(name: string): NodeShape {
    const s = instanceShape(name);
    assert.ok(s, `${name} is in the catalogue`);
    return s;
}

describe("executor sizing: the allocatable model", () => {
    it("pins kube-reserved, capacity and allocatable for m6i.4xlarge", () => {
        const m6i = shape("m6i.4xlarge");
        assert.deepEqual(kubeReserved(m6i), { cpuMillis: 110, memoryMiB: 2829 }, "60+10+10+12×2.5 m CPU; 11×234+255 MiB");
        assert.deepEqual(capacity(m6i), { cpuMillis: 16000, memoryMiB: 60620 }, "64 GiB × 0.925");
        assert.deepEqual(defaultDaemonSetBudget, { cpuMillis: 350, memoryMiB: 600 });
        assert.deepEqual(allocatable(m6i), { cpuMillis: 15540, memoryMiB: 57091 }, "minus 100 MiB eviction and the DaemonSets");
        assert.deepEqual(allocatable(m6i, { cpuMillis: 0, memoryMiB: 0 }), { cpuMillis: 15890, memoryMiB: 57691 }, "what the kubelet reports");
    });

    it("follows the EKS CPU tiers at every size", () => {
        const cpu = (vcpu: number) => kubeReserved({ vcpu, memoryGiB: 4, maxPods: 10, gpus: 0 }).cpuMillis;
        assert.deepEqual([1, 2, 3, 4, 5, 8, 48, 64].map(cpu), [60, 70, 75, 80, 83, 90, 190, 230]);
    });

    it("pins the executors of m6i.4xlarge", () => {
        assert.deepEqual(executorSizing(shape("m6i.4xlarge")), {
            cores: 4,
            requestCoresMillis: 3885,
            memoryMiB: 12974,
            memoryOverheadMiB: 1298,
            podMemoryMiB: 14272,
            gpusPerExecutor: 0,
            executorsPerNode: 4,
            cpuFill: 1,
            memoryFill: 57088 / 57091,
        });
    });
});

describe("executor sizing: every instance type the tiers use", () => {
    it("covers the executor and GPU types of the tier defaults", () => {
        const used = new Set<string>();
        for (const tier of ["dev", "staging", "prod"] as const) {
            const groups = tierDefaults(tier).nodeGroups;
            groups.executor.instanceTypes.forEach((t) => used.add(t));
            groups.gpu.instanceTypes.forEach((t) => used.add(t));
        }
        for (const t of used) assert.ok([...cpuTypes, ...gpuTypes].includes(t), `${t} is sized by these tests`);
    });

    for (const name of [...cpuTypes, ...gpuTypes]) {
        it(`${name}: fills ≥ 90 % of allocatable CPU and memory without exceeding it`, () => {
            const s = shape(name);
            const alloc = allocatable(s);
            const sizing = executorSizing(s);
            assert.ok(sizing.cpuFill >= 0.9 && sizing.cpuFill <= 1, `cpuFill ${sizing.cpuFill}`);
            assert.ok(sizing.memoryFill >= 0.9 && sizing.memoryFill <= 1, `memoryFill ${sizing.memoryFill}`);
            assert.ok(sizing.executorsPerNode * sizing.requestCoresMillis <= alloc.cpuMillis);
            assert.ok(sizing.executorsPerNode * sizing.podMemoryMiB <= alloc.memoryMiB);
            assert.equal(sizing.podMemoryMiB, sizing.memoryMiB + sizing.memoryOverheadMiB);
            for (const n of [sizing.cores, sizing.requestCoresMillis, sizing.memoryMiB, sizing.memoryOverheadMiB, sizing.executorsPerNode]) {
                assert.ok(Number.isInteger(n) && n >= 1, `whole number ≥ 1: ${n}`);
            }
            assert.ok(sizing.memoryOverheadMiB >= 384);
            const share = sizing.memoryOverheadMiB / sizing.memoryMiB;
            assert.ok(sizing.memoryOverheadMiB === 384 || Math.abs(share - 0.1) < 0.002, `overhead ${share} of memory`);
            assert.ok(Math.abs(sizing.cores * 1000 - sizing.requestCoresMillis) < 500, "task slots match the CPU request");
        });
    }

    it("puts four 4-core executors on a 16-vCPU node and two on an 8-vCPU node", () => {
        assert.equal(executorSizing(shape("m6i.4xlarge")).executorsPerNode, 4);
        assert.equal(executorSizing(shape("m6i.2xlarge")).executorsPerNode, 2);
        assert.equal(executorSizing(shape("m6i.4xlarge"), { targetCoresPerExecutor: 8 }).executorsPerNode, 2);
        assert.equal(executorSizing(shape("m6i.large")).executorsPerNode, 1, "never fewer than one");
    });

    it("gives GPU nodes one executor per GPU", () => {
        for (const name of gpuTypes) {
            const s = shape(name);
            const sizing = executorSizing(s);
            assert.equal(sizing.executorsPerNode, s.gpus, name);
            assert.equal(sizing.gpusPerExecutor, 1, name);
        }
        assert.equal(executorSizing(shape("g5.12xlarge"), { gpusPerExecutor: 2 }).executorsPerNode, 2);
        assert.throws(() => executorSizing(shape("g5.12xlarge"), { gpusPerExecutor: 3 }), /whole divisor/);
        assert.throws(() => executorSizing(shape("m6i.4xlarge"), { gpusPerExecutor: 1 }), /without GPUs/);
    });

    it("keeps the 384 MiB overhead floor on small executors", () => {
        const sizing = executorSizing(shape("c6i.large"));
        assert.equal(sizing.memoryOverheadMiB, 384);
        assert.equal(sizing.podMemoryMiB, allocatable(shape("c6i.large")).memoryMiB);
    });

    it("honours a larger overhead factor and refuses nonsense options", () => {
        const sizing = executorSizing(shape("m6i.4xlarge"), { memoryOverheadFactor: 0.25 });
        assert.equal(sizing.podMemoryMiB, 14272);
        assert.ok(Math.abs(sizing.memoryOverheadMiB / sizing.memoryMiB - 0.25) < 0.001);
        assert.throws(() => executorSizing(shape("m6i.4xlarge"), { memoryOverheadFactor: 1 }), /memoryOverheadFactor/);
        assert.throws(() => executorSizing(shape("m6i.4xlarge"), { targetCoresPerExecutor: 0 }), /targetCoresPerExecutor/);
        assert.throws(() => executorSizing({ vcpu: 1, memoryGiB: 1, maxPods: 4, gpus: 0 }), /too small/);
    });

    it("sizes a mixed node group for the smallest of its types", () => {
        const common = smallestCommonShape([shape("m6i.4xlarge"), shape("c6i.4xlarge"), { vcpu: 16, memoryGiB: 64, maxPods: 737, gpus: 0 }]);
        assert.deepEqual(common, { vcpu: 16, memoryGiB: 32, maxPods: 737, gpus: 0 });
        const sizing = executorSizing(common);
        for (const name of ["m6i.4xlarge", "c6i.4xlarge"]) {
            const alloc = allocatable(shape(name));
            assert.ok(sizing.executorsPerNode * sizing.podMemoryMiB <= alloc.memoryMiB, name);
            assert.ok(sizing.executorsPerNode * sizing.requestCoresMillis <= alloc.cpuMillis, name);
        }
        assert.throws(() => smallestCommonShape([]), /at least one/);
    });
});

describe("executor sizing: explicit settings for unknown nodes", () => {
    it("derives overhead as Spark does and leaves the per-node figures undefined", () => {
        assert.deepEqual(explicitExecutorSizing({ cores: 1, memoryMiB: 1024, requestCoresMillis: 250 }), {
            cores: 1,
            requestCoresMillis: 250,
            memoryMiB: 1024,
            memoryOverheadMiB: 384,
            podMemoryMiB: 1408,
            gpusPerExecutor: 0,
            executorsPerNode: undefined,
            cpuFill: undefined,
            memoryFill: undefined,
        });
        const big = explicitExecutorSizing({ cores: 2, memoryMiB: 8000 });
        assert.equal(big.memoryOverheadMiB, 800);
        assert.equal(big.requestCoresMillis, 2000);
    });

    it("refuses settings Spark would refuse", () => {
        assert.throws(() => explicitExecutorSizing({ cores: 0, memoryMiB: 1024 }), /cores/);
        assert.throws(() => explicitExecutorSizing({ cores: 1.5, memoryMiB: 1024 }), /cores/);
        assert.throws(() => explicitExecutorSizing({ cores: 1, memoryMiB: 256 }), /memoryMiB/);
        assert.throws(() => explicitExecutorSizing({ cores: 1, memoryMiB: 1024, requestCoresMillis: 0 }), /requestCoresMillis/);
    });
});
