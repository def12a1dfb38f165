/**
 * The Hive Metastore of the integration suite, for real: Apache's standalone metastore binary
 * distribution at HIVE_VERSION (Maven Central, org.apache.hive:hive-standalone-metastore for 3.x,
 * hive-standalone-metastore-server from 4.0; classifier bin, type tar.gz: its lib/, bin/ launchers and the schema SQL scripts), changed the
 * way images/hive-metastore/Dockerfile changes the image's /opt/hive/lib, on Hadoop
 * HIVE_HADOOP_VERSION jars, on real PostgreSQL. The program's schema Job script and server command
 * run with the program's metastore-site.xml and a short, pinned list of overrides
 * (`metastoreOverrides`).
 *
 * Differences from the image, all forced by what Maven Central has: the image is the full Hive
 * distribution (apache/hive), whose `schematool` is Hive's HiveSchemaTool (hive-beeline) and whose
 * `hive --service metastore` runs HiveMetaStore from /opt/hive/lib; here `schematool` is the
 * standalone distribution's (MetastoreSchemaTool, same tasks, same SQL scripts) and the server is
 * the same HiveMetaStore class started by the standalone launcher, with the full distribution's
 * hive-exec jar added where the server needs it (`hiveArtefacts`). `$HADOOP_HOME/bin/hadoop` is a
 * small stand-in (`hadoop jar` runs RunJar with Hadoop's jars and HADOOP_CLASSPATH first), since
 * no Hadoop binary distribution is on Maven Central. The JVM is Java 17 (the image runs Java 8,
 * which Debian 12 does not package).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { metastorePodIdentityCredentialsProvider } from "../../components/services/metastore";
import { RecordedResource, StackRun } from "../../tools/harness";
import { readVersionsEnv, substitute } from "../../tools/imageVersions";
import { resourcesOfType } from "./artefacts";
import { cachedDirectory, cacheRoot, digestOf, run } from "./cache";
import { ensureJars, mavenRepository } from "./maven";
import { databaseInitPlan, jobContainer, Login, planDatabaseServer, Postgres, programPostgresVersion, runDatabaseInit, startPostgres } from "./postgres";
import { freePort, logDir, Server, startServer } from "./processes";
import { LocalS3, localS3Credentials } from "./s3";

const repoRoot = path.resolve(__dirname, "..", "..");

/** The JDK the suite runs Hive on. */
export const hiveJavaHome = "/usr/lib/jvm/java-17-openjdk-amd64";

/** images/versions.env, KEY → value with ${KEY} of earlier keys expanded. */
export function versionsEnv(): Map<string, string> {
    return readVersionsEnv();
}

/** What images/hive-metastore/Dockerfile builds, read from it and images/versions.env. */
export interface HiveImage {
    readonly hiveVersion: string;
    readonly hadoopVersion: string;
    /** Maven coordinates the Dockerfile copies into /opt/hive/lib (its `maven-fetch` list). */
    readonly addedJars: string[];
    /** File globs it removes from /opt/hive/lib first (`rm -f /opt/hive/lib/<glob>`). */
    readonly removedFromLib: string[];
}

export function hiveImage(): HiveImage {
    const file = path.join(repoRoot, "images", "hive-metastore", "Dockerfile");
    const versions = versionsEnv();
    const lines = fs.readFileSync(file, "utf8").replace(/\\\r?\n/g, " ").split(/\r?\n/).map((l) => l.trim());
    const fetch = lines.filter((l) => /^RUN\s+maven-fetch\s/.test(l));
    if (fetch.length !== 1) throw new Error(`images/hive-metastore/Dockerfile: expected one RUN maven-fetch, found ${fetch.length}`);
    const [, , dest, ...coordinates] = fetch[0].split(/\s+/);
    if (dest !== "/jars" || !lines.some((l) => /^COPY\s+--from=jars\s+\/jars\/\s+\/opt\/hive\/lib\/$/.test(l))) throw new Error("images/hive-metastore/Dockerfile: expected maven-fetch /jars ... and COPY --from=jars /jars/ /opt/hive/lib/");
    const removedFromLib = [...lines.join("\n").matchAll(/rm -f \/opt\/hive\/lib\/(\S+)/g)].map((m) => m[1]);
    const get = (key: string): string => {
        const v = versions.get(key);
        if (!v) throw new Error(`images/versions.env has no ${key}`);
        return v;
    };
    return {
        hiveVersion: get("HIVE_VERSION"),
        hadoopVersion: get("HIVE_HADOOP_VERSION"),
        addedJars: coordinates.map((c) => substitute(c, versions, "images/hive-metastore/Dockerfile")),
        removedFromLib,
    };
}

