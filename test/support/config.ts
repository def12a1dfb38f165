/** Config validation as the tests read it: the problems resolveConfig reports for raw config. */
import { strict as assert } from "assert";
import { ConfigError, resolveConfig } from "../../components/config";

/** The context of a prod stack in eu-west-1; a test overrides what it needs. */
export const ctx = { stack: "prod", project: "spark-k8s", region: "eu-west-1" };

/** The problems resolveConfig reports for raw config, or [] when it is valid. */
export function problems(raw: Record<string, unknown>, context: Partial<typeof ctx> = {}): string[] {
    try {
        resolveConfig(raw, { ...ctx, ...context });
        return [];
    } catch (err) {
        assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
        return err.problems.map((p) => p.message);
    }
}
