/**
 * The tutorial notebooks (notebooks/*.ipynb) executed headless, as JupyterLab's "Run All" runs them,
 * against each Spark line's real Connect server: started as integration/smoke/connect.test.ts starts
 * it (the local stack's object storage, Hive Metastore on PostgreSQL, the generated spark-defaults
 * with the suite's single-machine overrides, so spark.master is local[2]). Every supported line
 * runs (sparkVersions), each with the client images/jupyter-spark installs for it, in a kernel
 * named like the image's, with SPARK_REMOTE and SPARK_K8S_SPARK_LINE set as the notebook pod has
 * them. nbformat validates each notebook before and after; nbclient executes it; then the outputs
 * of chosen cells are checked against what the markdown next to them says.
 */
import { strict as assert } from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { icebergRuntimeLines, SparkVersion, sparkVersions } from "../../components/config/schema";
import { serviceEndpoints } from "../../components/config/names";
import { StackRun } from "../../tools/harness";
import { logDir } from "../support/processes";
import { ensureVenv, Venv } from "../support/python";
import { ConnectClient, ConnectServer, connectClient, runClient, startConnectServer } from "../support/spark";
import { StackServers, startStackServers } from "../support/stackServers";
import { concurrencyLimit, presetRun, sparkConcurrency, timed, timingReport } from "../spark/matrix";

const stack = "local";
const repoRoot = path.resolve(__dirname, "..", "..");
const notebooksDir = path.join(repoRoot, "notebooks");
const runner = path.join(__dirname, "run_notebooks.py");

/** What the kernel needs beside the Connect client to run notebooks headless, pinned. */
const notebookTools = ["nbclient==0.11.0", "nbformat==5.11.1", "ipykernel==7.4.0"];

/** The user JupyterHub would set in the notebook pod (JUPYTERHUB_USER); it names the notebooks' databases. */
const notebookUser = "it-notebooks";

interface NbOutput {
    output_type: string;
    name?: string;
    text?: string | string[];
    data?: Record<string, string | string[]>;
    ename?: string;
    evalue?: string;
}
interface NbCell {
    id: string;
    cell_type: string;
    execution_count?: number | null;
    metadata: { tags?: string[] };
    outputs?: NbOutput[];
}
interface Notebook {
    cells: NbCell[];
    metadata: { kernelspec: { name: string; display_name: string } };
}

/** run_notebooks.py's report on one notebook. */
interface NotebookReport {
    readonly notebook: string;
    readonly nbformat: [number, number];
    readonly validationError: string | null;
    readonly executedValidationError: string | null;
    readonly error?: string;
    readonly seconds: number;
    readonly executed: string;
}

interface LineRun {
    readonly server: ConnectServer;
    readonly client: ConnectClient;
    readonly reports: NotebookReport[];
    readonly executed: Map<string, Notebook>;
    /** Databases named like the notebooks' that the Metastore lists after the run. */
    readonly leftDatabases: string[];
}

const notebookFiles = (): string[] => fs.readdirSync(notebooksDir).filter((f) => f.endsWith(".ipynb")).sort();
const readNotebook = (file: string): Notebook => JSON.parse(fs.readFileSync(file, "utf8")) as Notebook;
const joined = (v: string | string[] | undefined): string => (Array.isArray(v) ? v.join("") : v ?? "");

/** The venv of a line's notebook kernel: the line's client as connectClient installs it, plus the notebook tools. */
async function notebookVenv(line: SparkVersion): Promise<{ client: ConnectClient; venv: Venv }> {
    const client = await connectClient(line);
    const constraintsFile = client.constraints.startsWith("images/") ? path.join(repoRoot, client.constraints) : undefined;
    const venv = ensureVenv({ name: `notebooks-${line}`, requirements: [client.used, ...notebookTools], constraintsFile, basePython: "python3.11" });
    return { client, venv };
}

/** A Jupyter data dir holding one kernelspec, named as the notebook image names its kernel, that runs the venv's python. */
function kernelDir(venv: Venv, kernelName: string, line: SparkVersion): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `spark-k8s-it-jupyter-${line}-`));
    fs.mkdirSync(path.join(dir, "kernels", kernelName), { recursive: true });
    const spec = { argv: [venv.python, "-m", "ipykernel_launcher", "-f", "{connection_file}"], display_name: `PySpark ${line} (Spark Connect)`, language: "python" };
    fs.writeFileSync(path.join(dir, "kernels", kernelName, "kernel.json"), JSON.stringify(spec));
    return dir;
}

