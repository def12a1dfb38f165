/**
 * The smoke test's History Server check: the application a Connect check ran is listed by the
 * History Server's REST API. In the cluster the base URL is the Kubernetes API server's service
 * proxy (.../namespaces/spark-platform/services/spark-history-server:18080/proxy), so the caller
 * may pass its own fetch (credentials, TLS) and headers.
 *
 * Upstream facts (apache/spark, core/src/main/scala/org/apache/spark/status/api/v1/, the same in
 * 3.5 and 4.x): GET /api/v1/applications (ApplicationListResource.appList) lists running and
 * completed applications when no `status` is given; each is an ApplicationInfo (api.scala:
 * id, name, attempts[] of ApplicationAttemptInfo: attemptId, startTime, endTime, lastUpdated,
 * duration, sparkUser, completed, appSparkVersion; 4.x adds optional log-source fields).
 *
 * What the History Server can list depends on the event log being readable in object storage:
 * with rolling event logs (the program's spark.eventLog.rolling.enabled=true, maxFileSize 128m,
 * components/spark/sparkDefaults.ts) an application is a folder eventlog_v2_<appId>/ that Spark's
 * RollingEventLogFilesFileReader (core/.../deploy/history/EventLogFileReaders.scala) only reads
 * once it holds an event log file; on S3A an object appears when its stream closes, i.e. when the
 * file rolls or the application stops. integration/smoke/connect.test.ts measures what this means
 * for a running Connect server.
 */
import { CheckFailure, CheckResult, runCheck } from "./checks";

/** One attempt of an application, as /api/v1/applications reports it (the fields the check reads). */
export interface ApplicationAttempt {
    readonly attemptId?: string;
    readonly startTime?: string;
    readonly endTime?: string;
    readonly completed: boolean;
    readonly appSparkVersion?: string;
    readonly sparkUser?: string;
}

export interface ApplicationInfo {
    readonly id: string;
    readonly name: string;
    readonly attempts: readonly ApplicationAttempt[];
}

/** A fetch-compatible function (Node 20's global fetch by default). */
export type FetchLike = (url: string, init?: { headers?: Record<string, string>; signal?: AbortSignal }) => Promise<{ ok: boolean; status: number; statusText?: string; json(): Promise<unknown>; text(): Promise<string> }>;

export interface HistoryCheckOptions {
    /** The History Server's base URL (no /api/v1), e.g. http://127.0.0.1:18080 or the API server's service proxy URL. */
    readonly baseUrl: string;
    /** The application to find by id (e.g. the Connect check's appId); without it, by appName. */
    readonly appId?: string;
    /** Its expected name (checked when appId is given), or the unique name to find it by. */
    readonly appName?: string;
    /** Also require the application's last attempt to be completed (a stopped server). */
    readonly requireCompleted?: boolean;
    /** How long to keep polling, seconds (the server scans storage every spark.history.fs.update.interval, 10 s by default). */
    readonly timeoutSeconds?: number;
    readonly intervalSeconds?: number;
    /** Per-request time limit, seconds. */
    readonly requestTimeoutSeconds?: number;
    readonly fetch?: FetchLike;
    readonly headers?: Record<string, string>;
    /** The command to look closer, on a failed verdict. */
    readonly hint?: string;
    /** For tests: the clock and the sleep. */
    readonly now?: () => number;
    readonly sleep?: (ms: number) => Promise<void>;
}

export const applicationsUrl = (baseUrl: string): string => `${baseUrl.replace(/\/+$/, "")}/api/v1/applications`;

/** The error of a failed fetch with its cause (Node's fetch says only "fetch failed"). */
function fetchError(url: string, err: unknown): Error {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = [err instanceof Error ? err.message : String(err), cause?.code ?? cause?.message].filter(Boolean).join(": ");
    return new Error(`GET ${url}: ${why}`);
}

/** One listing of the applications. */
export async function listApplications(baseUrl: string, options: Pick<HistoryCheckOptions, "fetch" | "headers" | "requestTimeoutSeconds"> = {}): Promise<ApplicationInfo[]> {
    const url = applicationsUrl(baseUrl);
    const doFetch: FetchLike = options.fetch ?? globalThis.fetch;
    let res: Awaited<ReturnType<FetchLike>>;
    try {
        res = await doFetch(url, { headers: options.headers, signal: AbortSignal.timeout((options.requestTimeoutSeconds ?? 10) * 1000) });
    } catch (err) {
        throw fetchError(url, err);
    }
    if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ""}: ${(await res.text()).slice(0, 300)}`);
    const body = await res.json();
    if (!Array.isArray(body)) throw new Error(`GET ${url}: not a list of applications: ${JSON.stringify(body).slice(0, 300)}`);
    return body as ApplicationInfo[];
}

const describe = (app: ApplicationInfo): string => {
    const last = app.attempts[0];
    return `${app.id} (${app.name}) listed, ${last?.completed ? "completed" : "running"}, Spark ${last?.appSparkVersion ?? "?"}, ${app.attempts.length} attempt(s)`;
};

/**
 * Polls /api/v1/applications until the application is listed (and completed, if required) or the
 * time is up. A verdict, never an exception: an unreachable server or a timeout is a failed check
 * whose detail says what the server listed.
 */
export function historyCheck(name: string, options: HistoryCheckOptions): Promise<CheckResult> {
    const now = options.now ?? Date.now;
    const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    if (options.appId === undefined && options.appName === undefined) throw new Error("historyCheck: give appId or appName");
    const matches = (a: ApplicationInfo): boolean => (options.appId !== undefined ? a.id === options.appId : a.name === options.appName);
    const wanted = options.appId ?? `an application named ${options.appName}`;
    return runCheck(name, async () => {
        const deadline = now() + (options.timeoutSeconds ?? 60) * 1000;
        let listed: ApplicationInfo[] = [];
        let lastError: Error | undefined;
        let polls = 0;
        for (;;) {
            polls += 1;
            try {
                listed = await listApplications(options.baseUrl, options);
                lastError = undefined;
                const app = listed.find(matches);
                if (app && (!options.requireCompleted || app.attempts[0]?.completed)) {
                    if (options.appId !== undefined && options.appName !== undefined && app.name !== options.appName) throw new CheckFailure(`${describe(app)}; expected the name ${options.appName}`, options.hint);
                    return describe(app);
                }
            } catch (err) {
                if (err instanceof CheckFailure) throw err;
                lastError = err as Error;
            }
            if (now() >= deadline) break;
            await sleep((options.intervalSeconds ?? 2) * 1000);
        }
        const seconds = options.timeoutSeconds ?? 60;
        if (lastError) throw new CheckFailure(`${lastError.message} (still failing after ${seconds} s, ${polls} attempts)`, options.hint);
        const found = listed.find(matches);
        if (found) throw new CheckFailure(`${describe(found)}, not completed after ${seconds} s`, options.hint);
        const ids = listed.slice(0, 5).map((a) => a.id).join(", ");
        throw new CheckFailure(`${wanted} is not listed after ${seconds} s (${polls} polls); the server lists ${listed.length} application(s)${ids ? `: ${ids}${listed.length > 5 ? ", ..." : ""}` : ""}`, options.hint);
    }, now);
}
