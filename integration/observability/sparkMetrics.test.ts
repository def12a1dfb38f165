/**
 * What Spark really serves to Prometheus with the program's configuration: for every supported
 * line, the local stack's Connect server (its command and generated spark-defaults.conf) runs a
 * small job with a shuffle; the driver UI's PrometheusServlet (/metrics/prometheus) and executor
 * summary (/metrics/executors/prometheus) are scraped, parsed and relabelled by Prometheus's own
 * code (integration/support/promRelabel.ts: model/textparse, as the scrape loop parses the body of
 * the Content-Type served, and model/relabel with the PodMonitor's metric relabellings as the
 * operator writes them), and every Spark metric of the catalogue (components/observability/metrics.ts)
 * must be there with its labels. The History Server's answer on the same paths is recorded too
 * (it serves neither).
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { SparkVersion, sparkVersions } from "../../components/config/schema";
import { sparkDriverMetrics, sparkExecutorMetrics, MetricSpec } from "../../components/observability/metrics";
import { executorsPrometheusPath as executorsPath, RelabelConfig, sparkDriverMetricRelabelings, sparkExecutorMetricRelabelings } from "../../components/observability/sparkMonitors";
import { prometheusServletPath } from "../../components/spark/sparkDefaults";
import { StackRun } from "../../tools/harness";
import { seedBucketsFromPlan } from "../support/buckets";
import { logDir } from "../support/processes";
import { prometheusRelabel, Relabelled, Series } from "../support/promRelabel";
import { prometheusModule } from "../support/promtool";
import { LocalS3, startLocalS3 } from "../support/s3";
import { connectClient, historyServerLine, runClient, startConnectServer, startHistoryServer } from "../support/spark";
import { presetRun } from "../spark/matrix";

/** A small job with a shuffle, so task, shuffle and GC counters move; prints the application's id and name. */
const jobScript = `
import json, sys
from pyspark.sql import SparkSession, functions as F
spark = SparkSession.builder.remote(sys.argv[1]).getOrCreate()
rows = spark.range(0, 300000, 1, 8).withColumn("k", F.col("id") % 17).groupBy("k").agg(F.sum("id").alias("s")).collect()
print(json.dumps({"appId": spark.conf.get("spark.app.id"), "appName": spark.conf.get("spark.app.name"), "groups": len(rows), "total": sum(r["s"] for r in rows)}))
`;

interface Endpoint {
    readonly status: number;
    readonly contentType: string;
    /** Every series Prometheus parses from the body, and what the monitor's metric relabellings make of it. */
    readonly series: readonly Relabelled[];
}

/** Scrapes one endpoint; a 200 answer is parsed and relabelled by Prometheus's code (which throws on what the scrape would reject). */
async function scrape(url: string, configs: readonly RelabelConfig[]): Promise<Endpoint> {
    const res = await fetch(url, { signal: AbortSignal.timeout(30000) });
    const body = await res.text();
    const contentType = res.headers.get("content-type") ?? "";
    return { status: res.status, contentType, series: res.status === 200 ? prometheusRelabel(configs, { exposition: { body, contentType } }) : [] };
}

/** The series a scrape stores: those the relabelling keeps, as it leaves them. */
function stored(endpoint: Endpoint): Series[] {
    return endpoint.series.flatMap((r) => (r.output ? [r.output] : []));
}

/** Catalogue entries missing from the relabelled samples, or present without a label they should carry. */
function missingFromScrape(catalogue: readonly MetricSpec[], samples: readonly Series[]): string[] {
    const problems: string[] = [];
    for (const m of catalogue) {
        const found = samples.filter((s) => s.name === m.name);
        if (found.length === 0) {
            problems.push(`${m.name}: not served`);
            continue;
        }
        const unlabelled = m.labels.filter((l) => !found.some((s) => l in s.labels));
        if (unlabelled.length > 0) problems.push(`${m.name}: served without label(s) ${unlabelled.join(", ")}`);
    }
    return problems;
}

interface Scrape {
    readonly line: SparkVersion;
    readonly job: { appId: string; appName: string; groups: number; total: number };
    readonly driver: Endpoint;
    readonly executors: Endpoint;
}

