/**
 * The Kubernetes rule family as a whole, run with complete fake arguments: every rule passes a
 * hardened fixture, pod rules fire in containers and initContainers and through every pod-bearing
 * kind, and unknown values never crash. What each rule reports is tested beside its module.
 */
import { strict as assert } from "assert";
import { stringify as toYaml } from "yaml";
import { kubernetesRules } from "../../../policies/kubernetes";
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
} from "../../../policies/kubernetes/podSecurity";
import { containerLimitsWithinMaxima, containerResources } from "../../../policies/kubernetes/resources";
import { imagesPinned } from "../../../policies/kubernetes/images";
import { serverProbes } from "../../../policies/kubernetes/probes";
import { noPublicServices } from "../../../policies/kubernetes/services";
import { enforcement, environments, PlatformResourceRule } from "../../../policies/lib/rule";
import { podBearingTypes } from "../../../policies/lib/podSpecs";
import { violations } from "../../support/policyArgs";
import { expectNone, expectOne, goodContainer, goodPodSpec, Obj, sparkApplicationSpec, sparkSecurityContext, sparkWrappers, withSecurityContext, wrappers } from "../../support/policies/kubernetes";

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
    "job-namespace-has-quota",
    "group-bindings-namespaced",
];

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
                    "exemptions-in-privileged-namespaces",
                    "namespaces-default-deny",
                    "helm-v4-not-v3",
                    "pods-name-priority-class",
                ].sort(),
            );
            for (const rule of kubernetesRules) {
                assert.equal(rule.family, "kubernetes", rule.name);
                assert.equal(rule.kind, ["exemptions-in-privileged-namespaces", "namespaces-default-deny", "job-namespace-has-quota", "pods-name-priority-class"].includes(rule.name) ? "stack" : "resource", rule.name);
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
                "exemptions-in-privileged-namespaces": enforcement.core,
                "namespaces-default-deny": enforcement.strict,
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
