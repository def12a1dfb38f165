import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ObjectStorage } from "../../../components/context";
import { sparkSubmitRules } from "../../../components/kubernetes/rbac";
import {
    adminUserMountPath,
    Airflow,
    AirflowArgs,
    airflowSecretNames,
    airflowValues,
    AirflowValuesArgs,
    airflowVersionOf,
    createAdminUserScript,
    dagKey,
    fabAuthManager,
    kubeletVolumeIgnore,
    readDagFiles,
    repositoryDagsDirectory,
} from "../../../components/services/airflow";
import { charts } from "../../../components/services/charts";
import { isSecretValue, maskSecrets, RecordedResource, repoRoot } from "../../../tools/harness";
import { assertBlocksAt, assertOneChart, at, build, charts_, hardeningProblems, Obj, systemSelector } from "../../support/chartValues";

const s3: ObjectStorage = {
    kind: "s3",
    region: "eu-west-1",
    buckets: { warehouse: "wh", eventLogs: "ev", airflowLogs: "spark-prod-airflow-logs", backups: "bk" },
};
const minio: ObjectStorage = {
    kind: "minio",
    endpoint: "http://minio.minio.svc.cluster.local:9000",
    buckets: { warehouse: "warehouse", eventLogs: "spark-events", airflowLogs: "airflow-logs", backups: "backups" },
};

