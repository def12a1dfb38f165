/**
 * Spark's own reading of memory sizes against parseSparkMemory, the one parser the program and
 * the policy pack use for spark.*.memory and SparkApplication memory: for each line, a table of
 * strings goes through Spark's JavaUtils.byteStringAsMb (what SparkConf.getSizeAsMb calls), and
 * the parser must refuse exactly what Spark refuses and agree on every size it accepts.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as path from "path";
import { parseSparkMemory } from "../../components/kubernetes/quantity";
import { sparkVersions } from "../../components/config/schema";
import { javaHome, sparkDistribution } from "../support/spark";

const inputs = [
    "4g", "4096m", "512k", "1t", "1p", "2GB", "4gb", "16pb", "100b", "7", " 8G ", "0", "1024K", "3M",
    "1.5g", "4Gi", "4gi", "4mib", "4bb", "-1g", "4 g", "g", "", "1e3", "4x", "0x10",
];

describe("Spark engine: memory sizes", function () {
    this.timeout(20 * 60 * 1000);

    for (const line of sparkVersions) {
        it(`Spark ${line} reads every memory string as parseSparkMemory does`, async function () {
            const dist = await sparkDistribution(line);
            const run = spawnSync(path.join(javaHome, "bin", "java"), ["-cp", path.join(dist.home, "jars", "*"), path.join(__dirname, "ByteStrings.java"), ...inputs], { encoding: "utf8", timeout: 120000 });
            assert.equal(run.status, 0, run.stderr);
            const answers = run.stdout.trim().split("\n");
            assert.equal(answers.length, inputs.length, run.stdout);
            inputs.forEach((input, i) => {
                const bytes = parseSparkMemory(input);
                const spark = answers[i] === "refused" ? undefined : Number(answers[i].replace(/^ok /, ""));
                // Spark converts to whole MiB, rounding down.
                assert.equal(bytes === undefined ? undefined : Math.floor(bytes / 2 ** 20), spark, `${JSON.stringify(input)}: Spark says ${answers[i]}`);
            });
        });
    }
});
