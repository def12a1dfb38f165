/**
 * The backup and restore round trip with the real scripts: the database-backup CronJob's two
 * containers (scripts/backups/backup.sh dump, then upload), as the plan of a stack writes them
 * (commands, environment, the shipped ConfigMap's scripts, the Secret's logins), run with Debian's
 * PostgreSQL client and a pinned AWS CLI against a real PostgreSQL (databases and roles made by the
 * program's own database-init script) and the local S3 server. Then every database is dropped and
 * created again empty by database-init, the restore Job that `npm run restore` writes runs its two
 * containers (restore.sh download, then restore), and every table's row count and content checksum
 * must match what was dumped.
 *
 * What differs from the cluster, and only that: the server's address (loopback instead of RDS or
 * the in-cluster Service), the S3 endpoint and static keys (the local server instead of S3 with Pod
 * Identity, or MinIO), the scripts' and emptyDirs' paths (temporary directories), and the clients'
 * versions (Debian's pg_dump for the server it runs; awscli 1.x from PyPI, whose `s3api put-object`
 * and `get-object` take the same arguments as the image's CLI v2).
 */
import { strict as assert } from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { databaseBackupJob, databaseBackupPrefix } from "../../components/config/names";
import { backupObjects, backupScriptsDir, restorableDatabase, restoreJobManifest, serverMajor } from "../../components/services/backups";
import { RecordedResource, StackRun, stackConfig } from "../../tools/harness";
import { storageEnv } from "../../components/sparkStack";
import { kubernetesSecrets, resourcesOfType, stackArtefacts } from "../support/artefacts";
import { seedBucketsFromPlan } from "../support/buckets";
import { Postgres, runDatabaseInit, startPostgres } from "../support/postgres";
import { ensureVenv } from "../support/python";
import { localS3Credentials, LocalS3, startLocalS3 } from "../support/s3";

/** The AWS CLI for the scripts' upload and download; pinned. */
const awscliRequirements = ["awscli==1.46.2"] as const;

type EnvVar = { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } };
type Container = { name: string; image: string; command: string[]; env?: EnvVar[]; envFrom?: { configMapRef?: { name: string } }[]; volumeMounts?: { name: string; mountPath: string }[] };
type PodSpec = { initContainers: Container[]; containers: Container[]; volumes: { name: string; emptyDir?: unknown; configMap?: { name: string } }[] };

function named(run: StackRun, type: string, name: string): RecordedResource {
    const found = resourcesOfType(run, type).filter((r) => {
        const meta = r.inputs.metadata as { name?: string; namespace?: string };
        return meta.name === name && meta.namespace === databaseBackupJob.namespace;
    });
    assert.equal(found.length, 1, `${run.stack}: one ${type} ${name}`);
    return found[0];
}

/** A container's environment as the kubelet gives it: envFrom ConfigMaps, then env, Secret references resolved from the plan. */
function containerEnv(run: StackRun, c: Container): Record<string, string> {
    const env: Record<string, string> = {};
    for (const from of c.envFrom ?? []) {
        assert.ok(from.configMapRef, `${c.name}: only ConfigMap envFrom is expected`);
        Object.assign(env, named(run, "kubernetes:core/v1:ConfigMap", from.configMapRef.name).inputs.data as Record<string, string>);
    }
    for (const e of c.env ?? []) {
        if (e.value !== undefined) env[e.name] = e.value;
        else if (e.valueFrom?.secretKeyRef) {
            const ref = e.valueFrom.secretKeyRef;
            const data = named(run, "kubernetes:core/v1:Secret", ref.name).inputs.stringData as Record<string, string>;
            assert.ok(data[ref.key] !== undefined, `Secret ${ref.name} has no key ${ref.key}`);
            env[e.name] = data[ref.key];
        } else assert.fail(`${c.name}: env ${e.name} has a source the suite does not resolve`);
    }
    return env;
}

/** The scripts ConfigMap written to a directory, in place of the pod's mount. */
function scriptsDir(run: StackRun): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spark-k8s-it-backup-scripts-"));
    for (const [file, text] of Object.entries(named(run, "kubernetes:core/v1:ConfigMap", backupObjects.scripts).inputs.data as Record<string, string>)) fs.writeFileSync(path.join(dir, file), text);
    return dir;
}

interface Runtime {
    readonly pg: Postgres;
    readonly s3: LocalS3;
    readonly awsBin: string;
    readonly scripts: string;
}

