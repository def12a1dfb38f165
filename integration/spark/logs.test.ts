/**
 * Structured logs of real Spark: each line's distribution (pyspark's jars plus the spark-runtime
 * image's, so Spark 3.5 gets the log4j-layout-template-json the image adds) runs a small PySpark
 * job with the log4j2.properties and spark-defaults.conf of the Connect ConfigMap the program
 * generates as its SPARK_CONF_DIR. The job logs a warning, an error with a multi-line exception,
 * and fails a task (a Python traceback in Spark's own error logs). Every line the JVM writes to
 * stdout must be one JSON object with the expected keys, and no plain-text log line may appear on
 * stderr.
 */
import { strict as assert } from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { lineSuffix, SparkVersion } from "../../components/config/schema";
import { serviceEndpoints } from "../../components/config/names";
import { jsonLogFields, log4j2FileName, structuredLoggingKey } from "../../components/spark/logging";
import { parseSparkDefaults } from "../../components/spark/sparkDefaults";
import { configMapData, stackArtefacts } from "../support/artefacts";
import { imageVersion, javaHome, sparkDistribution, sparkVenv } from "../support/spark";

const lines: readonly SparkVersion[] = ["3.5", "4.1"];

const job = `
from pyspark.sql import SparkSession

spark = SparkSession.builder.appName("spark-k8s-json-logs").getOrCreate()
jvm = spark.sparkContext._jvm
log = jvm.org.apache.logging.log4j.LogManager.getLogger("spark_k8s.it.logs")
log.warn("a warning from the job")
log.error("an error from the job", jvm.java.lang.IllegalStateException("first line\\nsecond line"))
assert spark.range(10).count() == 10
try:
    spark.sparkContext.parallelize([1], 1).map(lambda x: x // 0).collect()
    raise SystemExit("the failing task did not fail")
except SystemExit:
    raise
except Exception:
    pass
spark.stop()
`;

interface JsonEvent {
    timestamp: string;
    level: string;
    logger: string;
    thread: string;
    message: string;
    exception?: { class?: string; message?: string; stacktrace?: string };
    mdc?: Record<string, string>;
}

/** The log lines a Spark pattern layout would have written (Spark's defaults: "yy/MM/dd HH:mm:ss LEVEL"). */
const plainLogLine = /^\d{2}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} (TRACE|DEBUG|INFO|WARN|ERROR|FATAL) /;

function runJob(line: SparkVersion, home: string, confDir: string, script: string): Promise<{ stdout: string; stderr: string }> {
    const python = sparkVenv(line).python;
    return new Promise((resolve, reject) => {
        execFile(
            path.join(home, "bin", "spark-submit"),
            // One core, no UI: the smallest driver that still runs tasks in an executor.
            ["--master", "local[1]", "--conf", "spark.ui.enabled=false", "--conf", "spark.driver.memory=512m", script],
            {
                timeout: 300000,
                maxBuffer: 64 * 1024 * 1024,
                env: { ...process.env, SPARK_HOME: home, SPARK_CONF_DIR: confDir, JAVA_HOME: javaHome, PATH: `${javaHome}/bin:${process.env.PATH ?? ""}`, SPARK_LOCAL_IP: "127.0.0.1", PYSPARK_PYTHON: python, PYSPARK_DRIVER_PYTHON: python },
            },
            (err, stdout, stderr) => {
                if (err) reject(new Error(`spark-submit ${line} failed (${err.code ?? err.signal}):\n${stderr.split("\n").slice(-20).join("\n")}\n${stdout.split("\n").slice(-5).join("\n")}`));
                else resolve({ stdout, stderr });
            },
        );
    });
}

