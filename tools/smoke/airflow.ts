/**
 * The Airflow part of the smoke test: the script that triggers one example DAG through Airflow's
 * REST API and waits for its run (airflow_check.py), its arguments, and the verdicts drawn from the
 * JSON line it prints.
 *
 * Where it runs: a pod of the platform's Airflow image in the airflow namespace, calling the API
 * server's Service directly with a token for the admin user (its Secret, through secretKeyRef). Not
 * through the Kubernetes API server's service proxy: the API server removes the Authorization
 * header once it has authenticated the caller with it (k8s.io/apiserver, the WithAuthentication
 * filter), so Airflow's own bearer token cannot pass.
 */
import * as fs from "fs";
import * as path from "path";
import { CheckResult, lastJsonReport, nameStamp, outputEnd, randomTail, skipped } from "./checks";

export const airflowCheckScriptPath = path.join(__dirname, "airflow_check.py");
export const airflowCheckScript = (): string => fs.readFileSync(airflowCheckScriptPath, "utf8");

/** Every run the smoke test triggers has an id with this prefix; airflow_check.py refuses any other. */
export const smokeRunPrefix = "spark_k8s_smoke__";

/** A run id no other run uses, e.g. spark_k8s_smoke__20261205t061500_k3x9. */
export function smokeRunId(at: Date, random: () => number = Math.random): string {
    return `${smokeRunPrefix}${nameStamp(at)}_${randomTail(random, 4)}`;
}

/** The script's arguments. */
export function airflowCheckArgs(apiUrl: string, dagId: string, runId: string, options: { keep?: boolean; timeoutSeconds?: number } = {}): string[] {
    return [apiUrl, dagId, runId, ...(options.keep ? ["--keep"] : []), ...(options.timeoutSeconds !== undefined ? ["--timeout", String(options.timeoutSeconds)] : [])];
}

/** The environment variables the script reads the admin's username and password from. */
export const airflowCredentialEnv = { username: "AIRFLOW_SMOKE_USERNAME", password: "AIRFLOW_SMOKE_PASSWORD" } as const;

/** What airflow_check.py prints (its one JSON line). */
export interface AirflowReport {
    readonly steps: readonly string[];
    readonly timings: Readonly<Record<string, number>>;
    readonly failedStep?: string;
    readonly error?: string;
    readonly url?: string;
    readonly dagId?: string;
    readonly runId?: string;
    readonly keep?: boolean;
    readonly airflowVersion?: string;
    readonly wasPaused?: boolean;
    readonly unpaused?: boolean;
    readonly triggered?: boolean;
    /** The run's last state seen: queued, running, success, failed. */
    readonly state?: string;
    readonly tasks?: readonly { readonly taskId: string; readonly state: string | null; readonly tryNumber?: number }[];
    readonly deleted?: boolean;
    /** A run still going at the timeout is marked failed first: Airflow 3.2 deletes only queued or finished runs. */
    readonly markedFailed?: boolean;
    readonly repaused?: boolean;
    readonly cleanupError?: string;
}

/** The report; output without one is a failed report quoting its end. */
export function parseAirflowReport(stdout: string): AirflowReport {
    return (
        lastJsonReport<AirflowReport>(stdout, (v) => Array.isArray((v as AirflowReport).steps)) ??
        { steps: [], timings: {}, failedStep: "client", error: `the check printed no report; its output ended with: ${outputEnd(stdout)}` }
    );
}

/**
 * Two verdicts for one DAG: its run (triggered through the API, succeeded) and the cleanup (the
 * run deleted, the DAG paused again if it was). `proves` says what the DAG's success shows.
 */
export function airflowResults(dagId: string, proves: string, r: AirflowReport, hint: string): CheckResult[] {
    const runName = `Airflow DAG ${dagId}: run`;
    const cleanupName = `Airflow DAG ${dagId}: cleanup`;
    const seconds = Math.round(((r.timings.total ?? 0) - (r.timings.cleanup ?? 0)) * 100) / 100;
    const results: CheckResult[] = [];
    if (r.failedStep && r.failedStep !== "run" && r.failedStep !== "cleanup") {
        results.push({ name: runName, verdict: "failed", seconds, detail: `${r.failedStep}: ${r.error ?? "failed"}`, hint });
    } else if (r.state === "success") {
        results.push({ name: runName, verdict: "passed", seconds, detail: `${r.runId} succeeded in ${r.timings.run ?? "?"} s on Airflow ${r.airflowVersion ?? "?"}: ${proves}` });
    } else {
        const tasks = (r.tasks ?? []).filter((t) => t.state !== "success").map((t) => `${t.taskId} ${t.state ?? "no state"}`);
        const why = r.state === "failed" ? "failed" : `still ${r.state ?? "not started"} (${r.error ?? "timed out"})`;
        results.push({ name: runName, verdict: "failed", seconds, detail: `${r.runId ?? "the run"} ${why}${tasks.length ? `; tasks: ${tasks.join(", ")}` : ""}`, hint });
    }
    const cleanupSeconds = r.timings.cleanup ?? 0;
    if (r.keep) results.push(skipped(cleanupName, `kept ${r.runId ?? "the run"}${r.unpaused ? `, and ${dagId} unpaused` : ""} (--keep)`));
    else if (!r.triggered && !r.unpaused) results.push(skipped(cleanupName, "nothing was changed"));
    else if (r.cleanupError || (r.triggered && r.deleted !== true) || (r.wasPaused && r.repaused !== true)) {
        results.push({ name: cleanupName, verdict: "failed", seconds: cleanupSeconds, detail: r.cleanupError ?? `${r.triggered && r.deleted !== true ? `${r.runId} not deleted` : ""}${r.wasPaused && r.repaused !== true ? `${r.triggered && r.deleted !== true ? "; " : ""}${dagId} left unpaused` : ""}`, hint });
    } else {
        results.push({ name: cleanupName, verdict: "passed", seconds: cleanupSeconds, detail: `${r.triggered ? `${r.runId}${r.markedFailed ? " marked failed and" : ""} deleted` : "no run"}${r.wasPaused ? `, ${dagId} paused again` : ""}` });
    }
    return results;
}
