import { strict as assert } from "assert";
import { CheckFailure, formatResults, runCheck, skipped, smokeReport } from "../../../tools/smoke/checks";

/** A clock that advances by `step` ms on every read. */
const clock = (step: number): (() => number) => {
    let t = 1000;
    return () => (t += step);
};

describe("tools/smoke/checks", () => {
    it("runCheck times a check and passes it with its detail", async () => {
        const r = await runCheck("s3: bucket", () => "warehouse exists", clock(1500));
        assert.deepEqual(r, { name: "s3: bucket", verdict: "passed", seconds: 1.5, detail: "warehouse exists" });
    });

    it("runCheck keeps a verdict and hint the check returns", async () => {
        const r = await runCheck("x", () => Promise.resolve({ verdict: "skipped" as const, detail: "not on this stack", hint: "kubectl get pods" }), clock(0));
        assert.equal(r.verdict, "skipped");
        assert.equal(r.hint, "kubectl get pods");
    });

    it("runCheck turns an exception into a failed verdict with its message, never a rejection", async () => {
        const r = await runCheck("connect-35: session", () => {
            throw new Error("nothing answers at 127.0.0.1:1");
        }, clock(250));
        assert.deepEqual(r, { name: "connect-35: session", verdict: "failed", seconds: 0.25, detail: "nothing answers at 127.0.0.1:1" });
        const withHint = await runCheck("h", () => Promise.reject(new CheckFailure("not listed", "kubectl logs deploy/spark-history-server")));
        assert.equal(withHint.verdict, "failed");
        assert.equal(withHint.hint, "kubectl logs deploy/spark-history-server");
        const odd = await runCheck("o", () => {
            // eslint-disable-next-line @typescript-eslint/only-throw-error
            throw "a string";
        });
        assert.equal(odd.detail, "a string");
    });

    it("the report counts verdicts; only a failure fails the run", () => {
        const results = [
            { name: "a", verdict: "passed" as const, seconds: 1, detail: "" },
            skipped("b", "kept"),
        ];
        const ok = smokeReport("local", new Date("2026-12-04T18:00:00Z"), results, 3.456);
        assert.deepEqual(ok, { stack: "local", startedAt: "2026-12-04T18:00:00.000Z", seconds: 3.46, passed: true, counts: { passed: 1, failed: 0, skipped: 1 }, checks: results });
        const bad = smokeReport("local", new Date(0), [...results, { name: "c", verdict: "failed", seconds: 0, detail: "x" }], 0);
        assert.equal(bad.passed, false);
        assert.equal((JSON.parse(JSON.stringify(bad)) as typeof bad).counts.failed, 1);
    });

    it("formats a table: verdict, seconds, name, detail, hints and extra detail lines beneath, a summary", () => {
        const text = formatResults([
            { name: "connect-41: session", verdict: "passed", seconds: 2.345, detail: "Spark 4.1.4" },
            { name: "history", verdict: "failed", seconds: 60, detail: "not listed\nlists 0 applications", hint: "kubectl logs deploy/spark-history-server" },
            skipped("cleanup", "kept (--keep)"),
        ]);
        assert.equal(text, [
            "      seconds  check                detail",
            "ok        2.3  connect-41: session  Spark 4.1.4",
            "FAIL     60.0  history              not listed",
            "                                    lists 0 applications",
            "                                    → kubectl logs deploy/spark-history-server",
            "skip      0.0  cleanup              kept (--keep)",
            "",
            "1 passed, 1 failed, 1 skipped",
            "",
        ].join("\n"));
    });
});
