import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { allRules } from "../../policies/rules";
import { repoRoot } from "../../tools/harness";
import { toPlanJson } from "../../tools/planSummary";
import { configFiles, docsFile, policyCommand, policyDocs } from "../../tools/policy";
import { checkPlan, formatViolations, mandatoryCount, PolicyViolation } from "../../tools/policyCheck";
import { stackRun } from "../support";
import { stackViolations } from "../support/policies/pack";

describe("policy pack", function () {
    this.timeout(30000);

    describe("rules and config", () => {
        it("the committed policies/config/*.json and docs/policies.md equal what the rules generate", () => {
            for (const [rel, content] of Object.entries(configFiles())) {
                assert.equal(fs.readFileSync(path.join(repoRoot, rel), "utf8"), content, `${rel} is stale: run npm run policy:config`);
            }
            const docs = policyDocs();
            assert.equal(fs.readFileSync(path.join(repoRoot, docsFile), "utf8"), docs, `${docsFile} is stale: run npm run policy:docs`);
            for (const rule of allRules) assert.ok(docs.includes(`### ${rule.name}\n`) && docs.includes(rule.remediation.replace(/\s*\n\s*/g, " ")), rule.name);
        });
    });

    describe("command line", () => {
        it("npm run policy rejects bad arguments with usage (exit 2) and an unreadable plan (exit 1)", async () => {
            for (const args of [[], ["--plan"], ["--plan", "x.json", "--bogus"], ["--plan", "x.json", "--env", "qa"], ["--plan", "x.json", "extra"], ["--write-docs", "--plan", "x.json"]]) {
                const result = await policyCommand(args);
                assert.equal(result.code, 2, args.join(" "));
                assert.match(result.stderr, /usage: npm run policy -- --plan FILE\.json/);
            }
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spark-k8s-policy-"));
            fs.writeFileSync(path.join(dir, "bad.json"), JSON.stringify({ stack: "dev", resources: [{ urn: 1 }] }));
            const bad = await policyCommand(["--plan", path.join(dir, "bad.json")]);
            assert.equal(bad.code, 1);
            assert.match(bad.stderr, /resources\[0\] needs urn, type, name and inputs/);
            assert.equal((await policyCommand(["--plan", path.join(dir, "missing.json")])).code, 1);
        });

        it("end to end: plan --policy (dev) and policy --plan FILE --json OUT", async () => {
            const run = await stackRun("dev");
            const { violations } = await stackViolations(run);
            const expectedCode = mandatoryCount(violations) > 0 ? 1 : 0;
            const tsNode = path.join(repoRoot, "node_modules/.bin/ts-node");
            const cli = (script: string, args: string[]) => spawnSync(tsNode, ["--transpile-only", script, ...args], { cwd: repoRoot, encoding: "utf8", timeout: 25000 });

            const plan = cli("tools/plan.ts", ["--stack", "dev", "--policy"]);
            assert.equal(plan.status, expectedCode, plan.stderr);
            assert.match(plan.stdout, /Node groups \(4\)/, "the summary comes first");
            assert.ok(plan.stdout.includes(formatViolations(violations, "dev")), plan.stdout);

            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spark-k8s-policy-"));
            const planFile = path.join(dir, "plan.json");
            const out = path.join(dir, "violations.json");
            const planJson = toPlanJson(run);
            fs.writeFileSync(planFile, JSON.stringify(planJson));
            const expected = await checkPlan(planJson.resources, "dev");
            const policy = cli("tools/policy.ts", ["--plan", planFile, "--json", out]);
            assert.equal(policy.status, mandatoryCount(expected) > 0 ? 1 : 0, policy.stderr);
            const written = JSON.parse(fs.readFileSync(out, "utf8")) as PolicyViolation[];
            assert.ok(Array.isArray(written));
            for (const v of written) assert.deepEqual(Object.keys(v), ["policy", "enforcement", "urn", "name", "message"]);
            assert.deepEqual(written, expected);
            assert.ok(policy.stdout.startsWith("Policy check (dev defaults)"), policy.stdout);
        });
    });
});
