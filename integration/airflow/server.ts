/**
 * A real Airflow deployment on loopback, as the chart runs its parts: PostgreSQL as the metadata
 * database, `airflow db migrate`, the admin user made by the program's create-user script, then the
 * API server, the scheduler (LocalExecutor) and the DAG processor as separate processes, each with
 * its log in the suite's log folder.
 */
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { adminRole, createAdminUserScript, fabAuthManager } from "../../components/services/airflow";
import { cachedDirectory, cacheRoot, digestOf, run } from "../support/cache";
import { startPostgres, Postgres } from "../support/postgres";
import { freePort, Server, startServer } from "../support/processes";
import { Venv } from "../support/python";
import { lockFile, lockPins, normalise, repositoryRoot } from "./image";

export interface AirflowDeployment {
    /** The API server's base URL, e.g. http://127.0.0.1:PORT. */
    readonly baseUrl: string;
    /** The admin login the create-user script made (role Admin). */
    readonly username: string;
    readonly password: string;
    readonly home: string;
    readonly servers: readonly Server[];
    /** The end of every server's log, for assertion messages. */
    logTails(lines?: number): string;
    stop(): Promise<void>;
}

/**
 * The PostgreSQL drivers of the official image, missing from the venv (they come with its
 * `postgres` extra): psycopg2 for the sync engine, asyncpg for the API server's async engine
 * (Airflow 3.2 settings map postgresql to postgresql+asyncpg). Installed at the lock's versions
 * into a cached folder put on PYTHONPATH, so the shared Airflow venv stays as it is.
 */
function postgresDrivers(venv: Venv): string {
    const pins = lockPins();
    const requirements = ["psycopg2-binary", "asyncpg"].map((name) => {
        const version = pins.get(normalise(name));
        if (!version) throw new Error(`${path.relative(repositoryRoot, lockFile)} has no ${name}`);
        return `${name}==${version}`;
    });
    return cachedDirectory(path.join(cacheRoot, "venv", `airflow-postgres-drivers-${digestOf([venv.dir, ...requirements])}`), (target) => {
        run(venv.bin("pip"), ["install", "--quiet", "--disable-pip-version-check", "--no-deps", "--target", target, ...requirements], {
            what: `pip install ${requirements.join(" ")}`,
            timeout: 10 * 60 * 1000,
        });
    });
}

/** Starts PostgreSQL and Airflow's API server, scheduler and DAG processor over `dagsFolder`; ready once the scheduler and DAG processor report healthy. */
export async function startAirflow(venv: Venv, dagsFolder: string): Promise<AirflowDeployment> {
    const drivers = postgresDrivers(venv);
    const postgres: Postgres = await startPostgres();
    const servers: Server[] = [];
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "spark-k8s-it-airflow-home-"));
    const stop = async (): Promise<void> => {
        for (const s of [...servers].reverse()) await s.stop();
        await postgres.stop();
        fs.rmSync(home, { recursive: true, force: true });
    };
    try {
        postgres.psql("CREATE DATABASE airflow;");
        const apiPort = await freePort();
        const baseUrl = `http://127.0.0.1:${apiPort}`;
        const { username, password } = postgres.superuser;
        const env: Record<string, string> = {
            PATH: `${path.dirname(venv.python)}:${process.env.PATH ?? ""}`,
            HOME: process.env.HOME ?? home,
            PYTHONPATH: drivers,
            AIRFLOW_HOME: home,
            AIRFLOW__CORE__DAGS_FOLDER: dagsFolder,
            AIRFLOW__CORE__LOAD_EXAMPLES: "False",
            AIRFLOW__CORE__EXECUTOR: "LocalExecutor",
            AIRFLOW__CORE__AUTH_MANAGER: fabAuthManager,
            AIRFLOW__CORE__UNIT_TEST_MODE: "False",
            // Task workers report to the Execution API of the API server (Airflow 3).
            AIRFLOW__CORE__EXECUTION_API_SERVER_URL: `${baseUrl}/execution/`,
            AIRFLOW__DATABASE__SQL_ALCHEMY_CONN: `postgresql://${username}:${password}@127.0.0.1:${postgres.port}/airflow`,
            AIRFLOW__API_AUTH__JWT_SECRET: randomBytes(32).toString("hex"),
            AIRFLOW__API__SECRET_KEY: randomBytes(32).toString("hex"),
            AIRFLOW__API__BASE_URL: baseUrl,
            AIRFLOW__LOGGING__BASE_LOG_FOLDER: path.join(home, "logs"),
        };
        const airflow = (args: readonly string[], timeoutMs = 300000): string =>
            run(venv.bin("airflow"), args, { env, cwd: home, timeout: timeoutMs, what: `airflow ${args.join(" ")}` });
        // With the FAB auth manager, `airflow db migrate` also migrates FAB's own tables: Airflow 3.2
        // runs the auth manager's DB manager (airflow/utils/db_manager.py) after its own migrations.
        airflow(["db", "migrate"]);

        // The admin user exactly as the chart's create-user Job makes it: the program's script reading a mounted Secret.
        const admin = { username: "smoke-admin", password: randomBytes(18).toString("base64url") };
        const secret = path.join(home, "admin-user");
        fs.mkdirSync(secret, { mode: 0o700 });
        fs.writeFileSync(path.join(secret, "username"), admin.username, { mode: 0o400 });
        fs.writeFileSync(path.join(secret, "password"), admin.password, { mode: 0o400 });
        run("bash", ["-c", createAdminUserScript(secret)], { env, cwd: home, timeout: 300000, what: `the create-user script (airflow users create --role ${adminRole})` });

        const common = { command: venv.bin("airflow"), env, cwd: home };
        servers.push(await startServer({ ...common, name: "airflow-api-server", args: ["api-server", "--host", "127.0.0.1", "--port", String(apiPort), "--workers", "1"], ready: { http: `${baseUrl}/api/v2/monitor/health`, status: 200 }, timeoutMs: 180000 }));
        servers.push(await startServer({ ...common, name: "airflow-scheduler", args: ["scheduler"], ready: { check: () => healthy(baseUrl, "scheduler") }, timeoutMs: 180000 }));
        servers.push(await startServer({ ...common, name: "airflow-dag-processor", args: ["dag-processor"], ready: { check: () => healthy(baseUrl, "dag_processor") }, timeoutMs: 180000 }));
        const logTails = (lines = 40): string => servers.map((s) => `--- ${s.name} (${s.logFile}):\n${s.logTail(lines)}`).join("\n");
        return { baseUrl, username: admin.username, password: admin.password, home, servers, logTails, stop };
    } catch (err) {
        await stop();
        throw err;
    }
}

/** True when /api/v2/monitor/health reports the component healthy (its heartbeat is recent). */
async function healthy(baseUrl: string, component: "scheduler" | "dag_processor"): Promise<boolean> {
    try {
        const response = await fetch(`${baseUrl}/api/v2/monitor/health`, { signal: AbortSignal.timeout(5000) });
        const body = (await response.json()) as Record<string, { status?: string } | undefined>;
        return body[component]?.status === "healthy";
    } catch {
        return false;
    }
}
