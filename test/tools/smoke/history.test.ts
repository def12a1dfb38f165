import { strict as assert } from "assert";
import { ApplicationInfo, applicationsUrl, FetchLike, historyCheck } from "../../../tools/smoke/history";

const app = (id: string, completed: boolean): ApplicationInfo => ({ id, name: "spark-connect-41", attempts: [{ completed, appSparkVersion: "4.1.4" }] });

/** A fetch answering each call with the next listing (the last one repeats), recording the URLs. */
function fakeFetch(listings: (ApplicationInfo[] | Error | number)[]): FetchLike & { urls: string[] } {
    const urls: string[] = [];
    let i = 0;
    const f = ((url: string) => {
        urls.push(url);
        const next = listings[Math.min(i++, listings.length - 1)];
        if (next instanceof Error) return Promise.reject(next);
        if (typeof next === "number") return Promise.resolve({ ok: false, status: next, statusText: "Service Unavailable", json: () => Promise.resolve({}), text: () => Promise.resolve("no endpoints available") });
        return Promise.resolve({ ok: true, status: 200, json: () => Promise.resolve(next), text: () => Promise.resolve(JSON.stringify(next)) });
    }) as FetchLike & { urls: string[] };
    f.urls = urls;
    return f;
}

/** A fake clock that the fake sleep advances. */
function time() {
    let t = 0;
    return { now: () => t, sleep: (ms: number) => Promise.resolve(void (t += ms)) };
}

describe("tools/smoke/history", () => {
    it("asks /api/v1/applications under the base URL (a service proxy URL too)", () => {
        assert.equal(applicationsUrl("https://api:6443/api/v1/namespaces/spark-platform/services/spark-history-server:18080/proxy/"), "https://api:6443/api/v1/namespaces/spark-platform/services/spark-history-server:18080/proxy/api/v1/applications");
    });

    it("polls until the application is listed", async () => {
        const fetch = fakeFetch([[], [app("other", true)], [app("other", true), app("local-1", false)]]);
        const r = await historyCheck("history", { baseUrl: "http://hs", appId: "local-1", appName: "spark-connect-41", fetch, ...time() });
        assert.equal(r.verdict, "passed");
        assert.equal(r.detail, "local-1 (spark-connect-41) listed, running, Spark 4.1.4, 1 attempt(s)");
        assert.equal(fetch.urls.length, 3);
        assert.equal(fetch.urls[0], "http://hs/api/v1/applications");
    });

    it("fails after the timeout, saying what the server lists", async () => {
        const r = await historyCheck("history", { baseUrl: "http://hs", appId: "local-1", timeoutSeconds: 10, intervalSeconds: 2, fetch: fakeFetch([[app("a", true), app("b", true)]]), hint: "kubectl logs", ...time() });
        assert.equal(r.verdict, "failed");
        assert.equal(r.detail, "local-1 is not listed after 10 s (6 polls); the server lists 2 application(s): a, b");
        assert.equal(r.hint, "kubectl logs");
    });

    it("with requireCompleted, a running attempt is not enough", async () => {
        const r = await historyCheck("history", { baseUrl: "http://hs", appId: "local-1", requireCompleted: true, timeoutSeconds: 4, fetch: fakeFetch([[app("local-1", false)]]), ...time() });
        assert.equal(r.verdict, "failed");
        assert.match(r.detail, /running.*not completed after 4 s/);
        const done = await historyCheck("history", { baseUrl: "http://hs", appId: "local-1", requireCompleted: true, fetch: fakeFetch([[app("local-1", false)], [app("local-1", true)]]), ...time() });
        assert.equal(done.verdict, "passed");
    });

    it("a wrong name fails at once", async () => {
        const r = await historyCheck("history", { baseUrl: "http://hs", appId: "local-1", appName: "spark-connect-35", fetch: fakeFetch([[app("local-1", true)]]), ...time() });
        assert.equal(r.verdict, "failed");
        assert.match(r.detail, /expected the name spark-connect-35/);
    });

    it("an unreachable server or an HTTP error is a failed verdict with the cause, not an exception", async () => {
        const refused = Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNREFUSED" } });
        const r = await historyCheck("history", { baseUrl: "http://127.0.0.1:1", appId: "x", timeoutSeconds: 2, fetch: fakeFetch([refused]), ...time() });
        assert.equal(r.verdict, "failed");
        assert.equal(r.detail, "GET http://127.0.0.1:1/api/v1/applications: fetch failed: ECONNREFUSED (still failing after 2 s, 2 attempts)");
        const http = await historyCheck("history", { baseUrl: "http://hs", appId: "x", timeoutSeconds: 0, fetch: fakeFetch([503]), ...time() });
        assert.match(http.detail, /HTTP 503 Service Unavailable: no endpoints available/);
    });
});
