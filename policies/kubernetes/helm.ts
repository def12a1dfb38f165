/**
 * Helm: charts are rendered by the program (k8s.helm.v4.Chart) so every object is visible to the
 * pack at preview; a Helm v3 Release installs objects the pack never sees.
 */
import { enforcement, PlatformResourceRule } from "../lib/rule";
import { resourceLabel } from "./common";

export const helmReleaseType = "kubernetes:helm.sh/v3:Release";

export const helmV4NotV3: PlatformResourceRule = {
    kind: "resource",
    family: "kubernetes",
    name: "helm-v4-not-v3",
    description:
        "Charts must be installed with k8s.helm.v4.Chart, not k8s.helm.v3.Release: a Release is one opaque resource whose " +
        "rendered objects the policy pack cannot check.",
    severity: "medium",
    remediation: "Replace k8s.helm.v3.Release with k8s.helm.v4.Chart (chart version pinned exactly), passing the same values.",
    defaultEnforcement: enforcement.strict,
    validateResource: (args, reportViolation) => {
        if (args.type === helmReleaseType) {
            reportViolation(`${resourceLabel(args)}: ${helmReleaseType} hides its rendered objects from the policy pack; use k8s.helm.v4.Chart`);
        }
    },
};
