import { strict as assert } from "assert";
import { serverProbes } from "../../../policies/kubernetes/probes";
import { violations } from "../../support/policyArgs";
import { goodContainer, goodPodSpec, Obj, wrappers } from "../../support/policies/kubernetes";

describe("policies/kubernetes", () => {
    describe("container rules fire in containers and in initContainers", () => {
        it("server-probes checks containers and sidecar initContainers, not ordinary init containers", async () => {
            const noProbes = (name: string, extra: Obj = {}) => goodContainer(name, { readinessProbe: undefined, livenessProbe: undefined, ...extra });
            const found = await violations(serverProbes, wrappers.Deployment(goodPodSpec({ containers: [noProbes("server")], initContainers: [noProbes("migrate"), noProbes("proxy", { restartPolicy: "Always" })] })));
            assert.deepEqual(found, [
                "Deployment web spec.template.spec.containers[0] (server): readinessProbe is missing",
                "Deployment web spec.template.spec.containers[0] (server): livenessProbe is missing",
                "Deployment web spec.template.spec.initContainers[1] (proxy): readinessProbe is missing",
                "Deployment web spec.template.spec.initContainers[1] (proxy): livenessProbe is missing",
            ]);
        });
    });
});
