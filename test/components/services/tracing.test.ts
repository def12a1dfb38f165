import { strict as assert } from "assert";
import { parse as parseYaml } from "yaml";
import { serviceHost } from "../../../components/config/names";
import { charts } from "../../../components/services/charts";
import {
    collectorConfig, openTelemetryCollector, openTelemetryCollectorImage, openTelemetryCollectorVersion, otlpHttpEndpoint, tempoRelease, tempoValues, Tracing, tracingPorts,
} from "../../../components/services/tracing";
import { RecordedResource, runProgram } from "../../../tools/harness";

interface CollectorConfig {
    receivers: { otlp: { protocols: { grpc: { endpoint: string }; http: { endpoint: string } } } };
    processors: Record<string, Record<string, unknown>>;
    exporters: Record<string, { endpoint: string; tls?: { insecure?: boolean } }>;
    extensions: Record<string, { endpoint: string }>;
    service: { extensions: string[]; pipelines: Record<string, { receivers: string[]; processors: string[]; exporters: string[] }> };
}

/** The port of a host:port endpoint. */
function portOf(endpoint: string): number {
    const m = /:(\d+)$/.exec(endpoint);
    assert.ok(m, `${endpoint} has no port`);
    return Number(m[1]);
}

describe("collectorConfig", () => {
    const config = collectorConfig() as unknown as CollectorConfig;

    it("defines every receiver, processor, exporter and extension the service names, and names every one it defines", () => {
        const { pipelines, extensions } = config.service;
        assert.deepEqual(Object.keys(pipelines), ["traces"]);
        for (const kind of ["receivers", "processors", "exporters"] as const) {
            const named = new Set(Object.values(pipelines).flatMap((p) => p[kind]));
            assert.deepEqual([...named].sort(), Object.keys(config[kind]).sort(), kind);
        }
        assert.deepEqual([...extensions].sort(), Object.keys(config.extensions).sort());
    });

    it("limits memory before it batches, with a limit set", () => {
        assert.deepEqual(config.service.pipelines.traces.processors, ["memory_limiter", "batch"]);
        const limiter = config.processors.memory_limiter as { limit_percentage?: number; spike_limit_percentage?: number; limit_mib?: number };
        assert.ok((limiter.limit_percentage ?? 0) > 0 || (limiter.limit_mib ?? 0) > 0, "memory_limiter needs limit_mib or limit_percentage");
        assert.ok((limiter.spike_limit_percentage ?? 0) < (limiter.limit_percentage ?? 0), "the spike limit is below the limit");
    });

    it("listens on tracingPorts: OTLP gRPC and HTTP, and the health check", () => {
        const { grpc, http } = config.receivers.otlp.protocols;
        assert.equal(portOf(grpc.endpoint), tracingPorts.otlpGrpc);
        assert.equal(portOf(http.endpoint), tracingPorts.otlpHttp);
        assert.equal(portOf(config.extensions.health_check.endpoint), tracingPorts.collectorHealth);
        assert.equal(otlpHttpEndpoint, `http://${serviceHost(openTelemetryCollector)}:${tracingPorts.otlpHttp}`);
    });

    it("exports over OTLP gRPC, in plain text, to the Service of the tempo release on the port Tempo's receiver listens on", () => {
        const [exporter] = config.service.pipelines.traces.exporters;
        assert.equal(exporter, "otlp_grpc");
        const { endpoint, tls } = config.exporters[exporter];
        // The chart names its Service after the release when the release name contains the chart's.
        assert.ok(tempoRelease.name.includes(charts.tempo.chart));
        assert.equal(endpoint, `${tempoRelease.name}.${tempoRelease.namespace}.svc.cluster.local:${tracingPorts.otlpGrpc}`);
        const tempoGrpc = (tempoValues({ retentionHours: 24, storageGiB: 5, nodeGroups: false }) as { tempo: { receivers: { otlp: { protocols: { grpc: { endpoint: string } } } } } }).tempo.receivers.otlp.protocols.grpc.endpoint;
        assert.equal(portOf(endpoint), portOf(tempoGrpc));
        assert.deepEqual(tls, { insecure: true });
    });

    it("the image is the core collector at openTelemetryCollectorVersion", () => {
        assert.equal(openTelemetryCollectorImage, `otel/opentelemetry-collector:${openTelemetryCollectorVersion}`);
        assert.match(openTelemetryCollectorVersion, /^0\.\d+\.\d+$/);
    });
});

describe("Tracing collector resources", () => {
    let resources: RecordedResource[];
    before(async function () {
        ({ resources } = await runProgram(() => new Tracing("tracing", { retentionHours: 24, storageGiB: 5, nodeGroups: false })));
    });
    const one = <T>(type: string): T => {
        const found = resources.filter((r) => r.type === type && (r.inputs as { metadata?: { name?: string } }).metadata?.name === openTelemetryCollector.name);
        assert.equal(found.length, 1, type);
        return found[0].inputs as T;
    };

    it("the ConfigMap carries collectorConfig as YAML, and the Deployment mounts it where its argument points", () => {
        const configMap = one<{ data: Record<string, string> }>("kubernetes:core/v1:ConfigMap");
        assert.deepEqual(parseYaml(configMap.data["config.yaml"]), collectorConfig());
        interface Container { image: string; args: string[]; ports: { name: string; containerPort: number }[]; volumeMounts: { mountPath: string }[]; livenessProbe: { httpGet: { port: number } }; readinessProbe: { httpGet: { port: number } } }
        const [container] = one<{ spec: { template: { spec: { containers: Container[] } } } }>("kubernetes:apps/v1:Deployment").spec.template.spec.containers;
        assert.equal(container.image, openTelemetryCollectorImage);
        const configArg = container.args.find((a) => a.startsWith("--config="));
        assert.ok(configArg);
        assert.ok(container.volumeMounts.some((m) => configArg === `--config=${m.mountPath}/config.yaml`), configArg);
        assert.deepEqual(container.ports.map((p) => p.containerPort).sort(), [tracingPorts.otlpGrpc, tracingPorts.otlpHttp, tracingPorts.collectorHealth].sort());
        assert.equal(container.livenessProbe.httpGet.port, tracingPorts.collectorHealth);
        assert.equal(container.readinessProbe.httpGet.port, tracingPorts.collectorHealth);
    });
});
