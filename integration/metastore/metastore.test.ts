/**
 * The Hive Metastore, for real (components/services/metastore.ts): the program's schema Job script
 * run twice with a real schematool against real PostgreSQL, then the server started with the
 * program's command and metastore-site.xml, answering Thrift and keeping data in the program's
 * warehouse on the local S3 server. Overrides of the site XML are pinned below.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { StackRun } from "../../tools/harness";
import { configMapData, kubernetesSecrets, stackArtefacts } from "../support/artefacts";
import { ensureHive, Metastore, metastoreOverrides, overriddenSiteXml, runSchemaJob, SchemaRun, siteProperties, startMetastore, startMetastoreServer } from "../support/metastore";
import { planDatabaseServer, Postgres, programPostgresVersion, runDatabaseInit, startPostgres } from "../support/postgres";
import { LocalS3, startLocalS3 } from "../support/s3";
import { withMetastoreClient } from "./thriftClient";

const stacks = ["local", "dev"];
const programSiteXml = (run: StackRun): string => configMapData(run, "hive-metastore-config")["metastore-site.xml"];

describe("Hive Metastore: the suite's changes to the program's metastore-site.xml", function () {
    this.timeout(5 * 60 * 1000);

    it("are exactly the pinned list", function () {
        assert.deepEqual(metastoreOverrides.map((o) => o.name), [
            "javax.jdo.option.ConnectionURL",
            "metastore.thrift.port",
            "fs.s3a.endpoint",
            "fs.s3a.path.style.access",
        ]);
        for (const o of metastoreOverrides) assert.ok(o.reason.length > 20, `${o.name} has no reason`);
    });

    for (const stack of stacks) {
        it(`${stack}: change only those properties, and keep the database name and sslmode of the JDBC URL`, async function () {
            const xml = programSiteXml(await stackArtefacts(stack));
            const ctx = { pg: { host: "127.0.0.1", port: 5999 } as Postgres, s3: { endpoint: "http://127.0.0.1:5998" } as LocalS3, thriftPort: 5997 };
            const before = siteProperties(xml);
            const after = siteProperties(overriddenSiteXml(xml, ctx).xml);
            const pinned = new Set(metastoreOverrides.map((o) => o.name));
            for (const [name, value] of before) if (!pinned.has(name)) assert.equal(after.get(name), value, name);
            for (const name of after.keys()) assert.ok(before.has(name) || pinned.has(name), `added ${name}`);
            const url = /^jdbc:postgresql:\/\/[^/]+(\/.*)$/.exec(before.get("javax.jdo.option.ConnectionURL") ?? "");
            assert.ok(url);
            assert.equal(after.get("javax.jdo.option.ConnectionURL"), `jdbc:postgresql://127.0.0.1:5999${url[1]}`);
        });
    }
});

for (const stack of stacks) {
    describe(`Hive Metastore, for real: ${stack}`, function () {
        this.timeout(20 * 60 * 1000);
        let run: StackRun;
        let s3: LocalS3;
        let pg: Postgres;
        let first: SchemaRun;
        let second: SchemaRun;
        let schemaBefore: string;
        let schemaAfter: string;
        let metastore: Metastore | undefined;
        const schemaState = (): string => pg.psql(`
            SELECT table_name || '.' || column_name || ':' || data_type FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1;
            SELECT tableowner FROM pg_tables WHERE schemaname = 'public' GROUP BY 1;
            SELECT "SCHEMA_VERSION" FROM "VERSION";`, { database: "metastore" });

        before(async function () {
            ensureHive();
            run = await stackArtefacts(stack, kubernetesSecrets);
            s3 = await startLocalS3();
            pg = await startPostgres({ version: programPostgresVersion(), tlsOnly: planDatabaseServer(run).tlsOnly });
            runDatabaseInit(run, pg);
            first = runSchemaJob(run, { pg, s3 });
            schemaBefore = schemaState();
            second = runSchemaJob(run, { pg, s3 });
            schemaAfter = schemaState();
        });
        after(async () => {
            await metastore?.stop();
            await pg?.stop();
            await s3?.stop();
        });

        it("schema Job, first run: -info and -upgradeSchema find no schema, -initSchema creates it as the metastore role", function () {
            assert.equal(first.exitCode, 0, first.output.slice(-3000));
            assert.match(first.output, /Failed to get schema version|Schema version not stored/i, "schematool -info did not fail on the empty database");
            assert.match(first.output, /No schema to upgrade: creating it\./);
            assert.match(first.output, /Initialization script completed/);
            const [owner, version] = schemaBefore.split("\n").slice(-2);
            assert.equal(owner, "metastore", "the schema belongs to another role than the program's metastore login");
            assert.match(version, /^\d+\.\d+\.\d+$/);
        });

        it("schema Job, second run: -info finds the schema current, and nothing changes", function () {
            assert.equal(second.exitCode, 0, second.output.slice(-3000));
            assert.match(second.output, /The metastore schema matches this Hive version\./);
            assert.doesNotMatch(second.output, /Initialization script|Upgrade script|Starting metastore schema/);
            assert.equal(schemaAfter, schemaBefore);
            const distribution = /Hive distribution version:\s*(\S+)/.exec(second.output)?.[1];
            assert.equal(schemaAfter.split("\n").pop(), distribution);
        });

        it("server: starts with the program's command and site XML, and answers Thrift calls", async function () {
            metastore = await startMetastore({ run, s3, postgres: pg });
            const answer = withMetastoreClient<{ name: string; all: string[] }>(metastore.thriftUri, [
                "client.create_database(Database(name='it_thrift', description='integration suite', parameters={}))",
                "d = client.get_database('it_thrift')",
                "print(json.dumps({'name': d.name, 'all': client.get_all_databases()}))",
            ].join("\n"));
            assert.equal(answer.name, "it_thrift");
            assert.deepEqual(answer.all.sort(), ["default", "it_thrift"]);
        });

        it("server: keeps databases in the program's warehouse and creates their directories in its bucket", function () {
            assert.ok(metastore, "the server did not start");
            const program = siteProperties(programSiteXml(run)).get("metastore.warehouse.dir");
            assert.equal(metastore.warehouse.uri, program);
            const locations = withMetastoreClient<{ default: string; it: string }>(metastore.thriftUri,
                "print(json.dumps({'default': client.get_database('default').locationUri, 'it': client.get_database('it_thrift').locationUri}))");
            assert.deepEqual(locations, { default: program, it: `${program}/it_thrift.db` });
            const prefix = `${program!.replace(/^s3a:\/\/[^/]+\//, "")}/it_thrift.db`;
            assert.ok(s3.listKeys(metastore.warehouse.bucket).some((k) => k.startsWith(prefix)), `no ${prefix} in bucket ${metastore.warehouse.bucket}: ${s3.listKeys(metastore.warehouse.bucket).join(", ")}`);
        });

        it("server: reaches the warehouse with the program's own S3A credential provider (Pod Identity on AWS, the MinIO keys on local)", function () {
            assert.ok(metastore, "the server did not start");
            const provider = siteProperties(metastore.siteXml).get("fs.s3a.aws.credentials.provider");
            assert.equal(provider, siteProperties(programSiteXml(run)).get("fs.s3a.aws.credentials.provider"));
            if (planDatabaseServer(run).kind === "rds") {
                assert.ok(metastore.podIdentity, "no Pod Identity endpoint for an AWS stack");
                assert.ok(metastore.podIdentity.served().ok > 0, "the metastore never fetched Pod Identity credentials");
                assert.equal(metastore.podIdentity.served().refused, 0, "the SDK called the Pod Identity endpoint without its token");
            } else {
                assert.equal(metastore.podIdentity, undefined);
            }
        });

        it("server: logs in to PostgreSQL as the program's metastore role, over TLS where the plan requires it", function () {
            const rows = pg.psql("SELECT DISTINCT usename || ':' || ssl FROM pg_stat_activity JOIN pg_stat_ssl USING (pid) WHERE datname = 'metastore';").split("\n");
            const tls = planDatabaseServer(run).kind === "rds";
            assert.deepEqual(rows, [`metastore:${tls}`]);
        });
    });
}

/** A fresh local S3 server and PostgreSQL at the program's release for the suite around the call, stopped after it. */
function freshServers(): { servers: () => { s3: LocalS3; pg: Postgres } } {
    let s3: LocalS3 | undefined;
    let pg: Postgres | undefined;
    before(async () => {
        s3 = await startLocalS3();
        pg = await startPostgres({ version: programPostgresVersion() });
    });
    after(async () => {
        await pg?.stop();
        await s3?.stop();
    });
    return {
        servers: () => {
            if (!s3 || !pg) throw new Error("the servers did not start");
            return { s3, pg };
        },
    };
}

