/**
 * What Spark really serves to Prometheus with the program's configuration: for every supported
 * line, the local stack's Connect server (its command and generated spark-defaults.conf) runs a
 * small job with a shuffle; the driver UI's PrometheusServlet (/metrics/prometheus) and executor
 * summary (/metrics/executors/prometheus) are scraped and parsed with prometheus_client's text
 * parser, the PodMonitor's metric relabellings are applied, and every Spark metric of the
 * catalogue (components/observability/metrics.ts) must be there with its labels. The History
 * Server's answer on the same paths is recorded too (it serves neither).
 */
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { SparkVersion, sparkVersions } from "../../components/config/schema";
import { sparkDriverMetrics, sparkExecutorMetrics, MetricSpec } from "../../components/observability/metrics";
import { executorsPrometheusPath as executorsPath, relabel, sparkDriverMetricRelabelings, sparkExecutorMetricRelabelings, Sample } from "../../components/observability/sparkMonitors";
import { prometheusServletPath } from "../../components/spark/sparkDefaults";
import { StackRun } from "../../tools/harness";
import { seedBucketsFromPlan } from "../support/buckets";
import { logDir } from "../support/processes";
import { ensureVenv, Venv } from "../support/python";
import { LocalS3, startLocalS3 } from "../support/s3";
import { connectClient, historyServerLine, runClient, startConnectServer, startHistoryServer } from "../support/spark";
import { presetRun } from "../spark/matrix";

/** prometheus_client's text-format parser (the Python client library of the Prometheus project). */
const parserRequirements = ["prometheus-client==0.26.0"];

const parseScript = `
import json, math, sys
from prometheus_client.parser import text_string_to_metric_families
def num(v):
    return v if math.isfinite(v) else str(v)
families = [{"name": f.name, "type": f.type, "samples": [{"name": s.name, "labels": s.labels, "value": num(s.value)} for s in f.samples]}
            for f in text_string_to_metric_families(sys.stdin.read())]
print(json.dumps(families))
`;

/** A small job with a shuffle, so task, shuffle and GC counters move; prints the application's id and name. */
const jobScript = `
import json, sys
from pyspark.sql import SparkSession, functions as F
spark = SparkSession.builder.remote(sys.argv[1]).getOrCreate()
rows = spark.range(0, 300000, 1, 8).withColumn("k", F.col("id") % 17).groupBy("k").agg(F.sum("id").alias("s")).collect()
print(json.dumps({"appId": spark.conf.get("spark.app.id"), "appName": spark.conf.get("spark.app.name"), "groups": len(rows), "total": sum(r["s"] for r in rows)}))
`;

interface Family {
    name: string;
    type: string;
    samples: Sample[];
}

function parseExposition(venv: Venv, text: string): Family[] {
    return JSON.parse(execFileSync(venv.python, ["-c", parseScript], { input: text, maxBuffer: 64 * 1024 * 1024 }).toString()) as Family[];
}

async function fetchText(url: string): Promise<{ status: number; text: string }> {
    const res = await fetch(url, { signal: AbortSignal.timeout(30000) });
    return { status: res.status, text: await res.text() };
}

/** Catalogue entries missing from the relabelled samples, or present without a label they should carry. */
function missingFromScrape(catalogue: readonly MetricSpec[], samples: readonly Sample[]): string[] {
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
    readonly driver: { status: number; families: Family[] };
    readonly executors: { status: number; families: Family[] };
}

describe("Spark metrics: the Prometheus endpoints every line serves with the program's configuration", function () {
    this.timeout(15 * 60 * 1000);
    let run: StackRun;
    let s3: LocalS3;
    let parser: Venv;
    const scrapes = new Map<SparkVersion, Scrape>();

    before("the local stack's plan, object storage seeded from it, the text-format parser", async function () {
        this.timeout(30 * 60 * 1000);
        // Every supported line, not only the local stack's default ones.
        run = await presetRun("local", []);
        s3 = await startLocalS3();
        await seedBucketsFromPlan(run, s3);
        parser = ensureVenv({ name: "prometheus-client", requirements: parserRequirements });
    });
    after(async () => {
        await s3?.stop();
        const file = path.join(logDir, `spark-metrics-${process.pid}.json`);
        fs.writeFileSync(file, JSON.stringify([...scrapes.values()], null, 1));
        console.log(`  scraped families: ${file}`);
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
                    const driver = await fetchText(`${ui}${prometheusServletPath}`);
                    const executors = await fetchText(`${ui}${executorsPath}`);
                    scrapes.set(line, {
                        line,
                        job,
                        driver: { status: driver.status, families: driver.status === 200 ? parseExposition(parser, driver.text) : [] },
                        executors: { status: executors.status, families: executors.status === 200 ? parseExposition(parser, executors.text) : [] },
                    });
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
                const samples = s.driver.families.flatMap((f) => f.samples).map((x) => relabel(x, sparkDriverMetricRelabelings)).filter((x): x is Sample => x !== undefined);
                assert.deepEqual(missingFromScrape(sparkDriverMetrics, samples), []);
                const app = s.job.appName.replace(/[^a-zA-Z0-9]/g, "_");
                assert.ok(samples.length > 0 && samples.every((x) => x.labels.spark_app === app && x.name.startsWith("spark_driver_")), `every driver series is spark_driver_* with spark_app="${app}"`);
            });

            it("the Connect server registers no metrics source of its own (the Connect dashboard can show no session counts)", function () {
                const s = scrapes.get(line)!;
                const names = s.driver.families.flatMap((f) => f.samples).map((x) => relabel(x, sparkDriverMetricRelabelings)?.name ?? "");
                const sources = new Set(names.map((n) => /^spark_driver_([A-Za-z]+)_/.exec(n)?.[1]).filter((x): x is string => x !== undefined));
                assert.ok(sources.has("DAGScheduler"), `sources: ${[...sources].join(", ")}`);
                assert.deepEqual([...sources].filter((x) => /connect/i.test(x)), []);
            });

            it(`${executorsPath} (PrometheusResource) serves every executor metric of the catalogue, relabelled as the PodMonitor does`, function () {
                const s = scrapes.get(line)!;
                assert.equal(s.executors.status, 200);
                const samples = s.executors.families.flatMap((f) => f.samples).map((x) => relabel(x, sparkExecutorMetricRelabelings)).filter((x): x is Sample => x !== undefined);
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
