/**
 * The values the platform passes third-party charts, as the chart tests read them. Under mocks a
 * helm v4 Chart is one resource with its inputs, so the tests check the values themselves: where
 * their security contexts and resources blocks sit, and whether each meets the hardening bar.
 */
import { strict as assert } from "assert";
import { nodeRoleLabel } from "../../components/config/nodeRoles";
import { RecordedResource, runProgram } from "../../tools/harness";
import { planTypes } from "../../tools/planSummary";

export type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

/** Follows a dotted path through plain objects. */
export function at(values: unknown, dotted: string): unknown {
    return dotted.split(".").reduce<unknown>((v, key) => (isObj(v) ? v[key] : undefined), values);
}

export interface Found {
    readonly path: string;
    readonly kind: "container" | "pod" | "resources";
    readonly value: unknown;
}

const containerContextKeys = new Set(["securityContext", "containerSecurityContext", "container_security_context"]);
const podContextKeys = new Set(["podSecurityContext", "pod_security_context"]);

/** Every security context and resources block the values hand a chart, wherever it sits. */
function findBlocks(values: unknown, prefix = "", parentKey = ""): Found[] {
    const found: Found[] = [];
    if (Array.isArray(values)) {
        values.forEach((v, i) => found.push(...findBlocks(v, `${prefix}[${i}]`, parentKey)));
        return found;
    }
    if (!isObj(values)) return found;
    for (const [key, value] of Object.entries(values)) {
        const p = prefix ? `${prefix}.${key}` : key;
        if (containerContextKeys.has(key) || (parentKey === "securityContexts" && (key === "container" || key === "containers"))) {
            found.push({ path: p, kind: "container", value });
        } else if (podContextKeys.has(key) || (parentKey === "securityContexts" && key === "pod")) {
            found.push({ path: p, kind: "pod", value });
        } else if (key === "resources" && isObj(value)) {
            found.push({ path: p, kind: "resources", value });
        }
        found.push(...findBlocks(value, p, key));
    }
    return found;
}

/** What is wrong with each block; empty when every block meets the hardening bar. */
export function hardeningProblems(values: unknown, options: { rootAllowed?: boolean } = {}): string[] {
    const problems: string[] = [];
    for (const block of findBlocks(values)) {
        const v = block.value;
        if (!isObj(v)) {
            problems.push(`${block.path}: not an object`);
            continue;
        }
        if (block.kind === "resources") {
            const requests = v.requests as Obj | undefined;
            const limits = v.limits as Obj | undefined;
            if (!requests?.cpu) problems.push(`${block.path}: no CPU request`);
            if (!requests?.memory) problems.push(`${block.path}: no memory request`);
            if (!limits?.memory) problems.push(`${block.path}: no memory limit`);
            continue;
        }
        if ((v.seccompProfile as Obj | undefined)?.type !== "RuntimeDefault") problems.push(`${block.path}: seccomp is not RuntimeDefault`);
        if (!options.rootAllowed && v.runAsNonRoot !== true) problems.push(`${block.path}: runAsNonRoot is not true`);
        if (v.runAsUser !== undefined && !(typeof v.runAsUser === "number" && v.runAsUser > 0)) problems.push(`${block.path}: runAsUser ${JSON.stringify(v.runAsUser)}`);
        if (block.kind === "container") {
            if (v.allowPrivilegeEscalation !== false) problems.push(`${block.path}: allowPrivilegeEscalation is not false`);
            if (v.privileged === true) problems.push(`${block.path}: privileged`);
            const drop = (v.capabilities as Obj | undefined)?.drop;
            if (!Array.isArray(drop) || !drop.includes("ALL")) problems.push(`${block.path}: capabilities do not drop ALL`);
            if ((v.capabilities as Obj | undefined)?.add !== undefined) problems.push(`${block.path}: adds capabilities`);
        }
    }
    return problems;
}

export function assertBlocksAt(values: unknown, kind: Found["kind"], paths: string[]): void {
    const found = new Set(findBlocks(values).filter((b) => b.kind === kind).map((b) => b.path));
    const missing = paths.filter((p) => !found.has(p));
    assert.deepEqual(missing, [], `missing ${kind} blocks`);
}

export const systemSelector = { [nodeRoleLabel]: "system" };

export const chartType = planTypes.helmChart;
/** Builds a component under the recording mocks; returns nothing, so the harness has no resource graph to resolve. */
export const build = (create: () => unknown) => runProgram(() => {
    create();
});
export const charts_ = (resources: RecordedResource[]) => resources.filter((r) => r.type === chartType);

export function assertOneChart(resources: RecordedResource[], ref: { chart: string; version: string; repo: string }, namespace: string): Obj {
    const found = charts_(resources);
    assert.equal(found.length, 1, "exactly one chart");
    const inputs = found[0].inputs;
    assert.equal(inputs.chart, ref.chart);
    assert.equal(inputs.version, ref.version);
    assert.deepEqual(inputs.repositoryOpts, { repo: ref.repo });
    assert.equal(inputs.namespace, namespace);
    return inputs.values as Obj;
}
