/**
 * What the smoke test checks on a stack, decided from the stack's configuration (the same
 * componentPlan the program builds from) and its outputs (the images it deployed, the cluster it
 * runs on). Pure: no cluster, no files.
 */
import { PlatformConfig } from "../../components/config";
import { ImageKey } from "../../components/config/registry";
import { jupyterImageKey, sparkImageKey, SparkVersion } from "../../components/config/schema";
import { namespaces, serviceEndpoints, serviceHost, serviceIdentities } from "../../components/config/names";
import { clusterAutoscalerRelease } from "../../components/services/clusterAutoscaler";
import { karpenterRelease } from "../../components/services/karpenter";
import { airflowSecretNames, airflowUserId, exampleDagIds } from "../../components/services/airflow";
import { notebookGroupId, notebookUserId } from "../../components/services/jupyterhub";
import { onDriverNodes, onSystemNodes, Placement } from "../../components/kubernetes/scheduling";
import { componentPlan, connectServers, parseScenario, SparkBackend } from "../../components/spark/scenarios";
import { warehouseDir } from "../../components/spark/sparkDefaults";
import { storageEnv, usesGpu } from "../../components/sparkStack";
import type { V1EnvVar } from "@kubernetes/client-node";

/** A Service reached through the Kubernetes API server's service proxy. */
export interface ProxiedService {
    readonly namespace: string;
    readonly service: string;
    readonly port: number;
    /** The path the check reads, e.g. /hub/health. */
    readonly path: string;
}

/** Airflow's API server, the admin Secret its token comes from, and the example DAG of each airflow-* scenario. */
export interface AirflowTarget extends ProxiedService {
    /** The Secret with keys username and password (the UI admin the program creates). */
    readonly adminSecret: { readonly namespace: string; readonly name: string };
    /** The DAGs to trigger, each with what its success proves. */
    readonly dags: readonly { readonly dagId: string; readonly proves: string }[];
    /** The API server as pods reach it: http://airflow-api-server.airflow.svc.cluster.local:8080 */
    readonly apiUrl: string;
    /** The platform's Airflow image (the check runs its python) and its user. */
    readonly image: string;
    readonly runAsUser: number;
}

/** The batch run's pod: a line's runtime image with that line's Connect server configuration. */
export interface BatchTarget {
    readonly version: SparkVersion;
    readonly namespace: string;
    readonly image: string;
    /** The Connect server's spark-defaults ConfigMap it mounts. */
    readonly configMap: string;
    readonly serviceAccount: string;
    /** The job namespace's storage credentials (MinIO), as the Connect servers get them. */
    readonly env: readonly V1EnvVar[];
    readonly placement: Placement;
}

/** One Spark Connect server and the client pod that checks it. */
export interface ConnectTarget {
    /** e.g. connect-4.1, connect-3.5-standalone: the key of the stack's `endpoints` output. */
    readonly label: string;
    readonly version: SparkVersion;
    readonly backend: SparkBackend;
    /** The Connect server's Service and namespace; the client pod runs there. */
    readonly namespace: string;
    readonly service: string;
    /** sc://<service>.<namespace>.svc.cluster.local:15002 */
    readonly url: string;
    /** The line's jupyter-spark image: the pinned Connect client of that line. */
    readonly clientImage: string;
}

/** The client pod's fixed facts: the jupyter-spark image's Python and user, the node it may land on. */
export interface ClientPod {
    /** The conda environment holding the line's Connect client (images/jupyter-spark). */
    readonly python: string;
    readonly runAsUser: number;
    readonly runAsGroup: number;
    readonly placement: Placement;
}

export interface SmokePlan {
    readonly stack: string;
    readonly tier: string;
    /** Namespaces whose Deployments, StatefulSets and DaemonSets the program manages. */
    readonly namespaces: readonly string[];
    /** Workloads the program installs into a shared namespace (kube-system): the namespace and the Helm release's label selector. */
    readonly sharedWorkloads: readonly { readonly namespace: string; readonly selector: string }[];
    readonly connect: readonly ConnectTarget[];
    readonly clientPod: ClientPod;
    /** spark.sql.warehouse.dir of the stack: where the smoke table must land. */
    readonly warehouseDir: string;
    readonly history: ProxiedService;
    /** A short batch run whose finished application the History Server must list; absent without a Connect server of a CPU line to borrow the configuration of. */
    readonly batch?: BatchTarget;
    readonly jupyterhub?: ProxiedService;
    readonly airflow?: AirflowTarget;
    /** Checks the issue asks for that this stack's components call for but the tool does not run yet, each with the reason. */
    readonly notChecked: readonly { readonly name: string; readonly why: string }[];
    /** The API server the stack's outputs name (AWS): the kubeconfig used must point there. */
    readonly clusterEndpoint?: string;
}

/** The python of images/jupyter-spark's `spark` conda environment. */
export const jupyterSparkPython = "/opt/conda/envs/spark/bin/python";

const proxied = (s: { name: string; namespace: string; port: number }, path: string): ProxiedService => ({ namespace: s.namespace, service: s.name, port: s.port, path });

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** The image a key deploys with: the stack's `images` output (by digest on AWS), else the configured reference. */
export function deployedImage(config: PlatformConfig, outputs: Record<string, unknown>, key: ImageKey): string {
    const deployed = outputs.images as Partial<Record<ImageKey, unknown>> | undefined;
    return str(deployed?.[key]) ?? config.spark.images[key];
}

