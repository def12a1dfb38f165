import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { SparkConfig } from "../config/schema";
import { teamAccessEntries, teamGroupName } from "../spark/teams";

/** Inputs of TeamAccess: the cluster, the teams' config and the stack's account. */
export interface TeamAccessArgs {
    /** EKS cluster the access entries are made in; its authenticationMode is "API" (EksCluster). */
    readonly clusterName: pulumi.Input<string>;
    /** spark.jobNamespaces and spark.teams: which teams name an IAM role, and their groups. */
    readonly spark: Pick<SparkConfig, "jobNamespaces" | "teams">;
    /** The stack's partition and account: a team's role must be one of this account's. */
    readonly account: pulumi.Input<{ partition: string; accountId: string }>;
}

/**
 * One EKS access entry per team that names an IAM role (spark.teams.<namespace>.iamRoleArn): type
 * STANDARD, mapping the role's sessions to the team's Kubernetes group and nothing else (no access
 * policy), so Kubernetes RBAC alone decides: the group's RoleBinding in its namespace (EKS user
 * guide, "Create an access entry using Kubernetes groups"; the cluster's authentication mode must
 * allow access entries, which "API" does).
 */
export class TeamAccess extends pulumi.ComponentResource {
    readonly entries: aws.eks.AccessEntry[] = [];

    constructor(name: string, args: TeamAccessArgs, opts?: pulumi.ComponentResourceOptions) {
        super("spark-k8s:aws:TeamAccess", name, {}, opts);
        for (const namespace of args.spark.jobNamespaces.filter((ns) => args.spark.teams[ns]?.iamRoleArn)) {
            // Checked against the account once it is known: a role of another account fails the update.
            const principalArn = pulumi.output(args.account).apply((a) => teamAccessEntries(args.spark, a).find((t) => t.namespace === namespace)!.iamRoleArn);
            this.entries.push(
                new aws.eks.AccessEntry(`${name}-${namespace}`, { clusterName: args.clusterName, principalArn, type: "STANDARD", kubernetesGroups: [teamGroupName(args.spark, namespace)] }, { parent: this }),
            );
        }
        this.registerOutputs({});
    }
}
