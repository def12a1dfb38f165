/**
 * The platform images (images/) and the example DAGs (dags/): what can be checked without a Docker
 * engine or Airflow. Dockerfiles are parsed, not built; DAGs are byte-compiled, not imported.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { executorTaint, nodeRoleLabel } from "../components/config/nodeRoles";
import { tierDefaults } from "../components/config/defaults";
import { namespaces, serviceEndpoints, serviceHost, serviceIdentities } from "../components/config/names";
import { icebergRuntimeLines, jupyterImageKey, lineSuffix, sparkImageKey, SparkVersion, sparkVersions } from "../components/config/schema";
import { exampleDagVariables, variableEnvName } from "../components/services/airflow";
import { hadoopAwsProfiles } from "../components/spark/sparkDefaults";

const root = path.resolve(__dirname, "..");
const imagesDir = path.join(root, "images");
const dagsDir = path.join(root, "dags");
const read = (...p: string[]): string => fs.readFileSync(path.join(root, ...p), "utf8");

// ---------------------------------------------------------------------------------------------
// versions.env
// ---------------------------------------------------------------------------------------------

/** Parses the KEY=value lines of versions.env (bash syntax), expanding ${KEY} of earlier keys. */
function parseVersionsEnv(text: string): Map<string, string> {
    const vars = new Map<string, string>();
    text.split(/\r?\n/).forEach((raw, i) => {
        const line = raw.trim();
        if (line === "" || line.startsWith("#")) return;
        const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
        if (!m) throw new Error(`versions.env line ${i + 1}: expected KEY=value, got "${line}"`);
        let value = m[2];
        const quoted = /^"(.*)"$/.exec(value) ?? /^'(.*)'$/.exec(value);
        if (quoted) value = quoted[1];
        else if (/\s/.test(value)) throw new Error(`versions.env line ${i + 1}: unquoted value with spaces`);
        vars.set(m[1], substitute(value, vars, `versions.env line ${i + 1}`));
    });
    return vars;
}

/** ${NAME} and $NAME from vars; an unknown name is an error (strict) or left as a marker. */
function substitute(text: string, vars: ReadonlyMap<string, string | undefined>, where: string, strict = true): string {
    return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_all, braced: string | undefined, bare: string | undefined) => {
        const name = (braced ?? bare)!;
        const value = vars.get(name);
        if (value === undefined) {
            if (strict) throw new Error(`${where}: \${${name}} is not defined`);
            return `<unresolved ${name}>`;
        }
        return value;
    });
}

const versions = parseVersionsEnv(read("images", "versions.env"));
const v = (key: string): string => {
    const value = versions.get(key);
    assert.ok(value !== undefined, `versions.env has no ${key}`);
    return value;
};
const sparkLines = (): string[] => v("SPARK_LINES").split(/\s+/);
/** A line's SPARK<NN>_<key> value from versions.env. */
const lineValue = (line: SparkVersion, key: string): string => v(`SPARK${lineSuffix(line)}_${key}`);
/** Scala of a line's official image and jars: 2.12 for Spark 3, 2.13 for Spark 4. */
const scalaOf = (line: SparkVersion): string => (line.startsWith("3.") ? "2.12" : "2.13");

/** The images build.sh produces, in its order: image name, the versions.env tag key, the spark.images key. */
const platformImages: readonly { name: string; tagKey: string; configKey: string }[] = [
    ...sparkVersions.map((line) => ({ name: "spark-runtime", tagKey: `SPARK_RUNTIME_${lineSuffix(line)}_TAG`, configKey: sparkImageKey(line) })),
    { name: "spark-rapids", tagKey: "SPARK_RAPIDS_TAG", configKey: "sparkRapids" },
    { name: "hive-metastore", tagKey: "HIVE_METASTORE_TAG", configKey: "hiveMetastore" },
    ...sparkVersions.map((line) => ({ name: "jupyter-spark", tagKey: `JUPYTER_SPARK_${lineSuffix(line)}_TAG`, configKey: jupyterImageKey(line) })),
    { name: "airflow", tagKey: "AIRFLOW_TAG", configKey: "airflow" },
];

