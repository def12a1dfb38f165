import { strict as assert } from "assert";
import { environments } from "../../policies/lib/rule";
import { allRules } from "../../policies/rules";

describe("policy pack", function () {
    this.timeout(30000);

    describe("rules and config", () => {
        it("has rules with unique names, a family, a remediation and a level for every environment", () => {
            assert.ok(allRules.length > 0);
            const names = allRules.map((r) => r.name);
            assert.deepEqual(names.filter((n, i) => names.indexOf(n) !== i), [], "duplicate rule names");
            for (const rule of allRules) {
                assert.ok(["kubernetes", "aws", "spark"].includes(rule.family), rule.name);
                assert.ok(rule.remediation.trim().length > 0 && rule.description.trim().length > 0, rule.name);
                assert.deepEqual(Object.keys(rule.defaultEnforcement).sort(), [...environments].sort(), rule.name);
            }
        });
    });
});
