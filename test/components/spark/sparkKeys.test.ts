import { strict as assert } from "assert";
import { icebergRuntimeLines, sparkVersions } from "../../../components/config/schema";
import { keyPattern, keySpec, sparkKeySpecs, unknownKeys } from "../../../components/spark/sparkKeys";

describe("spark key reference set", () => {
    it("has one well-formed entry per key, each with a source and versions", () => {
        const keys = sparkKeySpecs.map((s) => s.key);
        assert.equal(new Set(keys).size, keys.length, "no duplicates");
        for (const spec of sparkKeySpecs) {
            assert.ok(spec.source.length > 0 && spec.versions.length > 0, spec.key);
            assert.ok(/^spark\./.test(spec.key), spec.key);
        }
    });

    it("matches patterns exactly and refuses misspellings", () => {
        assert.ok(keyPattern("spark.sql.catalog.<name>.{type|uri}").test("spark.sql.catalog.lake.uri"));
        assert.ok(!keyPattern("spark.sql.catalog.<name>.{type|uri}").test("spark.sql.catalog.lake.urii"));
        assert.ok(!keyPattern("spark.sql.catalog.<name>").test("spark.sql.catalog.a.b"));
        assert.ok(keyPattern("spark.metrics.conf.{*|driver}.source.jvm.class").test("spark.metrics.conf.*.source.jvm.class"));
        assert.ok(!keyPattern("spark.metrics.conf.{*|driver}.source.jvm.class").test("spark.metrics.conf.x.source.jvm.class"));
        assert.deepEqual(unknownKeys(["spark.executor.memory", "spark.executor.memroy", "spark.hadoop.fs.s3a.path.style.acess"], "4.3"), [
            "spark.executor.memroy",
            "spark.hadoop.fs.s3a.path.style.acess",
        ]);
        assert.equal(keySpec("spark.eventLog.dir", "3.5")?.source, "spark docs/configuration.md");
    });

    it("knows Iceberg's catalog keys only on the lines Iceberg ships a runtime for", () => {
        assert.deepEqual(icebergRuntimeLines, ["3.5", "4.1"]);
        for (const version of sparkVersions) {
            const known = keySpec("spark.sql.catalog.lake.warehouse", version) !== undefined;
            assert.equal(known, icebergRuntimeLines.includes(version), version);
            assert.ok(keySpec("spark.hadoop.fs.s3a.committer.name", version), version);
        }
    });
});
