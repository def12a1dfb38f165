/**
 * What Pulumi Deployments and Pulumi ESC do for each platform stack, decided from the validated
 * config: the deployment settings (source, triggers, pre-run commands), the drift schedules and
 * the ESC environment definitions. Pure: no Pulumi; deployment/delivery.ts wires the resources.
 */
import { stringify } from "yaml";
import { AwsTier } from "../components/config";
import { policyEnvironmentVariable } from "../policies/lib/rule";
import { DeliveryConfig, platformStacks } from "./config";

export { platformStacks };

/** A platform stack's file at the repository root, e.g. Pulumi.prod.yaml. */
export const stackFileName = (stack: AwsTier): string => `Pulumi.${stack}.yaml`;

/** The git ref a branch name stands for, as the provider's examples give it (refs/heads/main). */
export const branchRef = (branch: string): string => `refs/heads/${branch}`;

/** What runs a stack's deployments from GitHub. */
export interface StackTriggers {
    /** `pulumi up` on a push to the branch (filtered by paths). */
    readonly deployCommits: boolean;
    /** `pulumi preview` on a pull request against the branch (filtered by paths). */
    readonly previewPullRequests: boolean;
    /** Repository paths a push or pull request must change to trigger anything; undefined: any change. */
    readonly paths?: readonly string[];
}

/**
 * dev follows the branch: every push deploys and every pull request previews. staging and prod are
 * promoted: only a change to their own stack file deploys them (a promotion pull request changes
 * exactly that file), and only pull requests that change it preview them.
 */
export function stackTriggers(stack: AwsTier): StackTriggers {
    if (stack === "dev") return { deployCommits: true, previewPullRequests: true };
    return { deployCommits: true, previewPullRequests: true, paths: [stackFileName(stack)] };
}

/** The commands a deployment runs before `pulumi preview` or `pulumi up`, each in a shell of its own, from the repository root. */
export function preRunCommands(stack: AwsTier): string[] {
    return [
        // The lockfile's exact versions; the executor's own `npm install` is skipped (skipInstallDependencies).
        "npm ci --no-audit --no-fund",
        // DeploymentSettings cannot attach a policy pack, so the pack's rules run here over the
        // offline plan of the commit (tools/plan.ts --policy); a mandatory violation fails the
        // deployment before Pulumi runs.
        `npm run plan -- --stack ${stack} --policy`,
    ];
}

/** The DeploymentSettings of a platform stack, in the shape of the provider's DeploymentSettingsArgs (@pulumi/pulumiservice 1.3.0). */
export interface StackDeploymentSettings {
    readonly organization: string;
    readonly project: string;
    readonly stack: AwsTier;
    readonly sourceContext: { readonly git: { readonly branch: string } };
    readonly vcs: {
        readonly provider: "github";
        readonly repository: string;
        readonly deployCommits: boolean;
        readonly previewPullRequests: boolean;
        readonly pullRequestTemplate: boolean;
        readonly paths?: string[];
    };
    readonly operationContext: {
        readonly preRunCommands: string[];
        readonly environmentVariables: Record<string, string>;
        readonly options: { readonly skipInstallDependencies: boolean; readonly skipIntermediateDeployments: boolean };
    };
}

/**
 * A platform stack's deployment settings: the repository's branch at its root (no repoDir), GitHub
 * triggers, the pre-run commands, and no cloud credentials: those come from the ESC environment the
 * stack file imports (stackEnvironmentDefinition).
 */
export function stackDeploymentSettings(stack: AwsTier, config: DeliveryConfig, platformProject: string): StackDeploymentSettings {
    const triggers = stackTriggers(stack);
    return {
        organization: config.organization,
        project: platformProject,
        stack,
        sourceContext: { git: { branch: branchRef(config.branch) } },
        vcs: {
            provider: "github",
            repository: config.repository,
            deployCommits: triggers.deployCommits,
            previewPullRequests: triggers.previewPullRequests,
            pullRequestTemplate: false,
            ...(triggers.paths ? { paths: [...triggers.paths] } : {}),
        },
        operationContext: {
            preRunCommands: preRunCommands(stack),
            // A policy pack run inside the deployment (e.g. from a Pulumi Cloud policy group) takes the stack's defaults.
            environmentVariables: { [policyEnvironmentVariable]: stack },
            // Several pushes queued behind a running deployment are deployed once, at the newest commit.
            options: { skipInstallDependencies: true, skipIntermediateDeployments: true },
        },
    };
}

/** A drift-detection schedule of a stack. */
export interface StackDriftSchedule {
    readonly scheduleCron: string;
    /** Drift is reported, never corrected by itself: someone decides whether the stack or the cloud is right. */
    readonly autoRemediate: boolean;
}