describe("Hive Metastore, for real: the schema Job on an older schema", function () {
    this.timeout(20 * 60 * 1000);
    const { servers } = freshServers();

    it("local: upgrades the schema of the previous Hive release to this Hive's, as the metastore role", async function () {
        const { pg, s3 } = servers();
        const run = await stackArtefacts("local");
        runDatabaseInit(run, pg);
        const install = ensureHive();
        // The last step of the distribution's upgrade order, e.g. 3.0.0-to-3.1.0.
        const steps = fs.readFileSync(path.join(install.postgresScripts, "upgrade.order.postgres"), "utf8").trim().split(/\r?\n/);
        const previous = /^(\S+)-to-\S+$/.exec(steps[steps.length - 1])?.[1];
        assert.ok(previous, `no upgrade step in ${install.postgresScripts}/upgrade.order.postgres`);
        const old = runSchemaJob(run, { pg, s3 }, install, ["-dbType", "postgres", "-initSchemaTo", previous]);
        assert.equal(old.exitCode, 0, old.output.slice(-3000));
        const version = (): string => pg.psql('SELECT "SCHEMA_VERSION" FROM "VERSION";', { database: "metastore" });
        assert.equal(version(), previous);
        const upgrade = runSchemaJob(run, { pg, s3 });
        assert.equal(upgrade.exitCode, 0, upgrade.output.slice(-3000));
        assert.match(upgrade.output, /The metastore schema was upgraded\./);
        assert.match(upgrade.output, new RegExp(`Completed upgrade-${previous.replace(/\./g, "\\.")}-to-`));
        assert.equal(version(), /Hive distribution version:\s*(\S+)/.exec(runSchemaJob(run, { pg, s3 }).output)?.[1]);
        assert.equal(pg.psql("SELECT string_agg(DISTINCT tableowner, ',') FROM pg_tables WHERE schemaname = 'public';", { database: "metastore" }), "metastore");
    });
});