describe("services: Airflow values", () => {
    const dags = { configMapName: "airflow-dags", items: [{ key: "a.py", path: "a.py" }, { key: "manifests__pi.yaml", path: "manifests/pi.yaml" }] };
    const base: AirflowValuesArgs = {
        image: "spark-k8s/airflow:3.2.2-p1",
        nodeGroups: true,
        storage: s3,
        gitSync: { repo: "", branch: "main", subPath: "dags" },
        dags,
        secretNames: airflowSecretNames,
        serviceAccountName: "airflow",
    };
    const withGit: AirflowValuesArgs = { ...base, gitSync: { repo: "https://github.com/example/dags.git", branch: "prod", subPath: "airflow/dags" }, dags: undefined };

    it("uses the KubernetesExecutor and the platform image, pinned", () => {
        const values = airflowValues(base);
        assert.equal(values.executor, "KubernetesExecutor");
        assert.equal(values.defaultAirflowRepository, "spark-k8s/airflow");
        assert.equal(values.defaultAirflowTag, "3.2.2-p1");
        assert.equal(values.airflowVersion, "3.2.2");
        assert.throws(() => airflowValues({ ...base, image: "spark-k8s/airflow:latest" }), /not pinned/);
        assert.throws(() => airflowValues({ ...base, image: "spark-k8s/airflow:2.10.5-p1" }), /older than 2\.11\.0/);
        assert.equal(airflowVersionOf("spark-k8s/airflow:custom", "3.1.0"), "3.1.0");
        assert.throws(() => airflowVersionOf("spark-k8s/airflow:custom"), /cannot tell/);
    });

    it("keeps the metadata database external and every key in Secrets named, not valued", () => {
        const values = airflowValues(base);
        assert.equal(at(values, "postgresql.enabled"), false);
        assert.equal(at(values, "data.metadataSecretName"), airflowSecretNames.metadata);
        assert.equal(at(values, "data.metadataConnection"), undefined);
        for (const key of ["fernetKeySecretName", "apiSecretKeySecretName", "webserverSecretKeySecretName", "jwtSecretName"]) assert.equal(values[key], airflowSecretNames.keys, key);
        for (const key of ["fernetKey", "apiSecretKey", "webserverSecretKey", "jwtSecret"]) assert.equal(values[key], undefined, key);
    });

    it("disables the Celery, pooling and metrics extras but keeps the triggerer", () => {
        const values = airflowValues(base);
        for (const p of ["redis.enabled", "flower.enabled", "statsd.enabled", "pgbouncer.enabled"]) assert.equal(at(values, p), false, p);
        assert.equal(at(values, "triggerer.enabled"), true);
        assert.equal(at(values, "migrateDatabaseJob.useHelmHooks"), false);
        assert.equal(at(values, "apiServer.service.type"), "ClusterIP");
        assert.equal(at(values, "webserver.service.type"), "ClusterIP");
    });

    it("signs in with the FAB auth manager, its admin made by the create-user Job from a mounted Secret", () => {
        const values = airflowValues(base);
        assert.equal(at(values, "config.core.auth_manager"), fabAuthManager);
        assert.equal(at(values, "createUserJob.enabled"), true);
        assert.equal(at(values, "createUserJob.useHelmHooks"), false);
        const args = at(values, "createUserJob.args") as string[];
        assert.deepEqual(args.slice(0, 2), ["bash", "-c"]);
        assert.equal(args[2], createAdminUserScript());
        assert.match(args[2], /airflow users create --role Admin --username "\$username" .*--password "\$password"/);
        assert.match(args[2], /airflow users reset-password --username "\$username" --password "\$password"/);
        assert.match(args[2], new RegExp(`password="\\$\\(cat ${adminUserMountPath}/password\\)"`));
        assert.deepEqual(at(values, "createUserJob.extraVolumes"), [{ name: "admin-user", secret: { secretName: airflowSecretNames.adminUser, defaultMode: 0o440 } }]);
        assert.deepEqual(at(values, "createUserJob.extraVolumeMounts"), [{ name: "admin-user", mountPath: adminUserMountPath, readOnly: true }]);
        // Neither the chart's defaultUser (password in values) nor a password anywhere in the values.
        assert.equal(at(values, "createUserJob.defaultUser"), undefined);
        assert.equal(at(values, "webserver.defaultUser"), undefined);
        assert.ok(!/"password"\s*:/.test(JSON.stringify(values)), "no password field in the values");
    });

    it("writes task logs to the airflow-logs bucket through aws_default, with Pod Identity on S3", () => {
        const values = airflowValues(base);
        assert.equal(at(values, "config.logging.remote_logging"), "True");
        assert.equal(at(values, "config.logging.remote_base_log_folder"), "s3://spark-prod-airflow-logs/logs");
        assert.equal(at(values, "config.logging.remote_log_conn_id"), "aws_default");
        const env = values.env as { name: string; value: string }[];
        const conn = JSON.parse(env.find((e) => e.name === "AIRFLOW_CONN_AWS_DEFAULT")!.value) as Obj;
        assert.deepEqual(conn, { conn_type: "aws", extra: { region_name: "eu-west-1" } });
        assert.equal(values.secret, undefined);
        assert.ok(!JSON.stringify(values).includes("endpoint_url"));
    });

    it("runs the chart's StatsD exporter, hardened, only with the monitoring stack, and sends traces over OTLP only with tracing", () => {
        const plain = airflowValues(base);
        assert.deepEqual(at(plain, "statsd"), { enabled: false });
        assert.equal(at(plain, "config.traces"), undefined);
        assert.ok(!(plain.env as { name: string }[]).some((e) => e.name.startsWith("OTEL_")));

        const endpoint = "http://otel-collector.monitoring.svc.cluster.local:4318";
        const observed = airflowValues({ ...base, observability: { statsd: true, otlpEndpoint: endpoint } });
        assert.equal(at(observed, "statsd.enabled"), true);
        assert.deepEqual(hardeningProblems(at(observed, "statsd")), []);
        assertBlocksAt(at(observed, "statsd"), "container", ["securityContexts.container"]);
        assert.equal(at(observed, "config.traces.otel_on"), "True");
        const env = Object.fromEntries((observed.env as { name: string; value: string }[]).map((e) => [e.name, e.value]));
        assert.equal(env.OTEL_EXPORTER_OTLP_ENDPOINT, endpoint);
        assert.equal(env.OTEL_EXPORTER_OTLP_PROTOCOL, "http/protobuf", "the collector's OTLP/HTTP port");
        assert.equal(env.OTEL_SERVICE_NAME, "airflow");
        assert.equal(at(airflowValues({ ...base, observability: { statsd: true } }), "config.traces"), undefined);
    });

    it("logs JSON lines from every Airflow process from 3.2.0 ([logging] json_logs), and leaves older releases as they are", () => {
        assert.equal(at(airflowValues(base), "config.logging.json_logs"), "True");
        assert.equal(at(airflowValues({ ...base, image: "spark-k8s/airflow:3.2.0-p1" }), "config.logging.json_logs"), "True");
        assert.equal(at(airflowValues({ ...base, image: "spark-k8s/airflow:3.1.8-p1" }), "config.logging.json_logs"), undefined);
        assert.equal(at(airflowValues({ ...base, image: "spark-k8s/airflow:2.11.0-p1" }), "config.logging.json_logs"), undefined);
    });

    it("on MinIO, reads the AWS connection (endpoint and credentials) from a Secret", () => {
        const values = airflowValues({ ...base, storage: minio });
        assert.equal(at(values, "config.logging.remote_base_log_folder"), "s3://airflow-logs/logs");
        assert.deepEqual(values.secret, [{ envName: "AIRFLOW_CONN_AWS_DEFAULT", secretName: airflowSecretNames.storageConnection, secretKey: "connection" }]);
        assert.equal(values.env, undefined);
        assert.ok(!JSON.stringify(values).includes("minio.minio.svc"), "the endpoint lives in the Secret");
    });

    it("syncs DAGs from git when a repository is set", () => {
        const values = airflowValues(withGit);
        assert.deepEqual(
            [at(values, "dags.gitSync.enabled"), at(values, "dags.gitSync.repo"), at(values, "dags.gitSync.branch"), at(values, "dags.gitSync.subPath")],
            [true, "https://github.com/example/dags.git", "prod", "airflow/dags"],
        );
        assert.equal(values.volumes, undefined);
        assertBlocksAt(values, "resources", ["dags.gitSync.resources"]);
        assertBlocksAt(values, "container", ["dags.gitSync.securityContexts.container"]);
        assert.deepEqual(hardeningProblems(values), []);
    });

    it("otherwise mounts the shipped DAG ConfigMap as the DAGs folder", () => {
        const values = airflowValues(base);
        assert.equal(at(values, "dags.gitSync.enabled"), false);
        assert.deepEqual(values.volumes, [{ name: "dags", configMap: { name: "airflow-dags", items: dags.items } }]);
        assert.deepEqual(values.volumeMounts, [{ name: "dags", mountPath: "/opt/airflow/dags", readOnly: true }]);
        assert.throws(() => airflowValues({ ...base, dags: undefined }), /DAG bundle is required/);
    });

    it("runs scheduler, task pods, triggerer, DAG processor and API server as the airflow service account", () => {
        const values = airflowValues(base);
        for (const p of ["scheduler", "triggerer", "dagProcessor", "apiServer", "webserver", "workers", "workers.kubernetes"]) {
            assert.deepEqual(at(values, `${p}.serviceAccount`), { create: false, name: "airflow" }, p);
        }
    });

    it("gives every Airflow container requests, memory limits and restricted contexts", () => {
        const values = airflowValues(base);
        const components = ["scheduler", "triggerer", "dagProcessor", "apiServer", "webserver", "workers", "migrateDatabaseJob", "createUserJob"];
        assertBlocksAt(values, "resources", [...components.map((c) => `${c}.resources`), ...["scheduler", "triggerer", "dagProcessor"].map((c) => `${c}.logGroomerSidecar.resources`)]);
        assertBlocksAt(values, "container", [
            "securityContexts.containers",
            ...components.map((c) => `${c}.securityContexts.container`),
            ...["scheduler", "triggerer", "dagProcessor"].map((c) => `${c}.logGroomerSidecar.securityContexts.container`),
            ...["scheduler", "triggerer", "dagProcessor", "apiServer", "webserver"].map((c) => `${c}.waitForMigrations.securityContexts.container`),
        ]);
        assertBlocksAt(values, "pod", ["securityContexts.pod", ...components.map((c) => `${c}.securityContexts.pod`)]);
        assert.deepEqual(hardeningProblems(values), []);
    });

    it("places every Airflow pod on the system nodes, and nowhere in particular on local", () => {
        assert.deepEqual(airflowValues(base).nodeSelector, systemSelector);
        assert.equal(airflowValues({ ...base, nodeGroups: false }).nodeSelector, undefined);
    });
});