/** Runs every notebook of notebooks/ with the line's kernel against the server; the reports and executed notebooks. */
async function runNotebooks(line: SparkVersion, venv: Venv, url: string): Promise<{ reports: NotebookReport[]; executed: Map<string, Notebook> }> {
    const files = notebookFiles().map((f) => path.join(notebooksDir, f));
    const kernelNames = new Set(files.map((f) => readNotebook(f).metadata.kernelspec.name));
    assert.equal(kernelNames.size, 1, `the notebooks name different kernels: ${[...kernelNames].join(", ")}`);
    const jupyter = kernelDir(venv, [...kernelNames][0], line);
    const out = path.join(logDir, `notebooks-${line}`);
    try {
        const stdout = await new Promise<string>((resolve, reject) =>
            execFile(venv.python, [runner, out, ...files], {
                timeout: 20 * 60 * 1000,
                maxBuffer: 64 * 1024 * 1024,
                cwd: jupyter,
                env: {
                    ...process.env,
                    SPARK_REMOTE: url,
                    SPARK_K8S_SPARK_LINE: line,
                    JUPYTERHUB_USER: notebookUser,
                    JUPYTER_PATH: jupyter,
                    JUPYTER_RUNTIME_DIR: path.join(jupyter, "runtime"),
                    IPYTHONDIR: path.join(jupyter, "ipython"),
                    PYTHONUNBUFFERED: "1",
                },
            }, (err, so, se) => (err ? reject(new Error(`run_notebooks.py (Spark ${line}) failed: ${err.message}\n${se.split("\n").slice(-30).join("\n")}`)) : resolve(so))),
        );
        const reports = JSON.parse(stdout.trim().split("\n").pop() ?? "[]") as NotebookReport[];
        return { reports, executed: new Map(reports.map((r) => [r.notebook, readNotebook(r.executed)])) };
    } finally {
        fs.rmSync(jupyter, { recursive: true, force: true });
    }
}

const listTutorialDatabases = [
    "import json, sys",
    "from pyspark.sql import SparkSession",
    "spark = SparkSession.builder.remote(sys.argv[1]).getOrCreate()",
    "names = [r[0] for r in spark.sql(\"SHOW DATABASES LIKE 'tutorial_*'\").collect()]",
    "spark.stop()",
    "print(json.dumps(names))",
    "",
].join("\n");

/**
 * What a code cell printed on stdout or returned (results, displays). Not stderr: the Spark 4
 * clients log every server error there too, as a JSON line with the Java stack trace.
 */
function cellText(nb: Notebook, id: string): string {
    const cell = nb.cells.find((c) => c.id === id);
    assert.ok(cell, `no cell ${id}`);
    return (cell.outputs ?? [])
        .map((o) => (o.output_type === "stream" ? (o.name === "stdout" ? joined(o.text) : "") : o.output_type === "error" ? "" : joined(o.data?.["text/plain"])))
        .join("");
}

const occurrences = (text: string, what: string): number => text.split(what).length - 1;

