/**
 * dags/spark_connect_example.py run by Airflow (`airflow dags test`, the image's Airflow and Spark
 * Connect client) against the program's Spark Connect server of the client's line, started by the
 * integration support as its container runs (generated spark-defaults.conf, the stack's metastore,
 * the local S3 server in place of MinIO). The only change to the DAG's inputs is the documented
 * Variable spark_k8s_connect_url_<NN>: the server's loopback address instead of its cluster Service.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import { StackRun } from "../../tools/harness";
import { run } from "../support/cache";
import { Metastore, startMetastore } from "../support/metastore";
import { Venv } from "../support/python";
import { LocalS3, startLocalS3 } from "../support/s3";
import { seedBucketsFromPlan } from "../support/buckets";
import { ConnectServer, startConnectServer } from "../support/spark";
import { airflowChartValues, airflowHome, AirflowHome, airflowStack, repositoryDagsCopy } from "./environment";
import { airflowImage, airflowVenv } from "./image";

const image = airflowImage();
const line = image.sparkClient.line;
const dagId = "spark_connect_example";
const taskId = "orders_by_customer";

describe(`Airflow ${image.airflowVersion}: ${dagId} against a real Spark Connect ${line} server`, function () {
    this.timeout(20 * 60 * 1000);
    let venv: Venv;
    let stack: StackRun;
    let s3: LocalS3;
    let metastore: Metastore;
    let server: ConnectServer;
    let home: AirflowHome;
    let folder: string;
    let output = "";

    before(async function () {
        this.timeout(60 * 60 * 1000);
        venv = airflowVenv();
        stack = await airflowStack("airflow-connect-k8s");
        s3 = await startLocalS3();
        await seedBucketsFromPlan(stack, s3);
        metastore = await startMetastore({ run: stack, s3 });
        server = await startConnectServer(line, { run: stack, s3, metastoreUri: metastore.thriftUri });
        folder = repositoryDagsCopy();
        home = airflowHome(venv, folder, { core: airflowChartValues(stack).config.core ?? {} });
    });
    after(async () => {
        home?.remove();
        if (folder) fs.rmSync(folder, { recursive: true, force: true });
        await server?.stop();
        await metastore?.stop();
        await s3?.stop();
    });

    it("runs the task to success: the aggregate is written to the warehouse and read back whole", function () {
        const warehouse = server.conf["spark.sql.warehouse.dir"];
        assert.match(warehouse ?? "", /^s3a:\/\/[^/]+\//, "the Connect server's warehouse is on S3A");
        const variables = {
            [`AIRFLOW_VAR_SPARK_K8S_CONNECT_URL_${line.replace(".", "")}`]: server.url,
            AIRFLOW_VAR_SPARK_K8S_WAREHOUSE_URI: warehouse,
        };
        try {
            output = home.airflow(["dags", "test", dagId], variables, 15 * 60 * 1000);
        } catch (err) {
            throw new Error(`${(err as Error).message}\n--- Connect server log:\n${server.server.logTail(40)}`);
        }
        const db = `${home.dir}/airflow.db`;
        const query = `import json, sqlite3, sys
c = sqlite3.connect(sys.argv[1])
ti = c.execute("select state, try_number from task_instance where dag_id=? and task_id=?", (sys.argv[2], sys.argv[3])).fetchall()
xcom = c.execute("select value from xcom where dag_id=? and task_id=? and key='return_value'", (sys.argv[2], sys.argv[3])).fetchall()
print(json.dumps({"ti": ti, "xcom": [json.loads(v) if isinstance(v, (str, bytes)) else v for (v,) in xcom]}))`;
        const state = JSON.parse(run(venv.python, ["-c", query, db, dagId, taskId])) as { ti: [string, number][]; xcom: unknown[] };
        assert.deepEqual(state.ti.map(([s]) => s), ["success"], `task state; airflow output:\n${output.slice(-3000)}`);
        assert.equal(state.ti[0][1], 1, "succeeded on the first try");
        // Plain numbers: DataFrame.count() of the 3.5 Connect client returns numpy.int64, which
        // Airflow's XCom serializer would keep as {__classname__, __data__}; the DAG converts it.
        const result = (typeof state.xcom[0] === "string" ? JSON.parse(state.xcom[0]) : state.xcom[0]) as { path: string; customers: unknown; orders: unknown };
        assert.equal(result.customers, 50);
        assert.equal(result.orders, 10000);
        assert.ok(result.path.startsWith(`${warehouse.replace(/\/$/, "")}/examples/orders_by_customer/run=`), result.path);

        const m = /^s3a:\/\/([^/]+)\/(.*)$/.exec(result.path)!;
        const keys = s3.listKeys(m[1], `${m[2]}/`);
        assert.ok(keys.some((k) => /\/part-[^/]+\.parquet$/.test(k)), `Parquet parts under ${result.path}: ${keys.join(", ")}`);
        assert.ok(keys.some((k) => k.endsWith("/_SUCCESS")), `the committer's _SUCCESS marker under ${result.path}`);
    });
});
