import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { V1Pod } from "@kubernetes/client-node";
import { AirflowReport } from "../../../tools/smoke/airflow";
import { ConnectReport } from "../../../tools/smoke/connect";
import { stackConfig } from "../../../tools/harness";
import { smokeCommand } from "../../../tools/smoke/main";

const stackConfigImage = (stack: string) => stackConfig(stack).spark.images.airflow;
import { deployment, fakeToken, FakeApi, kubeconfigText, ProxyAnswer, startFakeKubeApi, statefulSet } from "./fakeKubeApi";

const warehouse = "s3a://warehouse/warehouse";

/** What connect_check.py prints after a run that did everything, for the table the pod was given. */
function report(args: string[], over: Partial<ConnectReport> = {}): string {
    const [, , , url, database, table] = args;
    const line = /spark-connect-(\d)(\d)/.exec(url)!;
    const version = `${line[1]}.${line[2]}.4`;
    const r: ConnectReport = {
        steps: ["reach", "session", "version", "database", "create", "describe", "list", "write", "read", "drop", "list after drop", "files after drop"],
        timings: { session: 1, create: 1, write: 1, read: 1, drop: 1 },
        url, database, table: `${database}.${table}`, keep: args.includes("--keep"),
        clientVersion: version, sparkVersion: version, appId: "spark-app-1", appName: `spark-connect-${line[1]}${line[2]}`,
        catalogImplementation: "hive", warehouseDir: warehouse, created: true, location: `${warehouse}/${database}.db/${table}`,
        tableType: "MANAGED", provider: "parquet", listedInDatabase: true,
        rowsWritten: [[1, "one"]], rowsRead: [[1, "one"]],
        ...(args.includes("--keep") ? {} : { dropped: true, listedAfterDrop: false, rowsLeftAfterDrop: 0 }),
        ...over,
    };
    return `some client warning on stderr\n${JSON.stringify(r)}\n`;
}

/** What airflow_check.py prints after a run that succeeded and was cleaned up. */
function airflowReport(args: string[], over: Partial<AirflowReport> = {}): string {
    const [, , , url, dagId, runId] = args;
    const r: AirflowReport = {
        steps: ["arguments", "health", "token", "version", "dag", "unpause", "trigger", "run", "cleanup"], timings: { run: 30, cleanup: 1, total: 35 },
        url, dagId, runId, keep: false, airflowVersion: "3.2.2", wasPaused: true, unpaused: true, triggered: true, state: "success", deleted: true, repaused: true, ...over,
    };
    return `${JSON.stringify(r)}\n`;
}

const healthyLocal = {
    "spark-jobs": { deployments: [deployment("spark-jobs", "spark-connect-35", 1, 1), deployment("spark-jobs", "spark-connect-41", 1, 1)] },
    "spark-platform": { deployments: [deployment("spark-platform", "spark-history-server", 1, 1), deployment("spark-platform", "hive-metastore", 1, 1)], statefulsets: [statefulSet("spark-platform", "postgres", 1, 1)] },
    minio: { statefulsets: [statefulSet("minio", "minio", 1, 1)] },
    jupyterhub: { deployments: [deployment("jupyterhub", "hub", 1, 1), deployment("jupyterhub", "proxy", 1, 1)] },
};
/** The History Server's list: a running Connect server, and every batch pod's application, completed. */
const historyList = (created: readonly V1Pod[]): ProxyAnswer => {
    const batchApps = created
        .filter((p) => p.metadata?.labels?.["app.kubernetes.io/component"] === "batch-check")
        .map((p, i) => {
            const command = p.spec!.containers[0].command ?? [];
            return { id: `local-17000000000${i}`, name: command[command.indexOf("--name") + 1], attempts: [{ completed: true, appSparkVersion: "4.1.4" }] };
        });
    return { status: 200, body: [{ id: "spark-app-1", name: "spark-connect-35", attempts: [{ completed: false }] }, ...batchApps] };
};
const proxy: Record<string, ProxyAnswer | ((created: readonly V1Pod[]) => ProxyAnswer)> = {
    "spark-platform/spark-history-server:18080/api/v1/applications": historyList,
    "jupyterhub/hub:8081/hub/health": { status: 200, body: "" },
};
/** Each pod's log: the check scripts' reports, SparkPi's result for the batch pod. */
const logs = (over: { connect?: (args: string[]) => Partial<ConnectReport>; airflow?: (args: string[]) => Partial<AirflowReport>; batch?: string } = {}) =>
    (p: { namespace: string; args: string[] }): string => {
        if (p.args.some((a) => a.endsWith("/bin/spark-submit"))) return over.batch ?? "INFO SparkContext: Running Spark version 4.1.4\nPi is roughly 3.141592\nINFO SparkContext: Successfully stopped SparkContext\n";
        if (p.namespace === "airflow") return airflowReport(p.args, over.airflow?.(p.args));
        return report(p.args, over.connect?.(p.args));
    };

