import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { connectServerLabel, serviceEndpoints } from "../config/names";
import { SparkVersion } from "../config/schema";
import { hardenPodSpec, sparkUserId } from "../kubernetes/hardening";
import { Placement } from "../kubernetes/scheduling";
import { sparkWritablePaths } from "./podTemplates";
import { renderSparkDefaults, sparkMemory } from "./sparkDefaults";
import { SparkBackend } from "./scenarios";
import { connectPodRequests } from "./pinnedPods";
import { cpuQuantity } from "../kubernetes/quantity";
import { rolloutAnnotations } from "../kubernetes/rollout";
import { sparkLoggingFiles, structuredLoggingConf } from "./logging";
import { priorityClassName } from "../kubernetes/priorities";

/** Where the platform mounts Spark's configuration inside its containers. */
export const sparkConfDir = "/etc/spark-k8s";
export const sparkDefaultsPath = `${sparkConfDir}/spark-defaults.conf`;
export const executorTemplatePath = `${sparkConfDir}/executor-pod-template.yaml`;

/**
 * The heap of the Connect server's driver JVM, which spark-submit starts in the container with the
 * -Xmx of spark.driver.memory (Spark's default is 1g, whatever the pod has). The rest of the pod's
 * memory limit stays off-heap, as Spark's driver overhead rule leaves it: at least 384 MiB or 10 %.
 */
export function connectDriverHeapMiB(memoryMiB: number): number {
    return Math.min(Math.floor(memoryMiB / 1.1), memoryMiB - 384);
}

/** Fixed ports of a client-mode driver, so the headless Service can name them. */
export const driverPorts = { driver: 7078, blockManager: 7079 } as const;

/** Entry class of the Spark Connect server, in every Spark line. */
export const connectServerClass = "org.apache.spark.sql.connect.service.SparkConnectServer";

/** The headless Service executors reach the Connect server's driver at. */
export function connectDriverService(version: SparkVersion, backend: SparkBackend = "k8s"): { name: string; host: (namespace: string) => string } {
    const name = `${serviceEndpoints.connect(version, backend).name}-driver`;
    return { name, host: (namespace) => `${name}.${namespace}.svc.cluster.local` };
}

/**
 * The Connect server's command: spark-submit in the foreground (no daemon script), so the
 * container's process is the driver and its logs go to stdout. The pod name makes the driver own
 * its executor pods, which Kubernetes then deletes with it.
 */
export function connectServerCommand(version: SparkVersion, backend: SparkBackend = "k8s"): string[] {
    return [
        "/opt/spark/bin/spark-submit",
        "--class",
        connectServerClass,
        "--name",
        serviceEndpoints.connect(version, backend).name,
        "--properties-file",
        sparkDefaultsPath,
        "--conf",
        "spark.kubernetes.driver.pod.name=$(POD_NAME)",
    ];
}

/** Inputs of SparkConnect: line, backend, image, Spark configuration, driver size and placement. */
export interface SparkConnectArgs {
    /** Spark line of the server; it names the server's objects (spark-connect-<NN>). */
    readonly version: SparkVersion;
    /** Where its executors run: Kubernetes pods, or the line's standalone cluster. */
    readonly backend: SparkBackend;
    /** Job namespace the server runs in; its executors run there too. */
    readonly namespace: pulumi.Input<string>;
    /** Service account of the driver: it creates executor pods, and on AWS reaches the buckets. */
    readonly serviceAccountName: string;
    /** Spark image of the line (the RAPIDS image for GPU executors), pinned. */
    readonly image: string;
    /** The complete Spark configuration of this server (sparkDefaults), driver host included. */
    readonly sparkConf: pulumi.Input<Record<string, string>>;
    /** Executor pod template (k8s backend); absent for the standalone backend. */
    readonly executorTemplate?: pulumi.Input<k8s.types.input.core.v1.Pod>;
    /** Driver pod size: CPU request in cores and memory in MiB; connectDriverHeapMiB sizes the heap. */
    readonly driver: { readonly cores: number; readonly memoryMiB: number };
    /** Where the server runs: the on-demand driver group. */
    readonly placement: Placement;
    /** Extra environment (MinIO credentials on the local tier). */
    readonly env?: k8s.types.input.core.v1.EnvVar[];
    /** A hash of the credentials the pod reads from Secrets; a new one restarts it (see inputsHash). */
    readonly credentialsHash?: pulumi.Input<string>;
}

/**
 * One Spark Connect server: a single-replica Deployment whose container is the driver of every
 * session, a Service for clients (gRPC 15002, UI 4040) and a headless Service for its executors.
 */
export class SparkConnect extends pulumi.ComponentResource {
    readonly serviceName: string;
    readonly grpcPort: number;

