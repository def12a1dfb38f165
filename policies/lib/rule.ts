/**
 * The shape every rule of the pack shares: a CrossGuard policy plus what the platform adds —
 * severity, remediation text, family and the default enforcement per environment. Rule modules
 * export these objects; only policies/index.ts turns them into a PolicyPack.
 */
import { EnforcementLevel, ResourceValidationArgs, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { Tier, tiers } from "../../components/config/schema";

/** Environments the pack distinguishes: the stack's tier. */
export const environments = tiers;
export type Environment = Tier;

/** The variable that picks the pack's environment when Pulumi runs it. */
export const policyEnvironmentVariable = "SPARK_K8S_POLICY_ENV";

export type Severity = "low" | "medium" | "high" | "critical";
export type RuleFamily = "kubernetes" | "aws" | "spark";

/** Default enforcement per environment. */
export type EnforcementByEnvironment = Readonly<Record<Environment, EnforcementLevel>>;

/** Presets: core rules bind everywhere; strict rules advise in local and dev and bind from staging on. */
export const enforcement = {
    core: { local: "mandatory", dev: "mandatory", staging: "mandatory", prod: "mandatory" },
    strict: { local: "advisory", dev: "advisory", staging: "mandatory", prod: "mandatory" },
    prodOnly: { local: "advisory", dev: "advisory", staging: "advisory", prod: "mandatory" },
    advisory: { local: "advisory", dev: "advisory", staging: "advisory", prod: "advisory" },
} as const satisfies Record<string, EnforcementByEnvironment>;

interface RuleExtras {
    readonly family: RuleFamily;
    readonly severity: Severity;
    /** What to change to comply; shown beside every violation. */
    readonly remediation: string;
    readonly defaultEnforcement: EnforcementByEnvironment;
}

/** A resource rule of the pack. enforcementLevel stays unset: the pack sets it per environment. */
export type PlatformResourceRule = Omit<ResourceValidationPolicy, "enforcementLevel"> & RuleExtras & { readonly kind: "resource" };
/** A stack rule of the pack (sees every resource at once). */
export type PlatformStackRule = Omit<StackValidationPolicy, "enforcementLevel"> & RuleExtras & { readonly kind: "stack" };
export type PlatformRule = PlatformResourceRule | PlatformStackRule;

/**
 * A rule's config from the pack merged over the rule's defaults: a key the pack leaves unset keeps
 * its default, and so does a key of the wrong type (a list must be a list of strings). The offline
 * check and tests pass {}.
 */
export function configOf<T extends object>(args: Pick<ResourceValidationArgs, "getConfig">, defaults: T): T {
    let given: Record<string, unknown> = {};
    try {
        const c = args.getConfig<Record<string, unknown>>();
        if (c !== null && typeof c === "object") given = c;
    } catch {
        given = {};
    }
    const out: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
    for (const [key, fallback] of Object.entries(defaults)) {
        const v = given[key];
        if (v === undefined || v === null) continue;
        if (Array.isArray(fallback) ? Array.isArray(v) && v.every((x) => typeof x === "string") : typeof v === typeof fallback) out[key] = v;
    }
    return out as T;
}
