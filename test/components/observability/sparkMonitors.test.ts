import { strict as assert } from "assert";
import { connectServerLabel, namespaces, serviceEndpoints } from "../../../components/config/names";
import {
    connectPodMonitor,
    executorsPrometheusPath,
    relabel,
    RelabelConfig,
    sparkDriverMetricRelabelings,
    sparkExecutorMetricRelabelings,
    sparkJobs,
    sparkPodMonitors,
    submittedDriverPodMonitor,
} from "../../../components/observability/sparkMonitors";
import { prometheusServletPath } from "../../../components/spark/sparkDefaults";

const input = { jobNamespaces: ["spark-jobs", "team-b", "spark-jobs"] };

/** The target labels a pod gets from the endpoint's relabelings (Prometheus's __meta_kubernetes_* of a pod). */
function targetLabels(relabelings: readonly RelabelConfig[], meta: Record<string, string>): Record<string, string> {
    const out = relabel({ name: "up", labels: meta }, relabelings);
    assert.ok(out, "the target is not dropped");
    return Object.fromEntries(Object.entries(out.labels).filter(([k]) => !k.startsWith("__")));
}

describe("observability/sparkMonitors", function () {
    describe("relabel (Prometheus semantics)", function () {
        it("anchors the regex, fills $1 and ${2}, and deletes a label whose replacement is empty", function () {
            const r = relabel({ name: "a_b", labels: { x: "1", y: "keep" } }, [
                { sourceLabels: ["__name__"], regex: "a_(.)", targetLabel: "got", replacement: "v${1}v" },
                { sourceLabels: ["__name__"], regex: "_b", targetLabel: "unanchored", replacement: "hit" },
                { sourceLabels: ["nothing"], targetLabel: "y", replacement: "" },
                { sourceLabels: ["x", "y"], separator: "-", targetLabel: "joined" },
            ]);
            assert.deepEqual(r, { name: "a_b", labels: { x: "1", got: "vbv", joined: "1-" } });
        });
        it("drops, keeps and drops labels by name", function () {
            assert.equal(relabel({ name: "m", labels: {} }, [{ action: "drop", sourceLabels: ["__name__"], regex: "m" }]), undefined);
            assert.equal(relabel({ name: "m", labels: {} }, [{ action: "keep", sourceLabels: ["__name__"], regex: "n" }]), undefined);
            assert.deepEqual(relabel({ name: "m", labels: { a: "1", b: "2" } }, [{ action: "labeldrop", regex: "a" }]), { name: "m", labels: { b: "2" } });
        });
    });

    describe("metric relabellings", function () {
        it("name a servlet series spark_driver_* whatever the application, the application in spark_app", function () {
            for (const app of ["spark_connect_35", "nightly_etl"]) {
                const out = relabel({ name: `metrics_${app}_driver_DAGScheduler_job_activeJobs_Value`, labels: { type: "gauges" } }, sparkDriverMetricRelabelings);
                assert.deepEqual(out, { name: "spark_driver_DAGScheduler_job_activeJobs_Value", labels: { type: "gauges", spark_app: app } });
            }
        });
        it("keep one of the servlet's two copies of a gauge", function () {
            assert.equal(relabel({ name: "metrics_app_driver_jvm_heap_used_Number", labels: { type: "gauges" } }, sparkDriverMetricRelabelings), undefined);
        });
        it("name an executor-summary series spark_executor_* with spark_app_id and spark_app_name", function () {
            const out = relabel({ name: "metrics_executor_activeTasks", labels: { application_id: "spark-1", application_name: "etl", executor_id: "3" } }, sparkExecutorMetricRelabelings);
            assert.deepEqual(out, { name: "spark_executor_activeTasks", labels: { executor_id: "3", spark_app_id: "spark-1", spark_app_name: "etl" } });
            assert.deepEqual(relabel({ name: "spark_info", labels: { version: "4.1.4", revision: "x" } }, sparkExecutorMetricRelabelings), { name: "spark_info", labels: { version: "4.1.4", revision: "x" } });
        });
    });

    describe("PodMonitors", function () {
        const monitors = sparkPodMonitors({ ...input, labels: { release: "kube-prometheus-stack" } });

        it("are monitoring.coreos.com/v1 PodMonitors in the monitoring namespace, with the labels the Prometheus selects by", function () {
            assert.deepEqual(monitors.map((m) => m.metadata.name), [sparkJobs.connect, sparkJobs.driver]);
            for (const m of monitors) {
                assert.equal(m.apiVersion, "monitoring.coreos.com/v1");
                assert.equal(m.kind, "PodMonitor");
                assert.equal(m.metadata.namespace, namespaces.monitoring);
                assert.equal(m.metadata.labels.release, "kube-prometheus-stack");
                assert.ok(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(m.metadata.name));
            }
        });

        it("scrape both Spark endpoints of each driver, each with its own metric relabellings", function () {
            for (const m of monitors) {
                assert.deepEqual(m.spec.podMetricsEndpoints.map((e) => e.path), [prometheusServletPath, executorsPrometheusPath]);
                assert.equal(m.spec.podMetricsEndpoints[0].metricRelabelings, sparkDriverMetricRelabelings);
                assert.equal(m.spec.podMetricsEndpoints[1].metricRelabelings, sparkExecutorMetricRelabelings);
            }
        });

        it("select the Connect servers by their label in the jobs namespace, on the container's named ui port", function () {
            const m = connectPodMonitor(input);
            assert.deepEqual(m.spec.selector.matchLabels, connectServerLabel);
            assert.deepEqual(m.spec.namespaceSelector.matchNames, [serviceEndpoints.connect("3.5").namespace]);
            assert.ok(m.spec.podMetricsEndpoints.every((e) => e.port === "ui"));
            const labels = targetLabels(m.spec.podMetricsEndpoints[0].relabelings, {
                __meta_kubernetes_pod_label_app_kubernetes_io_name: "spark-connect-41",
                __meta_kubernetes_pod_node_name: "ip-10-0-1-2",
            });
            assert.deepEqual(labels, { job: sparkJobs.connect, node: "ip-10-0-1-2", spark_connect_server: "spark-connect-41" });
        });

        it("select submitted drivers by spark-role=driver in every job namespace, on spark-ui, with the pod's application id", function () {
            const m = submittedDriverPodMonitor(input);
            assert.deepEqual(m.spec.selector.matchLabels, { "spark-role": "driver" });
            assert.deepEqual(m.spec.namespaceSelector.matchNames, ["spark-jobs", "team-b"]);
            assert.ok(m.spec.podMetricsEndpoints.every((e) => e.port === "spark-ui"));
            const labels = targetLabels(m.spec.podMetricsEndpoints[1].relabelings, {
                __meta_kubernetes_pod_label_spark_app_selector: "spark-0a1b",
                __meta_kubernetes_pod_node_name: "n1",
            });
            assert.deepEqual(labels, { job: sparkJobs.driver, node: "n1", spark_app_id: "spark-0a1b" });
        });

        it("refuse to scrape drivers in no namespace", function () {
            assert.throws(() => sparkPodMonitors({ jobNamespaces: [] }), /no job namespace/);
        });
    });
});
