import { strict as assert } from "assert";
import { PolicyRule, sparkDriverRules, sparkOperatorJobRules, sparkSubmitRules, teamRules } from "../../../components/kubernetes/rbac";
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

    describe("teamRules", () => {
        const rules = teamRules();
        /** Verbs granted on a resource of an API group. */
        const on = (group: string, resource: string) => [...new Set(rules.filter((r) => r.apiGroups.includes(group) && r.resources.includes(resource)).flatMap((r) => r.verbs))].sort();
        const manage = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

        it("has no wildcard and makes a Role that validates", () => {
            for (const rule of rules) for (const value of [...rule.verbs, ...rule.resources, ...rule.apiGroups]) assert.ok(!value.includes("*"), JSON.stringify(rule));
            const role = { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: "team", namespace: "etl" }, rules };
            assert.deepEqual(validateK8sObject(role), []);
        });

        it("lets a data engineer run and manage Spark work: pods, what spark-submit creates, SparkApplications, Jobs", () => {
            for (const resource of ["pods", "services", "configmaps", "persistentvolumeclaims"]) assert.deepEqual(on("", resource), manage, resource);
            for (const resource of ["sparkapplications", "scheduledsparkapplications"]) assert.deepEqual(on("sparkoperator.k8s.io", resource), manage, resource);
            for (const resource of ["jobs", "cronjobs"]) assert.deepEqual(on("batch", resource), manage, resource);
            assert.deepEqual(on("", "pods/log"), ["get"]);
            assert.deepEqual(on("", "pods/exec"), ["create", "get"]);
            assert.deepEqual(on("", "pods/portforward"), ["create", "get"]);
        });

        it("lets them read events, their quota and LimitRange, and write none of them", () => {
            for (const [group, resource] of [["", "events"], ["events.k8s.io", "events"], ["", "resourcequotas"], ["", "limitranges"], ["", "serviceaccounts"]]) {
                assert.deepEqual(on(group, resource), ["get", "list", "watch"], `${group}/${resource}`);
            }
        });

        it("grants nothing on secrets, RBAC objects, network policies or the namespace", () => {
            for (const [group, resource] of [["", "secrets"], ["rbac.authorization.k8s.io", "roles"], ["rbac.authorization.k8s.io", "rolebindings"], ["networking.k8s.io", "networkpolicies"], ["", "namespaces"], ["", "serviceaccounts/token"]]) {
                assert.deepEqual(on(group, resource), [], `${group}/${resource}`);
            }
            assert.deepEqual(rules.flatMap((r) => r.apiGroups).filter((g) => !["", "events.k8s.io", "sparkoperator.k8s.io", "batch"].includes(g)), []);
        });
    });

    it("returns fresh rules on every call", () => {
        sparkDriverRules()[0].verbs.push("update");
        assert.ok(!sparkDriverRules()[0].verbs.includes("update"));
    });
});
