/** Fake AWS resources as the platform builds them, each passing its rules, and the AWS rule tests' expectations. */
import { strict as assert } from "assert";
import { awsTypes } from "../../../policies/aws/common";
import { PlatformRule } from "../../../policies/lib/rule";
import { FakeResource, violations } from "../policyArgs";

export const keyArn = "arn:aws:kms:eu-west-1:123456789012:key/key-spark-prod";

export const cluster = (over: Record<string, unknown> = {}, vpc: Record<string, unknown> = {}): FakeResource => ({
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

export const launchTemplate = (over: Record<string, unknown> = {}): FakeResource => ({
    type: awsTypes.launchTemplate,
    name: "spark-prod-system",
    props: {
        metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
        blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { volumeSize: 100, volumeType: "gp3", encrypted: "true", kmsKeyId: keyArn } }],
        ...over,
    },
});

export const nodeGroup = (role: string, over: Record<string, unknown> = {}): FakeResource => ({
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

export const kmsKey = (over: Record<string, unknown> = {}): FakeResource => ({ type: awsTypes.kmsKey, name: "spark-prod", props: { enableKeyRotation: true, ...over } });
export const secret = (over: Record<string, unknown> = {}): FakeResource => ({ type: awsTypes.secret, name: "spark-prod-airflow", props: { name: "spark-prod/airflow", kmsKeyId: keyArn, ...over } });
export const database = (over: Record<string, unknown> = {}): FakeResource => ({
    type: awsTypes.rdsInstance,
    name: "spark-prod",
    props: { engine: "postgres", storageEncrypted: true, publiclyAccessible: false, deletionProtection: true, skipFinalSnapshot: false, ...over },
});

export async function expectPass(rule: PlatformRule, resources: FakeResource | FakeResource[], config: object = {}) {
    assert.deepEqual(await violations(rule, resources, config), []);
}

export async function expectFail(rule: PlatformRule, resources: FakeResource | FakeResource[], pattern: RegExp, config: object = {}) {
    const found = await violations(rule, resources, config);
    assert.ok(found.length > 0, `${rule.name}: expected a violation matching ${pattern}`);
    assert.ok(found.some((m) => pattern.test(m)), `${rule.name}: ${JSON.stringify(found)} does not match ${pattern}`);
}
