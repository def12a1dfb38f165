import { strict as assert } from "assert";
import { tierDefaults } from "../components/config/defaults";
import { lineSuffix, scenarios, sparkVersions } from "../components/config/schema";
import { componentPlan } from "../components/spark/scenarios";
import { StackRun, unwrapSecrets } from "../tools/harness";
import { validateK8sObject } from "./support/k8sSchema";
import { inputs, ofType, stackRunWith } from "./support";

const named = (run: StackRun, type: string, name: string) => ofType(run, type).some((r) => inputs<{ metadata?: { name?: string } }>(r).metadata?.name === name);
const chart = (run: StackRun, name: string) => ofType(run, "kubernetes:helm.sh/v4:Chart").find((r) => inputs<{ chart: string }>(r).chart === name);
const role = (run: StackRun, namespace: string, name: string) =>
    ofType(run, "kubernetes:rbac.authorization.k8s.io/v1:Role").some((r) => {
        const m = inputs<{ metadata: { name: string; namespace: string } }>(r).metadata;
        return m.namespace === namespace && m.name === name;
    });

describe("scenarios on a whole stack", function () {
    this.timeout(60000);

    for (const scenario of scenarios) {
        it(`${scenario}: the local stack runs exactly the components the scenario needs, all schema-valid`, async () => {
            const run = await stackRunWith("local", { spark: { scenario, presets: ["iceberg", "cost-optimized"] } });
            const listed = tierDefaults("local").spark.versions;
            assert.deepEqual(listed, ["3.5", "4.1"]);
            const plan = componentPlan({ scenario, presets: [], versions: listed, tier: "local", minioEnabled: true });
            for (const line of sparkVersions) {
                const runs = plan.connect.enabled && listed.includes(line);
                const v = lineSuffix(line);
                assert.equal(named(run, "kubernetes:apps/v1:Deployment", `spark-connect-${v}`), runs, `connect ${v}`);
                assert.equal(named(run, "kubernetes:apps/v1:StatefulSet", `spark-master-${v}`), plan.connect.backend === "standalone" && runs, `master ${v}`);
            }
            assert.equal(Boolean(chart(run, "jupyterhub")), plan.jupyterhub, "jupyterhub");
            assert.equal(Boolean(chart(run, "airflow")), plan.airflow, "airflow");
            assert.equal(Boolean(chart(run, "spark-operator")), plan.sparkOperator, "spark operator");
            assert.ok(named(run, "kubernetes:apps/v1:Deployment", "spark-history-server"), "history server");
            assert.ok(named(run, "kubernetes:core/v1:Service", "hive-metastore"), "metastore");
            assert.ok(named(run, "kubernetes:apps/v1:StatefulSet", "minio"), "minio on local");
            assert.ok(named(run, "kubernetes:apps/v1:StatefulSet", "postgres"), "postgres on local");
            for (const r of run.resources.filter((x) => x.custom && x.type.startsWith("kubernetes:") && !x.type.startsWith("kubernetes:helm.sh"))) {
                assert.deepEqual(validateK8sObject(unwrapSecrets(r.inputs)), [], `${r.type} ${r.name}`);
            }
        });
    }

    it("airflow-k8s-submit lets Airflow run spark-submit in the job namespace; airflow-operator lets it create SparkApplications", async () => {
        const submit = await stackRunWith("local", { spark: { scenario: "airflow-k8s-submit" } });
        const operator = await stackRunWith("local", { spark: { scenario: "airflow-operator" } });
        const rolesIn = (run: StackRun) =>
            ofType(run, "kubernetes:rbac.authorization.k8s.io/v1:Role")
                .map((r) => inputs<{ metadata: { name: string; namespace: string }; rules: { resources: string[] }[] }>(r))
                .filter((r) => r.metadata.namespace === "spark-jobs" && r.metadata.name !== "spark-driver");
        assert.ok(rolesIn(submit).some((r) => r.rules.some((rule) => rule.resources.includes("pods"))));
        assert.ok(!rolesIn(submit).some((r) => r.rules.some((rule) => rule.resources.includes("sparkapplications"))));
        assert.ok(rolesIn(operator).some((r) => r.rules.some((rule) => rule.resources.includes("sparkapplications"))));
        assert.ok(role(submit, "spark-jobs", "spark-driver"), "the job namespace keeps its driver role");
    });

    it("creates Airflow's database role only where a scenario runs Airflow", async () => {
        const initSql = (run: StackRun) =>
            ofType(run, "kubernetes:core/v1:ConfigMap").map((c) => JSON.stringify(inputs(c).data ?? {})).filter((d) => d.includes("CREATE ROLE") || d.includes("CREATE DATABASE")).join("\n");
        const notebooks = initSql(await stackRunWith("local", { spark: { scenario: "jupyter-connect-k8s" } }));
        const pipelines = initSql(await stackRunWith("local", { spark: { scenario: "airflow-connect-k8s" } }));
        assert.match(notebooks, /metastore/);
        assert.doesNotMatch(notebooks, /airflow/);
        assert.match(pipelines, /metastore/);
        assert.match(pipelines, /airflow/);
    });

    it("airflow-operator: the Spark Operator chart waits for every job namespace it renders RBAC into", async () => {
        const run = await stackRunWith("dev", { spark: { scenario: "airflow-operator", jobNamespaces: ["spark-jobs", "etl"] } });
        const operator = chart(run, "spark-operator")!;
        const namespaceUrns = ofType(run, "kubernetes:core/v1:Namespace")
            .filter((n) => ["spark-jobs", "etl"].includes(inputs<{ metadata: { name: string } }>(n).metadata.name))
            .map((n) => n.urn);
        assert.equal(namespaceUrns.length, 2);
        for (const urn of namespaceUrns) assert.ok(operator.dependencies.includes(urn), `the chart does not wait for ${urn}`);
    });

    for (const [stack, host] of [
        ["prod", "spark-prod.mock.eu-west-1.rds.amazonaws.com"],
        ["local", "postgres.spark-platform.svc.cluster.local"],
    ] as const) {
        it(`${stack}: the Metastore and Airflow reach their own databases on the platform's PostgreSQL`, async () => {
            const run = await stackRunWith(stack, { spark: { scenario: "airflow-connect-k8s" } });
            const sslMode = stack === "prod" ? "require" : "disable";
            if (stack === "prod") assert.equal(ofType(run, "aws:rds/instance:Instance")[0].name, "spark-prod");
            const everything = JSON.stringify(run.resources.map((r) => unwrapSecrets(r.inputs)));
            assert.ok(everything.includes(`jdbc:postgresql://${host}:5432/metastore?sslmode=${sslMode}`), "metastore JDBC URL");
            assert.match(everything, new RegExp(`postgresql://airflow:[^@"]+@${host.replace(/\./g, "\\.")}:5432/airflow\\?sslmode=${sslMode}`), "Airflow metadata connection");
            const init = ofType(run, "kubernetes:batch/v1:Job").find((j) => JSON.stringify(j.inputs).includes("database-init"));
            assert.ok(init && JSON.stringify(unwrapSecrets(init.inputs)).includes(host), "the database init job targets the same server");
        });
    }

    it("prod with Airflow keeps its metadata database on RDS and creates no in-cluster PostgreSQL or MinIO", async () => {
        const run = await stackRunWith("prod", { spark: { scenario: "airflow-connect-k8s" } });
        assert.equal(named(run, "kubernetes:apps/v1:StatefulSet", "postgres"), false);
        assert.equal(named(run, "kubernetes:apps/v1:StatefulSet", "minio"), false);
        assert.equal(ofType(run, "aws:rds/instance:Instance").length, 1);
        assert.ok(chart(run, "airflow"));
    });

    it("the gpu preset installs the NVIDIA device plugin on AWS, in a namespace whose exemption is recorded", async () => {
        const run = await stackRunWith("prod", { spark: { presets: ["gpu"] } });
        assert.ok(chart(run, "nvidia-device-plugin"));
        const ns = ofType(run, "kubernetes:core/v1:Namespace").find((r) => inputs<{ metadata: { name: string } }>(r).metadata.name === "nvidia-device-plugin")!;
        const meta = inputs<{ metadata: { labels: Record<string, string>; annotations: Record<string, string> } }>(ns).metadata;
        assert.equal(meta.labels["pod-security.kubernetes.io/enforce"], "privileged");
        assert.ok(meta.annotations["spark-k8s/pod-security-exemption"].includes("kubelet"));
        const others = ofType(run, "kubernetes:core/v1:Namespace").filter((r) => r !== ns);
        for (const o of others) assert.equal(inputs<{ metadata: { labels: Record<string, string> } }>(o).metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
    });
});

describe("notebooks reach Spark Connect", function () {
    this.timeout(60000);
    type Rule = { to: { namespaceSelector: { matchExpressions: { key: string; operator: string; values: string[] }[] }; podSelector: { matchLabels: Record<string, string> } }[]; ports: { protocol: string; port: number }[] };
    type Deployment = { metadata: { name: string; namespace: string }; spec: { template: { metadata: { labels: Record<string, string> }; spec: { containers: { ports?: { name: string; containerPort: number }[] }[] } } } };

    for (const stack of ["local", "dev"]) {
        it(`${stack}: the chart's notebook NetworkPolicy lets notebooks reach every Connect server's gRPC and UI ports`, async () => {
            const run = await stackRunWith(stack, { spark: { scenario: "jupyter-connect-k8s" } });
            const rules = (inputs<{ values: { singleuser: { networkPolicy?: { egress?: Rule[] } } } }>(chart(run, "jupyterhub")!).values.singleuser.networkPolicy?.egress ?? []);
            const servers = ofType(run, "kubernetes:apps/v1:Deployment").map((d) => inputs<Deployment>(d)).filter((d) => d.metadata.name.startsWith("spark-connect-"));
            assert.ok(servers.length >= 2);
            for (const server of servers) {
                for (const portName of ["grpc", "ui"]) {
                    const port = server.spec.template.spec.containers.flatMap((c) => c.ports ?? []).find((p) => p.name === portName)!.containerPort;
                    const allowed = rules.some((rule) =>
                        rule.ports.some((p) => p.protocol === "TCP" && p.port === port) &&
                        rule.to.some((peer) =>
                            peer.namespaceSelector.matchExpressions.every((e) => e.key === "kubernetes.io/metadata.name" && e.operator === "In" && e.values.includes(server.metadata.namespace)) &&
                            Object.entries(peer.podSelector.matchLabels).every(([k, v]) => server.spec.template.metadata.labels[k] === v)));
                    assert.ok(allowed, `${server.metadata.name}:${portName} (${port}) is not reachable from notebooks`);
                }
            }
        });
    }
});
