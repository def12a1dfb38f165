/**
 * PlatformDelivery: Pulumi Deployments settings, drift schedules and ESC environments of the
 * platform stacks, as Pulumi Cloud resources (@pulumi/pulumiservice). It only wires what
 * deployment/settings.ts decides.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as service from "@pulumi/pulumiservice";
import { parse as parseYaml } from "yaml";
import { DeliveryConfig } from "./config";
import {
    environmentRef,
    environmentYaml,
    EscEnvironment,
    oidcTrustConditions,
    platformStacks,
    sharedEnvironment,
    stackDeploymentSettings,
    stackDriftSchedule,
    stackEnvironment,
} from "./settings";

export interface PlatformDeliveryArgs {
    /** The delivery program's validated config. */
    readonly config: DeliveryConfig;
    /** The platform's Pulumi project (the root Pulumi.yaml's name): the project of its stacks and of their ESC environments. */
    readonly platformProject: string;
}

/** What the delivery program exports. */
export interface DeliveryOutputs {
    /** ESC environment per platform stack, as its stack file imports it (`<project>/<stack>`), and the shared one. */
    readonly environments: Record<string, string>;
    /** Stacks that have deployment settings, as `<org>/<project>/<stack>`. */
    readonly deploymentStacks: pulumi.Output<string>[];
    /** Drift-detection schedule (cron, UTC) per stack that has one. */
    readonly driftSchedules: Record<string, string>;
    /** Per stack, the StringEquals conditions its role's trust policy needs (docs/deployments.md). */
    readonly oidcTrustConditions: Record<string, Record<string, string>>;
}

export class PlatformDelivery extends pulumi.ComponentResource {
    readonly outputs: DeliveryOutputs;

    constructor(name: string, args: PlatformDeliveryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("spark-k8s:delivery:PlatformDelivery", name, {}, opts);
        const { config, platformProject } = args;

        const escEnvironment = (resourceName: string, e: EscEnvironment, dependsOn: pulumi.Resource[] = []) =>
            new service.Environment(
                resourceName,
                { organization: config.organization, project: e.project, name: e.name, yaml: new pulumi.asset.StringAsset(environmentYaml(e)) },
                { parent: this, dependsOn },
            );

        const shared = sharedEnvironment(config, platformProject);
        // ESC refuses to save an environment whose imports do not exist: the shared one comes first.
        const sharedResource = escEnvironment(`${name}-env-${shared.name}`, shared);

        const environments: Record<string, string> = { [shared.name]: environmentRef(shared) };
        const deploymentStacks: pulumi.Output<string>[] = [];
        const driftSchedules: Record<string, string> = {};
        const oidcTrust: Record<string, Record<string, string>> = {};
        for (const stack of platformStacks) {
            const env = stackEnvironment(stack, config, platformProject);
            const envResource = escEnvironment(`${name}-env-${stack}`, env, [sharedResource]);
            environments[stack] = environmentRef(env);
            oidcTrust[stack] = oidcTrustConditions(stack, config, platformProject);

            // The stack's deployments need its environment, which its stack file imports.
            const settings = new service.DeploymentSettings(`${name}-settings-${stack}`, stackDeploymentSettings(stack, config, platformProject), {
                parent: this,
                dependsOn: [envResource],
            });
            deploymentStacks.push(pulumi.interpolate`${settings.organization}/${settings.project}/${settings.stack}`);

            const drift = stackDriftSchedule(stack, config);
            if (drift) {
                // A drift run is a deployment: it uses the stack's deployment settings.
                new service.DriftSchedule(
                    `${name}-drift-${stack}`,
                    { organization: config.organization, project: platformProject, stack, ...drift },
                    { parent: this, dependsOn: [settings] },
                );
                driftSchedules[stack] = drift.scheduleCron;
            }
        }

        this.outputs = { environments, deploymentStacks, driftSchedules, oidcTrustConditions: oidcTrust };
        this.registerOutputs({ ...this.outputs });
    }
}

/** The platform's Pulumi project name, from its Pulumi.yaml (the repository root's). */
export function platformProjectName(repositoryRoot: string): string {
    const project = parseYaml(fs.readFileSync(path.join(repositoryRoot, "Pulumi.yaml"), "utf8")) as { name?: unknown };
    if (typeof project.name !== "string" || project.name === "") throw new Error(`${path.join(repositoryRoot, "Pulumi.yaml")} has no project name`);
    return project.name;
}

/** The repository root: this program lives in its deployment/ folder. */
export const repositoryRoot = path.resolve(__dirname, "..");

/** Builds the delivery resources for the validated config; a factory, so one test process can build it many times. */
export function createDelivery(config: DeliveryConfig): DeliveryOutputs {
    return new PlatformDelivery("spark-k8s", { config, platformProject: platformProjectName(repositoryRoot) }).outputs;
}
