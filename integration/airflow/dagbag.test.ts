/**
 * The example DAGs in Airflow's own DagBag, at the Airflow, provider and Spark client versions of the
 * platform's Airflow image: imported from the folder the program's chart values mount (its DAG
 * ConfigMap, laid out by the kubelet's own volume code) and from the folder git-sync delivers;
 * every task's arguments and templates as `airflow tasks render` renders them; the spark-submit
 * script run by the image's spark-submit up to its first Kubernetes API call.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { executorTaint, nodeRoleLabel } from "../../components/config/nodeRoles";
import { namespaces, serviceEndpoints, serviceHost, serviceIdentities } from "../../components/config/names";
import { sparkUserId } from "../../components/kubernetes/hardening";
import { exampleDagIds } from "../../components/services/airflow";
import { loadStackConfig, StackRun } from "../../tools/harness";
import { configMapData, resourcesOfType, stackArtefacts } from "../support/artefacts";
import { run } from "../support/cache";
import { warehouseLocation } from "../support/metastore";
import { Venv } from "../support/python";
import { deploymentContainer, sparkDistribution, sparkEnv, sparkRelease } from "../support/spark";
import { airflowChartValues, airflowHome, AirflowHome, airflowStack, ChartValues, dagBagReport, dagProcessorPass, DagBagReport, repositoryDagsCopy, TaskReport, writeConfigMapVolume } from "./environment";
import { airflowImage, airflowVenv, lockPins, repositoryRoot } from "./image";
import { planTypes } from "../../tools/planSummary";

const image = airflowImage();
const line = image.sparkClient.line;
const suffix = line.replace(".", "");
/** The run id dagbag.py renders templates with. */
const renderRunId = "manual__integration-render";
/** The Variables the DAGs document, all set: the override path of every template. */
const variables = {
    [`spark_k8s_connect_url_${suffix}`]: "sc://connect.example.test:15002",
    spark_k8s_warehouse_uri: "s3a://example-warehouse/warehouse",
    [`spark_k8s_spark_image_${suffix}`]: "registry.example.test/spark-k8s/spark-runtime@sha256:" + "0".repeat(64),
};

const exampleDags: string[] = Object.values(exampleDagIds).sort();

const task = (report: DagBagReport, dagId: string): TaskReport => {
    const dag = report.dags[dagId];
    assert.ok(dag, `DAG ${dagId} is in the bag (has: ${Object.keys(report.dags ?? {}).join(", ")})`);
    assert.equal(dag.tasks.length, 1, `${dagId} has one task`);
    const t = dag.tasks[0];
    assert.equal(t.render_error, undefined, `${dagId}.${t.task_id} renders`);
    return t;
};

