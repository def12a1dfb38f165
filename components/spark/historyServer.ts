import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { serviceEndpoints } from "../config/names";
import { hardenPodSpec, sparkUserId } from "../kubernetes/hardening";
import { Placement } from "../kubernetes/scheduling";
import { rolloutAnnotations } from "../kubernetes/rollout";
import { sparkConfDir, sparkDefaultsPath } from "./connect";
import { sparkWritablePaths } from "./podTemplates";
import { renderSparkDefaults } from "./sparkDefaults";
import { sparkLoggingFiles } from "./logging";
import { priorityClassName } from "../kubernetes/priorities";

/**
 * The History Server's configuration: the S3A settings of the jobs that wrote the logs (taken from
 * their Spark configuration so both always agree), the log directory, and metrics.
 */
export function historyServerConf(jobConf: Record<string, string>, logDirectory: string): Record<string, string> {
    const s3a = Object.fromEntries(Object.entries(jobConf).filter(([k]) => k.startsWith("spark.hadoop.fs.s3a.")));
    return {
        ...s3a,
        "spark.history.fs.logDirectory": logDirectory,
        "spark.history.ui.port": String(serviceEndpoints.historyServer.port),
        "spark.ui.prometheus.enabled": "true",
    };
}

/** Inputs of HistoryServer: image, Spark configuration, placement and the account that reads the logs. */
export interface HistoryServerArgs {
    /** Namespace of the server and of the service account it creates (spark-platform). */
    readonly namespace: pulumi.Input<string>;
    /** Service account with read-only access to the event logs. */
    readonly serviceAccountName: string;
    /** The newest Spark line in use: it reads the logs of older lines too. */
    readonly image: string;
    /** Configuration the server runs with (historyServerConf): the jobs' S3A settings and log directory. */
    readonly sparkConf: pulumi.Input<Record<string, string>>;
    /** Where the server runs: the on-demand system nodes. */
    readonly placement: Placement;
    /** Extra environment (MinIO credentials on the local tier). */
    readonly env?: k8s.types.input.core.v1.EnvVar[];
    /** A hash of the credentials the pod reads from Secrets; a new one restarts it. */
    readonly credentialsHash?: pulumi.Input<string>;
}

/** The Spark History Server over the event-log bucket: Deployment, Service on 18080, probes. */
export class HistoryServer extends pulumi.ComponentResource {
    constructor(name: string, args: HistoryServerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("spark-k8s:spark:HistoryServer", name, {}, opts);
        const parent = { parent: this };
        const e = serviceEndpoints.historyServer;
        const labels = { "app.kubernetes.io/name": e.name, "app.kubernetes.io/part-of": "spark-k8s" };
        new k8s.core.v1.ServiceAccount(name, { metadata: { name: args.serviceAccountName, namespace: args.namespace, labels }, automountServiceAccountToken: false }, parent);
        const conf = new k8s.core.v1.ConfigMap(name, {
            metadata: { name: `${e.name}-conf`, namespace: args.namespace, labels },
            data: pulumi.output(args.sparkConf).apply((c) => ({ "spark-defaults.conf": renderSparkDefaults(c), ...sparkLoggingFiles() })),
        }, parent);
        const http = (initialDelaySeconds: number) => ({ httpGet: { path: "/", port: e.port }, initialDelaySeconds, periodSeconds: 15, failureThreshold: 6 });
        new k8s.apps.v1.Deployment(name, {
            metadata: { name: e.name, namespace: args.namespace, labels },
            spec: {
                replicas: 1,
                selector: { matchLabels: { "app.kubernetes.io/name": e.name } },
                template: {
                    metadata: { labels, annotations: rolloutAnnotations(conf.data, args.credentialsHash) },
                    spec: hardenPodSpec({
                        containers: [
                            {
                                name: "history-server",
                                image: args.image,
                                command: ["/opt/spark/bin/spark-class", "org.apache.spark.deploy.history.HistoryServer", "--properties-file", sparkDefaultsPath],
                                env: [{ name: "SPARK_CONF_DIR", value: sparkConfDir }, ...(args.env ?? [])],
                                ports: [{ name: "http", containerPort: e.port }],
                                volumeMounts: [{ name: "spark-conf", mountPath: sparkConfDir, readOnly: true }],
                                resources: { requests: { cpu: "500m", memory: "2Gi" }, limits: { memory: "2Gi" } },
                                probes: { readiness: http(20), liveness: http(90) },
                                writablePaths: sparkWritablePaths,
                            },
                        ],
                        volumes: [{ name: "spark-conf", configMap: { name: conf.metadata.name } }],
                        serviceAccountName: args.serviceAccountName,
                        runAsUser: sparkUserId,
                        priorityClassName: priorityClassName("platform"),
                        server: true,
                        ...args.placement,
                    }),
                },
            },
        }, parent);
        new k8s.core.v1.Service(name, {
            metadata: { name: e.name, namespace: args.namespace, labels },
            spec: { type: "ClusterIP", selector: { "app.kubernetes.io/name": e.name }, ports: [{ name: "http", port: e.port, targetPort: "http" }] },
        }, parent);
        this.registerOutputs({});
    }
}
