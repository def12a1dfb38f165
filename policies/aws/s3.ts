/**
 * S3 buckets of the data lake. In pulumi-aws v7 a bucket's protection lives in side resources
 * (public-access block, encryption, ownership, policy, lifecycle, versioning), so these are stack
 * rules: they join each bucket with the side resources that name it in their `bucket` input.
 *
 * How a side resource is matched to a bucket, first match wins:
 *  1. `bucket` equals the bucket's id as the offline mocks set it, `<bucket resource name>-id`;
 *  2. `bucket` equals the bucket's explicit name (its `bucket` input);
 *  3. `bucket` starts with the bucket's `bucketPrefix` (the name AWS gives an existing prefixed
 *     bucket; the longest matching prefix wins);
 *  4. `bucket` is unknown during preview (a bucket created in the same update) and so is the
 *     bucket's id: the side resource belongs to the bucket with the same resource name (the
 *     DataLake names every side resource after its bucket).
 * A side resource with an unknown `bucket` that matches no bucket by name cannot be attributed;
 * while one of a kind exists, a bucket with an unknown id missing that kind is not reported.
 * The deprecated inline bucket arguments (versioning, serverSideEncryptionConfiguration, policy,
 * lifecycleRules) do not count: the platform uses the side resources.
 */
import { PolicyResource, ReportViolation, StackValidationArgs } from "@pulumi/policy";
import { enforcement, PlatformStackRule, configOf } from "../lib/rule";
import { isTrue, s3Types, show } from "./common";
import { known, read, readList, UNKNOWN } from "../lib/props";

type SideKind = Exclude<keyof typeof s3Types, "bucket">;
const sideKinds = Object.keys(s3Types).filter((k) => k !== "bucket") as SideKind[];

interface Side {
    readonly resource: PolicyResource;
    readonly kind: SideKind;
}

export interface BucketView {
    readonly resource: PolicyResource;
    /** The explicit name, the prefix, or UNKNOWN/undefined. */
    readonly name: unknown;
    readonly prefix: unknown;
    /** Side resources matched to this bucket, by kind. */
    readonly sides: Record<SideKind, PolicyResource[]>;
    /** Kinds for which an unattributed side resource with an unknown `bucket` exists. */
    readonly maybe: Set<SideKind>;
}

const isType = (r: PolicyResource, types: readonly string[]) => types.includes(r.type);

function emptySides(): Record<SideKind, PolicyResource[]> {
    return Object.fromEntries(sideKinds.map((k) => [k, [] as PolicyResource[]])) as Record<SideKind, PolicyResource[]>;
}

/** Joins every bucket of the stack with its side resources (see the module comment). */
export function joinBuckets(resources: readonly PolicyResource[]): BucketView[] {
    const buckets: BucketView[] = resources
        .filter((r) => isType(r, s3Types.bucket))
        .map((r) => ({ resource: r, name: read(r.props, "bucket"), prefix: read(r.props, "bucketPrefix"), sides: emptySides(), maybe: new Set<SideKind>() }));
    const sides: Side[] = [];
    for (const r of resources) {
        const kind = sideKinds.find((k) => isType(r, s3Types[k]));
        if (kind) sides.push({ resource: r, kind });
    }
    const unattributed: Side[] = [];
    for (const side of sides) {
        const ref = read(side.resource.props, "bucket");
        let match: BucketView | undefined;
        if (typeof ref === "string" && ref !== "") {
            match =
                buckets.find((b) => ref === `${b.resource.name}-id`) ??
                buckets.find((b) => typeof b.name === "string" && b.name === ref) ??
                buckets
                    .filter((b) => b.name === undefined && typeof b.prefix === "string" && b.prefix !== "" && ref.startsWith(b.prefix))
                    .sort((x, y) => String(y.prefix).length - String(x.prefix).length)[0];
        } else if (ref === UNKNOWN || ref === undefined) {
            match = buckets.find((b) => b.resource.name === side.resource.name && typeof b.name !== "string");
            if (!match) unattributed.push(side);
        }
        match?.sides[side.kind].push(side.resource);
    }
    for (const side of unattributed) {
        for (const b of buckets) if (typeof b.name !== "string") b.maybe.add(side.kind);
    }
    return buckets;
}

function label(b: BucketView): string {
    const physical = typeof b.name === "string" ? ` (${b.name})` : typeof b.prefix === "string" ? ` (${b.prefix}*)` : "";
    return `aws:s3/bucket:Bucket "${b.resource.name}"${physical}`;
}

