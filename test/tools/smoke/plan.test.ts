import { strict as assert } from "assert";
import { stackConfig } from "../../../tools/harness";
import { smokePlan } from "../../../tools/smoke/plan";

const digest = `sha256:${"a".repeat(64)}`;

describe("tools/smoke/plan", () => {
    it("local: the default scenario's Connect servers, MinIO and JupyterHub, no node placement, the MinIO warehouse", () => {
        const plan = smokePlan(stackConfig("local"), {});
        assert.deepEqual(plan.namespaces, ["spark-jobs", "spark-platform", "minio", "jupyterhub"]);
        assert.deepEqual(plan.connect.map((c) => [c.label, c.url, c.clientImage]), [
            ["connect-3.5", "sc://spark-connect-35.spark-jobs.svc.cluster.local:15002", stackConfig("local").spark.images.jupyter35],
            ["connect-4.1", "sc://spark-connect-41.spark-jobs.svc.cluster.local:15002", stackConfig("local").spark.images.jupyter41],
        ]);
        assert.deepEqual(plan.clientPod.placement, {});
        assert.equal(plan.warehouseDir, "s3a://warehouse/warehouse");
        assert.equal(plan.airflow, undefined);
        assert.deepEqual(plan.sharedWorkloads, []);
        assert.equal(plan.clusterEndpoint, undefined);
        // The batch run borrows the newest line's Connect configuration and MinIO's credentials.
        assert.equal(plan.batch?.configMap, "spark-connect-41-conf");
        assert.equal(plan.batch?.image, stackConfig("local").spark.images.spark41);
        assert.deepEqual(plan.batch?.env.map((e) => [e.name, e.valueFrom?.secretKeyRef?.name]), [["AWS_ACCESS_KEY_ID", "object-storage-credentials"], ["AWS_SECRET_ACCESS_KEY", "object-storage-credentials"]]);
        assert.deepEqual(plan.notChecked, []);
    });

    it("dev: the deployed images by digest, Airflow and the operator, the cluster-autoscaler, the checks not built yet listed", () => {
        const ecr = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/spark-k8s-dev/spark-k8s/jupyter-spark-4.1:4.1.4-p3@${digest}`;
        const plan = smokePlan(stackConfig("dev"), { buckets: { warehouse: "wh" }, images: { jupyter41: ecr }, clusterEndpoint: "https://x.eks.amazonaws.com" });
        assert.equal(plan.connect.find((c) => c.version === "4.1")?.clientImage, ecr);
        assert.deepEqual(plan.namespaces, ["spark-jobs", "spark-platform", "spark-operator", "jupyterhub", "airflow"]);
        assert.deepEqual(plan.sharedWorkloads, [{ namespace: "kube-system", selector: "app.kubernetes.io/instance=cluster-autoscaler" }]);
        const withKarpenter = smokePlan({ ...stackConfig("dev"), cluster: { ...stackConfig("dev").cluster, nodeProvisioner: "karpenter" } }, { buckets: { warehouse: "wh" } });
        assert.deepEqual(withKarpenter.sharedWorkloads.map((w) => w.selector), ["app.kubernetes.io/instance=cluster-autoscaler", "app.kubernetes.io/instance=karpenter"]);
        assert.deepEqual(plan.clientPod.placement, { nodeSelector: { "spark-k8s/node-role": "system" } });
        assert.equal(plan.warehouseDir, "s3a://wh/warehouse");
        assert.equal(plan.airflow?.path, "/api/v2/monitor/health");
        assert.equal(plan.airflow?.apiUrl, "http://airflow-api-server.airflow.svc.cluster.local:8080");
        assert.deepEqual(plan.airflow?.adminSecret, { namespace: "airflow", name: "airflow-admin-user" });
        assert.equal(plan.airflow?.image, stackConfig("dev").spark.images.airflow);
        // dev lists airflow-connect-k8s, airflow-k8s-submit and airflow-operator: one example DAG each.
        assert.deepEqual(plan.airflow?.dags.map((d) => d.dagId), ["spark_connect_example", "spark_submit_k8s_example", "spark_operator_example"]);
        assert.deepEqual(plan.notChecked, []);
        // On S3 the batch pod reads no keys: the spark service account's Pod Identity does.
        assert.deepEqual(plan.batch?.env, []);
        assert.deepEqual(plan.batch?.placement, { nodeSelector: { "spark-k8s/node-role": "driver" } });
        assert.equal(plan.clusterEndpoint, "https://x.eks.amazonaws.com");
    });

    it("the batch run avoids a GPU line's configuration, and without a CPU line's Connect server it is listed as not checked", () => {
        const base = stackConfig("dev");
        const gpu35 = smokePlan({ ...base, spark: { ...base.spark, versions: ["3.5", "4.1"], presets: ["gpu"] } }, { buckets: { warehouse: "wh" } });
        assert.equal(gpu35.batch?.version, "4.1");
        const onlyGpu = smokePlan({ ...base, spark: { ...base.spark, versions: ["3.5"], presets: ["gpu"] } }, { buckets: { warehouse: "wh" } });
        assert.equal(onlyGpu.batch, undefined);
        assert.match(onlyGpu.notChecked[0].why, /runs none on a CPU line/);
    });

    it("an AWS stack without its buckets output is an error that says what to pass", () => {
        assert.throws(() => smokePlan(stackConfig("dev"), {}), /no buckets\.warehouse.*pulumi stack output --json/);
    });
});
