/**
 * The Kubeflow Spark Operator from its official chart.
 *
 * Values keys checked against kubeflow/spark-operator charts/spark-operator-chart at chart 2.4.0
 * (the helm-docs key table of its README, generated from that version's values.yaml):
 * controller.{replicas,nodeSelector,podSecurityContext,securityContext,resources,priorityClassName,
 * podDisruptionBudget.{enable,minAvailable}}, webhook.{enable,replicas,nodeSelector,podSecurityContext,
 * securityContext,resources,priorityClassName,podDisruptionBudget.{enable,minAvailable}} (values.yaml
 * and templates/{controller,webhook}/{deployment,poddisruptionbudget}.yaml of the Go module
 * github.com/kubeflow/spark-operator/v2 v2.4.0: a budget with replicas 1 fails the render, and
 * controller.leaderElection.enable defaults to true, so extra controller replicas are standbys),
 * spark.{jobNamespaces,serviceAccount.create,serviceAccount.name,rbac.create},
 * prometheus.metrics.enable. The chart has no values schema, so a wrong key would be ignored.
 *
 * The chart's own volumes stay (an emptyDir at /tmp for the controller, one for the webhook's
 * serving certificates), which is why both containers can keep a read-only root filesystem.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { priorityClassName } from "../kubernetes/priorities";
import { chartResources, pinnedChart, containerSecurityContext, podSecurityContext, systemNodeSelector } from "./charts";
import { ControllerReplicas, controllerReplicas } from "./replication";

/** The Helm release; the chart labels the controller pods app.kubernetes.io/instance with it. */
export const sparkOperatorRelease = "spark-operator";

/** The spark user of the operator image (it is built on the apache/spark image). */
export const sparkOperatorUserId = 185;

/** Inputs of SparkOperator: where it runs and which job namespaces it watches. */
export interface SparkOperatorArgs {
    /** Namespace the operator runs in (spark-operator); it must exist. */
    readonly namespace: pulumi.Input<string>;
    /** Namespaces whose SparkApplications the operator watches and whose pods the webhook mutates. */
    readonly jobNamespaces: readonly string[];
    /** Whether the platform's node groups exist; true places the operator on the system nodes. */
    readonly nodeGroups: boolean;
    /**
     * The service account drivers run as in each job namespace. The platform creates it (bound to
     * EKS Pod Identity, with least-privilege RBAC), so the chart must not; defaults to "spark".
     */
    readonly sparkServiceAccountName?: string;
    /** Controller and webhook replicas (controllerReplicas); one each when absent. */
    readonly replicas?: Pick<ControllerReplicas, "sparkOperatorController" | "sparkOperatorWebhook">;
    /** What must exist first: the job namespaces, which the chart renders a Role and RoleBinding into. */
    readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** The chart values: pure, so tests check them directly. */
export function sparkOperatorValues(args: SparkOperatorArgs): Record<string, unknown> {
    if (args.jobNamespaces.length === 0) throw new Error("sparkOperatorValues: jobNamespaces is empty; the operator would watch every namespace");
    const nodeSelector = systemNodeSelector(args.nodeGroups);
    const placement = nodeSelector ? { nodeSelector } : {};
    const pod = podSecurityContext(sparkOperatorUserId);
    const container = containerSecurityContext({ readOnlyRootFilesystem: true, runAsUser: sparkOperatorUserId, runAsGroup: sparkOperatorUserId });
    const replicas = args.replicas ?? controllerReplicas(false);
    // The chart refuses a budget for a single replica; with several, one pod may go at a time.
    const replicated = (n: number) => ({ replicas: n, podDisruptionBudget: n > 1 ? { enable: true, minAvailable: n - 1 } : { enable: false } });
    const priority = { priorityClassName: priorityClassName("platform") };
    return {
        controller: {
            ...replicated(replicas.sparkOperatorController),
            ...priority,
            ...placement,
            podSecurityContext: pod,
            securityContext: container,
            // Each submission runs spark-submit (a JVM) inside the controller.
            resources: chartResources("200m", "512Mi", "1Gi"),
        },
        webhook: {
            enable: true,
            ...replicated(replicas.sparkOperatorWebhook),
            ...priority,
            ...placement,
            podSecurityContext: pod,
            securityContext: container,
            resources: chartResources("50m", "128Mi"),
        },
        spark: {
            jobNamespaces: [...args.jobNamespaces],
            serviceAccount: { create: false, name: args.sparkServiceAccountName ?? "spark" },
            rbac: { create: false },
        },
        prometheus: { metrics: { enable: true } },
    };
}

/** The Kubeflow Spark Operator chart: controller and webhook, watching the job namespaces. */
export class SparkOperator extends pulumi.ComponentResource {
    readonly chart: k8s.helm.v4.Chart;

    constructor(name: string, args: SparkOperatorArgs, opts?: pulumi.ComponentResourceOptions) {
        super("spark-k8s:services:SparkOperator", name, {}, opts);
        this.chart = pinnedChart(name, "sparkOperator", { name: sparkOperatorRelease, namespace: args.namespace, values: sparkOperatorValues(args) }, { parent: this, dependsOn: args.dependsOn });
        this.registerOutputs({});
    }
}
