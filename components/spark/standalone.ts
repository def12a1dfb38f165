import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { serviceEndpoints } from "../config/names";
import { SparkVersion } from "../config/schema";
import { hardenPodSpec, sparkUserId } from "../kubernetes/hardening";
import { Placement } from "../kubernetes/scheduling";
import { sparkConfDir, sparkDefaultsPath } from "./connect";
import { sparkWritablePaths } from "./podTemplates";
import { renderSparkDefaults, sparkMemory } from "./sparkDefaults";
import { rolloutAnnotations } from "../kubernetes/rollout";
import { standalonePodRequests } from "./pinnedPods";
import { cpuQuantity } from "../kubernetes/quantity";
import { sparkLoggingFiles, structuredLoggingConf } from "./logging";
import { priorityClassName } from "../kubernetes/priorities";

/**
 * The master's stable DNS name: pod 0 of its StatefulSet behind a headless Service. The master
 * binds to it, so the address it advertises is the one workers and drivers connect to.
 */
export function standaloneMasterHost(version: SparkVersion, namespace: string): string {
    const m = serviceEndpoints.standaloneMaster(version);
    return `${m.name}-0.${m.name}.${namespace}.svc.cluster.local`;
}

export function standaloneMasterUrl(version: SparkVersion, namespace: string): string {
    return `spark://${standaloneMasterHost(version, namespace)}:${serviceEndpoints.standaloneMaster(version).port}`;
}

/** Inputs of SparkStandalone: line, image, worker count and size, configuration and placement. */
export interface SparkStandaloneArgs {
    /** Spark line; it names the master and workers (spark-master-<NN>, spark-worker-<NN>). */
    readonly version: SparkVersion;
    /** The namespace (it must exist, see dependsOn): the master binds to a DNS name built from it. */
    readonly namespace: string;
    /** Spark image of the line that master and workers run, pinned. */
    readonly image: string;
    /** Worker pods: replicas of the worker Deployment. */
    readonly workers: number;
    /** Cores each worker offers executors; also the worker pod's CPU request. */
    readonly workerCores: number;
    /** Memory each worker offers executors, in MiB; the pod gets workerDaemonMemoryMiB (./pinnedPods) on top. */
    readonly workerMemoryMiB: number;
    /** S3A and metrics settings the workers' executors inherit. */
    readonly sparkConf: pulumi.Input<Record<string, string>>;
    /** Where the master runs: the on-demand driver nodes. */
    readonly masterPlacement: Placement;
    /** Where workers run: the spot executor nodes, or the GPU nodes for GPU executors. */
    readonly workerPlacement: Placement;
    /** Extra environment of master and workers (MinIO credentials on the local tier). */
    readonly env?: k8s.types.input.core.v1.EnvVar[];
    /** Service account of master and workers: `spark`, whose Pod Identity reaches the buckets on AWS. */
    readonly serviceAccountName: string;
    /** A hash of the credentials the workers read from Secrets; a new one restarts them. */
    readonly credentialsHash?: pulumi.Input<string>;
    /** What every object waits for: the namespace. */
    readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** A Spark standalone cluster of one line: a master StatefulSet and a worker Deployment. */
export class SparkStandalone extends pulumi.ComponentResource {
    readonly masterUrl: string;

