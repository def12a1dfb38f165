import { strict as assert } from "assert";
import { controllerReplicas } from "../../../components/services/replication";
import { charts, chartLocation, ChartName } from "../../../components/services/charts";
import { airflowValues } from "../../../components/services/airflow";
import { externalSecretsValues } from "../../../components/services/externalSecrets";
import { sparkOperatorValues } from "../../../components/services/sparkOperator";
import { priorityClassName } from "../../../components/kubernetes/priorities";
import { planTypes } from "../../../tools/planSummary";
import { RecordedResource, StackRun } from "../../../tools/harness";
import { stackRun, stackConfig } from "../../support";
import { at } from "../../support/chartValues";

type Obj = Record<string, unknown>;
const workloadTypes = ["kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet"];
const pdbType = "kubernetes:policy/v1:PodDisruptionBudget";

/** The values of a chart the stack installs; undefined when it does not. */
function chartValues(run: StackRun, chart: ChartName): Obj | undefined {
    const r = run.resources.find((x) => x.type === planTypes.helmChart && (x.inputs as { chart?: string }).chart === chartLocation(charts[chart]).chart);
    return r ? ((r.inputs as { values?: Obj }).values ?? {}) : undefined;
}

const meta = (r: RecordedResource) => (r.inputs as { metadata: { name: string; namespace: string } }).metadata;
const selects = (selector: Obj | undefined, labels: Obj) => selector !== undefined && Object.entries(selector).every(([k, v]) => labels[k] === v);

/** The replicated components of the charts, where the count is, and where their budget is switched on. */
const chartReplicas: { chart: ChartName; what: string; replicas: string; budget: string }[] = [
    { chart: "sparkOperator", what: "Spark Operator controller", replicas: "controller.replicas", budget: "controller.podDisruptionBudget.enable" },
    { chart: "sparkOperator", what: "Spark Operator webhook", replicas: "webhook.replicas", budget: "webhook.podDisruptionBudget.enable" },
    { chart: "externalSecrets", what: "External Secrets controller", replicas: "replicaCount", budget: "podDisruptionBudget.enabled" },
    { chart: "externalSecrets", what: "External Secrets webhook", replicas: "webhook.replicaCount", budget: "webhook.podDisruptionBudget.enabled" },
    { chart: "airflow", what: "Airflow scheduler", replicas: "scheduler.replicas", budget: "scheduler.podDisruptionBudget.enabled" },
    { chart: "airflow", what: "Airflow API server", replicas: "apiServer.replicas", budget: "apiServer.podDisruptionBudget.enabled" },
];