/** An installed metastore: METASTORE_HOME (the distribution with the image's lib changes) and a HADOOP_HOME. */
export interface HiveInstall {
    readonly image: HiveImage;
    readonly home: string;
    readonly hadoopHome: string;
    /** Where the schema SQL scripts come from: scripts/metastore/upgrade/postgres in the distribution. */
    readonly postgresScripts: string;
}

const globToRegExp = (glob: string): RegExp => new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);

/**
 * What Maven Central has of a Hive release's metastore: the standalone binary distribution (its
 * artifact was renamed in Hive 4), and the jars of the full distribution (the image's
 * /opt/hive/lib) that the standalone one lacks and the server needs. Before Hive 4 the metastore's
 * default partition-expression proxy (metastore.expression.proxy, PartitionExpressionForMetastore)
 * lives in hive-exec, which the full distribution ships as this same jar.
 */
function hiveArtefacts(hiveVersion: string): { distribution: string; fullDistributionJars: string[] } {
    const hive4 = Number(hiveVersion.split(".")[0]) >= 4;
    return {
        distribution: `org.apache.hive:${hive4 ? "hive-standalone-metastore-server" : "hive-standalone-metastore"}:${hiveVersion}:tar.gz:bin`,
        fullDistributionJars: hive4 ? [] : [`org.apache.hive:hive-exec:${hiveVersion}`],
    };
}

/** Installs (once, cached) the standalone metastore distribution as the image has it, and a HADOOP_HOME. */
export function ensureHive(): HiveInstall {
    const image = hiveImage();
    const hadoopJars = ensureJars({
        name: `hadoop-${image.hadoopVersion}-for-hive`,
        artifacts: ["common", "hdfs", "hdfs-client", "mapreduce-client-core"].map((a) => `org.apache.hadoop:hadoop-${a}:${image.hadoopVersion}`),
    });
    const addedJars = ensureJars({ name: `hive-${image.hiveVersion}-image-jars`, artifacts: image.addedJars, transitive: false });
    const artefacts = hiveArtefacts(image.hiveVersion);
    const fullDistribution = ensureJars({ name: `hive-${image.hiveVersion}-full-distribution-jars`, artifacts: artefacts.fullDistributionJars, transitive: false });
    const dir = path.join(cacheRoot, "hive-metastore", `${image.hiveVersion}-${digestOf([...image.addedJars, ...image.removedFromLib, ...hadoopJars, ...fullDistribution, "4"])}`);
    cachedDirectory(dir, (target) => {
        const dist = artefacts.distribution;
        run("mvn", ["-B", "-q", `-Dmaven.repo.local=${mavenRepository}`, "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy", `-Dartifact=${dist}`, `-DoutputDirectory=${target}`],
            { what: `downloading ${dist}`, timeout: 20 * 60 * 1000, cwd: target });
        const tarball = fs.readdirSync(target).find((f) => f.endsWith(".tar.gz"));
        if (!tarball) throw new Error(`${dist}: no tarball downloaded`);
        run("tar", ["xzf", path.join(target, tarball), "-C", target]);
        fs.rmSync(path.join(target, tarball));
        const top = fs.readdirSync(target).filter((f) => fs.statSync(path.join(target, f)).isDirectory());
        if (top.length !== 1) throw new Error(`${dist}: expected one top directory, found ${top.join(", ")}`);
        fs.renameSync(path.join(target, top[0]), path.join(target, "home"));
        const lib = path.join(target, "home", "lib");
        for (const glob of image.removedFromLib) for (const f of fs.readdirSync(lib).filter((n) => globToRegExp(glob).test(n))) fs.rmSync(path.join(lib, f));
        for (const jar of [...fullDistribution, ...addedJars]) fs.copyFileSync(jar, path.join(lib, path.basename(jar)));
        const hadoopBin = path.join(target, "hadoop", "bin");
        fs.mkdirSync(hadoopBin, { recursive: true });
        fs.writeFileSync(path.join(target, "hadoop", "classpath"), hadoopJars.join(":"));
        fs.writeFileSync(path.join(hadoopBin, "hadoop"), hadoopLauncher, { mode: 0o755 });
    });
    const home = path.join(dir, "home");
    return { image, home, hadoopHome: path.join(dir, "hadoop"), postgresScripts: path.join(home, "scripts", "metastore", "upgrade", "postgres") };
}

