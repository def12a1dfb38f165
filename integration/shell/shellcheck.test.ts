/**
 * ShellCheck on every shell script: the repository's and every one the program writes, on every
 * stack, scenario and preset, each in the dialect of the shell that runs it (sh -c: POSIX sh, as the
 * images' /bin/sh is dash, busybox ash or bash in POSIX mode; bash -c: bash). One test per distinct
 * script, named by where it is.
 */
import { strict as assert } from "assert";
import * as path from "path";
import { Suite, Test } from "mocha";
import { presets, scenarios } from "../../components/config/schema";
import { repoRoot } from "../../tools/harness";
import { distinct, planScripts, repositoryScripts, ShellScript, stacks, Variant, walkVariants } from "./scripts";
import { describeFinding, ensureShellcheck, Finding, shellcheck, shellcheckVersion } from "./shellcheck";

/**
 * Findings accepted on purpose, each for one script and one check, with the reason. Anything not
 * listed here fails its test.
 */
const exclusions: readonly { readonly identity: string; readonly code: number; readonly reason: string }[] = [];

const excluded = (places: readonly string[], f: Finding): boolean => exclusions.some((e) => e.code === f.code && places.some((p) => p === e.identity));

describe(`shell: ShellCheck ${shellcheckVersion} on every shell script of the repository and the plans`, function () {
    this.timeout(10 * 60 * 1000);
    const walked: Variant[] = [];
    const rejected: { variant: Variant; message: string }[] = [];
    const linted: { script: ShellScript; places: string[] }[] = [];

    before(async function () {
        this.timeout(30 * 60 * 1000);
        const binary = ensureShellcheck();
        const runs = await walkVariants((variant, err) => rejected.push({ variant, message: err.message }));
        walked.push(...runs.map((r) => r.variant));
        const repository = repositoryScripts();
        const plan = distinct(runs.flatMap((r) => planScripts(r.run, r.variant.label)));
        const all = [...repository.map((script) => ({ script, places: [script.identity] })), ...plan];
        const findings = shellcheck(
            binary,
            all.map(({ script }) => ({ dialect: script.dialect, text: script.text, file: /^repo [^:]+$/.test(script.identity) ? path.join(repoRoot, script.identity.slice("repo ".length)) : undefined })),
        );
        linted.push(...all);
        const suite = this.test?.parent as Suite;
        all.forEach(({ script, places }, i) => {
            const more = places.length > 1 ? ` (and ${places.length - 1} more places)` : "";
            suite.addTest(
                new Test(`${script.identity} [${script.dialect}]${more}: no findings`, () => {
                    const left = findings[i].filter((f) => !excluded(places, f));
                    assert.deepEqual(left.map(describeFinding), [], `${script.dialect} script in:\n  ${places.join("\n  ")}\n--- script ---\n${script.text}`);
                }),
            );
        });
    });

    it("walks every stack, scenario and preset, and finds the scripts the program is known to write", function () {
        for (const stack of stacks) {
            for (const scenario of scenarios) assert.ok(walked.some((v) => v.stack === stack && v.label === `${stack}[${scenario}]`), `${stack} ${scenario} without presets`);
            for (const preset of presets) assert.ok(walked.some((v) => v.stack === stack && JSON.stringify(v.config).includes(`"${preset}"`)), `${stack} with ${preset}`);
        }
        // Only preset combinations the config validation refuses are skipped (e.g. gpu with a standalone backend).
        for (const r of rejected) assert.match(r.message, /invalid configuration[\s\S]*spark\.presets/, `${r.variant.label}: ${r.message}`);
        const places = linted.flatMap((l) => l.places).join("\n");
        for (const known of [/Job minio\/\S+ › .*containers\[mc\]\.command/, /StatefulSet \S+\/postgres › .*lifecycle\.postStart\.exec\.command/, /Chart airflow values\.createUserJob\.args/, /^repo images\/build\.sh$/m, /^repo images\/versions\.env$/m, /^repo scripts\/backups\/backup\.sh$/m, /^repo scripts\/backups\/restore\.sh$/m]) {
            assert.match(places, known);
        }
    });
});
