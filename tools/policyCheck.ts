/**
 * The offline policy check: every resource rule over every resource of a plan and every stack rule
 * once, with complete validation arguments and each rule's config for the environment — what
 * `pulumi preview --policy-pack policies` would report, without the CLI. A rule that throws is
 * reported as a violation of that rule, never a crash. A rule a declared exemption waives for a
 * resource does not run on it; the caller's `exempt` list receives it instead.
 */
import { EnforcementLevel } from "@pulumi/policy";
import { enforcementFor, PolicyOverrides, ruleConfig } from "../policies/config";
import { exemptionFor, ruleExemptions } from "../policies/lib/exemptions";
import { Environment, PlatformRule } from "../policies/lib/rule";
import { allRules } from "../policies/rules";
import { PlanResource } from "./harness";
import { FakeResource, NotApplicable, resourceArgs, stackArgs } from "./policyArgs";

/** One violation. As JSON this is the output of `npm run policy -- --json`: keep the fields stable. */
export interface PolicyViolation {
    readonly policy: string;
    readonly enforcement: EnforcementLevel;
    readonly urn: string;
    readonly name: string;
    readonly message: string;
}

/** A resource to check: a plan resource, with the dependencies of a recorded one when known. */
export type CheckedResource = PlanResource & { readonly dependencies?: readonly string[] };

/** A rule the offline check did not run on a resource because a declared exemption names it. */
export interface PolicyExemption {
    readonly policy: string;
    readonly urn: string;
    readonly name: string;
    readonly component: string;
    readonly reason: string;
}

/** The name a stack-level violation carries when the rule names no resource. */
export const stackViolationName = "(stack)";

function errorText(err: unknown): string {
    return err instanceof Error ? err.message : String(err);
}

/**
 * Runs the rules over the resources (inputs with secrets unwrapped, or masked as "[secret]") for
 * an environment. Rules whose enforcement is "disabled" do not run. Violations come out in rule
 * order, then resource order.
 */
export async function checkPlan(
    resources: readonly CheckedResource[],
    env: Environment,
    overrides: PolicyOverrides = {},
    rules: readonly PlatformRule[] = allRules,
    exempt: PolicyExemption[] = [],
): Promise<PolicyViolation[]> {
    const fakes: FakeResource[] = resources.map((r) => ({
        type: r.type,
        name: r.name,
        urn: r.urn,
        props: r.inputs,
        parent: r.parent,
        provider: r.provider,
        dependencies: r.dependencies ?? [],
    }));
    const byUrn = new Map(fakes.map((f) => [f.urn as string, f]));
    const found: PolicyViolation[] = [];

    for (const rule of rules) {
        const enforcement = enforcementFor(rule, env, overrides);
        if (enforcement === "disabled") continue;
        const config = ruleConfig(rule, env, overrides);
        const add = (urn: string, name: string, message: string) => found.push({ policy: rule.name, enforcement, urn, name, message });

        if (rule.kind === "stack") {
            const report = (message: string, urn?: string) => add(urn ?? "", (urn && byUrn.get(urn)?.name) || stackViolationName, message);
            try {
                await rule.validateStack(stackArgs(fakes, config), report);
            } catch (err) {
                if (!(err instanceof NotApplicable)) add("", stackViolationName, `rule failed: ${errorText(err)}`);
            }
            continue;
        }
        const validations = [rule.validateResource ?? []].flat();
        const waivers = ruleExemptions(config);
        for (const fake of fakes) {
            const urn = fake.urn as string;
            const name = fake.name as string;
            // The same test the pack applies (policies/config.ts toPolicy); here it is reported.
            const waiver = exemptionFor(fake, waivers);
            if (waiver) {
                exempt.push({ policy: rule.name, urn, name, component: waiver.component, reason: waiver.reason });
                continue;
            }
            const report = (message: string) => add(urn, name, message);
            for (const validate of validations) {
                try {
                    await validate(resourceArgs(fake, config, byUrn), report);
                } catch (err) {
                    if (!(err instanceof NotApplicable)) add(urn, name, `rule failed: ${errorText(err)}`);
                }
            }
        }
    }
    return found;
}

export function mandatoryCount(violations: readonly PolicyViolation[]): number {
    return violations.filter((v) => v.enforcement === "mandatory").length;
}

/** One "exempt" line per waived rule and resource, so a reviewer sees every exemption applied. */
export function formatExemptions(exempt: readonly PolicyExemption[]): string {
    if (exempt.length === 0) return "";
    const lines = [`Exempt (${exempt.length}): rules not run on a workload, by declaration (policies/exemptions.ts)`];
    for (const e of exempt) lines.push(`  exempt ${e.policy}: ${e.name} (${e.component}): ${e.reason}`);
    return lines.join("\n") + "\n";
}

/** Violations grouped by rule, mandatory rules first, each with the resource names and messages. */
export function formatViolations(violations: readonly PolicyViolation[], env: Environment): string {
    const mandatory = mandatoryCount(violations);
    const header = `Policy check (${env} defaults): ${violations.length} violation${violations.length === 1 ? "" : "s"}, ${mandatory} mandatory`;
    if (violations.length === 0) return `${header}\n`;
    const groups = new Map<string, PolicyViolation[]>();
    for (const v of violations) groups.set(v.policy, [...(groups.get(v.policy) ?? []), v]);
    const rank = (level: EnforcementLevel) => (level === "mandatory" ? 0 : 1);
    const ordered = [...groups.entries()].sort(([a, av], [b, bv]) => rank(av[0].enforcement) - rank(bv[0].enforcement) || a.localeCompare(b));
    const lines = [header];
    for (const [policy, list] of ordered) {
        lines.push("", `${policy} [${list[0].enforcement}] (${list.length})`);
        for (const v of list) lines.push(`  ${v.name}: ${v.message}`);
    }
    return lines.join("\n") + "\n";
}
