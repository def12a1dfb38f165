/**
 * The External Secrets Operator, from its official chart (charts.externalSecrets), on every AWS
 * stack and wherever secrets.provider is a store provider, and the ClusterSecretStore of that
 * provider (on AWS by default Secrets Manager, read with the operator's Pod Identity role).
 *
 * Values keys checked against deploy/charts/external-secrets/values.yaml of external-secrets
 * v1.3.2: installCRDs, bitwarden-sdk-server.enabled, replicaCount, leaderElect, image.{repository,tag}, serviceAccount.{create,
 * name}, livenessProbe.enabled, podSecurityContext.enabled (the chart renders the block only with it and one more key),
 * securityContext.enabled, resources, nodeSelector, priorityClassName, podDisruptionBudget.{enabled,minAvailable},
 * and the same under webhook and certController (templates/{,webhook-,cert-controller-}poddisruptionbudget.yaml
 * render each budget only when enabled).
 *
 * Priority: the platform class, not system-cluster-critical. The operator only copies secrets: when
 * it is evicted, the Secrets it wrote stay and pods keep running; only new or rotated values wait.
 * The system classes are for what the cluster cannot work without (DNS, node provisioning), and a
 * cluster may keep them to kube-system with a quota.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { namespaces, serviceIdentities } from "../config/names";
import { SecretProvider, SecretsConfig } from "../config/schema";
import type { SecretStoreEndpoint } from "../kubernetes/networkFlows";
import { priorityClassName } from "../kubernetes/priorities";
import { chartResources, containerSecurityContext, pinnedChart, podSecurityContext, systemNodeSelector } from "./charts";
import { ControllerReplicas, controllerReplicas } from "./replication";

/** The Helm release: its name and namespace. */
export const externalSecretsRelease = { name: "external-secrets", namespace: namespaces.externalSecrets } as const;

/** The operator's image, one tag for controller, webhook and cert controller: the chart's release. */
export const externalSecretsImage = { repository: "ghcr.io/external-secrets/external-secrets", tag: "v1.3.2" } as const;

/** The user the image runs as (the chart's default securityContext.runAsUser). */
const operatorUser = 1000;

/** The ClusterSecretStore the platform's ExternalSecrets name, whatever its provider. */
export const platformSecretStoreName = "platform-secrets";

/** Providers the External Secrets Operator reads through the platform's ClusterSecretStore. */
export const storeProviders = ["aws-secrets-manager", "vault", "azure-key-vault", "gcp-secret-manager", "ibm-secrets-manager"] as const satisfies readonly SecretProvider[];
export type StoreProvider = (typeof storeProviders)[number];
export const isStoreProvider = (p: SecretProvider): p is StoreProvider => (storeProviders as readonly string[]).includes(p);

/** Inputs of externalSecretsValues, the pure function that writes the chart values. */
export interface ExternalSecretsValuesArgs {
    /** Service account of the controller, which carries the Pod Identity association. */
    readonly serviceAccountName: string;
    /** Whether the platform made node groups: the pods then go to the system nodes. */
    readonly nodeGroups: boolean;
    /** Annotations of the controller's service account: what federates it with a cloud identity. */
    readonly serviceAccountAnnotations?: Readonly<Record<string, string>>;
    /** Labels of the controller's pods (Azure's workload identity webhook selects them by one). */
    readonly podLabels?: Readonly<Record<string, string>>;
    /** Controller and webhook replicas (controllerReplicas); one each when absent. */
    readonly replicas?: Pick<ControllerReplicas, "externalSecretsController" | "externalSecretsWebhook">;
}

/** Replicas of one Deployment of the chart, with a budget that lets one pod go when there are several. */
function replicated(replicaCount: number): Record<string, unknown> {
    return { replicaCount, podDisruptionBudget: replicaCount > 1 ? { enabled: true, minAvailable: replicaCount - 1 } : { enabled: false } };
}

/** The hardening every one of the chart's three Deployments gets. */
function hardened(nodeGroups: boolean, cpu: string, memory: string): Record<string, unknown> {
    return {
        image: { ...externalSecretsImage },
        podSecurityContext: { enabled: true, ...podSecurityContext(operatorUser) },
        securityContext: { enabled: true, ...containerSecurityContext({ readOnlyRootFilesystem: true, runAsUser: operatorUser, runAsGroup: operatorUser }) },
        resources: chartResources(cpu, memory),
        ...(nodeGroups ? { nodeSelector: systemNodeSelector(true) } : {}),
        priorityClassName: priorityClassName("platform"),
    };
}

