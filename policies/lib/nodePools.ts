/**
 * Karpenter NodePools and EC2NodeClasses as the pack reads them from a plan: the node role, the
 * instance types and capacity types a pool may launch. The kinds and label keys are the ones the
 * program writes (components/aws/karpenterPlan.ts). Values unknown during preview read as undefined.
 */
import { karpenterKinds, karpenterLabels } from "../../components/aws/karpenterPlan";
import { nodeRoleLabel } from "../../components/config/nodeRoles";
import { at, isUnknown } from "./props";

/** Pulumi types of the Karpenter custom resources. */
export const karpenterTypes = {
    nodePool: `kubernetes:${karpenterKinds.nodePool.apiVersion}:${karpenterKinds.nodePool.kind}`,
    ec2NodeClass: `kubernetes:${karpenterKinds.nodeClass.apiVersion}:${karpenterKinds.nodeClass.kind}`,
} as const;

/** The role label a NodePool gives its nodes (spec.template.metadata.labels); undefined when absent or unknown. */
export function nodePoolRole(props: Record<string, unknown>): string | undefined {
    const role = at(props, "spec", "template", "metadata", "labels", nodeRoleLabel);
    return typeof role === "string" && !isUnknown(role) ? role : undefined;
}

/**
 * The values an `In` requirement on the key allows; undefined when the pool does not constrain
 * the key that way (then any value goes) or the requirement is unknown during preview.
 */
export function nodePoolRequirementValues(props: Record<string, unknown>, key: string): string[] | undefined {
    const requirements = at(props, "spec", "template", "spec", "requirements");
    if (!Array.isArray(requirements)) return undefined;
    for (const r of requirements) {
        if (at(r, "key") !== key || at(r, "operator") !== "In") continue;
        const values = at(r, "values");
        if (!Array.isArray(values) || values.some((v) => typeof v !== "string" || isUnknown(v))) return undefined;
        return values as string[];
    }
    return undefined;
}

/** The instance types a NodePool may launch; undefined when it does not list them. */
export function nodePoolInstanceTypes(props: Record<string, unknown>): string[] | undefined {
    return nodePoolRequirementValues(props, karpenterLabels.instanceType);
}

/**
 * Whether a NodePool may launch spot capacity: it does unless a karpenter.sh/capacity-type `In`
 * requirement leaves spot out. undefined when the requirements are unknown.
 */
export function nodePoolAllowsSpot(props: Record<string, unknown>): boolean | undefined {
    const requirements = at(props, "spec", "template", "spec", "requirements");
    if (requirements === undefined) return true;
    if (!Array.isArray(requirements)) return undefined;
    const onCapacity = requirements.filter((r) => at(r, "key") === karpenterLabels.capacityType);
    if (onCapacity.length === 0) return true;
    const capacity = nodePoolRequirementValues(props, karpenterLabels.capacityType);
    // A capacity requirement that is not a readable `In` list (unknown, or another operator) is not judged.
    return capacity === undefined ? undefined : capacity.includes("spot");
}
