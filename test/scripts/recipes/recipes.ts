/** Shared checks of the diagnostic scripts under scripts/recipes/. */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { repoRoot } from "../../../tools/harness";
import { runWithStandIns, StandInRule, StandInRun } from "../../support/commandStandIn";

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

const listResources = ["pods", "events", "services", "replicasets", "resourcequota", "configmaps", "deployments"];
const regexEscape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * A stand-in kubectl answering from a fixture directory the way fixtures/render.sh records it:
 * `get <resource> [<name>]` from <resource>[-<name>].txt, `get events --field-selector
 * involvedObject.name=<name>` from events-<name>.txt, `logs ... <pod> ...` from logs-<pod>.txt.
 * Anything else: an empty list for list calls, NotFound (exit 1) for a named object.
 */
export function recorded(dir: string, extra: readonly StandInRule[] = []): StandInRule[] {
    const base = fixture(dir);
    const rules: StandInRule[] = fs
        .readdirSync(base)
        .filter((f) => f.endsWith(".txt"))
        .map((f) => {
            const key = f.slice(0, -".txt".length);
            const dash = key.indexOf("-");
            const [resource, name] = dash < 0 ? [key, undefined] : [key.slice(0, dash), key.slice(dash + 1)];
            const match =
                resource === "logs"
                    ? `^logs (.* )?${regexEscape(name!)}( |$)`
                    : resource === "events"
                      ? `^get events .*--field-selector involvedObject\\.name=${regexEscape(name!)}( |$)`
                      : `^get ${resource}${name ? ` ${regexEscape(name)}` : ""}( |$)`;
            return { command: "kubectl", match, stdoutFile: path.join(base, f) };
        });
    return [
        ...extra,
        ...rules,
        { command: "kubectl", match: `^get (${listResources.join("|")}) -`, stdout: "" },
        { command: "kubectl", match: "^get (events|pods|services|replicasets|resourcequota) ", stdout: "" },
        { command: "kubectl", match: "^get ([a-z]+) ([^ -][^ ]*)", stderr: "Error from server (NotFound): not found\n", exitCode: 1 },
    ];
}
