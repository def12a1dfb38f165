/**
 * The data-quality example (examples/data-quality/) with real engines: Great Expectations running
 * the suite kept in git on the repository's good and bad orders, from CSV files (pandas) and
 * through the local stack's Spark Connect server (GX's Spark datasource on Spark Connect
 * DataFrames); the DAG in Airflow's own DagBag, and its runs under dag.test() for the validation
 * modes, with the validation task really running validate.py against that server. Everything runs
 * in one venv: the Airflow image's packages at its lock's versions plus the example's requirements.
 */
import { strict as assert } from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { lineSuffix, tiers } from "../../components/config/schema";
import { variableEnvName } from "../../components/services/airflow";
import { StackRun } from "../../tools/harness";
import { configMapData } from "../support/artefacts";
import { run } from "../support/cache";
import { warehouseLocation } from "../support/metastore";
import { Venv } from "../support/python";
import { ConnectServer, startConnectServer } from "../support/spark";
import { StackServers, startStackServers } from "../support/stackServers";
import { presetRun } from "../spark/matrix";
import { airflowHome, AirflowHome, dagBagReport, DagBagReport } from "../airflow/environment";
import { airflowImage, lockPins, normalise } from "../airflow/image";
import { dataQualityVenv, exampleDir, exampleRequirements } from "./dataQuality";

const image = airflowImage();
/** The Spark line of the Airflow image's Connect client: the server the DAG's validation reads from. */
const line = image.sparkClient.line;
const dagId = "data_quality_example";
const suiteFile = path.join(exampleDir, "expectations", "orders.json");
const suite = JSON.parse(fs.readFileSync(suiteFile, "utf8")) as { name: string; expectations: { type: string; kwargs: { column?: string } }[] };
const csv = (name: "good" | "bad"): string => path.join(exampleDir, "data", `orders_${name}.csv`);
/** The orders schema the tables are loaded with (the columns the suite expects). */
const ordersSchema = "order_id BIGINT, customer_id BIGINT, order_date STRING, status STRING, amount DOUBLE";

/** The expectations orders_bad.csv breaks on purpose (a duplicate id, a missing customer, a US date, an unknown status, a negative amount), as type(column). */
const badDataFailures = [
    "expect_column_values_to_be_between(amount)",
    "expect_column_values_to_be_in_set(status)",
    "expect_column_values_to_be_unique(order_id)",
    "expect_column_values_to_match_regex(order_date)",
    "expect_column_values_to_not_be_null(customer_id)",
];

const gxVersion = (() => {
    const pin = exampleRequirements().find((r) => r.startsWith("great_expectations=="));
    if (!pin) throw new Error("examples/data-quality/requirements.txt pins no great_expectations");
    return pin.split("==")[1];
})();

/** validate.py's JSON line. */
interface Report {
    suite: string;
    source: string;
    engine: "pandas" | "spark";
    success: boolean;
    evaluated?: number;
    successful?: number;
    failed?: { type: string; column: string | null; kwargs: Record<string, unknown>; unexpected_count?: number; exception?: string }[];
    error?: string;
}

interface Exit {
    status: number;
    stdout: string;
    stderr: string;
}

