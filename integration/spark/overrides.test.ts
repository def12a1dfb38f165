import { strict as assert } from "assert";
import { parseSparkDefaults } from "../../components/spark/sparkDefaults";
import { serviceEndpoints } from "../../components/config/names";
import { sparkVersions } from "../../components/config/schema";
import { configMapData } from "../support/artefacts";
import { overridesFor, singleMachineOverrides } from "../support/spark";
import { presetRun } from "./matrix";

describe("Spark engine: the single-machine overrides", function () {
    this.timeout(120000);

    it("are exactly this list of keys, each with a reason (a new key must be added here on purpose)", function () {
        assert.deepEqual(singleMachineOverrides.map((o) => o.key).sort(), [
            "spark.connect.grpc.binding.address",
            "spark.connect.grpc.binding.port",
            "spark.driver.bindAddress",
            "spark.driver.blockManager.port",
            "spark.driver.host",
            "spark.driver.port",
            "spark.hadoop.fs.s3a.endpoint",
            "spark.hadoop.fs.s3a.path.style.access",
            "spark.hadoop.hive.metastore.uris",
            "spark.history.ui.port",
            "spark.master",
            "spark.sql.catalog.<catalog>.s3.endpoint",
            "spark.sql.catalog.<catalog>.s3.path-style-access",
            "spark.sql.catalog.<catalog>.uri",
            "spark.ui.port",
        ]);
        for (const o of singleMachineOverrides) assert.ok(o.reason.length > 20, `${o.key} needs a reason`);
    });

    it("leave credentials, regions, committers and event logs as generated on every stack and preset", async function () {
        const ctx = { s3Endpoint: "http://127.0.0.1:1", metastoreUri: "thrift://127.0.0.1:2", port: 3, uiPort: 4, driverPorts: [5, 6] as const };
        for (const stack of ["local", "dev", "prod"]) {
            for (const presets of [[], ["iceberg"], ["cost-optimized"]]) {
                const run = await presetRun(stack, presets);
                for (const line of sparkVersions) {
                    const e = serviceEndpoints.connect(line);
                    if (!run.resources.some((r) => (r.inputs.metadata as { name?: string } | undefined)?.name === `${e.name}-conf`)) continue;
                    const conf = parseSparkDefaults(configMapData(run, `${e.name}-conf`, e.namespace)["spark-defaults.conf"]);
                    const changed = Object.keys(overridesFor("connect", { ...ctx, conf, line }));
                    const untouchable = changed.filter((k) => /credentials|region|committer|eventLog|warehouse|catalogImplementation/.test(k));
                    assert.deepEqual(untouchable, [], `${stack} ${presets.join(",") || "no preset"} ${line}`);
                    if (stack === "local") assert.ok(!changed.includes("spark.hadoop.fs.s3a.path.style.access"), "MinIO stacks already address buckets by path");
                }
            }
        }
    });
});
