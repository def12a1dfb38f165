/**
 * Services: nothing is exposed outside the cluster unless it is on the allowlist.
 */
import { enforcement, PlatformResourceRule, configOf } from "../lib/rule";
import { at, textAt } from "../lib/props";
import { resourceLabel } from "./common";

export interface NoPublicServicesConfig {
    /** Services (metadata.name, or the Pulumi resource name when metadata.name is unset) that may be LoadBalancer or NodePort. Default []. */
    readonly allowPublicServices: string[];
}

export const noPublicServicesDefaults: NoPublicServicesConfig = { allowPublicServices: [] };

const serviceType = "kubernetes:core/v1:Service";
const publicTypes = ["LoadBalancer", "NodePort"];

export const noPublicServices: PlatformResourceRule = {
    kind: "resource",
    family: "kubernetes",
    name: "no-public-services",
    description:
        "Services must not be of type LoadBalancer or NodePort unless their name is in config allowPublicServices (default []). " +
        "The name is metadata.name, or the Pulumi resource name when metadata.name is not set (auto-named). Reach services " +
        "through the ingress, a port-forward or an internal endpoint instead.",
    severity: "high",
    remediation: "Use type ClusterIP, or add the service's name to allowPublicServices in the pack config with a reason in review.",
    defaultEnforcement: enforcement.strict,
    configSchema: {
        properties: {
            allowPublicServices: { type: "array", items: { type: "string" }, default: [], description: "Service names allowed to be LoadBalancer or NodePort." },
        },
    },
    validateResource: (args, reportViolation) => {
        if (args.type !== serviceType) return;
        const type = textAt(args.props, "spec", "type");
        if (type === undefined || !publicTypes.includes(type)) return;
        const config = configOf(args, noPublicServicesDefaults);
        const allowed = Array.isArray(config.allowPublicServices) ? config.allowPublicServices : [];
        const name = textAt(args.props, "metadata", "name") ?? args.name;
        if (allowed.includes(name)) return;
        const namespace = at(args.props, "metadata", "namespace");
        const where = `${resourceLabel(args)}${typeof namespace === "string" ? ` (namespace ${namespace})` : ""}`;
        reportViolation(`${where}: spec.type is ${type}, which exposes "${name}" outside the cluster; it is not in allowPublicServices`);
    },
};
