import { strict as assert } from "assert";
import { ConnectReport, connectCheckArgs, connectResults, parseConnectReport, smokeTableName } from "../../../tools/smoke/connect";

const warehouseDir = "s3a://spark-k8s-local-warehouse/warehouse";
/** What connect_check.py prints for a run that did everything. */
const complete: ConnectReport = {
    steps: ["reach", "session", "version", "database", "create", "describe", "list", "write", "read", "drop", "list after drop"],
    timings: { reach: 0, session: 0.5, version: 1, database: 0.5, create: 1, describe: 0.25, list: 0.25, write: 2, read: 1, drop: 0.5, "list after drop": 0.25, total: 7.25 },
    url: "sc://127.0.0.1:15002", database: "spark_k8s_smoke", table: "spark_k8s_smoke.smoke_41_x", keep: false,
    clientVersion: "4.1.3", sparkVersion: "4.1.4", appId: "local-1", appName: "spark-connect-41", catalogImplementation: "hive", warehouseDir,
    created: true, location: `${warehouseDir}/spark_k8s_smoke.db/smoke_41_x`, tableType: "MANAGED", provider: "parquet", listedInDatabase: true,
    rowsWritten: [[1, "one"], [2, "two"]], rowsRead: [[1, "one"], [2, "two"]], dropped: true, listedAfterDrop: false,
};
const verdicts = (r: ConnectReport, expect = { warehouseDir }) => connectResults("c", r, expect).map((x) => `${x.name}=${x.verdict}`);

describe("tools/smoke/connect", () => {
    it("a table name no other run uses, with the smoke prefix the script requires", () => {
        assert.equal(smokeTableName("41", new Date("2026-12-04T18:30:05.123Z"), () => 0.5), "smoke_41_20261204t183005_i000");
        assert.match(smokeTableName("35", new Date()), /^smoke_35_\d{8}t\d{6}_[0-9a-z]{4}$/);
    });

    it("the script's arguments: URL, the smoke database, the table, --keep and --timeout when asked", () => {
        assert.deepEqual(connectCheckArgs("sc://h:1", "smoke_t"), ["sc://h:1", "spark_k8s_smoke", "smoke_t"]);
        assert.deepEqual(connectCheckArgs("sc://h:1", "smoke_t", { keep: true, timeoutSeconds: 5 }), ["sc://h:1", "spark_k8s_smoke", "smoke_t", "--keep", "--timeout", "5"]);
    });

    it("parses the last stdout line; output without a report is a failed report, not an exception", () => {
        assert.equal(parseConnectReport(`log line\n${JSON.stringify(complete)}\n`).sparkVersion, "4.1.4");
        // A pod's log carries stderr too, which may come after the report.
        assert.equal(parseConnectReport(`${JSON.stringify(complete)}\nE1205 grpc shutdown warning {not json}\n`).sparkVersion, "4.1.4");
        const none = parseConnectReport("Traceback (most recent call last):\nImportError: grpc");
        assert.equal(none.failedStep, "client");
        assert.match(none.error ?? "", /ImportError: grpc/);
    });

    it("fails the session when the server runs a release of another line than its own", () => {
        const results = connectResults("connect-41", complete, { warehouseDir, line: "4.1" });
        assert.equal(results[0].verdict, "passed");
        const wrong = connectResults("connect-43", complete, { warehouseDir, line: "4.3" });
        assert.equal(wrong[0].verdict, "failed");
        assert.match(wrong[0].detail, /expected a Spark 4\.3 release/);
    });

    it("passes every check of a complete run, with each part's seconds", () => {
        const results = connectResults("connect-41", complete, { warehouseDir: `${warehouseDir}/`, sparkVersion: "4.1.4" });
        assert.deepEqual(results.map((r) => [r.name, r.verdict, r.seconds]), [
            ["connect-41: session", "passed", 1.5],
            ["connect-41: table in the warehouse through the Metastore", "passed", 2],
            ["connect-41: write and read rows", "passed", 3],
            ["connect-41: cleanup", "passed", 0.75],
        ]);
        assert.match(results[0].detail, /Spark 4\.1\.4 \(client 4\.1\.3\), application local-1 \(spark-connect-41\)/);
    });

    it("fails the session (and skips the rest) when nothing answers", () => {
        const r = connectResults("c", { steps: ["reach"], timings: { reach: 2 }, failedStep: "reach", error: "ConnectionError: nothing answers at 127.0.0.1:1 (Connection refused)" }, { warehouseDir, hint: "kubectl logs" });
        assert.deepEqual(r.map((x) => x.verdict), ["failed", "skipped", "skipped", "skipped"]);
        assert.match(r[0].detail, /reach: ConnectionError: nothing answers at 127\.0\.0\.1:1/);
        assert.equal(r[0].hint, "kubectl logs");
    });

    it("fails the table check when the table is outside the warehouse, not MANAGED, unlisted or not in the Hive catalog", () => {
        for (const broken of [
            { location: "file:/tmp/spark-warehouse/smoke_41_x" },
            { location: `${warehouseDir}-other/x` },
            { tableType: "EXTERNAL" },
            { listedInDatabase: false },
            { catalogImplementation: "in-memory" },
        ]) assert.deepEqual(verdicts({ ...complete, ...broken }), ["c: session=passed", "c: table in the warehouse through the Metastore=failed", "c: write and read rows=passed", "c: cleanup=passed"], JSON.stringify(broken));
    });

    it("fails on a different Spark release, different rows, a table still there; skips the cleanup with --keep", () => {
        assert.equal(connectResults("c", complete, { warehouseDir, sparkVersion: "4.1.3" })[0].verdict, "failed");
        assert.equal(verdicts({ ...complete, rowsRead: [[1, "one"]] })[2], "c: write and read rows=failed");
        assert.equal(verdicts({ ...complete, listedAfterDrop: true })[3], "c: cleanup=failed");
        assert.equal(verdicts({ ...complete, dropped: false })[3], "c: cleanup=failed");
        const leaked = connectResults("c", { ...complete, rowsLeftAfterDrop: 3 }, { warehouseDir })[3];
        assert.deepEqual([leaked.verdict, leaked.detail], ["failed", `the Metastore dropped spark_k8s_smoke.smoke_41_x, but 3 rows are still readable at ${complete.location}: its files were not deleted`]);
        assert.equal(connectResults("c", { ...complete, rowsLeftAfterDrop: 0 }, { warehouseDir })[3].detail, "dropped spark_k8s_smoke.smoke_41_x, no files left");
        const kept = connectResults("c", { ...complete, keep: true, dropped: false, listedAfterDrop: undefined }, { warehouseDir })[3];
        assert.deepEqual([kept.verdict, kept.detail], ["skipped", "kept spark_k8s_smoke.smoke_41_x (--keep)"]);
    });

    it("a failed write fails the rows check, and the table created before it must still be gone", () => {
        const r = { ...complete, failedStep: "write", error: "AnalysisException: x", rowsRead: undefined, rowsWritten: undefined, listedAfterDrop: undefined };
        assert.deepEqual(verdicts(r), ["c: session=passed", "c: table in the warehouse through the Metastore=passed", "c: write and read rows=failed", "c: cleanup=passed"]);
        assert.equal(verdicts({ ...r, dropped: false, dropError: "boom" })[3], "c: cleanup=failed");
    });
});
