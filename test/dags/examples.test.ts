/** The example DAGs (dags/): byte-compiled, not imported, so no Airflow is needed. */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { nodeRoleLabel } from "../../components/config/nodeRoles";
import { priorityClassName } from "../../components/kubernetes/priorities";
import { namespaces, serviceEndpoints, serviceHost, serviceIdentities } from "../../components/config/names";
import { sparkVersions } from "../../components/config/schema";
import { exampleDagVariables, variableEnvName } from "../../components/services/airflow";
import { repoRoot } from "../../tools/harness";
import { asRecord, sparkRuntime35Default, tolerates } from "../support/dags";
import { read } from "../support/images";

const dagsDir = path.join(repoRoot, "dags");
const dagFiles = ["spark_connect_example.py", "spark_submit_k8s_example.py", "spark_operator_example.py"];
const dag = (file: string): string => read("dags", file);
const connect35 = serviceEndpoints.connect("3.5");

describe("example DAGs", () => {
    it("are exactly the three examples", () => {
        assert.deepEqual(fs.readdirSync(dagsDir).filter((f) => f.endsWith(".py")).sort(), [...dagFiles].sort());
    });

    for (const file of dagFiles) {
        it(`${file} byte-compiles with python3`, () => {
            const cache = fs.mkdtempSync(path.join(os.tmpdir(), "dag-pycache-"));
            try {
                const result = spawnSync("python3", ["-m", "py_compile", path.join(dagsDir, file)], {
                    env: { ...process.env, PYTHONPYCACHEPREFIX: cache },
                    encoding: "utf8",
                    timeout: 30_000,
                });
                assert.equal(result.error, undefined, String(result.error));
                assert.equal(result.status, 0, result.stderr);
            } finally {
                fs.rmSync(cache, { recursive: true, force: true });
            }
        });

        it(`${file} imports for Airflow 3 with an Airflow 2 fallback, and nothing heavy at parse time`, () => {
            const text = dag(file);
            assert.match(text, /from airflow\.sdk import DAG/);
            assert.match(text, /except ImportError:[^\n]*\n\s+from airflow import DAG/);
            assert.doesNotMatch(text, /^(from|import) pyspark/m, "pyspark must be imported inside the task");
            assert.doesNotMatch(text, /^\S.*Variable\.get\(/m, "Variables are read at run time, not while parsing");
        });
    }

    it("the Connect DAG connects to the Spark Connect 3.5 service named in names.ts", () => {
        const text = dag("spark_connect_example.py");
        const url = `sc://${serviceHost(connect35)}:${connect35.grpcPort}`;
        assert.equal(url, "sc://spark-connect-35.spark-jobs.svc.cluster.local:15002");
        assert.ok(text.includes(`"${url}"`), `the DAG does not use ${url}`);
        assert.match(text, /SparkSession\.builder\.remote\(connect_url\)/);
        assert.match(text, /\.write\.mode\("overwrite"\)\.parquet\(target\)/);
        assert.match(text, /spark\.read\.parquet\(target\)/);
        assert.match(text, /var\.value\.get\('spark_k8s_warehouse_uri'/);
    });

    it("the platform sets exactly the Variables the shipped DAGs read, for every Spark line", () => {
        const read = new Set(dagFiles.flatMap((f) => [...dag(f).matchAll(/var\.value\.get\('([a-z0-9_]+)'/g)].map((m) => m[1])));
        const set = exampleDagVariables({
            environment: "dev",
            warehouseUri: "s3a://w/warehouse",
            sparkImages: Object.fromEntries(sparkVersions.map((v) => [v, `img:${v}`])),
            connectUrls: Object.fromEntries(sparkVersions.map((v) => [v, `sc://${v}`])),
        });
        for (const name of read) assert.ok(name in set, `a DAG reads ${name}, which the platform never sets`);
        assert.ok(read.size >= 3, [...read].join(", "));
        assert.equal(variableEnvName("spark_k8s_connect_url_35"), "AIRFLOW_VAR_SPARK_K8S_CONNECT_URL_35");
    });

    it("the spark-submit DAG submits as Airflow's account (bound to the submit Role) a driver that runs as spark in spark-jobs", () => {
        const text = dag("spark_submit_k8s_example.py");
        assert.ok(text.includes(`NAMESPACE = "${namespaces.jobs}"`));
        assert.ok(text.includes(`SERVICE_ACCOUNT = "${serviceIdentities.sparkJobs.serviceAccount}"`));
        assert.ok(text.includes(`SUBMITTER_NAMESPACE = "${namespaces.airflow}"`));
        assert.ok(text.includes(`SUBMITTER_SERVICE_ACCOUNT = "${serviceIdentities.airflow.serviceAccount}"`));
        assert.match(text, /KubernetesPodOperator\(/);
        assert.match(text, /namespace=SUBMITTER_NAMESPACE/);
        assert.match(text, /service_account_name=SUBMITTER_SERVICE_ACCOUNT/);
        assert.match(text, /spark\.kubernetes\.authenticate\.driver\.serviceAccountName=\{SERVICE_ACCOUNT\}/);
        assert.match(text, /--master k8s:\/\/https:\/\/kubernetes\.default\.svc:443/);
        assert.match(text, /--deploy-mode cluster/);
        assert.match(text, /local:\/\/\/opt\/spark\/examples\/src\/main\/python\/pi\.py/);
        assert.ok(text.includes(`'spark_k8s_spark_image_35', '${sparkRuntime35Default}'`), "default image is not SPARK_RUNTIME_35_TAG");
        assert.ok(text.includes(`spark.kubernetes.driver.node.selector.${nodeRoleLabel}=driver`));
        assert.ok(text.includes(`spark.kubernetes.executor.node.selector.${nodeRoleLabel}=executor`));

        const template = (name: string): Record<string, unknown> => {
            const m = new RegExp(`${name} = """\\\\\\n([\\s\\S]*?)"""`).exec(text);
            assert.ok(m, `no ${name}`);
            return asRecord(parseYaml(m[1]), name);
        };
        const driver = asRecord(template("DRIVER_TEMPLATE").spec, "driver spec");
        const executor = asRecord(template("EXECUTOR_TEMPLATE").spec, "executor spec");
        assert.equal(tolerates(driver.tolerations), false, "the driver must not tolerate the spot executor taint");
        assert.equal(tolerates(executor.tolerations), true, "executors must tolerate the spot executor taint");
        for (const spec of [driver, executor]) {
            assert.equal(asRecord(spec.securityContext, "securityContext").runAsNonRoot, true);
        }
        assert.equal(driver.priorityClassName, priorityClassName("driver"));
        assert.equal(executor.priorityClassName, priorityClassName("executor"));
    });

    it("the spark-submit DAG's submitter script is valid bash and survives Airflow's Jinja rendering", () => {
        // Evaluate only the DAG file's top-level constants (no Airflow needed) and print the script.
        const evaluate = [
            "import ast, sys",
            "path = sys.argv[1]",
            "tree = ast.parse(open(path).read())",
            "body = [n for n in tree.body if isinstance(n, (ast.Assign, ast.AnnAssign))]",
            "ns = {}",
            "exec(compile(ast.Module(body=body, type_ignores=[]), path, 'exec'), ns)",
            "sys.stdout.write(ns['SUBMIT_SCRIPT'])",
        ].join("\n");
        const script = spawnSync("python3", ["-c", evaluate, path.join(dagsDir, "spark_submit_k8s_example.py")], { encoding: "utf8", timeout: 30_000 });
        assert.equal(script.status, 0, script.stderr);
        assert.match(script.stdout, /^exec \/opt\/spark\/bin\/spark-submit \\$/m);
        assert.doesNotMatch(script.stdout, /\{\{|\{%|\{#/, "arguments are Jinja-templated: the script must not contain Jinja markers");
        const syntax = spawnSync("bash", ["-n"], { input: script.stdout, encoding: "utf8", timeout: 30_000 });
        assert.equal(syntax.status, 0, syntax.stderr);
    });

    it("the operator DAG submits manifests/spark-pi.yaml to spark-jobs", () => {
        const text = dag("spark_operator_example.py");
        assert.match(text, /SparkKubernetesOperator\(/);
        assert.ok(text.includes(`NAMESPACE = "${namespaces.jobs}"`));
        assert.match(text, /MANIFEST = "manifests\/spark-pi\.yaml"/);
        assert.ok(fs.existsSync(path.join(dagsDir, "manifests", "spark-pi.yaml")));
    });
});
