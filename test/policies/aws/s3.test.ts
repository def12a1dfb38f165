import { strict as assert } from "assert";
import { s3BucketHardening, s3Versioning } from "../../../policies/aws/s3";
import { s3Types } from "../../../policies/aws/common";
import { FakeResource, unknownCheckingProxy as asAnalyzerProps, unknownString, violations } from "../../support/policyArgs";
import { expectFail, expectPass, keyArn } from "../../support/policies/aws";

const tlsOnlyPolicy = (bucketArn: string) =>
    JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: [bucketArn, `${bucketArn}/*`],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
        ],
    });

type SideKind = "publicAccessBlock" | "encryption" | "ownership" | "policy" | "lifecycle" | "versioning";

/** A bucket as DataLake builds it, with side resources referring to it by `ref` (default: the offline id). */
function hardenedBucket(name: string, options: { ref?: unknown; bucketProps?: Record<string, unknown>; omit?: SideKind[]; versioned?: boolean } = {}): FakeResource[] {
    const ref = "ref" in options ? options.ref : `${name}-id`;
    const omit = new Set(options.omit ?? []);
    const side = (kind: SideKind, props: Record<string, unknown>): FakeResource[] => (omit.has(kind) ? [] : [{ type: s3Types[kind][0], name, props: { bucket: ref, ...props } }]);
    return [
        { type: s3Types.bucket[0], name, props: options.bucketProps ?? { bucketPrefix: `${name}-`, forceDestroy: false } },
        ...side("publicAccessBlock", { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true }),
        ...side("ownership", { rule: { objectOwnership: "BucketOwnerEnforced" } }),
        ...side("encryption", { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: keyArn }, bucketKeyEnabled: true }] }),
        ...(options.versioned === false ? [] : side("versioning", { versioningConfiguration: { status: "Enabled" } })),
        ...side("policy", { policy: tlsOnlyPolicy(`arn:aws:s3:::${name}-mock`) }),
        ...side("lifecycle", {
            rules: [{ id: "abort-incomplete-multipart-uploads", status: "Enabled", filter: { prefix: "" }, abortIncompleteMultipartUpload: { daysAfterInitiation: 7 } }],
        }),
    ];
}

/** Replaces the props of the side resource of a kind. */
function withSide(resources: FakeResource[], kind: SideKind, props: Record<string, unknown>): FakeResource[] {
    return resources.map((r) => (r.type === s3Types[kind][0] ? { ...r, props: { bucket: r.props.bucket, ...props } } : r));
}

