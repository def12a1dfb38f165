/**
 * Quotas: every job namespace (a team's, labelled by SparkJobNamespace) has a ResourceQuota that
 * caps CPU, memory and pods, so one team cannot take the whole cluster.
 */
import { jobNamespaceLabel } from "../../components/spark/teams";
import { enforcement, PlatformStackRule } from "../lib/rule";
import { at, isUnknown, objectOrEmpty, textAt } from "../lib/props";

/** The quota keys a job namespace's ResourceQuota must set. */
export const requiredQuotaKeys: readonly string[] = ["requests.cpu", "requests.memory", "limits.memory", "pods"];

export const jobNamespaceHasQuota: PlatformStackRule = {
    kind: "stack",
    family: "kubernetes",
    name: "job-namespace-has-quota",
    description:
        `Every Namespace labelled ${jobNamespaceLabel}: "true" (a Spark job namespace, one team's) has a ResourceQuota in the stack ` +
        `that sets ${requiredQuotaKeys.join(", ")} in spec.hard. A quota whose namespace or hard limits are unknown at preview counts.`,
    severity: "high",
    remediation: "Create job namespaces with SparkJobNamespace (components/spark/jobNamespace.ts), which writes the ResourceQuota team from spark.teamDefaults and spark.teams.",
    defaultEnforcement: enforcement.core,
    validateStack: (args, report) => {
        const quotas = args.resources.filter((r) => r.type === "kubernetes:core/v1:ResourceQuota");
        for (const ns of args.resources.filter((r) => r.type === "kubernetes:core/v1:Namespace")) {
            if (textAt(ns.props, "metadata", "labels", jobNamespaceLabel) !== "true") continue;
            const name = textAt(ns.props, "metadata", "name") ?? ns.name;
            const mine = quotas.filter((q) => {
                const where = at(q.props, "metadata", "namespace");
                return where === name || isUnknown(where);
            });
            if (mine.length === 0) {
                report(`Namespace ${name}: a job namespace without a ResourceQuota`, ns.urn);
                continue;
            }
            const complete = mine.some((q) => {
                const hard = at(q.props, "spec", "hard");
                if (isUnknown(hard)) return true;
                const keys = objectOrEmpty(hard) ?? {};
                return requiredQuotaKeys.every((k) => keys[k] !== undefined && keys[k] !== null);
            });
            if (!complete) report(`Namespace ${name}: its ResourceQuota does not set all of ${requiredQuotaKeys.join(", ")} in spec.hard`, ns.urn);
        }
    },
};
