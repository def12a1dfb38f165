import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { SecretsConfig } from "../config/schema";
import { credential, CredentialValues, generatedSecrets, GeneratedSecretName } from "../services/credentials";

/** Inputs of PlatformSecrets: the generated credentials and how Secrets Manager keeps them. */
export interface SecretsArgs {
    /** Platform id (`<platform.name>-<stack>`), the prefix of the secret names. */
    readonly platformId: string;
    /** The secrets config area; its recoveryWindowInDays applies to every secret. */
    readonly config: SecretsConfig;
    /** Platform key that encrypts the secrets (key id or ARN). */
    readonly kmsKeyId: pulumi.Input<string>;
    /** The generated credentials to store, one secret each. */
    readonly values: CredentialValues;
}

/**
 * The generated credentials in AWS Secrets Manager, encrypted with the platform key, one JSON
 * secret per credential. Values stay Pulumi secrets; only ARNs leave in plain text.
 */
export class PlatformSecrets extends pulumi.ComponentResource {
    readonly arns: Partial<Record<GeneratedSecretName, pulumi.Output<string>>>;
    /** The version id of each secret's current value: a new value is a new id, which rolls the workloads reading it. */
    readonly versions: Partial<Record<GeneratedSecretName, pulumi.Output<string>>>;

    constructor(name: string, args: SecretsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("spark-k8s:aws:PlatformSecrets", name, {}, opts);
        const parent = { parent: this };
        const arns: Partial<Record<GeneratedSecretName, pulumi.Output<string>>> = {};
        const versions: Partial<Record<GeneratedSecretName, pulumi.Output<string>>> = {};
        for (const key of Object.keys(args.values) as GeneratedSecretName[]) {
            const spec = generatedSecrets[key];
            const value = credential(args.values, key, "PlatformSecrets");
            const id = `${name}-${spec.slug}`;
            const secret = new aws.secretsmanager.Secret(id, {
                name: `${args.platformId}/${spec.slug}`,
                description: spec.description,
                kmsKeyId: args.kmsKeyId,
                recoveryWindowInDays: args.config.recoveryWindowInDays,
            }, parent);
            const version = new aws.secretsmanager.SecretVersion(id, { secretId: secret.id, secretString: value.apply((v) => JSON.stringify(v)) }, parent);
            arns[key] = secret.arn;
            versions[key] = version.versionId;
        }
        this.arns = arns;
        this.versions = versions;
        this.registerOutputs({ arns: this.arns });
    }
}
