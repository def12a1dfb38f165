/**
 * Small synthetic rules, so the pack's config and checkPlan are tested apart from the rule
 * families, and a stack's violations as `plan --policy` computes them.
 */
import { environmentFromStack } from "../../../policies/config";
import { enforcement, Environment, PlatformRule } from "../../../policies/lib/rule";
import { loadStackConfig, StackRun, unwrapSecrets } from "../../../tools/harness";
import { checkPlan, PolicyViolation } from "../../../tools/policyCheck";

export const podType = "kubernetes:core/v1:Pod";

export const noLatest: PlatformRule = {
    kind: "resource",
    name: "test-no-latest",
    description: "Pods do not use :latest.",
    family: "kubernetes",
    severity: "high",
    remediation: "Pin the tag.",
    defaultEnforcement: enforcement.strict,
    configSchema: { properties: { suffix: { type: "string", default: ":latest" } } },
    validateResource: (args, report) => {
        if (args.type !== podType) args.notApplicable("pods only");
        const { suffix } = args.getConfig<{ suffix: string }>();
        const image = (args.props as { spec: { containers: { image: string }[] } }).spec.containers[0].image;
        if (image.endsWith(suffix)) report(`image ${image} ends with ${suffix}`);
    },
};
export const throwing: PlatformRule = {
    ...noLatest,
    name: "test-throws",
    defaultEnforcement: enforcement.core,
    validateResource: () => {
        throw new Error("boom");
    },
};
export const countsPods: PlatformRule = {
    kind: "stack",
    name: "test-one-pod",
    description: "At most one pod.",
    family: "spark",
    severity: "low",
    remediation: "Remove pods.",
    defaultEnforcement: enforcement.core,
    validateStack: (args, report) => {
        const pods = args.resources.filter((r) => r.type === podType);
        for (const extra of pods.slice(1)) report("one pod too many", extra.urn);
        if (pods.length === 0) report("no pod at all");
    },
};

/** Every violation of a stack with the defaults of its environment tier, as `plan --policy` computes them. */
export async function stackViolations(run: StackRun): Promise<{ env: Environment; violations: PolicyViolation[] }> {
    const file = loadStackConfig(run.stack);
    const env = environmentFromStack(run.stack, file.values[`${file.project}:environment`]);
    const resources = run.resources.map((r) => ({ ...r, inputs: unwrapSecrets(r.inputs) as Record<string, unknown> }));
    return { env, violations: await checkPlan(resources, env) };
}
