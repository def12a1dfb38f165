/**
 * The Spark Connect part of the smoke test: the script a Connect client runs (connect_check.py),
 * its arguments, and the verdicts drawn from the one JSON line it prints. Where the script runs
 * (a pod, the integration suite's client) is the caller's business; this module only decides.
 *
 * Which client runs it in the cluster: NOT the Connect pod's own image. images/spark-runtime builds
 * on apache/spark:<release>-...-python3-ubuntu, whose python3 variant only adds Ubuntu's python3
 * and python3-pip to the JVM image (apache/spark-docker, e.g. 3.5.5/ and
 * 4.0.0/scala2.13-java17-python3-ubuntu/Dockerfile); /opt/spark/python is classic PySpark, and
 * pyspark.sql.connect refuses to load without pandas, pyarrow, grpcio and grpcio-status
 * (pyspark/sql/connect/utils.py check_dependencies; the integration suite's server distributions,
 * the same pyspark releases without the connect extra, fail the import with "Pandas ... must be
 * installed"). Adding those to spark-runtime would put about 290 MB (pandas, pyarrow, numpy, grpc)
 * into every driver and executor image. The client that exists and is pinned is the line's
 * jupyter-spark image (/opt/conda/envs/spark/bin/python, the runtime's Python minor, the notebook
 * constraints), so the smoke test runs this script in a short-lived pod of that image in the
 * Connect server's namespace, `python - <args>` with the script on stdin, against the server's
 * Service. The integration suite runs the same client (integration/support/spark.ts connectClient).
 * On 4.x the runtime image also carries the JVM Connect client (jars/connect-repl, `spark-shell
 * --remote`), but not on 3.5, and it would need a second script.
 */
import * as fs from "fs";
import * as path from "path";
import { CheckResult, lastJsonReport, nameStamp, outputEnd, randomTail, skipped } from "./checks";

/** The check script's path; in the cluster its text runs as `python -c` in the client pod. */
export const connectCheckScriptPath = path.join(__dirname, "connect_check.py");
export const connectCheckScript = (): string => fs.readFileSync(connectCheckScriptPath, "utf8");

/** The one database the smoke test writes to: nothing outside it is created or dropped. */
export const smokeDatabase = "spark_k8s_smoke";
/** Every table the smoke test creates starts with this; connect_check.py refuses any other name. */
export const smokeTablePrefix = "smoke_";

/** A table name no other run uses: the line, the time and a random suffix, e.g. smoke_41_20261204t183000_k3x9. */
export function smokeTableName(lineSuffix: string, at: Date, random: () => number = Math.random): string {
    return `${smokeTablePrefix}${lineSuffix}_${nameStamp(at)}_${randomTail(random, 4)}`;
}

/** The script's arguments. */
export function connectCheckArgs(url: string, table: string, options: { keep?: boolean; timeoutSeconds?: number; database?: string } = {}): string[] {
    return [url, options.database ?? smokeDatabase, table, ...(options.keep ? ["--keep"] : []), ...(options.timeoutSeconds !== undefined ? ["--timeout", String(options.timeoutSeconds)] : [])];
}

/** What connect_check.py prints (its last stdout line). */
export interface ConnectReport {
    readonly steps: readonly string[];
    readonly timings: Readonly<Record<string, number>>;
    readonly failedStep?: string;
    readonly error?: string;
    readonly url?: string;
    readonly database?: string;
    /** database.table */
    readonly table?: string;
    readonly keep?: boolean;
    readonly clientVersion?: string;
    readonly sparkVersion?: string;
    /** The Connect server's application: what its event log and the History Server carry. */
    readonly appId?: string;
    readonly appName?: string;
    readonly catalogImplementation?: string;
    readonly warehouseDir?: string;
    readonly created?: boolean;
    readonly rowsWritten?: readonly (readonly [number, string])[];
    readonly rowsRead?: readonly (readonly [number, string])[];
    readonly location?: string;
    readonly tableType?: string;
    readonly provider?: string;
    readonly listedInDatabase?: boolean;
    readonly dropped?: boolean;
    readonly listedAfterDrop?: boolean;
    /** Rows still readable at the table's location after DROP TABLE (0: its files are gone). */
    readonly rowsLeftAfterDrop?: number;
    readonly dropError?: string;
}

/** The report connect_check.py printed; output without one is a failed report quoting its end. */
export function parseConnectReport(stdout: string): ConnectReport {
    return (
        lastJsonReport<ConnectReport>(stdout, (v) => Array.isArray((v as ConnectReport).steps)) ??
        { steps: [], timings: {}, failedStep: "client", error: `the check printed no report; its output ended with: ${outputEnd(stdout)}` }
    );
}

/** What the stack says the check should find. */
export interface ConnectExpectations {
    /** The stack's spark.sql.warehouse.dir (its Connect ConfigMap), e.g. s3a://<warehouse bucket>/warehouse. */
    readonly warehouseDir: string;
    /** The exact Spark release the server's image runs, if known. */
    readonly sparkVersion?: string;
    /** The Spark line the server belongs to (e.g. 4.1): its release must be of that line. */
    readonly line?: string;
    /** The command to look closer (e.g. the server's logs), added to every failed verdict. */
    readonly hint?: string;
}

const sum = (r: ConnectReport, steps: readonly string[]): number => Math.round(steps.reduce((s, k) => s + (r.timings[k] ?? 0), 0) * 100) / 100;

