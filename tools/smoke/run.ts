/**
 * Runs the smoke checks of a plan against a cluster: workloads ready; pods for each Spark Connect
 * server (a client of its line), the batch run and each example DAG (the Airflow image); the
 * History Server, JupyterHub and Airflow's health through the API server's service proxy. Every
 * check ends as a verdict; nothing here throws for a failed check.
 */
import type { V1Pod } from "@kubernetes/client-node";
import { hardenPodSpec } from "../../components/kubernetes/hardening";
import { lineSuffix } from "../../components/config/schema";
import { airflowCheckArgs, airflowCheckScript, airflowCredentialEnv, airflowResults, parseAirflowReport, smokeRunId } from "./airflow";
import { batchAppName, batchPod, sparkPiResult } from "./batch";
import { CheckFailure, CheckResult, randomTail, runCheck, skipped } from "./checks";
import { connectCheckArgs, connectCheckScript, connectResults, parseConnectReport, smokeTableName } from "./connect";
import { FetchLike, historyCheck, listApplications } from "./history";
import { apiErrorDetail, checkPod, SmokeCluster, smokePodLabels } from "./kube";
import { AirflowTarget, ConnectTarget, ProxiedService, SmokePlan } from "./plan";
import { workloadsResult } from "./workloads";

export interface SmokeOptions {
    /** Keep what the checks created (tables, pods). */
    readonly keep?: boolean;
    /** Time the Connect client gets for its session and table steps, seconds. */
    readonly connectTimeoutSeconds?: number;
    /** Time a check pod gets from creation to its end (image pull included), seconds. */
    readonly podTimeoutSeconds?: number;
    /** Time each Airflow DAG run gets to succeed, seconds. */
    readonly dagTimeoutSeconds?: number;
    /** Time the History Server gets to list the batch run once it ended, seconds. */
    readonly historyTimeoutSeconds?: number;
    readonly now?: () => Date;
    readonly random?: () => number;
}

/** The client pod that runs connect_check.py against one Connect server, hardened like every pod of the platform. */
export function connectClientPod(plan: SmokePlan, target: ConnectTarget, podName: string, args: readonly string[], deadlineSeconds: number): V1Pod {
    const spec = hardenPodSpec({
        containers: [{
            name: "connect-check",
            image: target.clientImage,
            command: [plan.clientPod.python, "-c", connectCheckScript(), ...args],
            env: [{ name: "HOME", value: "/tmp" }, { name: "PYTHONDONTWRITEBYTECODE", value: "1" }],
            resources: { requests: { cpu: "200m", memory: "512Mi" }, limits: { memory: "1Gi" } },
            writablePaths: ["/tmp"],
        }],
        runAsUser: plan.clientPod.runAsUser,
        runAsGroup: plan.clientPod.runAsGroup,
        restartPolicy: "Never",
        ...plan.clientPod.placement,
    });
    return checkPod({ name: podName, namespace: target.namespace, component: "connect-check", spec, deadlineSeconds });
}

/** The pod that triggers one example DAG through Airflow's API (airflow_check.py with the Airflow image's python). */
export function airflowClientPod(target: AirflowTarget, podName: string, args: readonly string[], deadlineSeconds: number, placement: SmokePlan["clientPod"]["placement"]): V1Pod {
    const secret = (key: string) => ({ secretKeyRef: { name: target.adminSecret.name, key } });
    const spec = hardenPodSpec({
        containers: [{
            name: "airflow-check",
            image: target.image,
            command: ["python", "-c", airflowCheckScript(), ...args],
            env: [
                { name: "HOME", value: "/tmp" },
                { name: "PYTHONDONTWRITEBYTECODE", value: "1" },
                { name: airflowCredentialEnv.username, valueFrom: secret("username") },
                { name: airflowCredentialEnv.password, valueFrom: secret("password") },
            ],
            resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "256Mi" } },
            writablePaths: ["/tmp"],
        }],
        runAsUser: target.runAsUser,
        restartPolicy: "Never",
        ...placement,
    });
    return checkPod({ name: podName, namespace: target.adminSecret.namespace, component: "airflow-check", spec, deadlineSeconds });
}

