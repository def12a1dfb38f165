/**
 * RBAC: a group of people is granted rights in one namespace through a Role, never through a
 * ClusterRole (cluster-admin, edit, ...) and never cluster-wide. Service accounts and the
 * Kubernetes system groups are not concerned: charts bind their controllers' ClusterRoles.
 */
import { enforcement, PlatformResourceRule } from "../lib/rule";
import { isUnknown, listAt, textAt } from "../lib/props";
import { resourceLabel } from "./common";

const roleBinding = "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding";
const clusterRoleBinding = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding";

/** The Group subjects of a binding outside the reserved `system:` prefix (a name unknown at preview is not judged). */
function peopleGroups(props: unknown): string[] {
    return listAt(props, "subjects")
        .filter((s) => textAt(s, "kind") === "Group")
        .map((s) => textAt(s, "name"))
        .filter((name): name is string => name !== undefined && !isUnknown(name) && !name.startsWith("system:"));
}

export const groupBindingsNamespaced: PlatformResourceRule = {
    kind: "resource",
    family: "kubernetes",
    name: "group-bindings-namespaced",
    description:
        "A RoleBinding whose subjects include a Group (other than Kubernetes' own system: groups) references a Role, not a ClusterRole, " +
        "and no ClusterRoleBinding has such a Group subject: teams get rights in their namespace only, from rules written for them.",
    severity: "high",
    remediation: "Bind the team's group to the namespace's team Role (SparkJobNamespace writes it from teamRules in components/kubernetes/rbac.ts); widen that Role instead of binding edit, admin or cluster-admin.",
    defaultEnforcement: enforcement.core,
    validateResource: (args, reportViolation) => {
        if (args.type !== roleBinding && args.type !== clusterRoleBinding) return;
        const groups = peopleGroups(args.props);
        if (groups.length === 0) return;
        const namespace = textAt(args.props, "metadata", "namespace");
        const where = `${resourceLabel(args)}${namespace ? ` (namespace ${namespace})` : ""}`;
        if (args.type === clusterRoleBinding) {
            reportViolation(`${where}: binds group ${groups.join(", ")} cluster-wide`);
            return;
        }
        const kind = textAt(args.props, "roleRef", "kind");
        if (kind !== undefined && kind !== "Role") reportViolation(`${where}: binds group ${groups.join(", ")} to ${kind} ${textAt(args.props, "roleRef", "name") ?? "?"}; expected a Role of the namespace`);
    },
};
