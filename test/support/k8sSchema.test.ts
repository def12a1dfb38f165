import { strict as assert } from "assert";
import { validateK8sObject } from "./k8sSchema";

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
