import { strict as assert } from "assert";
import { capacityLabel, nodeRoleLabel } from "../../../components/config/nodeRoles";
import { catalogued, kubeStateLabel, metricSources, queryableLabels, sparkDriverMetrics, sparkExecutorMetrics } from "../../../components/observability/metrics";
import { sparkPodMonitors } from "../../../components/observability/sparkMonitors";

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

describe("observability/metrics", function () {
    it("lists every name once, as a valid Prometheus metric name with valid label names", function () {
        const names = metricSources.flatMap((s) => s.metrics.map((m) => m.name));
        assert.deepEqual(names.filter((n, i) => names.indexOf(n) !== i), []);
        for (const s of metricSources) {
            assert.ok(s.reference.length > 0, `${s.target} cites no reference`);
            for (const m of s.metrics) {
                assert.ok(metricName.test(m.name), m.name);
                assert.ok(m.labels.every((l) => labelName.test(l) && !l.startsWith("__")), `${m.name}: ${m.labels.join(", ")}`);
            }
        }
    });

    it("looks names up, and knows no name it does not list", function () {
        assert.deepEqual(catalogued("kube_pod_status_phase")?.labels, ["namespace", "pod", "phase"]);
        assert.equal(catalogued("kube_pod_status_phas"), undefined);
        assert.equal(catalogued("container_spec_memory_limit_bytes"), undefined, "kube-prometheus-stack's kubelet monitor drops container_spec_*");
    });

    it("names node labels as kube-state-metrics publishes them, and lists them on kube_node_labels", function () {
        assert.equal(kubeStateLabel(nodeRoleLabel), "label_spark_k8s_node_role");
        assert.equal(kubeStateLabel(capacityLabel), "label_spark_k8s_capacity");
        assert.deepEqual(catalogued("kube_node_labels")?.labels, ["node", "label_spark_k8s_node_role", "label_spark_k8s_capacity"]);
    });

    // That relabelling leaves these names as they are is proved by Prometheus in integration/observability/relabel.test.ts.
    it("lists Spark names in the form the PodMonitors store them", function () {
        for (const m of sparkDriverMetrics) assert.ok(m.name.startsWith("spark_driver_"), m.name);
        for (const m of sparkExecutorMetrics) assert.ok(/^spark_(executor_|info$)/.test(m.name), m.name);
    });

    it("knows every target label the Spark monitors add", function () {
        const added = sparkPodMonitors({ jobNamespaces: ["spark-jobs"] }).flatMap((m) => m.spec.podMetricsEndpoints.flatMap((e) => e.relabelings.map((r) => r.targetLabel ?? "")));
        for (const name of [sparkDriverMetrics[0].name, sparkExecutorMetrics[0].name, "up"]) {
            assert.deepEqual(added.filter((l) => !queryableLabels(name).has(l)), [], name);
        }
    });
});