/**
 * The verdicts of one Connect check, named `<label>: ...`: the session, the table through the
 * Metastore catalog in the warehouse, rows written and read back, and the cleanup. A check after
 * the step that failed is skipped with the reason.
 */
export function connectResults(label: string, r: ConnectReport, expect: ConnectExpectations): CheckResult[] {
    const results: CheckResult[] = [];
    const failedAt = (steps: readonly string[]): boolean => r.failedStep !== undefined && steps.includes(r.failedStep);
    const failed = (name: string, seconds: number, detail: string): CheckResult => ({ name, verdict: "failed", seconds, detail, ...(expect.hint ? { hint: expect.hint } : {}) });
    const earlier = `skipped: ${r.failedStep} failed`;

    const sessionSteps = ["arguments", "client", "reach", "session", "version"];
    const sessionName = `${label}: session`;
    if (failedAt(sessionSteps) || r.sparkVersion === undefined) {
        results.push(failed(sessionName, sum(r, sessionSteps), `${r.failedStep ?? "session"}: ${r.error ?? "no Spark version reported"}`));
        for (const n of ["table in the warehouse through the Metastore", "write and read rows", "cleanup"]) results.push(skipped(`${label}: ${n}`, `no session (${r.failedStep ?? "session"} failed)`));
        return results;
    }
    const session = `Spark ${r.sparkVersion} (client ${r.clientVersion ?? "?"}), application ${r.appId ?? "?"} (${r.appName ?? "?"})`;
    if (expect.sparkVersion !== undefined && r.sparkVersion !== expect.sparkVersion) results.push(failed(sessionName, sum(r, sessionSteps), `${session}; expected Spark ${expect.sparkVersion}`));
    else if (expect.line !== undefined && !r.sparkVersion.startsWith(`${expect.line}.`)) results.push(failed(sessionName, sum(r, sessionSteps), `${session}; expected a Spark ${expect.line} release`));
    else results.push({ name: sessionName, verdict: "passed", seconds: sum(r, sessionSteps), detail: session });

    const tableSteps = ["database", "create", "describe", "list"];
    const tableName = `${label}: table in the warehouse through the Metastore`;
    if (failedAt(tableSteps)) results.push(failed(tableName, sum(r, tableSteps), `${r.failedStep}: ${r.error}`));
    else if (!r.created) results.push(skipped(tableName, earlier));
    else {
        const warehouse = expect.warehouseDir.replace(/\/+$/, "");
        const problems: string[] = [];
        if (r.catalogImplementation !== "hive") problems.push(`the session's catalog is ${r.catalogImplementation ?? "?"}, not the Hive Metastore (hive)`);
        if (r.listedInDatabase !== true) problems.push(`SHOW TABLES IN ${r.database} does not list it`);
        if (r.tableType !== "MANAGED") problems.push(`type ${r.tableType ?? "?"}, not MANAGED`);
        if (!r.location?.startsWith(`${warehouse}/`)) problems.push(`at ${r.location ?? "?"}, not under the stack's warehouse ${warehouse}`);
        const seen = `${r.table} (${r.tableType ?? "?"}, ${r.provider ?? "?"}) at ${r.location ?? "?"}`;
        results.push(problems.length > 0 ? failed(tableName, sum(r, tableSteps), `${seen}: ${problems.join("; ")}`) : { name: tableName, verdict: "passed", seconds: sum(r, tableSteps), detail: seen });
    }

    const rowSteps = ["write", "read"];
    const rowsName = `${label}: write and read rows`;
    if (failedAt(rowSteps)) results.push(failed(rowsName, sum(r, rowSteps), `${r.failedStep}: ${r.error}`));
    else if (r.rowsRead === undefined) results.push(skipped(rowsName, earlier));
    else if (JSON.stringify(r.rowsRead) !== JSON.stringify(r.rowsWritten)) results.push(failed(rowsName, sum(r, rowSteps), `wrote ${JSON.stringify(r.rowsWritten)}, read ${JSON.stringify(r.rowsRead)}`));
    else results.push({ name: rowsName, verdict: "passed", seconds: sum(r, rowSteps), detail: `${r.rowsRead.length} rows written and read back` });

    const cleanupSteps = ["drop", "list after drop", "files after drop"];
    const cleanupName = `${label}: cleanup`;
    if (!r.created) results.push(skipped(cleanupName, "nothing was created"));
    else if (r.keep) results.push(skipped(cleanupName, `kept ${r.table} (--keep)`));
    else if (r.dropped !== true || r.listedAfterDrop === true || failedAt(cleanupSteps)) {
        results.push(failed(cleanupName, sum(r, cleanupSteps), `${r.table} is not gone: ${r.dropError ?? r.error ?? (r.listedAfterDrop ? "still listed after DROP TABLE" : "not dropped")}`));
    } else if ((r.rowsLeftAfterDrop ?? 0) > 0) {
        results.push(failed(cleanupName, sum(r, cleanupSteps), `the Metastore dropped ${r.table}, but ${r.rowsLeftAfterDrop} rows are still readable at ${r.location}: its files were not deleted`));
    } else results.push({ name: cleanupName, verdict: "passed", seconds: sum(r, cleanupSteps), detail: `dropped ${r.table}${r.rowsLeftAfterDrop === 0 ? ", no files left" : ""}` });
    return results;
}
