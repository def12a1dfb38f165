/**
 * Spark's own reading of memory sizes against parseSparkMemory, the one parser the program and
 * the policy pack use for spark.*.memory and SparkApplication memory: a table of strings goes
 * through each line's JavaUtils.byteStringAsMb (what SparkConf.getSizeAsMb calls). The parser must
 * accept exactly what every line accepts, with the size every line reads.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as path from "path";
import { parseSparkMemory } from "../../components/kubernetes/quantity";
import { SparkVersion, sparkVersions } from "../../components/config/schema";
import { javaHome, sparkDistribution } from "../support/spark";

const inputs = [
    "4g", "4096m", "512k", "1t", "1p", "2GB", "4gb", "16pb", "100b", "7", " 8G ", "0", "1024K", "3M",
    "1.5g", "4Gi", "4gi", "4gib", "4mib", "4ki", "4bb", "4ib", "-1g", "4 g", "g", "", "1e3", "4x", "0x10",
];

/** Whole MiB as the line reads each input, or undefined where it refuses it. */
async function sparkReads(line: SparkVersion): Promise<(number | undefined)[]> {
    const dist = await sparkDistribution(line);
    const run = spawnSync(path.join(javaHome, "bin", "java"), ["-cp", path.join(dist.home, "jars", "*"), path.join(__dirname, "ByteStrings.java"), ...inputs], { encoding: "utf8", timeout: 120000 });
    assert.equal(run.status, 0, run.stderr);
    const answers = run.stdout.trim().split("\n");
    assert.equal(answers.length, inputs.length, run.stdout);
    return answers.map((a) => (a === "refused" ? undefined : Number(a.replace(/^ok /, ""))));
}

describe("Spark engine: memory sizes", function () {
    this.timeout(20 * 60 * 1000);

    it("parseSparkMemory accepts exactly what every Spark line accepts, with the size each reads", async function () {
        const byLine = new Map<SparkVersion, (number | undefined)[]>();
        for (const line of sparkVersions) byLine.set(line, await sparkReads(line));
        inputs.forEach((input, i) => {
            const bytes = parseSparkMemory(input);
            const reads = sparkVersions.map((line) => `${line}: ${String(byLine.get(line)?.[i] ?? "refused")}`).join(", ");
            const everyLine = sparkVersions.every((line) => byLine.get(line)?.[i] !== undefined);
            assert.equal(bytes !== undefined, everyLine, `${JSON.stringify(input)}: parser ${String(bytes)}; ${reads}`);
            // Spark converts to whole MiB, rounding down.
            if (bytes !== undefined) for (const line of sparkVersions) assert.equal(Math.floor(bytes / 2 ** 20), byLine.get(line)?.[i], `${JSON.stringify(input)} on ${line}`);
        });
    });
});
