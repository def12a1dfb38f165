import { strict as assert } from "assert";
import { tierDefaults } from "../../components/config/defaults";
import { connectServerLabel, serviceEndpoints } from "../../components/config/names";
import { lineSuffix, Scenario, scenarios, sparkVersions } from "../../components/config/schema";
import { sparkRemote } from "../../components/services/jupyterhub";
import { componentPlan, connectServers } from "../../components/spark/scenarios";
import { StackRun, unwrapSecrets } from "../../tools/harness";
import { validatedHere, validateK8sObject } from "../support/k8sSchema";
import { inputs, ofType, stackRunWith } from "../support";
import { teamRoleName } from "../../components/spark/teams";

const named = (run: StackRun, type: string, name: string) => ofType(run, type).some((r) => inputs<{ metadata?: { name?: string } }>(r).metadata?.name === name);
const chart = (run: StackRun, name: string) => ofType(run, "kubernetes:helm.sh/v4:Chart").find((r) => inputs<{ chart: string }>(r).chart === name);
const role = (run: StackRun, namespace: string, name: string) =>
    ofType(run, "kubernetes:rbac.authorization.k8s.io/v1:Role").some((r) => {
        const m = inputs<{ metadata: { name: string; namespace: string } }>(r).metadata;
        return m.namespace === namespace && m.name === name;
    });

