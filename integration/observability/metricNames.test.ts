/**
 * The kube-state-metrics names in the metric catalogue (which the alert rules and dashboards may
 * only use) against the source of the kube-state-metrics release the monitoring stack runs, read
 * from its Go module: a name the release does not define would leave an alert silent forever.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { kubeStateMetricsVersion, metricSources } from "../../components/observability/metrics";
import { goModuleDir } from "../support/helm";

describe(`metric catalogue against kube-state-metrics ${kubeStateMetricsVersion}`, function () {
    this.timeout(15 * 60 * 1000);
    let defined: Set<string>;
    before(function () {
        const store = path.join(goModuleDir("k8s.io/kube-state-metrics/v2", kubeStateMetricsVersion), "internal/store");
        const source = fs.readdirSync(store).filter((f) => f.endsWith(".go") && !f.endsWith("_test.go")).map((f) => fs.readFileSync(path.join(store, f), "utf8")).join("\n");
        defined = new Set([...source.matchAll(/"(kube_[a-z0-9_]+)"/g)].map((m) => m[1]));
    });

    it("defines every kube_* name the catalogue lists", function () {
        const listed = metricSources.flatMap((s) => s.metrics.map((m) => m.name)).filter((n) => n.startsWith("kube_"));
        assert.ok(listed.length >= 15, `only ${listed.length} names`);
        assert.ok(defined.size > 100, `only ${defined.size} names found in the source`);
        assert.deepEqual(listed.filter((n) => !defined.has(n)), []);
    });

    it("would catch a name it does not define", function () {
        assert.ok(!defined.has("kube_pod_status_phas") && !defined.has("kube_job_status_fail"));
    });
});
