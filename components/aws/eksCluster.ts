import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ClusterConfig } from "../config/schema";
import { kubernetesReleases } from "../config/kubernetesReleases";
import { clusterKmsPolicy, serviceTrustPolicy } from "./iamPolicies";

/** Inputs of EksCluster: name, cluster config, subnets, key and where it runs. */
export interface EksClusterArgs {
    /** Cluster name (`<platformName>-<stack>`). */
    readonly clusterName: string;
    /** The cluster config area: version, endpoint access, admin roles and control-plane logs. */
    readonly config: ClusterConfig;
    /** Private subnets for the control-plane ENIs. */
    readonly subnetIds: pulumi.Input<string[]>;
    /** Platform key that encrypts Kubernetes secrets, the control-plane log group and gp3 volumes. */
    readonly kmsKeyArn: pulumi.Input<string>;
    /** AWS region of the cluster, written into the kubeconfig's get-token command. */
    readonly region: string;
    /** AWS partition (aws, aws-cn, ...) of the managed policy ARNs. */
    readonly partition: pulumi.Input<string>;
    /** EKS deletion protection and Pulumi protect. */
    readonly deletionProtection: boolean;
}

/**
 * Configuration values of the managed add-ons that need any. vpc-cni: `enableNetworkPolicy`, a
 * string in the add-on's configuration schema (EKS user guide, "Configure your cluster for
 * Kubernetes network policies"), starts the network policy agent beside the CNI, so the
 * platform's NetworkPolicies bind; without it EKS accepts them and enforces nothing.
 */
export const addonConfiguration: Readonly<Record<string, string | undefined>> = {
    "vpc-cni": JSON.stringify({ enableNetworkPolicy: "true" }),
};

/** EKS add-ons that must run before nodes join (networking and credentials on every node). */
export const preNodeAddons = { vpcCni: "vpc-cni", kubeProxy: "kube-proxy", podIdentityAgent: "eks-pod-identity-agent" } as const;
/** EKS add-ons whose pods need nodes to schedule on. */
export const postNodeAddons = { coredns: "coredns", ebsCsiDriver: "aws-ebs-csi-driver" } as const;

export const clusterAdminPolicyArn = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";

/** A kubeconfig that authenticates with `aws eks get-token`, so it holds no long-lived credential. */
export function buildKubeconfig(a: { clusterName: string; endpoint: string; certificateAuthority: string; region: string }): string {
    return JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: a.clusterName, cluster: { server: a.endpoint, "certificate-authority-data": a.certificateAuthority } }],
        contexts: [{ name: a.clusterName, context: { cluster: a.clusterName, user: a.clusterName } }],
        "current-context": a.clusterName,
        users: [
            {
                name: a.clusterName,
                user: {
                    exec: {
                        apiVersion: "client.authentication.k8s.io/v1beta1",
                        command: "aws",
                        args: ["eks", "get-token", "--cluster-name", a.clusterName, "--region", a.region, "--output", "json"],
                    },
                },
            },
        ],
    });
}

/**
 * The EKS control plane: secrets envelope-encrypted with the platform key, control-plane logs, a
 * private endpoint (public only for configured CIDRs), API access entries for admin roles, the
 * add-ons nodes need, a default encrypted gp3 StorageClass, and a Kubernetes provider for what
 * follows.
 */
export class EksCluster extends pulumi.ComponentResource {
    readonly clusterName: pulumi.Output<string>;
    readonly endpoint: pulumi.Output<string>;
    readonly version: pulumi.Output<string>;
    readonly clusterSecurityGroupId: pulumi.Output<string>;
    /** Kubeconfig for the cluster; a Pulumi secret. */
    readonly kubeconfig: pulumi.Output<string>;
    readonly provider: k8s.Provider;
    /** The default StorageClass: gp3, encrypted with the platform key. */
    readonly storageClassName = "gp3-encrypted";
    /** The add-ons created before nodes, for ordering node groups after them. */
    readonly addons: aws.eks.Addon[];

