/**
 * Traces: Grafana Tempo from its official chart (single binary, a local volume), and an
 * OpenTelemetry collector in front of it that clients send OTLP to. Airflow sends its traces to the
 * collector; Grafana reads Tempo through a datasource (services/monitoring.ts).
 *
 * Tempo chart (charts.tempo, 1.10.1, Tempo 2.5.0), values keys checked against the chart's
 * values.yaml: tempo.{retention,reportingEnabled,receivers,resources,securityContext},
 * persistence.{enabled,size,storageClassName}, securityContext, nodeSelector, tempoQuery.enabled,
 * priorityClassName (templates/statefulset.yaml writes it on the pod when set).
 * Its config template reads tempo.receivers into distributor.receivers; only OTLP is kept.
 * The chart names its StatefulSet and Service after the release (fullname), and the Service
 * carries the HTTP port 3100 and the receivers' ports.
 *
 * The collector is the platform's own Deployment rather than the opentelemetry-collector chart:
 * it is one container with one config file, and this way it passes through the hardening helper
 * like every other pod the program writes. The image is the core distribution: at 0.153.0 the
 * metadata.yaml of every component the pipeline uses (otlp receiver, otlp_grpc exporter, batch and
 * memory_limiter processors, and the contrib health_check extension) lists the core distribution.
 * The integration suite builds a collector of these components at this release and validates the
 * configuration with it (integration/support/otelcol.ts).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { stringify as toYaml } from "yaml";
import { namespaces, serviceHost } from "../config/names";
import { hardenPodSpec } from "../kubernetes/hardening";
import { rolloutAnnotations } from "../kubernetes/rollout";
import { onSystemNodes } from "../kubernetes/scheduling";
import { chartResources, containerSecurityContext, pinnedChart, podSecurityContext, systemNodeSelector } from "./charts";
import { priorityClassName } from "../kubernetes/priorities";

/** The OpenTelemetry collector release: the image's tag and the collector the integration suite validates with. */
export const openTelemetryCollectorVersion = "0.153.0";

/** The core OpenTelemetry collector distribution, pinned. */
export const openTelemetryCollectorImage = `otel/opentelemetry-collector:${openTelemetryCollectorVersion}`;

/** Tempo's Helm release; its Service has the same name. */
export const tempoRelease = { name: "tempo", namespace: namespaces.monitoring } as const;

/** Ports: Tempo's HTTP API (Grafana queries it), and OTLP over gRPC and HTTP (collector and Tempo alike). */
export const tracingPorts = { tempoHttp: 3100, otlpGrpc: 4317, otlpHttp: 4318, collectorHealth: 13133 } as const;

/** The collector's Deployment and Service. */
export const openTelemetryCollector = { name: "otel-collector", namespace: namespaces.monitoring } as const;

/** http://tempo.monitoring.svc.cluster.local:3100, Grafana's Tempo datasource. */
export const tempoQueryUrl = `http://${serviceHost(tempoRelease)}:${tracingPorts.tempoHttp}`;

/** The OTLP/HTTP endpoint clients export traces to (OTEL_EXPORTER_OTLP_ENDPOINT). */
export const otlpHttpEndpoint = `http://${serviceHost(openTelemetryCollector)}:${tracingPorts.otlpHttp}`;

/** The UID Tempo's image runs as (the chart's default pod security context). */
const tempoUserId = 10001;

/** Inputs of tempoValues and the collector: sizes from services.observability.tracing and where things run. */
export interface TracingArgs {
    /** Hours Tempo keeps traces. */
    readonly retentionHours: number;
    /** Tempo's volume, in GiB. */
    readonly storageGiB: number;
    /** StorageClass of the volume; the cluster's default when undefined. */
    readonly storageClassName?: string;
    /** Whether the platform made node groups (AWS tiers): Tempo and the collector then run on system nodes. */
    readonly nodeGroups: boolean;
}

/** The Tempo chart's values: pure, so tests check them directly. */
export function tempoValues(a: TracingArgs): Record<string, unknown> {
    const nodeSelector = systemNodeSelector(a.nodeGroups);
    return {
        tempo: {
            retention: `${a.retentionHours}h`,
            reportingEnabled: false,
            receivers: { otlp: { protocols: { grpc: { endpoint: `0.0.0.0:${tracingPorts.otlpGrpc}` }, http: { endpoint: `0.0.0.0:${tracingPorts.otlpHttp}` } } } },
            resources: chartResources("100m", "512Mi", "1Gi"),
            securityContext: containerSecurityContext({ readOnlyRootFilesystem: true, runAsUser: tempoUserId, runAsGroup: tempoUserId }),
        },
        tempoQuery: { enabled: false },
        persistence: { enabled: true, size: `${a.storageGiB}Gi`, ...(a.storageClassName ? { storageClassName: a.storageClassName } : {}) },
        securityContext: podSecurityContext(tempoUserId, tempoUserId),
        priorityClassName: priorityClassName("platform"),
        ...(nodeSelector ? { nodeSelector } : {}),
    };
}

