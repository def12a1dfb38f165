/**
 * Real Spark with the program's configuration: for each stack, preset and Spark line, the Connect
 * server the program defines (its command, its spark-defaults.conf, the single-machine overrides)
 * on the line's distribution, a notebook client session through it, the event log in the bucket,
 * and the History Server reading every application back.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { serviceEndpoints } from "../../components/config/names";
import { lineSuffix, SparkVersion, sparkVersions } from "../../components/config/schema";
import { StackRun } from "../../tools/harness";
import { seedBucketsFromPlan } from "../support/buckets";
import { Metastore, PodIdentityEndpoint, startMetastore, startPodIdentityEndpoint } from "../support/metastore";
import { LocalS3, startLocalS3 } from "../support/s3";
import {
    connectClient,
    historyServerLine,
    runClient,
    sparkDistribution,
    startConnectServer,
    startHistoryServer,
} from "../support/spark";
import { engineStacks, linesFor, presetChoices, presetName, presetRun, timed, timingReport } from "./matrix";

const clientScript = fs.readFileSync(path.join(__dirname, "client.py"), "utf8");

/** bucket and key prefix of an s3a:// URL. */
function s3aLocation(url: string): { bucket: string; prefix: string } {
    const m = /^s3a:\/\/([^/]+)\/?(.*)$/.exec(url);
    if (!m) throw new Error(`not an s3a:// URL: ${url}`);
    return { bucket: m[1], prefix: m[2] };
}

interface ClientResult {
    sparkVersion: string;
    appId: string;
    warehouseDir: string;
    catalogImplementation: string;
    managed: { table: string; rows: [number, string][]; Location: string; Type: string; Provider: string };
    iceberg?: { table: string; snapshots: number; timeTravel: number[]; columns: string[]; rows: [number, string, number | null][]; Location: string; Provider: string };
    timings: Record<string, number>;
}

