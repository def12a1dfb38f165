/**
 * The Kubernetes cluster-autoscaler on AWS tiers, from the official chart (charts.clusterAutoscaler).
 * It finds the managed node groups' Auto Scaling groups by the tags EKS puts on them, and scales
 * the executor and GPU groups up from zero using the node-template tags NodeGroups adds.
 *
 * Values keys checked against the chart's values.yaml (autoDiscovery.clusterName, awsRegion,
 * cloudProvider, image.{repository,tag}, extraArgs, rbac.serviceAccount.{create,name},
 * resources, securityContext, containerSecurityContext, nodeSelector, priorityClassName,
 * podDisruptionBudget, replicaCount).
 */
import * as pulumi from "@pulumi/pulumi";
import { emptyNodeGraceSeconds } from "../config/nodeRoles";
import { chartResources, containerSecurityContext, pinnedChart, podSecurityContext, systemNodeSelector } from "./charts";

/** The cloud provider the chart drives; it also names the chart's workloads. */
const cloudProvider = "aws";

/** The Helm release: its name and namespace. */
export const clusterAutoscalerRelease = { name: "cluster-autoscaler", namespace: "kube-system" } as const;
/**
 * The autoscaler's Deployment: the chart's fullname, "<release>-<cloudProvider>-cluster-autoscaler"
 * (charts/cluster-autoscaler/templates/_helpers.tpl).
 */
export const clusterAutoscalerDeployment = `${clusterAutoscalerRelease.name}-${cloudProvider}-cluster-autoscaler`;

/** Inputs of clusterAutoscalerValues, the pure function that writes the chart values. */
export interface ClusterAutoscalerValuesArgs {
    /** EKS cluster whose tagged Auto Scaling groups the autoscaler discovers. */
    readonly clusterName: string;
    /** AWS region of those Auto Scaling groups. */
    readonly region: string;
    /** Image tag of the cluster's Kubernetes minor, as upstream requires (kubernetesReleases). */
    readonly imageTag: string;
    /** Service account with the autoscaler's Pod Identity association. */
    readonly serviceAccountName: string;
}

export function clusterAutoscalerValues(a: ClusterAutoscalerValuesArgs): Record<string, unknown> {
    return {
        cloudProvider,
        awsRegion: a.region,
        autoDiscovery: { clusterName: a.clusterName },
        image: { repository: "registry.k8s.io/autoscaling/cluster-autoscaler", tag: a.imageTag },
        replicaCount: 1,
        extraArgs: {
            // Executor instance types share one shape: spread scale-ups across them (and AZs).
            "balance-similar-node-groups": true,
            expander: "least-waste",
            "skip-nodes-with-system-pods": false,
            "scale-down-unneeded-time": `${emptyNodeGraceSeconds / 60}m`,
        },
        rbac: { create: true, serviceAccount: { create: true, name: a.serviceAccountName } },
        resources: chartResources("100m", "600Mi"),
        securityContext: podSecurityContext(65534),
        containerSecurityContext: containerSecurityContext({ readOnlyRootFilesystem: true }),
        nodeSelector: systemNodeSelector(true),
        priorityClassName: "system-cluster-critical",
        podDisruptionBudget: { maxUnavailable: 1 },
    };
}

/** Inputs of ClusterAutoscaler: the chart values' inputs and what to wait for. */
export interface ClusterAutoscalerArgs extends ClusterAutoscalerValuesArgs {
    /** Wait for these first: the node groups and the autoscaler's Pod Identity association. */
    readonly dependsOn?: pulumi.Resource[];
}

/** The cluster-autoscaler chart in kube-system, which resizes the platform's managed node groups. */
export class ClusterAutoscaler extends pulumi.ComponentResource {
    constructor(name: string, args: ClusterAutoscalerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("spark-k8s:services:ClusterAutoscaler", name, {}, opts);
        pinnedChart(name, "clusterAutoscaler", { ...clusterAutoscalerRelease, values: clusterAutoscalerValues(args) }, { parent: this, dependsOn: args.dependsOn });
        this.registerOutputs({});
    }
}