    constructor(name: string, args: SparkConnectArgs, opts?: pulumi.ComponentResourceOptions) {
        super("spark-k8s:spark:SparkConnect", name, {}, opts);
        const parent = { parent: this };
        const endpoint = serviceEndpoints.connect(args.version, args.backend);
        const labels = { "app.kubernetes.io/name": endpoint.name, ...connectServerLabel, "app.kubernetes.io/part-of": "spark-k8s" };
        const conf = new k8s.core.v1.ConfigMap(name, {
            metadata: { name: `${endpoint.name}-conf`, namespace: args.namespace, labels },
            data: pulumi.all([args.sparkConf, args.executorTemplate]).apply(([sparkConf, template]) => ({
                "spark-defaults.conf": renderSparkDefaults({
                    ...structuredLoggingConf(args.version),
                    ...sparkConf,
                    "spark.driver.memory": sparkMemory(connectDriverHeapMiB(args.driver.memoryMiB)),
                }),
                // The driver logs JSON to stdout, and copies this file into its executors' SPARK_CONF_DIR (./logging).
                ...sparkLoggingFiles(),
                ...(template ? { "executor-pod-template.yaml": JSON.stringify(template, null, 2) } : {}),
            })),
        }, parent);

        const requests = connectPodRequests(args.driver);
        const memory = `${requests.memoryMiB}Mi`;
        const tcp = (port: number, initialDelaySeconds: number) => ({ tcpSocket: { port }, initialDelaySeconds, periodSeconds: 10, failureThreshold: 6 });
        const podSpec = hardenPodSpec({
            containers: [
                {
                    name: "spark-connect",
                    image: args.image,
                    command: connectServerCommand(args.version, args.backend),
                    env: [
                        { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
                        { name: "SPARK_CONF_DIR", value: sparkConfDir },
                        ...(args.env ?? []),
                    ],
                    ports: [
                        { name: "grpc", containerPort: endpoint.grpcPort },
                        { name: "ui", containerPort: endpoint.uiPort },
                        { name: "driver", containerPort: driverPorts.driver },
                        { name: "block-manager", containerPort: driverPorts.blockManager },
                    ],
                    volumeMounts: [{ name: "spark-conf", mountPath: sparkConfDir, readOnly: true }],
                    resources: { requests: { cpu: cpuQuantity(requests.cpuMillis), memory }, limits: { memory } },
                    probes: { readiness: tcp(endpoint.grpcPort, 20), liveness: tcp(endpoint.grpcPort, 60) },
                    writablePaths: sparkWritablePaths,
                },
            ],
            volumes: [{ name: "spark-conf", configMap: { name: conf.metadata.name } }],
            serviceAccountName: args.serviceAccountName,
            // The driver creates its executors through the Kubernetes API.
            automountServiceAccountToken: true,
            runAsUser: sparkUserId,
            // The Connect server is the driver of its Spark application.
            priorityClassName: priorityClassName("driver"),
            server: true,
            ...args.placement,
        });
        new k8s.apps.v1.Deployment(name, {
            metadata: { name: endpoint.name, namespace: args.namespace, labels },
            spec: {
                // One driver per server: a second replica would be a second, separate Spark application.
                replicas: 1,
                strategy: { type: "Recreate" },
                selector: { matchLabels: { "app.kubernetes.io/name": endpoint.name } },
                template: {
                    metadata: { labels, annotations: rolloutAnnotations(conf.data, args.credentialsHash) },
                    spec: podSpec,
                },
            },
        }, parent);
        new k8s.core.v1.Service(name, {
            metadata: { name: endpoint.name, namespace: args.namespace, labels },
            spec: {
                type: "ClusterIP",
                selector: { "app.kubernetes.io/name": endpoint.name },
                ports: [
                    { name: "grpc", port: endpoint.grpcPort, targetPort: "grpc" },
                    { name: "ui", port: endpoint.uiPort, targetPort: "ui" },
                ],
            },
        }, parent);
        new k8s.core.v1.Service(`${name}-driver`, {
            metadata: { name: connectDriverService(args.version, args.backend).name, namespace: args.namespace, labels },
            spec: {
                clusterIP: "None",
                selector: { "app.kubernetes.io/name": endpoint.name },
                ports: [
                    { name: "driver", port: driverPorts.driver, targetPort: "driver" },
                    { name: "block-manager", port: driverPorts.blockManager, targetPort: "block-manager" },
                ],
            },
        }, parent);
        this.serviceName = endpoint.name;
        this.grpcPort = endpoint.grpcPort;
        this.registerOutputs({ serviceName: this.serviceName });
    }
}
