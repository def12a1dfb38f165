/**
 * The Kubernetes rule family: pod security, resources, images, probes, exposure, disruption
 * budgets, namespaces, default-deny network policies, group bindings and how charts are installed. policies/index.ts turns these into the pack.
 */
import { PlatformRule } from "../lib/rule";
import { helmV4NotV3 } from "./helm";
import { imagesPinned } from "./images";
import { exemptionsInPrivilegedNamespaces, namespacesPodSecurityLabels } from "./namespaces";
import { namespacesDefaultDeny } from "./networkPolicies";
import { pdbAllowsDisruption } from "./disruption";
import { podSecurityRules } from "./podSecurity";
import { serverProbes } from "./probes";
import { resourceRules } from "./resources";
import { noPublicServices } from "./services";
import { jobNamespaceHasQuota } from "./quotas";
import { groupBindingsNamespaced } from "./rbac";
import { podsNamePriorityClass } from "./priorities";

export const kubernetesRules: PlatformRule[] = [
    ...podSecurityRules,
    ...resourceRules,
    imagesPinned,
    serverProbes,
    noPublicServices,
    pdbAllowsDisruption,
    namespacesPodSecurityLabels,
    exemptionsInPrivilegedNamespaces,
    namespacesDefaultDeny,
    jobNamespaceHasQuota,
    groupBindingsNamespaced,
    podsNamePriorityClass,
    helmV4NotV3,
];

export { parseQuantity } from "../../components/kubernetes/quantity";