/** Runs a Python script of the venv asynchronously (the loopback servers keep answering meanwhile). */
function python(venv: Venv, args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<Exit> {
    return new Promise((resolve, reject) => {
        execFile(venv.python, args, { env: options.env ?? process.env, cwd: options.cwd, timeout: options.timeoutMs ?? 600000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
            if (err && typeof err.code !== "number") reject(new Error(`${args.join(" ")}: ${err.message}\n${stderr.slice(-3000)}`));
            else resolve({ status: err ? (err.code as number) : 0, stdout, stderr });
        });
    });
}

/** validate.py's exit status and its one JSON line (stdout holds nothing else). */
async function validate(venv: Venv, args: readonly string[]): Promise<{ status: number; report: Report; stderr: string }> {
    const exit = await python(venv, [path.join(exampleDir, "validate.py"), ...args], { env: { ...process.env, PYTHONUNBUFFERED: "1" } });
    const lines = exit.stdout.trim().split("\n");
    assert.equal(lines.length, 1, `validate.py prints one line on stdout, got:\n${exit.stdout}\n--- stderr ---\n${exit.stderr.slice(-3000)}`);
    return { status: exit.status, report: JSON.parse(lines[0]) as Report, stderr: exit.stderr };
}

const failedNames = (r: Report): string[] => (r.failed ?? []).map((f) => `${f.type}(${f.column ?? ""})`).sort();

function assertPassed(r: { status: number; report: Report; stderr: string }, engine: Report["engine"]): void {
    assert.equal(r.report.error, undefined, `${r.report.error}\n${r.stderr.slice(-3000)}`);
    assert.equal(r.report.engine, engine);
    assert.equal(r.report.success, true, JSON.stringify(r.report.failed));
    assert.equal(r.report.evaluated, suite.expectations.length, "every expectation of the suite ran");
    assert.equal(r.report.successful, suite.expectations.length);
    assert.deepEqual(r.report.failed, []);
    assert.equal(r.status, 0);
}

function assertFailedOnBadData(r: { status: number; report: Report; stderr: string }, engine: Report["engine"]): void {
    assert.equal(r.report.error, undefined, `${r.report.error}\n${r.stderr.slice(-3000)}`);
    assert.equal(r.report.engine, engine);
    assert.equal(r.report.success, false);
    assert.equal(r.report.evaluated, suite.expectations.length);
    assert.equal(r.report.successful, suite.expectations.length - badDataFailures.length);
    assert.deepEqual(failedNames(r.report), badDataFailures);
    for (const f of r.report.failed ?? []) {
        assert.equal(f.exception, undefined, `${f.type} failed on the data, not with an error: ${f.exception}`);
        assert.ok((f.unexpected_count ?? 0) >= 1, `${f.type}(${f.column}) counts the offending rows`);
    }
    assert.equal(r.status, 1);
}

/** What dag_runs.py reports. */
interface DagRunsReport {
    run_types: string[];
    params: Record<string, { default: unknown; schema: { enum?: string[] } }>;
    tasks: Record<string, { downstream: string[]; trigger_rule: string }>;
    schedule: string | null;
    module_modes: string[];
    decisions: { mode: string; environment: string; run_type: string; task: string }[];
    refused: Record<string, string>;
    runs: (DagCase & { run_id: string; recorded_run_type: string; run_state: string; states: Record<string, string | null> })[];
}

interface DagCase {
    readonly run_type: string;
    readonly conf: Record<string, string>;
    /** Task ids dag.test() marks successful instead of running (a regex). */
    readonly mark_success?: string;
}

/** The four modes as the platform's users decided them: the test's own statement of the rule. */
function expectedToValidate(mode: string, environment: string, runType: string): boolean {
    switch (mode) {
        case "always":
            return true;
        case "skip":
            return false;
        case "production_only":
            return environment === "prod";
        case "scheduled":
            return runType === "scheduled";
        default:
            throw new Error(`no such mode ${mode}`);
    }
}

/** A DAG folder laid out as git-sync delivers the example with subPath examples/data-quality. */
function exampleDagFolder(dirs: string[]): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spark-k8s-it-data-quality-"));
    dirs.push(dir);
    fs.cpSync(exampleDir, dir, { recursive: true, filter: (src) => !/(^|\/)(__pycache__|\.[^/]*)$/.test(src.slice(exampleDir.length)) });
    return dir;
}

/** Runs dag_runs.py over the home's DAG folder. */
async function dagRuns(venv: Venv, home: AirflowHome, cases: readonly DagCase[], env: Record<string, string> = {}): Promise<DagRunsReport> {
    const input = path.join(home.dir, `cases-${Date.now()}.json`);
    const output = path.join(home.dir, `runs-${Date.now()}.json`);
    fs.writeFileSync(input, JSON.stringify({ dag_id: dagId, cases }));
    const exit = await python(venv, [path.join(__dirname, "dag_runs.py"), input, output], { env: { ...home.env, ...env }, cwd: home.dir, timeoutMs: 20 * 60 * 1000 });
    assert.equal(exit.status, 0, `dag_runs.py failed:\n${`${exit.stdout}\n${exit.stderr}`.trim().split("\n").slice(-40).join("\n")}`);
    return JSON.parse(fs.readFileSync(output, "utf8")) as DagRunsReport;
}

