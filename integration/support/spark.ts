/**
 * The Spark engine of the integration suite: each supported line as the images run it (pyspark's
 * distribution of that exact version plus the jars images/spark-runtime/Dockerfile adds), started
 * with the spark-defaults.conf the program generates and a short list of single-machine overrides.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { serviceEndpoints } from "../../components/config/names";
import { parseQuantity } from "../../components/kubernetes/quantity";
import { lineSuffix, SparkVersion } from "../../components/config/schema";
import { parseSparkDefaults } from "../../components/spark/sparkDefaults";
import { RecordedResource, StackRun } from "../../tools/harness";
import { jupyterClientRequirement, substitute } from "../../tools/imageVersions";
import { configMapData, resourcesOfType } from "./artefacts";
import { cachedDirectory, cacheRoot, digestOf } from "./cache";
import { ensureJars } from "./maven";
import { freePort, Server, startServer } from "./processes";
import { ensureVenv, Venv } from "./python";
import { PodIdentityEndpoint, versionsEnv } from "./metastore";
import { LocalS3 } from "./s3";

const repoRoot = path.resolve(__dirname, "..", "..");
const imagesDir = path.join(repoRoot, "images");

/** The JDK the images run Spark on (the official apache/spark images are java17). */
export const javaHome = "/usr/lib/jvm/java-17-openjdk-amd64";

/** images/versions.env as KEY → value (the suite's one parser, metastore.ts versionsEnv). */
export const imageVersions = versionsEnv;

/** A versions.env value that must exist. */
export function imageVersion(key: string, versions = versionsEnv()): string {
    const value = versions.get(key);
    if (value === undefined) throw new Error(`images/versions.env has no ${key}`);
    return value;
}

/** The exact Spark release of a line (SPARK<NN>_VERSION). */
export const sparkRelease = (line: SparkVersion): string => imageVersion(`SPARK${lineSuffix(line)}_VERSION`);

/** The logical lines of a Dockerfile stage (`FROM ... AS <stage>` up to the next FROM), continuations joined. */
function dockerfileStage(file: string, stage: string): string[] {
    const lines = fs.readFileSync(file, "utf8").replace(/\\\r?\n/g, " ").split(/\r?\n/);
    const start = lines.findIndex((l) => new RegExp(`^FROM\\s+\\S+\\s+AS\\s+${stage.replace(/\./g, "\\.")}\\s*$`, "i").test(l.trim()));
    if (start < 0) throw new Error(`${path.relative(repoRoot, file)} has no stage ${stage}`);
    const end = lines.findIndex((l, i) => i > start && /^FROM\s/i.test(l.trim()));
    return lines.slice(start + 1, end < 0 ? undefined : end).map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#"));
}

/**
 * The Maven coordinates the spark-runtime image adds to /opt/spark/jars for a line: the
 * `maven-fetch /jars ...` of its `jars-<line>` stage, ARGs substituted from images/versions.env.
 */
export function imageJarCoordinates(line: SparkVersion): string[] {
    const file = path.join(imagesDir, "spark-runtime", "Dockerfile");
    const fetches = dockerfileStage(file, `jars-${line}`).filter((l) => /^RUN\s+maven-fetch\s/.test(l));
    if (fetches.length !== 1) throw new Error(`images/spark-runtime/Dockerfile stage jars-${line}: expected one RUN maven-fetch, found ${fetches.length}`);
    const [, , dest, ...coordinates] = fetches[0].split(/\s+/);
    if (dest !== "/jars" || coordinates.length === 0) throw new Error(`images/spark-runtime/Dockerfile stage jars-${line}: unexpected "${fetches[0]}"`);
    const versions = versionsEnv();
    return coordinates.map((c) => substitute(c, versions, `images/spark-runtime/Dockerfile stage jars-${line}`));
}

/** A jar the image adds: the coordinate it names, and the one the suite uses. */
export interface ImageJar {
    /** What images/spark-runtime/Dockerfile fetches. */
    readonly requested: string;
    /** requested, or (when the Maven repository lacks it) the nearest older release: see imageJars. */
    readonly used: string;
}

const mavenUrl = (coordinate: string, file: "jar" | "metadata"): string => {
    const [group, artifact, version, classifier] = coordinate.split(":");
    const base = `${imageVersion("MAVEN_REPOSITORY").replace(/\/$/, "")}/${group.replace(/\./g, "/")}/${artifact}`;
    return file === "metadata" ? `${base}/maven-metadata.xml` : `${base}/${version}/${artifact}-${version}${classifier ? `-${classifier}` : ""}.jar`;
};