describe("services: replicas and disruption budgets", () => {
    it("runs two of each replicable controller with highAvailability, one without", () => {
        for (const n of Object.values(controllerReplicas(true))) assert.equal(n, 2);
        for (const n of Object.values(controllerReplicas(false))) assert.equal(n, 1);
    });

    it("switches each chart's budget on exactly when its component runs more than one replica", () => {
        for (const ha of [true, false]) {
            const replicas = controllerReplicas(ha);
            const op = sparkOperatorValues({ namespace: "spark-operator", jobNamespaces: ["spark-jobs"], nodeGroups: true, replicas });
            const eso = externalSecretsValues({ serviceAccountName: "external-secrets", nodeGroups: true, replicas });
            assert.equal(at(op, "controller.podDisruptionBudget.enable"), ha);
            assert.equal(at(op, "webhook.podDisruptionBudget.enable"), ha);
            assert.equal(at(eso, "podDisruptionBudget.enabled"), ha);
            assert.equal(at(eso, "webhook.podDisruptionBudget.enabled"), ha);
            assert.equal(at(eso, "leaderElect"), ha);
            assert.equal(at(eso, "certController.replicaCount"), 1);
            assert.equal(at(eso, "certController.podDisruptionBudget.enabled"), false);
            if (ha) {
                // minAvailable one below the replicas: a drain can always take one pod.
                assert.equal(at(op, "controller.podDisruptionBudget.minAvailable"), 1);
                assert.equal(at(eso, "podDisruptionBudget.minAvailable"), 1);
            }
        }
    });

    it("puts the Airflow servers and jobs on the platform class and its task pods on the driver class", () => {
        const values = airflowValues({
            image: "spark-k8s/airflow:3.2.2-p3",
            nodeGroups: true,
            storage: { kind: "s3", region: "eu-west-1", buckets: { warehouse: "w", eventLogs: "e", airflowLogs: "a", backups: "b" } },
            gitSync: { repo: "https://github.com/x/y.git", branch: "main", subPath: "dags" },
            secretNames: { metadata: "m", keys: "k", adminUser: "u", storageConnection: "s" },
            serviceAccountName: "airflow",
            replicas: controllerReplicas(true),
        });
        for (const key of ["scheduler", "apiServer", "webserver", "triggerer", "dagProcessor", "migrateDatabaseJob", "createUserJob"]) {
            assert.equal(at(values, `${key}.priorityClassName`), priorityClassName("platform"), key);
        }
        assert.equal(at(values, "workers.priorityClassName"), priorityClassName("driver"));
        assert.equal(at(values, "triggerer.replicas"), 2);
    });

    describe("the prod stack", () => {
        let run: StackRun;
        before(async function () {
            this.timeout(120000);
            run = await stackRun("prod");
        });

        it("has highAvailability on", () => {
            assert.equal((stackConfig("prod") as { services: { highAvailability: boolean } }).services.highAvailability, true);
        });

        it("gives every Deployment and StatefulSet of more than one replica a PodDisruptionBudget that selects its pods", () => {
            const pdbs = run.resources.filter((r) => r.type === pdbType);
            const replicated = run.resources.filter((r) => workloadTypes.includes(r.type) && ((r.inputs as { spec: { replicas?: number } }).spec.replicas ?? 1) > 1);
            assert.ok(replicated.length >= 1, "the prod stack replicates at least the metastore");
            for (const w of replicated) {
                const labels = (at(w.inputs, "spec.template.metadata.labels") ?? {}) as Obj;
                const own = pdbs.filter((p) => meta(p).namespace === meta(w).namespace && selects(at(p.inputs as Obj, "spec.selector.matchLabels") as Obj | undefined, labels));
                assert.equal(own.length, 1, `${w.type} ${meta(w).name}`);
            }
            // The chart components: a budget wherever there is more than one replica.
            for (const c of chartReplicas) {
                const values = chartValues(run, c.chart);
                assert.ok(values, `prod installs ${c.chart}`);
                const replicas = at(values, c.replicas) as number;
                assert.equal(at(values, c.budget), replicas > 1, c.what);
            }
        });

        it("runs the replicable components with at least two replicas", () => {
            const metastore = run.resources.find((r) => r.type === "kubernetes:apps/v1:Deployment" && meta(r).name === "hive-metastore");
            assert.ok(metastore);
            assert.ok(((metastore.inputs as { spec: { replicas: number } }).spec.replicas) >= 2, "Hive Metastore");
            for (const c of chartReplicas) assert.ok((at(chartValues(run, c.chart)!, c.replicas) as number) >= 2, c.what);
            assert.ok((at(chartValues(run, "airflow")!, "triggerer.replicas") as number) >= 2, "Airflow triggerer");
            const triggererBudget = run.resources.find((r) => r.type === pdbType && meta(r).name === "airflow-triggerer");
            assert.ok(triggererBudget, "the triggerer's budget, which the chart does not write");
        });

        it("keeps the dev stack single, with no chart budget (the Spark Operator chart refuses one for a single replica)", async () => {
            const dev = await stackRun("dev");
            for (const c of chartReplicas) {
                const values = chartValues(dev, c.chart);
                if (!values) continue;
                assert.equal(at(values, c.replicas), 1, c.what);
                assert.equal(at(values, c.budget), false, c.what);
            }
        });
    });
});
