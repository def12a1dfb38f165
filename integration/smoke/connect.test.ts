/**
 * The smoke test's engine-facing checks (tools/smoke) against real servers, started as
 * integration/spark/engine.test.ts starts them: the local stack's object storage, Hive Metastore on
 * PostgreSQL, each line's Connect server with its generated spark-defaults, and the History Server.
 * connect_check.py runs with each line's client (the one images/jupyter-spark installs, which is
 * the client the smoke test uses in the cluster too: docs/testing.md), then the History Server check
 * looks for the application, while the Connect servers still run (as in a cluster) and after they
 * stop.
 */
import { strict as assert } from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { lineSuffix, SparkVersion, sparkVersions } from "../../components/config/schema";
import { serviceEndpoints } from "../../components/config/names";
import { StackRun, stackConfig } from "../../tools/harness";
import { CheckResult, formatResults } from "../../tools/smoke/checks";
import { connectCheckArgs, connectCheckScript, ConnectReport, connectResults, parseConnectReport, smokeDatabase, smokeTableName } from "../../tools/smoke/connect";
import { batchAppName, batchPod, imageSparkHome, sparkPiResult } from "../../tools/smoke/batch";
import { smokePlan } from "../../tools/smoke/plan";
import { connectClientPod } from "../../tools/smoke/run";
import { configMapData } from "../support/artefacts";
import { parseSparkDefaults } from "../../components/spark/sparkDefaults";
import { historyCheck } from "../../tools/smoke/history";
import { Metastore, PodIdentityEndpoint } from "../support/metastore";
import { freePort, logDir } from "../support/processes";
import { LocalS3 } from "../support/s3";
import { StackServers, startStackServers } from "../support/stackServers";
import { ConnectServer, connectClient, historyServerLine, localiseContainer, overridesFor, podContainer, PodSpec, runClient, sparkDistribution, sparkEnv, sparkVenv, startConnectServer, startHistoryServer, StartedSparkServer } from "../support/spark";
import { concurrencyLimit, presetRun, sparkConcurrency, timed, timingReport } from "../spark/matrix";

const stack = "local";

/** bucket and key prefix of an s3a:// URL. */
function s3aLocation(url: string): { bucket: string; prefix: string } {
    const m = /^s3a:\/\/([^/]+)\/?(.*)$/.exec(url);
    if (!m) throw new Error(`not an s3a:// URL: ${url}`);
    return { bucket: m[1], prefix: m[2].replace(/\/?$/, "/") };
}

/** One line's Connect server and what the smoke checks saw through it. */
interface LineRun {
    readonly line: SparkVersion;
    readonly server: ConnectServer;
    /** The check that drops its table, and the one with --keep. */
    readonly dropped: { report: ConnectReport; results: CheckResult[] };
    readonly kept: { report: ConnectReport; results: CheckResult[] };
    /** Object keys under each table's location once its check ended. */
    readonly keysAfter: { dropped: string[]; kept: string[] };
}

