import { strict as assert } from "assert";
import { executorTaint } from "../../components/config/nodeRoles";
import { tolerates } from "./dags";

describe("tolerates", () => {
    it("the tolerance check itself tells a toleration from its absence", () => {
        assert.equal(tolerates([{ key: executorTaint.key, operator: "Equal", value: "true", effect: "NoSchedule" }]), true);
        assert.equal(tolerates([{ key: executorTaint.key, operator: "Exists", effect: "NoSchedule" }]), true);
        assert.equal(tolerates([{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }]), false);
        assert.equal(tolerates(undefined), false);
    });
});
