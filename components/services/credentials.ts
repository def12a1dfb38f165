import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

/** How a field of a generated secret gets its value. */
export type FieldSource =
    | { readonly kind: "fixed"; readonly value: string }
    /** Letters and digits only, so it survives connection strings and shell quoting. */
    | { readonly kind: "password" }
    /** 32 random bytes, URL-safe base64: the format Airflow's Fernet key requires. */
    | { readonly kind: "fernetKey" }
    /** 64 characters for signing keys. */
    | { readonly kind: "signingKey" }
    /** Not generated: the operator's own value, read as a Pulumi secret from the stack's secret config at configPath. */
    | { readonly kind: "provided"; readonly configPath: string };

/** What one generated credential holds, and how each of its fields gets its value. */
export interface GeneratedSecretSpec {
    /** Short name of its resources, and on AWS of its Secrets Manager secret `<platformId>/<slug>`. */
    readonly slug: string;
    /** Description of the Secrets Manager secret: who uses the credential. */
    readonly description: string;
    /** The credential's fields (username, password, keys) and where each value comes from. */
    readonly fields: Readonly<Record<string, FieldSource>>;
}

const password: FieldSource = { kind: "password" };
const fixed = (value: string): FieldSource => ({ kind: "fixed", value });

/**
 * The credentials the platform's workloads read, generated but for `provided` fields; on AWS each
 * also becomes one Secrets Manager secret.
 */
export const generatedSecrets = {
    databaseAdmin: { slug: "database-admin", description: "PostgreSQL administrator (creates the service databases)", fields: { username: fixed("platform_admin"), password } },
    metastoreDatabase: { slug: "metastore-db", description: "Hive Metastore PostgreSQL user", fields: { username: fixed("metastore"), password } },
    airflowDatabase: { slug: "airflow-db", description: "Airflow metadata PostgreSQL user", fields: { username: fixed("airflow"), password } },
    airflow: {
        slug: "airflow",
        description: "Airflow Fernet key (connection encryption), webserver/API signing keys and the task-token (JWT) signing key",
        fields: { fernetKey: { kind: "fernetKey" }, webserverSecretKey: { kind: "signingKey" }, apiSecretKey: { kind: "signingKey" }, jwtSecret: { kind: "signingKey" } },
    },
    airflowAdmin: { slug: "airflow-admin", description: "Airflow UI administrator (FAB auth manager), created by the chart's create-user Job", fields: { username: fixed("admin"), password } },
    minioRoot: { slug: "minio-root", description: "MinIO root user", fields: { username: fixed("minio-root"), password } },
    grafanaAdmin: { slug: "grafana-admin", description: "Grafana administrator of the monitoring stack", fields: { username: fixed("admin"), password } },
    githubOAuth: {
        slug: "jupyterhub-github-oauth",
        description: "JupyterHub's GitHub OAuth app client secret (authenticator github)",
        fields: { clientSecret: { kind: "provided", configPath: "services.jupyterhub.github.clientSecret" } },
    },
} as const satisfies Record<string, GeneratedSecretSpec>;

export type GeneratedSecretName = keyof typeof generatedSecrets;

/** Generated values by secret, only those the stack's components need; each a Pulumi secret holding the fields of its spec. */
export type CredentialValues = Readonly<Partial<Record<GeneratedSecretName, pulumi.Output<Record<string, string>>>>>;

/**
 * The credentials the components of a plan read (and on AWS keep in Secrets Manager): the database
 * administrator and the metastore's role always, Airflow's keys, admin and role with Airflow, the
 * MinIO root user with MinIO, Grafana's administrator with the monitoring stack, the GitHub OAuth
 * client secret with JupyterHub signing in through GitHub. Nothing is generated for a component the
 * stack does not install.
 */
export function credentialsNeeded(
    plan: { readonly airflow: { readonly enabled: boolean }; readonly minio: boolean; readonly jupyterhub: { readonly enabled: boolean } },
    services: { readonly observability: { readonly enabled: boolean }; readonly jupyterhub: { readonly authenticator: string } },
): GeneratedSecretName[] {
    return [
        "databaseAdmin",
        "metastoreDatabase",
        ...(plan.airflow.enabled ? (["airflowDatabase", "airflow", "airflowAdmin"] as const) : []),
        ...(plan.minio ? (["minioRoot"] as const) : []),
        ...(services.observability.enabled ? (["grafanaAdmin"] as const) : []),
        ...(plan.jupyterhub.enabled && services.jupyterhub.authenticator === "github" ? (["githubOAuth"] as const) : []),
    ];
}

/** Whether any field of a credential is the operator's own value rather than generated. */
export const isProvided = (name: GeneratedSecretName): boolean => Object.values(generatedSecrets[name].fields as Record<string, FieldSource>).some((f) => f.kind === "provided");

/** One generated credential a component reads; an error naming both when the stack did not generate it. */
export function credential(values: CredentialValues, name: GeneratedSecretName, reader: string): pulumi.Output<Record<string, string>> {
    const value = values[name];
    if (!value) throw new Error(`${reader} reads the ${name} credential, which this stack does not generate (credentialsNeeded)`);
    return value;
}

/** Standard base64 to the URL-safe alphabet, padding kept (Fernet expects 44 characters). */
export function toUrlSafeBase64(b64: string): string {
    return b64.replace(/\+/g, "-").replace(/\//g, "_");
}

/** Inputs of GeneratedCredentials: which credentials to generate, and password length. */
export interface GeneratedCredentialsArgs {
    /** Characters of each generated password (secrets.passwordLength, 24 to 128). */
    readonly passwordLength: number;
    /** Which credentials to generate (credentialsNeeded). */
    readonly names: readonly GeneratedSecretName[];
    /** The operator's values of `provided` fields, by config path, each a Pulumi secret. */
    readonly provided?: Readonly<Record<string, pulumi.Input<string>>>;
}

/** Generates the credentials the stack's components need. Values are Pulumi secrets from the start. */
export class GeneratedCredentials extends pulumi.ComponentResource {
    readonly values: CredentialValues;

    constructor(name: string, args: GeneratedCredentialsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("spark-k8s:services:GeneratedCredentials", name, {}, opts);
        const parent = { parent: this };
        const values: Partial<Record<GeneratedSecretName, pulumi.Output<Record<string, string>>>> = {};
        for (const key of args.names) {
            const spec: GeneratedSecretSpec = generatedSecrets[key];
            const fields: Record<string, pulumi.Output<string>> = {};
            for (const [field, source] of Object.entries(spec.fields)) {
                const id = `${name}-${spec.slug}-${field}`;
                switch (source.kind) {
                    case "fixed":
                        fields[field] = pulumi.output(source.value);
                        break;
                    case "password":
                        fields[field] = pulumi.secret(new random.RandomPassword(id, { length: args.passwordLength, special: false }, parent).result);
                        break;
                    case "signingKey":
                        fields[field] = pulumi.secret(new random.RandomPassword(id, { length: 64, special: false }, parent).result);
                        break;
                    case "fernetKey":
                        fields[field] = pulumi.secret(new random.RandomBytes(id, { length: 32 }, parent).base64.apply(toUrlSafeBase64));
                        break;
                    case "provided": {
                        const value = args.provided?.[source.configPath];
                        if (value === undefined) throw new Error(`GeneratedCredentials: ${key}.${field} is the operator's value at ${source.configPath}, and none was given`);
                        fields[field] = pulumi.secret(value);
                        break;
                    }
                }
            }
            values[key] = pulumi.secret(pulumi.all(fields));
        }
        this.values = values;
        this.registerOutputs({});
    }
}