describe("scenarios on a whole stack", function () {
    this.timeout(60000);

    /** What a whole stack must hold for its listed scenarios; returns nothing, asserts everything. */
    const assertComposition = (run: StackRun, list: readonly Scenario[], tier: "local" | "dev") => {
        const listed = tierDefaults(tier).spark.versions;
        const plan = componentPlan({ scenarios: list, presets: [], versions: listed, tier, minioEnabled: tier === "local" });
        const servers = connectServers(plan);
        const deployments = ofType(run, "kubernetes:apps/v1:Deployment").map((d) => inputs<{ metadata: { name: string } }>(d).metadata.name);
        assert.deepEqual(
            deployments.filter((n) => n.startsWith("spark-connect-")).sort(),
            servers.map((s) => serviceEndpoints.connect(s.version, s.backend).name).sort(),
            "one Connect server per (line, backend) a listed scenario needs",
        );
        for (const line of sparkVersions) {
            const standalone = plan.connect.backends.includes("standalone") && listed.includes(line);
            assert.equal(named(run, "kubernetes:apps/v1:StatefulSet", `spark-master-${lineSuffix(line)}`), standalone, `master ${line}`);
        }
        assert.equal(Boolean(chart(run, "jupyterhub")), plan.jupyterhub.enabled, "jupyterhub");
        assert.equal(Boolean(chart(run, "airflow")), plan.airflow.enabled, "airflow");
        assert.equal(Boolean(chart(run, "spark-operator")), plan.sparkOperator, "spark operator");
        assert.ok(named(run, "kubernetes:apps/v1:Deployment", "spark-history-server"), "history server");
        assert.ok(named(run, "kubernetes:core/v1:Service", "hive-metastore"), "metastore");
        // Notebooks and DAGs point only at Connect servers the stack runs, and notebooks may reach them.
        const services = ofType(run, "kubernetes:core/v1:Service").map((r) => inputs<{ metadata: { name: string; namespace: string } }>(r).metadata);
        const exists = (url: string) => services.some((m) => url === `sc://${m.name}.${m.namespace}.svc.cluster.local:15002`);
        const hub = chart(run, "jupyterhub");
        if (hub) {
            const values = inputs<{ values: { singleuser: { profileList: { slug: string; kubespawner_override: { environment: { SPARK_REMOTE: string } } }[]; networkPolicy: { egress: { to: { podSelector?: { matchLabels?: Record<string, string> } }[] }[] } } } }>(hub).values.singleuser;
            const remotes = values.profileList.map((p) => p.kubespawner_override.environment.SPARK_REMOTE);
            assert.deepEqual([...new Set(remotes)].sort(), connectServers(plan, plan.jupyterhub.backends).map((s) => sparkRemote(s.version, s.backend)).sort());
            for (const r of remotes) assert.ok(exists(r), `notebook profile points at ${r}, which the stack does not run`);
            assert.ok(values.networkPolicy.egress.some((rule) => rule.to.some((peer) => JSON.stringify(peer.podSelector?.matchLabels) === JSON.stringify({ ...connectServerLabel }))), "notebooks may reach the Connect servers");
        }
        const airflow = chart(run, "airflow");
        if (airflow) {
            const env = inputs<{ values: { env?: { name: string; value: string }[] } }>(airflow).values.env ?? [];
            const urls = env.filter((e) => e.name.startsWith("AIRFLOW_VAR_SPARK_K8S_CONNECT_URL_"));
            assert.equal(urls.length, plan.airflow.connectBackends.length > 0 ? listed.length : 0, "one Connect URL Variable per line when Airflow uses Connect");
            for (const u of urls) assert.ok(exists(u.value), `Airflow's ${u.name} points at ${u.value}, which the stack does not run`);
            // The example DAGs read these; with them they run as shipped.
            const variable = (name: string) => env.find((e) => e.name === `AIRFLOW_VAR_${name.toUpperCase()}`)?.value;
            assert.match(String(variable("spark_k8s_warehouse_uri")), /^s3a:\/\/[^/]+\/warehouse$/);
            assert.equal(variable("spark_k8s_environment"), tier, "the data-quality example's production_only mode reads the tier");
            // The image each line's pods run: as configured on local, the digest the stack resolved on AWS.
            const deployed = (run.outputs.images ?? tierDefaults(tier).spark.images) as Record<string, string>;
            for (const line of listed) assert.equal(variable(`spark_k8s_spark_image_${lineSuffix(line)}`), deployed[`spark${lineSuffix(line)}`], line);
        }
        for (const r of run.resources.filter((x) => x.custom && validatedHere(x.type))) {
            assert.deepEqual(validateK8sObject(unwrapSecrets(r.inputs)), [], `${r.type} ${r.name}`);
        }
    };

    for (const scenario of scenarios) {
        it(`[${scenario}]: the local stack runs exactly the components the scenario needs, all schema-valid`, async () => {
            const run = await stackRunWith("local", { spark: { scenarios: [scenario], presets: ["iceberg", "cost-optimized"] } });
            assert.ok(named(run, "kubernetes:apps/v1:StatefulSet", "minio"), "minio on local");
            assert.ok(named(run, "kubernetes:apps/v1:StatefulSet", "postgres"), "postgres on local");
            assertComposition(run, [scenario], "local");
        });
    }

    /** A representative dozen of the 63 combinations: every pair of clients and backends, and all six. */
    const dozen: { tier: "local" | "dev"; scenarios: Scenario[] }[] = [
        { tier: "dev", scenarios: ["jupyter-connect-k8s", "airflow-connect-k8s", "airflow-k8s-submit", "airflow-operator"] },
        { tier: "dev", scenarios: [...scenarios] },
        { tier: "local", scenarios: [...scenarios] },
        { tier: "local", scenarios: ["jupyter-connect-k8s", "jupyter-connect-standalone"] },
        { tier: "local", scenarios: ["airflow-connect-k8s", "airflow-connect-standalone"] },
        { tier: "local", scenarios: ["jupyter-connect-standalone", "airflow-connect-k8s"] },
        { tier: "dev", scenarios: ["jupyter-connect-k8s", "airflow-connect-standalone"] },
        { tier: "local", scenarios: ["jupyter-connect-k8s", "airflow-operator"] },
        { tier: "local", scenarios: ["airflow-k8s-submit", "airflow-operator"] },
        { tier: "local", scenarios: ["jupyter-connect-standalone", "airflow-k8s-submit"] },
        { tier: "dev", scenarios: ["airflow-connect-standalone", "airflow-operator"] },
        { tier: "local", scenarios: ["jupyter-connect-k8s", "airflow-connect-k8s", "airflow-k8s-submit"] },
    ];

    it("the dozen are distinct combinations of several scenarios", () => {
        assert.equal(dozen.length, 12);
        assert.equal(new Set(dozen.map((d) => `${d.tier}:${d.scenarios.join(",")}`)).size, 12);
        for (const d of dozen) assert.ok(d.scenarios.length >= 2);
    });

    for (const d of dozen) {
        it(`${d.tier} [${d.scenarios.join(", ")}]: runs the union, side by side, all schema-valid`, async () => {
            const run = await stackRunWith(d.tier, { spark: { scenarios: d.scenarios } });
            assertComposition(run, d.scenarios, d.tier);
        });
    }

    it("airflow-k8s-submit lets Airflow run spark-submit in the job namespace; airflow-operator lets it create SparkApplications", async () => {
        const submit = await stackRunWith("local", { spark: { scenarios: ["airflow-k8s-submit"] } });
        const operator = await stackRunWith("local", { spark: { scenarios: ["airflow-operator"] } });
        const rolesIn = (run: StackRun) =>
            ofType(run, "kubernetes:rbac.authorization.k8s.io/v1:Role")
                .map((r) => inputs<{ metadata: { name: string; namespace: string }; rules: { resources: string[] }[] }>(r))
                .filter((r) => r.metadata.namespace === "spark-jobs" && r.metadata.name !== "spark-driver" && r.metadata.name !== teamRoleName);
        assert.ok(rolesIn(submit).some((r) => r.rules.some((rule) => rule.resources.includes("pods"))));
        assert.ok(!rolesIn(submit).some((r) => r.rules.some((rule) => rule.resources.includes("sparkapplications"))));
        assert.ok(rolesIn(operator).some((r) => r.rules.some((rule) => rule.resources.includes("sparkapplications"))));
        assert.ok(role(submit, "spark-jobs", "spark-driver"), "the job namespace keeps its driver role");
    });

    it("creates Airflow's database role only where a scenario runs Airflow", async () => {
        const initSql = (run: StackRun) =>
            ofType(run, "kubernetes:core/v1:ConfigMap").map((c) => JSON.stringify(inputs(c).data ?? {})).filter((d) => d.includes("CREATE ROLE") || d.includes("CREATE DATABASE")).join("\n");
        const notebooks = initSql(await stackRunWith("local", { spark: { scenarios: ["jupyter-connect-k8s"] } }));
        const pipelines = initSql(await stackRunWith("local", { spark: { scenarios: ["airflow-connect-k8s"] } }));
        assert.match(notebooks, /metastore/);
        assert.doesNotMatch(notebooks, /airflow/);
        assert.match(pipelines, /metastore/);
        assert.match(pipelines, /airflow/);
    });

    it("airflow-operator: the Spark Operator chart waits for every job namespace it renders RBAC into", async () => {
        const run = await stackRunWith("dev", { spark: { scenarios: ["airflow-operator"], jobNamespaces: ["spark-jobs", "etl"] } });
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
            const run = await stackRunWith(stack, { spark: { scenarios: ["airflow-connect-k8s"] } });
            const sslMode = stack === "prod" ? "require" : "disable";
            if (stack === "prod") assert.equal(ofType(run, "aws:rds/instance:Instance")[0].name, "spark-prod");
            const everything = JSON.stringify(run.resources.map((r) => unwrapSecrets(r.inputs)));
            assert.ok(everything.includes(`jdbc:postgresql://${host}:5432/metastore?sslmode=${sslMode}`), "metastore JDBC URL");
            // On prod the External Secrets Operator builds the URL from the store: the template names the fields instead of values.
            const user = stack === "prod" ? "\\{\\{ \\.airflowDatabase_username \\| urlquery \\}\\}" : "airflow";
            assert.match(everything, new RegExp(`postgresql://${user}:[^@"]+@${host.replace(/\./g, "\\.")}:5432/airflow\\?sslmode=${sslMode}`), "Airflow metadata connection");
            const init = ofType(run, "kubernetes:batch/v1:Job").find((j) => JSON.stringify(j.inputs).includes("database-init"));
            assert.ok(init && JSON.stringify(unwrapSecrets(init.inputs)).includes(host), "the database init job targets the same server");
        });
    }

    it("prod with Airflow keeps its metadata database on RDS and creates no in-cluster PostgreSQL or MinIO", async () => {
        const run = await stackRunWith("prod", { spark: { scenarios: ["airflow-connect-k8s"] } });
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
        // node-exporter's namespace is the other privileged one, with its own recorded reason.
        const others = ofType(run, "kubernetes:core/v1:Namespace").filter((r) => r !== ns && inputs<{ metadata: { name: string } }>(r).metadata.name !== "node-exporter");
        for (const o of others) assert.equal(inputs<{ metadata: { labels: Record<string, string> } }>(o).metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
    });
});

