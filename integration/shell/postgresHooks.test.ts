/**
 * The in-cluster PostgreSQL's probe and postStart hook scripts (components/services/postgres.ts),
 * taken from the local stack's plan and run for real with dash (the postgres image is Debian) next
 * to a real PostgreSQL set up as the official image sets itself up: initdb with its default trust
 * for the socket and 127.0.0.1, `host all all all scram-sha-256` appended (docker-library/postgres
 * docker-entrypoint.sh, pg_setup_hba_conf), listening on every address at 5432, socket in
 * /var/run/postgresql. The scripts name that port and socket directory, so the server and the
 * scripts share a network and mount namespace of their own (only a loopback, a private tmpfs at
 * /var/run/postgresql): nothing about the scripts is changed.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { StackRun } from "../../tools/harness";
import { resourcesOfType, stackArtefacts } from "../support/artefacts";
import { run } from "../support/cache";
import { ensurePostgresInstalled } from "../support/postgres";
import { Server, startServer } from "../support/processes";
import { asUser, describeRun, ensureShells, PodNamespace, PodScriptRun, runPodScript, startPodNamespace } from "./pod";

interface Container {
    name: string;
    env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
    lifecycle?: { postStart?: { exec?: { command: string[] } } };
    startupProbe?: { exec?: { command: string[] } };
    readinessProbe?: { exec?: { command: string[] } };
    livenessProbe?: { exec?: { command: string[] } };
}

/** The postgres container of the plan's StatefulSet, its environment resolved from the Secret it names. */
function postgresContainer(stackRun: StackRun): { container: Container; env: Record<string, string> } {
    const sets = resourcesOfType(stackRun, "kubernetes:apps/v1:StatefulSet").filter((r) => (r.inputs.metadata as { name: string }).name === "postgres");
    assert.equal(sets.length, 1, "one postgres StatefulSet");
    const namespace = (sets[0].inputs.metadata as { namespace: string }).namespace;
    const container = (sets[0].inputs.spec as { template: { spec: { containers: Container[] } } }).template.spec.containers.find((c) => c.name === "postgres");
    assert.ok(container, "a postgres container");
    const env: Record<string, string> = {};
    for (const e of container.env ?? []) {
        const ref = e.valueFrom?.secretKeyRef;
        if (!ref) {
            env[e.name] = e.value ?? "";
            continue;
        }
        const secret = resourcesOfType(stackRun, "kubernetes:core/v1:Secret").find((s) => {
            const m = s.inputs.metadata as { name: string; namespace: string };
            return m.name === ref.name && m.namespace === namespace;
        });
        const value = (secret?.inputs.stringData as Record<string, string> | undefined)?.[ref.key];
        assert.ok(value !== undefined, `Secret ${ref.name} holds ${ref.key}`);
        env[e.name] = value;
    }
    return { container, env };
}

const shCommand = (command: string[] | undefined, what: string): string => {
    assert.ok(command && command[0] === "sh" && command[1] === "-c" && command.length === 3, `${what} runs sh -c <script>: ${JSON.stringify(command)}`);
    return command[2];
};