/** A DNS-1123 pod name for a check: smoke-<what>-<random>. */
export function smokePodName(what: string, random: () => number): string {
    return `smoke-${what.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "")}`.slice(0, 50) + `-${randomTail(random, 5)}`;
}

const serverLogs = (t: ConnectTarget): string => `kubectl -n ${t.namespace} logs deploy/${t.service}`;

async function connectCheck(plan: SmokePlan, cluster: SmokeCluster, target: ConnectTarget, options: SmokeOptions): Promise<CheckResult[]> {
    const now = options.now ?? (() => new Date());
    const random = options.random ?? Math.random;
    const table = smokeTableName(`${lineSuffix(target.version)}${target.backend === "standalone" ? "s" : ""}`, now(), random);
    const connectTimeout = options.connectTimeoutSeconds ?? 300;
    const podTimeout = options.podTimeoutSeconds ?? connectTimeout + 300;
    const podName = smokePodName(`connect-${lineSuffix(target.version)}${target.backend === "standalone" ? "-standalone" : ""}`, random);
    const pod = connectClientPod(plan, target, podName, connectCheckArgs(target.url, table, { keep: options.keep, timeoutSeconds: connectTimeout }), podTimeout + 60);
    const started = Date.now();
    let run;
    try {
        run = await cluster.runPod(pod, { timeoutSeconds: podTimeout, keep: options.keep });
    } catch (err) {
        const seconds = Math.round((Date.now() - started) / 10) / 100;
        return [
            { name: `${target.label}: session`, verdict: "failed", seconds, detail: `the client pod ${target.namespace}/${podName} could not run: ${apiErrorDetail(err)}`, hint: `kubectl -n ${target.namespace} get events --field-selector involvedObject.name=${podName}` },
            ...["table in the warehouse through the Metastore", "write and read rows", "cleanup"].map((n) => skipped(`${target.label}: ${n}`, "no client pod")),
        ];
    }
    const report = parseConnectReport(run.logs);
    const results = connectResults(target.label, run.problem && report.failedStep === "client" ? { ...report, error: `the client pod ${target.namespace}/${podName} ${run.problem}` } : report, {
        warehouseDir: plan.warehouseDir,
        line: target.version,
        hint: serverLogs(target),
    });
    if (run.problem && report.failedStep !== "client") {
        // The report came through but the pod did not end cleanly (e.g. it could not be deleted).
        results.push({ name: `${target.label}: client pod`, verdict: "failed", seconds: 0, detail: run.problem, hint: `kubectl -n ${target.namespace} get pods -l app.kubernetes.io/name=${smokePodLabels["app.kubernetes.io/name"]}` });
    }
    return results;
}

async function airflowDagCheck(plan: SmokePlan, cluster: SmokeCluster, target: AirflowTarget, dag: AirflowTarget["dags"][number], options: SmokeOptions): Promise<CheckResult[]> {
    const random = options.random ?? Math.random;
    const runId = smokeRunId((options.now ?? (() => new Date()))(), random);
    const dagTimeout = options.dagTimeoutSeconds ?? 900;
    const podName = smokePodName(`airflow-${dag.dagId.replace(/_/g, "-")}`, random);
    const hint = `kubectl -n ${target.namespace} port-forward svc/${target.service} ${target.port}:${target.port}, then http://localhost:${target.port}/dags/${dag.dagId}`;
    const started = Date.now();
    try {
        const pod = airflowClientPod(target, podName, airflowCheckArgs(target.apiUrl, dag.dagId, runId, { keep: options.keep, timeoutSeconds: dagTimeout }), dagTimeout + 360, plan.clientPod.placement);
        const run = await cluster.runPod(pod, { timeoutSeconds: dagTimeout + 300, keep: options.keep });
        const report = parseAirflowReport(run.logs);
        const results = airflowResults(dag.dagId, dag.proves, run.problem && report.failedStep === "client" ? { ...report, error: `the check pod ${target.namespace}/${podName} ${run.problem}` } : report, hint);
        if (run.problem && report.failedStep !== "client") results.push({ name: `Airflow DAG ${dag.dagId}: check pod`, verdict: "failed", seconds: 0, detail: run.problem });
        return results;
    } catch (err) {
        return [
            { name: `Airflow DAG ${dag.dagId}: run`, verdict: "failed", seconds: Math.round((Date.now() - started) / 10) / 100, detail: `the check pod ${target.namespace}/${podName} could not run: ${apiErrorDetail(err)}`, hint: `kubectl -n ${target.namespace} get events --field-selector involvedObject.name=${podName}` },
            skipped(`Airflow DAG ${dag.dagId}: cleanup`, "no check pod"),
        ];
    }
}