// ---------------------------------------------------------------------------------------------
// Dockerfile parsing and rules
// ---------------------------------------------------------------------------------------------

interface Instruction {
    readonly keyword: string;
    readonly args: string;
    readonly line: number;
}

/** Instructions with line continuations joined; comments and parser directives dropped. */
function parseDockerfile(text: string): Instruction[] {
    const out: Instruction[] = [];
    let buffer: string | undefined;
    let start = 0;
    text.split(/\r?\n/).forEach((raw, i) => {
        const trimmed = raw.trim();
        if (trimmed.startsWith("#") || (buffer === undefined && trimmed === "")) return;
        if (buffer === undefined) {
            buffer = "";
            start = i + 1;
        }
        if (/\\\s*$/.test(raw)) {
            buffer += raw.replace(/\\\s*$/, "") + "\n";
            return;
        }
        buffer += raw;
        const m = /^\s*([A-Za-z]+)\s+([\s\S]*)$/.exec(buffer);
        if (!m) throw new Error(`line ${start}: cannot parse "${buffer.trim()}"`);
        out.push({ keyword: m[1].toUpperCase(), args: m[2].trim(), line: start });
        buffer = undefined;
    });
    if (buffer !== undefined) throw new Error(`line ${start}: unterminated continuation`);
    return out;
}

interface Stage {
    /** The FROM reference with variables resolved. */
    readonly from: string;
    readonly name?: string;
    readonly instructions: Instruction[];
    /** ARGs visible in the stage, with their resolved values. */
    readonly args: Map<string, string | undefined>;
    readonly line: number;
}

interface ParsedDockerfile {
    readonly globalArgs: Map<string, string | undefined>;
    readonly stages: Stage[];
    /** Every ARG with a default, wherever declared: name -> resolved default. */
    readonly argDefaults: { name: string; value: string; line: number }[];
}

function argDeclaration(args: string): { name: string; value?: string } {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:=(.*))?$/.exec(args.trim());
    if (!m) throw new Error(`bad ARG "${args}"`);
    const value = m[2] === undefined ? undefined : m[2].replace(/^"(.*)"$/, "$1");
    return { name: m[1], value };
}

/** Resolves a Dockerfile the way `docker build --build-arg K=V` would for the given overrides. */
function resolveDockerfile(text: string, overrides: Record<string, string> = {}): ParsedDockerfile {
    const instructions = parseDockerfile(text);
    const globalArgs = new Map<string, string | undefined>();
    const argDefaults: ParsedDockerfile["argDefaults"] = [];
    const stages: Stage[] = [];
    let current: { from: string; name?: string; instructions: Instruction[]; args: Map<string, string | undefined>; line: number } | undefined;
    for (const ins of instructions) {
        if (ins.keyword === "ARG") {
            const { name, value } = argDeclaration(ins.args);
            const scope = current ? current.args : globalArgs;
            const resolvedDefault = value === undefined ? undefined : substitute(value, scope, `line ${ins.line}`, false);
            if (resolvedDefault !== undefined) argDefaults.push({ name, value: resolvedDefault, line: ins.line });
            const inherited = current ? globalArgs.get(name) : undefined;
            scope.set(name, overrides[name] ?? resolvedDefault ?? inherited);
            if (current) current.instructions.push(ins);
            continue;
        }
        if (ins.keyword === "FROM") {
            if (current) stages.push(current);
            const words = ins.args.split(/\s+/).filter((w) => !w.startsWith("--platform"));
            const asIndex = words.findIndex((w) => w.toUpperCase() === "AS");
            const name = asIndex >= 0 ? words[asIndex + 1] : undefined;
            current = { from: substitute(words[0], globalArgs, `line ${ins.line}`, false), name, instructions: [], args: new Map(), line: ins.line };
            continue;
        }
        if (!current) throw new Error(`line ${ins.line}: ${ins.keyword} before the first FROM`);
        current.instructions.push(ins);
    }
    if (current) stages.push(current);
    assert.ok(stages.length > 0, "no FROM");
    return { globalArgs, stages, argDefaults };
}

