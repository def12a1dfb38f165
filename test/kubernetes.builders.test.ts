import { strict as assert } from "assert";
import * as k8s from "@pulumi/kubernetes";
import { nodeGroupPlan } from "../components/aws/nodeGroups";
import { executorTaint, gpuTaint, nodeRoleLabel } from "../components/config/nodeRoles";
import { tierDefaults } from "../components/config/defaults";
import { hardenPodSpec } from "../components/kubernetes/hardening";
import { limitRange, namespaceManifest, resourceQuota } from "../components/kubernetes/namespaces";
import { PolicyRule, sparkDriverRules, sparkOperatorJobRules, sparkSubmitRules } from "../components/kubernetes/rbac";
import { onDriverNodes, onExecutorNodes, onGpuNodes, onSystemNodes, Placement } from "../components/kubernetes/scheduling";
import { validateK8sObject } from "./support/k8sSchema";

type Namespace = k8s.types.output.core.v1.Namespace;
type ResourceQuota = k8s.types.output.core.v1.ResourceQuota;
type LimitRange = k8s.types.output.core.v1.LimitRange;
type PodSpec = k8s.types.output.core.v1.PodSpec;

function deployment(replicas: unknown, containerExtras: Record<string, unknown> = {}) {
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "web", namespace: "apps" },
        spec: {
            replicas,
            selector: { matchLabels: { app: "web" } },
            template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "nginx:1.27.3", ...containerExtras }] } },
        },
    };
}

describe("validateK8sObject", () => {
    it("accepts a valid Deployment", () => {
        assert.deepEqual(validateK8sObject(deployment(3)), []);
    });

    it("catches wrong types at any depth", () => {
        assert.deepEqual(validateK8sObject(deployment("3")), ["/spec/replicas must be integer"]);
        assert.deepEqual(validateK8sObject(deployment(3, { ports: [{ containerPort: "80" }] })), ["/spec/template/spec/containers/0/ports/0/containerPort must be integer"]);
    });

    it("catches missing required fields, bad enum values and malformed quantities", () => {
        const noSelector = { ...deployment(1), spec: { template: deployment(1).spec.template } };
        assert.deepEqual(validateK8sObject(noSelector), ["/spec must have required property selector"]);
        assert.deepEqual(validateK8sObject(deployment(1, { imagePullPolicy: "Sometimes" })), ["/spec/template/spec/containers/0/imagePullPolicy must be equal to one of the allowed values"]);
        const errors = validateK8sObject(deployment(1, { resources: { requests: { memory: "lots" } } }));
        assert.ok(errors.some((e) => e.includes('/resources/requests/memory must match format "quantity"')), errors.join("\n"));
    });

    it("reports kinds it has no schema for instead of passing them", () => {
        const [crd] = validateK8sObject({ apiVersion: "sparkoperator.k8s.io/v1beta2", kind: "SparkApplication", metadata: { name: "pi" }, spec: {} });
        assert.match(crd, /sparkoperator\.k8s\.io\/v1beta2 SparkApplication: no schema/);
        assert.match(validateK8sObject({ apiVersion: "batch/v1beta1", kind: "CronJob" })[0], /no schema/, "removed API versions are not accepted");
        assert.match(validateK8sObject({ apiVersion: "v1", kind: "Deployment" })[0], /no schema/);
        assert.match(validateK8sObject({ kind: "Pod" })[0], /apiVersion and kind/);
    });

    it("does not catch misspelt or unknown fields: the OpenAPI schema allows additional properties", () => {
        assert.deepEqual(validateK8sObject(deployment(1, { imagePullPolicyy: "Always" })), []);
    });
});

