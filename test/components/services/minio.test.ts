import { strict as assert } from "assert";
import { eventLogPrefix, serviceEndpoints, serviceHost } from "../../../components/config/names";
import { expiryRules } from "../../../components/aws/dataLake";
import { tierDefaults } from "../../../components/config";
import { minioBucketScript, minioEndpoint, minioLifecycle } from "../../../components/services/minio";
import { RecordedResource } from "../../../tools/harness";
import { byName, envOf, inputs, localBuckets, localProgram, podSpecOf, record, T, Workload } from "../../support/dataServices";

describe("minioBucketScript", () => {
    const buckets = Object.values(localBuckets);

    it("creates exactly the four data-lake buckets, each with --ignore-existing", () => {
        const script = minioBucketScript(buckets);
        const made = script.split("\n").filter((l) => /\bmb\b/.test(l));
        assert.deepEqual(made, buckets.map((b) => `mc --config-dir /tmp/.mc mb --ignore-existing minio/${b}`));
        assert.deepEqual(buckets, ["warehouse", "event-logs", "airflow-logs", "backups"]);
    });

    it("waits for MinIO a bounded time and keeps credentials off command lines", () => {
        const script = minioBucketScript(buckets, { attempts: 10, intervalSeconds: 3 });
        assert.match(script, /until mc --config-dir \/tmp\/\.mc ls minio/);
        assert.match(script, /-ge 10 \]; then .*exit 1; fi/);
        assert.match(script, /^export MC_HOST_minio="http:\/\/\$\{MINIO_ROOT_USER\}:\$\{MINIO_ROOT_PASSWORD\}@\$\{MINIO_SERVER\}"$/m);
        assert.ok(!script.includes("alias set"), "mc alias set would put the secret on a command line");
    });

    it("creates each folder marker after the buckets, and only inside them", () => {
        const script = minioBucketScript(buckets, { folders: ["event-logs/spark-events/"] });
        const made = script.split("\n").filter((l) => /\bmb\b/.test(l));
        assert.equal(made[made.length - 1], "mc --config-dir /tmp/.mc mb --ignore-existing minio/event-logs/spark-events/");
        assert.throws(() => minioBucketScript(buckets, { folders: ["other/spark-events/"] }), /not bucket\/prefix\/ in one of the buckets/);
        assert.throws(() => minioBucketScript(buckets, { folders: ["event-logs/spark-events"] }), /not bucket\/prefix\//);
    });

    it("sets each bucket's lifecycle after the buckets and folders, replacing it whole, and only on its own buckets", () => {
        const rule = { id: "expire-backups", prefix: "", expirationDays: 30 };
        const lines = minioBucketScript(buckets, { folders: ["event-logs/spark-events/"], lifecycles: { backups: [rule], warehouse: [] } }).split("\n");
        const imports = lines.filter((l) => l.includes(" ilm rule import "));
        assert.deepEqual(imports, [`printf '%s' '${JSON.stringify(minioLifecycle([rule]))}' | mc --config-dir /tmp/.mc ilm rule import minio/backups`], "no import for a bucket without rules");
        assert.ok(lines.indexOf(imports[0]) > lines.findIndex((l) => l.endsWith("minio/event-logs/spark-events/")));
        assert.throws(() => minioBucketScript(buckets, { lifecycles: { other: [rule] } }), /"other" is not one of the buckets/);
    });

    it("writes expiry rules as mc reads them, keeping the folder markers, and refuses rules it cannot express", () => {
        const rules = expiryRules(tierDefaults("local").storage);
        assert.deepEqual(Object.values(rules).map((r) => r.map((x) => x.id)), [[], ["expire-event-logs"], ["expire-airflow-logs"], ["expire-backups"]]);
        const storage = tierDefaults("local").storage;
        assert.deepEqual(minioLifecycle(rules.eventLogs), {
            Rules: [{ ID: "expire-event-logs", Status: "Enabled", Filter: { And: { Prefix: eventLogPrefix, ObjectSizeGreaterThan: 1 } }, Expiration: { Days: storage.eventLogRetentionDays } }],
        });
        assert.deepEqual(minioLifecycle(rules.backups), { Rules: [{ ID: "expire-backups", Status: "Enabled", Filter: { Prefix: "" }, Expiration: { Days: storage.backupRetentionDays } }] });
        assert.throws(() => minioLifecycle([{ id: "a", prefix: "" }]), /rule "a" needs a positive whole expirationDays/);
        assert.throws(() => minioLifecycle([{ id: "it's", prefix: "", expirationDays: 1 }]), /no quote/);
    });

    it("refuses invalid, repeated or no bucket names", () => {
        assert.throws(() => minioBucketScript(["Warehouse"]), /not a bucket name/);
        assert.throws(() => minioBucketScript(["a-b", "a-b"]), /repeated/);
        assert.throws(() => minioBucketScript([]), /none given/);
    });

    it("exports the endpoint of serviceEndpoints.minio", () => {
        const e = serviceEndpoints.minio;
        assert.equal(minioEndpoint, `http://${serviceHost(e)}:${e.port}`);
    });
});

describe("data services under mocks", () => {
    let local: RecordedResource[];
    before(async () => {
        local = await record(localProgram());
    });

    it("MinIO: pinned RELEASE images as UID 1000, health probes, volume with the StorageClass, bucket Job after the server", () => {
        const sts = inputs<Workload>(byName(local, T.statefulSet, "minio"));
        const c = sts.spec.template.spec.containers[0];
        assert.match(c.image, /^quay\.io\/minio\/minio:RELEASE\.\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z$/);
        assert.equal(sts.spec.template.spec.securityContext?.runAsUser, 1000);
        assert.deepEqual([c.livenessProbe, c.readinessProbe].map((p) => (p as { httpGet: { path: string } }).httpGet.path), ["/minio/health/live", "/minio/health/ready"]);
        assert.equal(sts.spec.volumeClaimTemplates?.[0].spec.storageClassName, "standard");
        assert.deepEqual([envOf(c).MINIO_ROOT_USER.valueFrom?.secretKeyRef, envOf(c).MINIO_ROOT_PASSWORD.valueFrom?.secretKeyRef], [{ name: "minio-root", key: "MINIO_ROOT_USER" }, { name: "minio-root", key: "MINIO_ROOT_PASSWORD" }]);

        const job = byName(local, T.job, "minio-buckets");
        const mc = podSpecOf(job).containers[0];
        assert.match(mc.image, /^quay\.io\/minio\/mc:RELEASE\./);
        const script = mc.command?.[2] ?? "";
        assert.deepEqual(script.split("\n").filter((l) => /\bmb\b/.test(l)).map((l) => l.split(" ").pop()), ["minio/warehouse", "minio/event-logs", "minio/airflow-logs", "minio/backups", "minio/event-logs/spark-events/"]);
        assert.ok(script.split("\n").filter((l) => /\bmb\b/.test(l)).every((l) => l.includes("--ignore-existing")));
        assert.equal(envOf(mc).MINIO_SERVER.value, "minio.minio.svc.cluster.local:9000");
        assert.deepEqual(script.split("\n").filter((l) => l.includes(" ilm rule import ")).map((l) => l.split(" ").pop()), ["minio/event-logs", "minio/airflow-logs", "minio/backups"]);
        assert.ok(job.dependencies.includes(byName(local, T.statefulSet, "minio").urn), "waits for the server");
    });
});