describe("services: DAG files", () => {
    let dir: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "dags-"));
        fs.writeFileSync(path.join(dir, "example.py"), "# dag\n");
        fs.mkdirSync(path.join(dir, "manifests"));
        fs.writeFileSync(path.join(dir, "manifests", "pi.yaml"), "kind: SparkApplication\n");
        fs.mkdirSync(path.join(dir, "__pycache__"));
        fs.writeFileSync(path.join(dir, "__pycache__", "example.cpython-311.pyc"), "x");
        fs.writeFileSync(path.join(dir, ".hidden.py"), "x");
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("reads Python and manifests, maps subfolders to valid keys, skips caches", () => {
        const bundle = readDagFiles(dir);
        assert.deepEqual(bundle.items, [
            { key: "example.py", path: "example.py" },
            { key: "manifests__pi.yaml", path: "manifests/pi.yaml" },
            { key: ".airflowignore", path: ".airflowignore" },
        ]);
        assert.deepEqual(Object.keys(bundle.files), ["example.py", "manifests__pi.yaml", ".airflowignore"]);
        assert.equal(dagKey("manifests/pi.yaml"), "manifests__pi.yaml");
        assert.throws(() => readDagFiles(path.join(dir, "missing")), /does not exist/);
    });

    it("ships an .airflowignore that hides the kubelet's ..data and ..<timestamp> entries, keeping the folder's own rules", () => {
        // Airflow 3 follows the kubelet's links, meets the hidden folder twice and stops the DAG
        // processor; the integration suite runs that for real on the kubelet's own volume layout.
        assert.equal(readDagFiles(dir).files[".airflowignore"], kubeletVolumeIgnore);
        fs.writeFileSync(path.join(dir, ".airflowignore"), "scratch/\n");
        try {
            assert.equal(readDagFiles(dir).files[".airflowignore"], `${kubeletVolumeIgnore}\nscratch/\n`);
        } finally {
            fs.rmSync(path.join(dir, ".airflowignore"));
        }
    });

    it("defaults to the repository's dags folder", () => {
        assert.equal(repositoryDagsDirectory, path.resolve(repoRoot, "dags"));
    });
});