describe("Spark's structured logs (real Spark)", function () {
    this.timeout(15 * 60 * 1000);

    for (const line of lines) {
        it(`Spark ${line}: every stdout line of a job is one JSON object, exceptions included`, async () => {
            const dist = await sparkDistribution(line);
            const log4j = imageVersion(`SPARK${lineSuffix(line)}_LOG4J_VERSION`);
            const jars = fs.readdirSync(path.join(dist.home, "jars"));
            for (const jar of [`log4j-core-${log4j}.jar`, `log4j-layout-template-json-${log4j}.jar`]) assert.ok(jars.includes(jar), `${line}: ${jar} in the distribution`);

            const run = await stackArtefacts("local", { spark: { versions: [...lines] } });
            const data = configMapData(run, `${serviceEndpoints.connect(line).name}-conf`, serviceEndpoints.connect(line).namespace);
            const generated = parseSparkDefaults(data["spark-defaults.conf"]);
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), `spark-k8s-it-logs-${line}-`));
            try {
                // The ConfigMap's logging as the pod mounts it: log4j2.properties, and the structured logging key of its spark-defaults.conf.
                fs.writeFileSync(path.join(dir, log4j2FileName), data[log4j2FileName]);
                const conf = Object.fromEntries(Object.entries(generated).filter(([k]) => k === structuredLoggingKey));
                fs.writeFileSync(path.join(dir, "spark-defaults.conf"), Object.entries(conf).map(([k, v]) => `${k} ${v}\n`).join(""));
                const script = path.join(dir, "job.py");
                fs.writeFileSync(script, job);

                const { stdout, stderr } = await runJob(line, dist.home, dir, script);
                const out = stdout.split("\n").filter((l) => l !== "");
                assert.ok(out.length > 20, `${line}: only ${out.length} lines on stdout`);
                const events = out.map((l, i) => {
                    let parsed: unknown;
                    try {
                        parsed = JSON.parse(l);
                    } catch {
                        assert.fail(`${line}: stdout line ${i + 1} is not JSON: ${l.slice(0, 300)}`);
                    }
                    assert.ok(parsed !== null && typeof parsed === "object" && !Array.isArray(parsed), `${line}: stdout line ${i + 1} is not an object`);
                    const e = parsed as JsonEvent;
                    for (const key of [jsonLogFields.timestamp, jsonLogFields.level, jsonLogFields.logger, jsonLogFields.message, jsonLogFields.thread] as const) {
                        assert.equal(typeof e[key], "string", `${line}: line ${i + 1} has no ${key}: ${l.slice(0, 300)}`);
                    }
                    assert.match(e.timestamp, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
                    return e;
                });
                const stray = stderr.split("\n").filter((l) => plainLogLine.test(l));
                assert.deepEqual(stray, [], `${line}: plain-text log lines on stderr`);

                const levels = new Set(events.map((e) => e.level));
                for (const level of ["INFO", "WARN", "ERROR"]) assert.ok(levels.has(level), `${line}: no ${level} event (${[...levels].join(", ")})`);
                assert.ok(events.some((e) => e.logger === "spark_k8s.it.logs" && e.level === "WARN" && e.message === "a warning from the job"), `${line}: the job's warning`);

                // The job's exception: its two-line message and its stack trace inside one event.
                const own = events.find((e) => e.logger === "spark_k8s.it.logs" && e.level === "ERROR");
                assert.ok(own?.exception, `${line}: the job's error has no exception`);
                assert.equal(own.exception.class, "java.lang.IllegalStateException");
                assert.equal(own.exception.message, "first line\nsecond line");
                assert.ok((own.exception.stacktrace ?? "").split("\n").length > 3, `${line}: the stack trace is not multi-line`);

                // Spark's own error for the failed task: a Python traceback over many lines, in one event.
                const taskError = events.find((e) => e.exception?.class?.endsWith("PythonException") && /ZeroDivisionError/.test(`${e.exception.message ?? ""}`));
                assert.ok(taskError, `${line}: no event carries the task's PythonException`);
                assert.ok((taskError.exception?.stacktrace ?? "").includes("\n\tat "), `${line}: the PythonException has no JVM stack trace`);

                // Tasks run with their name in the MDC (3.5: mdc.taskName; 4.x structured logging: task_name).
                const taskKey = line.startsWith("3.") ? "mdc.taskName" : "task_name";
                assert.ok(events.some((e) => typeof e.mdc?.[taskKey] === "string"), `${line}: no event has ${taskKey} in its MDC`);
                // 4.x with spark.log.structuredLogging.enabled: Spark's log statements carry their fields, the executor id among them.
                if (!line.startsWith("3.")) assert.ok(events.some((e) => e.mdc?.executor_id === "driver"), `${line}: no event has executor_id in its MDC`);
                console.log(`      Spark ${dist.version}: ${events.length} JSON events on stdout (${[...levels].join(", ")}), ${stderr.split("\n").filter((l) => l !== "").length} other lines on stderr`);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    }
});
