/**
 * The platform stack files and the ESC environments the delivery program writes, as the Pulumi CLI
 * takes them before every operation (integration/policies/pulumiconfig, the CLI's own code at the
 * pinned version): the stack file loads and names its imports, ESC's evaluator opens the imported
 * environment with the definitions from the delivery program's plan (imports, merging,
 * interpolation; aws-login is a stand-in, since Pulumi Cloud runs the real provider), and the
 * environment's pulumiConfig merges with the stack's config under the project's declarations.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse as parseYaml, stringify } from "yaml";
import { tiers } from "../../components/config";
import { loadStackConfig, repoRoot, runStack } from "../../tools/harness";
import { checkStack, pulumiConfigValidator } from "../support/pulumiConfig";

const deliveryDir = path.join(repoRoot, "deployment");

/** Every ESC environment the delivery program's offline plan writes, "<project>/<name>" to its YAML. */
async function plannedEnvironments(): Promise<Record<string, string>> {
    const run = await runStack("org", { dir: deliveryDir });
    return Object.fromEntries(
        run.resources
            .filter((r) => r.type === "pulumiservice:index:Environment")
            .map((r) => [`${r.inputs.project as string}/${r.inputs.name as string}`, (r.inputs.yaml as { text: string }).text]),
    );
}

/** Config values with JSON objects decoded: the CLI writes an object's keys sorted, the harness in file order. */
function decoded(values: Record<string, string> | null): Record<string, unknown> | null {
    if (values === null) return null;
    return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v.startsWith("{") || v.startsWith("[") ? (JSON.parse(v) as unknown) : v]));
}

/** A copy of the repository's Pulumi.yaml with one stack file of the given text. */
function projectWith(stack: string, stackFile: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spark-k8s-stackfile-"));
    fs.copyFileSync(path.join(repoRoot, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), stackFile);
    return dir;
}

describe("stack files and their ESC environments, as the Pulumi CLI's own code takes them", function () {
    this.timeout(30 * 60 * 1000);
    let validator: string;
    let environments: Record<string, string>;
    before(async function () {
        validator = pulumiConfigValidator();
        environments = await plannedEnvironments();
    });

    for (const stack of tiers) {
        it(`${stack}: the stack file loads, its environment opens, and the merged config is valid and the harness's`, () => {
            const check = checkStack(validator, repoRoot, stack, environments);
            assert.deepEqual(check.diagnostics, []);
            assert.equal(check.configError, "");
            // The harness (tools/harness.ts) gives the program the same config the CLI does: the
            // environment adds nothing the stack file does not already set.
            assert.deepEqual(decoded(check.config), decoded(loadStackConfig(stack).values));
            if (stack === "local") {
                assert.deepEqual(check.imports, []);
                assert.deepEqual(check.logins, []);
                assert.deepEqual(check.environmentVariables, {});
                return;
            }
            assert.deepEqual(check.imports, [`spark-k8s/${stack}`]);
            // One login, the stack's own, its inputs resolved through the shared environment.
            const roles = (parseYaml(fs.readFileSync(path.join(deliveryDir, "Pulumi.org.yaml"), "utf8")) as { config: Record<string, Record<string, string>> }).config[
                "spark-k8s-delivery:oidcRoleArns"
            ];
            assert.deepEqual(check.logins, [
                {
                    environment: `spark-k8s/${stack}`,
                    inputs: { oidc: { roleArn: roles[stack], sessionName: `spark-k8s-deployments-${stack}`, duration: "1h", subjectAttributes: ["currentEnvironment.name"] } },
                },
            ]);
            assert.deepEqual(Object.keys(check.environmentVariables).sort(), ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"]);
            assert.deepEqual(check.secretVariables, ["AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"]);
            // The tier key spark-k8s:environment is config; the stack file's environment: is not.
            assert.equal(check.config?.["spark-k8s:environment"], "");
        });
    }

    it("without aws:region in the stack file, the environment's pulumiConfig supplies it", () => {
        const file = parseYaml(fs.readFileSync(path.join(repoRoot, "Pulumi.staging.yaml"), "utf8")) as { config: Record<string, unknown> };
        delete file.config["aws:region"];
        const check = checkStack(validator, projectWith("staging", stringify(file)), "staging", environments);
        assert.equal(check.configError, "");
        assert.equal(check.config?.["aws:region"], "eu-west-1");
    });

    it("a missing environment or a reference that resolves nowhere is an ESC diagnostic, before any config is merged", () => {
        const missing = checkStack(validator, projectWith("dev", "environment:\n  - spark-k8s/nope\n"), "dev", environments);
        assert.ok(missing.diagnostics.some((d) => /spark-k8s\/nope/.test(d)), missing.diagnostics.join("\n"));
        assert.equal(missing.config, null);
        const broken = { ...environments, "spark-k8s/dev": environments["spark-k8s/dev"].replace("${aws.oidc.duration}", "${aws.oidc.lifetime}") };
        const unresolved = checkStack(validator, repoRoot, "dev", broken);
        assert.ok(unresolved.diagnostics.some((d) => /lifetime/.test(d)), unresolved.diagnostics.join("\n"));
    });

    it("the delivery program's own project and stack file pass the CLI's config validation", () => {
        const check = checkStack(validator, deliveryDir, "org", {});
        assert.equal(check.configError, "");
        assert.deepEqual(check.imports, []);
        assert.deepEqual(decoded(check.config), decoded(loadStackConfig("org", deliveryDir).values));
    });
});