/** One request's status (and body for GET); a timeout or network error is tried again, three times in all. */
async function httpStatus(url: string, method: "HEAD" | "GET"): Promise<{ status: number; body: string }> {
    for (let attempt = 1; ; attempt++) {
        try {
            const res = await fetch(url, { method, signal: AbortSignal.timeout(60000) });
            return { status: res.status, body: method === "GET" ? await res.text() : "" };
        } catch (err) {
            if (attempt >= 3) throw new Error(`${method} ${url}: ${(err as Error).message} (${attempt} attempts)`);
            await new Promise((r) => setTimeout(r, 2000 * attempt));
        }
    }
}

/**
 * The image's jars for a line, each checked against the Maven repository the image fetches from
 * (MAVEN_REPOSITORY). A coordinate the repository does not serve is replaced by the nearest older
 * release (same major.minor if there is one, else same major), so the engine still runs; the
 * caller reports the substitution.
 */
export async function imageJars(line: SparkVersion): Promise<ImageJar[]> {
    return Promise.all(imageJarCoordinates(line).map(async (requested) => {
        if ((await httpStatus(mavenUrl(requested, "jar"), "HEAD")).status === 200) return { requested, used: requested };
        const [group, artifact, version, classifier] = requested.split(":");
        const metadata = await httpStatus(mavenUrl(requested, "metadata"), "GET");
        const [major, minor] = version.split(".");
        const below = [...metadata.body.matchAll(/<version>([^<]+)<\/version>/g)].map((m) => m[1])
            .filter((v) => /^\d+\.\d+\.\d+$/.test(v) && v.startsWith(`${major}.`) && compareVersions(v, version) < 0)
            .sort(compareVersions).reverse();
        // The same major.minor first (a patch apart), else the nearest older minor of the same major.
        for (const candidate of [...below.filter((v) => v.startsWith(`${major}.${minor}.`)), ...below.filter((v) => !v.startsWith(`${major}.${minor}.`))]) {
            const used = [group, artifact, candidate, ...(classifier ? [classifier] : [])].join(":");
            if ((await httpStatus(mavenUrl(used, "jar"), "HEAD")).status === 200) return { requested, used };
        }
        throw new Error(`${requested} (images/spark-runtime/Dockerfile jars-${line}) is not in ${imageVersion("MAVEN_REPOSITORY")}, nor any older ${major}.x release`);
    }));
}

/** Numeric comparison of dotted versions. */
export function compareVersions(a: string, b: string): number {
    const pa = a.split(".").map(Number);
    const pb = b.split(".").map(Number);
    for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
        const d = (pa[i] ?? 0) - (pb[i] ?? 0);
        if (d !== 0) return d;
    }
    return 0;
}

/** One Spark line installed as the images have it. */
export interface SparkDistribution {
    readonly line: SparkVersion;
    readonly version: string;
    /** SPARK_HOME: bin/ and sbin/ of the distribution, jars/ = pyspark's jars plus the image's. */
    readonly home: string;
    /** The jars the image adds, as requested and as used. */
    readonly imageJars: readonly ImageJar[];
}

const distributions = new Map<SparkVersion, Promise<SparkDistribution>>();

/**
 * The Spark distribution of a line: `pyspark==<SPARK<NN>_VERSION>` from PyPI (it carries the jars
 * and bin/), plus the spark-runtime image's jars, in a cached SPARK_HOME whose jars/ links both.
 */
export function sparkDistribution(line: SparkVersion): Promise<SparkDistribution> {
    let dist = distributions.get(line);
    if (!dist) {
        dist = buildDistribution(line);
        distributions.set(line, dist);
    }
    return dist;
}

/** The venv of the line's pyspark release: the distribution's source, and a python that runs classic PySpark jobs. */
export function sparkVenv(line: SparkVersion): Venv {
    return ensureVenv({ name: `spark-${line}`, requirements: [`pyspark==${sparkRelease(line)}`] });
}

