/**
 * Disruption budgets: a PodDisruptionBudget must let node drains make progress.
 */
import { enforcement, PlatformResourceRule } from "../lib/rule";
import { at } from "../lib/props";
import { resourceLabel } from "./common";

export const pdbTypes: readonly string[] = ["kubernetes:policy/v1:PodDisruptionBudget", "kubernetes:policy/v1beta1:PodDisruptionBudget"];

const isZero = (v: unknown) => v === 0 || (typeof v === "string" && /^\s*0+(\.0*)?%?\s*$/.test(v));
const isHundredPercent = (v: unknown) => typeof v === "string" && /^\s*100(\.0*)?%\s*$/.test(v);

export const pdbAllowsDisruption: PlatformResourceRule = {
    kind: "resource",
    family: "kubernetes",
    name: "pdb-allows-disruption",
    description:
        'A PodDisruptionBudget must allow at least one pod to be evicted: maxUnavailable 0 (or "0%") and minAvailable "100%" ' +
        "block node drains and upgrades forever. A numeric minAvailable equal to the workload's replicas blocks them too, but " +
        "the PDB alone does not know the replica count, so that case is not checked.",
    severity: "medium",
    remediation: "Set maxUnavailable to 1 (or a percentage above 0), or minAvailable below the replica count.",
    defaultEnforcement: enforcement.strict,
    validateResource: (args, reportViolation) => {
        if (!pdbTypes.includes(args.type)) return;
        const maxUnavailable = at(args.props, "spec", "maxUnavailable");
        const minAvailable = at(args.props, "spec", "minAvailable");
        if (isZero(maxUnavailable)) reportViolation(`${resourceLabel(args)}: spec.maxUnavailable is ${String(maxUnavailable)}, so no pod can ever be evicted`);
        if (isHundredPercent(minAvailable)) reportViolation(`${resourceLabel(args)}: spec.minAvailable is ${String(minAvailable)}, so no pod can ever be evicted`);
    },
};