/** Why an image reference is not pinned, or undefined when it is (exact version tag or digest). */
function imagePinProblem(ref: string): string | undefined {
    if (/<unresolved|\$/.test(ref)) return `"${ref}" has an unresolved variable`;
    const at = ref.indexOf("@");
    const digest = at >= 0 ? ref.slice(at + 1) : undefined;
    const nameTag = at >= 0 ? ref.slice(0, at) : ref;
    const colon = nameTag.lastIndexOf(":");
    const tag = colon > nameTag.lastIndexOf("/") ? nameTag.slice(colon + 1) : undefined;
    if (tag !== undefined && /latest/i.test(tag)) return `"${ref}" uses a latest tag`;
    if (digest !== undefined) return /^sha256:[0-9a-f]{64}$/.test(digest) ? undefined : `"${ref}" has a malformed digest`;
    if (tag === undefined || tag === "") return `"${ref}" has neither tag nor digest`;
    // An exact version (x.y.z) or a dated build tag; floating tags such as 3.5, python3 or stable fail.
    if (!/\d+\.\d+\.\d+|\d{4}-\d{2}-\d{2}/.test(tag)) return `"${ref}" tag "${tag}" is not an exact version`;
    return undefined;
}

const unpinnedVersion = /SNAPSHOT|latest|RELEASE|[[\]()+,]|<unresolved|\$/i;
const exactVersion = /^\d+(\.\d+)+([.-][0-9A-Za-z]+)*$/;

/** Violations of the image rules in one resolved Dockerfile. */
function dockerfileProblems(text: string, overrides: Record<string, string> = {}): string[] {
    const problems: string[] = [];
    const df = resolveDockerfile(text, overrides);
    const stageNames = new Set<string>();
    for (const stage of df.stages) {
        if (!stageNames.has(stage.from)) {
            const problem = imagePinProblem(stage.from);
            if (problem) problems.push(`line ${stage.line}: FROM ${problem}`);
        }
        if (stage.name) stageNames.add(stage.name);
    }

    const final = df.stages[df.stages.length - 1];
    const users = final.instructions.filter((i) => i.keyword === "USER");
    if (users.length === 0) {
        problems.push("final stage sets no USER");
    } else {
        const last = users[users.length - 1];
        const user = substitute(last.args.split(":")[0].trim(), final.args, `line ${last.line}`, false);
        if (!/^\d+$/.test(user)) problems.push(`line ${last.line}: final USER "${user}" is not a numeric uid`);
        else if (Number(user) === 0) problems.push(`line ${last.line}: final USER is root`);
    }

    for (const stage of df.stages) {
        for (const ins of stage.instructions) {
            const body = substitute(ins.args, stage.args, `line ${ins.line}`, false);
            if (ins.keyword === "ADD" && /https?:\/\/\S+\.jar\b/.test(body) && !/--checksum=sha(256|512):[0-9a-f]+/.test(body)) {
                problems.push(`line ${ins.line}: ADD of a remote jar without --checksum`);
            }
            if (ins.keyword !== "RUN") continue;
            const fetchCall = /\bmaven-fetch\s+(\S+)\s+([\s\S]*)/.exec(body);
            if (fetchCall) {
                const coordinates = fetchCall[2].split(/\s+/).filter((w) => /^[^\s:;&|]+:[^\s:;&|]+:/.test(w));
                if (coordinates.length === 0) problems.push(`line ${ins.line}: maven-fetch without coordinates`);
                for (const coordinate of coordinates) {
                    const version = coordinate.split(":")[2] ?? "";
                    if (unpinnedVersion.test(version) || !exactVersion.test(version)) {
                        problems.push(`line ${ins.line}: jar ${coordinate} is not pinned to an exact version`);
                    }
                }
                if (!/COPY\s+common\/maven-fetch\.sh\s/.test(text)) problems.push(`line ${ins.line}: maven-fetch is used but never copied in`);
            }
            const jarUrls = body.match(/https?:\/\/\S+?\.jar\b/g) ?? [];
            for (const url of jarUrls) {
                if (!/\b(sha1sum|sha256sum|sha512sum)\s+(-c|--check)\b/.test(body)) problems.push(`line ${ins.line}: ${url} is downloaded without a checksum check`);
                if (unpinnedVersion.test(url)) problems.push(`line ${ins.line}: ${url} is not pinned`);
            }
        }
    }
    return problems;
}

