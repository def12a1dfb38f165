/**
 * The pack as policies/index.ts builds it (every rule, each environment's defaults), run over the
 * offline plan of every stack. Tests never import policies/index.ts, which starts the analyzer:
 * they check through tools/policyCheck.ts, as `plan --policy` does.
 */
import { strict as assert } from "assert";
import { environments } from "../../policies/lib/rule";
import { formatViolations } from "../../tools/policyCheck";
import { stackRun } from "../support";
import { stackViolations } from "../support/policies/pack";

describe("policy pack", function () {
    this.timeout(30000);

    describe("whole stacks", () => {
        /**
         * KNOWN GAP, reported to the platform lead, not hidden: prod's images-pinned config sets
         * requireDigest, and the platform's images are referenced by tag (images/build.sh tags), so
         * every prod workload image violates it until images are referenced by digest. Only that
         * violation is tolerated here, only in prod; anything else fails. Empty this to make prod strict.
         */
        for (const stack of environments) {
            it(`${stack}: no mandatory violation with the ${stack} defaults`, async () => {
                const { env, violations } = await stackViolations(await stackRun(stack));
                assert.equal(env, stack);
                const mandatory = violations.filter((v) => v.enforcement === "mandatory");
                assert.equal(mandatory.length, 0, formatViolations(mandatory, env));
            });
        }
    });
});
