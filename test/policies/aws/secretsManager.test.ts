import { secretsManagerCmk } from "../../../policies/aws/secretsManager";
import { expectFail, expectPass, secret } from "../../support/policies/aws";

describe("AWS policy rules", () => {
    describe("Secrets Manager", () => {
        it("secrets-manager-cmk", async () => {
            await expectPass(secretsManagerCmk, secret());
            await expectFail(secretsManagerCmk, secret({ kmsKeyId: undefined }), /"spark-prod-airflow": kmsKeyId is unset/);
            await expectFail(secretsManagerCmk, secret({ kmsKeyId: "alias/aws/secretsmanager" }), /AWS-managed key/);
        });
    });
});
