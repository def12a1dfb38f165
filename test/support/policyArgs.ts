/**
 * Complete fake arguments for rule validations, so rule modules run without the analyzer:
 * type, props, urn, name, opts, stackTags, isType, asType, getConfig and a notApplicable that
 * throws (validateResourceOfType calls it on a type mismatch).
 */
import { ResourceValidationArgs, StackValidationArgs, PolicyResource } from "@pulumi/policy";
import { PlatformResourceRule, PlatformStackRule } from "../../policies/lib/rule";

export class NotApplicable extends Error {}

export interface FakeResource {
    readonly type: string;
    readonly name?: string;
    readonly props: Record<string, unknown>;
    readonly urn?: string;
}

function base(r: FakeResource, config: object) {
    const name = r.name ?? "test";
    return {
        type: r.type,
        props: r.props,
        urn: r.urn ?? `urn:pulumi:test::spark-k8s::${r.type}::${name}`,
        name,
        opts: { protect: false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] },
        stackTags: new Map<string, string>(),
        isType: () => false,
        asType: () => undefined,
        getConfig: <T extends object>() => config as T,
        notApplicable: (reason?: string): never => {
            throw new NotApplicable(reason ?? "not applicable");
        },
    };
}

export function resourceArgs(r: FakeResource, config: object = {}): ResourceValidationArgs {
    return base(r, config);
}

export function stackArgs(resources: FakeResource[], config: object = {}): StackValidationArgs {
    const list = resources.map((r) => ({ ...base(r, config), dependencies: [], propertyDependencies: {} })) as unknown as PolicyResource[];
    return { resources: list, stackTags: new Map(), getConfig: <T extends object>() => config as T, notApplicable: base(resources[0] ?? { type: "x", props: {} }, config).notApplicable };
}

/** Runs a rule against one resource (or, for stack rules, a set) and returns the violation messages. */
export async function violations(rule: PlatformResourceRule | PlatformStackRule, resources: FakeResource | FakeResource[], config: object = {}): Promise<string[]> {
    const found: string[] = [];
    const report = (message: string) => found.push(message);
    if (rule.kind === "stack") {
        await rule.validateStack(stackArgs([resources].flat(), config), report);
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