export function externalSecretsValues(a: ExternalSecretsValuesArgs): Record<string, unknown> {
    const replicas = a.replicas ?? controllerReplicas(false);
    return {
        installCRDs: true,
        ...replicated(replicas.externalSecretsController),
        // Extra replicas are standbys: only the leader reconciles.
        leaderElect: replicas.externalSecretsController > 1,
        // The Bitwarden provider's server; the platform offers no Bitwarden store.
        "bitwarden-sdk-server": { enabled: false },
        serviceAccount: { create: true, name: a.serviceAccountName, ...(a.serviceAccountAnnotations ? { annotations: { ...a.serviceAccountAnnotations } } : {}) },
        ...(a.podLabels ? { podLabels: { ...a.podLabels } } : {}),
        // The chart's default spec: GET /healthz on the named port "live" (8082).
        livenessProbe: { enabled: true },
        ...hardened(a.nodeGroups, "50m", "256Mi"),
        webhook: { create: true, ...replicated(replicas.externalSecretsWebhook), ...hardened(a.nodeGroups, "20m", "128Mi") },
        certController: { create: true, ...replicated(1), ...hardened(a.nodeGroups, "20m", "128Mi") },
    };
}

/** The settings of the store providers (the secrets config area without AWS's own keys). */
export type StoreSettings = Pick<SecretsConfig, "provider" | "vault" | "azureKeyVault" | "gcpSecretManager" | "ibmSecretsManager">;

/**
 * The provider block of the platform's ClusterSecretStore (external-secrets.io/v1). Every provider
 * authenticates as the operator's own service account: AWS through its Pod Identity role (no
 * credentials named, the SDK takes the pod's), Vault through its Kubernetes auth method, Azure and
 * GCP through workload identity; IBM with the API key of a Secret made outside Pulumi.
 */
export function storeProvider(s: StoreSettings & { provider: StoreProvider }, region: string): Record<string, unknown> {
    const operator = { name: serviceIdentities.externalSecrets.serviceAccount, namespace: serviceIdentities.externalSecrets.namespace };
    switch (s.provider) {
        case "aws-secrets-manager":
            if (!region) throw new Error("storeProvider: aws-secrets-manager needs the stack's region");
            return { aws: { service: "SecretsManager", region } };
        case "vault":
            return { vault: { server: s.vault.server, path: s.vault.mountPath, version: "v2", auth: { kubernetes: { mountPath: s.vault.authMountPath, role: s.vault.authRole, serviceAccountRef: operator } } } };
        case "azure-key-vault":
            return { azurekv: { authType: "WorkloadIdentity", vaultUrl: s.azureKeyVault.vaultUrl, tenantId: s.azureKeyVault.tenantId, serviceAccountRef: operator } };
        case "gcp-secret-manager": {
            const wi = s.gcpSecretManager.workloadIdentity;
            return {
                gcpsm: {
                    projectID: s.gcpSecretManager.projectId,
                    auth: { workloadIdentity: { clusterLocation: wi.clusterLocation, clusterName: wi.clusterName, clusterProjectID: wi.clusterProjectId || s.gcpSecretManager.projectId, serviceAccountRef: operator } },
                },
            };
        }
        case "ibm-secrets-manager":
            return { ibm: { serviceUrl: s.ibmSecretsManager.serviceUrl, auth: { secretRef: { secretApiKeySecretRef: { ...s.ibmSecretsManager.apiKeySecretRef } } } } };
    }
}

/** The platform's ClusterSecretStore of a store provider. */
export function clusterSecretStore(s: StoreSettings & { provider: StoreProvider }, region: string): Record<string, unknown> {
    return {
        apiVersion: "external-secrets.io/v1",
        kind: "ClusterSecretStore",
        metadata: { name: platformSecretStoreName, labels: { "app.kubernetes.io/part-of": "spark-k8s" } },
        spec: { provider: storeProvider(s, region) },
    };
}

/**
 * Where the controller reaches the store, for the flow table: Vault at its server URL's port (it may
 * run in the VPC or outside it); the cloud services at their public HTTPS endpoints (Secrets
 * Manager has no VPC endpoint in this network, so it is reached through the NAT gateway).
 */