/** Runs a container's command (bash <script> <phase>) as the pod would, with the suite's overrides. */
function runContainer(run: StackRun, rt: Runtime, c: Container, emptyDir: { mountPath: string; local: string }, extra: Record<string, string> = {}): Promise<{ code: number; output: string }> {
    assert.equal(c.command[0], "bash");
    assert.ok(c.command[1].startsWith(`${backupScriptsDir}/`), c.command[1]);
    assert.ok((c.volumeMounts ?? []).some((m) => m.mountPath === emptyDir.mountPath), `${c.name} mounts ${emptyDir.mountPath}`);
    const env = containerEnv(run, c);
    for (const key of Object.keys(env)) if (env[key] === emptyDir.mountPath) env[key] = emptyDir.local;
    const overrides = {
        PGHOST: rt.pg.host,
        PGPORT: String(rt.pg.port),
        S3_ENDPOINT: rt.s3.endpoint,
        AWS_ACCESS_KEY_ID: localS3Credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: localS3Credentials.secretAccessKey,
        AWS_REGION: localS3Credentials.region,
        AWS_DEFAULT_REGION: localS3Credentials.region,
        HOME: emptyDir.local,
        PATH: `${rt.pg.clientBinDir}:${rt.awsBin}:/usr/bin:/bin`,
    };
    const script = path.join(rt.scripts, path.posix.basename(c.command[1]));
    return new Promise((resolve) => {
        execFile("bash", [script, ...c.command.slice(2)], { env: { ...env, ...overrides, ...extra }, timeout: 5 * 60 * 1000 }, (err, stdout, stderr) => {
            const code = err ? ((err as { code?: number }).code ?? 1) : 0;
            resolve({ code: typeof code === "number" ? code : 1, output: `${stdout}${stderr}` });
        });
    });
}

/** Fills a database, as its own role, with tables of several types, keys, an index, a view and a sequence past its start. */
function fill(pg: Postgres, database: string, login: { username: string; password: string }): void {
    pg.psql(
        [
            "CREATE TABLE dbs (db_id bigserial PRIMARY KEY, name text NOT NULL UNIQUE, location text, created timestamptz NOT NULL DEFAULT now());",
            "CREATE TABLE tbls (tbl_id bigserial PRIMARY KEY, db_id bigint NOT NULL REFERENCES dbs(db_id), name text NOT NULL, params jsonb, raw bytea, ratio numeric(12,4));",
            "CREATE INDEX tbls_by_name ON tbls (name);",
            "CREATE VIEW tbl_names AS SELECT d.name AS db, t.name AS tbl FROM tbls t JOIN dbs d USING (db_id);",
            "INSERT INTO dbs (name, location) SELECT 'db_' || i, 's3a://warehouse/db_' || i FROM generate_series(1, 40) i;",
            "INSERT INTO tbls (db_id, name, params, raw, ratio) SELECT 1 + i % 40, 'table_' || i, jsonb_build_object('i', i, 'quote', E'it''s \"x\"'), decode(md5(i::text), 'hex'), i / 7.0 FROM generate_series(1, 5000) i;",
            "DELETE FROM tbls WHERE tbl_id % 13 = 0;",
        ].join("\n"),
        { database, login },
    );
}

/** Per table of the public schema: row count and an md5 of all rows in a stable order; and each sequence's last value. */
function fingerprint(pg: Postgres, database: string, login: { username: string; password: string }): Record<string, string> {
    const tables = pg.psql("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1", { database, login }).split("\n").filter(Boolean);
    const out: Record<string, string> = {};
    for (const t of tables) out[t] = pg.psql(`SELECT count(*) || ' ' || coalesce(md5(string_agg(x::text, '|' ORDER BY x::text)), '-') FROM ${t} x`, { database, login }).trim();
    for (const s of pg.psql("SELECT sequencename || ' ' || coalesce(last_value::text, '-') FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1", { database, login }).split("\n").filter(Boolean)) {
        out[`sequence ${s.split(" ")[0]}`] = s.split(" ")[1];
    }
    out["view tbl_names"] = pg.psql("SELECT count(*) FROM tbl_names", { database, login }).trim();
    return out;
}

