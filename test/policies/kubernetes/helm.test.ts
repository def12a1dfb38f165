import { helmV4NotV3 } from "../../../policies/kubernetes/helm";
import { expectNone, expectOne } from "../../support/policies/kubernetes";

describe("policies/kubernetes", () => {
    describe("cluster object rules", () => {
        it("helm-v4-not-v3", async () => {
            await expectOne(helmV4NotV3, { type: "kubernetes:helm.sh/v3:Release", name: "spark-operator", props: { chart: "spark-operator" } }, /^Release spark-operator: .*use k8s\.helm\.v4\.Chart/);
            await expectNone(helmV4NotV3, { type: "kubernetes:helm.sh/v4:Chart", name: "spark-operator", props: { chart: "spark-operator" } });
        });
    });
});
