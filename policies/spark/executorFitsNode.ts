/**
 * executor-fits-node: an executor pod's memory (heap + overhead, plus PySpark and off-heap memory
 * when set) fits what the smallest instance type of the node group or Karpenter NodePool it
 * targets (by the node-role label their nodes carry) leaves for pods.
 * Otherwise the executor stays Pending forever and the autoscaler cannot help: no node of the
 * group is big enough. A stack rule: it needs the node groups and the Spark configuration at once.
 */
import { PolicyResource } from "@pulumi/policy";
import { instanceShape, InstanceShape } from "../../components/config/instanceTypes";
import { allocatable } from "../../components/spark/sizing";
import { enforcement, PlatformStackRule } from "../lib/rule";
import { podSpecsOf } from "../lib/podSpecs";
import { showMiB, nodeRoleLabel, podMemoryMiB, requiredNodeLabelValues, sparkApplicationSpec, sparkConfOf, sparkDefaultsOf, types } from "./common";
import { asRecord, at, describeResource, isUnknown, known, textAt } from "../lib/props";
import { karpenterTypes, nodePoolInstanceTypes, nodePoolRole } from "../lib/nodePools";

/**
 * What provisions each node role: the managed node groups and Karpenter NodePools that label their
 * nodes with it, and every instance type any of them may launch.
 */
function nodeGroupsByRole(resources: PolicyResource[]): Map<string, { names: string[]; instanceTypes: string[] }> {
    const groups = new Map<string, { names: string[]; instanceTypes: string[] }>();
    const add = (role: unknown, name: string, list: unknown) => {
        if (typeof role !== "string" || isUnknown(role) || !Array.isArray(list)) return;
        const entry = groups.get(role) ?? { names: [], instanceTypes: [] };
        entry.names.push(name);
        entry.instanceTypes.push(...list.filter((t): t is string => typeof t === "string" && !isUnknown(t)));
        groups.set(role, entry);
    };
    for (const r of resources) {
        if (r.type === types.nodeGroup) known(() => add(at(r.props, "labels", nodeRoleLabel), `node group ${r.name}`, at(r.props, "instanceTypes")));
        // A NodePool without an instance-type list may launch any type: there is no smallest to compare with.
        if (r.type === karpenterTypes.nodePool) known(() => add(nodePoolRole(r.props), `NodePool ${textAt(r.props, "metadata", "name") ?? r.name}`, nodePoolInstanceTypes(r.props)));
    }
    return groups;
}

/** The known shape with the least allocatable memory; undefined when no type is known. */
function smallest(instanceTypes: string[]): { shape: InstanceShape; allocatableMiB: number } | undefined {
    let best: { shape: InstanceShape; allocatableMiB: number } | undefined;
    for (const t of instanceTypes) {
        const shape = instanceShape(t);
        if (!shape) continue;
        const allocatableMiB = allocatable(shape).memoryMiB;
        if (!best || allocatableMiB < best.allocatableMiB) best = { shape, allocatableMiB };
    }
    return best;
}

interface ExecutorDemand {
    readonly where: string;
    readonly nodeRole: string;
    readonly heap: number;
    readonly overhead: number;
    readonly total: number;
}

/** The executor a resource describes: its memory and the node role it selects; undefined when either is not known. */
function executorDemandOf(r: PolicyResource): ExecutorDemand | undefined {
    const props = r.props;
    const resource = describeResource(r.type, r.name, props);
    const app = sparkApplicationSpec(r.type, props);
    if (app) {
        const executor = asRecord(app.spec.executor);
        if (!executor) return undefined;
        const conf = sparkConfOf(app.spec);
        const memory = podMemoryMiB("executor", conf, { memory: executor.memory, memoryOverhead: executor.memoryOverhead });
        const selector = { nodeSelector: { ...(asRecord(app.spec.nodeSelector) ?? {}), ...(asRecord(executor.nodeSelector) ?? {}) }, affinity: executor.affinity };
        const role = conf[`spark.kubernetes.executor.node.selector.${nodeRoleLabel}`] ?? conf[`spark.kubernetes.node.selector.${nodeRoleLabel}`] ?? requiredNodeLabelValues(selector, nodeRoleLabel)[0];
        if (!memory || !role) return undefined;
        return { where: `${resource} ${app.path}.executor`, nodeRole: role, ...memory };
    }
    if (r.type !== types.configMap) return undefined;
    const parsed = sparkDefaultsOf(props);
    if (!parsed?.conf) return undefined;
    const conf = parsed.conf;
    const memory = podMemoryMiB("executor", conf);
    // Spark puts spark.kubernetes.{executor.,}node.selector.* on top of the pod template's nodeSelector.
    const template = podSpecsOf(r.type, props).find((p) => p.role === "executor");
    const role =
        conf[`spark.kubernetes.executor.node.selector.${nodeRoleLabel}`] ??
        conf[`spark.kubernetes.node.selector.${nodeRoleLabel}`] ??
        (template ? requiredNodeLabelValues(template.spec, nodeRoleLabel)[0] : undefined);
    if (!memory || !role) return undefined;
    return { where: `${resource} data.spark-defaults.conf`, nodeRole: role, ...memory };
}

const describingExecutors = new Set<string>([types.configMap, types.sparkApplication, types.scheduledSparkApplication]);

export const executorFitsNode: PlatformStackRule = {
    kind: "stack",
    family: "spark",
    name: "executor-fits-node",
    description: "Executor memory plus overhead fits the allocatable memory of the node group or Karpenter NodePool the executors target.",
    severity: "high",
    remediation:
        "Lower spark.executor.memory / spark.executor.memoryOverhead (or the SparkApplication's executor.memory / memoryOverhead) to fit the smallest " +
        "instance type of the target node group or NodePool, or remove the smaller instance types from it; components/spark/sizing.ts " +
        "(executorSizing) computes sizes that fit.",
    defaultEnforcement: enforcement.strict,
    validateStack: (args, report) => {
        const groups = nodeGroupsByRole(args.resources);
        for (const r of args.resources) {
            if (!describingExecutors.has(r.type)) continue;
            known(() => {
                const demand = executorDemandOf(r);
                if (!demand) return;
                const group = groups.get(demand.nodeRole);
                // No node group with that role in this stack (the local tier has none): nothing to compare with.
                if (!group) return;
                const node = smallest(group.instanceTypes);
                if (!node) return;
                if (demand.total > node.allocatableMiB) {
                    report(
                        `${demand.where}: an executor pod needs ${showMiB(demand.total)} (memory ${showMiB(demand.heap)} + overhead ${showMiB(demand.overhead)}` +
                            `${demand.total > demand.heap + demand.overhead ? " + PySpark/off-heap" : ""}), but ${node.shape.name}, the smallest instance type of ` +
                            `${group.names.join(", ")} (${nodeRoleLabel}=${demand.nodeRole}), leaves ${showMiB(node.allocatableMiB)} for pods.`,
                    );
                }
            });
        }
    },
};
