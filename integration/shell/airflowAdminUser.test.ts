/**
 * The Airflow chart's create-user Job script (components/services/airflow.ts createAdminUserScript),
 * taken from the chart values of the plan and run for real: bash, the airflow CLI of the image's
 * versions with the FAB provider (integration/airflow's venv), the chart's [core] and [logging]
 * settings from the same values, a migrated SQLite metadata database, and the admin Secret's files
 * mounted where the Job mounts them (a private mount namespace).
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { StackRun } from "../../tools/harness";
import { resourcesOfType } from "../support/artefacts";
import { run } from "../support/cache";
import { Venv } from "../support/python";
import { airflowHome, AirflowHome, airflowStack } from "../airflow/environment";
import { airflowVenv } from "../airflow/image";
import { describeRun, ensureShells, PodScriptRun, runPodScript } from "./pod";

const checkPassword = `
import json, os, sqlite3
from werkzeug.security import check_password_hash
rows = sqlite3.connect(os.environ["DATABASE"]).execute(
    "SELECT u.password, r.name FROM ab_user u JOIN ab_user_role ur ON ur.user_id = u.id JOIN ab_role r ON r.id = ur.role_id WHERE u.username = ?",
    (os.environ["USERNAME"],),
).fetchall()
assert len(rows) == 1, rows
print(json.dumps({"role": rows[0][1], "matches": check_password_hash(rows[0][0], os.environ["PASSWORD"])}))
`;
import { planTypes } from "../../tools/planSummary";

interface CreateUserJob {
    args: string[];
    extraVolumes: { name: string; secret?: { secretName: string } }[];
    extraVolumeMounts: { name: string; mountPath: string }[];
}

describe("shell: the Airflow create-user Job script with the real airflow CLI", function () {
    this.timeout(10 * 60 * 1000);
    let venv: Venv;
    let home: AirflowHome;
    let script: string;
    let mountPath: string;
    let secret: Record<string, string>;
    let secretDir: string;

    const createUser = (files: Record<string, string>): Promise<PodScriptRun> => {
        for (const [k, v] of Object.entries(files)) fs.writeFileSync(path.join(secretDir, k), v);
        return runPodScript({ shell: "bash", script, env: home.env, path: [path.dirname(venv.python)], mounts: [{ tmpfs: "/opt" }, { bind: secretDir, at: mountPath }], timeoutMs: 5 * 60 * 1000 });
    };
    /** FAB checks a password with werkzeug's check_password_hash against ab_user.password: so does this. */
    const passwordMatches = (username: string, password: string): { role: string; matches: boolean } =>
        JSON.parse(
            run(venv.python, ["-c", checkPassword], {
                env: { ...process.env, DATABASE: home.env.AIRFLOW__DATABASE__SQL_ALCHEMY_CONN.replace(/^sqlite:\/\//, ""), USERNAME: username, PASSWORD: password },
                what: "reading the FAB user table",
            }),
        ) as { role: string; matches: boolean };

    before(async function () {
        this.timeout(40 * 60 * 1000);
        ensureShells(["bash"]);
        venv = airflowVenv();
        const stackRun: StackRun = await airflowStack("airflow-connect-k8s");
        const chart = resourcesOfType(stackRun, planTypes.helmChart).find((c) => c.inputs.chart === "airflow");
        assert.ok(chart, "the plan installs the Airflow chart");
        const values = chart.inputs.values as { executor: string; config: Record<string, Record<string, string>>; createUserJob: CreateUserJob };
        const job = values.createUserJob;
        assert.deepEqual(job.args.slice(0, 2), ["bash", "-c"], "the Job runs its script with bash -c");
        script = job.args[2];
        const mount = job.extraVolumeMounts.find((m) => job.extraVolumes.some((v) => v.name === m.name && v.secret));
        assert.ok(mount, "the Job mounts a Secret");
        mountPath = mount.mountPath;
        const secretName = job.extraVolumes.find((v) => v.name === mount.name)!.secret!.secretName;
        const found = resourcesOfType(stackRun, "kubernetes:core/v1:Secret").find((s) => (s.inputs.metadata as { name: string; namespace: string }).name === secretName && (s.inputs.metadata as { namespace: string }).namespace === "airflow");
        assert.ok(found, `the plan has the Secret ${secretName}`);
        secret = found.inputs.stringData as Record<string, string>;
        assert.ok(secret.username && secret.password, "the Secret holds username and password");
        secretDir = fs.mkdtempSync(path.join(os.tmpdir(), "airflow-admin-user-"));
        const dags = fs.mkdtempSync(path.join(os.tmpdir(), "airflow-no-dags-"));
        home = airflowHome(venv, dags, { ...values.config, core: { ...values.config.core, executor: values.executor } });
    });
    after(() => {
        home?.remove();
        if (secretDir) fs.rmSync(secretDir, { recursive: true, force: true });
    });

    it("creates the admin user with the Admin role and the Secret's password", async function () {
        const result = await createUser(secret);
        assert.equal(result.code, 0, describeRun(result));
        const user = passwordMatches(secret.username, secret.password);
        assert.deepEqual(user, { role: "Admin", matches: true });
    });

    it("a second run succeeds; a rotated password in the Secret replaces the old one", async function () {
        const again = await createUser(secret);
        assert.equal(again.code, 0, describeRun(again));
        const rotated = { ...secret, password: `${secret.password}Rotated9` };
        const result = await createUser(rotated);
        assert.equal(result.code, 0, describeRun(result));
        assert.equal(passwordMatches(secret.username, rotated.password).matches, true, "the new password");
        assert.equal(passwordMatches(secret.username, secret.password).matches, false, "the old password");
    });
});
