/**
 * The External Secrets Operator on AWS stacks, from its official chart (charts.externalSecrets),
 * and the ClusterSecretStore through which it reads the platform's Secrets Manager secrets with
 * its Pod Identity role.
 *
 * Values keys checked against deploy/charts/external-secrets/values.yaml of external-secrets
 * v1.3.2: installCRDs, bitwarden-sdk-server.enabled, replicaCount, leaderElect, image.{repository,tag}, serviceAccount.{create,
 * name}, livenessProbe.enabled, podSecurityContext.enabled (the chart renders the block only with it and one more key),
 * securityContext.enabled, resources, nodeSelector, priorityClassName, and the same under webhook
 * and certController.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { namespaces, serviceIdentities } from "../config/names";
import { chartResources, containerSecurityContext, pinnedChart, podSecurityContext, systemNodeSelector } from "./charts";

/** The Helm release: its name and namespace. */
export const externalSecretsRelease = { name: "external-secrets", namespace: namespaces.externalSecrets } as const;

/** The operator's image, one tag for controller, webhook and cert controller: the chart's release. */
export const externalSecretsImage = { repository: "ghcr.io/external-secrets/external-secrets", tag: "v1.3.2" } as const;

/** The user the image runs as (the chart's default securityContext.runAsUser). */
const operatorUser = 1000;

/** The ClusterSecretStore the platform's ExternalSecrets name on AWS. */
export const platformSecretStoreName = "platform-secrets";

/** Inputs of externalSecretsValues, the pure function that writes the chart values. */
export interface ExternalSecretsValuesArgs {
    /** Service account of the controller, which carries the Pod Identity association. */
    readonly serviceAccountName: string;
    /** Whether the platform made node groups: the pods then go to the system nodes. */
    readonly nodeGroups: boolean;
}

/** The hardening every one of the chart's three Deployments gets. */
function hardened(nodeGroups: boolean, cpu: string, memory: string): Record<string, unknown> {
    return {
        image: { ...externalSecretsImage },
        podSecurityContext: { enabled: true, ...podSecurityContext(operatorUser) },
        securityContext: { enabled: true, ...containerSecurityContext({ readOnlyRootFilesystem: true, runAsUser: operatorUser, runAsGroup: operatorUser }) },
        resources: chartResources(cpu, memory),
        ...(nodeGroups ? { nodeSelector: systemNodeSelector(true) } : {}),
        priorityClassName: "system-cluster-critical",
    };
}

export function externalSecretsValues(a: ExternalSecretsValuesArgs): Record<string, unknown> {
    return {
        installCRDs: true,
        replicaCount: 1,
        leaderElect: false,
        // The Bitwarden provider's server; the platform offers no Bitwarden store.
        "bitwarden-sdk-server": { enabled: false },
        serviceAccount: { create: true, name: a.serviceAccountName },
        // The chart's default spec: GET /healthz on the named port "live" (8082).
        livenessProbe: { enabled: true },
        ...hardened(a.nodeGroups, "50m", "256Mi"),
        webhook: { create: true, replicaCount: 1, ...hardened(a.nodeGroups, "20m", "128Mi") },
        certController: { create: true, replicaCount: 1, ...hardened(a.nodeGroups, "20m", "128Mi") },
    };
}

/**
 * The ClusterSecretStore of AWS Secrets Manager in the stack's region. It names no credentials:
 * the controller's AWS SDK takes those of its pod, the Pod Identity role.
 */
export function awsSecretsManagerStore(region: string): Record<string, unknown> {
    return {
        apiVersion: "external-secrets.io/v1",
        kind: "ClusterSecretStore",
        metadata: { name: platformSecretStoreName, labels: { "app.kubernetes.io/part-of": "spark-k8s" } },
        spec: { provider: { aws: { service: "SecretsManager", region } } },
    };
}

/** Inputs of ExternalSecretsOperator. */
export interface ExternalSecretsArgs {
    /** Region of the platform's Secrets Manager secrets. */
    readonly region: string;
    /** Wait for these first: the namespace and the controller's Pod Identity association. */
    readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** The operator's chart in its namespace, and the store of the platform's secrets once its CRDs exist. */
export class ExternalSecretsOperator extends pulumi.ComponentResource {
    readonly chart: k8s.helm.v4.Chart;
    readonly store: k8s.apiextensions.CustomResource;

    constructor(name: string, args: ExternalSecretsArgs & { readonly nodeGroups: boolean }, opts?: pulumi.ComponentResourceOptions) {
        super("spark-k8s:services:ExternalSecretsOperator", name, {}, opts);
        this.chart = pinnedChart(name, "externalSecrets", {
            ...externalSecretsRelease,
            values: externalSecretsValues({ serviceAccountName: serviceIdentities.externalSecrets.serviceAccount, nodeGroups: args.nodeGroups }),
        }, { parent: this, dependsOn: args.dependsOn });
        const store = awsSecretsManagerStore(args.region);
        this.store = new k8s.apiextensions.CustomResource(`${name}-store`, store as k8s.apiextensions.CustomResourceArgs, { parent: this, dependsOn: [this.chart] });
        this.registerOutputs({});
    }
}