async function buildDistribution(line: SparkVersion): Promise<SparkDistribution> {
    const version = sparkRelease(line);
    const planned = await imageJars(line);
    const venv = sparkVenv(line);
    const pysparkDir = path.join(venv.dir, "lib", sitePackagesPython(venv), "site-packages", "pyspark");
    // Only the listed jars, as maven-fetch does; "*:*" keeps Maven from even reading their dependencies' POMs.
    const jars = ensureJars({ name: `spark-${line}-image-jars`, artifacts: planned.map((j) => j.used), transitive: false, exclude: ["*:*"] });
    const home = cachedDirectory(path.join(cacheRoot, "spark-home", `${version}-${digestOf([venv.dir, ...jars])}`), (dir) => {
        for (const sub of ["bin", "sbin"]) fs.cpSync(path.join(pysparkDir, sub), path.join(dir, sub), { recursive: true });
        fs.mkdirSync(path.join(dir, "jars"));
        const names = new Set<string>();
        for (const jar of [...fs.readdirSync(path.join(pysparkDir, "jars")).map((f) => path.join(pysparkDir, "jars", f)), ...jars]) {
            const name = path.basename(jar);
            if (names.has(name)) throw new Error(`${name} is both in pyspark ${version} and in the image's jars`);
            names.add(name);
            fs.symlinkSync(jar, path.join(dir, "jars", name));
        }
        fs.writeFileSync(path.join(dir, "RELEASE"), `Spark ${version} (pyspark from PyPI) + images/spark-runtime jars-${line}\n`);
    });
    return { line, version, home, imageJars: planned };
}

function sitePackagesPython(venv: Venv): string {
    const lib = path.join(venv.dir, "lib");
    const found = fs.readdirSync(lib).filter((d) => /^python3\.\d+$/.test(d));
    if (found.length !== 1) throw new Error(`${lib}: expected one python3.x directory, found ${found.join(", ")}`);
    return found[0];
}

// ---- the program's containers, as the kubelet would run them -----------------------------------

interface EnvVar {
    name: string;
    value?: string;
    valueFrom?: { secretKeyRef?: { name: string; key: string }; fieldRef?: { fieldPath: string } };
}
interface ContainerSpec {
    name: string;
    image: string;
    command: string[];
    resources?: { limits?: { memory?: string } };
    env?: EnvVar[];
    volumeMounts?: { name: string; mountPath: string }[];
}
export interface PodSpec {
    containers: ContainerSpec[];
    volumes?: { name: string; configMap?: { name: string } }[];
}

/** A Deployment's (first) container: image, command, environment and the ConfigMap directories it mounts. */
export interface PlannedContainer {
    readonly image: string;
    readonly command: readonly string[];
    /** Environment with Secret references and metadata.name (the pod name given) resolved. */
    readonly env: Readonly<Record<string, string>>;
    /** Mount path → the mounted ConfigMap's data. */
    readonly mounts: Readonly<Record<string, Record<string, string>>>;
    /** The container's memory limit in MiB, if it has one. */
    readonly memoryLimitMiB?: number;
}

/** A Kubernetes memory quantity in MiB. */
function quantityMiB(quantity: string): number {
    const bytes = parseQuantity(quantity);
    if (bytes === undefined) throw new Error(`not a memory quantity: ${quantity}`);
    return bytes / 2 ** 20;
}

function namedResource(run: StackRun, type: string, name: string, namespace: string): RecordedResource {
    const found = resourcesOfType(run, type).filter((r) => {
        const m = r.inputs.metadata as { name?: string; namespace?: string };
        return m.name === name && m.namespace === namespace;
    });
    if (found.length !== 1) throw new Error(`${run.stack}: expected one ${type} ${namespace}/${name}, found ${found.length}`);
    return found[0];
}

/** The container of the Deployment namespace/name as the kubelet would start it in a pod called podName. */
export function deploymentContainer(run: StackRun, name: string, namespace: string, podName: string): PlannedContainer {
    const spec = (namedResource(run, "kubernetes:apps/v1:Deployment", name, namespace).inputs.spec as { template: { spec: PodSpec } }).template.spec;
    return podContainer(run, spec, namespace, podName);
}

/**
 * The first container of a pod spec in namespace as the kubelet would start it: Secret and pod-name
 * references resolved from the stack's own objects, ConfigMap mounts with the stack's data.
 */
