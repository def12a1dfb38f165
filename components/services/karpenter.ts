/**
 * Karpenter on AWS tiers with cluster.nodeProvisioner "karpenter", from its official OCI chart
 * (charts.karpenter, 1.13.0), and the NodePools and EC2NodeClasses it provisions executor and GPU
 * nodes from (components/aws/karpenterPlan.ts). The controller runs on the system nodes, which stay
 * a managed node group: Karpenter never provisions the nodes it runs on.
 *
 * Values keys checked against charts/karpenter/values.yaml and templates/deployment.yaml of
 * github.com/aws/karpenter-provider-aws at v1.13.0 (the tag the chart is published from; the
 * integration suite renders it, integration/charts/render.test.ts): replicas,
 * serviceAccount.{create,name}, settings.{clusterName,interruptionQueue}, controller.resources,
 * controller.securityContext.seccompProfile, podSecurityContext, nodeSelector, tolerations,
 * priorityClassName, podDisruptionBudget.{name,maxUnavailable}. The template itself gives the
 * controller container privileged false, no privilege escalation, a read-only root, UID/GID 65532
 * and drops ALL capabilities; controller.securityContext takes only appArmorProfile,
 * seLinuxOptions and seccompProfile. The chart's default affinity (no node with
 * karpenter.sh/nodepool, one replica per host) and zone spread stay.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { EC2NodeClassManifest, karpenterKinds, NodePoolManifest } from "../aws/karpenterPlan";
import { chartResources, pinnedChart, podSecurityContext, systemNodeSelector } from "./charts";

/** The Helm release: upstream installs it into kube-system, as the platform does. */
export const karpenterRelease = { name: "karpenter", namespace: "kube-system" } as const;

/** UID and GID of the controller image (the chart's podSecurityContext defaults fsGroup to it). */
export const karpenterUid = 65532;

/** Inputs of karpenterValues, the pure function that writes the chart values. */
export interface KarpenterValuesArgs {
    /** EKS cluster whose nodes Karpenter provisions. */
    readonly clusterName: string;
    /** The SQS queue the interruption rules feed. */
    readonly interruptionQueueName: string;
    /** Service account with the controller's Pod Identity association. */
    readonly serviceAccountName: string;
    /** Controller replicas: 2 (leader election) where the system group keeps two nodes, else 1. */
    readonly replicas: number;
}

export function karpenterValues(a: KarpenterValuesArgs): Record<string, unknown> {
    return {
        replicas: a.replicas,
        serviceAccount: { create: true, name: a.serviceAccountName },
        settings: { clusterName: a.clusterName, interruptionQueue: a.interruptionQueueName },
        // Upstream's getting-started sizes the controller at 1 CPU and 1 GiB.
        controller: { resources: chartResources("1", "1Gi"), securityContext: { seccompProfile: { type: "RuntimeDefault" } } },
        podSecurityContext: podSecurityContext(karpenterUid),
        // Helm merges maps: the chart's kubernetes.io/os selector stays, the system role joins it.
        nodeSelector: { "kubernetes.io/os": "linux", ...systemNodeSelector(true) },
        // The system nodes carry no taint; the chart's CriticalAddonsOnly toleration is not needed.
        tolerations: [],
        priorityClassName: "system-cluster-critical",
        podDisruptionBudget: { name: "karpenter", maxUnavailable: 1 },
    };
}

/** Inputs of Karpenter: the chart values' inputs and the objects it provisions from. */
export interface KarpenterArgs extends KarpenterValuesArgs {
    /** One per Karpenter role: its NodePool (nodePoolManifest) and EC2NodeClass (ec2NodeClassManifest, possibly still an output). */
    readonly pools: readonly { readonly nodePool: NodePoolManifest; readonly nodeClass: pulumi.Input<EC2NodeClassManifest> }[];
    /** Wait for these first: the controller's Pod Identity association, node role access entry, queue and tags. */
    readonly dependsOn?: pulumi.Resource[];
}

/** The Karpenter chart in kube-system and the platform's EC2NodeClasses and NodePools, created once the chart's CRDs exist. */
export class Karpenter extends pulumi.ComponentResource {
    constructor(name: string, args: KarpenterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("spark-k8s:services:Karpenter", name, {}, opts);
        const chart = pinnedChart(name, "karpenter", { ...karpenterRelease, values: karpenterValues(args) }, { parent: this, dependsOn: args.dependsOn });
        for (const pool of args.pools) {
            const poolName = pool.nodePool.metadata.name;
            const nodeClass = pulumi.output(pool.nodeClass);
            const classResource = new k8s.apiextensions.CustomResource(`${name}-${poolName}-class`, {
                apiVersion: karpenterKinds.nodeClass.apiVersion,
                kind: karpenterKinds.nodeClass.kind,
                metadata: nodeClass.apply((m) => m.metadata),
                spec: nodeClass.apply((m) => m.spec),
            }, { parent: this, dependsOn: [chart] });
            new k8s.apiextensions.CustomResource(`${name}-${poolName}`, {
                apiVersion: karpenterKinds.nodePool.apiVersion,
                kind: karpenterKinds.nodePool.kind,
                metadata: pool.nodePool.metadata,
                spec: pool.nodePool.spec,
            }, { parent: this, dependsOn: [chart, classResource] });
        }
        this.registerOutputs({});
    }
}
