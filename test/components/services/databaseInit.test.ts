import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import {
    airflowDatabase,
    databaseInitScript,
    databaseInitSql,
    metastoreDatabase,
    quoteIdent,
    quoteLiteral,
    rerunnableJobAnnotations,
    rerunnableJobOptions,
    serviceDatabases,
} from "../../../components/services/databaseInit";
import { inputsHashAnnotation } from "../../../components/kubernetes/rollout";
import { isSecretValue, RecordedResource } from "../../../tools/harness";
import { awsProgram, byName, envOf, fakeCredentials, inputs, of, podSpecOf, rdsHost, record, recordBoth, T, Workload, workloadTypes } from "../../support/dataServices";

describe("databaseInitSql", () => {
    const sql = databaseInitSql();
    const statements = sql.split("\n");

    it("creates each role and database only when missing, each CREATE guarded and run by \\gexec", () => {
        const creates = statements.filter((l) => /CREATE (ROLE|DATABASE)/.test(l));
        assert.equal(creates.length, 2 * serviceDatabases.length);
        for (const line of creates) {
            assert.match(line, /^SELECT '.*' WHERE NOT EXISTS \(SELECT FROM pg_catalog\.pg_(roles WHERE rolname|database WHERE datname) = '[a-z_]+'\)$/, line);
            assert.equal(statements[statements.indexOf(line) + 1], "\\gexec", `${line} is not followed by \\gexec`);
        }
        assert.ok(!/^\s*CREATE /m.test(sql), "an unguarded CREATE would fail on the second run");
        assert.match(sql, /^\\set ON_ERROR_STOP on$/m);
    });

    it("sets password, owner and privileges on every run, in an order that works on RDS", () => {
        for (const d of serviceDatabases) {
            const role = quoteIdent(d.role);
            const db = quoteIdent(d.database);
            const at = (text: string) => {
                const i = sql.indexOf(text);
                assert.ok(i >= 0, `missing: ${text}`);
                return i;
            };
            const createRole = at(`CREATE ROLE ${role} LOGIN`);
            const password = at(`ALTER ROLE ${role} WITH LOGIN PASSWORD :'${d.passwordVariable}';`);
            const grant = at(`GRANT ${role} TO CURRENT_USER;`);
            const createDb = at(`CREATE DATABASE ${db} OWNER ${role}`);
            const owner = at(`ALTER DATABASE ${db} OWNER TO ${role};`);
            at(`REVOKE ALL ON DATABASE ${db} FROM PUBLIC;`);
            assert.ok(createRole < password && password < grant && grant < createDb && createDb < owner, `statement order for ${d.database}`);
        }
        assert.deepEqual(serviceDatabases.map((d) => [d.database, d.role]), [["metastore", "metastore"], ["airflow", "airflow"]]);
    });

    it("quotes every identifier and literal", () => {
        for (const d of serviceDatabases) {
            const unquoted = new RegExp(`(ROLE|DATABASE|OWNER|TO|GRANT)\\s+${d.role}\\b`);
            assert.ok(!unquoted.test(sql), `unquoted identifier ${d.role}`);
        }
        assert.equal(quoteIdent('we"ird'), '"we""ird"');
        assert.equal(quoteLiteral("it's"), "'it''s'");
    });

    it("never contains a password: each comes from the environment through \\getenv and :'var'", () => {
        for (const d of serviceDatabases) assert.match(sql, new RegExp(`^\\\\getenv ${d.passwordVariable} ${d.passwordEnv}$`, "m"));
        const passwordClauses = statements.filter((l) => !/^(--|\\)/.test(l)).join("\n").match(/PASSWORD\s+\S+/g) ?? [];
        assert.equal(passwordClauses.length, serviceDatabases.length);
        for (const clause of passwordClauses) assert.match(clause, /^PASSWORD :'[a-z_]+';$/, clause);
        assert.ok(!sql.includes("$$"), "psql does not interpolate :'var' inside dollar-quoted DO blocks");
    });

    it("refuses names that are not plain lower-case SQL names, and duplicates", () => {
        assert.throws(() => databaseInitSql([{ ...metastoreDatabase, role: 'x"; DROP ROLE postgres; --' }]), /role .* is not a lower-case SQL name/);
        assert.throws(() => databaseInitSql([metastoreDatabase, { ...airflowDatabase, database: "metastore" }]), /database "metastore" is used twice/);
        assert.throws(() => databaseInitSql([{ ...metastoreDatabase, passwordEnv: "lower" }]), /environment variable "lower"/);
    });

    it("the init script checks its environment, waits a bounded time, and puts no secret on a command line", () => {
        const script = databaseInitScript(serviceDatabases, { attempts: 12, intervalSeconds: 5 });
        for (const v of ["PGUSER", "PGPASSWORD", "METASTORE_DB_PASSWORD", "AIRFLOW_DB_PASSWORD"]) assert.ok(script.includes(`: "\${${v}:?`), v);
        assert.match(script, /-ge 12 \]; then .* exit 1; fi/);
        assert.match(script, /^exec psql --no-psqlrc --quiet -v ON_ERROR_STOP=1 --file \/etc\/database-init\/init\.sql$/m);
        assert.ok(!/psql[^\n]*(PASSWORD|password)/.test(script), "no password variable passed to psql on its command line");
    });

    it("re-runnable Jobs are replaced, new before old, whenever their spec changes or they failed", () => {
        const options = rerunnableJobOptions({} as pulumi.Resource);
        assert.deepEqual(options.replaceOnChanges, ["spec"]);
        assert.equal(options.deleteBeforeReplace, false);
        assert.deepEqual(rerunnableJobAnnotations, { "pulumi.com/replaceUnready": "true" });
    });
});

