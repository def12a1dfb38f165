/**
 * The Kubernetes rule family, run with complete fake arguments: every rule passes a hardened
 * fixture and fails a broken one, pod rules fire in containers and initContainers and through
 * every pod-bearing kind, config keys change what is reported, and unknown values never crash.
 */
import { strict as assert } from "assert";
import { stringify as toYaml } from "yaml";
import { kubernetesRules } from "../policies/kubernetes";
import { parseQuantity, parseSparkMemory } from "../components/kubernetes/quantity";
import {
    capabilitiesDropAll,
    noHostNamespaces,
    noHostPathVolumes,
    noHostPorts,
    noPrivilegedContainers,
    noPrivilegeEscalation,
    podSecurityBaselineExtras,
    restrictedVolumeTypes,
    runAsNonRoot,
    seccompProfile,
} from "../policies/kubernetes/podSecurity";
import { containerLimitsWithinMaxima, containerResources } from "../policies/kubernetes/resources";
import { imagesPinned } from "../policies/kubernetes/images";
import { serverProbes } from "../policies/kubernetes/probes";
import { noPublicServices } from "../policies/kubernetes/services";
import { pdbAllowsDisruption } from "../policies/kubernetes/disruption";
import { namespacesPodSecurityLabels } from "../policies/kubernetes/namespaces";
import { helmV4NotV3 } from "../policies/kubernetes/helm";
import { enforcement, environments, PlatformResourceRule, PlatformRule } from "../policies/lib/rule";
import { podBearingTypes } from "../policies/lib/podSpecs";
import { FakeResource, violations } from "./support/policyArgs";

type Obj = Record<string, unknown>;
const digestImage = `apache/spark@sha256:${"a".repeat(64)}`;
const tagImage = "apache/spark:3.5.3-scala2.12-java17-python3-ubuntu";

