import { strict as assert } from "assert";
import { PolicyRule, sparkDriverRules, teamRules } from "../../../components/kubernetes/rbac";
import { serviceIdentities } from "../../../components/config/names";
import { teamGroupName } from "../../../components/spark/teams";
import { runWithStandIns, StandInRule } from "../../support/commandStandIn";
import { assertHelp, assertUsageError, recipe } from "./recipes";

const script = recipe("rbac-check.sh");

/** "verb resource[.group]" for every right the rules grant, as kubectl auth can-i names them. */
const grants = (rules: readonly PolicyRule[]): string[] =>
    rules.flatMap((r) => r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => `${v} ${g === "" ? res : `${res}.${g}`}`))));

/** A kubectl that answers `auth can-i <verb> <resource>` yes for the granted rights, no otherwise. */
const canI = (granted: readonly string[]): StandInRule => ({
    command: "kubectl",
    match: "^auth can-i ",
    run: `if grep -qxF -- "$3 $4" <<'GRANTED'\n${granted.join("\n")}\nGRANTED\nthen echo yes; else echo no; exit 1; fi\n`,
});

/** The table rows: [expect, verb, resource, answer, result]. */
const rows = (stdout: string): string[][] => stdout.split("\n").filter((l) => /^(need|deny) /.test(l)).map((l) => l.trim().split(/\s+/));

describe("scripts/recipes/rbac-check.sh", () => {
    it("--help documents every flag and the exit codes", () => {
        assertHelp(script, ["--namespace", "--service-account", "--team", "--group"]);
    });

    it("refuses bad flags with exit 2, naming the flag", () => {
        assertUsageError(script, ["--as", "admin"], "--as");
        assertUsageError(script, ["--namespace"], "--namespace");
        assertUsageError(script, ["--service-account", "Spark!"], "--service-account");
        assertUsageError(script, ["--group", "devs"], "--group needs --team");
    });

    it("asks, as the spark service account, for exactly the rights of the platform's spark-driver Role, and passes when they are granted", () => {
        const granted = grants(sparkDriverRules());
        const run = runWithStandIns(script, [], [canI(granted)]);
        assert.equal(run.status, 0, run.stdout + run.stderr);
        const table = rows(run.stdout);
        assert.deepEqual(table.filter((r) => r[0] === "need").map((r) => `${r[1]} ${r[2]}`).sort(), [...granted].sort(), "the needed rights are the spark-driver Role's");
        for (const r of table.filter((x) => x[0] === "deny")) assert.ok(!granted.includes(`${r[1]} ${r[2]}`), `${r[1]} ${r[2]} is denied but the Role grants it`);
        assert.ok(table.some((r) => r[0] === "deny" && r[1] === "get" && r[2] === "secrets"));
        assert.ok(table.some((r) => r[0] === "deny" && r[1] === "create" && r[2] === "roles.rbac.authorization.k8s.io"));
        const { namespace, serviceAccount } = serviceIdentities.sparkJobs;
        for (const call of run.joined("kubectl")) assert.match(call, new RegExp(`^auth can-i \\S+ \\S+ --namespace ${namespace} --as system:serviceaccount:${namespace}:${serviceAccount}$`));
        assert.equal(run.calls.length, table.length);
    });

    it("exits 1 on a missing right and on an excess one, naming them", () => {
        const granted = grants(sparkDriverRules());
        const missing = runWithStandIns(script, [], [canI(granted.filter((g) => g !== "create pods"))]);
        assert.equal(missing.status, 1);
        assert.deepEqual(rows(missing.stdout).filter((r) => r[4] !== "ok"), [["need", "create", "pods", "no", "MISSING"]]);
        const excess = runWithStandIns(script, ["-n", "team-a", "--service-account", "etl"], [canI([...granted, "get secrets"])]);
        assert.equal(excess.status, 1);
        assert.deepEqual(rows(excess.stdout).filter((r) => r[4] !== "ok"), [["deny", "get", "secrets", "yes", "EXCESS"]]);
        assert.match(excess.joined("kubectl")[0], / --namespace team-a --as system:serviceaccount:team-a:etl$/);
    });

    it("reports kubectl errors (no impersonation right) as exit 1", () => {
        const run = runWithStandIns(script, [], [{ command: "kubectl", match: "^auth can-i ", stderr: 'Error from server (Forbidden): users "system:serviceaccount:spark-jobs:spark" is forbidden: User "dev" cannot impersonate resource "users"\n', exitCode: 1 }]);
        assert.equal(run.status, 1);
        assert.match(run.stdout, /ERROR: Error from server \(Forbidden\)/);
        assert.match(run.stdout, /impersonate/);
    });

    it("--team checks the team's group against the team Role", () => {
        const granted = grants(teamRules());
        const run = runWithStandIns(script, ["--team"], [canI(granted)]);
        assert.equal(run.status, 0, run.stdout + run.stderr);
        const table = rows(run.stdout);
        for (const r of table) assert.equal(granted.includes(`${r[1]} ${r[2]}`), r[0] === "need", `${r.join(" ")}`);
        const group = teamGroupName({ teams: {} }, "spark-jobs");
        for (const call of run.joined("kubectl")) assert.ok(call.endsWith(`--namespace spark-jobs --as rbac-check --as-group ${group}`), call);
        const excess = runWithStandIns(script, ["--team", "--group", "data-eng"], [canI([...granted, "create rolebindings.rbac.authorization.k8s.io"])]);
        assert.equal(excess.status, 1);
        assert.deepEqual(rows(excess.stdout).filter((r) => r[4] !== "ok").map((r) => r.slice(1, 3)), [["create", "rolebindings.rbac.authorization.k8s.io"]]);
        assert.match(excess.joined("kubectl")[0], /--as-group data-eng$/);
    });
});