describe(`Airflow ${image.airflowVersion}: the example DAGs in a real DagBag`, function () {
    this.timeout(10 * 60 * 1000);
    let venv: Venv;
    let stack: StackRun;
    let values: ChartValues;
    const homes: AirflowHome[] = [];
    const dirs: string[] = [];

    before(async function () {
        this.timeout(40 * 60 * 1000);
        venv = airflowVenv();
        stack = await airflowStack("airflow-connect-k8s");
        values = airflowChartValues(stack);
    });
    after(() => {
        homes.forEach((h) => h.remove());
        dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true }));
    });

    it(`runs the image's versions: Airflow ${image.airflowVersion}, Python ${image.pythonVersion}, the Dockerfile's providers and ${image.sparkClient.requirement}==${image.sparkClient.version}`, function () {
        const out = run(venv.python, ["-c", "import json, sys, importlib.metadata as m; print(json.dumps({'python': '%d.%d' % sys.version_info[:2], **{p: m.version(p) for p in sys.argv[1:]}}))", "apache-airflow", "pyspark", ...image.providers]);
        const got = JSON.parse(out) as Record<string, string>;
        const pins = lockPins();
        assert.equal(got.python, image.pythonVersion);
        assert.equal(got["apache-airflow"], image.airflowVersion);
        assert.equal(got.pyspark, image.sparkClient.version);
        for (const p of image.providers) assert.equal(got[p], pins.get(p), `${p} at the lock's version`);
    });

    it("loads the auth manager the chart values name ([core] auth_manager) from the image's packages", function () {
        const manager = values.config.core?.auth_manager;
        assert.ok(manager, "the values set [core] auth_manager");
        // As the API server resolves it: conf.getimport("core", "auth_manager").
        const script = "from airflow.api_fastapi.app import get_auth_manager_cls; from airflow.api_fastapi.auth.managers.base_auth_manager import BaseAuthManager; print(issubclass(get_auth_manager_cls(), BaseAuthManager))";
        const home = fs.mkdtempSync(path.join(os.tmpdir(), "spark-k8s-it-airflow-home-"));
        dirs.push(home);
        const out = run(venv.python, ["-c", script], { env: { ...process.env, AIRFLOW_HOME: home, AIRFLOW__CORE__AUTH_MANAGER: manager } });
        assert.equal(out.trim().split("\n").pop(), "True");
    });

    describe("from the program's DAG ConfigMap, mounted as the chart values say", function () {
        let folder: string;
        let report: DagBagReport;
        before(function () {
            this.timeout(40 * 60 * 1000);
            const volume = values.volumes.find((v) => v.configMap !== undefined);
            assert.ok(volume?.configMap, "the chart values mount a ConfigMap volume of DAGs");
            const mount = values.volumeMounts.find((m) => m.name === volume.name);
            // AIRFLOW_HOME of the official image is /opt/airflow; its default [core] dags_folder is $AIRFLOW_HOME/dags.
            assert.equal(mount?.mountPath, "/opt/airflow/dags", "mounted at the image's default DAG folder");
            const root = fs.mkdtempSync(path.join(os.tmpdir(), "spark-k8s-it-dags-volume-"));
            dirs.push(root);
            folder = path.join(root, "dags");
            writeConfigMapVolume(folder, { name: volume.configMap.name, data: configMapData(stack, volume.configMap.name, namespaces.airflow) }, volume.configMap);
            const home = airflowHome(venv, folder, { core: values.config.core ?? {} });
            homes.push(home);
            report = dagBagReport(venv, home);
        });

        it("holds every file of dags/ at its path", function () {
            const files = (dir: string, prefix = ""): string[] =>
                fs.readdirSync(dir, { withFileTypes: true }).filter((e) => !e.name.startsWith(".") && e.name !== "__pycache__").flatMap((e) =>
                    fs.statSync(path.join(dir, e.name)).isDirectory() ? files(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]);
            const repo = files(path.join(repositoryRoot, "dags")).sort();
            assert.deepEqual(files(folder).sort(), repo);
            for (const f of repo) assert.equal(fs.readFileSync(path.join(folder, f), "utf8"), fs.readFileSync(path.join(repositoryRoot, "dags", f), "utf8"), f);
        });

        it("lets Airflow list and import the DAG files (the DAG processor's file discovery)", function () {
            assert.equal(report.discovery_error, undefined, `Airflow cannot walk the mounted DAG folder: ${report.discovery_error}`);
            assert.deepEqual(report.import_errors, {});
            assert.deepEqual(Object.keys(report.dags).sort(), exampleDags);
        });

        it("lets the DAG processor (airflow dag-processor) register the example DAGs", function () {
            const pass = dagProcessorPass(venv, folder, { core: values.config.core ?? {} });
            assert.equal(pass.error, undefined, `the DAG processor failed on the mounted folder: ${pass.error}`);
            assert.deepEqual(pass.dagIds, exampleDags);
        });
    });

    describe("from the repository's dags/ as git-sync delivers it", function () {
        let report: DagBagReport;
        let overridden: DagBagReport;
        let connectImage: string;
        let folder: string;
        before(function () {
            this.timeout(20 * 60 * 1000);
            folder = repositoryDagsCopy();
            dirs.push(folder);
            const home = airflowHome(venv, folder, { core: values.config.core ?? {} });
            homes.push(home);
            report = dagBagReport(venv, home);
            overridden = dagBagReport(venv, home, variables);
            const endpoint = serviceEndpoints.connect(line);
            connectImage = deploymentContainer(stack, endpoint.name, endpoint.namespace, `${endpoint.name}-it`).image;
        });

        it("imports every DAG file with no import or serialization error", function () {
            assert.equal(report.discovery_error, undefined);
            assert.deepEqual(report.import_errors, {});
            assert.deepEqual(report.serialization_errors, {});
            const pyFiles = fs.readdirSync(path.join(repositoryRoot, "dags")).filter((f) => f.endsWith(".py")).sort();
            assert.deepEqual(report.files.map((f) => path.basename(f)).sort(), pyFiles);
            assert.deepEqual(Object.keys(report.dags).sort(), exampleDags);
            for (const [id, dag] of Object.entries(report.dags)) {
                assert.equal(dag.schedule, null, `${id}: triggered by hand`);
                assert.equal(dag.catchup, false, id);
                assert.equal(dag.max_active_runs, 1, id);
                assert.ok(dag.tags.includes("spark-k8s") && dag.tags.includes("example"), id);
            }
        });

        it("lets the DAG processor (airflow dag-processor) register the example DAGs", function () {
            const pass = dagProcessorPass(venv, folder, { core: values.config.core ?? {} });
            assert.equal(pass.error, undefined);
            assert.deepEqual(pass.dagIds, exampleDags);
        });

        it(`spark_connect_example: one TaskFlow task whose default remote is the program's Spark Connect ${line} Service`, function () {
            const t = task(report, "spark_connect_example");
            assert.equal(t.task_id, "orders_by_customer");
            assert.equal(t.operator, "airflow.providers.standard.decorators.python._PythonDecoratedOperator");
            assert.equal(t.python_callable, "orders_by_customer");
            assert.equal(t.args.execution_timeout, 1800);
            assert.equal(t.args.retries, 1);
            const endpoint = serviceEndpoints.connect(line);
            const services = resourcesOfType(stack, "kubernetes:core/v1:Service").filter((s) => {
                const m = s.inputs.metadata as { name: string; namespace: string };
                return m.name === endpoint.name && m.namespace === endpoint.namespace;
            });
            assert.equal(services.length, 1, `the program makes Service ${endpoint.namespace}/${endpoint.name}`);
            const grpc = (services[0].inputs.spec as { ports: { name: string; port: number }[] }).ports.find((p) => p.name === "grpc");
            assert.ok(grpc, "the Service has a grpc port");
            const kwargs = t.rendered!.fields.op_kwargs as Record<string, string>;
            assert.equal(kwargs.connect_url, `sc://${serviceHost(endpoint)}:${grpc.port}`);
            assert.equal(kwargs.warehouse_uri, "", "no default warehouse: the task refuses to run without the Variable");
            assert.equal(kwargs.run_id, renderRunId);
            const set = task(overridden, "spark_connect_example").rendered!.fields.op_kwargs as Record<string, string>;
            assert.equal(set.connect_url, variables[`spark_k8s_connect_url_${suffix}`]);
            assert.equal(set.warehouse_uri, variables.spark_k8s_warehouse_uri);
        });

        it("with the Variables the platform sets on Airflow's pods, in a stack running notebooks and all three Airflow scenarios side by side, every DAG renders against what that stack runs", async function () {
            const composed = await stackArtefacts("local", { spark: { scenarios: ["jupyter-connect-k8s", "airflow-connect-k8s", "airflow-k8s-submit", "airflow-operator"] } });
            const chart = resourcesOfType(composed, planTypes.helmChart).find((r) => r.inputs.chart === "airflow");
            assert.ok(chart, "the composed stack installs Airflow");
            const env = ((chart.inputs.values as { env?: { name: string; value: string }[] }).env ?? []).filter((e) => e.name.startsWith("AIRFLOW_VAR_"));
            const platformVariables = Object.fromEntries(env.map((e) => [e.name.slice("AIRFLOW_VAR_".length).toLowerCase(), e.value]));
            const rendered = dagBagReport(venv, homes[homes.length - 1], platformVariables);
            const connect = task(rendered, "spark_connect_example").rendered!.fields.op_kwargs as Record<string, string>;
            const services = resourcesOfType(composed, "kubernetes:core/v1:Service").map((r) => r.inputs.metadata as { name: string; namespace: string });
            assert.ok(services.some((m) => connect.connect_url === `sc://${serviceHost(m)}:15002`), `the Connect DAG reaches ${connect.connect_url}, a Service the stack runs`);
            const warehouse = warehouseLocation(configMapData(composed, "hive-metastore-config")["metastore-site.xml"]).uri;
            assert.equal(connect.warehouse_uri, warehouse, "the Connect DAG writes into the stack's warehouse");
            const endpoint = serviceEndpoints.connect(line);
            const image = deploymentContainer(composed, endpoint.name, endpoint.namespace, `${endpoint.name}-it-composed`).image;
            const app = task(rendered, "spark_operator_example").rendered!.spark_application as { spec: { image: string } };
            assert.equal(app.spec.image, image, "the operator DAG runs the stack's Spark image");
            const submit = task(rendered, "spark_submit_k8s_example").rendered!.fields as { image: string };
            assert.equal(submit.image, image, "the spark-submit DAG runs the stack's Spark image");
        });

        it("spark_operator_example: SparkKubernetesOperator submits the manifest as a SparkApplication the platform can schedule", function () {
            const t = task(report, "spark_operator_example");
            assert.equal(t.task_id, "spark_pi_application");
            assert.equal(t.operator, "airflow.providers.cncf.kubernetes.operators.spark_kubernetes.SparkKubernetesOperator");
            const stackJobNamespaces = (JSON.parse(loadStackConfig("local").values["spark-k8s:spark"] ?? "{}") as { jobNamespaces?: string[] }).jobNamespaces ?? [namespaces.jobs];
            assert.equal(t.args.namespace, namespaces.jobs);
            assert.ok(stackJobNamespaces.includes(namespaces.jobs), "the stack runs jobs in it");
            assert.ok(t.template_ext.includes("yaml"), "the operator templates .yaml files");
            // Airflow resolved application_file ("manifests/spark-pi.yaml") against the DAG's folder at parse time.
            assert.equal((t.args.application_file as string).trim(), fs.readFileSync(path.join(repositoryRoot, "dags", "manifests", "spark-pi.yaml"), "utf8").trim());
            assert.equal(t.args.in_cluster, true);
            assert.equal(t.args.get_logs, true);
            assert.equal(t.args.delete_on_termination, true);
            assert.equal(t.args.startup_timeout_seconds, 600);
            assert.equal(t.args.execution_timeout, 3600);

            const app = t.rendered!.spark_application as {
                apiVersion: string; kind: string; metadata: { name: string; namespace: string };
                spec: { image: string; sparkVersion: string; type: string; mainApplicationFile: string; driver: Pod; executor: Pod };
            };
            interface Pod { serviceAccount: string; nodeSelector?: Record<string, string>; tolerations?: Record<string, string>[]; podSecurityContext: { runAsUser: number; runAsNonRoot: boolean }; securityContext: { allowPrivilegeEscalation: boolean; capabilities: { drop: string[] } } }
            assert.equal(app.apiVersion, "sparkoperator.k8s.io/v1beta2");
            assert.equal(app.kind, "SparkApplication");
            assert.equal(app.metadata.namespace, namespaces.jobs);
            assert.match(app.metadata.name, /^spark-pi-[a-z0-9]{8}$/, "a unique name per run");
            assert.equal(app.spec.image, connectImage, `the default image is the stack's Spark ${line} image`);
            assert.equal(app.spec.sparkVersion, sparkRelease(line));
            const spark = serviceIdentities.sparkJobs;
            assert.ok(resourcesOfType(stack, "kubernetes:core/v1:ServiceAccount").some((r) => {
                const m = r.inputs.metadata as { name: string; namespace: string };
                return m.name === spark.serviceAccount && m.namespace === spark.namespace;
            }), `the program makes ServiceAccount ${spark.namespace}/${spark.serviceAccount}`);
            for (const [role, pod] of [["driver", app.spec.driver], ["executor", app.spec.executor]] as const) {
                assert.equal(pod.serviceAccount, spark.serviceAccount, role);
                assert.deepEqual(pod.nodeSelector, { [nodeRoleLabel]: role }, role);
                assert.equal(pod.podSecurityContext.runAsUser, sparkUserId, role);
                assert.equal(pod.podSecurityContext.runAsNonRoot, true, role);
                assert.equal(pod.securityContext.allowPrivilegeEscalation, false, role);
                assert.deepEqual(pod.securityContext.capabilities.drop, ["ALL"], role);
            }
            assert.equal(app.spec.driver.tolerations, undefined, "drivers do not tolerate the spot taint");
            assert.deepEqual(app.spec.executor.tolerations, [{ key: executorTaint.key, operator: "Equal", value: executorTaint.value, effect: executorTaint.effect }]);

            const set = task(overridden, "spark_operator_example").rendered!.spark_application as { spec: { image: string } };
            assert.equal(set.spec.image, variables[`spark_k8s_spark_image_${suffix}`]);
        });

        it("spark_submit_k8s_example: KubernetesPodOperator runs spark-submit as Airflow's service account, which the program lets submit in the job namespace", async function () {
            const t = task(report, "spark_submit_k8s_example");
            assert.equal(t.task_id, "spark_submit_pi");
            assert.equal(t.operator, "airflow.providers.cncf.kubernetes.operators.pod.KubernetesPodOperator");
            const airflowSa = serviceIdentities.airflow;
            assert.equal(t.args.namespace, airflowSa.namespace);
            assert.equal(t.args.service_account_name, airflowSa.serviceAccount);
            assert.equal(t.args.in_cluster, true);
            assert.deepEqual(t.args.cmds, ["/bin/bash", "-c"]);
            assert.deepEqual(t.args.node_selector, { [nodeRoleLabel]: "driver" });
            assert.equal(t.args.on_finish_action, "delete_pod");
            const f = t.rendered!.fields as { image: string; env_vars: { name: string; value: string }[]; arguments: string[]; volumes: { name: string; emptyDir?: unknown }[]; volume_mounts: { name: string; mountPath: string }[] };
            const podContext = t.args.security_context as Record<string, unknown>;
            const containerContext = t.args.container_security_context as Record<string, unknown>;
            assert.equal(f.image, connectImage, `the default image is the stack's Spark ${line} image`);
            assert.deepEqual(f.env_vars, [{ name: "SPARK_IMAGE", value: connectImage }]);
            assert.equal(podContext.runAsUser, sparkUserId);
            assert.equal(podContext.runAsNonRoot, true);
            assert.deepEqual(podContext.seccompProfile, { type: "RuntimeDefault" });
            assert.equal(containerContext.allowPrivilegeEscalation, false);
            assert.deepEqual(containerContext.capabilities, { drop: ["ALL"] });
            assert.equal(containerContext.readOnlyRootFilesystem, true);
            const tmp = f.volume_mounts.find((m) => m.mountPath === "/tmp");
            assert.ok(tmp && f.volumes.find((v) => v.name === tmp.name)?.emptyDir, "a writable /tmp for the pod templates under a read-only root");
            const set = task(overridden, "spark_submit_k8s_example").rendered!.fields as { image: string; env_vars: { value: string }[] };
            assert.equal(set.image, variables[`spark_k8s_spark_image_${suffix}`]);
            assert.equal(set.env_vars[0].value, variables[`spark_k8s_spark_image_${suffix}`]);

            const script = f.arguments[0];
            const syntax = spawnSync("bash", ["-n", "-c", script], { encoding: "utf8" });
            assert.equal(syntax.status, 0, `bash -n: ${syntax.stderr}`);
            assert.ok(script.includes(`--conf spark.kubernetes.namespace=${namespaces.jobs} `));
            assert.ok(script.includes(`--conf spark.kubernetes.authenticate.driver.serviceAccountName=${serviceIdentities.sparkJobs.serviceAccount} `));
            assert.ok(script.includes(`--conf spark.kubernetes.driver.node.selector.${nodeRoleLabel}=driver `));
            assert.ok(script.includes(`--conf spark.kubernetes.executor.node.selector.${nodeRoleLabel}=executor `));
            const templates = [...script.matchAll(/cat > (\S+) <<'TEMPLATE'\n([\s\S]*?)TEMPLATE\n/g)].map((m) => ({ file: m[1], pod: parseYaml(m[2]) as { spec: { tolerations?: unknown[]; containers: { name: string }[] } } }));
            assert.deepEqual(templates.map((x) => x.file), ["/tmp/driver-template.yaml", "/tmp/executor-template.yaml"]);
            assert.equal(templates[0].pod.spec.tolerations, undefined);
            assert.deepEqual(templates[1].pod.spec.tolerations, [{ key: executorTaint.key, operator: "Equal", value: executorTaint.value, effect: executorTaint.effect }]);
            assert.deepEqual(templates.map((x) => x.pod.spec.containers[0].name), ["spark-kubernetes-driver", "spark-kubernetes-executor"]);

            const submitStack = await airflowStack("airflow-k8s-submit");
            const bindings = resourcesOfType(submitStack, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding").filter((b) => {
                const m = b.inputs.metadata as { namespace: string };
                const subjects = b.inputs.subjects as { kind: string; name: string; namespace: string }[];
                return m.namespace === namespaces.jobs && subjects.some((s) => s.kind === "ServiceAccount" && s.name === airflowSa.serviceAccount && s.namespace === airflowSa.namespace);
            });
            assert.equal(bindings.length, 1, `scenario airflow-k8s-submit binds a Role in ${namespaces.jobs} to ${airflowSa.namespace}/${airflowSa.serviceAccount}`);
        });

        it(`spark_submit_k8s_example: Spark ${sparkRelease(line)}'s pod template loader reads both templates, the executor's with the spot toleration`, async function () {
            this.timeout(10 * 60 * 1000);
            const script = (task(report, "spark_submit_k8s_example").rendered!.fields as { arguments: string[] }).arguments[0];
            const dist = await sparkDistribution(line);
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spark-k8s-it-pod-templates-"));
            dirs.push(dir);
            const loaded = [...script.matchAll(/cat > (\S+) <<'TEMPLATE'\n([\s\S]*?)TEMPLATE\n/g)].map((m) => {
                const file = path.join(dir, path.basename(m[1]));
                fs.writeFileSync(file, m[2]);
                const role = path.basename(m[1]).startsWith("driver") ? "driver" : "executor";
                const out = run(path.join(sparkEnv(dist).JAVA_HOME, "bin", "java"), ["-cp", `${dist.home}/jars/*`, path.join(__dirname, "PodTemplate.java"), file, `spark-kubernetes-${role}`], { env: { ...process.env, ...sparkEnv(dist) }, timeout: 300000 });
                return { role, ...(JSON.parse(out.trim().split("\n").pop()!) as { pod: { spec: { securityContext: Record<string, unknown>; tolerations?: unknown[] } }; container: { name: string; securityContext: Record<string, unknown> } }) };
            });
            assert.deepEqual(loaded.map((l) => l.role), ["driver", "executor"]);
            for (const l of loaded) {
                assert.equal(l.container.name, `spark-kubernetes-${l.role}`, `${l.role}: Spark selects the template's container`);
                assert.equal(l.container.securityContext.allowPrivilegeEscalation, false, l.role);
                assert.deepEqual(l.container.securityContext.capabilities, { drop: ["ALL"] }, l.role);
                assert.equal(l.pod.spec.securityContext.runAsUser, sparkUserId, l.role);
                assert.deepEqual(l.pod.spec.securityContext.seccompProfile, { type: "RuntimeDefault" }, l.role);
            }
            assert.equal(loaded[0].pod.spec.tolerations, undefined);
            assert.deepEqual(loaded[1].pod.spec.tolerations, [{ effect: executorTaint.effect, key: executorTaint.key, operator: "Equal", value: executorTaint.value }]);
        });

        it(`spark_submit_k8s_example: the rendered script runs under bash with the image's spark-submit (Spark ${sparkRelease(line)}), on a read-only root, up to creating the driver pod`, async function () {
            this.timeout(20 * 60 * 1000);
            const f = task(report, "spark_submit_k8s_example").rendered!.fields as { arguments: string[]; env_vars: { name: string; value: string }[] };
            const dist = await sparkDistribution(line);
            // The pod's view, in a private mount namespace (this machine's / stays as it is): a read-only
            // root (readOnlyRootFilesystem), the image's Spark at /opt/spark, the empty /tmp volume.
            const setup = `mount -o remount,bind,ro / && mount -t tmpfs tmpfs /tmp && mount -t tmpfs tmpfs /opt && mkdir /opt/spark && mount --bind -o ro "$IT_SPARK_HOME" /opt/spark && cd /tmp && exec timeout 300 /bin/bash -c "$IT_SCRIPT"`;
            const env = { ...process.env, ...sparkEnv(dist), SPARK_HOME: "/opt/spark", IT_SPARK_HOME: dist.home, IT_SCRIPT: f.arguments[0], ...Object.fromEntries(f.env_vars.map((e) => [e.name, e.value])) };
            const result = spawnSync("unshare", ["--mount", "--propagation", "private", "/bin/bash", "-c", setup], { env, encoding: "utf8", timeout: 360000 });
            const log = `${result.stdout}\n${result.stderr}`;
            assert.equal(result.error, undefined, `unshare/bash could not run: ${String(result.error)}`);
            assert.doesNotMatch(log, /podTemplateFile|Could not load pod from template/i, log.slice(-3000));
            // Spark's submission client logs this when creating the driver pod fails, after it has built
            // the pod from the arguments, the configuration and the driver's pod template.
            assert.match(log, /Please check "kubectl auth can-i create pod" first/, `spark-submit stopped before creating the driver pod:\n${log.slice(-3000)}`);
            assert.match(log, /UnknownHostException: kubernetes\.default\.svc/, `expected the API call to fail on the in-cluster address only:\n${log.slice(-3000)}`);
            assert.notEqual(result.status, 0);
        });
    });
});
