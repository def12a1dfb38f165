import { strict as assert } from "assert";
import { parse as parseYaml } from "yaml";
import { nodeRoleLabel } from "../../../components/config/nodeRoles";
import { namespaces, serviceIdentities } from "../../../components/config/names";
import { asRecord, sparkRuntime35Default, tolerates } from "../../support/dags";
import { imagePinProblem, read, v } from "../../support/images";
import { priorityClassName } from "../../../components/kubernetes/priorities";

describe("SparkApplication manifest (dags/manifests/spark-pi.yaml)", () => {
    const manifest = asRecord(parseYaml(read("dags", "manifests", "spark-pi.yaml")), "manifest");
    const spec = asRecord(manifest.spec, "spec");
    const driver = asRecord(spec.driver, "driver");
    const executor = asRecord(spec.executor, "executor");

    it("is a sparkoperator.k8s.io/v1beta2 SparkApplication in spark-jobs", () => {
        assert.equal(manifest.apiVersion, "sparkoperator.k8s.io/v1beta2");
        assert.equal(manifest.kind, "SparkApplication");
        assert.equal(asRecord(manifest.metadata, "metadata").namespace, namespaces.jobs);
        assert.equal(spec.mode, "cluster");
        assert.equal(spec.sparkVersion, v("SPARK35_VERSION"));
        assert.equal(spec.mainApplicationFile, "local:///opt/spark/examples/src/main/python/pi.py");
    });

    it("runs the platform spark-runtime 3.5 image (pinned default)", () => {
        const image = String(spec.image);
        const fallback = /var\.value\.get\('spark_k8s_spark_image_35', '([^']+)'\)/.exec(image);
        assert.ok(fallback, `image "${image}" is not the templated Variable with a default`);
        assert.equal(fallback[1], sparkRuntime35Default);
        assert.equal(imagePinProblem(fallback[1]), undefined);
    });

    it("sizes driver and executors and runs both as the spark service account", () => {
        for (const [role, pod] of [["driver", driver], ["executor", executor]] as const) {
            assert.ok(Number(pod.cores) >= 1, `${role} cores`);
            assert.match(String(pod.coreLimit), /^\d+(m)?$/, `${role} coreLimit`);
            assert.match(String(pod.memory), /^\d+[mg]$/, `${role} memory`);
            assert.equal(pod.serviceAccount, serviceIdentities.sparkJobs.serviceAccount, `${role} serviceAccount`);
        }
        assert.ok(Number(executor.instances) >= 1);
    });

    it("tolerates the spot executor taint on executors only and selects each node group", () => {
        assert.equal(tolerates(executor.tolerations), true, "executors must tolerate the spot taint");
        assert.equal(tolerates(driver.tolerations), false, "the driver must not tolerate the spot taint");
        assert.equal(tolerates(spec.tolerations), false, "no application-wide toleration");
        assert.deepEqual(asRecord(driver.nodeSelector, "driver nodeSelector"), { [nodeRoleLabel]: "driver" });
        assert.deepEqual(asRecord(executor.nodeSelector, "executor nodeSelector"), { [nodeRoleLabel]: "executor" });
    });

    it("names the platform's driver and executor PriorityClasses", () => {
        assert.equal(driver.priorityClassName, priorityClassName("driver"));
        assert.equal(executor.priorityClassName, priorityClassName("executor"));
    });

    it("hardens both pods: non-root, no privilege escalation, no capabilities, RuntimeDefault seccomp", () => {
        for (const [role, pod] of [["driver", driver], ["executor", executor]] as const) {
            const podSecurity = asRecord(pod.podSecurityContext, `${role} podSecurityContext`);
            const container = asRecord(pod.securityContext, `${role} securityContext`);
            assert.equal(podSecurity.runAsNonRoot, true, role);
            assert.ok(Number(podSecurity.runAsUser) > 0, role);
            assert.equal(asRecord(podSecurity.seccompProfile, "seccompProfile").type, "RuntimeDefault", role);
            assert.equal(container.allowPrivilegeEscalation, false, role);
            assert.deepEqual(asRecord(container.capabilities, "capabilities").drop, ["ALL"], role);
        }
    });
});
