import { strict as assert } from "assert";
import { allRules } from "../../policies/rules";
import { checkPlan, CheckedResource, formatViolations, mandatoryCount, PolicyViolation, stackViolationName } from "../../tools/policyCheck";
import { countsPods, noLatest, podType, throwing } from "../support/policies/pack";

/** A plan resource for checkPlan. */
function planResource(name: string, inputs: Record<string, unknown>, type = podType): CheckedResource {
    return { urn: `urn:pulumi:dev::spark-k8s::${type}::${name}`, type, name, parent: null, custom: true, provider: null, inputs };
}

function pod(name: string, image: string, securityContext: Record<string, unknown> = {}): CheckedResource {
    return planResource(name, { metadata: { name, namespace: "spark-jobs" }, spec: { containers: [{ name: "main", image, securityContext }] } });
}

describe("policy pack", function () {
    this.timeout(30000);

    describe("checkPlan", () => {
        it("reports a bad resource with the rule's enforcement and config, and nothing for a good one", async () => {
            const bad = pod("bad", "nginx:latest");
            const good = pod("good", "nginx:1.27.3");
            const dev = await checkPlan([bad, good], "dev", {}, [noLatest]);
            assert.deepEqual(dev, [{ policy: "test-no-latest", enforcement: "advisory", urn: bad.urn, name: "bad", message: "image nginx:latest ends with :latest" }]);
            assert.equal((await checkPlan([bad], "prod", {}, [noLatest]))[0].enforcement, "mandatory");
            assert.deepEqual(await checkPlan([good], "prod", {}, [noLatest]), []);
            assert.equal((await checkPlan([good], "dev", { "test-no-latest": { suffix: ":1.27.3" } }, [noLatest])).length, 1, "overrides reach getConfig");
            assert.deepEqual(await checkPlan([bad], "prod", { "test-no-latest": "disabled" }, [noLatest]), [], "disabled rules do not run");
            assert.deepEqual(await checkPlan([planResource("b", {}, "aws:s3/bucket:Bucket")], "prod", {}, [noLatest]), [], "notApplicable is not a violation");
        });

        it("reports a rule that throws as a violation of that rule, and keeps checking", async () => {
            const found = await checkPlan([pod("a", "nginx:latest")], "dev", {}, [throwing, noLatest]);
            assert.deepEqual(found.map((v) => [v.policy, v.enforcement, v.name, v.message]), [
                ["test-throws", "mandatory", "a", "rule failed: boom"],
                ["test-no-latest", "advisory", "a", "image nginx:latest ends with :latest"],
            ]);
        });

        it("runs stack rules once over every resource, naming the reported resource or the stack", async () => {
            const found = await checkPlan([pod("a", "x:1"), pod("b", "x:1")], "prod", {}, [countsPods]);
            assert.deepEqual(found.map((v) => [v.name, v.message]), [["b", "one pod too many"]]);
            const none = await checkPlan([], "prod", {}, [countsPods]);
            assert.deepEqual(none, [{ policy: "test-one-pod", enforcement: "mandatory", urn: "", name: stackViolationName, message: "no pod at all" }]);
        });

        it("the real rules catch a crafted bad pod", async () => {
            const found = await checkPlan([pod("bad", "nginx:latest", { privileged: true })], "prod");
            if (allRules.some((r) => r.name === "images-pinned")) assert.ok(found.some((v) => v.policy === "images-pinned" && v.name === "bad"), formatViolations(found, "prod"));
            assert.ok(mandatoryCount(found) > 0);
        });

        it("formats violations grouped by rule, mandatory first, with resource names", () => {
            const v = (policy: string, enforcementLevel: "advisory" | "mandatory", name: string): PolicyViolation => ({ policy, enforcement: enforcementLevel, urn: `u-${name}`, name, message: `${policy} on ${name}` });
            const text = formatViolations([v("z-adv", "advisory", "r1"), v("a-man", "mandatory", "r2"), v("a-man", "mandatory", "r3")], "dev");
            assert.equal(text, "Policy check (dev defaults): 3 violations, 2 mandatory\n\na-man [mandatory] (2)\n  r2: a-man on r2\n  r3: a-man on r3\n\nz-adv [advisory] (1)\n  r1: z-adv on r1\n");
        });
    });

});