/** A container as the hardening helper writes it: passes every rule. */
function goodContainer(name = "app", overrides: Obj = {}): Obj {
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
function withSecurityContext(change: Obj, name = "app"): Obj {
    const c = goodContainer(name);
    return { ...c, securityContext: { ...(c.securityContext as Obj), ...change } };
}

function goodPodSpec(overrides: Obj = {}): Obj {
    return {
        securityContext: { runAsNonRoot: true, runAsUser: 185, runAsGroup: 185, fsGroup: 185, seccompProfile: { type: "RuntimeDefault" } },
        automountServiceAccountToken: false,
        containers: [goodContainer("app")],
        initContainers: [goodContainer("init")],
        volumes: [{ name: "tmp", emptyDir: {} }, { name: "conf", configMap: { name: "conf" } }],
        ...overrides,
    };
}

const podMeta = { labels: { app: "web" }, annotations: {} as Obj };

/** Wraps a pod spec in each pod-bearing kind (except SparkApplication, whose shape differs). */
const wrappers: Record<string, (spec: Obj, meta?: Obj) => FakeResource> = {
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

const sparkSecurityContext = goodContainer().securityContext as Obj;
function sparkRole(overrides: Obj = {}): Obj {
    return { cores: 1, memory: "4g", securityContext: sparkSecurityContext, podSecurityContext: { runAsNonRoot: true, runAsUser: 185 }, ...overrides };
}
function sparkApplicationSpec(driver: Obj = {}, executor: Obj = {}): Obj {
    return { type: "Scala", mode: "cluster", image: tagImage, mainClass: "Main", driver: sparkRole(driver), executor: sparkRole({ instances: 2, ...executor }) };
}
const sparkWrappers: Record<string, (spec: Obj) => FakeResource> = {
    SparkApplication: (spec) => ({ type: podBearingTypes.sparkApplication, name: "pi", props: { spec } }),
    ScheduledSparkApplication: (spec) => ({ type: podBearingTypes.scheduledSparkApplication, name: "nightly", props: { spec: { schedule: "@daily", template: spec } } }),
};

const podRules: PlatformResourceRule[] = [
    noPrivilegedContainers,
    containerResources,
    containerLimitsWithinMaxima,
    noHostNamespaces,
    noHostPorts,
    noHostPathVolumes,
    restrictedVolumeTypes,
    capabilitiesDropAll,
    noPrivilegeEscalation,
    runAsNonRoot,
    seccompProfile,
    podSecurityBaselineExtras,
    imagesPinned,
    serverProbes,
];

const coreRuleNames = [
    "no-privileged-containers",
    "container-resources",
    "no-host-namespaces",
    "no-host-ports",
    "no-host-path-volumes",
    "capabilities-drop-all",
    "no-privilege-escalation",
    "run-as-non-root",
    "seccomp-profile",
    "pod-security-baseline-extras",
    "images-pinned",
];

async function expectOne(rule: PlatformRule, resource: FakeResource, pattern: RegExp, config: object = {}): Promise<void> {
    const found = await violations(rule, resource, config);
    assert.equal(found.length, 1, `${rule.name}: expected one violation, got ${JSON.stringify(found)}`);
    assert.match(found[0], pattern);
}

async function expectNone(rule: PlatformRule, resource: FakeResource | FakeResource[], config: object = {}): Promise<void> {
    assert.deepEqual(await violations(rule, resource, config), [], rule.name);
}

describe("policies/kubernetes", () => {
    describe("metadata", () => {
        it("exports every rule once, with unique kebab-case names, in the kubernetes family", () => {
            const names = kubernetesRules.map((r) => r.name);
            assert.equal(new Set(names).size, names.length);
            for (const name of names) assert.match(name, /^[a-z0-9]+(-[a-z0-9]+)*$/);
            assert.deepEqual(
                [...names].sort(),
                [
                    ...coreRuleNames,
                    "container-limits-within-maxima",
                    "restricted-volume-types",
                    "server-probes",
                    "no-public-services",
                    "pdb-allows-disruption",
                    "namespaces-pod-security-labels",
                    "helm-v4-not-v3",
                ].sort(),
            );
            for (const rule of kubernetesRules) {
                assert.equal(rule.family, "kubernetes", rule.name);
                assert.equal(rule.kind, "resource", rule.name);
            }
        });

        it("gives every rule a description, severity, remediation and an enforcement level for all four environments", () => {
            for (const rule of kubernetesRules) {
                assert.ok(rule.description.length > 20, rule.name);
                assert.ok(["low", "medium", "high", "critical"].includes(rule.severity), rule.name);
                assert.ok(rule.remediation.length > 10, rule.name);
                assert.deepEqual(Object.keys(rule.defaultEnforcement).sort(), [...environments].sort(), rule.name);
                for (const env of environments) assert.ok(["advisory", "mandatory"].includes(rule.defaultEnforcement[env]), `${rule.name} ${env}`);
                assert.ok(!("enforcementLevel" in rule), `${rule.name} must leave enforcementLevel to the pack`);
            }
        });

        it("makes the core rules mandatory everywhere, and the others follow their presets", () => {
            const byName = new Map(kubernetesRules.map((r) => [r.name, r]));
            for (const name of coreRuleNames) {
                for (const env of environments) assert.equal(byName.get(name)?.defaultEnforcement[env], "mandatory", `${name} in ${env}`);
            }
            const expected: Record<string, object> = {
                "container-limits-within-maxima": enforcement.strict,
                "restricted-volume-types": enforcement.prodOnly,
                "server-probes": enforcement.advisory,
                "no-public-services": enforcement.strict,
                "pdb-allows-disruption": enforcement.strict,
                "namespaces-pod-security-labels": enforcement.strict,
                "helm-v4-not-v3": enforcement.strict,
            };
            for (const [name, preset] of Object.entries(expected)) assert.deepEqual(byName.get(name)?.defaultEnforcement, preset, name);
        });

        it("documents config defaults in the schemas", () => {
            const schema = (rule: PlatformResourceRule) => rule.configSchema?.properties ?? {};
            assert.equal(schema(containerResources).requireCpuLimits?.default, false);
            assert.equal(schema(containerLimitsWithinMaxima).maxCpu?.default, "16");
            assert.equal(schema(containerLimitsWithinMaxima).maxMemory?.default, "128Gi");
            assert.equal(schema(imagesPinned).requireDigest?.default, false);
            assert.deepEqual(schema(noPublicServices).allowPublicServices?.default, []);
        });
    });

    describe("parseQuantity", () => {
        const cases: [unknown, number | undefined][] = [
            ["500m", 0.5],
            ["2", 2],
            ["1.5", 1.5],
            [".5", 0.5],
            ["1Ki", 1024],
            ["1Mi", 1024 ** 2],
            ["128Gi", 128 * 1024 ** 3],
            ["1.5Gi", 1.5 * 1024 ** 3],
            ["2Ti", 2 * 1024 ** 4],
            ["1k", 1000],
            ["1M", 1e6],
            ["4G", 4e9],
            ["1e3", 1000],
            ["100u", 1e-4],
            [16, 16],
            ["", undefined],
            ["4g", undefined],
            ["1GB", undefined],
            ["abc", undefined],
            [undefined, undefined],
            [{}, undefined],
        ];
        for (const [input, expected] of cases) {
            it(`${JSON.stringify(input)} → ${String(expected)}`, () => {
                const value = parseQuantity(input);
                if (expected === undefined) assert.equal(value, undefined);
                else assert.ok(value !== undefined && Math.abs(value - expected) < 1e-9 * Math.max(1, expected), `${String(value)}`);
            });
        }
        it("reads Spark memory strings for SparkApplication memory", () => {
            assert.equal(parseSparkMemory("4g"), 4 * 2 ** 30);
            assert.equal(parseSparkMemory("512m"), 512 * 2 ** 20);
            assert.equal(parseSparkMemory("512"), 512 * 2 ** 20);
            assert.equal(parseSparkMemory("2GB"), 2 * 2 ** 30);
            assert.equal(parseSparkMemory("1t"), 2 ** 40);
            assert.equal(parseSparkMemory("4Gi"), undefined);
            assert.equal(parseSparkMemory(undefined), undefined);
        });
        it("reads Spark memory strings exactly as Spark does: whole numbers, b/k/m/g/t/p with an optional b, any case", () => {
            assert.equal(parseSparkMemory(" 8G "), 8 * 2 ** 30);
            assert.equal(parseSparkMemory("100b"), 100);
            assert.equal(parseSparkMemory("4kb"), 4 * 2 ** 10);
            assert.equal(parseSparkMemory("1pb"), 2 ** 50);
            assert.equal(parseSparkMemory(2048), 2048 * 2 ** 20);
            for (const refused of ["1.5g", "4gi", "4bb", "-1g", "4 g", "g", "", "1e3", "4mib", 1.5, -1]) assert.equal(parseSparkMemory(refused), undefined, JSON.stringify(refused));
        });
        it("orders binary and decimal suffixes correctly", () => {
            assert.ok(parseQuantity("1Gi")! > parseQuantity("1G")!);
            assert.ok(parseQuantity("129Gi")! > parseQuantity("128Gi")!);
            assert.ok(parseQuantity("16001m")! > parseQuantity("16")!);
        });
    });

    describe("hardened fixtures pass every rule", () => {
        for (const [kind, wrap] of Object.entries(wrappers)) {
            it(kind, async () => {
                for (const rule of kubernetesRules) await expectNone(rule, wrap(goodPodSpec()));
            });
        }
        for (const [kind, wrap] of Object.entries(sparkWrappers)) {
            it(kind, async () => {
                for (const rule of kubernetesRules) await expectNone(rule, wrap(sparkApplicationSpec()));
            });
        }
    });

    describe("container rules fire in containers and in initContainers", () => {
        const containerCases: { rule: PlatformResourceRule; bad: (name: string) => Obj; pattern: RegExp }[] = [
            { rule: noPrivilegedContainers, bad: (n) => withSecurityContext({ privileged: true }, n), pattern: /securityContext\.privileged is true/ },
            { rule: containerResources, bad: (n) => goodContainer(n, { resources: { requests: { cpu: "1" }, limits: { memory: "1Gi" } } }), pattern: /resources\.requests\.memory is missing/ },
            { rule: containerLimitsWithinMaxima, bad: (n) => goodContainer(n, { resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { memory: "200Gi" } } }), pattern: /resources\.limits\.memory 200Gi is above the maximum 128Gi/ },
            { rule: noHostPorts, bad: (n) => goodContainer(n, { ports: [{ containerPort: 80, hostPort: 80 }] }), pattern: /ports\[0\]\.hostPort is 80/ },
            { rule: capabilitiesDropAll, bad: (n) => withSecurityContext({ capabilities: { drop: ["ALL"], add: ["SYS_ADMIN"] } }, n), pattern: /capabilities\.add contains SYS_ADMIN/ },
            { rule: noPrivilegeEscalation, bad: (n) => withSecurityContext({ allowPrivilegeEscalation: true }, n), pattern: /allowPrivilegeEscalation is true/ },
            { rule: runAsNonRoot, bad: (n) => withSecurityContext({ runAsUser: 0 }, n), pattern: /container securityContext\.runAsUser is 0/ },
            { rule: seccompProfile, bad: (n) => withSecurityContext({ seccompProfile: { type: "Unconfined" } }, n), pattern: /container securityContext\.seccompProfile\.type is Unconfined/ },
            { rule: podSecurityBaselineExtras, bad: (n) => withSecurityContext({ procMount: "Unmasked" }, n), pattern: /securityContext\.procMount is Unmasked/ },
            { rule: imagesPinned, bad: (n) => goodContainer(n, { image: "apache/spark:latest" }), pattern: /image "apache\/spark:latest" uses the latest tag/ },
        ];
        for (const { rule, bad, pattern } of containerCases) {
            it(`${rule.name} in containers`, async () => {
                const spec = goodPodSpec({ containers: [goodContainer("ok"), bad("broken")] });
                await expectOne(rule, wrappers.Deployment(spec), new RegExp(`^Deployment web spec\\.template\\.spec\\.containers\\[1\\] \\(broken\\): .*${pattern.source}`));
            });
            it(`${rule.name} in initContainers`, async () => {
                const spec = goodPodSpec({ initContainers: [bad("setup")] });
                await expectOne(rule, wrappers.Deployment(spec), new RegExp(`^Deployment web spec\\.template\\.spec\\.initContainers\\[0\\] \\(setup\\): .*${pattern.source}`));
            });
        }
        it("reaches ephemeralContainers too", async () => {
            const spec = goodPodSpec({ ephemeralContainers: [withSecurityContext({ privileged: true }, "debug")] });
            await expectOne(noPrivilegedContainers, wrappers.Pod(spec), /spec\.ephemeralContainers\[0\] \(debug\): securityContext\.privileged is true/);
        });
        it("server-probes checks containers and sidecar initContainers, not ordinary init containers", async () => {
            const noProbes = (name: string, extra: Obj = {}) => goodContainer(name, { readinessProbe: undefined, livenessProbe: undefined, ...extra });
            const found = await violations(serverProbes, wrappers.Deployment(goodPodSpec({ containers: [noProbes("server")], initContainers: [noProbes("migrate"), noProbes("proxy", { restartPolicy: "Always" })] })));
            assert.deepEqual(found, [
                "Deployment web spec.template.spec.containers[0] (server): readinessProbe is missing",
                "Deployment web spec.template.spec.containers[0] (server): livenessProbe is missing",
                "Deployment web spec.template.spec.initContainers[1] (proxy): readinessProbe is missing",
                "Deployment web spec.template.spec.initContainers[1] (proxy): livenessProbe is missing",
            ]);
        });
    });

    describe("pod rules fire through every pod-bearing kind", () => {
        const privileged = goodPodSpec({ containers: [withSecurityContext({ privileged: true })] });
        const expectedPaths: Record<string, string> = {
            Pod: "Pod pod spec.containers[0] (app)",
            Deployment: "Deployment web spec.template.spec.containers[0] (app)",
            StatefulSet: "StatefulSet db spec.template.spec.containers[0] (app)",
            DaemonSet: "DaemonSet agent spec.template.spec.containers[0] (app)",
            ReplicaSet: "ReplicaSet rs spec.template.spec.containers[0] (app)",
            Job: "Job job spec.template.spec.containers[0] (app)",
            CronJob: "CronJob cron spec.jobTemplate.spec.template.spec.containers[0] (app)",
            ConfigMap: "ConfigMap templates data.executor-pod-template.yaml.spec.containers[0] (app)",
        };
        for (const [kind, wrap] of Object.entries(wrappers)) {
            it(kind, async () => {
                assert.deepEqual(await violations(noPrivilegedContainers, wrap(privileged)), [`${expectedPaths[kind]}: securityContext.privileged is true`]);
                await expectOne(noHostNamespaces, wrap(goodPodSpec({ hostNetwork: true })), new RegExp(`^${kind} \\S+ \\S*spec: hostNetwork is true$`));
            });
        }
        it("SparkApplication driver and executor", async () => {
            const app = sparkWrappers.SparkApplication(sparkApplicationSpec({ securityContext: { ...sparkSecurityContext, privileged: true } }, { cores: undefined }));
            assert.deepEqual(await violations(noPrivilegedContainers, app), ["SparkApplication pi spec.driver.containers[0] (spark-kubernetes-driver): securityContext.privileged is true"]);
            assert.deepEqual(await violations(containerResources, app), ["SparkApplication pi spec.executor.containers[0] (spark-kubernetes-executor): resources.requests.cpu is missing"]);
        });
        it("ScheduledSparkApplication template", async () => {
            const app = sparkWrappers.ScheduledSparkApplication(sparkApplicationSpec({}, { securityContext: { ...sparkSecurityContext, allowPrivilegeEscalation: true } }));
            assert.deepEqual(await violations(noPrivilegeEscalation, app), [
                "ScheduledSparkApplication nightly spec.template.executor.containers[0] (spark-kubernetes-executor): securityContext.allowPrivilegeEscalation is true; it must be false",
            ]);
            assert.deepEqual(await violations(imagesPinned, sparkWrappers.ScheduledSparkApplication({ ...sparkApplicationSpec(), image: "spark" })), [
                'ScheduledSparkApplication nightly spec.template.driver.containers[0] (spark-kubernetes-driver): image "spark" has no tag; pin it by version tag or @sha256 digest',
                'ScheduledSparkApplication nightly spec.template.executor.containers[0] (spark-kubernetes-executor): image "spark" has no tag; pin it by version tag or @sha256 digest',
            ]);
        });
        it("Spark executor pod template in a ConfigMap, with a big executor and a GPU exemption", async () => {
            const big = goodContainer("executor", { resources: { requests: { cpu: "32", memory: "8Gi" }, limits: { memory: "8Gi" } } });
            await expectOne(containerLimitsWithinMaxima, wrappers.ConfigMap(goodPodSpec({ containers: [big] })), /resources\.requests\.cpu 32 is above the maximum 16/);
            const gpu = goodContainer("executor", { resources: { requests: { cpu: "32", memory: "8Gi", "nvidia.com/gpu": "1" }, limits: { memory: "8Gi", "nvidia.com/gpu": "1" } } });
            await expectNone(containerLimitsWithinMaxima, wrappers.ConfigMap(goodPodSpec({ containers: [gpu] })));
        });
        it("ignores kinds without pods", async () => {
            for (const rule of podRules) await expectNone(rule, { type: "kubernetes:core/v1:Secret", props: { data: { privileged: "true" } } });
        });
    });

    describe("pod-level and per-rule details", () => {
        const deploy = (spec: Obj, meta?: Obj) => wrappers.Deployment(goodPodSpec(spec), meta);

        it("no-host-namespaces reports hostNetwork, hostPID and hostIPC", async () => {
            const found = await violations(noHostNamespaces, deploy({ hostNetwork: true, hostPID: true, hostIPC: true }));
            assert.deepEqual(found, ["hostNetwork", "hostPID", "hostIPC"].map((f) => `Deployment web spec.template.spec: ${f} is true`));
            await expectNone(noHostNamespaces, deploy({ hostNetwork: false }));
        });

        it("no-host-ports allows hostPort 0", async () => {
            await expectNone(noHostPorts, deploy({ containers: [goodContainer("app", { ports: [{ containerPort: 80, hostPort: 0 }] })] }));
        });

        it("no-host-path-volumes", async () => {
            await expectOne(noHostPathVolumes, deploy({ volumes: [{ name: "docker", hostPath: { path: "/var/run/docker.sock" } }] }), /volumes\[0\] \(docker\) is a hostPath volume/);
            assert.deepEqual(await violations(noHostPathVolumes, sparkWrappers.SparkApplication({ ...sparkApplicationSpec(), volumes: [{ name: "h", hostPath: { path: "/" } }] })), [
                "SparkApplication pi spec.driver: volumes[0] (h) is a hostPath volume",
                "SparkApplication pi spec.executor: volumes[0] (h) is a hostPath volume",
            ]);
        });

        it("restricted-volume-types allows the restricted set and reports others", async () => {
            const allowed = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"].map((t, i) => ({ name: `v${i}`, [t]: {} }));
            await expectNone(restrictedVolumeTypes, deploy({ volumes: allowed }));
            await expectOne(restrictedVolumeTypes, deploy({ volumes: [{ name: "share", nfs: { server: "nfs", path: "/" } }] }), /volumes\[0\] \(share\) uses volume type nfs/);
        });

        it("capabilities-drop-all requires drop ALL and allows adding NET_BIND_SERVICE", async () => {
            const c = (capabilities: unknown) => deploy({ containers: [withSecurityContext({ capabilities })] });
            await expectNone(capabilitiesDropAll, c({ drop: ["ALL"], add: ["NET_BIND_SERVICE"] }));
            await expectOne(capabilitiesDropAll, c(undefined), /capabilities\.drop is missing/);
            await expectOne(capabilitiesDropAll, c({ drop: ["NET_RAW"] }), /capabilities\.drop does not contain ALL/);
        });

        it("no-privilege-escalation requires an explicit false", async () => {
            await expectOne(noPrivilegeEscalation, deploy({ containers: [withSecurityContext({ allowPrivilegeEscalation: undefined })] }), /allowPrivilegeEscalation is not set/);
        });

        it("run-as-non-root reads the pod level and lets the container override it", async () => {
            const podSc = (sc: Obj) => ({ securityContext: sc, initContainers: [] });
            const bare = (sc: Obj = {}) => withSecurityContext({ runAsNonRoot: undefined, ...sc });
            // pod says non-root, container silent: passes
            await expectNone(runAsNonRoot, deploy({ ...podSc({ runAsNonRoot: true, runAsUser: 185 }), containers: [bare()] }));
            // neither says: fails
            await expectOne(runAsNonRoot, deploy({ ...podSc({}), containers: [bare()] }), /runAsNonRoot is set on neither the container nor the pod/);
            // pod root, container overrides with a non-root user: passes
            await expectNone(runAsNonRoot, deploy({ ...podSc({ runAsNonRoot: true, runAsUser: 0 }), containers: [bare({ runAsUser: 1000 })] }));
            // pod root, container silent: fails, naming the pod level
            await expectOne(runAsNonRoot, deploy({ ...podSc({ runAsNonRoot: true, runAsUser: 0 }), containers: [bare()] }), /pod securityContext\.runAsUser is 0/);
            // pod non-root, container overrides to false: fails
            await expectOne(runAsNonRoot, deploy({ ...podSc({ runAsNonRoot: true }), containers: [bare({ runAsNonRoot: false })] }), /container securityContext\.runAsNonRoot is false/);
        });

        it("seccomp-profile takes the pod's profile when the container sets none", async () => {
            const bare = withSecurityContext({ seccompProfile: undefined });
            await expectNone(seccompProfile, deploy({ containers: [bare], initContainers: [] }));
            await expectNone(seccompProfile, deploy({ securityContext: { runAsNonRoot: true, seccompProfile: { type: "Localhost", localhostProfile: "p.json" } }, containers: [bare], initContainers: [] }));
            await expectOne(seccompProfile, deploy({ securityContext: { runAsNonRoot: true }, containers: [bare], initContainers: [] }), /seccompProfile\.type is set on neither/);
            await expectOne(seccompProfile, deploy({ securityContext: { seccompProfile: { type: "Unconfined" } }, containers: [bare], initContainers: [] }), /pod securityContext\.seccompProfile\.type is Unconfined/);
        });

        it("pod-security-baseline-extras: sysctls, AppArmor, SELinux", async () => {
            const podSc = goodPodSpec().securityContext as Obj;
            await expectNone(podSecurityBaselineExtras, deploy({ securityContext: { ...podSc, sysctls: [{ name: "net.ipv4.tcp_keepalive_time", value: "60" }] } }));
            await expectOne(podSecurityBaselineExtras, deploy({ securityContext: { ...podSc, sysctls: [{ name: "kernel.msgmax", value: "1" }] } }), /securityContext\.sysctls\[0\] kernel\.msgmax is not in the baseline safe list/);
            await expectNone(podSecurityBaselineExtras, deploy({}, { annotations: { "container.apparmor.security.beta.kubernetes.io/app": "localhost/spark" } }));
            await expectOne(podSecurityBaselineExtras, deploy({}, { annotations: { "container.apparmor.security.beta.kubernetes.io/app": "unconfined" } }), /annotation container\.apparmor\.security\.beta\.kubernetes\.io\/app is unconfined/);
            await expectOne(
                podSecurityBaselineExtras,
                wrappers.ConfigMap(goodPodSpec(), { annotations: { "container.apparmor.security.beta.kubernetes.io/app": "unconfined" } }),
                /ConfigMap templates data\.executor-pod-template\.yaml\.spec: annotation/,
            );
            await expectOne(podSecurityBaselineExtras, deploy({ containers: [withSecurityContext({ appArmorProfile: { type: "Unconfined" } })] }), /container securityContext\.appArmorProfile\.type is Unconfined/);
            await expectNone(podSecurityBaselineExtras, deploy({ containers: [withSecurityContext({ appArmorProfile: { type: "RuntimeDefault" }, seLinuxOptions: { type: "container_init_t", level: "s0:c1" } })] }));
            await expectOne(podSecurityBaselineExtras, deploy({ securityContext: { ...podSc, seLinuxOptions: { type: "spc_t" } } }), /pod securityContext\.seLinuxOptions\.type is spc_t/);
            await expectOne(podSecurityBaselineExtras, deploy({ containers: [withSecurityContext({ seLinuxOptions: { user: "system_u" } })] }), /seLinuxOptions\.user is set/);
            await expectOne(podSecurityBaselineExtras, deploy({ containers: [withSecurityContext({ seLinuxOptions: { role: "sysadm_r" } })] }), /seLinuxOptions\.role is set/);
            await expectNone(podSecurityBaselineExtras, deploy({ containers: [withSecurityContext({ procMount: "Default" })] }));
        });

        it("images-pinned: no tag, latest, digest", async () => {
            const img = (image: unknown) => deploy({ containers: [goodContainer("app", { image })], initContainers: [] });
            await expectOne(imagesPinned, img("apache/spark"), /has no tag/);
            await expectOne(imagesPinned, img("registry:5000/spark"), /has no tag/);
            await expectOne(imagesPinned, img("apache/spark:LATEST"), /latest tag/);
            await expectNone(imagesPinned, img(digestImage));
            await expectNone(imagesPinned, img("registry:5000/spark:3.5.3"));
            // not a string: unknown at preview, skipped
            await expectNone(imagesPinned, img(undefined));
            await expectNone(imagesPinned, img({ unknown: true }));
        });

        it("container-resources reports malformed quantities", async () => {
            await expectOne(containerResources, deploy({ containers: [goodContainer("app", { resources: { requests: { cpu: "1", memory: "4g" }, limits: { memory: "4Gi" } } })], initContainers: [] }), /requests\.memory "4g" is not a Kubernetes quantity/);
            assert.deepEqual(
                await violations(containerResources, deploy({ containers: [goodContainer("app", { resources: undefined })], initContainers: [] })),
                ["requests.cpu", "requests.memory", "limits.memory"].map((f) => `Deployment web spec.template.spec.containers[0] (app): resources.${f} is missing`),
            );
        });
    });

    describe("config", () => {
        const deploy = (container: Obj) => wrappers.Deployment(goodPodSpec({ containers: [container], initContainers: [] }));

        it("requireCpuLimits (default false)", async () => {
            const noCpuLimit = goodContainer();
            await expectNone(containerResources, deploy(noCpuLimit));
            await expectNone(containerResources, deploy(noCpuLimit), { requireCpuLimits: false });
            await expectOne(containerResources, deploy(noCpuLimit), /resources\.limits\.cpu is missing/, { requireCpuLimits: true });
            await expectNone(containerResources, deploy(goodContainer("app", { resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "1", memory: "1Gi" } } })), { requireCpuLimits: true });
        });

        it("maxCpu and maxMemory (defaults 16 and 128Gi)", async () => {
            const sized = (cpu: string, memory: string) => deploy(goodContainer("app", { resources: { requests: { cpu, memory }, limits: { cpu, memory } } }));
            await expectNone(containerLimitsWithinMaxima, sized("16", "128Gi"));
            await expectNone(containerLimitsWithinMaxima, sized("16000m", "131072Mi"));
            assert.equal((await violations(containerLimitsWithinMaxima, sized("16100m", "128Gi"))).length, 2); // request and limit
            assert.deepEqual(await violations(containerLimitsWithinMaxima, deploy(goodContainer("app", { resources: { requests: { cpu: "1", memory: "129Gi" } } }))), [
                "Deployment web spec.template.spec.containers[0] (app): resources.requests.memory 129Gi is above the maximum 128Gi",
            ]);
            await expectNone(containerLimitsWithinMaxima, sized("32", "256Gi"), { maxCpu: "32", maxMemory: "256Gi" });
            await expectOne(containerLimitsWithinMaxima, deploy(goodContainer("app", { resources: { requests: { cpu: "2500m", memory: "1Gi" } } })), /requests\.cpu 2500m is above the maximum 2$/, { maxCpu: "2" });
            await assert.rejects(violations(containerLimitsWithinMaxima, sized("1", "1Gi"), { maxMemory: "lots" }), /maxMemory "lots" is not a Kubernetes quantity/);
        });

        it("reads SparkApplication memory as a Spark memory string", async () => {
            await expectNone(containerLimitsWithinMaxima, sparkWrappers.SparkApplication(sparkApplicationSpec({ memory: "128g" })));
            assert.deepEqual(await violations(containerLimitsWithinMaxima, sparkWrappers.SparkApplication(sparkApplicationSpec({ memory: "129g" }))), [
                "SparkApplication pi spec.driver.containers[0] (spark-kubernetes-driver): resources.requests.memory 129g is above the maximum 128Gi",
                "SparkApplication pi spec.driver.containers[0] (spark-kubernetes-driver): resources.limits.memory 129g is above the maximum 128Gi",
            ]);
        });

        it("GPU containers are exempt from the maxima, including SparkApplication gpu", async () => {
            const app = sparkWrappers.SparkApplication(sparkApplicationSpec({}, { cores: 32, memory: "200g", gpu: { name: "nvidia.com/gpu", quantity: 1 } }));
            await expectNone(containerLimitsWithinMaxima, app);
            const noGpu = sparkWrappers.SparkApplication(sparkApplicationSpec({}, { cores: 32 }));
            await expectOne(containerLimitsWithinMaxima, noGpu, /spec\.executor\.containers\[0\] \(spark-kubernetes-executor\): resources\.requests\.cpu 32 is above the maximum 16/);
        });

        it("requireDigest (default false; prod turns it on)", async () => {
            await expectNone(imagesPinned, deploy(goodContainer("app", { image: tagImage })));
            await expectOne(imagesPinned, deploy(goodContainer("app", { image: tagImage })), /pinned by tag only; requireDigest/, { requireDigest: true });
            await expectNone(imagesPinned, deploy(goodContainer("app", { image: digestImage })), { requireDigest: true });
            await expectNone(imagesPinned, deploy(goodContainer("app", { image: `apache/spark:3.5.3@sha256:${"b".repeat(64)}` })), { requireDigest: true });
        });

        it("allowPublicServices (default [])", async () => {
            const service = (type: string, name?: string): FakeResource => ({
                type: "kubernetes:core/v1:Service",
                name: "ingress",
                props: { metadata: { ...(name ? { name } : {}), namespace: "ingress" }, spec: { type, ports: [{ port: 443 }] } },
            });
            await expectNone(noPublicServices, service("ClusterIP", "ingress-nginx"));
            await expectNone(noPublicServices, { type: "kubernetes:core/v1:Service", name: "svc", props: {} });
            await expectOne(noPublicServices, service("LoadBalancer", "ingress-nginx"), /^Service ingress \(namespace ingress\): spec\.type is LoadBalancer, which exposes "ingress-nginx"/);
            await expectOne(noPublicServices, service("NodePort", "ingress-nginx"), /spec\.type is NodePort/);
            await expectNone(noPublicServices, service("LoadBalancer", "ingress-nginx"), { allowPublicServices: ["ingress-nginx"] });
            await expectOne(noPublicServices, service("LoadBalancer", "other"), /"other"/, { allowPublicServices: ["ingress-nginx"] });
            // auto-named: the Pulumi resource name is matched
            await expectNone(noPublicServices, service("LoadBalancer"), { allowPublicServices: ["ingress"] });
        });
    });

    describe("cluster object rules", () => {
        const pdb = (spec: Obj): FakeResource => ({ type: "kubernetes:policy/v1:PodDisruptionBudget", name: "metastore", props: { spec: { selector: { matchLabels: { app: "m" } }, ...spec } } });
        it("pdb-allows-disruption", async () => {
            await expectNone(pdbAllowsDisruption, pdb({ maxUnavailable: 1 }));
            await expectNone(pdbAllowsDisruption, pdb({ minAvailable: 1 }));
            await expectNone(pdbAllowsDisruption, pdb({ minAvailable: "50%" }));
            await expectNone(pdbAllowsDisruption, pdb({ maxUnavailable: "10%" }));
            await expectOne(pdbAllowsDisruption, pdb({ maxUnavailable: 0 }), /^PodDisruptionBudget metastore: spec\.maxUnavailable is 0/);
            await expectOne(pdbAllowsDisruption, pdb({ maxUnavailable: "0%" }), /spec\.maxUnavailable is 0%/);
            await expectOne(pdbAllowsDisruption, pdb({ minAvailable: "100%" }), /spec\.minAvailable is 100%/);
            assert.match(pdbAllowsDisruption.description, /replica/);
        });

        it("namespaces-pod-security-labels", async () => {
            const ns = (name: string, labels?: Obj, annotations?: Obj): FakeResource => ({ type: "kubernetes:core/v1:Namespace", name, props: { metadata: { name, labels, annotations } } });
            const enforce = "pod-security.kubernetes.io/enforce";
            await expectNone(namespacesPodSecurityLabels, ns("spark-jobs", { [enforce]: "restricted" }));
            await expectNone(namespacesPodSecurityLabels, ns("airflow", { [enforce]: "baseline" }));
            await expectNone(namespacesPodSecurityLabels, ns("gpu-operator", { [enforce]: "privileged" }, { "spark-k8s/pod-security-exemption": "device plugin needs the kubelet socket" }));
            await expectOne(namespacesPodSecurityLabels, ns("gpu-operator", { [enforce]: "privileged" }), /^Namespace gpu-operator: .*privileged without the spark-k8s\/pod-security-exemption annotation/);
            await expectOne(namespacesPodSecurityLabels, ns("spark-jobs"), /pod-security\.kubernetes\.io\/enforce"\] is missing/);
            await expectOne(namespacesPodSecurityLabels, ns("spark-jobs", { [enforce]: "strict" }), /"strict"; use restricted or baseline/);
            for (const system of ["kube-system", "kube-public", "kube-node-lease", "default"]) await expectNone(namespacesPodSecurityLabels, ns(system));
            await expectNone(namespacesPodSecurityLabels, { type: "kubernetes:core/v1:ConfigMap", props: { metadata: { name: "x" } } });
        });

        it("helm-v4-not-v3", async () => {
            await expectOne(helmV4NotV3, { type: "kubernetes:helm.sh/v3:Release", name: "spark-operator", props: { chart: "spark-operator" } }, /^Release spark-operator: .*use k8s\.helm\.v4\.Chart/);
            await expectNone(helmV4NotV3, { type: "kubernetes:helm.sh/v4:Chart", name: "spark-operator", props: { chart: "spark-operator" } });
        });
    });

    describe("unknown values", () => {
        const weird: unknown[] = [undefined, null, "computed", 42, true, [], {}];
        const weirdContainer = (v: unknown): Obj => ({
            name: v,
            image: v,
            ports: v,
            resources: v,
            securityContext: v,
            readinessProbe: v,
        });
        const partialContainers = (v: unknown): unknown[] => [
            v,
            weirdContainer(v),
            { securityContext: { capabilities: v, seccompProfile: v, seLinuxOptions: v, appArmorProfile: v, runAsUser: v, privileged: v }, resources: { requests: v, limits: v }, ports: [v, { hostPort: v }] },
        ];
        const weirdPodSpecs = (v: unknown): unknown[] => [
            v,
            { containers: v, initContainers: v, ephemeralContainers: v, volumes: v, securityContext: v, hostNetwork: v },
            { containers: partialContainers(v), initContainers: partialContainers(v), volumes: [v, { name: v, hostPath: v }], securityContext: { sysctls: v, seccompProfile: v } },
            { securityContext: { sysctls: [v, { name: v }] } },
        ];
        const types = [
            ...Object.values(podBearingTypes),
            "kubernetes:core/v1:Service",
            "kubernetes:core/v1:Namespace",
            "kubernetes:policy/v1:PodDisruptionBudget",
            "kubernetes:helm.sh/v3:Release",
        ];
        function propsVariants(v: unknown): Obj[] {
            const out: Obj[] = [{}, { spec: v, metadata: v, data: v }];
            for (const podSpec of weirdPodSpecs(v)) {
                out.push(
                    { metadata: { annotations: v, labels: v, name: v }, spec: podSpec },
                    { spec: { template: { metadata: { annotations: v }, spec: podSpec }, jobTemplate: { spec: { template: { spec: podSpec } } } } },
                    { spec: { driver: v, executor: podSpec, volumes: v, image: v, template: { driver: podSpec, executor: v } } },
                    { spec: { driver: { securityContext: v, podSecurityContext: v, cores: v, memory: v, gpu: v, initContainers: v, annotations: v } } },
                    { data: { "pod.yaml": toYaml({ kind: "Pod", metadata: { annotations: v }, spec: podSpec }), "broken.yaml": "kind: Pod\nspec: [" } },
                    { spec: { type: v, maxUnavailable: v, minAvailable: v }, metadata: { name: v, labels: { "pod-security.kubernetes.io/enforce": v }, annotations: v } },
                );
            }
            return out;
        }

        it("no rule throws or reports on undefined, partial or wrongly shaped values, for any kind", async () => {
            for (const rule of kubernetesRules) {
                for (const type of types) {
                    for (const v of weird) {
                        for (const props of propsVariants(v)) {
                            await assert.doesNotReject(violations(rule, { type, name: "r", props }, {}), `${rule.name} on ${type} with ${JSON.stringify(props)}`);
                        }
                    }
                }
            }
        });

        it("skips rather than reports containers whose securityContext or resources cannot be read", async () => {
            const spec = goodPodSpec({ containers: [goodContainer("app", { securityContext: "computed", resources: "computed" })], initContainers: [] });
            for (const rule of [noPrivilegedContainers, capabilitiesDropAll, noPrivilegeEscalation, runAsNonRoot, seccompProfile, podSecurityBaselineExtras, containerResources, containerLimitsWithinMaxima]) {
                await expectNone(rule, wrappers.Deployment(spec));
            }
            const podUnknown = goodPodSpec({ securityContext: "computed", containers: [withSecurityContext({ runAsNonRoot: undefined, seccompProfile: undefined })], initContainers: [] });
            await expectNone(runAsNonRoot, wrappers.Deployment(podUnknown));
            await expectNone(seccompProfile, wrappers.Deployment(podUnknown));
        });
    });
});
