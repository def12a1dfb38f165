/**
 * The database-init Job (components/services/databaseInit.ts), run for real: the Job's own shell
 * script and SQL, from the plan, with Debian's psql against a real PostgreSQL, twice. On Debian's
 * server and on the release of the program's own PostgreSQL image; with the administrator the plan's
 * server would have (the in-cluster image's superuser, or an RDS-like CREATEROLE/CREATEDB master
 * user); over TLS only where the plan says sslmode=require.
 */
import { strict as assert } from "assert";
import { StackRun } from "../../tools/harness";
import { kubernetesSecrets, resourcesOfType, stackArtefacts } from "../support/artefacts";
import { databaseInitPlan, inClusterPostgres, Login, planDatabaseServer, Postgres, programPostgresVersion, runDatabaseInit, startPostgres } from "../support/postgres";

/** Stacks and scenarios: with and without Airflow, in-cluster server and RDS. */
const cases: { stack: string; config: Record<string, unknown> }[] = [
    { stack: "local", config: {} },
    { stack: "local", config: { spark: { scenarios: ["airflow-connect-k8s"] } } },
    { stack: "dev", config: {} },
    { stack: "dev", config: { spark: { scenarios: ["jupyter-connect-k8s"] } } },
];

/** Roles, memberships, databases and their privileges (not password verifiers: see the test). */
function catalogState(pg: Postgres): string {
    return pg.psql(`
        SELECT 'role', rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolconnlimit, rolvaliduntil FROM pg_roles WHERE rolname !~ '^pg_' ORDER BY 2;
        SELECT 'member', roleid::regrole::text, member::regrole::text, grantor::regrole::text, (to_jsonb(m) - 'oid' - 'roleid' - 'member' - 'grantor')::text FROM pg_auth_members m ORDER BY 2, 3, 4;
        SELECT 'database', datname, pg_get_userbyid(datdba), datacl::text FROM pg_database ORDER BY 2;
    `);
}

/** The service logins the plan configures: the Metastore's Secret, and Airflow's metadata connection when Airflow is installed. */
function serviceLogins(run: StackRun): { service: string; database: string; login: Login; sslMode?: string }[] {
    const logins: { service: string; database: string; login: Login; sslMode?: string }[] = [];
    for (const secret of resourcesOfType(run, "kubernetes:core/v1:Secret")) {
        const data = (secret.inputs.stringData ?? {}) as Record<string, string>;
        const name = (secret.inputs.metadata as { name: string }).name;
        if (name === "hive-metastore-credentials") logins.push({ service: "metastore", database: "metastore", login: { username: data.username, password: data.password } });
        const url = /^postgresql:\/\/([^:]+):([^@]+)@[^/]+\/([^?]+)\?sslmode=(\w+)$/.exec(data.connection ?? "");
        if (url) logins.push({ service: "airflow", database: decodeURIComponent(url[3]), login: { username: decodeURIComponent(url[1]), password: decodeURIComponent(url[2]) }, sslMode: url[4] });
    }
    return logins;
}

const airflowInstalled = (run: StackRun): boolean => run.resources.some((r) => r.type === "spark-k8s:services:Airflow");

