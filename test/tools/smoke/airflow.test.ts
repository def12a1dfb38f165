import { strict as assert } from "assert";
import { airflowCheckArgs, AirflowReport, airflowResults, parseAirflowReport, smokeRunId, smokeRunPrefix } from "../../../tools/smoke/airflow";

const ok: AirflowReport = {
    steps: ["arguments", "health", "token", "version", "dag", "unpause", "trigger", "run", "cleanup"],
    timings: { run: 42, cleanup: 1, total: 50 },
    dagId: "spark_operator_example", runId: "spark_k8s_smoke__x", keep: false, airflowVersion: "3.2.2",
    wasPaused: true, unpaused: true, triggered: true, state: "success", deleted: true, repaused: true,
};
const names = (rs: { name: string; verdict: string }[]) => rs.map((r) => `${r.verdict}`);

describe("tools/smoke/airflow", () => {
    it("run ids carry the prefix the script requires and differ per run; the arguments", () => {
        assert.match(smokeRunId(new Date("2026-12-05T06:15:00Z"), () => 0.5), /^spark_k8s_smoke__20261205t061500_i000$/);
        assert.ok(smokeRunId(new Date()).startsWith(smokeRunPrefix));
        assert.deepEqual(airflowCheckArgs("http://a:8080", "d", "r", { keep: true, timeoutSeconds: 60 }), ["http://a:8080", "d", "r", "--keep", "--timeout", "60"]);
    });

    it("a run that succeeded and was cleaned up passes both checks, saying what it proves", () => {
        const rs = airflowResults("spark_operator_example", "a SparkApplication ran", ok, "hint");
        assert.deepEqual(names(rs), ["passed", "passed"]);
        assert.match(rs[0].detail, /spark_k8s_smoke__x succeeded in 42 s on Airflow 3\.2\.2: a SparkApplication ran/);
        assert.equal(rs[1].detail, "spark_k8s_smoke__x deleted, spark_operator_example paused again");
    });

    it("a failed run names its unsuccessful tasks; a step before the run fails with its error; the cleanup is judged on its own", () => {
        const failed = airflowResults("d", "p", { ...ok, state: "failed", failedStep: "run", error: "run failed", tasks: [{ taskId: "a", state: "success" }, { taskId: "submit", state: "failed" }, { taskId: "b", state: "upstream_failed" }] }, "hint");
        assert.deepEqual(names(failed), ["failed", "passed"]);
        assert.match(failed[0].detail, /spark_k8s_smoke__x failed; tasks: submit failed, b upstream_failed/);
        assert.equal(failed[0].hint, "hint");
        const token = airflowResults("d", "p", { steps: ["arguments", "health", "token"], timings: {}, failedStep: "token", error: "HTTP 401: Invalid credentials" }, "hint");
        assert.deepEqual(names(token), ["failed", "skipped"]);
        assert.equal(token[0].detail, "token: HTTP 401: Invalid credentials");
        const timeout = airflowResults("d", "p", { ...ok, state: "running", failedStep: "run", error: "still running after 900 s" }, "hint");
        assert.match(timeout[0].detail, /still running \(still running after 900 s\)/);
        assert.equal(airflowResults("d", "p", { ...ok, state: "running", failedStep: "run", markedFailed: true }, "hint")[1].detail, "spark_k8s_smoke__x marked failed and deleted, d paused again");
        const leftover = airflowResults("d", "p", { ...ok, deleted: false, repaused: false }, "hint");
        assert.deepEqual(names(leftover), ["passed", "failed"]);
        assert.equal(leftover[1].detail, "spark_k8s_smoke__x not deleted; d left unpaused");
    });

    it("--keep skips the cleanup and says what was left", () => {
        const kept = airflowResults("d", "p", { ...ok, keep: true, deleted: undefined, repaused: undefined }, "hint");
        assert.deepEqual(names(kept), ["passed", "skipped"]);
        assert.equal(kept[1].detail, "kept spark_k8s_smoke__x, and d unpaused (--keep)");
    });

    it("output without a report is a failed report quoting its end", () => {
        const r = parseAirflowReport("Traceback\nPermissionError: /opt/airflow\n");
        assert.equal(r.failedStep, "client");
        assert.match(r.error ?? "", /PermissionError/);
        assert.equal(parseAirflowReport(`${JSON.stringify(ok)}\nwarning\n`).state, "success");
    });
});