/** The batch run (SparkPi with a Connect server's configuration) and the History Server listing it, completed. */
async function batchAndHistoryChecks(plan: SmokePlan, cluster: SmokeCluster, options: SmokeOptions): Promise<CheckResult[]> {
    const batch = plan.batch!;
    const random = options.random ?? Math.random;
    const appName = batchAppName(lineSuffix(batch.version), (options.now ?? (() => new Date()))(), random);
    const podName = smokePodName(`batch-${lineSuffix(batch.version)}`, random);
    const runName = `batch: SparkPi with ${batch.configMap}`;
    const historyName = "History Server lists the smoke test's application";
    const hint = `kubectl -n ${batch.namespace} describe pod ${podName}`;
    let passed = false;
    const run = await runCheck(runName, async () => {
        const pod = batchPod(batch, podName, appName, 900);
        const result = await cluster.runPod(pod, { timeoutSeconds: 600, keep: options.keep }).catch((err) => {
            throw new CheckFailure(`the pod ${batch.namespace}/${podName} could not run: ${apiErrorDetail(err)}`, hint);
        });
        const tail = result.logs.trim().split("\n").slice(-5).join("\n");
        if (result.phase !== "Succeeded" || !sparkPiResult.test(result.logs)) {
            throw new CheckFailure(`${appName}: pod ${result.phase}${result.problem ? ` (${result.problem})` : ""}; its log ends:\n${tail || "(empty)"}`, options.keep ? `kubectl -n ${batch.namespace} logs ${podName}` : hint);
        }
        passed = true;
        return `${appName}: ${sparkPiResult.exec(result.logs)![0]} (Spark ${batch.version}, local mode, its event log written)`;
    });
    if (!passed) return [run, skipped(historyName, "the batch run did not end well")];
    const history = plan.history;
    const listed = await historyCheck(historyName, {
        baseUrl: "http://history",
        appName,
        requireCompleted: true,
        timeoutSeconds: options.historyTimeoutSeconds ?? 120,
        intervalSeconds: 5,
        fetch: proxyFetch(cluster, history),
        hint: `kubectl -n ${history.namespace} logs deploy/${history.service}`,
    });
    return [run, listed];
}

/** A FetchLike that GETs through the service proxy whatever path the URL carries after its origin. */
function proxyFetch(cluster: SmokeCluster, target: ProxiedService): FetchLike {
    return async (url) => {
        const path = new URL(url).pathname;
        const res = await cluster.proxyGet({ ...target, path });
        return { ok: res.status >= 200 && res.status < 300, status: res.status, json: () => Promise.resolve(JSON.parse(res.body) as unknown), text: () => Promise.resolve(res.body) };
    };
}

const proxyDetail = (t: ProxiedService, status: number, body: string): string => `GET ${t.service}:${t.port}${t.path} in ${t.namespace}: HTTP ${status}${body.trim() ? `: ${body.trim().slice(0, 300)}` : ""}`;