/** The warehouse bucket: the stack's `buckets` output, else the local tier's fixed MinIO bucket. */
function warehouseBucket(config: PlatformConfig, outputs: Record<string, unknown>): string {
    const bucket = str((outputs.buckets as Record<string, unknown> | undefined)?.warehouse);
    if (bucket) return bucket;
    if (config.tier === "local") return "warehouse";
    throw new Error("the stack's outputs have no buckets.warehouse: pass the output of `pulumi stack output --json` for this stack");
}

/** The checks of one stack. */
export function smokePlan(config: PlatformConfig, outputs: Record<string, unknown>): SmokePlan {
    const plan = componentPlan({ ...config.spark, tier: config.tier, minioEnabled: config.services.minio.enabled });
    const nodeGroups = config.tier !== "local";
    const connect = connectServers(plan).map(({ version, backend }): ConnectTarget => {
        const endpoint = serviceEndpoints.connect(version, backend);
        return {
            label: `connect-${version}${backend === "standalone" ? "-standalone" : ""}`,
            version,
            backend,
            namespace: endpoint.namespace,
            service: endpoint.name,
            url: `sc://${serviceHost(endpoint)}:${endpoint.grpcPort}`,
            clientImage: deployedImage(config, outputs, jupyterImageKey(version)),
        };
    });
    // Job namespaces hold workloads only where the Connect servers (and standalone clusters) run.
    const ns = [
        ...(connect.length > 0 ? [namespaces.jobs] : []),
        namespaces.platform,
        ...(plan.minio ? [namespaces.minio] : []),
        ...(plan.sparkOperator ? [namespaces.operator] : []),
        ...(plan.gpu ? [namespaces.gpu] : []),
        ...(plan.jupyterhub.enabled ? [namespaces.jupyterhub] : []),
        ...(plan.airflow.enabled ? [namespaces.airflow] : []),
    ];
    // Spark 3.5's spark-submit exits 0 in cluster mode whatever the driver's end (SPARK-26365), so the
    // k8s-submit DAG's success proves the submission and the wait, not SparkPi's result.
    const proves = {
        connect: "a Spark Connect session from Airflow",
        "k8s-submit": "spark-submit from Airflow started SparkPi's driver and saw it end",
        operator: "a SparkApplication ran through the operator, followed to its end by Airflow",
    } as const;
    const modes = [...new Set(plan.scenarios.map(parseScenario).filter((p) => p.client === "airflow").map((p) => p.mode))];
    const notChecked: { name: string; why: string }[] = [];
    // The newest CPU line's Connect server lends the batch run its configuration, k8s backend first
    // (connectServers lists the k8s servers first, each backend's lines oldest to newest).
    const cpuServers = connectServers(plan).filter((c) => !usesGpu(plan, c.version));
    const lender = cpuServers.filter((c) => c.backend === "k8s").pop() ?? cpuServers.pop();
    const batch: BatchTarget | undefined = lender && {
        version: lender.version,
        namespace: namespaces.jobs,
        image: deployedImage(config, outputs, sparkImageKey(lender.version)),
        configMap: `${serviceEndpoints.connect(lender.version, lender.backend).name}-conf`,
        serviceAccount: serviceIdentities.sparkJobs.serviceAccount,
        env: storageEnv({ storage: { kind: config.tier === "local" ? "minio" : "s3" } }) as V1EnvVar[],
        placement: onDriverNodes({ nodeGroups }),
    };
    if (!batch) notChecked.push({ name: "History Server lists the smoke test's application", why: "the batch run borrows a Connect server's configuration, and this stack runs none on a CPU line" });
    const clusterEndpoint = str(outputs.clusterEndpoint);
    return {
        stack: config.stack,
        tier: config.tier,
        namespaces: [...new Set(ns)],
        sharedWorkloads: nodeGroups
            ? [
                  { namespace: clusterAutoscalerRelease.namespace, selector: `app.kubernetes.io/instance=${clusterAutoscalerRelease.name}` },
                  // The chart labels its Deployment with the release (templates/_helpers.tpl, karpenter.selectorLabels).
                  ...(config.cluster.nodeProvisioner === "karpenter" ? [{ namespace: karpenterRelease.namespace, selector: `app.kubernetes.io/instance=${karpenterRelease.name}` }] : []),
              ]
            : [],
        connect,
        clientPod: { python: jupyterSparkPython, runAsUser: notebookUserId, runAsGroup: notebookGroupId, placement: onSystemNodes({ nodeGroups }) },
        warehouseDir: warehouseDir(warehouseBucket(config, outputs)),
        history: proxied(serviceEndpoints.historyServer, "/api/v1/applications"),
        ...(batch ? { batch } : {}),
        ...(plan.jupyterhub.enabled ? { jupyterhub: proxied(serviceEndpoints.jupyterhubHub, "/hub/health") } : {}),
        ...(plan.airflow.enabled
            ? {
                  airflow: {
                      ...proxied(serviceEndpoints.airflowApiServer, "/api/v2/monitor/health"),
                      adminSecret: { namespace: namespaces.airflow, name: airflowSecretNames.adminUser },
                      dags: modes.map((m) => ({ dagId: exampleDagIds[m], proves: proves[m] })),
                      apiUrl: `http://${serviceHost(serviceEndpoints.airflowApiServer)}:${serviceEndpoints.airflowApiServer.port}`,
                      image: deployedImage(config, outputs, "airflow"),
                      runAsUser: airflowUserId,
                  },
              }
            : {}),
        notChecked,
        ...(clusterEndpoint ? { clusterEndpoint } : {}),
    };
}
