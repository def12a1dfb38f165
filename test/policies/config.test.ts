import { strict as assert } from "assert";
import {
    enforcementFor,
    environmentFromStack,
    packEnvironment,
    policyConfig,
    ruleConfig,
    toPolicy,
} from "../../policies/config";
import { enforcement, environments } from "../../policies/lib/rule";
import { allRules } from "../../policies/rules";
import { countsPods, noLatest, throwing } from "../support/policies/pack";
import { resourceArgs } from "../support/policyArgs";

describe("policy pack", function () {
    this.timeout(30000);

    describe("rules and config", () => {
        it("policyConfig: core rules are mandatory everywhere, strict ones advise in dev and bind in prod", () => {
            const rules = [noLatest, throwing];
            for (const env of environments) assert.equal(policyConfig(env, rules)["test-throws"].enforcementLevel, "mandatory", env);
            assert.equal(policyConfig("dev", rules)["test-no-latest"].enforcementLevel, "advisory");
            assert.equal(policyConfig("local", rules)["test-no-latest"].enforcementLevel, "advisory");
            assert.equal(policyConfig("prod", rules)["test-no-latest"].enforcementLevel, "mandatory");
            assert.deepEqual(policyConfig("dev", rules)["test-no-latest"], { enforcementLevel: "advisory", suffix: ":latest" }, "schema defaults come along");

            for (const env of environments) {
                const config = policyConfig(env);
                assert.deepEqual(Object.keys(config).sort(), allRules.map((r) => r.name).sort(), env);
                for (const rule of allRules) assert.equal(config[rule.name].enforcementLevel, rule.defaultEnforcement[env], `${env} ${rule.name}`);
            }
            for (const rule of allRules.filter((r) => r.defaultEnforcement === enforcement.core)) {
                for (const env of environments) assert.equal(policyConfig(env)[rule.name].enforcementLevel, "mandatory", `${env} ${rule.name}`);
            }
        });

        it("images-pinned accepts tags by default everywhere, and a policy override requires digests", () => {
            const imagesPinned = allRules.find((r) => r.name === "images-pinned");
            assert.ok(imagesPinned?.configSchema?.properties.requireDigest, "images-pinned declares requireDigest");
            for (const env of environments) assert.equal(policyConfig(env)["images-pinned"].requireDigest, false, env);
            for (const env of environments) assert.equal(policyConfig(env)["images-pinned"].requireDigestForPlatformImages, env === "prod", env);
            assert.equal(ruleConfig(imagesPinned, "prod", { "images-pinned": { requireDigest: true } }).requireDigest, true);
            assert.equal(ruleConfig(noLatest, "prod", { "images-pinned": { requireDigest: true } }).requireDigest, undefined, "only the named rule gets it");
        });

        it("enforcement overrides: by rule name (level or object), then 'all', then the default", () => {
            assert.equal(enforcementFor(noLatest, "dev"), "advisory");
            assert.equal(enforcementFor(noLatest, "dev", { "test-no-latest": "mandatory" }), "mandatory");
            assert.equal(enforcementFor(noLatest, "prod", { "test-no-latest": { enforcementLevel: "disabled" } }), "disabled");
            assert.equal(enforcementFor(noLatest, "prod", { all: "advisory" }), "advisory");
            assert.equal(enforcementFor(noLatest, "prod", { all: "advisory", "test-no-latest": "mandatory" }), "mandatory");
            assert.equal(enforcementFor(noLatest, "prod", { "test-no-latest": { suffix: ":dev" } }), "mandatory", "config without a level keeps the default level");
            assert.deepEqual(ruleConfig(noLatest, "dev", { "test-no-latest": { enforcementLevel: "mandatory", suffix: ":dev" } }), { suffix: ":dev" });
        });

        it("environments: the declared tier, else the stack name, else prod; SPARK_K8S_POLICY_ENV defaults to prod", () => {
            assert.equal(environmentFromStack("staging"), "staging");
            assert.equal(environmentFromStack("eu-analytics"), "prod");
            assert.equal(environmentFromStack("eu-analytics", "dev"), "dev");
            assert.equal(environmentFromStack("prod", ""), "prod");
            assert.throws(() => environmentFromStack("x", "qa"), /unknown environment "qa"/);
            assert.equal(packEnvironment(undefined), "prod");
            assert.equal(packEnvironment(""), "prod");
            assert.equal(packEnvironment("local"), "local");
            assert.throws(() => packEnvironment("production"), /SPARK_K8S_POLICY_ENV="production"/);
        });

        it("toPolicy strips the platform extras and appends the remediation to the description", () => {
            const policy = toPolicy(noLatest) as unknown as Record<string, unknown>;
            for (const key of ["family", "defaultEnforcement", "kind", "remediation", "enforcementLevel"]) assert.ok(!(key in policy), key);
            assert.equal(policy.description, "Pods do not use :latest. Remediation: Pin the tag.");
            assert.equal(policy.name, "test-no-latest");
            // The rule's validation, behind the exemption check every resource rule gets.
            const wrapped = policy.validateResource as ((args: unknown, report: (m: string) => void) => void)[];
            assert.equal(wrapped.length, 1);
            const latest = { type: "kubernetes:core/v1:Pod", name: "p", props: { metadata: { name: "p", namespace: "n" }, spec: { containers: [{ name: "c", image: "x:latest" }] } } };
            const reported = (config: object) => {
                const found: string[] = [];
                wrapped[0](resourceArgs(latest, config), (m) => found.push(m));
                return found.length;
            };
            assert.equal(reported({ suffix: ":latest" }), 1, "the rule still runs");
            assert.equal(reported({ suffix: ":latest", exemptions: [{ component: "c", namespace: "n", kind: "Pod", name: "p", reason: "a recorded reason" }] }), 0, "and skips the exempted workload");
            assert.ok("exemptions" in ((policy.configSchema as { properties: object }).properties));
            assert.ok("validateStack" in (toPolicy(countsPods) as object));
        });
    });
});
