/**
 * Fixtures of the Kubernetes rule tests: a hardened container and pod spec that pass every rule,
 * wrapped in each pod-bearing kind, and the expectations on a rule's violations.
 */
import { strict as assert } from "assert";
import { stringify as toYaml } from "yaml";
import { PlatformRule } from "../../../policies/lib/rule";
import { podBearingTypes } from "../../../policies/lib/podSpecs";
import { FakeResource, violations } from "../policyArgs";

export type Obj = Record<string, unknown>;
export const digestImage = `apache/spark@sha256:${"a".repeat(64)}`;
export const tagImage = "apache/spark:3.5.3-scala2.12-java17-python3-ubuntu";

/** A container as the hardening helper writes it: passes every rule. */
export function goodContainer(name = "app", overrides: Obj = {}): Obj {
    return {
        name,
        image: tagImage,
        resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { memory: "1Gi" } },
        securityContext: {
            allowPrivilegeEscalation: false,
            privileged: false,
            capabilities: { drop: ["ALL"] },
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
            seccompProfile: { type: "RuntimeDefault" },
        },
        readinessProbe: { httpGet: { path: "/ready", port: 8080 } },
        livenessProbe: { httpGet: { path: "/live", port: 8080 } },
        ports: [{ containerPort: 8080 }],
        ...overrides,
    };
}

/** A container with its securityContext changed. */
export function withSecurityContext(change: Obj, name = "app"): Obj {
    const c = goodContainer(name);
    return { ...c, securityContext: { ...(c.securityContext as Obj), ...change } };
}

export function goodPodSpec(overrides: Obj = {}): Obj {
    return {
        securityContext: { runAsNonRoot: true, runAsUser: 185, runAsGroup: 185, fsGroup: 185, seccompProfile: { type: "RuntimeDefault" } },
        automountServiceAccountToken: false,
        containers: [goodContainer("app")],
        initContainers: [goodContainer("init")],
        volumes: [{ name: "tmp", emptyDir: {} }, { name: "conf", configMap: { name: "conf" } }],
        // A built-in class, so the fixture needs no PriorityClass beside it.
        priorityClassName: "system-cluster-critical",
        ...overrides,
    };
}

const podMeta = { labels: { app: "web" }, annotations: {} as Obj };

/** Wraps a pod spec in each pod-bearing kind (except SparkApplication, whose shape differs). */
export const wrappers: Record<string, (spec: Obj, meta?: Obj) => FakeResource> = {
    Pod: (spec, meta = podMeta) => ({ type: podBearingTypes.pod, name: "pod", props: { metadata: { name: "pod", ...meta }, spec } }),
    Deployment: (spec, meta = podMeta) => ({ type: podBearingTypes.deployment, name: "web", props: { spec: { replicas: 2, template: { metadata: meta, spec } } } }),
    StatefulSet: (spec, meta = podMeta) => ({ type: podBearingTypes.statefulSet, name: "db", props: { spec: { template: { metadata: meta, spec } } } }),
    DaemonSet: (spec, meta = podMeta) => ({ type: podBearingTypes.daemonSet, name: "agent", props: { spec: { template: { metadata: meta, spec } } } }),
    ReplicaSet: (spec, meta = podMeta) => ({ type: podBearingTypes.replicaSet, name: "rs", props: { spec: { template: { metadata: meta, spec } } } }),
    Job: (spec, meta = podMeta) => ({ type: podBearingTypes.job, name: "job", props: { spec: { template: { metadata: meta, spec } } } }),
    CronJob: (spec, meta = podMeta) => ({ type: podBearingTypes.cronJob, name: "cron", props: { spec: { jobTemplate: { spec: { template: { metadata: meta, spec } } } } } }),
    ConfigMap: (spec, meta = podMeta) => ({
        type: podBearingTypes.configMap,
        name: "templates",
        props: { data: { "executor-pod-template.yaml": toYaml({ apiVersion: "v1", kind: "Pod", metadata: meta, spec }) } },
    }),
};

export const sparkSecurityContext = goodContainer().securityContext as Obj;
function sparkRole(overrides: Obj = {}): Obj {
    return { cores: 1, memory: "4g", securityContext: sparkSecurityContext, podSecurityContext: { runAsNonRoot: true, runAsUser: 185 }, priorityClassName: "system-cluster-critical", ...overrides };
}
export function sparkApplicationSpec(driver: Obj = {}, executor: Obj = {}): Obj {
    return { type: "Scala", mode: "cluster", image: tagImage, mainClass: "Main", driver: sparkRole(driver), executor: sparkRole({ instances: 2, ...executor }) };
}
export const sparkWrappers: Record<string, (spec: Obj) => FakeResource> = {
    SparkApplication: (spec) => ({ type: podBearingTypes.sparkApplication, name: "pi", props: { spec } }),
    ScheduledSparkApplication: (spec) => ({ type: podBearingTypes.scheduledSparkApplication, name: "nightly", props: { spec: { schedule: "@daily", template: spec } } }),
};

export async function expectOne(rule: PlatformRule, resource: FakeResource, pattern: RegExp, config: object = {}): Promise<void> {
    const found = await violations(rule, resource, config);
    assert.equal(found.length, 1, `${rule.name}: expected one violation, got ${JSON.stringify(found)}`);
    assert.match(found[0], pattern);
}

export async function expectNone(rule: PlatformRule, resource: FakeResource | FakeResource[], config: object = {}): Promise<void> {
    assert.deepEqual(await violations(rule, resource, config), [], rule.name);
}

/** A Deployment of the hardened pod spec with the given pod-spec fields changed. */
export const deployPodSpec = (spec: Obj, meta?: Obj) => wrappers.Deployment(goodPodSpec(spec), meta);
/** A Deployment of the hardened pod spec with the given container as its only one. */
export const deployContainer = (container: Obj) => wrappers.Deployment(goodPodSpec({ containers: [container], initContainers: [] }));
