/** What every command-line tool of the repository shares: its result, argument parsing and the main-module run. */

/** What a command prints and its exit code: 0 done, 1 failed, 2 usage error. */
export interface CommandResult {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
}

/** A usage error: the message, then the usage text, exit code 2. */
export function usageError(name: string, usage: string, message: string): CommandResult {
    return { code: 2, stdout: "", stderr: `${name}: ${message}\n\n${usage}` };
}

/** A failure: the message (an Error's message), exit code 1. */
export function failure(name: string, err: unknown): CommandResult {
    return { code: 1, stdout: "", stderr: `${name}: ${err instanceof Error ? err.message : String(err)}\n` };
}

/**
 * The parsed command line, or the result to return instead: a usage error when `parse` throws (an
 * unknown flag, a missing value), the usage text when it asks for help.
 */
export function parseCommand<P extends { values: { help?: boolean } }>(name: string, usage: string, parse: () => P): P | CommandResult {
    let parsed: P;
    try {
        parsed = parse();
    } catch (err) {
        return usageError(name, usage, err instanceof Error ? err.message : String(err));
    }
    return parsed.values.help ? { code: 0, stdout: usage, stderr: "" } : parsed;
}

/** True for what parseCommand returns instead of a command line. */
export const isResult = (v: object): v is CommandResult => "code" in v;

/** Runs a command as the main module: prints its streams and exits with its code once both have flushed (Pulumi's runtime can keep handles open). */
export function runMain(command: (argv: readonly string[]) => CommandResult | Promise<CommandResult>): void {
    void Promise.resolve(command(process.argv.slice(2))).then((result) => {
        process.stdout.write(result.stdout);
        process.stderr.write(result.stderr);
        process.stdout.write("", () => process.stderr.write("", () => process.exit(result.code)));
    });
}
