import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { databaseBackupJob, namespaces, serviceEndpoints } from "../../../components/config/names";
import { Scenario } from "../../../components/config/schema";
import { alertCases, promtoolTests, renderAnnotation } from "../../../components/observability/alertRules.cases";
import { AlertRuleInputs, alertRuleInputs, alertRules, alertSeverities, allAlertRules, runbookAnchor, runbookUrl } from "../../../components/observability/alertRules";
import { componentPlan } from "../../../components/spark/scenarios";
import { queryProblems } from "../../support/promql";

const docs = fs.readFileSync(path.resolve(__dirname, "../../../docs/alerts.md"), "utf8");
/** Anchors of docs/alerts.md's headings, slugged as GitHub does: lower case, punctuation dropped, spaces to dashes. */
const anchors = new Set([...docs.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => m[1].trim().toLowerCase().replace(/[^\w\s-]/g, "").replace(/\s/g, "-")));

const plan = (scenarios: readonly Scenario[], minioEnabled = false) => componentPlan({ scenarios, presets: [], versions: ["3.5", "4.1"], tier: "dev", minioEnabled });
const everything = alertRuleInputs(plan(["jupyter-connect-k8s", "airflow-connect-standalone", "airflow-operator"], true), true, ["spark-jobs"]);
const minimal = alertRuleInputs(plan(["airflow-k8s-submit"]), false, ["spark-jobs"]);
const noAirflow = alertRuleInputs(plan(["jupyter-connect-k8s"]), true, ["spark-jobs"]);
const shapes: Record<string, AlertRuleInputs> = { everything, minimal, noAirflow };
const names = (i: AlertRuleInputs) => allAlertRules(alertRules(i)).map((r) => r.alert);
const byName = (i: AlertRuleInputs, alert: string) => allAlertRules(alertRules(i)).find((r) => r.alert === alert);

