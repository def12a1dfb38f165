import { strict as assert } from "assert";
import { instanceShape } from "../../../components/config/instanceTypes";
import { tierDefaults } from "../../../components/config/defaults";

describe("instance catalogue", () => {
    it("knows the shape of CPU and GPU types", () => {
        assert.deepEqual(instanceShape("m6i.4xlarge"), { name: "m6i.4xlarge", vcpu: 16, memoryGiB: 64, gpus: 0, maxPods: 234 });
        assert.equal(instanceShape("r6i.2xlarge")?.memoryGiB, 64);
        assert.equal(instanceShape("c6i.xlarge")?.memoryGiB, 8);
        assert.equal(instanceShape("g5.12xlarge")?.gpus, 4);
        assert.equal(instanceShape("x9.huge"), undefined);
        assert.equal(instanceShape("c5.8xlarge"), undefined, "c5 comes in 9xlarge, not 8xlarge");
        assert.equal(instanceShape("c5a.8xlarge")?.vcpu, 32);
    });

    it("has a shape for every instance type the tier defaults use", () => {
        for (const tier of ["dev", "staging", "prod"] as const) {
            for (const group of Object.values(tierDefaults(tier).nodeGroups)) {
                for (const t of group.instanceTypes) assert.ok(instanceShape(t), `${tier}: ${t}`);
            }
        }
    });
});
