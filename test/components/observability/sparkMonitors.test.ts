import { strict as assert } from "assert";
import { connectServerLabel, namespaces, serviceEndpoints } from "../../../components/config/names";
import {
    connectPodMonitor,
    executorsPrometheusPath,
    RelabelConfig,
    sparkDriverMetricRelabelings,
    sparkExecutorMetricRelabelings,
    sparkJobs,
    sparkPodMonitors,
    submittedDriverPodMonitor,
} from "../../../components/observability/sparkMonitors";
import { prometheusServletPath } from "../../../components/spark/sparkDefaults";

const input = { jobNamespaces: ["spark-jobs", "team-b", "spark-jobs"] };

/** The labels an endpoint's relabelings write (what Prometheus makes of them: integration/observability/relabel.test.ts). */
function targetLabelsWritten(relabelings: readonly RelabelConfig[]): (string | undefined)[] {
    return relabelings.map((r) => r.targetLabel);
}

describe("observability/sparkMonitors", function () {
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
            for (const e of m.spec.podMetricsEndpoints) assert.deepEqual(targetLabelsWritten(e.relabelings), ["job", "node", "spark_connect_server"]);
        });

        it("select submitted drivers by spark-role=driver in every job namespace, on spark-ui, with the pod's application id", function () {
            const m = submittedDriverPodMonitor(input);
            assert.deepEqual(m.spec.selector.matchLabels, { "spark-role": "driver" });
            assert.deepEqual(m.spec.namespaceSelector.matchNames, ["spark-jobs", "team-b"]);
            assert.ok(m.spec.podMetricsEndpoints.every((e) => e.port === "spark-ui"));
            for (const e of m.spec.podMetricsEndpoints) assert.deepEqual(targetLabelsWritten(e.relabelings), ["job", "node", "spark_app_id"]);
        });

        it("refuse to scrape drivers in no namespace", function () {
            assert.throws(() => sparkPodMonitors({ jobNamespaces: [] }), /no job namespace/);
        });
    });
});
