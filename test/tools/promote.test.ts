import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { imagesRecordCommand } from "../../tools/imagesRecord";
import { promoteCommand } from "../../tools/promote";
import { repoRoot } from "../../tools/harness";

const ecr = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/spark-dev/spark-k8s";
const digest = (c: string) => `sha256:${c.repeat(64)}`;
/** What dev deploys: every image it runs, by digest in its own repositories. */
const devImages = {
    spark35: `${ecr}/spark-runtime:3.5.9-p3@${digest("1")}`,
    spark41: `${ecr}/spark-runtime:4.1.4-p3@${digest("2")}`,
    hiveMetastore: `${ecr}/hive-metastore:3.1.3-p3@${digest("3")}`,
    jupyter35: `${ecr}/jupyter-spark:3.5.9-p3@${digest("4")}`,
    jupyter41: `${ecr}/jupyter-spark:4.1.4-p3@${digest("5")}`,
    airflow: `${ecr}/airflow:3.2.2-p3@${digest("6")}`,
};

describe("tools/promote and images:record", () => {
    let dir: string;
    const file = (stack: string) => path.join(dir, `Pulumi.${stack}.yaml`);
    const write = (name: string, data: unknown) => {
        const p = path.join(dir, name);
        fs.writeFileSync(p, typeof data === "string" ? data : JSON.stringify(data));
        return p;
    };
    const sparkOf = (stack: string) => (parse(fs.readFileSync(file(stack), "utf8")) as { config: Record<string, { images?: Record<string, string>; versions?: string[] } | undefined> }).config["spark-k8s:spark"];

    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "promote-test-"));
        for (const f of ["Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.staging.yaml", "Pulumi.prod.yaml"]) fs.copyFileSync(path.join(repoRoot, f), path.join(dir, f));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("carries the digests the source deploys into the next stack's file, keeping its comments, and then finds nothing left", () => {
        const outputs = write("dev-outputs.json", { images: devImages, environment: "dev" });
        const before = fs.readFileSync(file("staging"), "utf8");
        const dry = promoteCommand(["dev", "staging", "--outputs", outputs, "--dir", dir]);
        assert.equal(dry.code, 0, dry.stderr);
        assert.match(dry.stdout, /^### Promote dev → staging\n\n6 setting\(s\) change\./);
        assert.ok(dry.stdout.includes(`| \`spark.images.airflow\` | \`spark-k8s/airflow:3.2.2-p3\` | \`${devImages.airflow}\` |`), dry.stdout);
        assert.equal(fs.readFileSync(file("staging"), "utf8"), before, "without --write nothing is written");

        const written = promoteCommand(["dev", "staging", "--outputs", outputs, "--write", "--dir", dir]);
        assert.equal(written.code, 0, written.stderr);
        const after = fs.readFileSync(file("staging"), "utf8");
        assert.deepEqual(sparkOf("staging")?.images, devImages);
        for (const line of before.split("\n").filter((l) => l.trim().startsWith("#"))) assert.ok(after.includes(line), `comment kept: ${line}`);
        assert.ok(after.startsWith(before.trimEnd().split("\n")[0]), "the file's head is unchanged");

        const again = promoteCommand(["dev", "staging", "--outputs", outputs, "--dir", dir]);
        assert.match(again.stdout, /Nothing to promote: staging already runs the release dev runs\./);
    });

    it("carries spark.versions, and removes the key where the source's value is the target's tier default", () => {
        const outputs = write("dev-outputs.json", { images: { ...devImages, spark43: `${ecr}/spark-runtime:4.3.0-p3@${digest("7")}`, jupyter43: `${ecr}/jupyter-spark:4.3.0-p3@${digest("8")}` } });
        const devFile = fs.readFileSync(file("dev"), "utf8").replace("config:\n", "config:\n  spark-k8s:spark:\n    versions: [\"3.5\", \"4.1\", \"4.3\"]\n");
        write("Pulumi.dev.yaml", devFile);
        const up = promoteCommand(["dev", "staging", "--outputs", outputs, "--write", "--dir", dir]);
        assert.equal(up.code, 0, up.stderr);
        assert.ok(up.stdout.includes('| `spark.versions` | `["3.5","4.1"]` | `["3.5","4.1","4.3"]` |'), up.stdout);
        assert.deepEqual(sparkOf("staging")?.versions, ["3.5", "4.1", "4.3"]);
        assert.equal(sparkOf("staging")?.images?.spark43, `${ecr}/spark-runtime:4.3.0-p3@${digest("7")}`);

        // Back to the default lines: staging's file loses the key instead of restating the default.
        write("Pulumi.dev.yaml", fs.readFileSync(path.join(repoRoot, "Pulumi.dev.yaml"), "utf8"));
        const down = promoteCommand(["dev", "staging", "--outputs", write("o2.json", { images: devImages }), "--write", "--dir", dir]);
        assert.equal(down.code, 0, down.stderr);
        assert.equal(sparkOf("staging")?.versions, undefined);
    });

    it("refuses a source that deploys tags, and a result the target's config rules refuse, writing nothing", () => {
        const tags = promoteCommand(["staging", "prod", "--outputs", write("s.json", { images: { ...devImages, spark35: "spark-k8s/spark-runtime:3.5.9-p3" } }), "--dir", dir]);
        assert.equal(tags.code, 1);
        assert.match(tags.stderr, /staging's images output does not name every image staging runs by digest \(spark\.images\.spark35\)/);
        const noOutputs = promoteCommand(["staging", "prod", "--dir", dir]);
        assert.equal(noOutputs.code, 1);
        assert.match(noOutputs.stderr, /staging's stack file does not name every image .*pass --outputs/);

        // prod lists iceberg, which has no runtime for 4.3: carrying 4.3 would break prod's config.
        const prod = fs.readFileSync(file("prod"), "utf8");
        write("Pulumi.prod.yaml", prod.replace("config:\n", "config:\n  spark-k8s:spark:\n    presets: [iceberg]\n"));
        write("Pulumi.staging.yaml", fs.readFileSync(file("staging"), "utf8").replace("config:\n", "config:\n  spark-k8s:spark:\n    versions: [\"3.5\", \"4.3\"]\n"));
        const before = fs.readFileSync(file("prod"), "utf8");
        const broken = promoteCommand(["staging", "prod", "--outputs", write("s2.json", { images: { ...devImages, spark43: `${ecr}/spark-runtime:4.3.0-p3@${digest("7")}`, jupyter43: `${ecr}/jupyter-spark:4.3.0-p3@${digest("8")}` } }), "--write", "--dir", dir]);
        assert.equal(broken.code, 1);
        assert.match(broken.stderr, /the result would not be valid:\n.*spark\.versions/s);
        assert.equal(fs.readFileSync(file("prod"), "utf8"), before);
    });

    it("usage errors exit 2", () => {
        assert.equal(promoteCommand(["dev"]).code, 2);
        assert.equal(promoteCommand(["dev", "dev"]).code, 2);
        assert.equal(promoteCommand(["dev", "staging", "--bogus"]).code, 2);
        assert.equal(imagesRecordCommand(["--stack", "dev"]).code, 2);
    });

    it("images:record writes pushed digests into a stack's spark.images, and refuses anything but digests of known keys", () => {
        const digests = write("digests.json", { airflow: devImages.airflow, hiveMetastore: devImages.hiveMetastore });
        const recorded = imagesRecordCommand(["--stack", "dev", "--digests", digests, "--dir", dir]);
        assert.equal(recorded.code, 0, recorded.stderr);
        assert.match(recorded.stdout, /### Images recorded in dev\n\n2 setting\(s\) change\./);
        assert.deepEqual(sparkOf("dev")?.images, { hiveMetastore: devImages.hiveMetastore, airflow: devImages.airflow });
        assert.match(imagesRecordCommand(["--stack", "dev", "--digests", digests, "--dir", dir]).stdout, /dev already names these digests/);

        const bad = imagesRecordCommand(["--stack", "dev", "--digests", write("bad.json", { airflw: devImages.airflow, spark35: "spark-k8s/spark-runtime:3.5.9-p3" }), "--dir", dir]);
        assert.equal(bad.code, 1);
        assert.match(bad.stderr, /airflw: unknown key; expected one of spark35, /);
        assert.match(bad.stderr, /spark35: "spark-k8s\/spark-runtime:3\.5\.9-p3" is not a reference by digest with its registry/);
        assert.equal(imagesRecordCommand(["--stack", "dev", "--digests", write("x.json", "not json"), "--dir", dir]).code, 1);
    });
});
