/**
 * The Sealed Secrets controller, from its official chart (charts.sealedSecrets), when
 * secrets.provider is "sealed-secrets": operators seal each credential with kubeseal against the
 * controller's public key and apply the SealedSecret; the controller decrypts it into the Secret
 * the workloads read (docs/secrets.md).
 *
 * Values keys checked against helm/sealed-secrets/values.yaml of sealed-secrets v0.40.0 (chart
 * 2.19.3): fullnameOverride, image.{registry,repository,tag}, podSecurityContext.enabled,
 * containerSecurityContext.enabled (the chart omits the key and renders the rest), resources,
 * nodeSelector, priorityClassName. Its priority is the platform class, like the External Secrets
 * Operator's: Secrets it already wrote outlive an eviction.
 */
import * as pulumi from "@pulumi/pulumi";
import { namespaces } from "../config/names";
import { priorityClassName } from "../kubernetes/priorities";
import { chartResources, containerSecurityContext, pinnedChart, podSecurityContext, systemNodeSelector } from "./charts";

/** The release, and the controller's name kubeseal must be told (--controller-name, --controller-namespace). */
export const sealedSecretsRelease = { name: "sealed-secrets", namespace: namespaces.sealedSecrets, controller: "sealed-secrets-controller" } as const;

/**
 * The controller image: 0.40.0, the release whose tag carries the pinned chart, rather than the
 * chart's appVersion 0.39.1, because 0.40.0 stops /v1/rotate from acting as a decryption oracle
 * (its release notes).
 */
export const sealedSecretsImage = { registry: "docker.io", repository: "bitnami/sealed-secrets-controller", tag: "0.40.0" } as const;

/** The user the chart runs the controller as (containerSecurityContext.runAsUser). */
const controllerUser = 1001;

export function sealedSecretsValues(a: { readonly nodeGroups: boolean }): Record<string, unknown> {
    return {
        fullnameOverride: sealedSecretsRelease.controller,
        image: { ...sealedSecretsImage },
        podSecurityContext: { enabled: true, ...podSecurityContext(controllerUser) },
        containerSecurityContext: { enabled: true, ...containerSecurityContext({ readOnlyRootFilesystem: true, runAsUser: controllerUser, runAsGroup: controllerUser }) },
        resources: chartResources("20m", "128Mi"),
        ...(a.nodeGroups ? { nodeSelector: systemNodeSelector(true) } : {}),
        priorityClassName: priorityClassName("platform"),
    };
}

/** The Sealed Secrets controller's chart in its namespace. */
export class SealedSecretsController extends pulumi.ComponentResource {
    constructor(name: string, args: { readonly nodeGroups: boolean; readonly dependsOn?: pulumi.Input<pulumi.Resource>[] }, opts?: pulumi.ComponentResourceOptions) {
        super("spark-k8s:services:SealedSecretsController", name, {}, opts);
        pinnedChart(name, "sealedSecrets", { name: sealedSecretsRelease.name, namespace: sealedSecretsRelease.namespace, values: sealedSecretsValues(args) }, { parent: this, dependsOn: args.dependsOn });
        this.registerOutputs({});
    }
}
