/**
 * NetworkPolicies: every namespace the stack creates denies all ingress and egress by default, so
 * only the flows of the platform's table (components/kubernetes/networkFlows.ts) are open.
 */
import { enforcement, PlatformStackRule } from "../lib/rule";
import { at, isUnknown, objectOrEmpty, textAt } from "../lib/props";
import { systemNamespaces } from "./namespaces";

const namespaceType = "kubernetes:core/v1:Namespace";
const networkPolicyType = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

/** Whether a NetworkPolicy's props deny everything to every pod of its namespace; undefined when unknown at preview. */
export function isDefaultDeny(props: unknown): boolean | undefined {
    const spec = at(props, "spec");
    if (isUnknown(spec)) return undefined;
    const selector = objectOrEmpty(at(spec, "podSelector"));
    if (!selector) return undefined;
    const selectsAll = Object.values(selector).every((v) => v === undefined || (Array.isArray(v) && v.length === 0) || (typeof v === "object" && v !== null && Object.keys(v).length === 0));
    const types = at(spec, "policyTypes");
    if (isUnknown(types)) return undefined;
    const both = Array.isArray(types) && types.includes("Ingress") && types.includes("Egress");
    const empty = (key: string) => {
        const rules = at(spec, key);
        return rules === undefined || rules === null || (Array.isArray(rules) && rules.length === 0);
    };
    return selectsAll && both && empty("ingress") && empty("egress");
}

export const namespacesDefaultDeny: PlatformStackRule = {
    kind: "stack",
    family: "kubernetes",
    name: "namespaces-default-deny",
    description:
        "Every Namespace the stack creates has a NetworkPolicy that selects all its pods (empty podSelector), lists Ingress and Egress " +
        `in policyTypes and allows nothing, so only explicit allows open connections. System namespaces (${systemNamespaces.join(", ")}) are exempt; ` +
        "names or specs unknown at preview are skipped.",
    severity: "high",
    remediation: "Generate the namespace's policies with networkPolicies() (components/kubernetes/networkPolicies.ts), which starts with defaultDeny(namespace); add the namespace to platformNamespaces() in components/kubernetes/networkFlows.ts.",
    defaultEnforcement: enforcement.strict,
    validateStack: (args, report) => {
        const denied = new Set<string>();
        let unknown = false;
        for (const r of args.resources.filter((x) => x.type === networkPolicyType)) {
            const ns = textAt(r.props, "metadata", "namespace");
            const verdict = isDefaultDeny(r.props);
            if (ns === undefined || isUnknown(ns) || verdict === undefined) unknown = true;
            else if (verdict) denied.add(ns);
        }
        for (const r of args.resources.filter((x) => x.type === namespaceType)) {
            const name = textAt(r.props, "metadata", "name") ?? r.name;
            if (isUnknown(name) || systemNamespaces.includes(name) || denied.has(name)) continue;
            if (unknown) continue;
            report(`Namespace ${name} has no default-deny NetworkPolicy (empty podSelector, policyTypes Ingress and Egress, no rules)`, r.urn);
        }
    },
};
