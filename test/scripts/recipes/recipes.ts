/** Shared checks of the diagnostic scripts under scripts/recipes/. */
import { strict as assert } from "assert";
import * as path from "path";
import { repoRoot } from "../../../tools/harness";
import { runWithStandIns, StandInRun } from "../../support/commandStandIn";

/** The path of scripts/recipes/<name>. */
export const recipe = (name: string): string => path.join(repoRoot, "scripts", "recipes", name);

/** The path of a fixture under test/scripts/recipes/fixtures/. */
export const fixture = (name: string): string => path.join(repoRoot, "test", "scripts", "recipes", "fixtures", name);

/** Runs a recipe for --help or a usage error: kubectl and curl stand-ins that fail, and must not be called. */
export function runPlain(script: string, args: readonly string[]): StandInRun {
    const run = runWithStandIns(script, args, ["kubectl", "curl"].map((command) => ({ command, match: ".*", stderr: `${command} must not be called\n`, exitCode: 97 })));
    assert.deepEqual(run.calls, [], `${args.join(" ")} called a tool`);
    return run;
}

/** --help exits 0 and documents every flag, an example and the exit codes. */
export function assertHelp(script: string, flags: readonly string[]): void {
    for (const help of ["--help", "-h"]) {
        const run = runPlain(script, [help]);
        assert.equal(run.status, 0, run.stderr);
        assert.match(run.stdout, /^Usage: /);
        for (const flag of [...flags, "--help"]) assert.ok(run.stdout.includes(flag), `--help does not mention ${flag}`);
        assert.match(run.stdout, /Example/);
        assert.match(run.stdout, /Exit codes:[\s\S]*\b0\b[\s\S]*\b1\b[\s\S]*\b2\b/);
    }
}

/** A usage error exits 2 and names the offending flag on stderr. */
export function assertUsageError(script: string, args: readonly string[], named: string | RegExp): void {
    const run = runPlain(script, args);
    assert.equal(run.status, 2, `${args.join(" ")}: exit ${run.status}\n${run.stdout}\n${run.stderr}`);
    if (typeof named === "string") assert.ok(run.stderr.includes(named), `${args.join(" ")}: stderr does not name ${named}: ${run.stderr}`);
    else assert.match(run.stderr, named);
}