export function podContainer(run: StackRun, spec: PodSpec, namespace: string, podName: string): PlannedContainer {
    const container = spec.containers[0];
    const env: Record<string, string> = {};
    for (const e of container.env ?? []) {
        const from = e.valueFrom;
        if (e.value !== undefined) env[e.name] = e.value;
        else if (from?.fieldRef?.fieldPath === "metadata.name") env[e.name] = podName;
        else if (from?.secretKeyRef) {
            const secret = namedResource(run, "kubernetes:core/v1:Secret", from.secretKeyRef.name, namespace).inputs as { stringData?: Record<string, string>; data?: Record<string, string> };
            const key = from.secretKeyRef.key;
            const value = secret.stringData?.[key] ?? (secret.data?.[key] !== undefined ? Buffer.from(secret.data[key], "base64").toString() : undefined);
            if (value === undefined) throw new Error(`${run.stack}: Secret ${from.secretKeyRef.name} has no key ${key}`);
            env[e.name] = value;
        } else throw new Error(`${run.stack}: env ${e.name} of ${namespace}/${podName} has a source the suite does not resolve`);
    }
    const mounts: Record<string, Record<string, string>> = {};
    for (const m of container.volumeMounts ?? []) {
        const cm = spec.volumes?.find((v) => v.name === m.name)?.configMap;
        if (cm) mounts[m.mountPath] = namedResource(run, "kubernetes:core/v1:ConfigMap", cm.name, namespace).inputs.data as Record<string, string>;
    }
    // Kubernetes expands $(VAR) in the command from the container's environment.
    const command = container.command.map((a) => a.replace(/\$\(([A-Za-z_]\w*)\)/g, (all, v: string) => env[v] ?? all));
    const limit = container.resources?.limits?.memory;
    return { image: container.image, command, env, mounts, memoryLimitMiB: limit === undefined ? undefined : quantityMiB(limit) };
}

/**
 * Writes the container's ConfigMap mounts to a fresh directory and maps the image's paths to this
 * machine's: each mount path to its directory, /opt/spark/ to the distribution's SPARK_HOME.
 */
export function localiseContainer(c: PlannedContainer, dist: SparkDistribution, what: string): { command: string[]; env: Record<string, string>; dir: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `spark-k8s-it-${what}-`));
    const replacements: [string, string][] = [["/opt/spark/", `${dist.home}/`]];
    Object.entries(c.mounts).forEach(([mountPath, data], i) => {
        const local = path.join(dir, `mount-${i}`);
        fs.mkdirSync(local);
        for (const [file, content] of Object.entries(data)) fs.writeFileSync(path.join(local, file), content);
        replacements.push([mountPath, local]);
    });
    const localise = (text: string): string => replacements.reduce((t, [from, to]) => t.split(from).join(to), text);
    fs.mkdirSync(path.join(dir, "work-dir"));
    return { command: c.command.map(localise), env: Object.fromEntries(Object.entries(c.env).map(([k, v]) => [k, localise(v)])), dir };
}

// ---- single-machine overrides --------------------------------------------------------------------

/** What an override may depend on. */
export interface OverrideContext {
    /** The configuration the program generated for this server. */
    readonly conf: Readonly<Record<string, string>>;
    readonly line: SparkVersion;
    readonly s3Endpoint: string;
    /** thrift://127.0.0.1:<port> of the stack's metastore. */
    readonly metastoreUri?: string;
    /** The gRPC port (Connect) or the UI port (History Server). */
    readonly port: number;
    /** The driver UI port (Connect). */
    readonly uiPort?: number;
    /** The driver's RPC and block-manager ports (Connect). */
    readonly driverPorts?: readonly [number, number];
}

/** One configuration key the suite changes; `<catalog>` stands for each Iceberg catalog in the conf. */
export interface ConfOverride {
    readonly key: string;
    readonly server: "connect" | "history" | "both";
    readonly reason: string;
    /** The value to use, or undefined to keep the generated one. */
    value(ctx: OverrideContext, catalog?: string): string | undefined;
}

const isS3FileIo = (ctx: OverrideContext, catalog?: string): boolean => ctx.conf[`spark.sql.catalog.${catalog}.io-impl`] === "org.apache.iceberg.aws.s3.S3FileIO";

/**
 * Every key the suite changes in the program's Spark configuration, and why; every other key runs
 * as generated (spark.kubernetes.* and the executor pod template are inert under a local master).
 * Credentials are not among them: MinIO stacks read theirs from the environment as generated, and
 * AWS stacks keep their Pod Identity provider, served by a loopback credentials endpoint the way
 * the EKS Pod Identity Agent serves it (metastore.ts startPodIdentityEndpoint).
 */
