import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { ConfigError, tiers } from "../../components/config";
import { deliverySchema, platformStacks } from "../../deployment/config";
import { platformProjectName } from "../../deployment/delivery";
import { loadStackConfig, RecordedResource, repoRoot, runStack, StackRun } from "../../tools/harness";
import { readPlanJson } from "../../tools/planSummary";
import { deliveryDir, deliveryStack } from "../support/delivery";

const types = {
    component: "spark-k8s:delivery:PlatformDelivery",
    settings: "pulumiservice:index:DeploymentSettings",
    drift: "pulumiservice:index:DriftSchedule",
    environment: "pulumiservice:index:Environment",
} as const;

const ofType = (run: StackRun, type: string) => run.resources.filter((r) => r.type === type);
const byStack = (resources: RecordedResource[]) => new Map(resources.map((r) => [r.inputs.stack as string, r.inputs]));
/** An Environment's YAML as the plan records the StringAsset: { text }. */
const environmentDoc = (r: RecordedResource) => parseYaml((r.inputs.yaml as { text: string }).text) as { imports?: string[]; values: Record<string, unknown> };

describe("delivery program (deployment/)", function () {
    this.timeout(25000);
    let run: StackRun;
    const stackFile = parseYaml(fs.readFileSync(path.join(deliveryDir, `Pulumi.${deliveryStack}.yaml`), "utf8")) as { config: Record<string, unknown> };
    const organization = stackFile.config["spark-k8s-delivery:organization"];

    before(async () => {
        run = await runStack(deliveryStack, { dir: deliveryDir });
    });

    it("evaluates offline from its stack file: one component and only Pulumi Cloud resources under it", () => {
        assert.equal(run.project, "spark-k8s-delivery");
        const [component, ...rest] = run.resources;
        assert.equal(component.type, types.component);
        for (const r of rest) {
            assert.equal(r.parent, component.urn, r.name);
            assert.match(r.type, /^pulumiservice:index:/, r.name);
            assert.equal(r.inputs.organization, organization, r.name);
        }
        assert.deepEqual(run.outputs.environments, { shared: "spark-k8s/shared", dev: "spark-k8s/dev", staging: "spark-k8s/staging", prod: "spark-k8s/prod" });
        assert.deepEqual(run.outputs.deploymentStacks, platformStacks.map((s) => `${organization as string}/spark-k8s/${s}`));
        assert.deepEqual(run.outputs.driftSchedules, { staging: "0 6 * * *", prod: "0 6 * * *" });
        assert.deepEqual(Object.keys(run.outputs.oidcTrustConditions as object), [...platformStacks]);
    });

    it("targets the platform's own project, read from the root Pulumi.yaml", () => {
        assert.equal(platformProjectName(repoRoot), "spark-k8s");
        for (const r of [...ofType(run, types.settings), ...ofType(run, types.drift), ...ofType(run, types.environment)]) assert.equal(r.inputs.project, "spark-k8s", r.name);
    });

    it("one DeploymentSettings per platform stack: dev on every push, staging and prod on their stack file; all preview pull requests", () => {
        const settings = byStack(ofType(run, types.settings));
        assert.deepEqual([...settings.keys()], ["dev", "staging", "prod"]);
        assert.deepEqual(
            [...settings.values()].map((s) => s.vcs),
            [
                { provider: "github", repository: stackFile.config["spark-k8s-delivery:repository"], deployCommits: true, previewPullRequests: true, pullRequestTemplate: false },
                { provider: "github", repository: stackFile.config["spark-k8s-delivery:repository"], deployCommits: true, previewPullRequests: true, pullRequestTemplate: false, paths: ["Pulumi.staging.yaml"] },
                { provider: "github", repository: stackFile.config["spark-k8s-delivery:repository"], deployCommits: true, previewPullRequests: true, pullRequestTemplate: false, paths: ["Pulumi.prod.yaml"] },
            ],
        );
        for (const [stack, s] of settings) {
            assert.deepEqual(s.sourceContext, { git: { branch: "refs/heads/main" } }, stack);
            const pre = (s.operationContext as { preRunCommands: string[] }).preRunCommands;
            assert.deepEqual(pre, ["npm ci --no-audit --no-fund", `npm run plan -- --stack ${stack} --policy`], stack);
        }
        // The paths filter names files that exist.
        for (const s of settings.values()) for (const p of (s.vcs as { paths?: string[] }).paths ?? []) assert.ok(fs.existsSync(path.join(repoRoot, p)), p);
    });

    it("drift schedules only for staging and prod, after their deployment settings", () => {
        const drift = ofType(run, types.drift);
        assert.deepEqual(
            drift.map((d) => [d.inputs.stack, d.inputs.scheduleCron, d.inputs.autoRemediate]),
            [
                ["staging", "0 6 * * *", false],
                ["prod", "0 6 * * *", false],
            ],
        );
        const settings = ofType(run, types.settings);
        for (const d of drift) {
            const own = settings.find((s) => s.inputs.stack === d.inputs.stack);
            assert.ok(own && d.dependencies.includes(own.urn), `${d.name} waits for ${own?.name}`);
        }
    });

    it("ESC environments: shared first, then one per stack importing it, with the login, the credentials and aws:region", () => {
        const envs = ofType(run, types.environment);
        assert.deepEqual(
            envs.map((e) => `${e.inputs.project as string}/${e.inputs.name as string}`),
            ["spark-k8s/shared", "spark-k8s/dev", "spark-k8s/staging", "spark-k8s/prod"],
        );
        const [shared, ...stacks] = envs;
        const roles = stackFile.config["spark-k8s-delivery:oidcRoleArns"] as Record<string, string>;
        for (const env of stacks) {
            assert.ok(env.dependencies.includes(shared.urn), `${env.name} is saved after the environment it imports`);
            const doc = environmentDoc(env);
            assert.deepEqual(doc.imports, ["spark-k8s/shared"]);
            const values = doc.values as { aws: { login: Record<string, { oidc: { roleArn: string } }> }; environmentVariables: Record<string, string>; pulumiConfig: Record<string, string> };
            assert.equal(values.aws.login["fn::open::aws-login"].oidc.roleArn, roles[env.inputs.name as string]);
            assert.deepEqual(Object.keys(values.environmentVariables), ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"]);
            assert.deepEqual(values.pulumiConfig, { "aws:region": "${aws.region}" });
        }
        assert.notEqual(roles.prod, roles.dev);
        assert.notEqual(roles.prod, roles.staging);
        // Each stack's deployment settings wait for its environment, which its stack file imports.
        for (const s of ofType(run, types.settings)) {
            const env = stacks.find((e) => e.inputs.name === s.inputs.stack);
            assert.ok(env && s.dependencies.includes(env.urn), s.name);
        }
    });

    it("the platform stack files import their environment; local imports none", () => {
        const created = new Set(ofType(run, types.environment).map((e) => `${e.inputs.project as string}/${e.inputs.name as string}`));
        for (const stack of tiers) {
            const { environments } = loadStackConfig(stack);
            if (stack === "local") {
                assert.deepEqual(environments, [], "local needs no AWS credentials");
                continue;
            }
            assert.deepEqual(environments, [`spark-k8s/${stack}`], stack);
            assert.ok(created.has(environments[0]), `${stack} imports an environment the delivery program creates`);
        }
    });

    it("the shared environment's region is the one the platform stack files set (their own aws:region wins over it)", () => {
        const shared = environmentDoc(ofType(run, types.environment)[0]);
        const region = (shared.values.aws as { region: string }).region;
        for (const stack of platformStacks) assert.equal(loadStackConfig(stack).values["aws:region"], region, stack);
    });

    it("refuses bad config before any resource exists, naming every problem", async () => {
        await assert.rejects(
            runStack(deliveryStack, { dir: deliveryDir, config: { driftSchedule: "every day", oidcRoleArns: { dev: "x", staging: "arn:aws:iam::111122223333:role/a", prod: "arn:aws:iam::111122223333:role/a" } } }),
            (err: unknown) => {
                assert.ok(err instanceof ConfigError, String(err));
                assert.deepEqual(
                    err.problems.map((p) => p.path),
                    ["oidcRoleArns.dev", "driftSchedule", "oidcRoleArns.prod"],
                );
                return true;
            },
        );
    });

    it("Pulumi.yaml declares every key of the schema with a description; organization and repository have no default", () => {
        const project = parseYaml(fs.readFileSync(path.join(deliveryDir, "Pulumi.yaml"), "utf8")) as { name: string; main?: string; config: Record<string, { description?: string; default?: unknown }> };
        assert.equal(project.name, "spark-k8s-delivery");
        // The runtime would otherwise take the root package.json's main, the platform's index.ts.
        assert.equal(project.main, "index.ts");
        assert.ok(fs.existsSync(path.join(deliveryDir, project.main)));
        // pulumi up compiles with the tsconfig.json of the program's folder: the repository's options.
        assert.match(fs.readFileSync(path.join(deliveryDir, "tsconfig.json"), "utf8"), /"extends": "\.\.\/tsconfig\.json"/);
        assert.deepEqual(Object.keys(project.config), Object.keys(deliverySchema.shape));
        for (const [key, decl] of Object.entries(project.config)) {
            assert.ok(decl.description && decl.description.length > 20, key);
            assert.equal("default" in decl, !["organization", "repository"].includes(key), key);
        }
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spark-k8s-delivery-"));
        fs.copyFileSync(path.join(deliveryDir, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
        fs.writeFileSync(path.join(dir, "Pulumi.org.yaml"), "config:\n  spark-k8s-delivery:organization: example-org\n");
        assert.throws(() => loadStackConfig("org", dir), /Stack 'org' is missing configuration value 'repository'/);
    });

    describe("npm run plan -- --dir deployment", () => {
        /** The command as users run it, from the repository root. */
        const planCli = (args: string[]) => spawnSync("npm", ["run", "--silent", "plan", "--", ...args], { cwd: repoRoot, encoding: "utf8", timeout: 25000 });

        it("previews the delivery program offline and writes its plan JSON, the environments' YAML included", () => {
            const json = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "spark-k8s-delivery-plan-")), "delivery.plan.json");
            const result = planCli(["--dir", "deployment", "--stack", deliveryStack, "--json", json]);
            assert.equal(result.status, 0, result.stderr);
            assert.match(result.stdout, /Offline plan of stack org \(project spark-k8s-delivery\)/);
            assert.match(result.stdout, /pulumiservice:index:DeploymentSettings +3/);
            assert.match(result.stdout, /pulumiservice:index:DriftSchedule +2/);
            assert.match(result.stdout, /pulumiservice:index:Environment +4/);
            const plan = readPlanJson(json);
            assert.equal(plan.project, "spark-k8s-delivery");
            const prodEnv = plan.resources.find((r) => r.type === types.environment && r.inputs.name === "prod");
            assert.match((prodEnv?.inputs.yaml as { text: string }).text, /fn::open::aws-login:/);
        });

        it("exits 1 with the validation message for bad config, and names the delivery stacks when the stack is unknown", () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spark-k8s-delivery-"));
            fs.copyFileSync(path.join(deliveryDir, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
            const good = fs.readFileSync(path.join(deliveryDir, `Pulumi.${deliveryStack}.yaml`), "utf8");
            fs.writeFileSync(path.join(dir, "Pulumi.org.yaml"), `${good}  spark-k8s-delivery:branch: "-main"\n`);
            const bad = planCli(["--dir", dir, "--stack", "org"]);
            assert.equal(bad.status, 1);
            assert.match(bad.stderr, /invalid configuration \(1 problem\):\n {2}- branch: "-main" is not allowed; expected a git branch name such as main/);
            const unknown = planCli(["--dir", "deployment", "--stack", "prod"]);
            assert.equal(unknown.status, 1);
            assert.match(unknown.stderr, /no stack "prod": Pulumi\.prod\.yaml does not exist in .*deployment \(stacks: org\)/);
        });
    });
});
