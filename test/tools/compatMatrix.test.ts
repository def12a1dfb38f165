import { strict as assert } from "assert";
import * as fs from "fs";
import { charts } from "../../components/services/charts";
import { kubernetesVersions } from "../../components/config/kubernetesReleases";
import { icebergRuntimeLines, lineSuffix, sparkVersions } from "../../components/config/schema";
import { baseImageRuntimes, CompatInputs, compatibilityDoc, compatMatrixBlock, dagLines, readCompatInputs, withCompatMatrix } from "../../tools/compatMatrix";

/** The inputs with versions.env changed: a value replaced, or a key removed (undefined). */
function withVersions(inputs: CompatInputs, changes: Record<string, string | undefined>): CompatInputs {
    const versions = new Map(inputs.versions);
    for (const [key, value] of Object.entries(changes)) {
        if (value === undefined) versions.delete(key);
        else versions.set(key, value);
    }
    return { ...inputs, versions };
}

/** The cells of the block's row whose first cell is `title`. */
function rowOf(block: string, title: string): string[] {
    const line = block.split("\n").find((l) => l.startsWith(`| ${title} |`));
    assert.ok(line, `no row "${title}"`);
    return line.split(" | ").map((c) => c.replace(/^\| |\s\|$/g, "").trim());
}

describe("tools/compatMatrix: the compatibility matrix of docs/compatibility.md", () => {
    let inputs: CompatInputs;
    let block: string;
    before(() => {
        inputs = readCompatInputs();
        block = compatMatrixBlock(inputs);
    });

    it("is committed as the generator writes it (node -r ./tools/register.cjs tools/compatMatrix.ts --write)", () => {
        const doc = fs.readFileSync(compatibilityDoc, "utf8");
        assert.equal(withCompatMatrix(doc), doc, "docs/compatibility.md is stale: run npm run docs:compat");
    });

    it("shows every line's release, Python, Hadoop, SDK and tags from images/versions.env", () => {
        for (const line of sparkVersions) {
            const col = sparkVersions.indexOf(line) + 1;
            const nn = lineSuffix(line);
            assert.equal(rowOf(block, "Spark release")[col], `\`${inputs.versions.get(`SPARK${nn}_VERSION`)}\``);
            assert.equal(rowOf(block, "Python (runtime image and notebook kernel)")[col], inputs.versions.get(`SPARK${nn}_PYTHON_VERSION`));
            assert.equal(rowOf(block, "Hadoop (and hadoop-aws)")[col], inputs.versions.get(`SPARK${nn}_HADOOP_VERSION`));
            assert.match(rowOf(block, "AWS SDK for S3A")[col], new RegExp(`${inputs.versions.get(`SPARK${nn}_AWS_SDK_VERSION`)!.replace(/\./g, "\\.")}$`));
            assert.ok(rowOf(block, "images (build.sh target: tag)")[col].includes(inputs.versions.get(`SPARK_RUNTIME_${nn}_TAG`)!), line);
        }
    });

    it("follows its inputs: a changed version in versions.env is the version shown", () => {
        const changed = compatMatrixBlock(withVersions(inputs, { SPARK41_VERSION: "4.1.99", ICEBERG_VERSION: "9.9.9" }));
        assert.equal(rowOf(changed, "Spark release")[2], "`4.1.99`");
        assert.ok(changed.includes("iceberg-spark-runtime-4.1_2.13:9.9.9"));
        assert.ok(!block.includes("4.1.99"));
    });

    it("is an error naming the key when versions.env lacks a value of a line", () => {
        const last = sparkVersions[sparkVersions.length - 1];
        for (const key of ["VERSION", "PYTHON_VERSION", "BASE_IMAGE", "LOG4J_VERSION", "AWS_SDK_VERSION"]) {
            const name = `SPARK${lineSuffix(last)}_${key}`;
            assert.throws(() => compatMatrixBlock(withVersions(inputs, { [name]: undefined })), new RegExp(`images/versions.env has no ${name}\\b`), name);
        }
        assert.throws(() => compatMatrixBlock(withVersions(inputs, { [`JUPYTER_SPARK_${lineSuffix(last)}_TAG`]: undefined })), /has no JUPYTER_SPARK_\d+_TAG/);
        assert.throws(() => compatMatrixBlock(withVersions(inputs, { ICEBERG_VERSION: undefined })), /has no ICEBERG_VERSION/);
    });

    it("refuses versions.env and code that disagree on the lines or their Hadoop", () => {
        assert.throws(() => compatMatrixBlock(withVersions(inputs, { SPARK_LINES: sparkVersions.slice(0, -1).join(" ") })), /SPARK_LINES .* differs from sparkVersions/);
        assert.throws(() => compatMatrixBlock(withVersions(inputs, { SPARK35_HADOOP_VERSION: "0.0.1" })), /hadoopAwsProfiles\["3.5"\].hadoopVersion \S+ differs from SPARK35_HADOOP_VERSION 0.0.1/);
        assert.throws(() => baseImageRuntimes("apache/spark:3.5.9-python3", "SPARK35_BASE_IMAGE"), /SPARK35_BASE_IMAGE .* names no -scala/);
    });

    it("reads each line's notebook client from the jupyter-spark Dockerfile", () => {
        const dropped = inputs.jupyterDockerfile.replace(/^\s*4\.3\) client=.*$/m, "");
        assert.throws(() => compatMatrixBlock({ ...inputs, jupyterDockerfile: dropped }), /installs no client for Spark 4\.3/);
        const clients = rowOf(block, "notebook Connect client");
        sparkVersions.forEach((line, i) => assert.equal(clients[i + 1], `\`${inputs.versions.get(`SPARK${lineSuffix(line)}_CONNECT_CLIENT`)}\``, line));
    });

    it("offers the iceberg preset exactly on icebergRuntimeLines, as validation decides", () => {
        const cells = rowOf(block, "`iceberg`");
        sparkVersions.forEach((line, i) => assert.equal(cells[i + 1].startsWith("refused"), !icebergRuntimeLines.includes(line), line));
        assert.match(block, /no iceberg-spark-runtime for/);
    });

    it("lists every Kubernetes version and every chart at its pinned version", () => {
        for (const k of kubernetesVersions) assert.ok(block.includes(`| ${k} |`) || block.includes(`| **${k}** (default) |`), k);
        for (const c of Object.values(charts)) assert.ok(block.includes(`| \`${c.chart}\` | \`${c.version}\` |`), c.chart);
    });

    it("finds the Spark lines of the example DAGs from the Airflow Variables they read", () => {
        assert.deepEqual(dagLines("x = var.value.get('spark_k8s_spark_image_41')\ny = 'spark_k8s_connect_url_35'"), ["3.5", "4.1"]);
        assert.deepEqual(dagLines("no variable"), []);
    });

    it("refuses a document without the markers", () => {
        assert.throws(() => withCompatMatrix("# Compatibility\n"), /markers are missing/);
    });
});
