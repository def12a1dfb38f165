import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { serviceIdentities } from "../config/names";
import { namespaceManifest } from "../kubernetes/namespaces";
import { sparkDriverRules, teamRules } from "../kubernetes/rbac";
import { jobNamespaceLabel, teamLimitRange, teamLimitRangeName, teamQuotaName, teamResourceQuota, teamRoleName, TeamSettings } from "./teams";

/** Inputs of SparkJobNamespace: the namespace's name, its Pod Security pin and its team's quota. */
export interface SparkJobNamespaceArgs {
    /** Name of the namespace to create: one entry of spark.jobNamespaces. */
    readonly namespace: string;
    /** Kubernetes minor the Pod Security labels pin, such as "v1.33". */
    readonly podSecurityVersion: string;
    /** The team's quota and container defaults (teamSettings). */
    readonly team: TeamSettings;
    /** The Kubernetes group of the team's members (teamGroupName), bound to the team Role here. */
    readonly group: string;
}

/**
 * A namespace Spark jobs run in, one team's: Pod Security "restricted", the team's ResourceQuota,
 * default requests for pods that set none, and the `spark` service account whose Role lets a driver manage its executors (pods,
 * services, config maps, volume claims) in this namespace only. On AWS the service account gets
 * S3 access from its EKS Pod Identity association. The team's group gets the `team` Role
 * (teamRules) in this namespace only.
 */
export class SparkJobNamespace extends pulumi.ComponentResource {
    readonly namespace: pulumi.Output<string>;
    readonly serviceAccountName: pulumi.Output<string>;

    constructor(name: string, args: SparkJobNamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("spark-k8s:spark:SparkJobNamespace", name, {}, opts);
        const parent = { parent: this };
        const ns = new k8s.core.v1.Namespace(name, namespaceManifest(args.namespace, { podSecurity: "restricted", kubernetesVersion: args.podSecurityVersion, labels: { [jobNamespaceLabel]: "true" } }), parent);
        const namespace = ns.metadata.name;
        new k8s.core.v1.LimitRange(name, { ...teamLimitRange(args.namespace, args.team.limits), metadata: { name: teamLimitRangeName, namespace } }, parent);
        new k8s.core.v1.ResourceQuota(name, { ...teamResourceQuota(args.namespace, args.team.quota), metadata: { name: teamQuotaName, namespace } }, parent);
        const account = serviceIdentities.sparkJobs.serviceAccount;
        const sa = new k8s.core.v1.ServiceAccount(name, {
            metadata: { name: account, namespace, labels: { "app.kubernetes.io/part-of": "spark-k8s" } },
            // Drivers started by spark-submit or the operator must reach the API to create executors;
            // the executor pod template turns the token off again for executors.
            automountServiceAccountToken: true,
        }, parent);
        const role = new k8s.rbac.v1.Role(name, { metadata: { name: "spark-driver", namespace }, rules: sparkDriverRules() }, parent);
        new k8s.rbac.v1.RoleBinding(name, {
            metadata: { name: "spark-driver", namespace },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
            subjects: [{ kind: "ServiceAccount", name: sa.metadata.name, namespace }],
        }, parent);
        const teamRole = new k8s.rbac.v1.Role(`${name}-team`, { metadata: { name: teamRoleName, namespace }, rules: teamRules() }, parent);
        new k8s.rbac.v1.RoleBinding(`${name}-team`, {
            metadata: { name: teamRoleName, namespace },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: teamRole.metadata.name },
            subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: args.group }],
        }, parent);
        this.namespace = namespace;
        this.serviceAccountName = sa.metadata.name;
        this.registerOutputs({ namespace: this.namespace });
    }
}