describe("alert rules", () => {
    for (const [shape, inputs] of Object.entries(shapes)) {
        it(`${shape}: every rule has an allowed severity, a summary, a description and a runbook link to its own section of docs/alerts.md`, () => {
            const rules = allAlertRules(alertRules(inputs));
            assert.ok(rules.length > 0);
            for (const r of rules) {
                assert.ok((alertSeverities as readonly string[]).includes(r.labels.severity), `${r.alert}: severity ${r.labels.severity}`);
                assert.ok(r.annotations.summary.trim().length > 0, `${r.alert}: summary`);
                assert.ok(r.annotations.description.trim().length > 0, `${r.alert}: description`);
                assert.equal(r.annotations.runbook_url, runbookUrl(r.alert));
                const anchor = r.annotations.runbook_url.split("#")[1];
                assert.equal(anchor, runbookAnchor(r.alert));
                assert.ok(anchors.has(anchor), `docs/alerts.md has no heading for #${anchor}`);
                assert.match(r.for, /^\d+[smh]$/);
                assert.ok(r.expr.trim().length > 0);
            }
        });

        it(`${shape}: every expression parses and selects only catalogued metrics, on labels their series carry`, () => {
            const problems = allAlertRules(alertRules(inputs)).flatMap((r) => queryProblems(r.expr).map((p) => `${r.alert}: ${p}`));
            assert.deepEqual(problems, []);
        });

        it(`${shape}: alert and group names are unique`, () => {
            const spec = alertRules(inputs);
            assert.equal(new Set(names(inputs)).size, names(inputs).length);
            assert.equal(new Set(spec.groups.map((g) => g.name)).size, spec.groups.length);
            assert.ok(spec.groups.every((g) => g.rules.length > 0), "no empty group");
        });

        it(`${shape}: every alert has a case where it fires and one where it stays silent, and no case names a missing alert`, () => {
            const cases = alertCases(inputs);
            assert.deepEqual(Object.keys(cases).sort(), names(inputs).sort());
            for (const [alert, c] of Object.entries(cases)) {
                assert.ok(c.fires.length > 0, `${alert}: no firing case`);
                assert.ok(c.silent.length > 0, `${alert}: no silent case`);
            }
        });

        it(`${shape}: every label an annotation names is on the alert of every firing case`, () => {
            const cases = alertCases(inputs);
            for (const r of allAlertRules(alertRules(inputs))) {
                const used = [...Object.values(r.annotations).join(" ").matchAll(/\$labels\.(\w+)/g)].map((m) => m[1]);
                for (const f of cases[r.alert].fires) for (const l of used) assert.ok(l in f.labels, `${r.alert} (${f.what}): annotations use $labels.${l}, the alert has ${Object.keys(f.labels).join(", ")}`);
            }
        });
    }

    it("the runbook base is one constant unless the caller publishes the docs elsewhere", () => {
        const base = "https://example.org/docs/alerts.html";
        for (const r of allAlertRules(alertRules({ ...everything, runbookBase: base }))) assert.equal(r.annotations.runbook_url, `${base}#${r.alert.toLowerCase()}`);
        assert.equal(runbookUrl("HiveMetastoreDown"), "docs/alerts.md#hivemetastoredown");
    });

    it("the rules the issue asks for all exist when the stack runs everything", () => {
        assert.deepEqual(names(everything).sort(), [
            "AirflowDagRunFailed", "AirflowSchedulerHeartbeatMissing", "DatabaseBackupFailed", "DatabaseBackupMissing", "HiveMetastoreDown", "PersistentVolumeFillingUp",
            "SparkConnectServerDown", "SparkExecutorOOMKilled", "SparkExecutorsPendingNoCapacity", "SparkHistoryServerDown", "SparkStreamingBatchDelayed", "SparkTaskFailureRateHigh",
        ]);
    });

    it("no Airflow alerts without Airflow; with it, they select Airflow's namespace", () => {
        for (const i of [noAirflow]) assert.deepEqual(names(i).filter((n) => n.startsWith("Airflow")), []);
        for (const n of ["AirflowSchedulerHeartbeatMissing", "AirflowDagRunFailed"]) assert.match(byName(everything, n)!.expr, new RegExp(`namespace="${namespaces.airflow}"`));
        assert.deepEqual(names(minimal).filter((n) => n.startsWith("Airflow")), ["AirflowSchedulerHeartbeatMissing", "AirflowDagRunFailed"]);
    });

    it("no Connect alert without Connect servers; with them, the alert names every server's Deployment and no other", () => {
        assert.equal(byName(minimal, "SparkConnectServerDown"), undefined);
        const expr = byName(everything, "SparkConnectServerDown")!.expr;
        const servers = ["3.5", "4.1"].flatMap((v) => (["k8s", "standalone"] as const).map((b) => serviceEndpoints.connect(v, b).name));
        for (const s of servers) assert.ok(expr.includes(s), `${s} is watched`);
        const only = byName(noAirflow, "SparkConnectServerDown")!.expr;
        assert.ok(!only.includes("standalone"), "a stack without standalone servers watches none");
        assert.match(only, /deployment=~"spark-connect-35\|spark-connect-41"/);
    });

    it("backup alerts only with backups, watching the database-backup CronJob", () => {
        assert.deepEqual(names(minimal).filter((n) => n.startsWith("DatabaseBackup")), []);
        for (const n of ["DatabaseBackupFailed", "DatabaseBackupMissing"]) {
            const expr = byName(everything, n)!.expr;
            assert.ok(expr.includes(`"${databaseBackupJob.name}"`) && expr.includes(`namespace="${databaseBackupJob.namespace}"`), `${n}: ${expr}`);
        }
        assert.match(byName(everything, "DatabaseBackupMissing")!.expr, /> 93600/);
    });

    it("History Server and Metastore alerts watch their Deployments in every shape", () => {
        for (const i of Object.values(shapes)) {
            assert.match(byName(i, "SparkHistoryServerDown")!.expr, new RegExp(`deployment="${serviceEndpoints.historyServer.name}"`));
            assert.match(byName(i, "HiveMetastoreDown")!.expr, new RegExp(`deployment="${serviceEndpoints.metastore.name}"`));
        }
    });

    it("Spark job alerts select the job namespaces; volume alerts the namespaces the stack runs", () => {
        for (const n of ["SparkExecutorOOMKilled", "SparkTaskFailureRateHigh", "SparkExecutorsPendingNoCapacity", "SparkStreamingBatchDelayed"]) {
            assert.match(byName(everything, n)!.expr, new RegExp(`namespace="${namespaces.jobs}"`), n);
        }
        assert.match(byName(everything, "PersistentVolumeFillingUp")!.expr, /namespace=~"[^"]*minio[^"]*airflow[^"]*jupyterhub/);
        assert.doesNotMatch(byName(minimal, "PersistentVolumeFillingUp")!.expr, /minio|jupyterhub/);
        const none = alertRules({ ...minimal, jobNamespaces: [], volumeNamespaces: [] });
        assert.deepEqual(allAlertRules(none).map((r) => r.alert).filter((n) => /^Spark(Executor|Task|Streaming)|PersistentVolume/.test(n)), []);
    });

    it("promtool test files hold one test per case, firing ones expecting the rule's severity and rendered annotations", () => {
        const spec = alertRules(everything);
        const cases = alertCases(everything);
        const file = promtoolTests(spec, cases, "rules.yaml") as { rule_files: string[]; tests: { name: string; alert_rule_test: { alertname: string; exp_alerts: { exp_labels: Record<string, string>; exp_annotations: Record<string, string> }[] }[] }[] };
        assert.deepEqual(file.rule_files, ["rules.yaml"]);
        const count = Object.values(cases).reduce((n, c) => n + c.fires.length + c.silent.length, 0);
        assert.equal(file.tests.length, count);
        const metastore = file.tests.find((t) => t.name.startsWith("HiveMetastoreDown: no replica"))!;
        const expected = metastore.alert_rule_test[0].exp_alerts[0];
        assert.deepEqual(expected.exp_labels, { namespace: serviceEndpoints.metastore.namespace, deployment: serviceEndpoints.metastore.name, severity: "critical" });
        assert.equal(expected.exp_annotations.runbook_url, "docs/alerts.md#hivemetastoredown");
        assert.ok(expected.exp_annotations.description.includes(`${serviceEndpoints.metastore.namespace}/${serviceEndpoints.metastore.name}`));
        assert.equal(file.tests.filter((t) => t.alert_rule_test[0].exp_alerts.length === 0).length, Object.values(cases).reduce((n, c) => n + c.silent.length, 0));
        assert.throws(() => promtoolTests(alertRules(minimal), cases, "rules.yaml"), /SparkConnectServerDown/);
    });

    it("annotations render $labels as Prometheus does, unknown labels as empty", () => {
        assert.equal(renderAnnotation("{{ $labels.pod }} in {{$labels.namespace}}: {{ $labels.none }}.", { pod: "p", namespace: "n" }), "p in n: .");
    });
});
