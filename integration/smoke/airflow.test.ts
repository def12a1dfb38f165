/**
 * The smoke test's Airflow check (tools/smoke/airflow_check.py) against a real Airflow at the
 * image's version: PostgreSQL, the API server with the FAB auth manager, the scheduler with the
 * LocalExecutor and the DAG processor (integration/airflow/server.ts), over a DAG folder of small
 * test DAGs written here (the platform's example DAGs need Spark and Kubernetes). The script runs
 * with the venv's python, as it runs with the image's python3 in the cluster.
 */
import { strict as assert } from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { AirflowDeployment, startAirflow } from "../airflow/server";
import { airflowImage, airflowVenv, repositoryRoot } from "../airflow/image";
import { logDir } from "../support/processes";
import { Venv } from "../support/python";

const script = path.join(repositoryRoot, "tools", "smoke", "airflow_check.py");
const image = airflowImage();

const dags = {
    succeeds: "spark_k8s_it_smoke_succeeds",
    fails: "spark_k8s_it_smoke_fails",
    sleeps: "spark_k8s_it_smoke_sleeps",
};

/** Three DAGs, no schedule, no retries: one task that succeeds, one that raises, one that outlasts a short timeout. */
const dagFile = `
import time

import pendulum
from airflow.sdk import dag, task

ARGS = {"start_date": pendulum.datetime(2024, 1, 1, tz="UTC"), "schedule": None, "catchup": False, "default_args": {"retries": 0}}


@dag(dag_id="${dags.succeeds}", **ARGS)
def succeeds():
    @task
    def hello():
        return 42

    hello()


@dag(dag_id="${dags.fails}", **ARGS)
def fails():
    @task
    def boom():
        raise RuntimeError("spark-k8s smoke test: this task fails on purpose")

    boom()


@dag(dag_id="${dags.sleeps}", **ARGS)
def sleeps():
    @task
    def nap():
        time.sleep(600)

    nap()


succeeds()
fails()
sleeps()
`;

/** What airflow_check.py prints (the fields the tests read). */
interface AirflowReport {
    steps: string[];
    timings: Record<string, number>;
    failedStep?: string;
    error?: string;
    url: string;
    dagId: string;
    runId: string;
    keep: boolean;
    airflowVersion?: string;
    wasPaused?: boolean;
    unpaused?: boolean;
    triggered?: boolean;
    state?: string;
    tasks?: { taskId: string; state: string; tryNumber: number }[];
    deleted?: boolean;
    repaused?: boolean;
    markedFailed?: boolean;
    cleanupError?: string;
}

interface ScriptRun {
    report: AirflowReport;
    stdout: string;
    stderr: string;
}

let counter = 0;
const runId = (what: string): string => `spark_k8s_smoke__it_${what}_${Date.now()}_${++counter}`;

