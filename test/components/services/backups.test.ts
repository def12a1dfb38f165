import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { databaseBackupJob, databaseBackupPrefix, serviceIdentities } from "../../../components/config/names";
import {
    awsCliImage,
    backupObjects,
    backupPodSpec,
    backupScripts,
    backupSettings,
    dumpKeyPattern,
    imageMajor,
    loginEnv,
    postgresClientImage,
    postgresClientImageFor,
    restorableDatabase,
    restoreJobManifest,
    serverMajor,
} from "../../../components/services/backups";
import { airflowDatabase, metastoreDatabase, serviceDatabases } from "../../../components/services/databaseInit";
import { postgresImage } from "../../../components/services/postgres";
import { isPinnedImage } from "../../../components/config/imageRef";
import { isSecretValue, RecordedResource, repoRoot, StackRun, unwrapSecrets } from "../../../tools/harness";
import { inputs, ofType, stackRun, stackRunWith } from "../../support";

type Container = { name: string; image: string; command: string[]; env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[]; securityContext: Record<string, unknown> };
type PodSpec = { initContainers: Container[]; containers: Container[]; serviceAccountName: string; securityContext: Record<string, unknown>; nodeSelector?: Record<string, string>; volumes: { name: string; emptyDir?: unknown; configMap?: { name: string } }[] };
type CronJobSpec = { schedule: string; concurrencyPolicy: string; successfulJobsHistoryLimit: number; failedJobsHistoryLimit: number; jobTemplate: { spec: { activeDeadlineSeconds: number; backoffLimit: number; template: { spec: PodSpec } } } };

const cronJobs = (run: StackRun) => ofType(run, "kubernetes:batch/v1:CronJob").filter((r) => inputs<{ metadata: { name: string } }>(r).metadata.name === databaseBackupJob.name);
const cronJob = (run: StackRun): RecordedResource => {
    const found = cronJobs(run);
    assert.equal(found.length, 1, `${run.stack}: one ${databaseBackupJob.name} CronJob`);
    return found[0];
};
const specOf = (run: StackRun) => unwrapSecrets(inputs<{ spec: unknown }>(cronJob(run)).spec) as CronJobSpec;
const named = (run: StackRun, type: string, name: string) => ofType(run, type).find((r) => inputs<{ metadata: { name: string } }>(r).metadata.name === name);

function assertHardened(spec: PodSpec): void {
    assert.equal(spec.securityContext.runAsNonRoot, true);
    assert.notEqual(spec.securityContext.runAsUser, 0);
    for (const c of [...spec.initContainers, ...spec.containers]) {
        assert.equal(c.securityContext.readOnlyRootFilesystem, true, c.name);
        assert.equal(c.securityContext.allowPrivilegeEscalation, false, c.name);
        assert.ok(isPinnedImage(c.image), c.image);
    }
}