    constructor(name: string, args: SparkStandaloneArgs, opts?: pulumi.ComponentResourceOptions) {
        super("spark-k8s:spark:SparkStandalone", name, {}, opts);
        const parent = { parent: this, dependsOn: args.dependsOn };
        const m = serviceEndpoints.standaloneMaster(args.version);
        const workerName = `${m.name.replace("master", "worker")}`;
        const partOf = { "app.kubernetes.io/part-of": "spark-k8s" };
        const requests = standalonePodRequests(args);
        const masterMemory = `${requests.master.memoryMiB / 1024}Gi`;
        const conf = new k8s.core.v1.ConfigMap(name, {
            metadata: { name: `${m.name}-conf`, namespace: args.namespace, labels: partOf },
            // Workers start executors with their own SPARK_CONF_DIR: executors log JSON too, to the stdout file of their work dir.
            data: pulumi.output(args.sparkConf).apply((c) => ({ "spark-defaults.conf": renderSparkDefaults({ ...structuredLoggingConf(args.version), ...c }), ...sparkLoggingFiles() })),
        }, parent);
        const confVolume = { volumes: [{ name: "spark-conf", configMap: { name: conf.metadata.name } }] };
        const confMount = [{ name: "spark-conf", mountPath: sparkConfDir, readOnly: true }];
        const httpProbe = (port: number, initialDelaySeconds: number) => ({ httpGet: { path: "/", port }, initialDelaySeconds, periodSeconds: 10, failureThreshold: 6 });
        const env = [{ name: "SPARK_CONF_DIR", value: sparkConfDir }, { name: "SPARK_NO_DAEMONIZE", value: "true" }, ...(args.env ?? [])];

        const masterLabels = { "app.kubernetes.io/name": m.name, "app.kubernetes.io/component": "spark-master", ...partOf };
        new k8s.core.v1.Service(`${name}-master`, {
            metadata: { name: m.name, namespace: args.namespace, labels: masterLabels },
            spec: {
                clusterIP: "None",
                // The master resolves its own name before it is ready.
                publishNotReadyAddresses: true,
                selector: { "app.kubernetes.io/name": m.name },
                ports: [{ name: "spark", port: m.port }, { name: "ui", port: m.uiPort }],
            },
        }, parent);
        new k8s.apps.v1.StatefulSet(`${name}-master`, {
            metadata: { name: m.name, namespace: args.namespace, labels: masterLabels },
            spec: {
                serviceName: m.name,
                replicas: 1,
                selector: { matchLabels: { "app.kubernetes.io/name": m.name } },
                template: {
                    metadata: { labels: masterLabels, annotations: rolloutAnnotations(conf.data, args.credentialsHash) },
                    spec: hardenPodSpec({
                        containers: [
                            {
                                name: "spark-master",
                                image: args.image,
                                command: ["/opt/spark/bin/spark-class", "org.apache.spark.deploy.master.Master"],
                                args: ["--host", standaloneMasterHost(args.version, args.namespace), "--port", String(m.port), "--webui-port", String(m.uiPort), "--properties-file", sparkDefaultsPath],
                                env,
                                ports: [{ name: "spark", containerPort: m.port }, { name: "ui", containerPort: m.uiPort }],
                                volumeMounts: confMount,
                                resources: { requests: { cpu: cpuQuantity(requests.master.cpuMillis), memory: masterMemory }, limits: { memory: masterMemory } },
                                probes: { readiness: httpProbe(m.uiPort, 10), liveness: httpProbe(m.uiPort, 60) },
                                writablePaths: sparkWritablePaths,
                            },
                        ],
                        ...confVolume,
                        serviceAccountName: args.serviceAccountName,
                        runAsUser: sparkUserId,
                        priorityClassName: priorityClassName("driver"),
                        server: true,
                        ...args.masterPlacement,
                    }),
                },
            },
        }, parent);

        const workerLabels = { "app.kubernetes.io/name": workerName, "app.kubernetes.io/component": "spark-worker", ...partOf };
        const workerMemory = `${requests.worker.memoryMiB}Mi`;
        this.masterUrl = standaloneMasterUrl(args.version, args.namespace);
        new k8s.apps.v1.Deployment(`${name}-worker`, {
            metadata: { name: workerName, namespace: args.namespace, labels: workerLabels },
            spec: {
                replicas: args.workers,
                selector: { matchLabels: { "app.kubernetes.io/name": workerName } },
                template: {
                    metadata: { labels: workerLabels, annotations: rolloutAnnotations(conf.data, args.credentialsHash) },
                    spec: hardenPodSpec({
                        containers: [
                            {
                                name: "spark-worker",
                                image: args.image,
                                command: ["/opt/spark/bin/spark-class", "org.apache.spark.deploy.worker.Worker"],
                                args: ["--cores", String(args.workerCores), "--memory", sparkMemory(args.workerMemoryMiB), "--webui-port", "8081", "--work-dir", "/opt/spark/work", "--properties-file", sparkDefaultsPath, this.masterUrl],
                                env,
                                ports: [{ name: "ui", containerPort: 8081 }],
                                volumeMounts: confMount,
                                resources: { requests: { cpu: cpuQuantity(requests.worker.cpuMillis), memory: workerMemory }, limits: { memory: workerMemory } },
                                probes: { readiness: httpProbe(8081, 10), liveness: httpProbe(8081, 60) },
                                writablePaths: [...sparkWritablePaths, "/opt/spark/work"],
                            },
                        ],
                        ...confVolume,
                        serviceAccountName: args.serviceAccountName,
                        runAsUser: sparkUserId,
                        priorityClassName: priorityClassName("executor"),
                        server: true,
                        ...args.workerPlacement,
                    }),
                },
            },
        }, parent);
        if (args.workers > 1) {
            // Drains take one worker at a time, so the cluster keeps executors while nodes rotate.
            new k8s.policy.v1.PodDisruptionBudget(`${name}-worker`, {
                metadata: { name: workerName, namespace: args.namespace, labels: workerLabels },
                spec: { maxUnavailable: 1, selector: { matchLabels: { "app.kubernetes.io/name": workerName } } },
            }, parent);
        }
        this.registerOutputs({ masterUrl: this.masterUrl });
    }
}
