/**
 * The workflows checked by the current actionlint, built from source, with the suite's pinned
 * ShellCheck on every `run:` script (pyflakes is off: no workflow runs Python inline), from the
 * repository itself so local actions (.github/actions) are resolved and their inputs checked. The
 * local actions' own `run:` scripts, which actionlint does not read, go through ShellCheck directly.
 * The unit suite (test/workflows/) runs an older actionlint without ShellCheck, offline.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { repoRoot } from "../../tools/harness";
import { actionFiles, readAction, readRepoFile, workflowFiles } from "../../test/support/workflows";
import { ActionlintFinding, actionlintVersion, describeActionlintFinding, ensureActionlint } from "../support/actionlint";
import { describeFinding, ensureShellcheck, shellcheck, shellcheckVersion } from "../shell/shellcheck";

describe(`workflows: actionlint ${actionlintVersion} with ShellCheck ${shellcheckVersion}`, function () {
    this.timeout(30 * 60 * 1000);
    let actionlint: string;
    let shellcheckBinary: string;

    before(function () {
        shellcheckBinary = ensureShellcheck();
        actionlint = ensureActionlint();
    });

    /** actionlint's findings on files of a project directory (a .git or .github there marks the project). */
    const lint = (cwd: string, files: readonly string[]): ActionlintFinding[] => {
        const result = spawnSync(actionlint, ["-format", "{{json .}}", "-shellcheck", shellcheckBinary, "-pyflakes=", ...files], { cwd, encoding: "utf8", timeout: 5 * 60 * 1000 });
        assert.ok(result.status === 0 || result.status === 1, `actionlint failed (${result.status ?? result.signal}): ${result.stderr}`);
        return result.stdout.trim() === "" ? [] : (JSON.parse(result.stdout) as ActionlintFinding[]);
    };

    for (const file of workflowFiles()) {
        it(`${file}: no findings`, function () {
            assert.deepEqual(lint(repoRoot, [file]).map(describeActionlintFinding), []);
        });
    }

    for (const file of actionFiles()) {
        it(`${file}: every run: script passes ShellCheck as bash`, function () {
            const scripts = (readAction(file).runs.steps ?? []).flatMap((s, i) => (s.run ? [{ step: s.name ?? s.id ?? String(i), text: s.run }] : []));
            assert.ok(scripts.length > 0);
            assert.ok(scripts.every((s) => !s.text.includes("${{")), "expressions reach the scripts through env, never inline");
            const findings = shellcheck(shellcheckBinary, scripts.map((s) => ({ dialect: "bash" as const, text: `#!/usr/bin/env bash\n${s.text}` })));
            scripts.forEach((s, i) => assert.deepEqual(findings[i].map(describeFinding), [], `${file} step "${s.step}"`));
        });
    }

    it("reports a broken workflow and a script ShellCheck refuses (the checks are live)", function () {
        const project = fs.mkdtempSync(path.join(os.tmpdir(), "actionlint-"));
        try {
            // actionlint takes the directory holding .git as the project, where it finds local actions.
            fs.mkdirSync(path.join(project, ".git"));
            fs.mkdirSync(path.join(project, ".github", "workflows"), { recursive: true });
            fs.cpSync(path.join(repoRoot, ".github", "actions"), path.join(project, ".github", "actions"), { recursive: true });
            const broken = readRepoFile(".github/workflows/images.yml")
                .replace("needs: [image, derived]", "needs: [image, derive]")
                .replace('jq -s add digests/*.json > "$RUNNER_TEMP/digests.json"', "jq -s add digests/*.json > $RUNNER_TEMP/digests.json")
                .replace("          target: ${{ matrix.target }}\n", "          targte: ${{ matrix.target }}\n");
            fs.writeFileSync(path.join(project, ".github", "workflows", "images.yml"), broken);
            const findings = lint(project, [".github/workflows/images.yml"]).map(describeActionlintFinding).join("\n");
            assert.match(findings, /derive/);
            assert.match(findings, /SC2086/);
            assert.match(findings, /targte/, "inputs of the local action are checked");
        } finally {
            fs.rmSync(project, { recursive: true, force: true });
        }
    });
});
