import { strict as assert } from "assert";
import { declaredExemptions, Exemption, exemptionFor, exemptionsOfRule, ruleExemptions } from "../../../policies/lib/exemptions";
import { unknownString } from "../../support/policyArgs";

const declared: Exemption[] = [
    { component: "agent", namespace: "agents", kind: "DaemonSet", name: "agent", rules: ["no-host-path-volumes", "run-as-non-root"], reason: "reads the host's logs" },
    { component: "agent", namespace: "agents", kind: "DaemonSet", name: "agent", rules: ["server-probes"], reason: "serves nothing to probe" },
];
const ds = (namespace: unknown, name: unknown) => ({ type: "kubernetes:apps/v1:DaemonSet", props: { metadata: { namespace, name } } });

describe("policies/lib/exemptions", () => {
    it("hands each rule exactly the declarations that waive it", () => {
        assert.deepEqual(exemptionsOfRule("run-as-non-root", declared), [{ component: "agent", namespace: "agents", kind: "DaemonSet", name: "agent", reason: "reads the host's logs" }]);
        assert.deepEqual(exemptionsOfRule("server-probes", declared).map((e) => e.reason), ["serves nothing to probe"]);
        assert.deepEqual(exemptionsOfRule("no-privileged-containers", declared), []);
    });

    it("covers only the named kind, namespace and name", () => {
        const waivers = exemptionsOfRule("run-as-non-root", declared);
        assert.equal(exemptionFor(ds("agents", "agent"), waivers)?.component, "agent");
        assert.equal(exemptionFor(ds("other", "agent"), waivers), undefined, "another namespace");
        assert.equal(exemptionFor(ds("agents", "agent-2"), waivers), undefined, "another workload");
        assert.equal(exemptionFor({ ...ds("agents", "agent"), type: "kubernetes:apps/v1:Deployment" }, waivers), undefined, "another kind");
        assert.equal(exemptionFor(ds(undefined, "agent"), waivers), undefined, "no namespace");
        assert.equal(exemptionFor(ds(unknownString, "agent"), waivers), undefined, "namespace unknown at preview");
    });

    it("reads only well-formed exemptions from a rule's config", () => {
        const good = { component: "a", namespace: "n", kind: "DaemonSet", name: "x", reason: "a reason" };
        assert.deepEqual(ruleExemptions({ exemptions: [good, { ...good, reason: "" }, { ...good, name: 3 }, null, "x"] }), [good]);
        assert.deepEqual(ruleExemptions({}), []);
        assert.deepEqual(ruleExemptions(undefined), []);
        assert.deepEqual(ruleExemptions({ exemptions: "all" }), []);
        assert.deepEqual(declaredExemptions({ exemptions: [{ ...good, rules: ["a"] }, good, { ...good, rules: [1] }] }), [{ ...good, rules: ["a"] }]);
    });
});
