/**
 * The delivery program's configuration (deployment/Pulumi.yaml declares every key): typed,
 * validated, every problem reported at once in the platform's format, with the platform's helpers
 * (components/config/schema.ts, validate.ts). Pure, except loadDeliveryConfig, which reads the
 * stack's Pulumi config.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
    AwsTier,
    ConfigError,
    ConfigProblem,
    decodeConfigValues,
    notAllowed,
    pattern,
    projectConfigValues,
    roleArn,
    schemaProblems,
    strictObject,
    tiers,
} from "../components/config";

/** The platform stacks that Pulumi Deployments runs: every AWS tier (local runs on a laptop). */
export const platformStacks: readonly AwsTier[] = tiers.filter((t): t is AwsTier => t !== "local");

/** Shortest and longest AWS role session AssumeRoleWithWebIdentity grants: 15 minutes to 12 hours. */
const sessionSeconds = { min: 15 * 60, max: 12 * 60 * 60 } as const;

/** Seconds of a duration written as ESC and the Deployments API take it (Go's "1h", "45m", "1h30m"); undefined if it is not one. */
export function durationSeconds(text: string): number | undefined {
    const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
    if (!m || text === "") return undefined;
    return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

/** Allowed values per field of a five-field cron expression (minute hour day-of-month month day-of-week; 7 is Sunday too). */
const cronFields = [
    { name: "minute", min: 0, max: 59 },
    { name: "hour", min: 0, max: 23 },
    { name: "day of month", min: 1, max: 31 },
    { name: "month", min: 1, max: 12 },
    { name: "day of week", min: 0, max: 7 },
] as const;

/** Whether text is a five-field cron expression of numbers, ranges, lists and steps, each number in its field's range. */
export function isCronExpression(text: string): boolean {
    const fields = text.trim().split(/\s+/);
    if (fields.length !== cronFields.length) return false;
    return fields.every((field, i) =>
        field.split(",").every((part) => {
            const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
            if (!m) return false;
            const { min, max } = cronFields[i];
            const numbers = [m[2], m[3]].filter((n): n is string => n !== undefined).map(Number);
            if (numbers.some((n) => n < min || n > max)) return false;
            if (numbers.length === 2 && numbers[0] > numbers[1]) return false;
            return m[4] === undefined || Number(m[4]) > 0;
        }),
    );
}

const text = (what: string) => z.string({ error: `expected ${what}` });

export const deliverySchema = strictObject({
    /** Pulumi Cloud organization of the platform stacks and ESC environments; also the audience of the OIDC tokens. */
    organization: pattern(/^[a-z0-9][a-z0-9._-]{0,99}$/, "a Pulumi organization name as in app.pulumi.com/<organization> (lower-case letters, digits, '.', '_' or '-')"),
    /** GitHub repository of this project, owner/name. */
    repository: pattern(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/, "a GitHub repository as owner/name, such as example-org/spark-k8s-constructor"),
    /** Branch that deploys. */
    branch: pattern(/^(?!-)(?!.*\.\.)(?!.*\/\/)[A-Za-z0-9._/-]{1,200}(?<![./])$/, "a git branch name such as main"),
    /** AWS region of the platform stacks, given to them by the shared ESC environment. */
    region: pattern(/^[a-z]{2}(-[a-z]+)+-\d$/, "an AWS region such as eu-west-1"),
    /** Role each platform stack's ESC environment assumes through Pulumi's OIDC provider, per stack. */
    oidcRoleArns: strictObject(Object.fromEntries(platformStacks.map((s) => [s, roleArn()])) as Record<AwsTier, ReturnType<typeof roleArn>>),
    /** Role session name; each stack's session is "<name>-<stack>" (AWS allows 64 characters of letters, digits and _+=,.@-). */
    oidcSessionName: pattern(/^[\w+=,.@-]{2,56}$/, "2 to 56 letters, digits or _+=,.@- (the stack name is appended)"),
    /** Session length, such as 1h; at most the roles' MaxSessionDuration (AWS's default: 1 hour). */
    oidcSessionDuration: text("a duration such as 1h or 45m").refine(
        (v) => {
            const s = durationSeconds(v);
            return s !== undefined && s >= sessionSeconds.min && s <= sessionSeconds.max;
        },
        { error: "expected a duration from 15m to 12h, such as 1h or 45m" },
    ),
    /** When drift detection runs on staging and prod: a five-field cron expression in UTC. */
    driftSchedule: text("a cron expression such as 0 6 * * *").refine(isCronExpression, {
        error: 'expected a five-field cron expression (minute hour day-of-month month day-of-week, UTC) such as "0 6 * * *"',
    }),
});

/** The validated configuration of the delivery program. */
export type DeliveryConfig = z.infer<typeof deliverySchema>;

/** Keys whose Pulumi config value is an object (JSON-encoded by the CLI). */
export const deliveryObjectKeys: ReadonlySet<string> = new Set(["oidcRoleArns"]);

/** One cross-field rule of the delivery config; it sees values that may still be mistyped. */
type Rule = (c: Record<string, unknown>) => ConfigProblem[];

const rules: Record<string, Rule> = {
    /** prod assumes a role no other stack can: a dev or staging deployment never holds prod credentials. */
    prodRoleOfItsOwn: (c) => {
        const roles = c.oidcRoleArns;
        if (roles === null || typeof roles !== "object") return [];
        const byStack = roles as Record<string, unknown>;
        const shared = platformStacks.filter((s) => s !== "prod" && byStack[s] !== undefined && byStack[s] === byStack.prod);
        return shared.length > 0
            ? [notAllowed(["oidcRoleArns", "prod"], byStack.prod, `expected a role of prod's own; ${shared.join(" and ")} assume${shared.length === 1 ? "s" : ""} the same role`)]
            : [];
    },
};

/** Validates the raw config (the project's keys, values decoded) and returns it typed, or throws ConfigError naming every problem. */
export function resolveDeliveryConfig(raw: Record<string, unknown>): DeliveryConfig {
    const parsed = deliverySchema.safeParse(raw);
    const problems = parsed.success ? [] : schemaProblems(parsed.error, raw);
    for (const rule of Object.values(rules)) problems.push(...rule(raw));
    if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
    return parsed.data;
}

/** The validated config of the current stack; throws ConfigError before any resource exists. */
export function loadDeliveryConfig(): DeliveryConfig {
    const own = projectConfigValues(pulumi.runtime.allConfig(), pulumi.getProject());
    return resolveDeliveryConfig(decodeConfigValues(own, deliveryObjectKeys));
}
