/**
 * Images: every container runs a pinned image, so what runs is what was reviewed.
 */
import { isDigestPinned, unpinnedReason } from "../../components/config/imageRef";
import { isPlatformImage } from "../../components/config/registry";
import { enforcement, PlatformResourceRule, configOf } from "../lib/rule";
import { eachContainer } from "./common";

export interface ImagesPinnedConfig {
    /** Require a @sha256 digest rather than a tag for every image. Default false. */
    readonly requireDigest: boolean;
    /** Require a digest for the images built from images/ (the platform resolves them in ECR). Prod turns it on. */
    readonly requireDigestForPlatformImages: boolean;
}

export const imagesPinnedDefaults: ImagesPinnedConfig = { requireDigest: false, requireDigestForPlatformImages: false };


export const imagesPinned: PlatformResourceRule = {
    kind: "resource",
    family: "kubernetes",
    name: "images-pinned",
    description:
        "Every container image must be pinned: a tag other than latest, or a @sha256 digest; with config requireDigest " +
        "(default false; turn it on where an image pipeline publishes digests) only a digest will do; with requireDigestForPlatformImages (on in prod) " +
        "the images built from images/ (…/spark-k8s/<image>) must be digests, as the stacks deploy them from ECR. An image that is not a string (unknown at preview, or unset " +
        "on a SparkApplication that inherits it) is skipped.",
    severity: "high",
    remediation: "Reference the image by an exact version tag (apache/spark:3.5.3) or, where a digest is required, by repository@sha256:<digest>.",
    defaultEnforcement: enforcement.core,
    configSchema: {
        properties: {
            requireDigest: { type: "boolean", default: false, description: "Require images pinned by @sha256 digest, not only by tag." },
            requireDigestForPlatformImages: {
                type: "boolean",
                default: false,
                description: "Require the platform's own images (built from images/, repository …/spark-k8s/<image>) pinned by @sha256 digest.",
            },
        },
    },
    validateResource: (args, reportViolation) => {
        const config = configOf(args, imagesPinnedDefaults);
        eachContainer(args, ({ where, container }) => {
            const image = container.container.image;
            if (typeof image !== "string") return;
            const why = unpinnedReason(image);
            if (why) {
                reportViolation(`${where}: image "${image}" ${why}; pin it by version tag or @sha256 digest`);
            } else if (config.requireDigest && !isDigestPinned(image)) {
                reportViolation(`${where}: image "${image}" is pinned by tag only; requireDigest asks for a @sha256 digest`);
            } else if (config.requireDigestForPlatformImages && isPlatformImage(image) && !isDigestPinned(image)) {
                reportViolation(
                    `${where}: platform image "${image}" is pinned by tag only; requireDigestForPlatformImages asks for a @sha256 digest ` +
                        "(push it to the stack's registry, where the stack resolves its digest, or promote the digests another stack runs)",
                );
            }
        });
    },
};