describe("data services under mocks", () => {
    let local: RecordedResource[];
    let aws: RecordedResource[];
    before(async () => ({ local, aws } = await recordBoth()));

    it("database init: psql against the given server with its sslmode, SQL from databaseInitSql, passwords from its Secret", () => {
        for (const [resources, host, sslMode] of [[local, "postgres.spark-platform.svc.cluster.local", "disable"], [aws, rdsHost, "require"]] as const) {
            const job = of(resources, T.job).find((j) => j.name === "database-init");
            assert.ok(job);
            const c = podSpecOf(job).containers[0];
            const env = envOf(c);
            assert.equal(env.PGHOST.value, host);
            assert.equal(env.PGSSLMODE.value, sslMode);
            assert.equal(env.PGUSER.valueFrom?.secretKeyRef?.key, "admin-username");
            for (const d of serviceDatabases) assert.ok(env[d.passwordEnv].valueFrom?.secretKeyRef, d.passwordEnv);
            const sql = inputs<{ data: Record<string, string> }>(byName(resources, T.configMap, "database-init-sql")).data["init.sql"];
            assert.equal(sql, databaseInitSql());
        }
        const job = byName(local, T.job, "database-init");
        assert.ok(job.dependencies.includes(byName(local, T.statefulSet, "postgres").urn), "waits for the in-cluster server");
    });

    it("a rotated password changes the init Job's spec, so the Job runs again", async () => {
        const hash = async (suffix: string) => {
            const resources = await record(awsProgram(fakeCredentials(suffix)));
            return inputs<Workload>(byName(resources, T.job, "database-init")).spec.template.metadata?.annotations?.[inputsHashAnnotation];
        };
        const [first, same, rotated] = [await hash("1"), await hash("1"), await hash("2")];
        assert.ok(typeof first === "string" && first.length > 0);
        assert.equal(first, same);
        assert.notEqual(first, rotated);
        // The hash is no secret (it reveals nothing), so the Job spec stays readable in previews and plans.
        for (const resources of [local, aws]) {
            for (const w of resources.filter((r) => workloadTypes.includes(r.type))) assert.ok(!isSecretValue(w.inputs.spec), `${w.name}: spec hidden as a secret`);
        }
    });
});
