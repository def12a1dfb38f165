/**
 * Namespaces: Pod Security Admission enforces a profile in every namespace the platform creates
 * (see components/kubernetes/namespaces.ts).
 */
import { enforcement, PlatformResourceRule } from "../lib/rule";
import { at, objectOrEmpty, textAt } from "../lib/props";
import { resourceLabel } from "./common";

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