describe("smoke checks (tools/smoke) against the local stack's real servers", function () {
    this.timeout(15 * 60 * 1000);
    let run: StackRun;
    let s3: LocalS3;
    let podIdentity: PodIdentityEndpoint;
    let metastore: Metastore;
    let stackServers: StackServers | undefined;
    let history: StartedSparkServer | undefined;
    const runs = new Map<SparkVersion, Promise<LineRun>>();
    const servers: ConnectServer[] = [];
    const all: CheckResult[] = [];

    /** The check script through a line's client; the report and its verdicts. */
    async function smoke(line: SparkVersion, url: string, options: { keep?: boolean; timeoutSeconds?: number; warehouseDir: string }): Promise<{ report: ConnectReport; results: CheckResult[] }> {
        const client = await connectClient(line);
        const table = smokeTableName(lineSuffix(line), new Date());
        const { result: report } = await runClient<ConnectReport>(client, connectCheckScript(), connectCheckArgs(url, table, options));
        const results = connectResults(`connect-${line}${options.keep ? " --keep" : ""}`, report, { warehouseDir: options.warehouseDir, sparkVersion: (await sparkDistribution(line)).version, hint: `the server's log in ${logDir}` });
        all.push(...results);
        return { report, results };
    }

    const keysUnder = (location: string | undefined): string[] => {
        if (!location) return [];
        const l = s3aLocation(location);
        return s3.listKeys(l.bucket, l.prefix);
    };

    before("the local stack's object storage and metastore; every line's Connect server and its two smoke checks", async function () {
        this.timeout(30 * 60 * 1000);
        const at = (line: string) => ({ stack, preset: "smoke", line });
        run = await presetRun(stack, []);
        stackServers = await timed(at("-"), "start S3, Pod Identity endpoint, metastore", () => startStackServers(run));
        ({ s3, metastore, podIdentity } = stackServers);
        const limit = concurrencyLimit(sparkConcurrency);
        for (const line of sparkVersions) {
            runs.set(line, limit(async () => {
                const server = await timed(at(line), "start Connect server", () => startConnectServer(line, { run, s3, metastoreUri: metastore.thriftUri, podIdentity }));
                servers.push(server);
                const warehouseDir = server.conf["spark.sql.warehouse.dir"];
                const dropped = await timed(at(line), "smoke check", () => smoke(line, server.url, { warehouseDir }));
                const keysDropped = keysUnder(dropped.report.location);
                const kept = await timed(at(line), "smoke check --keep", () => smoke(line, server.url, { keep: true, warehouseDir }));
                return { line, server, dropped, kept, keysAfter: { dropped: keysDropped, kept: keysUnder(kept.report.location) } };
            }));
        }
        await Promise.allSettled(runs.values());
    });

    after(async function () {
        console.log(formatResults(all));
        console.log(timingReport());
        await history?.stop();
        for (const s of servers) await s.stop();
        await stackServers?.stop();
    });

    for (const line of sparkVersions) {
        describe(`Spark ${line}`, function () {
            it("the Connect check passes with the line's client: session, a MANAGED table in the stack's warehouse through the Metastore, rows written and read back", async function () {
                const r = await runs.get(line)!;
                const checks = r.dropped.results.filter((c) => !c.name.endsWith("cleanup"));
                assert.deepEqual(checks.filter((c) => c.verdict !== "passed"), [], formatResults(r.dropped.results));
                assert.equal(r.dropped.report.appName, serviceEndpoints.connect(line).name, "the session's application is the Connect server's");
                assert.ok(r.dropped.report.table?.startsWith(`${smokeDatabase}.smoke_`), r.dropped.report.table);
                assert.equal(r.dropped.report.listedAfterDrop, false, "the Metastore still lists the dropped table");
            });

            it("the cleanup verdict agrees with the bucket: it fails exactly when the dropped table's files are still there", async function () {
                const r = await runs.get(line)!;
                const cleanup = r.dropped.results.find((c) => c.name.endsWith("cleanup"))!;
                const dataLeft = r.keysAfter.dropped.filter((k) => k.endsWith(".parquet"));
                assert.equal(cleanup.verdict, dataLeft.length > 0 ? "failed" : "passed", `${cleanup.detail}; objects left: ${r.keysAfter.dropped.join(", ") || "none"}`);
            });

            it("DROP TABLE of a managed table leaves nothing in the warehouse bucket", async function () {
                const r = await runs.get(line)!;
                // A known bug on 4.1 and 4.3 (docs/testing.md, README's known limitations): their Hadoop
                // (3.4.2, 3.5.0) keeps S3A directory markers; the Metastore's Hadoop 3.1.0 is not
                // marker-aware, takes the kept marker for an empty directory and deletes only the marker
                // (hadoop-aws directory_markers.md). fs.s3a.directory.marker.retention=delete on the Spark
                // side was tried and changes nothing. Reported as pending with the evidence while it lasts,
                // so the day it is fixed this passes; on 3.5, and on any other leftover, it fails.
                const markerBug = line !== "3.5" && r.keysAfter.dropped.length > 0 && r.keysAfter.dropped.some((k) => k.endsWith(".parquet"));
                if (markerBug) {
                    console.log(`      known bug: DROP TABLE ${r.dropped.report.table} left ${r.keysAfter.dropped.length} object(s) under ${r.dropped.report.location}`);
                    this.skip();
                }
                assert.deepEqual(r.keysAfter.dropped, [], `DROP TABLE ${r.dropped.report.table} left objects under ${r.dropped.report.location}`);
            });

            it("--keep leaves the table with its data and says so", async function () {
                const r = await runs.get(line)!;
                const cleanup = r.kept.results.find((c) => c.name.endsWith("cleanup"));
                assert.equal(cleanup?.verdict, "skipped", cleanup?.detail);
                assert.deepEqual(r.kept.results.filter((c) => c.verdict === "failed"), []);
                assert.equal(r.kept.report.listedAfterDrop, undefined);
                assert.ok(r.keysAfter.kept.some((k) => k.endsWith(".parquet")), `no data under the kept table's ${r.kept.report.location}: ${r.keysAfter.kept.join(", ")}`);
            });
        });
    }

    it("the in-cluster client pod's own command (npm run smoke) passes every check with the line's client against the real server, in the warehouse the plan expects", async function () {
        const line: SparkVersion = "3.5";
        const r = await runs.get(line)!;
        const plan = smokePlan(stackConfig(stack), {});
        assert.equal(plan.warehouseDir, r.server.conf["spark.sql.warehouse.dir"], "the smoke plan's warehouse is the generated spark-defaults'");
        const target = { ...plan.connect.find((c) => c.version === line)!, url: r.server.url };
        const pod = connectClientPod(plan, target, "smoke-it", connectCheckArgs(target.url, smokeTableName(lineSuffix(line), new Date()), { timeoutSeconds: 240 }), 600);
        const [python, ...args] = pod.spec!.containers[0].command!;
        assert.equal(python, plan.clientPod.python);
        const client = await connectClient(line);
        const out = await new Promise<string>((resolve, reject) =>
            execFile(client.venv.python, args, { timeout: 300000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, PYTHONUNBUFFERED: "1" } }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(`${stdout}\n${stderr}`))),
        );
        const results = connectResults(target.label, parseConnectReport(out), { warehouseDir: plan.warehouseDir, line });
        all.push(...results.map((c) => ({ ...c, name: `${c.name} (pod command)` })));
        assert.deepEqual(results.map((c) => c.verdict), ["passed", "passed", "passed", "passed"], formatResults(results));
    });

    it("a check against a port with no server is a failed verdict that says so, not an exception", async function () {
        const port = await freePort();
        const started = Date.now();
        const { report, results } = await smoke(sparkVersions[0], `sc://127.0.0.1:${port}`, { warehouseDir: "s3a://unused/warehouse", timeoutSeconds: 5 });
        assert.deepEqual(results.map((r) => r.verdict), ["failed", "skipped", "skipped", "skipped"]);
        assert.match(results[0].detail, new RegExp(`reach: ConnectionError: nothing answers at 127\\.0\\.0\\.1:${port}`));
        assert.equal(report.created, undefined);
        assert.ok(Date.now() - started < 60000, "the failure took a minute or more");
    });

    it("the script refuses any database or table outside the smoke names, before it connects: it cannot touch user data", async function () {
        const client = await connectClient(sparkVersions[0]);
        for (const [database, table] of [["default", "smoke_x"], [smokeDatabase, "users"], [smokeDatabase, "smoke_x; DROP TABLE users"]]) {
            const { result } = await runClient<ConnectReport>(client, connectCheckScript(), ["sc://127.0.0.1:1", database, table]);
            assert.equal(result.failedStep, "arguments", `${database}.${table}: ${JSON.stringify(result)}`);
            assert.deepEqual(result.steps, []);
        }
    });

    describe("History Server", function () {
        let running: CheckResult[] = [];
        before("the stack's History Server (its generated conf), while the Connect servers still run", async function () {
            const line = historyServerLine(run, sparkVersions);
            history = await timed({ stack, preset: "smoke", line }, "start History Server", () => startHistoryServer(line, { run, s3, podIdentity }));
            const baseUrl = `http://127.0.0.1:${history.port}`;
            running = await Promise.all([...runs.values()].map(async (p) => {
                const r = await p;
                // Two scans of the log folder (spark.history.fs.update.interval: 10 s by default).
                return historyCheck(`history: connect-${r.line} (server running)`, { baseUrl, appId: r.dropped.report.appId!, appName: r.dropped.report.appName, timeoutSeconds: 25 });
            }));
            all.push(...running);
        });

        it("a running Connect server's application is not listed: its rolling event log has no readable file in S3 until it rolls or the server stops", function () {
            // Pins the fact the in-cluster smoke test must design around (tools/smoke/history.ts);
            // if a Spark release or the event-log settings change it, this fails and the docs follow.
            for (const r of running) {
                assert.equal(r.verdict, "failed", `${r.name}: ${r.detail}`);
                assert.match(r.detail, /is not listed after 25 s/);
            }
        });

        it("once each Connect server stops, the History Server check finds its application, completed, under the server's name", async function () {
            const baseUrl = `http://127.0.0.1:${history!.port}`;
            const results = await Promise.all([...runs.values()].map(async (p) => {
                const r = await p;
                await r.server.stop();
                return historyCheck(`history: connect-${r.line} (server stopped)`, { baseUrl, appId: r.dropped.report.appId!, appName: serviceEndpoints.connect(r.line).name, requireCompleted: true, timeoutSeconds: 90 });
            }));
            all.push(...results);
            assert.deepEqual(results.filter((r) => r.verdict !== "passed"), [], `${formatResults(results)}\n${history!.server.logTail(40)}`);
        });

        it("the batch check's own pod command (SparkPi in local mode with the newest CPU line's generated Connect configuration) ends well, and the History Server lists it, completed, by its name", async function () {
            const plan = smokePlan(stackConfig(stack), {});
            const target = plan.batch!;
            const appName = batchAppName(lineSuffix(target.version), new Date());
            const pod = batchPod(target, "smoke-batch-it", appName, 900);
            const dist = await sparkDistribution(target.version);
            const local = localiseContainer(podContainer(run, pod.spec as unknown as PodSpec, target.namespace, "smoke-batch-it"), dist, "smoke-batch");
            // The image's examples/src/main/python/pi.py is upstream's (apache/spark images); the pip
            // distribution the suite runs has no examples, so a script of the same shape stands at that path.
            const example = path.join(dist.home, "examples", "src", "main", "python", "pi.py");
            const [submit, ...args] = local.command;
            assert.equal(args[args.length - 2], example, `the pod runs ${imageSparkHome}/examples/src/main/python/pi.py`);
            const piDir = fs.mkdtempSync(path.join(local.dir, "examples-"));
            const pi = path.join(piDir, "pi.py");
            fs.writeFileSync(pi, ["import random, sys", "from operator import add", "from pyspark.sql import SparkSession", "spark = SparkSession.builder.getOrCreate()", "n = 10000 * int(sys.argv[1])", "inside = spark.sparkContext.parallelize(range(n), 2).map(lambda _: 1 if random.random() ** 2 + random.random() ** 2 <= 1 else 0).reduce(add)", "print(f\"Pi is roughly {4.0 * inside / n}\")", "spark.stop()", ""].join("\n"));
            args[args.length - 2] = pi;
            const conf = parseSparkDefaults(configMapData(run, target.configMap, target.namespace)["spark-defaults.conf"]);
            const overrides = overridesFor("connect", { conf, line: target.version, s3Endpoint: s3.endpoint, metastoreUri: metastore.thriftUri, port: await freePort(), uiPort: await freePort(), driverPorts: [await freePort(), await freePort()] });
            const python = sparkVenv(target.version).python;
            const out = await new Promise<string>((resolve, reject) =>
                execFile(submit, [...Object.entries(overrides).flatMap(([k, v]) => ["--conf", `${k}=${v}`]), ...args], { timeout: 300000, maxBuffer: 64 * 1024 * 1024, env: { ...local.env, ...sparkEnv(dist), PYSPARK_PYTHON: python, PYSPARK_DRIVER_PYTHON: python } }, (err, stdout, stderr) =>
                    err ? reject(new Error(`${err.message}\n${stderr.split("\n").slice(-30).join("\n")}`)) : resolve(`${stdout}\n${stderr}`),
                ),
            );
            assert.match(out, sparkPiResult);
            const listed = await historyCheck("history: the batch run", { baseUrl: `http://127.0.0.1:${history!.port}`, appName, requireCompleted: true, timeoutSeconds: 90 });
            all.push(listed);
            assert.equal(listed.verdict, "passed", `${listed.detail}\n${history!.server.logTail(30)}`);
        });

        it("a History Server that is not there is a failed verdict with the cause", async function () {
            const r = await historyCheck("history: nothing there", { baseUrl: `http://127.0.0.1:${await freePort()}`, appId: "local-0", timeoutSeconds: 2, intervalSeconds: 1 });
            assert.equal(r.verdict, "failed");
            assert.match(r.detail, /ECONNREFUSED/);
        });
    });
});
