import { strict as assert } from "assert";
import { namespaces } from "../../../components/config/names";
import { grafanaDashboardLabel } from "../../../components/services/monitoring";
import {
    Dashboard,
    dashboardConfigMaps,
    dashboardSchemaVersion,
    platformDashboard,
    platformDashboards,
    prometheusDatasource,
} from "../../../components/observability/dashboards";
import { analyse, queryProblems } from "../../support/promql";

/** Every query of a dashboard: panel targets, and the selector of each label_values(...) variable. */
function queries(d: Dashboard): { where: string; expr: string }[] {
    const out = d.panels.flatMap((p) => p.targets.map((t) => ({ where: `${d.uid} panel "${p.title}" ${t.refId}`, expr: t.expr })));
    for (const v of d.templating.list) {
        const m = /^label_values\((.+), ([a-zA-Z_][a-zA-Z0-9_]*)\)$/.exec(v.query.query);
        assert.ok(m, `${d.uid} variable ${v.name}: not label_values(<selector>, <label>): ${v.query.query}`);
        out.push({ where: `${d.uid} variable ${v.name}`, expr: m[1] });
    }
    return out;
}

const dashboards = platformDashboards({ idleMonthly: 1234.567 });

describe("observability/dashboards", function () {
    describe("the query check", function () {
        it("passes a query that parses and selects catalogued metrics, whatever Grafana variables it uses", function () {
            assert.deepEqual(queryProblems(`sum by (namespace) (rate(spark_executor_completedTasks_total{pod=~"$pod"}[$__rate_interval]))`), []);
            assert.deepEqual(analyse(`{__name__="up"} or {"kube_node_info"}`).metrics, ["up", "kube_node_info"]);
        });
        it("fails a query that does not parse", function () {
            const problems = queryProblems(`sum(rate(spark_executor_completedTasks_total[5m])`);
            assert.ok(problems.some((p) => p.startsWith("syntax error")), problems.join("; "));
            assert.ok(queryProblems(`rate(up[5m]) +`).length > 0);
            assert.ok(queryProblems(`up{job=}`).length > 0);
        });
        it("fails a query that selects a metric no scraped target exposes, wherever it sits in the tree", function () {
            assert.deepEqual(queryProblems(`sum(up) / sum(rate(spark_executor_madeUp_total[5m]))`), ["spark_executor_madeUp_total is not in the metric catalogue"]);
            assert.deepEqual(queryProblems(`count(kube_node_labels unless on (node) {__name__="kube_node_gone"})`), ["kube_node_gone is not in the metric catalogue"]);
            assert.deepEqual(analyse(`{job="x"}`).errors, [`a selector without a metric name: {job="x"}`]);
            assert.deepEqual(queryProblems(`{__name__=~"spark_driver_spark_streaming_.+_latency_Value", type="gauges"}`), []);
            assert.deepEqual(queryProblems(`{__name__=~"spark_driver_.+", type="gauges"}`), ["spark_driver_.+ is not in the metric catalogue"]);
        });
        it("fails a selector that matches on a label its series do not carry", function () {
            assert.deepEqual(queryProblems(`kube_pod_status_phase{phase="Pending", executor_id="1"}`), ["kube_pod_status_phase has no label executor_id"]);
            assert.deepEqual(queryProblems(`spark_executor_activeTasks{namespace="a", pod="b", spark_app_id="c", executor_id!="driver"}`), []);
        });
    });

    describe("every dashboard", function () {
        it("has queries that parse and name only catalogued metrics", function () {
            const all = dashboards.flatMap(queries);
            assert.ok(all.length > 30, `only ${all.length} queries`);
            const problems = all.flatMap((q) => queryProblems(q.expr).map((p) => `${q.where}: ${p}`));
            assert.deepEqual(problems, []);
        });

        it("is dashboard JSON Grafana 11 loads: schema version, uid, panels on the 24-column grid without overlap, unique ids and refIds", function () {
            for (const d of dashboards) {
                assert.equal(d.schemaVersion, dashboardSchemaVersion);
                assert.ok(/^[a-zA-Z0-9_-]{1,40}$/.test(d.uid), d.uid);
                assert.ok(d.title.length > 0 && d.panels.length > 0);
                const ids = d.panels.map((p) => p.id);
                assert.equal(new Set(ids).size, ids.length, `${d.uid}: duplicate panel ids`);
                for (const p of d.panels) {
                    const g = p.gridPos;
                    assert.ok(Number.isInteger(g.x) && g.x >= 0 && g.w >= 1 && g.x + g.w <= 24 && g.h >= 1 && g.y >= 0, `${d.uid} "${p.title}": ${JSON.stringify(g)}`);
                    for (const q of d.panels.filter((o) => o.id < p.id)) {
                        const h = q.gridPos;
                        const overlap = g.x < h.x + h.w && h.x < g.x + g.w && g.y < h.y + h.h && h.y < g.y + g.h;
                        assert.ok(!overlap, `${d.uid}: "${p.title}" overlaps "${q.title}"`);
                    }
                    assert.ok(["timeseries", "stat", "table"].includes(p.type));
                    assert.ok(p.targets.length > 0, `${d.uid} "${p.title}" has no query`);
                    assert.equal(new Set(p.targets.map((t) => t.refId)).size, p.targets.length);
                    assert.deepEqual([p.datasource, ...p.targets.map((t) => t.datasource)].filter((ds) => ds.uid !== "prometheus" || ds.type !== "prometheus"), []);
                }
                assert.deepEqual(JSON.parse(JSON.stringify(d)), d, "plain JSON");
            }
            assert.deepEqual(prometheusDatasource, { type: "prometheus", uid: "prometheus" });
        });

        it("defines every template variable its queries use", function () {
            for (const d of dashboards) {
                const defined = new Set(d.templating.list.map((v) => v.name));
                const used = new Set(queries(d).flatMap((q) => [...q.expr.matchAll(/\$([a-zA-Z_]\w*)/g)].map((m) => m[1])).filter((n) => !n.startsWith("__")));
                assert.deepEqual([...used].filter((n) => !defined.has(n)), [], d.uid);
            }
        });
    });

    describe("the dashboards", function () {
        it("cover Spark applications, Spark Connect and the platform", function () {
            assert.deepEqual(dashboards.map((d) => d.uid), ["spark-k8s-spark-applications", "spark-k8s-spark-connect", "spark-k8s-platform"]);
            const exprs = (uid: string): string => queries(dashboards.find((d) => d.uid === uid)!).map((q) => q.expr).join("\n");
            for (const m of ["spark_executor_totalCores", "spark_executor_completedTasks_total", "spark_executor_totalShuffleRead_bytes_total", "spark_executor_totalGCTime_seconds_total", "spark_executor_JVMHeapMemory_bytes"]) {
                assert.ok(exprs("spark-k8s-spark-applications").includes(m), m);
            }
            assert.ok(exprs("spark-k8s-spark-connect").includes(`up{job="spark-connect"`));
            assert.ok(exprs("spark-k8s-platform").includes("label_spark_k8s_node_role"));
        });

        it("show the idle cost estimate passed in, and refuse a nonsensical one", function () {
            const stat = platformDashboard({ idleMonthly: 1234.567 }).panels.find((p) => p.title === "Estimated idle cost");
            assert.equal(stat?.targets[0].expr, "vector(1234.57)");
            assert.equal(stat?.fieldConfig.defaults.unit, "currencyUSD");
            assert.throws(() => platformDashboard({ idleMonthly: -1 }), /non-negative/);
            assert.throws(() => platformDashboard({ idleMonthly: Number.NaN }), /non-negative/);
        });
    });

    describe("ConfigMaps for the Grafana sidecar", function () {
        const maps = dashboardConfigMaps(dashboards);
        it("one per dashboard in the monitoring namespace, labelled for the sidecar, holding the dashboard JSON", function () {
            assert.equal(maps.length, dashboards.length);
            for (const [i, m] of maps.entries()) {
                assert.equal(m.namespace, namespaces.monitoring);
                assert.equal(m.labels.grafana_dashboard, grafanaDashboardLabel.grafana_dashboard);
                assert.equal(m.labels.grafana_dashboard, "1");
                assert.ok(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(m.name) && m.name.length <= 63, m.name);
                assert.deepEqual(Object.keys(m.data), [`${dashboards[i].uid}.json`]);
                assert.deepEqual(JSON.parse(m.data[`${dashboards[i].uid}.json`]), dashboards[i]);
            }
        });
        it("refuse two dashboards with one uid", function () {
            assert.throws(() => dashboardConfigMaps([dashboards[0], dashboards[0]]), /uid/);
        });
    });
});
