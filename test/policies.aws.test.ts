import { strict as assert } from "assert";
import * as policy from "@pulumi/policy";
import {
    awsRules,
    eksControlPlaneLogs,
    eksEndpointNotOpen,
    eksPrivateEndpoint,
    eksPublicEndpointDisabled,
    eksSecretsEncryption,
    encryptedVolumes,
    imdsv2Required,
    kmsKeyRotation,
    nodeGroupSizeCap,
    noSsh,
    rdsDeletionProtection,
    rdsEncrypted,
    rdsNotPublic,
    s3BucketHardening,
    s3Versioning,
    secretsManagerCmk,
    spotAndGpuTainted,
} from "../policies/aws";
import { awsTypes, s3Types } from "../policies/aws/common";
import { enforcement, environments, PlatformRule } from "../policies/lib/rule";
import { unwrapSecrets } from "../tools/harness";
import { stackRun } from "./support";
import { FakeResource, violations } from "./support/policyArgs";

/** The sentinel @pulumi/policy puts where a string is unknown during preview. */
const unknownString = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
/** Props as the analyzer hands them over: reading an unknown value throws UnknownValueError. */
const asAnalyzerProps = (props: Record<string, unknown>) =>
    (policy as unknown as { unknownCheckingProxy: (p: object) => Record<string, unknown> }).unknownCheckingProxy(props);

const keyArn = "arn:aws:kms:eu-west-1:123456789012:key/key-spark-prod";

const cluster = (over: Record<string, unknown> = {}, vpc: Record<string, unknown> = {}): FakeResource => ({
    type: awsTypes.eksCluster,
    name: "spark-prod",
    props: {
        name: "spark-prod",
        encryptionConfig: { provider: { keyArn }, resources: ["secrets"] },
        enabledClusterLogTypes: ["api", "audit", "authenticator", "controllerManager", "scheduler"],
        vpcConfig: { subnetIds: ["a", "b"], endpointPrivateAccess: true, endpointPublicAccess: false, ...vpc },
        ...over,
    },
});

const launchTemplate = (over: Record<string, unknown> = {}): FakeResource => ({
    type: awsTypes.launchTemplate,
    name: "spark-prod-system",
    props: {
        metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
        blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { volumeSize: 100, volumeType: "gp3", encrypted: "true", kmsKeyId: keyArn } }],
        ...over,
    },
});

const nodeGroup = (role: string, over: Record<string, unknown> = {}): FakeResource => ({
    type: awsTypes.eksNodeGroup,
    name: `spark-prod-${role}`,
    props: {
        capacityType: role === "executor" ? "SPOT" : "ON_DEMAND",
        amiType: role === "gpu" ? "AL2023_x86_64_NVIDIA" : "AL2023_x86_64_STANDARD",
        labels: { "spark-k8s/node-role": role },
        scalingConfig: { minSize: 0, desiredSize: 1, maxSize: 10 },
        taints:
            role === "executor"
                ? [{ key: "spark-k8s/executor", value: "true", effect: "NO_SCHEDULE" }]
                : role === "gpu"
                  ? [{ key: "nvidia.com/gpu", value: "true", effect: "NO_SCHEDULE" }]
                  : [],
        ...over,
    },
});

const kmsKey = (over: Record<string, unknown> = {}): FakeResource => ({ type: awsTypes.kmsKey, name: "spark-prod", props: { enableKeyRotation: true, ...over } });
const secret = (over: Record<string, unknown> = {}): FakeResource => ({ type: awsTypes.secret, name: "spark-prod-airflow", props: { name: "spark-prod/airflow", kmsKeyId: keyArn, ...over } });
const database = (over: Record<string, unknown> = {}): FakeResource => ({
    type: awsTypes.rdsInstance,
    name: "spark-prod",
    props: { engine: "postgres", storageEncrypted: true, publiclyAccessible: false, deletionProtection: true, skipFinalSnapshot: false, ...over },
});

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

async function expectPass(rule: PlatformRule, resources: FakeResource | FakeResource[], config: object = {}) {
    assert.deepEqual(await violations(rule, resources, config), []);
}