describe(`smoke check airflow_check.py against a real Airflow ${image.airflowVersion} (API server, scheduler, DAG processor on PostgreSQL)`, function () {
    this.timeout(10 * 60 * 1000);
    let venv: Venv;
    let folder: string;
    let airflow: AirflowDeployment;
    let token: string;
    const outputs: string[] = [];

    /** Runs the script with the venv's python; it must exit 0 with one JSON line last. */
    function check(args: string[], credentials: { username?: string; password?: string } = {}): Promise<ScriptRun> {
        const env: Record<string, string> = { PATH: process.env.PATH ?? "" };
        const username = credentials.username ?? airflow?.username;
        const password = credentials.password ?? airflow?.password;
        if (username !== undefined) env.AIRFLOW_SMOKE_USERNAME = username;
        if (password !== undefined) env.AIRFLOW_SMOKE_PASSWORD = password;
        return new Promise((resolve, reject) => {
            execFile(venv.python, [script, ...args], { env, timeout: 5 * 60 * 1000 }, (err, stdout, stderr) => {
                outputs.push(stdout, stderr);
                fs.appendFileSync(path.join(logDir, "airflow-smoke-reports.jsonl"), `${stdout.trimEnd().split("\n").pop() ?? ""}\n`);
                const last = stdout.trimEnd().split("\n").pop() ?? "";
                if (err) return reject(new Error(`airflow_check.py ${args.join(" ")}: ${err.message}\n${stdout}\n${stderr}\n${airflow?.logTails() ?? ""}`));
                try {
                    resolve({ report: JSON.parse(last) as AirflowReport, stdout, stderr });
                } catch {
                    reject(new Error(`airflow_check.py ${args.join(" ")}: the last line is not JSON:\n${stdout}\n${stderr}`));
                }
            });
        });
    }

    /** The API, as the test's own client (the admin's token). */
    async function api(method: string, apiPath: string, body?: unknown): Promise<{ status: number; body: unknown }> {
        const response = await fetch(`${airflow.baseUrl}${apiPath}`, {
            method,
            headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
            body: body === undefined ? undefined : JSON.stringify(body),
            signal: AbortSignal.timeout(30000),
        });
        const text = await response.text();
        return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
    }

    const isPaused = async (dagId: string): Promise<boolean> => {
        const r = await api("GET", `/api/v2/dags/${dagId}`);
        assert.equal(r.status, 200, JSON.stringify(r.body));
        return (r.body as { is_paused: boolean }).is_paused;
    };

    const why = (r: ScriptRun): string => `report: ${JSON.stringify(r.report)}\nlogs in ${logDir}\n${airflow.logTails(20)}`;

    before("Airflow on PostgreSQL with the test DAGs parsed", async function () {
        this.timeout(30 * 60 * 1000);
        venv = airflowVenv();
        folder = fs.mkdtempSync(path.join(os.tmpdir(), "spark-k8s-it-smoke-dags-"));
        fs.writeFileSync(path.join(folder, "smoke_dags.py"), dagFile);
        airflow = await startAirflow(venv, folder);
        const login = await fetch(`${airflow.baseUrl}/auth/token`, {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ username: airflow.username, password: airflow.password }),
            signal: AbortSignal.timeout(30000),
        });
        assert.equal(login.status, 201, `POST /auth/token: ${await login.clone().text()}`);
        token = ((await login.json()) as { access_token: string }).access_token;
        // The DAG processor parses the folder once it starts; bounded wait until all three DAGs are known.
        const deadline = Date.now() + 180000;
        for (;;) {
            const known = await Promise.all(Object.values(dags).map(async (d) => (await api("GET", `/api/v2/dags/${d}`)).status === 200));
            if (known.every(Boolean)) break;
            if (Date.now() > deadline) throw new Error(`the DAG processor did not register ${Object.values(dags).join(", ")} within 180 s\n${airflow.logTails()}`);
            await new Promise((r) => setTimeout(r, 2000));
        }
    });

    after(async () => {
        await airflow?.stop();
        if (folder) fs.rmSync(folder, { recursive: true, force: true });
    });

    it("runs the succeeding DAG: every step passes, the run succeeds, then it is deleted and the DAG paused again", async function () {
        assert.equal(await isPaused(dags.succeeds), true, "a new DAG is paused (dags_are_paused_at_creation, default true)");
        const id = runId("succeeds");
        const r = await check([airflow.baseUrl, dags.succeeds, id, "--timeout", "300"]);
        const report = r.report;
        assert.equal(report.failedStep, undefined, why(r));
        assert.equal(report.error, undefined, why(r));
        assert.deepEqual(report.steps, ["arguments", "health", "token", "version", "dag", "unpause", "trigger", "run", "cleanup"], why(r));
        for (const s of [...report.steps, "total"]) assert.equal(typeof report.timings[s], "number", `timing of ${s}`);
        assert.equal(report.airflowVersion, image.airflowVersion);
        assert.equal(report.url, airflow.baseUrl);
        assert.equal(report.dagId, dags.succeeds);
        assert.equal(report.runId, id);
        assert.equal(report.keep, false);
        assert.equal(report.wasPaused, true);
        assert.equal(report.unpaused, true);
        assert.equal(report.triggered, true);
        assert.equal(report.state, "success");
        assert.equal(report.tasks, undefined, "tasks only on failure");
        assert.equal(report.deleted, true);
        assert.equal(report.repaused, true);
        assert.equal(report.cleanupError, undefined);
        assert.equal(await isPaused(dags.succeeds), true, "paused again");
        const after = await api("GET", `/api/v2/dags/${dags.succeeds}/dagRuns/${id}`);
        assert.equal(after.status, 404, `the run is gone: ${JSON.stringify(after.body)}`);
    });

    it("runs the failing DAG: failedStep run, state failed, the failed task listed, cleanup still done", async function () {
        const id = runId("fails");
        const r = await check([airflow.baseUrl, dags.fails, id, "--timeout", "300"]);
        const report = r.report;
        assert.equal(report.failedStep, "run", why(r));
        assert.equal(report.state, "failed", why(r));
        assert.match(report.error ?? "", /^RunFailed: .*ended failed.*boom/, why(r));
        assert.deepEqual(report.tasks, [{ taskId: "boom", state: "failed", tryNumber: 1 }], why(r));
        assert.equal(report.steps.at(-1), "cleanup");
        assert.equal(report.deleted, true, why(r));
        assert.equal(report.repaused, true, why(r));
        assert.equal(report.cleanupError, undefined);
        assert.equal(await isPaused(dags.fails), true);
        assert.equal((await api("GET", `/api/v2/dags/${dags.fails}/dagRuns/${id}`)).status, 404);
    });

    it("a run still going at the timeout: failedStep run, marked failed (Airflow deletes no running run), then deleted", async function () {
        const id = runId("sleeps");
        const r = await check([airflow.baseUrl, dags.sleeps, id, "--timeout", "15"]);
        const report = r.report;
        assert.equal(report.failedStep, "run", why(r));
        assert.equal(report.state, "running", why(r));
        assert.match(report.error ?? "", /^TimeoutError: .* still running after 15 s; tasks not succeeded: nap/, why(r));
        assert.deepEqual(report.tasks?.map((t) => t.taskId), ["nap"], why(r));
        // DELETE answered 409 for the running run; PATCH state failed, then DELETE again.
        assert.equal(report.markedFailed, true, why(r));
        assert.equal(report.deleted, true, why(r));
        assert.equal(report.repaused, true, why(r));
        assert.equal((await api("GET", `/api/v2/dags/${dags.sleeps}/dagRuns/${id}`)).status, 404);
        assert.equal(await isPaused(dags.sleeps), true);
    });

    it("--keep leaves everything as it is: the run stays (visible through the API) and the DAG unpaused", async function () {
        const id = runId("keep");
        const r = await check([airflow.baseUrl, dags.succeeds, id, "--keep", "--timeout", "300"]);
        const report = r.report;
        assert.equal(report.failedStep, undefined, why(r));
        assert.equal(report.keep, true);
        assert.equal(report.state, "success");
        assert.equal(report.steps.includes("cleanup"), false, why(r));
        assert.equal(report.deleted, undefined);
        assert.equal(report.repaused, undefined);
        const kept = await api("GET", `/api/v2/dags/${dags.succeeds}/dagRuns/${id}`);
        assert.equal(kept.status, 200);
        assert.equal((kept.body as { state: string; note: string | null }).state, "success");
        assert.equal((kept.body as { note: string | null }).note, "spark-k8s smoke test");
        assert.equal(await isPaused(dags.succeeds), false);
        assert.equal((await api("DELETE", `/api/v2/dags/${dags.succeeds}/dagRuns/${id}`)).status, 204);
    });

    it("a DAG that was not paused: no unpause step, the run deleted, the DAG left unpaused", async function () {
        if (await isPaused(dags.succeeds)) assert.equal((await api("PATCH", `/api/v2/dags/${dags.succeeds}`, { is_paused: false })).status, 200);
        const id = runId("unpaused");
        const r = await check([airflow.baseUrl, dags.succeeds, id, "--timeout", "300"]);
        const report = r.report;
        assert.equal(report.failedStep, undefined, why(r));
        assert.deepEqual(report.steps, ["arguments", "health", "token", "version", "dag", "trigger", "run", "cleanup"], why(r));
        assert.equal(report.wasPaused, false);
        assert.equal(report.unpaused, undefined);
        assert.equal(report.deleted, true);
        assert.equal(report.repaused, undefined, "it pauses only what it unpaused");
        assert.equal(await isPaused(dags.succeeds), false);
        assert.equal((await api("GET", `/api/v2/dags/${dags.succeeds}/dagRuns/${id}`)).status, 404);
        // Put it back for the tests after this one.
        assert.equal((await api("PATCH", `/api/v2/dags/${dags.succeeds}`, { is_paused: true })).status, 200);
    });

    it("a wrong password fails at the token step, and neither password appears in the output", async function () {
        const wrong = `wrong-${airflow.password.slice(0, 6)}-password`;
        const r = await check([airflow.baseUrl, dags.succeeds, runId("wrong")], { password: wrong });
        assert.equal(r.report.failedStep, "token", why(r));
        assert.match(r.report.error ?? "", /^HTTP 401: POST \/auth\/token answered 401: Invalid credentials/, why(r));
        assert.deepEqual(r.report.steps, ["arguments", "health", "token"]);
        for (const text of [r.stdout, r.stderr]) {
            assert.ok(!text.includes(wrong), "the wrong password is not printed");
            assert.ok(!text.includes(airflow.password), "the right password is not printed");
        }
    });

    it("refuses a run id without the smoke prefix, or missing credentials, before any HTTP request", async function () {
        let requests = 0;
        const listener = http.createServer((_req, res) => {
            requests++;
            res.writeHead(500).end();
        });
        await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
        const url = `http://127.0.0.1:${(listener.address() as { port: number }).port}`;
        try {
            const refused = await check([url, dags.succeeds, "manual__2026-01-01T00:00:00+00:00"]);
            assert.equal(refused.report.failedStep, "arguments");
            assert.match(refused.report.error ?? "", /spark_k8s_smoke__/);
            assert.deepEqual(refused.report.steps, ["arguments"]);
            const noPassword = await check([url, dags.succeeds, runId("nocreds")], { password: "" });
            assert.equal(noPassword.report.failedStep, "arguments");
            assert.match(noPassword.report.error ?? "", /AIRFLOW_SMOKE_PASSWORD/);
            const badTimeout = await check([url, dags.succeeds, runId("timeout"), "--timeout", "5"]);
            assert.equal(badTimeout.report.failedStep, "arguments");
            assert.match(badTimeout.report.error ?? "", /--timeout '5': whole seconds from 10 to 7200/);
            assert.equal(badTimeout.report.dagId, dags.succeeds, "the report still names what it was asked");
            assert.equal(requests, 0, "no HTTP request was made");
        } finally {
            listener.close();
        }
    });

    it("an unknown DAG fails at the dag step with a clear message, and nothing is cleaned up", async function () {
        const r = await check([airflow.baseUrl, "spark_k8s_no_such_dag", runId("unknown")]);
        assert.equal(r.report.failedStep, "dag", why(r));
        assert.match(r.report.error ?? "", /^LookupError: DAG spark_k8s_no_such_dag not found: is it in the DAG folder \/ did the dag-processor parse it\? \(GET \/api\/v2\/dags\/spark_k8s_no_such_dag answered 404: /, why(r));
        assert.deepEqual(r.report.steps, ["arguments", "health", "token", "version", "dag"]);
        assert.equal(r.report.triggered, undefined);
    });

    it("prints no password and no token in any run", function () {
        assert.ok(outputs.length > 0);
        for (const text of outputs) {
            assert.ok(!text.includes(airflow.password), "no password");
            assert.ok(!text.includes(token.slice(0, 40)), "no token");
            assert.ok(!/eyJ[A-Za-z0-9_-]{20,}\./.test(text), "nothing shaped like a JWT");
        }
    });
});
