/**
 * The priority ladder of the platform's pods: platform services above Spark drivers above Spark
 * executors. One home for the PriorityClass names and values; every pod spec and chart value
 * names a class from here (or a system-* class for what the cluster itself needs).
 *
 * How Kubernetes uses them (scheduling.k8s.io/v1 PriorityClass; the scheduler's preemption):
 * - a pending pod may evict pods of lower value only, so drivers can take room from executors and
 *   never from services, and services can take room from both;
 * - preemptionPolicy Never keeps a pod in the queue instead of evicting anyone: executors wait for
 *   capacity (the autoscaler adds nodes) rather than killing another application's executors;
 * - values of 1e9 and more are reserved for the built-in system-cluster-critical and
 *   system-node-critical classes.
 * The cluster-autoscaler ignores pods below its expendable-pods-priority-cutoff (default -10) when
 * it decides to scale up, so every value here stays positive: executors still get nodes.
 */
import * as k8s from "@pulumi/kubernetes";

/** The platform's priority levels. */
export type PriorityLevel = "platform" | "driver" | "executor";

/** One PriorityClass of the ladder. */
export interface PriorityLevelSpec {
    /** The PriorityClass name pods and chart values refer to. */
    readonly name: string;
    /** The priority value; a higher value schedules first and may preempt lower ones. */
    readonly value: number;
    /** Whether pods of the class evict lower ones when they cannot be scheduled. */
    readonly preemptionPolicy: "PreemptLowerPriority" | "Never";
    /** What the class is for, as the PriorityClass description. */
    readonly description: string;
}

/** The ladder, highest first. */
export const priorityLevels: Readonly<Record<PriorityLevel, PriorityLevelSpec>> = {
    platform: {
        name: "spark-k8s-platform",
        value: 100000,
        preemptionPolicy: "PreemptLowerPriority",
        description: "Platform services (metastore, history server, operators, notebooks hub, Airflow, databases, monitoring): never preempted by Spark pods.",
    },
    driver: {
        name: "spark-k8s-driver",
        value: 10000,
        preemptionPolicy: "PreemptLowerPriority",
        description: "Spark drivers, Spark Connect servers and interactive sessions: may preempt executors, never platform services.",
    },
    executor: {
        name: "spark-k8s-executor",
        value: 1000,
        preemptionPolicy: "Never",
        description: "Spark executors: preemptible, and never preempt anything themselves; they wait for capacity.",
    },
};

/** The PriorityClass name of a level, for pod specs and chart values. */
export function priorityClassName(level: PriorityLevel): string {
    return priorityLevels[level].name;
}

/** The built-in classes a pod may name instead: reserved for what the cluster itself needs. */
export const systemPriorityClassNames: readonly string[] = ["system-cluster-critical", "system-node-critical"];

/** Values at or above this are reserved for the system classes. */
export const reservedPriorityValue = 1_000_000_000;

/** The PriorityClass manifests of the ladder; none is the global default, so foreign pods keep priority 0. */
export function priorityClassManifests(): (k8s.types.input.scheduling.v1.PriorityClass & { metadata: { name: string } })[] {
    return Object.values(priorityLevels).map((l) => ({
        apiVersion: "scheduling.k8s.io/v1",
        kind: "PriorityClass",
        metadata: { name: l.name, labels: { "app.kubernetes.io/part-of": "spark-k8s" } },
        value: l.value,
        preemptionPolicy: l.preemptionPolicy,
        globalDefault: false,
        description: l.description,
    }));
}