/**
 * The HADOOP_HOME stand-in: `hadoop jar JAR CLASS ARGS` as Hadoop 3's launcher does it (RunJar,
 * HADOOP_CLASSPATH before Hadoop's jars when HADOOP_USER_CLASSPATH_FIRST, heap from HADOOP_HEAPSIZE,
 * then HADOOP_OPTS and HADOOP_CLIENT_OPTS), and `hadoop version`.
 */
const hadoopLauncher = `#!/usr/bin/env bash
set -eu
home=$(cd "$(dirname "$0")/.." && pwd)
cp=$(cat "$home/classpath")
if [ "\${HADOOP_USER_CLASSPATH_FIRST:-}" = true ]; then cp="\${HADOOP_CLASSPATH:-}:$cp"; else cp="$cp:\${HADOOP_CLASSPATH:-}"; fi
heap=\${HADOOP_HEAPSIZE:+-Xmx\${HADOOP_HEAPSIZE}m}
case "\${1:-}" in
  version) exec "$JAVA_HOME/bin/java" -cp "$cp" org.apache.hadoop.util.VersionInfo ;;
  jar) shift; exec "$JAVA_HOME/bin/java" $heap -Dhadoop.home.dir="$home" \${HADOOP_OPTS:-} \${HADOOP_CLIENT_OPTS:-} -cp "$cp" org.apache.hadoop.util.RunJar "$@" ;;
  *) echo "hadoop stand-in: only 'jar' and 'version' are supported" >&2; exit 2 ;;
esac
`;

/** A workload (Job or Deployment) of the metastore by its app.kubernetes.io/component label. */
function metastoreWorkload(run: StackRun, type: string, component: string): RecordedResource {
    const found = resourcesOfType(run, type).filter((r) => {
        const labels = (r.inputs.metadata as { labels?: Record<string, string> }).labels ?? {};
        return labels["app.kubernetes.io/name"] === "hive-metastore" && labels["app.kubernetes.io/component"] === component;
    });
    if (found.length !== 1) throw new Error(`${run.stack}: expected one ${type} of hive-metastore/${component}, found ${found.length}`);
    return found[0];
}

/** Hive's directory in the image, which the program's commands and mounts name. */
export const imageHiveHome = "/opt/hive";

/** One property of the site XML the suite changes, and why. */
export interface SiteOverride {
    readonly name: string;
    readonly reason: string;
    value(ctx: { pg: Postgres; s3: LocalS3; thriftPort: number; current?: string }): string | undefined;
}

/**
 * Every change the suite makes to the program's metastore-site.xml, and why; nothing else changes.
 * A value of undefined leaves the property as the program wrote it.
 */
export const metastoreOverrides: readonly SiteOverride[] = [
    {
        name: "javax.jdo.option.ConnectionURL",
        reason: "the database server is a loopback port here, not the cluster Service or RDS; the database name and sslmode stay the program's",
        value: ({ pg, current }) => {
            const m = /^jdbc:postgresql:\/\/[^/]+\/(.*)$/.exec(current ?? "");
            if (!m) throw new Error(`the program's ConnectionURL is not jdbc:postgresql://host:port/...: ${current}`);
            return `jdbc:postgresql://${pg.host}:${pg.port}/${m[1]}`;
        },
    },
    { name: "metastore.thrift.port", reason: "a free loopback port instead of 9083, so several metastores and other helpers can run at once", value: ({ thriftPort }) => String(thriftPort) },
    { name: "fs.s3a.endpoint", reason: "the local S3 server (moto) instead of MinIO or AWS S3", value: ({ s3 }) => s3.endpoint },
    { name: "fs.s3a.path.style.access", reason: "the local server is addressed by IP, so buckets go in the path", value: () => "true" },
];