/** Reports "no <kind>" unless an unattributed side resource of that kind might belong to the bucket. */
function present(b: BucketView, kind: SideKind, what: string, report: ReportViolation): PolicyResource[] | undefined {
    const found = b.sides[kind];
    if (found.length > 0) return found;
    if (!b.maybe.has(kind)) report(`${label(b)}: no ${what} names this bucket in its bucket input.`, b.resource.urn);
    return undefined;
}

const publicAccessFlags = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"] as const;

/** True when a policy document denies every S3 action to everyone without TLS; UNKNOWN when it cannot be read yet. */
export function deniesInsecureTransport(policy: unknown): boolean | typeof UNKNOWN {
    let doc: unknown = policy;
    if (policy === UNKNOWN) return UNKNOWN;
    if (typeof policy === "string") {
        try {
            doc = JSON.parse(policy);
        } catch {
            return false;
        }
    }
    const statement = read(doc, "Statement");
    if (statement === UNKNOWN) return UNKNOWN;
    const list = Array.isArray(statement) ? (readList(doc, "Statement") as unknown[]) : statement === undefined ? [] : [statement];
    return list.some((s) => {
        if (read(s, "Effect") !== "Deny") return false;
        const principal = read(s, "Principal");
        const aws = readList(principal, "AWS");
        if (!(principal === "*" || read(principal, "AWS") === "*" || (Array.isArray(aws) && aws.includes("*")))) return false;
        const actions = [read(s, "Action")].flat();
        if (!actions.some((a) => a === "s3:*" || a === "*")) return false;
        return ["Bool", "BoolIfExists"].some((op) => {
            const cond = read(s, "Condition", op, "aws:SecureTransport");
            return [cond].flat().some((v) => v === false || (typeof v === "string" && v.toLowerCase() === "false"));
        });
    });
}

function checkHardening(b: BucketView, report: ReportViolation): void {
    const at = label(b);
    const block = present(b, "publicAccessBlock", "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", report);
    if (block) {
        const props = block.map((r) => r.props);
        const missing = publicAccessFlags.filter((f) => !props.some((p) => read(p, f) === UNKNOWN || isTrue(read(p, f))));
        if (missing.length > 0) report(`${at}: BucketPublicAccessBlock ${missing.join(", ")} must be true.`, b.resource.urn);
    }
    const sse = present(b, "encryption", "aws:s3/bucketServerSideEncryptionConfiguration (SSE-KMS)", report);
    if (sse) {
        const algorithms = sse.flatMap((r) => {
            const rules = readList(r.props, "rules");
            if (rules === UNKNOWN) return [UNKNOWN];
            return (rules ?? []).map((rule) => read(rule, "applyServerSideEncryptionByDefault", "sseAlgorithm"));
        });
        if (!algorithms.some((a) => a === UNKNOWN || a === "aws:kms" || a === "aws:kms:dsse")) {
            report(`${at}: BucketServerSideEncryptionConfiguration rules[].applyServerSideEncryptionByDefault.sseAlgorithm is ${show(algorithms)}; it must be "aws:kms".`, b.resource.urn);
        }
    }
    const ownership = present(b, "ownership", "aws:s3/bucketOwnershipControls:BucketOwnershipControls", report);
    if (ownership) {
        const values = ownership.map((r) => read(r.props, "rule", "objectOwnership"));
        if (!values.some((v) => v === UNKNOWN || v === "BucketOwnerEnforced")) {
            report(`${at}: BucketOwnershipControls rule.objectOwnership is ${show(values)}; it must be "BucketOwnerEnforced" (ACLs disabled).`, b.resource.urn);
        }
    }
    const policies = present(b, "policy", "aws:s3/bucketPolicy:BucketPolicy denying aws:SecureTransport false", report);
    if (policies) {
        const results = policies.map((r) => known(() => deniesInsecureTransport(read(r.props, "policy"))));
        if (!results.some((v) => v === true || v === UNKNOWN)) {
            report(`${at}: BucketPolicy policy has no statement denying s3:* to "*" when aws:SecureTransport is false.`, b.resource.urn);
        }
    }
    const lifecycle = present(b, "lifecycle", "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", report);
    if (lifecycle) {
        const ok = lifecycle.some((r) => {
            const rules = readList(r.props, "rules");
            if (rules === UNKNOWN) return true;
            return (rules ?? []).some((rule) => {
                if (rule === UNKNOWN) return true;
                const status = read(rule, "status");
                const days = read(rule, "abortIncompleteMultipartUpload", "daysAfterInitiation");
                const prefix = read(rule, "filter", "prefix") ?? read(rule, "prefix");
                const wholeBucket = prefix === undefined || prefix === "" || prefix === UNKNOWN;
                return (status === "Enabled" || status === UNKNOWN) && (days === UNKNOWN || (typeof days === "number" && days > 0)) && wholeBucket;
            });
        });
        if (!ok) {
            report(`${at}: BucketLifecycleConfiguration rules has no enabled whole-bucket rule with abortIncompleteMultipartUpload.daysAfterInitiation.`, b.resource.urn);
        }
    }
}