describe("npm run smoke (through @kubernetes/client-node against a stand-in API server)", function () {
    this.timeout(60000);
    let api: FakeApi | undefined;
    let dir: string;
    const outputsFile = (outputs: Record<string, unknown>) => {
        const f = path.join(dir, "outputs.json");
        fs.writeFileSync(f, JSON.stringify(outputs));
        return f;
    };
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "smoke-test-"))));
    afterEach(async () => {
        await api?.close();
        api = undefined;
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("local: every check passes, each Connect pod is hardened, runs the line's client image and is deleted, and the JSON report says so", async () => {
        api = await startFakeKubeApi({ workloads: healthyLocal, podLog: logs(), proxy });
        const json = path.join(dir, "report.json");
        const result = await smokeCommand(["--stack", "local", "--outputs", outputsFile({ environment: "local" }), "--kubeconfig", api.kubeconfig, "--json", json]);
        assert.equal(result.code, 0, result.stdout + result.stderr);
        assert.match(result.stdout, /connect-4\.1: write and read rows/);
        assert.match(result.stdout, /\d+ passed, 0 failed, 0 skipped/);
        assert.match(result.stdout, /ok .*batch: SparkPi with spark-connect-41-conf .*Pi is roughly 3\.141592/);
        assert.match(result.stdout, /ok .*History Server lists the smoke test's application .*local-\d+ \(spark-k8s-smoke-41-\d{8}t\d{6}-[0-9a-z]{4}\) listed, completed/);

        const created = api.requests.filter((r) => r.method === "POST" && r.path === "/api/v1/namespaces/spark-jobs/pods");
        assert.equal(created.length, 3);
        const batch = created.map((r) => r.body as V1Pod).find((p) => p.metadata?.labels?.["app.kubernetes.io/component"] === "batch-check")!;
        assert.deepEqual(batch.spec!.volumes?.find((v) => v.name === "spark-conf")?.configMap, { name: "spark-connect-41-conf" });
        assert.equal(batch.spec!.serviceAccountName, "spark");
        const batchEnv = Object.fromEntries((batch.spec!.containers[0].env ?? []).map((e) => [e.name, e]));
        assert.deepEqual(batchEnv.AWS_SECRET_ACCESS_KEY.valueFrom, { secretKeyRef: { name: "object-storage-credentials", key: "AWS_SECRET_ACCESS_KEY" } });
        assert.equal(batch.spec!.containers[0].securityContext?.readOnlyRootFilesystem, true);
        assert.equal(batch.spec!.securityContext?.runAsUser, 185);
        for (const req of created.filter((r) => (r.body as V1Pod).metadata?.labels?.["app.kubernetes.io/component"] === "connect-check")) {
            const pod = req.body as V1Pod;
            const spec = pod.spec!;
            const c = spec.containers[0];
            assert.match(c.image ?? "", /jupyter-spark:(3\.5|4\.1)\./);
            assert.equal(c.command?.[0], "/opt/conda/envs/spark/bin/python");
            assert.equal(c.securityContext?.allowPrivilegeEscalation, false);
            assert.equal(c.securityContext?.readOnlyRootFilesystem, true);
            assert.deepEqual(c.securityContext?.capabilities, { drop: ["ALL"] });
            assert.equal(spec.securityContext?.runAsNonRoot, true);
            assert.equal(spec.automountServiceAccountToken, false);
            assert.equal(spec.restartPolicy, "Never");
            assert.ok((spec.activeDeadlineSeconds ?? 0) > 0);
            assert.equal(pod.metadata?.labels?.["app.kubernetes.io/name"], "spark-k8s-smoke");
            assert.ok(api.requests.some((r) => r.method === "DELETE" && r.path === `/api/v1/namespaces/spark-jobs/pods/${pod.metadata?.name}`), `${pod.metadata?.name} deleted`);
        }
        assert.ok(api.requests.every((r) => r.authorization === `Bearer ${fakeToken}`), "every call carries the kubeconfig's credentials");

        const saved = JSON.parse(fs.readFileSync(json, "utf8")) as { passed: boolean; counts: Record<string, number>; checks: { name: string; verdict: string }[] };
        assert.equal(saved.passed, true);
        assert.deepEqual(saved.checks.filter((c) => c.verdict !== "passed").map((c) => c.name), []);
        assert.equal(saved.counts.passed, saved.checks.length);
        assert.ok(saved.checks.some((c) => c.name === "workloads ready: spark-platform" && c.verdict === "passed"));
        assert.ok(saved.checks.some((c) => c.name === "JupyterHub hub healthy" && c.verdict === "passed"));
    });

    it("fails (exit 1) and says which check and where to look: a workload not ready, files left after DROP TABLE, a hub that does not answer", async () => {
        const workloads = { ...healthyLocal, "spark-platform": { deployments: [deployment("spark-platform", "hive-metastore", 1, 0), deployment("spark-platform", "spark-history-server", 1, 1)] } };
        api = await startFakeKubeApi({ workloads, podLog: logs({ connect: (args) => (args.some((a) => a.includes("spark-connect-41")) ? { rowsLeftAfterDrop: 3 } : {}) }), proxy: { ...proxy, "jupyterhub/hub:8081/hub/health": { status: 503, body: "hub down" } } });
        const result = await smokeCommand(["--stack", "local", "--outputs", outputsFile({}), "--kubeconfig", api.kubeconfig]);
        assert.equal(result.code, 1);
        assert.match(result.stderr, /3 check\(s\) failed/);
        assert.match(result.stdout, /FAIL .*workloads ready: spark-platform .*Deployment hive-metastore \(0\/1 available\)/);
        assert.match(result.stdout, /→ kubectl -n spark-platform describe deployment\/hive-metastore/);
        assert.match(result.stdout, /FAIL .*connect-4\.1: cleanup .*3 rows are still readable/);
        assert.match(result.stdout, /→ kubectl -n spark-jobs logs deploy\/spark-connect-41/);
        assert.match(result.stdout, /ok .*connect-3\.5: cleanup/);
        assert.match(result.stdout, /FAIL .*JupyterHub hub healthy .*HTTP 503: hub down/);
    });

    it("--keep: the table is kept and the check pods are not deleted", async () => {
        api = await startFakeKubeApi({ workloads: healthyLocal, podLog: logs(), proxy });
        const result = await smokeCommand(["--stack", "local", "--outputs", outputsFile({}), "--kubeconfig", api.kubeconfig, "--keep"]);
        assert.equal(result.code, 0, result.stdout);
        assert.match(result.stdout, /skip .*connect-3\.5: cleanup .*kept spark_k8s_smoke\.smoke_35_/);
        assert.equal(api.requests.filter((r) => r.method === "DELETE").length, 0);
        const args = (api.requests.find((r) => r.method === "POST")!.body as V1Pod).spec!.containers[0].command ?? [];
        assert.ok(args.includes("--keep"));
    });

    it("a client pod that fails without a report is a failed session naming the pod's output", async () => {
        api = await startFakeKubeApi({ workloads: healthyLocal, podLog: () => "Traceback (most recent call last):\nModuleNotFoundError: No module named 'pyspark'\n", podPhase: "Failed", proxy });
        const result = await smokeCommand(["--stack", "local", "--outputs", outputsFile({}), "--kubeconfig", api.kubeconfig]);
        assert.equal(result.code, 1);
        assert.match(result.stdout, /FAIL .*connect-3\.5: session .*No module named 'pyspark'/);
        assert.match(result.stdout, /skip .*connect-3\.5: write and read rows .*no session/);
    });

    it("AWS: uses the stack's kubeconfig output, and refuses a kubeconfig that points at another cluster than the stack's", async () => {
        api = await startFakeKubeApi({ workloads: {}, podLog: logs(), proxy: { "spark-platform/spark-history-server:18080/api/v1/applications": historyList } });
        const outputs = { buckets: { warehouse: "wh" }, clusterEndpoint: "https://ABC.gr7.eu-west-1.eks.amazonaws.com", kubeconfig: kubeconfigText(api.url) };
        const refused = await smokeCommand(["--stack", "dev", "--outputs", outputsFile(outputs)]);
        assert.equal(refused.code, 1);
        assert.match(refused.stderr, new RegExp(`points at ${api.url.replace(/[.]/g, "\\.")}, but stack dev's cluster is https://ABC`));
        assert.equal(api.requests.length, 0, "nothing was asked of the wrong cluster");

        const matching = await smokeCommand(["--stack", "dev", "--outputs", outputsFile({ ...outputs, clusterEndpoint: api.url })]);
        assert.match(matching.stdout, new RegExp(`smoke test of stack dev \\(dev\\) on ${api.url.replace(/[.]/g, "\\.")}`));
        assert.ok(api.requests.some((r) => r.path === "/apis/apps/v1/namespaces/airflow/deployments"), "the stack's own kubeconfig reached its cluster");
        assert.match(matching.stdout, /FAIL .*workloads ready: airflow .*no Deployment, StatefulSet or DaemonSet in airflow/);
        assert.match(matching.stdout, /FAIL .*Airflow API healthy .*HTTP 503/);
    });

    it("dev: each airflow-* scenario's example DAG is triggered by a hardened pod of the Airflow image in the airflow namespace, its credentials only by reference", async () => {
        const dev = {
            ...healthyLocal,
            "spark-operator": { deployments: [deployment("spark-operator", "spark-operator-controller", 1, 1)] },
            airflow: { deployments: [deployment("airflow", "airflow-api-server", 1, 1), deployment("airflow", "airflow-scheduler", 1, 1)] },
            "kube-system": { deployments: [{ ...deployment("kube-system", "cluster-autoscaler-aws-cluster-autoscaler", 1, 1), metadata: { name: "cluster-autoscaler-aws-cluster-autoscaler", namespace: "kube-system", generation: 2, labels: { "app.kubernetes.io/instance": "cluster-autoscaler" } } }] },
        };
        const healthy = JSON.stringify({ metadatabase: { status: "healthy" }, scheduler: { status: "healthy", latest_scheduler_heartbeat: "2026-12-05T06:00:00+00:00" } });
        api = await startFakeKubeApi({
            workloads: dev,
            podLog: logs({ airflow: (args) => (args.includes("spark_submit_k8s_example") ? { state: "failed", failedStep: "run", tasks: [{ taskId: "spark_submit_pi", state: "failed" }] } : {}) }),
            proxy: { ...proxy, "airflow/airflow-api-server:8080/api/v2/monitor/health": { status: 200, body: healthy } },
        });
        const outputs = { buckets: { warehouse: "warehouse" }, clusterEndpoint: api.url, kubeconfig: kubeconfigText(api.url) };
        const result = await smokeCommand(["--stack", "dev", "--outputs", outputsFile(outputs)]);
        assert.equal(result.code, 1, result.stdout);
        assert.match(result.stdout, /ok .*workloads ready: kube-system \(app\.kubernetes\.io\/instance=cluster-autoscaler\)/);
        assert.match(result.stdout, /ok .*Airflow API healthy .*metadatabase healthy, scheduler healthy/);
        assert.match(result.stdout, /ok .*Airflow DAG spark_operator_example: run .*a SparkApplication ran through the operator, followed to its end by Airflow/);
        assert.match(result.stdout, /ok .*Airflow DAG spark_connect_example: cleanup .*deleted, spark_connect_example paused again/);
        assert.match(result.stdout, /FAIL .*Airflow DAG spark_submit_k8s_example: run .*failed; tasks: spark_submit_pi failed/);
        assert.match(result.stdout, /→ kubectl -n airflow port-forward svc\/airflow-api-server 8080:8080, then http:\/\/localhost:8080\/dags\/spark_submit_k8s_example/);

        const airflowPods = api.requests.filter((r) => r.method === "POST" && r.path === "/api/v1/namespaces/airflow/pods").map((r) => r.body as V1Pod);
        assert.equal(airflowPods.length, 3);
        for (const pod of airflowPods) {
            const c = pod.spec!.containers[0];
            assert.equal(c.image, stackConfigImage("dev"));
            assert.equal(c.securityContext?.allowPrivilegeEscalation, false);
            assert.equal(pod.spec!.securityContext?.runAsUser, 50000);
            assert.deepEqual(pod.spec!.nodeSelector, { "spark-k8s/node-role": "system" });
            const env = Object.fromEntries((c.env ?? []).map((e) => [e.name, e]));
            assert.deepEqual(env.AIRFLOW_SMOKE_PASSWORD.valueFrom, { secretKeyRef: { name: "airflow-admin-user", key: "password" } });
            assert.equal(env.AIRFLOW_SMOKE_PASSWORD.value, undefined, "no credential value in the pod spec");
            const args = c.command ?? [];
            assert.equal(args[3], "http://airflow-api-server.airflow.svc.cluster.local:8080");
            assert.match(args[5], /^spark_k8s_smoke__/);
        }
    });

    it("usage errors exit 2 and name the flag; no outputs and no Pulumi CLI is an error that says what to pass", async () => {
        assert.equal((await smokeCommand([])).code, 2);
        const bad = await smokeCommand(["--stack", "local", "--timeout", "5"]);
        assert.equal(bad.code, 2);
        assert.match(bad.stderr, /--timeout: expected whole seconds from 10 to 3600, got 5/);
        assert.equal((await smokeCommand(["--stack", "local", "--nope"])).code, 2);
        const path0 = process.env.PATH;
        process.env.PATH = dir; // no pulumi on it
        try {
            const noOutputs = await smokeCommand(["--stack", "local"]);
            assert.equal(noOutputs.code, 1);
            assert.match(noOutputs.stderr, /the Pulumi CLI is not installed; pass --outputs FILE holding `pulumi stack output --json --show-secrets --stack local`/);
        } finally {
            process.env.PATH = path0;
        }
    });
});
