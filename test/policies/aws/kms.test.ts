import { kmsKeyRotation } from "../../../policies/aws/kms";
import { expectFail, expectPass, kmsKey } from "../../support/policies/aws";

describe("AWS policy rules", () => {
    describe("KMS", () => {
        it("kms-key-rotation", async () => {
            await expectPass(kmsKeyRotation, kmsKey());
            await expectPass(kmsKeyRotation, kmsKey({ enableKeyRotation: undefined, customerMasterKeySpec: "RSA_2048" }));
            await expectFail(kmsKeyRotation, kmsKey({ enableKeyRotation: false }), /aws:kms\/key:Key "spark-prod": enableKeyRotation is false/);
            await expectFail(kmsKeyRotation, kmsKey({ enableKeyRotation: undefined }), /enableKeyRotation is unset/);
        });
    });
});
