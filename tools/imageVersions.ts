/**
 * images/versions.env and the versions the Dockerfiles pin, read the one way the tools, the unit
 * tests and the integration suite all use: versions.env parsed as bash would (KEY=value lines,
 * ${KEY} of earlier keys expanded), and the Spark Connect clients the jupyter-spark and airflow
 * Dockerfiles install, with their versions.env values substituted.
 */
import * as fs from "fs";
import * as path from "path";
import { lineSuffix, SparkVersion, sparkVersions } from "../components/config/schema";

const repoRoot = path.resolve(__dirname, "..");
/** The images directory: versions.env, build.sh and one folder per image. */
export const imagesDir = path.join(repoRoot, "images");
/** The file every image version lives in. */
export const versionsEnvFile = path.join(imagesDir, "versions.env");

/** ${NAME} and $NAME from vars; an unknown name is an error (strict) or left as a marker. */
export function substitute(text: string, vars: ReadonlyMap<string, string | undefined>, where: string, strict = true): string {
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

/** Parses the KEY=value lines of versions.env (bash syntax), expanding ${KEY} of earlier keys; anything else is an error. */
export function parseVersionsEnv(text: string, where = "versions.env"): Map<string, string> {
    const vars = new Map<string, string>();
    text.split(/\r?\n/).forEach((raw, i) => {
        const line = raw.trim();
        if (line === "" || line.startsWith("#")) return;
        const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
        if (!m) throw new Error(`${where} line ${i + 1}: expected KEY=value, got "${line}"`);
        let value = m[2];
        const quoted = /^"(.*)"$/.exec(value) ?? /^'(.*)'$/.exec(value);
        if (quoted) value = quoted[1];
        else if (/\s/.test(value)) throw new Error(`${where} line ${i + 1}: unquoted value with spaces`);
        vars.set(m[1], substitute(value, vars, `${where} line ${i + 1}`));
    });
    return vars;
}

/** images/versions.env as KEY → value, read afresh. */
export function readVersionsEnv(file: string = versionsEnvFile): Map<string, string> {
    return parseVersionsEnv(fs.readFileSync(file, "utf8"), "images/versions.env");
}

/** A value that must exist; the error names the missing key. */
export function requiredVersion(versions: ReadonlyMap<string, string>, key: string): string {
    const value = versions.get(key);
    if (value === undefined) throw new Error(`images/versions.env has no ${key}`);
    return value;
}

/** A line's SPARK<NN>_<key> value, e.g. lineVersion(v, "4.1", "HADOOP_VERSION") reads SPARK41_HADOOP_VERSION. */
export function lineVersion(versions: ReadonlyMap<string, string>, line: SparkVersion, key: string): string {
    return requiredVersion(versions, `SPARK${lineSuffix(line)}_${key}`);
}

/**
 * The client requirement images/jupyter-spark/Dockerfile installs for a line (its
 * `<line>) client="<requirement>"` case), versions.env values substituted.
 */
export function jupyterClientRequirement(dockerfile: string, line: SparkVersion, versions: ReadonlyMap<string, string>): string {
    const m = new RegExp(`^\\s*${line.replace(".", "\\.")}\\)\\s*client="([^"]+)"`, "m").exec(dockerfile);
    if (!m) throw new Error(`images/jupyter-spark/Dockerfile installs no client for Spark ${line}`);
    return substitute(m[1], versions, "images/jupyter-spark/Dockerfile");
}

/** The Spark Connect client of the Airflow image: the pip requirement and the Spark line and versions.env key it follows. */
export interface AirflowConnectClient {
    /** The requirement without its version, e.g. pyspark[connect]. */
    readonly requirement: string;
    readonly line: SparkVersion;
    /** The versions.env key of its version, SPARK<NN>_VERSION. */
    readonly versionKey: string;
    readonly version: string;
}

/** The `"pyspark[...]==${SPARK<NN>_VERSION}"` images/airflow/Dockerfile installs, comments skipped. */
export function airflowConnectClient(dockerfile: string, versions: ReadonlyMap<string, string>): AirflowConnectClient {
    const text = dockerfile.split(/\r?\n/).filter((l) => !l.trim().startsWith("#")).join("\n");
    const client = /"(pyspark\[[a-z,]+\])==\$\{(SPARK(\d)(\d+)_VERSION)\}"/.exec(text);
    if (!client) throw new Error("images/airflow/Dockerfile: no pyspark[...]==${SPARK<NN>_VERSION} client found");
    const line = `${client[3]}.${client[4]}`;
    if (!(sparkVersions as readonly string[]).includes(line)) throw new Error(`images/airflow/Dockerfile: its client's Spark line ${line} is not one of ${sparkVersions.join(", ")}`);
    return { requirement: client[1], line: line as SparkVersion, versionKey: client[2], version: requiredVersion(versions, client[2]) };
}
