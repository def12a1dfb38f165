import { strict as assert } from "assert";
import { gpuTaint, nodeRoleLabel } from "../../../components/config/nodeRoles";
import { charts } from "../../../components/services/charts";
import { mpsCapableNodeLabel, NvidiaDevicePlugin, nvidiaDevicePluginExemption, nvidiaDevicePluginValues } from "../../../components/services/nvidiaDevicePlugin";
import { stackRunWith } from "../../support";
import { assertBlocksAt, assertOneChart, at, build, hardeningProblems, Obj } from "../../support/chartValues";

describe("services: NVIDIA device plugin values", () => {
    it("schedules only on the GPU nodes, tolerating their taint", () => {
        const values = nvidiaDevicePluginValues();
        assert.deepEqual(values.nodeSelector, { [nodeRoleLabel]: "gpu" });
        assert.deepEqual(values.tolerations, [{ key: gpuTaint.key, operator: "Equal", value: gpuTaint.value, effect: gpuTaint.effect }]);
        const terms = at(values, "affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms") as Obj[];
        assert.deepEqual(terms, [{ matchExpressions: [{ key: nodeRoleLabel, operator: "In", values: ["gpu"] }] }]);
    });

    it("is not privileged and keeps the feature-discovery daemon (privileged) off", () => {
        const values = nvidiaDevicePluginValues();
        assert.equal(at(values, "gfd.enabled"), false);
        assert.equal(at(values, "securityContext.privileged"), false);
        assertBlocksAt(values, "resources", ["resources"]);
        assertBlocksAt(values, "container", ["securityContext"]);
        // The plugin must run as root to register on the kubelet's socket; everything else holds.
        assert.deepEqual(hardeningProblems(values, { rootAllowed: true }), []);
    });

    it("records the truth about the chart's privileged MPS control daemon: it exists, and no node lets it run", async () => {
        // The 0.18 chart renders the MPS DaemonSet whenever devicePlugin.enabled is true; its pods
        // select nvidia.com/mps.capable=true, which only gpu-feature-discovery sets.
        assert.match(nvidiaDevicePluginExemption, /MPS control daemon/);
        assert.match(nvidiaDevicePluginExemption, /privileged/);
        assert.ok(nvidiaDevicePluginExemption.includes(`${mpsCapableNodeLabel}=true`));
        assert.equal(at(nvidiaDevicePluginValues(), "gfd.enabled"), false);
        const run = await stackRunWith("prod", { spark: { presets: ["gpu"] }, nodeGroups: { gpu: { enabled: true } } });
        const nodeLabels = run.resources.filter((r) => r.type === "aws:eks/nodeGroup:NodeGroup").flatMap((g) => Object.keys((g.inputs.labels ?? {}) as Obj));
        assert.ok(nodeLabels.length > 0);
        assert.ok(!nodeLabels.includes(mpsCapableNodeLabel), "a node group carries the MPS label: the privileged daemon would run");
        const ns = run.resources.filter((r) => r.type === "kubernetes:core/v1:Namespace").find((n) => (n.inputs.metadata as Obj & { name: string }).name === "nvidia-device-plugin")!;
        assert.equal(((ns.inputs.metadata as Obj).annotations as Obj)["spark-k8s/pod-security-exemption"], nvidiaDevicePluginExemption);
    });
});

describe("services: chart components under mocks", () => {
    it("NvidiaDevicePlugin installs the pinned chart with its values", async () => {
        const { resources } = await build(() => new NvidiaDevicePlugin("nvidia-device-plugin", { namespace: "nvidia-device-plugin" }));
        const values = assertOneChart(resources, charts.nvidiaDevicePlugin, "nvidia-device-plugin");
        assert.deepEqual(values.nodeSelector, { [nodeRoleLabel]: "gpu" });
    });
});