describe("tutorial notebooks (notebooks/*.ipynb) executed headless against each line's Connect server", function () {
    this.timeout(30 * 60 * 1000);
    let run: StackRun;
    let stackServers: StackServers | undefined;
    const runs = new Map<SparkVersion, Promise<LineRun>>();
    const servers: ConnectServer[] = [];

    before("the local stack's object storage and metastore; every line's Connect server, and every notebook run with the line's client", async function () {
        this.timeout(40 * 60 * 1000);
        const at = (line: string) => ({ stack, preset: "notebooks", line });
        run = await presetRun(stack, []);
        stackServers = await timed(at("-"), "start S3, Pod Identity endpoint, metastore", () => startStackServers(run));
        const { s3, metastore, podIdentity } = stackServers;
        const limit = concurrencyLimit(sparkConcurrency);
        for (const line of sparkVersions) {
            runs.set(line, limit(async () => {
                const { client, venv } = await timed(at(line), "notebook venv", () => notebookVenv(line));
                const server = await timed(at(line), "start Connect server", () => startConnectServer(line, { run, s3, metastoreUri: metastore.thriftUri, podIdentity }));
                servers.push(server);
                const { reports, executed } = await timed(at(line), "run notebooks", () => runNotebooks(line, venv, server.url));
                const { result: leftDatabases } = await runClient<string[]>(client, listTutorialDatabases, [server.url]);
                return { server, client, reports, executed, leftDatabases };
            }));
        }
        await Promise.allSettled(runs.values());
    });

    after(async function () {
        console.log(timingReport());
        for (const r of await Promise.allSettled(runs.values())) {
            if (r.status === "fulfilled") console.log(r.value.reports.map((n) => `      ${r.value.server.line} ${n.notebook.padEnd(32)} ${n.seconds.toFixed(1).padStart(6)} s${n.error ? "  FAILED" : ""}`).join("\n"));
        }
        for (const s of servers) await s.stop();
        await stackServers?.stop();
    });

    for (const line of sparkVersions) {
        describe(`Spark ${line}`, function () {
            const nb = async (prefix: string): Promise<Notebook> => {
                const r = await runs.get(line)!;
                const name = [...r.executed.keys()].find((k) => k.startsWith(`${prefix}-`));
                assert.ok(name, `no executed notebook ${prefix}-*`);
                return r.executed.get(name)!;
            };

            it("every notebook is valid nbformat (the nbformat library's validate, before and after running) and ran to its end without an error", async function () {
                const r = await runs.get(line)!;
                assert.deepEqual(r.reports.map((n) => n.notebook), notebookFiles());
                for (const n of r.reports) {
                    assert.deepEqual(n.nbformat, [4, 5], n.notebook);
                    assert.equal(n.validationError, null, `${n.notebook}: ${n.validationError}`);
                    assert.equal(n.executedValidationError, null, `${n.notebook} once executed: ${n.executedValidationError}`);
                    assert.equal(n.error, undefined, `${n.notebook} (Spark ${line}, the server's log in ${logDir}):\n${n.error}`);
                }
            });

            it("every code cell ran; only the cells tagged raises-exception show an error, and each of them does", async function () {
                const r = await runs.get(line)!;
                for (const [name, executed] of r.executed) {
                    for (const cell of executed.cells.filter((c) => c.cell_type === "code")) {
                        assert.equal(typeof cell.execution_count, "number", `${name} cell ${cell.id} did not run`);
                        const errors = (cell.outputs ?? []).filter((o) => o.output_type === "error");
                        const expected = cell.metadata.tags?.includes("raises-exception") ?? false;
                        assert.equal(errors.length, expected ? 1 : 0, `${name} cell ${cell.id}: ${errors.map((e) => `${e.ename}: ${e.evalue}`).join("; ")}`);
                    }
                }
            });

            it("the databases the notebooks created are dropped at their end", async function () {
                const r = await runs.get(line)!;
                const mine = r.leftDatabases.filter((d) => d.includes(notebookUser.replace(/-/g, "_")) && d.endsWith(line.replace(".", "_")));
                assert.deepEqual(mine, []);
            });

            it("01: the table lands in the stack's warehouse with its rows", async function () {
                const n = await nb("01");
                const r = await runs.get(line)!;
                assert.match(cellText(n, "nb01-versions"), new RegExp(`^server +Spark +${line.replace(".", "\\.")}\\.\\d+$`, "m"));
                assert.match(cellText(n, "nb01-write"), /tables: \['buckets'\]/);
                const read = cellText(n, "nb01-read");
                assert.match(read, /rows in the table: 10\n/);
                const warehouse = r.server.conf["spark.sql.warehouse.dir"];
                assert.ok(read.includes(`warehouse: ${warehouse}`), read);
                const location = /Location: (\S+)/.exec(read)?.[1] ?? "";
                assert.ok(location.startsWith(`${warehouse}/tutorial_01_`) && location.endsWith(".db/buckets"), `Location ${location} is not under ${warehouse}`);
                assert.match(read, /Provider: parquet/);
            });

            it("02: explain shows what the markdown says (the groupBy's Exchange and two HashAggregates, round-robin repartition, coalesce without a shuffle, the cache's in-memory scan)", async function () {
                const n = await nb("02");
                const groupBy = cellText(n, "nb02-explain-groupby");
                assert.match(groupBy, /Exchange hashpartitioning\(key#\d+L?, 200\)/, groupBy);
                assert.ok(occurrences(groupBy, "HashAggregate") >= 2, groupBy);
                assert.match(groupBy, /AdaptiveSparkPlan/);
                assert.match(cellText(n, "nb02-explain-extended"), /== Parsed Logical Plan ==[\s\S]*== Analyzed Logical Plan ==[\s\S]*== Optimized Logical Plan ==[\s\S]*== Physical Plan ==/);
                assert.match(cellText(n, "nb02-explain-repartition"), /Exchange RoundRobinPartitioning\(8\)/);
                const coalesce = cellText(n, "nb02-explain-coalesce");
                assert.match(coalesce, /Coalesce 2/);
                assert.doesNotMatch(coalesce, /Exchange/);
                const cached = cellText(n, "nb02-explain-cache");
                assert.match(cached, /InMemoryTableScan/);
                assert.match(cached, /InMemoryRelation/);
            });

            it("02: rows per partition, caching and storage levels are as described", async function () {
                const n = await nb("02");
                const parts = cellText(n, "nb02-partitions");
                assert.match(parts, /range, 4 partitions: +\[250, 250, 250, 250\]/);
                const repartitioned = JSON.parse(/repartition\(8\): +(\[.*\])/.exec(parts)?.[1] ?? "[]") as number[];
                assert.equal(repartitioned.length, 8, parts);
                assert.equal(repartitioned.reduce((a, b) => a + b, 0), 1000);
                assert.match(parts, /coalesce\(2\): +\[500, 500\]/);
                assert.match(cellText(n, "nb02-action"), /count\(\) ran a job: \d+ rows in/);
                assert.match(cellText(n, "nb02-cache"), /storage level: Disk Memory Deserialized 1x Replicated/);
                const persisted = cellText(n, "nb02-persist");
                assert.match(persisted, /storage level: Disk Serialized 1x Replicated/);
                assert.match(persisted, /after unpersist: Serialized 1x Replicated/);
                assert.match(cellText(n, "nb02-shuffle-conf"), /spark\.sql\.shuffle\.partitions = 200\n/);
            });

            it("03: the server's configuration read through the session is the generated one, and the interpretation names local mode under the suite's override", async function () {
                const n = await nb("03");
                const r = await runs.get(line)!;
                const conf = cellText(n, "nb03-server-conf");
                const value = (key: string): string | undefined => new RegExp(`^${key.replace(/\./g, "\\.")} +(.+)$`, "m").exec(conf)?.[1];
                assert.equal(value("spark.master"), r.server.overrides["spark.master"]);
                assert.equal(value("spark.app.name"), serviceEndpoints.connect(line).name);
                for (const key of ["spark.kubernetes.namespace", "spark.kubernetes.container.image", "spark.dynamicAllocation.maxExecutors", "spark.sql.warehouse.dir"]) {
                    assert.equal(value(key), r.server.conf[key], key);
                }
                const interpreted = cellText(n, "nb03-interpret");
                assert.match(interpreted, /^Local mode \(local\[2\]\): no executors/m);
                assert.ok(interpreted.includes(`(namespace ${r.server.conf["spark.kubernetes.namespace"]})`), interpreted);
                assert.ok(interpreted.includes(`Driver: the Connect server ${serviceEndpoints.connect(line).name}`), interpreted);
                assert.match(cellText(n, "nb03-job"), /16 tasks over 10M rows: 1000 keys/);
                const sessionConf = cellText(n, "nb03-session-conf");
                const [, before] = /this session: (\d+) -> 16/.exec(sessionConf) ?? [];
                assert.ok(before, sessionConf);
                assert.match(sessionConf, new RegExp(`back to the server's value: ${before}\\n`));
            });

            it("04: client, server and image agree; the kernel's packages are listed; the server's classpath has the image's jars", async function () {
                const n = await nb("04");
                assert.match(cellText(n, "nb04-versions"), new RegExp(`client, server and notebook image agree on Spark ${line.replace(".", "\\.")}`));
                assert.match(cellText(n, "nb04-packages"), /^pandas +\d+\.\d+/m);
                const jars = cellText(n, "nb04-jars");
                assert.match(jars, /^found +org\.apache\.hadoop\.fs\.s3a\.S3AFileSystem/m);
                assert.match(jars, /^found +org\.apache\.spark\.internal\.io\.cloud\.PathOutputCommitProtocol/m);
                assert.match(jars, new RegExp(`^${icebergRuntimeLines.includes(line) ? "found" : "not found"} +org\\.apache\\.iceberg\\.spark\\.SparkCatalog`, "m"));
                assert.match(jars, /^not found +org\.postgresql\.Driver/m);
            });

            it("05: the failing cell shows the error class the markdown reads; the error's parts, the ANSI behaviour of the line, the pushed-down filter", async function () {
                const n = await nb("05");
                const failing = n.cells.find((c) => c.id === "nb05-failing-query")!;
                const error = (failing.outputs ?? []).find((o) => o.output_type === "error");
                assert.equal(error?.ename, "AnalysisException");
                assert.match(error?.evalue ?? "", /^\[UNRESOLVED_COLUMN\.WITH_SUGGESTION\]/);
                const parts = cellText(n, "nb05-error-parts");
                if (line === "3.5") {
                    // The 3.5 Connect client gets the message only, as the markdown says.
                    assert.match(parts, /error class: TABLE_OR_VIEW_NOT_FOUND \(from the message\)\nSQLSTATE {3}: None\nparameters : None/);
                } else {
                    assert.match(error?.evalue ?? "", /SQLSTATE: 42703/);
                    assert.match(parts, /error class: TABLE_OR_VIEW_NOT_FOUND\nSQLSTATE {3}: 42P01\nparameters : \{/);
                }
                const ansi = cellText(n, "nb05-ansi");
                if (line === "3.5") assert.match(ansi, /spark\.sql\.ansi\.enabled = false\nno error; the malformed values became \[None, None, None\]/);
                else assert.match(ansi, /spark\.sql\.ansi\.enabled = true\nrun-time error: CAST_INVALID_INPUT/);
                const plan = cellText(n, "nb05-explain-pushdown");
                assert.match(plan, /PushedFilters: \[IsNotNull\(amount\), GreaterThan\(amount,99\.0\)\]/);
                assert.match(plan, /ReadSchema: struct<id:bigint,amount:double>/);
                assert.match(cellText(n, "nb05-try-cast"), /\| *0x\| *NULL\| *0\|\n\| *1x\| *NULL\| *10\|/);
                assert.match(cellText(n, "nb05-conf"), /spark\.sql\.adaptive\.coalescePartitions\.enabled/);
            });

            it("06: the partition counts follow spark.sql.shuffle.partitions without AQE and shrink with it; the join strategies are the ones named", async function () {
                const n = await nb("06");
                const partitions = cellText(n, "nb06-shuffle-partitions");
                assert.match(partitions, /8 shuffle partitions[^\n]*\n {2}partitions after the shuffle \(AQE off\): 8\n/);
                const off200 = Number(/200 shuffle partitions[^\n]*\n {2}partitions after the shuffle \(AQE off\): (\d+)/.exec(partitions)?.[1]);
                assert.ok(off200 > 150 && off200 <= 200, partitions);
                const aqe = cellText(n, "nb06-aqe");
                assert.match(aqe, /AdaptiveSparkPlan/);
                const on = Number(/partitions after the shuffle \(AQE on\): (\d+)/.exec(aqe)?.[1]);
                assert.ok(on >= 1 && on < off200, aqe);
                const smj = cellText(n, "nb06-sort-merge-join");
                assert.match(smj, /SortMergeJoin/);
                assert.doesNotMatch(smj, /BroadcastHashJoin/);
                const bhj = cellText(n, "nb06-broadcast-join");
                assert.match(bhj, /BroadcastHashJoin/);
                assert.doesNotMatch(bhj, /SortMergeJoin/);
                const caching = cellText(n, "nb06-caching");
                assert.equal(occurrences(caching, " s\n"), 4, caching);
                assert.match(caching, /cache released\n$/);
                // No cell echoes a value it was not meant to show (a timing, a DataFrame's repr).
                for (const id of ["nb06-shuffle-partitions", "nb06-aqe", "nb06-sort-merge-join", "nb06-broadcast-join"]) {
                    assert.equal(n.cells.find((c) => c.id === id)!.outputs!.filter((o) => o.output_type === "execute_result").length, 0, id);
                }
            });
        });
    }
});