/**
 * EKS Pod Identity as a pod sees it: the agent's credential endpoint (here a small loopback HTTP
 * server, in its own process, handing out the local S3 server's keys and checking the token the
 * SDK must send) and the environment the EKS webhook injects, AWS_CONTAINER_CREDENTIALS_FULL_URI and
 * AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE. With it the program's own provider chain runs unchanged.
 */
export interface PodIdentityEndpoint {
    readonly env: Record<string, string>;
    /** Requests answered (with the right token) and refused so far. */
    served(): { ok: number; refused: number };
    close(): Promise<void>;
}

const podIdentityAgent = `
import http.server, json, os, sys, datetime
token = open(os.environ["TOKEN_FILE"]).read()
class Agent(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        ok = self.path == "/v1/credentials" and self.headers.get("Authorization") == token
        print("served" if ok else "refused", flush=True)
        if not ok:
            self.send_response(401); self.end_headers(); return
        expires = (datetime.datetime.utcnow() + datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        body = json.dumps({"AccessKeyId": os.environ["KEY_ID"], "SecretAccessKey": os.environ["SECRET"], "Token": "it-session-token", "Expiration": expires}).encode()
        self.send_response(200); self.send_header("Content-Type", "application/json"); self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Agent).serve_forever()
`;

export async function startPodIdentityEndpoint(): Promise<PodIdentityEndpoint> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spark-k8s-it-pod-identity-"));
    const tokenFile = path.join(dir, "eks-pod-identity-token");
    fs.writeFileSync(tokenFile, `it-pod-identity-${Date.now()}`);
    const port = await freePort();
    const server = await startServer({
        name: "pod-identity-agent",
        command: "python3",
        args: ["-c", podIdentityAgent, String(port)],
        env: { TOKEN_FILE: tokenFile, KEY_ID: localS3Credentials.accessKeyId, SECRET: localS3Credentials.secretAccessKey },
        ready: { port },
        timeoutMs: 30000,
    });
    const count = (word: string): number => server.logTail(100000).split("\n").filter((l) => l === word).length;
    return {
        env: { AWS_CONTAINER_CREDENTIALS_FULL_URI: `http://127.0.0.1:${port}/v1/credentials`, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: tokenFile },
        served: () => ({ ok: count("served"), refused: count("refused") }),
        close: async () => {
            await server.stop();
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
}

function xmlEscape(text: string): string {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function xmlUnescape(text: string): string {
    return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, "&");
}

/** The name → value pairs of a Hadoop site XML. */
export function siteProperties(xml: string): Map<string, string> {
    const props = new Map<string, string>();
    for (const m of xml.matchAll(/<property>\s*<name>([^<]*)<\/name>\s*<value>([^<]*)<\/value>\s*<\/property>/g)) props.set(xmlUnescape(m[1]), xmlUnescape(m[2]));
    return props;
}

/** Sets property values in a Hadoop site XML (replacing or appending). */
export function withProperties(xml: string, values: Record<string, string>): string {
    let out = xml;
    for (const [name, value] of Object.entries(values)) {
        const re = new RegExp(`(<property>\\s*<name>${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}</name>\\s*<value>)[^<]*(</value>)`);
        out = re.test(out) ? out.replace(re, (_a, pre: string, post: string) => `${pre}${xmlEscape(value)}${post}`) : out.replace("</configuration>", `  <property>\n    <name>${name}</name>\n    <value>${xmlEscape(value)}</value>\n  </property>\n</configuration>`);
    }
    return out;
}

/** The program's site XML with `metastoreOverrides` applied; returns the XML and the values changed. */
export function overriddenSiteXml(xml: string, ctx: { pg: Postgres; s3: LocalS3; thriftPort: number }): { xml: string; changed: Record<string, string> } {
    const props = siteProperties(xml);
    const changed: Record<string, string> = {};
    for (const o of metastoreOverrides) {
        const value = o.value({ ...ctx, current: props.get(o.name) });
        if (value !== undefined) changed[o.name] = value;
    }
    return { xml: withProperties(xml, changed), changed };
}

/** The warehouse bucket of a plan (metastore.warehouse.dir = s3a://<bucket>/...). */
export function warehouseLocation(xml: string): { uri: string; bucket: string } {
    const uri = siteProperties(xml).get("metastore.warehouse.dir");
    const m = /^s3a:\/\/([^/]+)(\/.*)?$/.exec(uri ?? "");
    if (!uri || !m) throw new Error(`metastore.warehouse.dir is not an s3a:// location: ${uri}`);
    return { uri, bucket: m[1] };
}

/** Replaces the image's paths in a container's command and files with the local installation's. */
function localise(text: string, install: HiveInstall): string {
    return text.split(`${imageHiveHome}/`).join(`${install.home}/`);
}

interface Prepared {
    readonly install: HiveInstall;
    readonly confDir: string;
    readonly env: Record<string, string>;
    readonly xml: string;
    readonly changed: Record<string, string>;
}

/**
 * A container of the metastore (schema Job or server) made runnable here: its ConfigMap files
 * written to a conf directory with the overrides applied, its environment resolved, with only:
 * METASTORE_CONF_DIR for the image's HIVE_CONF_DIR (the standalone launcher's name for it),
 * JAVA_HOME/HADOOP_HOME for the local installation, the local S3 keys for the MinIO keys, and the
 * Pod Identity environment where the program relies on it.
 */
function prepareContainer(run: StackRun, workload: RecordedResource, ctx: { pg: Postgres; s3: LocalS3; thriftPort: number; podIdentity?: PodIdentityEndpoint }, install: HiveInstall): Prepared & { command: string[] } {
    const { command, env, files } = jobContainer(run, workload);
    const confDir = fs.mkdtempSync(path.join(os.tmpdir(), "spark-k8s-it-hive-conf-"));
    const site = files[`${imageHiveHome}/conf/metastore-site.xml`];
    if (!site) throw new Error(`${run.stack}: ${workload.name} does not mount metastore-site.xml into ${imageHiveHome}/conf`);
    const { xml, changed } = overriddenSiteXml(site, ctx);
    for (const [mountPath, content] of Object.entries(files)) {
        if (path.posix.dirname(mountPath) !== `${imageHiveHome}/conf`) throw new Error(`${run.stack}: ${workload.name} mounts ${mountPath}, which the suite does not place`);
        const name = path.posix.basename(mountPath);
        fs.writeFileSync(path.join(confDir, name), name.endsWith("-site.xml") ? overriddenSiteXml(content, ctx).xml : content);
    }
    fs.copyFileSync(path.join(install.home, "conf", "metastore-log4j2.properties"), path.join(confDir, "metastore-log4j2.properties"));
    const local: Record<string, string> = {
        ...env, JAVA_HOME: hiveJavaHome, HADOOP_HOME: install.hadoopHome, METASTORE_HOME: install.home, METASTORE_CONF_DIR: confDir,
        // Logs to the console (the process log) instead of $TMPDIR/$USER/metastore.log.
        HADOOP_OPTS: "-Dmetastore.root.logger=console",
    };
    if (env.HIVE_CONF_DIR !== undefined) local.HIVE_CONF_DIR = confDir;
    if (env.AWS_ACCESS_KEY_ID !== undefined) {
        local.AWS_ACCESS_KEY_ID = localS3Credentials.accessKeyId;
        local.AWS_SECRET_ACCESS_KEY = localS3Credentials.secretAccessKey;
    }
    Object.assign(local, ctx.podIdentity?.env ?? {});
    if (env.METASTORE_PORT !== undefined) local.METASTORE_PORT = String(ctx.thriftPort);
    return { install, confDir, env: local, xml, changed, command: command.map((c) => localise(c, install)) };
}

/** Output and exit of one schematool script run. */
export interface SchemaRun {
    readonly exitCode: number;
    readonly output: string;
}

/**
 * Runs the program's schema Job script (metastoreSchemaScript) with the local schematool, in the
 * Job's environment and configuration; or, with `schematoolArgs`, schematool itself with those
 * arguments in that same setting (for tests that prepare a database state first).
 */
export function runSchemaJob(run: StackRun, ctx: { pg: Postgres; s3: LocalS3 }, install = ensureHive(), schematoolArgs?: string[]): SchemaRun {
    const job = metastoreWorkload(run, "kubernetes:batch/v1:Job", "metastore-schema");
    const prepared = prepareContainer(run, job, { ...ctx, thriftPort: 9083 }, install);
    const [sh, flag, jobScript] = prepared.command;
    if (sh !== "sh" || flag !== "-c" || jobScript === undefined) throw new Error(`${run.stack}: the schema Job's command is not sh -c <script>`);
    const script = schematoolArgs ? [path.join(install.home, "bin", "schematool"), ...schematoolArgs].join(" ") : jobScript;
    const log = path.join(logDir, `schematool-${run.stack}-${Date.now()}.log`);
    try {
        const output = runScript(script, prepared.env);
        fs.writeFileSync(log, output);
        return { exitCode: 0, output };
    } catch (err) {
        const e = err as { output: string; exitCode: number };
        fs.writeFileSync(log, e.output);
        return { exitCode: e.exitCode, output: e.output };
    } finally {
        fs.rmSync(prepared.confDir, { recursive: true, force: true });
    }
}

function runScript(script: string, env: Record<string, string>): string {
    const r = spawnSync("sh", ["-c", `exec 2>&1\n${script}`], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: os.tmpdir(), ...env }, timeout: 10 * 60 * 1000, maxBuffer: 64 * 1024 * 1024 });
    const output = r.stdout?.toString() ?? "";
    if (r.status !== 0) throw Object.assign(new Error("script failed"), { output: `${output}${r.error ? `\n${r.error.message}` : ""}`, exitCode: r.status ?? -1 });
    return output;
}

