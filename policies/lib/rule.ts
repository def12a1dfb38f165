/**
 * The shape every rule of the pack shares: a CrossGuard policy plus what the platform adds —
 * severity, remediation text, family and the default enforcement per environment. Rule modules
 * export these objects; only policies/index.ts turns them into a PolicyPack.
 */
import { EnforcementLevel, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { Tier, tiers } from "../../components/config/schema";

/** Environments the pack distinguishes: the stack's tier. */
export const environments = tiers;
export type Environment = Tier;

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

/** Reads a nested property without throwing on missing or unknown (preview) values. */
export function at(value: unknown, ...path: (string | number)[]): unknown {
    let v = value;
    for (const key of path) {
        if (v === null || typeof v !== "object") return undefined;
        v = (v as Record<string | number, unknown>)[key];
    }
    return v;
}

/** A list at a path, or [] when it is missing or not yet known. */
export function listAt(value: unknown, ...path: (string | number)[]): unknown[] {
    const v = at(value, ...path);
    return Array.isArray(v) ? v : [];
}

/** A string at a path, or undefined when missing, unknown or not a string. */
export function textAt(value: unknown, ...path: (string | number)[]): string | undefined {
    const v = at(value, ...path);
    return typeof v === "string" ? v : undefined;
}
