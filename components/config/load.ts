/** Reads the stack's Pulumi config and hands it to the pure validator. */
import * as pulumi from "@pulumi/pulumi";
import { objectKeys, PlatformConfig } from "./schema";
import { resolveConfig } from "./validate";

/**
 * Decodes the CLI's string values: objects arrive JSON-encoded. A value that does not decode is
 * passed through as text so validation names it.
 */
export function decodeConfigValues(values: Record<string, string>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [key, text] of Object.entries(values)) {
        if (objectKeys.has(key)) {
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

/** The validated config of the current stack; throws ConfigError before any resource exists. */
export function loadConfig(): PlatformConfig {
    const project = pulumi.getProject();
    const stack = pulumi.getStack();
    const prefix = `${project}:`;
    const all = pulumi.runtime.allConfig();
    const own = Object.fromEntries(
        Object.entries(all)
            .filter(([k]) => k.startsWith(prefix))
            .map(([k, v]) => [k.slice(prefix.length), v]),
    );
    return resolveConfig(decodeConfigValues(own), { stack, project, region: all["aws:region"] });
}