describe("Hive Metastore, for real: the server without the schema Job", function () {
    this.timeout(20 * 60 * 1000);
    const { servers } = freshServers();

    it("local: refuses to start on a database the schema Job has not prepared, and creates no table (schema verification on, auto-create off)", async function () {
        const { pg, s3 } = servers();
        const run = await stackArtefacts("local");
        runDatabaseInit(run, pg);
        await assert.rejects(startMetastoreServer(run, { pg, s3 }), /exited with 1[\s\S]*Version information not found in metastore/);
        assert.equal(pg.psql("SELECT count(*) FROM pg_tables WHERE schemaname = 'public';", { database: "metastore" }), "0");
    });
});

describe("Hive Metastore, for real: startMetastore from the cached database (the Spark helper's path)", function () {
    this.timeout(20 * 60 * 1000);
    let s3: LocalS3;
    const started: Metastore[] = [];
    before(async () => {
        s3 = await startLocalS3();
    });
    after(async () => {
        for (const m of started) await m.stop();
        await s3?.stop();
    });

    it("local: starts twice (building, then reusing, the cached database) and answers Thrift both times", async function () {
        const run = await stackArtefacts("local");
        for (let i = 0; i < 2; i++) {
            const m = await startMetastore({ run, s3 });
            started.push(m);
            const all = withMetastoreClient<string[]>(m.thriftUri, "print(json.dumps(client.get_all_databases()))");
            assert.deepEqual(all, ["default"]);
            assert.equal(m.postgres.version, programPostgresVersion());
        }
    });
});
