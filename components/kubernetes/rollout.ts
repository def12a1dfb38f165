/** Roll-on-change: pods and Jobs whose template carries a hash of what they read restart when it changes. */
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";

/** Annotation on Job and pod templates holding the hash of everything a run depends on. */
export const inputsHashAnnotation = "spark-k8s/inputs-hash";
/** Annotation on pod templates holding a digest of the configuration files the pods mount. */
export const configHashAnnotation = "spark-k8s/conf-hash";

/** A short, stable digest of configuration text. */
export function contentHash(text: string): string {
    return createHash("sha256").update(text).digest("hex").slice(0, 16);
}

/**
 * Pod-template annotations that roll a workload when the configuration it mounts (a ConfigMap's
 * data) or the credentials it reads from Secrets (a hash from `inputsHash`) change. Every pod
 * template that reads generated configuration or credentials carries them.
 */
export function rolloutAnnotations(configData: pulumi.Input<Record<string, string>>, credentialsHash?: pulumi.Input<string>): Record<string, pulumi.Input<string>> {
    return {
        [configHashAnnotation]: pulumi.output(configData).apply((d) => contentHash(JSON.stringify(d))),
        ...(credentialsHash ? { [inputsHashAnnotation]: credentialsHash } : {}),
    };
}

/**
 * A hash of a run's inputs, for `inputsHashAnnotation`: SHA-256 of all of them together, cut to 128
 * bits. It is deliberately not a Pulumi secret even when the inputs include generated passwords:
 * a one-way hash over several random passwords reveals nothing about any of them, while a secret
 * annotation would make Pulumi hide the whole Job or pod spec in previews, plans and policies.
 */
export function inputsHash(parts: pulumi.Input<unknown>[]): pulumi.Output<string> {
    return pulumi.unsecret(pulumi.all(parts).apply((values) => createHash("sha256").update(JSON.stringify(values)).digest("hex").slice(0, 32)));
}
