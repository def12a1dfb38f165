/**
 * Fixtures of the Spark rule tests: a spark-defaults.conf ConfigMap with its executor pod template,
 * a SparkApplication and platform workloads as the platform writes them, and the dev node groups.
 */
import { strict as assert } from "assert";
import { FakeResource } from "../policyArgs";

export const t = {
    configMap: "kubernetes:core/v1:ConfigMap",
    deployment: "kubernetes:apps/v1:Deployment",
    statefulSet: "kubernetes:apps/v1:StatefulSet",
    daemonSet: "kubernetes:apps/v1:DaemonSet",
    job: "kubernetes:batch/v1:Job",
    cronJob: "kubernetes:batch/v1:CronJob",
    sparkApplication: "kubernetes:sparkoperator.k8s.io/v1beta2:SparkApplication",
    scheduledSparkApplication: "kubernetes:sparkoperator.k8s.io/v1beta2:ScheduledSparkApplication",
    nodeGroup: "aws:eks/nodeGroup:NodeGroup",
};

export const executorToleration = { key: "spark-k8s/executor", operator: "Equal", value: "true", effect: "NoSchedule" };
export const gpuToleration = { key: "nvidia.com/gpu", operator: "Equal", value: "true", effect: "NoSchedule" };
export const onExecutors = { "spark-k8s/node-role": "executor" };

/** A complete, compliant k8s-backend spark-defaults.conf, as sparkDefaults renders it. */
const goodConf: Record<string, string> = {
    "spark.master": "k8s://https://kubernetes.default.svc:443",
    "spark.executor.cores": "4",
    "spark.executor.memory": "13052m",
    "spark.executor.memoryOverhead": "1306m",
    "spark.dynamicAllocation.enabled": "true",
    "spark.dynamicAllocation.shuffleTracking.enabled": "true",
};

function render(conf: Record<string, string | undefined>): string {
    return Object.entries(conf)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${k} ${v}`)
        .join("\n");
}

export function executorTemplate(spec: Record<string, unknown> = { nodeSelector: onExecutors, tolerations: [executorToleration] }): string {
    return JSON.stringify({
        apiVersion: "v1",
        kind: "Pod",
        metadata: { labels: { "spark-k8s/role": "executor" } },
        spec: { containers: [{ name: "spark-kubernetes-executor" }], ...spec },
    });
}

/** A ConfigMap like SparkConnect's: spark-defaults.conf with overrides, and an executor pod template beside it. */
export function sparkConfMap(overrides: Record<string, string | undefined> = {}, template: string | null = executorTemplate(), name = "spark-connect-35"): FakeResource {
    return {
        type: t.configMap,
        name,
        props: {
            metadata: { name: `${name}-conf`, namespace: "spark-jobs" },
            data: { "spark-defaults.conf": render({ ...goodConf, ...overrides }), ...(template ? { "executor-pod-template.yaml": template } : {}) },
        },
    };
}

export interface AppOptions {
    driver?: Record<string, unknown>;
    executor?: Record<string, unknown>;
    spec?: Record<string, unknown>;
}

const goodDriver = { cores: 1, coreLimit: "1200m", memory: "2g", memoryOverhead: "512m", serviceAccount: "spark", nodeSelector: { "spark-k8s/node-role": "driver" } };
const goodExecutor = { cores: 4, instances: 2, memory: "12g", memoryOverhead: "1300m", nodeSelector: onExecutors, tolerations: [executorToleration] };

export function sparkApp(o: AppOptions = {}, name = "etl"): FakeResource {
    return {
        type: t.sparkApplication,
        name,
        props: {
            metadata: { name, namespace: "spark-jobs" },
            spec: {
                type: "Python",
                mode: "cluster",
                image: "example.com/spark:3.5.5",
                mainApplicationFile: "local:///opt/app/etl.py",
                sparkVersion: "3.5.5",
                sparkConf: { "spark.dynamicAllocation.shuffleTracking.enabled": "true" },
                dynamicAllocation: { enabled: true, minExecutors: 0, maxExecutors: 10 },
                driver: { ...goodDriver, ...(o.driver ?? {}) },
                executor: { ...goodExecutor, ...(o.executor ?? {}) },
                ...(o.spec ?? {}),
            },
        },
    };
}

export function workload(type: string, podSpec: Record<string, unknown>, labels: Record<string, string> = {}, name = "app"): FakeResource {
    const template = { metadata: { labels: { "app.kubernetes.io/name": name, ...labels } }, spec: { containers: [{ name, image: "example.com/app:1.0.0" }], ...podSpec } };
    const spec = type === t.cronJob ? { schedule: "0 * * * *", jobTemplate: { spec: { template } } } : { template };
    return { type, name, props: { metadata: { name, labels }, spec } };
}

export function nodeGroup(role: string, instanceTypes: string[], name = `spark-dev-${role}`): FakeResource {
    return {
        type: t.nodeGroup,
        name,
        props: { capacityType: role === "executor" ? "SPOT" : "ON_DEMAND", instanceTypes, labels: { "spark-k8s/node-role": role, "spark-k8s/capacity": role === "executor" ? "spot" : "on-demand" } },
    };
}

export const devNodeGroups = [
    nodeGroup("system", ["m6i.large"]),
    nodeGroup("driver", ["m6i.xlarge"]),
    nodeGroup("executor", ["m6i.2xlarge", "m6a.2xlarge", "m5.2xlarge"]),
    nodeGroup("gpu", ["g5.xlarge"]),
];

export const one = (found: string[], pattern: RegExp) => {
    assert.equal(found.length, 1, `expected one violation, got ${JSON.stringify(found)}`);
    assert.match(found[0], pattern);
};