export interface Metastore {
    /** thrift://127.0.0.1:<port> */
    readonly thriftUri: string;
    readonly port: number;
    /** The program's warehouse (metastore.warehouse.dir) and its bucket, created in the local S3 server. */
    readonly warehouse: { uri: string; bucket: string };
    /** The site XML the server runs with (the program's, overrides applied) and what was changed. */
    readonly siteXml: string;
    readonly overridden: Record<string, string>;
    /** The Pod Identity endpoint, on stacks whose metastore gets S3 credentials from EKS Pod Identity. */
    readonly podIdentity?: PodIdentityEndpoint;
    readonly postgres: Postgres;
    readonly server: Server;
    /**
     * Output of the database-init script, and of the schema script when it ran here (undefined when
     * the database came from the cached result of the same scripts, see `startMetastore`).
     */
    readonly setup: { databaseInit: string; schema?: SchemaRun };
    stop(): Promise<void>;
}

export interface MetastoreOptions {
    /** The stack whose metastore this is. */
    readonly run: StackRun;
    /**
     * A running PostgreSQL, which gets the init and schema scripts. Default: the program's own
     * PostgreSQL release, TLS-only where the plan's RDS forces TLS, stopped with the metastore.
     */
    readonly postgres?: Postgres;
    readonly s3: LocalS3;
}

