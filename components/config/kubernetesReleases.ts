/**
 * The Kubernetes versions the platform accepts on EKS, each with the add-on versions built for it
 * and the cluster-autoscaler release of the same minor. One table: the schema accepts exactly its
 * versions, the tier defaults take the newest, and EksCluster and the cluster-autoscaler read the
 * versions of the chosen one. A version without a row is refused.
 *
 * Reviewed on 2026-11-29 against the Amazon EKS user guide's release calendar and "latest version
 * for each Kubernetes version" tables (kube-proxy, CoreDNS, Amazon VPC CNI), and the
 * kubernetes/autoscaler cluster-autoscaler-1.3x releases. The VPC CNI for 1.36, the EBS CSI driver
 * and the Pod Identity agent have no per-version table in the guide; their builds are the newest
 * seen from `aws eks describe-addon-versions` for these versions. Before adding a row, check with
 * `aws eks describe-addon-versions --kubernetes-version <v> --addon-name <name>`
 * (docs/operations.md, "Kubernetes upgrades").
 */

/** EKS add-on versions, by the config-style name of each add-on. */
export interface AddonVersions {
    /** vpc-cni, the Amazon VPC CNI that gives pods VPC addresses. */
    readonly vpcCni: string;
    /** kube-proxy, which routes Service traffic on every node. */
    readonly kubeProxy: string;
    /** eks-pod-identity-agent, which hands pods the credentials of their IAM role. */
    readonly podIdentityAgent: string;
    /** coredns, the cluster DNS; installed once nodes exist. */
    readonly coredns: string;
    /** aws-ebs-csi-driver, which backs volume claims with EBS; installed once nodes exist. */
    readonly ebsCsiDriver: string;
}

/** One accepted Kubernetes minor: its EKS support window and the versions pinned for it. */
export interface KubernetesRelease {
    /** Amazon EKS's end of standard support (YYYY-MM-DD); extended support costs extra after it. */
    readonly standardSupportEnds: string;
    /** EKS add-on versions built for this minor. */
    readonly addons: AddonVersions;
    /** registry.k8s.io/autoscaling/cluster-autoscaler tag: the newest release of the same minor. */
    readonly clusterAutoscalerImageTag: string;
}

/** When the table was last checked against AWS; the tests hold the default to standard support on this day. */
export const kubernetesReleasesReviewedOn = "2026-11-29";

const ebsCsiDriver = "v1.66.0-eksbuild.1";
const podIdentityAgent = "v1.4.0-eksbuild.2";

export const kubernetesReleases = {
    "1.33": {
        standardSupportEnds: "2026-07-29",
        addons: { vpcCni: "v1.21.1-eksbuild.7", kubeProxy: "v1.33.10-eksbuild.13", podIdentityAgent, coredns: "v1.12.4-eksbuild.18", ebsCsiDriver },
        clusterAutoscalerImageTag: "v1.33.6",
    },
    "1.34": {
        standardSupportEnds: "2026-12-02",
        addons: { vpcCni: "v1.21.1-eksbuild.7", kubeProxy: "v1.34.6-eksbuild.13", podIdentityAgent, coredns: "v1.13.2-eksbuild.11", ebsCsiDriver },
        clusterAutoscalerImageTag: "v1.34.5",
    },
    "1.35": {
        standardSupportEnds: "2027-03-27",
        addons: { vpcCni: "v1.21.1-eksbuild.7", kubeProxy: "v1.35.3-eksbuild.13", podIdentityAgent, coredns: "v1.14.3-eksbuild.3", ebsCsiDriver },
        clusterAutoscalerImageTag: "v1.35.2",
    },
    "1.36": {
        standardSupportEnds: "2027-08-02",
        addons: { vpcCni: "v1.22.4-eksbuild.3", kubeProxy: "v1.36.0-eksbuild.14", podIdentityAgent, coredns: "v1.14.3-eksbuild.3", ebsCsiDriver },
        clusterAutoscalerImageTag: "v1.36.1",
    },
} as const satisfies Record<string, KubernetesRelease>;

export type KubernetesVersion = keyof typeof kubernetesReleases;

/**
 * The minors the pinned Karpenter (charts.karpenter in components/services/charts.ts, 1.13.0)
 * supports: its compatibility matrix (aws/karpenter-provider-aws,
 * website/content/en/v1.13/upgrading/compatibility.md) lists 1.33 from Karpenter 1.5, 1.34 from
 * 1.6, 1.35 from 1.9 and 1.36 with 1.13.x. A new row above needs a Karpenter that supports it.
 */
export const karpenterKubernetesVersions: readonly string[] = ["1.33", "1.34", "1.35", "1.36"];

/** Every version the platform accepts, oldest first. */
export const kubernetesVersions = Object.keys(kubernetesReleases) as [KubernetesVersion, ...KubernetesVersion[]];

/** The newest version in the table: the default on every AWS tier. */
export const defaultKubernetesVersion: KubernetesVersion = kubernetesVersions[kubernetesVersions.length - 1];