const dockerfiles = ["spark-runtime", "spark-rapids", "hive-metastore", "jupyter-spark", "airflow"].map((name) => ({
    name,
    file: path.join("images", name, "Dockerfile"),
}));

/** Resolutions to check: defaults, and one per Spark line for Dockerfiles that take SPARK_LINE. */
function variants(text: string): Record<string, string>[] {
    const takesLine = resolveDockerfile(text).globalArgs.has("SPARK_LINE") || /^ARG SPARK_LINE\b/m.test(text);
    return takesLine ? [{}, ...sparkLines().map((line) => ({ SPARK_LINE: line }))] : [{}];
}

describe("image rules (checked on hand-written Dockerfiles)", () => {
    const ok = "FROM alpine:3.24.1\nUSER 1000\n";
    it("accept a pinned, non-root image", () => assert.deepEqual(dockerfileProblems(ok), []));

    it("refuse latest, floating and missing tags, and unresolved variables", () => {
        for (const from of ["ubuntu:latest", "ubuntu", "apache/spark:3.5", "apache/spark:python3", "${BASE}", "x@sha256:abc"]) {
            assert.equal(dockerfileProblems(`FROM ${from}\nUSER 1000\n`).length, 1, from);
        }
        assert.deepEqual(dockerfileProblems("ARG BASE=alpine:3.24.1\nFROM ${BASE}\nUSER 1\n"), []);
        assert.deepEqual(dockerfileProblems(`FROM alpine@sha256:${"a".repeat(64)}\nUSER 1\n`), []);
        assert.equal(dockerfileProblems("ARG BASE=alpine:3.24.1\nFROM ${BASE}\nUSER 1\n", { BASE: "alpine:latest" }).length, 1);
    });

    it("resolve stage references instead of treating them as images", () => {
        const text = "ARG LINE=a\nFROM alpine:3.24.1 AS build-a\nFROM build-${LINE}\nUSER 7\n";
        assert.deepEqual(dockerfileProblems(text), []);
        assert.equal(dockerfileProblems(text, { LINE: "b" }).length, 1);
    });

    it("refuse a root, named or missing final USER", () => {
        assert.match(dockerfileProblems("FROM alpine:3.24.1\nUSER 0\n").join(), /root/);
        assert.match(dockerfileProblems("FROM alpine:3.24.1\nUSER spark\n").join(), /numeric/);
        assert.match(dockerfileProblems("FROM alpine:3.24.1\nUSER 185\nFROM alpine:3.24.1\n").join(), /no USER/);
        assert.deepEqual(dockerfileProblems("FROM alpine:3.24.1\nUSER root\nRUN true\nUSER 185:185\n"), []);
    });

    it("refuse jars without a pinned version or a checksum check", () => {
        const fetch = (coord: string, arg = "") => `FROM alpine:3.24.1\n${arg}COPY common/maven-fetch.sh /usr/local/bin/maven-fetch\nRUN maven-fetch /jars ${coord}\nUSER 1\n`;
        assert.deepEqual(dockerfileProblems(fetch("org.a:b:1.2.3")), []);
        assert.deepEqual(dockerfileProblems(fetch("org.a:b:${V}", "ARG V=1.2.3\n")), []);
        // A global ARG is not visible inside a stage until the stage declares it again.
        assert.equal(dockerfileProblems(`ARG V=1.2.3\n${fetch("org.a:b:${V}")}`).length, 1);
        assert.deepEqual(dockerfileProblems(`ARG V=1.2.3\n${fetch("org.a:b:${V}", "ARG V\n")}`), []);
        for (const bad of ["org.a:b:LATEST", "org.a:b:1.0-SNAPSHOT", "org.a:b:[1.0,2.0)", "org.a:b:${NOPE}", "org.a:b:"]) {
            assert.ok(dockerfileProblems(fetch(bad)).length > 0, bad);
        }
        assert.equal(dockerfileProblems("FROM alpine:3.24.1\nRUN maven-fetch /jars org.a:b:1.0\nUSER 1\n").length, 1);
        const url = "https://repo1.maven.org/maven2/org/a/b/1.0/b-1.0.jar";
        assert.equal(dockerfileProblems(`FROM alpine:3.24.1\nRUN curl -fo b.jar ${url}\nUSER 1\n`).length, 1);
        assert.deepEqual(dockerfileProblems(`FROM alpine:3.24.1\nRUN curl -fo b.jar ${url} \\\n && echo "x  b.jar" | sha1sum -c -\nUSER 1\n`), []);
        assert.equal(dockerfileProblems(`FROM alpine:3.24.1\nADD ${url} /jars/\nUSER 1\n`).length, 1);
    });
});

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
            ].sort();
            assert.deepEqual(fetched, expected, line);
            // hadoop-aws 3.4.2 and later depend on the analytics accelerator (3.5.0 reads through it by default).
            assert.equal(accelerator !== undefined, !lineValue(line, "HADOOP_VERSION").startsWith("3.3."), `${line}: analytics accelerator`);
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

    it("the jar helper verifies Maven Central's sha1 and refuses unpinned coordinates", function () {
        const script = path.join(imagesDir, "common", "maven-fetch.sh");
        const text = fs.readFileSync(script, "utf8");
        assert.match(text, /^set -eu$/m);
        assert.match(text, /sha1sum -c/);
        if (spawnSync("curl", ["--version"]).status !== 0) this.skip();

        const work = fs.mkdtempSync(path.join(os.tmpdir(), "maven-fetch-"));
        try {
            const dir = path.join(work, "repo", "org", "example", "demo", "1.2.3");
            fs.mkdirSync(dir, { recursive: true });
            const jar = path.join(dir, "demo-1.2.3.jar");
            fs.writeFileSync(jar, "demo jar\n");
            // sha1 of "demo jar\n", as Maven Central publishes it: the bare digest.
            const sha1 = spawnSync("sha1sum", [jar], { encoding: "utf8" }).stdout.split(" ")[0];
            fs.writeFileSync(`${jar}.sha1`, sha1);
            const env = { ...process.env, MAVEN_REPOSITORY: `file://${path.join(work, "repo")}` };
            const run = (dest: string, coordinate: string) => spawnSync("sh", [script, path.join(work, dest), coordinate], { env, encoding: "utf8", timeout: 30_000 });

            const good = run("ok", "org.example:demo:1.2.3");
            assert.equal(good.status, 0, good.stderr);
            assert.ok(fs.existsSync(path.join(work, "ok", "demo-1.2.3.jar")));

            fs.writeFileSync(jar, "tampered\n");
            assert.notEqual(run("bad", "org.example:demo:1.2.3").status, 0, "a jar that does not match its sha1 must fail");
            assert.notEqual(run("latest", "org.example:demo:LATEST").status, 0);
            assert.notEqual(run("snapshot", "org.example:demo:1.2.4-SNAPSHOT").status, 0);
        } finally {
            fs.rmSync(work, { recursive: true, force: true });
        }
    });
});