describe("database backups", function () {
    this.timeout(120000);

    describe("pure decisions", () => {
        it("picks a pg_dump at least as new as the server, and refuses a newer server", () => {
            assert.equal(imageMajor("postgres:16.14-bookworm"), 16);
            for (const major of [14, 15, 16, 17]) assert.equal(postgresClientImageFor(major), postgresClientImage);
            assert.throws(() => postgresClientImageFor(18), /cannot dump PostgreSQL 18/);
            assert.ok(imageMajor(postgresClientImage) >= imageMajor(postgresImage), "the client dumps the in-cluster server");
            assert.equal(serverMajor({ inCluster: false }, "15.7"), 15);
            assert.equal(serverMajor({ inCluster: true }, "14"), imageMajor(postgresImage), "in the cluster, the image decides");
        });

        it("names the login variables the scripts read after the database", () => {
            for (const d of serviceDatabases) {
                assert.equal(loginEnv(d).password, d.passwordEnv, "the same variable DatabaseInit uses");
                for (const script of Object.values(backupScripts())) assert.ok(script.includes('"${upper}_DB_USER"') && script.includes('"${upper}_DB_PASSWORD"'));
            }
        });

        it("accepts only dump keys under the database's prefix with a UTC timestamp", () => {
            assert.ok(dumpKeyPattern("metastore").test(`${databaseBackupPrefix}metastore/20261205T020000Z.dump`));
            assert.ok(!dumpKeyPattern("metastore").test(`${databaseBackupPrefix}airflow/20261205T020000Z.dump`));
            assert.ok(!dumpKeyPattern("metastore").test("postgres/metastore/latest.dump"));
            assert.throws(() => restorableDatabase("postgres"), /unknown database/);
        });

        it("ships the repository's scripts, strict and without a password on any command line", () => {
            const scripts = backupScripts();
            for (const [file, text] of Object.entries(scripts)) {
                assert.equal(text, fs.readFileSync(path.join(repoRoot, "scripts", "backups", file), "utf8"));
                assert.match(text, /^set -euo pipefail$/m, file);
                assert.ok(!/--password|PGPASSWORD=\S*\s*$|echo[^\n]*PASSWORD/m.test(text.replace(/PGPASSWORD="\$\{!password_var\}" pg_\w+/g, "")), `${file} puts a password on a command line or prints it`);
                assert.ok(!/set -x/.test(text), `${file} traces commands`);
            }
            assert.match(scripts["backup.sh"], /pg_dump --format=custom/);
            assert.match(scripts["backup.sh"], /s3api put-object/);
            assert.match(scripts["restore.sh"], /pg_restore [^\n]*\n?[^\n]*--clean --if-exists[^\n]*--single-transaction --exit-on-error/);
        });

        it("sets the MinIO endpoint only where there is one, and the bucket and prefix always", () => {
            const s3 = backupSettings({ host: "db", port: 5432, sslMode: "require", bucket: "b", region: "eu-west-1" });
            assert.deepEqual([s3.BACKUP_BUCKET, s3.BACKUP_PREFIX, s3.PGSSLMODE, s3.AWS_REGION, s3.S3_ENDPOINT], ["b", databaseBackupPrefix, "require", "eu-west-1", undefined]);
            const minio = backupSettings({ host: "db", port: 5432, sslMode: "disable", bucket: "backups", endpoint: "http://minio:9000" });
            assert.equal(minio.S3_ENDPOINT, "http://minio:9000");
        });

        it("builds a restore Job of the dump's database, with the restore identity, hardened", () => {
            const job = restoreJobManifest({ database: airflowDatabase, dumpKey: "postgres/airflow/20261205T020000Z.dump", serverMajor: 16, nodeGroups: true, objectStorageEnv: [] }) as {
                metadata: { name: string; namespace: string };
                spec: { template: { spec: PodSpec } };
            };
            assert.equal(job.metadata.name, "database-restore-airflow-20261205t020000z");
            assert.equal(job.metadata.namespace, databaseBackupJob.namespace);
            const spec = job.spec.template.spec;
            assert.equal(spec.serviceAccountName, serviceIdentities.databaseRestore.serviceAccount);
            assert.deepEqual(spec.initContainers.map((c) => [c.name, c.image, c.command.join(" ")]), [["download", awsCliImage, "bash /opt/backups/restore.sh download"]]);
            assert.deepEqual(spec.containers.map((c) => [c.name, c.image, c.command.join(" ")]), [["restore", postgresClientImage, "bash /opt/backups/restore.sh restore"]]);
            const env = Object.fromEntries((spec.containers[0].env ?? []).map((e) => [e.name, e]));
            assert.equal(env.RESTORE_DATABASE.value, "airflow");
            assert.deepEqual(env.AIRFLOW_DB_PASSWORD.valueFrom?.secretKeyRef, { name: backupObjects.credentials, key: "airflow-password" });
            assert.equal(env.METASTORE_DB_PASSWORD, undefined, "only the restored database's login");
            assert.equal((spec.initContainers[0].env ?? []).find((e) => e.name === "RESTORE_DUMP_KEY")?.value, "postgres/airflow/20261205T020000Z.dump");
            assert.ok(!(spec.initContainers[0].env ?? []).some((e) => /PASSWORD/.test(e.name)), "the download container gets no database password");
            assert.equal(spec.nodeSelector?.["spark-k8s/node-role"] ?? Object.values(spec.nodeSelector ?? {})[0], "system");
            assertHardened(spec);
            assert.throws(() => restoreJobManifest({ database: metastoreDatabase, dumpKey: "postgres/airflow/20261205T020000Z.dump", serverMajor: 16, nodeGroups: true, objectStorageEnv: [] }), /not a dump of database metastore/);
        });

        it("gives the upload container no database password and the dump container no object-storage credential", () => {
            const spec = backupPodSpec({ databases: [metastoreDatabase], serverMajor: 16, nodeGroups: false, objectStorageEnv: [{ name: "AWS_ACCESS_KEY_ID", valueFrom: { secretKeyRef: { name: "s", key: "k" } } }] }) as unknown as PodSpec;
            assert.ok(!(spec.containers[0].env ?? []).some((e) => /_DB_PASSWORD$/.test(e.name)));
            assert.ok(!(spec.initContainers[0].env ?? []).some((e) => e.name.startsWith("AWS_")));
            assert.equal(spec.nodeSelector, undefined, "no node groups on local");
        });
    });

    describe("in the stacks", () => {
        for (const stack of ["local", "dev", "prod"]) {
            it(`${stack}: a hardened CronJob on the configured schedule dumps every database of the stack to the backups bucket`, async () => {
                const run = await stackRun(stack);
                const spec = specOf(run);
                assert.equal(spec.schedule, "0 2 * * *");
                assert.equal(spec.concurrencyPolicy, "Forbid");
                assert.ok(spec.failedJobsHistoryLimit >= 1, "failed Jobs stay for kube-state-metrics");
                assert.ok(spec.jobTemplate.spec.activeDeadlineSeconds > 0);
                const pod = spec.jobTemplate.spec.template.spec;
                assertHardened(pod);
                assert.equal(pod.serviceAccountName, serviceIdentities.databaseBackup.serviceAccount);
                assert.ok(pod.volumes.some((v) => v.emptyDir), "the dump is shared through an emptyDir");
                const dumpEnv = Object.fromEntries((pod.initContainers[0].env ?? []).map((e) => [e.name, e.value]));
                const initSql = String((unwrapSecrets(inputs<{ data: Record<string, string> }>(named(run, "kubernetes:core/v1:ConfigMap", "database-init-sql")!).data) as Record<string, string>)["init.sql"]);
                const prepared = serviceDatabases.filter((d) => initSql.includes(`CREATE DATABASE "${d.database}"`)).map((d) => d.database);
                assert.ok(prepared.includes("metastore"));
                assert.deepEqual(dumpEnv.BACKUP_DATABASES?.split(" "), prepared, "exactly the databases DatabaseInit prepares");
                if (stack !== "local") assert.deepEqual(Object.values(pod.nodeSelector ?? {}), ["system"]);

                const settings = unwrapSecrets(inputs<{ data: Record<string, string> }>(named(run, "kubernetes:core/v1:ConfigMap", backupObjects.settings)!).data) as Record<string, string>;
                const buckets = unwrapSecrets(run.outputs.buckets) as Record<string, string>;
                assert.equal(settings.BACKUP_BUCKET, buckets.backups);
                assert.equal(settings.PGSSLMODE, stack === "local" ? "disable" : "require", "TLS to RDS");
                assert.equal(Boolean(settings.S3_ENDPOINT), stack === "local", "MinIO's endpoint on local only");
            });
        }

        it("follows services.backups.schedule, and creates nothing with backups off", async () => {
            const run = await stackRunWith("dev", { services: { backups: { schedule: "30 3 * * 0" } } });
            assert.equal(specOf(run).schedule, "30 3 * * 0");
            const off = await stackRunWith("dev", { services: { backups: { enabled: false } } });
            assert.equal(cronJobs(off).length, 0);
            const sas = ofType(off, "kubernetes:core/v1:ServiceAccount").map((r) => inputs<{ metadata: { name: string } }>(r).metadata.name);
            assert.ok(!sas.includes("database-backup") && !sas.includes("database-restore"));
            const associations = ofType(off, "aws:eks/podIdentityAssociation:PodIdentityAssociation").map((r) => String(r.inputs.serviceAccount));
            assert.ok(!associations.includes("database-backup") && !associations.includes("database-restore"), "no role ahead of its component");
        });

        it("dumps only the Metastore where Airflow does not run", async () => {
            const run = await stackRunWith("dev", { spark: { scenarios: ["jupyter-connect-k8s"] } });
            const env = specOf(run).jobTemplate.spec.template.spec.initContainers[0].env ?? [];
            assert.equal(env.find((e) => e.name === "BACKUP_DATABASES")?.value, "metastore");
        });

        it("reads the logins from the platform's store on prod: an ExternalSecret of the Secret's name, and no Secret", async () => {
            const run = await stackRun("prod");
            assert.equal(named(run, "kubernetes:core/v1:Secret", backupObjects.credentials), undefined);
            const es = inputs<{ spec: { data: { remoteRef: { key: string; property: string } }[]; target: { name: string; template: { data: Record<string, string> } } } }>(
                named(run, "kubernetes:external-secrets.io/v1:ExternalSecret", backupObjects.credentials)!,
            );
            assert.equal(es.spec.target.name, backupObjects.credentials);
            assert.deepEqual(Object.keys(es.spec.target.template.data).sort(), ["airflow-password", "airflow-username", "metastore-password", "metastore-username"]);
            const refs = es.spec.data.map((d) => `${d.remoteRef.key}#${d.remoteRef.property}`).sort();
            assert.deepEqual(refs, ["spark-prod/airflow-db#password", "spark-prod/airflow-db#username", "spark-prod/metastore-db#password", "spark-prod/metastore-db#username"]);
        });

        it("with the kubernetes provider keeps the passwords in a secret Secret and nowhere else", async () => {
            const run = await stackRunWith("prod", { secrets: { provider: "kubernetes" } });
            const secret = named(run, "kubernetes:core/v1:Secret", backupObjects.credentials)!;
            assert.ok(isSecretValue(secret.inputs.stringData), "stringData is a Pulumi secret");
            const data = unwrapSecrets(secret.inputs.stringData) as Record<string, string>;
            const passwords = ["metastore-password", "airflow-password"].map((k) => data[k]);
            assert.ok(passwords.every((p) => typeof p === "string" && p.length >= 16));
            const plain = JSON.stringify(unwrapSecrets([cronJob(run).inputs, ...ofType(run, "kubernetes:core/v1:ConfigMap").filter((c) => String(inputs<{ metadata: { name: string } }>(c).metadata.name).startsWith("database-backup")).map((c) => c.inputs)]));
            for (const p of passwords) assert.ok(!plain.includes(p), "a password in the CronJob or a ConfigMap");
        });

        it("gives the backup role PutObject on the dumps' prefix only, and the restore role reads there", async () => {
            const run = await stackRun("prod");
            const policyOf = (sa: string) => {
                const role = ofType(run, "aws:iam/rolePolicy:RolePolicy").find((p) => p.name.endsWith(`-${sa}`));
                assert.ok(role, sa);
                return JSON.parse(String(unwrapSecrets(role.inputs.policy))) as { Statement: { Action: string | string[]; Resource: string | string[] }[] };
            };
            const bucket = (unwrapSecrets(run.outputs.buckets) as Record<string, string>).backups;
            const backup = policyOf("database-backup");
            const actions = backup.Statement.flatMap((s) => [s.Action].flat());
            assert.deepEqual(actions.sort(), ["kms:GenerateDataKey", "s3:PutObject"]);
            assert.deepEqual(backup.Statement.find((s) => s.Action === "s3:PutObject")?.Resource, `arn:aws:s3:::${bucket}/${databaseBackupPrefix}*`);
            const restore = policyOf("database-restore");
            assert.deepEqual(restore.Statement.flatMap((s) => [s.Action].flat()).sort(), ["kms:Decrypt", "s3:GetObject", "s3:ListBucket"]);
            assert.deepEqual(restore.Statement.find((s) => s.Action === "s3:GetObject")?.Resource, `arn:aws:s3:::${bucket}/${databaseBackupPrefix}*`);
        });
    });
});
