import { strict as assert } from "assert";
import { namespaces, serviceEndpoints } from "../../../components/config/names";
import { minioMetricsPath, platformMonitors } from "../../../components/observability/platformMonitors";
import { monitoringRelease } from "../../../components/services/monitoring";
import { RecordedResource, unwrapSecrets } from "../../../tools/harness";
import { ofType, stackConfig, stackRunWith } from "../../support";

type Monitor = ReturnType<typeof platformMonitors>[number];
type Endpoint = { port: string; path: string; interval: string };
const endpointOf = (m: Monitor) => (m.spec.podMetricsEndpoints as Endpoint[])[0];
const scraped = (m: Monitor) => (m.spec.namespaceSelector as { matchNames: string[] }).matchNames;

describe("observability/platformMonitors", () => {
    it("monitors only what runs, each from the monitoring namespace into its service's namespace alone", () => {
        assert.deepEqual(platformMonitors({ sparkOperator: false, airflow: false, minio: false }), []);
        const all = platformMonitors({ sparkOperator: true, airflow: true, minio: true });
        assert.deepEqual(all.map((m) => [m.metadata.name, scraped(m)]), [["spark-operator", [namespaces.operator]], ["airflow-statsd", [namespaces.airflow]], ["minio", [serviceEndpoints.minio.namespace]]]);
        for (const m of all) {
            assert.equal(m.kind, "PodMonitor");
            assert.equal(m.metadata.namespace, monitoringRelease.namespace);
            assert.ok(Object.keys((m.spec.selector as { matchLabels: object }).matchLabels).length > 0, `${m.metadata.name} selects by labels`);
        }
        assert.deepEqual(platformMonitors({ sparkOperator: false, airflow: true, minio: false }).map((m) => m.metadata.name), ["airflow-statsd"]);
    });

    describe("on the local stack with the monitoring stack switched on", function () {
        this.timeout(120000);
        let resources: RecordedResource[];
        before(async () => {
            const services = stackConfig("local").services;
            const run = await stackRunWith("local", { services: { ...services, observability: { ...services.observability, enabled: true } } });
            resources = run.resources.map((r) => ({ ...r, inputs: unwrapSecrets(r.inputs) as Record<string, unknown> }));
        });

        it("scrapes MinIO's pods on a port they declare, and MinIO serves that path without a token", () => {
            const monitor = ofType({ resources } as never, "kubernetes:monitoring.coreos.com/v1:PodMonitor").map((r) => r.inputs as unknown as Monitor).find((m) => m.metadata.name === "minio");
            assert.ok(monitor, "a minio PodMonitor");
            const workloads = [...ofType({ resources } as never, "kubernetes:apps/v1:Deployment"), ...ofType({ resources } as never, "kubernetes:apps/v1:StatefulSet")]
                .map((r) => r.inputs as { metadata: { namespace: string }; spec: { template: { metadata: { labels: Record<string, string> }; spec: { containers: { ports: { name: string }[]; env: { name: string; value: string }[] }[] } } } })
                .filter((d) => scraped(monitor).includes(d.metadata.namespace))
                .filter((d) => Object.entries((monitor.spec.selector as { matchLabels: Record<string, string> }).matchLabels).every(([k, v]) => d.spec.template.metadata.labels[k] === v));
            assert.equal(workloads.length, 1, "the selector matches MinIO's StatefulSet alone");
            const [container] = workloads[0].spec.template.spec.containers;
            assert.ok(container.ports.some((p) => p.name === endpointOf(monitor).port), `port ${endpointOf(monitor).port}`);
            assert.equal(endpointOf(monitor).path, minioMetricsPath);
            assert.equal(container.env.find((e) => e.name === "MINIO_PROMETHEUS_AUTH_TYPE")?.value, "public");
        });

        it("keeps MinIO's metrics behind a token when nothing scrapes them", async () => {
            const run = await stackRunWith("local", {});
            const minio = ofType(run, "kubernetes:apps/v1:StatefulSet").map((r) => unwrapSecrets(r.inputs) as { metadata: { name: string }; spec: { template: { spec: { containers: { env: { name: string }[] }[] } } } }).find((s) => s.metadata.name === "minio");
            assert.ok(minio);
            assert.ok(!minio.spec.template.spec.containers[0].env.some((e) => e.name === "MINIO_PROMETHEUS_AUTH_TYPE"));
        });
    });
});