describe("namespaces", () => {
    const psa = "pod-security.kubernetes.io";

    it("allow privileged only with a recorded reason, still auditing and warning at restricted", () => {
        assert.throws(() => namespaceManifest("gpu", { podSecurity: "privileged", kubernetesVersion: "1.33" }), /privileged needs an exemptionReason/);
        const ns = namespaceManifest("gpu", { podSecurity: "privileged", kubernetesVersion: "1.33", exemptionReason: "device plugin mounts the kubelet socket" });
        const meta = ns.metadata as { labels: Record<string, string>; annotations: Record<string, string> };
        assert.equal(meta.labels[`${psa}/enforce`], "privileged");
        assert.equal(meta.labels[`${psa}/warn`], "restricted");
        assert.equal(meta.annotations["spark-k8s/pod-security-exemption"], "device plugin mounts the kubelet socket");
    });

    it("enforce the requested Pod Security level and audit and warn at restricted, pinned to a minor", () => {
        for (const level of ["restricted", "baseline"] as const) {
            const ns = namespaceManifest("spark-jobs", { podSecurity: level, kubernetesVersion: "1.33" }) as unknown as Namespace;
            assert.deepEqual(ns.metadata.labels, {
                [`${psa}/enforce`]: level,
                [`${psa}/enforce-version`]: "v1.33",
                [`${psa}/audit`]: "restricted",
                [`${psa}/audit-version`]: "v1.33",
                [`${psa}/warn`]: "restricted",
                [`${psa}/warn-version`]: "v1.33",
            });
            assert.deepEqual(validateK8sObject(ns), []);
        }
    });

    it("keep the caller's labels and annotations", () => {
        const ns = namespaceManifest("spark", { podSecurity: "restricted", kubernetesVersion: "v1.34", labels: { team: "data" }, annotations: { owner: "platform" } }) as unknown as Namespace;
        assert.equal(ns.metadata.labels.team, "data");
        assert.equal(ns.metadata.labels[`${psa}/enforce-version`], "v1.34");
        assert.deepEqual(ns.metadata.annotations, { owner: "platform" });
    });

    it("refuse bad names, unpinned versions and labels that would override Pod Security", () => {
        assert.throws(() => namespaceManifest("Spark_Jobs", { podSecurity: "restricted", kubernetesVersion: "1.33" }), /name "Spark_Jobs" is not a DNS-1123 label/);
        assert.throws(() => namespaceManifest("spark", { podSecurity: "restricted", kubernetesVersion: "latest" }), /kubernetesVersion "latest"/);
        assert.throws(() => namespaceManifest("spark", { podSecurity: "unconfined" as "baseline", kubernetesVersion: "1.33" }), /podSecurity "unconfined"/);
        assert.throws(
            () => namespaceManifest("spark", { podSecurity: "restricted", kubernetesVersion: "1.33", labels: { [`${psa}/enforce`]: "privileged" } }),
            /would override the Pod Security labels/,
        );
    });

    it("quota a job namespace with defaults, memory limits equal to requests, and no exposed services", () => {
        const quota = resourceQuota("spark-jobs", { requestsCpu: "64", requestsMemory: "256Gi" }) as unknown as ResourceQuota;
        assert.deepEqual(quota.metadata, { name: "compute", namespace: "spark-jobs" });
        assert.deepEqual(quota.spec.hard, {
            "requests.cpu": "64",
            "requests.memory": "256Gi",
            "limits.memory": "256Gi",
            pods: "1000",
            services: "200",
            configmaps: "400",
            persistentvolumeclaims: "200",
            "services.loadbalancers": "0",
            "services.nodeports": "0",
        });
        assert.deepEqual(validateK8sObject(quota), []);
        const gpu = resourceQuota("gpu-jobs", { requestsCpu: "32", requestsMemory: "128Gi", limitsMemory: "192Gi", limitsCpu: "48", gpus: 4, requestsStorage: "2Ti", pods: 50 }) as unknown as ResourceQuota;
        assert.equal(gpu.spec.hard["requests.nvidia.com/gpu"], "4");
        assert.equal(gpu.spec.hard["limits.memory"], "192Gi");
        assert.equal(gpu.spec.hard["limits.cpu"], "48");
        assert.equal(gpu.spec.hard["requests.storage"], "2Ti");
        assert.equal(gpu.spec.hard.pods, "50");
        assert.deepEqual(validateK8sObject(gpu), []);
    });

    it("give containers without resources a request and a memory limit, and no CPU limit", () => {
        const defaults = limitRange("spark-jobs") as unknown as LimitRange;
        assert.deepEqual(defaults.spec.limits, [{ type: "Container", defaultRequest: { cpu: "250m", memory: "512Mi" }, default: { memory: "512Mi" } }]);
        assert.deepEqual(validateK8sObject(defaults), []);
        const custom = limitRange("spark-jobs", { defaultRequest: { cpu: "1", memory: "2Gi" }, max: { memory: "64Gi" }, name: "containers" }) as unknown as LimitRange;
        assert.deepEqual(custom.spec.limits, [{ type: "Container", defaultRequest: { cpu: "1", memory: "2Gi" }, default: { memory: "2Gi" }, max: { memory: "64Gi" } }]);
        assert.equal(custom.metadata.name, "containers");
        assert.deepEqual(validateK8sObject(custom), []);
    });
});

