import { strict as assert } from "assert";
import { PolicyRule, sparkDriverRules, sparkOperatorJobRules, sparkSubmitRules } from "../../../components/kubernetes/rbac";
import { validateK8sObject } from "../../support/k8sSchema";

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
