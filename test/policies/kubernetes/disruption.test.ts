import { strict as assert } from "assert";
import { pdbAllowsDisruption } from "../../../policies/kubernetes/disruption";
import { FakeResource } from "../../support/policyArgs";
import { expectNone, expectOne, Obj } from "../../support/policies/kubernetes";

describe("policies/kubernetes", () => {
    describe("cluster object rules", () => {
        const pdb = (spec: Obj): FakeResource => ({ type: "kubernetes:policy/v1:PodDisruptionBudget", name: "metastore", props: { spec: { selector: { matchLabels: { app: "m" } }, ...spec } } });
        it("pdb-allows-disruption", async () => {
            await expectNone(pdbAllowsDisruption, pdb({ maxUnavailable: 1 }));
            await expectNone(pdbAllowsDisruption, pdb({ minAvailable: 1 }));
            await expectNone(pdbAllowsDisruption, pdb({ minAvailable: "50%" }));
            await expectNone(pdbAllowsDisruption, pdb({ maxUnavailable: "10%" }));
            await expectOne(pdbAllowsDisruption, pdb({ maxUnavailable: 0 }), /^PodDisruptionBudget metastore: spec\.maxUnavailable is 0/);
            await expectOne(pdbAllowsDisruption, pdb({ maxUnavailable: "0%" }), /spec\.maxUnavailable is 0%/);
            await expectOne(pdbAllowsDisruption, pdb({ minAvailable: "100%" }), /spec\.minAvailable is 100%/);
            assert.match(pdbAllowsDisruption.description, /replica/);
        });
    });
});