async function expectFail(rule: PlatformRule, resources: FakeResource | FakeResource[], pattern: RegExp, config: object = {}) {
    const found = await violations(rule, resources, config);
    assert.ok(found.length > 0, `${rule.name}: expected a violation matching ${pattern}`);
    assert.ok(found.some((m) => pattern.test(m)), `${rule.name}: ${JSON.stringify(found)} does not match ${pattern}`);
}

describe("AWS policy rules", () => {
    describe("the family", () => {
        it("has unique kebab-case names, family aws and the platform extras", () => {
            const names = awsRules.map((r) => r.name);
            assert.equal(new Set(names).size, names.length, `duplicate names in ${names.join(", ")}`);
            for (const rule of awsRules) {
                assert.match(rule.name, /^[a-z0-9]+(-[a-z0-9]+)*$/, rule.name);
                assert.equal(rule.family, "aws", rule.name);
                assert.ok(rule.description && rule.description.length > 20, `${rule.name}: description`);
                assert.ok(["low", "medium", "high", "critical"].includes(rule.severity), `${rule.name}: severity`);
                assert.ok(rule.remediation.length > 10, `${rule.name}: remediation`);
                for (const env of environments) {
                    assert.ok(["advisory", "mandatory", "remediate", "disabled"].includes(rule.defaultEnforcement[env]), `${rule.name}: enforcement in ${env}`);
                }
                assert.ok(!("enforcementLevel" in rule), `${rule.name}: the pack sets enforcementLevel`);
            }
        });

        it("binds core rules in every environment", () => {
            const core = ["eks-secrets-encryption", "eks-control-plane-logs", "eks-endpoint-not-open", "eks-private-endpoint", "imdsv2-required", "encrypted-volumes", "no-ssh", "spot-and-gpu-tainted", "s3-bucket-hardening", "kms-key-rotation", "secrets-manager-cmk", "rds-encrypted", "rds-not-public"];
            for (const name of core) {
                const rule = awsRules.find((r) => r.name === name);
                assert.ok(rule, name);
                assert.deepEqual(rule.defaultEnforcement, enforcement.core, name);
                for (const env of environments) assert.equal(rule.defaultEnforcement[env], "mandatory", `${name} in ${env}`);
            }
            assert.deepEqual(nodeGroupSizeCap.defaultEnforcement, enforcement.strict);
            assert.deepEqual(s3Versioning.defaultEnforcement, enforcement.strict);
            assert.deepEqual(eksPublicEndpointDisabled.defaultEnforcement, enforcement.prodOnly);
            assert.deepEqual(rdsDeletionProtection.defaultEnforcement, enforcement.prodOnly);
            assert.equal(awsRules.length, core.length + 4);
        });

        it("tolerates unknown and empty values in every rule", async () => {
            const types = [...Object.values(awsTypes), ...Object.values(s3Types).flat()];
            const odd: Record<string, unknown>[] = [
                {},
                { vpcConfig: unknownString, encryptionConfig: unknownString, metadataOptions: unknownString, blockDeviceMappings: unknownString, taints: unknownString, scalingConfig: unknownString, labels: unknownString, rules: unknownString, bucket: unknownString, policy: unknownString },
                { vpcConfig: "x", encryptionConfig: 3, metadataOptions: [], blockDeviceMappings: [null, "x"], taints: [null], scalingConfig: null, rules: [null, 1], policy: "{not json" },
            ];
            for (const rule of awsRules) {
                for (const props of odd) {
                    const resources = types.map((type, i) => ({ type, name: `r${i}`, props }));
                    await assert.doesNotReject(() => violations(rule, resources), `${rule.name} with ${JSON.stringify(props)}`);
                    await assert.doesNotReject(() => violations(rule, resources.map((r) => ({ ...r, props: asAnalyzerProps(r.props) }))), `${rule.name} behind the analyzer proxy`);
                }
            }
        });

        it("reports nothing for values that are unknown during preview", async () => {
            const proxied = (r: FakeResource, props: Record<string, unknown>): FakeResource => ({ ...r, props: asAnalyzerProps({ ...r.props, ...props }) });
            await expectPass(eksSecretsEncryption, proxied(cluster(), { encryptionConfig: { provider: { keyArn: unknownString }, resources: ["secrets"] } }));
            await expectPass(eksEndpointNotOpen, proxied(cluster(), { vpcConfig: { endpointPublicAccess: true, publicAccessCidrs: unknownString } }));
            await expectPass(secretsManagerCmk, proxied(secret(), { kmsKeyId: unknownString }));
            await expectPass(imdsv2Required, proxied(launchTemplate(), { metadataOptions: unknownString }));
            await expectPass(encryptedVolumes, proxied(launchTemplate(), { blockDeviceMappings: [{ ebs: { encrypted: unknownString } }] }));
            await expectPass(nodeGroupSizeCap, proxied(nodeGroup("system"), { scalingConfig: { maxSize: unknownString } }));
            await expectPass(spotAndGpuTainted, proxied(nodeGroup("executor"), { taints: unknownString }));
            await expectPass(rdsEncrypted, proxied(database(), { storageEncrypted: unknownString }));
            await expectPass(kmsKeyRotation, proxied(kmsKey(), { enableKeyRotation: unknownString }));
        });
    });

    describe("EKS", () => {
        it("eks-secrets-encryption: a customer-managed key for secrets", async () => {
            await expectPass(eksSecretsEncryption, cluster());
            await expectFail(eksSecretsEncryption, cluster({ encryptionConfig: undefined }), /"spark-prod": encryptionConfig is not set/);
            await expectFail(eksSecretsEncryption, cluster({ encryptionConfig: { provider: { keyArn }, resources: [] } }), /encryptionConfig\.resources .* "secrets"/);
            await expectFail(eksSecretsEncryption, cluster({ encryptionConfig: { provider: { keyArn: "alias/aws/eks" }, resources: ["secrets"] } }), /AWS-managed key/);
            await expectFail(eksSecretsEncryption, cluster({ encryptionConfig: { provider: { keyArn: "arn:aws:kms:eu-west-1:123456789012:alias/aws/eks" }, resources: ["secrets"] } }), /AWS-managed key/);
            await expectFail(eksSecretsEncryption, cluster({ encryptionConfig: { provider: { keyArn: "my-key" }, resources: ["secrets"] } }), /not a KMS key ARN/);
        });

        it("eks-control-plane-logs: api, audit and authenticator", async () => {
            await expectPass(eksControlPlaneLogs, cluster({ enabledClusterLogTypes: ["api", "audit", "authenticator"] }));
            await expectFail(eksControlPlaneLogs, cluster({ enabledClusterLogTypes: ["api"] }), /enabledClusterLogTypes .* missing "audit", "authenticator"/);
            await expectFail(eksControlPlaneLogs, cluster({ enabledClusterLogTypes: undefined }), /missing "api", "audit", "authenticator"/);
        });

        it("eks-endpoint-not-open: a public endpoint only for listed CIDRs", async () => {
            await expectPass(eksEndpointNotOpen, cluster());
            await expectPass(eksEndpointNotOpen, cluster({}, { endpointPublicAccess: true, publicAccessCidrs: ["203.0.113.0/24"] }));
            await expectFail(eksEndpointNotOpen, cluster({}, { endpointPublicAccess: true, publicAccessCidrs: ["203.0.113.0/24", "0.0.0.0/0"] }), /publicAccessCidrs contains "0\.0\.0\.0\/0"/);
            await expectFail(eksEndpointNotOpen, cluster({}, { endpointPublicAccess: true, publicAccessCidrs: [] }), /publicAccessCidrs is \[\]/);
            await expectFail(eksEndpointNotOpen, cluster({}, { endpointPublicAccess: undefined }), /endpointPublicAccess is "unset \(public\)"/);
        });

        it("eks-private-endpoint: the private endpoint is on", async () => {
            await expectPass(eksPrivateEndpoint, cluster());
            await expectFail(eksPrivateEndpoint, cluster({}, { endpointPrivateAccess: false }), /vpcConfig\.endpointPrivateAccess is false/);
            await expectFail(eksPrivateEndpoint, cluster({}, { endpointPrivateAccess: undefined }), /endpointPrivateAccess is unset/);
        });

        it("eks-public-endpoint-disabled: no public endpoint (prod)", async () => {
            await expectPass(eksPublicEndpointDisabled, cluster());
            await expectFail(eksPublicEndpointDisabled, cluster({}, { endpointPublicAccess: true, publicAccessCidrs: ["203.0.113.0/24"] }), /endpointPublicAccess is true/);
            await expectFail(eksPublicEndpointDisabled, cluster({}, { endpointPublicAccess: undefined }), /unset \(public\)/);
        });
    });

    describe("launch templates", () => {
        it("imdsv2-required: tokens required, hop limit 1", async () => {
            await expectPass(imdsv2Required, launchTemplate());
            await expectFail(imdsv2Required, launchTemplate({ metadataOptions: { httpTokens: "optional", httpPutResponseHopLimit: 1 } }), /"spark-prod-system": metadataOptions\.httpTokens is "optional"/);
            await expectFail(imdsv2Required, launchTemplate({ metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 2 } }), /httpPutResponseHopLimit is 2/);
            assert.equal((await violations(imdsv2Required, launchTemplate({ metadataOptions: undefined }))).length, 2);
        });

        it("encrypted-volumes: every EBS mapping encrypted", async () => {
            await expectPass(encryptedVolumes, launchTemplate());
            await expectPass(encryptedVolumes, launchTemplate({ blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: true } }, { deviceName: "/dev/sdb", virtualName: "ephemeral0" }] }));
            await expectFail(encryptedVolumes, launchTemplate({ blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "true" } }, { deviceName: "/dev/xvdb", ebs: { encrypted: "false" } }] }), /blockDeviceMappings\[1\] \(\/dev\/xvdb\)\.ebs\.encrypted is "false"/);
            await expectFail(encryptedVolumes, launchTemplate({ blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { volumeSize: 20 } }] }), /ebs\.encrypted is unset/);
        });
    });

    describe("node groups", () => {
        it("no-ssh: no remoteAccess", async () => {
            await expectPass(noSsh, nodeGroup("system"));
            await expectFail(noSsh, nodeGroup("system", { remoteAccess: { ec2SshKey: "ops" } }), /"spark-prod-system": remoteAccess is set/);
        });

        it("node-group-size-cap: maxNodes and executorMaxNodes", async () => {
            await expectPass(nodeGroupSizeCap, nodeGroup("system", { scalingConfig: { maxSize: 100 } }));
            await expectFail(nodeGroupSizeCap, nodeGroup("system", { scalingConfig: { maxSize: 101 } }), /scalingConfig\.maxSize 101 exceeds maxNodes 100/);
            await expectPass(nodeGroupSizeCap, nodeGroup("executor", { scalingConfig: { maxSize: 1000 } }));
            await expectFail(nodeGroupSizeCap, nodeGroup("executor", { scalingConfig: { maxSize: 1001 } }), /exceeds executorMaxNodes 1000/);
        });

        it("node-group-size-cap: config per environment", async () => {
            await expectFail(nodeGroupSizeCap, nodeGroup("driver", { scalingConfig: { maxSize: 10 } }), /exceeds maxNodes 4/, { maxNodes: 4 });
            await expectPass(nodeGroupSizeCap, nodeGroup("driver", { scalingConfig: { maxSize: 4 } }), { maxNodes: 4 });
            await expectFail(nodeGroupSizeCap, nodeGroup("executor", { scalingConfig: { maxSize: 30 } }), /exceeds executorMaxNodes 20/, { executorMaxNodes: 20 });
            // The executor cap does not widen other groups, and maxNodes does not narrow the executor group.
            await expectPass(nodeGroupSizeCap, nodeGroup("executor", { scalingConfig: { maxSize: 30 } }), { maxNodes: 4 });
            await expectFail(nodeGroupSizeCap, nodeGroup("gpu", { scalingConfig: { maxSize: 30 } }), /maxNodes 4/, { maxNodes: 4, executorMaxNodes: 1000 });
            // A value of the wrong type keeps the default.
            await expectPass(nodeGroupSizeCap, nodeGroup("system", { scalingConfig: { maxSize: 50 } }), { maxNodes: "few" });
        });

        it("spot-and-gpu-tainted: spot and GPU groups carry NO_SCHEDULE taints", async () => {
            await expectPass(spotAndGpuTainted, [nodeGroup("system"), nodeGroup("executor"), nodeGroup("gpu")]);
            await expectFail(spotAndGpuTainted, nodeGroup("executor", { taints: [] }), /capacityType is "SPOT" but taints has no NO_SCHEDULE taint/);
            await expectFail(spotAndGpuTainted, nodeGroup("executor", { taints: [{ key: "spark-k8s/executor", value: "true", effect: "PREFER_NO_SCHEDULE" }] }), /SPOT/);
            await expectFail(spotAndGpuTainted, nodeGroup("gpu", { taints: [{ key: "dedicated", value: "gpu", effect: "NO_SCHEDULE" }] }), /GPU AMI but taints has no NO_SCHEDULE taint with key "nvidia\.com\/gpu"/);
            await expectFail(spotAndGpuTainted, nodeGroup("custom", { amiType: "AL2_x86_64_GPU", taints: undefined }), /AL2_x86_64_GPU/);
            await expectFail(spotAndGpuTainted, nodeGroup("custom", { amiType: "BOTTLEROCKET_x86_64_NVIDIA", taints: [] }), /nvidia\.com\/gpu/);
        });
    });

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

    describe("KMS, Secrets Manager and RDS", () => {
        it("kms-key-rotation", async () => {
            await expectPass(kmsKeyRotation, kmsKey());
            await expectPass(kmsKeyRotation, kmsKey({ enableKeyRotation: undefined, customerMasterKeySpec: "RSA_2048" }));
            await expectFail(kmsKeyRotation, kmsKey({ enableKeyRotation: false }), /aws:kms\/key:Key "spark-prod": enableKeyRotation is false/);
            await expectFail(kmsKeyRotation, kmsKey({ enableKeyRotation: undefined }), /enableKeyRotation is unset/);
        });

        it("secrets-manager-cmk", async () => {
            await expectPass(secretsManagerCmk, secret());
            await expectFail(secretsManagerCmk, secret({ kmsKeyId: undefined }), /"spark-prod-airflow": kmsKeyId is unset/);
            await expectFail(secretsManagerCmk, secret({ kmsKeyId: "alias/aws/secretsmanager" }), /AWS-managed key/);
        });

        it("rds-encrypted", async () => {
            await expectPass(rdsEncrypted, database());
            await expectFail(rdsEncrypted, database({ storageEncrypted: false }), /aws:rds\/instance:Instance "spark-prod": storageEncrypted is false/);
            await expectFail(rdsEncrypted, { type: awsTypes.rdsCluster, name: "aurora", props: {} }, /storageEncrypted is unset/);
        });

        it("rds-not-public", async () => {
            await expectPass(rdsNotPublic, database());
            await expectPass(rdsNotPublic, database({ publiclyAccessible: undefined }));
            await expectFail(rdsNotPublic, database({ publiclyAccessible: true }), /publiclyAccessible is true/);
        });

        it("rds-deletion-protection", async () => {
            await expectPass(rdsDeletionProtection, database());
            await expectFail(rdsDeletionProtection, database({ deletionProtection: false }), /deletionProtection is false/);
            await expectFail(rdsDeletionProtection, database({ skipFinalSnapshot: true }), /skipFinalSnapshot is true/);
        });
    });

    describe("the offline plans", () => {
        for (const stack of ["dev", "staging", "prod"] as const) {
            it(`${stack}: no violation of a rule mandatory in ${stack}`, async () => {
                const run = await stackRun(stack);
                const resources: FakeResource[] = run.resources.map((r) => ({ type: r.type, name: r.name, urn: r.urn, props: unwrapSecrets(r.inputs) as Record<string, unknown> }));
                const seen = new Set(resources.map((r) => r.type));
                for (const type of [awsTypes.eksCluster, awsTypes.eksNodeGroup, awsTypes.launchTemplate, awsTypes.kmsKey, awsTypes.secret, s3Types.bucket[0]]) {
                    assert.ok(seen.has(type), `${stack} has no ${type}; the rules would check nothing`);
                }
                const found: string[] = [];
                for (const rule of awsRules.filter((r) => r.defaultEnforcement[stack] === "mandatory")) {
                    for (const message of await violations(rule, resources)) found.push(`${rule.name}: ${message}`);
                }
                assert.deepEqual(found, []);
            });
        }
    });
});
