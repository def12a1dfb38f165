/**
 * The pack as policies/index.ts builds it (every rule, each environment's defaults), run over the
 * offline plan of every stack. Tests never import policies/index.ts, which starts the analyzer:
 * they check through tools/policyCheck.ts, as `plan --policy` does.
 */
import { strict as assert } from "assert";
import { environments } from "../../policies/lib/rule";
import { formatViolations } from "../../tools/policyCheck";
import { runStack } from "../../tools/harness";
import { stackRun } from "../support";
import { stackViolations } from "../support/policies/pack";

describe("policy pack", function () {
    this.timeout(30000);

    describe("whole stacks", () => {
        for (const stack of environments) {
            it(`${stack}: no mandatory violation with the ${stack} defaults`, async () => {
                const { env, violations } = await stackViolations(await stackRun(stack));
                assert.equal(env, stack);
                const mandatory = violations.filter((v) => v.enforcement === "mandatory");
                assert.equal(mandatory.length, 0, formatViolations(mandatory, env));
            });
        }

        it("prod: a platform image deployed by tag (its new repository not pushed yet) is a mandatory violation", async () => {
            const run = await runStack("prod", { missingImages: [{ repositoryName: "spark-prod/spark-k8s/hive-metastore" }] });
            const { violations } = await stackViolations(run);
            const found = violations.filter((v) => v.enforcement === "mandatory");
            assert.ok(found.length > 0 && found.every((v) => v.policy === "images-pinned" && /platform image .*hive-metastore:3\.1\.3-p3"/.test(v.message)), formatViolations(found, "prod"));
        });
    });
});