for (const stack of ["dev", "local"]) {
    describe(`backups (${stack}): the real backup and restore scripts round-trip every database through the bucket`, function () {
        this.timeout(20 * 60 * 1000);
        let run: StackRun;
        let rt: Runtime;
        let pod: PodSpec;
        let bucket: string;
        let logins: Record<string, { username: string; password: string }>;
        const dumped: Record<string, Record<string, string>> = {};
        const keys: Record<string, string> = {};

        before(async function () {
            run = await stackArtefacts(stack, kubernetesSecrets);
            const cron = named(run, "kubernetes:batch/v1:CronJob", databaseBackupJob.name);
            pod = (cron.inputs.spec as { jobTemplate: { spec: { template: { spec: PodSpec } } } }).jobTemplate.spec.template.spec;
            const venv = ensureVenv({ name: "awscli", requirements: awscliRequirements });
            const [pg, s3] = await Promise.all([startPostgres(), startLocalS3()]);
            rt = { pg, s3, awsBin: path.dirname(venv.bin("aws")), scripts: scriptsDir(run) };
            await seedBucketsFromPlan(run, s3);
            bucket = (named(run, "kubernetes:core/v1:ConfigMap", backupObjects.settings).inputs.data as Record<string, string>).BACKUP_BUCKET;
            assert.ok(s3.listBuckets().includes(bucket), `the program creates the backups bucket ${bucket}`);
            runDatabaseInit(run, pg);
            const credentials = named(run, "kubernetes:core/v1:Secret", backupObjects.credentials).inputs.stringData as Record<string, string>;
            const databases = containerEnv(run, pod.initContainers[0]).BACKUP_DATABASES.split(" ");
            logins = Object.fromEntries(databases.map((d) => [d, { username: credentials[`${d}-username`], password: credentials[`${d}-password`] }]));
        });

        after(async function () {
            await Promise.all([rt?.pg.stop(), rt?.s3.stop()]);
        });

        it("dumps every database of the stack with pg_dump -Fc and uploads each under postgres/<database>/<UTC timestamp>.dump", async function () {
            assert.deepEqual(Object.keys(logins).slice(0, 1), ["metastore"]);
            if (stack === "dev") assert.deepEqual(Object.keys(logins), ["metastore", "airflow"]);
            for (const [db, login] of Object.entries(logins)) {
                fill(rt.pg, db, login);
                dumped[db] = fingerprint(rt.pg, db, login);
            }
            const shared = { mountPath: "/backup", local: fs.mkdtempSync(path.join(os.tmpdir(), "spark-k8s-it-backup-")) };
            const before = new Date();
            const dump = await runContainer(run, rt, pod.initContainers[0], shared);
            assert.equal(dump.code, 0, dump.output);
            const upload = await runContainer(run, rt, pod.containers[0], shared);
            assert.equal(upload.code, 0, upload.output);
            for (const login of Object.values(logins)) assert.ok(!`${dump.output}${upload.output}`.includes(login.password), "a password in the log");

            const objects = rt.s3.listKeys(bucket, databaseBackupPrefix);
            assert.equal(objects.length, Object.keys(logins).length, objects.join(", "));
            for (const db of Object.keys(logins)) {
                const key = objects.find((k) => k.startsWith(`${databaseBackupPrefix}${db}/`));
                assert.ok(key, `no dump of ${db}: ${objects.join(", ")}`);
                const stamp = /^postgres\/[a-z]+\/(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z\.dump$/.exec(key);
                assert.ok(stamp, key);
                const at = Date.UTC(+stamp[1], +stamp[2] - 1, +stamp[3], +stamp[4], +stamp[5], +stamp[6]);
                assert.ok(at >= Math.floor(before.getTime() / 1000) * 1000 - 1000 && at <= Date.now() + 1000, `${key}: the timestamp is the upload's, in UTC`);
                const head = rt.s3.python(`o = s3.get_object(Bucket=${JSON.stringify(bucket)}, Key=${JSON.stringify(key)})\nprint(o["Body"].read(5).decode("latin-1"))`).trim();
                assert.equal(head, "PGDMP", `${key} is a pg_dump custom-format archive`);
                keys[db] = key;
            }
        });

        it("restores each dropped database from its dump with the restore Job npm run restore writes", async function () {
            assert.equal(Object.keys(keys).length, Object.keys(logins).length, "the backup ran");
            for (const db of Object.keys(logins)) rt.pg.psql(`DROP DATABASE ${db} WITH (FORCE)`);
            runDatabaseInit(run, rt.pg);
            const config = stackConfig(stack);
            for (const [db, login] of Object.entries(logins)) {
                assert.equal(rt.pg.psql("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", { database: db, login }).trim(), "0", `${db} is empty again`);
                const job = restoreJobManifest({
                    database: restorableDatabase(db),
                    dumpKey: keys[db],
                    serverMajor: serverMajor({ inCluster: config.tier === "local" }, config.services.metastore.database.engineVersion),
                    nodeGroups: config.tier !== "local",
                    objectStorageEnv: storageEnv({ storage: { kind: config.tier === "local" ? "minio" : "s3" } }),
                }) as { spec: { template: { spec: PodSpec } } };
                const spec = job.spec.template.spec;
                const shared = { mountPath: "/restore", local: fs.mkdtempSync(path.join(os.tmpdir(), "spark-k8s-it-restore-")) };
                const download = await runContainer(run, rt, spec.initContainers[0], shared);
                assert.equal(download.code, 0, download.output);
                const restore = await runContainer(run, rt, spec.containers[0], shared);
                assert.equal(restore.code, 0, restore.output);
                assert.ok(!`${download.output}${restore.output}`.includes(login.password), "a password in the log");
                assert.deepEqual(fingerprint(rt.pg, db, login), dumped[db], `${db}: the restored data differs from the dumped data`);
                const owner = rt.pg.psql("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'", { database: db }).trim();
                assert.equal(owner, login.username, "the service's role owns what the restore creates");
            }
        });

        it("restores over a database that changed since the dump (--clean --if-exists), and leaves it unchanged when the restore fails", async function () {
            const [db, login] = Object.entries(logins)[0];
            rt.pg.psql("DELETE FROM tbls WHERE tbl_id < 100; UPDATE dbs SET location = 'moved'; INSERT INTO dbs (name) VALUES ('late');", { database: db, login });
            const changed = fingerprint(rt.pg, db, login);
            assert.notDeepEqual(changed, dumped[db]);
            const config = stackConfig(stack);
            const restoreSpec = (key: string) =>
                (restoreJobManifest({
                    database: restorableDatabase(db),
                    dumpKey: key,
                    serverMajor: serverMajor({ inCluster: config.tier === "local" }, config.services.metastore.database.engineVersion),
                    nodeGroups: false,
                    objectStorageEnv: [],
                }) as { spec: { template: { spec: PodSpec } } }).spec.template.spec;

            // A dump that is not a pg_dump archive: restore.sh refuses it and the database stays as it is.
            const badKey = `${databaseBackupPrefix}${db}/20000101T000000Z.dump`;
            rt.s3.putObject(bucket, badKey, "not a dump");
            const badDir = { mountPath: "/restore", local: fs.mkdtempSync(path.join(os.tmpdir(), "spark-k8s-it-restore-")) };
            assert.equal((await runContainer(run, rt, restoreSpec(badKey).initContainers[0], badDir)).code, 0);
            const bad = await runContainer(run, rt, restoreSpec(badKey).containers[0], badDir);
            assert.notEqual(bad.code, 0, "a broken dump must fail the Job");
            assert.deepEqual(fingerprint(rt.pg, db, login), changed);

            const dir = { mountPath: "/restore", local: fs.mkdtempSync(path.join(os.tmpdir(), "spark-k8s-it-restore-")) };
            assert.equal((await runContainer(run, rt, restoreSpec(keys[db]).initContainers[0], dir)).code, 0);
            const again = await runContainer(run, rt, restoreSpec(keys[db]).containers[0], dir);
            assert.equal(again.code, 0, again.output);
            assert.deepEqual(fingerprint(rt.pg, db, login), dumped[db]);
        });

        it("fails the backup Job when a dump fails (wrong password), and uploads nothing", async function () {
            const before = rt.s3.listKeys(bucket, databaseBackupPrefix).length;
            const shared = { mountPath: "/backup", local: fs.mkdtempSync(path.join(os.tmpdir(), "spark-k8s-it-backup-")) };
            const db = Object.keys(logins)[0];
            const dump = await runContainer(run, rt, pod.initContainers[0], shared, { [`${db.toUpperCase()}_DB_PASSWORD`]: "wrong-password" });
            assert.notEqual(dump.code, 0, dump.output);
            assert.match(dump.output, /pg_dump of database \w+ failed/);
            assert.ok(!dump.output.includes("wrong-password"));
            const upload = await runContainer(run, rt, pod.containers[0], shared);
            assert.notEqual(upload.code, 0, "no upload without every dump");
            assert.equal(rt.s3.listKeys(bucket, databaseBackupPrefix).length, before);
        });
    });
}