describe("notebooks reach Spark Connect", function () {
    this.timeout(60000);
    type Rule = { to: { namespaceSelector?: { matchLabels: Record<string, string> }; podSelector?: { matchLabels?: Record<string, string> } }[]; ports: { protocol: string; port: number }[] };
    type Deployment = { metadata: { name: string; namespace: string }; spec: { template: { metadata: { labels: Record<string, string> }; spec: { containers: { ports?: { name: string; containerPort: number }[] }[] } } } };

    for (const stack of ["local", "dev"]) {
        it(`${stack}: the chart's notebook NetworkPolicy lets notebooks reach every Connect server's gRPC and UI ports`, async () => {
            const run = await stackRunWith(stack, { spark: { scenarios: ["jupyter-connect-k8s"] } });
            const policy = inputs<{ values: { singleuser: { networkPolicy?: { egress?: Rule[]; egressAllowRules?: Record<string, boolean> } } } }>(chart(run, "jupyterhub")!).values.singleuser.networkPolicy;
            const rules = policy?.egress ?? [];
            // The chart opens nothing of its own: every rule comes from the flow table.
            assert.ok(Object.values(policy?.egressAllowRules ?? {}).length >= 6 && Object.values(policy?.egressAllowRules ?? {}).every((on) => on === false), "the chart's egressAllowRules are all off");
            const servers = ofType(run, "kubernetes:apps/v1:Deployment").map((d) => inputs<Deployment>(d)).filter((d) => d.metadata.name.startsWith("spark-connect-"));
            assert.ok(servers.length >= 2);
            for (const server of servers) {
                for (const portName of ["grpc", "ui"]) {
                    const port = server.spec.template.spec.containers.flatMap((c) => c.ports ?? []).find((p) => p.name === portName)!.containerPort;
                    const allowed = rules.some((rule) =>
                        rule.ports.some((p) => p.protocol === "TCP" && p.port === port) &&
                        rule.to.some((peer) =>
                            peer.namespaceSelector?.matchLabels["kubernetes.io/metadata.name"] === server.metadata.namespace &&
                            Object.entries(peer.podSelector?.matchLabels ?? {}).every(([k, v]) => server.spec.template.metadata.labels[k] === v)));
                    assert.ok(allowed, `${server.metadata.name}:${portName} (${port}) is not reachable from notebooks`);
                }
            }
        });
    }
});
