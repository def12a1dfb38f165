import { strict as assert } from "assert";
import { configOf } from "../../../policies/lib/rule";

describe("policies/lib/rule", () => {
    describe("configOf", () => {
        const defaults = { maxNodes: 100, requireDigest: false, patterns: ["warehouse"], maxMemory: "256g" };
        const given = (config: unknown) => ({ getConfig: <T>() => config as T });

        it("keeps every default the pack leaves unset, null or undefined", () => {
            assert.deepEqual(configOf(given({}), defaults), defaults);
            assert.deepEqual(configOf(given(undefined), defaults), defaults);
            assert.deepEqual(configOf(given({ maxNodes: null, requireDigest: undefined }), defaults), defaults);
        });

        it("takes each value the pack sets with the default's type", () => {
            assert.deepEqual(configOf(given({ maxNodes: 5, requireDigest: true, patterns: ["a", "b"], maxMemory: "64g" }), defaults), {
                maxNodes: 5,
                requireDigest: true,
                patterns: ["a", "b"],
                maxMemory: "64g",
            });
        });

        it("keeps the default for a value of the wrong type, and ignores keys the rule does not declare", () => {
            assert.deepEqual(configOf(given({ maxNodes: "5", requireDigest: "yes", patterns: [1], extra: 1 }), defaults), defaults);
        });

        it("keeps the defaults when reading the config throws", () => {
            const throwing = { getConfig: <T>(): T => { throw new Error("no config"); } };
            assert.deepEqual(configOf(throwing, defaults), defaults);
        });
    });
});
