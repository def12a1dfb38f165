import { strict as assert } from "assert";
import { presets, Scenario, sparkVersions } from "../../../components/config/schema";
import { componentPlan, connectServers, parseScenario } from "../../../components/spark/scenarios";
import { scenarioCombinations } from "../../support";

const plan = (list: readonly Scenario[], extra: Partial<Parameters<typeof componentPlan>[0]> = {}) =>
    componentPlan({ scenarios: list, presets: [], versions: ["3.5", "4.1"], tier: "dev", minioEnabled: false, ...extra });

describe("scenarios, one at a time", () => {
    it("Jupyter scenarios run JupyterHub and Connect on the chosen backend, without Airflow or the operator", () => {
        for (const [scenario, backend] of [["jupyter-connect-k8s", "k8s"], ["jupyter-connect-standalone", "standalone"]] as const) {
            const p = plan([scenario]);
            assert.deepEqual(p.jupyterhub, { enabled: true, backends: [backend] });
            assert.equal(p.airflow.enabled, false);
            assert.equal(p.sparkOperator, false);
            assert.deepEqual(p.connect, { backends: [backend], versions: ["3.5", "4.1"] });
        }
    });

    it("Airflow Connect scenarios run Connect and Airflow, without JupyterHub", () => {
        for (const [scenario, backend] of [["airflow-connect-k8s", "k8s"], ["airflow-connect-standalone", "standalone"]] as const) {
            const p = plan([scenario]);
            assert.deepEqual(p.airflow, { enabled: true, connectBackends: [backend] });
            assert.equal(p.jupyterhub.enabled, false);
            assert.deepEqual(p.connect.backends, [backend]);
            assert.equal(p.airflowSparkSubmit || p.airflowSparkApplications, false);
        }
    });

    it("airflow-k8s-submit lets Airflow submit to Kubernetes and runs no Connect server", () => {
        const p = plan(["airflow-k8s-submit"]);
        assert.equal(p.airflowSparkSubmit, true);
        assert.deepEqual(p.connect, { backends: [], versions: [] });
        assert.deepEqual(connectServers(p), []);
        assert.equal(p.sparkOperator, false);
    });

    it("airflow-operator installs the Spark Operator and lets Airflow create SparkApplications", () => {
        const p = plan(["airflow-operator"]);
        assert.equal(p.sparkOperator, true);
        assert.equal(p.airflowSparkApplications, true);
        assert.deepEqual(connectServers(p), []);
    });

    it("reads each scenario name as client, mode and backend", () => {
        assert.deepEqual(parseScenario("jupyter-connect-standalone"), { client: "jupyter", mode: "connect", backend: "standalone" });
        assert.deepEqual(parseScenario("airflow-k8s-submit"), { client: "airflow", mode: "k8s-submit" });
        assert.deepEqual(parseScenario("airflow-operator"), { client: "airflow", mode: "operator" });
    });

    it("runs MinIO on the local tier always and elsewhere only when enabled", () => {
        assert.equal(plan(["jupyter-connect-k8s"], { tier: "local" }).minio, true);
        assert.equal(plan(["jupyter-connect-k8s"]).minio, false);
        assert.equal(plan(["jupyter-connect-k8s"], { minioEnabled: true }).minio, true);
    });

    it("refuses an empty list (validation names the key before this is reached)", () => {
        assert.throws(() => plan([]), /no scenario/);
    });
});

describe("scenarios composed", () => {
    const combinations = scenarioCombinations();

    it("there are 63 non-empty combinations of the six scenarios", () => {
        assert.equal(combinations.length, 63);
        assert.equal(new Set(combinations.map((c) => c.join(","))).size, 63);
    });

    for (const list of combinations) {
        it(`[${list.join(", ")}]: the plan is the union of what each scenario needs`, () => {
            const p = plan(list);
            const alone = list.map((s) => plan([s]));
            assert.deepEqual(p.scenarios, list);
            assert.equal(p.jupyterhub.enabled, alone.some((a) => a.jupyterhub.enabled), "jupyterhub");
            assert.equal(p.airflow.enabled, alone.some((a) => a.airflow.enabled), "airflow");
            assert.equal(p.sparkOperator, alone.some((a) => a.sparkOperator), "operator");
            assert.equal(p.airflowSparkSubmit, alone.some((a) => a.airflowSparkSubmit), "spark-submit rights");
            assert.equal(p.airflowSparkApplications, alone.some((a) => a.airflowSparkApplications), "SparkApplication rights");
            const union = (pick: (q: typeof p) => readonly string[]) => [...new Set(alone.flatMap(pick))].sort();
            assert.deepEqual([...p.connect.backends].sort(), union((a) => a.connect.backends), "connect backends");
            assert.deepEqual([...p.jupyterhub.backends].sort(), union((a) => a.jupyterhub.backends), "notebook backends");
            assert.deepEqual([...p.airflow.connectBackends].sort(), union((a) => a.airflow.connectBackends), "Airflow's Connect backends");
            // One Connect server per (line, backend) that some scenario needs, each exactly once.
            const servers = connectServers(p).map((s) => `${s.version}/${s.backend}`);
            assert.equal(new Set(servers).size, servers.length, "a server twice");
            assert.deepEqual(servers.sort(), [...new Set(alone.flatMap((a) => connectServers(a).map((s) => `${s.version}/${s.backend}`)))].sort());
            // Notebooks and DAGs only ever point at servers the stack runs.
            for (const s of [...connectServers(p, p.jupyterhub.backends), ...connectServers(p, p.airflow.connectBackends)]) {
                assert.ok(servers.includes(`${s.version}/${s.backend}`), `${s.version}/${s.backend} is used but not run`);
            }
            assert.equal(p.historyServer && p.metastore, true);
        });
    }

    it("lists k8s servers before standalone ones, each backend in the order of spark.versions", () => {
        const p = plan(["jupyter-connect-standalone", "airflow-connect-k8s"], { versions: ["4.1", "3.5"] });
        assert.deepEqual(connectServers(p), [
            { version: "4.1", backend: "k8s" },
            { version: "3.5", backend: "k8s" },
            { version: "4.1", backend: "standalone" },
            { version: "3.5", backend: "standalone" },
        ]);
        assert.deepEqual(connectServers(p, p.jupyterhub.backends).map((s) => s.backend), ["standalone", "standalone"]);
        assert.deepEqual(connectServers(p, p.airflow.connectBackends).map((s) => s.backend), ["k8s", "k8s"]);
    });

    it("presets compose with every combination without changing what the scenarios switch on", () => {
        for (const list of combinations) {
            const bare = plan(list);
            const all = plan(list, { presets: [...presets], versions: [...sparkVersions] });
            assert.equal(all.gpu && all.iceberg && all.costOptimized, true);
            assert.deepEqual({ ...all, gpu: false, iceberg: false, costOptimized: false, connect: { ...all.connect, versions: bare.connect.versions } }, bare, list.join(","));
        }
    });
});