export const singleMachineOverrides: readonly ConfOverride[] = [
    { key: "spark.master", server: "connect", reason: "no Kubernetes API here: tasks run in the driver JVM (local[2]: two cores)", value: () => "local[2]" },
    { key: "spark.driver.host", server: "connect", reason: "the driver's headless Service name only resolves inside the cluster", value: () => "127.0.0.1" },
    { key: "spark.driver.bindAddress", server: "connect", reason: "generated 0.0.0.0 (all pod interfaces); the suite binds loopback only", value: () => "127.0.0.1" },
    { key: "spark.driver.port", server: "connect", reason: "7078 is the pod's own port (its headless Service names it); drivers on one machine need free ports", value: (ctx) => String(ctx.driverPorts?.[0]) },
    { key: "spark.driver.blockManager.port", server: "connect", reason: "7079 is the pod's own port (its headless Service names it); drivers on one machine need free ports", value: (ctx) => String(ctx.driverPorts?.[1]) },
    { key: "spark.ui.port", server: "connect", reason: "4040 is the pod's own port; on one machine a free port avoids clashes", value: (ctx) => String(ctx.uiPort) },
    { key: "spark.connect.grpc.binding.port", server: "connect", reason: "15002 is the pod's own port; on one machine a free port avoids clashes", value: (ctx) => String(ctx.port) },
    {
        key: "spark.connect.grpc.binding.address",
        server: "connect",
        reason: "loopback only; Spark Connect has this key from 4.0 (3.5 binds every interface and has no setting for it)",
        value: (ctx) => (compareVersions(ctx.line, "4.0") >= 0 ? "127.0.0.1" : undefined),
    },
    { key: "spark.history.ui.port", server: "history", reason: "18080 is the pod's own port; on one machine a free port avoids clashes", value: (ctx) => String(ctx.port) },
    { key: "spark.hadoop.fs.s3a.endpoint", server: "both", reason: "the local S3 server instead of MinIO's Service or AWS S3", value: (ctx) => ctx.s3Endpoint },
    {
        key: "spark.hadoop.fs.s3a.path.style.access",
        server: "both",
        reason: "AWS stacks address buckets by host name (bucket.s3...); the local server is an IP, so buckets go in the path",
        value: (ctx) => (ctx.conf["spark.hadoop.fs.s3a.path.style.access"] === "true" ? undefined : "true"),
    },
    { key: "spark.hadoop.hive.metastore.uris", server: "connect", reason: "the stack's metastore runs on a loopback port", value: (ctx) => ctx.metastoreUri },
    {
        key: "spark.sql.catalog.<catalog>.uri",
        server: "connect",
        reason: "an Iceberg hive catalog names the metastore's cluster address; it runs on a loopback port",
        value: (ctx, catalog) => (ctx.conf[`spark.sql.catalog.${catalog}.type`] === "hive" ? ctx.metastoreUri : undefined),
    },
    {
        key: "spark.sql.catalog.<catalog>.s3.endpoint",
        server: "connect",
        reason: "Iceberg's S3FileIO (AWS stacks) talks to AWS S3; here to the local S3 server",
        value: (ctx, catalog) => (isS3FileIo(ctx, catalog) ? ctx.s3Endpoint : undefined),
    },
    {
        key: "spark.sql.catalog.<catalog>.s3.path-style-access",
        server: "connect",
        reason: "as for S3A: the local server is an IP, so buckets go in the path",
        value: (ctx, catalog) => (isS3FileIo(ctx, catalog) ? "true" : undefined),
    },
];

/** The Iceberg catalogs a configuration defines (spark.sql.catalog.<name> = Iceberg's SparkCatalog). */
export function icebergCatalogs(conf: Readonly<Record<string, string>>): string[] {
    return Object.entries(conf).filter(([k, v]) => /^spark\.sql\.catalog\.[^.]+$/.test(k) && v === "org.apache.iceberg.spark.SparkCatalog").map(([k]) => k.split(".")[3]);
}

/** The overrides that apply to one server's generated configuration: key → value. */
export function overridesFor(server: "connect" | "history", ctx: OverrideContext): Record<string, string> {
    const out: Record<string, string> = {};
    for (const o of singleMachineOverrides.filter((x) => x.server === server || x.server === "both")) {
        const catalogs: (string | undefined)[] = o.key.includes("<catalog>") ? icebergCatalogs(ctx.conf) : [undefined];
        for (const catalog of catalogs) {
            const value = o.value(ctx, catalog);
            if (value !== undefined) out[catalog ? o.key.replace("<catalog>", catalog) : o.key] = value;
        }
    }
    return out;
}

// ---- Spark Connect and the History Server --------------------------------------------------------

