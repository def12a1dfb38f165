import { rdsDeletionProtection, rdsEncrypted, rdsNotPublic } from "../../../policies/aws/rds";
import { awsTypes } from "../../../policies/aws/common";
import { database, expectFail, expectPass } from "../../support/policies/aws";

describe("AWS policy rules", () => {
    describe("RDS", () => {
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
});
