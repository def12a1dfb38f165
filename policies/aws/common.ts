/**
 * Shared pieces of the AWS rules: type tokens (checked against @pulumi/aws 7.48) and readers that
 * tell "absent" from "unknown during preview".
 *
 * How the analyzer shows a value it cannot know yet (checked in @pulumi/policy 1.21, proxy.js):
 * resource props are wrapped in a proxy that throws UnknownValueError when an unknown property is
 * read; the raw value underneath is a sentinel string. An absent property is plain `undefined`.
 * The readers below turn both unknown forms — the error and the sentinel — and a non-object where
 * an object is expected into UNKNOWN, so a rule can skip that check instead of failing the whole
 * validation. Each rule says which absent (undefined) fields it reports: only fields whose AWS
 * default is the insecure choice.
 */
import * as policy from "@pulumi/policy";
import { ResourceValidationArgs } from "@pulumi/policy";

/** Type tokens the AWS rules compare `args.type` with. */
export const awsTypes = {
    eksCluster: "aws:eks/cluster:Cluster",
    eksNodeGroup: "aws:eks/nodeGroup:NodeGroup",
    launchTemplate: "aws:ec2/launchTemplate:LaunchTemplate",
    kmsKey: "aws:kms/key:Key",
    secret: "aws:secretsmanager/secret:Secret",
    rdsInstance: "aws:rds/instance:Instance",
    rdsCluster: "aws:rds/cluster:Cluster",
    rdsClusterInstance: "aws:rds/clusterInstance:ClusterInstance",
} as const;

/** S3 buckets and their side resources; the deprecated `…V2` tokens still exist in pulumi-aws v7. */
export const s3Types = {
    bucket: ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"],
    publicAccessBlock: ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"],
    encryption: [
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
    ],
    ownership: ["aws:s3/bucketOwnershipControls:BucketOwnershipControls"],
    policy: ["aws:s3/bucketPolicy:BucketPolicy"],
    lifecycle: ["aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2"],
    versioning: ["aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2"],
} as const;

/** Marks a value the engine cannot know during preview. */
export const UNKNOWN: unique symbol = Symbol("unknown during preview");
export type Unknown = typeof UNKNOWN;

/** The sentinel strings @pulumi/policy uses for unknown values (proxy.js). */
export const unknownSentinels = new Set([
    "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7", // boolean
    "3eeb2bf0-c639-47a8-9e75-3b44932eb421", // number
    "04da6b54-80e4-46f7-96ec-b56ff0331ba9", // string
    "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2", // array
    "030794c1-ac77-496b-92df-f27374a8bd58", // asset
    "e48ece36-62e2-4504-bad9-02848725956a", // archive
    "dd056dcd-154b-4c76-9bd3-c8f88648b5ff", // object
]);

/** The SDK's UnknownValueError class; exported at runtime though not in the typings. */
const UnknownValueError = (policy as unknown as { UnknownValueError?: new (...a: never[]) => Error }).UnknownValueError;

function isUnknownValueError(e: unknown): boolean {
    if (UnknownValueError && e instanceof UnknownValueError) return true;
    return e instanceof Error && e.constructor.name === "UnknownValueError";
}

/**
 * The value at a path: UNKNOWN when it (or an object on the way) is unknown during preview or is
 * not an object where the path needs one; undefined when absent. Never throws for unknowns.
 */
export function read(value: unknown, ...path: (string | number)[]): unknown {
    try {
        let v = value;
        for (const key of path) {
            if (v === undefined || v === null) return undefined;
            if (typeof v === "string" && unknownSentinels.has(v)) return UNKNOWN;
            if (typeof v !== "object") return UNKNOWN;
            v = (v as Record<string | number, unknown>)[key];
        }
        return typeof v === "string" && unknownSentinels.has(v) ? UNKNOWN : v;
    } catch (e) {
        if (isUnknownValueError(e)) return UNKNOWN;
        throw e;
    }
}

/**
 * The elements of a list at a path (each read on its own, so one unknown element stays UNKNOWN
 * without hiding the rest); undefined when absent, UNKNOWN when the list is unknown or not a list.
 */
export function readList(value: unknown, ...path: (string | number)[]): unknown[] | undefined | Unknown {
    const list = read(value, ...path);
    if (list === undefined || list === null) return undefined;
    if (list === UNKNOWN || !Array.isArray(list)) return UNKNOWN;
    const length = read(list, "length");
    if (typeof length !== "number") return UNKNOWN;
    return Array.from({ length }, (_, i) => read(list, i));
}

/** Runs a check and turns an unknown met on the way into UNKNOWN. */
export function known<T>(check: () => T): T | Unknown {
    try {
        return check();
    } catch (e) {
        if (isUnknownValueError(e)) return UNKNOWN;
        throw e;
    }
}

/** A flag the provider accepts as boolean or string ("true"). */
export function isTrue(v: unknown): boolean {
    return v === true || (typeof v === "string" && v.toLowerCase() === "true");
}

/** `aws:eks/cluster:Cluster "spark-prod"`: the resource a message is about. */
export function subject(args: { type: string; name: string }): string {
    return `${args.type} "${args.name}"`;
}

/** JSON for messages. */
export function show(v: unknown): string {
    if (v === undefined) return "unset";
    if (v === UNKNOWN) return "unknown";
    try {
        return JSON.stringify(v) ?? typeof v;
    } catch {
        return typeof v;
    }
}

/** The config of a rule merged over its defaults; a key of the wrong type keeps the default. */
export function ruleConfig<T extends object>(args: Pick<ResourceValidationArgs, "getConfig">, defaults: T): T {
    let given: Record<string, unknown> = {};
    try {
        const c = args.getConfig<Record<string, unknown>>();
        if (c !== null && typeof c === "object") given = c;
    } catch {
        given = {};
    }
    const out: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
    for (const [key, fallback] of Object.entries(defaults)) {
        const v = given[key];
        if (v === undefined) continue;
        if (Array.isArray(fallback) ? Array.isArray(v) && v.every((x) => typeof x === "string") : typeof v === typeof fallback) out[key] = v;
    }
    return out as T;
}
