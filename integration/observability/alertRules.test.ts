/**
 * The platform's alert rules under Prometheus's own tools: `promtool check rules` parses every
 * expression and template of the dev and prod stacks' rules, and `promtool test rules` evaluates
 * every alert on its synthetic series (components/observability/alertRules.cases.ts): firing with
 * its labels and rendered annotations on the failing ones, silent on the healthy ones.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { alertCases, promtoolTests } from "../../components/observability/alertRules.cases";
import { alertRuleInputs, alertRules, allAlertRules } from "../../components/observability/alertRules";
import { componentPlan } from "../../components/spark/scenarios";
import { stackConfig } from "../../tools/harness";
import { ensurePromtool, prometheusModule } from "../support/promtool";

/** Runs promtool; its output, and whether it succeeded. */
function promtool(bin: string, args: string[], cwd: string): { ok: boolean; output: string } {
    const r = spawnSync(bin, args, { cwd, encoding: "utf8", timeout: 10 * 60 * 1000 });
    if (r.error) throw r.error;
    return { ok: r.status === 0, output: `${r.stdout}\n${r.stderr}` };
}

describe(`alert rules under promtool (Prometheus ${prometheusModule.release})`, function () {
    this.timeout(60 * 60 * 1000);
    let bin: string;
    let work: string;
    before(function () {
        bin = ensurePromtool();
        assert.match(promtool(bin, ["--version"], os.tmpdir()).output, new RegExp(`version ${prometheusModule.release.replace(/\./g, "\\.")}`));
        work = fs.mkdtempSync(path.join(os.tmpdir(), "alert-rules-"));
    });
    after(function () {
        if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    for (const stack of ["dev", "prod"] as const) {
        describe(`${stack} stack`, function () {
            const config = stackConfig(stack);
            const plan = componentPlan({ ...config.spark, tier: config.tier, minioEnabled: config.services.minio.enabled });
            const inputs = alertRuleInputs(plan, config.services.backups.enabled, config.spark.jobNamespaces);
            const spec = alertRules(inputs);
            const rulesFile = `${stack}-rules.yaml`;

            it("promtool check rules accepts every group, expression and template", function () {
                fs.writeFileSync(path.join(work, rulesFile), stringify(spec, { lineWidth: 0 }));
                const r = promtool(bin, ["check", "rules", rulesFile], work);
                assert.ok(r.ok, r.output);
                assert.match(r.output, new RegExp(`SUCCESS: ${allAlertRules(spec).length} rules found`));
            });

            it("promtool test rules: every alert fires on its failing series and stays silent on the healthy ones", function () {
                const cases = alertCases(inputs);
                assert.deepEqual(Object.keys(cases).sort(), allAlertRules(spec).map((r) => r.alert).sort(), "every alert has cases");
                fs.writeFileSync(path.join(work, rulesFile), stringify(spec, { lineWidth: 0 }));
                const testFile = `${stack}-tests.yaml`;
                fs.writeFileSync(path.join(work, testFile), stringify(promtoolTests(spec, cases, rulesFile), { lineWidth: 0 }));
                const r = promtool(bin, ["test", "rules", testFile], work);
                assert.ok(r.ok, r.output);
                assert.match(r.output, /SUCCESS/);
            });
        });
    }

    it("promtool test rules fails when an alert does not behave as its case says (the harness can fail)", function () {
        const config = stackConfig("dev");
        const plan = componentPlan({ ...config.spark, tier: config.tier, minioEnabled: config.services.minio.enabled });
        const inputs = alertRuleInputs(plan, true, ["spark-jobs"]);
        const spec = alertRules(inputs);
        const cases = alertCases(inputs);
        // The metastore's healthy series, expected to fire.
        const wrong = { HiveMetastoreDown: { fires: [{ ...cases.HiveMetastoreDown.silent[0], labels: cases.HiveMetastoreDown.fires[0].labels }], silent: [] } };
        fs.writeFileSync(path.join(work, "wrong-rules.yaml"), stringify(spec, { lineWidth: 0 }));
        fs.writeFileSync(path.join(work, "wrong-tests.yaml"), stringify(promtoolTests(spec, wrong, "wrong-rules.yaml"), { lineWidth: 0 }));
        const r = promtool(bin, ["test", "rules", "wrong-tests.yaml"], work);
        assert.equal(r.ok, false, r.output);
        assert.match(r.output, /HiveMetastoreDown/);
    });
});
