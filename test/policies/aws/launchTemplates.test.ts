import { strict as assert } from "assert";
import { encryptedVolumes, imdsv2Required } from "../../../policies/aws/launchTemplates";
import { violations } from "../../support/policyArgs";
import { expectFail, expectPass, launchTemplate } from "../../support/policies/aws";
import { ec2NodeClass } from "../../support/policies/karpenter";

describe("AWS policy rules", () => {
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

        it("holds Karpenter's EC2NodeClasses to the same: IMDSv2 at hop limit 1 and encrypted volumes under spec", async () => {
            for (const role of ["executor", "gpu"] as const) {
                await expectPass(imdsv2Required, ec2NodeClass(role));
                await expectPass(encryptedVolumes, ec2NodeClass(role));
            }
            await expectFail(imdsv2Required, ec2NodeClass("executor", (m) => (m.spec.metadataOptions = { ...m.spec.metadataOptions!, httpPutResponseHopLimit: 2 })), /"karpenter-spark-executor-class": metadataOptions\.httpPutResponseHopLimit is 2/);
            await expectFail(imdsv2Required, ec2NodeClass("executor", (m) => delete m.spec.metadataOptions), /httpTokens is unset/);
            await expectFail(encryptedVolumes, ec2NodeClass("gpu", (m) => (m.spec.blockDeviceMappings[0].ebs.encrypted = false)), /blockDeviceMappings\[0\] \(\/dev\/xvda\)\.ebs\.encrypted is false/);
        });
    });
});
