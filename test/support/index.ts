/** Shared helpers for the mocha suites: cached stack runs, resource-graph queries and a stack's validated config. */
import { loadStackConfig, RecordedResource, repoRoot, runStack, RunOptions, StackRun } from "../../tools/harness";
import { decodeConfigValues, PlatformConfig, projectConfigValues, resolveConfig } from "../../components/config";
import { Scenario, scenarios } from "../../components/config/schema";

const cache = new Map<string, Promise<StackRun>>();

/** The run of a stack from its committed config, evaluated once per process. */
export function stackRun(stack: string): Promise<StackRun> {
    let run = cache.get(stack);
    if (!run) {
        run = runStack(stack);
        cache.set(stack, run);
    }
    return run;
}

/** A run with config overrides; never cached. */
export function stackRunWith(stack: string, config: RunOptions["config"]): Promise<StackRun> {
    return runStack(stack, { config });
}

export function ofType(run: StackRun, type: string): RecordedResource[] {
    return run.resources.filter((r) => r.type === type);
}

/** Resources of a type whose inputs reference the given resource by name (e.g. bucket: "<name>-id"). */
export function attachedTo(run: StackRun, type: string, field: string, target: RecordedResource): RecordedResource[] {
    return ofType(run, type).filter((r) => r.inputs[field] === `${target.name}-id`);
}

export function inputs<T = Record<string, unknown>>(r: RecordedResource): T {
    return r.inputs as T;
}

export const awsStacks = ["dev", "staging", "prod"] as const;

/** Every non-empty subset of the six scenarios (63), each in the order of `scenarios`. */
export function scenarioCombinations(): Scenario[][] {
    const out: Scenario[][] = [];
    for (let mask = 1; mask < 1 << scenarios.length; mask++) out.push(scenarios.filter((_, i) => mask & (1 << i)));
    return out;
}

/** The validated config of a stack as the program sees it, computed without running it. */
export function stackConfig(stack: string, dir = repoRoot): PlatformConfig {
    const file = loadStackConfig(stack, dir);
    const own = projectConfigValues(file.values, file.project);
    return resolveConfig(decodeConfigValues(own), { stack, project: file.project, region: file.values["aws:region"] });
}