for (const server of ["debian", programPostgresVersion()]) {
    for (const c of cases) {
        const label = `${c.stack}${c.config.spark ? ` (${(c.config.spark as { scenarios: string[] }).scenarios.join("+")})` : ""}`;
        describe(`database init, for real: ${label} on PostgreSQL ${server}`, function () {
            this.timeout(10 * 60 * 1000);
            let run: StackRun;
            let pg: Postgres;
            let sslMode: string;
            let states: string[];

            before(async function () {
                run = await stackArtefacts(c.stack, { ...c.config, ...kubernetesSecrets });
                sslMode = databaseInitPlan(run).env.PGSSLMODE;
                // TLS only where the plan's server enforces it (RDS parameter group rds.force_ssl=1).
                pg = await startPostgres({ version: server, tlsOnly: planDatabaseServer(run).tlsOnly });
                states = [catalogState(pg)];
                for (let i = 0; i < 2; i++) {
                    runDatabaseInit(run, pg);
                    states.push(catalogState(pg));
                }
            });
            after(async () => pg?.stop());

            it("runs the Job's script twice; the second run changes no role, membership, database or privilege", function () {
                assert.notEqual(states[1], states[0], "the first run changed nothing");
                // ALTER ROLE ... PASSWORD on every run is the rotation path: the SCRAM verifier gets a
                // new salt each time, so password verifiers are left out here and logins are tested below.
                assert.equal(states[2], states[1]);
            });

            it("creates a role and a database for exactly the services the plan installs", function () {
                const expected = ["metastore", ...(airflowInstalled(run) ? ["airflow"] : [])].sort();
                const admin = databaseInitPlan(run).admin.username;
                const roles = pg.psql(`SELECT rolname FROM pg_roles WHERE rolname !~ '^pg_' AND rolname NOT IN ('${pg.superuser.username}', '${admin}') ORDER BY 1`).split("\n").filter(Boolean);
                const databases = pg.psql("SELECT datname FROM pg_database WHERE datname NOT IN ('postgres', 'template0', 'template1') ORDER BY 1").split("\n").filter(Boolean);
                assert.deepEqual({ roles, databases }, { roles: expected, databases: expected }, "a role or database exists for a service the plan does not install (DESIGN: nothing exists ahead of its component)");
            });

            it("lets each service log in with its generated password, as the service is configured, and own its database", function () {
                const logins = serviceLogins(run);
                assert.ok(logins.some((l) => l.service === "metastore"), "no metastore login in the plan");
                assert.equal(logins.some((l) => l.service === "airflow"), airflowInstalled(run));
                for (const l of logins) {
                    const owner = pg.psql("SELECT current_user, pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database();", { login: l.login, database: l.database, sslMode: l.sslMode ?? sslMode });
                    assert.equal(owner, `${l.login.username}|${l.login.username}`, `${l.service} does not own ${l.database}`);
                    pg.psql("CREATE TABLE it_probe (id int); DROP TABLE it_probe;", { login: l.login, database: l.database, sslMode: l.sslMode ?? sslMode });
                }
            });

            it("keeps every other role out of each service database (REVOKE ALL ... FROM PUBLIC)", function () {
                const intruder = { username: "it_intruder", password: "it-intruder-password" };
                pg.psql(`DROP ROLE IF EXISTS it_intruder; CREATE ROLE it_intruder LOGIN PASSWORD '${intruder.password}';`);
                const logins = serviceLogins(run);
                for (const target of logins) {
                    for (const other of [{ service: "it_intruder", login: intruder }, ...logins.filter((l) => l.service !== target.service)]) {
                        const r = pg.tryPsql("SELECT 1;", { login: other.login, database: target.database, sslMode });
                        assert.ok(!r.ok, `${other.service} connected to ${target.database}`);
                        assert.match(r.output, /permission denied for database/);
                    }
                }
                assert.equal(pg.psql("SELECT 1;", { login: intruder, sslMode }), "1", "the intruder role cannot log in at all, so the check above proves nothing");
            });

            it("leaves the administrator able to log in and manage each service role", function () {
                const { admin } = databaseInitPlan(run);
                const expectedSuper = inClusterPostgres(run) ? "t" : "f";
                assert.equal(pg.psql("SELECT rolsuper FROM pg_roles WHERE rolname = current_user;", { login: admin, sslMode }), expectedSuper);
                for (const l of serviceLogins(run)) {
                    assert.equal(pg.psql(`SELECT pg_has_role(current_user, '${l.login.username}', 'MEMBER');`, { login: admin, sslMode }), "t");
                    assert.equal(pg.psql("SELECT current_database();", { login: admin, database: l.database, sslMode }), l.database);
                }
            });

            if (c.stack !== "local") {
                it("reaches the server over TLS, as PGSSLMODE=require demands; the server refuses plain connections (rds.force_ssl)", function () {
                    assert.equal(sslMode, "require");
                    assert.ok(pg.tlsOnly, "the plan's RDS parameter group does not force TLS");
                    const { admin } = databaseInitPlan(run);
                    assert.equal(pg.psql("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid();", { login: admin, sslMode }), "t");
                    const plain = pg.tryPsql("SELECT 1;", { login: admin, sslMode: "disable" });
                    assert.ok(!plain.ok);
                    assert.match(plain.output, /no pg_hba\.conf entry/);
                });
            }
        });
    }
}
