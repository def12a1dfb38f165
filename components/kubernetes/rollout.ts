/** Roll-on-change: pods and Jobs whose template carries a hash of what they read restart when it changes. */
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";

/** Annotation on Job and pod templates holding the hash of everything a run depends on. */
export const inputsHashAnnotation = "spark-k8s/inputs-hash";

/**
 * A hash of a run's inputs, for `inputsHashAnnotation`: SHA-256 of all of them together, cut to 128
 * bits. It is deliberately not a Pulumi secret even when the inputs include generated passwords:
 * a one-way hash over several random passwords reveals nothing about any of them, while a secret
 * annotation would make Pulumi hide the whole Job or pod spec in previews, plans and policies.
 */
export function inputsHash(parts: pulumi.Input<unknown>[]): pulumi.Output<string> {
    return pulumi.unsecret(pulumi.all(parts).apply((values) => createHash("sha256").update(JSON.stringify(values)).digest("hex").slice(0, 32)));
}