describe("RBAC rules", () => {
    const builders: Record<string, () => PolicyRule[]> = { sparkDriverRules, sparkOperatorJobRules, sparkSubmitRules };

    for (const [name, build] of Object.entries(builders)) {
        it(`${name} has no wildcard verb, resource or API group, and only core resources`, () => {
            for (const rule of build()) {
                for (const value of [...rule.verbs, ...rule.resources, ...rule.apiGroups]) {
                    assert.ok(!value.includes("*"), `${name}: wildcard in ${JSON.stringify(rule)}`);
                }
                assert.deepEqual(rule.apiGroups, [""], `${name}: ${JSON.stringify(rule)}`);
                assert.ok(rule.verbs.length > 0 && rule.resources.length > 0);
            }
        });

        it(`${name} makes a Role that validates`, () => {
            const role = { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name, namespace: "spark-jobs" }, rules: build() };
            assert.deepEqual(validateK8sObject(role), []);
        });
    }

    /** Verbs granted on a resource, over all rules. */
    function verbs(rules: PolicyRule[], resource: string): string[] {
        return [...new Set(rules.filter((r) => r.resources.includes(resource)).flatMap((r) => r.verbs))].sort();
    }

    it("lets a driver manage executor pods and clean up its config maps, claims and services, and nothing else", () => {
        const rules = sparkDriverRules();
        assert.deepEqual(verbs(rules, "pods"), ["create", "delete", "deletecollection", "get", "list", "patch", "watch"]);
        assert.deepEqual(verbs(rules, "configmaps"), ["create", "deletecollection"]);
        assert.deepEqual(verbs(rules, "persistentvolumeclaims"), ["create", "deletecollection", "list"]);
        assert.deepEqual(verbs(rules, "services"), ["deletecollection", "patch"]);
        assert.deepEqual(rules.flatMap((r) => r.resources).sort(), ["configmaps", "persistentvolumeclaims", "pods", "services"]);
        for (const resource of ["secrets", "pods/exec", "serviceaccounts", "roles", "rolebindings"]) assert.deepEqual(verbs(rules, resource), []);
    });

    it("gives operator-run drivers exactly the driver rules", () => {
        assert.deepEqual(sparkOperatorJobRules(), sparkDriverRules());
    });

    it("lets spark-submit create and follow a driver, read its log and clean up, without update or secrets", () => {
        const rules = sparkSubmitRules();
        assert.deepEqual(verbs(rules, "pods"), ["create", "delete", "get", "list", "watch"]);
        assert.deepEqual(verbs(rules, "pods/log"), ["get"]);
        for (const resource of ["services", "configmaps", "persistentvolumeclaims"]) assert.deepEqual(verbs(rules, resource), ["create", "delete", "patch"], resource);
        assert.ok(!rules.some((r) => r.verbs.includes("update")));
        assert.deepEqual(verbs(rules, "secrets"), []);
    });

    it("returns fresh rules on every call", () => {
        sparkDriverRules()[0].verbs.push("update");
        assert.ok(!sparkDriverRules()[0].verbs.includes("update"));
    });
});

describe("scheduling", () => {
    const groups = tierDefaults("prod").nodeGroups;

    /** True when a placement's tolerations tolerate the taint. */
    function tolerates(placement: Placement, taint: { key: string; value: string; effect: string }): boolean {
        return (placement.tolerations ?? []).some((t) => t.key === taint.key && t.operator === "Equal" && t.value === taint.value && t.effect === taint.effect);
    }

    const roles = [
        ["system", onSystemNodes()],
        ["driver", onDriverNodes()],
        ["executor", onExecutorNodes()],
        ["gpu", onGpuNodes(1).placement],
    ] as const;

    for (const [role, placement] of roles) {
        it(`${role} pods select the ${role} node group's label and tolerate exactly its taints`, () => {
            const plan = nodeGroupPlan(role, groups[role]);
            for (const [key, value] of Object.entries(placement.nodeSelector ?? {})) assert.equal(plan.labels[key], value, `${role} nodes lack ${key}=${value}`);
            assert.equal(placement.nodeSelector?.[nodeRoleLabel], role);
            for (const taint of plan.taints) assert.ok(tolerates(placement, taint), `${role} pods do not tolerate ${taint.key}`);
            assert.equal((placement.tolerations ?? []).length, plan.taints.length, `${role} pods tolerate taints of other groups`);
        });
    }

    it("keeps system and driver pods off executor and GPU nodes", () => {
        for (const placement of [onSystemNodes(), onDriverNodes()]) {
            assert.ok(!tolerates(placement, executorTaint) && !tolerates(placement, gpuTaint));
        }
        assert.ok(!tolerates(onExecutorNodes(), gpuTaint));
    });

    it("claims GPUs through container limits and refuses a non-positive or fractional count", () => {
        assert.deepEqual(onGpuNodes(2).limits, { "nvidia.com/gpu": "2" });
        assert.throws(() => onGpuNodes(0), /positive integer/);
        assert.throws(() => onGpuNodes(1.5), /positive integer/);
    });

    it("selects and tolerates nothing without node groups (the local tier), but still claims GPUs", () => {
        for (const placement of [onSystemNodes({ nodeGroups: false }), onDriverNodes({ nodeGroups: false }), onExecutorNodes({ nodeGroups: false })]) {
            assert.deepEqual(placement, {});
        }
        assert.deepEqual(onGpuNodes(1, { nodeGroups: false }), { placement: {}, limits: { "nvidia.com/gpu": "1" } });
    });

    it("makes a hardened GPU pod that validates", () => {
        const gpu = onGpuNodes(1);
        const spec = hardenPodSpec({
            ...gpu.placement,
            restartPolicy: "Never",
            containers: [{ name: "rapids", image: "apache/spark:4.0.1", resources: { requests: { cpu: "4", memory: "16Gi" }, limits: { ...gpu.limits } } }],
        });
        const plain = spec as unknown as PodSpec;
        assert.deepEqual(plain.containers[0].resources.limits, { memory: "16Gi", "nvidia.com/gpu": "1" });
        assert.deepEqual(validateK8sObject({ apiVersion: "v1", kind: "Pod", metadata: { name: "rapids" }, spec }), []);
    });
});
