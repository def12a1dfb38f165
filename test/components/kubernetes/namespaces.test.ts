import { strict as assert } from "assert";
import * as k8s from "@pulumi/kubernetes";
import { limitRange, namespaceManifest, resourceQuota } from "../../../components/kubernetes/namespaces";
import { validateK8sObject } from "../../support/k8sSchema";

type Namespace = k8s.types.output.core.v1.Namespace;
type ResourceQuota = k8s.types.output.core.v1.ResourceQuota;
type LimitRange = k8s.types.output.core.v1.LimitRange;

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
