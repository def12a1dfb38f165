/**
 * The Iceberg examples (examples/iceberg/): offline checks that keep the scripts, their README and
 * the platform's names in step (no Python here: integration/examples/iceberg.test.ts runs them on
 * real Spark).
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { tierDefaults } from "../../components/config/defaults";
import { serviceEndpoints, serviceHost } from "../../components/config/names";
import { icebergRuntimeLines, tiers } from "../../components/config/schema";
import { repoRoot } from "../../tools/harness";

const examplesDir = path.join(repoRoot, "examples", "iceberg");
const scripts = ["time_travel.py", "schema_evolution.py", "snapshots.py", "rollback.py"];
const read = (file: string): string => fs.readFileSync(file, "utf8");

describe("Iceberg examples", () => {
    it("are exactly the four scripts", () => {
        assert.deepEqual(fs.readdirSync(examplesDir).filter((f) => f.endsWith(".py")).sort(), [...scripts].sort());
    });

    for (const file of scripts) {
        it(`${file} defaults to the catalog name every tier configures, and connects through Spark Connect`, () => {
            const text = read(path.join(examplesDir, file));
            const names = new Set(tiers.map((t) => tierDefaults(t).spark.iceberg.catalogName));
            assert.equal(names.size, 1, `the tiers default to different catalog names: ${[...names].join(", ")}`);
            assert.ok(text.includes(`catalog = sys.argv[2] if len(sys.argv) > 2 else "${[...names][0]}"`), `${file} does not default to ${[...names][0]}`);
            assert.match(text, /SparkSession\.builder\.remote\(url\)\.getOrCreate\(\)/);
            assert.match(text, /^print\(json\.dumps\(/m, "the last line printed is the JSON of what the script observed");
        });
    }

    it("the README explains every script and names each Iceberg line's Connect service", () => {
        const readme = read(path.join(examplesDir, "README.md"));
        for (const file of scripts) assert.ok(readme.split("\n").some((l) => l.startsWith("## ") && l.includes(`\`${file}\``)), `README.md has no section on ${file}`);
        for (const line of icebergRuntimeLines) {
            const connect = serviceEndpoints.connect(line);
            assert.ok(readme.includes(connect.name), `README.md does not name ${connect.name}`);
            if (line === icebergRuntimeLines[icebergRuntimeLines.length - 1]) assert.ok(readme.includes(`sc://${serviceHost(connect)}:${connect.grpcPort}`));
        }
    });

    it("the integration suite runs every script", () => {
        const suite = read(path.join(repoRoot, "integration", "examples", "iceberg.test.ts"));
        for (const file of scripts) assert.ok(suite.includes(`("${file.replace(/\.py$/, "")}")`), `integration/examples/iceberg.test.ts does not run ${file}`);
    });
});
