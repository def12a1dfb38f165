/** What each scenario and preset switches on. Pure: the platform reads this plan and wires it. */
import { Preset, Scenario, SparkVersion, Tier } from "../config/schema";

export type SparkBackend = "k8s" | "standalone";

export interface ComponentPlan {
    /** Spark Connect servers, one per Spark line, and the backend they run executors on. */
    readonly connect: { readonly enabled: boolean; readonly backend: SparkBackend; readonly versions: readonly SparkVersion[] };
    readonly jupyterhub: boolean;
    readonly airflow: boolean;
    /** The kubeflow Spark Operator, for SparkApplications. */
    readonly sparkOperator: boolean;
    /** Airflow may run spark-submit in cluster mode against the job namespaces. */
    readonly airflowSparkSubmit: boolean;
    /** Airflow may create SparkApplications in the job namespaces. */
    readonly airflowSparkApplications: boolean;
    /** Always on: every scenario writes event logs and tables. */
    readonly historyServer: true;
    readonly metastore: true;
    readonly minio: boolean;
    /** NVIDIA device plugin and RAPIDS executors. */
    readonly gpu: boolean;
    readonly iceberg: boolean;
    readonly costOptimized: boolean;
}

export function componentPlan(a: { scenario: Scenario; presets: readonly Preset[]; versions: readonly SparkVersion[]; tier: Tier; minioEnabled: boolean }): ComponentPlan {
    const [client, mode, backend] = a.scenario.split("-") as ["jupyter" | "airflow", string, string | undefined];
    const usesConnect = mode === "connect";
    return {
        connect: { enabled: usesConnect, backend: usesConnect && backend === "standalone" ? "standalone" : "k8s", versions: usesConnect ? a.versions : [] },
        jupyterhub: client === "jupyter",
        airflow: client === "airflow",
        sparkOperator: a.scenario === "airflow-operator",
        airflowSparkSubmit: a.scenario === "airflow-k8s-submit",
        airflowSparkApplications: a.scenario === "airflow-operator",
        historyServer: true,
        metastore: true,
        minio: a.tier === "local" || a.minioEnabled,
        gpu: a.presets.includes("gpu"),
        iceberg: a.presets.includes("iceberg"),
        costOptimized: a.presets.includes("cost-optimized"),
    };
}
