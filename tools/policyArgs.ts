/**
 * Complete validation arguments for rules, built without the policy analyzer: type, props, urn,
 * name, opts, stackTags, isType, asType, getConfig and a notApplicable that throws
 * (validateResourceOfType calls it on a type mismatch). isType and asType compare the resource's
 * type token with the class's `__pulumiType`, as the analyzer does. The offline policy check and
 * the rule tests both build their arguments here.
 */
import { PolicyProviderResource, PolicyResource, ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";
import { PlatformResourceRule, PlatformStackRule } from "../policies/lib/rule";

/** What a rule's notApplicable throws; callers catch it and move on. */
export class NotApplicable extends Error {}

export interface FakeResource {
    readonly type: string;
    readonly name?: string;
    readonly props: Record<string, unknown>;
    readonly urn?: string;
    /** URN of the parent, when the resource has one. */
    readonly parent?: string | null;
    /** URN of the explicit provider, when the resource has one. */
    readonly provider?: string | null;
    /** URNs of the resources it depends on. */
    readonly dependencies?: readonly string[];
}

/** The same test as the analyzer's: the class's type token, else its isInstance. */
function isTypeOf(type: string, resourceClass: unknown): boolean {
    const cls = resourceClass as { __pulumiType?: unknown; isInstance?: (o: unknown) => boolean } | undefined;
    if (typeof cls?.__pulumiType === "string" && cls.__pulumiType.length > 0) return cls.__pulumiType === type;
    return typeof cls?.isInstance === "function" && cls.isInstance({ __pulumiType: type }) === true;
}

function notApplicable(reason?: string): never {
    throw new NotApplicable(reason ?? "not applicable");
}

function urnOf(r: FakeResource): string {
    return r.urn ?? `urn:pulumi:test::spark-k8s::${r.type}::${r.name ?? "test"}`;
}

function base(r: FakeResource, config: object) {
    const name = r.name ?? "test";
    return {
        type: r.type,
        props: r.props,
        urn: urnOf(r),
        name,
        opts: {
            protect: false,
            ignoreChanges: [],
            aliases: [],
            customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
            additionalSecretOutputs: [],
            ...(r.parent ? { parent: r.parent } : {}),
        },
        stackTags: new Map<string, string>(),
        isType: (resourceClass: unknown) => isTypeOf(r.type, resourceClass),
        asType: (resourceClass: unknown) => (isTypeOf(r.type, resourceClass) ? r.props : undefined),
        getConfig: <T extends object>() => config as T,
        notApplicable,
    };
}

/** A provider reference as the analyzer hands it over: type, props, urn and name of the provider resource. */
function providerOf(urn: string | null | undefined, byUrn: ReadonlyMap<string, FakeResource>): PolicyProviderResource | undefined {
    if (!urn) return undefined;
    const known = byUrn.get(urn);
    const parts = urn.split("::");
    return { type: known?.type ?? parts[2] ?? "", props: known?.props ?? {}, urn, name: known?.name ?? parts.at(-1) ?? "" };
}

export function resourceArgs(r: FakeResource, config: object = {}, byUrn: ReadonlyMap<string, FakeResource> = new Map()): ResourceValidationArgs {
    const provider = providerOf(r.provider, byUrn);
    return { ...base(r, config), ...(provider ? { provider } : {}) } as ResourceValidationArgs;
}

/** Stack arguments: every resource, with parent, provider and dependencies linked inside the set. */
export function stackArgs(resources: readonly FakeResource[], config: object = {}): StackValidationArgs {
    const byUrn = new Map(resources.map((r) => [urnOf(r), r]));
    const list = resources.map((r) => {
        const provider = providerOf(r.provider, byUrn);
        return { ...base(r, config), dependencies: [], propertyDependencies: {}, ...(provider ? { provider } : {}) };
    }) as unknown as (PolicyResource & { parent?: PolicyResource })[];
    const policyByUrn = new Map(list.map((p) => [p.urn, p]));
    resources.forEach((r, i) => {
        const parent = r.parent ? policyByUrn.get(r.parent) : undefined;
        if (parent) list[i].parent = parent;
        list[i].dependencies = (r.dependencies ?? []).map((u) => policyByUrn.get(u)).filter((p): p is PolicyResource => p !== undefined);
    });
    return { resources: list, stackTags: new Map(), getConfig: <T extends object>() => config as T, notApplicable };
}

/** Runs a rule against one resource (or, for stack rules, a set) and returns the violation messages. */
export async function violations(rule: PlatformResourceRule | PlatformStackRule, resources: FakeResource | FakeResource[], config: object = {}): Promise<string[]> {
    const found: string[] = [];
    const report = (message: string) => found.push(message);
    if (rule.kind === "stack") {
        try {
            await rule.validateStack(stackArgs([resources].flat(), config), report);
        } catch (err) {
            if (!(err instanceof NotApplicable)) throw err;
        }
        return found;
    }
    const validations = [rule.validateResource ?? []].flat();
    for (const r of [resources].flat()) {
        for (const validate of validations) {
            try {
                await validate(resourceArgs(r, config), report);
            } catch (err) {
                if (!(err instanceof NotApplicable)) throw err;
            }
        }
    }
    return found;
}