/** Airflow's /api/v2/monitor/health: every component it reports must be healthy, the metadatabase and scheduler at least. */
export function airflowHealthVerdict(body: string): { ok: boolean; detail: string } {
    let parsed: Record<string, { status?: string | null } | null>;
    try {
        parsed = JSON.parse(body) as typeof parsed;
    } catch {
        return { ok: false, detail: `not JSON: ${body.slice(0, 200)}` };
    }
    const required = ["metadatabase", "scheduler"];
    const parts = Object.entries(parsed).filter(([, v]) => v && typeof v === "object");
    const seen = parts.map(([k, v]) => `${k} ${v?.status ?? "unknown"}`);
    const unhealthy = parts.filter(([k, v]) => v?.status !== "healthy" && (required.includes(k) || v?.status != null)).map(([k, v]) => `${k} ${v?.status ?? "unknown"}`);
    const missing = required.filter((k) => !parsed[k]);
    if (unhealthy.length > 0 || missing.length > 0) return { ok: false, detail: [...unhealthy, ...missing.map((k) => `${k} not reported`)].join(", ") };
    return { ok: true, detail: seen.join(", ") };
}

/**
 * Runs every check of the plan. The long ones (the Connect pods, the batch run, the DAG runs)
 * start together; the results come back in a fixed order.
 */
export async function runSmoke(plan: SmokePlan, cluster: SmokeCluster, options: SmokeOptions = {}): Promise<CheckResult[]> {
    const workloads = Promise.all(
        [
            ...plan.namespaces.map((ns) => ({ namespace: ns, selector: undefined as string | undefined })),
            ...plan.sharedWorkloads.map((w) => ({ namespace: w.namespace, selector: w.selector })),
        ].map(async ({ namespace, selector }): Promise<CheckResult> => {
            const started = Date.now();
            const name = `workloads ready: ${namespace}${selector ? ` (${selector})` : ""}`;
            try {
                const statuses = await cluster.workloads(namespace, selector);
                return workloadsResult(name, namespace, statuses, (Date.now() - started) / 1000, selector);
            } catch (err) {
                return { name, verdict: "failed", seconds: (Date.now() - started) / 1000, detail: apiErrorDetail(err), hint: `kubectl -n ${namespace} get deploy,sts,ds` };
            }
        }),
    );
    const connect = Promise.all(plan.connect.map((t) => connectCheck(plan, cluster, t, options)));
    const batch = plan.batch ? batchAndHistoryChecks(plan, cluster, options) : Promise.resolve([]);
    const airflow = plan.airflow;
    const dags = airflow ? Promise.all(airflow.dags.map((d) => airflowDagCheck(plan, cluster, airflow, d, options))) : Promise.resolve([]);

    const history = plan.history;
    const historyAnswers = runCheck("History Server answers", async () => {
        const apps = await listApplications("http://history", { fetch: proxyFetch(cluster, history), requestTimeoutSeconds: 20 }).catch((err: Error) => {
            throw new CheckFailure(err.message.replace("GET http://history", `GET ${history.service}:${history.port} in ${history.namespace}:`), `kubectl -n ${history.namespace} logs deploy/${history.service}`);
        });
        return `lists ${apps.length} application(s)`;
    });
    const hub = plan.jupyterhub;
    const hubHealthy = hub
        ? runCheck("JupyterHub hub healthy", async () => {
              const res = await cluster.proxyGet(hub);
              if (res.status !== 200) throw new CheckFailure(proxyDetail(hub, res.status, res.body), `kubectl -n ${hub.namespace} logs deploy/${hub.service}`);
              return `GET ${hub.path}: HTTP 200`;
          })
        : undefined;
    const airflowHealthy = airflow
        ? runCheck("Airflow API healthy", async () => {
              const res = await cluster.proxyGet(airflow);
              if (res.status !== 200) throw new CheckFailure(proxyDetail(airflow, res.status, res.body), `kubectl -n ${airflow.namespace} logs deploy/${airflow.service}`);
              const verdict = airflowHealthVerdict(res.body);
              if (!verdict.ok) throw new CheckFailure(`GET ${airflow.path}: ${verdict.detail}`, `kubectl -n ${airflow.namespace} get pods`);
              return verdict.detail;
          })
        : undefined;

    return [
        ...(await workloads),
        ...(await connect).flat(),
        await historyAnswers,
        ...(await batch),
        ...(hubHealthy ? [await hubHealthy] : []),
        ...(airflowHealthy ? [await airflowHealthy] : []),
        ...(await dags).flat(),
        ...plan.notChecked.map((n) => skipped(n.name, n.why)),
    ];
}