/**
 * The collector's configuration: OTLP in over gRPC and HTTP, memory-limited and batched, OTLP out to
 * Tempo; the health_check extension answers the probes. The OTLP gRPC exporter's type is otlp_grpc
 * since the collector renamed it (0.153.0 still accepts otlp as a deprecated alias).
 */
export function collectorConfig(): Record<string, unknown> {
    return {
        receivers: { otlp: { protocols: { grpc: { endpoint: `0.0.0.0:${tracingPorts.otlpGrpc}` }, http: { endpoint: `0.0.0.0:${tracingPorts.otlpHttp}` } } } },
        processors: {
            memory_limiter: { check_interval: "1s", limit_percentage: 80, spike_limit_percentage: 20 },
            batch: {},
        },
        exporters: { otlp_grpc: { endpoint: `${serviceHost(tempoRelease)}:${tracingPorts.otlpGrpc}`, tls: { insecure: true } } },
        extensions: { health_check: { endpoint: `0.0.0.0:${tracingPorts.collectorHealth}` } },
        service: {
            extensions: ["health_check"],
            pipelines: { traces: { receivers: ["otlp"], processors: ["memory_limiter", "batch"], exporters: ["otlp_grpc"] } },
        },
    };
}

/** Tempo and the OpenTelemetry collector in the monitoring namespace. */
export class Tracing extends pulumi.ComponentResource {
    constructor(name: string, args: TracingArgs & { readonly dependsOn?: pulumi.Resource[] }, opts?: pulumi.ComponentResourceOptions) {
        super("spark-k8s:services:Tracing", name, {}, opts);
        pinnedChart(`${name}-tempo`, "tempo", { ...tempoRelease, values: tempoValues(args) }, { parent: this, dependsOn: args.dependsOn });

        const { name: collector, namespace } = openTelemetryCollector;
        const labels = { "app.kubernetes.io/name": collector, "app.kubernetes.io/part-of": "spark-k8s" };
        const data = { "config.yaml": toYaml(collectorConfig()) };
        const config = new k8s.core.v1.ConfigMap(`${name}-collector`, { metadata: { name: collector, namespace, labels }, data }, { parent: this, dependsOn: args.dependsOn });
        const health = { httpGet: { path: "/", port: tracingPorts.collectorHealth } };
        new k8s.apps.v1.Deployment(`${name}-collector`, {
            metadata: { name: collector, namespace, labels },
            spec: {
                replicas: 1,
                selector: { matchLabels: labels },
                template: {
                    metadata: { labels, annotations: rolloutAnnotations(data) },
                    spec: hardenPodSpec({
                        server: true,
                        runAsUser: 10001,
                        priorityClassName: priorityClassName("platform"),
                        ...onSystemNodes({ nodeGroups: args.nodeGroups }),
                        containers: [{
                            name: "collector",
                            image: openTelemetryCollectorImage,
                            args: ["--config=/etc/otelcol/config.yaml"],
                            ports: [
                                { name: "otlp-grpc", containerPort: tracingPorts.otlpGrpc },
                                { name: "otlp-http", containerPort: tracingPorts.otlpHttp },
                                { name: "health", containerPort: tracingPorts.collectorHealth },
                            ],
                            volumeMounts: [{ name: "config", mountPath: "/etc/otelcol", readOnly: true }],
                            resources: { requests: { cpu: "100m", memory: "256Mi" } },
                            probes: { liveness: health, readiness: health },
                        }],
                        volumes: [{ name: "config", configMap: { name: config.metadata.name } }],
                    }),
                },
            },
        }, { parent: this });
        new k8s.core.v1.Service(`${name}-collector`, {
            metadata: { name: collector, namespace, labels },
            spec: {
                selector: labels,
                ports: [
                    { name: "otlp-grpc", port: tracingPorts.otlpGrpc, targetPort: "otlp-grpc" },
                    { name: "otlp-http", port: tracingPorts.otlpHttp, targetPort: "otlp-http" },
                ],
            },
        }, { parent: this });
        this.registerOutputs({});
    }
}
