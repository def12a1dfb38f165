/**
 * Namespaces: Pod Security Admission enforces a profile in every namespace the platform creates
 * (see components/kubernetes/namespaces.ts).
 */
import { enforcement, PlatformResourceRule, PlatformStackRule } from "../lib/rule";
import { declaredExemptions, exemptionFor, exemptionsKey, exemptionsSchema } from "../lib/exemptions";
import { at, describeResource, isUnknown, objectOrEmpty, textAt } from "../lib/props";
import { resourceLabel } from "./common";
import { podSecurityRules } from "./podSecurity";

export const enforceLabel = "pod-security.kubernetes.io/enforce";
export const exemptionAnnotation = "spark-k8s/pod-security-exemption";
/** Namespaces Kubernetes itself owns; the rule leaves them alone. */
export const systemNamespaces: readonly string[] = ["kube-system", "kube-public", "kube-node-lease", "default"];

export const namespacesPodSecurityLabels: PlatformResourceRule = {
    kind: "resource",
    family: "kubernetes",
    name: "namespaces-pod-security-labels",
    description:
        `Every Namespace must carry the label ${enforceLabel} set to restricted or baseline; privileged is allowed only with the ` +
        `annotation ${exemptionAnnotation} giving the reason. System namespaces (${systemNamespaces.join(", ")}) are exempt. ` +
        "The name is metadata.name, or the Pulumi resource name when unset. Labels or annotations that are not an object (unknown at preview) are skipped.",
    severity: "high",
    remediation: `Create namespaces with namespaceManifest() (components/kubernetes/namespaces.ts), which sets the Pod Security labels and, for privileged, the ${exemptionAnnotation} annotation.`,
    defaultEnforcement: enforcement.strict,
    validateResource: (args, reportViolation) => {
        if (args.type !== "kubernetes:core/v1:Namespace") return;
        const name = textAt(args.props, "metadata", "name") ?? args.name;
        if (systemNamespaces.includes(name)) return;
        const labels = objectOrEmpty(at(args.props, "metadata", "labels"));
        if (!labels) return;
        const where = resourceLabel(args);
        const level = labels[enforceLabel];
        if (level === undefined || level === null) {
            reportViolation(`${where}: metadata.labels["${enforceLabel}"] is missing; set restricted or baseline`);
        } else if (level === "privileged") {
            const annotations = objectOrEmpty(at(args.props, "metadata", "annotations"));
            if (!annotations) return;
            const reason = annotations[exemptionAnnotation];
            if (typeof reason !== "string" || reason.trim() === "") {
                reportViolation(`${where}: metadata.labels["${enforceLabel}"] is privileged without the ${exemptionAnnotation} annotation giving the reason`);
            }
        } else if (typeof level === "string" && level !== "restricted" && level !== "baseline") {
            reportViolation(`${where}: metadata.labels["${enforceLabel}"] is "${level}"; use restricted or baseline`);
        }
    },
};

/**
 * The namespace condition of every exemption: a workload may be exempted only where the program
 * labels the namespace privileged and records why. The rule's `exemptions` config holds every
 * declaration of policies/exemptions.ts.
 */
export const exemptionsInPrivilegedNamespaces: PlatformStackRule = {
    kind: "stack",
    family: "kubernetes",
    name: "exemptions-in-privileged-namespaces",
    description:
        `Every exemption that waives a Pod Security rule (policies/exemptions.ts) names a namespace the stack creates with ${enforceLabel} ` +
        `privileged and the ${exemptionAnnotation} annotation giving the reason; such an exemption anywhere else is a violation.`,
    severity: "high",
    remediation: `Create the component's namespace with namespaceManifest(name, { podSecurity: "privileged", exemptionReason }), or remove the exemption.`,
    defaultEnforcement: enforcement.core,
    configSchema: { properties: { [exemptionsKey]: { ...exemptionsSchema, items: { ...exemptionsSchema.items, required: [...exemptionsSchema.items.required, "rules"], properties: { ...exemptionsSchema.items.properties, rules: { type: "array", items: { type: "string" } } } } } } },
    validateStack: (args, report) => {
        // Only waivers of Pod Security rules need the privileged namespace; an advisory waiver (a probe) does not.
        const hostAccess = new Set(podSecurityRules.map((r) => r.name));
        const declared = declaredExemptions(args.getConfig()).filter((e) => e.rules.some((r) => hostAccess.has(r)));
        const namespaces = args.resources.filter((r) => r.type === "kubernetes:core/v1:Namespace");
        for (const namespace of new Set(declared.map((e) => e.namespace))) {
            const found = namespaces.find((r) => (textAt(r.props, "metadata", "name") ?? r.name) === namespace);
            const components = [...new Set(declared.filter((e) => e.namespace === namespace).map((e) => e.component))].join(", ");
            if (!found) {
                // Without the namespace in the stack its labels cannot be checked: an exempted workload here is a violation.
                const workload = args.resources.find((r) => exemptionFor(r, declared.filter((e) => e.namespace === namespace)));
                if (workload) report(`${describeResource(workload.type, workload.name, workload.props)} is exempted in namespace ${namespace}, which this stack does not create, so its Pod Security level cannot be checked`, workload.urn);
                continue;
            }
            const level = textAt(found.props, "metadata", "labels", enforceLabel);
            const reason = textAt(found.props, "metadata", "annotations", exemptionAnnotation);
            if (level === undefined || isUnknown(level) || (reason !== undefined && isUnknown(reason))) continue;
            if (level !== "privileged" || !reason || reason.trim() === "") {
                report(
                    `Namespace ${namespace}: ${components} is exempted there, but the namespace ${level !== "privileged" ? `enforces ${level}, not privileged` : `has no ${exemptionAnnotation} annotation`}`,
                    found.urn,
                );
            }
        }
    },
};