/**
 * A PostgreSQL for the stack with the program's database-init and schema scripts already applied:
 * the first time, a fresh server runs both and its data directory is kept in the cache (keyed by
 * everything the scripts and the server depend on); later, servers start from a copy of it. The
 * metastore tests prove a second schema run is a no-op, so a restored database is what the scripts
 * would leave.
 */
async function preparedPostgres(run: StackRun, s3: LocalS3, install: HiveInstall): Promise<{ pg: Postgres; schema?: SchemaRun }> {
    const version = programPostgresVersion();
    const { tlsOnly } = planDatabaseServer(run);
    const init = databaseInitPlan(run);
    const schemaJob = jobContainer(run, metastoreWorkload(run, "kubernetes:batch/v1:Job", "metastore-schema"));
    const key = digestOf([version, String(tlsOnly), install.home, JSON.stringify([init.command, init.env, init.files]), JSON.stringify(schemaJob), "1"]);
    const dir = path.join(cacheRoot, "metastore-db", `${run.stack}-${key}`);
    const marker = path.join(dir, ".spark-k8s-complete");
    let schema: SchemaRun | undefined;
    if (!fs.existsSync(marker)) {
        const fresh = await startPostgres({ version, tlsOnly });
        const staging = `${dir}.${process.pid}`;
        try {
            runDatabaseInit(run, fresh);
            schema = runSchemaJob(run, { pg: fresh, s3 }, install);
            if (schema.exitCode !== 0) throw new Error(`${run.stack}: the schema Job script failed (exit ${schema.exitCode}):\n${schema.output.split("\n").slice(-40).join("\n")}`);
            fs.rmSync(staging, { recursive: true, force: true });
            fs.mkdirSync(staging, { recursive: true });
            fs.writeFileSync(path.join(staging, "superuser.json"), JSON.stringify(fresh.superuser));
            await fresh.stop(path.join(staging, "data"));
            fs.writeFileSync(path.join(staging, ".spark-k8s-complete"), new Date().toISOString());
            try {
                fs.renameSync(staging, dir);
            } catch {
                fs.rmSync(staging, { recursive: true, force: true });
            }
        } finally {
            await fresh.stop();
        }
    }
    const superuser = JSON.parse(fs.readFileSync(path.join(dir, "superuser.json"), "utf8")) as Login;
    const pg = await startPostgres({ version, tlsOnly, superuser, fromDataDirectory: path.join(dir, "data") });
    return { pg, schema };
}

