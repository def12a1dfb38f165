import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { mockGeneratedValue, runStack, secretMask } from "../../tools/harness";
import { diffPlans, formatPlanDiff, inputChanges, planDiffCommand } from "../../tools/planDiff";
import { PlanJson, PlanResource, toPlanJson } from "../../tools/planSummary";

const resource = (name: string, inputs: Record<string, unknown>, type = "kubernetes:core/v1:ConfigMap"): PlanResource => ({
    urn: `urn:pulumi:dev::spark-k8s::${type}::${name}`,
    type,
    name,
    parent: null,
    custom: true,
    provider: null,
    inputs,
});
const plan = (...resources: PlanResource[]): PlanJson => ({ stack: "dev", project: "spark-k8s", resources });

describe("tools/planDiff", function () {
    this.timeout(120000);

    describe("on two real plans", () => {
        let base: PlanJson;
        let iceberg: PlanJson;
        let airflow: PlanJson;
        before(async () => {
            base = toPlanJson(await runStack("local"));
            iceberg = toPlanJson(await runStack("local", { config: { spark: { presets: ["iceberg"] } } }));
            airflow = toPlanJson(await runStack("local", { config: { spark: { scenarios: ["jupyter-connect-k8s", "airflow-connect-k8s"] } } }));
        });

        it("finds nothing between a plan and itself", () => {
            const diff = diffPlans(base, base);
            assert.deepEqual([diff.added, diff.removed, diff.changed], [[], [], []]);
            assert.match(formatPlanDiff(diff), /No changes \(\d+ resources\)/);
        });

        it("shows a preset's configuration lines and the restart it causes, nothing added or removed", () => {
            const diff = diffPlans(base, iceberg);
            assert.deepEqual([diff.added.length, diff.removed.length], [0, 0]);
            const conf = diff.changed.find((c) => c.type === "kubernetes:core/v1:ConfigMap" && c.changes.some((x) => x.path === 'data["spark-defaults.conf"]'));
            assert.ok(conf, "a Connect server's spark-defaults.conf changes");
            const lines = conf.changes.find((x) => x.lines)!.lines!;
            assert.ok(lines.added.some((l) => l.startsWith("spark.sql.extensions ") && l.includes("IcebergSparkSessionExtensions")), lines.added.join("\n"));
            assert.ok(diff.changed.some((c) => c.type === "kubernetes:apps/v1:Deployment" && c.changes.some((x) => x.path.endsWith('annotations["spark-k8s/conf-hash"]'))), "the Deployment rolls");
            const markdown = formatPlanDiff(diff);
            assert.match(markdown, /^### Plan diff: local\n\n0 to add, 0 to remove, \d+ to change/);
            assert.match(markdown, /```diff\n(\+ .*\n)*\+ spark\.sql\.extensions org\.apache\.iceberg\.spark\.extensions\.IcebergSparkSessionExtensions\n/);
        });

        it("lists exactly the resources a scenario adds, and the reverse removes them", () => {
            const diff = diffPlans(base, airflow);
            const urns = (p: PlanJson) => new Set(p.resources.map((r) => r.urn));
            assert.deepEqual(diff.added.map((r) => r.urn).sort(), [...urns(airflow)].filter((u) => !urns(base).has(u)).sort());
            assert.ok(diff.added.some((r) => r.type === "kubernetes:helm.sh/v4:Chart" && r.name === "airflow"), "the Airflow chart");
            const back = diffPlans(airflow, base);
            assert.deepEqual(back.removed.map((r) => r.urn).sort(), diff.added.map((r) => r.urn).sort());
            assert.match(formatPlanDiff(diff), /#### Added \(\d+\)\n\n\| type \| name \|/);
        });

        it("heads the comment with the change in monthly cost when both plans carry an estimate", async () => {
            const dev = toPlanJson(await runStack("dev"));
            const moreGpus = toPlanJson(await runStack("dev", { config: { nodeGroups: { gpu: { maxSize: 2 } } } }));
            const diff = diffPlans(dev, moreGpus);
            const gpu = moreGpus.cost!.lines.filter((l) => l.item.startsWith("node group gpu"));
            const oneNode = gpu.reduce((s, l) => s + l.fullMonthly / l.fullQuantity, 0);
            assert.ok(Math.abs(diff.cost!.head.full - diff.cost!.base.full - oneNode) < 0.02, "one more GPU node at full scale");
            assert.equal(diff.cost!.head.idle, diff.cost!.base.idle);
            const usd = (n: number) => `$${n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
            assert.ok(formatPlanDiff(diff).includes(`Cost a month: idle ${usd(diff.cost!.head.idle)} (no change), full scale ${usd(diff.cost!.base.full)} → ${usd(diff.cost!.head.full)} (+$`));
            // The local tier bills nothing, so its diff says nothing about cost.
            assert.equal(diffPlans(base, iceberg).cost, undefined);
        });

        it("never shows a generated secret, only [secret]", () => {
            const markdown = formatPlanDiff(diffPlans(base, airflow));
            for (const r of airflow.resources) {
                const generated = mockGeneratedValue(r.type, r.name);
                if (generated) assert.ok(!markdown.includes(generated), `${r.name}'s value is in the diff`);
            }
            assert.ok(!/mockpw/.test(markdown));
        });
    });

    describe("input changes", () => {
        it("names each changed path, new and removed inputs included", () => {
            const changes = inputChanges({ a: { b: 1, "c.d": [1, 2] }, gone: true, same: "x" }, { a: { b: 2, "c.d": [1] }, added: {}, same: "x" });
            assert.deepEqual(changes, [
                { path: "a.b", before: 1, after: 2 },
                { path: 'a["c.d"][1]', before: 2 },
                { path: "added", after: {} },
                { path: "gone", before: true },
            ]);
        });

        it("keeps secrets masked: a change to or from a secret shows only [secret], an unchanged secret nothing", () => {
            assert.deepEqual(inputChanges({ s: secretMask }, { s: secretMask }), []);
            assert.deepEqual(inputChanges({ s: "plain" }, { s: secretMask }), [{ path: "s", before: secretMask, after: secretMask }]);
            assert.deepEqual(inputChanges({}, { s: secretMask }), [{ path: "s", after: secretMask }]);
        });

        it("escapes pipes, fences backticks and cuts long values in the table", () => {
            const long = "x".repeat(300);
            const markdown = formatPlanDiff(diffPlans(plan(resource("a", { v: "a|b", w: "`q`", l: "short" })), plan(resource("a", { v: "c|d", w: "`r`", l: long }))));
            assert.match(markdown, /\| `v` \| `"a\\\|b"` \| `"c\\\|d"` \|/);
            assert.match(markdown, /\| `w` \| ``"`q`"`` \| ``"`r`"`` \|/);
            assert.ok(!markdown.includes(long));
            assert.match(markdown, /x…` \|/);
        });
    });

    describe("npm run plan:diff", () => {
        const write = (dir: string, name: string, p: PlanJson) => {
            const file = path.join(dir, name);
            fs.writeFileSync(file, JSON.stringify(p));
            return file;
        };

        it("prints the Markdown and writes it with --out; refuses plans of two stacks and bad arguments", () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spark-k8s-diff-"));
            const a = write(dir, "a.json", plan(resource("a", { v: 1 })));
            const b = write(dir, "b.json", plan(resource("a", { v: 2 }), resource("b", {})));
            const out = path.join(dir, "diff.md");
            const ok = planDiffCommand([a, b, "--out", out]);
            assert.equal(ok.code, 0, ok.stderr);
            assert.match(ok.stdout, /1 to add, 0 to remove, 1 to change/);
            assert.equal(fs.readFileSync(out, "utf8"), ok.stdout);
            const prod = write(dir, "prod.json", { ...plan(), stack: "prod" });
            assert.deepEqual([planDiffCommand([a, prod]).code, planDiffCommand([a, prod]).stderr], [1, "plan:diff: the plans are of different stacks: base dev, head prod\n"]);
            assert.equal(planDiffCommand([a]).code, 2);
            assert.equal(planDiffCommand([a, b, "--bogus"]).code, 2);
            assert.match(planDiffCommand([a, path.join(dir, "missing.json")]).stderr, /ENOENT|no such file/);
            assert.equal(planDiffCommand(["--help"]).code, 0);
            fs.rmSync(dir, { recursive: true, force: true });
        });
    });
});