describe("AWS policy rules", () => {
    describe("S3", () => {
        it("s3-bucket-hardening: a fully hardened bucket passes", async () => {
            await expectPass(s3BucketHardening, [...hardenedBucket("spark-prod-warehouse"), ...hardenedBucket("spark-prod-event-logs", { versioned: false })]);
        });

        for (const kind of ["publicAccessBlock", "encryption", "ownership", "policy", "lifecycle"] as const) {
            it(`s3-bucket-hardening: a bucket without its ${kind} side resource fails`, async () => {
                const found = await violations(s3BucketHardening, [...hardenedBucket("spark-prod-warehouse", { omit: [kind] }), ...hardenedBucket("spark-prod-backups")]);
                assert.equal(found.length, 1, JSON.stringify(found));
                assert.match(found[0], new RegExp(`"spark-prod-warehouse" \\(spark-prod-warehouse-\\*\\): no ${s3Types[kind][0].split(":")[0]}`));
            });
        }

        it("s3-bucket-hardening: weak side resources fail", async () => {
            const base = hardenedBucket("spark-prod-warehouse");
            await expectFail(s3BucketHardening, withSide(base, "publicAccessBlock", { blockPublicAcls: true, blockPublicPolicy: false, ignorePublicAcls: true, restrictPublicBuckets: true }), /BucketPublicAccessBlock blockPublicPolicy must be true/);
            await expectFail(s3BucketHardening, withSide(base, "encryption", { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] }), /sseAlgorithm is \["AES256"\]/);
            await expectFail(s3BucketHardening, withSide(base, "ownership", { rule: { objectOwnership: "ObjectWriter" } }), /BucketOwnerEnforced/);
            await expectFail(s3BucketHardening, withSide(base, "policy", { policy: JSON.stringify({ Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:GetObject" }] }) }), /aws:SecureTransport/);
            await expectFail(s3BucketHardening, withSide(base, "lifecycle", { rules: [{ id: "expire", status: "Enabled", expiration: { days: 30 } }] }), /abortIncompleteMultipartUpload/);
            await expectFail(s3BucketHardening, withSide(base, "lifecycle", { rules: [{ id: "abort", status: "Disabled", abortIncompleteMultipartUpload: { daysAfterInitiation: 7 } }] }), /abortIncompleteMultipartUpload/);
            // A TLS deny given as an object with a single statement and a boolean condition counts.
            await expectPass(
                s3BucketHardening,
                withSide(base, "policy", { policy: { Statement: { Effect: "Deny", Principal: { AWS: "*" }, Action: ["s3:*"], Condition: { Bool: { "aws:SecureTransport": false } } } } }),
            );
        });

        it("s3-bucket-hardening: matches side resources by name, prefix or equal unknowns", async () => {
            // Explicit bucket name, as a real preview shows an existing bucket's id.
            await expectPass(s3BucketHardening, hardenedBucket("lake", { bucketProps: { bucket: "acme-lake" }, ref: "acme-lake" }));
            // bucketPrefix: the physical name AWS gave an existing prefixed bucket.
            await expectPass(s3BucketHardening, hardenedBucket("lake", { ref: "lake-20240101000000000000000001" }));
            // New bucket in a real preview: its id and the side resources' bucket are unknown; same resource name.
            await expectPass(s3BucketHardening, hardenedBucket("lake", { ref: unknownString }));
            await expectPass(s3BucketHardening, hardenedBucket("lake", { ref: unknownString }).map((r) => ({ ...r, props: asAnalyzerProps(r.props) })));
            // A side resource for another bucket does not protect this one.
            const other = hardenedBucket("other").filter((r) => r.type !== s3Types.bucket[0]);
            const found = await violations(s3BucketHardening, [hardenedBucket("lake")[0], ...other]);
            assert.equal(found.length, 5, JSON.stringify(found));
            // An unknown side resource named after no bucket might be this bucket's: not reported.
            const stray = hardenedBucket("stray", { ref: unknownString }).filter((r) => r.type !== s3Types.bucket[0]);
            await expectPass(s3BucketHardening, [hardenedBucket("lake")[0], ...stray]);
        });

        it("s3-versioning: matching buckets have versioning Enabled", async () => {
            await expectPass(s3Versioning, [...hardenedBucket("spark-prod-warehouse"), ...hardenedBucket("spark-prod-event-logs", { versioned: false })]);
            await expectFail(s3Versioning, hardenedBucket("spark-prod-backups", { versioned: false }), /"spark-prod-backups" .*no aws:s3\/bucketVersioning.*matches "backups"/);
            await expectFail(s3Versioning, withSide(hardenedBucket("spark-prod-warehouse"), "versioning", { versioningConfiguration: { status: "Suspended" } }), /status is \["Suspended"\]; it must be "Enabled"/);
        });

        it("s3-versioning: versionedBucketPatterns from config", async () => {
            const eventLogs = hardenedBucket("spark-prod-event-logs", { versioned: false });
            await expectPass(s3Versioning, eventLogs);
            await expectFail(s3Versioning, eventLogs, /matches "event-logs"/, { versionedBucketPatterns: ["event-logs"] });
            await expectPass(s3Versioning, hardenedBucket("spark-prod-backups", { versioned: false }), { versionedBucketPatterns: ["^audit-"] });
            await expectFail(s3Versioning, hardenedBucket("audit", { versioned: false, bucketProps: { bucket: "audit-trail" }, ref: "audit-trail" }), /matches "\^audit-"/, { versionedBucketPatterns: ["^audit-"] });
        });
    });
});
