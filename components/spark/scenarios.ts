/**
 * What the listed scenarios and presets switch on. A stack runs the union of what its scenarios
 * need. Pure: the platform reads this plan and wires it.
 */
import type { ImageKey } from "../config/registry";
import { jupyterImageKey, Preset, Scenario, sparkImageKey, SparkVersion, Tier } from "../config/schema";

export type SparkBackend = "k8s" | "standalone";
/** Backends in the order their servers are listed: Kubernetes executors first. */
export const sparkBackends: readonly SparkBackend[] = ["k8s", "standalone"];

/** One Spark Connect server: a Spark line and where its executors run. */
export interface ConnectServer {
    /** Spark line the server runs. */
    readonly version: SparkVersion;
    /** Where its executors run: Kubernetes pods, or the line's standalone cluster. */
    readonly backend: SparkBackend;
}

/** What a stack installs, derived from its scenarios, presets and tier (componentPlan). */
export interface ComponentPlan {
    /** The scenarios the stack lists, in the order given. */
    readonly scenarios: readonly Scenario[];
    /** Spark Connect servers, one per (Spark line, backend) some listed scenario needs. */
    readonly connect: {
        /** Backends some *-connect-* scenario needs, k8s first; empty without Connect scenarios. */
        readonly backends: readonly SparkBackend[];
        /** Spark lines (spark.versions, in order) that get a server on each backend; empty without Connect scenarios. */
        readonly versions: readonly SparkVersion[];
    };
    /** JupyterHub, with a notebook profile per Connect server on these backends (jupyter-connect-*). */
    readonly jupyterhub: { readonly enabled: boolean; readonly backends: readonly SparkBackend[] };
    /** Airflow, whose Connect DAGs reach the servers on these backends (airflow-connect-*). */
    readonly airflow: { readonly enabled: boolean; readonly connectBackends: readonly SparkBackend[] };
    /** The kubeflow Spark Operator, for SparkApplications. */
    readonly sparkOperator: boolean;
    /** Airflow may run spark-submit in cluster mode against the job namespaces. */
    readonly airflowSparkSubmit: boolean;
    /** Airflow may create SparkApplications in the job namespaces. */
    readonly airflowSparkApplications: boolean;
    /** Always on: every scenario writes event logs and tables. */
    readonly historyServer: true;
    /** The Hive Metastore; always on, since every scenario writes tables. */
    readonly metastore: true;
    /** MinIO in the cluster: always on the local tier, elsewhere when services.minio.enabled. */
    readonly minio: boolean;
    /** NVIDIA device plugin and RAPIDS executors. */
    readonly gpu: boolean;
    /** The iceberg preset: an Iceberg catalog in every line's Spark configuration. */
    readonly iceberg: boolean;
    /** The cost-optimized preset: scale to zero, short idle timeouts, executor decommissioning. */
    readonly costOptimized: boolean;
}

/** What one scenario name says: who uses Spark, how, and on which backend. */
export function parseScenario(scenario: Scenario): { client: "jupyter" | "airflow"; mode: "connect" | "k8s-submit" | "operator"; backend?: SparkBackend } {
    const [client, ...rest] = scenario.split("-");
    const tail = rest.join("-");
    if (tail.startsWith("connect-")) return { client: client as "jupyter" | "airflow", mode: "connect", backend: tail.slice("connect-".length) as SparkBackend };
    return { client: client as "jupyter" | "airflow", mode: tail as "k8s-submit" | "operator" };
}

const backendsOf = (parsed: ReturnType<typeof parseScenario>[]): SparkBackend[] =>
    sparkBackends.filter((b) => parsed.some((p) => p.mode === "connect" && p.backend === b));

export function componentPlan(a: { scenarios: readonly Scenario[]; presets: readonly Preset[]; versions: readonly SparkVersion[]; tier: Tier; minioEnabled: boolean }): ComponentPlan {
    if (a.scenarios.length === 0) throw new Error("componentPlan: no scenario listed");
    const parsed = a.scenarios.map(parseScenario);
    const jupyter = parsed.filter((p) => p.client === "jupyter");
    const airflow = parsed.filter((p) => p.client === "airflow");
    const backends = backendsOf(parsed);
    return {
        scenarios: [...a.scenarios],
        connect: { backends, versions: backends.length > 0 ? [...a.versions] : [] },
        jupyterhub: { enabled: jupyter.length > 0, backends: backendsOf(jupyter) },
        airflow: { enabled: airflow.length > 0, connectBackends: backendsOf(airflow) },
        sparkOperator: a.scenarios.includes("airflow-operator"),
        airflowSparkSubmit: a.scenarios.includes("airflow-k8s-submit"),
        airflowSparkApplications: a.scenarios.includes("airflow-operator"),
        historyServer: true,
        metastore: true,
        minio: a.tier === "local" || a.minioEnabled,
        gpu: a.presets.includes("gpu"),
        iceberg: a.presets.includes("iceberg"),
        costOptimized: a.presets.includes("cost-optimized"),
    };
}

/**
 * The spark.images keys a stack runs: each listed line's Spark runtime, its notebook image with
 * JupyterHub, RAPIDS with the gpu preset, the Metastore's and, with Airflow, Airflow's.
 */
export function usedImageKeys(plan: Pick<ComponentPlan, "jupyterhub" | "airflow" | "gpu">, versions: readonly SparkVersion[]): ImageKey[] {
    return [
        ...versions.map(sparkImageKey),
        ...(plan.gpu ? (["sparkRapids"] as const) : []),
        "hiveMetastore",
        ...(plan.jupyterhub.enabled ? versions.map(jupyterImageKey) : []),
        ...(plan.airflow.enabled ? (["airflow"] as const) : []),
    ];
}

/** Every Connect server of the plan: each line on each backend, k8s servers first. */
export function connectServers(plan: Pick<ComponentPlan, "connect">, backends: readonly SparkBackend[] = plan.connect.backends): ConnectServer[] {
    return backends.flatMap((backend) => plan.connect.versions.map((version) => ({ version, backend })));
}
