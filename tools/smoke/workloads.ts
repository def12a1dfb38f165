/**
 * Readiness of the Deployments, StatefulSets and DaemonSets the program manages, decided from the
 * objects' status as the API server reports it (the fields `kubectl rollout status` reads:
 * observedGeneration, updated and available/ready counts against the desired count).
 */
import type { V1DaemonSet, V1Deployment, V1StatefulSet } from "@kubernetes/client-node";
import { CheckResult } from "./checks";

export type WorkloadKind = "Deployment" | "StatefulSet" | "DaemonSet";

/** One workload's readiness. */
export interface WorkloadStatus {
    readonly kind: WorkloadKind;
    readonly namespace: string;
    readonly name: string;
    readonly ready: boolean;
    /** e.g. "2/2 available", "1/2 ready, 1 updated", "rollout not observed yet". */
    readonly detail: string;
}

const rolloutSeen = (o: { metadata?: { generation?: number }; status?: { observedGeneration?: number } }): boolean =>
    (o.status?.observedGeneration ?? 0) >= (o.metadata?.generation ?? 0);

export function deploymentStatus(d: V1Deployment): WorkloadStatus {
    const want = d.spec?.replicas ?? 1;
    const s = d.status ?? {};
    const base = { kind: "Deployment" as const, namespace: d.metadata?.namespace ?? "", name: d.metadata?.name ?? "" };
    if (!rolloutSeen(d)) return { ...base, ready: false, detail: "rollout not observed yet" };
    const updated = s.updatedReplicas ?? 0;
    const available = s.availableReplicas ?? 0;
    const ready = updated >= want && available >= want && (s.replicas ?? 0) <= want;
    return { ...base, ready, detail: want === 0 ? "scaled to 0" : `${available}/${want} available${updated < want ? `, ${updated} updated` : ""}${(s.replicas ?? 0) > want ? `, ${s.replicas! - want} old replica(s) still running` : ""}` };
}

export function statefulSetStatus(st: V1StatefulSet): WorkloadStatus {
    const want = st.spec?.replicas ?? 1;
    const s = st.status;
    const base = { kind: "StatefulSet" as const, namespace: st.metadata?.namespace ?? "", name: st.metadata?.name ?? "" };
    if (!s || !rolloutSeen(st)) return { ...base, ready: false, detail: "rollout not observed yet" };
    const readyCount = s.readyReplicas ?? 0;
    const updated = s.updatedReplicas ?? 0;
    const revisionDone = !s.updateRevision || s.currentRevision === s.updateRevision || updated >= want;
    const ready = readyCount >= want && revisionDone;
    return { ...base, ready, detail: want === 0 ? "scaled to 0" : `${readyCount}/${want} ready${revisionDone ? "" : `, ${updated} updated to ${s.updateRevision}`}` };
}

export function daemonSetStatus(ds: V1DaemonSet): WorkloadStatus {
    const s = ds.status;
    const base = { kind: "DaemonSet" as const, namespace: ds.metadata?.namespace ?? "", name: ds.metadata?.name ?? "" };
    if (!s || !rolloutSeen(ds)) return { ...base, ready: false, detail: "rollout not observed yet" };
    const want = s.desiredNumberScheduled;
    const ready = s.numberReady >= want && (s.updatedNumberScheduled ?? 0) >= want;
    return { ...base, ready, detail: want === 0 ? "no node selected (0 scheduled)" : `${s.numberReady}/${want} ready${(s.updatedNumberScheduled ?? 0) < want ? `, ${s.updatedNumberScheduled ?? 0} updated` : ""}` };
}

const describeCommand: Record<WorkloadKind, string> = { Deployment: "deployment", StatefulSet: "statefulset", DaemonSet: "daemonset" };

/**
 * One verdict for a namespace's workloads: passed when there is at least one and every one is
 * ready; an empty namespace fails (the program put workloads there), naming what it looked for.
 */
export function workloadsResult(name: string, namespace: string, statuses: readonly WorkloadStatus[], seconds: number, selector?: string): CheckResult {
    const where = `${namespace}${selector ? ` (${selector})` : ""}`;
    if (statuses.length === 0) {
        return { name, verdict: "failed", seconds, detail: `no Deployment, StatefulSet or DaemonSet in ${where}`, hint: `kubectl -n ${namespace} get all${selector ? ` -l ${selector}` : ""}` };
    }
    const notReady = statuses.filter((s) => !s.ready);
    if (notReady.length === 0) return { name, verdict: "passed", seconds, detail: `${statuses.length} ready: ${statuses.map((s) => `${s.name} (${s.detail})`).join(", ")}` };
    const first = notReady[0];
    return {
        name,
        verdict: "failed",
        seconds,
        detail: `${notReady.length} of ${statuses.length} not ready: ${notReady.map((s) => `${s.kind} ${s.name} (${s.detail})`).join(", ")}`,
        hint: `kubectl -n ${namespace} describe ${describeCommand[first.kind]}/${first.name}`,
    };
}