describe("Spark metrics: the Prometheus endpoints every line serves with the program's configuration", function () {
    this.timeout(15 * 60 * 1000);
    let run: StackRun;
    let s3: LocalS3;
    const scrapes = new Map<SparkVersion, Scrape>();

    before(`the local stack's plan, object storage seeded from it, Prometheus ${prometheusModule.release}'s parser and relabeller`, async function () {
        this.timeout(30 * 60 * 1000);
        // Every supported line, not only the local stack's default ones.
        run = await presetRun("local", []);
        s3 = await startLocalS3();
        await seedBucketsFromPlan(run, s3);
        prometheusRelabel([], { series: [] });
    });
    after(async () => {
        await s3?.stop();
        const file = path.join(logDir, `spark-metrics-${process.pid}.json`);
        fs.writeFileSync(file, JSON.stringify([...scrapes.values()], null, 1));
        console.log(`  scraped series: ${file}`);
    });

    for (const line of sparkVersions) {
        describe(`Spark ${line}`, function () {
            before(`the Connect server runs a job; both endpoints scraped`, async function () {
                this.timeout(20 * 60 * 1000);
                const client = await connectClient(line);
                const server = await startConnectServer(line, { run, s3 });
                try {
                    const { result: job } = await runClient<Scrape["job"]>(client, jobScript, [server.url]);
                    const ui = `http://127.0.0.1:${server.uiPort}`;
                    const driver = await scrape(`${ui}${prometheusServletPath}`, sparkDriverMetricRelabelings);
                    const executors = await scrape(`${ui}${executorsPath}`, sparkExecutorMetricRelabelings);
                    scrapes.set(line, { line, job, driver, executors });
                } finally {
                    await server.stop();
                }
            });

            it("the job ran", function () {
                const s = scrapes.get(line)!;
                assert.equal(s.job.groups, 17);
                assert.equal(s.job.total, (299999 * 300000) / 2);
            });

            it(`${prometheusServletPath} (PrometheusServlet) serves every driver metric of the catalogue, relabelled as the PodMonitor does`, function () {
                const s = scrapes.get(line)!;
                assert.equal(s.driver.status, 200);
                const samples = stored(s.driver);
                assert.deepEqual(missingFromScrape(sparkDriverMetrics, samples), []);
                const app = s.job.appName.replace(/[^a-zA-Z0-9]/g, "_");
                assert.ok(samples.length > 0 && samples.every((x) => x.labels.spark_app === app && x.name.startsWith("spark_driver_")), `every driver series is spark_driver_* with spark_app="${app}"`);
            });

            it("the Connect server registers no metrics source of its own (the Connect dashboard can show no session counts)", function () {
                const s = scrapes.get(line)!;
                const names = stored(s.driver).map((x) => x.name);
                const sources = new Set(names.map((n) => /^spark_driver_([A-Za-z]+)_/.exec(n)?.[1]).filter((x): x is string => x !== undefined));
                assert.ok(sources.has("DAGScheduler"), `sources: ${[...sources].join(", ")}`);
                assert.deepEqual([...sources].filter((x) => /connect/i.test(x)), []);
            });

            it(`${executorsPath} (PrometheusResource) serves every executor metric of the catalogue, relabelled as the PodMonitor does`, function () {
                const s = scrapes.get(line)!;
                assert.equal(s.executors.status, 200);
                const samples = stored(s.executors);
                assert.deepEqual(missingFromScrape(sparkExecutorMetrics, samples), []);
                const ids = samples.filter((x) => x.name !== "spark_info").map((x) => x.labels.spark_app_id);
                assert.ok(ids.length > 0 && ids.every((id) => id === s.job.appId), `executor series carry spark_app_id ${s.job.appId}`);
            });
        });
    }

    describe("History Server", function () {
        it("serves no Prometheus exposition with its generated configuration (so no monitor scrapes it)", async function () {
            const line = historyServerLine(run, sparkVersions);
            const hs = await startHistoryServer(line, { run, s3 });
            try {
                for (const p of [prometheusServletPath, executorsPath]) {
                    const res = await fetch(`http://127.0.0.1:${hs.port}${p}`, { signal: AbortSignal.timeout(30000) });
                    const type = res.headers.get("content-type") ?? "";
                    const body = await res.text();
                    // It answers unknown paths with its HTML application list, not a 404.
                    assert.ok(res.status !== 200 || type.startsWith("text/html"), `the History Server ${line} answers ${p} with ${res.status} ${type}: ${body.slice(0, 200)}`);
                }
            } finally {
                await hs.stop();
            }
        });
    });
});
