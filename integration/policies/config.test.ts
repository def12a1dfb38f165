/**
 * The pack's config as the Pulumi CLI takes it: the CLI's own reconcile-and-validate code
 * (github.com/pulumi/pulumi/pkg/v3 resource/analyzer, built from the Go module proxy at the version
 * of @pulumi/pulumi in package.json) checks each environment's policies/config/<env>.json over the
 * pack's initial config against every policy's configSchema, as `pulumi preview --policy-pack
 * policies --policy-pack-config policies/config/<env>.json` does before it runs a rule.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { policyConfig, toPolicy } from "../../policies/config";
import { environments } from "../../policies/lib/rule";
import { allRules } from "../../policies/rules";
import { repoRoot } from "../../tools/harness";
import { run } from "../support/cache";
import { pulumiConfigSourceDir, pulumiConfigValidator } from "../support/pulumiConfig";

/** What the pack tells the CLI about its policies: name, enforcement level and config schema. */
const packPolicies = allRules.map(toPolicy).map((p) => ({ name: p.name, enforcementLevel: "advisory", configSchema: p.configSchema }));

function validate(validator: string, initialConfig: unknown, config: unknown): string[] {
    const out = run(validator, [], { input: JSON.stringify({ policies: packPolicies, initialConfig, config }), stdio: ["pipe", "pipe", "pipe"], what: "validating the policy config" });
    return (JSON.parse(out) as { errors: string[] | null }).errors ?? [];
}

describe("policy config, validated by the Pulumi CLI's own code", function () {
    this.timeout(30 * 60 * 1000);
    let validator: string;
    before(function () {
        validator = pulumiConfigValidator();
    });

    it("builds against the Pulumi version the project pins", () => {
        const pinned = (JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { dependencies: Record<string, string> }).dependencies["@pulumi/pulumi"];
        assert.match(fs.readFileSync(path.join(pulumiConfigSourceDir, "go.mod"), "utf8"), new RegExp(`github\\.com/pulumi/pulumi/pkg/v3 v${pinned.replace(/\./g, "\\.")}\\b`));
    });

    for (const env of environments) {
        it(`${env}: policies/config/${env}.json over the pack's defaults is valid for every policy, exemptions included`, () => {
            const file = JSON.parse(fs.readFileSync(path.join(repoRoot, "policies", "config", `${env}.json`), "utf8")) as unknown;
            assert.deepEqual(validate(validator, policyConfig(env), file), []);
        });
    }

    it("refuses a malformed exemption and a config value of the wrong type, naming the policy", () => {
        const config = JSON.parse(JSON.stringify(policyConfig("prod"))) as Record<string, Record<string, unknown>>;
        config["run-as-non-root"].exemptions = [{ component: "agent", namespace: "agents", kind: "DaemonSet", name: "agent" }];
        config["container-limits-within-maxima"].maxCpu = 16;
        const errors = validate(validator, policyConfig("prod"), config);
        assert.ok(errors.some((e) => /^run-as-non-root: exemptions\.0: reason is required/.test(e)), errors.join("\n"));
        assert.ok(errors.some((e) => /^container-limits-within-maxima: maxCpu: Invalid type/.test(e)), errors.join("\n"));
    });
});
