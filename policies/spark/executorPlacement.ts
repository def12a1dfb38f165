/**
 * executors-on-spot-only-executors: the spot executor node group hosts Spark executors and nothing
 * else. Executors that select it tolerate its taint (or they never schedule); drivers, Spark
 * Connect servers and every other workload neither tolerate the taint nor select spot capacity,
 * because a spot reclaim would take down a driver (the whole application) or a platform service.
 *
 * Exceptions:
 *  - Spark standalone workers (label app.kubernetes.io/component=spark-worker) host the executors of
 *    the standalone backend, so they are placed like executors.
 *  - DaemonSets are node agents (CNI, kube-proxy, node exporter, device plugin) that must run on
 *    every node, executor nodes included.
 *  - Pod templates in ConfigMaps whose role is neither driver nor executor are not judged: which
 *    pods use them is not visible.
 */
import { enforcement, PlatformResourceRule } from "../lib/rule";
import { FoundPodSpec, podSpecsOf } from "../lib/podSpecs";
import { effectivePodSpec, executorTaint, labelsOfPod, nodeRoleLabel, selectsNodeLabel, standaloneWorkerComponent, toleration, types } from "./common";
import { describeResource, known } from "../lib/props";

/** Node labels that mean spot capacity or the executor group, with the value that selects it. */
const spotSelectors: readonly { label: string; value: string; caseInsensitive: boolean }[] = [
    { label: "eks.amazonaws.com/capacityType", value: "SPOT", caseInsensitive: true },
    { label: "spark-k8s/capacity", value: "spot", caseInsensitive: true },
    { label: nodeRoleLabel, value: "executor", caseInsensitive: false },
    { label: "karpenter.sh/capacity-type", value: "spot", caseInsensitive: true },
];

const executorTaintText = `${executorTaint.key}=${executorTaint.value}:${executorTaint.effect}`;

function where(type: string, name: string, props: Record<string, unknown>, found: FoundPodSpec): string {
    return `${describeResource(type, name, props)} ${found.path}`;
}

export const executorsOnSpotOnlyExecutors: PlatformResourceRule = {
    kind: "resource",
    family: "spark",
    name: "executors-on-spot-only-executors",
    description: "Only Spark executors (and standalone workers) run on the spot executor nodes, and executors that target them tolerate the executor taint.",
    severity: "high",
    remediation:
        `Executors that select ${nodeRoleLabel}=executor add the toleration ${executorTaintText}. Drivers, Spark Connect servers and platform ` +
        `workloads drop that toleration and any spot selection (eks.amazonaws.com/capacityType=SPOT, spark-k8s/capacity=spot, ${nodeRoleLabel}=executor) ` +
        "and select the driver or system node role instead (components/kubernetes placement helpers).",
    defaultEnforcement: enforcement.core,
    validateResource: (args, report) => {
        // Node agents run on every node; the executor taint is not meant to keep them off.
        if (args.type === types.daemonSet) return;
        const props = args.props;
        known(() => {
            for (const found of podSpecsOf(args.type, props)) {
                known(() => {
                    const place = where(args.type, args.name, props, found);
                    const labels = labelsOfPod(found, props);
                    const isWorker = labels["app.kubernetes.io/component"] === standaloneWorkerComponent;
                    const spec = effectivePodSpec(args.type, props, found);
                    if (found.role === "executor" || isWorker) {
                        if (selectsNodeLabel(spec, nodeRoleLabel, "executor") && !toleration(spec, executorTaint)) {
                            report(`${place}: ${isWorker ? "a Spark standalone worker" : "an executor pod"} selects ${nodeRoleLabel}=executor but does not tolerate ${executorTaintText}; it would never schedule.`);
                        }
                        return;
                    }
                    if (args.type === types.configMap && found.role !== "driver") return;
                    const what = found.role === "driver" ? "a Spark driver" : found.role === "job" ? "a job pod" : "a non-executor pod";
                    const tolerates = toleration(spec, executorTaint);
                    if (tolerates === "explicit") report(`${place}: ${what} tolerates ${executorTaintText}; only executors may run on the spot executor nodes.`);
                    else if (tolerates === "wildcard") report(`${place}: ${what} tolerates every taint (operator Exists without a key), ${executorTaintText} included; only executors may run on the spot executor nodes.`);
                    for (const s of spotSelectors) {
                        if (selectsNodeLabel(spec, s.label, s.value, s.caseInsensitive)) {
                            report(`${place}: ${what} selects ${s.label}=${s.value} (nodeSelector or required node affinity); only executors may run on spot capacity.`);
                        }
                    }
                });
            }
        });
    },
};