/**
 * Only the server of the stack's metastore (the Deployment's command, site XML with overrides), on
 * a free port, against a database that is already set up (or deliberately not, for tests).
 */
export async function startMetastoreServer(run: StackRun, ctx: { pg: Postgres; s3: LocalS3 }, install = ensureHive()): Promise<Omit<Metastore, "postgres" | "setup">> {
    const deployment = metastoreWorkload(run, "kubernetes:apps/v1:Deployment", "metastore");
    const thriftPort = await freePort();
    const provider = siteProperties(jobContainer(run, deployment).files[`${imageHiveHome}/conf/metastore-site.xml`] ?? "").get("fs.s3a.aws.credentials.provider");
    const podIdentity = provider === metastorePodIdentityCredentialsProvider ? await startPodIdentityEndpoint() : undefined;
    const prepared = prepareContainer(run, deployment, { ...ctx, thriftPort, podIdentity }, install);
    const warehouse = warehouseLocation(prepared.xml);
    if (!ctx.s3.listBuckets().includes(warehouse.bucket)) ctx.s3.createBucket(warehouse.bucket);
    const [launcher, ...args] = prepared.command;
    if (launcher !== `${install.home}/bin/hive`) throw new Error(`${run.stack}: the metastore command does not start ${imageHiveHome}/bin/hive: ${prepared.command.join(" ")}`);
    try {
        const server = await startServer({
            name: `hive-metastore-${run.stack}`,
            // The full distribution's `hive` launcher maps to the standalone one (bin/base); it has no
            // HBase classpath step, so --skiphbasecp, which only the full launcher knows, is dropped.
            command: path.join(install.home, "bin", "base"),
            args: args.filter((a) => a !== "--skiphbasecp"),
            env: prepared.env,
            cwd: prepared.confDir,
            ready: { port: thriftPort },
            timeoutMs: 300000,
        });
        return {
            thriftUri: `thrift://127.0.0.1:${thriftPort}`,
            port: thriftPort,
            warehouse,
            siteXml: prepared.xml,
            overridden: prepared.changed,
            podIdentity,
            server,
            stop: async () => {
                await server.stop();
                await podIdentity?.close();
                fs.rmSync(prepared.confDir, { recursive: true, force: true });
            },
        };
    } catch (err) {
        await podIdentity?.close();
        fs.rmSync(prepared.confDir, { recursive: true, force: true });
        throw err;
    }
}

/**
 * Starts the stack's Hive Metastore: the program's database-init script and schema script against
 * PostgreSQL, then the server with the program's command and site XML (overrides applied), on a
 * free loopback port. The warehouse bucket is created in the local S3 server, as the program's
 * bucket resources would create it.
 */
export async function startMetastore(options: MetastoreOptions): Promise<Metastore> {
    const { run, s3 } = options;
    const install = ensureHive();
    let pg: Postgres;
    let schema: SchemaRun | undefined;
    if (options.postgres) {
        pg = options.postgres;
    } else {
        ({ pg, schema } = await preparedPostgres(run, s3, install));
    }
    try {
        const databaseInit = runDatabaseInit(run, pg).output;
        if (options.postgres) {
            schema = runSchemaJob(run, { pg, s3 }, install);
            if (schema.exitCode !== 0) throw new Error(`${run.stack}: the schema Job script failed (exit ${schema.exitCode}):\n${schema.output.split("\n").slice(-40).join("\n")}`);
        }

        const started = await startMetastoreServer(run, { pg, s3 }, install);
        return {
            ...started,
            postgres: pg,
            setup: { databaseInit, schema },
            stop: async () => {
                await started.stop();
                if (!options.postgres) await pg.stop();
            },
        };
    } catch (err) {
        if (!options.postgres) await pg.stop();
        throw err;
    }
}
