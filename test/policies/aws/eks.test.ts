import { eksControlPlaneLogs, eksEndpointNotOpen, eksPrivateEndpoint, eksPublicEndpointDisabled, eksSecretsEncryption } from "../../../policies/aws/eks";
import { cluster, expectFail, expectPass, keyArn } from "../../support/policies/aws";

describe("AWS policy rules", () => {
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
});