export const s3BucketHardening: PlatformStackRule = {
    kind: "stack",
    family: "aws",
    name: "s3-bucket-hardening",
    description:
        "Every S3 bucket has, as side resources naming it in their bucket input: a BucketPublicAccessBlock with all four flags true, a " +
        "BucketServerSideEncryptionConfiguration with sseAlgorithm aws:kms, BucketOwnershipControls BucketOwnerEnforced, a BucketPolicy " +
        "denying s3:* to everyone when aws:SecureTransport is false, and a BucketLifecycleConfiguration with an enabled whole-bucket " +
        "abortIncompleteMultipartUpload rule. Side resources are matched to a bucket by its offline id (<resource name>-id), its explicit " +
        "name, its bucketPrefix, or — when both are unknown during preview — by the same resource name; values unknown during preview are " +
        "not reported.",
    severity: "high",
    remediation:
        "Create the bucket through the DataLake component, or add BucketPublicAccessBlock, BucketServerSideEncryptionConfiguration (aws:kms), " +
        "BucketOwnershipControls (BucketOwnerEnforced), a TLS-only BucketPolicy and a BucketLifecycleConfiguration that aborts incomplete " +
        "multipart uploads, each with bucket: <bucket>.id.",
    defaultEnforcement: enforcement.core,
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        for (const b of joinBuckets(args.resources)) checkHardening(b, report);
    },
};

export interface S3VersioningConfig {
    /** Regular expressions (case-insensitive) matched against a bucket's name, prefix or resource name. */
    readonly versionedBucketPatterns: string[];
}

export const s3VersioningDefaults: S3VersioningConfig = { versionedBucketPatterns: ["warehouse", "backups"] };

function matches(pattern: string, text: string): boolean {
    try {
        return new RegExp(pattern, "i").test(text);
    } catch {
        return text.toLowerCase().includes(pattern.toLowerCase());
    }
}

export const s3Versioning: PlatformStackRule = {
    kind: "stack",
    family: "aws",
    name: "s3-versioning",
    description:
        "Buckets whose name or bucketPrefix (or, when neither is set, resource name) matches one of config versionedBucketPatterns " +
        "(case-insensitive regular expressions, default warehouse and backups) have a BucketVersioning with versioningConfiguration.status " +
        "Enabled. Side resources are matched as in s3-bucket-hardening; an unknown name or status is not reported.",
    severity: "medium",
    remediation: "Add aws.s3.BucketVersioning { bucket: <bucket>.id, versioningConfiguration: { status: \"Enabled\" } } (DataLake does this for table data and backups).",
    defaultEnforcement: enforcement.strict,
    configSchema: {
        properties: {
            versionedBucketPatterns: {
                type: "array",
                items: { type: "string" },
                default: s3VersioningDefaults.versionedBucketPatterns,
                description: "Case-insensitive regular expressions; a bucket whose name, prefix or resource name matches must be versioned.",
            },
        },
    },
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const config = configOf(args, s3VersioningDefaults);
        for (const b of joinBuckets(args.resources)) {
            const texts = [b.name, b.prefix].filter((t): t is string => typeof t === "string" && t !== "");
            if (texts.length === 0) {
                if (b.name === UNKNOWN || b.prefix === UNKNOWN) continue;
                texts.push(b.resource.name);
            }
            const pattern = config.versionedBucketPatterns.find((p) => texts.some((t) => matches(p, t)));
            if (pattern === undefined) continue;
            const versioning = present(b, "versioning", `aws:s3/bucketVersioning:BucketVersioning (required: matches "${pattern}")`, report);
            if (!versioning) continue;
            const statuses = versioning.map((r) => read(r.props, "versioningConfiguration", "status"));
            if (!statuses.some((s) => s === UNKNOWN || s === "Enabled")) {
                report(`${label(b)}: BucketVersioning versioningConfiguration.status is ${show(statuses)}; it must be "Enabled" (matches "${pattern}").`, b.resource.urn);
            }
        }
    },
};

export const s3Rules = [s3BucketHardening, s3Versioning];
