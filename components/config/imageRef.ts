/**
 * Container image references: the one parser every check of the platform uses (the config schema,
 * the hardening helper, the Spark configuration, the chart values and the policy pack).
 */

/** A pinned reference: repository plus an exact tag or a sha256 digest. */
export interface ImageRef {
    /** Registry, port and path: everything before the tag, or before the "@" of a digest. */
    readonly repository: string;
    /** The tag, never latest. Absent when pinned by digest alone; beside a digest (`repo:tag@sha256:…`) it only names it: the digest decides what is pulled. */
    readonly tag?: string;
    /** `sha256:` and 64 hex digits; absent when pinned by tag. */
    readonly digest?: string;
}

const digestPattern = /^sha256:[0-9a-f]{64}$/;
/** The OCI distribution tag grammar. */
const tagPattern = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/**
 * The parts of a pinned image reference, or undefined when it is not pinned: no tag, the tag
 * latest (any case), a malformed digest. A registry port (`registry:5000/spark`) is not a tag.
 */
export function parsePinnedImage(ref: string): ImageRef | undefined {
    if (ref === "" || /\s/.test(ref)) return undefined;
    const at = ref.indexOf("@");
    if (at >= 0) {
        const digest = ref.slice(at + 1);
        if (at === 0 || !digestPattern.test(digest)) return undefined;
        const named = ref.slice(0, at);
        const colon = named.lastIndexOf(":");
        if (colon <= 0 || colon < named.lastIndexOf("/")) return { repository: named, digest };
        const tag = named.slice(colon + 1);
        return tagPattern.test(tag) ? { repository: named.slice(0, colon), tag, digest } : undefined;
    }
    const colon = ref.lastIndexOf(":");
    if (colon <= 0 || colon < ref.lastIndexOf("/")) return undefined;
    const tag = ref.slice(colon + 1);
    if (!tagPattern.test(tag) || tag.toLowerCase() === "latest") return undefined;
    return { repository: ref.slice(0, colon), tag };
}

/** Why a reference is not pinned ("uses the latest tag", "has no tag"…), or undefined when it is. */
export function unpinnedReason(ref: string): string | undefined {
    if (parsePinnedImage(ref) !== undefined) return undefined;
    if (ref.includes("@")) return "has a malformed digest";
    const colon = ref.lastIndexOf(":");
    if (colon <= 0 || colon < ref.lastIndexOf("/")) return "has no tag";
    return ref.slice(colon + 1).toLowerCase() === "latest" ? "uses the latest tag" : "has an invalid tag";
}

/** True when an image reference is pinned by a tag other than latest or by a sha256 digest. */
export function isPinnedImage(ref: string): boolean {
    return parsePinnedImage(ref) !== undefined;
}

/** True when an image reference is pinned by digest. */
export function isDigestPinned(ref: string): boolean {
    return parsePinnedImage(ref)?.digest !== undefined;
}
