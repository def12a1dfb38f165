/** What the DAG tests share: YAML read as mappings, the executor-taint check, the DAGs' default image. */
import { strict as assert } from "assert";
import { executorTaint } from "../../components/config/nodeRoles";
import { v } from "./images";

export const sparkRuntime35Default = `spark-k8s/spark-runtime:${v("SPARK_RUNTIME_35_TAG")}`;

export function asRecord(value: unknown, what: string): Record<string, unknown> {
    assert.ok(value !== null && typeof value === "object" && !Array.isArray(value), `${what} is not a mapping`);
    return value as Record<string, unknown>;
}

/** Whether a tolerations list tolerates the spot executor node group's taint. */
export function tolerates(tolerations: unknown): boolean {
    if (tolerations === undefined) return false;
    assert.ok(Array.isArray(tolerations), "tolerations is not a list");
    return tolerations.some((t) => {
        const r = asRecord(t, "toleration");
        return r.key === executorTaint.key && r.effect === executorTaint.effect && (r.operator === "Exists" || (r.operator === "Equal" && r.value === executorTaint.value));
    });
}
