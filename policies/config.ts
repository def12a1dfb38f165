/**
 * Policy configuration per environment, computed from the rules' own metadata: each rule's default
 * enforcement for the environment, its configSchema defaults and the few environment-specific
 * settings below. Pure functions; the pack (policies/index.ts), the offline check
 * (tools/policyCheck.ts), the committed policies/config/*.json and docs/policies.md all derive
 * from here.
 */
import { EnforcementLevel, ResourceValidation, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { exemptions } from "./exemptions";
import { exemptionFor, exemptionsKey, exemptionsOfRule, exemptionsSchema, ruleExemptions } from "./lib/exemptions";
import { Environment, environments, PlatformRule, policyEnvironmentVariable } from "./lib/rule";
import { exemptionsInPrivilegedNamespaces } from "./kubernetes/namespaces";
import { allRules } from "./rules";

/** One rule's entry in a policy config file: its enforcement level and config values. */
export type RuleConfig = { readonly enforcementLevel: EnforcementLevel } & Readonly<Record<string, unknown>>;
/** A policy config file as `pulumi preview --policy-pack-config` and the PolicyPack's initial config take it. */
export type PolicyConfigFile = Readonly<Record<string, RuleConfig>>;
/**
 * Overrides in the same format Pulumi accepts: per rule name either a level or an object with an
 * optional level and config values. The key "all" sets the level of every rule.
 */
export type PolicyOverrides = Readonly<Record<string, EnforcementLevel | ({ readonly enforcementLevel?: EnforcementLevel } & Readonly<Record<string, unknown>>)>>;

export { policyEnvironmentVariable };
/** Without a known environment the pack applies the strictest one. */
export const defaultPolicyEnvironment: Environment = "prod";

/**
 * Config values that differ by environment, applied only where the rule declares the key in its
 * configSchema. Prod deploys the platform's own images by digest (the stacks resolve tags in ECR,
 * docs/delivery.md); a team whose pipeline also publishes digests for every third-party image turns
 * on images-pinned's requireDigest in its policy config (docs/policies.md). Dev runs its system and
 * driver groups on spot to stay cheap (docs/cost.md), so their spot groups may go untainted there.
 */
export const environmentSettings: Readonly<Partial<Record<Environment, Readonly<Record<string, Readonly<Record<string, unknown>>>>>>> = {
    dev: { "spot-and-gpu-tainted": { untaintedSpotRoles: ["system", "driver"] } },
    prod: { "images-pinned": { requireDigestForPlatformImages: true } },
};

const levels: readonly EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

export function isEnvironment(value: unknown): value is Environment {
    return typeof value === "string" && (environments as readonly string[]).includes(value);
}

export function isEnforcementLevel(value: unknown): value is EnforcementLevel {
    return typeof value === "string" && (levels as readonly string[]).includes(value);
}

/**
 * The environment of a stack: the tier it declares (its `environment` config) when set, else the
 * stack name when that is a tier, else prod, the strictest.
 */
export function environmentFromStack(stackName: string, tierOverride?: string): Environment {
    if (tierOverride !== undefined && tierOverride !== "") {
        if (!isEnvironment(tierOverride)) throw new Error(`unknown environment "${tierOverride}": expected one of ${environments.join(", ")}`);
        return tierOverride;
    }
    return isEnvironment(stackName) ? stackName : defaultPolicyEnvironment;
}

/** The pack's environment from SPARK_K8S_POLICY_ENV; unset or empty means prod. An unknown value is an error. */
export function packEnvironment(value: string | undefined): Environment {
    if (value === undefined || value === "") return defaultPolicyEnvironment;
    if (!isEnvironment(value)) throw new Error(`${policyEnvironmentVariable}="${value}" is not an environment: expected one of ${environments.join(", ")}`);
    return value;
}

function overrideOf(rule: PlatformRule, overrides: PolicyOverrides) {
    const own = overrides[rule.name];
    const all = overrides.all;
    const level = (o: PolicyOverrides[string] | undefined) => (typeof o === "string" ? o : o?.enforcementLevel);
    const config = own !== undefined && typeof own === "object" ? Object.fromEntries(Object.entries(own).filter(([k]) => k !== "enforcementLevel")) : {};
    return { level: level(own) ?? level(all), config };
}

/** A rule's enforcement: the override for its name, else the "all" override, else its default for the environment. */
export function enforcementFor(rule: PlatformRule, env: Environment, overrides: PolicyOverrides = {}): EnforcementLevel {
    return overrideOf(rule, overrides).level ?? rule.defaultEnforcement[env];
}

/** The configSchema defaults of a rule. */
export function schemaDefaults(rule: PlatformRule): Record<string, unknown> {
    const properties = rule.configSchema?.properties ?? {};
    return Object.fromEntries(
        Object.entries(properties)
            .filter(([, schema]) => schema.default !== undefined)
            .map(([key, schema]) => [key, schema.default]),
    );
}

/**
 * The exemptions config value of a rule: the declarations that waive it (policies/exemptions.ts);
 * exemptions-in-privileged-namespaces holds every declaration, with the rules each waives.
 */
function exemptionsConfig(rule: PlatformRule): Record<string, unknown> {
    if (rule.name === exemptionsInPrivilegedNamespaces.name) return { [exemptionsKey]: exemptions.map((e) => ({ ...e, rules: [...e.rules] })) };
    const own = exemptionsOfRule(rule.name, exemptions);
    return rule.kind === "resource" && own.length > 0 ? { [exemptionsKey]: own } : {};
}

/** The config values a rule sees in an environment: schema defaults, declared exemptions, environment settings, then overrides. */
export function ruleConfig(rule: PlatformRule, env: Environment, overrides: PolicyOverrides = {}): Record<string, unknown> {
    const declared = new Set(Object.keys(rule.configSchema?.properties ?? {}));
    const settings = Object.entries(environmentSettings[env]?.[rule.name] ?? {}).filter(([key]) => declared.has(key));
    return { ...schemaDefaults(rule), ...exemptionsConfig(rule), ...Object.fromEntries(settings), ...overrideOf(rule, overrides).config };
}

/** The policy config of an environment: every rule by name with its level and config values, sorted by name. */
export function policyConfig(env: Environment, rules: readonly PlatformRule[] = allRules, overrides: PolicyOverrides = {}): PolicyConfigFile {
    const sorted = [...rules].sort((a, b) => a.name.localeCompare(b.name));
    return Object.fromEntries(sorted.map((rule) => [rule.name, { enforcementLevel: enforcementFor(rule, env, overrides), ...ruleConfig(rule, env, overrides) }]));
}

/**
 * The CrossGuard policy of a rule: the platform extras (family, defaultEnforcement, kind) stripped
 * and the remediation appended to the description. Severity and remediation also go into the
 * fields @pulumi/policy 1.21 has for them. enforcementLevel stays unset: the pack's config sets it.
 */
export function toPolicy(rule: PlatformRule): ResourceValidationPolicy | StackValidationPolicy {
    const policy: Record<string, unknown> = { ...rule };
    for (const extra of ["family", "defaultEnforcement", "kind", "remediation"]) delete policy[extra];
    if (rule.kind === "resource") {
        // Every resource rule takes an exemptions list, and skips a workload it names.
        policy.configSchema = { ...rule.configSchema, properties: { ...rule.configSchema?.properties, [exemptionsKey]: exemptionsSchema } };
        const validations: ResourceValidation[] = [rule.validateResource ?? []].flat();
        policy.validateResource = validations.map((validate): ResourceValidation => (args, report) =>
            exemptionFor(args, ruleExemptions(args.getConfig())) ? undefined : validate(args, report),
        );
    }
    return { ...policy, description: `${rule.description} Remediation: ${rule.remediation}`, severity: rule.severity, remediationSteps: rule.remediation } as unknown as ResourceValidationPolicy | StackValidationPolicy;
}
