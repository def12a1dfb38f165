import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { repoRoot } from "../../../tools/harness";
import { recipe } from "./recipes";

const dir = path.join(repoRoot, "scripts", "recipes");
const scripts = fs.readdirSync(dir).filter((f) => f.endsWith(".sh")).sort();

describe("scripts/recipes conventions", () => {
    it("holds the five diagnostic scripts the recipes call", () => {
        assert.deepEqual(scripts, ["driver-state.sh", "executor-logs.sh", "rbac-check.sh", "s3-check.sh", "stage-summary.sh"]);
    });

    for (const name of scripts) {
        it(`${name}: executable bash with set -euo pipefail, no jq, listed in the README`, () => {
            const file = recipe(name);
            const text = fs.readFileSync(file, "utf8");
            assert.ok(text.startsWith("#!/usr/bin/env bash\n"));
            assert.match(text, /^set -euo pipefail$/m);
            assert.ok((fs.statSync(file).mode & 0o111) !== 0, `${name} is not executable`);
            // jq as a command: at a line's start, after a pipe or separator, or in a command substitution.
            const code = text.split("\n").filter((l) => !l.trim().startsWith("#")).join("\n");
            assert.doesNotMatch(code, /(^|[|;&]|\$\()\s*jq\s/m, `${name} calls jq`);
            assert.match(fs.readFileSync(path.join(dir, "README.md"), "utf8"), new RegExp(`^\\| \`${name.replace(".", "\\.")}\` \\|.*\\| \`scripts/recipes/${name.replace(".", "\\.")} `, "m"));
        });
    }
});
