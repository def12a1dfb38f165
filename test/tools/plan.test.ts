import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigError } from "../../components/config";
import { repoRoot, secretMask, StackRun } from "../../tools/harness";
import { planCommand } from "../../tools/plan";
import { summarizePlan, toPlanJson } from "../../tools/planSummary";
import { stackConfig, stackRun } from "../support";

function tempDir(): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), "spark-k8s-plan-"));
}

/** The command as users run it: the package's own plan script. */
function planCli(args: string[]) {
    return spawnSync("npm", ["run", "--silent", "plan", "--", ...args], {
        cwd: repoRoot,
        encoding: "utf8",
        timeout: 25000,
    });
}

describe("offline plan", function () {
    this.timeout(25000);
    let dev: StackRun;

    before(async () => {
        dev = await stackRun("dev");
    });

    describe("npm run plan", () => {
        it("rejects unknown flags and a missing --stack with usage (exit 2); --policy runs the policy pack (test/policies/index.test.ts)", async () => {
            for (const args of [["--stack", "dev", "--bogus"], [], ["--stack", "dev", "extra"]]) {
                const result = await planCommand(args);
                assert.equal(result.code, 2, args.join(" "));
                assert.match(result.stderr, /usage: npm run plan -- --stack <name>/);
                assert.equal(result.stdout, "");
            }
            const help = await planCommand(["--help"]);
            assert.match(help.stdout, /--policy +also run the policy rules/);
        });

        it("--charts needs --policy (exit 2) and a directory (exit 1), and says which charts it could not render", async () => {
            const usage = await planCommand(["--stack", "dev", "--charts", tempDir()]);
            assert.equal(usage.code, 2);
            assert.match(usage.stderr, /--charts needs --policy/);
            const missingDir = await planCommand(["--stack", "dev", "--policy", "--charts", path.join(tempDir(), "none")]);
            assert.equal(missingDir.code, 1);
            assert.match(missingDir.stderr, /--charts .*none is not a directory/);
            // An empty charts directory renders nothing and needs no helm; every chart of the plan is listed.
            const empty = await planCommand(["--stack", "dev", "--policy", "--charts", tempDir()]);
            assert.equal(empty.code, 0, empty.stderr);
            assert.match(empty.stdout, /Charts rendered from .*: none \(0 objects\)/);
            for (const chart of ["airflow@1.22.0", "jupyterhub@4.4.0", "spark-operator@2.4.0", "cluster-autoscaler@9.50.1"]) assert.ok(empty.stdout.includes(`\n  ${chart} (no `), chart);
        });

        it("names a missing stack file and exits 1", async () => {
            const result = await planCommand(["--stack", "nosuchstack"]);
            assert.equal(result.code, 1);
            assert.match(result.stderr, /Pulumi\.nosuchstack\.yaml/);
            assert.equal(result.stdout, "");
        });

        it("end to end: prints the summary, writes the plan JSON and exits 0", () => {
            const file = path.join(tempDir(), "plan.json");
            const result = planCli(["--stack", "dev", "--json", file]);
            assert.equal(result.status, 0, result.stderr);
            for (const g of summarizePlan(dev).nodeGroups) assert.ok(result.stdout.includes(g.name), g.name);
            assert.match(result.stdout, /Node groups \(4\)/);
            assert.deepEqual(JSON.parse(fs.readFileSync(file, "utf8")), toPlanJson(dev));
        });

        it("bad config: prints only the ConfigError message on stderr and exits 1", () => {
            const dir = tempDir();
            fs.copyFileSync(path.join(repoRoot, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
            fs.writeFileSync(
                path.join(dir, "Pulumi.dev.yaml"),
                "config:\n  aws:region: eu-west-1\n  spark-k8s:nodeGroups:\n    executor:\n      minSize: 5\n      maxSize: 2\n  spark-k8s:storag: {}\n",
            );
            let expected: ConfigError | undefined;
            try {
                stackConfig("dev", dir);
            } catch (err) {
                if (err instanceof ConfigError) expected = err;
            }
            assert.ok(expected, "the broken stack file is invalid config");
            assert.ok(expected.problems.some((p) => p.path === "nodeGroups.executor.minSize"));
            const result = planCli(["--stack", "dev", "--dir", dir]);
            assert.equal(result.status, 1);
            assert.equal(result.stderr, `${expected.message}\n`);
            assert.equal(result.stdout, "");
        });

        it("plans a stack whose GitHub client secret was set with pulumi config set --secret --path, and masks it", () => {
            const dir = tempDir();
            fs.copyFileSync(path.join(repoRoot, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
            fs.writeFileSync(
                path.join(dir, "Pulumi.dev.yaml"),
                [
                    "config:",
                    "  aws:region: eu-west-1",
                    "  spark-k8s:cluster:",
                    "    publicAccessCidrs: [203.0.113.0/24]",
                    "  spark-k8s:services:",
                    "    jupyterhub:",
                    "      authenticator: github",
                    "      github:",
                    "        clientId: Ov23liFAKECLIENTID",
                    "        callbackUrl: https://hub.example.com/hub/oauth_callback",
                    "        clientSecret:",
                    "          secure: v1:AAAAAAAAAAAAAAAA:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB",
                    "",
                ].join("\n"),
            );
            const json = path.join(dir, "plan.json");
            const result = planCli(["--stack", "dev", "--dir", dir, "--json", json]);
            assert.equal(result.status, 0, result.stderr);
            assert.ok(!`${result.stdout}${result.stderr}`.includes("set with pulumi config set"), result.stderr);
            const plan = fs.readFileSync(json, "utf8");
            assert.ok(!plan.includes("AAAAAAAAAAAAAAAA") && !plan.includes("offline-stand-in"), "neither the ciphertext nor the stand-in reaches the plan");
            // dev keeps it in Secrets Manager, which the hub's ExternalSecret reads.
            const oauth = (JSON.parse(plan) as { resources: { type: string; name: string; inputs: { secretString?: unknown } }[] }).resources.find(
                (r) => r.type === "aws:secretsmanager/secretVersion:SecretVersion" && r.name.endsWith("jupyterhub-github-oauth"),
            );
            assert.equal(oauth?.inputs.secretString, secretMask);
        });
    });
});
