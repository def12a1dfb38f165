/** Names shared by the AWS base and the Kubernetes components that follow it. */
import { PlatformConfig } from "./schema";

/** `<platform.name>-<stack>`: the EKS cluster name and the prefix of every physical name. */
export function platformId(c: { platform: { name: string }; stack: string }): string {
    return `${c.platform.name}-${c.stack}`;
}

/** Kubernetes namespaces and service accounts that receive AWS permissions through Pod Identity. */
export const serviceIdentities = {
    sparkJobs: { namespace: "spark-jobs", serviceAccount: "spark" },
    historyServer: { namespace: "spark-platform", serviceAccount: "spark-history-server" },
    airflow: { namespace: "airflow", serviceAccount: "airflow" },
    externalSecrets: { namespace: "external-secrets", serviceAccount: "external-secrets" },
    ebsCsiDriver: { namespace: "kube-system", serviceAccount: "ebs-csi-controller-sa" },
} as const;
export type ServiceIdentity = keyof typeof serviceIdentities;

/** Object-key prefix of Spark event logs inside the event-log bucket. */
export const eventLogPrefix = "spark-events/";

/** Tags on every AWS resource of the stack. */
export function platformTags(c: PlatformConfig): Record<string, string> {
    return {
        "spark-k8s:platform": c.platform.name,
        "spark-k8s:stack": c.stack,
        "spark-k8s:environment": c.tier,
        "managed-by": "pulumi",
        ...c.platform.tags,
    };
}