export function storeEndpoint(s: StoreSettings & { provider: StoreProvider }): SecretStoreEndpoint {
    switch (s.provider) {
        case "vault": {
            const url = new URL(s.vault.server);
            return { name: "Vault", port: url.port ? Number(url.port) : 443, outsideVpc: false };
        }
        case "aws-secrets-manager":
            return { name: "AWS Secrets Manager", port: 443, outsideVpc: true };
        case "azure-key-vault":
            return { name: "Azure Key Vault and Entra ID", port: 443, outsideVpc: true };
        case "gcp-secret-manager":
            return { name: "GCP Secret Manager and Google's token service", port: 443, outsideVpc: true };
        case "ibm-secrets-manager":
            return { name: "IBM Secrets Manager and IBM Cloud IAM", port: 443, outsideVpc: true };
    }
}

/** The flow table's view of the operator: absent when it does not run, with its store's endpoint when it reads one. */
export function externalSecretsFlows(plan: ExternalSecretsArgs | undefined): { store?: SecretStoreEndpoint } | undefined {
    if (!plan) return undefined;
    const s = plan.settings;
    return { store: isStoreProvider(s.provider) ? storeEndpoint({ ...s, provider: s.provider }) : undefined };
}

/** What the provider's identity federation needs on the operator's service account and pods. */
export function operatorIdentity(s: StoreSettings): Pick<ExternalSecretsValuesArgs, "serviceAccountAnnotations" | "podLabels"> {
    switch (s.provider) {
        case "azure-key-vault":
            return { serviceAccountAnnotations: { "azure.workload.identity/client-id": s.azureKeyVault.workloadIdentityClientId }, podLabels: { "azure.workload.identity/use": "true" } };
        case "gcp-secret-manager":
            return { serviceAccountAnnotations: { "iam.gke.io/gcp-service-account": s.gcpSecretManager.workloadIdentity.gcpServiceAccount } };
        default:
            return {};
    }
}

/** Inputs of ExternalSecretsOperator. */
export interface ExternalSecretsArgs {
    /** The stack's AWS region; "" on the local tier. */
    readonly region: string;
    /** The secret provider and its settings; a ClusterSecretStore exists only for a store provider. */
    readonly settings: StoreSettings;
    /** Wait for these first: the namespace and the controller's Pod Identity association. */
    readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * Where the operator runs: on every AWS stack (its Pod Identity role reads the platform's Secrets
 * Manager secrets), and on the local tier only when secrets.provider is a store provider.
 */
export function externalSecretsPlan(c: { tier: string; region: string; secrets: StoreSettings }): ExternalSecretsArgs | undefined {
    if (c.tier === "local" && !isStoreProvider(c.secrets.provider)) return undefined;
    const { provider, vault, azureKeyVault, gcpSecretManager, ibmSecretsManager } = c.secrets;
    return { region: c.region, settings: { provider, vault, azureKeyVault, gcpSecretManager, ibmSecretsManager } };
}

/** The operator's chart in its namespace, and the store of a store provider once its CRDs exist. */
export class ExternalSecretsOperator extends pulumi.ComponentResource {
    readonly chart: k8s.helm.v4.Chart;
    readonly store?: k8s.apiextensions.CustomResource;

    constructor(name: string, args: ExternalSecretsArgs & { readonly nodeGroups: boolean; readonly replicas?: ControllerReplicas }, opts?: pulumi.ComponentResourceOptions) {
        super("spark-k8s:services:ExternalSecretsOperator", name, {}, opts);
        this.chart = pinnedChart(name, "externalSecrets", {
            ...externalSecretsRelease,
            values: externalSecretsValues({ serviceAccountName: serviceIdentities.externalSecrets.serviceAccount, nodeGroups: args.nodeGroups, replicas: args.replicas, ...operatorIdentity(args.settings) }),
        }, { parent: this, dependsOn: args.dependsOn });
        const settings = args.settings;
        if (isStoreProvider(settings.provider)) {
            const store = clusterSecretStore({ ...settings, provider: settings.provider }, args.region);
            this.store = new k8s.apiextensions.CustomResource(`${name}-store`, store as k8s.apiextensions.CustomResourceArgs, { parent: this, dependsOn: [this.chart] });
        }
        this.registerOutputs({});
    }
}
