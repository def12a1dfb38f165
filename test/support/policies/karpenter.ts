/**
 * Karpenter NodePools and EC2NodeClasses as the program writes them (components/aws/karpenterPlan.ts),
 * as fake policy resources: the rule tests start from the real manifests and change one thing.
 */
import { EC2NodeClassManifest, ec2NodeClassManifest, NodePoolManifest, nodePoolManifest, nodePoolPlans } from "../../../components/aws/karpenterPlan";
import { tierDefaults } from "../../../components/config";
import { KarpenterRole } from "../../../components/config/nodeRoles";
import { karpenterTypes } from "../../../policies/lib/nodePools";
import { FakeResource } from "../policyArgs";

/** The plan of a role's NodePool from the tier's defaults, with the node group fields given. */
function plan(role: KarpenterRole, group: Record<string, unknown> = {}, tier: "dev" | "prod" = "dev") {
    const nodeGroups = tierDefaults(tier).nodeGroups;
    const found = nodePoolPlans({ ...nodeGroups, [role]: { ...nodeGroups[role], ...group } }).find((p) => p.role === role);
    if (!found) throw new Error(`no ${role} NodePool`);
    return found;
}

/** A NodePool of the role as the program writes it; `edit` may change its manifest. */
export function nodePool(role: KarpenterRole, group: Record<string, unknown> = {}, edit: (m: NodePoolManifest) => void = () => undefined): FakeResource {
    const manifest = nodePoolManifest(plan(role, group));
    edit(manifest);
    return { type: karpenterTypes.nodePool, name: `karpenter-${manifest.metadata.name}`, props: { ...manifest } };
}

/** An EC2NodeClass of the role as the program writes it; `edit` may change its manifest. */
export function ec2NodeClass(role: KarpenterRole = "executor", edit: (m: EC2NodeClassManifest) => void = () => undefined): FakeResource {
    const manifest = ec2NodeClassManifest(plan(role), { clusterName: "spark-dev", nodeRoleName: "spark-dev-karpenter-node", kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/k", tags: {} });
    edit(manifest);
    return { type: karpenterTypes.ec2NodeClass, name: `karpenter-${manifest.metadata.name}-class`, props: { ...manifest } };
}