/** Environment every Spark JVM of the suite gets: the distribution, Java 17, loopback for the UI. */
export function sparkEnv(dist: SparkDistribution): Record<string, string> {
    return {
        SPARK_HOME: dist.home,
        JAVA_HOME: javaHome,
        PATH: `${javaHome}/bin:${process.env.PATH ?? ""}`,
        // Spark's web UIs bind to SPARK_LOCAL_IP (0.0.0.0 when unset); not a configuration key.
        SPARK_LOCAL_IP: "127.0.0.1",
    };
}

export interface SparkServerOptions {
    readonly run: StackRun;
    readonly s3: LocalS3;
    /** The stack's metastore (thrift://127.0.0.1:port); every Connect conf names one. */
    readonly metastoreUri?: string;
    /** AWS stacks: the loopback EKS Pod Identity endpoint (metastore.ts startPodIdentityEndpoint) their provider reads. */
    readonly podIdentity?: Pick<PodIdentityEndpoint, "env">;
}

export interface StartedSparkServer {
    readonly line: SparkVersion;
    readonly port: number;
    readonly server: Server;
    /** The configuration the program generated, parsed. */
    readonly conf: Readonly<Record<string, string>>;
    readonly overrides: Readonly<Record<string, string>>;
    /** Seconds from spawn to ready. */
    readonly startSeconds: number;
    /** The container's memory limit in the plan (MiB). */
    readonly memoryLimitMiB?: number;
    /** The running JVM's -Xmx in MiB, as Spark's launcher chose it from the configuration. */
    jvmMaxHeapMiB(): number | undefined;
    stop(): Promise<void>;
}

/** -Xmx of a running JVM (spark-class execs java, so the spawned pid is the JVM). */
function jvmMaxHeapMiB(server: Server): number | undefined {
    const pid = server.process.pid;
    if (pid === undefined) return undefined;
    const args = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    const xmx = args.map((a) => /^-Xmx(\d+)([kKmMgG]?)$/.exec(a)).find((m) => m !== null);
    if (!xmx) return undefined;
    return Number(xmx[1]) * ({ "": 1 / 1048576, k: 1 / 1024, m: 1, g: 1024 } as Record<string, number>)[xmx[2].toLowerCase()];
}

export interface ConnectServer extends StartedSparkServer {
    /** sc://127.0.0.1:<port> */
    readonly url: string;
    readonly uiPort: number;
}

function storageEnv(options: SparkServerOptions, containerEnv: Record<string, string>): Record<string, string> {
    if (containerEnv.AWS_ACCESS_KEY_ID !== undefined) return {};
    if (!options.podIdentity) throw new Error(`${options.run.stack}: the container reads no S3 keys, so it needs the Pod Identity endpoint`);
    return { ...options.podIdentity.env };
}

/**
 * Starts the stack's Spark Connect server of a line as its container does (the plan's command with
 * the generated spark-defaults.conf), overrides appended as --conf, and waits for the gRPC port.
 */