/** An application a Connect server ran, for the History Server to list. */
interface RanApplication {
    readonly appId: string;
    readonly line: SparkVersion;
    readonly name: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe("Spark engine: every line with the program's configuration", function () {
    this.timeout(10 * 60 * 1000);

    before("install each line's distribution (pyspark + the image's jars) and its notebook client", async function () {
        this.timeout(60 * 60 * 1000);
        for (const line of sparkVersions) {
            await timed({ stack: "-", preset: "-", line }, "install distribution", () => sparkDistribution(line));
            await timed({ stack: "-", preset: "-", line }, "install client", () => connectClient(line));
        }
    });
    after(() => console.log(timingReport()));

    it("the image's jars exist at the exact versions in the Maven repository its build fetches from", async function () {
        const missing: string[] = [];
        for (const line of sparkVersions) {
            for (const jar of (await sparkDistribution(line)).imageJars) if (jar.requested !== jar.used) missing.push(`${line}: ${jar.requested} (the suite runs ${jar.used})`);
        }
        assert.deepEqual(missing, [], `images/spark-runtime/Dockerfile fetches jars that MAVEN_REPOSITORY does not serve:\n  ${missing.join("\n  ")}`);
    });

    it("the notebook image's client of every line is on PyPI at the version it pins", async function () {
        for (const line of sparkVersions) {
            const c = await connectClient(line);
            assert.equal(c.used, c.requested, `images/jupyter-spark installs ${c.requested}, which PyPI does not have`);
        }
    });

    for (const stack of engineStacks) {
        describe(`${stack} stack`, function () {
            let base: StackRun;
            let s3: LocalS3;
            let podIdentity: PodIdentityEndpoint;
            let metastore: Metastore;
            const apps: RanApplication[] = [];

            before(`object storage seeded from the plan, the stack's metastore`, async function () {
                this.timeout(15 * 60 * 1000);
                base = await presetRun(stack, []);
                s3 = await startLocalS3();
                await seedBucketsFromPlan(base, s3);
                podIdentity = await startPodIdentityEndpoint();
                metastore = await timed({ stack, preset: "-", line: "-" }, "start metastore", () => startMetastore({ run: base, s3 }));
            });
            after(async () => {
                await metastore?.stop();
                await podIdentity?.close();
                await s3?.stop();
            });

            it("the program creates the event-log folder every Connect server and the History Server need", function () {
                const dir = s3aLocation(String(base.outputs.eventLogDir));
                assert.ok(s3.listBuckets().includes(dir.bucket), `the program creates no bucket ${dir.bucket}`);
                assert.ok(s3.listKeys(dir.bucket, dir.prefix).includes(dir.prefix), `nothing the program creates makes ${dir.prefix} in ${dir.bucket}: Spark refuses a missing spark.eventLog.dir`);
            });

            for (const presets of presetChoices) {
                const preset = presetName(presets);
                for (const line of sparkVersions) {
                    if (!linesFor(presets).includes(line)) {
                        it(`${line} ${preset}: the program refuses the combination (no runtime to run it on)`, async function () {
                            await assert.rejects(presetRun(stack, presets, { versions: [line] }), (err: Error) => /iceberg/i.test(err.message) && err.message.includes(line));
                        });
                        continue;
                    }
                    it(`${line} ${preset}: the Connect server runs the generated conf, a notebook client writes and reads tables, the event log lands in the bucket`, async function () {
                        const where = { stack, preset, line };
                        const run = await presetRun(stack, presets);
                        await seedBucketsFromPlan(run, s3);
                        const dist = await sparkDistribution(line);
                        const client = await connectClient(line);
                        const server = await timed(where, "start Connect server", () => startConnectServer(line, { run, s3, metastoreUri: metastore.thriftUri, podIdentity }));
                        let result: ClientResult;
                        try {
                            const catalog = presets.includes("iceberg") ? Object.keys(server.conf).find((k) => /^spark\.sql\.catalog\.[^.]+$/.test(k))?.split(".")[3] : undefined;
                            const suffix = `${lineSuffix(line)}_${presetChoices.indexOf(presets)}`;
                            result = (await timed(where, "client session", () => runClient<ClientResult>(client, clientScript, [server.url, suffix, ...(catalog ? [catalog] : [])]))).result;
                            assert.equal(result.sparkVersion, dist.version);
                            assert.equal(result.catalogImplementation, "hive");
                            assert.deepEqual(result.managed.rows, [[1, "one"], [2, "two"], [3, "three"]]);
                            assert.equal(result.managed.Type, "MANAGED");
                            const warehouse = server.conf["spark.sql.warehouse.dir"];
                            assert.ok(result.managed.Location.startsWith(`${warehouse}/`), `managed table at ${result.managed.Location}, not under spark.sql.warehouse.dir ${warehouse}`);
                            const table = s3aLocation(result.managed.Location);
                            assert.ok(s3.listKeys(table.bucket, `${table.prefix}/`).some((k) => k.endsWith(".parquet")), `no parquet file under ${result.managed.Location}`);
                            if (catalog) {
                                const ice = result.iceberg;
                                assert.ok(ice, "the client ran no Iceberg steps");
                                assert.equal(ice.snapshots, 2);
                                assert.deepEqual(ice.timeTravel, [1, 2]);
                                assert.deepEqual(ice.columns, ["id", "name", "score"]);
                                assert.deepEqual(ice.rows, [[1, "a", null], [2, "b", null], [3, "c", null], [4, "d", 0.5]]);
                                const icebergWarehouse = server.conf[`spark.sql.catalog.${catalog}.warehouse`];
                                assert.ok(ice.Location.startsWith(`${icebergWarehouse}/`), `Iceberg table at ${ice.Location}, not under the catalog warehouse ${icebergWarehouse}`);
                                const loc = s3aLocation(ice.Location);
                                assert.ok(s3.listKeys(loc.bucket, `${loc.prefix}/metadata/`).some((k) => k.endsWith(".metadata.json")), `no Iceberg metadata under ${ice.Location}`);
                            }
                        } finally {
                            await timed(where, "stop Connect server", () => server.stop());
                        }
                        const log = s3aLocation(server.conf["spark.eventLog.dir"]);
                        const keys = s3.listKeys(log.bucket, log.prefix).filter((k) => k.includes(result.appId));
                        assert.ok(keys.length > 0, `no event log of ${result.appId} under ${server.conf["spark.eventLog.dir"]}`);
                        assert.deepEqual(keys.filter((k) => k.endsWith(".inprogress")), [], "the event log was not completed when the server stopped");
                        apps.push({ appId: result.appId, line, name: serviceEndpoints.connect(line).name });
                    });
                }
            }

            it("the History Server (the newest line's image, its generated conf) lists every application of the stack as completed", async function () {
                assert.ok(apps.length > 0, "no Connect server ran an application to list");
                const line = historyServerLine(base, sparkVersions);
                const hs = await timed({ stack, preset: "-", line }, "start History Server", () => startHistoryServer(line, { run: base, s3, podIdentity }));
                try {
                    const url = `http://127.0.0.1:${hs.port}/api/v1/applications`;
                    let listed: { id: string; name: string; attempts: { completed: boolean; appSparkVersion: string }[] }[] = [];
                    const deadline = Date.now() + 120000;
                    while (Date.now() < deadline) {
                        listed = (await (await fetch(url)).json()) as typeof listed;
                        if (apps.every((a) => listed.some((l) => l.id === a.appId))) break;
                        await sleep(2000);
                    }
                    for (const app of apps) {
                        const found = listed.find((l) => l.id === app.appId);
                        assert.ok(found, `${app.appId} (${app.line}) is not listed; the server lists ${listed.map((l) => l.id).join(", ")}\n${hs.server.logTail(40)}`);
                        assert.equal(found.name, app.name);
                        assert.ok(found.attempts.every((a) => a.completed), `${app.appId} is listed as incomplete`);
                        assert.equal(found.attempts[0].appSparkVersion, (await sparkDistribution(app.line)).version);
                    }
                } finally {
                    await hs.stop();
                }
            });
        });
    }
});