/** staging and prod are checked for drift on the configured schedule; dev changes too often for drift to mean much. */
export function stackDriftSchedule(stack: AwsTier, config: DeliveryConfig): StackDriftSchedule | undefined {
    return stack === "dev" ? undefined : { scheduleCron: config.driftSchedule, autoRemediate: false };
}

/** The name of the ESC environment every platform environment imports. */
export const sharedEnvironmentName = "shared";

/** An ESC environment: project and name (`<project>/<name>`), and its definition. */
export interface EscEnvironment {
    readonly project: string;
    readonly name: string;
    readonly definition: Record<string, unknown>;
}

/** The reference an import or a stack file uses: `<project>/<name>`. */
export const environmentRef = (e: { project: string; name: string }): string => `${e.project}/${e.name}`;

/**
 * The shared environment: what every platform stack has in common. It holds settings only, no
 * login: importing an environment evaluates its providers, so a login here would assume its role
 * in every stack that imports it, prod included.
 */
export function sharedEnvironment(config: DeliveryConfig, platformProject: string): EscEnvironment {
    return {
        project: platformProject,
        name: sharedEnvironmentName,
        definition: {
            values: {
                aws: {
                    region: config.region,
                    oidc: { sessionName: config.oidcSessionName, duration: config.oidcSessionDuration },
                },
            },
        },
    };
}

/** The subject attribute that names the environment defining a login. */
const subjectAttribute = "currentEnvironment.name";

/** The OIDC audience of ESC's AWS logins for environments outside the legacy `default` project: `aws:<organization>`. */
export const oidcAudience = (config: DeliveryConfig): string => `aws:${config.organization}`;

/**
 * The subject of a stack environment's login: with subjectAttributes [currentEnvironment.name] it
 * names the environment that defines the login, also when a stack opens it through its stack file
 * (the default subject is then `...:env:<yaml>` for every stack, so a trust policy could not tell
 * prod from dev). https://www.pulumi.com/docs/esc/guides/configuring-oidc/aws/ ("Subject claim
 * customization").
 */
export function oidcSubject(stack: AwsTier, config: DeliveryConfig, platformProject: string): string {
    return `pulumi:environments:pulumi.organization.login:${config.organization}:${subjectAttribute}:${platformProject}/${stack}`;
}

/** The conditions a stack's role trust policy puts on `sts:AssumeRoleWithWebIdentity` from api.pulumi.com/oidc (StringEquals). */
export function oidcTrustConditions(stack: AwsTier, config: DeliveryConfig, platformProject: string): Record<string, string> {
    return { "api.pulumi.com/oidc:aud": oidcAudience(config), "api.pulumi.com/oidc:sub": oidcSubject(stack, config, platformProject) };
}

/**
 * A platform stack's environment, which its stack file imports (`environment: [<project>/<stack>]`):
 * the shared environment, an AWS login through Pulumi's OIDC provider with the stack's own role,
 * and what Pulumi takes from an environment: `environmentVariables` for the program and its
 * providers, `pulumiConfig` as stack config (the stack file's own values win over it).
 * Syntax: https://www.pulumi.com/docs/esc/providers/login/aws-login/ (fn::open::aws-login, oidc
 * roleArn, sessionName, duration, subjectAttributes; the environmentVariables of its example), and
 * https://www.pulumi.com/docs/esc/guides/configuring-oidc/aws/ ("Configure ESC for OIDC").
 */
export function stackEnvironment(stack: AwsTier, config: DeliveryConfig, platformProject: string): EscEnvironment {
    const shared = sharedEnvironment(config, platformProject);
    return {
        project: platformProject,
        name: stack,
        definition: {
            imports: [environmentRef(shared)],
            values: {
                aws: {
                    login: {
                        "fn::open::aws-login": {
                            oidc: {
                                roleArn: config.oidcRoleArns[stack],
                                sessionName: `\${aws.oidc.sessionName}-${stack}`,
                                duration: "${aws.oidc.duration}",
                                // The token's subject names this environment (oidcSubject), which the role's trust policy requires.
                                subjectAttributes: [subjectAttribute],
                            },
                        },
                    },
                },
                environmentVariables: {
                    AWS_ACCESS_KEY_ID: "${aws.login.accessKeyId}",
                    AWS_SECRET_ACCESS_KEY: "${aws.login.secretAccessKey}",
                    AWS_SESSION_TOKEN: "${aws.login.sessionToken}",
                },
                pulumiConfig: {
                    "aws:region": "${aws.region}",
                },
            },
        },
    };
}

/** The environment definition as the YAML ESC stores. */
export const environmentYaml = (e: EscEnvironment): string => stringify(e.definition);
