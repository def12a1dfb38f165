/**
 * The plan diff on two real plans of different commits, as the CI workflow makes them: the offline
 * plan of the dev stack at a fixed earlier commit (checked out beside the repository, sharing its
 * node_modules) and at the working tree, diffed by `npm run plan:diff`. The earlier commit predates
 * the stacks' ECR repositories and digest lookups, so the diff must show the repositories added and
 * the Connect server's image changed from a tag to a digest.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { repoRoot } from "../../tools/harness";
import { diffPlans } from "../../tools/planDiff";
import { readPlanJson } from "../../tools/planSummary";

/** The last commit before the image registry: dev's plan there deploys images by tag. */
const baseCommit = "8fe0388";

const run = (cmd: string, args: string[], cwd: string) => {
    const r = spawnSync(cmd, args, { cwd, encoding: "utf8" });
    assert.equal(r.status, 0, `${cmd} ${args.join(" ")} in ${cwd}:\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
};

describe("plan diff between two commits", function () {
    this.timeout(10 * 60 * 1000);
    let scratch: string;
    let base: string;
    before(function () {
        scratch = fs.mkdtempSync(path.join(os.tmpdir(), "plan-diff-commits-"));
        base = path.join(scratch, "base");
        // CI clones the whole history; a shallow clone cannot check the base commit out.
        run("git", ["worktree", "add", "--detach", base, baseCommit], repoRoot);
        fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(base, "node_modules"));
    });
    after(function () {
        if (base) spawnSync("git", ["worktree", "remove", "--force", base], { cwd: repoRoot });
        if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
    });

    it("shows dev's new ECR repositories and its images moving from tags to digests", function () {
        const basePlan = path.join(scratch, "base-dev.json");
        const headPlan = path.join(scratch, "head-dev.json");
        run(process.execPath, ["-r", "./tools/register.cjs", "tools/plan.ts", "--stack", "dev", "--json", basePlan], base);
        run(process.execPath, ["-r", "./tools/register.cjs", "tools/plan.ts", "--stack", "dev", "--json", headPlan], repoRoot);
        const markdown = run(process.execPath, ["-r", "./tools/register.cjs", "tools/planDiff.ts", basePlan, headPlan], repoRoot);

        const diff = diffPlans(readPlanJson(basePlan), readPlanJson(headPlan));
        const added = diff.added.filter((r) => r.type === "aws:ecr/repository:Repository").map((r) => r.inputs.name).sort();
        assert.deepEqual(added, ["airflow", "hive-metastore", "jupyter-spark", "spark-rapids", "spark-runtime"].map((n) => `spark-dev/spark-k8s/${n}`));
        // Only credential Secrets go away, each delivered by the head as an ExternalSecret of the same name and
        // namespace, and Airflow's separate JWT key, now a field of the generated airflow credential.
        const where = (r: { inputs: Record<string, unknown> }) => { const m = r.inputs.metadata as { name?: string; namespace?: string } | undefined; return `${m?.namespace}/${m?.name}`; };
        const delivered = new Set(diff.added.filter((r) => r.type === "kubernetes:external-secrets.io/v1:ExternalSecret").map(where));
        const lost = diff.removed.filter((r) => !(r.type === "kubernetes:core/v1:Secret" && delivered.has(where(r))) && !r.urn.endsWith("RandomPassword::airflow-jwt-secret"));
        assert.deepEqual(lost.map((r) => r.urn), [], "nothing else the earlier commit made goes away");
        const connect = diff.changed.find((r) => r.type === "kubernetes:apps/v1:Deployment" && r.name.endsWith("spark-connect-35"));
        const image = connect?.changes.find((c) => /containers\[0\]\.image$/.test(c.path));
        assert.ok(image, `spark-connect-35's image changes:\n${markdown}`);
        // The base commit's tag is fixed (revision p2); the head's follows the current image tag.
        assert.equal(image.before, "spark-k8s/spark-runtime:3.5.9-p2");
        assert.match(String(image.after), /^123456789012\.dkr\.ecr\.eu-west-1\.amazonaws\.com\/spark-dev\/spark-k8s\/spark-runtime:3\.5\.9-p\d+@sha256:[0-9a-f]{64}$/);
        assert.match(markdown, new RegExp(`^### Plan diff: dev\\n\\n\\d+ to add, ${diff.removed.length} to remove, \\d+ to change`));
        assert.ok(markdown.includes("| `aws:ecr/repository:Repository` |"), markdown);
    });
});