    constructor(name: string, args: EksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("spark-k8s:aws:EksCluster", name, {}, opts);
        const c = args.config;
        const parent = { parent: this };

        const role = new aws.iam.Role(`${name}-cluster`, {
            assumeRolePolicy: JSON.stringify(serviceTrustPolicy("eks.amazonaws.com", true)),
            description: `EKS control plane of ${args.clusterName}`,
        }, parent);
        const policyAttachment = new aws.iam.RolePolicyAttachment(`${name}-cluster`, {
            role: role.name,
            policyArn: pulumi.interpolate`arn:${args.partition}:iam::aws:policy/AmazonEKSClusterPolicy`,
        }, parent);
        const kmsPolicy = new aws.iam.RolePolicy(`${name}-cluster-kms`, {
            role: role.id,
            policy: pulumi.output(args.kmsKeyArn).apply((arn) => JSON.stringify(clusterKmsPolicy(arn))),
        }, parent);

        // EKS writes to this group; creating it first sets retention and encryption, and lets
        // `pulumi destroy` remove it.
        const logGroup = new aws.cloudwatch.LogGroup(`${name}-control-plane`, {
            name: `/aws/eks/${args.clusterName}/cluster`,
            retentionInDays: c.logRetentionDays,
            kmsKeyId: args.kmsKeyArn,
        }, parent);

        const cluster = new aws.eks.Cluster(name, {
            name: args.clusterName,
            version: c.kubernetesVersion,
            roleArn: role.arn,
            vpcConfig: {
                subnetIds: args.subnetIds,
                endpointPrivateAccess: true,
                endpointPublicAccess: c.endpointPublicAccess,
                publicAccessCidrs: c.endpointPublicAccess ? c.publicAccessCidrs : undefined,
            },
            encryptionConfig: { provider: { keyArn: args.kmsKeyArn }, resources: ["secrets"] },
            enabledClusterLogTypes: c.logTypes,
            accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: true },
            bootstrapSelfManagedAddons: false,
            deletionProtection: args.deletionProtection,
            upgradePolicy: { supportType: "STANDARD" },
        }, { parent: this, dependsOn: [policyAttachment, kmsPolicy, logGroup], protect: args.deletionProtection });

        c.adminRoleArns.forEach((principalArn, i) => {
            const entry = new aws.eks.AccessEntry(`${name}-admin-${i}`, { clusterName: cluster.name, principalArn, type: "STANDARD" }, parent);
            new aws.eks.AccessPolicyAssociation(`${name}-admin-${i}`, {
                clusterName: cluster.name,
                principalArn: entry.principalArn,
                policyArn: clusterAdminPolicyArn,
                accessScope: { type: "cluster" },
            }, parent);
        });

        this.addons = Object.entries(preNodeAddons).map(
            ([key, addonName]) =>
                new aws.eks.Addon(`${name}-${addonName}`, {
                    clusterName: cluster.name,
                    addonName,
                    addonVersion: kubernetesReleases[c.kubernetesVersion].addons[key as keyof typeof preNodeAddons],
                    configurationValues: addonConfiguration[addonName],
                    resolveConflictsOnCreate: "OVERWRITE",
                    resolveConflictsOnUpdate: "PRESERVE",
                }, parent),
        );

        this.kubeconfig = pulumi.secret(
            pulumi
                .all([cluster.name, cluster.endpoint, cluster.certificateAuthority])
                .apply(([clusterName, endpoint, ca]) => buildKubeconfig({ clusterName, endpoint, certificateAuthority: ca.data ?? "", region: args.region })),
        );
        this.provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: this.kubeconfig, enableServerSideApply: true }, parent);

        new k8s.storage.v1.StorageClass(`${name}-gp3`, {
            metadata: { name: this.storageClassName, annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
            provisioner: "ebs.csi.aws.com",
            parameters: { type: "gp3", encrypted: "true", kmsKeyId: args.kmsKeyArn, "csi.storage.k8s.io/fstype": "ext4" },
            volumeBindingMode: "WaitForFirstConsumer",
            allowVolumeExpansion: true,
            reclaimPolicy: args.deletionProtection ? "Retain" : "Delete",
        }, { parent: this, provider: this.provider });

        this.clusterName = cluster.name;
        this.endpoint = cluster.endpoint;
        this.version = cluster.version;
        this.clusterSecurityGroupId = cluster.vpcConfig.apply((v) => v.clusterSecurityGroupId ?? "");
        this.registerOutputs({ clusterName: this.clusterName, endpoint: this.endpoint, kubeconfig: this.kubeconfig });
    }
}

/** Inputs of ClusterAddons: the cluster, its version and what must exist first. */
export interface ClusterAddonsArgs {
    /** EKS cluster the add-ons are installed into. */
    readonly clusterName: pulumi.Input<string>;
    /** The cluster config area; its kubernetesVersion picks the add-on versions. */
    readonly config: ClusterConfig;
    /** What must exist first: the node groups and the pod identity associations. */
    readonly dependsOn: pulumi.Resource[];
}

/** Add-ons that need nodes: CoreDNS and the EBS CSI driver (its identity comes from WorkloadIdentity). */
export class ClusterAddons extends pulumi.ComponentResource {
    constructor(name: string, args: ClusterAddonsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("spark-k8s:aws:ClusterAddons", name, {}, opts);
        for (const [key, addonName] of Object.entries(postNodeAddons)) {
            new aws.eks.Addon(`${name}-${addonName}`, {
                clusterName: args.clusterName,
                addonName,
                addonVersion: kubernetesReleases[args.config.kubernetesVersion].addons[key as keyof typeof postNodeAddons],
                resolveConflictsOnCreate: "OVERWRITE",
                resolveConflictsOnUpdate: "PRESERVE",
            }, { parent: this, dependsOn: args.dependsOn });
        }
        this.registerOutputs({});
    }
}
