import { strict as assert } from "assert";
import { parse as parseYaml } from "yaml";
import {
    branchRef,
    environmentRef,
    environmentYaml,
    oidcSubject,
    oidcTrustConditions,
    platformStacks,
    preRunCommands,
    sharedEnvironment,
    stackDeploymentSettings,
    stackDriftSchedule,
    stackEnvironment,
    stackTriggers,
} from "../../deployment/settings";
import { validDeliveryConfig } from "../support/delivery";

const project = "spark-k8s";

interface StackEnvironmentDoc {
    imports: string[];
    values: {
        aws: { login: { "fn::open::aws-login": { oidc: { roleArn: string; sessionName: string; duration: string; subjectAttributes: string[] } } } };
        environmentVariables: Record<string, string>;
        pulumiConfig: Record<string, string>;
    };
}

describe("delivery decisions", () => {
    describe("triggers", () => {
        it("dev deploys every push to the branch and previews every pull request", () => {
            assert.deepEqual(stackTriggers("dev"), { deployCommits: true, previewPullRequests: true });
        });

        it("staging and prod deploy and preview only changes to their own stack file", () => {
            assert.deepEqual(stackTriggers("staging"), { deployCommits: true, previewPullRequests: true, paths: ["Pulumi.staging.yaml"] });
            assert.deepEqual(stackTriggers("prod"), { deployCommits: true, previewPullRequests: true, paths: ["Pulumi.prod.yaml"] });
        });
    });

    describe("deployment settings", () => {
        it("one per platform stack: the project's stack, the branch at the repository root, GitHub triggers, no credentials of their own", () => {
            for (const stack of platformStacks) {
                const s = stackDeploymentSettings(stack, validDeliveryConfig, project);
                assert.equal(s.organization, "example-org");
                assert.equal(s.project, project);
                assert.equal(s.stack, stack);
                assert.deepEqual(s.sourceContext, { git: { branch: "refs/heads/main" } }, "no repoDir: Pulumi.yaml is at the repository root");
                assert.equal(s.vcs.provider, "github");
                assert.equal(s.vcs.repository, "example-org/spark-k8s-constructor");
                assert.equal(s.vcs.deployCommits, stackTriggers(stack).deployCommits);
                assert.equal(s.vcs.previewPullRequests, true);
                assert.equal(s.vcs.pullRequestTemplate, false);
                assert.deepEqual(s.vcs.paths, stackTriggers(stack).paths);
                assert.ok(!("oidc" in s.operationContext), "credentials come from the stack's ESC environment");
            }
            assert.equal(branchRef("release/2026"), "refs/heads/release/2026");
        });

        it("install with the lockfile, then gate on the policy pack over the offline plan of the stack", () => {
            assert.deepEqual(preRunCommands("prod"), ["npm ci --no-audit --no-fund", "npm run plan -- --stack prod --policy"]);
            for (const stack of platformStacks) {
                const { operationContext } = stackDeploymentSettings(stack, validDeliveryConfig, project);
                assert.deepEqual(operationContext.preRunCommands, preRunCommands(stack));
                assert.deepEqual(operationContext.options, { skipInstallDependencies: true, skipIntermediateDeployments: true });
                assert.deepEqual(operationContext.environmentVariables, { SPARK_K8S_POLICY_ENV: stack });
            }
        });
    });

    describe("drift detection", () => {
        it("staging and prod on the configured schedule, reported and not remediated; dev has none", () => {
            assert.equal(stackDriftSchedule("dev", validDeliveryConfig), undefined);
            for (const stack of ["staging", "prod"] as const) {
                assert.deepEqual(stackDriftSchedule(stack, { ...validDeliveryConfig, driftSchedule: "30 5 * * 1-5" }), { scheduleCron: "30 5 * * 1-5", autoRemediate: false });
            }
        });
    });

    describe("ESC environments", () => {
        it("the shared environment: region and session settings, and no login (importing it would assume its role everywhere)", () => {
            const shared = sharedEnvironment(validDeliveryConfig, project);
            assert.equal(environmentRef(shared), "spark-k8s/shared");
            const doc = parseYaml(environmentYaml(shared)) as Record<string, unknown>;
            assert.deepEqual(doc, { values: { aws: { region: "eu-west-1", oidc: { sessionName: "spark-k8s-deployments", duration: "1h" } } } });
            assert.ok(!environmentYaml(shared).includes("fn::open"));
        });

        it("each stack's environment imports the shared one, logs in with the stack's own role, and gives AWS credentials and aws:region", () => {
            for (const stack of platformStacks) {
                const env = stackEnvironment(stack, validDeliveryConfig, project);
                assert.equal(environmentRef(env), `spark-k8s/${stack}`);
                const doc = parseYaml(environmentYaml(env)) as StackEnvironmentDoc;
                assert.deepEqual(Object.keys(doc).sort(), ["imports", "values"]);
                assert.deepEqual(doc.imports, ["spark-k8s/shared"]);
                assert.deepEqual(doc.values.aws.login["fn::open::aws-login"], {
                    oidc: {
                        roleArn: validDeliveryConfig.oidcRoleArns[stack],
                        sessionName: `\${aws.oidc.sessionName}-${stack}`,
                        duration: "${aws.oidc.duration}",
                        subjectAttributes: ["currentEnvironment.name"],
                    },
                });
                assert.deepEqual(doc.values.environmentVariables, {
                    AWS_ACCESS_KEY_ID: "${aws.login.accessKeyId}",
                    AWS_SECRET_ACCESS_KEY: "${aws.login.secretAccessKey}",
                    AWS_SESSION_TOKEN: "${aws.login.sessionToken}",
                });
                assert.deepEqual(doc.values.pulumiConfig, { "aws:region": "${aws.region}" });
            }
        });

        it("each role trusts only its stack's environment: audience aws:<org>, subject naming the environment that defines the login", () => {
            assert.deepEqual(oidcTrustConditions("prod", validDeliveryConfig, project), {
                "api.pulumi.com/oidc:aud": "aws:example-org",
                "api.pulumi.com/oidc:sub": "pulumi:environments:pulumi.organization.login:example-org:currentEnvironment.name:spark-k8s/prod",
            });
            const subjects = platformStacks.map((s) => oidcSubject(s, validDeliveryConfig, project));
            assert.equal(new Set(subjects).size, platformStacks.length);
        });

        it("every reference resolves: to the stack's own login or to a value of the shared environment", () => {
            const shared = parseYaml(environmentYaml(sharedEnvironment(validDeliveryConfig, project))) as { values: Record<string, unknown> };
            for (const stack of platformStacks) {
                const text = environmentYaml(stackEnvironment(stack, validDeliveryConfig, project));
                const doc = parseYaml(text) as StackEnvironmentDoc;
                for (const [, ref] of text.matchAll(/\$\{([^}]+)\}/g)) {
                    const [head, ...rest] = ref.split(".");
                    if (ref.startsWith("aws.login.")) {
                        assert.ok(["accessKeyId", "secretAccessKey", "sessionToken"].includes(rest[1]), `${stack}: ${ref} is an output of aws-login`);
                        assert.ok(doc.values.aws.login, stack);
                        continue;
                    }
                    let v: unknown = shared.values[head];
                    for (const key of rest) v = (v as Record<string, unknown> | undefined)?.[key];
                    assert.equal(typeof v, "string", `${stack}: \${${ref}} resolves in spark-k8s/shared`);
                }
            }
        });

        it("the YAML is built by the yaml package: values that look like YAML syntax stay strings", () => {
            const env = stackEnvironment("dev", { ...validDeliveryConfig, oidcRoleArns: { ...validDeliveryConfig.oidcRoleArns, dev: "arn:aws:iam::111122223333:role/a: b" } }, project);
            const doc = parseYaml(environmentYaml(env)) as StackEnvironmentDoc;
            assert.equal(doc.values.aws.login["fn::open::aws-login"].oidc.roleArn, "arn:aws:iam::111122223333:role/a: b");
        });
    });
});
