/** The platform Dockerfiles, parsed and checked (not built), and their ARG defaults against images/versions.env. */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { airflowConnectLine, icebergRuntimeLines, lineSuffix, sparkVersions } from "../../components/config/schema";
import { airflowConnectClient } from "../../tools/imageVersions";
import { hadoopAwsProfiles } from "../../components/spark/sparkDefaults";
import { dockerfileProblems, imagesDir, lineValue, read, resolveDockerfile, scalaOf, sparkLines, substitute, v, versions } from "../support/images";

const dockerfiles = ["spark-runtime", "spark-rapids", "hive-metastore", "jupyter-spark", "airflow"].map((name) => ({
    name,
    file: path.join("images", name, "Dockerfile"),
}));

/** Resolutions to check: defaults, and one per Spark line for Dockerfiles that take SPARK_LINE. */
function variants(text: string): Record<string, string>[] {
    const takesLine = resolveDockerfile(text).globalArgs.has("SPARK_LINE") || /^ARG SPARK_LINE\b/m.test(text);
    return takesLine ? [{}, ...sparkLines().map((line) => ({ SPARK_LINE: line }))] : [{}];
}

describe("platform Dockerfiles", () => {
    for (const { name, file } of dockerfiles) {
        const text = read(file);
        for (const overrides of variants(text)) {
            const label = Object.keys(overrides).length ? ` (${Object.entries(overrides).map(([k, x]) => `${k}=${x}`).join(" ")})` : "";
            it(`${name}${label}: pinned FROMs, non-root final USER, pinned and verified jars`, () => {
                assert.deepEqual(dockerfileProblems(text, overrides), []);
            });
        }

        it(`${name}: ARG defaults equal images/versions.env`, () => {
            const df = resolveDockerfile(text);
            const shared = df.argDefaults.filter((a) => versions.has(a.name));
            assert.ok(shared.length > 0, "the Dockerfile takes no version from versions.env");
            for (const a of shared) assert.equal(a.value, v(a.name), `line ${a.line}: ARG ${a.name}`);
        });
    }

    it("the Airflow image's Connect client is for the line airflow-connect-* scenarios require (airflowConnectLine)", () => {
        assert.equal(airflowConnectClient(read("images", "airflow", "Dockerfile"), versions).line, airflowConnectLine);
    });

    it("spark images run as the Spark user 185", () => {
        for (const name of ["spark-runtime", "spark-rapids"]) {
            const df = resolveDockerfile(read("images", name, "Dockerfile"));
            const users = df.stages[df.stages.length - 1].instructions.filter((i) => i.keyword === "USER");
            assert.equal(users[users.length - 1].args, "185", name);
        }
    });

    it("spark-runtime adds the S3A, committer, Connect and Iceberg jars each line needs, and nothing else", () => {
        const text = read("images", "spark-runtime", "Dockerfile");
        const df = resolveDockerfile(text);
        const stage = (name: string) => {
            const s = df.stages.find((x) => x.name === name);
            assert.ok(s, `no ${name} stage`);
            return s.instructions.map((i) => substitute(i.args, s.args, name)).join("\n");
        };
        assert.deepEqual(df.stages.filter((s) => s.name?.startsWith("jars-")).map((s) => s.name), sparkVersions.map((line) => `jars-${line}`));
        assert.deepEqual(df.stages.filter((s) => s.name?.startsWith("runtime-")).map((s) => s.name), sparkVersions.map((line) => `runtime-${line}`));
        for (const line of sparkVersions) {
            const jars = stage(`jars-${line}`);
            const fetched = (/maven-fetch\s+\/jars\s+([\s\S]*)$/.exec(jars)?.[1] ?? "").split(/\s+/).filter((w) => w.includes(":")).sort();
            const scala = scalaOf(line);
            const sdk = lineValue(line, "AWS_SDK_VERSION");
            const sdkV1 = sdk.startsWith("1.");
            const iceberg = icebergRuntimeLines.includes(line);
            const accelerator = versions.get(`SPARK${lineSuffix(line)}_ANALYTICS_ACCELERATOR_VERSION`);
            const expected = [
                `org.apache.hadoop:hadoop-aws:${lineValue(line, "HADOOP_VERSION")}`,
                sdkV1 ? `com.amazonaws:aws-java-sdk-bundle:${sdk}` : `software.amazon.awssdk:bundle:${sdk}`,
                `org.apache.spark:spark-hadoop-cloud_${scala}:${lineValue(line, "VERSION")}`,
                // Connect is built into the 4.x distributions (SPARK-48763), not into 3.5.
                ...(line.startsWith("3.") ? [`org.apache.spark:spark-connect_${scala}:${lineValue(line, "VERSION")}`] : []),
                ...(iceberg ? [`org.apache.iceberg:iceberg-spark-runtime-${line}_${scala}:${v("ICEBERG_VERSION")}`] : []),
                // An SDK v1 line gives Iceberg its own SDK v2; a v2 line shares its own, plus the HTTP client the bundle lacks.
                ...(iceberg && sdkV1 ? [`org.apache.iceberg:iceberg-aws-bundle:${v("ICEBERG_VERSION")}`] : []),
                ...(iceberg && !sdkV1 ? [`software.amazon.awssdk:url-connection-client:${sdk}`] : []),
                ...(accelerator ? [`software.amazon.s3.analyticsaccelerator:analyticsaccelerator-s3:${accelerator}`] : []),
                // The JSON log layout (components/spark/logging.ts): 4.x distributions ship it, 3.5 does not.
                ...(line.startsWith("3.") ? [`org.apache.logging.log4j:log4j-layout-template-json:${lineValue(line, "LOG4J_VERSION")}`] : []),
            ].sort();
            assert.deepEqual(fetched, expected, line);
            // hadoop-aws 3.4.2 and later depend on the analytics accelerator (3.5.0 reads through it by default).
            assert.equal(accelerator !== undefined, !lineValue(line, "HADOOP_VERSION").startsWith("3.3."), `${line}: analytics accelerator`);
            // The layout runs only beside log4j-core of its own version: the runtime stage checks the jar it relies on.
            const runtime = stage(`runtime-${line}`);
            const log4j = lineValue(line, "LOG4J_VERSION");
            assert.ok(runtime.includes(line.startsWith("3.") ? `/opt/spark/jars/log4j-core-${log4j}.jar` : `/opt/spark/jars/log4j-layout-template-json-${log4j}.jar`), `${line}: runtime stage checks log4j ${log4j}`);
        }
    });

    it("spark-runtime fails the build when a base image is not the Spark, Hadoop and Python its line names", () => {
        const df = resolveDockerfile(read("images", "spark-runtime", "Dockerfile"));
        for (const line of sparkVersions) {
            const s = df.stages.find((x) => x.name === `runtime-${line}`);
            assert.ok(s, `no runtime-${line}`);
            assert.equal(s.from, lineValue(line, "BASE_IMAGE"), line);
            const guard = s.instructions.filter((i) => i.keyword === "RUN").map((i) => substitute(i.args, s.args, line)).join("\n");
            const scala = scalaOf(line);
            assert.ok(guard.includes(`test -f "/opt/spark/jars/spark-core_${scala}-${lineValue(line, "VERSION")}.jar"`), `${line}: Spark`);
            assert.ok(guard.includes(`test -f "/opt/spark/jars/hadoop-client-api-${lineValue(line, "HADOOP_VERSION")}.jar"`), `${line}: Hadoop`);
            assert.ok(guard.includes(`assert v == '${lineValue(line, "PYTHON_VERSION")}', v`), `${line}: Python`);
            if (line.startsWith("4.")) assert.ok(guard.includes(`test -f "/opt/spark/jars/spark-connect_${scala}-${lineValue(line, "VERSION")}.jar"`), `${line}: Connect`);
            assert.equal(s.instructions.find((i) => i.keyword === "COPY")?.args, `--from=jars-${line} /jars/ /opt/spark/jars/`, line);
        }
    });

    it("the Spark configuration's Hadoop profile of each line is the Hadoop and SDK its image carries", () => {
        for (const line of sparkVersions) {
            const profile = hadoopAwsProfiles[line];
            assert.equal(profile.hadoopVersion, lineValue(line, "HADOOP_VERSION"), line);
            assert.equal(profile.awsSdk, lineValue(line, "AWS_SDK_VERSION").startsWith("1.") ? "v1" : "v2", line);
        }
    });

    it("EKS Pod Identity: the AWS SDKs are at least the documented minimum versions", () => {
        const atLeast = (actual: string, minimum: string) => {
            const a = actual.split(".").map(Number);
            const m = minimum.split(".").map(Number);
            for (let i = 0; i < m.length; i++) if ((a[i] ?? 0) !== m[i]) return (a[i] ?? 0) > m[i];
            return true;
        };
        const sdks = [...sparkVersions.map((line) => `SPARK${lineSuffix(line)}_AWS_SDK_VERSION`), "HIVE_AWS_SDK_VERSION"];
        for (const key of sdks) assert.ok(atLeast(v(key), v(key).startsWith("1.") ? "1.12.746" : "2.21.30"), key);
    });

    it("jupyter-spark installs each line's pinned Connect client on that line's Python, with its constraints", () => {
        const text = read("images", "jupyter-spark", "Dockerfile");
        const df = resolveDockerfile(text);
        const stage = df.stages[df.stages.length - 1];
        const run = stage.instructions.filter((i) => i.keyword === "RUN").map((i) => i.args).join("\n");
        const copy = stage.instructions.find((i) => i.keyword === "COPY" && i.args.includes("constraints-"))?.args ?? "";
        const constraintFiles = fs.readdirSync(path.join(imagesDir, "jupyter-spark")).filter((f) => f.startsWith("constraints-")).sort();
        assert.deepEqual(constraintFiles, sparkVersions.map((line) => `constraints-${line}.txt`).sort());
        for (const line of sparkVersions) {
            const nn = lineSuffix(line);
            const client = lineValue(line, "CONNECT_CLIENT");
            const m = /^(pyspark\[connect\]|pyspark-client)==(\d+\.\d+\.\d+)$/.exec(client);
            assert.ok(m, `SPARK${nn}_CONNECT_CLIENT "${client}" is not a pinned pyspark[connect] or pyspark-client`);
            assert.ok(m[2].startsWith(`${line}.`), `${line}: client ${client} is of another line`);
            assert.ok(run.includes(`${line}) client="\${SPARK${nn}_CONNECT_CLIENT}"; python="\${SPARK${nn}_PYTHON_VERSION}" ;;`), `${line}: no case branch`);
            assert.ok(copy.includes(`jupyter-spark/constraints-${line}.txt`), `${line}: constraints not copied`);
            for (const entry of read("images", "jupyter-spark", `constraints-${line}.txt`).split(/\r?\n/).filter((l) => l.trim() && !l.startsWith("#"))) {
                assert.match(entry, /^[A-Za-z0-9._-]+==\d+(\.\d+)*(\.post\d+)?$/, `constraints-${line}.txt: ${entry}`);
            }
        }
        assert.match(run, /--constraint "\/tmp\/spark-client\/constraints-\$\{SPARK_LINE\}\.txt" "\$\{client\}"/);
        assert.match(run, /"python=\$\{python\}"/);
    });

    it("spark-rapids builds FROM the spark-runtime 3.5 image and installs the GPU discovery script", () => {
        const text = read("images", "spark-rapids", "Dockerfile");
        const df = resolveDockerfile(text);
        assert.equal(df.globalArgs.get("SPARK_RUNTIME_IMAGE"), `spark-k8s/spark-runtime:${v("SPARK_RUNTIME_35_TAG")}`);
        assert.match(text, /cp \/opt\/spark\/examples\/src\/main\/scripts\/getGpusResources\.sh \/opt\/spark\/scripts\/getGpusResources\.sh/);
        assert.match(text, /com\.nvidia:rapids-4-spark_2\.12:\$\{RAPIDS_VERSION\}/);
    });

});
