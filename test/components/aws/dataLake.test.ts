import { strict as assert } from "assert";
import { tierDefaults } from "../../../components/config/defaults";
import { bucketPlans, bucketPrefix, maxBucketPrefixLength } from "../../../components/aws/dataLake";

describe("data lake plans", () => {
    const plans = bucketPlans({ ...tierDefaults("prod").storage, eventLogRetentionDays: 45, backupRetentionDays: 30 });
    const byPurpose = Object.fromEntries(plans.map((p) => [p.purpose, p]));

    it("has the four buckets, versioning the warehouse and backups only", () => {
        assert.deepEqual(plans.map((p) => p.purpose), ["warehouse", "eventLogs", "airflowLogs", "backups"]);
        assert.deepEqual(plans.filter((p) => p.versioned).map((p) => p.purpose), ["warehouse", "backups"]);
    });

    it("aborts incomplete multipart uploads in every bucket", () => {
        for (const p of plans) assert.ok(p.lifecycleRules.some((r) => r.abortIncompleteMultipartUploadDays === 7), p.purpose);
    });

    it("expires event logs under their prefix after the configured days and backups after 30", () => {
        assert.deepEqual(byPurpose.eventLogs.lifecycleRules.find((r) => r.expirationDays), { id: "expire-event-logs", prefix: "spark-events/", objectSizeGreaterThan: 0, expirationDays: 45 });
        assert.equal(byPurpose.backups.lifecycleRules.find((r) => r.expirationDays)?.expirationDays, 30);
        assert.equal(byPurpose.warehouse.lifecycleRules.some((r) => r.expirationDays), false, "table data never expires");
    });
});

describe("bucket names", () => {
    it("keeps bucket prefixes within the 37 characters S3 allows, ending in a dash", () => {
        assert.equal(bucketPrefix("spark-prod", "airflow-logs"), "spark-prod-airflow-logs-");
        const long = bucketPrefix("analytics-lab-customer-sandbox-eu", "airflow-logs");
        assert.equal(long.length <= maxBucketPrefixLength, true, long);
        assert.match(long, /^analytics-lab-customer-sandbox-eu-a[a-z-]*-$/);
        assert.doesNotMatch(long, /--$/);
    });
});
