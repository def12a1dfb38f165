import { strict as assert } from "assert";
import {
    awsRules,
    eksEndpointNotOpen,
    eksPublicEndpointDisabled,
    eksSecretsEncryption,
    encryptedVolumes,
    imdsv2Required,
    kmsKeyRotation,
    nodeGroupSizeCap,
    rdsDeletionProtection,
    rdsEncrypted,
    s3Versioning,
    secretsManagerCmk,
    spotAndGpuTainted,
} from "../../../policies/aws";
import { awsTypes, s3Types } from "../../../policies/aws/common";
import { policyConfig } from "../../../policies/config";
import { enforcement, environments } from "../../../policies/lib/rule";
import { unwrapSecrets } from "../../../tools/harness";
import { stackRun } from "../../support";
import { FakeResource, unknownCheckingProxy as asAnalyzerProps, unknownString, violations } from "../../support/policyArgs";
import { cluster, database, expectPass, kmsKey, launchTemplate, nodeGroup, secret } from "../../support/policies/aws";

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
                const config = policyConfig(stack);
                for (const rule of awsRules.filter((r) => r.defaultEnforcement[stack] === "mandatory")) {
                    for (const message of await violations(rule, resources, config[rule.name])) found.push(`${rule.name}: ${message}`);
                }
                assert.deepEqual(found, []);
            });
        }
    });
});
