/**
 * Exemptions: a system component that needs host access by nature (the NVIDIA device plugin; later
 * node-exporter, CNI or CSI agents) may break named rules, for one named workload in one namespace,
 * for a written reason. Nothing else is waived: no rule is switched off for a namespace or a stack.
 *
 * The declarations (policies/exemptions.ts) reach each waived rule as its `exemptions` config
 * value, so they show in the policy config files and in Pulumi Cloud; the pack skips that rule for
 * a matching workload, and the offline check prints an "exempt" line instead. The stack rule
 * exemptions-in-privileged-namespaces holds every declaration and fails a stack where one that
 * waives a Pod Security rule sits in a namespace not labelled privileged with a recorded reason.
 */
import { ResourceValidationArgs } from "@pulumi/policy";
import { isUnknown, textAt } from "./props";

/** One workload's waiver: which rules it may break, where, and why. */
export interface Exemption {
    /** The system component, for people: "NVIDIA device plugin". */
    readonly component: string;
    /** Namespace of the workload; the program must label it privileged with a recorded reason. */
    readonly namespace: string;
    /** Kind of the workload, as in its manifest: "DaemonSet". */
    readonly kind: string;
    /** metadata.name of the workload. */
    readonly name: string;
    /** Names of the rules waived for it; every other rule still applies. */
    readonly rules: readonly string[];
    /** Why the component cannot comply. */
    readonly reason: string;
}

/** An exemption as a waived rule's config holds it (the rule is implied). */
export type RuleExemption = Omit<Exemption, "rules">;

/** The config key that carries a rule's exemptions. */
export const exemptionsKey = "exemptions";

/** JSON schema of the `exemptions` config value, added to every resource rule. */
export const exemptionsSchema = {
    type: "array",
    default: [],
    description: "Workloads this rule does not apply to, each with its namespace, kind, name and reason (declared in policies/exemptions.ts).",
    items: {
        type: "object",
        required: ["component", "namespace", "kind", "name", "reason"],
        properties: {
            component: { type: "string" },
            namespace: { type: "string" },
            kind: { type: "string" },
            name: { type: "string" },
            reason: { type: "string", minLength: 10 },
        },
    },
} as const;

/** The exemptions a rule's config holds; anything malformed waives nothing. */
export function ruleExemptions(config: unknown): RuleExemption[] {
    const list = config !== null && typeof config === "object" ? (config as Record<string, unknown>)[exemptionsKey] : undefined;
    if (!Array.isArray(list)) return [];
    return list.filter((e): e is RuleExemption => ["component", "namespace", "kind", "name", "reason"].every((k) => typeof (e as Record<string, unknown> | null)?.[k] === "string" && (e as Record<string, string>)[k] !== ""));
}

/** Whole declarations (with the rules each waives) from a config; anything malformed is left out. */
export function declaredExemptions(config: unknown): Exemption[] {
    return ruleExemptions(config).filter((e): e is Exemption => {
        const rules = (e as { rules?: unknown }).rules;
        return Array.isArray(rules) && rules.every((r) => typeof r === "string");
    });
}

/** The declarations that waive one rule, in the shape its config holds. */
export function exemptionsOfRule(ruleName: string, declared: readonly Exemption[]): RuleExemption[] {
    return declared.filter((e) => e.rules.includes(ruleName)).map(({ component, namespace, kind, name, reason }) => ({ component, namespace, kind, name, reason }));
}

/**
 * The exemption that covers this resource, if any: same kind (the type token's last part), same
 * metadata.namespace and metadata.name. A resource whose namespace or name is unset or unknown is
 * never exempt.
 */
export function exemptionFor(args: Pick<ResourceValidationArgs, "type" | "props">, exemptions: readonly RuleExemption[]): RuleExemption | undefined {
    if (exemptions.length === 0) return undefined;
    const kind = args.type.slice(args.type.lastIndexOf(":") + 1);
    const namespace = textAt(args.props, "metadata", "namespace");
    const name = textAt(args.props, "metadata", "name");
    if (!namespace || !name || isUnknown(namespace) || isUnknown(name)) return undefined;
    return exemptions.find((e) => e.kind === kind && e.namespace === namespace && e.name === name);
}