export async function startConnectServer(line: SparkVersion, options: SparkServerOptions): Promise<ConnectServer> {
    const dist = await sparkDistribution(line);
    const endpoint = serviceEndpoints.connect(line);
    const podName = `${endpoint.name}-it`;
    const container = deploymentContainer(options.run, endpoint.name, endpoint.namespace, podName);
    const conf = parseSparkDefaults(configMapData(options.run, `${endpoint.name}-conf`, endpoint.namespace)["spark-defaults.conf"]);
    const started = Date.now();
    // A port freePort found free may be taken by another process before Spark binds it (once in CI:
    // the server died of a BindException while the port answered for that other process). The
    // server is ready when it logs that it started on its own port; on a bind failure it is started
    // again on fresh ports.
    for (let attempt = 1; ; attempt++) {
        const [port, uiPort, driverPort, blockManagerPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
        const overrides = overridesFor("connect", { conf, line, s3Endpoint: options.s3.endpoint, metastoreUri: options.metastoreUri, port, uiPort, driverPorts: [driverPort, blockManagerPort] });
        const local = localiseContainer(container, dist, endpoint.name);
        const [command, ...args] = local.command;
        let server: Server;
        try {
            server = await startServer({
                name: `${endpoint.name}-${options.run.stack}`,
                command,
                args: [...args, ...Object.entries(overrides).flatMap(([k, v]) => ["--conf", `${k}=${v}`])],
                env: { ...local.env, ...storageEnv(options, container.env), ...sparkEnv(dist) },
                cwd: path.join(local.dir, "work-dir"),
                ready: { port, logLine: new RegExp(`Spark Connect server started at: \\S*:${port}\\b`) },
                timeoutMs: 240000,
            });
        } catch (err) {
            fs.rmSync(local.dir, { recursive: true, force: true });
            if (attempt < 3 && /BindException|Address already in use/.test((err as Error).message)) continue;
            throw err;
        }
        return {
            line, port, uiPort, server, conf, overrides, url: `sc://127.0.0.1:${port}`,
            startSeconds: (Date.now() - started) / 1000,
            memoryLimitMiB: container.memoryLimitMiB,
            jvmMaxHeapMiB: () => jvmMaxHeapMiB(server),
            stop: async () => {
                await server.stop();
                fs.rmSync(local.dir, { recursive: true, force: true });
            },
        };
    }
}

/** The Spark line whose image the History Server runs: the Connect server with the same image. */
export function historyServerLine(run: StackRun, lines: readonly SparkVersion[]): SparkVersion {
    const hs = serviceEndpoints.historyServer;
    const image = deploymentContainer(run, hs.name, hs.namespace, `${hs.name}-it`).image;
    const matches = lines.filter((l) => {
        const e = serviceEndpoints.connect(l);
        return resourcesOfType(run, "kubernetes:apps/v1:Deployment").some((d) => (d.inputs.metadata as { name?: string }).name === e.name) &&
            deploymentContainer(run, e.name, e.namespace, "x").image === image;
    });
    if (matches.length !== 1) throw new Error(`${run.stack}: the History Server image ${image} is the image of ${matches.length} Connect servers`);
    return matches[0];
}

/**
 * Starts the stack's History Server as its container does (spark-class HistoryServer
 * --properties-file <generated>), on the distribution of the line whose image it runs. The
 * overrides go in SPARK_HISTORY_OPTS as system properties, which win over the properties file.
 */
export async function startHistoryServer(line: SparkVersion, options: SparkServerOptions): Promise<StartedSparkServer> {
    const dist = await sparkDistribution(line);
    const hs = serviceEndpoints.historyServer;
    const container = deploymentContainer(options.run, hs.name, hs.namespace, `${hs.name}-it`);
    const conf = parseSparkDefaults(configMapData(options.run, `${hs.name}-conf`, hs.namespace)["spark-defaults.conf"]);
    const port = await freePort();
    const overrides = overridesFor("history", { conf, line, s3Endpoint: options.s3.endpoint, port });
    const local = localiseContainer(container, dist, hs.name);
    const [command, ...args] = local.command;
    const started = Date.now();
    const server = await startServer({
        name: `${hs.name}-${options.run.stack}`,
        command,
        args,
        env: {
            ...local.env,
            ...storageEnv(options, container.env),
            ...sparkEnv(dist),
            SPARK_HISTORY_OPTS: Object.entries(overrides).map(([k, v]) => `-D${k}=${v}`).join(" "),
        },
        cwd: path.join(local.dir, "work-dir"),
        ready: { http: `http://127.0.0.1:${port}/api/v1/version`, status: 200 },
        timeoutMs: 180000,
    });
    const startSeconds = (Date.now() - started) / 1000;
    return {
        line, port, server, conf, overrides, startSeconds,
        memoryLimitMiB: container.memoryLimitMiB,
        jvmMaxHeapMiB: () => jvmMaxHeapMiB(server),
        stop: async () => {
            await server.stop();
            fs.rmSync(local.dir, { recursive: true, force: true });
        },
    };
}

// ---- the notebook image's Spark Connect client ---------------------------------------------------

/** The client the jupyter-spark image installs for a line, and the one the suite uses. */
export interface ConnectClient {
    readonly line: SparkVersion;
    /** images/jupyter-spark/Dockerfile's requirement for the line, ARGs from versions.env. */
    readonly requested: string;
    /** requested, or the newest release of the same line on PyPI when the exact one is missing. */
    readonly used: string;
    readonly venv: Venv;
    /** The constraints file the client was installed with, or why none. */
    readonly constraints: string;
}

/** The `<line>) client="<requirement>"` of images/jupyter-spark/Dockerfile, ARGs substituted. */
export function imageClientRequirement(line: SparkVersion): string {
    return jupyterClientRequirement(fs.readFileSync(path.join(imagesDir, "jupyter-spark", "Dockerfile"), "utf8"), line, versionsEnv());
}

async function pypiReleases(project: string): Promise<string[]> {
    const res = await fetch(`https://pypi.org/pypi/${project}/json`, { signal: AbortSignal.timeout(30000) });
    if (res.status === 404) return [];
    if (!res.ok) throw new Error(`PyPI ${project}: HTTP ${res.status}`);
    const body = (await res.json()) as { releases: Record<string, unknown[]> };
    return Object.entries(body.releases).filter(([, files]) => files.length > 0).map(([v]) => v);
}

const clients = new Map<SparkVersion, Promise<ConnectClient>>();

/**
 * The client venv of a line (Python 3.11, the image's constraints file): the image's requirement,
 * or, if PyPI has no such release, the newest release of the same line of that project.
 */
export function connectClient(line: SparkVersion): Promise<ConnectClient> {
    let client = clients.get(line);
    if (!client) {
        client = (async () => {
            const requested = imageClientRequirement(line);
            const m = /^([A-Za-z0-9_.-]+)(\[[^\]]+\])?==(.+)$/.exec(requested);
            if (!m) throw new Error(`images/jupyter-spark/Dockerfile: the ${line} client is not pinned with ==: ${requested}`);
            let used = requested;
            const releases = await pypiReleases(m[1]);
            if (!releases.includes(m[3])) {
                const sameLine = releases.filter((v) => /^\d+\.\d+\.\d+$/.test(v) && v.startsWith(`${line}.`)).sort(compareVersions);
                if (sameLine.length === 0) throw new Error(`PyPI has neither ${requested} (images/jupyter-spark/Dockerfile) nor any ${m[1]} ${line}.x release`);
                used = `${m[1]}${m[2] ?? ""}==${sameLine[sameLine.length - 1]}`;
            }
            // The image's constraints were resolved for its kernel's Python (SPARK<NN>_PYTHON_VERSION); when
            // they cannot install on the suite's Python 3.11, the client goes in unconstrained, and says so.
            const file = path.join(imagesDir, "jupyter-spark", `constraints-${line}.txt`);
            const spec = { name: `spark-connect-client-${line}`, requirements: [used], basePython: "python3.11" };
            const refusal = path.join(cacheRoot, "venv", `${spec.name}-${digestOf([used, fs.readFileSync(file, "utf8"), spec.basePython])}.constraints-refused`);
            let venv: Venv | undefined;
            if (!fs.existsSync(refusal)) {
                try {
                    venv = ensureVenv({ ...spec, constraintsFile: file });
                } catch (err) {
                    // Only pip's verdict that the constraints cannot resolve is remembered; anything else (network) fails.
                    if (!/ResolutionImpossible/.test((err as Error).message)) throw err;
                    fs.writeFileSync(refusal, (err as Error).message.split("\n").filter((l) => /conflict|depends|requested/i.test(l)).join(" "));
                }
            }
            const constraints = venv
                ? `images/jupyter-spark/constraints-${line}.txt`
                : `none: images/jupyter-spark/constraints-${line}.txt (for Python ${imageVersion(`SPARK${lineSuffix(line)}_PYTHON_VERSION`)}) does not install on Python 3.11: ${fs.readFileSync(refusal, "utf8")}`;
            venv ??= ensureVenv(spec);
            return { line, requested, used, venv, constraints };
        })();
        clients.set(line, client);
    }
    return client;
}

