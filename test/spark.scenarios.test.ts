import { strict as assert } from "assert";
import { presets, scenarios } from "../components/config/schema";
import { componentPlan } from "../components/spark/scenarios";

const plan = (scenario: (typeof scenarios)[number], extra: Partial<Parameters<typeof componentPlan>[0]> = {}) =>
    componentPlan({ scenario, presets: [], versions: ["3.5", "4.1"], tier: "dev", minioEnabled: false, ...extra });

describe("scenarios", () => {
    it("Jupyter scenarios run JupyterHub and Connect on the chosen backend, without Airflow or the operator", () => {
        for (const [scenario, backend] of [["jupyter-connect-k8s", "k8s"], ["jupyter-connect-standalone", "standalone"]] as const) {
            const p = plan(scenario);
            assert.equal(p.jupyterhub, true);
            assert.equal(p.airflow, false);
            assert.equal(p.sparkOperator, false);
            assert.deepEqual(p.connect, { enabled: true, backend, versions: ["3.5", "4.1"] });
        }
    });

    it("Airflow Connect scenarios run Connect and Airflow, without JupyterHub", () => {
        for (const [scenario, backend] of [["airflow-connect-k8s", "k8s"], ["airflow-connect-standalone", "standalone"]] as const) {
            const p = plan(scenario);
            assert.equal(p.airflow, true);
            assert.equal(p.jupyterhub, false);
            assert.equal(p.connect.backend, backend);
            assert.equal(p.connect.enabled, true);
            assert.equal(p.airflowSparkSubmit || p.airflowSparkApplications, false);
        }
    });

    it("airflow-k8s-submit lets Airflow submit to Kubernetes and runs no Connect server", () => {
        const p = plan("airflow-k8s-submit");
        assert.equal(p.airflowSparkSubmit, true);
        assert.equal(p.connect.enabled, false);
        assert.deepEqual(p.connect.versions, []);
        assert.equal(p.sparkOperator, false);
    });

    it("airflow-operator installs the Spark Operator and lets Airflow create SparkApplications", () => {
        const p = plan("airflow-operator");
        assert.equal(p.sparkOperator, true);
        assert.equal(p.airflowSparkApplications, true);
        assert.equal(p.connect.enabled, false);
    });

    it("every scenario keeps the History Server and the Metastore", () => {
        for (const s of scenarios) {
            assert.equal(plan(s).historyServer, true, s);
            assert.equal(plan(s).metastore, true, s);
        }
    });

    it("presets compose with every scenario without changing what the scenario switches on", () => {
        for (const s of scenarios) {
            const bare = plan(s);
            const all = plan(s, { presets: [...presets] });
            assert.equal(all.gpu && all.iceberg && all.costOptimized, true, s);
            assert.deepEqual({ ...all, gpu: false, iceberg: false, costOptimized: false }, bare, s);
        }
    });

    it("runs MinIO on the local tier always and elsewhere only when enabled", () => {
        assert.equal(plan("jupyter-connect-k8s", { tier: "local" }).minio, true);
        assert.equal(plan("jupyter-connect-k8s").minio, false);
        assert.equal(plan("jupyter-connect-k8s", { minioEnabled: true }).minio, true);
    });
});
