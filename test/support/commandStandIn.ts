/**
 * Stand-ins for command-line tools (kubectl, curl) a shell script calls: small bash scripts put
 * first on PATH that log their argv and answer from recorded fixtures, so a script's logic and the
 * exact calls it makes can be tested without a cluster.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** One answer of a stand-in: the first rule whose pattern matches the call answers it. */
export interface StandInRule {
    /** The command this rule answers, e.g. "kubectl". */
    readonly command: string;
    /** A bash extended regular expression (`[[ "$*" =~ ... ]]`) matched against the space-joined argv. */
    readonly match: string;
    /** A file whose content is printed on stdout. */
    readonly stdoutFile?: string;
    /** Text printed on stdout (after stdoutFile, if both). */
    readonly stdout?: string;
    /** Text printed on stderr. */
    readonly stderr?: string;
    /** Exit status; 0 by default. */
    readonly exitCode?: number;
    /** A bash script run instead (with the call's argv as "$@"); it decides output and status. */
    readonly run?: string;
}

/** One recorded call of a stand-in. */
export interface StandInCall {
    readonly command: string;
    readonly argv: string[];
}

/** What a script run with stand-ins did. */
export interface StandInRun {
    readonly status: number | null;
    readonly stdout: string;
    readonly stderr: string;
    readonly calls: StandInCall[];
    /** The calls of one command, each argv joined by spaces. */
    readonly joined: (command: string) => string[];
}

const fieldSeparator = "\x1f";
const recordSeparator = "\x1e";

function standInText(command: string, rulesDir: string, log: string): string {
    return `#!/usr/bin/env bash
# Stand-in for ${command}: logs its argv, answers from the first matching rule.
{ printf '%s${fieldSeparator}' ${JSON.stringify(command)} "$@"; printf '${recordSeparator}'; } >>${JSON.stringify(log)}
joined="$*"
for rule in ${JSON.stringify(rulesDir)}/*; do
    [ -d "$rule" ] || continue
    pattern=$(<"$rule/match")
    if [[ "$joined" =~ $pattern ]]; then
        if [ -f "$rule/run" ]; then exec bash "$rule/run" "$@"; fi
        if [ -f "$rule/stdoutFile" ]; then cat "$(<"$rule/stdoutFile")"; fi
        if [ -f "$rule/stdout" ]; then cat "$rule/stdout"; fi
        if [ -f "$rule/stderr" ]; then cat "$rule/stderr" >&2; fi
        exit "$(<"$rule/exitCode")"
    fi
done
echo "stand-in ${command}: no rule for: $joined" >&2
exit 99
`;
}

/**
 * Runs `bash <script> <args>` with a stand-in for every command the rules name first on PATH;
 * the real tools (awk, sed, grep, python3) stay reachable behind them.
 */
export function runWithStandIns(script: string, args: readonly string[], rules: readonly StandInRule[], options: { env?: Record<string, string>; timeoutMs?: number } = {}): StandInRun {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stand-in-"));
    try {
        const bin = path.join(dir, "bin");
        const log = path.join(dir, "calls");
        fs.mkdirSync(bin);
        fs.writeFileSync(log, "");
        const commands = [...new Set(rules.map((r) => r.command))];
        for (const command of commands) {
            const rulesDir = path.join(dir, `rules-${command}`);
            fs.mkdirSync(rulesDir);
            rules
                .filter((r) => r.command === command)
                .forEach((r, i) => {
                    const ruleDir = path.join(rulesDir, String(i).padStart(3, "0"));
                    fs.mkdirSync(ruleDir);
                    fs.writeFileSync(path.join(ruleDir, "match"), r.match);
                    fs.writeFileSync(path.join(ruleDir, "exitCode"), String(r.exitCode ?? 0));
                    if (r.stdoutFile !== undefined) fs.writeFileSync(path.join(ruleDir, "stdoutFile"), r.stdoutFile);
                    if (r.stdout !== undefined) fs.writeFileSync(path.join(ruleDir, "stdout"), r.stdout);
                    if (r.stderr !== undefined) fs.writeFileSync(path.join(ruleDir, "stderr"), r.stderr);
                    if (r.run !== undefined) fs.writeFileSync(path.join(ruleDir, "run"), r.run);
                });
            fs.writeFileSync(path.join(bin, command), standInText(command, rulesDir, log), { mode: 0o755 });
        }
        const run = spawnSync("bash", [script, ...args], {
            encoding: "utf8",
            env: { ...process.env, ...options.env, PATH: `${bin}:${process.env.PATH ?? ""}` },
            timeout: options.timeoutMs ?? 20_000,
        });
        if (run.error) throw run.error;
        const calls = fs
            .readFileSync(log, "utf8")
            .split(recordSeparator)
            .filter((r) => r !== "")
            .map((r) => {
                const [command, ...argv] = r.split(fieldSeparator);
                return { command, argv: argv.slice(0, -1) };
            });
        return {
            status: run.status,
            stdout: run.stdout,
            stderr: run.stderr,
            calls,
            joined: (command) => calls.filter((c) => c.command === command).map((c) => c.argv.join(" ")),
        };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
