/** Reads the stack's Pulumi config and hands it to the pure validator. */
import * as pulumi from "@pulumi/pulumi";
import { objectKeys, PlatformConfig } from "./schema";
import { resolveConfig } from "./validate";

/**
 * Decodes the CLI's string values: objects arrive JSON-encoded (the keys in `jsonKeys`, by default
 * the platform's areas). A value that does not decode is passed through as text so validation
 * names it.
 */
export function decodeConfigValues(values: Record<string, string>, jsonKeys: ReadonlySet<string> = objectKeys): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [key, text] of Object.entries(values)) {
        if (jsonKeys.has(key)) {
            try {
                out[key] = JSON.parse(text);
            } catch {
                out[key] = text;
            }
        } else {
            out[key] = text;
        }
    }
    return out;
}

/** The keys of the project's own namespace ("<project>:<key>"), without the prefix. */
export function projectConfigValues(values: Record<string, string>, project: string): Record<string, string> {
    const prefix = `${project}:`;
    return Object.fromEntries(
        Object.entries(values)
            .filter(([k]) => k.startsWith(prefix))
            .map(([k, v]) => [k.slice(prefix.length), v]),
    );
}

/** The validated config of the current stack; throws ConfigError before any resource exists. */
export function loadConfig(): PlatformConfig {
    const project = pulumi.getProject();
    const stack = pulumi.getStack();
    const all = pulumi.runtime.allConfig();
    return resolveConfig(decodeConfigValues(projectConfigValues(all, project)), { stack, project, region: all["aws:region"] });
}
