import { strict as assert } from "assert";
import { chartLocation, charts, isExactChartVersion, splitImage } from "../../../components/services/charts";

describe("services: pinned charts", () => {
    it("pins every chart to an exact version from its official repository", () => {
        for (const [name, ref] of Object.entries(charts)) {
            assert.ok(isExactChartVersion(ref.version), `${name}: ${ref.version} is not an exact version`);
            assert.match(ref.repo, /^(https|oci):\/\//, name);
        }
        assert.equal(charts.sparkOperator.version.split(".")[0], "2");
        assert.equal(charts.jupyterhub.version.split(".")[0], "4");
        assert.equal(charts.airflow.version.split(".")[0], "1");
        assert.deepEqual(Object.keys(charts).sort(), ["airflow", "clusterAutoscaler", "externalSecrets", "jupyterhub", "karpenter", "kubePrometheusStack", "nvidiaDevicePlugin", "sealedSecrets", "sparkOperator", "tempo"]);
        assert.equal(charts.clusterAutoscaler.repo, "https://kubernetes.github.io/autoscaler");
        assert.equal(charts.karpenter.repo, "oci://public.ecr.aws/karpenter", "Karpenter's official chart is only published to public ECR");
        assert.equal(charts.externalSecrets.repo, "https://charts.external-secrets.io");
    });

    it("names an OCI chart by its registry path and a repository chart by name and repository", () => {
        assert.deepEqual(chartLocation(charts.karpenter), { chart: "oci://public.ecr.aws/karpenter/karpenter" });
        assert.deepEqual(chartLocation(charts.jupyterhub), { chart: "jupyterhub", repositoryOpts: { repo: "https://hub.jupyter.org/helm-chart/" } });
    });

    it("tells exact versions from ranges", () => {
        for (const v of ["2.4.0", "1.22.0", "4.4.0-beta.1"]) assert.ok(isExactChartVersion(v), v);
        for (const v of ["^2.4.0", "~1.22", "2.x", ">=1.0.0", "", "latest", "2.4"]) assert.ok(!isExactChartVersion(v), v);
    });

    it("splits pinned images and refuses unpinned ones", () => {
        assert.deepEqual(splitImage("registry:5000/spark-k8s/airflow:3.2.2-p1"), { repository: "registry:5000/spark-k8s/airflow", tag: "3.2.2-p1" });
        const digest = `sha256:${"a".repeat(64)}`;
        assert.deepEqual(splitImage(`spark-k8s/airflow@${digest}`), { repository: "spark-k8s/airflow", digest });
        for (const ref of ["spark-k8s/airflow", "spark-k8s/airflow:latest", "registry:5000/airflow"]) assert.throws(() => splitImage(ref), /not pinned/);
    });
});
