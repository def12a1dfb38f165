/**
 * The platform images (images/) as the tests read them, without a Docker engine: images/versions.env
 * parsed as bash would, and Dockerfiles parsed (not built) and checked against the image rules
 * (pinned FROMs, a numeric non-root final USER, pinned and verified jars).
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { jupyterImageKey, lineSuffix, sparkImageKey, SparkVersion, sparkVersions } from "../../components/config/schema";
import { parsePinnedImage } from "../../components/config/imageRef";
import { repoRoot } from "../../tools/harness";
import { parseVersionsEnv, substitute } from "../../tools/imageVersions";

export const imagesDir = path.join(repoRoot, "images");
/** A file of the repository, by path segments from its root. */
export const read = (...p: string[]): string => fs.readFileSync(path.join(repoRoot, ...p), "utf8");

// ---------------------------------------------------------------------------------------------
// versions.env
// ---------------------------------------------------------------------------------------------

export { substitute };

export const versions = parseVersionsEnv(read("images", "versions.env"));
export const v = (key: string): string => {
    const value = versions.get(key);
    assert.ok(value !== undefined, `versions.env has no ${key}`);
    return value;
};
export const sparkLines = (): string[] => v("SPARK_LINES").split(/\s+/);
/** A line's SPARK<NN>_<key> value from versions.env. */
export const lineValue = (line: SparkVersion, key: string): string => v(`SPARK${lineSuffix(line)}_${key}`);
/** Scala of a line's official image and jars: 2.12 for Spark 3, 2.13 for Spark 4. */
export const scalaOf = (line: SparkVersion): string => (line.startsWith("3.") ? "2.12" : "2.13");

/** The images build.sh produces, in its order: image name, the versions.env tag key, the spark.images key. */
export const platformImages: readonly { name: string; tagKey: string; configKey: string }[] = [
    ...sparkVersions.map((line) => ({ name: "spark-runtime", tagKey: `SPARK_RUNTIME_${lineSuffix(line)}_TAG`, configKey: sparkImageKey(line) })),
    { name: "spark-rapids", tagKey: "SPARK_RAPIDS_TAG", configKey: "sparkRapids" },
    { name: "hive-metastore", tagKey: "HIVE_METASTORE_TAG", configKey: "hiveMetastore" },
    ...sparkVersions.map((line) => ({ name: "jupyter-spark", tagKey: `JUPYTER_SPARK_${lineSuffix(line)}_TAG`, configKey: jupyterImageKey(line) })),
    { name: "airflow", tagKey: "AIRFLOW_TAG", configKey: "airflow" },
];

// ---------------------------------------------------------------------------------------------
// Dockerfile parsing and rules
// ---------------------------------------------------------------------------------------------

export interface Instruction {
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

export interface Stage {
    /** The FROM reference with variables resolved. */
    readonly from: string;
    readonly name?: string;
    readonly instructions: Instruction[];
    /** ARGs visible in the stage, with their resolved values. */
    readonly args: Map<string, string | undefined>;
    readonly line: number;
}

export interface ParsedDockerfile {
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
export function resolveDockerfile(text: string, overrides: Record<string, string> = {}): ParsedDockerfile {
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
export function imagePinProblem(ref: string): string | undefined {
    if (/<unresolved|\$/.test(ref)) return `"${ref}" has an unresolved variable`;
    const image = parsePinnedImage(ref);
    if (!image) return `"${ref}" is not pinned: no tag, a latest tag or a malformed digest`;
    // Stricter than the platform's rule for what Dockerfiles build from: an exact version (x.y.z)
    // or a dated build tag; floating tags such as 3.5, python3 or stable fail.
    if (image.tag !== undefined && !/\d+\.\d+\.\d+|\d{4}-\d{2}-\d{2}/.test(image.tag)) return `"${ref}" tag "${image.tag}" is not an exact version`;
    return undefined;
}

const unpinnedVersion = /SNAPSHOT|latest|RELEASE|[[\]()+,]|<unresolved|\$/i;
const exactVersion = /^\d+(\.\d+)+([.-][0-9A-Za-z]+)*$/;

/** Violations of the image rules in one resolved Dockerfile. */
export function dockerfileProblems(text: string, overrides: Record<string, string> = {}): string[] {
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
