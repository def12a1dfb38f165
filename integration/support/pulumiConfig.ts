/**
 * The Pulumi CLI's own config code, built once from the Go module proxy at the version of
 * @pulumi/pulumi in package.json (integration/policies/pulumiconfig): policy pack config
 * validation, and stack files with their ESC environments and the project's declarations.
 */
import * as fs from "fs";
import * as path from "path";
import { cachedDirectory, cacheRoot, digestOf, goEnv, run } from "./cache";

export const pulumiConfigSourceDir = path.join(__dirname, "..", "policies", "pulumiconfig");

/** The validator binary, built once into the cache (rebuilt when its sources change). */
export function pulumiConfigValidator(): string {
    const sources = fs
        .readdirSync(pulumiConfigSourceDir)
        .filter((f) => f === "go.mod" || f === "go.sum" || f.endsWith(".go"))
        .sort()
        .map((f) => fs.readFileSync(path.join(pulumiConfigSourceDir, f), "utf8"));
    const dir = cachedDirectory(path.join(cacheRoot, "bin", `pulumiconfig-${digestOf(sources)}`), (target) => {
        run("nice", ["-n", "10", "go", "build", "-mod=readonly", "-trimpath", "-o", path.join(target, "pulumiconfig"), "."], {
            cwd: pulumiConfigSourceDir,
            env: goEnv(),
            timeout: 30 * 60 * 1000,
            what: "go build integration/policies/pulumiconfig (the Pulumi CLI's config validation)",
        });
    });
    return path.join(dir, "pulumiconfig");
}

/** What the CLI's code makes of a stack: its file, the ESC environments it imports and the project's declarations. */
export interface StackCheck {
    /** Imports as the CLI reads them from the stack file. */
    readonly imports: string[];
    /** ESC's diagnostics; empty when every environment loads and evaluates. */
    readonly diagnostics: string[];
    /** Each opening of the aws-login stand-in, with its evaluated inputs. */
    readonly logins: { environment: string; inputs: { oidc?: Record<string, unknown> } }[];
    /** Variables the CLI would export to the program and its providers, and which of them are secret. */
    readonly environmentVariables: Record<string, string>;
    readonly secretVariables: string[];
    /** The config after the CLI merged the environment's pulumiConfig and the project's declarations; null on error. */
    readonly config: Record<string, string> | null;
    /** The CLI's config validation error, or "". */
    readonly configError: string;
}

/**
 * Runs the CLI's code over `projectDir`'s Pulumi.yaml and Pulumi.<stack>.yaml, opening the ESC
 * environments the stack file imports from `environments` ("<project>/<name>" to its YAML).
 */
export function checkStack(validator: string, projectDir: string, stack: string, environments: Record<string, string>): StackCheck {
    const out = run(validator, ["stack"], { input: JSON.stringify({ projectDir, stack, environments }), stdio: ["pipe", "pipe", "pipe"], what: `checking stack ${stack} in ${projectDir}` });
    return JSON.parse(out) as StackCheck;
}
