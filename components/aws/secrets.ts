import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { SecretsConfig } from "../config/schema";

/** How a field of a generated secret gets its value. */
export type FieldSource =
    | { readonly kind: "fixed"; readonly value: string }
    /** Letters and digits only, so it survives connection strings and shell quoting. */
    | { readonly kind: "password" }
    /** 32 random bytes, URL-safe base64: the format Airflow's Fernet key requires. */
    | { readonly kind: "fernetKey" }
    /** 64 characters for signing keys. */
    | { readonly kind: "signingKey" };

export interface GeneratedSecretSpec {
    readonly slug: string;
    readonly description: string;
    readonly fields: Readonly<Record<string, FieldSource>>;
}

const password: FieldSource = { kind: "password" };
const fixed = (value: string): FieldSource => ({ kind: "fixed", value });

/** The credentials the platform generates; each becomes one Secrets Manager secret holding JSON. */
export const generatedSecrets = {
    metastoreDatabase: { slug: "metastore-db", description: "Hive Metastore PostgreSQL user", fields: { username: fixed("metastore"), password } },
    airflowDatabase: { slug: "airflow-db", description: "Airflow metadata PostgreSQL user", fields: { username: fixed("airflow"), password } },
    airflow: {
        slug: "airflow",
        description: "Airflow Fernet key (connection encryption) and webserver/API signing keys",
        fields: { fernetKey: { kind: "fernetKey" }, webserverSecretKey: { kind: "signingKey" }, apiSecretKey: { kind: "signingKey" } },
    },
    grafanaAdmin: { slug: "grafana-admin", description: "Grafana admin user", fields: { username: fixed("admin"), password } },
    minioRoot: { slug: "minio-root", description: "MinIO root user", fields: { username: fixed("minio-root"), password } },
} as const satisfies Record<string, GeneratedSecretSpec>;

export type GeneratedSecretName = keyof typeof generatedSecrets;

/** Standard base64 to the URL-safe alphabet, padding kept (Fernet expects 44 characters). */
export function toUrlSafeBase64(b64: string): string {
    return b64.replace(/\+/g, "-").replace(/\//g, "_");
}

export interface SecretsArgs {
    /** Platform id (`<platformName>-<stack>`), the prefix of the secret names. */
    readonly platformId: string;
    readonly config: SecretsConfig;
    readonly kmsKeyId: pulumi.Input<string>;
}

/**
 * Generated credentials in AWS Secrets Manager, encrypted with the platform key. The values are
 * Pulumi secrets from the moment they are generated; only ARNs and names leave in plain text.
 */
export class PlatformSecrets extends pulumi.ComponentResource {
    readonly arns: Record<GeneratedSecretName, pulumi.Output<string>>;
    /** The generated values as JSON objects; Pulumi secrets, for components that need them. */
    readonly values: Record<GeneratedSecretName, pulumi.Output<Record<string, string>>>;

    constructor(name: string, args: SecretsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("spark-k8s:aws:PlatformSecrets", name, {}, opts);
        const parent = { parent: this };
        const arns: Partial<Record<GeneratedSecretName, pulumi.Output<string>>> = {};
        const values: Partial<Record<GeneratedSecretName, pulumi.Output<Record<string, string>>>> = {};

        for (const [key, spec] of Object.entries(generatedSecrets) as [GeneratedSecretName, GeneratedSecretSpec][]) {
            const id = `${name}-${spec.slug}`;
            const fields: Record<string, pulumi.Output<string>> = {};
            for (const [field, source] of Object.entries(spec.fields)) {
                const fieldId = `${id}-${field}`;
                switch (source.kind) {
                    case "fixed":
                        fields[field] = pulumi.output(source.value);
                        break;
                    case "password":
                        fields[field] = pulumi.secret(new random.RandomPassword(fieldId, { length: args.config.passwordLength, special: false }, parent).result);
                        break;
                    case "signingKey":
                        fields[field] = pulumi.secret(new random.RandomPassword(fieldId, { length: 64, special: false }, parent).result);
                        break;
                    case "fernetKey":
                        fields[field] = pulumi.secret(new random.RandomBytes(fieldId, { length: 32 }, parent).base64.apply(toUrlSafeBase64));
                        break;
                }
            }
            const value = pulumi.secret(pulumi.all(fields));
            const secret = new aws.secretsmanager.Secret(id, {
                name: `${args.platformId}/${spec.slug}`,
                description: spec.description,
                kmsKeyId: args.kmsKeyId,
                recoveryWindowInDays: args.config.recoveryWindowInDays,
            }, parent);
            new aws.secretsmanager.SecretVersion(id, { secretId: secret.id, secretString: value.apply((v) => JSON.stringify(v)) }, parent);
            arns[key] = secret.arn;
            values[key] = value;
        }
        this.arns = arns as Record<GeneratedSecretName, pulumi.Output<string>>;
        this.values = values as Record<GeneratedSecretName, pulumi.Output<Record<string, string>>>;
        this.registerOutputs({ arns: this.arns });
    }
}
