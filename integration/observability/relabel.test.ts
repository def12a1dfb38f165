/**
 * What the Spark PodMonitors' relabellings do, decided by Prometheus's own code (model/relabel and
 * model/textparse at the release the stack runs), on the configs as the Prometheus Operator writes
 * them: the driver servlet's series get one name whatever the application, the _Number copy of a
 * gauge goes, the executor summary is renamed with spark_app_id and spark_app_name, the
 * catalogue's stored names stay as they are, and each target gets the job, node and server or
 * application labels the dashboards select by.
 */
import { strict as assert } from "assert";
import { sparkDriverMetrics, sparkExecutorMetrics } from "../../components/observability/metrics";
import {
    connectPodMonitor,
    RelabelConfig,
    sparkDriverMetricRelabelings,
    sparkExecutorMetricRelabelings,
    sparkJobs,
    submittedDriverPodMonitor,
} from "../../components/observability/sparkMonitors";
import { prometheusRelabel, Series } from "../support/promRelabel";
import { prometheusModule } from "../support/promtool";

/** The relabelled form of one series; undefined when Prometheus drops it. */
function relabelOne(configs: readonly RelabelConfig[], series: Series): Series | undefined {
    const [r] = prometheusRelabel(configs, { series: [series] });
    return r.output;
}

/** The labels a target keeps after its relabel_configs (Prometheus drops every "__" label of a target). */
function targetLabels(relabelings: readonly RelabelConfig[], meta: Record<string, string>): Record<string, string> {
    const out = relabelOne(relabelings, { name: "", labels: meta });
    assert.ok(out, "the target is not dropped");
    return Object.fromEntries(Object.entries(out.labels).filter(([k]) => !k.startsWith("__")));
}

describe(`Spark monitors' relabellings under Prometheus ${prometheusModule.release}'s relabel code`, function () {
    this.timeout(60 * 60 * 1000);

    describe("driver servlet (metricRelabelings of /metrics/prometheus)", function () {
        it("names a series spark_driver_* whatever the application, the application in spark_app, other labels kept", function () {
            for (const app of ["spark_connect_35", "nightly_etl", "a"]) {
                const out = relabelOne(sparkDriverMetricRelabelings, { name: `metrics_${app}_driver_DAGScheduler_job_activeJobs_Value`, labels: { type: "gauges" } });
                assert.deepEqual(out, { name: "spark_driver_DAGScheduler_job_activeJobs_Value", labels: { type: "gauges", spark_app: app } });
            }
        });

        it("keeps one of the servlet's two copies of a gauge, as parsed from an exposition", function () {
            const body = [
                "# TYPE metrics_app_driver_jvm_heap_used_Number gauge",
                'metrics_app_driver_jvm_heap_used_Number{type="gauges"} 1024',
                "# TYPE metrics_app_driver_jvm_heap_used_Value gauge",
                'metrics_app_driver_jvm_heap_used_Value{type="gauges"} 1024',
                "",
            ].join("\n");
            const out = prometheusRelabel(sparkDriverMetricRelabelings, { exposition: { body, contentType: "text/plain; version=0.0.4" } });
            assert.deepEqual(out.map((r) => r.input.name), ["metrics_app_driver_jvm_heap_used_Number", "metrics_app_driver_jvm_heap_used_Value"]);
            assert.deepEqual(out.map((r) => r.output), [undefined, { name: "spark_driver_jvm_heap_used_Value", labels: { type: "gauges", spark_app: "app" } }]);
        });

        it("splits at the first _driver_, as the monitor's comment warns for an application named like nightly-driver-etl", function () {
            const out = relabelOne(sparkDriverMetricRelabelings, { name: "metrics_nightly_driver_etl_driver_DAGScheduler_job_allJobs_Count", labels: { type: "counters" } });
            assert.deepEqual(out, { name: "spark_driver_etl_driver_DAGScheduler_job_allJobs_Count", labels: { type: "counters", spark_app: "nightly" } });
        });
    });

    describe("executor summary (metricRelabelings of /metrics/executors/prometheus)", function () {
        it("names a series spark_executor_* with spark_app_id and spark_app_name, dropping application_id and application_name", function () {
            const out = relabelOne(sparkExecutorMetricRelabelings, { name: "metrics_executor_activeTasks", labels: { application_id: "spark-1", application_name: "etl", executor_id: "3" } });
            assert.deepEqual(out, { name: "spark_executor_activeTasks", labels: { executor_id: "3", spark_app_id: "spark-1", spark_app_name: "etl" } });
        });

        it("leaves spark_info as it is", function () {
            const info = { name: "spark_info", labels: { version: "4.1.4", revision: "x" } };
            assert.deepEqual(relabelOne(sparkExecutorMetricRelabelings, info), info);
        });
    });

    it("leaves every catalogued Spark name (the stored form) as it is: a stored name never matches the raw-name rules again", function () {
        for (const [configs, catalogue] of [
            [sparkDriverMetricRelabelings, sparkDriverMetrics],
            [sparkExecutorMetricRelabelings, sparkExecutorMetrics],
        ] as const) {
            const out = prometheusRelabel(configs, { series: catalogue.map((m) => ({ name: m.name, labels: {} })) });
            assert.deepEqual(out.map((r) => r.output?.name), catalogue.map((m) => m.name));
        }
    });

    describe("targets (relabelings of each endpoint)", function () {
        const input = { jobNamespaces: ["spark-jobs"] };

        it("a Connect server's series carry its job, node and server name", function () {
            for (const e of connectPodMonitor(input).spec.podMetricsEndpoints) {
                const labels = targetLabels(e.relabelings, {
                    __meta_kubernetes_pod_label_app_kubernetes_io_name: "spark-connect-41",
                    __meta_kubernetes_pod_node_name: "ip-10-0-1-2",
                });
                assert.deepEqual(labels, { job: sparkJobs.connect, node: "ip-10-0-1-2", spark_connect_server: "spark-connect-41" });
            }
        });

        it("a submitted driver's series carry its job, node and the pod's application id", function () {
            for (const e of submittedDriverPodMonitor(input).spec.podMetricsEndpoints) {
                const labels = targetLabels(e.relabelings, {
                    __meta_kubernetes_pod_label_spark_app_selector: "spark-0a1b",
                    __meta_kubernetes_pod_node_name: "n1",
                });
                assert.deepEqual(labels, { job: sparkJobs.driver, node: "n1", spark_app_id: "spark-0a1b" });
            }
        });
    });

    describe("the relabeller is Prometheus's", function () {
        it("refuses what Prometheus refuses: a replace with no target label, an unknown action, an exposition of an unknown Content-Type", function () {
            assert.throws(() => prometheusRelabel([{ sourceLabels: ["a"] }], { series: [] }), /requires 'target_label'/);
            assert.throws(() => prometheusRelabel([{ action: "rename" as RelabelConfig["action"], targetLabel: "x" }], { series: [] }), /unknown relabel action/);
            assert.throws(() => prometheusRelabel([], { exposition: { body: "<html></html>", contentType: "text/html" } }), /unsupported Content-Type/);
        });

        it("takes an action in any case, lower-cased as the operator writes it", function () {
            const out = relabelOne([{ action: "LabelDrop" as RelabelConfig["action"], regex: "a" }], { name: "m", labels: { a: "1", b: "2" } });
            assert.deepEqual(out, { name: "m", labels: { b: "2" } });
        });
    });
});