describe(`examples/data-quality: Great Expectations ${gxVersion} and the validation modes in Airflow ${image.airflowVersion}`, function () {
    this.timeout(20 * 60 * 1000);
    let venv: Venv;
    const dirs: string[] = [];
    const homes: AirflowHome[] = [];

    before(function () {
        this.timeout(40 * 60 * 1000);
        venv = dataQualityVenv();
    });
    after(() => {
        homes.forEach((h) => h.remove());
        dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true }));
    });

    it(`installs beside the Airflow image's packages: great_expectations ${gxVersion}, its pandas at the image lock's version, the image's ${image.sparkClient.requirement}==${image.sparkClient.version}`, function () {
        const out = run(venv.python, ["-c", "import json, importlib.metadata as m; print(json.dumps({p: m.version(p) for p in ('great_expectations', 'pandas', 'pyspark', 'apache-airflow')}))"]);
        const got = JSON.parse(out) as Record<string, string>;
        const pins = lockPins();
        const requirements = new Map(exampleRequirements().map((r): [string, string] => [normalise(r.split("==")[0]), r.split("==")[1]]));
        assert.equal(got.great_expectations, gxVersion);
        assert.match(gxVersion, /^1\./, "GX Core, the 1.x line");
        assert.equal(got.pandas, requirements.get("pandas"), "requirements.txt pins the pandas that installs");
        assert.equal(got.pandas, pins.get("pandas"), "the pandas of the Airflow image's lock");
        assert.equal(got.pyspark, image.sparkClient.version);
        assert.equal(got["apache-airflow"], image.airflowVersion);
        // Whatever pip resolved is consistent, and nothing floats: each distribution is pinned by the image's lock or requirements.txt.
        run(venv.bin("pip"), ["check"], { what: "pip check in the data-quality venv" });
        const installed = run(venv.bin("pip"), ["list", "--format", "json", "--disable-pip-version-check"]);
        const unpinned = (JSON.parse(installed) as { name: string; version: string }[])
            .filter((d) => !["pip", "setuptools", "wheel"].includes(normalise(d.name)))
            .filter((d) => (pins.get(normalise(d.name)) ?? requirements.get(normalise(d.name))) !== d.version)
            .map((d) => `${d.name}==${d.version}`);
        assert.deepEqual(unpinned, [], "installed at a version neither the Airflow image's lock nor requirements.txt pins");
    });

    describe("validate.py on the repository's CSV files (GX's pandas datasource)", function () {
        it("passes the good orders: exit 0, every expectation evaluated and successful", async function () {
            assertPassed(await validate(venv, ["--suite", suiteFile, "--csv", csv("good")]), "pandas");
        });

        it("fails the bad orders: exit 1, naming exactly the expectations the data breaks", async function () {
            assertFailedOnBadData(await validate(venv, ["--suite", suiteFile, "--csv", csv("bad")]), "pandas");
        });

        it("refuses a suite with an expectation GX cannot build (exit 2) rather than running the rest", async function () {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spark-k8s-it-suite-"));
            dirs.push(dir);
            const broken = path.join(dir, "orders.json");
            fs.writeFileSync(broken, JSON.stringify({ ...suite, expectations: [...suite.expectations, { type: "expect_column_values_to_be_purple", kwargs: { column: "status" } }] }));
            const r = await validate(venv, ["--suite", broken, "--csv", csv("good")]);
            assert.equal(r.status, 2);
            assert.equal(r.report.success, false);
            assert.match(r.report.error ?? "", /could not build 1 expectation\(s\): expect_column_values_to_be_purple/);
        });
    });

    describe("the DAG in Airflow's DagBag, run with dag.test() in every validation mode", function () {
        let folder: string;
        let home: AirflowHome;
        let bag: DagBagReport;
        let report: DagRunsReport;
        /** One run per mode and per decisive input, each telling a swapped wiring apart; validate is marked successful. */
        const cases: DagCase[] = [
            { run_type: "manual", conf: { validation_mode: "always", environment: "dev" } },
            { run_type: "scheduled", conf: { validation_mode: "skip", environment: "prod" } },
            { run_type: "manual", conf: { validation_mode: "production_only", environment: "prod" } },
            { run_type: "scheduled", conf: { validation_mode: "production_only", environment: "staging" } },
            { run_type: "scheduled", conf: { validation_mode: "scheduled", environment: "dev" } },
            { run_type: "manual", conf: { validation_mode: "scheduled", environment: "prod" } },
        ].map((c) => ({ ...c, mark_success: "validate" }));

        before(async function () {
            this.timeout(30 * 60 * 1000);
            folder = exampleDagFolder(dirs);
            home = airflowHome(venv, folder);
            homes.push(home);
            bag = dagBagReport(venv, home);
            report = await dagRuns(venv, home, cases);
        });

        it("imports from the example's folder with no import or serialization error, and nothing else in it is a DAG", function () {
            assert.equal(bag.discovery_error, undefined);
            assert.deepEqual(bag.import_errors, {});
            assert.deepEqual(bag.serialization_errors, {});
            assert.deepEqual(Object.keys(bag.dags), [dagId]);
            const dag = bag.dags[dagId];
            assert.equal(dag.fileloc, path.join("dags", "data_quality.py"));
            assert.equal(dag.catchup, false);
            assert.equal(dag.max_active_runs, 1);
            assert.ok(dag.tags.includes("spark-k8s") && dag.tags.includes("example"));
            assert.deepEqual(dag.tasks.map((t) => t.task_id).sort(), ["decide", "publish", "skip_validation", "validate"]);
            for (const t of dag.tasks) assert.equal(t.render_error, undefined, `${t.task_id} renders`);
        });

        it("has a schedule (scheduled runs exist) and params validation_mode (the four modes) and environment (the platform's tiers)", function () {
            assert.notEqual(report.schedule, null);
            assert.deepEqual(report.params.validation_mode.schema.enum, ["always", "skip", "production_only", "scheduled"]);
            assert.deepEqual(report.params.environment.schema.enum, [...tiers]);
            assert.equal(report.params.environment.default, "prod", "an unset environment is production: production_only never skips by accident");
            assert.deepEqual(report.module_modes, report.params.validation_mode.schema.enum);
            assert.deepEqual(report.tasks.decide.downstream, ["skip_validation", "validate"]);
            assert.deepEqual(report.tasks.publish.downstream, []);
            assert.match(report.tasks.publish.trigger_rule, /none_failed_min_one_success/i, "publish follows a passed or skipped validation only");
        });

        it("the DAG's own branch callable decides every mode × environment × Airflow run type as the modes say", function () {
            assert.ok(report.run_types.includes("scheduled") && report.run_types.includes("manual"), report.run_types.join(", "));
            assert.equal(report.decisions.length, 4 * tiers.length * report.run_types.length);
            const wrong = report.decisions.filter((d) => d.task !== (expectedToValidate(d.mode, d.environment, d.run_type) ? "validate" : "skip_validation"));
            assert.deepEqual(wrong, []);
            assert.match(report.refused.mode ?? "", /sometimes/, "an unknown mode is refused");
            assert.match(report.refused.environment ?? "", /production/, "an unknown environment is refused");
        });

        for (const c of cases) {
            const runs = expectedToValidate(c.conf.validation_mode, c.conf.environment, c.run_type);
            it(`${c.conf.validation_mode}, ${c.conf.environment}, a ${c.run_type} run: ${runs ? "validates" : "skips validation"}, then publishes`, function () {
                const r = report.runs.find((x) => JSON.stringify(x.conf) === JSON.stringify(c.conf) && x.run_type === c.run_type);
                assert.ok(r, "the run happened");
                assert.equal(r.recorded_run_type, c.run_type, "the run in the database has the case's run type");
                assert.equal(r.run_state, "success");
                assert.deepEqual(r.states, {
                    decide: "success",
                    validate: runs ? "success" : "skipped",
                    skip_validation: runs ? "skipped" : "success",
                    publish: "success",
                });
            });
        }
    });

    describe(`through the local stack's Spark Connect ${line} server (GX's Spark datasource on Spark Connect DataFrames)`, function () {
        let stack: StackRun;
        let servers: StackServers | undefined;
        let server: ConnectServer;
        const landing: Record<"good" | "bad", string> = { good: "", bad: "" };

        before(async function () {
            this.timeout(30 * 60 * 1000);
            stack = await presetRun("local", [], { versions: [line] });
            servers = await startStackServers(stack);
            const { s3, metastore, podIdentity } = servers;
            server = await startConnectServer(line, { run: stack, s3, metastoreUri: metastore.thriftUri, podIdentity });
            const { bucket } = warehouseLocation(configMapData(stack, "hive-metastore-config")["metastore-site.xml"]);
            for (const name of ["good", "bad"] as const) {
                const key = `landing/data-quality/orders_${name}.csv`;
                s3.putObject(bucket, key, fs.readFileSync(csv(name), "utf8"));
                landing[name] = `s3a://${bucket}/${key}`;
            }
            const created = await python(venv, [path.join(__dirname, "orders_tables.py"), server.url, "examples", ordersSchema, `orders_good=${landing.good}`, `orders_bad=${landing.bad}`]);
            assert.equal(created.status, 0, `creating the tables failed:\n${created.stderr.slice(-3000)}\nThe Connect server's log ends:\n${server.server.logTail(40)}`);
            const rows = (file: string): number => fs.readFileSync(file, "utf8").trim().split("\n").length - 1;
            assert.deepEqual(JSON.parse(created.stdout.trim().split("\n").pop() ?? "{}"), { orders_good: rows(csv("good")), orders_bad: rows(csv("bad")) });
        });
        after(async () => {
            await server?.stop();
            await servers?.stop();
        });

        const withLog = async <T>(action: () => Promise<T>): Promise<T> => {
            try {
                return await action();
            } catch (err) {
                throw new Error(`${(err as Error).message}\nThe Connect server's log ends:\n${server.server.logTail(40)}`);
            }
        };

        it("passes the good orders table: exit 0, every expectation evaluated by Spark", async function () {
            await withLog(async () => assertPassed(await validate(venv, ["--suite", suiteFile, "--connect-url", server.url, "--table", "examples.orders_good"]), "spark"));
        });

        it("fails the bad orders table: exit 1, naming exactly the expectations the data breaks", async function () {
            await withLog(async () => assertFailedOnBadData(await validate(venv, ["--suite", suiteFile, "--connect-url", server.url, "--table", "examples.orders_bad"]), "spark"));
        });

        it("reads files as well: the bad orders CSV in the bucket, with the table's schema", async function () {
            await withLog(async () => assertFailedOnBadData(await validate(venv, ["--suite", suiteFile, "--connect-url", server.url, "--path", landing.bad, "--format", "csv", "--schema", ordersSchema]), "spark"));
        });

        describe("the DAG's validate task running validate.py against this server (dag.test(), mode always)", function () {
            let report: DagRunsReport;
            const cases: DagCase[] = [
                { run_type: "manual", conf: { validation_mode: "always", environment: "dev", table: "examples.orders_good" } },
                { run_type: "manual", conf: { validation_mode: "always", environment: "dev", table: "examples.orders_bad" } },
            ];
            before(async function () {
                this.timeout(20 * 60 * 1000);
                const home = airflowHome(venv, exampleDagFolder(dirs));
                homes.push(home);
                // The Variable the platform sets on Airflow's pods (exampleDagVariables), here this server.
                report = await withLog(() => dagRuns(venv, home, cases, { [variableEnvName(`spark_k8s_connect_url_${lineSuffix(line)}`)]: server.url }));
            });

            it("good table: validate succeeds and publish runs", function () {
                const r = report.runs[0];
                assert.deepEqual(r.states, { decide: "success", validate: "success", skip_validation: "skipped", publish: "success" });
                assert.equal(r.run_state, "success");
            });

            it("bad table: validate fails, publish does not run, the run fails", function () {
                const r = report.runs[1];
                assert.deepEqual(r.states, { decide: "success", validate: "failed", skip_validation: "skipped", publish: "upstream_failed" });
                assert.equal(r.run_state, "failed");
            });
        });
    });
});