const secretRecord = (fields: Record<string, string>): pulumi.Output<Record<string, string>> => pulumi.secret(pulumi.output(fields));

describe("services: chart components under mocks", () => {
    describe("Airflow", () => {
        const fakes = {
            fernetKey: "FAKE-FERNET-0123",
            webserverSecretKey: "FAKE-WEBSERVER-0123",
            apiSecretKey: "FAKE-API-0123",
            jwtSecret: "FAKE-JWT-0123",
            dbPassword: "FAKE-DB-PW-0123",
            minioPassword: "FAKE-MINIO-0123",
            adminPassword: "FAKE-ADMIN-PW-0123",
        };
        let dagsDir: string;
        before(() => {
            dagsDir = fs.mkdtempSync(path.join(os.tmpdir(), "airflow-dags-"));
            fs.writeFileSync(path.join(dagsDir, "hello.py"), "# hello\n");
        });
        after(() => fs.rmSync(dagsDir, { recursive: true, force: true }));

        function airflowArgs(overrides: Partial<AirflowArgs> = {}): AirflowArgs {
            return {
                namespace: "airflow",
                image: "spark-k8s/airflow:3.2.2-p1",
                database: { host: "db.example.internal", port: 5432, sslMode: "require" },
                credentials: {
                    airflow: secretRecord({ fernetKey: fakes.fernetKey, webserverSecretKey: fakes.webserverSecretKey, apiSecretKey: fakes.apiSecretKey, jwtSecret: fakes.jwtSecret }),
                    airflowDatabase: secretRecord({ username: "airflow", password: fakes.dbPassword }),
                    airflowAdmin: secretRecord({ username: "admin", password: fakes.adminPassword }),
                    minioRoot: secretRecord({ username: "minio-root", password: fakes.minioPassword }),
                },
                storage: s3,
                gitSync: { repo: "", branch: "main", subPath: "dags" },
                jobNamespaces: ["spark-jobs", "team-a"],
                sparkSubmit: true,
                sparkApplications: true,
                nodeGroups: true,
                dagsDirectory: dagsDir,
                ...overrides,
            };
        }
        const run = (overrides: Partial<AirflowArgs> = {}) => build(() => new Airflow("airflow", airflowArgs(overrides)));
        const ofType = (resources: RecordedResource[], type: string) => resources.filter((r) => r.type === type);
        const secretNamed = (resources: RecordedResource[], name: string) =>
            ofType(resources, "kubernetes:core/v1:Secret").find((r) => (r.inputs.metadata as Obj).name === name);

        it("installs the pinned chart, and no secret value reaches its values", async () => {
            const { resources } = await run();
            const values = assertOneChart(resources, charts.airflow, "airflow");
            const text = JSON.stringify(values);
            for (const fake of Object.values(fakes)) assert.ok(!text.includes(fake), fake);
            assert.equal(values.executor, "KubernetesExecutor");
        });

        it("keeps the connection string and keys in Kubernetes Secrets holding Pulumi secrets", async () => {
            const { resources } = await run();
            const metadata = secretNamed(resources, airflowSecretNames.metadata)!;
            assert.ok(isSecretValue(metadata.inputs.stringData), "metadata stringData is a Pulumi secret");
            const connection = (metadata.inputs.stringData as { value: Obj }).value.connection as string;
            assert.equal(connection, `postgresql://airflow:${fakes.dbPassword}@db.example.internal:5432/airflow?sslmode=require`);
            const keys = secretNamed(resources, airflowSecretNames.keys)!;
            assert.ok(isSecretValue(keys.inputs.stringData), "keys stringData is a Pulumi secret");
            const data = (keys.inputs.stringData as { value: Obj }).value;
            assert.deepEqual(Object.keys(data).sort(), ["api-secret-key", "fernet-key", "jwt-secret", "webserver-secret-key"]);
            assert.equal(data["fernet-key"], fakes.fernetKey);
            assert.equal(data["jwt-secret"], fakes.jwtSecret);
            assert.equal(secretNamed(resources, airflowSecretNames.storageConnection), undefined, "no MinIO connection on S3");
        });

        it("keeps the UI admin's credential in a Kubernetes Secret holding a Pulumi secret, created before the chart", async () => {
            const { resources } = await run();
            const admin = secretNamed(resources, airflowSecretNames.adminUser)!;
            assert.equal((admin.inputs.metadata as Obj).namespace, "airflow");
            assert.ok(isSecretValue(admin.inputs.stringData), "admin stringData is a Pulumi secret");
            assert.deepEqual((admin.inputs.stringData as { value: Obj }).value, { username: "admin", password: fakes.adminPassword });
            const chart = charts_(resources)[0];
            assert.ok(chart.dependencies.includes(admin.urn), "the chart (and its create-user Job) waits for the Secret");
            assert.ok(!JSON.stringify(chart.inputs).includes(fakes.adminPassword));
            assert.ok(!JSON.stringify(maskSecrets(resources.map((r) => r.inputs))).includes(fakes.adminPassword), "the plan masks it");
        });

        it("on MinIO, stores the endpoint and credentials as a secret AWS connection", async () => {
            const { resources } = await run({ storage: minio });
            const secret = secretNamed(resources, airflowSecretNames.storageConnection)!;
            assert.ok(isSecretValue(secret.inputs.stringData));
            const conn = JSON.parse((secret.inputs.stringData as { value: { connection: string } }).value.connection) as Obj;
            assert.equal(at(conn, "extra.endpoint_url"), "http://minio.minio.svc.cluster.local:9000");
            assert.equal(conn.password, fakes.minioPassword);
            const values = assertOneChart(resources, charts.airflow, "airflow");
            assert.ok(!JSON.stringify(values).includes(fakes.minioPassword));
        });

        it("creates the airflow service account and ships the DAG folder without git-sync", async () => {
            const { resources } = await run();
            const sa = ofType(resources, "kubernetes:core/v1:ServiceAccount");
            assert.deepEqual(sa.map((r) => [(r.inputs.metadata as Obj).name, (r.inputs.metadata as Obj).namespace]), [["airflow", "airflow"]]);
            const dags = ofType(resources, "kubernetes:core/v1:ConfigMap");
            assert.equal(dags.length, 1);
            assert.deepEqual(dags[0].inputs.data, { "hello.py": "# hello\n", ".airflowignore": kubeletVolumeIgnore });
            const values = assertOneChart(resources, charts.airflow, "airflow");
            assert.equal(at(values, "dags.gitSync.enabled"), false);
        });

        it("uses git-sync and no DAG ConfigMap when a repository is set", async () => {
            const { resources } = await run({ gitSync: { repo: "https://github.com/example/dags.git", branch: "main", subPath: "dags" }, dagsDirectory: "/nonexistent" });
            assert.equal(ofType(resources, "kubernetes:core/v1:ConfigMap").length, 0);
            assert.equal(at(assertOneChart(resources, charts.airflow, "airflow"), "dags.gitSync.enabled"), true);
        });

        it("grants spark-submit and SparkApplication rights in each job namespace, without wildcards", async () => {
            const { resources } = await run();
            const roles = ofType(resources, "kubernetes:rbac.authorization.k8s.io/v1:Role");
            assert.deepEqual(
                roles.map((r) => [(r.inputs.metadata as Obj).namespace, (r.inputs.metadata as Obj).name]).sort(),
                [
                    ["spark-jobs", "airflow-spark-applications"],
                    ["spark-jobs", "airflow-spark-submit"],
                    ["team-a", "airflow-spark-applications"],
                    ["team-a", "airflow-spark-submit"],
                ],
            );
            for (const role of roles) {
                const rules = role.inputs.rules as { apiGroups: string[]; resources: string[]; verbs: string[] }[];
                for (const rule of rules) {
                    for (const field of [rule.apiGroups, rule.resources, rule.verbs]) assert.ok(!field.includes("*"), JSON.stringify(rule));
                }
            }
            const submit = roles.find((r) => (r.inputs.metadata as Obj).name === "airflow-spark-submit")!;
            assert.deepEqual(submit.inputs.rules, sparkSubmitRules());
            const apps = roles.find((r) => (r.inputs.metadata as Obj).name === "airflow-spark-applications")!;
            // The calls SparkKubernetesOperator makes with get_logs and delete_on_termination, as in
            // dags/spark_operator_example.py: without pods and pods/log it cannot follow the driver.
            const appRules = apps.inputs.rules as { apiGroups: string[]; resources: string[]; verbs: string[] }[];
            const allows = (group: string, resource: string, verb: string) => appRules.some((r) => r.apiGroups.includes(group) && r.resources.includes(resource) && r.verbs.includes(verb));
            const calls: [string, string, string][] = [
                ["sparkoperator.k8s.io", "sparkapplications", "create"],
                ["sparkoperator.k8s.io", "sparkapplications/status", "get"],
                ["sparkoperator.k8s.io", "sparkapplications", "delete"],
                ["", "pods", "list"],
                ["", "pods", "get"],
                ["", "pods/log", "get"],
                ["", "events", "list"],
            ];
            for (const [group, resource, verb] of calls) assert.ok(allows(group, resource, verb), `${verb} ${group}/${resource}`);
            assert.ok(!allows("", "pods", "create") && !allows("", "pods", "delete"), "the operator, not Airflow, creates and deletes the driver");
            const bindings = ofType(resources, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding");
            assert.equal(bindings.length, 4);
            for (const b of bindings) assert.deepEqual(b.inputs.subjects, [{ kind: "ServiceAccount", name: "airflow", namespace: "airflow" }]);
        });

        it("grants nothing in job namespaces when neither Spark path is used", async () => {
            const { resources } = await run({ sparkSubmit: false, sparkApplications: false });
            assert.equal(ofType(resources, "kubernetes:rbac.authorization.k8s.io/v1:Role").length, 0);
            assert.equal(ofType(resources, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding").length, 0);
        });
    });
});