/** Runs a Python script with a line's client against a Connect server; returns its last stdout line as JSON. */
export async function runClient<T>(client: ConnectClient, script: string, args: readonly string[], timeoutMs = 300000): Promise<{ result: T; seconds: number }> {
    const file = path.join(os.tmpdir(), `spark-k8s-it-client-${process.pid}-${Date.now()}.py`);
    fs.writeFileSync(file, script);
    const started = Date.now();
    try {
        // Asynchronous: the Pod Identity endpoint answers the server from this process meanwhile.
        const out = await new Promise<string>((resolve, reject) => {
            execFile(client.venv.python, [file, ...args], { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, PYTHONUNBUFFERED: "1" } }, (err, stdout, stderr) => {
                // The end of a Python traceback names the exception; the server's log has the rest. A
                // session killed by the timeout prints every thread's stack (faulthandler), so more shows.
                const lines = err?.signal ? 60 : 3;
                if (err) reject(new Error(`Spark Connect client ${client.used} ${args.join(" ")} failed (${err.code ?? err.signal}) after ${((Date.now() - started) / 1000).toFixed(0)} s: ${`${stdout}\n${stderr}`.trim().split("\n").slice(-lines).join("\n")}`));
                else resolve(stdout);
            });
        });
        const last = out.trim().split("\n").pop() ?? "";
        return { result: JSON.parse(last) as T, seconds: (Date.now() - started) / 1000 };
    } finally {
        fs.rmSync(file, { force: true });
    }
}