describe("shell: the in-cluster PostgreSQL's probe and password-sync hook against a real PostgreSQL", function () {
    this.timeout(5 * 60 * 1000);
    const oldPassword = "it-old-superuser-password";
    let binDir: string;
    let ns: PodNamespace;
    let env: Record<string, string>;
    let probes: Record<string, string>;
    let hook: string;
    let dataDir: string;
    let server: Server | undefined;

    const inPod = (script: string, extra: Partial<Parameters<typeof runPodScript>[0]> = {}): Promise<PodScriptRun> =>
        runPodScript({ shell: "dash", script, env, path: [binDir], namespace: ns, user: "postgres", timeoutMs: 120000, ...extra });
    /** psql over TCP to 127.0.0.2, which no trust line covers: the password decides. */
    const login = (password: string): Promise<PodScriptRun> =>
        runPodScript({
            shell: "bash",
            script: `exec psql --no-psqlrc -tA -c 'SELECT current_user' "host=127.0.0.2 port=5432 dbname=postgres user=$POSTGRES_USER"`,
            env: { POSTGRES_USER: env.POSTGRES_USER, PGPASSWORD: password, PGCONNECT_TIMEOUT: "5" },
            path: [binDir],
            namespace: ns,
            timeoutMs: 30000,
        });
    const startPostgres = async (): Promise<Server> =>
        startServer({
            name: "postgres-hook-test",
            command: ns.enter[0],
            args: [...ns.enter.slice(1), ...asUser("postgres"), path.join(binDir, "postgres"), "-D", dataDir, "-c", "listen_addresses=*", "-c", "port=5432", "-c", "unix_socket_directories=/var/run/postgresql"],
            ready: { logLine: /database system is ready to accept connections/ },
            timeoutMs: 60000,
        });

    before(async function () {
        this.timeout(20 * 60 * 1000);
        ensureShells(["dash", "bash"]);
        binDir = ensurePostgresInstalled();
        const stackRun = await stackArtefacts("local");
        const found = postgresContainer(stackRun);
        env = found.env;
        hook = shCommand(found.container.lifecycle?.postStart?.exec?.command, "the postStart hook");
        probes = {
            startup: shCommand(found.container.startupProbe?.exec?.command, "the startup probe"),
            readiness: shCommand(found.container.readinessProbe?.exec?.command, "the readiness probe"),
            liveness: shCommand(found.container.livenessProbe?.exec?.command, "the liveness probe"),
        };
        ns = await startPodNamespace("postgres", [{ path: "/var/run/postgresql", owner: "postgres" }]);
        dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-hook-"));
        fs.chownSync(dataDir, Number(run("id", ["-u", "postgres"]).trim()), Number(run("id", ["-g", "postgres"]).trim()));
        const pwfile = path.join(dataDir, "..", `${path.basename(dataDir)}.pw`);
        fs.writeFileSync(pwfile, `${oldPassword}\n`, { mode: 0o644 });
        try {
            run(ns.enter[0], [...ns.enter.slice(1), ...asUser("postgres"), path.join(binDir, "initdb"), "-D", path.join(dataDir, "pgdata"), "--username", env.POSTGRES_USER, `--pwfile=${pwfile}`, "--auth=trust"], {
                what: "initdb",
            });
        } finally {
            fs.rmSync(pwfile, { force: true });
        }
        dataDir = path.join(dataDir, "pgdata");
        fs.appendFileSync(path.join(dataDir, "pg_hba.conf"), "\nhost all all all scram-sha-256\n");
    });
    after(async () => {
        await server?.stop();
        await ns?.holder.stop();
        if (dataDir) fs.rmSync(path.dirname(dataDir), { recursive: true, force: true });
    });

    it("every probe fails while no server listens", async function () {
        for (const [name, script] of Object.entries(probes)) {
            const result = await inPod(script);
            assert.notEqual(result.code, 0, `${name}: ${describeRun(result)}`);
        }
    });

    it("the hook waits for a server that starts after it, then sets the superuser password from POSTGRES_PASSWORD", async function () {
        assert.notEqual(env.POSTGRES_PASSWORD, oldPassword);
        const hookRun = inPod(hook);
        await new Promise((r) => setTimeout(r, 3000));
        server = await startPostgres();
        const result = await hookRun;
        assert.equal(result.code, 0, describeRun(result));
        assert.doesNotMatch(result.stderr, /not synchronised/, describeRun(result));
        const fresh = await login(env.POSTGRES_PASSWORD);
        assert.equal(fresh.code, 0, describeRun(fresh));
        assert.equal(fresh.stdout.trim(), env.POSTGRES_USER);
        const stale = await login(oldPassword);
        assert.notEqual(stale.code, 0, "the old password no longer logs in");
        assert.match(stale.stderr, /password authentication failed/);
    });

    it("every probe passes against the running server and leaves no failed login in its log", async function () {
        const before = fs.readFileSync(server!.logFile, "utf8").length;
        for (const [name, script] of Object.entries(probes)) {
            const result = await inPod(script);
            assert.equal(result.code, 0, `${name}: ${describeRun(result)}`);
        }
        const logged = fs.readFileSync(server!.logFile, "utf8").slice(before);
        assert.doesNotMatch(logged, /FATAL|authentication failed/, logged);
    });

    it("the hook exits 0 when it cannot sync (a failing postStart hook would kill the container) and says so", async function () {
        const result = await inPod(hook, { env: { ...env, POSTGRES_USER: "no_such_role" } });
        assert.equal(result.code, 0, describeRun(result));
        assert.match(result.stderr, /superuser password not synchronised/);
    });

    it("a second run of the hook succeeds and keeps the password", async function () {
        const result = await inPod(hook);
        assert.equal(result.code, 0, describeRun(result));
        assert.equal((await login(env.POSTGRES_PASSWORD)).code, 0);
    });
});
