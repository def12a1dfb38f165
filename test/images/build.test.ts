import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { tierDefaults } from "../../components/config/defaults";
import { lineSuffix, sparkVersions } from "../../components/config/schema";
import { dockerfileProblems, imagePinProblem, imagesDir, lineValue, platformImages, read, scalaOf, sparkLines, v, versions } from "../support/images";

describe("images/versions.env and images/build.sh", () => {
    it("versions.env parses and pins every base image and tag", () => {
        for (const key of [...versions.keys()].filter((k) => k.endsWith("_IMAGE"))) {
            assert.equal(imagePinProblem(v(key)), undefined, key);
        }
        for (const { tagKey } of platformImages) {
            assert.match(v(tagKey), new RegExp(`^\\d+\\.\\d+\\.\\d+(-[0-9.]+)?-${v("PLATFORM_REVISION")}$`), tagKey);
        }
        assert.deepEqual(sparkLines(), [...sparkVersions], "SPARK_LINES is the list of sparkVersions in components/config/schema.ts");
        for (const line of sparkVersions) {
            assert.equal(lineValue(line, "BASE_IMAGE"), `apache/spark:${lineValue(line, "VERSION")}-scala${scalaOf(line)}-java17-python3-ubuntu`, line);
            assert.ok(lineValue(line, "VERSION").startsWith(`${line}.`), line);
            assert.match(lineValue(line, "PYTHON_VERSION"), /^3\.\d+$/, line);
        }
        for (const key of [...versions.keys()].filter((k) => /^SPARK\d+_/.test(k))) {
            assert.ok(sparkVersions.some((line) => key.startsWith(`SPARK${lineSuffix(line)}_`)), `${key} belongs to no line of SPARK_LINES`);
        }
        assert.equal(v("HIVE_BASE_IMAGE"), `apache/hive:${v("HIVE_VERSION")}`);
        assert.equal(v("AIRFLOW_BASE_IMAGE"), `apache/airflow:${v("AIRFLOW_VERSION")}-python${v("AIRFLOW_PYTHON_VERSION")}`);
        assert.doesNotMatch(read("images", "versions.env"), /latest/i);
    });

    it("build.sh has no versions of its own: every variable it expands is in versions.env or its own", () => {
        const text = read("images", "build.sh");
        assert.match(text, /^set -euo pipefail$/m);
        assert.match(text, /source "\$\{images_dir\}\/versions\.env"/);
        const code = text.split(/\r?\n/).filter((l) => !l.trim().startsWith("#")).join("\n");
        assert.doesNotMatch(code, /\d+\.\d+\.\d+/, "a literal version in build.sh");
        assert.doesNotMatch(code, /latest/i);
        const own = new Set(["REGISTRY", "PUSH", "PLATFORM", "DOCKER", "DRY_RUN", "DIGESTS_FILE", "KIND_CLUSTER", "KIND", "BASH_SOURCE", "BASH_REMATCH", "images_dir", "all_targets", "targets", "target", "name", "tag", "dockerfile", "ref", "cmd", "pair", "built", "digests", "digest", "repo_digests_format", "repository", "config_keys", "separator", "entry", "key", "fetch_args", "args", "lines", "line", "nn", "tag_key", "image", "1", "2", "3", "@"]);
        for (const m of code.matchAll(/\$\{#?!?([A-Za-z_][A-Za-z0-9_]*|[0-9@])/g)) {
            assert.ok(versions.has(m[1]) || own.has(m[1]), `build.sh expands \${${m[1]}}, which is not in versions.env`);
        }
    });

    it("build.sh tags every image ${REGISTRY}/spark-k8s/<name>:<versions.env tag> and passes versions.env values", () => {
        const registry = "registry.example:5000";
        const run = spawnSync("bash", [path.join(imagesDir, "build.sh")], {
            env: { ...process.env, REGISTRY: `${registry}/`, DRY_RUN: "1", PUSH: "1" },
            encoding: "utf8",
            timeout: 30_000,
        });
        assert.equal(run.status, 0, run.stderr);
        const builds = run.stdout.split("\n").filter((l) => l.startsWith("+ docker build "));
        const pushes = run.stdout.split("\n").filter((l) => l.startsWith("+ docker push "));
        assert.equal(builds.length, platformImages.length);

        const expected = platformImages.map((i) => `${registry}/spark-k8s/${i.name}:${v(i.tagKey)}`);
        const tagged = builds.map((l) => /--tag (\S+)/.exec(l)![1]);
        assert.deepEqual(tagged, expected);
        assert.deepEqual(pushes.map((l) => l.replace("+ docker push ", "")), expected);
        for (const i of platformImages) {
            assert.ok(run.stdout.includes(`    ${i.configKey}: ${registry}/spark-k8s/${i.name}:${v(i.tagKey)}`), `no ${i.configKey} reference printed`);
        }

        for (const line of builds) {
            // DRY_RUN prints each word shell-quoted (printf %q): undo the backslash escapes.
            const overrides = Object.fromEntries([...line.matchAll(/--build-arg ([A-Z0-9_]+)=(\S*)/g)].map((m) => [m[1], m[2].replace(/\\(.)/g, "$1")]));
            for (const [key, value] of Object.entries(overrides)) {
                if (versions.has(key)) assert.equal(value, v(key), `${key} passed as ${value}`);
                else if (key === "SPARK_LINE") assert.ok(sparkLines().includes(value));
                else if (key === "SPARK_RUNTIME_IMAGE") assert.equal(value, `${registry}/spark-k8s/spark-runtime:${v("SPARK_RUNTIME_35_TAG")}`);
                else assert.fail(`build-arg ${key} does not come from versions.env`);
            }
            // An image of one line is given that line's SPARK<NN>_* values only.
            const built = overrides.SPARK_LINE ? `SPARK${overrides.SPARK_LINE.replace(".", "")}_` : undefined;
            if (built) {
                for (const key of Object.keys(overrides).filter((k) => /^SPARK\d+_/.test(k))) assert.ok(key.startsWith(built), `${key} passed to the ${overrides.SPARK_LINE} build`);
            }
            const dockerfile = /--file (\S+)/.exec(line)![1];
            assert.deepEqual(dockerfileProblems(fs.readFileSync(dockerfile, "utf8"), overrides), [], `${dockerfile} with ${JSON.stringify(overrides)}`);
        }
    });

    it("with KIND_CLUSTER loads each image into kind right after building it, and pushes nothing", () => {
        const run = spawnSync("bash", [path.join(imagesDir, "build.sh"), "spark-runtime-3.5", "hive-metastore"], {
            env: { ...process.env, REGISTRY: "docker.io", DRY_RUN: "1", KIND_CLUSTER: "spark" },
            encoding: "utf8",
            timeout: 30_000,
        });
        assert.equal(run.status, 0, run.stderr);
        const commands = run.stdout.split("\n").filter((l) => l.startsWith("+ ")).map((l) => l.split(" ").slice(1, 3).join(" ") + " " + l.split(" ").pop());
        const ref = (name: string, tagKey: string) => `docker.io/spark-k8s/${name}:${v(tagKey)}`;
        assert.deepEqual(commands, [
            `docker build ${imagesDir}`,
            `kind load ${ref("spark-runtime", "SPARK_RUNTIME_35_TAG")}`,
            `docker build ${imagesDir}`,
            `kind load ${ref("hive-metastore", "HIVE_METASTORE_TAG")}`,
        ]);
        assert.ok(run.stdout.includes(`+ kind load docker-image --name spark ${ref("hive-metastore", "HIVE_METASTORE_TAG")}`), run.stdout);
    });

    it("the stack defaults name exactly the images and tags build.sh produces", () => {
        for (const tier of ["local", "dev", "staging", "prod"] as const) {
            const images = tierDefaults(tier).spark.images as Record<string, string>;
            for (const { name, tagKey, configKey } of platformImages) {
                assert.equal(images[configKey], `spark-k8s/${name}:${v(tagKey)}`, `${tier}: spark.images.${configKey}`);
            }
        }
    });

    it("docs/images.md lists every tag and base image from versions.env", () => {
        const docs = read("docs", "images.md");
        for (const { name, tagKey } of platformImages) assert.ok(docs.includes(`spark-k8s/${name}:${v(tagKey)}`), `docs lack ${name}:${v(tagKey)}`);
        for (const key of [...versions.keys()].filter((k) => k.endsWith("_BASE_IMAGE"))) assert.ok(docs.includes(v(key)), `docs lack ${key}`);
        assert.match(docs, /REGISTRY=\S+ PUSH=1 images\/build\.sh/);
        assert.match(docs, /docs\/configuration\.md/);
    });

    it("docs/images.md's versions table states each key's value in versions.env", () => {
        const rows = read("docs", "images.md")
            .split("\n")
            .map((line) => /^\| (`[A-Z0-9_]+`(?: \/ `[A-Z0-9_]+`)*)[^|]* \| (.+) \|$/.exec(line))
            .filter((m): m is RegExpExecArray => m !== null);
        assert.ok(rows.length >= 15, `${rows.length} rows`);
        for (const [, keyCell, valueCell] of rows) {
            const keys = keyCell.split(" / ").map((k) => k.replace(/`/g, ""));
            const values = valueCell.split(" / ").map((x) => (/^`(.*)`$/.exec(x.trim())?.[1] ?? ""));
            assert.equal(values.length, keys.length, keyCell);
            keys.forEach((key, i) => assert.equal(values[i], v(key), `docs/images.md: ${key}`));
        }
    });
});

/**
 * DIGESTS_FILE with a stand-in `docker` on PATH: it logs every call and answers `inspect` with the
 * RepoDigests docker records on push (another repository's entry first, as an image pushed to two
 * repositories has), so the digests build.sh writes are the stand-in's, for exactly the images built.
 */
describe("images/build.sh DIGESTS_FILE", () => {
    const registry = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/dev";
    let work: string;
    const fakeDigest = (repository: string): string => createHash("sha256").update(repository).digest("hex");

    beforeEach(() => {
        work = fs.mkdtempSync(path.join(os.tmpdir(), "build-digests-"));
        fs.mkdirSync(path.join(work, "bin"));
        fs.writeFileSync(
            path.join(work, "bin", "docker"),
            [
                "#!/usr/bin/env bash",
                'printf "%s\\n" "$*" >> "$DOCKER_LOG"',
                'if [ "$1" = inspect ]; then',
                '    ref="${!#}"; repository="${ref%:*}"',
                '    [ -n "${FAKE_NO_DIGEST:-}" ] && exit 0',
                '    printf "other.example/mirror@sha256:%064d\\n" 0',
                '    printf "%s@sha256:%s\\n" "$repository" "$(printf "%s" "$repository" | sha256sum | cut -c1-64)"',
                "fi",
                "",
            ].join("\n"),
            { mode: 0o755 },
        );
    });
    afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

    const build = (env: Record<string, string>, targets: string[] = []) =>
        spawnSync("bash", [path.join(imagesDir, "build.sh"), ...targets], {
            env: { ...process.env, PATH: `${path.join(work, "bin")}:${process.env.PATH ?? ""}`, DOCKER_LOG: path.join(work, "docker.log"), REGISTRY: registry, ...env },
            encoding: "utf8",
            timeout: 30_000,
        });
    const calls = (): string[] => (fs.existsSync(path.join(work, "docker.log")) ? fs.readFileSync(path.join(work, "docker.log"), "utf8").trim().split("\n") : []);

    it("with PUSH=1 writes the pushed digest of every image built, keyed like spark.images, after build, push, inspect of each", () => {
        const digestsFile = path.join(work, "digests.json");
        const run = build({ PUSH: "1", DIGESTS_FILE: digestsFile });
        assert.equal(run.status, 0, run.stderr);
        const written = JSON.parse(fs.readFileSync(digestsFile, "utf8")) as Record<string, string>;
        assert.deepEqual(Object.keys(written), platformImages.map((i) => i.configKey), "every image, in the order build.sh prints the references");
        for (const { name, configKey, tagKey } of platformImages) {
            const repository = `${registry}/spark-k8s/${name}`;
            assert.equal(written[configKey], `${repository}:${v(tagKey)}@sha256:${fakeDigest(repository)}`, configKey);
        }
        const verbs = calls().map((c) => c.split(" ")[0]);
        assert.deepEqual(verbs, platformImages.flatMap(() => ["build", "push", "inspect"]));
        for (const { name, tagKey } of platformImages) {
            assert.ok(calls().includes(`inspect --format {{range .RepoDigests}}{{println .}}{{end}} ${registry}/spark-k8s/${name}:${v(tagKey)}`), `inspect of ${name}`);
        }
        assert.match(run.stdout, /written to .*digests\.json/);
        assert.deepEqual(fs.readdirSync(work).sort(), ["bin", "digests.json", "docker.log"], "no temporary file left");
    });

    it("writes only the images of the targets given", () => {
        const digestsFile = path.join(work, "digests.json");
        const run = build({ PUSH: "1", DIGESTS_FILE: digestsFile }, ["airflow", "hive-metastore"]);
        assert.equal(run.status, 0, run.stderr);
        assert.deepEqual(Object.keys(JSON.parse(fs.readFileSync(digestsFile, "utf8")) as object), ["hiveMetastore", "airflow"]);
    });

    it("fails, writing nothing, when docker has no digest of the image's repository after the push", () => {
        const digestsFile = path.join(work, "digests.json");
        const run = build({ PUSH: "1", DIGESTS_FILE: digestsFile, FAKE_NO_DIGEST: "1" }, ["airflow"]);
        assert.notEqual(run.status, 0);
        assert.match(run.stderr, /no digest of .*\/spark-k8s\/airflow/);
        assert.equal(fs.existsSync(digestsFile), false);
    });

    it("refuses DIGESTS_FILE without PUSH=1 (exit 2) before building anything", () => {
        const run = build({ DIGESTS_FILE: path.join(work, "digests.json") });
        assert.equal(run.status, 2);
        assert.match(run.stderr, /DIGESTS_FILE needs PUSH=1/);
        assert.deepEqual(calls(), []);
    });

    it("in a dry run prints each inspect after its push, runs no docker and writes no file", () => {
        const digestsFile = path.join(work, "digests.json");
        const run = build({ PUSH: "1", DIGESTS_FILE: digestsFile, DRY_RUN: "1" }, ["spark-runtime-3.5"]);
        assert.equal(run.status, 0, run.stderr);
        const commands = run.stdout.split("\n").filter((l) => l.startsWith("+ "));
        assert.deepEqual(commands.map((c) => c.split(" ")[2]), ["build", "push", "inspect"]);
        assert.match(run.stdout, /digests\.json is not written/);
        assert.equal(fs.existsSync(digestsFile), false);
        assert.deepEqual(calls(), []);
    });

    it("--list prints the targets in build order, without REGISTRY", () => {
        const run = spawnSync("bash", [path.join(imagesDir, "build.sh"), "--list"], { env: { ...process.env, REGISTRY: "" }, encoding: "utf8" });
        assert.equal(run.status, 0, run.stderr);
        const targets = run.stdout.trim().split("\n");
        assert.equal(targets.length, platformImages.length);
        assert.deepEqual(targets, [...sparkLines().map((l) => `spark-runtime-${l}`), "spark-rapids", "hive-metastore", ...sparkLines().map((l) => `jupyter-spark-${l}`), "airflow"]);
    });
});