// ---------------------------------------------------------------------------------------------
// versions.env and build.sh
// ---------------------------------------------------------------------------------------------

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
        const own = new Set(["REGISTRY", "PUSH", "PLATFORM", "DOCKER", "DRY_RUN", "BASH_SOURCE", "images_dir", "all_targets", "targets", "target", "name", "tag", "dockerfile", "ref", "cmd", "pair", "built", "entry", "key", "fetch_args", "args", "lines", "line", "nn", "tag_key", "image", "1", "2", "3", "@"]);
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
});

// ---------------------------------------------------------------------------------------------
// DAGs
// ---------------------------------------------------------------------------------------------

const dagFiles = ["spark_connect_example.py", "spark_submit_k8s_example.py", "spark_operator_example.py"];
const dag = (file: string): string => read("dags", file);
const connect35 = serviceEndpoints.connect("3.5");
const sparkRuntime35Default = `spark-k8s/spark-runtime:${v("SPARK_RUNTIME_35_TAG")}`;

describe("example DAGs", () => {
    it("are exactly the three examples", () => {
        assert.deepEqual(fs.readdirSync(dagsDir).filter((f) => f.endsWith(".py")).sort(), [...dagFiles].sort());
    });

    for (const file of dagFiles) {
        it(`${file} byte-compiles with python3`, () => {
            const cache = fs.mkdtempSync(path.join(os.tmpdir(), "dag-pycache-"));
            try {
                const result = spawnSync("python3", ["-m", "py_compile", path.join(dagsDir, file)], {
                    env: { ...process.env, PYTHONPYCACHEPREFIX: cache },
                    encoding: "utf8",
                    timeout: 30_000,
                });
                assert.equal(result.error, undefined, String(result.error));
                assert.equal(result.status, 0, result.stderr);
            } finally {
                fs.rmSync(cache, { recursive: true, force: true });
            }
        });

        it(`${file} imports for Airflow 3 with an Airflow 2 fallback, and nothing heavy at parse time`, () => {
            const text = dag(file);
            assert.match(text, /from airflow\.sdk import DAG/);
            assert.match(text, /except ImportError:[^\n]*\n\s+from airflow import DAG/);
            assert.doesNotMatch(text, /^(from|import) pyspark/m, "pyspark must be imported inside the task");
            assert.doesNotMatch(text, /^\S.*Variable\.get\(/m, "Variables are read at run time, not while parsing");
        });
    }

    it("the Connect DAG connects to the Spark Connect 3.5 service named in names.ts", () => {
        const text = dag("spark_connect_example.py");
        const url = `sc://${serviceHost(connect35)}:${connect35.grpcPort}`;
        assert.equal(url, "sc://spark-connect-35.spark-jobs.svc.cluster.local:15002");
        assert.ok(text.includes(`"${url}"`), `the DAG does not use ${url}`);
        assert.match(text, /SparkSession\.builder\.remote\(connect_url\)/);
        assert.match(text, /\.write\.mode\("overwrite"\)\.parquet\(target\)/);
        assert.match(text, /spark\.read\.parquet\(target\)/);
        assert.match(text, /var\.value\.get\('spark_k8s_warehouse_uri'/);
    });

    it("the platform sets exactly the Variables the shipped DAGs read, for every Spark line", () => {
        const read = new Set(dagFiles.flatMap((f) => [...dag(f).matchAll(/var\.value\.get\('([a-z0-9_]+)'/g)].map((m) => m[1])));
        const set = exampleDagVariables({
            warehouseUri: "s3a://w/warehouse",
            sparkImages: Object.fromEntries(sparkVersions.map((v) => [v, `img:${v}`])),
            connectUrls: Object.fromEntries(sparkVersions.map((v) => [v, `sc://${v}`])),
        });
        for (const name of read) assert.ok(name in set, `a DAG reads ${name}, which the platform never sets`);
        assert.ok(read.size >= 3, [...read].join(", "));
        assert.equal(variableEnvName("spark_k8s_connect_url_35"), "AIRFLOW_VAR_SPARK_K8S_CONNECT_URL_35");
    });

    it("the spark-submit DAG submits as Airflow's account (bound to the submit Role) a driver that runs as spark in spark-jobs", () => {
        const text = dag("spark_submit_k8s_example.py");
        assert.ok(text.includes(`NAMESPACE = "${namespaces.jobs}"`));
        assert.ok(text.includes(`SERVICE_ACCOUNT = "${serviceIdentities.sparkJobs.serviceAccount}"`));
        assert.ok(text.includes(`SUBMITTER_NAMESPACE = "${namespaces.airflow}"`));
        assert.ok(text.includes(`SUBMITTER_SERVICE_ACCOUNT = "${serviceIdentities.airflow.serviceAccount}"`));
        assert.match(text, /KubernetesPodOperator\(/);
        assert.match(text, /namespace=SUBMITTER_NAMESPACE/);
        assert.match(text, /service_account_name=SUBMITTER_SERVICE_ACCOUNT/);
        assert.match(text, /spark\.kubernetes\.authenticate\.driver\.serviceAccountName=\{SERVICE_ACCOUNT\}/);
        assert.match(text, /--master k8s:\/\/https:\/\/kubernetes\.default\.svc:443/);
        assert.match(text, /--deploy-mode cluster/);
        assert.match(text, /local:\/\/\/opt\/spark\/examples\/src\/main\/python\/pi\.py/);
        assert.ok(text.includes(`'spark_k8s_spark_image_35', '${sparkRuntime35Default}'`), "default image is not SPARK_RUNTIME_35_TAG");
        assert.ok(text.includes(`spark.kubernetes.driver.node.selector.${nodeRoleLabel}=driver`));
        assert.ok(text.includes(`spark.kubernetes.executor.node.selector.${nodeRoleLabel}=executor`));

        const template = (name: string): Record<string, unknown> => {
            const m = new RegExp(`${name} = """\\\\\\n([\\s\\S]*?)"""`).exec(text);
            assert.ok(m, `no ${name}`);
            return asRecord(parseYaml(m[1]), name);
        };
        const driver = asRecord(template("DRIVER_TEMPLATE").spec, "driver spec");
        const executor = asRecord(template("EXECUTOR_TEMPLATE").spec, "executor spec");
        assert.equal(tolerates(driver.tolerations), false, "the driver must not tolerate the spot executor taint");
        assert.equal(tolerates(executor.tolerations), true, "executors must tolerate the spot executor taint");
        for (const spec of [driver, executor]) {
            assert.equal(asRecord(spec.securityContext, "securityContext").runAsNonRoot, true);
        }
    });

    it("the spark-submit DAG's submitter script is valid bash and survives Airflow's Jinja rendering", () => {
        // Evaluate only the DAG file's top-level constants (no Airflow needed) and print the script.
        const evaluate = [
            "import ast, sys",
            "path = sys.argv[1]",
            "tree = ast.parse(open(path).read())",
            "body = [n for n in tree.body if isinstance(n, (ast.Assign, ast.AnnAssign))]",
            "ns = {}",
            "exec(compile(ast.Module(body=body, type_ignores=[]), path, 'exec'), ns)",
            "sys.stdout.write(ns['SUBMIT_SCRIPT'])",
        ].join("\n");
        const script = spawnSync("python3", ["-c", evaluate, path.join(dagsDir, "spark_submit_k8s_example.py")], { encoding: "utf8", timeout: 30_000 });
        assert.equal(script.status, 0, script.stderr);
        assert.match(script.stdout, /^exec \/opt\/spark\/bin\/spark-submit \\$/m);
        assert.doesNotMatch(script.stdout, /\{\{|\{%|\{#/, "arguments are Jinja-templated: the script must not contain Jinja markers");
        const syntax = spawnSync("bash", ["-n"], { input: script.stdout, encoding: "utf8", timeout: 30_000 });
        assert.equal(syntax.status, 0, syntax.stderr);
    });

    it("the operator DAG submits manifests/spark-pi.yaml to spark-jobs", () => {
        const text = dag("spark_operator_example.py");
        assert.match(text, /SparkKubernetesOperator\(/);
        assert.ok(text.includes(`NAMESPACE = "${namespaces.jobs}"`));
        assert.match(text, /MANIFEST = "manifests\/spark-pi\.yaml"/);
        assert.ok(fs.existsSync(path.join(dagsDir, "manifests", "spark-pi.yaml")));
    });
});

function asRecord(value: unknown, what: string): Record<string, unknown> {
    assert.ok(value !== null && typeof value === "object" && !Array.isArray(value), `${what} is not a mapping`);
    return value as Record<string, unknown>;
}

/** Whether a tolerations list tolerates the spot executor node group's taint. */
function tolerates(tolerations: unknown): boolean {
    if (tolerations === undefined) return false;
    assert.ok(Array.isArray(tolerations), "tolerations is not a list");
    return tolerations.some((t) => {
        const r = asRecord(t, "toleration");
        return r.key === executorTaint.key && r.effect === executorTaint.effect && (r.operator === "Exists" || (r.operator === "Equal" && r.value === executorTaint.value));
    });
}

describe("SparkApplication manifest (dags/manifests/spark-pi.yaml)", () => {
    const manifest = asRecord(parseYaml(read("dags", "manifests", "spark-pi.yaml")), "manifest");
    const spec = asRecord(manifest.spec, "spec");
    const driver = asRecord(spec.driver, "driver");
    const executor = asRecord(spec.executor, "executor");

    it("is a sparkoperator.k8s.io/v1beta2 SparkApplication in spark-jobs", () => {
        assert.equal(manifest.apiVersion, "sparkoperator.k8s.io/v1beta2");
        assert.equal(manifest.kind, "SparkApplication");
        assert.equal(asRecord(manifest.metadata, "metadata").namespace, namespaces.jobs);
        assert.equal(spec.mode, "cluster");
        assert.equal(spec.sparkVersion, v("SPARK35_VERSION"));
        assert.equal(spec.mainApplicationFile, "local:///opt/spark/examples/src/main/python/pi.py");
    });

    it("runs the platform spark-runtime 3.5 image (pinned default)", () => {
        const image = String(spec.image);
        const fallback = /var\.value\.get\('spark_k8s_spark_image_35', '([^']+)'\)/.exec(image);
        assert.ok(fallback, `image "${image}" is not the templated Variable with a default`);
        assert.equal(fallback[1], sparkRuntime35Default);
        assert.equal(imagePinProblem(fallback[1]), undefined);
    });

    it("sizes driver and executors and runs both as the spark service account", () => {
        for (const [role, pod] of [["driver", driver], ["executor", executor]] as const) {
            assert.ok(Number(pod.cores) >= 1, `${role} cores`);
            assert.match(String(pod.coreLimit), /^\d+(m)?$/, `${role} coreLimit`);
            assert.match(String(pod.memory), /^\d+[mg]$/, `${role} memory`);
            assert.equal(pod.serviceAccount, serviceIdentities.sparkJobs.serviceAccount, `${role} serviceAccount`);
        }
        assert.ok(Number(executor.instances) >= 1);
    });

    it("tolerates the spot executor taint on executors only and selects each node group", () => {
        assert.equal(tolerates(executor.tolerations), true, "executors must tolerate the spot taint");
        assert.equal(tolerates(driver.tolerations), false, "the driver must not tolerate the spot taint");
        assert.equal(tolerates(spec.tolerations), false, "no application-wide toleration");
        assert.deepEqual(asRecord(driver.nodeSelector, "driver nodeSelector"), { [nodeRoleLabel]: "driver" });
        assert.deepEqual(asRecord(executor.nodeSelector, "executor nodeSelector"), { [nodeRoleLabel]: "executor" });
    });

    it("hardens both pods: non-root, no privilege escalation, no capabilities, RuntimeDefault seccomp", () => {
        for (const [role, pod] of [["driver", driver], ["executor", executor]] as const) {
            const podSecurity = asRecord(pod.podSecurityContext, `${role} podSecurityContext`);
            const container = asRecord(pod.securityContext, `${role} securityContext`);
            assert.equal(podSecurity.runAsNonRoot, true, role);
            assert.ok(Number(podSecurity.runAsUser) > 0, role);
            assert.equal(asRecord(podSecurity.seccompProfile, "seccompProfile").type, "RuntimeDefault", role);
            assert.equal(container.allowPrivilegeEscalation, false, role);
            assert.deepEqual(asRecord(container.capabilities, "capabilities").drop, ["ALL"], role);
        }
    });

    it("the tolerance check itself tells a toleration from its absence", () => {
        assert.equal(tolerates([{ key: executorTaint.key, operator: "Equal", value: "true", effect: "NoSchedule" }]), true);
        assert.equal(tolerates([{ key: executorTaint.key, operator: "Exists", effect: "NoSchedule" }]), true);
        assert.equal(tolerates([{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }]), false);
        assert.equal(tolerates(undefined), false);
    });
});
