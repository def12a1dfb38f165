/**
 * A stack's outputs as `pulumi stack output --json` prints them: from a file the user saved, else
 * from the Pulumi CLI when it is installed. Used by every command that acts on a deployed stack.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";

export interface StackOutputsSource {
    /** A file holding `pulumi stack output --json [--show-secrets] --stack <stack>`. */
    readonly file?: string;
    readonly stack: string;
    /** The project directory the CLI runs in. */
    readonly dir: string;
    /** Ask the CLI for secret outputs in plain text (the kubeconfig). */
    readonly showSecrets?: boolean;
}

/** The outputs, or undefined when no file is given and the Pulumi CLI is not installed. */
export function readStackOutputs(source: StackOutputsSource): Record<string, unknown> | undefined {
    const parse = (text: string, from: string): Record<string, unknown> => {
        let value: unknown;
        try {
            value = JSON.parse(text);
        } catch (err) {
            throw new Error(`${from}: not JSON (${(err as Error).message})`);
        }
        if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error(`${from}: expected an object of outputs, got ${Array.isArray(value) ? "a list" : typeof value}`);
        return value as Record<string, unknown>;
    };
    if (source.file) return parse(fs.readFileSync(source.file, "utf8"), source.file);
    const args = ["stack", "output", "--json", "--stack", source.stack, ...(source.showSecrets ? ["--show-secrets"] : [])];
    const cli = spawnSync("pulumi", args, { cwd: source.dir, encoding: "utf8" });
    if (cli.error) return undefined;
    if (cli.status !== 0) throw new Error(`pulumi ${args.join(" ")} failed: ${cli.stderr.trim()}`);
    return parse(cli.stdout, `pulumi ${args.join(" ")}`);
}
